"""End-to-end: gmsvar.interpret() on the shipped examples and on real VCFs, and its reports."""

from __future__ import annotations

import gzip
import json
import os
import shutil
from pathlib import Path

import pandas as pd
import pysam
import pytest

import gmsvar
from gmsvar.errors import BuildMismatchError, InputError, UnknownTestError
from gmsvar.pipeline import interpret

DATA = Path(__file__).parent / "data"
TCGA = DATA / "e2e" / "T001-COAD.grch38.vcf.gz"
P_LP = {"Pathogenic", "Likely pathogenic"}


@pytest.fixture(scope="module")
def lynch() -> gmsvar.Interpretation:
    return interpret(gmsvar.example_path("lynch_germline.vcf.gz"), test="R210")


def test_interpret__lynch_example_finds_mlh1_and_classifies_it(lynch: gmsvar.Interpretation) -> None:
    v = lynch.variants
    # only panel regions are read: the intergenic, EGFR and TP53 calls are not there
    assert set(v["gene"]) == {"MLH1"}
    stop = v[v["hgvsc"].str.endswith("c.676C>T")].iloc[0]
    assert stop["classification"] in P_LP
    assert "PVS1" in stop["criteria"]
    assert stop["zygosity"] == "het" and stop["genotype"] == "0/1"
    assert stop["depth"] == 78 and stop["alt_reads"] == 37
    assert bool(stop["actionable"])
    common = v[v["hgvsc"].str.endswith("c.655A>G")].iloc[0]
    assert common["classification"] in {"Benign", "Likely benign"}
    f = lynch.findings
    assert list(f["sample"]) == ["LYN-0001-proband"]
    assert list(f["gene"]) == ["MLH1"]
    assert f["variant_position"].iloc[0] == 37012098


def test_interpret__provenance_and_qc(lynch: gmsvar.Interpretation) -> None:
    p = lynch.provenance
    assert p["gmsvar_version"] == gmsvar.__version__
    assert p["test"]["code"] == "R210" and p["panel"]["id"] == 503
    assert p["panel"]["version"] == "1.13"
    assert p["build"] == "GRCh38" and p["mode"] == "germline"
    assert len(p["input"]["sha256"]) == 64 and p["input"]["size_bytes"] > 0
    assert p["spec"]["name"] and p["spec"]["version"]
    assert p["knowledge_bases"], "knowledge-base versions must be recorded"
    assert p["thresholds"]["min_depth"] == 20
    assert p["settings_version"].startswith("interpret-settings-")
    qc = lynch.qc.set_index("sample")
    row = qc.loc["LYN-0001-proband"]
    assert row["n_alleles_carried"] == 3 and row["panel_genes_with_calls"] == 1
    assert row["build"] == "GRCh38"


def test_interpret__nsclc_ctdna_example() -> None:
    res = interpret(gmsvar.example_path("nsclc_ctdna.vcf.gz"), test="M4", mode="ctdna",
                    tumour_type="NSCLC")
    f = res.findings
    drivers = set(f.loc[f["category"].isin(["therapeutic", "resistance"]), "gene"])
    assert {"EGFR", "KRAS"} <= drivers
    v = res.variants.set_index("gene")
    # DNMT3A is read in ctDNA mode (CH genes) and flagged, never reported as a tumour driver
    assert "DNMT3A" in v.index
    assert "DNMT3A" not in drivers
    assert "possible_clonal_haematopoiesis" in v.loc["DNMT3A", "flags"]
    tp53 = res.variants[res.variants["gene"] == "TP53"].iloc[0]
    assert "possible_germline" in tp53["flags"]
    assert set(res.variants.loc[res.variants["gene"] == "KRAS", "somatic_tier"]) == {"I"}
    assert res.provenance["extra_genes_read"]
    assert (res.variants["classification"] == "Not applicable (somatic)").all()


