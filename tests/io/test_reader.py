"""Reader contract suite (every backend), bcftools oracle, and error behaviour."""

from __future__ import annotations

import gzip
import math
import shutil
from pathlib import Path

import numpy as np
import pysam
import pysam.bcftools
import pytest

import gmsvar
from gmsvar import (
    BuildMismatchError,
    ContigMismatchError,
    IndexMissingError,
    InputError,
    VcfFormatError,
    concat,
    iter_vcf,
    read_vcf,
)
from gmsvar.table import format_genotypes

VCF = Path(__file__).parents[1] / "data" / "vcf"

ORACLE_FILES = [
    # (file, INFO field to compare)
    ("test.vcf.gz", "DP"),
    ("643594.clinical.vcf.gz", "RankScore"),
    ("norm.split.vcf", "AC"),
    ("norm.split.2.vcf", None),
    ("test-multiallelic-homozygous-alt.vcf.gz", None),
    ("test-hemi.vcf", "AN"),
    ("test_gt_alt_freqs.vcf", "DP"),
    ("test.snpeff.bcf", "DP"),
    ("scout_example_tumor_only.snv.indel.sorted.vcf.gz", "DP"),
    ("view.filter.vcf", "DP"),
]


def _bcftools_rows(path: Path, info: str | None, tmp_path: Path) -> list[list[str]]:
    """``bcftools norm -m-any | bcftools query`` rows: CHROM POS REF ALT QUAL FILTER INFO [GT DP AD]."""
    split = tmp_path / "split.vcf"
    split.write_text(pysam.bcftools.norm("-m-any", str(path), catch_stdout=True))
    header = pysam.VariantFile(str(split)).header
    has = set(header.formats.keys())
    fmt = "%CHROM\\t%POS\\t%REF\\t%ALT\\t%QUAL\\t%FILTER\\t" + (f"%INFO/{info}" if info else ".")
    per_sample = [f"%{k}" if k in has else "." for k in ("GT", "DP", "AD")]
    if len(header.samples):
        fmt += "[\\t" + "\\t".join(per_sample) + "]"
    out = pysam.bcftools.query("-f", fmt + "\\n", str(split))
    return [line.split("\t") for line in out.splitlines()]


def _num_equal(ours: float, theirs: str) -> bool:
    if theirs == ".":
        return math.isnan(ours)
    return math.isclose(ours, float(theirs), rel_tol=1e-5)


def _int_field(ours: int, theirs: str, missing: int) -> bool:
    return (ours == missing) if theirs == "." else ours == int(theirs)


@pytest.mark.oracle
@pytest.mark.parametrize(("name", "info"), ORACLE_FILES)
def test_read_vcf__matches_bcftools_norm_query(
    name: str, info: str | None, backend: str, tmp_path: Path
) -> None:
    path = VCF / name
    t = read_vcf(path, backend=backend, format=None)  # type: ignore[arg-type]
    rows = _bcftools_rows(path, info, tmp_path)
    assert len(t) == len(rows), "split row count differs from bcftools norm -m-any"
    chrom = t.decode("variant_contig")
    filt = t.decode("variant_filter")
    gts = format_genotypes(t["call_genotype"], t["call_genotype_phased"])
    info_col = t[f"variant_info_{info}"] if info else None
    for i, row in enumerate(rows):
        c, pos, ref, alt, qual, flt, inf = row[:7]
        assert (chrom[i], t["variant_position"][i], t["variant_ref"][i], t["variant_alt"][i]) == (
            c, int(pos), ref, alt), f"row {i}"
        assert _num_equal(float(t["variant_qual"][i]), qual), f"QUAL row {i}"
        assert (filt[i] or ".") == flt.replace(",", ";") or set((filt[i] or ".").split(";")) == set(
            flt.split(";")), f"FILTER row {i}"
        if info_col is not None:
            v = info_col[i]
            if isinstance(v, tuple):
                assert ",".join("." if x is None else str(x) for x in v) == inf, f"row {i}"
            elif isinstance(v, (np.floating, float)):
                assert _num_equal(float(v), inf), f"INFO/{info} row {i}: {v} vs {inf}"
            elif isinstance(v, (np.integer, int)):
                assert _int_field(int(v), inf, gmsvar.INT_MISSING), f"INFO/{info} row {i}"
            elif isinstance(v, (np.bool_, bool)):
                assert bool(v) == (inf not in (".", "0")), f"INFO/{info} row {i}"
        for j in range(t.n_samples):
            gt, dp, ad = row[7 + 3 * j : 10 + 3 * j]
            if gt != ".":
                assert gts[i, j] == gt, f"GT row {i} sample {j}: {gts[i, j]} vs {gt}"
            if dp != ".":
                assert _int_field(int(t["call_depth"][i, j]), dp, -1), f"DP row {i} sample {j}"
            if ad != "." and t.meta.provenance["allele_depth_source"].startswith("FORMAT/AD"):
                want = [-1 if x == "." else int(x) for x in ad.split(",")]
                want += [-1] * (2 - len(want))
                assert t["call_allele_depth"][i, j].tolist() == want[:2], f"AD row {i} sample {j}"


