"""Somatic mode: NSCLC biomarkers, AMP/ASCO/CAP tiers, ctDNA limit of detection, CH and germline flags.

* :func:`find_somatic` - knowledge-base biomarkers (tissue or plasma) as findings
  (contract B) with AMP level/tier and ESCAT tier for the named tumour type;
* :func:`somatic_tiers` - an AMP/ASCO/CAP tier for every carried variant;
* :func:`ctdna_calls` - per-call limit-of-detection assessment from alt reads and
  depth (binomial test against the assay's background error rate, and the
  smallest VAF the depth could detect).

Rules and thresholds (tumour-type names, CH genes and VAF ceiling, germline VAF
windows, LoD defaults per sample type) come from ``somatic.json``; biomarkers and
levels from ``nsclc.json``.

Examples
--------
>>> import numpy as np
>>> from gmsvar.table import VariantTable, VcfMetadata
>>> from gmsvar.actionable.somatic import ctdna_calls
>>> t = VariantTable(
...     {"variant_contig": np.array([0, 0], dtype=np.int32), "variant_position": np.array([100, 200]),
...      "variant_ref": np.array(["C", "G"], dtype=object), "variant_alt": np.array(["T", "A"], dtype=object),
...      "call_allele_depth": np.array([[[9990, 10]], [[9999, 1]]], dtype=np.int32),
...      "call_depth": np.array([[10000], [10000]], dtype=np.int32)},
...     meta=VcfMetadata(samples=("plasma",)), categories={"variant_contig": ["chr7"]})
>>> ctdna_calls(t, error_rate=1e-4)[["position", "alt_reads", "call_status"]].values.tolist()
[[100, 10, 'detected'], [200, 1, 'below_lod']]
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ..errors import InputError
from ..filters.somatic import binomial_tail, lod_vaf_calls
from ..table import VariantTable, VcfMetadata
from ._common import (
    CallMetrics,
    call_metrics,
    canonical_contigs,
    contig_labels,
    findings_frame,
    resolve_build,
    zygosity_labels,
)
from .fusions import fusion_features
from .genomic import FEATURE_COLUMNS, genomic_features
from .kb import kb_table, kb_versions, load_kb
from .match import annotation_features, kb_genes, match_rules

__all__ = ["ctdna_calls", "find_somatic", "somatic_tiers", "tumour_group"]

SOMATIC_KBS = ("nsclc", "codons", "regions", "genes", "somatic")


def tumour_group(tumour_type: str | None, *, default: str = "NSCLC") -> str:
    """Knowledge-base tumour group of a tumour-type name (``LUAD`` -> ``NSCLC``, ``COAD`` -> ``CRC``).

    Unknown names give ``OTHER``; ``None`` gives ``default``.

    >>> tumour_group("LUAD"), tumour_group("colon"), tumour_group("glioma"), tumour_group(None)
    ('NSCLC', 'CRC', 'OTHER', 'NSCLC')
    """
    if tumour_type is None:
        return default
    name = tumour_type.strip().upper()
    for group, aliases in load_kb("somatic")["tumour_types"].items():
        if name == group or name in aliases:
            return str(group)
    return "OTHER"


def _params(sample_type: str, overrides: dict[str, Any]) -> dict[str, Any]:
    rules = load_kb("somatic")["sample_types"]
    if sample_type not in rules:
        raise InputError(f"sample_type must be one of {sorted(rules)}, not {sample_type!r}")
    p = {k: v for k, v in rules[sample_type].items() if k != "note"}
    for k, v in overrides.items():
        if v is not None:
            p[k] = v
    if p.get("error_rate") is not None and not 0.0 < float(p["error_rate"]) < 1.0:
        raise InputError(f"error_rate must be within (0, 1), not {p['error_rate']}")
    return p


def _variant_genes(table: VariantTable, build: str | None) -> np.ndarray:
    """Gene per row: the annotation's, else the MANE span containing POS (needs a build)."""
    n = len(table)
    genes = np.full(n, "", dtype=object)
    if "variant_gene" in table:
        g = table.decode("variant_gene") if "variant_gene" in table.categories else table["variant_gene"]
        genes = np.array(["" if x is None else str(x) for x in g], dtype=object)
    todo = genes == ""
    if build is not None and todo.any():
        spans = kb_table("genes")
        key = "grch38" if build == "GRCh38" else "grch37"
        canon = canonical_contigs(contig_labels(table))
        pos = np.asarray(table["variant_position"], dtype=np.int64)
        for chrom, grp in spans.groupby(f"{key}_chrom"):
            rows = np.flatnonzero(todo & (canon == chrom))
            if not len(rows):
                continue
            p = pos[rows]
            for sym, s, e in zip(grp["symbol"], grp[f"{key}_start"], grp[f"{key}_end"], strict=True):
                hit = (p >= int(s)) & (p <= int(e)) & (genes[rows] == "")
                genes[rows[hit]] = sym
    return genes


