"""Germline actionable findings: Lynch syndrome, familial hypercholesterolaemia, inherited cardiac conditions.

Findings are pathogenic/likely pathogenic classifications (contract A, from
:func:`gmsvar.classify` or passed as ``classified=``) in the green genes of the
context's knowledge base, interpreted with the gene's mode of inheritance:

* monoallelic genes: every carried P/LP allele is a finding; two in an MMR gene
  add the CMMRD (biallelic) recommendation;
* biallelic genes (LDLRAP1, CASQ2, TRDN, ...): homozygous or two different P/LP
  alleles (phase unknown: flagged) are a finding; a single allele is reported as
  a carrier (not diagnostic);
* X-linked genes: hemizygous calls are findings; heterozygous calls follow the
  PanelApp wording (females may be affected, or carrier).

Lynch specifics: EPCAM single-nucleotide and small variants are not reported
(not a Lynch mechanism) - an EPCAM **3' deletion** (symbolic ``<DEL>``/``<CN0>``/
``<CN1>``, ``SVTYPE=DEL`` or a sequence deletion of at least ``min_length_bp``
overlapping the EPCAM 3'UTR/transcript end) is; PMS2 variants in the PMS2CL
pseudogene-homologous region get ``pms2_pseudogene_region`` and
``needs_orthogonal_confirmation``.
"""

from __future__ import annotations

import importlib
from typing import Any

import numpy as np
import pandas as pd

from ..errors import InputError
from ..table import INT_MISSING, VariantTable
from ._common import (
    CallMetrics,
    GenotypeText,
    call_metrics,
    canonical_contigs,
    contig_labels,
    findings_frame,
    resolve_build,
    zygosity_labels,
)
from .hgvs import c_key, parse_hgvsc
from .kb import kb_table, kb_versions, load_kb

__all__ = ["CLASSIFIED_COLUMNS", "classify_lazily", "find_germline"]


def _text(x: Any) -> str:
    return x if isinstance(x, str) else ""

#: Columns of contract A that this module reads.
CLASSIFIED_COLUMNS = ("variant_index", "gene", "transcript", "hgvsc", "hgvsp", "consequence",
                      "classification", "criteria", "flags")
_CLASSES = {"Pathogenic", "Likely pathogenic", "Uncertain significance", "Likely benign", "Benign",
            "Not classified"}


def classify_lazily(table: VariantTable) -> pd.DataFrame:
    """``gmsvar.classify.classify(table)``, imported only when a germline context needs it."""
    try:
        mod = importlib.import_module("gmsvar.classify")
    except ImportError as err:
        raise InputError(
            "germline contexts need ACMG/ACGS classifications: pass classified= (the DataFrame of "
            "gmsvar.classify) or install a gmsvar with gmsvar.classify"
        ) from err
    fn = getattr(mod, "classify", None)
    if fn is None or not callable(fn):
        raise InputError("gmsvar.classify has no classify() function")
    out = fn(table)
    if not isinstance(out, pd.DataFrame):
        raise InputError(f"gmsvar.classify.classify returned {type(out).__name__}, not a DataFrame")
    return out


def _check_classified(classified: pd.DataFrame, table: VariantTable) -> pd.DataFrame:
    missing = [c for c in CLASSIFIED_COLUMNS if c not in classified.columns]
    if missing:
        raise InputError(f"classified lacks columns {missing}; it must follow gmsvar.classify's contract")
    bad = sorted(set(classified["classification"].dropna().astype(str)) - _CLASSES)
    if bad:
        raise InputError(f"classified has unknown classification values {bad}; expected {sorted(_CLASSES)}")
    vi = classified["variant_index"].astype(np.int64)
    if len(vi) and (vi.min() < 0 or vi.max() >= len(table)):
        raise InputError(
            "classified.variant_index points outside the table: classify this table, not another"
        )
    return classified.assign(variant_index=vi)


def _coordinate_genes(
    table: VariantTable, rows: np.ndarray, build: str | None, genes: set[str]
) -> np.ndarray:
    out = np.full(len(rows), "", dtype=object)
    if build is None or not len(rows):
        return out
    spans = kb_table("genes")
    spans = spans[spans["symbol"].isin(list(genes))]
    key = "grch38" if build == "GRCh38" else "grch37"
    canon = canonical_contigs(contig_labels(table))[rows]
    pos = np.asarray(table["variant_position"], dtype=np.int64)[rows]
    cols = (spans["symbol"], spans[f"{key}_chrom"], spans[f"{key}_start"], spans[f"{key}_end"])
    for sym, c, s, e in zip(*cols, strict=True):
        hit = (out == "") & (canon == c) & (pos >= int(s)) & (pos <= int(e))
        out[hit] = sym
    return out


