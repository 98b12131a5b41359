"""The C FORMAT parser and call kernel (``gmsvar.io._fmt``) against the numpy code they replace.

``vcf_format_c.parse_format`` must give exactly what ``vcf_fast._parse_format_numpy`` gives
(same arrays, dtypes and shapes; NaN equal to NaN) whenever it reads a block, and must
refuse (``FastUnsupported``) every block the numpy code refuses. The call kernel must give
the tables the numpy ``RecordBuffer`` code gives. Checked on every VCF under
``tests/data`` the fast reader reads, on hypothesis-generated FORMAT blocks and VCFs, and
by feeding random bytes and arrays to the C entry points (results or ValueError, no crash).
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from gmsvar import read_vcf
from gmsvar.io import buffer, vcf_fast, vcf_format_c
from gmsvar.io.vcf_fast import FastPlan
from gmsvar.io.vcf_tokens import FastUnsupported, TextBlock, delimiters
from gmsvar.table import FieldDef, VariantTable

DATA = Path(__file__).parents[1] / "data"
ALL_VCFS = sorted(p for p in DATA.rglob("*") if p.name.endswith((".vcf", ".vcf.gz")))
#: files whose every block the C parser reads itself (no numpy fallback)
ORDINARY = ["test.vcf.gz", "cancer_test.vcf.gz", "norm.split.vcf", "test-hemi.vcf",
            "test_gt_alt_freqs.vcf", "multi-contig.vcf.gz", "T001-BRCA.grch38.vcf.gz",
            "test-format-string.vcf", "scout_example_tumor_only.snv.indel.sorted.vcf.gz",
            "test-multiallelic-homozygous-alt.vcf.gz"]

Parsed = tuple[np.ndarray, np.ndarray, np.ndarray, dict[str, tuple[np.ndarray, ...]]]


# -- helpers ---------------------------------------------------------------------------------
def _same(a: np.ndarray, b: np.ndarray) -> bool:
    """Equal dtype, shape and values (NaN equal to NaN, objects compared one by one)."""
    if a.dtype != b.dtype or a.shape != b.shape:
        return False
    if a.dtype == object:
        return all(x == y or (x != x and y != y) for x, y in zip(a.ravel(), b.ravel(), strict=True))
    return bool(np.array_equal(a, b, equal_nan=a.dtype.kind == "f"))


def _same_parse(c: Parsed, m: Parsed) -> bool:
    if not all(_same(x, y) for x, y in zip(c[:3], m[:3], strict=True)) or c[3].keys() != m[3].keys():
        return False
    return all(_same(x, y) for k in c[3] for x, y in zip(c[3][k], m[3][k], strict=True))


def _same_table(a: VariantTable, b: VariantTable) -> bool:
    return a.names == b.names and all(_same(a[k], b[k]) for k in a.names) and \
        a.categories.keys() == b.categories.keys() and \
        all(_same(a.categories[k], b.categories[k]) for k in a.categories)


def _both_paths(tb: TextBlock, plan: FastPlan, n: int, grid: np.ndarray) -> tuple[Any, Any]:
    """(C result or its FastUnsupported, numpy result or its FastUnsupported) for one block."""
    groups, codes = vcf_fast._format_groups(tb, plan, grid)
    out: list[Any] = []
    for parse in (vcf_format_c.parse_format, vcf_fast._parse_format_numpy):
        try:
            out.append(parse(tb, plan, n, grid, groups, codes))
        except FastUnsupported as err:
            out.append(err)
    return out[0], out[1]


@contextmanager
def _compared_blocks() -> Iterator[dict[str, list[Any]]]:
    """Within the block, every block the fast reader parses is parsed both ways and compared.

    (A failed assertion inside the reader's worker threads would only make it fall back to
    cyvcf2, so the outcomes are collected and checked by the caller.)
    """
    seen: dict[str, list[Any]] = {"same": [], "c_refused": [], "both_refused": [], "differ": []}
    original = vcf_fast._parse_format

    def checking(tb: TextBlock, plan: FastPlan, n: int, grid: np.ndarray) -> Any:
        if plan.sample_columns:
            try:
                c, m = _both_paths(tb, plan, n, grid)
            except FastUnsupported:  # the layouts themselves: shared by both paths
                return original(tb, plan, n, grid)
            if isinstance(m, FastUnsupported):
                seen["both_refused" if isinstance(c, FastUnsupported) else "differ"].append(m)
            elif isinstance(c, FastUnsupported):
                seen["c_refused"].append(c)
            else:
                seen["same" if _same_parse(c, m) else "differ"].append(n)
        return original(tb, plan, n, grid)

    mp = pytest.MonkeyPatch()
    mp.setattr(vcf_fast, "_parse_format", checking)
    try:
        yield seen
    finally:
        mp.undo()


def _grid(tb: TextBlock, n_columns: int) -> tuple[int, np.ndarray]:
    tabs, cls = delimiters(tb, b"")
    n = int((cls == 10).sum())
    return n, tabs.reshape(n, n_columns)


# -- the extension ---------------------------------------------------------------------------------
def test_fmt_extension__is_built() -> None:
    """The test environment builds the extension (so the C paths below are really tested)."""
    from gmsvar.io import _fmt

    assert vcf_format_c.AVAILABLE
    assert callable(_fmt.parse) and callable(_fmt.calls)


def test_read_vcf__without_the_extension_numpy_reads_the_same(monkeypatch: pytest.MonkeyPatch) -> None:
    """The extension is optional at run time: without it the numpy code gives the same table."""
    path = DATA / "vcf" / "test.vcf.gz"
    with_c = read_vcf(path, backend="fast", format=["PL"])
    monkeypatch.setattr(vcf_format_c, "_fmt", None)
    monkeypatch.setattr(vcf_format_c, "AVAILABLE", False)
    without = read_vcf(path, backend="fast", format=["PL"])
    assert _same_table(with_c, without)
    with pytest.raises(FastUnsupported, match="not built"):
        vcf_format_c.call_columns(np.zeros(0), np.zeros((0, 1, 2), np.int16), np.zeros(0, bool),
                                  np.zeros((0, 1), bool), None, None, None, ploidy=2, ad_width=1,
                                  out=(np.zeros(0),) * 5 + (None, None))


# -- real files ------------------------------------------------------------------------------------
@pytest.mark.parametrize("path", ALL_VCFS, ids=lambda p: str(p.relative_to(DATA)))
def test_read_vcf__c_paths_equal_numpy_paths_on_test_files(path: Path, monkeypatch: pytest.MonkeyPatch
                                                           ) -> None:
    """Every block both ways; then whole tables (every FORMAT field requested, a sample
    subset): C parser + C kernel equal the numpy parser + numpy build, dtypes included."""
    outcomes: list[Any] = []
    with _compared_blocks() as seen:
        try:
            meta = read_vcf(path, backend="fast").meta
        except Exception as err:  # files the reader rejects: only the blocks matter
            meta = None
            outcomes = [type(err), type(err)]
        if meta is not None:
            kw: dict[str, Any] = {"format": [k for k in meta.format if k != "GT"],
                                  "samples": list(meta.samples[::2]) or None}
            for on in (True, False):
                monkeypatch.setattr(vcf_fast, "FORMAT_C", on)
                monkeypatch.setattr(buffer, "CALL_KERNEL", on)
                try:
                    outcomes.append(read_vcf(path, backend="fast", **kw))
                except Exception as err:  # then the same error both ways
                    outcomes.append(type(err))
    assert not seen["differ"], seen["differ"]
    if path.name in ORDINARY:
        assert seen["same"] and not seen["c_refused"], seen["c_refused"]
    a, b = outcomes
    if isinstance(a, VariantTable) and isinstance(b, VariantTable):
        assert _same_table(a, b)
    else:
        assert a == b


# -- generated FORMAT blocks --------------------------------------------------------------------
FORMATS = {
    "GT": FieldDef("GT", "1", "String"), "AD": FieldDef("AD", "R", "Integer"),
    "DP": FieldDef("DP", "1", "Integer"), "GQ": FieldDef("GQ", "1", "Float"),
    "FT": FieldDef("FT", "1", "String"), "PL": FieldDef("PL", "G", "Integer"),
    "AF": FieldDef("AF", "A", "Float"), "MQ": FieldDef("MQ", "1", "Integer"),
}
KEYS = [*FORMATS, "XX"]  # XX: undeclared (htslib reads it as a String)
_ints = st.one_of(st.integers(0, 99).map(str), st.integers(-2147483640, 2147483647).map(str),
                  st.sampled_from([".", "", "-", "+1", "1x", "2147483648", "-2147483641", "007",
                                   "12345678901234567", "05", "00", "9x", "1.", "12a", "3.5"]))
_floats = st.one_of(st.floats(allow_nan=False, allow_infinity=False, width=32).map(repr),
                    st.integers(-999, 999).map(str),
                    st.sampled_from([".", "", "0.5", "1e-3", "-0.0", "5.", ".25", "1E+02", "nan",
                                     "inf", "1.2.3", "e5", "1e", "0x1p3", "1" * 20 + ".5",
                                     "123456789.123456789", "1e23", "+.5"]))
_alleles = st.one_of(st.integers(0, 3).map(str), st.just("."), st.integers(10, 40000).map(str))
_gts = st.one_of(
    st.tuples(_alleles, st.sampled_from("/|"), _alleles).map("".join),
    _alleles,
    st.lists(_alleles, min_size=3, max_size=4).flatmap(
        lambda a: st.sampled_from("/|").map(lambda sep: sep.join(a))),
    st.sampled_from(["0/1|2", "0//1", "0/", "/1", "a/1", "", "0/1,1", ".|.", "./.", "1|1", "."]),
)


def _value(key: str) -> st.SearchStrategy[str]:
    d = FORMATS.get(key)
    if key == "GT":
        return _gts
    scalar = _ints if d is not None and d.type == "Integer" else \
        _floats if d is not None and d.type == "Float" else st.text("abc.;,%", max_size=4)
    if d is not None and d.number == "1":
        return scalar
    return st.lists(scalar, min_size=1, max_size=4).map(",".join)


@st.composite
def _format_blocks(draw: st.DrawFn) -> tuple[str, FastPlan]:
    """Records with several FORMAT layouts, sometimes bad values, and a plan over a sample subset."""
    n_samples = draw(st.integers(1, 5))
    layouts = draw(st.lists(st.lists(st.sampled_from(KEYS), min_size=1, max_size=5, unique=True),
                            min_size=1, max_size=3))
    clean = draw(st.booleans())
    lines = []
    for _ in range(draw(st.integers(1, 6))):
        keys = draw(st.sampled_from(layouts))
        calls = []
        for _ in range(n_samples):
            n_sub = draw(st.integers(1, len(keys)))
            if "GT" in keys:  # GT present in every call (else the numpy code refuses the block)
                n_sub = max(n_sub, keys.index("GT") + 1)
            subs = []
            for key in keys[:n_sub]:
                v = draw(_value(key))
                if clean:  # mostly values both paths read
                    v = v if _plain(key, v) else "."
                subs.append(v)
            calls.append(":".join(subs))
        lines.append("\t".join(["1", "10", ".", "A", "C", ".", ".", ".", ":".join(keys), *calls]))
    wanted = draw(st.lists(st.sampled_from(["AD", "DP", "GQ", "FT", "AF", "XX"]), unique=True))
    columns = tuple(sorted(draw(st.sets(st.integers(9, 8 + n_samples), min_size=1))))  # file order
    plan = FastPlan(
        n_columns=9 + n_samples, sample_columns=columns, info={}, raw_info=(),
        format={k: FORMATS.get(k) for k in wanted},
        numeric_format={k: d for k, d in FORMATS.items() if d.type in ("Integer", "Float")},
        declared={"FORMAT": frozenset(FORMATS), "INFO": frozenset(), "FILTER": frozenset(),
                  "contig": frozenset()},
    )
    return "\n".join(lines) + "\n", plan


def _plain(key: str, v: str) -> bool:
    if key == "GT":
        return v in ("0/1", "1|1", "./.", ".|.", ".", "0", "1/2/3", "12|3")
    d = FORMATS.get(key)
    if d is None or d.type == "String":
        return True
    parts = v.split(",")
    if d.type == "Integer":
        return all(p in (".", "") or (p.lstrip("-").isdigit() and len(p) < 10) for p in parts)
    return all(p in (".", "", "0.5", "1e-3", "-0.0", "5.", ".25", "1E+02", "+.5")
               or p.lstrip("-").isdigit() for p in parts)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_format_blocks())
def test_parse_format__c_equals_numpy_on_generated_blocks(case: tuple[str, FastPlan]) -> None:
    text, plan = case
    tb = TextBlock(text.encode())
    n, grid = _grid(tb, plan.n_columns)
    try:
        c, m = _both_paths(tb, plan, n, grid)
    except FastUnsupported:
        return  # a layout both paths refuse
    event("numpy refuses" if isinstance(m, FastUnsupported) else
          "C refuses" if isinstance(c, FastUnsupported) else "both read")
    if isinstance(m, FastUnsupported):
        assert isinstance(c, FastUnsupported), f"C read what numpy refuses: {m}"
    elif not isinstance(c, FastUnsupported):
        assert _same_parse(c, m)


def test_parse_format__c_refuses_only_what_numpy_reads_slowly() -> None:
    """The C parser reads the usual values itself, and leaves the rare float forms to numpy."""
    plan = FastPlan(n_columns=11, sample_columns=(9, 10), info={}, raw_info=(),
                    format={"GQ": FORMATS["GQ"], "AD": FORMATS["AD"]}, numeric_format={},
                    declared={"FORMAT": frozenset(FORMATS)})
    ok = "1\t1\t.\tA\tC\t.\t.\t.\tGT:AD:GQ\t0/1:3,.:1e-3\t.|.:.:-0.0\n"
    tb = TextBlock(ok.encode())
    c, m = _both_paths(tb, plan, *_grid(tb, 11))
    assert not isinstance(c, FastUnsupported) and _same_parse(c, m)
    assert c[0].tolist() == [[[0, 1], [-1, -1]]] and c[2].tolist() == [[False, True]]
    slow = ok.replace("1e-3", "nan")
    tb = TextBlock(slow.encode())
    c, m = _both_paths(tb, plan, *_grid(tb, 11))
    assert isinstance(c, FastUnsupported) and not isinstance(m, FastUnsupported)


@st.composite
def _line_blocks(draw: st.DrawFn) -> tuple[str, int]:
    """Lines of mostly the right number of fields, sometimes with control characters or '\\r'."""
    n_columns = draw(st.integers(8, 12))
    odd = draw(st.integers(0, 3)) == 0
    # (long fields too: the C scanner reads 16 bytes at a time)
    field = st.text("ab.\t\x01\x0b\r#\x80\xff" if odd else "ab.:,\x7f",
                    max_size=draw(st.sampled_from([4, 40])))
    lines = []
    for _ in range(draw(st.integers(1, 5))):
        width = draw(st.integers(7, 13)) if odd else n_columns
        lines.append("\t".join(draw(st.lists(field, min_size=width, max_size=width))))
    return "\n".join(lines) + ("\n" if draw(st.integers(0, 9)) else ""), n_columns


@settings(max_examples=300, deadline=None)
@given(_line_blocks())
def test_line_grid__c_equals_numpy(case: tuple[str, int]) -> None:
    """The C line scanner gives the numpy grid's first 9 tabs and newline, or defers to it."""
    text, n_columns = case
    final_newline = text.endswith("\n")
    tb = TextBlock(text.encode())
    plan = FastPlan(n_columns=n_columns, sample_columns=(), info={}, raw_info=(), format={},
                    numeric_format={}, declared={})
    c = vcf_format_c.line_grid(tb, n_columns)
    mp = pytest.MonkeyPatch()
    mp.setattr(vcf_fast, "FORMAT_C", False)
    try:
        full = vcf_fast._line_grid(tb, plan)
    except FastUnsupported:
        full = None
    finally:
        mp.undo()
    event("numpy refuses" if full is None else "C defers" if c is None else "both read")
    if full is None or not final_newline:
        assert c is None
    else:
        assert c is not None
        m = min(n_columns, 10)
        assert c.tolist() == np.concatenate([full[:, : m - 1], full[:, -1:]], axis=1).tolist()


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text("AB=;,.\x0b\x80", min_size=1, max_size=30), min_size=1, max_size=6))
def test_info_items__c_equals_numpy(columns: list[str]) -> None:
    """The C INFO item scanner gives the numpy items (empty ones skipped, first '='), read from
    the block itself rather than from a copy of its INFO columns. (Control characters never
    get here: the line scanner rejects the block first.)"""
    text = "".join(f"X\t{c}\tY\n" for c in columns).encode()
    tb = TextBlock(text)
    starts = np.array([i + 1 for i in range(len(text) - 1) if text[i - 1 : i + 1] == b"X\t"])
    ends = np.array([text.index(b"\t", s) for s in starts])
    assert vcf_format_c.info_items(tb, starts - 1, ends) is None  # a tab inside: refused
    c = vcf_format_c.info_items(tb, starts, ends)
    mp = pytest.MonkeyPatch()
    mp.setattr(vcf_fast, "FORMAT_C", False)
    try:
        ntb, *items = vcf_fast._info_items(tb, starts, ends)
    except FastUnsupported:
        items = None
    finally:
        mp.undo()
    event("numpy refuses" if items is None else "both read")
    if items is None:
        assert c is None
        return
    assert c is not None
    s, e, eq, line = (a.tolist() for a in items)
    cs, ce, ceq, cline = (a.tolist() for a in c)
    assert cline == line
    # the numpy offsets are into the copy: compare the texts
    want = [ntb.data[a:b] for a, b in zip(s, e, strict=True)]
    assert [text[a:b] for a, b in zip(cs, ce, strict=True)] == want
    assert [q - a for a, q in zip(cs, ceq, strict=True)] == [q - a for a, q in zip(s, eq, strict=True)]


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=100), st.lists(st.tuples(st.integers(-3, 110), st.integers(-3, 110)), max_size=5))
def test_fmt_info_items__random_input_gives_result_or_value_error(data: bytes, spans: list[tuple[int, int]]
                                                                  ) -> None:
    from gmsvar.io import _fmt

    starts = np.array([a for a, _ in spans], dtype=np.int64)
    ends = np.array([b for _, b in spans], dtype=np.int64)
    with suppress(ValueError):
        k, mem = _fmt.info_items(data, starts, ends)
        items = np.frombuffer(mem, dtype=np.int64).reshape(4, k)
        assert ((items[0] < items[1]) & (items[1] <= len(data))).all()


