"""The fast reader's C record prefilter (``gmsvar.io.prefilter``, ``gmsvar.io._scan``) and
``read_vcf(min_consequence=...)``.

The prefilter must never change a table: ``read_vcf(include=..., backend="fast")`` with the
C scanner equals the cyvcf2 backend, the compiled program keeps every record the exact
filter keeps (a superset), malformed structure makes the reader fall back, and the C entry
point survives hostile input. ``min_consequence`` equals reading everything and then
``consequence_at_least`` on every backend.
"""

from __future__ import annotations

import contextlib
import gzip
import itertools
import re
import warnings
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import gmsvar
from gmsvar import GmsvarError, InputError, VcfFormatError, concat, iter_vcf, read_vcf
from gmsvar.errors import GmsvarWarning
from gmsvar.filters import consequence_at_least, filter_expr
from gmsvar.io import prefilter, vcf_fast
from gmsvar.io import reader as reader_module
from gmsvar.io.annotations import AnnotationSpec, load_so_table
from gmsvar.io.prefilter import compile_prefilter, filter_annotation
from gmsvar.io.vcf_tokens import FastUnsupported
from gmsvar.table import FieldDef, VariantTable

DATA = Path(__file__).parents[1] / "data"
VCF = DATA / "vcf"
ANN = DATA / "annotations"
EXAMPLES = Path(gmsvar.example_path("trio_grch37.vcf.gz")).parent
SCANNER = "gmsvar.read_vcf (backend fast, C scanner)"

#: files for the include properties: multiallelic, several samples, sites-only, missing values,
#: files the fast reader falls back on (INFO/CADD), annotations (CSQ, BCSQ, ANN)
FILES = [
    VCF / "norm.split.2.vcf", VCF / "test.vcf.gz", VCF / "T001-BRCA.grch38.vcf.gz",
    VCF / "view.filter.vcf", VCF / "test-no-genotypes.vcf", VCF / "test_gt_alt_freqs.vcf",
    DATA / "filters" / "expr-fields.vcf", DATA / "filters" / "expr-missing.vcf",
    DATA / "filters" / "expr-logic.vcf", EXAMPLES / "trio_grch37.vcf.gz",
    ANN / "split-vep.multiallelic.vcf", ANN / "split-vep.4.head.vcf",
]
#: files with a transcript annotation
ANNOTATED = [
    EXAMPLES / "lynch_germline.vcf.gz", EXAMPLES / "nsclc_ctdna.vcf.gz", VCF / "test.vcf.gz",
    VCF / "test_gt_alt_freqs.vcf", ANN / "split-vep.multiallelic.vcf",
    ANN / "split-vep.severe.vcf", ANN / "split-vep.4.head.vcf", ANN / "split-vep.8.vcf",
    ANN / "cyvcf2-test.subset.vcf.gz", ANN / "scout-643594.clinical.subset.vcf.gz",
]


def _quiet_read(path: Path, **kw: object) -> VariantTable:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", GmsvarWarning)
        return read_vcf(path, **kw)  # type: ignore[arg-type]


def _outcome(path: Path, **kw: object) -> VariantTable | type[BaseException]:
    """The table, or the type of the error the read raises."""
    try:
        return _quiet_read(path, **kw)
    except GmsvarError as err:
        return type(err)


def _same(a: VariantTable | type[BaseException], b: VariantTable | type[BaseException]) -> bool:
    if isinstance(a, VariantTable) and isinstance(b, VariantTable):
        return a.equals(b)
    return a == b


# -- what a file offers to expressions --------------------------------------------------------
@dataclass(frozen=True)
class Facts:
    """A test file's header, full table (cyvcf2) and raw record text."""

    table: VariantTable
    info: dict[str, FieldDef]
    format: dict[str, FieldDef]
    numeric_info: tuple[str, ...]
    numeric_format: tuple[str, ...]
    filters: tuple[str, ...]
    values: tuple[float, ...]
    text: bytes
    n_columns: int
    n_records: int
    starts: np.ndarray  # first row of each record


def _text(path: Path) -> str:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt") as fh:
        return fh.read()


@cache
def facts(path: Path) -> Facts:
    text = _text(path)
    lines = text.splitlines(keepends=True)
    n_header = sum(1 for ln in lines if ln.startswith("#"))
    body = "".join(lines[n_header:]).encode()
    n_columns = lines[n_header - 1].rstrip("\n").count("\t") + 1
    probe = _quiet_read(path)
    meta = probe.meta
    numeric = ("Integer", "Float")
    num_fmt = tuple(k for k, d in meta.format.items() if d.type in numeric and meta.samples)
    table = _quiet_read(path, format=list(num_fmt))
    values: set[float] = set()
    cols = ["variant_qual", *(f"variant_info_{k}" for k in meta.info),
            *(f"call_format_{k}" for k in num_fmt)]
    for col in cols:
        if col in table and table[col].dtype.kind in "if":
            arr = table[col].astype(np.float64).ravel()
            arr = arr[np.isfinite(arr) & (np.abs(arr) < 1e9)]
            values.update(np.unique(arr)[:40].tolist())
    starts = np.flatnonzero(table["variant_allele_index"] <= 1)
    return Facts(
        table=table, info=dict(meta.info), format=dict(meta.format),
        numeric_info=tuple(k for k, d in meta.info.items() if d.type in numeric),
        numeric_format=num_fmt, filters=tuple(meta.filters), values=tuple(sorted(values)) or (0.0,),
        text=body, n_columns=n_columns, n_records=body.count(b"\n"), starts=starts,
    )