def _mane(gene: str) -> str:
    """MANE Select RefSeq of a knowledge-base gene (genes.tsv), or ''."""
    spans = kb_table("genes")
    hit = spans.loc[spans["symbol"] == gene, "refseq"]
    return str(hit.iloc[0]) if len(hit) else ""


def _pms2_flags(hgvsc: pd.Series, region: dict[str, Any]) -> np.ndarray:
    c = parse_hgvsc(hgvsc.fillna("").astype(str))
    lo, hi = c_key(int(region["c_start"]), -50), c_key(int(region["c_end"]), 50)
    known = (c["c_kind"] != "none").to_numpy()
    inside = known & (c["c_end_key"].to_numpy() >= lo) & (c["c_start_key"].to_numpy() <= hi)
    return np.where(inside, ";".join(region["flags"]),
                    np.where(known, "", "pms2_position_unknown_check_pseudogene"))


def _epcam_deletions(table: VariantTable, build: str, rule: dict[str, Any]) -> pd.DataFrame:
    """Rows that are deletions overlapping the EPCAM 3' end, with their span."""
    spans = kb_table("genes")
    key = "grch38" if build == "GRCh38" else "grch37"
    e = spans[spans["symbol"] == "EPCAM"].iloc[0]
    r_lo, r_hi = int(str(e[f"{key}_utr3_start"])), int(str(e[f"{key}_end"]))
    chrom = str(e[f"{key}_chrom"])
    n = len(table)
    alts = pd.Series(np.asarray(table["variant_alt"], dtype=object)).astype(str)
    refs = pd.Series(np.asarray(table["variant_ref"], dtype=object)).astype(str)
    pos = np.asarray(table["variant_position"], dtype=np.int64)
    symbolic_del = np.array(alts.str.match(r"^<(DEL|CN0|CN1)(:[^>]*)?>$").to_numpy(), dtype=bool)
    if "variant_info_SVTYPE" in table:
        st = pd.Series(np.asarray(table["variant_info_SVTYPE"], dtype=object)).astype(str)
        symbolic_del |= (st == "DEL").to_numpy() & alts.str.startswith("<").to_numpy()
    end = np.full(n, -1, dtype=np.int64)
    if "variant_info_END" in table:
        ie = np.asarray(table["variant_info_END"], dtype=np.int64)
        end = np.where(ie != INT_MISSING, ie, -1)
    if "variant_info_SVLEN" in table:
        sv = np.asarray(table["variant_info_SVLEN"])
        sv = np.asarray([abs(int(np.ravel(x)[0])) if np.size(x) and int(np.ravel(x)[0]) != INT_MISSING else -1
                         for x in sv], dtype=np.int64) if sv.dtype == object else np.where(
            sv != INT_MISSING, np.abs(sv.astype(np.int64)), -1)
        end = np.where((end < 0) & (sv > 0), pos + sv, end)
    seq_len = refs.str.len().to_numpy() - alts.str.len().to_numpy()
    seq_del = ~alts.str.startswith("<").to_numpy() & (seq_len >= int(rule["min_length_bp"]))
    end = np.where(seq_del, pos + refs.str.len().to_numpy() - 1, end)
    length = np.where(symbolic_del, end - pos, seq_len)
    canon = canonical_contigs(contig_labels(table))
    is_del = (symbolic_del & (end > pos)) | seq_del
    overlaps = (canon == chrom) & (pos + 1 <= r_hi) & (end >= r_lo)
    hit = is_del & overlaps & (length >= int(rule["min_length_bp"]))
    idx = np.flatnonzero(hit)
    return pd.DataFrame({"row": idx, "start": pos[idx] + 1, "end": end[idx], "length": length[idx]})


