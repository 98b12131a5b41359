"""Contract B: every context returns the same findings columns, dtypes and knowledge-base provenance."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from gmsvar.actionable import find_actionable
from gmsvar.actionable.fusions import fusion_features

from ._classified import classified_frame
from .conftest import read

CONTRACT_B = [
    "sample",
    "gene",
    "variant_contig",
    "variant_position",
    "variant_ref",
    "variant_alt",
    "hgvsc",
    "hgvsp",
    "biomarker",
    "category",
    "context",
    "recommendation",
    "evidence_level",
    "tier",
    "escat",
    "zygosity",
    "vaf",
    "depth",
    "alt_reads",
    "classification",
    "flags",
    "kb_name",
    "kb_version",
    "variant_index",
]
P = {"classification": "Pathogenic", "criteria": "PVS1,PM2_Supporting"}


def _run(context: str) -> pd.DataFrame:
    if context == "nsclc":
        return find_actionable(read("nsclc_tissue.grch38.vcf.gz"), context="nsclc")
    if context == "dpyd":
        return find_actionable(read("dpyd_cohort.grch38.vcf.gz"), context="dpyd")
    name = {"lynch": "lynch", "fh": "fh", "cardiac": "cardiac"}[context]
    t = read(f"{name}.grch38.vcf.gz")
    first = {"lynch": "MLH1_c.676dup", "fh": "LDLR_plp", "cardiac": "KCNQ1_plp"}[context]
    spec = {first: {"gene": first.split("_")[0], **P}}
    return find_actionable(t, context=context, classified=classified_frame(t, spec))


@pytest.mark.parametrize("context", ["nsclc", "lynch", "fh", "cardiac", "dpyd"])
def test_find_actionable__contract_b(context: str) -> None:
    f = _run(context)
    assert len(f) > 0
    assert [c for c in CONTRACT_B if c not in f.columns] == []
    assert isinstance(f.index, pd.RangeIndex)
    assert f["variant_position"].dtype == np.int64 and f["variant_index"].dtype == np.int64
    assert f["vaf"].dtype == np.float64
    assert (f["context"] == context).all() and (f["kb_version"] != "").all()
    prov = f.attrs["provenance"]
    assert isinstance(prov, dict) and prov and all(isinstance(v, str) for v in prov.values())
    assert set(f["kb_name"]) <= set(prov)
    if context == "dpyd":
        assert {
            "activity_score",
            "phenotype",
            "c.1905+1G>A",
            "c.1679T>G",
            "c.2846A>T",
            "c.1129-5923C>G",
        } <= set(f.columns)
        assert (f["variant_index"] == -1).all() and f["sample"].is_unique


def test_fusion_features__partner_outside_known_genes_is_flagged() -> None:
    f = fusion_features(
        contigs=np.array(["chr2", "chr2"], dtype=object),
        positions=np.array([29224000, 100]),
        alts=np.array(["T[chr3:1000000[", "A"], dtype=object),
        build="GRCh38",
    )
    assert f[["gene", "partner"]].values.tolist() == [["ALK", ""]]
    assert "fusion_partner_unknown" in f["match_flags"].iloc[0] and "unknown-ALK" in f["detail"].iloc[0]
