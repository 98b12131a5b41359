"""The fast text reader (``backend="fast"``): equal to cyvcf2, or falls back to it.

The shared contract suite in ``test_reader.py`` and the split property test already run
with ``backend="fast"``; these tests add what is specific to it: that ordinary files are
read without falling back, that every conformance file gives what cyvcf2 gives (table or
error), the fallback paths and their provenance, chunking and block boundaries, and the
number and genotype tokenisers against Python's own parsing.
"""

from __future__ import annotations

import gzip
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pysam
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gmsvar import VcfFormatError, concat, iter_vcf, read_vcf
from gmsvar.io import vcf_fast
from gmsvar.io.vcf_tokens import FastUnsupported, TextBlock, parse_float, parse_gt, parse_int
from gmsvar.table import VariantTable

DATA = Path(__file__).parents[1] / "data"
VCF = DATA / "vcf"
CONFORMANCE = sorted((DATA / "hts-specs-conformance").rglob("*.vcf"))
FAST = "gmsvar.read_vcf (backend fast)"

HEADER = "\n".join([
    "##fileformat=VCFv4.2",
    "##contig=<ID=chr1,length=248956422>",
    '##FILTER=<ID=q10,Description="Quality below 10">',
    '##INFO=<ID=DP,Number=1,Type=Integer,Description="Depth">',
    '##INFO=<ID=AF,Number=A,Type=Float,Description="Allele frequency">',
    '##INFO=<ID=XS,Number=.,Type=String,Description="Strings">',
    '##INFO=<ID=XF,Number=.,Type=Float,Description="Floats">',
    '##INFO=<ID=FL,Number=0,Type=Flag,Description="Flag">',
    '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">',
    '##FORMAT=<ID=AD,Number=R,Type=Integer,Description="Allele depths">',
    '##FORMAT=<ID=DP,Number=1,Type=Integer,Description="Depth">',
    '##FORMAT=<ID=GQ,Number=1,Type=Float,Description="Genotype quality">',
    '##FORMAT=<ID=FT,Number=1,Type=String,Description="Sample filter">',
    "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tS1\tS2\tS3",
])


def _write(tmp_path: Path, body: list[str], name: str = "x.vcf", header: str = HEADER) -> Path:
    p = tmp_path / name
    p.write_text(header + "\n" + "\n".join(body) + "\n")
    return p


def _both(path: Path, **kw: object) -> tuple[VariantTable, VariantTable]:
    return (read_vcf(path, backend="cyvcf2", **kw),  # type: ignore[arg-type]
            read_vcf(path, backend="fast", **kw))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "name",
    ["test.vcf.gz", "cancer_test.vcf.gz", "norm.split.vcf", "norm.split.2.vcf", "test-hemi.vcf",
     "test_gt_alt_freqs.vcf", "multi-contig.vcf.gz", "test-no-genotypes.vcf",
     "T001-BRCA.grch38.vcf.gz", "test-format-string.vcf", "view.filter.vcf",
     "scout_example_tumor_only.snv.indel.sorted.vcf.gz", "test-strict-gt-option-flag.vcf.gz",
     "test-multiallelic-homozygous-alt.vcf.gz"],
)
def test_read_vcf__fast_reads_ordinary_files_itself(name: str) -> None:
    a, b = _both(VCF / name)
    assert b.meta.provenance["reader"] == FAST
    assert a.equals(b)


@pytest.mark.parametrize("path", CONFORMANCE, ids=lambda p: "/".join(p.parts[-3:]))
def test_read_vcf__fast_matches_cyvcf2_on_conformance_files(path: Path) -> None:
    """Same table, or the same error, as cyvcf2 for every hts-specs conformance file."""
    outcomes = []
    for backend in ("cyvcf2", "fast"):
        try:
            outcomes.append(read_vcf(path, backend=backend))  # type: ignore[arg-type]
        except VcfFormatError as err:
            outcomes.append(type(err))  # type: ignore[arg-type]
    a, b = outcomes
    if isinstance(a, VariantTable) and isinstance(b, VariantTable):
        assert a.equals(b)
    else:
        assert a == b