def _assess(table: VariantTable, m: CallMetrics, p: dict[str, Any]) -> dict[str, Any]:
    """Per-call presence, call status, p_error and LoD VAF."""
    n, s = len(table), table.n_samples
    zyg, non_ref, gts = zygosity_labels(table)
    called = np.zeros((n, s), dtype=bool)
    if "call_genotype" in table:
        gt = table["call_genotype"]
        called = np.all((gt >= 0) | (gt == -2), axis=2) & np.any(gt >= 0, axis=2)
    has_counts = (m.alt >= 0) & (m.depth > 0)
    present = non_ref | (~called & (m.alt > 0))
    p_err = np.full((n, s), np.nan)
    er = p.get("error_rate")
    if er is not None and has_counts.any():
        k, d = m.alt[has_counts], m.depth[has_counts]
        p_err[has_counts] = binomial_tail(k, d, float(er))
    k_min = int(p.get("min_alt_reads", 1))
    enough = has_counts & (m.alt >= k_min) & ~(m.vaf < float(p.get("min_vaf", 0.0)))
    if er is not None:
        enough &= p_err <= float(p.get("alpha", 0.01))
    status = np.full((n, s), "not_detected", dtype=object)
    status[present & ~has_counts] = "called_by_genotype"
    status[present & has_counts & enough] = "detected"
    status[present & has_counts & ~enough] = "below_lod"
    lod = np.full((n, s), np.nan)
    if has_counts.any():
        mini = VariantTable(
            {"call_allele_depth": np.stack([np.maximum(m.depth - np.maximum(m.alt, 0), 0),
                                            np.maximum(m.alt, 0)], axis=-1).astype(np.int32),
             "call_depth": np.where(has_counts, m.depth, -1).astype(np.int32)},
            meta=VcfMetadata(samples=table.samples))
        lod = lod_vaf_calls(mini, min_alt_reads=max(k_min, 1), power=float(p.get("power", 0.95)))
    return {"present": present, "status": status, "p_error": p_err, "lod_vaf": lod, "zygosity": zyg,
            "genotype": gts}


def _flags(table: VariantTable, genes: np.ndarray, vaf: np.ndarray, status: np.ndarray) -> np.ndarray:
    """CH / germline / population flags per call (';'-joined strings)."""
    rules = load_kb("somatic")
    n, s = vaf.shape
    ch = rules["clonal_haematopoiesis"]
    germ = rules["germline"]
    in_ch = np.isin(genes, ch["genes"])[:, None]
    flags: list[tuple[np.ndarray, str]] = [
        (in_ch & (vaf < float(ch["max_vaf"])), "possible_clonal_haematopoiesis"),
        (((vaf >= germ["het_vaf"][0]) & (vaf <= germ["het_vaf"][1])) | (vaf >= float(germ["hom_vaf_min"])),
         "possible_germline"),
        (status == "called_by_genotype", "no_read_counts"),
        (status == "below_lod", "below_lod"),
    ]
    if "variant_popfreq_status" in table:
        st = np.asarray(table["variant_popfreq_status"])
        pmax = np.asarray(table["variant_popfreq_max"], dtype=np.float64) if "variant_popfreq_max" in table \
            else np.full(n, np.nan)
        flags.append((np.broadcast_to((st == 2)[:, None], (n, s)), "in_population_database"))
        flags.append((np.broadcast_to((pmax >= float(germ["popfreq_min"]))[:, None], (n, s)),
                      "possible_germline_population_af"))
    out = np.full((n, s), "", dtype=object)
    for mask, name in flags:
        out = np.where(mask, np.where(out == "", name, out + ";" + name), out)
    return out


