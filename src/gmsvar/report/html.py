"""Self-contained offline HTML report, one page per sample.

The page has no scripts and fetches nothing: styles are inline, plots are hand-written
inline SVG, and a Content-Security-Policy ``<meta>`` forbids scripts and remote loads as a
second line of defence. Order: findings summary (in a coloured band at the top), then the
classified variants with their evidence, QC (table, VAF histogram, depth histogram), then
provenance.

Every value that can come from the VCF (sample names, genes, HGVS, INFO-derived text) goes
through :func:`html.escape`; text longer than ``max_chars`` (2,000 by default; alleles 60)
is cut with a visible ``[truncated ...]`` marker, so a 10 MB INFO value cannot make a 10 MB
page. Sample names used as file names are sanitised by :func:`safe_filename`.

Examples
--------
>>> safe_filename("../../etc/passwd"), safe_filename("NA12878"), safe_filename("a/b\\\\c")
('etc_passwd', 'NA12878', 'a_b_c')
>>> safe_sample_filenames(["S 1", "S_1", "s_1"])
{'S 1': 'S_1-7eec045c.html', 'S_1': 'S_1.html', 's_1': 's_1-77ceec1a.html'}
"""

from __future__ import annotations

import hashlib
import html
import math
import os
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ..errors import InputError
from .writers import _target, atomic_write

if TYPE_CHECKING:  # pragma: no cover
    from .result import Interpretation

__all__ = [
    "FINDINGS_BAND_COLOUR",
    "MAX_CELL_CHARS",
    "render_html",
    "safe_filename",
    "safe_sample_filenames",
    "svg_histogram",
    "write_html",
]

#: Background of the findings header band (NHS purple); the screenshot test looks for it.
FINDINGS_BAND_COLOUR = "#330072"
#: Longest free-text value shown in a cell before it is cut with a marker.
MAX_CELL_CHARS = 2000
#: Longest REF/ALT allele shown.
MAX_ALLELE_CHARS = 60
#: Most variant rows shown per sample (most pathogenic first); the rest are counted.
MAX_VARIANT_ROWS = 1000
MAX_FILENAME_CHARS = 100

CLASS_ORDER = ("Pathogenic", "Likely pathogenic", "Uncertain significance", "Not classified",
               "Likely benign", "Benign")
_CLASS_CSS = {"Pathogenic": "p", "Likely pathogenic": "lp", "Uncertain significance": "vus",
              "Likely benign": "lb", "Benign": "b", "Not classified": "nc"}
_WINDOWS_RESERVED = {"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(1, 10)),
                     *(f"LPT{i}" for i in range(1, 10))}
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
# C0/C1 controls except tab/newline: shown as U+FFFD rather than passed to the browser.
_CONTROLS = str.maketrans({c: "\ufffd" for c in [*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20),
                                                    *range(0x7F, 0xA0)]})

_CSS = """
*{box-sizing:border-box}
body{font-family:Arial,Helvetica,sans-serif;margin:0;color:#212b32;background:#fff;font-size:14px}
header.top{background:#005eb8;color:#fff;padding:14px 24px}
header.top h1{margin:0 0 4px 0;font-size:22px}
header.top p{margin:2px 0}
main{padding:0 24px 24px 24px}
section{margin-top:18px}
h2{font-size:18px;margin:0 0 8px 0;padding:8px 12px;background:#e8edee}
h2.band{background:__BAND__;color:#fff;padding:12px 16px;font-size:20px}
table{border-collapse:collapse;width:100%;margin:6px 0 12px 0}
th,td{border:1px solid #d8dde0;padding:4px 6px;text-align:left;vertical-align:top}
th{background:#f0f4f5}
td{overflow-wrap:break-word}
td.w{overflow-wrap:anywhere;min-width:6em}
.scroll{overflow-x:auto}
table.variants{font-size:13px}
td.ev{white-space:pre-wrap;min-width:200px;overflow-wrap:anywhere}
.cls{display:inline-block;padding:1px 6px;border-radius:3px;font-weight:bold;white-space:nowrap}
.cls.p{background:#d5281b;color:#fff}.cls.lp{background:#ed8b00;color:#000}
.cls.vus{background:#ffeb3b;color:#000}.cls.lb{background:#b8e0b8;color:#000}
.cls.b{background:#007f3b;color:#fff}.cls.nc{background:#aeb7bd;color:#000}
.na{color:#768692}
.trunc{color:#d5281b;font-style:italic}
.lead{font-size:16px}
.none{font-size:16px;padding:8px 12px;border-left:6px solid #768692;background:#f0f4f5}
figure{display:inline-block;margin:0 18px 12px 0}
figcaption{font-size:12px;color:#4c6272}
footer{padding:12px 24px;border-top:1px solid #d8dde0;color:#4c6272;font-size:12px}
code{font-family:Consolas,Menlo,monospace}
@media print{header.top,h2.band{-webkit-print-color-adjust:exact;print-color-adjust:exact}}
""".replace("__BAND__", FINDINGS_BAND_COLOUR)

