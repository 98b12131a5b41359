"""Per-allele facts the criteria need, pulled out of a :class:`~gmsvar.table.VariantTable` once.

Everything here is a plain numpy array of length ``n`` (allele rows): consequence masks of the
chosen transcript, gene, HGVS, population frequency and allele numbers, in-silico scores and the
row's position on the gene's MANE exon structure.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..table import VariantTable
from .knowledge import ExonLocation, load_exons, normalise_chrom

__all__ = ["Facts", "extract_facts"]


@dataclass
class Facts:
    """Arrays describing each allele row (see module docstring)."""

    n: int
    contig: np.ndarray
    chrom: np.ndarray
    pos: np.ndarray
    ref: np.ndarray
    alt: np.ndarray
    vid: np.ndarray
    key: np.ndarray
    gene: np.ndarray
    transcript: np.ndarray
    hgvsc: np.ndarray
    hgvsp: np.ndarray
    consequence: np.ndarray  # most severe term of the chosen transcript
    terms: np.ndarray  # all '&'-joined terms of the chosen transcript
    input_exon: np.ndarray  # EXON "n/total" of the chosen transcript
    symbolic: np.ndarray
    annotated: np.ndarray
    af_max: np.ndarray
    af_status: np.ndarray
    af_global_only: np.ndarray  # no group maximum: the global AF stands in (flagged)
    an: np.ndarray  # NaN where no AN field
    nhomalt: np.ndarray
    nhemi: np.ndarray
    scores: dict[str, np.ndarray] = field(default_factory=dict)
    score_fields: dict[str, str] = field(default_factory=dict)
    build: str = "unknown"
    build_evidence: str = ""
    loc: ExonLocation | None = None
    popfreq_source: str = ""

    _term_codes: np.ndarray | None = None
    _term_sets: list[frozenset[str]] | None = None

    def has(self, term: str) -> np.ndarray:
        """Rows whose chosen-transcript terms include ``term`` (factorised: few distinct values)."""
        if self._term_codes is None:
            self._term_codes, self._term_sets = _factor_terms(self.terms)
        assert self._term_sets is not None
        lut = np.array([term in s for s in self._term_sets] + [False], dtype=bool)
        return np.asarray(lut[self._term_codes], dtype=bool)


def _factor_terms(values: np.ndarray) -> tuple[np.ndarray, list[frozenset[str]]]:
    codes, uniq = pd.factorize(pd.Series(values, dtype=object), use_na_sentinel=True)
    sets = [frozenset(str(u).split("&")) for u in uniq]
    return np.where(codes < 0, len(sets), codes), sets


def _contains(values: np.ndarray, term: str) -> np.ndarray:
    codes, sets = _factor_terms(values)
    lut = np.array([term in s for s in sets] + [False], dtype=bool)
    return np.asarray(lut[codes], dtype=bool)


def _chosen_rows(t: VariantTable) -> np.ndarray:
    """Index of the chosen transcript's annotation row per allele row (-1 if none)."""
    n = len(t)
    out = np.full(n, -1, dtype=np.int64)
    if "annotation_variant" not in t or t.n_annotations == 0:
        return out
    av = t["annotation_variant"]
    vt = t["variant_transcript"] if "variant_transcript" in t else np.full(n, None, dtype=object)
    at = t["annotation_transcript"] if "annotation_transcript" in t else np.full(len(av), None, dtype=object)
    match = np.asarray(at == vt[av], dtype=bool)
    rows = np.flatnonzero(match)
    if len(rows):
        u, first = np.unique(av[rows], return_index=True)
        out[u] = rows[first]
    # rows without a transcript id: first annotation entry of the allele
    missing = out < 0
    if missing.any():
        u, first = np.unique(av, return_index=True)
        fill = np.full(n, -1, dtype=np.int64)
        fill[u] = first
        out = np.where(missing, fill, out)
    return out


def _field_any(t: VariantTable, col: str, chosen: np.ndarray) -> np.ndarray:
    """A per-transcript sub-field for each allele: chosen row, else the first non-empty of the allele."""
    n = len(t)
    vals = t[col]
    out = np.full(n, None, dtype=object)
    has = chosen >= 0
    out[has] = vals[chosen[has]]
    empty = pd.isna(pd.Series(out, dtype=object)).to_numpy()
    if empty.any():
        av = t["annotation_variant"]
        nn = np.flatnonzero(~pd.isna(pd.Series(vals, dtype=object)).to_numpy())
        if len(nn):
            u, first = np.unique(av[nn], return_index=True)
            fill = np.full(n, None, dtype=object)
            fill[u] = vals[nn[first]]
            out = np.where(empty, fill, out)
    return out


def _to_float(values: np.ndarray) -> np.ndarray:
    """Numbers from strings such as '0.5', '0.5&0.7' (largest), '.', None -> NaN."""
    s = pd.Series(values, dtype=object)
    if s.map(lambda v: isinstance(v, str) and "&" in v).any():
        s = s.map(
            lambda v: (
                max((float(x) for x in v.split("&") if x not in ("", ".")), default=np.nan)
                if isinstance(v, str)
                else v
            )
        )
    return pd.to_numeric(s, errors="coerce").to_numpy(dtype=np.float64)


