"""Germline findings: each MMR gene, EPCAM 3' deletion, PMS2 pseudogene caveat, FH (incl. biallelic
LDLRAP1) and inherited cardiac genes."""

from __future__ import annotations

import pandas as pd
import pytest

from gmsvar.actionable import FINDING_COLUMNS, find_actionable
from gmsvar.errors import InputError

from ._classified import CONTRACT_A_COLUMNS, classified_frame
from .conftest import read

P = {"classification": "Pathogenic", "criteria": "PVS1,PM2_Supporting"}
LP = {"classification": "Likely pathogenic", "criteria": "PVS1"}
LYNCH = {
    "MLH1_c.676dup": {
        "gene": "MLH1",
        "transcript": "NM_000249.4",
        "hgvsc": "c.676dup",
        "hgvsp": "p.(Arg226Profs*5)",
        **P,
    },
    "MSH2_truncating": {"gene": "MSH2", "hgvsc": "c.1000C>T", "hgvsp": "p.(Gln334Ter)", **P},
    "MSH6_truncating": {"gene": "MSH6", "hgvsc": "c.2000G>A", "hgvsp": "p.(Trp667Ter)", **LP},
    "PMS2_exon13_pseudogene_region": {"gene": "PMS2", "hgvsc": "c.2192T>C", **LP},
    "PMS2_exon7_outside_pseudogene": {"gene": "PMS2", "hgvsc": "c.736C>T", **P},
    "EPCAM_snv_not_lynch": {"gene": "EPCAM", "hgvsc": "c.556-14A>G", **LP},
    "MSH2_vus": {"gene": "MSH2", "classification": "Uncertain significance"},
}


def _lynch() -> pd.DataFrame:
    t = read("lynch.grch38.vcf.gz")
    return find_actionable(t, context="lynch", classified=classified_frame(t, LYNCH))


def test_classified_frame__follows_contract_a() -> None:
    t = read("lynch.grch38.vcf.gz")
    c = classified_frame(t, LYNCH)
    assert list(c.columns) == CONTRACT_A_COLUMNS and len(c) == len(t)
    assert isinstance(c.index, pd.RangeIndex)


def test_find_actionable__lynch_each_mmr_gene_and_epcam_3prime_deletion() -> None:
    f = _lynch()
    got = {(s, g, v) for s, g, v in zip(f["sample"], f["gene"], f["variant_id"], strict=True)}
    assert got == {
        ("P1", "MLH1", "MLH1_c.676dup"),
        ("P2", "MSH2", "MSH2_truncating"),
        ("P3", "MSH6", "MSH6_truncating"),
        ("P1", "PMS2", "PMS2_exon13_pseudogene_region"),
        ("P4", "PMS2", "PMS2_exon7_outside_pseudogene"),
        ("P2", "EPCAM", "EPCAM_3prime_del"),
    }
    assert (f["tier"] == "germline P/LP").all() and (f["category"] == "lynch").all()
    by = f.set_index("variant_id")
    mlh1 = by.loc["MLH1_c.676dup"]
    assert "from age 25" in mlh1["recommendation"] and "R242" in mlh1["recommendation"]
    assert mlh1["transcript"] == "NM_000249.4" and mlh1["criteria"] == "PVS1,PM2_Supporting"
    assert "from age 35" in by.loc["PMS2_exon7_outside_pseudogene", "recommendation"]
    epcam = by.loc["EPCAM_3prime_del"]
    assert epcam["match_method"] == "structural_rule" and "3' deletion" in epcam["biomarker"]
    assert "cnv_needs_confirmation_mlpa" in epcam["flags"] and "10000 bp" in epcam["hgvsc"]
    pseudo = by.loc["PMS2_exon13_pseudogene_region"]
    assert "pms2_pseudogene_region" in pseudo["flags"] and "needs_orthogonal_confirmation" in pseudo["flags"]
    assert "PMS2CL" in pseudo["recommendation"]
    assert "pms2_pseudogene_region" not in by.loc["PMS2_exon7_outside_pseudogene", "flags"]
    # MSH6 homozygous: constitutional MMR deficiency
    msh6 = by.loc["MSH6_truncating"]
    assert msh6["zygosity"] == "hom" and "CMMRD" in msh6["recommendation"]
    assert any("EPCAM small-variant" in n for n in f.attrs["parameters"]["notes"])
    assert f.attrs["provenance"] == {
        "gmsvar-lynch": "2026.1",
        "gmsvar-gene-spans": "2026.1",
        "classification-acgs2020": "test-1",
    }
    assert list(f.columns[: len(FINDING_COLUMNS)]) == list(FINDING_COLUMNS)


def test_find_actionable__lynch_tumour_only_is_possible_germline() -> None:
    t = read("lynch.grch38.vcf.gz")
    f = find_actionable(t, context="lynch", classified=classified_frame(t, LYNCH), sample_origin="tumour")
    assert f["recommendation"].str.contains("possible germline").all()
    assert f["flags"].str.contains("tumour_only_possible_germline").all()