def _features(table: VariantTable, build: str | None, match_by: str) -> tuple[pd.DataFrame, np.ndarray]:
    """Feature rows of both routes and the mask of rows that carry a transcript annotation."""
    if match_by not in ("auto", "hgvs", "genomic"):
        raise InputError(f"match_by must be 'auto', 'hgvs' or 'genomic', not {match_by!r}")
    genes = kb_genes(load_kb("nsclc"))
    parts: list[pd.DataFrame] = []
    annotated = np.zeros(len(table), dtype=bool)
    if match_by in ("auto", "hgvs"):
        ann, annotated = annotation_features(table, genes)
        parts.append(ann)
    if build is not None and match_by != "hgvs":
        labels = contig_labels(table)
        rows = np.flatnonzero(~annotated) if match_by == "auto" else np.arange(len(table))
        if len(rows):
            parts.append(genomic_features(labels[rows], np.asarray(table["variant_position"])[rows],
                                          np.asarray(table["variant_ref"], dtype=object)[rows],
                                          np.asarray(table["variant_alt"], dtype=object)[rows],
                                          build=build, rows=rows))

        def info(name: str) -> np.ndarray | None:
            col = f"variant_info_{name}"
            return np.asarray(table[col], dtype=object) if col in table else None

        parts.append(fusion_features(
            contigs=labels, positions=np.asarray(table["variant_position"]),
            alts=np.asarray(table["variant_alt"], dtype=object), build=build,
            svtype=info("SVTYPE"), end=info("END"), chr2=info("CHR2")))
    parts = [p for p in parts if not p.empty]
    if not parts:
        return pd.DataFrame(columns=list(FEATURE_COLUMNS)), annotated
    return pd.concat(parts, ignore_index=True), annotated


def _somatic_build(table: VariantTable, build: str | None, match_by: str) -> str | None:
    """The build for coordinate matching; None only when every row is annotated (or match_by='hgvs')."""
    try:
        return resolve_build(table, build, needed_for="coordinate matching")
    except InputError:
        if build is not None:
            raise
    if match_by == "hgvs":
        return None
    annotated = annotation_features(table, kb_genes(load_kb("nsclc")))[1]
    if (~annotated).any():
        resolve_build(table, None, needed_for=f"matching {int((~annotated).sum())} unannotated rows and "
                      "structural variants by coordinates")
    return None


def _level(entry: dict[str, Any], group: str) -> tuple[str, str, list[str], str]:
    """(AMP level, ESCAT, therapies, note) of a biomarker for a tumour group."""
    rules = load_kb("nsclc")["level_rules"]
    if group == "NSCLC" or entry.get("tumour_agnostic"):
        return entry["amp_level"], entry["escat"], list(entry["therapies"]), ""
    own = entry.get("tumour_levels", {}).get(group)
    if own:
        return own["level"], own.get("escat", ""), list(own["therapies"]), own.get("note", "")
    return (rules["other_tumour_level"], rules["other_tumour_escat"] if entry["escat"] else "",
            list(entry["therapies"]),
            f"evidence is for NSCLC; level {rules['other_tumour_level']} in this tumour type")