# -- generated VCFs: the call kernel -----------------------------------------------------------------
HEADER = "\n".join([
    "##fileformat=VCFv4.2",
    "##contig=<ID=1,length=1000000>",
    *(f"##FORMAT=<ID={d.id},Number={d.number},Type={d.type},Description=\"x\">"
      for d in FORMATS.values()),
    "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT",
])


@st.composite
def _vcfs(draw: st.DrawFn) -> str:
    n_samples = draw(st.integers(1, 4))
    lines = [HEADER + "".join(f"\tS{i}" for i in range(n_samples))]
    for pos in range(1, draw(st.integers(1, 8)) + 1):
        n_alt = draw(st.integers(0, 3))
        alt = ",".join("CGT"[:n_alt]) or "."
        keys = draw(st.sampled_from([["GT", "AD", "DP", "GQ"], ["GT", "AD", "DP", "GQ", "AF", "FT"],
                                     ["GT", "DP"], ["AD", "DP"], ["GT"], ["GT", "AD", "PL", "MQ"]]))
        calls = []
        for _ in range(n_samples):
            subs = []
            for key in keys:
                if key == "GT":
                    subs.append(draw(st.sampled_from(["0/1", "1|2", "./.", "0", "1/1", "0/0", ".",
                                                      "0/1/2", "2|.", "3/3"])))
                elif key in ("AD", "PL"):
                    count = n_alt + 1 if key == "AD" else (n_alt + 1) * (n_alt + 2) // 2
                    vals = draw(st.lists(st.one_of(st.integers(0, 60).map(str), st.just(".")),
                                         min_size=1, max_size=count + 1))
                    subs.append(",".join(vals))
                elif key == "AF":
                    subs.append(",".join(draw(st.lists(st.sampled_from(["0.5", ".", "1e-2", "0"]),
                                                       min_size=1, max_size=max(n_alt, 1)))))
                elif key == "FT":
                    subs.append(draw(st.sampled_from(["PASS", ".", "lowq", "a;b"])))
                else:
                    subs.append(draw(st.one_of(st.integers(0, 99).map(str), st.just("."))))
            calls.append(":".join(subs[: draw(st.integers(1, len(keys)))]))
        lines.append("\t".join(["1", str(pos * 10), ".", "A", alt, "30", "PASS", ".", ":".join(keys),
                                *calls]))
    return "\n".join(lines) + "\n"


