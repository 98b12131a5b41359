"""Region queries of the fast backend through the tabix index (:mod:`gmsvar.io.tabix`).

The fast backend reads ``regions=`` itself (index, chunks, BGZF blocks, record spans);
these tests hold it to the cyvcf2 backend (same table) on every indexed VCF in
``tests/data`` and on hypothesis-chosen region sets over a synthetic file made to
be awkward (deletions and ``INFO/END`` spans crossing interval starts and 16 kb
windows, ``END`` before ``POS``, many BGZF blocks, a contig the header does not
declare), to ``bcftools view -R``, and fuzz the C entry points.
"""

from __future__ import annotations

import contextlib
import itertools
import random
import struct
from pathlib import Path

import numpy as np
import pysam
import pysam.bcftools
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gmsvar import ContigMismatchError, concat, iter_vcf, read_vcf
from gmsvar.io import _tabix, tabix, vcf_fast
from gmsvar.io.tabix import index_contigs, index_files, load_tabix
from gmsvar.io.vcf_tokens import FastUnsupported
from gmsvar.regions import Interval, merge_intervals
from gmsvar.table import VariantTable

DATA = Path(__file__).parents[1] / "data"
INDEXED = sorted(p.with_suffix("") for p in DATA.rglob("*.vcf.gz.tbi"))
FAST = "gmsvar.read_vcf (backend fast)"

HEADER = "\n".join([
    "##fileformat=VCFv4.2",
    "##contig=<ID=chr1,length=248956422>",
    "##contig=<ID=chr2,length=242193529>",
    '##INFO=<ID=END,Number=1,Type=Integer,Description="End">',
    '##INFO=<ID=XEND,Number=1,Type=Integer,Description="Not END">',
    '##INFO=<ID=DP,Number=1,Type=Integer,Description="Depth">',
    '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">',
    '##FORMAT=<ID=DP,Number=1,Type=Integer,Description="Depth">',
    "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tS1\tS2",
])


def _synthetic_records(seed: int = 7) -> list[str]:
    """~12k records on chr1, chr2 and chr3 (undeclared): SNVs, long deletions, END spans."""
    rng = random.Random(seed)
    out = []
    for contig, n, span in (("chr1", 7000, 3_000_000), ("chr2", 4000, 60_000_000), ("chr3", 800, 400_000)):
        positions = sorted(rng.sample(range(1, span), n))
        for pos in positions:
            kind = rng.random()
            ref, alt, info = rng.choice("ACGT"), rng.choice("ACGT"), f"DP={rng.randint(0, 99)}"
            if kind < 0.08:  # a deletion that may span the start of a query
                ref = "".join(rng.choice("ACGT") for _ in range(rng.randint(2, 60)))
            elif kind < 0.12:  # a symbolic deletion with INFO/END far away (other bins and windows)
                ref, alt = "N", "<DEL>"
                info = f"END={pos + rng.randint(1, 80_000)};DP=3"
            elif kind < 0.14:  # END before POS: tabix ignores it
                info = f"END={max(pos - rng.randint(1, 50), 1)};DP=4"
            elif kind < 0.16:  # a key ending in END is not END; END later in the list is
                info = f"XEND={pos + 5000};DP=1" if rng.random() < 0.5 else f"DP=2;END={pos + 3000}"
            elif kind < 0.18:
                alt = "C,G" if ref not in "CG" else "A,T"
            gts = "\t".join(rng.choice(["0/1:5", "1/1:9", "./.:.", "0|0:12"]) for _ in range(2))
            out.append(f"{contig}\t{pos}\t.\t{ref}\t{alt}\t{rng.randint(1, 99)}\tPASS\t{info}\tGT:DP\t{gts}")
    return out


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("tabix")
    plain = d / "syn.vcf"
    plain.write_text(HEADER + "\n" + "\n".join(_synthetic_records()) + "\n")
    gz = d / "syn.vcf.gz"
    pysam.tabix_compress(str(plain), str(gz), force=True)
    pysam.tabix_index(str(gz), preset="vcf", force=True)
    return gz