def _number(v: float) -> str:
    return repr(float(v)) if v != int(v) else str(int(v))


def expressions(f: Facts) -> st.SearchStrategy[str]:
    """Expressions over the grammar the scanner compiles, plus parts it cannot (kept as true)."""
    multi = [k for k in f.numeric_info if f.info[k].number not in ("0", "1")]
    fields = ["QUAL", "qual", *(f"INFO/{k}" for k in f.numeric_info),
              *(f"FMT/{k}" for k in f.numeric_format), *(k for k in f.numeric_info[:3]),
              *([f"INFO/{k}" for k in multi] * 3)]  # several values: the any-value rule
    nudge = st.sampled_from([0.0, 0.0, 0.0, 1e-7, -1e-7, 0.5, -1.0])
    value = st.builds(lambda v, d: v + d * max(abs(v), 1.0), st.sampled_from(f.values), nudge)
    ops = st.sampled_from(["<", "<=", ">", ">=", "==", "=", "!="])
    compare = st.builds(lambda a, op, v: f"{a}{op}{_number(v)}", st.sampled_from(fields), ops,
                        value)
    flipped = st.builds(lambda a, op, v: f"{_number(v)}{op}{a}", st.sampled_from(fields), ops,
                        value)
    filters = ['FILTER="PASS"', 'FILTER!="PASS"', 'FILTER="."', '"PASS"=FILTER',
               *(f'FILTER="{x}"' for x in f.filters[:3] if x != "PASS")]
    others = ['TYPE="snp"', 'QUAL="."', "POS>1000", 'REF="A"', "QUAL>=MIN(QUAL)", "-QUAL<-20"]
    if f.numeric_info:
        others += [f'INFO/{f.numeric_info[0]}="."', f"MAX(INFO/{f.numeric_info[0]})>1",
                   f"INFO/{f.numeric_info[0]}[0]>=1"]
    if f.numeric_format:
        others += [f"SMPL_MAX(FMT/{f.numeric_format[0]})>5", f"FMT/{f.numeric_format[0]}[0]>=3"]
    if f.table.n_samples:
        others += ['GT="het"', 'GT="alt"']
    leaf = compare | flipped | st.sampled_from(filters) | st.sampled_from(others)
    return st.recursive(
        leaf,
        lambda inner: st.builds(lambda a, op, b: f"({a} {op} {b})", inner,
                                st.sampled_from(["&&", "||", "&", "|"]), inner)
        | st.builds(lambda a: f"!({a})", inner),
        max_leaves=5,
    )


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_read_vcf__fast_include_with_c_scanner_equals_cyvcf2(data: st.DataObject) -> None:
    path = data.draw(st.sampled_from(FILES))
    expr = data.draw(expressions(facts(path)))
    want = _outcome(path, include=expr, backend="cyvcf2")
    got = _outcome(path, include=expr, backend="fast")
    assert _same(want, got), expr
    if isinstance(got, VariantTable) and compile_prefilter(
            expr, info=facts(path).info, format=facts(path).format) is not None:
        reader = got.meta.provenance["reader"]
        assert reader == SCANNER or "fell back to cyvcf2" in reader


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_prefilter__keeps_every_record_the_exact_filter_keeps(data: st.DataObject) -> None:
    path = data.draw(st.sampled_from(FILES))
    f = facts(path)
    expr = data.draw(expressions(f))
    pf = compile_prefilter(expr, info=f.info, format=f.format)
    if pf is None:
        return
    try:
        rows = filter_expr(f.table, expr)
    except GmsvarError:
        return  # the exact filter rejects the expression (the reader raises it too)
    records = np.logical_or.reduceat(rows, f.starts) if len(rows) else rows
    sel = pf.select(f.text, f.n_columns)
    assert sel.n_lines == f.n_records
    assert sel.n_passed == len(sel.index)
    assert set(np.flatnonzero(records).tolist()) <= set(sel.index.tolist()), (expr, pf.description)
    lines = f.text.splitlines(keepends=True)
    assert sel.text == b"".join(lines[i] for i in sel.index.tolist())


MULTI_HEADER = "\n".join([
    "##fileformat=VCFv4.2",
    "##contig=<ID=chr1,length=248956422>",
    '##INFO=<ID=DP,Number=1,Type=Integer,Description="Depth">',
    '##INFO=<ID=AF,Number=A,Type=Float,Description="Allele frequency">',
    '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">',
    '##FORMAT=<ID=AD,Number=R,Type=Integer,Description="Allele depths">',
    '##FORMAT=<ID=GQ,Number=1,Type=Integer,Description="Genotype quality">',
    "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tS1\tS2",
])
MULTI_BODY = [
    # only the second ALT's AF passes AF>0.5; only the ALT depth passes AD<5
    "chr1\t10\t.\tA\tC,G\t40\tPASS\tDP=20;AF=0.1,0.9\tGT:AD:GQ\t0/1:30,2,9:50\t0/2:25,9,3:60",
    # only the second sample passes GQ>=20 and AD<5
    "chr1\t11\t.\tA\tC\t40\tPASS\tDP=20;AF=0.2\tGT:AD:GQ\t0/1:30,9:5\t0/1:28,4:40",
    # missing values fail every comparison but !=
    "chr1\t12\t.\tA\tC\t.\tPASS\tDP=.;AF=.\tGT:AD:GQ\t./.:.:.\t0/1:.,.:.",
    "chr1\t13\t.\tA\tC\t40\tq10;PASS\tAF=0.7\tGT:GQ\t0/1:30\t0/1",
]