def _read_ways(text: str, **kw: Any) -> list[VariantTable]:
    tables = []
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "g.vcf"
        path.write_text(text)
        mp = pytest.MonkeyPatch()
        try:
            for c_on in (True, False):
                mp.setattr(vcf_fast, "FORMAT_C", c_on)
                mp.setattr(buffer, "CALL_KERNEL", c_on)
                tables.append(read_vcf(path, backend="fast", **kw))
        finally:
            mp.undo()
        tables.append(read_vcf(path, backend="cyvcf2", **kw))
    return tables


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_vcfs(), st.booleans())
def test_read_vcf__c_kernel_equals_numpy_and_cyvcf2_on_generated_vcfs(text: str, fields: bool
                                                                       ) -> None:
    kw = {"format": ["AD", "PL", "AF", "FT", "MQ"]} if fields else {}
    c, numpy_, cy = _read_ways(text, **kw)
    assert _same_table(c, numpy_)
    assert c.equals(cy)


def test_read_vcf__c_kernel_on_larger_multisample_file(monkeypatch: pytest.MonkeyPatch) -> None:
    """Several blocks and tiles, multiallelic rows and missing values, one read each way."""
    rng = np.random.default_rng(7)
    s = 30
    lines = [HEADER + "".join(f"\tS{i}" for i in range(s))]
    for pos in range(1, 400):
        n_alt = int(rng.integers(1, 4))
        calls = []
        for _ in range(s):
            a, b = rng.integers(-1, n_alt + 1, size=2)
            gt = f"{'.' if a < 0 else a}{'|' if rng.random() < 0.3 else '/'}{'.' if b < 0 else b}"
            ad = ",".join("." if rng.random() < 0.05 else str(rng.integers(0, 50))
                          for _ in range(n_alt + 1))
            dp = "." if rng.random() < 0.1 else str(rng.integers(0, 99))
            gq = "." if rng.random() < 0.1 else f"{rng.random() * 99:.2f}"
            calls.append(f"{gt}:{ad}:{dp}:{gq}")
        lines.append("\t".join(["1", str(pos), ".", "A", ",".join("CGT"[:n_alt]), "30", "PASS", ".",
                                "GT:AD:DP:GQ", *calls]))
    monkeypatch.setattr(vcf_fast, "BLOCK_BYTES", 20_000)
    monkeypatch.setattr(buffer, "_TILE_CALLS", 1000)
    numpy_tiles: list[tuple[bool, bool]] = []  # (kernel on, blocks path) of each numpy tile
    numpy_build = buffer.RecordBuffer._call_columns

    def counting(self: buffer.RecordBuffer, *args: Any) -> dict[str, np.ndarray]:
        numpy_tiles.append((buffer.CALL_KERNEL, bool(self.blocks)))
        return numpy_build(self, *args)

    monkeypatch.setattr(buffer.RecordBuffer, "_call_columns", counting)
    c, numpy_, cy = _read_ways("\n".join(lines) + "\n")
    assert (True, True) not in numpy_tiles and numpy_tiles.count((False, True)) > 10
    assert _same_table(c, numpy_)
    assert c.equals(cy)
    assert c.meta.provenance["reader"].startswith("gmsvar.read_vcf (backend fast")