# -- contract: every backend --------------------------------------------------------------------
@pytest.mark.parametrize(
    "name",
    ["test.vcf.gz", "cancer_test.vcf.gz", "norm.split.vcf", "test-hemi.vcf", "test.snpeff.bcf",
     "test_gt_alt_freqs.vcf", "multi-contig.vcf.gz", "test-no-genotypes.vcf",
     "complexfile_passed_000.vcf", "T001-BRCA.grch38.vcf.gz", "test-format-string.vcf"],
)
@pytest.mark.parametrize("other", ["pysam", "fast"])
def test_read_vcf__backends_give_equal_tables(name: str, other: str) -> None:
    a = read_vcf(VCF / name, backend="cyvcf2")
    b = read_vcf(VCF / name, backend=other)  # type: ignore[arg-type]
    diff = [k for k in a.names if k in b and not a.take(np.arange(len(a))).equals(b.take(
        np.arange(len(b)))) and not _col_equal(a, b, k)]
    assert set(a.names) == set(b.names)
    assert a.equals(b), f"columns differ: {diff}"
    assert a.meta.genome_build == b.meta.genome_build
    assert a.meta.info == b.meta.info


def _col_equal(a: gmsvar.VariantTable, b: gmsvar.VariantTable, k: str) -> bool:
    x = a.decode(k) if k in a.categories else a[k]
    y = b.decode(k) if k in b.categories else b[k]
    return gmsvar.VariantTable({"variant_x": x}).equals(gmsvar.VariantTable({"variant_x": y}))


def test_read_vcf__format_number_a_r_g_split_like_bcftools(backend: str, tmp_path: Path) -> None:
    t = read_vcf(VCF / "norm.split.vcf", backend=backend,  # type: ignore[arg-type]
                 format=["FRI", "FAI", "FGI", "FAS"])
    split = tmp_path / "s.vcf"
    split.write_text(pysam.bcftools.norm("-m-any", str(VCF / "norm.split.vcf")))
    out = pysam.bcftools.query("-f", "[%FRI\\t%FAI\\t%FGI\\t%FAS\\t]\\n", str(split))
    miss = gmsvar.INT_MISSING
    for i, line in enumerate(out.splitlines()):
        vals = line.rstrip("\t").split("\t")
        for j in range(t.n_samples):
            fri, fai, fgi, _fas = vals[4 * j : 4 * j + 4]
            if fri != ".":
                got = [x for x in t["call_format_FRI"][i, j].tolist() if x != miss]
                assert got == [int(x) for x in fri.split(",") if x != "."], (i, j)
            if fai != ".":
                assert int(t["call_format_FAI"][i, j]) == int(fai)
            if fgi != ".":
                got = [x for x in t["call_format_FGI"][i, j].tolist() if x != miss]
                assert got == [int(x) for x in fgi.split(",") if x != "."], (i, j, got, fgi)


