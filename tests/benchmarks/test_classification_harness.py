"""Tests of the ClinVar evaluation harness (benchmarks/classification/).

The ClinVar records below are real ClinVar 2020-08-03 records (public domain; from
/work/shared/data/clinvar/dev_split and the VUS file) with INFO trimmed to the fields the
converter reads; a few are edited to exercise the filters (marked ``edited``).
"""

from __future__ import annotations

import doctest
import gzip
import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import pandas as pd
import pytest

import gmsvar

HERE = Path(__file__).resolve()
BENCH = HERE.parents[2] / "benchmarks" / "classification"
SHARED = Path("/work/shared/data/clinvar/dev_split")


def _load(name: str) -> ModuleType:
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, BENCH / f"{name}.py")
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    sys.modules[name] = mod
    spec.loader.exec_module(mod)
    return mod


conv = _load("clinvar_to_vcf")
ev = _load("evaluate")

HEADER = """##fileformat=VCFv4.1
##fileDate=2020-08-03
##source=ClinVar
##reference=GRCh38
##ID=<Description="ClinVar Variation ID">
##INFO=<ID=AF_EXAC,Number=1,Type=Float,Description="allele frequencies from ExAC">
##INFO=<ID=CLNSIG,Number=.,Type=String,Description="Clinical significance for this single variant">
#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO
"""
S2 = "CLNREVSTAT=criteria_provided,_multiple_submitters,_no_conflicts"
PATHOGENIC = [
    # missense, 2 MC terms, AF_EXAC present
    ("1", 1806503, 208722, "A", "G", f"AF_EXAC=0.00001;{S2};CLNSIG=Pathogenic;GENEINFO=GNB1:2782;"
     "MC=SO:0001583|missense_variant,SO:0001623|5_prime_UTR_variant;ORIGIN=35;RS=752746786"),
    # nonsense, expert panel, LP
    ("3", 37025636, 90331, "C", "T", "CLNREVSTAT=reviewed_by_expert_panel;CLNSIG=Likely_pathogenic;"
     "GENEINFO=MLH1:4292;MC=SO:0001587|nonsense;ORIGIN=1"),
    # frameshift deletion (VEP allele '-'), two genes; secondary CLNSIG term kept
    ("11", 108236168, 1, "CA", "C", f"{S2};CLNSIG=Pathogenic,_risk_factor;GENEINFO=ATM:472|C11orf65:"
     "160140;MC=SO:0001589|frameshift_variant,SO:0001619|non-coding_transcript_variant;ORIGIN=1"),
    # inframe_indel with a net deletion; practice guideline
    ("7", 117559590, 2, "ATCT", "AG", "CLNREVSTAT=practice_guideline;CLNSIG=Pathogenic;"
     "GENEINFO=CFTR:1080;MC=SO:0001820|inframe_indel;ORIGIN=1"),
    # no MC at all
    ("1", 11022418, 5228, "A", "G", f"{S2};CLNSIG=Pathogenic;GENEINFO=TARDBP:23435;ORIGIN=1"),
    # ClinVar's misspelt initiator codon term
    ("1", 1804548, 224717, "T", "C", f"{S2};CLNSIG=Pathogenic/Likely_pathogenic;GENEINFO=GNB1:2782;"
     "MC=SO:0001582|initiatior_codon_variant,SO:0001583|missense_variant;ORIGIN=33"),
    # edited: same allele also in the benign file -> both dropped
    ("5", 1000, 3, "G", "A", f"{S2};CLNSIG=Pathogenic;GENEINFO=X1:1;MC=SO:0001583|missense_variant"),
    # edited: single submitter -> dropped (< 2 stars)
    ("5", 2000, 4, "G", "A", "CLNREVSTAT=criteria_provided,_single_submitter;CLNSIG=Pathogenic;"
     "GENEINFO=X1:1;MC=SO:0001583|missense_variant"),
    # edited: somatic only -> dropped
    ("5", 3000, 5, "G", "T", f"{S2};CLNSIG=Pathogenic;GENEINFO=X1:1;MC=SO:0001583|missense_variant;"
     "ORIGIN=2"),
]
BENIGN = [
    # synonymous, common
    ("1", 1020217, 128310, "G", "T", f"AF_EXAC=0.42418;{S2};CLNSIG=Benign;GENEINFO=AGRN:375790;"
     "MC=SO:0001819|synonymous_variant;ORIGIN=1"),
    # intron, LB, no AF
    ("1", 1022188, 6, "A", "G", f"{S2};CLNSIG=Likely_benign;GENEINFO=AGRN:375790;"
     "MC=SO:0001627|intron_variant;ORIGIN=1"),
    # no_sequence_alteration: ALT '.' -> dropped
    ("1", 21563142, 512674, "T", ".", f"AF_EXAC=0.05502;{S2};CLNSIG=Benign/Likely_benign;"
     "GENEINFO=ALPL:249;MC=SO:0002073|no_sequence_alteration;ORIGIN=1"),
    # edited: conflicting
    ("5", 4000, 7, "C", "T", f"{S2};CLNSIG=Benign;CLNSIGCONF=Benign(2)|Pathogenic(1);"
     "GENEINFO=X1:1;MC=SO:0001819|synonymous_variant"),
    # edited: VUS -> dropped
    ("5", 5000, 8, "C", "T", f"{S2};CLNSIG=Uncertain_significance;GENEINFO=X1:1;"
     "MC=SO:0001819|synonymous_variant"),
    # edited: same allele as a pathogenic record
    ("5", 1000, 9, "G", "A", f"{S2};CLNSIG=Benign;GENEINFO=X1:1;MC=SO:0001583|missense_variant"),
]


