"""NSCLC biomarkers in tissue and plasma: hand-made VCFs, the TCGA colon tumour, the cyvcf2 ctDNA VCF."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import gmsvar
from gmsvar.actionable import FINDING_COLUMNS, ctdna_calls, find_actionable, somatic_tiers
from gmsvar.errors import InputError

from .conftest import read

TISSUE_EXPECTED = {
    "EGFR_ex19del_c.2236_2250del": "EGFR_EX19DEL",
    "EGFR_L858R": "EGFR_L858R",
    "EGFR_T790M": "EGFR_T790M",
    "EGFR_G719S": "EGFR_UNCOMMON",
    "EGFR_L861Q": "EGFR_UNCOMMON",
    "EGFR_S768I": "EGFR_UNCOMMON",
    "EGFR_ex20ins_V769_D770insASV": "EGFR_EX20INS",
    "EGFR_ex20ins_A763_Y764insFQEA": "EGFR_EX20INS_FQEA",
    "KRAS_G12C": "KRAS_G12C",
    "BRAF_V600E": "BRAF_V600E",
    "MET_c.3028+1G>T": "MET_EX14_SPLICE",
    "MET_c.2888-2A>G": "MET_EX14_SPLICE",
    "MET_c.3020_3028+8del_spanning_donor": "MET_EX14_SPLICE",
    "ERBB2_c.2313_2324dup_Y772_A775dup": "ERBB2_EX20INS",
    "ERBB2_S310F": "ERBB2_ACTIVATING",
    "bnd_ALK_1": "ALK_FUSION",
    "bnd_CD74_1": "ROS1_FUSION",
    "inv_KIF5B_RET": "RET_FUSION",
    "bnd_ETV6_1": "NTRK_FUSION",
}


def _ids(f: pd.DataFrame) -> dict[str, str]:
    return dict(zip(f["variant_id"], f["biomarker_id"], strict=True))


def test_find_actionable__nsclc_tissue_grch38_covers_every_biomarker_class() -> None:
    t = read("nsclc_tissue.grch38.vcf.gz")
    assert t.meta.genome_build == "GRCh38"
    f = find_actionable(t, context="nsclc")
    assert _ids(f) == TISSUE_EXPECTED  # G12D, K601E, MET exon-14 missense, ALK-internal deletion: no finding
    assert set(f["match_method"]) == {"genomic", "fusion"}
    assert (f["tier"] == "I").all() and (f["context"] == "nsclc").all()
    assert f.set_index("variant_id").loc["EGFR_T790M", "category"] == "resistance"
    fus = f[f["match_method"] == "fusion"].set_index("biomarker_id")
    assert (
        fus.loc["ALK_FUSION", "fusion_partner"] == "EML4"
        and fus.loc["RET_FUSION", "fusion_partner"] == "KIF5B"
    )
    assert fus.loc["NTRK_FUSION", "escat"] == "I-C"
    assert all("fusion_orientation_not_checked" in x for x in fus["flags"])
    v600 = f.set_index("biomarker_id").loc["BRAF_V600E"]
    assert (v600["hgvsc"], v600["hgvsp"], v600["evidence_level"], v600["escat"]) == (
        "c.1799T>A",
        "p.(Val600Glu)",
        "A",
        "I-B",
    )
    assert "dabrafenib + trametinib" in v600["recommendation"]
    ex19 = f.set_index("biomarker_id").loc["EGFR_EX19DEL"]
    assert ex19["hgvsc"] == "c.2236_2250del" and ex19["escat"] == "I-A"


def test_find_actionable__nsclc_tissue_grch37_coordinates() -> None:
    t = read("nsclc_tissue.grch37.vcf.gz")
    assert t.meta.genome_build == "GRCh37"
    f = find_actionable(t, context="nsclc")
    grch37_ids = {
        k: v for k, v in TISSUE_EXPECTED.items() if k in set(np.asarray(t["variant_id"], dtype=object))
    }
    assert _ids(f) == grch37_ids and len(grch37_ids) == 8
    # the same file declared as GRCh38 contradicts its contig lengths
    with pytest.raises(InputError, match="contradicts"):
        find_actionable(t, context="nsclc", build="GRCh38")


def test_find_actionable__annotated_vcf_prefers_the_mane_transcript() -> None:
    t = read("nsclc_annotated.grch38.vcf.gz")
    f = find_actionable(t, context="nsclc").set_index("variant_id")
    assert f["biomarker_id"].to_dict() == {
        "EGFR_ex19del": "EGFR_EX19DEL",
        "EGFR_FQEA": "EGFR_EX20INS_FQEA",
        "MET_donor": "MET_EX14_SPLICE",
        "KRAS_G12C": "KRAS_G12C",
        "ERBB2_dup": "ERBB2_EX20INS",
        "BRAF_V600E_non_mane_only": "BRAF_V600E",
    }
    assert set(f["match_method"]) == {"hgvs"}
    # the MET record lists ENST00000318493 (c.3082+1G>T) first: the MANE entry is used
    assert f.loc["MET_donor", "hgvsc"] == "ENST00000397752.8:c.3028+1G>T"
    assert "transcript_not_kb_mane" in f.loc["BRAF_V600E_non_mane_only", "flags"]
    # coordinates alone reach the same biomarkers
    g = find_actionable(t, context="nsclc", match_by="genomic").set_index("variant_id")
    assert g["biomarker_id"].to_dict() == f["biomarker_id"].to_dict()


def test_find_actionable__tcga_colon_tumour_braf_v600e_both_builds() -> None:
    for name, build, pos in (
        ("T001-COAD.grch38.chr7-slice.vcf.gz", "GRCh38", 140753336),
        ("T001-COAD.grch37.chr7-slice.vcf.gz", "GRCh37", 140453136),
    ):
        t = read(name, format=["ADT", "DPT"])
        with pytest.raises(InputError, match="build"):
            find_actionable(t, context="nsclc")  # no ##contig lengths: the build must be declared
        f = find_actionable(
            t, context="nsclc", tumour_type="COAD", build=build, allele_depth_field="ADT", depth_field="DPT"
        )
        assert len(f) == 1
        r = f.iloc[0]
        assert (r["gene"], r["variant_position"], r["variant_ref"], r["variant_alt"]) == (
            "BRAF",
            pos,
            "A",
            "T",
        )
        assert (r["biomarker_id"], r["hgvsp"], r["alt_reads"], r["depth"]) == (
            "BRAF_V600E",
            "p.(Val600Glu)",
            17,
            54,
        )
        assert r["vaf"] == pytest.approx(17 / 54)
        assert (r["evidence_level"], r["tier"]) == ("A", "I")  # colorectal entry of the knowledge base
        assert "encorafenib + cetuximab" in r["recommendation"] and "sporadic MLH1" in r["recommendation"]
        assert r["build"] == build and r["call_status"] == "detected"


def test_find_actionable__tumour_type_sets_level_tier_and_escat() -> None:
    t = read("T001-COAD.grch38.chr7-slice.vcf.gz")
    lung = find_actionable(t, context="nsclc", tumour_type="LUAD", build="GRCh38").iloc[0]
    other = find_actionable(t, context="nsclc", tumour_type="glioma", build="GRCh38").iloc[0]
    assert (lung["evidence_level"], lung["tier"], lung["escat"]) == ("A", "I", "I-B")
    assert (other["evidence_level"], other["tier"], other["escat"]) == ("C", "II", "III-A")
    assert "evidence is for NSCLC" in other["recommendation"]
    # genotype-only calls (no read counts read): called by genotype, flagged
    assert lung["call_status"] == "called_by_genotype" and "no_read_counts" in lung["flags"]


def test_find_actionable__whole_tcga_colon_file_has_one_nsclc_biomarker(shared: Path) -> None:
    t = gmsvar.read_vcf(shared / "vcf" / "somatic-pcgr-tcga" / "T001-COAD.grch38.vcf.gz", format=["ADT"])
    f = find_actionable(t, context="nsclc", tumour_type="COAD", build="GRCh38", allele_depth_field="ADT")
    assert f[["gene", "variant_position", "biomarker_id"]].values.tolist() == [
        ["BRAF", 140753336, "BRAF_V600E"]
    ]
    tiers = somatic_tiers(t, tumour_type="COAD", build="GRCh38", allele_depth_field="ADT")
    assert (tiers["tier"] == "I").sum() == 1 and len(tiers) == len(t)
    assert set(tiers["tier"]) <= {"I", "III", "not called"}


def test_ctdna_calls__low_vaf_egfr_records_of_the_cyvcf2_test_vcf() -> None:
    """bug.vcf.gz: 72 BMFtools duplex records (168 alleles) in EGFR exon 1 at VAF ~1e-4.

    Read counts are in FORMAT/ADP_ALL (no AD/DP), so the caller names that field.
    """
    t = read("bug.vcf.gz", format=["ADP_ALL"])
    assert len(t) == 168 and t.meta.genome_build == "unknown"
    raw = ctdna_calls(t, build="GRCh37")  # the reader's AD/DP are absent: nothing to assess
    assert raw.empty
    duplex = ctdna_calls(t, allele_depth_field="ADP_ALL", build="GRCh37", error_rate=1e-4)
    illumina = ctdna_calls(t, allele_depth_field="ADP_ALL", build="GRCh37", error_rate=1e-3)
    assert (duplex["gene"] == "EGFR").all() and len(duplex) == len(illumina) == 165
    assert (illumina["call_status"] == "below_lod").all()
    detected = duplex[duplex["call_status"] == "detected"]
    assert 0 < len(detected) < 20 and (detected["alt_reads"] >= 3).all()
    top = duplex.set_index("position").loc[55086974]
    top = top[top["alt"] == "T"].iloc[0]
    assert (top["alt_reads"], top["depth"], top["call_status"]) == (10, 7543, "detected")
    assert top["p_error"] < 1e-6 and top["lod_vaf"] == pytest.approx(0.000834, abs=2e-6)
    assert duplex.attrs["parameters"]["call_metrics"] == "FORMAT/ADP_ALL"
    # no EGFR hotspot among them: no finding, tissue or plasma
    f = find_actionable(
        t,
        context="nsclc",
        sample_type="ctdna",
        build="GRCh37",
        allele_depth_field="ADP_ALL",
        include_below_lod=True,
    )
    assert f.empty and list(f.columns[: len(FINDING_COLUMNS)]) == list(FINDING_COLUMNS)


def test_find_actionable__ctdna_limit_of_detection_ch_and_germline_flags() -> None:
    t = read("nsclc_ctdna.grch38.vcf.gz")
    f = find_actionable(t, context="nsclc", sample_type="ctdna").set_index("variant_id")
    assert set(f.index) == {"EGFR_L858R_0.12pct", "EGFR_G719S_germline_like", "KRAS_G12C_1pct"}
    assert f.loc["EGFR_L858R_0.12pct", "call_status"] == "detected"
    assert f.loc["EGFR_L858R_0.12pct", "vaf"] == pytest.approx(0.0012)
    assert "possible_germline" in f.loc["EGFR_G719S_germline_like", "flags"]
    low = find_actionable(t, context="nsclc", sample_type="ctdna", include_below_lod=True).set_index(
        "variant_id"
    )
    t790 = low.loc["EGFR_T790M_2_reads"]
    assert t790["call_status"] == "below_lod" and t790["tier"] == "" and "below_lod" in t790["flags"]
    assert t790["recommendation"].startswith("NOT CALLED")
    # a noisier assay (raw reads, error 1e-3): 12 reads in 10,000 are no longer a call
    noisy = find_actionable(t, context="nsclc", sample_type="ctdna", error_rate=1e-3)
    assert "EGFR_L858R_0.12pct" not in set(noisy["variant_id"])
    calls = ctdna_calls(t).set_index("gene")
    assert "possible_clonal_haematopoiesis" in calls.loc["TP53", "flags"]
    assert "possible_clonal_haematopoiesis" in calls.loc["DNMT3A", "flags"]
    assert "possible_clonal_haematopoiesis" not in calls.loc["KRAS", "flags"]


def test_somatic_tiers__kb_hits_hotspots_and_rest() -> None:
    t = read("nsclc_tissue.grch38.vcf.gz")
    tiers = somatic_tiers(t, tumour_type="NSCLC")
    tiers.index = np.asarray(t["variant_id"], dtype=object)[tiers["variant_index"].to_numpy()]
    assert tiers.loc["KRAS_G12C", "tier"] == "I"
    assert tiers.loc["KRAS_G12D_not_targetable", "tier"] == "III"
    assert "recurrent_hotspot" in tiers.loc["KRAS_G12D_not_targetable", "flags"]
    assert "recurrent_hotspot" in tiers.loc["BRAF_K601E_not_actionable", "flags"]
    assert tiers.loc["MET_exon14_missense_not_skipping", "tier"] == "III"


def test_find_actionable__contract_b_columns_and_provenance() -> None:
    f = find_actionable(read("nsclc_tissue.grch38.vcf.gz"), context="nsclc")
    assert list(f.columns[: len(FINDING_COLUMNS)]) == list(FINDING_COLUMNS)
    assert isinstance(f.index, pd.RangeIndex)
    for col in ("variant_position", "variant_index", "depth", "alt_reads"):
        assert f[col].dtype == np.int64
    assert f.attrs["provenance"] == {
        "gmsvar-nsclc": "2026.1",
        "gmsvar-hotspot-codons": "2026.1",
        "gmsvar-hotspot-regions": "2026.1",
        "gmsvar-gene-spans": "2026.1",
        "gmsvar-somatic-rules": "2026.1",
    }
    assert (f["kb_name"] == "gmsvar-nsclc").all() and (f["kb_version"] == "2026.1").all()
    assert (f["kb_source"].str.len() > 0).all()


def test_find_actionable__bad_arguments() -> None:
    t = read("nsclc_tissue.grch38.vcf.gz")
    with pytest.raises(InputError, match="context must be"):
        find_actionable(t, context="melanoma")
    with pytest.raises(InputError, match="does not take"):
        find_actionable(t, context="nsclc", callable_regions=[])
    with pytest.raises(InputError, match="sample_type"):
        find_actionable(t, context="nsclc", sample_type="urine")
    with pytest.raises(InputError, match="allele_depth_field"):
        find_actionable(t, context="nsclc", allele_depth_field="ADT")
    with pytest.raises(InputError, match="match_by"):
        find_actionable(t, context="nsclc", match_by="fuzzy")