def test_read_vcf__genotypes_are_strict(backend: str) -> None:
    t = read_vcf(VCF / "test-strict-gt-option-flag.vcf.gz", backend=backend)  # type: ignore[arg-type]
    got = format_genotypes(t["call_genotype"], t["call_genotype_phased"])[0].tolist()
    assert got == ["0/0", "1/1", "0/1", "1/0", "1/.", "./1", "0/.", "./0", "./."]
    gt = t["call_genotype"][0]
    # 0/. has one missing allele: not hom-ref, and the missing stays -1
    assert gt[6].tolist() == [0, -1]
    assert gt[8].tolist() == [-1, -1]


def test_read_vcf__multiallelic_genotype_recoding(backend: str) -> None:
    t = read_vcf(VCF / "test-multiallelic-homozygous-alt.vcf.gz", backend=backend)  # type: ignore[arg-type]
    assert t["variant_alt"].tolist() == ["A", "<*:DEL>"]
    assert t["variant_allele_index"].tolist() == [1, 2]
    # 2/2 splits into 0/0 (allele A) and 1/1 (allele <*:DEL>)
    assert t["call_genotype"][:, 0].tolist() == [[0, 0], [1, 1]]


def test_read_vcf__vaf_from_ad_uses_all_alleles(tmp_path: Path, backend: str) -> None:
    p = tmp_path / "multi.vcf"
    p.write_text("\n".join([
        "##fileformat=VCFv4.2",
        "##contig=<ID=chr7,length=159345973>",
        '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">',
        '##FORMAT=<ID=AD,Number=R,Type=Integer,Description="Allele depths">',
        '##FORMAT=<ID=DP,Number=1,Type=Integer,Description="Depth">',
        "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tS1\tS2",
        "chr7\t100\t.\tA\tC,G\t50\tPASS\t.\tGT:AD:DP\t1/2:10,20,30:60\t0/1:10,.,0:.",
    ]) + "\n")
    t = read_vcf(p, backend=backend)  # type: ignore[arg-type]
    assert t["variant_alt"].tolist() == ["C", "G"]
    assert t["call_allele_depth"][:, 0].tolist() == [[10, 20], [10, 30]]
    np.testing.assert_allclose(t["call_vaf"][:, 0], [20 / 60, 30 / 60], rtol=1e-6)
    # a missing allele depth makes the total, and so the VAF, unknown (not a guess)
    assert np.isnan(t["call_vaf"][:, 1]).all()
    assert t["call_depth"][:, 1].tolist() == [-1, -1]
    assert t.decode("call_vaf_source")[:, 0].tolist() == ["AD", "AD"]
    assert t.meta.provenance["vaf_source"].startswith("FORMAT/AD")
    assert format_genotypes(t["call_genotype"], None)[:, 0].tolist() == ["1/0", "0/1"]


def test_read_vcf__vaf_falls_back_per_call_vardict(backend: str) -> None:
    """Merged caller VCF: AO/RO declared but absent; VarDict VD/DP and AF carry the counts."""
    t = read_vcf(VCF / "cancer_test.vcf.gz", backend=backend)  # type: ignore[arg-type]
    src = t.decode("call_vaf_source")
    assert set(src[~np.isnan(t["call_vaf"])]) <= {"VD", "AF"}
    assert (src[:, 0] == "VD").any()
    vd_calls = src == "VD"
    np.testing.assert_allclose(
        t["call_vaf"][vd_calls],
        t["call_allele_depth"][..., 1][vd_calls] / t["call_depth"][vd_calls], rtol=1e-6)


def test_read_vcf__depth_and_vaf_from_freebayes_ao_ro(tmp_path: Path, backend: str) -> None:
    p = tmp_path / "fb.vcf"
    p.write_text("\n".join([
        "##fileformat=VCFv4.2",
        '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">',
        '##FORMAT=<ID=RO,Number=1,Type=Integer,Description="Reference allele observations">',
        '##FORMAT=<ID=AO,Number=A,Type=Integer,Description="Alternate allele observations">',
        "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tS1",
        "1\t100\t.\tA\tC,T\t50\tPASS\t.\tGT:RO:AO\t1/2:10:5,25",
    ]) + "\n")
    t = read_vcf(p, backend=backend)  # type: ignore[arg-type]
    assert "FreeBayes" in t.meta.provenance["vaf_source"]
    assert t["call_allele_depth"][:, 0].tolist() == [[10, 5], [10, 25]]
    np.testing.assert_allclose(t["call_vaf"][:, 0], [5 / 40, 25 / 40], rtol=1e-6)
    assert t["call_depth"][:, 0].tolist() == [40, 40]