def _write(path: Path, rows: list[tuple[Any, ...]]) -> Path:
    text = HEADER + "".join(f"{c}\t{p}\t{i}\t{r}\t{a}\t.\t.\t{info}\n" for c, p, i, r, a, info in rows)
    with gzip.open(path, "wt") as fh:
        fh.write(text)
    return path


@pytest.fixture(scope="module")
def converted(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    d = tmp_path_factory.mktemp("clinvar")
    inputs = [_write(d / "clinvar_pathogenic_test.vcf.gz", PATHOGENIC),
              _write(d / "clinvar_benign_test.vcf.gz", BENIGN)]
    summary: dict[str, Any] = conv.convert(inputs, d / "out")
    return summary


def test_convert__counts_and_drop_reasons(converted: dict[str, Any]) -> None:
    assert converted["records_read"] == len(PATHOGENIC) + len(BENIGN)
    assert converted["truth_counts"] == {"P/LP": 6, "B/LB": 2}
    assert converted["dropped"] == {
        "alt_not_a_variant": 1, "clnsig_not_plp_or_blb": 1, "conflicting": 1,
        "conflicting_labels_same_allele": 2, "review_below_2_stars": 1, "somatic_only": 1}
    assert set(converted["stars_accepted"]) == {
        "practice_guideline", "reviewed_by_expert_panel",
        "criteria_provided,_multiple_submitters,_no_conflicts"}


def test_convert__vcf_carries_no_truth(converted: dict[str, Any]) -> None:
    with gzip.open(converted["outputs"]["vcf"], "rt") as fh:
        text = fh.read()
    body = [ln for ln in text.splitlines() if not ln.startswith("#")]
    for word in ("CLNSIG", "CLNREVSTAT", "Pathogenic", "Benign", "benign", "pathogenic",
                 "AF_EXAC", "reviewed"):
        assert all(word not in ln for ln in body), word
    assert all(ln.split("\t")[2] == "." for ln in body)  # no ClinVar VariationID
    assert all(ln.split("\t")[7].startswith("CSQ=") and ";" not in ln.split("\t")[7] for ln in body)
    assert Path(converted["outputs"]["tbi"]).exists()


def test_convert__gmsvar_reads_consequence_gene_and_max_af(converted: dict[str, Any]) -> None:
    t = gmsvar.read_vcf(converted["outputs"]["vcf"])
    assert t.meta.genome_build == "GRCh38"
    keys = [f"{c}-{p}-{r}-{a}" for c, p, r, a in zip(
        t.decode("variant_contig"), t["variant_position"], t["variant_ref"], t["variant_alt"],
        strict=True)]
    got = dict(zip(keys, zip(t.decode("variant_gene"), t.decode("variant_consequence"),
                             t["variant_popfreq_max"], t["variant_popfreq_status"], strict=True),
                   strict=True))
    assert got["1-1806503-A-G"][:2] == ("GNB1", "missense_variant")
    assert got["1-1806503-A-G"][2] == pytest.approx(1e-5) and got["1-1806503-A-G"][3] == 2
    assert got["3-37025636-C-T"][:2] == ("MLH1", "stop_gained")
    assert got["3-37025636-C-T"][2:] == (0.0, 1)  # no AF_EXAC: annotated, absent
    assert got["11-108236168-CA-C"][:2] == ("ATM", "frameshift_variant")
    assert got["7-117559590-ATCT-AG"][1] == "inframe_deletion"
    assert got["1-1804548-T-C"][1] == "start_lost"
    assert got["1-11022418-A-G"][:2] == ("TARDBP", None)  # no MC: gene and MAX_AF only
    assert got["1-1020217-G-T"][1:3] == ("synonymous_variant", pytest.approx(0.42418))
    # file order is sorted, labels mixed; every row has exactly one truth record
    truth = ev.load_truth(Path(converted["outputs"]["truth"]))
    assert sorted(keys) == sorted(truth["key"]) and len(set(keys)) == len(keys)
    assert dict(zip(truth["key"], truth["truth"], strict=True))["1-1022188-A-G"] == "B/LB"
    atm = truth.set_index("key").loc["11-108236168-CA-C"]
    assert (atm["genes_all"], atm["truth_class"]) == ("ATM|C11orf65", "Pathogenic")


def test_convert__is_deterministic(converted: dict[str, Any], tmp_path: Path) -> None:
    inputs = list(converted["inputs"])
    again = conv.convert([Path(p) for p in inputs], tmp_path)
    assert again["vcf_sha256"] == converted["vcf_sha256"]
    assert (Path(again["outputs"]["truth"]).read_text()
            == Path(converted["outputs"]["truth"]).read_text())


def test_map_consequences__unknown_term_raises() -> None:
    with pytest.raises(conv.ConversionError, match="MC_TO_VEP"):
        conv.map_consequences("SO:9999999|made_up_variant", "A", "G")
    with pytest.raises(conv.ConversionError, match="STARS"):
        conv.review_stars("criteria_provided,_some_new_status")


def test_converter_doctests() -> None:
    assert doctest.testmod(conv).failed == 0
    assert doctest.testmod(ev).failed == 0


# -- runner with a stand-in classifier (the committed results use the real gmsvar.classify) ----
def _stand_in(table: gmsvar.VariantTable) -> pd.DataFrame:
    """Null -> Likely pathogenic (PVS1), MAX_AF > 5 % -> Benign (BA1), else VUS."""
    n = len(table)
    cons = table.decode("variant_consequence")
    af = table["variant_popfreq_max"]
    null = np.isin(cons.astype(str), ["stop_gained", "frameshift_variant"])
    ba1 = af > 0.05
    cls = np.where(null, "Likely pathogenic", np.where(ba1, "Benign", "Uncertain significance"))
    df = pd.DataFrame({
        "variant_index": np.arange(n), "variant_contig": table.decode("variant_contig"),
        "variant_position": table["variant_position"], "variant_id": None,
        "variant_ref": table["variant_ref"], "variant_alt": table["variant_alt"],
        "gene": table.decode("variant_gene"), "transcript": None, "hgvsc": None, "hgvsp": None,
        "consequence": cons, "classification": cls, "points": np.where(null, 8, 0),
        "acmg2015_class": cls, "criteria": np.where(null, "PVS1", np.where(ba1, "BA1", "")),
        "evidence": "", "flags": "", "spec": "stand-in", "spec_version": "0",
        "knowledge_versions": '{"none": "0"}'})
    for c in ev.CRITERIA:
        df[c] = ""
    df.loc[null, "PVS1"] = "Very strong"
    df.loc[ba1 & ~null, "BA1"] = "Stand-alone"
    return df


def _lof(genes: Any) -> tuple[dict[str, str], str]:
    return {"MLH1": "known", "ATM": "presumed"}, "test table"


def test_evaluate__stand_in_classifier(converted: dict[str, Any]) -> None:
    res, frame = ev.evaluate(Path(converted["outputs"]["vcf"]), Path(converted["outputs"]["truth"]),
                             classify_fn=_stand_in, lof_fn=_lof)
    assert len(frame) == 8 and set(frame["lof_mechanism"]) == {"known", "presumed", "unknown"}
    conf = res["confusion"]["overall"]
    assert conf["n"] == {"P/LP": 6, "B/LB": 2}
    assert conf["rows"]["P/LP"]["Likely pathogenic"] == 2  # MLH1 nonsense, ATM frameshift
    assert conf["rows"]["B/LB"]["Benign"] == 1 and conf["rows"]["B/LB"]["Uncertain significance"] == 1
    m = res["metrics"]
    assert (m["plp_called_plp"]["numerator"], m["plp_called_plp"]["denominator"]) == (2, 6)
    assert m["blb_called_plp"]["value"] == 0 and m["blb_called_plp"]["met"] is True
    assert (m["plp_null_lof_called_plp"]["numerator"],
            m["plp_null_lof_called_plp"]["denominator"]) == (1, 1)  # MLH1 only: ATM is presumed
    assert m["plp_null_lof_known_or_presumed_called_plp"]["denominator"] == 2
    assert m["blb_called_blb"]["value"] == 0.5 and m["blb_called_blb"]["met"] is False
    by_group = res["confusion"]["by_gene_group"]
    assert by_group["MMR/Lynch"]["n"]["P/LP"] == 1 and by_group["cancer-other"]["n"]["P/LP"] == 1
    by_cons = res["confusion"]["by_consequence_class"]
    assert by_cons[ev.NULL_CLASS]["n"]["P/LP"] == 2 and by_cons["other"]["n"]["P/LP"] == 2
    assert res["misses"]["plp_called_vus"]["n"] == 4
    assert res["classifier"]["spec"] == ["stand-in"]
    text = ev.markdown({**res, "created": "x", "benchmark": "b", "command": "c", "classify_call": "f",
                        "versions": {"gmsvar": "0", "python": "3", "numpy": "2", "pandas": "2"},
                        "source": {"package_sha256": "0"},
                        "machine": {"cpu_model": "cpu", "cpus_usable": 1, "ram_gb": 1,
                                    "platform": "p"},
                        "data": {"clinvar_release": "r", "records_read": 15, "dropped": {},
                                 "stars_accepted": {}, "af_source": "exac"}})
    assert "| P/LP | 0 | 2 | 4 | 0 | 0 | 0 | 6 |" in text


def test_build_frame__rejects_misaligned_output(converted: dict[str, Any]) -> None:
    t = gmsvar.read_vcf(converted["outputs"]["vcf"])
    truth = ev.load_truth(Path(converted["outputs"]["truth"]))
    res = _stand_in(t)
    with pytest.raises(ValueError, match="rows"):
        ev.build_frame(t, res.iloc[:-1].reset_index(drop=True), truth, {}, {})
    shuffled = res.iloc[::-1].reset_index(drop=True)
    shuffled["variant_index"] = np.arange(len(t))
    with pytest.raises(ValueError, match="do not match"):
        ev.build_frame(t, shuffled, truth, {}, {})
    with pytest.raises(ValueError, match="no truth label"):
        ev.build_frame(t, res, truth.iloc[1:], {}, {})


@pytest.mark.skipif(not SHARED.exists(), reason="shared ClinVar dev split not available")
def test_convert__real_dev_split_slice(tmp_path: Path) -> None:
    summary = conv.convert(conv.DEFAULT_INPUTS, tmp_path, max_records=300)
    assert summary["records_read"] == 600
    t = gmsvar.read_vcf(summary["outputs"]["vcf"])
    assert len(t) == summary["records_written"] > 500
    truth = ev.load_truth(Path(summary["outputs"]["truth"]))
    assert len(truth) == len(t)
    cons = set(t.decode("variant_consequence")) - {None}
    assert {"missense_variant", "synonymous_variant", "frameshift_variant"} <= cons