_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'"


# ---------------------------------------------------------------------------------------------
# file names


def safe_filename(name: str, *, max_length: int = MAX_FILENAME_CHARS) -> str:
    """A file-name stem derived from a sample name: no path separators, no ``..``, bounded.

    Characters outside ``A-Z a-z 0-9 . _ -`` become ``_``; runs of dots become ``_`` (so no
    ``..``) and runs of ``_`` one ``_``;
    leading/trailing ``. _ -`` are removed (no hidden files); Windows device names get a
    ``_`` prefix; an empty result becomes ``sample``. Names longer than ``max_length`` are
    cut and given an 8-hex-digit hash of the original so distinct long names stay distinct.

    >>> safe_filename("..") , safe_filename("CON"), len(safe_filename("x" * 500))
    ('sample', '_CON', 100)
    """
    s = unicodedata.normalize("NFKC", str(name))
    s = _UNSAFE.sub("_", s)
    s = re.sub(r"\.{2,}", "_", s)
    s = re.sub(r"_{2,}", "_", s)
    s = s.strip("._-") or "sample"
    if s.split(".")[0].upper() in _WINDOWS_RESERVED:
        s = "_" + s
    if len(s) > max_length:
        s = s[: max_length - 9].rstrip("._-") + "-" + _short_hash(name)
    return s


def _short_hash(name: str) -> str:
    return hashlib.sha256(str(name).encode("utf-8", "surrogatepass")).hexdigest()[:8]


def safe_sample_filenames(samples: Sequence[str], *, suffix: str = ".html",
                          max_length: int = MAX_FILENAME_CHARS) -> dict[str, str]:
    """Unique file names for ``samples``, safe on case-insensitive file systems.

    A name equal to its sanitised form keeps it; names that collide after sanitising (or
    only differ in case) get ``-<hash of the original name>`` appended, so each sample's
    file name does not depend on the order of the others.
    """
    base = {s: safe_filename(s, max_length=max_length) for s in dict.fromkeys(samples)}
    groups: dict[str, list[str]] = {}
    for s, b in base.items():
        groups.setdefault(b.lower(), []).append(s)
    out: dict[str, str] = {}
    for members in groups.values():
        keeper = next((s for s in members if base[s] == s), None) if len(members) > 1 else members[0]
        for s in members:
            stem = base[s]
            if s != keeper:
                stem = stem[: max_length - 9].rstrip("._-") + "-" + _short_hash(s)
            out[s] = stem
    # a hashed stem could (astronomically rarely) equal another sample's stem: number them
    seen: set[str] = set()
    for s in base:
        stem, n = out[s], 2
        while stem.lower() in seen:
            stem, n = f"{out[s]}-{n}", n + 1
        seen.add(stem.lower())
        out[s] = stem + suffix
    return out


# ---------------------------------------------------------------------------------------------
# value formatting (everything returned here is already HTML-escaped)


def _missing(v: Any) -> bool:
    if v is None:
        return True
    try:
        return bool(pd.isna(v))
    except (TypeError, ValueError):
        return False