def test_read_vcf__vaf_from_vardict_af_when_no_ad(tmp_path: Path, backend: str) -> None:
    src = (VCF / "test_gt_alt_freqs.vcf").read_text()
    # drop AD so the caller's own AF is the only source
    drop = ("##FORMAT=<ID=AD,", "##FORMAT=<ID=AO,", "##FORMAT=<ID=RO,", "##FORMAT=<ID=VD,")
    lines = [ln for ln in src.splitlines() if not ln.startswith(drop)]
    p = tmp_path / "noad.vcf"
    p.write_text("\n".join(lines) + "\n")
    t = read_vcf(p, backend=backend)  # type: ignore[arg-type]
    assert t.meta.provenance["vaf_source"].startswith("FORMAT/AF")
    assert set(t.decode("call_vaf_source").ravel()) <= {"AF", "FREQ", None}
    assert np.nanmax(t["call_vaf"]) <= 1.0


def test_read_vcf__strelka2_tier1_counts(tmp_path: Path, backend: str) -> None:
    header = "\n".join([
        "##fileformat=VCFv4.1",
        "##contig=<ID=chr1,length=248956422>",
        *[f'##FORMAT=<ID={b}U,Number=2,Type=Integer,Description="tier1,tier2 {b}">' for b in "ACGT"],
        '##FORMAT=<ID=TAR,Number=2,Type=Integer,Description="ref tiers">',
        '##FORMAT=<ID=TIR,Number=2,Type=Integer,Description="indel tiers">',
        '##FORMAT=<ID=DP,Number=1,Type=Integer,Description="depth">',
        "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tNORMAL\tTUMOR",
        "chr1\t100\t.\tA\tT\t.\tPASS\t.\tDP:AU:CU:GU:TU:TAR:TIR\t30:30,31:0,0:0,0:0,0:.:.\t"
        "40:30,31:0,0:0,0:10,11:.:.",
        "chr1\t200\t.\tAC\tA\t.\tPASS\t.\tDP:AU:CU:GU:TU:TAR:TIR\t30:.:.:.:.:29,30:1,1\t"
        "40:.:.:.:.:20,22:20,21",
    ])
    p = tmp_path / "strelka.vcf"
    p.write_text(header + "\n")
    t = read_vcf(p, backend=backend)  # type: ignore[arg-type]
    assert "Strelka2" in t.meta.provenance["vaf_source"]
    assert t["call_allele_depth"].tolist() == [[[30, 0], [30, 10]], [[29, 1], [20, 20]]]
    np.testing.assert_allclose(t["call_vaf"], [[0.0, 0.25], [1 / 30, 0.5]], rtol=1e-6)
    assert t.meta.genome_build == "GRCh38"


def test_read_vcf__sites_only_file(backend: str) -> None:
    t = read_vcf(VCF / "T001-BRCA.grch38.vcf.gz", backend=backend)  # type: ignore[arg-type]
    assert len(t) > 0
    assert t.n_samples == 0 or t["call_genotype"].shape[1] == t.n_samples
    # no ##contig lengths and no assembly name: the build is not guessed
    assert t.meta.genome_build == "unknown"


def test_read_vcf__hundred_samples(backend: str) -> None:
    t = read_vcf(VCF / "complexfile_passed_000.vcf", backend=backend)  # type: ignore[arg-type]
    assert t.n_samples == 100
    assert t["call_genotype"].shape[:2] == (len(t), 100)
    df = t.to_pandas(layout="calls")
    assert len(df) == len(t) * 100
    assert set(df["sample_id"]) == set(t.samples)