def test_read_vcf__fast_edge_cases_without_fallback(tmp_path: Path) -> None:
    p = _write(tmp_path, [
        # multiallelic, phased, missing, haploid and triploid calls; FILTER lists; %-encoding kept
        "chr1\t10\trs1\tA\tC,G\t50.5\tPASS\tDP=5;AF=0.25,1e-3;XS=a,.,c%3B;FL\t"
        "GT:AD:DP:GQ:FT\t1|2:1,2,3:6:9.5:PASS\t0/.:.:.:.:.\t./.:4,5,.:9:20:q10;lowq",
        # (a 'nan' in a Number=. tuple never compares equal, not even between two cyvcf2 reads)
        "chr1\t11\t.\tAC\tA\t.\t.\tAF=nan;XF=-inf,.,2.5E+3;FL=\t"
        "GT:AD:DP\t0:3,0:3\t1:0,2:\t.:.:.",
        "chr1\t12\t.\tA\t.\t1e1\tq10;foo\t.\tGT\t0/1/1\t0|0\t1",
        "chr1\t13\t.\tG\tT\t0.30000001\tPASS\tDP=;;XS=\tGT:DP\t10/1:7\t0/1\t./.",
        "chr2\t5\t.\tT\t<DEL>\t.\tPASS\tDP=-3;AF=-0.0\tGT:AD:DP\t0/1:1,1:2\t0/1:.\t0/0",
    ])
    a, b = _both(p, format=["GQ", "FT", "AD"])
    assert b.meta.provenance["reader"] == FAST
    assert a.equals(b)


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ("chr1\t10\t.\tA\tC\t.\t.\tDP=5,6x\tGT\t0/1\t0/1\t0/1", "INFO/DP"),
        ("chr1\t10\t.\tA\tC\t.\t.\t.\tGT\t0/1|1\t0/1\t0/1", "GT"),
        ("chr1\t10\t.\tA\tC\t.\t.\tDP=1;DP=2\tGT\t0/1\t0/1\t0/1", "given twice"),
        ("<1>\t10\t.\tA\tC\t.\t.\t.\tGT\t0/1\t0/1\t0/1", "htslib may reject"),
        ("chr1\t10\t.\tA\tC\tlow\t.\t.\tGT\t0/1\t0/1\t0/1", "QUAL"),
    ],
)
def test_read_vcf__fast_falls_back_to_cyvcf2(tmp_path: Path, line: str, reason: str) -> None:
    p = _write(tmp_path, ["chr1\t9\t.\tA\tG\t.\t.\t.\tGT\t0/1\t0/1\t0/1", line])
    a, b = _both(p)
    assert a.equals(b)
    assert b.meta.provenance["reader"].startswith("gmsvar.read_vcf (backend fast, fell back")
    assert reason in b.meta.provenance["reader"]


def test_read_vcf__fast_falls_back_for_bcf() -> None:
    b = read_vcf(VCF / "test.snpeff.bcf", backend="fast")
    assert "BCF input" in b.meta.provenance["reader"]
    assert b.equals(read_vcf(VCF / "test.snpeff.bcf"))
    # (region queries go through the tabix index: tests/io/test_tabix.py)


def test_read_vcf__fast_malformed_record_raises_like_cyvcf2(tmp_path: Path) -> None:
    p = _write(tmp_path, ["chr1\t9\t.\tA\tG\t.\t.\t.\tGT\t0/1\t0/1\t0/1",
                          "chr1\t10\t.\tA\tC\t.\t.\t.\tGT:DP\t0/1:x\t0/1:1\t0/1:2"])
    messages = []
    for backend in ("cyvcf2", "fast"):
        with pytest.raises(VcfFormatError, match=r"x\.vcf:\d+: cannot parse line") as err:
            read_vcf(p, backend=backend)  # type: ignore[arg-type]
        messages.append(str(err.value))
    assert messages[0] == messages[1]