@pytest.mark.parametrize("expr", [
    "INFO/AF>0.5", "FMT/AD<5", "FMT/GQ>=20 & FMT/AD<5", "FMT/GQ>=20 && FMT/AD<5", "QUAL>=30",
    "INFO/DP>=10", 'FILTER="PASS"', 'FILTER!="PASS"', "FMT/GQ<10 | INFO/AF<0.15", "AF>=0.9",
    "FMT/AD[:1]<5", "FMT/GQ[1]>=40",
])
def test_prefilter__any_value_of_any_sample_or_allele(tmp_path: Path, expr: str) -> None:
    """Number=A/R values and several samples: a record stays when any value can pass."""
    p = tmp_path / "multi.vcf"
    p.write_text(MULTI_HEADER + "\n" + "\n".join(MULTI_BODY) + "\n")
    want = read_vcf(p, include=expr)
    got = read_vcf(p, include=expr, backend="fast")
    assert got.meta.provenance["reader"] == SCANNER
    assert got.equals(want)
    assert len(got) > 0
    full = read_vcf(p, format=["AD", "GQ"])
    rows = filter_expr(full, expr)
    records = np.logical_or.reduceat(rows, np.flatnonzero(full["variant_allele_index"] <= 1))
    pf = compile_prefilter(expr, info=full.meta.info, format=full.meta.format)
    assert pf is not None
    kept = pf.select(("\n".join(MULTI_BODY) + "\n").encode(), 11).index
    assert set(np.flatnonzero(records).tolist()) <= set(kept.tolist())


def test_prefilter__an_info_key_given_twice_keeps_the_record() -> None:
    pf = compile_prefilter("INFO/DP>=10", info={"DP": FieldDef("DP", "1", "Integer")}, format={})
    assert pf is not None
    for info in ("DP=1;DP=50", "DP=50;DP=1", "DP", "DP=1x", "DP=+20", "DP=1,", "DPX=50;DP=20"):
        line = f"chr1\t5\t.\tA\tC\t50\tPASS\t{info}\n".encode()
        assert pf.select(line, 8).text == line, info
    for info in ("DP=1", "DP=.", "DP=", "DPX=50", ".", "XDP=50;DP=9"):
        line = f"chr1\t5\t.\tA\tC\t50\tPASS\t{info}\n".encode()
        assert pf.select(line, 8).text == b"", info


def test_prefilter__samples_subset_is_a_superset_too() -> None:
    path = VCF / "test.vcf.gz"
    expr = "FMT/DP>=30 & FMT/GQ>=50"
    one = [facts(path).table.samples[3]]
    want = _quiet_read(path, include=expr, samples=one, backend="cyvcf2")
    got = _quiet_read(path, include=expr, samples=one, backend="fast")
    assert got.meta.provenance["reader"] == SCANNER
    assert got.equals(want)


# -- compiling -----------------------------------------------------------------------------------
def test_compile_prefilter__what_is_compiled() -> None:
    dp, gq = FieldDef("DP", "1", "Integer"), FieldDef("GQ", "1", "Float")
    flag, text = FieldDef("DB", "0", "Flag"), FieldDef("G", "1", "String")
    info, fmt = {"DP": dp, "DB": flag, "G": text}, {"GQ": gq, "DP": dp}

    def show(expr: str) -> str | None:
        pf = compile_prefilter(expr, info=info, format=fmt)
        return None if pf is None else pf.description

    assert show("QUAL>=30 && FILTER=\"PASS\"") == 'QUAL>=30 && FILTER="PASS"'
    assert show("30<=QUAL") == "QUAL>=30"
    assert show("QUAL>-5") == "QUAL>-5"
    assert show("DP>=10") == "INFO/DP>=10"  # a bare tag resolves as filter_expr does (INFO first)
    assert show("FMT/DP>=10 & GQ>20") == "FMT/DP>=10 && FMT/GQ>20"
    assert show('FILTER!="PASS" || QUAL<3') == 'FILTER!="PASS" || QUAL<3'
    assert show('(FILTER!="PASS" | QUAL<3) && INFO/DP>1') == '(FILTER!="PASS" || QUAL<3) && INFO/DP>1'
    for expr in ["QUAL!=30", "DB=1", 'G="x"', 'FILTER="q10"', 'FILTER~"PASS"', "!(QUAL>3)",
                 "QUAL+1>3", "MAX(FMT/GQ)>3", 'GT="het"', "POS>10", 'QUAL="."', "QUAL>=30 || POS>3"]:
        assert show(expr) is None, expr
    assert show("QUAL>=30 && !(FMT/DP<5)") == "QUAL>=30"