def _both(path: Path, regions: object) -> tuple[VariantTable | type, VariantTable | type]:
    out: list[VariantTable | type] = []
    for backend in ("cyvcf2", "fast"):
        try:
            out.append(read_vcf(path, regions=regions, backend=backend))  # type: ignore[arg-type]
        except ContigMismatchError as err:
            out.append(type(err))
    return out[0], out[1]


def _assert_same(path: Path, regions: object, *, tokeniser_fallback: bool = False) -> VariantTable | None:
    """Equal tables (or the same error); the fast backend read the regions itself.

    With ``tokeniser_fallback`` (a file whose records the fast tokeniser hands to cyvcf2
    even in a whole-file read) it may fall back for such a record, not for the region query.
    """
    a, b = _both(path, regions)
    if isinstance(a, VariantTable) and isinstance(b, VariantTable):
        reader = b.meta.provenance["reader"]
        if tokeniser_fallback and reader != FAST:
            assert not any(w in reader for w in ("index", "chunk", "BGZF", "interval", "tabix")), reader
        else:
            assert reader == FAST
        assert a.equals(b)
        return b
    assert a == b
    return None


def test_tabix_extension_is_built() -> None:
    """CI must not silently lose the C extension (regions would fall back to cyvcf2)."""
    assert tabix._tabix is not None
    assert callable(_tabix.select)