def test_read_vcf__samples_subset(backend: str) -> None:
    full = read_vcf(VCF / "test.vcf.gz", backend=backend)  # type: ignore[arg-type]
    want = [full.samples[5], full.samples[2]]
    t = read_vcf(VCF / "test.vcf.gz", samples=want, backend=backend)  # type: ignore[arg-type]
    assert t.samples == (full.samples[2], full.samples[5])  # file order
    np.testing.assert_array_equal(t["call_genotype"], full["call_genotype"][:, [2, 5]])
    with pytest.raises(InputError, match="not in file"):
        read_vcf(VCF / "test.vcf.gz", samples=["nobody"], backend=backend)  # type: ignore[arg-type]


def test_read_vcf__header_only_file_gives_empty_table(tmp_path: Path, backend: str) -> None:
    text = (VCF / "test-hemi.vcf").read_text().split("\n")
    p = tmp_path / "header_only.vcf"
    p.write_text("\n".join(ln for ln in text if ln.startswith("#")) + "\n")
    t = read_vcf(p, backend=backend)  # type: ignore[arg-type]
    ref = read_vcf(VCF / "test-hemi.vcf", backend=backend)  # type: ignore[arg-type]
    assert len(t) == 0
    assert set(t.names) == set(ref.names)
    assert t["call_genotype"].shape[1] == ref.n_samples


def test_iter_vcf__chunks_concat_to_read_vcf(backend: str) -> None:
    whole = read_vcf(VCF / "norm.split.2.vcf", backend=backend)  # type: ignore[arg-type]
    parts = list(iter_vcf(VCF / "norm.split.2.vcf", chunk_size=7, backend=backend))  # type: ignore[arg-type]
    assert len(parts) > 3
    assert all(len(p) <= 7 * 4 for p in parts)
    assert concat(parts).equals(whole)


def test_read_vcf__regions_use_index_and_chr_prefix(backend: str) -> None:
    full = read_vcf(VCF / "T001-BRCA.grch38.vcf.gz", backend=backend)  # type: ignore[arg-type]
    contig = full.decode("variant_contig")[0]
    pos = int(full["variant_position"][0])
    other = contig[3:] if contig.startswith("chr") else "chr" + contig
    t = read_vcf(VCF / "T001-BRCA.grch38.vcf.gz", regions=f"{other}:{pos}-{pos + 5_000_000}",
                 backend=backend, build="GRCh38")  # type: ignore[arg-type]
    expect = (full.decode("variant_contig") == contig) & (full["variant_position"] >= pos) & (
        full["variant_position"] <= pos + 5_000_000)
    assert len(t) == expect.sum() > 0
    # overlapping regions do not duplicate records
    t2 = read_vcf(VCF / "T001-BRCA.grch38.vcf.gz", backend=backend,  # type: ignore[arg-type]
                  regions=[f"{contig}:{pos}-{pos + 3_000_000}", f"{contig}:{pos + 1}-{pos + 5_000_000}"])
    assert t2.equals(t)


def test_read_vcf__regions_need_an_index(tmp_path: Path) -> None:
    with pytest.raises(IndexMissingError, match="tabix"):
        read_vcf(VCF / "test-hemi.vcf", regions="1:1-1000")
    p = tmp_path / "noindex.vcf.gz"
    shutil.copy(VCF / "test.vcf.gz", p)
    with pytest.raises(IndexMissingError, match="index"):
        read_vcf(p, regions="1:1-100000")


def test_read_vcf__unknown_contig_region_is_an_error() -> None:
    with pytest.raises(ContigMismatchError, match="none of the requested contigs"):
        read_vcf(VCF / "T001-BRCA.grch38.vcf.gz", regions="chrZZ:1-100")


def test_read_vcf__build_detected_and_mismatch_raises() -> None:
    t = read_vcf(VCF / "test.vcf.gz")
    assert t.meta.genome_build == "GRCh37"
    assert "contig lengths" in t.meta.build_evidence
    with pytest.raises(BuildMismatchError, match="declared build GRCh38 but the file is GRCh37"):
        read_vcf(VCF / "test.vcf.gz", build="GRCh38")
    assert read_vcf(VCF / "test.vcf.gz", build="hg19").meta.genome_build == "GRCh37"