def test_compile_prefilter__min_consequence_needs_an_annotation() -> None:
    with pytest.raises(InputError, match="transcript annotation"):
        compile_prefilter(None, info={}, format={}, min_consequence="missense_variant")
    spec = AnnotationSpec("CSQ", "CSQ", ("Allele", "Consequence"))
    pf = compile_prefilter(None, info={}, format={}, min_consequence="stop_gained",
                           annotation=spec)
    assert pf is not None and pf.description == "CSQ consequence at least stop_gained"


# -- min_consequence -------------------------------------------------------------------------------
@pytest.mark.parametrize("path", ANNOTATED[:5], ids=lambda p: p.name)
@pytest.mark.parametrize("term", ["missense_variant", "stop_gained", "synonymous_variant",
                                  "intron_variant"])
def test_read_vcf__min_consequence_equals_consequence_at_least(path: Path, term: str,
                                                               backend: str) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", GmsvarWarning)
        full = read_vcf(path, backend=backend)  # type: ignore[arg-type]
        want = full.take(consequence_at_least(full, term))
        got = read_vcf(path, backend=backend, min_consequence=term)  # type: ignore[arg-type]
    assert got.equals(want)
    assert got.meta.provenance["filter"]["min_consequence"] == term
    if backend == "fast" and "fell back" not in got.meta.provenance["reader"]:
        assert got.meta.provenance["reader"] == SCANNER
        counts = got.meta.provenance["prefilter"]
        assert counts["records_scanned"] == facts(path).n_records
        assert counts["records_passed"] <= counts["records_scanned"]


def _all_terms() -> list[str]:
    so = load_so_table()
    return sorted({term for per_kind in so.lookup.values() for term in per_kind})


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(path=st.sampled_from(ANNOTATED), term=st.sampled_from(_all_terms()),
       include=st.sampled_from([None, "QUAL>=20", 'FILTER="PASS" || FMT/DP>=10']))
def test_read_vcf__min_consequence_fast_equals_cyvcf2(path: Path, term: str,
                                                      include: str | None) -> None:
    if include is not None and "FMT" in include and not facts(path).numeric_format:
        include = "QUAL>=20"
    want = _outcome(path, backend="cyvcf2", min_consequence=term, include=include)
    got = _outcome(path, backend="fast", min_consequence=term, include=include)
    assert _same(want, got)


def test_read_vcf__min_consequence_unknown_term_is_a_helpful_error(backend: str) -> None:
    with pytest.raises(InputError, match="did you mean missense_variant") as info:
        read_vcf(VCF / "test.vcf.gz", min_consequence="misense_variant",  # type: ignore[arg-type]
                 backend=backend)  # type: ignore[arg-type]
    assert isinstance(info.value, GmsvarError)
    assert "min_consequence" in str(info.value)


def test_read_vcf__min_consequence_needs_an_annotated_file(backend: str) -> None:
    with pytest.raises(InputError, match="VEP CSQ, SnpEff ANN or bcftools BCSQ"):
        read_vcf(VCF / "norm.split.vcf", min_consequence="missense_variant",
                 backend=backend)  # type: ignore[arg-type]


def test_iter_vcf__min_consequence_chunks_concat_to_read_vcf() -> None:
    path = VCF / "test.vcf.gz"
    parts = list(iter_vcf(path, chunk_size=7, backend="fast", min_consequence="missense_variant"))
    want = read_vcf(path, min_consequence="missense_variant")
    assert concat(parts).equals(want)


words = st.sampled_from(["missense_variant", "MISSENSE_VARIANT", "intron_variant", "stop_gained",
                         "synonymous_variant", "weird_term", "", ".", "splice_region_variant",
                         "upstream_gene_variant", "missense", "*missense", " missense_variant"])
#: (prefix, consequence terms, other sub-fields) of one annotation entry
entries = st.tuples(st.sampled_from(["", "@5", "*"]), st.lists(words, min_size=1, max_size=3),
                    st.lists(st.sampled_from(["", "x", "T", "ENST1"]), max_size=3))


@settings(max_examples=300, deadline=None)
@given(parts=st.lists(entries, max_size=4), kind=st.sampled_from(["CSQ", "BCSQ"]),
       term=st.sampled_from(["missense_variant", "stop_gained", "intron_variant"]))
def test_filter_annotation__python_and_c_agree(
        parts: list[tuple[str, list[str], list[str]]], kind: str, term: str) -> None:
    if kind == "CSQ":  # VEP: Allele|Consequence|...
        fields = ("Allele", "Consequence", "X")
        value = ",".join(f"{p}A|{'&'.join(w)}|{'|'.join(r)}" for p, w, r in parts)
    else:  # bcftools: Consequence|gene|..., '@' references, '*' other haplotype
        fields = ("Consequence", "gene", "X")
        value = ",".join(f"{p}{'&'.join(w)}|{'|'.join(r)}" for p, w, r in parts)
    spec = AnnotationSpec(kind, kind, fields)  # type: ignore[arg-type]
    py = filter_annotation(np.array([value], dtype=object), term, spec)[0]
    pf = compile_prefilter(None, info={}, format={}, min_consequence=term, annotation=spec)
    assert pf is not None
    info = f"{kind}={value}" if value else "X=1"
    sel = pf.select(f"1\t5\t.\tA\tT\t50\tPASS\t{info}\n".encode(), 8)
    assert bool(sel.n_passed) == bool(py)


