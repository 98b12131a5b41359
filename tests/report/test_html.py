"""HTML report: self-contained, escaped, bounded, safe file names; renders in headless Chromium."""

from __future__ import annotations

import os
import re
import shutil
import struct
import subprocess
import zlib
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from gmsvar.errors import InputError
from gmsvar.report import Interpretation
from gmsvar.report import writers as w
from gmsvar.report.html import (
    FINDINGS_BAND_COLOUR,
    render_html,
    safe_filename,
    safe_sample_filenames,
    svg_histogram,
)

EVIL_SAMPLE = '<script>alert("s")</script>/../../etc/x'
EVIL = '<script>alert(1)</script><img src=x onerror="alert(2)"><a href="https://evil.example/">x</a>'


def _evil_interp(make_interp: Callable[..., Interpretation]) -> Interpretation:
    r = make_interp()
    v, f, qc = r.variants, r.findings, r.qc
    old = "ADM1059A1"
    for df in (v, f, qc):
        df["sample"] = df["sample"].replace({old: EVIL_SAMPLE})
    mine = v.index[v["sample"] == EVIL_SAMPLE][:3]
    v.loc[mine, "gene"] = EVIL
    v.loc[mine, "hgvsc"] = "c.1A>G" + EVIL
    v.loc[mine, "evidence"] = EVIL
    f["recommendation"] = EVIL
    f.loc[f.index[0], "sample"] = EVIL_SAMPLE
    prov = dict(r.provenance, samples=[EVIL_SAMPLE, "ADM1059A2", "ADM1059A3"])
    prov["input"] = dict(prov["input"], path="/data/<b>bold</b>.vcf.gz")
    return make_interp(variants=v, findings=f, qc=qc, provenance=prov)


# ------------------------------------------------------------------------------ file names


@pytest.mark.parametrize(
    ("name", "expect"),
    [
        ("NA12878", "NA12878"),
        ("../../etc/passwd", "etc_passwd"),
        ("..", "sample"),
        (".hidden", "hidden"),
        ("a/b\\c", "a_b_c"),
        ("C:\\Windows\\x", "C_Windows_x"),
        ("x\x00y", "x_y"),
        ("nul", "_nul"),
        ("tumour..normal", "tumour_normal"),
        ("", "sample"),
        ("S 1", "S_1"),
        ("Ünï", "n"),
    ],
)
def test_safe_filename__cases(name: str, expect: str) -> None:
    assert safe_filename(name) == expect


def test_safe_filename__bounded_and_distinct() -> None:
    a, b = safe_filename("x" * 5000 + "a"), safe_filename("x" * 5000 + "b")
    assert len(a) == len(b) == 100 and a != b
    assert re.fullmatch(r"[A-Za-z0-9._-]+", a)


def test_safe_sample_filenames__collisions_and_case() -> None:
    names = safe_sample_filenames(["S/1", "S_1", "S?1", "s_1", "S_1"])
    assert names["S_1"] == "S_1.html"
    values = list(names.values())
    assert (
        len({v.lower() for v in values}) == len(values) == 4
    )  # duplicates collapse; case-insensitive unique
    assert all("/" not in v and ".." not in v for v in values)


# ------------------------------------------------------------------------------ content


def test_render_html__escapes_everything_from_the_vcf(make_interp: Callable[..., Interpretation]) -> None:
    r = _evil_interp(make_interp)
    page = render_html(r, EVIL_SAMPLE)
    assert "<script" not in page.lower()
    assert "<img" not in page.lower() and "onerror=" not in page.replace("onerror=&quot;", "")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert (
        "&lt;script&gt;alert(&quot;s&quot;)&lt;/script&gt;/../../etc/x" in page
    )  # sample name shown, escaped
    assert "&lt;b&gt;bold&lt;/b&gt;" in page and "<b>bold</b>" not in page