def _finding_row(c: dict[str, Any], kb: dict[str, Any], context: str, sample_origin: str, copies: list[int],
                 table: VariantTable, labels: np.ndarray, ids: np.ndarray, gts: GenotypeText, m: CallMetrics,
                 build: str | None) -> dict[str, Any]:
    """One findings row for a carried P/LP allele, with inheritance-aware recommendation."""
    g, v, j = str(c["gene"]), int(c["v"]), int(c["j"])
    info = kb["genes"][g]
    inh = str(info["inheritance"])
    total, n_alleles = sum(copies), len(copies)
    flags = list(c["flags"])
    fmt = {"gene": g, "colonoscopy": info.get("colonoscopy", ""),
           "conditions": ", ".join(info.get("conditions", [])) or kb["description"]}
    if inh == "biallelic" or (inh == "x_linked" and c["zyg"] != "hemi"):
        kind = "biallelic" if total >= 2 else "carrier"
    elif inh == "x_linked_females_affected" and c["zyg"] == "het":
        kind = "x_linked_female"
    else:
        kind = "biallelic" if (context == "lynch" and total >= 2) else "monoallelic"
    if kind == "carrier":
        flags.append("carrier_only_not_diagnostic")
    if kind == "biallelic" and n_alleles >= 2:
        flags.append("phase_unknown")
    rec_t = kb["recommendation"]
    if sample_origin == "tumour" and "tumour_only" in rec_t:
        text = rec_t["tumour_only"].format(**fmt)
        flags.append("tumour_only_possible_germline")
    else:
        text = (rec_t.get(kind) or rec_t["monoallelic"]).format(**fmt)
    flag_text = ";".join(dict.fromkeys(";".join(flags).split(";"))).strip(";")
    if g == "PMS2" and "pms2_pseudogene_region" in flag_text:
        text += " " + info["pseudogene_region"]["caveat"]
    if c["method"] == "structural_rule":
        biomarker = str(info.get("three_prime_deletion", {}).get("biomarker", ""))
    else:
        strength = "pathogenic" if c["classification"] == "Pathogenic" else "likely pathogenic"
        biomarker = f"{g} {strength} variant ({kind.replace('_', ' ')})"
    return {
        "sample": c["sample"], "gene": g, "variant_contig": labels[v],
        "variant_position": int(table["variant_position"][v]), "variant_ref": table["variant_ref"][v],
        "variant_alt": table["variant_alt"][v], "variant_id": ids[v],
        "transcript": c["transcript"] or info.get("transcript") or _mane(g), "hgvsc": c["hgvsc"],
        "hgvsp": c["hgvsp"],
        "biomarker": biomarker, "biomarker_id": f"{context.upper()}_{g}_{kind.upper()}",
        "category": context, "context": context, "tumour_type": "", "recommendation": text,
        "evidence_level": kb["evidence_level"], "tier": "germline P/LP", "escat": "", "zygosity": c["zyg"],
        "genotype": gts[v, j], "vaf": float(m.vaf[v, j]), "depth": int(m.depth[v, j]),
        "alt_reads": int(m.alt[v, j]), "call_status": "called", "classification": c["classification"],
        "flags": flag_text, "match_method": c["method"], "build": build or "unknown",
        "kb_name": kb["kb_name"],
        "kb_version": kb["kb_version"], "kb_source": info.get("source", ""), "variant_index": v,
        "criteria": c["criteria"], "inheritance": inh, "finding_kind": kind,
    }