def _find(t: VariantTable, names: list[str]) -> str | None:
    for name in names:
        for col in (f"annotation_field_{name}", f"variant_info_{name}"):
            if col in t:
                return col
    return None


def _column_values(t: VariantTable, col: str, chosen: np.ndarray) -> np.ndarray:
    if col.startswith("annotation_"):
        return _to_float(_field_any(t, col, chosen))
    v = t[col]
    if v.ndim > 1:
        v = v[:, -1]
    return _to_float(v.astype(object) if v.dtype != object else v)


def _spliceai(t: VariantTable, chosen: np.ndarray, cfg: Mapping[str, Any]) -> tuple[np.ndarray, str]:
    n = len(t)
    cols = [c for c in (_find(t, [f]) for f in cfg.get("max_fields", [])) if c]
    if cols:
        return _column_values(t, cols[0], chosen), cols[0]
    deltas = [d for d in (_find(t, [f]) for f in cfg.get("delta_fields", [])) if d is not None]
    if deltas:
        arr = np.vstack([_column_values(t, d, chosen) for d in deltas])
        with np.errstate(all="ignore"):
            allnan = np.all(np.isnan(arr), axis=0)
            mx = np.where(allnan, np.nan, np.nanmax(np.where(np.isnan(arr), -1.0, arr), axis=0))
        return mx, ",".join(deltas)
    comb = [c for c in (_find(t, [f]) for f in cfg.get("combined_fields", [])) if c]
    if comb:
        raw = _field_any(t, comb[0], chosen) if comb[0].startswith("annotation_") else t[comb[0]]
        s = pd.Series(raw, dtype=object).astype("string")
        parts = s.str.split("|", expand=True)
        if parts.shape[1] >= 6:
            ds = parts.iloc[:, 2:6].apply(pd.to_numeric, errors="coerce")
            return ds.max(axis=1, skipna=True).to_numpy(dtype=np.float64), comb[0]
    return np.full(n, np.nan), ""


_AN = re.compile(r"(?i)(?:^|_)AN(?:$|_)")
_HOM = re.compile(r"(?i)nhomalt|(?:^|_)hom(?:$|_)")
_HEMI = re.compile(r"(?i)hemi")


def _count_field(t: VariantTable, pattern: re.Pattern[str], chosen: np.ndarray) -> tuple[np.ndarray, str]:
    cands = [
        c
        for c in t.names
        if (c.startswith("variant_info_") or c.startswith("annotation_field_"))
        and pattern.search(
            c.split("_", 2)[-1] if c.startswith("variant_info_") else c.removeprefix("annotation_field_")
        )
    ]
    # population databases only: a VCF's own INFO/AN, AC, ... describe the call set, not the population
    cands = [c for c in cands if "gnomad" in c.lower() or "exac" in c.lower()]
    if not cands:
        return np.full(len(t), np.nan), ""
    arr = np.vstack([_column_values(t, c, chosen) for c in cands])
    with np.errstate(all="ignore"):
        allnan = np.all(np.isnan(arr), axis=0)
        mx = np.where(allnan, np.nan, np.nanmax(np.where(np.isnan(arr), -np.inf, arr), axis=0))
    return mx, ",".join(cands)


def _infer_build(
    t: VariantTable, gene: np.ndarray, chrom: np.ndarray, pos: np.ndarray, coding: np.ndarray
) -> tuple[str, str]:
    build = t.meta.genome_build
    if build in ("GRCh38", "GRCh37"):
        return build, f"table metadata ({t.meta.build_evidence})"
    sel = np.flatnonzero(coding)[:5000]
    if len(sel) < 20:
        return "unknown", "build not declared and too few coding variants to infer it"
    fits = {}
    for b in ("GRCh38", "GRCh37"):
        loc = load_exons(b).locate(gene[sel], chrom[sel], pos[sel], normalised=True)
        fits[b] = float(np.mean(loc.in_cds[loc.found])) if loc.found.any() else 0.0
    best = max(fits, key=lambda k: fits[k])
    other = min(fits, key=lambda k: fits[k])
    if fits[best] >= 0.9 and fits[other] <= 0.5:
        return (
            best,
            f"inferred: {fits[best]:.0%} of coding variants fall in {best} MANE CDS vs {fits[other]:.0%}",
        )
    return "unknown", f"build not declared; exon concordance inconclusive ({fits})"