def test_read_vcf__fast_crlf_and_plain_gzip(tmp_path: Path) -> None:
    text = (VCF / "test-hemi.vcf").read_bytes()
    p = tmp_path / "crlf.vcf"
    p.write_bytes(text.replace(b"\n", b"\r\n"))
    a, b = _both(p)
    assert a.equals(b) and "carriage returns" in b.meta.provenance["reader"]
    g = tmp_path / "plain.vcf.gz"
    g.write_bytes(gzip.compress(text))
    a, b = _both(g)
    assert a.equals(b) and b.meta.provenance["reader"] == FAST
    assert b.meta.provenance["file_kind"] == "vcf.gz"


def test_read_vcf__fast_sample_subset_and_format_groups(tmp_path: Path) -> None:
    p = _write(tmp_path, [
        "chr1\t10\t.\tA\tC\t.\t.\t.\tGT:AD:DP\t0/1:1,2:3\t1/1:0,5:5\t0/0:7,0:7",
        "chr1\t11\t.\tA\tC,T\t.\t.\t.\tDP:GT\t4:0/2\t.:./.\t9:1|1",
        "chr1\t12\t.\tA\tC\t.\t.\t.\tGT:GQ\t0/1:1.5\t0/1\t0/1:.",
    ])
    for samples in (None, ["S3", "S1"], ["S2"]):
        a, b = _both(p, samples=samples, format=["GQ", "AD"])
        assert b.meta.provenance["reader"] == FAST
        assert a.equals(b), samples