def test_interpret__fh_example() -> None:
    res = interpret(gmsvar.example_path("fh_germline.vcf.gz"), test="R134")
    assert res.provenance["panel"]["id"] == 772
    stop = res.variants[res.variants["hgvsp"].fillna("").str.endswith("p.Trp4Ter")].iloc[0]
    assert stop["classification"] in P_LP
    assert "LDLR" in set(res.findings["gene"])


def test_interpret__dpyd_example_one_row_per_sample() -> None:
    res = interpret(gmsvar.example_path("dpyd_germline.vcf.gz"), test="M1")
    assert "dpyd" in res.provenance["contexts"]
    d = res.findings[res.findings["category"] == "pharmacogenomic"]
    assert sorted(d["sample"]) == ["DPYD-0001", "DPYD-0002", "DPYD-0003", "DPYD-0004"]
    assert set(d["phenotype"]) <= {"normal metaboliser", "intermediate metaboliser",
                                   "poor metaboliser", "not assessed"}
    assert "normal metaboliser" not in set(d["phenotype"])
    # pharmacogenomic alleles are not given an ACMG disease class
    assert (res.variants["classification"] == "Not classified").all()
    assert res.variants["flags"].str.contains("pharmacogenomic_gene").all()


def test_interpret__real_tcga_colon_tumour_somatic_braf() -> None:
    res = interpret(TCGA, test="M1", mode="somatic", tumour_type="colorectal", build="GRCh38")
    f = res.findings
    braf = f[(f["gene"] == "BRAF") & (f["variant_position"] == 140753336)]
    assert len(braf) >= 1
    assert res.provenance["read"].startswith("index query")


def test_interpret__real_tcga_without_build_says_how_to_fix() -> None:
    with pytest.raises(InputError, match="build"):
        interpret(TCGA, test="M1", mode="somatic")


def test_interpret__real_scout_grch37_trio_all_samples() -> None:
    res = interpret(gmsvar.example_path("trio_grch37.vcf.gz"), test="R210")
    assert res.provenance["build"] == "GRCh37"
    assert sorted(res.qc["sample"]) == ["ADM1059A1", "ADM1059A2", "ADM1059A3"]
    with pytest.raises(BuildMismatchError):
        interpret(gmsvar.example_path("trio_grch37.vcf.gz"), test="R210", build="GRCh38")


def test_interpret__unknown_test_and_bad_mode() -> None:
    with pytest.raises(UnknownTestError):
        interpret(gmsvar.example_path("lynch_germline.vcf.gz"), test="R9999")
    with pytest.raises(InputError, match="mode"):
        interpret(gmsvar.example_path("lynch_germline.vcf.gz"), mode="tumour")  # type: ignore[arg-type]


def test_interpret__no_index_reads_whole_file_and_says_so(tmp_path: Path) -> None:
    src = tmp_path / "lynch.vcf.gz"
    shutil.copy(gmsvar.example_path("lynch_germline.vcf.gz"), src)
    res = interpret(src, test="R210")
    assert res.provenance["read"].startswith("whole file read")
    assert set(res.variants["gene"]) == {"MLH1"}


def test_interpret__regions_restrict_further(lynch: gmsvar.Interpretation) -> None:
    res = interpret(gmsvar.example_path("lynch_germline.vcf.gz"), test="R210",
                    regions="chr3:37012090-37012100")
    assert list(res.variants["variant_position"]) == [37012098]


def test_interpret__all_report_formats(lynch: gmsvar.Interpretation, tmp_path: Path) -> None:
    from gmsvar.cli import write_reports

    paths = write_reports(lynch, str(tmp_path), prefix="lynch")
    names = sorted(os.path.basename(p) for p in paths)
    assert names == sorted(["lynch.variants.tsv", "lynch.json", "lynch.variants.parquet",
                            "lynch.annotated.vcf.gz", "lynch.html", "lynch.fhir.json"])
    import pysam.bcftools

    text = pysam.bcftools.view("-H", str(tmp_path / "lynch.annotated.vcf.gz"))
    assert "GMSVAR_CLASS" in text
    doc = json.loads((tmp_path / "lynch.json").read_text())
    assert doc["provenance"]["panel"]["id"] == 503
    html = (tmp_path / "lynch.html").read_text()
    assert "MLH1" in html and "c.676C&gt;T" in html
    assert not list(tmp_path.glob("*.tmp*"))


