"""Per-sample summary of a :class:`~gmsvar.table.VariantTable` (QC at a glance).

Examples
--------
>>> import gmsvar
>>> from gmsvar.report import sample_summary
>>> t = gmsvar.read_vcf(gmsvar.example_path("trio_grch37.vcf.gz"))
>>> df = sample_summary(t)
>>> list(df.index)
['ADM1059A1', 'ADM1059A2', 'ADM1059A3']
>>> int(df.loc["ADM1059A1", "allele_rows"]) == len(t)
True
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..filters import (
    is_called_calls,
    is_hemizygous_calls,
    is_het_calls,
    is_hom_alt_calls,
    is_hom_ref_calls,
)
from ..table import VariantTable

__all__ = ["sample_summary"]

_TRANSITIONS = {("A", "G"), ("G", "A"), ("C", "T"), ("T", "C")}


def sample_summary(table: VariantTable) -> pd.DataFrame:
    """One row per sample: genotype counts, missingness, depth and VAF summaries.

    Columns
    -------
    allele_rows
        Rows in the table (one per ALT allele).
    called, missing_gt
        Calls with every allele called / with any allele missing (``0/.`` counts as missing).
    het, hom_alt, hom_ref
        Genotype states for the row's ALT allele (``1/2`` counts as het for each ALT;
        a haploid ``1`` counts as hom_alt), from :mod:`gmsvar.filters`.
    pass_filter
        Calls at rows whose FILTER is PASS.
    depth_median, depth_mean
        Over calls with a known depth.
    vaf_median_het
        Median VAF of heterozygous calls (germline expectation ~0.5).
    ti_tv
        Transition/transversion ratio of SNV rows carrying the ALT (whole-exome ~2.8-3.0;
        whole-genome ~2.0-2.1).
    """
    called = is_called_calls(table)
    het = is_het_calls(table)
    hom_alt = is_hom_alt_calls(table) | is_hemizygous_calls(table)
    hom_ref = is_hom_ref_calls(table)
    dp = table["call_depth"].astype(float)
    dp[dp < 0] = np.nan
    vaf = table["call_vaf"].astype(float)
    ref = table["variant_ref"]
    alt = table["variant_alt"]
    snv = np.array([len(r) == 1 and len(a) == 1 for r, a in zip(ref, alt, strict=True)], dtype=bool)
    ts = np.array([(r, a) in _TRANSITIONS for r, a in zip(ref, alt, strict=True)], dtype=bool) & snv
    carrier = (het | hom_alt)
    pass_rows = table["variant_filter_pass"]
    rows = []
    with np.errstate(all="ignore"):
        for j, name in enumerate(table.samples):
            d = dp[:, j]
            v = vaf[het[:, j], j]
            n_ts = int((carrier[:, j] & ts).sum())
            n_tv = int((carrier[:, j] & snv & ~ts).sum())
            rows.append({
                "sample": name,
                "allele_rows": len(table),
                "called": int(called[:, j].sum()),
                "missing_gt": int((~called[:, j]).sum()),
                "het": int(het[:, j].sum()),
                "hom_alt": int(hom_alt[:, j].sum()),
                "hom_ref": int(hom_ref[:, j].sum()),
                "pass_filter": int((carrier[:, j] & pass_rows).sum()),
                "depth_median": float(np.nanmedian(d)) if np.isfinite(d).any() else np.nan,
                "depth_mean": float(np.nanmean(d)) if np.isfinite(d).any() else np.nan,
                "vaf_median_het": float(np.nanmedian(v)) if np.isfinite(v).any() else np.nan,
                "ti_tv": n_ts / n_tv if n_tv else np.nan,
            })
    cols = ["allele_rows", "called", "missing_gt", "het", "hom_alt", "hom_ref", "pass_filter",
            "depth_median", "depth_mean", "vaf_median_het", "ti_tv"]
    if not rows:
        return pd.DataFrame(columns=cols, index=pd.Index([], name="sample"))
    return pd.DataFrame(rows).set_index("sample")[cols]
