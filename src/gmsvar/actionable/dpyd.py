"""DPYD genotype -> CPIC activity score -> metaboliser phenotype -> fluoropyrimidine guidance.

For each sample, the four commissioned DPYD variants (``dpyd.json``:
c.1905+1G>A \\*2A, c.1679T>G \\*13, c.2846A>T, c.1129-5923C>G HapB3, plus the HapB3
tag c.1236G>A used only when the causal HapB3 site is not assessed) are looked up
with :func:`gmsvar.actionable.coverage.assess_sites`:

* a site absent from a variant-only VCF is **not assessed** unless a gVCF
  reference block or a caller-declared callable region covers it;
* the activity score is the sum of the two allele values (reference allele 1;
  two different variants of unknown phase are assumed in trans, the worst case);
* when some sites are not assessed, the score is bounded (unassessed sites
  reference vs. carrying the worst unassessed allele); a phenotype is reported
  only if both bounds give the same one. Absence of evidence never yields
  "normal metaboliser".

Examples
--------
>>> from gmsvar.actionable.dpyd import activity_phenotype
>>> activity_phenotype(2.0), activity_phenotype(1.5), activity_phenotype(0.5)
('normal metaboliser', 'intermediate metaboliser', 'poor metaboliser')
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ..table import VariantTable
from ._common import findings_frame, resolve_build
from .coverage import CallableRegions, assess_sites
from .kb import kb_versions, load_kb

__all__ = ["activity_phenotype", "find_dpyd"]


def activity_phenotype(score: float) -> str:
    """Phenotype of a DPYD activity score (thresholds from ``dpyd.json``)."""
    for band in load_kb("dpyd")["phenotypes"]:
        if float(band["min_score"]) <= score <= float(band["max_score"]):
            return str(band["phenotype"])
    return "not assessed"


def _score(values: list[float], unassessed_min: float | None) -> tuple[float, float]:
    """(lowest, highest) possible activity score from variant-allele values and unassessed sites."""
    v = sorted(values)
    if len(v) >= 2:
        return v[0] + v[1], v[0] + v[1]
    hi = (v[0] + 1.0) if v else 2.0
    if unassessed_min is None:
        return hi, hi
    lo = (v[0] + unassessed_min) if v else 2 * unassessed_min
    return min(lo, hi), hi


def find_dpyd(
    table: VariantTable,
    *,
    build: str | None = None,
    callable_regions: CallableRegions | None = None,
    min_gq: int | None = None,
) -> pd.DataFrame:
    """One row per sample: genotype at each DPYD site, activity score, phenotype and guidance.

    See :func:`gmsvar.find_actionable` (``context="dpyd"``).
    """
    kb = load_kb("dpyd")
    b = resolve_build(table, build, needed_for="DPYD genotyping")
    key = "grch38_pos" if b == "GRCh38" else "grch37_pos"
    sites = kb["sites"]
    gq_min = int(kb["coverage"]["min_gq"]) if min_gq is None else int(min_gq)
    res = assess_sites(table, [(s["chrom"], int(s[key]), s["ref"], s["alt"]) for s in sites],
                       callable_regions=callable_regions, min_gq=gq_min)
    rows: list[dict[str, Any]] = []
    for sample in table.samples:
        r = res[res["sample"] == sample].set_index("site")
        per_site: dict[str, str] = {}
        details: list[str] = []
        flags: list[str] = []
        status = {}
        for k, s in enumerate(sites):
            st = str(r.loc[k, "status"])
            status[s["id"]] = st
            gt = str(r.loc[k, "genotype"])
            if st == "carrier":
                per_site[s["id"]] = gt
            elif st == "reference":
                per_site[s["id"]] = gt or "reference"
            elif st == "other_allele":
                per_site[s["id"]] = f"other allele ({gt})"
                flags.append(f"other_allele_at_{s['id']}")
            else:
                per_site[s["id"]] = "not assessed"
            details.append(f"{s['id']}: {st} ({r.loc[k, 'reason']!s})")
        values: list[float] = []
        carried: list[str] = []
        unassessed: list[tuple[str, float]] = []
        for hap in kb["required_haplotypes"]:
            causal = next(s for s in sites if s["haplotype"] == hap and s["role"] == "causal")
            used = causal
            if status[causal["id"]] == "not_assessed":
                tag = next((s for s in sites if s["haplotype"] == hap and s["role"] == "tag"), None)
                if tag is not None and status[tag["id"]] != "not_assessed":
                    used = tag
                    flags.append(f"{hap}_by_tag_{tag['id']}")
            st = status[used["id"]]
            if st == "not_assessed":
                unassessed.append((hap, float(used["activity_value"])))
                continue
            if st == "carrier":
                k = sites.index(used)
                copies = 2 if str(r.loc[k, "zygosity"]) == "hom" else 1
                values += [float(used["activity_value"])] * copies
                carried.append(hap)
        tag_sites = [s for s in sites if s["role"] == "tag"]
        for tag in tag_sites:
            causal = next(s for s in sites if s["haplotype"] == tag["haplotype"] and s["role"] == "causal")
            if status[tag["id"]] == "carrier" and status[causal["id"]] == "reference":
                flags.append(f"tag_{tag['id']}_without_causal_{causal['id']}")
        if len(values) > 2:
            flags.append("more_than_two_variant_alleles")
        if len(carried) >= 2:
            flags.append("phase_unknown_assumed_trans")
        lo, hi = _score(values, min((v for _, v in unassessed), default=None))
        p_lo, p_hi = activity_phenotype(lo), activity_phenotype(hi)
        if unassessed:
            flags.append("incomplete_dpyd_result")
        if p_lo == p_hi:
            phenotype = p_hi
            score = hi if lo == hi else float("nan")
            guidance = kb["guidance"][f"{lo:.1f}"]
            if lo != hi:
                guidance = f"Activity score between {lo:g} and {hi:g} (sites not assessed: " \
                           f"{', '.join(h for h, _ in unassessed)}): {guidance}"
        else:
            phenotype, score = "not assessed", float("nan")
            names = ", ".join(h for h, _ in unassessed)
            guidance = kb["guidance"]["not_assessed"].format(sites=names)
            if values:
                guidance += (f" Variant allele(s) found give an activity score of at most {hi:g} "
                             f"({p_hi} at best).")
        found = [f"{s['id']} {per_site[s['id']]}" for s in sites if status[s["id"]] == "carrier"]
        rows.append({
            "sample": sample, "gene": "DPYD", "variant_contig": None, "variant_position": -1,
            "variant_ref": "", "variant_alt": "", "variant_id": None, "transcript": "NM_000110.4",
            "hgvsc": "; ".join(s["id"] for s in sites if status[s["id"]] == "carrier"), "hgvsp": "",
            "biomarker": "DPYD activity score (CPIC)", "biomarker_id": "DPYD_ACTIVITY",
            "category": "pharmacogenomic", "context": "dpyd", "tumour_type": "",
            "recommendation": guidance, "evidence_level": kb["evidence_level"], "tier": "",
            "escat": "", "zygosity": "", "genotype": "; ".join(found) if found else "no variant allele found",
            "call_status": "assessed" if not unassessed else "incomplete", "classification": "",
            "flags": ";".join(dict.fromkeys(flags)), "match_method": "site genotyping", "build": b,
            "kb_name": kb["kb_name"], "kb_version": kb["kb_version"], "kb_source": kb["sources"]["DOMAIN"],
            "variant_index": -1, "activity_score": score, "activity_score_min": lo, "activity_score_max": hi,
            "phenotype": phenotype, "sites_not_assessed": ", ".join(h for h, _ in unassessed),
            "dpyd_details": "; ".join(details), **per_site,
        })
    extra = ("activity_score", "activity_score_min", "activity_score_max", "phenotype", "sites_not_assessed",
             *(s["id"] for s in sites), "dpyd_details")
    out = findings_frame(rows, extra=extra)
    for col in ("activity_score", "activity_score_min", "activity_score_max"):
        out[col] = out[col].astype(np.float64)
    out.attrs["provenance"] = kb_versions(["dpyd"])
    out.attrs["parameters"] = {"context": "dpyd", "build": b, "min_gq": gq_min,
                               "callable_regions": callable_regions is not None}
    return out