def _hostile_vcf(path: Path) -> str:
    """A VCF whose sample name and annotation strings try HTML injection and path escape."""
    name = '<script>alert("x")</script>/../../etc/passwd'
    h = pysam.VariantHeader()
    h.add_line("##fileformat=VCFv4.2")
    h.add_line("##contig=<ID=chr3,length=198295559,assembly=GRCh38>")
    h.add_line('##INFO=<ID=CSQ,Number=.,Type=String,Description="Consequence annotations from '
               'Ensembl VEP. Format: Allele|Consequence|IMPACT|SYMBOL|Feature|HGVSc|HGVSp|NOTE">')
    h.add_line('##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">')
    h.add_line('##FORMAT=<ID=AD,Number=R,Type=Integer,Description="Allelic depths">')
    h.add_sample(name)
    raw = path.with_suffix("")
    with pysam.VariantFile(str(raw), "w", header=h) as vf:
        rec = vf.new_record(contig="chr3", start=37012097, alleles=("C", "T"), qual=99,
                            filter=None)
        rec.info["CSQ"] = ("T|stop_gained|HIGH|MLH1|ENST00000231790.8|"
                           "c.676C>T<img src=x onerror=alert(1)>|p.Arg226Ter|" + "A" * 10_000_000,)
        rec.samples[name]["GT"] = (0, 1)
        rec.samples[name]["AD"] = (20, 20)
        vf.write(rec)
    pysam.tabix_index(str(raw), preset="vcf", force=True)
    return name


def test_interpret__hostile_names_and_strings_are_escaped_and_bounded(tmp_path: Path) -> None:
    vcf = tmp_path / "hostile.vcf.gz"
    name = _hostile_vcf(vcf)
    res = interpret(vcf, test="R210")
    assert list(res.qc["sample"]) == [name]
    out = tmp_path / "out"
    from gmsvar.cli import write_reports

    paths = write_reports(res, str(out), prefix="hostile", formats=["html", "json"])
    for p in paths:
        assert Path(p).resolve().is_relative_to(out.resolve())
    html = next(Path(p) for p in paths if p.endswith(".html")).read_text()
    assert "<script>alert" not in html and "<img src=x" not in html
    assert "&lt;script&gt;" in html
    assert os.path.getsize(next(p for p in paths if p.endswith(".html"))) < 2_000_000
    assert not list((tmp_path / "etc").glob("*")) if (tmp_path / "etc").exists() else True


def test_interpret__truncated_file_is_a_clear_error(tmp_path: Path) -> None:
    src = Path(gmsvar.example_path("lynch_germline.vcf.gz")).read_bytes()
    bad = tmp_path / "cut.vcf.gz"
    bad.write_bytes(src[: len(src) // 2])
    with pytest.raises(gmsvar.GmsvarError):
        interpret(bad, test="R210")


def test_interpret__tsv_round_trip_has_provenance(lynch: gmsvar.Interpretation, tmp_path: Path) -> None:
    p = tmp_path / "v.tsv"
    lynch.to_tsv(p)
    text = p.read_text()
    assert "503" in text.split("\n", 40)[0] + "".join(text.split("\n", 40)[:40])
    body = [ln for ln in text.splitlines() if not ln.startswith("#")]
    df = pd.read_csv(pd.io.common.StringIO("\n".join(body)), sep="\t")
    assert len(df) == len(lynch.variants)


def test_examples_regenerate_byte_identically(tmp_path: Path) -> None:
    from gmsvar.examples import _generate

    for path in _generate.main(str(tmp_path)):
        shipped = gmsvar.example_path(os.path.basename(path))
        with gzip.open(path, "rb") as a, gzip.open(shipped, "rb") as b:
            assert a.read() == b.read(), path