def find_somatic(
    table: VariantTable,
    *,
    tumour_type: str | None = None,
    build: str | None = None,
    sample_type: str = "tissue",
    match_by: str = "auto",
    include_below_lod: bool = False,
    allele_depth_field: str | None = None,
    depth_field: str | None = None,
    error_rate: float | None = None,
    alpha: float | None = None,
    min_alt_reads: int | None = None,
    min_vaf: float | None = None,
) -> pd.DataFrame:
    """NSCLC knowledge-base biomarkers in a tumour or plasma table (contract B findings).

    See :func:`gmsvar.find_actionable` (``context="nsclc"``) for the parameters.
    """
    kb = load_kb("nsclc")
    group = tumour_group(tumour_type, default=kb["default_tumour_type"])
    p = _params(sample_type, {"error_rate": error_rate, "alpha": alpha, "min_alt_reads": min_alt_reads,
                              "min_vaf": min_vaf})
    b = _somatic_build(table, build, match_by)
    feats, _ = _features(table, b, match_by)
    notes = [] if b is not None else ["build unknown: every row is annotated; fusions were not assessed"]
    matches = match_rules(feats, kb)
    # per-call metrics only for the matched rows: a handful out of possibly millions
    need = np.unique(matches["row"].astype(np.int64).to_numpy()) if len(matches) else np.zeros(0, np.int64)
    sub = table.take(need)
    at = {int(r): k for k, r in enumerate(need)}
    m = call_metrics(sub, allele_depth_field=allele_depth_field, depth_field=depth_field)
    a = _assess(sub, m, p)
    genes = _variant_genes(sub, b)
    flags = _flags(sub, genes, m.vaf, a["status"])
    entries = {e["id"]: e for e in kb["biomarkers"]}
    labels = contig_labels(table)
    ids = (np.asarray(table["variant_id"], dtype=object) if "variant_id" in table
           else np.full(len(table), None, dtype=object))
    rows_out: list[dict[str, Any]] = []
    for mrow in matches.itertuples(index=False):  # one row per knowledge-base hit: few
        v = int(str(mrow.row))
        k = at[v]
        e = entries[str(mrow.biomarker_id)]
        level, escat, therapies, note = _level(e, group)
        tier = kb["level_rules"]["tier_by_level"][level]
        for j, sample in enumerate(table.samples):
            if not a["present"][k, j]:
                continue
            status = str(a["status"][k, j])
            if status == "below_lod" and not include_below_lod:
                continue
            fl = [x for x in (str(mrow.match_flags), str(flags[k, j]), *e.get("flags", [])) if x]
            if str(mrow.method) == "genomic":
                fl.append("matched_by_coordinates")
            rec = "; ".join(therapies) + (f". {note}" if note else "")
            if status == "below_lod":
                rec = (f"NOT CALLED - below the limit of detection ({m.alt[k, j]} alt reads / depth "
                       f"{m.depth[k, j]}); " + rec)
            biomarker = e["biomarker"] if str(mrow.method) != "fusion" else f"{e['biomarker']}: {mrow.detail}"
            rows_out.append({
                "sample": sample, "gene": mrow.gene, "variant_contig": labels[v],
                "variant_position": int(table["variant_position"][v]),
                "variant_ref": table["variant_ref"][v], "variant_alt": table["variant_alt"][v],
                "variant_id": ids[v], "transcript": mrow.transcript or "", "hgvsc": mrow.hgvsc or "",
                "hgvsp": mrow.hgvsp or "", "biomarker": biomarker, "biomarker_id": e["id"],
                "category": e["category"], "context": "nsclc", "tumour_type": tumour_type or group,
                "recommendation": rec, "evidence_level": level, "tier": tier if status != "below_lod" else "",
                "escat": escat, "zygosity": a["zygosity"][k, j], "genotype": a["genotype"][k, j],
                "vaf": float(m.vaf[k, j]), "depth": int(m.depth[k, j]), "alt_reads": int(m.alt[k, j]),
                "call_status": status, "classification": "",
                "flags": ";".join(dict.fromkeys(";".join(fl).split(";"))).strip(";"),
                "match_method": mrow.method, "build": b or "unknown", "kb_name": kb["kb_name"],
                "kb_version": kb["kb_version"], "kb_source": e["source"], "variant_index": v,
                "sample_type": sample_type, "p_error": float(a["p_error"][k, j]),
                "lod_vaf": float(a["lod_vaf"][k, j]), "fusion_partner": mrow.partner or "",
                "detail": mrow.detail or "",
            })
    out = findings_frame(rows_out, extra=("sample_type", "p_error", "lod_vaf", "fusion_partner", "detail"))
    out.attrs["provenance"] = kb_versions(SOMATIC_KBS)
    out.attrs["parameters"] = {"context": "nsclc", "tumour_type": tumour_type, "tumour_group": group,
                               "sample_type": sample_type, "build": b, "match_by": match_by,
                               "call_metrics": m.source, **p, "notes": notes}
    return out