def _esc(v: Any, limit: int = MAX_CELL_CHARS) -> str:
    """Escaped text, cut at ``limit`` characters with a visible marker."""
    if _missing(v):
        return '<span class="na">&ndash;</span>'
    s = str(v).translate(_CONTROLS)
    if len(s) > limit:
        return (html.escape(s[:limit]) + f'<span class="trunc">&hellip; [truncated: {len(s):,} '
                "characters in total]</span>")
    return html.escape(s)


def _num(v: Any, fmt: str) -> str:
    if _missing(v):
        return '<span class="na">&ndash;</span>'
    try:
        f = float(v)
    except (TypeError, ValueError):
        return _esc(v)
    if not math.isfinite(f):
        return _esc(v)
    return html.escape(format(f, fmt))


def _int(v: Any) -> str:
    if _missing(v):
        return '<span class="na">&ndash;</span>'
    try:
        f = float(v)
    except (TypeError, ValueError):
        return _esc(v)
    if not math.isfinite(f) or f < 0:  # -1 is the reader's missing code
        return '<span class="na">&ndash;</span>'
    return str(int(f))


def _freq(v: Any) -> str:
    if _missing(v):
        return '<span class="na">&ndash;</span>'
    try:
        f = float(v)
    except (TypeError, ValueError):
        return _esc(v)
    if f == 0:
        return "0"
    return html.escape(format(f, ".2e") if 0 < abs(f) < 1e-3 else format(f, ".4f"))


def _spaced(v: Any, sep: str) -> Any:
    """``"PVS1,PM2"`` -> ``"PVS1, PM2"`` so browsers can wrap lists between items."""
    return v if _missing(v) else f"{sep} ".join(x.strip() for x in str(v).split(sep))


def _cls(v: Any) -> str:
    if _missing(v):
        return '<span class="na">&ndash;</span>'
    css = _CLASS_CSS.get(str(v), "nc")
    return f'<span class="cls {css}">{_esc(v, 60)}</span>'


def _table(headers: Sequence[str], rows: Iterable[Sequence[str]], *, cls: str = "") -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in headers)
    body = "\n".join("<tr>" + "".join(cells) + "</tr>" for cells in rows)
    attr = f' class="{cls}"' if cls else ""
    return f"<table{attr}><thead><tr>{head}</tr></thead><tbody>\n{body}\n</tbody></table>"


# ---------------------------------------------------------------------------------------------
# SVG