# -- fuzzing the C entry points -------------------------------------------------------------------
def _call_or_value_error(fn: Callable[..., Any], *args: Any) -> None:
    with suppress(ValueError):
        fn(*args)


_int32s = st.lists(st.integers(-3, 12), max_size=12).map(lambda v: np.array(v, dtype=np.int32))


@settings(max_examples=500, deadline=None)
@given(st.binary(max_size=200), st.lists(st.integers(-5, 220), max_size=8), st.integers(-1, 4),
       _int32s, _int32s, _int32s, _int32s, st.integers(1, 3))
def test_fmt_parse__random_input_gives_result_or_value_error(
    data: bytes, offsets: list[int], s: int, ranks: np.ndarray, layout: np.ndarray,
    n_keys: np.ndarray, kinds: np.ndarray, n_groups: int,
) -> None:
    from gmsvar.io import _fmt

    n = len(offsets) // 2
    starts = np.array(offsets[:n], dtype=np.int64)
    ends = np.array(offsets[n : 2 * n], dtype=np.int64)
    codes = np.arange(n, dtype=np.int32) % n_groups
    _call_or_value_error(_fmt.parse, data, starts, ends, ranks, s, codes, layout, n_keys, kinds,
                         np.ones(len(kinds), dtype=np.int32))


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=300).map(lambda b: b.replace(b"\n", b"\t")), st.integers(1, 3),
       st.integers(0, 2))