def ctdna_calls(
    table: VariantTable,
    *,
    error_rate: float | None = None,
    alpha: float | None = None,
    min_alt_reads: int | None = None,
    power: float | None = None,
    sample_type: str = "ctdna",
    allele_depth_field: str | None = None,
    depth_field: str | None = None,
    build: str | None = None,
) -> pd.DataFrame:
    """Limit-of-detection assessment of every call with alt-read evidence (or a non-ref genotype).

    Returns
    -------
    DataFrame, one row per (allele row, sample) with ``alt_reads > 0`` or a
    non-reference genotype: ``variant_index``, ``sample``, ``contig``,
    ``position``, ``ref``, ``alt``, ``gene``, ``alt_reads``, ``depth``, ``vaf``,
    ``p_error`` (probability of at least this many alt reads from background
    error alone), ``lod_vaf`` (smallest VAF detectable at this depth with
    ``power``), ``call_status`` (``detected``, ``below_lod``,
    ``called_by_genotype``) and ``flags`` (CH, germline, population). ``attrs``
    hold the parameters used.
    """
    p = _params(sample_type, {"error_rate": error_rate, "alpha": alpha, "min_alt_reads": min_alt_reads,
                              "power": power})
    m = call_metrics(table, allele_depth_field=allele_depth_field, depth_field=depth_field)
    a = _assess(table, m, p)
    b = resolve_build(table, build, needed_for="gene lookup") if (build or table.meta.genome_build
                                                                  in ("GRCh37", "GRCh38")) else None
    genes = _variant_genes(table, b)
    flags = _flags(table, genes, m.vaf, a["status"])
    show = a["present"] | (m.alt > 0)
    vi, sj = np.nonzero(show)
    labels = contig_labels(table)
    out = pd.DataFrame({
        "variant_index": vi, "sample": np.asarray(table.samples, dtype=object)[sj] if len(sj) else [],
        "contig": labels[vi], "position": np.asarray(table["variant_position"])[vi],
        "ref": np.asarray(table["variant_ref"], dtype=object)[vi],
        "alt": np.asarray(table["variant_alt"], dtype=object)[vi], "gene": genes[vi],
        "alt_reads": m.alt[vi, sj], "depth": m.depth[vi, sj], "vaf": m.vaf[vi, sj],
        "p_error": a["p_error"][vi, sj], "lod_vaf": a["lod_vaf"][vi, sj],
        "call_status": np.where(a["status"][vi, sj] == "not_detected", "below_lod", a["status"][vi, sj]),
        "flags": flags[vi, sj],
    })
    out.attrs["provenance"] = kb_versions(["somatic", "genes"])
    out.attrs["parameters"] = {"sample_type": sample_type, "call_metrics": m.source, **p}
    return out


