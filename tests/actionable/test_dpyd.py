"""DPYD: every variant het and hom, compound heterozygote, not assessed, gVCF / callable-region coverage."""

from __future__ import annotations

import math

import pytest

from gmsvar.actionable import activity_phenotype, find_actionable

from .conftest import DATA, read

COHORT = {  # sample: (activity score, phenotype, carried site)
    "HET_2A": (1.0, "intermediate metaboliser", "c.1905+1G>A"),
    "HOM_2A": (0.0, "poor metaboliser", "c.1905+1G>A"),
    "HET_13": (1.0, "intermediate metaboliser", "c.1679T>G"),
    "HOM_13": (0.0, "poor metaboliser", "c.1679T>G"),
    "HET_2846": (1.5, "intermediate metaboliser", "c.2846A>T"),
    "HOM_2846": (1.0, "intermediate metaboliser", "c.2846A>T"),
    "HET_HAPB3": (1.5, "intermediate metaboliser", "c.1129-5923C>G"),
    "HOM_HAPB3": (1.0, "intermediate metaboliser", "c.1129-5923C>G"),
    "CPD_2A_2846": (0.5, "poor metaboliser", "c.1905+1G>A"),
    "REF_ALL": (2.0, "normal metaboliser", ""),
}


@pytest.mark.parametrize("build", ["grch38", "grch37"])
def test_find_actionable__dpyd_every_variant_het_and_hom(build: str) -> None:
    d = find_actionable(read(f"dpyd_cohort.{build}.vcf.gz"), context="dpyd").set_index("sample")
    assert d.attrs["provenance"] == {"gmsvar-dpyd": "2026.1"}
    for sample, (score, phenotype, site) in COHORT.items():
        r = d.loc[sample]
        assert (r["activity_score"], r["phenotype"]) == (score, phenotype), sample
        if site:
            zyg = "1/1" if sample.startswith("HOM") else "0/1"
            assert r[site] == zyg, sample
    assert "phase_unknown_assumed_trans" in d.loc["CPD_2A_2846", "flags"]
    assert d.loc["HOM_2A", "recommendation"].startswith("Poor metaboliser (activity score 0)")
    assert "50%" in d.loc["HET_2A", "recommendation"]
    assert (d["variant_index"] == -1).all() and (d["category"] == "pharmacogenomic").all()


def test_find_actionable__dpyd_no_call_or_low_gq_is_not_assessed() -> None:
    d = find_actionable(read("dpyd_cohort.grch38.vcf.gz"), context="dpyd").set_index("sample")
    for sample, site in (("NOCALL_13", "c.1679T>G"), ("LOWGQ_2846", "c.2846A>T")):
        r = d.loc[sample]
        assert r["phenotype"] == "not assessed" and math.isnan(r["activity_score"])
        assert r[site] == "not assessed" and "incomplete_dpyd_result" in r["flags"]
        assert "Do not assume a normal metaboliser" in r["recommendation"]
    # with a lower GQ threshold the hom-ref call is accepted
    lenient = find_actionable(read("dpyd_cohort.grch38.vcf.gz"), context="dpyd", min_gq=5).set_index("sample")
    assert lenient.loc["LOWGQ_2846", "phenotype"] == "normal metaboliser"


def test_find_actionable__dpyd_absent_sites_are_never_normal() -> None:
    none = find_actionable(read("dpyd_no_records.grch38.vcf.gz"), context="dpyd").iloc[0]
    assert none["phenotype"] == "not assessed" and none["sites_not_assessed"] == "*2A, *13, c.2846A>T, HapB3"
    assert (none["activity_score_min"], none["activity_score_max"]) == (0.0, 2.0)
    only = find_actionable(read("dpyd_variant_only.grch38.vcf.gz"), context="dpyd").iloc[0]
    assert only["c.1905+1G>A"] == "0/1" and only["c.2846A>T"] == "not assessed"
    assert only["phenotype"] == "not assessed"
    assert "at most 1 (intermediate metaboliser at best)" in only["recommendation"]


def test_find_actionable__dpyd_gvcf_blocks_and_callable_regions_give_evidence() -> None:
    ref = find_actionable(read("dpyd_gvcf_ref.grch38.vcf.gz"), context="dpyd").iloc[0]
    assert (ref["phenotype"], ref["activity_score"]) == ("normal metaboliser", 2.0)
    assert "gVCF reference block" in ref["dpyd_details"]
    het = find_actionable(read("dpyd_gvcf_2846.grch38.vcf.gz"), context="dpyd").iloc[0]
    assert (het["phenotype"], het["activity_score"], het["c.2846A>T"]) == (
        "intermediate metaboliser",
        1.5,
        "0/1",
    )
    tag = find_actionable(read("dpyd_gvcf_tagonly.grch38.vcf.gz"), context="dpyd").iloc[0]
    assert tag["phenotype"] == "normal metaboliser" and "HapB3_by_tag_c.1236G>A" in tag["flags"]
    assert tag["c.1129-5923C>G"] == "not assessed"
    bed = find_actionable(
        read("dpyd_no_records.grch38.vcf.gz"),
        context="dpyd",
        callable_regions=DATA / "dpyd_callable.grch38.bed",
    ).iloc[0]
    assert bed["phenotype"] == "normal metaboliser" and "declared callable region" in bed["dpyd_details"]
    listed = find_actionable(
        read("dpyd_no_records.grch38.vcf.gz"), context="dpyd", callable_regions=["chr1:97000000-98000000"]
    ).iloc[0]
    assert listed["phenotype"] == "normal metaboliser"


def test_find_actionable__dpyd_needs_a_build() -> None:
    from gmsvar.errors import InputError

    t = read("T001-COAD.grch38.chr7-slice.vcf.gz")
    with pytest.raises(InputError, match="build"):
        find_actionable(t, context="dpyd")
    assert find_actionable(t, context="dpyd", build="GRCh38")["phenotype"].tolist() == ["not assessed"]


@pytest.mark.parametrize(
    ("score", "phenotype"),
    [
        (2.0, "normal metaboliser"),
        (1.5, "intermediate metaboliser"),
        (1.0, "intermediate metaboliser"),
        (0.5, "poor metaboliser"),
        (0.0, "poor metaboliser"),
        (2.5, "not assessed"),
    ],
)
def test_activity_phenotype__cpic_bands(score: float, phenotype: str) -> None:
    assert activity_phenotype(score) == phenotype