def test_read_vcf__unknown_build_can_be_declared() -> None:
    t = read_vcf(VCF / "test-hemi.vcf")
    assert t.meta.genome_build == "unknown"
    t2 = read_vcf(VCF / "test-hemi.vcf", build="GRCh38")
    assert t2.meta.genome_build == "GRCh38"
    assert t2.meta.build_evidence.startswith("declared")


# -- errors -------------------------------------------------------------------------------------
def test_read_vcf__empty_file_is_a_format_error() -> None:
    with pytest.raises(VcfFormatError, match=r"empty\.vcf: empty file"):
        read_vcf(VCF / "empty.vcf")


def test_read_vcf__non_vcf_file(tmp_path: Path) -> None:
    p = tmp_path / "notes.vcf"
    p.write_text("sample\tgene\nA\tBRCA1\n")
    with pytest.raises(VcfFormatError, match=r"notes\.vcf:1: not a VCF"):
        read_vcf(p)


def test_read_vcf__truncated_bgzip(tmp_path: Path) -> None:
    data = (VCF / "test.vcf.gz").read_bytes()
    p = tmp_path / "cut.vcf.gz"
    p.write_bytes(data[: len(data) // 2])
    with pytest.raises(VcfFormatError, match="truncated BGZF"):
        read_vcf(p)


def test_read_vcf__truncated_plain_gzip(tmp_path: Path) -> None:
    raw = (VCF / "test-hemi.vcf").read_bytes()
    p = tmp_path / "cut.vcf.gz"
    p.write_bytes(gzip.compress(raw)[:-200])
    with pytest.raises(VcfFormatError, match="truncated or corrupt gzip"):
        read_vcf(p)


def test_read_vcf__missing_file() -> None:
    with pytest.raises(InputError, match="no such file"):
        read_vcf(VCF / "nope.vcf")


def test_read_vcf__bad_record_names_line(tmp_path: Path, backend: str) -> None:
    text = (VCF / "test-hemi.vcf").read_text().splitlines()
    n_header = sum(ln.startswith("#") for ln in text)
    body = text[n_header].split("\t")
    body[1] = "12x"  # POS not an integer
    text[n_header + 1] = "\t".join(body)
    p = tmp_path / "badpos.vcf"
    p.write_text("\n".join(text) + "\n")
    with pytest.raises(VcfFormatError, match=rf"badpos\.vcf:{n_header + 2}:"):
        read_vcf(p, backend=backend)  # type: ignore[arg-type]


def test_read_vcf__unknown_info_field_requested() -> None:
    with pytest.raises(InputError, match="not defined in the header"):
        read_vcf(VCF / "test.vcf.gz", info=["NOPE"])
    with pytest.raises(InputError, match="not defined in the header"):
        read_vcf(VCF / "test.vcf.gz", format=["NOPE"])


def test_read_vcf__bad_backend() -> None:
    with pytest.raises(InputError, match="backend"):
        read_vcf(VCF / "test.vcf.gz", backend="htsjdk")  # type: ignore[arg-type]


# -- filtering while reading (issue 4) ---------------------------------------------------------
@pytest.mark.oracle
@pytest.mark.parametrize(
    ("name", "expr"),
    [
        ("643594.clinical.vcf.gz", 'QUAL>=30 && FILTER="PASS" && FMT/GQ>=20'),
        ("643594.clinical.vcf.gz", "INFO/DP>=50 || FMT/DP<10"),
        ("test.vcf.gz", "FMT/DP>=20 & FMT/GQ>=30"),
    ],
)
def test_read_vcf__include_matches_bcftools_view(name: str, expr: str, backend: str,
                                                 tmp_path: Path) -> None:
    split = tmp_path / "split.vcf"
    split.write_text(pysam.bcftools.norm("-m-any", str(VCF / name), catch_stdout=True))
    want = [tuple(line.split("\t")[:5:]) for line in pysam.bcftools.view(
        "-H", "-i", expr, str(split)).splitlines()]
    want_keys = [(c, int(p), r, a) for c, p, _id, r, a in want]
    t = read_vcf(split, include=expr, backend=backend)  # type: ignore[arg-type]
    got = list(zip(t.decode("variant_contig"), t["variant_position"].tolist(),
                   t["variant_ref"], t["variant_alt"], strict=True))
    assert got == want_keys
    assert t.meta.provenance["filter"]["include"] == expr
    # exclude is the complement on the same rows
    full = read_vcf(split, backend=backend)  # type: ignore[arg-type]
    ex = read_vcf(split, exclude=expr, backend=backend)  # type: ignore[arg-type]
    assert len(ex) + len(t) == len(full)


def test_read_vcf__include_reads_only_needed_info() -> None:
    t = read_vcf(VCF / "643594.clinical.vcf.gz", include="INFO/DP>=50")
    assert [n for n in t.names if n.startswith("variant_info_")] == ["variant_info_DP"]
    assert (t["variant_info_DP"] >= 50).all()


def test_read_vcf__bad_expression_fails_before_reading() -> None:
    from gmsvar import ExpressionError

    with pytest.raises(ExpressionError, match="column"):
        read_vcf(VCF / "test.vcf.gz", include="QUAL>>30")


# -- chunks of different widths ------------------------------------------------------------------
_WIDTHS_VCF = "\n".join([
    "##fileformat=VCFv4.2",
    "##contig=<ID=chrX,length=156040895>",
    "##contig=<ID=chrY,length=57227415>",
    '##INFO=<ID=XI,Number=.,Type=Integer,Description="list">',
    '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">',
    '##FORMAT=<ID=AD,Number=R,Type=Integer,Description="Allele depths">',
    '##FORMAT=<ID=XL,Number=.,Type=Integer,Description="list">',
    '##FORMAT=<ID=XF,Number=.,Type=Float,Description="list">',
    "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tS1\tS2",
    "chrX\t100\t.\tA\tG\t50\tPASS\tXI=1\tGT:AD:XL:XF\t0/1:5,5:1:0.5\t0|0:9,0:2:.",
    "chrX\t101\t.\tA\tG,T\t50\tPASS\tXI=1,2\tGT:AD:XL:XF\t1/2:1,4,5:1:0.5\t./.:.:.:.",
    "chrX\t102\t.\tC\tT\t50\tPASS\t.\tGT:AD\t0/0:8,0\t0/1:3,3",
    "chrY\t100\t.\tA\tG\t50\tPASS\tXI=1,2,3\tGT:AD:XL:XF\t1:0,9:1,2,3:0.1,0.2\t.:.:4:1.5",
    "chrY\t101\t.\tA\tC\t50\tPASS\t.\tGT:AD\t0:7,0\t1:0,6",
    "chrY\t102\t.\tT\tA\t50\tPASS\tXI=4\tGT:AD:XL\t1:0,5:7,8\t0:4,0:.",
]) + "\n"


@pytest.mark.parametrize("backend", ["cyvcf2", "fast"])
@pytest.mark.parametrize("chunk_size", [1, 2, 3])
def test_concat_of_chunks__of_other_ploidy_and_widths_equals_the_whole_read(
    backend: str, chunk_size: int, tmp_path: Path
) -> None:
    """A chunk of haploid calls (chrY) or narrower Number=. values joins the others as
    read_vcf has them: genotypes padded -2, values padded missing (this raised before)."""
    path = tmp_path / "widths.vcf"
    path.write_text(_WIDTHS_VCF)
    whole = read_vcf(path, backend=backend, format=["XL", "XF"])
    parts = list(iter_vcf(path, chunk_size=chunk_size, backend=backend, format=["XL", "XF"]))
    assert len({p["call_genotype"].shape[2] for p in parts}) > 1 or chunk_size > 3
    joined = concat(parts)
    assert joined.names == whole.names
    for name in whole.names:
        a, b = joined[name], whole[name]
        assert a.dtype == b.dtype and a.shape == b.shape, name
        if a.dtype == object:
            assert a.tolist() == b.tolist(), name
        else:
            assert np.array_equal(a, b, equal_nan=a.dtype.kind == "f"), name
    assert whole["call_genotype"][4:, 0].tolist() == [[1, -2], [0, -2], [1, -2]]  # (chrX 101: 2 rows)