def extract_facts(t: VariantTable, insilico_cfg: Mapping[str, Any]) -> Facts:
    """Collect the arrays the criteria need (see :class:`Facts`)."""
    n = len(t)
    if "variant_contig" in t.categories:
        codes = np.asarray(t["variant_contig"])
        none = np.array([None], dtype=object)
        cats = np.concatenate([np.asarray(t.categories["variant_contig"], dtype=object), none])
        contig = cats[np.where(codes < 0, len(cats) - 1, codes)]
        norm = np.concatenate([normalise_chrom(cats[:-1]), none]) if len(cats) > 1 else cats
        chrom = norm[np.where(codes < 0, len(cats) - 1, codes)]
    else:
        contig = np.asarray(t["variant_contig"], dtype=object).astype(str).astype(object)
        chrom = normalise_chrom(contig) if n else np.zeros(0, dtype=object)
    pos = np.asarray(t["variant_position"], dtype=np.int64)
    ref = np.asarray(t["variant_ref"], dtype=object)
    alt = np.asarray(t["variant_alt"], dtype=object)
    vid = t["variant_id"] if "variant_id" in t else np.full(n, None, dtype=object)
    key = np.array(
        [
            f"{c}-{p}-{r}-{a}"
            for c, p, r, a in zip(chrom.tolist(), pos.tolist(), ref.tolist(), alt.tolist(), strict=True)
        ],
        dtype=object,
    )
    symbolic = np.fromiter(
        (a[:1] == "<" or "[" in a or "]" in a or a in ("*", ".") for a in map(str, alt)), dtype=bool, count=n
    )

    def cat(name: str) -> np.ndarray:
        if name in t and name in t.categories:
            return t.decode(name)
        if name in t:
            return np.asarray(t[name], dtype=object)
        return np.full(n, None, dtype=object)

    gene = cat("variant_gene")
    consequence = cat("variant_consequence")
    transcript = cat("variant_transcript")
    hgvsc = cat("variant_hgvsc")
    hgvsp = cat("variant_hgvsp")
    input_exon = cat("variant_exon")
    chosen = _chosen_rows(t)
    if "annotation_consequence" in t and t.n_annotations:
        ac = t["annotation_consequence"]
        terms = np.asarray(ac[np.clip(chosen, 0, None)], dtype=object).copy()
        terms[chosen < 0] = None
        terms = np.where(pd.isna(pd.Series(terms, dtype=object)).to_numpy(), consequence, terms)
    else:
        terms = consequence.copy()
    annotated = ~pd.isna(pd.Series(consequence, dtype=object)).to_numpy()
    af_max = (
        np.asarray(t["variant_popfreq_max"], dtype=np.float64)
        if "variant_popfreq_max" in t
        else np.full(n, np.nan)
    )
    af_status = (
        np.asarray(t["variant_popfreq_status"], dtype=np.int8)
        if "variant_popfreq_status" in t
        else np.zeros(n, dtype=np.int8)
    )
    if "variant_popfreq_af" in t:
        # no max field in the file: the global AF is the only frequency (recorded in provenance)
        af = np.asarray(t["variant_popfreq_af"], dtype=np.float64)
        global_only = np.isnan(af_max) & ~np.isnan(af) & (af > 0)
        af_max = np.where(np.isnan(af_max), af, af_max)
    else:
        global_only = np.zeros(n, dtype=bool)
    prov = t.meta.provenance.get("popfreq", {}) if isinstance(t.meta.provenance, dict) else {}
    an, _ = _count_field(t, _AN, chosen)
    nhom, _ = _count_field(t, _HOM, chosen)
    nhemi, _ = _count_field(t, _HEMI, chosen)
    scores: dict[str, np.ndarray] = {}
    score_fields: dict[str, str] = {}
    for tool, cfg in insilico_cfg.get("tools", {}).items():
        col = _find(t, list(cfg.get("fields", [])))
        if col:
            scores[tool] = _column_values(t, col, chosen)
            score_fields[tool] = col
    sai, sai_col = _spliceai(t, chosen, insilico_cfg.get("spliceai", {}))
    scores["SpliceAI"] = sai
    if sai_col:
        score_fields["SpliceAI"] = sai_col
    coding = (
        _contains(terms, "missense_variant")
        | _contains(terms, "synonymous_variant")
        | _contains(terms, "stop_gained")
    )
    build, evidence = _infer_build(t, gene, chrom, pos, coding)
    facts = Facts(
        n=n,
        contig=contig,
        chrom=chrom,
        pos=pos,
        ref=ref,
        alt=alt,
        vid=vid,
        key=key,
        gene=gene,
        transcript=transcript,
        hgvsc=hgvsc,
        hgvsp=hgvsp,
        consequence=consequence,
        terms=terms,
        input_exon=input_exon,
        symbolic=symbolic,
        annotated=annotated,
        af_max=af_max,
        af_status=af_status,
        af_global_only=global_only,
        an=an,
        nhomalt=nhom,
        nhemi=nhemi,
        scores=scores,
        score_fields=score_fields,
        build=build,
        build_evidence=evidence,
        popfreq_source=str(prov.get("description", prov)) if prov else "",
    )
    if build in ("GRCh38", "GRCh37") and n:
        # first affected base: VCF indels carry an anchor base
        rl = np.fromiter(map(len, ref), dtype=np.int64, count=n)
        al = np.fromiter(map(len, alt), dtype=np.int64, count=n)
        anchored = np.asarray((rl != al) & (ref.astype("U1") == alt.astype("U1")), dtype=bool)
        facts.loc = load_exons(build).locate(gene, chrom, pos + anchored.astype(np.int64), normalised=True)
    return facts
