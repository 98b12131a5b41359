"""A stand-in for ``gmsvar.interpret`` following contract C, for testing the cohort machinery.

It reads the VCF with the real reader (so truncated / empty / wrong-build files fail the way they
do in the pipeline), keeps the panel's regions, and produces ``variants`` / ``findings`` / ``qc``
tables with the contract-C columns; classification is a toy rule (never used clinically). A file
whose name contains ``crash`` segfaults the worker on purpose (a real SIGSEGV, like a C library
crashing on a malformed record).
"""

from __future__ import annotations

import ctypes
import hashlib
import os
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

import gmsvar
from gmsvar.panels import Panel, load_panel
from gmsvar.regions import Interval, parse_region, strip_chr


@dataclass
class FakeInterpretation:
    variants: pd.DataFrame
    findings: pd.DataFrame
    qc: pd.DataFrame
    provenance: dict[str, Any]
    source: str | None = None
    histograms: dict[str, Any] | None = field(default=None)


_LOF = {"stop_gained", "frameshift_variant", "splice_donor_variant", "splice_acceptor_variant"}


def _regions(panel: Panel, build: str, regions: list[str] | None) -> list[Interval]:
    regs = panel.regions(build=build, padding=20)
    if not regions:
        return regs
    want = [parse_region(r) for r in regions]
    return [r for r in regs if any(strip_chr(w.contig) == r.contig and w.start <= r.end
                                   and r.start <= w.end for w in want)]


def fake_interpret(vcf: str, *, test: str = "R210", sample: Any = None, mode: str = "germline",
                   tumour_type: str | None = None, clinvar: Any = None, evidence: Any = None,
                   build: str | None = None, regions: list[str] | None = None,
                   panel: Any = None) -> FakeInterpretation:
    if "crash" in os.path.basename(vcf):
        ctypes.string_at(0)  # SIGSEGV
    if "slow" in os.path.basename(vcf):
        time.sleep(float(os.environ.get("GMSVAR_TEST_SLEEP", "0.5")))
    p = panel if isinstance(panel, Panel) else load_panel(test)
    samples = None if sample is None else ([sample] if isinstance(sample, str) else list(sample))
    head = gmsvar.read_vcf(vcf, build=build, regions=["chr1:1-2"], samples=samples)
    b = head.meta.genome_build or "GRCh38"
    t = gmsvar.read_vcf(vcf, build=build, regions=_regions(p, b, regions), samples=samples)
    n = len(t)
    gt = t["call_genotype"]  # (variants, samples, ploidy), allele-recoded: 1 = this ALT
    carried = (gt == 1).any(axis=2)
    hom = (gt == 1).all(axis=2)
    dp, vaf = t["call_depth"], t["call_vaf"]
    ad = t["call_allele_depth"]
    cons = t.decode("variant_consequence") if "variant_consequence" in t else np.full(n, None)
    gene = t.decode("variant_gene") if "variant_gene" in t else np.full(n, None)
    pf = t["variant_popfreq_af"] if "variant_popfreq_af" in t else np.full(n, np.nan)
    rare = ~(pf > 0.001)
    cls = np.where(np.isin(cons.astype(str), list(_LOF)) & rare, "Pathogenic",
                   np.where(cons.astype(str) == "missense_variant", "Uncertain significance",
                            np.where(pf > 0.05, "Benign", "Likely benign")))
    contig, filt = t.decode("variant_contig"), t.decode("variant_filter")
    rows, qcs = [], []
    hist: dict[str, Any] = {}
    for j, s in enumerate(t.samples):
        idx = np.flatnonzero(carried[:, j])
        for i in idx:
            rows.append({
                "sample": s, "variant_contig": contig[i],
                "variant_position": int(t["variant_position"][i]),
                "variant_id": t["variant_id"][i], "variant_ref": t["variant_ref"][i],
                "variant_alt": t["variant_alt"][i], "gene": gene[i],
                "transcript": t["variant_transcript"][i] if "variant_transcript" in t else None,
                "hgvsc": t["variant_hgvsc"][i] if "variant_hgvsc" in t else None,
                "hgvsp": t["variant_hgvsp"][i] if "variant_hgvsp" in t else None,
                "consequence": cons[i], "genotype": "1/1" if hom[i, j] else "0/1",
                "zygosity": "hom" if hom[i, j] else "het", "depth": int(dp[i, j]),
                "alt_reads": int(ad[i, j, 1]), "vaf": float(vaf[i, j]),
                "popfreq_max": float(pf[i]), "classification": str(cls[i]),
                "points": 10 if cls[i] == "Pathogenic" else 0,
                "acmg2015_class": str(cls[i]), "criteria": "PVS1" if cls[i] == "Pathogenic" else "",
                "evidence": "toy rule", "flags": "",
                "actionable": bool(cls[i] == "Pathogenic"), "filter": filt[i],
            })
        d = dp[idx, j]
        het = idx[~hom[idx, j]]
        qcs.append({
            "sample": s, "n_records": n, "n_alleles_carried": len(idx),
            "n_pass": int(t["variant_filter_pass"][idx].sum()), "n_in_panel": len(idx),
            "mean_depth": float(d.mean()) if len(d) else float("nan"),
            "median_depth": float(np.median(d)) if len(d) else float("nan"),
            "median_vaf_het": float(np.median(vaf[het, j])) if len(het) else float("nan"),
            "missing_gt_rate": float((gt[:, j, 0] < 0).mean()) if n else 0.0,
            "het_hom_ratio": float(len(het) / max(int(hom[idx, j].sum()), 1)),
            "build": b, "panel_genes": len(p.green_genes),
            "panel_genes_with_calls": len({gene[i] for i in idx} - {None}),
        })
        hist[s] = {"vaf": [float(x) for x in vaf[idx, j]], "depth": [int(x) for x in d]}
    variants = pd.DataFrame(rows, columns=[
        "sample", "variant_contig", "variant_position", "variant_id", "variant_ref", "variant_alt",
        "gene", "transcript", "hgvsc", "hgvsp", "consequence", "genotype", "zygosity", "depth",
        "alt_reads", "vaf", "popfreq_max", "classification", "points", "acmg2015_class",
        "criteria", "evidence", "flags", "actionable", "filter"])
    f = variants.loc[variants["actionable"]].copy()
    findings = pd.DataFrame({
        "sample": f["sample"], "gene": f["gene"], "variant_contig": f["variant_contig"],
        "variant_position": f["variant_position"], "variant_ref": f["variant_ref"],
        "variant_alt": f["variant_alt"], "hgvsc": f["hgvsc"], "hgvsp": f["hgvsp"],
        "biomarker": f["gene"], "category": "lynch", "context": "lynch",
        "recommendation": "refer to clinical genetics (toy)", "evidence_level": "guideline",
        "tier": "germline P/LP", "escat": "", "zygosity": f["zygosity"], "vaf": f["vaf"],
        "depth": f["depth"], "alt_reads": f["alt_reads"], "classification": f["classification"],
        "flags": "", "kb_name": "toy", "kb_version": "0", "variant_index": -1,
    }).reset_index(drop=True)
    with open(vcf, "rb") as fh:
        sha = hashlib.sha256(fh.read()).hexdigest()
    prov = {"gmsvar_version": gmsvar.__version__,
            "input": {"path": vcf, "sha256": sha, "size_bytes": os.path.getsize(vcf)},
            "test": {"code": test}, "panel": {"id": p.id, "version": p.version},
            "mode": mode, "build": b, "samples": list(t.samples)}
    return FakeInterpretation(variants, findings, pd.DataFrame(qcs), prov, vcf, hist)