def find_germline(
    table: VariantTable,
    *,
    context: str,
    classified: pd.DataFrame | None = None,
    build: str | None = None,
    sample_origin: str = "germline",
) -> pd.DataFrame:
    """Germline findings for ``context`` in ``lynch``, ``fh``, ``cardiac`` (contract B).

    See :func:`gmsvar.find_actionable` for the parameters.
    """
    if sample_origin not in ("germline", "tumour"):
        raise InputError(f"sample_origin must be 'germline' or 'tumour', not {sample_origin!r}")
    kb = load_kb(context)
    cls = classify_lazily(table) if classified is None else classified
    cls = _check_classified(cls, table).reset_index(drop=True)
    try:
        b: str | None = resolve_build(table, build, needed_for="gene lookup by coordinates")
    except InputError:
        if build is not None:
            raise
        b = None
    genes_kb: dict[str, Any] = kb["genes"]
    gene = cls["gene"].astype(object).where(cls["gene"].notna(), "").astype(str).to_numpy()
    gene_flag = np.full(len(cls), "", dtype=object)
    need = gene == ""
    if need.any():
        coord = _coordinate_genes(table, cls["variant_index"].to_numpy()[need], b, set(genes_kb))
        gene[need] = coord
        gene_flag[need] = np.where(coord != "", "gene_from_coordinates", "")
    cls = cls.assign(gene=gene, _gene_flag=gene_flag)
    actionable = cls["classification"].isin(kb["actionable_classes"]).to_numpy()
    in_kb = cls["gene"].isin(list(genes_kb)).to_numpy()
    notes: list[str] = []
    keep = actionable & in_kb
    if context == "lynch":
        epcam_small = keep & (cls["gene"] == "EPCAM").to_numpy()
        if epcam_small.any():
            notes.append(f"{int(epcam_small.sum())} EPCAM small-variant P/LP row(s) not reported: "
                         + genes_kb["EPCAM"]["small_variant_note"])
        keep &= ~epcam_small
    hits = cls[keep].copy()
    zyg, non_ref, gts = zygosity_labels(table)
    m = call_metrics(table)
    labels = contig_labels(table)
    ids = (np.asarray(table["variant_id"], dtype=object) if "variant_id" in table
           else np.full(len(table), None, dtype=object))
    pms2 = np.full(len(hits), "", dtype=object)
    if context == "lynch" and len(hits):
        is_pms2 = (hits["gene"] == "PMS2").to_numpy()
        if is_pms2.any():
            pms2[is_pms2] = _pms2_flags(hits["hgvsc"][is_pms2], genes_kb["PMS2"]["pseudogene_region"])
    hits["_pms2"] = pms2
    calls: list[dict[str, Any]] = []
    for h in hits.to_dict("records"):  # P/LP rows in knowledge-base genes: few
        v = int(h["variant_index"])
        own_flags = [str(x) for x in (h["flags"], h["_gene_flag"], h["_pms2"]) if isinstance(x, str) and x]
        for j, sample in enumerate(table.samples):
            if non_ref[v, j]:
                calls.append({"v": v, "j": j, "sample": sample, "gene": str(h["gene"]), "zyg": str(zyg[v, j]),
                              "copies": 2 if zyg[v, j] == "hom" else 1, "method": "classification",
                              "classification": str(h["classification"]), "criteria": _text(h["criteria"]),
                              "flags": own_flags, "transcript": _text(h["transcript"]),
                              "hgvsc": _text(h["hgvsc"]), "hgvsp": _text(h["hgvsp"])})
    if context == "lynch" and b is not None:
        rule = genes_kb["EPCAM"]["three_prime_deletion"]
        for d in _epcam_deletions(table, b, rule).to_dict("records"):
            v = int(d["row"])
            for j, sample in enumerate(table.samples):
                if non_ref[v, j] or "call_genotype" not in table:
                    calls.append({
                        "v": v, "j": j, "sample": sample, "gene": "EPCAM", "zyg": str(zyg[v, j]), "copies": 1,
                        "method": "structural_rule", "classification": "Pathogenic", "criteria": "",
                        "flags": ["kb_rule_epcam_3prime_deletion", *rule["flags"]],
                        "transcript": genes_kb["EPCAM"]["transcript"], "hgvsp": "",
                        "hgvsc": f"deletion {labels[v]}:{d['start']}-{d['end']} ({d['length']} bp)"})
    elif context == "lynch":
        notes.append("build unknown: EPCAM 3' deletions were not assessed")
    per_gene: dict[tuple[str, str], list[int]] = {}
    for c in calls:
        per_gene.setdefault((c["sample"], c["gene"]), []).append(int(c["copies"]))
    rows = [_finding_row(c, kb, context, sample_origin, per_gene[(c["sample"], c["gene"])], table, labels,
                         ids, gts, m, b) for c in calls]
    out = findings_frame(rows, extra=("criteria", "inheritance", "finding_kind"))
    prov = kb_versions([context, "genes"])
    if "spec" in cls.columns and "spec_version" in cls.columns and len(cls):
        prov[f"classification-{cls['spec'].iloc[0]}"] = str(cls["spec_version"].iloc[0])
    out.attrs["provenance"] = prov
    out.attrs["parameters"] = {"context": context, "build": b, "sample_origin": sample_origin,
                               "classified": "given" if classified is not None else "gmsvar.classify",
                               "notes": notes}
    return out