# -- structure and fallback ------------------------------------------------------------------------
HEADER = "\n".join([
    "##fileformat=VCFv4.2",
    "##contig=<ID=chr1,length=248956422>",
    '##INFO=<ID=DP,Number=1,Type=Integer,Description="Depth">',
    '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">',
    '##FORMAT=<ID=GQ,Number=1,Type=Integer,Description="Genotype quality">',
    "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tS1\tS2",
])


def _records(n: int) -> list[str]:
    return [f"chr1\t{10 + i}\t.\tA\tC\t{(i * 7) % 60}\tPASS\tDP={i % 40}\tGT:GQ\t0/1:{i % 50}\t"
            f"1/1:{(i * 3) % 50}" for i in range(n)]


def _write(tmp_path: Path, body: list[str], name: str = "x.vcf", end: str = "\n") -> Path:
    p = tmp_path / name
    p.write_bytes((HEADER + "\n" + end.join(body) + end).encode())
    return p


@pytest.mark.parametrize(
    ("bad", "reason"),
    [
        ("chr1\t9\t.\tA\tG\t1\tPASS\tDP=1\tGT:GQ\t0/1:3", "columns"),
        ("chr1\t9\t.\tA\tG\t1\tPASS\tDP=1\tGT:GQ\t0/1:3\t0/1:3\textra", "columns"),
        ("chr1\t9\t\tA\tG\t1\tPASS\tDP=1\tGT:GQ\t0/1:3\t0/1:3", "empty fixed column"),
        ("chr1\t9\t.\tA\tG\t1\tPASS\tDP=1\x01\tGT:GQ\t0/1:3\t0/1:3", "control character"),
        ("#chr1\t9\t.\tA\tG\t1\tPASS\tDP=1\tGT:GQ\t0/1:3\t0/1:3", "'#' line"),
        ("chr1\t9\t.\tA\tG\t1\tPASS\tDP=1\tGT:GQ\t0/1:3\t0/1:3\r", "carriage return"),
    ],
)
def test_read_vcf__malformed_structure_falls_back(tmp_path: Path, bad: str, reason: str) -> None:
    """A structure error in any line (even one the filter drops) hands the file to cyvcf2."""
    body = _records(30)
    body.insert(12, bad)
    p = _write(tmp_path, body)
    expr = "QUAL>=30"
    pf = compile_prefilter(expr, info={"DP": FieldDef("DP", "1", "Integer")}, format={})
    assert pf is not None
    with pytest.raises(FastUnsupported, match=reason):
        pf.select(("\n".join(body) + "\n").encode(), 11)
    want = _outcome(p, include=expr, backend="cyvcf2")
    got = _outcome(p, include=expr, backend="fast")
    assert _same(want, got)
    if isinstance(got, VariantTable):
        assert "fell back to cyvcf2: C scanner" in got.meta.provenance["reader"]
        assert "prefilter" not in got.meta.provenance


def test_fast_blocks__corrupt_bgzf_member_is_reported(tmp_path: Path) -> None:
    """A CRC error in a middle BGZF block (ISA-L inflates): the fast reader gives up."""
    import pysam

    text = _write(tmp_path, _records(4000))
    gz = tmp_path / "x.vcf.gz"
    pysam.tabix_compress(str(text), str(gz))
    data = bytearray(gz.read_bytes())
    first = int.from_bytes(data[16:18], "little") + 1
    second = int.from_bytes(data[first + 16 : first + 18], "little") + 1
    data[first + second - 6] ^= 1  # a CRC32 byte of the second block
    gz.write_bytes(bytes(data))
    plan = _reader(text, "fast").fast_plan
    assert plan is not None
    with pytest.raises(FastUnsupported, match="corrupt compressed data"):
        list(vcf_fast.fast_blocks(str(gz), "vcf.bgz", plan))
    assert _same(_outcome(gz, include="QUAL>=30", backend="fast"),
                 _outcome(gz, include="QUAL>=30", backend="cyvcf2"))


def test_read_vcf__crlf_file_falls_back(tmp_path: Path) -> None:
    p = _write(tmp_path, _records(20), end="\r\n")
    want = _outcome(p, include="QUAL>=30", backend="cyvcf2")
    got = _outcome(p, include="QUAL>=30", backend="fast")
    assert _same(want, got)