def svg_histogram(
    values: Sequence[float] | np.ndarray,
    *,
    bins: Sequence[float] | np.ndarray,
    title: str,
    xlabel: str,
    colour: str = "#005eb8",
    width: int = 520,
    height: int = 220,
    overflow_label: bool = False,
) -> str:
    """An inline SVG histogram (no external resources); labels are HTML-escaped.

    Values outside the bin range are clipped into the end bins; with ``overflow_label`` the
    last tick reads ``>=<edge>``.

    >>> svg = svg_histogram([0.1, 0.5, 0.52], bins=np.linspace(0, 1, 11), title="VAF", xlabel="VAF")
    >>> svg.startswith("<svg") and svg.count("<rect") == 1 + 2  # frame + 2 non-empty bins
    True
    """
    edges = np.asarray(bins, dtype=float)
    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v)]
    v = np.clip(v, edges[0], edges[-1])
    counts, _ = np.histogram(v, bins=edges)
    left, right, top, bottom = 48, 12, 26, 40
    pw, ph = width - left - right, height - top - bottom
    ymax = int(counts.max()) if counts.size and counts.max() > 0 else 1
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="{html.escape(title)}">',
        f'<rect x="{left}" y="{top}" width="{pw}" height="{ph}" fill="#f8fafb" stroke="#aeb7bd"/>',
        f'<text x="{width / 2:.1f}" y="16" text-anchor="middle" font-size="13" '
        f'font-weight="bold">{html.escape(title)}</text>',
    ]
    n = len(counts)
    bw = pw / n
    for i, c in enumerate(counts):
        if c <= 0:
            continue
        h = ph * c / ymax
        parts.append(f'<rect x="{left + i * bw + 0.5:.1f}" y="{top + ph - h:.1f}" '
                     f'width="{max(bw - 1, 1):.1f}" height="{h:.1f}" fill="{html.escape(colour)}">'
                     f"<title>{edges[i]:g}"
                     f"&ndash;{edges[i + 1]:g}: {int(c)}</title></rect>")
    for tick in sorted({0, ymax // 2, ymax}):  # whole counts only
        y = top + ph - ph * tick / ymax
        parts.append(f'<text x="{left - 4}" y="{y + 4:.1f}" text-anchor="end" font-size="11">'
                     f"{tick:d}</text>")
    step = max(1, n // 5)
    for i in range(0, n + 1, step):
        x = left + i * bw
        label = f"{edges[i]:g}"
        if overflow_label and i == n:
            label = "&#8805;" + label
        parts.append(f'<line x1="{x:.1f}" y1="{top + ph}" x2="{x:.1f}" y2="{top + ph + 4}" '
                     'stroke="#4c6272"/>')
        parts.append(f'<text x="{x:.1f}" y="{top + ph + 16}" text-anchor="middle" '
                     f'font-size="11">{label}</text>')
    parts.append(f'<text x="{left + pw / 2:.1f}" y="{height - 6}" text-anchor="middle" font-size="12">'
                 f"{html.escape(xlabel)}</text>")
    if v.size == 0:
        parts.append(f'<text x="{left + pw / 2:.1f}" y="{top + ph / 2:.1f}" text-anchor="middle" '
                     'font-size="13" fill="#768692">no data</text>')
    parts.append("</svg>")
    return "".join(parts)


def _depth_bins(depth: np.ndarray) -> np.ndarray:
    hi = float(np.percentile(depth, 99)) if depth.size else 100.0
    hi = max(10.0, math.ceil(hi / 10.0) * 10.0)
    return np.linspace(0.0, hi, 21)


# ---------------------------------------------------------------------------------------------
# sections


def _header(interp: Interpretation, sample: str) -> str:
    p = interp.provenance
    test = p["test"] if isinstance(p.get("test"), Mapping) else {}
    panel = p["panel"] if isinstance(p.get("panel"), Mapping) else {}
    bits = []
    if test:
        bits.append(f"Test {_esc(test.get('code'), 40)} {_esc(test.get('name'), 200)}"
                    + (f" (directory {_esc(test.get('edition'), 60)})" if test.get("edition") else ""))
    if panel:
        bits.append(f"Panel {_esc(panel.get('name'), 200)} (id {_esc(panel.get('id'), 40)}, "
                    f"version {_esc(panel.get('version'), 40)})")
    meta = " &middot; ".join(x for x in (_esc(p.get("build"), 40) if p.get("build") else "",
                                          _esc(p.get("mode"), 40) if p.get("mode") else "",
                                          f"created {_esc(p.get('created'), 60)}" if p.get("created") else "")
                             if x)
    return (f'<header class="top"><h1>gmsvar variant interpretation report</h1>'
            f"<p>Sample <b>{_esc(sample, 200)}</b></p>"
            + "".join(f"<p>{b}</p>" for b in bits) + (f"<p>{meta}</p>" if meta else "") + "</header>")


def _class_counts(variants: pd.DataFrame) -> str:
    if "classification" not in variants.columns or variants.empty:
        return "no classified variants"
    counts = variants["classification"].value_counts(dropna=False)
    parts = [f"{_cls(c)} {int(counts[c])}" for c in CLASS_ORDER if c in counts.index]
    others = [c for c in counts.index if c not in CLASS_ORDER]
    parts += [f"{_cls(c)} {int(counts[c])}" for c in others]
    return ", ".join(parts)


def _findings_section(findings: pd.DataFrame, variants: pd.DataFrame, *, limit: int) -> str:
    n = len(findings)
    lead = (f'<p class="lead"><b>{n}</b> finding{"s" if n != 1 else ""} for this sample. '
            f"Classified variants: {_class_counts(variants)}.</p>")
    if n == 0:
        body = ('<p class="none">No actionable or reportable findings for this sample '
                "(see the classified variants below).</p>")
    else:
        rows = []
        for r in findings.to_dict("records"):
            hgvs = [_esc(r.get(k), limit) for k in ("hgvsc", "hgvsp") if not _missing(r.get(k))]
            variant = " ".join(hgvs) or _esc(r.get("biomarker"), limit)
            cls = _cls(r.get("classification")) if not _missing(r.get("classification")) else _esc(None)
            rows.append([
                f"<td><b>{_esc(r.get('gene'), 60)}</b></td>",
                f'<td class="w">{variant}</td>',
                f"<td>{_esc(r.get('category'), 60)}</td>",
                f"<td>{cls}</td>",
                f"<td>{_esc(r.get('tier'), 60)} / {_esc(r.get('evidence_level'), 60)}</td>",
                f"<td>{_esc(r.get('zygosity'), 30)}; VAF {_num(r.get('vaf'), '.2f')}; "
                f"depth {_int(r.get('depth'))}</td>",
                f'<td class="ev">{_esc(r.get("recommendation"), limit)}</td>',
                f"<td>{_esc(r.get('kb_name'), 80)} {_esc(r.get('kb_version'), 40)}</td>",
            ])
        body = _table(["Gene", "Variant / biomarker", "Category", "Class", "Tier / level",
                       "Zygosity, VAF, depth", "Recommendation", "Knowledge base"], rows)
    return f'<section id="findings"><h2 class="band">Findings summary</h2>{lead}{body}</section>'


def _sort_variants(variants: pd.DataFrame) -> pd.DataFrame:
    """Most pathogenic first (class order, then points, high to low), else input order."""
    if variants.empty:
        return variants
    rank_of = {c: i for i, c in enumerate(CLASS_ORDER)}
    cls = variants["classification"] if "classification" in variants.columns else [None] * len(variants)
    rank = np.array([rank_of.get(str(c), len(CLASS_ORDER)) for c in cls])
    points = (pd.to_numeric(variants["points"], errors="coerce").to_numpy(dtype=float)
              if "points" in variants.columns else np.zeros(len(variants)))
    points = np.where(np.isnan(points), -np.inf, points)
    order = np.lexsort((np.arange(len(variants)), -points, rank))  # positional: index may repeat
    return variants.iloc[order]


def _variants_section(variants: pd.DataFrame, *, limit: int, max_rows: int) -> str:
    v = _sort_variants(variants)
    shown = v.iloc[:max_rows]
    rows = []
    for r in shown.to_dict("records"):
        ref, alt = _esc(r.get("variant_ref"), MAX_ALLELE_CHARS), _esc(r.get("variant_alt"), MAX_ALLELE_CHARS)
        locus = f"{_esc(r.get('variant_contig'), 40)}:{_int(r.get('variant_position'))} {ref}&gt;{alt}"
        if not _missing(r.get("variant_id")) and str(r.get("variant_id")) not in ("", "."):
            locus += f"<br>{_esc(r.get('variant_id'), 80)}"
        actionable = "yes" if (not _missing(r.get("actionable")) and bool(r.get("actionable"))) else ""
        old = "" if _missing(r.get("acmg2015_class")) else f"<br>2015: {_esc(r.get('acmg2015_class'), 60)}"
        rows.append([
            f"<td class=\"w\"><b>{_esc(r.get('gene'), 60)}</b><br>{_esc(r.get('transcript'), 60)}</td>",
            f'<td class="w">{locus}</td>',
            f"<td class=\"w\">{_esc(r.get('hgvsc'), limit)}<br>{_esc(r.get('hgvsp'), limit)}</td>",
            f"<td class=\"w\">{_esc(r.get('consequence'), limit)}</td>",
            f"<td>{_esc(r.get('genotype'), 40)} ({_esc(r.get('zygosity'), 20)})</td>",
            f"<td>{_int(r.get('depth'))} / {_int(r.get('alt_reads'))}<br>"
            f"VAF {_num(r.get('vaf'), '.2f')}</td>",
            f"<td>{_freq(r.get('popfreq_max'))}</td>",
            f"<td>{_cls(r.get('classification'))}<br>{_esc(r.get('points'), 20)} pt{old}</td>",
            f"<td class=\"w\">{_esc(_spaced(r.get('criteria'), ','), limit)}</td>",
            f'<td class="ev">{_esc(r.get("evidence"), limit)}</td>',
            f"<td class=\"w\">{_esc(_spaced(r.get('flags'), ';'), limit)}</td>",
            f"<td>{_esc(r.get('filter'), 80)}</td>",
            f"<td>{actionable}</td>",
        ])
    table = _table(["Gene / transcript", "Variant", "HGVS c. / p.", "Consequence", "Genotype",
                    "Depth / alt reads", "Pop. freq. (max)", "Class", "Criteria", "Evidence", "Flags",
                    "FILTER", "Actionable"], rows, cls="variants")
    note = ""
    if len(v) > max_rows:
        note = (f'<p class="trunc">{len(v) - max_rows:,} further variants (the least pathogenic) are not '
                "shown here; see the TSV/JSON/Parquet output for all rows.</p>")
    if v.empty:
        table = '<p class="none">No variants carried by this sample passed into the interpretation.</p>'
    return (f'<section id="variants"><h2>Classified variants ({len(v):,})</h2>'
            f'<div class="scroll">{table}</div>{note}</section>')


def _plot_values(interp: Interpretation, sample: str,
                 variants: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, str]:
    hist = (interp.histograms or {}).get(sample)
    if hist is not None:
        vaf = np.asarray(hist.get("vaf", []), dtype=float)
        depth = np.asarray(hist.get("depth", []), dtype=float)
        what = "calls (histogram data supplied with the interpretation)"
    else:
        vaf = pd.to_numeric(variants.get("vaf", pd.Series(dtype=float)),
                            errors="coerce").to_numpy(dtype=float)
        depth = pd.to_numeric(variants.get("depth", pd.Series(dtype=float)),
                              errors="coerce").to_numpy(dtype=float)
        what = "calls in this report"
    vaf = vaf[np.isfinite(vaf)]
    depth = depth[np.isfinite(depth) & (depth >= 0)]
    return vaf, depth, what


def _qc_section(interp: Interpretation, sample: str, variants: pd.DataFrame, *, limit: int) -> str:
    qc = interp.qc
    rows = []
    if "sample" in qc.columns:
        sel = qc[qc["sample"].astype(str) == sample]
        if len(sel):
            rec = sel.iloc[0].to_dict()
            for k, val in rec.items():
                if k == "sample":
                    continue
                cell = _num(val, ".4g") if isinstance(val, float | np.floating) else _esc(val, limit)
                rows.append([f"<th>{_esc(k, 80)}</th>", f"<td>{cell}</td>"])
    table = (_table(["Metric", "Value"], rows) if rows
             else '<p class="none">No QC row for this sample.</p>')
    vaf, depth, what = _plot_values(interp, sample, variants)
    vaf_svg = svg_histogram(vaf, bins=np.linspace(0, 1, 21), title="Variant allele fraction",
                            xlabel="VAF", colour="#005eb8")
    depth_svg = svg_histogram(depth, bins=_depth_bins(depth), title="Read depth", xlabel="depth (reads)",
                              colour="#007f3b", overflow_label=True)
    figs = (f"<figure>{vaf_svg}<figcaption>VAF of {len(vaf):,} {what}</figcaption></figure>"
            f"<figure>{depth_svg}<figcaption>Depth of {len(depth):,} {what}; last bin: 99th percentile "
            "and above</figcaption></figure>")
    return f'<section id="qc"><h2>Quality control</h2>{table}<div>{figs}</div></section>'


def _flatten(d: Mapping[str, Any], prefix: str = "") -> list[tuple[str, Any]]:
    out: list[tuple[str, Any]] = []
    for k, val in d.items():
        key = f"{prefix}{k}"
        if isinstance(val, Mapping) and val:
            out.extend(_flatten(val, key + "."))
        elif isinstance(val, list | tuple):
            out.append((key, ", ".join(str(x) for x in val)))
        else:
            out.append((key, val))
    return out


def _provenance_section(provenance: Mapping[str, Any], *, limit: int) -> str:
    rows = [[f"<th>{_esc(k, 200)}</th>", f'<td class="w"><code>{_esc(val, limit)}</code></td>']
            for k, val in _flatten(provenance)]
    return f'<section id="provenance"><h2>Provenance</h2>{_table(["Item", "Value"], rows)}</section>'


def render_html(
    interp: Interpretation,
    sample: str,
    *,
    max_chars: int = MAX_CELL_CHARS,
    max_rows: int = MAX_VARIANT_ROWS,
) -> str:
    """The HTML page (a string) for one sample of ``interp``.

    Parameters
    ----------
    interp
        The interpretation (contract C).
    sample
        One of ``interp.samples``.
    max_chars
        Longest free-text value shown (longer ones are cut with a marker).
    max_rows
        Most variant rows shown (most pathogenic first; the rest are counted).
    """
    variants = interp.variants
    if "sample" in variants.columns:
        variants = variants[variants["sample"].astype(str) == sample]
    findings = interp.findings
    if "sample" in findings.columns:
        findings = findings[findings["sample"].astype(str) == sample]
    gmsvar_version = _esc(interp.provenance.get("gmsvar_version"), 40)
    return "\n".join([
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{_CSP}">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        '<meta name="referrer" content="no-referrer">',
        f"<title>gmsvar report &ndash; {_esc(sample, 200)}</title>",
        f"<style>{_CSS}</style></head><body>",
        _header(interp, sample),
        "<main>",
        _findings_section(findings, variants, limit=max_chars),
        _variants_section(variants, limit=max_chars, max_rows=max_rows),
        _qc_section(interp, sample, variants, limit=max_chars),
        _provenance_section(interp.provenance, limit=max_chars),
        "</main>",
        f"<footer>Generated by gmsvar {gmsvar_version}. Automated classification and findings are "
        "decision support: every reported variant must be reviewed by a registered clinical scientist "
        "before it is used for patient care.</footer>",
        "</body></html>",
        "",
    ])


def write_html(
    interp: Interpretation,
    path: str | os.PathLike[str],
    *,
    sample: str | None = None,
    max_chars: int = MAX_CELL_CHARS,
    max_rows: int = MAX_VARIANT_ROWS,
) -> list[Path]:
    """Write per-sample HTML reports; each file atomically.

    ``sample`` given, or only one sample, and ``path`` ends ``.html``/``.htm`` (and is not
    a directory): ``path`` is the file. Otherwise ``path`` is a directory (created if
    needed) holding one ``<safe sample name>.html`` per sample, named by
    :func:`safe_sample_filenames`.

    Returns
    -------
    list of Path
        The files written, in sample order.
    """
    samples = list(interp.samples)
    if sample is not None:
        if sample not in samples:
            raise InputError(f"to_html: sample {sample!r} not in the interpretation; samples: {samples[:20]}")
        samples = [sample]
    if not samples:
        raise InputError("to_html: the interpretation has no samples to report")
    names = safe_sample_filenames(list(interp.samples))
    raw = os.fspath(path)
    p = Path(raw)
    as_file = (not p.is_dir() and not raw.endswith((os.sep, "/"))
               and p.suffix.lower() in (".html", ".htm"))
    if len(samples) == 1 and as_file:
        targets = [_target(p)]
    else:
        if p.exists() and not p.is_dir():
            raise InputError(f"{p}: several samples ({len(samples)}) need a directory, and this is a file; "
                             "pass a directory path or sample=...")
        p.mkdir(parents=True, exist_ok=True)
        targets = [p / names[s] for s in samples]
    written = []
    for s, target in zip(samples, targets, strict=True):
        page = render_html(interp, s, max_chars=max_chars, max_rows=max_rows)
        with atomic_write(target, errors="replace") as fh:  # lone surrogates (odd file names) -> "?"
            fh.write(page)
        written.append(target)
    return written