def somatic_tiers(
    table: VariantTable,
    *,
    tumour_type: str | None = None,
    build: str | None = None,
    sample_type: str = "tissue",
    match_by: str = "auto",
    allele_depth_field: str | None = None,
    depth_field: str | None = None,
    error_rate: float | None = None,
) -> pd.DataFrame:
    """AMP/ASCO/CAP tier of every carried somatic variant for a named tumour type.

    Tier I/II for knowledge-base biomarkers (level by tumour type), IV when the
    population frequency is at least ``tier_iv_popfreq_min`` (somatic.json), III
    otherwise (with ``recurrent_hotspot`` when the residue is a Cancer Hotspots
    residue of an NSCLC gene); calls below the limit of detection get tier
    ``"not called"``.

    Returns
    -------
    DataFrame, one row per (allele row, sample carrying it): ``variant_index``,
    ``sample``, ``gene``, ``variant_contig``, ``variant_position``, ``variant_ref``,
    ``variant_alt``, ``hgvsp``, ``tier``, ``evidence_level``, ``biomarker_id``,
    ``call_status``, ``vaf``, ``flags``.
    """
    found = find_somatic(table, tumour_type=tumour_type, build=build, sample_type=sample_type,
                         match_by=match_by, include_below_lod=True, allele_depth_field=allele_depth_field,
                         depth_field=depth_field, error_rate=error_rate)
    params = found.attrs["parameters"]
    kb = load_kb("nsclc")
    p = _params(sample_type, {"error_rate": error_rate})
    m = call_metrics(table, allele_depth_field=allele_depth_field, depth_field=depth_field)
    a = _assess(table, m, p)
    b = params["build"]
    genes = _variant_genes(table, b)
    flags = _flags(table, genes, m.vaf, a["status"])
    feats, _ = _features(table, b, match_by)
    codon = np.full(len(table), -1, dtype=np.int64)
    hp = np.full(len(table), "", dtype=object)
    if not feats.empty:
        first = feats.drop_duplicates("row")
        at = first["row"].astype(np.int64).to_numpy()
        codon[at] = first["codon_start"].astype(np.int64).to_numpy()
        hp[at] = first["hgvsp"].fillna("").astype(str).to_numpy()
    hot = kb["hotspot_residues"]
    is_hot = np.array([int(c) in hot.get(str(g), []) for g, c in zip(genes, codon, strict=True)])
    cut = float(load_kb("somatic")["tiering"]["tier_iv_popfreq_min"])
    pmax = (np.asarray(table["variant_popfreq_max"], dtype=np.float64) if "variant_popfreq_max" in table
            else np.full(len(table), np.nan))
    vi, sj = np.nonzero(a["present"])
    labels = contig_labels(table)
    tier = np.where(pmax[vi] >= cut, "IV", "III").astype(object)
    out = pd.DataFrame({
        "variant_index": vi, "sample": np.asarray(table.samples, dtype=object)[sj] if len(sj) else [],
        "gene": genes[vi], "variant_contig": labels[vi],
        "variant_position": np.asarray(table["variant_position"])[vi],
        "variant_ref": np.asarray(table["variant_ref"], dtype=object)[vi],
        "variant_alt": np.asarray(table["variant_alt"], dtype=object)[vi], "hgvsp": hp[vi],
        "tier": tier, "evidence_level": "", "biomarker_id": "", "call_status": a["status"][vi, sj],
        "vaf": m.vaf[vi, sj], "flags": flags[vi, sj],
    })
    if not found.empty:
        hit = found[["variant_index", "sample", "tier", "evidence_level", "biomarker_id"]].drop_duplicates(
            ["variant_index", "sample"])
        merged = out[["variant_index", "sample"]].merge(hit, how="left", on=["variant_index", "sample"])
        kb_hit = merged["biomarker_id"].notna().to_numpy()
        out.loc[kb_hit, "tier"] = merged.loc[kb_hit, "tier"].to_numpy()
        out.loc[kb_hit, "evidence_level"] = merged.loc[kb_hit, "evidence_level"].to_numpy()
        out.loc[kb_hit, "biomarker_id"] = merged.loc[kb_hit, "biomarker_id"].to_numpy()
    hot_iii = is_hot[vi] & (out["tier"] == "III").to_numpy()
    out["flags"] = np.where(hot_iii, np.where(out["flags"] == "", "recurrent_hotspot",
                                              "recurrent_hotspot;" + out["flags"].astype(str)), out["flags"])
    out.loc[out["call_status"] == "below_lod", "tier"] = "not called"
    out.attrs["provenance"] = found.attrs["provenance"]
    out.attrs["parameters"] = params
    return out