def test_read_vcf__bad_value_in_dropped_record_is_not_reported(tmp_path: Path) -> None:
    """The documented difference: values of records the scanner drops are not parsed."""
    body = _records(20)
    good = _write(tmp_path, body, "good.vcf")
    body.insert(5, "chr1\t12x\t.\tA\tG\t1\tPASS\tDP=1\tGT:GQ\t0/1:3\t0/1:3")  # POS not a number
    bad = _write(tmp_path, body, "bad.vcf")
    with pytest.raises(VcfFormatError, match=r"bad\.vcf"):
        read_vcf(bad, include="QUAL>=30")
    got = read_vcf(bad, include="QUAL>=30", backend="fast")
    assert got.meta.provenance["reader"] == SCANNER
    assert got.equals(read_vcf(good, include="QUAL>=30"))
    # kept by the filter: parsed, so reported as by the other backends
    with pytest.raises(VcfFormatError, match=r"bad\.vcf"):
        read_vcf(bad, include="QUAL>=0", backend="fast")


@pytest.mark.parametrize("threads", [1, 2])
def test_iter_vcf__fallback_part_way_resumes_after_the_kept_records(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, threads: int) -> None:
    """A kept record the numpy tokeniser cannot read, in a late block: cyvcf2 resumes at the
    right file record although the earlier chunks held only the records that passed."""
    monkeypatch.setattr(vcf_fast, "BLOCK_BYTES", 600)
    monkeypatch.setattr(vcf_fast, "PARSE_BYTES", 300)
    monkeypatch.setattr(vcf_fast, "THREADS", threads)
    body = _records(200)
    body[170] = "chr1\t180\t.\tA\tC\t59\tPASS\tDP=1;DP=2\tGT:GQ\t0/1:3\t0/1:30"  # INFO/DP twice
    p = _write(tmp_path, body)
    expr = "QUAL>=30 && FMT/GQ>=20 && INFO/DP>=0"
    want = read_vcf(p, include=expr)
    parts = list(iter_vcf(p, chunk_size=8, include=expr, backend="fast"))
    assert "fell back" in parts[-1].meta.provenance["reader"]
    assert parts[0].meta.provenance["reader"] == SCANNER
    assert concat(parts).equals(want)
    whole = read_vcf(p, include=expr, backend="fast")
    assert "fell back" in whole.meta.provenance["reader"]
    assert whole.equals(want)


def _reader(path: Path, backend: str, **kw: object) -> reader_module._Reader:
    args: dict[str, object] = dict(regions=None, samples=None, info=None, fmt=None, build=None,
                                   annotation=None, popfreq_af=None, popfreq_max=None)
    return reader_module._Reader(str(path), backend=backend, **{**args, **kw})  # type: ignore


SHAPE_HEADER = "\n".join([
    "##fileformat=VCFv4.2",
    "##contig=<ID=chrX,length=156040895>",
    '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">',
    '##FORMAT=<ID=GQ,Number=1,Type=Integer,Description="Genotype quality">',
    '##FORMAT=<ID=XX,Number=.,Type=Integer,Description="Any number of values">',
    "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tS1\tS2",
])
SHAPE_BODY = [
    "chrX\t10\t.\tA\tC\t10\tPASS\t.\tGT:GQ:XX\t0/1:30:1,2,3\t0/0:20:4",  # dropped: diploid
    "chrX\t11\t.\tA\tC\t50\tPASS\t.\tGT:GQ:XX\t1:30:5\t0:20:6",  # kept: haploid
    "chrX\t12\t.\tA\tC\t50\tPASS\t.\tGQ\t40\t50",  # kept: no GT
    "chrX\t13\t.\tA\tC,G\t5\tPASS\t.\tGT:GQ:XX\t0/1/2:9:1,2,3,4,5\t1:9:.",  # dropped
    "chrX\t14\t.\tA\tC\t60\tPASS\t.\tGT:XX\t1:7\t.:8",  # kept: haploid
    "chrX\t15\t.\tA\tC\t1\tPASS\t.\tGT:GQ\t0|1:9\t1|1:9",  # dropped: diploid
]


@pytest.mark.parametrize("bypass", [(20_000, 0.5), (0, -1.0), (3, 0.0)],
                         ids=["scan", "bypass-at-once", "bypass-after-3"])
@pytest.mark.parametrize("samples", [None, ["S2"]])
@pytest.mark.parametrize("chunk_size", [1, 2, 3, 4, 250_000])
@pytest.mark.parametrize("threads", [1, 2])
def test_chunks__scanner_chunks_have_the_shape_of_the_unfiltered_read(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, chunk_size: int, threads: int,
        samples: list[str] | None, bypass: tuple[int, float]) -> None:
    """Ploidy and FORMAT widths are the largest of a chunk's records, kept or not: the
    scanner passes on dropped records that set them, and cuts the same chunks; so does
    a read that stops scanning part-way because most records pass (``bypass``)."""
    monkeypatch.setattr(vcf_fast, "BYPASS_AFTER", bypass[0])
    monkeypatch.setattr(vcf_fast, "BYPASS_SHARE", bypass[1])
    monkeypatch.setattr(vcf_fast, "BLOCK_BYTES", 150)
    monkeypatch.setattr(vcf_fast, "PARSE_BYTES", 100)
    monkeypatch.setattr(vcf_fast, "THREADS", threads)
    p = tmp_path / "shape.vcf"
    p.write_text(SHAPE_HEADER + "\n" + "\n".join(SHAPE_BODY) + "\n")
    for expr in ["QUAL>=30", "QUAL>=1000", "QUAL<6"]:
        kw = dict(include=expr, fmt=["XX"], samples=samples)
        want = list(_reader(p, "cyvcf2", **kw).chunks(chunk_size))
        fast = _reader(p, "fast", **kw)
        assert fast.fast_prefilter is not None
        got = list(fast.chunks(chunk_size, resume=False))
        assert got[0].meta.provenance["reader"] == SCANNER
        assert len(got) == len(want), expr
        for a, b in zip(got, want, strict=True):
            assert a.equals(b), (expr, chunk_size)
    assert read_vcf(p, include="QUAL>=30", format=["XX"], backend="fast").equals(
        read_vcf(p, include="QUAL>=30", format=["XX"]))


