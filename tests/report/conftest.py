"""Fixtures for the report writers: a contract-C Interpretation built from a real VCF.

The variants come from the shipped trio example (``gmsvar/examples/trio_grch37.vcf.gz``,
see its PROVENANCE.md): every (sample, allele) the sample carries, with the reader's
annotation, genotype, depth and VAF. The classification columns (contract A) and the
findings (contract B) are hand-made, deterministic stand-ins: the classifier and the
actionable finder are other modules, and these tests only need tables of the right shape.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
import pytest

import gmsvar
from gmsvar.filters import is_hemizygous_calls, is_het_calls, is_hom_alt_calls
from gmsvar.report import Interpretation, sample_summary

TRIO = gmsvar.example_path("trio_grch37.vcf.gz")

CLASSES = [
    ("Pathogenic", 10, "PVS1,PM2_Supporting", "PVS1: stop_gained, NMD predicted; PM2: absent from gnomAD"),
    ("Likely pathogenic", 7, "PS3,PM2_Supporting", "PS3: functional assay; PM2: absent from gnomAD"),
    ("Uncertain significance", 2, "PM2_Supporting,PP3", "PM2: absent from gnomAD; PP3: REVEL 0.81"),
    ("Likely benign", -2, "BP4", "BP4: REVEL 0.05"),
    ("Benign", -8, "BA1", "BA1: grpmax AF 0.12"),
    ("Not classified", 0, "", ""),
]


def _trio_variants() -> pd.DataFrame:
    t = gmsvar.read_vcf(TRIO)
    calls = t.to_pandas(layout="calls")  # variant-major: row = variant * n_samples + sample
    het, hom, hemi = is_het_calls(t).ravel(), is_hom_alt_calls(t).ravel(), is_hemizygous_calls(t).ravel()
    carried = het | hom | hemi
    zyg = np.where(het, "het", np.where(hom, "hom", np.where(hemi, "hemi", "unknown")))
    c = calls[carried].reset_index(drop=True)
    n = len(c)
    cls = [CLASSES[i % len(CLASSES)] for i in range(n)]
    alt_reads = [
        int(ad[1]) if isinstance(ad, tuple | list | np.ndarray) and len(ad) > 1 and ad[1] >= 0 else -1
        for ad in c["allele_depth"]
    ]
    return pd.DataFrame(
        {
            "sample": c["sample_id"].astype(str),
            "variant_contig": c["contig"].astype(str),
            "variant_position": c["position"].astype(np.int64),
            "variant_id": c["id"],
            "variant_ref": c["ref"].astype(str),
            "variant_alt": c["alt"].astype(str),
            "gene": c["gene"],
            "transcript": c["transcript"],
            "hgvsc": c["hgvsc"],
            "hgvsp": c["hgvsp"],
            "consequence": c["consequence"],
            "genotype": c["genotype"].astype(str),
            "zygosity": zyg[carried],
            "depth": c["depth"].astype(np.int64),
            "alt_reads": np.asarray(alt_reads, dtype=np.int64),
            "vaf": c["vaf"].astype(float),
            "popfreq_max": c["popfreq_max"].astype(float),
            "classification": [x[0] for x in cls],
            "points": np.asarray([x[1] for x in cls], dtype=np.int64),
            "acmg2015_class": [x[0] for x in cls],
            "criteria": [x[2] for x in cls],
            "evidence": [x[3] for x in cls],
            "flags": ["needs_orthogonal_confirmation" if i % 4 == 0 else "" for i in range(n)],
            "actionable": np.asarray([x[0] in ("Pathogenic", "Likely pathogenic") for x in cls], dtype=bool),
            "filter": c["filter"].astype(str),
        }
    )


def _findings(variants: pd.DataFrame) -> pd.DataFrame:
    hit = variants[variants["actionable"]].iloc[:2]
    rows = []
    for _, v in hit.iterrows():
        rows.append(
            {
                "sample": v["sample"],
                "gene": v["gene"],
                "variant_contig": v["variant_contig"],
                "variant_position": v["variant_position"],
                "variant_ref": v["variant_ref"],
                "variant_alt": v["variant_alt"],
                "hgvsc": v["hgvsc"],
                "hgvsp": v["hgvsp"],
                "biomarker": f"{v['gene']} {v['hgvsc']}",
                "category": "lynch",
                "context": "germline",
                "recommendation": "Refer to clinical genetics; colonoscopy every 2 years from age 25",
                "evidence_level": "guideline",
                "tier": "germline P/LP",
                "escat": None,
                "zygosity": v["zygosity"],
                "vaf": v["vaf"],
                "depth": v["depth"],
                "alt_reads": v["alt_reads"],
                "classification": v["classification"],
                "flags": "",
                "kb_name": "gmsvar-actionable",
                "kb_version": "2026.1",
                "variant_index": 0,
            }
        )
    rows.append(
        {
            "sample": "ADM1059A2",
            "gene": "DPYD",
            "variant_contig": None,
            "variant_position": None,
            "variant_ref": None,
            "variant_alt": None,
            "hgvsc": None,
            "hgvsp": None,
            "biomarker": "DPYD activity score",
            "category": "pharmacogenomic",
            "context": "dpyd",
            "recommendation": "not assessed: DPYD sites not covered by this VCF",
            "evidence_level": "guideline",
            "tier": None,
            "escat": None,
            "zygosity": None,
            "vaf": np.nan,
            "depth": np.nan,
            "alt_reads": np.nan,
            "classification": None,
            "flags": "dpyd_sites_not_covered",
            "kb_name": "gmsvar-dpyd",
            "kb_version": "2026.1",
            "variant_index": -1,
        }
    )
    return pd.DataFrame(rows)


def _qc() -> pd.DataFrame:
    s = sample_summary(gmsvar.read_vcf(TRIO)).reset_index()
    return pd.DataFrame(
        {
            "sample": s["sample"].astype(str),
            "n_records": s["allele_rows"].astype(np.int64),
            "n_alleles_carried": (s["het"] + s["hom_alt"]).astype(np.int64),
            "n_pass": s["pass_filter"],
            "n_in_panel": np.asarray([12, 9, 14], dtype=np.int64),
            "mean_depth": s["depth_mean"],
            "median_depth": s["depth_median"],
            "median_vaf_het": s["vaf_median_het"],
            "missing_gt_rate": s["missing_gt"] / s["allele_rows"],
            "het_hom_ratio": s["het"] / s["hom_alt"],
            "build": "GRCh37",
            "panel_genes": 4,
            "panel_genes_with_calls": 2,
        }
    )


PROVENANCE = {
    "gmsvar_version": gmsvar.__version__,
    "input": {"path": TRIO, "sha256": "0" * 63 + "1", "size_bytes": 123456},
    "test": {"code": "R210", "name": "Inherited MMR deficiency (Lynch syndrome)", "edition": "8.0"},
    "panel": {
        "id": 503,
        "name": "Inherited MMR deficiency (Lynch syndrome)",
        "version": "1.2",
        "source": "PanelApp snapshot 2026-01",
    },
    "mode": "germline",
    "build": "GRCh37",
    "spec": {"name": "acgs2020", "version": "2020.1"},
    "knowledge_bases": {"clinvar": "2025-01-05", "gmsvar-actionable": "2026.1"},
    "thresholds": {"min_depth": 20, "min_vaf": 0.2, "max_popfreq": 0.01},
    "created": "2026-01-02T03:04:05+00:00",
    "samples": ["ADM1059A1", "ADM1059A2", "ADM1059A3"],
}


@pytest.fixture(scope="session")
def trio_parts() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    variants = _trio_variants()
    return variants, _findings(variants), _qc()


@pytest.fixture
def make_interp(trio_parts: tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]) -> Callable[..., Interpretation]:
    """Fresh Interpretation (copies of the session tables); keyword overrides replace fields."""

    def make(**kw: object) -> Interpretation:
        variants, findings, qc = (df.copy() for df in trio_parts)
        fields: dict[str, object] = {
            "variants": variants,
            "findings": findings,
            "qc": qc,
            "provenance": {
                k: (dict(v) if isinstance(v, dict) else (list(v) if isinstance(v, list) else v))
                for k, v in PROVENANCE.items()
            },
            "source": TRIO,
        }
        fields.update(kw)
        return Interpretation(**fields)  # type: ignore[arg-type]

    return make