def test_find_actionable__lynch_without_classified_runs_gmsvar_classify() -> None:
    classify_mod = pytest.importorskip("gmsvar.classify")
    t = read("lynch_annotated.grch38.vcf.gz")
    f = find_actionable(t, context="lynch")  # classified=None: gmsvar.classify runs lazily
    g = find_actionable(t, context="lynch", classified=classify_mod.classify(t))
    pd.testing.assert_frame_equal(f, g)
    assert set(f["gene"]) <= {"MLH1", "MSH2"}
    assert set(f["classification"]) <= {"Pathogenic", "Likely pathogenic"}
    assert len(f) >= 1  # two truncating MMR variants absent from population data


def test_find_actionable__fh_genes_and_biallelic_ldlrap1() -> None:
    t = read("fh.grch38.vcf.gz")
    genes = ["LDLR_plp", "APOB_R3527Q_like", "PCSK9_gof", "LDLRAP1_a", "LDLRAP1_b", "APOE_L167del_like"]
    f = find_actionable(
        t, context="fh", classified=classified_frame(t, {g: {"gene": g.split("_")[0], **P} for g in genes})
    )
    kinds = {(s, v): k for s, v, k in zip(f["sample"], f["variant_id"], f["finding_kind"], strict=True)}
    assert kinds == {
        ("HET_LDLR", "LDLR_plp"): "monoallelic",
        ("OTHERS", "APOB_R3527Q_like"): "monoallelic",
        ("OTHERS", "PCSK9_gof"): "monoallelic",
        ("OTHERS", "APOE_L167del_like"): "monoallelic",
        ("LDLRAP1_HOM", "LDLRAP1_a"): "biallelic",
        ("LDLRAP1_CPD", "LDLRAP1_a"): "biallelic",
        ("LDLRAP1_CPD", "LDLRAP1_b"): "biallelic",
        ("LDLRAP1_ONE", "LDLRAP1_a"): "carrier",
    }
    by = f.set_index(["sample", "variant_id"])
    assert "statin" in by.loc[("HET_LDLR", "LDLR_plp"), "recommendation"]
    assert "phase_unknown" in by.loc[("LDLRAP1_CPD", "LDLRAP1_b"), "flags"]
    assert "carrier_only_not_diagnostic" in by.loc[("LDLRAP1_ONE", "LDLRAP1_a"), "flags"]
    assert (f["category"] == "fh").all() and f.attrs["provenance"]["gmsvar-fh"] == "2026.1"


def test_find_actionable__cardiac_green_genes_inheritance() -> None:
    t = read("cardiac.grch38.vcf.gz")
    ids = ["KCNQ1_plp", "MYH7_plp", "SCN5A_plp", "CASQ2_single_carrier", "GLA_hemizygous"]
    f = find_actionable(
        t, context="cardiac", classified=classified_frame(t, {i: {"gene": i.split("_")[0], **P} for i in ids})
    )
    kinds = {
        (s, g): (z, k)
        for s, g, z, k in zip(f["sample"], f["gene"], f["zygosity"], f["finding_kind"], strict=True)
    }
    assert kinds == {
        ("MALE", "KCNQ1"): ("het", "monoallelic"),
        ("FEMALE", "MYH7"): ("het", "monoallelic"),
        ("MALE", "SCN5A"): ("het", "monoallelic"),
        ("FEMALE", "CASQ2"): ("het", "carrier"),
        ("MALE", "GLA"): ("hemi", "monoallelic"),
        ("FEMALE", "GLA"): ("het", "x_linked_female"),
    }
    kcnq1 = f[f["gene"] == "KCNQ1"].iloc[0]
    assert "long QT syndrome (R127)" in kcnq1["recommendation"] and kcnq1["transcript"] == "NM_000218.3"


def test_find_actionable__germline_gene_from_coordinates_when_unannotated() -> None:
    t = read("cardiac.grch38.vcf.gz")
    f = find_actionable(t, context="cardiac", classified=classified_frame(t, {"KCNQ1_plp": P}))
    assert f[["gene", "flags"]].values.tolist() == [["KCNQ1", "gene_from_coordinates"]]


def test_find_actionable__germline_rejects_bad_classified() -> None:
    t = read("fh.grch38.vcf.gz")
    c = classified_frame(t, {})
    with pytest.raises(InputError, match="lacks columns"):
        find_actionable(t, context="fh", classified=c.drop(columns=["classification"]))
    with pytest.raises(InputError, match="unknown classification"):
        find_actionable(t, context="fh", classified=c.assign(classification="Pathogenic (class 5)"))
    with pytest.raises(InputError, match="outside the table"):
        find_actionable(t, context="fh", classified=c.assign(variant_index=c["variant_index"] + 100))
    with pytest.raises(InputError, match="tumour_type"):
        find_actionable(t, context="fh", classified=c, tumour_type="LUAD")