def test_read_vcf__no_record_passes(tmp_path: Path) -> None:
    p = tmp_path / "shape.vcf"
    p.write_text(SHAPE_HEADER + "\n" + "\n".join(SHAPE_BODY) + "\n")
    got = read_vcf(p, include="QUAL>1000", backend="fast")
    assert len(got) == 0 and got.meta.provenance["reader"] == SCANNER
    assert got.equals(read_vcf(p, include="QUAL>1000"))
    assert got.meta.provenance["prefilter"]["records_passed"] == 0


def test_chunks__with_min_consequence_equal_cyvcf2_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(vcf_fast, "BLOCK_BYTES", 2000)
    monkeypatch.setattr(vcf_fast, "PARSE_BYTES", 1000)
    path = VCF / "test.vcf.gz"
    kw = dict(include="QUAL>=10", min_consequence="intron_variant")
    want = list(_reader(path, "cyvcf2", **kw).chunks(13))
    got = list(_reader(path, "fast", **kw).chunks(13))
    assert len(got) == len(want) > 3
    for a, b in zip(got, want, strict=True):
        assert a.equals(b)
    whole = read_vcf(path, backend="fast", **kw)  # type: ignore[arg-type]
    counts = whole.meta.provenance["prefilter"]
    assert counts["records_scanned"] == facts(path).n_records
    assert 0 < counts["records_passed"] < counts["records_scanned"]