def test_fmt_parse__mutated_sample_text_gives_result_or_value_error(
    body: bytes, s: int, extra: int,
) -> None:
    """Plausible arrays over arbitrary sample text: every layout slot kind, sample subsets."""
    from gmsvar.io import _fmt

    n_file = s + extra
    layout = np.array([[0, 1, 2, 3, 4, 5, -2]], dtype=np.int32)
    ranks = np.full(n_file, -1, dtype=np.int32)
    ranks[:s] = np.arange(s)[::-1]
    _call_or_value_error(
        _fmt.parse, body, np.array([0], dtype=np.int64), np.array([len(body)], dtype=np.int64),
        ranks, s, np.zeros(1, dtype=np.int32), layout, np.array([7], dtype=np.int32),
        np.arange(6, dtype=np.int32), np.array([1, 2, 1, 1, 1, 1], dtype=np.int32),
    )


@settings(max_examples=300, deadline=None)
@given(st.integers(0, 4), st.integers(1, 3), st.integers(0, 3), st.integers(1, 4),
       st.lists(st.integers(-1, 4), min_size=0, max_size=5), st.booleans(), st.booleans(),
       st.integers(0, 2**31 - 1))
def test_fmt_calls__random_arrays_give_result_or_value_error(
    n: int, s: int, block_ploidy: int, ad_w: int, n_alt: list[int], float_gq: bool, odd: bool,
    seed: int,
) -> None:
    from gmsvar.io import _fmt

    rng = np.random.default_rng(seed)
    n_alt_a = np.array(n_alt, dtype=np.int64)
    rows = int(np.maximum(n_alt_a, 1).sum()) + (1 if odd else 0)
    big = np.iinfo(np.int32)
    ad = rng.integers(big.min, big.max, size=(n, s, ad_w), dtype=np.int32)
    gq = (rng.standard_normal((n, s, 1)) * 1e10).astype(np.float32) if float_gq else ad[:, :, :1].copy()
    out = (np.empty((rows, s, 2), np.int8), np.empty((rows, s), bool), np.empty((rows, s, 2), np.int32),
           np.empty((rows, s), np.int32), np.empty((rows, s), np.int32),
           np.empty((rows, s), np.float32), np.empty((rows, s), np.int8))
    _call_or_value_error(
        _fmt.calls, s, 2, int(rng.integers(1, 5)), n_alt_a,
        rng.integers(-3, 300, size=(n, s, block_ploidy)).astype(np.int16), block_ploidy,
        np.ones(n, bool), np.ones((n, s), bool), ad, ad_w, np.ones(n, bool), ad, ad_w,
        np.ones(n, bool), gq, 1, np.ones(n, bool), float_gq, *out,
    )