@pytest.mark.parametrize("path", INDEXED, ids=lambda p: str(p.relative_to(DATA)))
def test_read_vcf__fast_regions_equal_cyvcf2_on_indexed_files(path: Path) -> None:
    """Whole contigs, a slice of each, and a mix of overlapping and adjacent intervals."""
    names = load_tabix(str(path)).names
    if not names:
        return
    t = read_vcf(path, backend="cyvcf2")
    lenient = read_vcf(path, backend="fast").meta.provenance["reader"] != FAST
    pos = t["variant_position"]
    regions: list[str] = list(names)  # every contig whole
    _assert_same(path, regions, tokeniser_fallback=lenient)
    if len(pos):
        lo, hi = int(pos.min()), int(pos.max())
        mid = (lo + hi) // 2
        contig = t.decode("variant_contig")[len(t) // 2]
        _assert_same(path, [f"{contig}:{lo}-{mid}", f"{contig}:{mid + 1}-{hi + 1}",
                            f"{contig}:{max(lo - 5, 1)}-{lo + 3}", f"{names[-1]}:1-1000000"],
                     tokeniser_fallback=lenient)


@given(data=st.data())
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_read_vcf__fast_regions_equal_cyvcf2_on_random_region_sets(synthetic: Path,
                                                                   data: st.DataObject) -> None:
    contig = st.sampled_from(["chr1", "1", "chr2", "2", "chr3", "chrUn", "chrM"])
    start = st.one_of(st.integers(1, 3_100_000), st.integers(1, 60_000_000),
                      st.sampled_from([16384, 16385, 32768, 1 << 17, 1 << 20]))
    length = st.one_of(st.integers(0, 200), st.integers(0, 100_000), st.integers(0, 5_000_000))
    ivs = data.draw(st.lists(st.tuples(contig, start, length), min_size=1, max_size=6))
    regions = [(c, s, s + n) for c, s, n in ivs]
    _assert_same(synthetic, regions)


@pytest.mark.parametrize(("threads", "task_bytes"), [(1, 1), (2, 1), (2, 1 << 18), (2, 1 << 30)])
def test_read_vcf__fast_regions_multi_piece_chunks_and_small_blocks(
    synthetic: Path, threads: int, task_bytes: int, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Chunks larger than a read piece are cut at line ends in the main thread; small
    tokenising blocks give many record blocks; inflate tasks of one piece, of several, or
    of all pieces; same table either way."""
    monkeypatch.setattr(tabix, "PIECE_BYTES", 1)  # every piece is one 64 KB read
    monkeypatch.setattr(tabix, "TASK_BYTES", task_bytes)
    monkeypatch.setattr(vcf_fast, "BLOCK_BYTES", 5000)
    monkeypatch.setattr(vcf_fast, "THREADS", threads)
    t = _assert_same(synthetic, ["chr2", "chr1:100000-2500000", "chr3:1-300000"])
    assert t is not None and len(t) > 5000


def test_read_vcf__fast_regions_with_include_and_chunks(synthetic: Path) -> None:
    """Region lines go through the C prefilter like whole-file text; chunked reads agree."""
    regions = ["chr1:1-900000", "chr2:5000000-9000000", "chr3"]
    expr = "QUAL>=30 && FMT/DP>=5"
    a = read_vcf(synthetic, regions=regions, include=expr, backend="cyvcf2")
    b = read_vcf(synthetic, regions=regions, include=expr, backend="fast")
    everything = read_vcf(synthetic, regions=regions, backend="cyvcf2", info=[])
    records = int((everything["variant_allele_index"] == 1).sum())  # first ALT of each record
    assert b.meta.provenance["prefilter"]["records_scanned"] == records
    assert a.equals(b) and len(b) > 0
    chunks = list(iter_vcf(synthetic, regions=regions, include=expr, backend="fast", chunk_size=300))
    assert len(chunks) > 3 and concat(chunks).equals(a)


def test_read_vcf__fast_regions_deletion_spanning_start_and_end_tag(tmp_path: Path) -> None:
    body = [
        "chr1\t100\t.\tACGTACGTAC\tA\t.\tPASS\tDP=1\tGT:DP\t0/1:1\t0/1:1",          # 100-109
        "chr1\t150\t.\tN\t<DEL>\t.\tPASS\tEND=30000;DP=1\tGT:DP\t0/1:1\t0/1:1",      # 150-30000
        "chr1\t200\t.\tA\tC\t.\tPASS\tEND=10;DP=1\tGT:DP\t0/1:1\t0/1:1",            # END < POS: 200
        "chr1\t300\t.\tA\tC\t.\tPASS\tXEND=90000;DP=1\tGT:DP\t0/1:1\t0/1:1",        # not END: 300
        "chr1\t20000\t.\tA\tC\t.\tPASS\tDP=1\tGT:DP\t0/1:1\t0/1:1",
    ]
    p = tmp_path / "d.vcf"
    p.write_text(HEADER + "\n" + "\n".join(body) + "\n")
    gz = tmp_path / "d.vcf.gz"
    pysam.tabix_compress(str(p), str(gz), force=True)
    pysam.tabix_index(str(gz), preset="vcf", force=True)
    for region, expect in [("chr1:105-105", [100]), ("chr1:109-109", [100]), ("chr1:110-110", []),
                           ("chr1:20000-20000", [150, 20000]), ("chr1:25000-25001", [150]),
                           ("chr1:201-299", [150]), ("chr1:301-19999", [150]), ("chr1:30001-90000", []),
                           ("1:200-300", [150, 200, 300])]:
        t = _assert_same(gz, region)
        assert t is not None and t["variant_position"].tolist() == expect, region


def test_read_vcf__fast_regions_absent_contig_and_empty(synthetic: Path) -> None:
    t = _assert_same(synthetic, ["chr1:1-1", "chrM:1-1000"])  # nothing there
    assert t is not None and len(t) == 0
    with pytest.raises(ContigMismatchError):
        read_vcf(synthetic, regions="chrZZ:1-10", backend="fast")


def test_read_vcf__fast_regions_match_bcftools_view_regions_file(tmp_path: Path) -> None:
    """Same records as ``bcftools view -R`` (its default: records overlapping a region)."""
    path = DATA / "vcf" / "T001-BRCA.grch38.vcf.gz"
    t = read_vcf(path, backend="cyvcf2")
    contigs, pos = t.decode("variant_contig"), t["variant_position"]
    rng = np.random.default_rng(3)
    picks = sorted(rng.choice(len(t), 12, replace=False).tolist())
    ivs = [Interval(contigs[i], max(int(pos[i]) - 2000, 1), int(pos[i]) + 500) for i in picks]
    regions_file = tmp_path / "regions.tsv"
    regions_file.write_text("".join(f"{iv.contig}\t{iv.start}\t{iv.end}\n" for iv in ivs))
    out = pysam.bcftools.view("-H", "-R", str(regions_file), str(path))
    theirs = sorted((f[0], int(f[1]), f[3], a) for f in (ln.split("\t") for ln in out.splitlines())
                    for a in f[4].split(","))
    fast = read_vcf(path, regions=ivs, backend="fast")
    assert fast.meta.provenance["reader"] == FAST
    ours = sorted(zip(fast.decode("variant_contig"), fast["variant_position"].tolist(),
                      fast["variant_ref"].tolist(), fast["variant_alt"].tolist(), strict=True))
    assert ours == theirs and len(ours) > 0


def test_load_tabix__names_and_chunks(synthetic: Path) -> None:
    idx = load_tabix(str(synthetic))
    assert idx.names == ("chr1", "chr2", "chr3")
    assert index_contigs(str(synthetic)) == idx.names
    assert index_files(str(synthetic)) == (None, str(synthetic) + ".tbi")
    chunks = idx.chunks("chr1", [0], [1 << 29])
    assert chunks and all(u < v for u, v in chunks)
    assert all(a[1] <= b[0] for a, b in itertools.pairwise(chunks))  # sorted, disjoint


def test_load_tabix__partly_inflated_for_the_contigs_asked() -> None:
    """Only the index up to the last contig asked for is read; chunks agree with the whole."""
    path = str(DATA / "e2e" / "T001-COAD.grch38.vcf.gz")
    whole = load_tabix(path)
    first = whole.names[0]
    part = load_tabix(path, {first, "no-such-contig"})
    assert len(part.layout) == 1 and len(part.data) <= len(whole.data)
    assert part.chunks(first, [0, 5_000_000], [1_000_000, 1 << 29]) == \
        whole.chunks(first, [0, 5_000_000], [1_000_000, 1 << 29])
    with pytest.raises(FastUnsupported, match="loaded without"):
        part.chunks(whole.names[-1], [0], [10])
    assert load_tabix(path, set()).layout == ()


def test_index_text__rounds_inflate_everything_in_order(synthetic: Path) -> None:
    """Inflating a BGZF file in rounds (two threads for large rounds) gives its text."""
    import gzip
    from concurrent.futures import ThreadPoolExecutor

    text = tabix._IndexText(str(synthetic))  # any BGZF file: here the data, with many blocks
    assert text.n_blocks >= 8
    sizes = []
    with ThreadPoolExecutor(max_workers=1) as pool:
        while not text.complete:
            text.more(pool)
            sizes.append(text.done)
        whole = tabix._IndexText(str(synthetic))
        whole.more(pool, blocks=whole.n_blocks)  # halves in two threads
    assert sizes == sorted(sizes) and len(sizes) >= 3
    assert bytes(text.data) == bytes(whole.data) == gzip.decompress(synthetic.read_bytes())


def test_region_query__csi_index_falls_back(tmp_path: Path, synthetic: Path) -> None:
    gz = tmp_path / "c.vcf.gz"
    gz.write_bytes(synthetic.read_bytes())
    pysam.tabix_index(str(gz), preset="vcf", force=True, csi=True)
    with pytest.raises(FastUnsupported, match="CSI"):
        load_tabix(str(gz))
    a, b = _both(gz, "chr1:1000-200000")
    assert isinstance(b, VariantTable) and "fell back to cyvcf2: CSI index" in b.meta.provenance["reader"]
    assert isinstance(a, VariantTable) and a.equals(b)


def test_region_query__without_the_extension_falls_back(synthetic: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tabix, "_tabix", None)
    a, b = _both(synthetic, "chr2:1-3000000")
    assert isinstance(b, VariantTable) and "extension" in b.meta.provenance["reader"]
    assert isinstance(a, VariantTable) and a.equals(b)


def test_region_query__unusual_records_fall_back(tmp_path: Path) -> None:
    body = ["chr1\t100\t.\tA\tC\t.\tPASS\tEND=0x20;DP=1\tGT:DP\t0/1:1\t0/1:1"]  # strtoll reads hex
    p = tmp_path / "u.vcf"
    p.write_text(HEADER + "\n" + "\n".join(body) + "\n")
    gz = tmp_path / "u.vcf.gz"
    pysam.tabix_compress(str(p), str(gz), force=True)
    pysam.tabix_index(str(gz), preset="vcf", force=True)
    a, b = _both(gz, "chr1:1-1000")
    assert isinstance(b, VariantTable) and "INFO/END" in b.meta.provenance["reader"]
    assert isinstance(a, VariantTable) and a.equals(b)


def test_region_line_blocks__same_lines_as_a_python_scan(synthetic: Path) -> None:
    """The kept lines are exactly the overlapping records, in file order, each once."""
    ivs = merge_intervals([Interval("chr1", 5000, 90000), Interval("chr1", 90001, 90500),
                           Interval("chr1", 2_000_000, 2_100_000), Interval("chr2", 1, 1_000_000)])
    got = b"".join(b"".join(bytes(p) for p in blk) for blk in tabix.region_line_blocks(
        str(synthetic), ivs, block_bytes=1 << 20, threads=2)).decode().splitlines()
    expect = []
    for iv in ivs:  # the records' tabix spans, by brute force
        for line in _synthetic_records():
            f = line.split("\t")
            if f[0] != iv.contig:
                continue
            beg = int(f[1]) - 1
            end = beg + len(f[3])
            info = f[7]
            val = (info[4:] if info.startswith("END=")
                   else info.split(";END=", 1)[1] if ";END=" in info else None)
            if val is not None and int(val.split(";")[0]) > beg:
                end = int(val.split(";")[0])
            if beg < iv.end and end > iv.start - 1 and line not in expect:
                expect.append(line)
    assert got == expect


# -- the C entry points never crash ----------------------------------------------------------
@given(st.binary(max_size=400))
@settings(max_examples=300, deadline=None)
def test_tabix_layout__random_bytes(blob: bytes) -> None:
    for data in (blob, b"TBI\x01" + blob):
        with contextlib.suppress(ValueError):
            _tabix.layout(data)


@given(st.binary(max_size=300), st.integers(-10, 400), st.integers(-2, 50), st.integers(-10, 400),
       st.integers(-2, 50), st.lists(st.tuples(st.integers(-5, 1 << 30), st.integers(-5, 1 << 30)),
                                     max_size=4))
@settings(max_examples=300, deadline=None)
def test_tabix_chunks__random_bytes(blob: bytes, bins_off: int, n_bin: int, lin_off: int, n_intv: int,
                                    ivs: list[tuple[int, int]]) -> None:
    begs = struct.pack(f"<{len(ivs)}q", *[b for b, _ in ivs])
    ends = struct.pack(f"<{len(ivs)}q", *[e for _, e in ivs])
    try:
        raw = _tabix.chunks(blob, bins_off, n_bin, lin_off, n_intv, begs, ends)
        assert len(raw) % 16 == 0
    except ValueError:
        pass


@given(st.binary(max_size=300), st.integers(-3, 310), st.integers(-3, 310),
       st.lists(st.integers(-3, 400), max_size=6))
@settings(max_examples=300, deadline=None)
def test_tabix_select__random_text(text: bytes, start: int, stop: int, bounds: list[int]) -> None:
    pairs = sorted(bounds)
    begs = struct.pack(f"<{len(pairs) // 2}q", *pairs[0::2][: len(pairs) // 2])
    ends = struct.pack(f"<{len(pairs) // 2}q", *pairs[1::2][: len(pairs) // 2])
    for t in (text, b"chr1\t" + text.replace(b"\n", b"") + b"\n"):
        try:
            kept, n_kept, n_lines = _tabix.select(t, start, stop, b"chr1", begs, ends)
            assert len(kept) <= max(stop - start, 0) and n_kept <= n_lines
        except ValueError:
            pass


@given(st.data())
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_tabix_layout_and_chunks__mutated_index(synthetic: Path, data: st.DataObject) -> None:
    """A real index with random bytes changed: results or ValueError, never a crash."""
    raw = bytearray(tabix._read_index_file(str(synthetic) + ".tbi"))
    for _ in range(data.draw(st.integers(1, 8))):
        raw[data.draw(st.integers(0, len(raw) - 1))] = data.draw(st.integers(0, 255))
    blob = bytes(raw)
    try:
        _names_end, lay = _tabix.layout(blob)
    except ValueError:
        return
    for i in range(len(lay) // 32):
        b_off, n_bin, l_off, n_intv = struct.unpack_from("<4q", lay, 32 * i)
        with contextlib.suppress(ValueError):
            _tabix.chunks(blob, b_off, n_bin, l_off, n_intv, struct.pack("<q", 0), struct.pack("<q", 1 << 28))