def test_render_html__self_contained(make_interp: Callable[..., Interpretation]) -> None:
    page = render_html(make_interp(), "ADM1059A1")
    low = page.lower()
    for bad in ("<script", "<link", "<iframe", "<object", "<embed", "@import", "url(", "src=", "href="):
        assert bad not in low, bad
    # the only URL is the SVG namespace identifier, which is never fetched
    assert set(re.findall(r"https?://[^\s\"'<>]+", page)) <= {"http://www.w3.org/2000/svg"}
    assert "Content-Security-Policy" in page and "default-src 'none'" in page


def test_render_html__section_order_and_content(make_interp: Callable[..., Interpretation]) -> None:
    r = make_interp()
    page = render_html(r, "ADM1059A2")
    order = [page.index(f'id="{s}"') for s in ("findings", "variants", "qc", "provenance")]
    assert order == sorted(order)
    assert f"background:{FINDINGS_BAND_COLOUR}" in page
    assert "DPYD activity score" in page and "not assessed" in page  # non-variant finding
    assert page.count("<svg") == 2  # VAF histogram + depth plot
    n_rows = int((r.variants["sample"] == "ADM1059A2").sum())
    assert f"Classified variants ({n_rows})" in page
    assert r.provenance["input"]["sha256"] in page and "acgs2020" in page
    # most pathogenic first
    first_cls = re.search(r'<table class="variants">.*?<span class="cls (\w+)">', page, re.S)
    assert first_cls is not None and first_cls.group(1) == "p"


def test_render_html__no_findings_says_so(make_interp: Callable[..., Interpretation]) -> None:
    r = make_interp()
    (without,) = [s for s in r.samples if s not in set(r.findings["sample"])]
    page = render_html(r, without)
    assert "No actionable or reportable findings" in page