@pytest.mark.parametrize("chunk_size", [1, 3, 1000])
def test_iter_vcf__fast_chunks_match_cyvcf2(chunk_size: int, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(vcf_fast, "BLOCK_BYTES", 2000)  # many small text blocks
    path = VCF / "norm.split.2.vcf"
    a = list(iter_vcf(path, chunk_size=chunk_size))
    b = list(iter_vcf(path, chunk_size=chunk_size, backend="fast"))
    assert [len(t) for t in a] == [len(t) for t in b]
    assert all(x.equals(y) for x, y in zip(a, b, strict=True))
    assert all(t.meta.provenance["reader"] == FAST for t in b)


def test_iter_vcf__fast_falls_back_part_way(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A problem in a later block: earlier chunks stay fast, cyvcf2 resumes after them;
    read_vcf re-reads the whole file with cyvcf2."""
    monkeypatch.setattr(vcf_fast, "BLOCK_BYTES", 300)
    body = [f"chr1\t{100 + i}\t.\tA\tC\t.\tPASS\tDP={i}\tGT\t0/1\t1/1\t0/0" for i in range(40)]
    body.append("chr1\t200\t.\tA\tC\t.\tPASS\tDP=1,2x\tGT\t0/1\t1/1\t0/0")
    p = _write(tmp_path, body)
    whole = read_vcf(p)
    parts = list(iter_vcf(p, chunk_size=10, backend="fast"))
    assert concat(parts).equals(whole)
    readers = [t.meta.provenance["reader"] for t in parts]
    assert readers[0] == FAST and "fell back" in readers[-1]
    b = read_vcf(p, backend="fast")
    assert b.equals(whole) and "fell back" in b.meta.provenance["reader"]


def test_read_vcf__fast_large_multisample_block(tmp_path: Path) -> None:
    """Many samples and records across several blocks and worker threads."""
    rng = np.random.default_rng(7)
    n_s = 40
    header = HEADER.rsplit("\n", 1)[0] + "\n" + "\t".join(
        ["#CHROM", "POS", "ID", "REF", "ALT", "QUAL", "FILTER", "INFO", "FORMAT"]
        + [f"S{i}" for i in range(n_s)])
    body = []
    for i in range(300):
        n_alt = 1 + int(rng.random() < 0.2)
        calls = []
        for _ in range(n_s):
            g = rng.integers(-1, n_alt + 1, 2)
            gt = "/".join("." if x < 0 else str(x) for x in g)
            ad = ",".join(str(x) for x in rng.integers(0, 60, n_alt + 1))
            calls.append(f"{gt}:{ad}:{rng.integers(0, 200)}:{rng.random() * 99:.2f}"
                         if rng.random() > 0.05 else "./.")
        info = f"DP={rng.integers(1, 999)};AF=" + ",".join(f"{x:.3g}" for x in rng.random(n_alt))
        body.append("\t".join(["chr1", str(1000 + 7 * i), ".", "A", ",".join("CT"[:n_alt]),
                               f"{rng.random() * 100:.1f}", "PASS", info, "GT:AD:DP:GQ", *calls]))
    p = _write(tmp_path, body, header=header)
    pysam.tabix_compress(str(p), str(p) + ".gz")
    vcf_fast.BLOCK_BYTES, saved = 20_000, vcf_fast.BLOCK_BYTES
    try:
        a, b = _both(Path(str(p) + ".gz"), format=["GQ"])
    finally:
        vcf_fast.BLOCK_BYTES = saved
    assert b.meta.provenance["reader"] == FAST
    assert a.equals(b)


# -- tokenisers ------------------------------------------------------------------------------------
def _tokens(texts: list[str]) -> tuple[TextBlock, np.ndarray, np.ndarray]:
    tb = TextBlock(("\t".join(texts) + "\n").encode())
    lens = np.array([len(t.encode()) for t in texts], dtype=np.int64)
    starts = np.concatenate(([0], np.cumsum(lens + 1)[:-1])).astype(np.int64)
    return tb, starts, starts + lens


_DECIMAL = st.builds(
    lambda sign, whole, frac, exp: f"{sign}{whole}{frac}{exp}",
    st.sampled_from(["", "-", "+"]),
    st.one_of(st.just(""), st.integers(0, 10**12).map(str), st.just("0000")),
    st.one_of(st.just(""), st.just("."), st.integers(0, 10**9).map(lambda x: f".{x:07d}")),
    st.one_of(st.just(""), st.integers(-60, 60).map(lambda e: f"e{e:+d}"),
              st.integers(0, 400).map(lambda e: f"E{e}")),
).filter(lambda t: any(c.isdigit() for c in t.split("e")[0].split("E")[0]))


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.one_of(_DECIMAL, st.sampled_from(["nan", "-inf", "Inf", ".", "1.5e-45"])),
                min_size=1, max_size=30))
def test_parse_float__rounds_like_strtod(texts: list[str]) -> None:
    tb, s, e = _tokens(texts)
    with np.errstate(over="ignore"):  # 1e+46 is inf as float32, as htslib stores it
        got = parse_float(tb, s, e, "x").astype(np.float32)
        want = np.array([np.nan if t == "." else float(t) for t in texts]).astype(np.float32)
    np.testing.assert_array_equal(got, want)


@given(st.lists(st.integers(-(2**31) + 8, 2**31 - 1), min_size=1, max_size=40))
def test_parse_int__matches_python(values: list[int]) -> None:
    texts = [str(v) for v in values] + ["."]
    tb, s, e = _tokens(texts)
    got, missing = parse_int(tb, s, e, "x")
    assert got[:-1].tolist() == values and missing.tolist() == [False] * len(values) + [True]


@pytest.mark.parametrize("bad", ["1.5", "", "+3", "1e3", "2147483648", "0x10", "1 "])
def test_parse_int__rejects_what_it_cannot_read_exactly(bad: str) -> None:
    tb, s, e = _tokens(["1", bad])
    with pytest.raises(FastUnsupported):
        parse_int(tb, s, e, "x")


def test_parse_gt__ploidy_phase_and_missing() -> None:
    tb, s, e = _tokens(["0/1", "1|0", "./.", ".", "2", "0/1/2", "10|12", ".|1"])
    alleles, phased = parse_gt(tb, s, e)
    assert alleles.tolist() == [[0, 1, -2], [1, 0, -2], [-1, -1, -2], [-1, -2, -2],
                                [2, -2, -2], [0, 1, 2], [10, 12, -2], [-1, 1, -2]]
    assert phased.tolist() == [False, True, False, False, False, False, True, True]
    for bad in ("0/1|2", "0//1", "0/", "a/1"):
        tb, s, e = _tokens([bad])
        with pytest.raises(FastUnsupported):
            parse_gt(tb, s, e)


@pytest.mark.parametrize("backend", ["cyvcf2", "fast"])
def test_build__call_columns_in_tiles_equal_whole(backend: str, monkeypatch: pytest.MonkeyPatch
                                                  ) -> None:
    from gmsvar.io import buffer

    whole = read_vcf(VCF / "test.vcf.gz", backend=backend, format=["PL", "PID", "SB"])  # type: ignore[arg-type]
    monkeypatch.setattr(buffer, "_TILE_CALLS", 50)  # a few records per tile
    tiled = read_vcf(VCF / "test.vcf.gz", backend=backend, format=["PL", "PID", "SB"])  # type: ignore[arg-type]
    assert tiled.equals(whole)


# -- small pages ---------------------------------------------------------------------------------
def test_small_pages__numpy_huge_page_advice_off_within_and_restored_by_the_last_thread() -> None:
    """Overlapping blocks in two threads: off while any is inside, numpy's setting back after."""
    import threading

    from gmsvar.io import buffer

    switch = buffer._hugepage_switch()
    if switch is None:  # pragma: no cover - numpy without the switch: small_pages does nothing
        pytest.skip("this numpy has no huge-page switch")

    def state() -> bool:
        value = switch(True)
        switch(value)
        return value

    saved = switch(True)
    try:
        inside, leave = threading.Event(), threading.Event()

        def other() -> None:
            with buffer.small_pages():
                inside.set()
                leave.wait(10)

        with buffer.small_pages():
            assert state() is False
            t = threading.Thread(target=other)
            t.start()
            assert inside.wait(10)
        assert state() is False  # the other thread is still inside
        leave.set()
        t.join(10)
        assert state() is True
        with buffer.small_pages(), buffer.small_pages():  # nested in one thread
            assert state() is False
        assert state() is True
        table = read_vcf(DATA / "vcf" / "test.vcf.gz", backend="fast")  # the reader restores it too
        assert len(table) and state() is True
    finally:
        switch(saved)


# -- read-ahead thread ---------------------------------------------------------------------------
def test_prefetch__items_in_order_then_the_producers_error() -> None:
    def make() -> Iterator[int]:
        yield from range(3)
        raise vcf_fast.FastUnsupported("odd record")

    got = []
    with pytest.raises(vcf_fast.FastUnsupported, match="odd record"):
        for x in vcf_fast.prefetch(make, depth=1):
            got.append(x)
    assert got == [0, 1, 2]


def test_prefetch__leaving_early_stops_the_producer_and_closes_its_generator() -> None:
    import threading

    closed = threading.Event()
    made = []

    def make() -> Iterator[int]:
        try:
            for i in range(10_000):
                made.append(i)
                yield i
        finally:
            closed.set()

    items = vcf_fast.prefetch(make, depth=2)
    assert [next(items) for _ in range(3)] == [0, 1, 2]
    items.close()  # (what a caller's break out of iter_vcf comes to)
    assert closed.wait(5) and len(made) < 10  # stopped a few items ahead, not at the end
    assert not any(t.name == "gmsvar-read-ahead" and t.is_alive() for t in threading.enumerate())
