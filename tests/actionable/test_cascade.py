"""Cascade testing: carrier / non-carrier / not assessable, only from positive evidence."""

from __future__ import annotations

import pandas as pd
import pytest

from gmsvar.actionable import Relative, cascade, find_actionable
from gmsvar.errors import InputError

from ._classified import classified_frame
from .conftest import DATA, read


def _mlh1_finding() -> pd.Series:
    t = read("lynch.grch38.vcf.gz")
    c = classified_frame(
        t,
        {
            "MLH1_c.676dup": {
                "gene": "MLH1",
                "hgvsc": "c.676dup",
                "classification": "Pathogenic",
                "criteria": "PVS1,PM2_Supporting",
            }
        },
    )
    f = find_actionable(t, context="lynch", classified=c)
    return f.iloc[0]


def test_cascade__statuses_and_reasons() -> None:
    finding = _mlh1_finding()
    rel = {
        k: DATA / f"relative_{k}.vcf.gz"
        for k in ("carrier", "gvcf", "gvcf_lowgq", "variant_only", "nocall", "grch37")
    }
    rel_all: dict[str, object] = {
        **rel,
        "with_bed": Relative(
            DATA / "relative_variant_only.vcf.gz", callable_regions=DATA / "relative_callable.bed"
        ),
    }
    out = cascade(finding, rel_all)  # type: ignore[arg-type]
    assert list(out.columns) == [
        "relative",
        "sample",
        "source",
        "gene",
        "variant",
        "hgvsc",
        "status",
        "zygosity",
        "genotype",
        "reason",
    ]
    got = dict(zip(out["relative"], out["status"], strict=True))
    assert got == {
        "carrier": "carrier",
        "gvcf": "non-carrier",
        "gvcf_lowgq": "not assessable",
        "variant_only": "not assessable",
        "nocall": "not assessable",
        "grch37": "not assessable",
        "with_bed": "non-carrier",
    }
    reasons = dict(zip(out["relative"], out["reason"], strict=True))
    assert "gVCF reference block" in reasons["gvcf"] and "GQ 5 < 20" in reasons["gvcf_lowgq"]
    assert "absent from the VCF" in reasons["variant_only"] and "no call" in reasons["nocall"]
    assert "GRCh37" in reasons["grch37"] and "callable region" in reasons["with_bed"]
    assert out.set_index("relative").loc["carrier", "zygosity"] == "het"
    assert (out["gene"] == "MLH1").all() and (out["variant"] == "chr3:37012097 T>TC").all()


def test_cascade__tables_mapping_and_multisample() -> None:
    finding = {
        "gene": "MLH1",
        "variant_contig": "3",
        "variant_position": 37012097,
        "variant_ref": "T",
        "variant_alt": "TC",
        "build": "GRCh38",
    }
    family = read("lynch.grch38.vcf.gz")  # samples P1..P4 in one VCF
    out = cascade(finding, [("P1", family), ("P2", Relative(family, sample="P2"))])
    assert out["status"].tolist() == ["carrier", "non-carrier"]
    with pytest.raises(InputError, match="has samples"):
        cascade(finding, {"aunt": family})
    with pytest.raises(InputError, match="not in"):
        cascade(finding, {"aunt": Relative(family, sample="NOPE")})


def test_cascade__rejects_non_variant_findings() -> None:
    dpyd = find_actionable(read("dpyd_no_records.grch38.vcf.gz"), context="dpyd")
    with pytest.raises(InputError, match="DPYD summary row"):
        cascade(dpyd.iloc[0], {"x": read("relative_carrier.vcf.gz")})
    symbolic = {
        "variant_contig": "2",
        "variant_position": 47381000,
        "variant_ref": "N",
        "variant_alt": "<DEL>",
    }
    with pytest.raises(InputError, match="sequence-resolved"):
        cascade(symbolic, {"x": read("relative_carrier.vcf.gz")})
    with pytest.raises(InputError, match="exactly one finding"):
        cascade(dpyd.iloc[0:0], {})
    with pytest.raises(InputError, match="no 'variant_ref'"):
        cascade({"variant_contig": "3", "variant_position": 1}, {})