def test_render_html__10mb_value_is_truncated(
    make_interp: Callable[..., Interpretation], tmp_path: Path
) -> None:
    r = make_interp()
    huge = "<x>" * (10 * 1024 * 1024 // 3)
    r.variants.loc[r.variants.index[0], "evidence"] = huge
    r.variants.loc[r.variants.index[0], "variant_alt"] = "A" * 100_000
    sample = str(r.variants["sample"].iloc[0])
    (path,) = r.to_html(tmp_path / "r.html", sample=sample)
    size = path.stat().st_size
    assert size < 500_000, size
    text = path.read_text()
    assert f"[truncated: {len(huge):,} characters in total]" in text
    assert "[truncated: 100,000 characters in total]" in text
    assert "<x>" not in text


def test_render_html__max_rows_notes_the_rest(make_interp: Callable[..., Interpretation]) -> None:
    page = render_html(make_interp(), "ADM1059A1", max_rows=5)
    assert "further variants (the least pathogenic) are not shown" in page
    assert page.count("<tr>") < 60


def test_svg_histogram__empty_and_escaped_labels() -> None:
    svg = svg_histogram([], bins=np.linspace(0, 1, 5), title="<t>", xlabel="&")
    assert "no data" in svg and "&lt;t&gt;" in svg and "&amp;" in svg


# ------------------------------------------------------------------------------ files


def test_to_html__one_file_per_sample_in_a_directory(
    make_interp: Callable[..., Interpretation], tmp_path: Path
) -> None:
    r = _evil_interp(make_interp)
    out = tmp_path / "reports"
    written = r.to_html(out)
    assert [p.parent for p in written] == [out] * 3
    names = [p.name for p in written]
    assert names[1:] == ["ADM1059A2.html", "ADM1059A3.html"]
    assert names[0].startswith("script_alert_s_script_etc_x") and names[0].endswith(".html")
    assert sorted(os.listdir(out)) == sorted(names)
    assert sorted(os.listdir(tmp_path)) == ["reports"]  # nothing escaped the directory


def test_to_html__single_sample_path_is_the_file(
    make_interp: Callable[..., Interpretation], tmp_path: Path
) -> None:
    r = make_interp()
    (p,) = r.to_html(tmp_path / "one.html", sample="ADM1059A2")
    assert p == tmp_path / "one.html" and "ADM1059A2" in p.read_text()
    only = make_interp(provenance=dict(r.provenance, samples=["ADM1059A3"]))
    assert only.to_html(tmp_path / "three.html") == [tmp_path / "three.html"]
    assert only.to_html(tmp_path) == [tmp_path / "ADM1059A3.html"]  # an existing directory
    # no .html suffix: a directory
    assert only.to_html(tmp_path / "new") == [tmp_path / "new" / "ADM1059A3.html"]


def test_to_html__errors(make_interp: Callable[..., Interpretation], tmp_path: Path) -> None:
    r = make_interp()
    with pytest.raises(InputError, match="not in the interpretation"):
        r.to_html(tmp_path / "x.html", sample="nobody")
    (tmp_path / "file.html").write_text("x")
    with pytest.raises(InputError, match="need a directory"):
        r.to_html(tmp_path / "file.html")
    empty = Interpretation(pd.DataFrame(), pd.DataFrame(), pd.DataFrame(), {})
    with pytest.raises(InputError, match="no samples"):
        empty.to_html(tmp_path / "e.html")


def test_to_html__failure_half_way_leaves_no_partial_file(
    make_interp: Callable[..., Interpretation], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_open = open

    class Half:
        def __init__(self, fh: object) -> None:
            self.fh = fh

        def write(self, s: str) -> int:
            self.fh.write(s[: len(s) // 2])  # type: ignore[attr-defined]
            raise OSError(28, "No space left on device (injected)")

        def __enter__(self) -> Half:
            return self

        def __exit__(self, *a: object) -> None:
            self.fh.close()  # type: ignore[attr-defined]

    monkeypatch.setattr(
        w, "open", lambda f, mode="r", *a, **k: Half(real_open(f, mode, *a, **k)), raising=False
    )
    target = tmp_path / "r.html"
    target.write_text("previous")
    with pytest.raises(OSError, match="injected"):
        make_interp().to_html(target, sample="ADM1059A1")
    assert sorted(os.listdir(tmp_path)) == ["r.html"] and target.read_text() == "previous"


# ------------------------------------------------------------------------------ headless Chromium

BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome")


def _browser() -> str | None:
    for name in BROWSERS:
        found = shutil.which(name)
        if found:
            return found
    return "/usr/bin/chromium" if os.access("/usr/bin/chromium", os.X_OK) else None


def _chromium(browser: str, profile: Path, *args: str) -> subprocess.CompletedProcess[bytes]:
    cmd = [
        browser,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-extensions",
        "--hide-scrollbars",
        f"--user-data-dir={profile}",
        *args,
    ]
    return subprocess.run(cmd, capture_output=True, timeout=60, check=False)


def _decode_png(data: bytes, max_rows: int) -> np.ndarray:
    """Minimal PNG decoder (8-bit RGB/RGBA, non-interlaced): the first ``max_rows`` rows."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat = 8, []
    width = height = colour_type = 0
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind, chunk = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + length]
        pos += 12 + length
        if kind == b"IHDR":
            width, height, depth, colour_type, _, _, interlace = struct.unpack(">IIBBBBB", chunk)
            assert depth == 8 and interlace == 0 and colour_type in (2, 6), (depth, colour_type, interlace)
        elif kind == b"IDAT":
            idat.append(chunk)
        elif kind == b"IEND":
            break
    bpp = 3 if colour_type == 2 else 4
    stride = width * bpp
    raw = zlib.decompress(b"".join(idat))
    rows = min(height, max_rows)
    out = np.zeros((rows, stride), dtype=np.uint8)
    prev = np.zeros(stride, dtype=np.int64)
    for y in range(rows):
        start = y * (stride + 1)
        kind_byte = raw[start]
        line = np.frombuffer(raw, dtype=np.uint8, count=stride, offset=start + 1).astype(np.int64)
        if kind_byte == 0:
            cur = line
        elif kind_byte == 1:  # Sub: running sum per channel
            cur = np.cumsum(line.reshape(width, bpp), axis=0).ravel() & 0xFF
        elif kind_byte == 2:  # Up
            cur = (line + prev) & 0xFF
        else:  # Average / Paeth: sequential within the row
            cur_l = [0] * stride
            p = prev.tolist()
            ln = line.tolist()
            for i in range(stride):
                a = cur_l[i - bpp] if i >= bpp else 0
                b = p[i]
                if kind_byte == 3:
                    cur_l[i] = (ln[i] + ((a + b) >> 1)) & 0xFF
                else:
                    c = p[i - bpp] if i >= bpp else 0
                    pa, pb, pc = abs(b - c), abs(a - c), abs(a + b - 2 * c)
                    pred = a if (pa <= pb and pa <= pc) else (b if pb <= pc else c)
                    cur_l[i] = (ln[i] + pred) & 0xFF
            cur = np.asarray(cur_l, dtype=np.int64)
        out[y] = cur
        prev = cur
    return out.reshape(rows, width, bpp)[:, :, :3]


def test_decode_png__matches_known_image() -> None:
    # 2x2 RGB image written with filters None and Sub; colours checked pixel by pixel
    rows = [b"\x00" + bytes([255, 0, 0, 0, 255, 0]), b"\x01" + bytes([0, 0, 255, 51, 0, (114 - 255) & 0xFF])]
    ihdr = struct.pack(">IIBBBBB", 2, 2, 8, 2, 0, 0, 0)

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    png = (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(b"".join(rows)))
        + chunk(b"IEND", b"")
    )
    img = _decode_png(png, 10)
    assert img.tolist() == [[[255, 0, 0], [0, 255, 0]], [[0, 0, 255], [51, 0, 114]]]


@pytest.mark.skipif(_browser() is None, reason="no Chromium/Chrome binary installed")
def test_html__renders_in_headless_chromium_with_findings_visible(
    make_interp: Callable[..., Interpretation], tmp_path: Path
) -> None:
    browser = _browser()
    assert browser is not None
    r = _evil_interp(make_interp)
    (page,) = r.to_html(tmp_path / "report.html", sample=EVIL_SAMPLE)
    png = tmp_path / "shot.png"
    done = _chromium(
        browser, tmp_path / "profile", f"--screenshot={png}", "--window-size=1200,900", page.as_uri()
    )
    assert png.exists(), done.stderr.decode(errors="replace")[-2000:]
    img = _decode_png(png.read_bytes(), max_rows=450)
    band = tuple(int(FINDINGS_BAND_COLOUR[i : i + 2], 16) for i in (1, 3, 5))
    hits = np.all(np.abs(img.astype(int) - np.array(band)) <= 3, axis=2)
    ys = np.nonzero(hits.any(axis=1))[0]
    # the findings band: a full-width bar of the band colour within the first screen
    assert ys.size >= 20, "findings band not drawn near the top of the page"
    assert hits[ys[0]].sum() > 800
    assert ys[0] < 300
    # the page header (NHS blue) is drawn above it
    blue = np.all(np.abs(img[: ys[0]].astype(int) - np.array((0x00, 0x5E, 0xB8))) <= 3, axis=2)
    assert blue.sum() > 10_000

    dom = _chromium(browser, tmp_path / "profile", "--dump-dom", page.as_uri()).stdout.decode()
    assert 'id="findings"' in dom and "Findings summary" in dom
    assert "<script" not in dom.lower()  # the hostile names stayed text: no element was created
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in dom


def test_to_html__undecodable_input_path(make_interp: Callable[..., Interpretation], tmp_path: Path) -> None:
    r = make_interp()
    r.provenance["input"]["path"] = os.fsdecode(b"/data/caf\xe9.vcf.gz")
    (p,) = r.to_html(tmp_path / "r.html", sample="ADM1059A1")
    assert "/data/caf?.vcf.gz" in p.read_text()