def test_read_vcf__without_the_extension_the_numpy_path_runs(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(prefilter, "AVAILABLE", False)
    path = VCF / "test.vcf.gz"
    got = read_vcf(path, include="QUAL>=30", min_consequence="missense_variant", backend="fast")
    assert got.meta.provenance["reader"] == "gmsvar.read_vcf (backend fast)"
    assert "prefilter" not in got.meta.provenance
    assert got.equals(read_vcf(path, include="QUAL>=30", min_consequence="missense_variant"))


def test_scan_extension_is_built() -> None:
    """CI must not silently lose the C scanner (the reader would quietly run slower)."""
    from gmsvar.io import _scan

    assert prefilter.AVAILABLE
    assert callable(_scan.select)


# -- the C entry point against hostile input ---------------------------------------------------
SAMPLE_TEXT = ("\n".join(_records(12)) + "\n").encode()
ANN_TERM = (4, 0, False, 0.0, b"DP", 1, True, (b"missense_variant",), (b"intron_variant", b""))
TERMS = (
    (0, 3, False, 30.0, b"", 0, False, (), ()),
    (1, 0, False, 0.0, b"", 0, False, (), ()),
    (2, 3, True, 10.0, b"DP", 0, False, (), ()),
    (3, 1, True, 20.0, b"GQ", 0, False, (), ()),
    ANN_TERM,
)


def _mutate(data: bytes, edits: list[tuple[int, int]]) -> bytes:
    out = bytearray(data)
    for pos, byte in edits:
        if out:
            out[pos % len(out)] = byte
    return bytes(out)


special = st.sampled_from(list(b"\t\n\r#.,;:|&=-+eE0123456789\x00\x01\x7f\xff"))
texts = (st.binary(max_size=400)
         | st.builds(_mutate, st.just(SAMPLE_TEXT),
                     st.lists(st.tuples(st.integers(0, 10**6), special | st.integers(0, 255)),
                              max_size=12))
         | st.builds(lambda a, b: a[: len(a) * b // 100], st.just(SAMPLE_TEXT), st.integers(0, 100)))
numbers = st.floats(allow_nan=True, allow_infinity=True) | st.integers(-10**6, 10**6)
keys = st.sampled_from([b"", b"DP", b"GQ", b"D", b"DP=", b"\t", b"\n", b"x" * 300])
word_lists = st.lists(st.binary(max_size=12), max_size=4).map(tuple)
terms = st.tuples(st.integers(-2, 6), st.integers(-2, 6), st.booleans(), numbers, keys,
                  st.integers(-2, 20), st.booleans(), word_lists, word_lists)
nodes = st.tuples(st.integers(-1, 4), st.integers(-3, 8), st.integers(-3, 8))


shapes = st.none() | st.tuples(st.integers(0, 50), st.integers(1, 8),
                               st.lists(st.integers(9, 10), max_size=2).map(tuple),
                               st.lists(st.sampled_from([b"GQ", b"AD", b"GT", b"X", b""]),
                                        max_size=3).map(tuple))


@settings(max_examples=500, deadline=None)
@given(text=texts, n_columns=st.integers(-1, 14), cut=st.lists(st.integers(0, 400), max_size=3),
       shape=shapes)
def test_scan_select__hostile_text_gives_a_result_or_value_error(
        text: bytes, n_columns: int, cut: list[int],
        shape: tuple[int, int, tuple[int, ...], tuple[bytes, ...]] | None) -> None:
    from gmsvar.io import _scan

    program = ((1, 0, 0), (1, 1, 0), (1, 2, 0), (1, 3, 0), (1, 4, 0), (2, 0, 1), (3, 2, 3),
               (2, 5, 6), (2, 7, 4))
    if shape is not None and n_columns < 11:
        shape = (*shape[:2], tuple(j for j in shape[2] if j < n_columns), shape[3])
    try:
        got = _scan.select(text, n_columns, program, TERMS, shape)
    except ValueError:
        got = None
    # the same text in pieces gives the same answer
    bounds = sorted({0, len(text), *(c % (len(text) + 1) for c in cut)})
    pieces = [memoryview(text)[a:b] for a, b in itertools.pairwise(bounds)] or [text]
    try:
        again = _scan.select(pieces, n_columns, program, TERMS, shape)
    except ValueError:
        again = None
    assert got == again
    if got is not None:
        kept_text, n_lines, kept, n_passed = got
        lines = text.splitlines(keepends=True)
        assert n_lines == len(lines)
        index = np.frombuffer(kept, dtype=np.int64).tolist()
        assert kept_text == b"".join(lines[i] for i in index)
        # the program's own choice does not depend on the shape carriers
        plain = _scan.select(text, n_columns, program, TERMS)
        assert plain[3] == n_passed == len(plain[2]) // 8
        assert set(np.frombuffer(plain[2], dtype=np.int64).tolist()) <= set(index)
        if shape is not None and n_lines:  # every window gets at least one line
            windows = {(shape[0] + i) // shape[1] for i in range(n_lines)}
            assert windows == {(shape[0] + i) // shape[1] for i in index}
        everything = _scan.select(text, n_columns, ((0, 0, 0),), ())
        assert everything == (text, n_lines, np.arange(n_lines, dtype=np.int64).tobytes(),
                              n_lines)


@settings(max_examples=500, deadline=None)
@given(text=texts, program=st.lists(nodes, min_size=0, max_size=6).map(tuple),
       term_list=st.lists(terms, max_size=4).map(tuple))
def test_scan_select__hostile_program_gives_a_result_or_value_error(
        text: bytes, program: tuple[tuple[int, int, int], ...],
        term_list: tuple[tuple[object, ...], ...]) -> None:
    from gmsvar.io import _scan

    with contextlib.suppress(ValueError):
        _scan.select(text, 11, program, term_list)


def test_scan_select__wrong_types_raise_type_error() -> None:
    from gmsvar.io import _scan

    with pytest.raises(TypeError):
        _scan.select("text", 11, ((0, 0, 0),), ())
    with pytest.raises(TypeError):
        _scan.select(SAMPLE_TEXT, 11, ([0, 0, 0],), ())
    with pytest.raises(TypeError):
        _scan.select(SAMPLE_TEXT, 11, ((1, 0, 0),), ([0, 3, 0, 1.0, b"", 0, 0, (), ()],))
    with pytest.raises(TypeError):
        _scan.select(SAMPLE_TEXT, 11, ((1, 0, 0),), ((4, 0, 0, 1.0, b"DP", 1, 0, ("x",), ()),))
    with pytest.raises(ValueError, match="n_columns"):
        _scan.select(SAMPLE_TEXT, 3, ((0, 0, 0),), ())


def test_scan_select__numbers_at_the_float32_boundary_are_kept() -> None:
    """bcftools compares at float32: 0.1 as text and 0.1 as a constant are equal there."""
    from gmsvar.io import _scan

    line = b"chr1\t1\t.\tA\tC\t0.1\tPASS\tDP=16777217\n"
    for term in [(0, 3, False, 0.1, b"", 0, False, (), ()),
                 (0, 1, False, 0.1, b"", 0, False, (), ()),
                 (0, 4, False, float(np.float32(0.1)), b"", 0, False, (), ()),
                 (2, 4, True, 16777216.0, b"DP", 0, False, (), ()),
                 (0, 2, False, 0.0999999, b"", 0, False, (), ())]:
        assert _scan.select(line, 8, ((1, 0, 0),), (term,))[0] == line, term
    for term in [(0, 2, False, 0.2, b"", 0, False, (), ()),
                 (2, 0, True, 100.0, b"DP", 0, False, (), ())]:
        assert _scan.select(line, 8, ((1, 0, 0),), (term,))[0] == b"", term


def test_prefilter__select_reports_structure_errors_as_fast_unsupported() -> None:
    pf = compile_prefilter("QUAL>1", info={}, format={})
    assert pf is not None
    with pytest.raises(FastUnsupported, match=re.escape("C scanner: record line 2")):
        pf.select(b"1\t1\t.\tA\tC\t5\tPASS\tX=1\n1\t2\t.\tA\tC\t5\tPASS\n", 8)
    with pytest.raises(FastUnsupported, match="newline"):
        pf.select([b"1\t1\t.\tA\tC\t5\tPASS\tX=1\n", b"1\t2"], 8)
