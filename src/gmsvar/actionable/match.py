"""Vectorised matching of allele rows against knowledge-base biomarker rules.

Two routes produce the same feature columns (:data:`~gmsvar.actionable.genomic.FEATURE_COLUMNS`):

* **HGVS** (:func:`annotation_features`): gene, transcript, HGVS c./p., exon and
  consequence of the annotation entry on the knowledge base's MANE transcript
  when the VCF has one (else the reader's chosen transcript, flagged), HGVS
  strings parsed once per column (:mod:`gmsvar.actionable.hgvs`);
* **genomic** (:func:`gmsvar.actionable.genomic.genomic_features`): for rows
  without annotation, from CHROM/POS/REF/ALT on GRCh38 or GRCh37.

:func:`match_rules` then evaluates each rule of the knowledge base as boolean
masks over all feature rows at once (gene, specific protein change, any missense
at a codon, consequence class, net residue change, exon or codon range, c.
windows around splice sites, inserted residues) and keeps the highest-priority
rule per (row, group).

Examples
--------
>>> import pandas as pd
>>> from gmsvar.actionable.match import features_from_strings, match_rules
>>> f = features_from_strings(genes=["EGFR", "EGFR", "MET"],
...                           hgvsp=["p.Glu746_Ala750del", "p.(Leu858Arg)", None],
...                           hgvsc=["c.2235_2249del", "c.2573T>G", "c.3028+1G>T"])
>>> match_rules(f)[["row", "biomarker_id"]].values.tolist()
[[0, 'EGFR_EX19DEL'], [1, 'EGFR_L858R'], [2, 'MET_EX14_SPLICE']]
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd

from ..table import VariantTable
from .genomic import FEATURE_COLUMNS
from .hgvs import parse_c_position, parse_hgvsc, parse_hgvsp
from .kb import kb_table, load_kb

__all__ = ["annotation_features", "features_from_strings", "kb_genes", "match_rules"]

_PROTEIN = re.compile(r"^([A-Z*])(\d+)([A-Z*])$")


def kb_genes(kb: dict[str, Any]) -> dict[str, str]:
    """Gene -> MANE transcript (version-less ENST) of the knowledge base's biomarkers."""
    if kb is load_kb("nsclc"):
        return dict(_nsclc_genes())
    return _kb_genes(kb)


@lru_cache(maxsize=1)
def _nsclc_genes() -> tuple[tuple[str, str], ...]:
    return tuple(_kb_genes(load_kb("nsclc")).items())


def _kb_genes(kb: dict[str, Any]) -> dict[str, str]:
    out: dict[str, str] = {}

    for tab in ("codons", "regions"):
        t = kb_table(tab)
        for g, tx in zip(t["gene"], t["transcript"], strict=True):
            out.setdefault(g, tx.split(".")[0])
    for entry in kb["biomarkers"]:
        for g in entry["gene"].split("|"):
            out.setdefault(g, "")
    return out


def _strip_version(values: pd.Series) -> pd.Series:
    return values.fillna("").astype(str).str.replace(r"\.\d+$", "", regex=True)


def _exon_number(values: pd.Series) -> np.ndarray:
    num = values.fillna("").astype(str).str.extract(r"^(\d+)")[0]
    return np.asarray(pd.to_numeric(num, errors="coerce").fillna(-1).astype(np.int64).to_numpy())


def _finish(df: pd.DataFrame) -> pd.DataFrame:
    p = parse_hgvsp(df["hgvsp"])
    c = parse_hgvsc(df["hgvsc"])
    out = pd.concat([df.reset_index(drop=True), p.reset_index(drop=True), c.reset_index(drop=True)], axis=1)
    for col in FEATURE_COLUMNS:
        if col not in out.columns:
            out[col] = ""
    return out[list(FEATURE_COLUMNS)]


def features_from_strings(
    *,
    genes: Sequence[str | None],
    hgvsp: Sequence[str | None],
    hgvsc: Sequence[str | None] | None = None,
    exons: Sequence[str | None] | None = None,
    transcripts: Sequence[str | None] | None = None,
    rows: Sequence[int] | None = None,
) -> pd.DataFrame:
    """Feature rows from plain HGVS strings (one per variant); exons as ``"19/28"`` strings.

    Exon numbers are trusted only when a transcript is given and is the knowledge
    base's MANE transcript for the gene.
    """
    n = len(genes)
    kbg = kb_genes(load_kb("nsclc"))
    tx = pd.Series(list(transcripts) if transcripts is not None else [None] * n, dtype=object)
    gene_s = pd.Series(list(genes), dtype=object)
    mane = gene_s.map(lambda g: kbg.get(str(g), "")).fillna("")
    trusted = (_strip_version(tx) == mane) & (mane != "")
    df = pd.DataFrame({
        "row": list(rows) if rows is not None else list(range(n)),
        "gene": gene_s, "transcript": tx,
        "hgvsp": pd.Series(list(hgvsp), dtype=object),
        "hgvsc": pd.Series(list(hgvsc) if hgvsc is not None else [None] * n, dtype=object),
        "exon": _exon_number(pd.Series(list(exons) if exons is not None else [None] * n, dtype=object)),
        "exon_trusted": trusted.to_numpy(),
        "method": "hgvs", "ref_ok": True, "partner": "", "detail": "",
        "match_flags": np.where(trusted | (mane == ""), "", "transcript_not_kb_mane"),
    })
    return _finish(df)


def annotation_features(table: VariantTable, genes: dict[str, str]) -> tuple[pd.DataFrame, np.ndarray]:
    """Features of annotated rows in knowledge-base genes, and a mask of rows with any annotation.

    Per variant the annotation entry on the knowledge base's MANE transcript is
    preferred (version-insensitive ENST/NM comparison); otherwise the reader's
    chosen transcript is used and flagged ``transcript_not_kb_mane``.
    """
    n = len(table)
    annotated = np.zeros(n, dtype=bool)
    if "variant_gene" not in table:
        return pd.DataFrame(columns=list(FEATURE_COLUMNS)), annotated
    chosen_gene = pd.Series(table.decode("variant_gene") if "variant_gene" in table.categories
                            else table["variant_gene"], dtype=object)
    annotated = chosen_gene.notna().to_numpy()
    parts = []
    if "annotation_variant" in table and "annotation_gene" in table and "annotation_transcript" in table:
        ag = pd.Series(table.decode("annotation_gene") if "annotation_gene" in table.categories
                       else table["annotation_gene"], dtype=object)
        def acol(name: str) -> pd.Series:
            if name in table:
                return pd.Series(table[name], dtype=object)
            return pd.Series([None] * len(ag), dtype=object)

        ann = pd.DataFrame({
            "row": np.asarray(table["annotation_variant"], dtype=np.int64), "gene": ag,
            "transcript": acol("annotation_transcript"), "hgvsp": acol("annotation_hgvsp"),
            "hgvsc": acol("annotation_hgvsc"), "exon_s": acol("annotation_exon"),
        })
        if "annotation_field_amino_acid_change" in table:  # bcftools csq: 600V>600E
            aac = pd.Series(table["annotation_field_amino_acid_change"], dtype=object)
            ann["hgvsp"] = ann["hgvsp"].where(ann["hgvsp"].notna(), aac)
        ann = ann[ann["gene"].isin(list(genes))]
        mane = ann["gene"].map(genes).fillna("")
        on_mane = (_strip_version(ann["transcript"]) == mane) & (mane != "")
        best = ann[on_mane].drop_duplicates("row", keep="first")
        if not best.empty:
            best = best.assign(exon=_exon_number(best["exon_s"]), exon_trusted=True, match_flags="")
            parts.append(best.drop(columns=["exon_s"]))
        covered = set(best["row"]) if not best.empty else set()
    else:
        covered = set()
    rows = np.flatnonzero(annotated & chosen_gene.isin(list(genes)).to_numpy())
    rows = np.array([r for r in rows if r not in covered], dtype=np.int64)
    if len(rows):
        def col(name: str) -> pd.Series:
            if name not in table:
                return pd.Series([None] * len(rows), dtype=object)
            return pd.Series(np.asarray(table[name], dtype=object)[rows], dtype=object)

        g = chosen_gene.to_numpy()[rows]
        tx = col("variant_transcript")
        mane = pd.Series(g, dtype=object).map(genes).fillna("")
        trusted = ((_strip_version(tx) == mane) & (mane != "")).to_numpy()
        hp = col("variant_hgvsp")
        if "annotation_field_amino_acid_change" in table and hp.isna().all():
            hp = _bcsq_chosen(table, rows)
        parts.append(pd.DataFrame({
            "row": rows, "gene": g, "transcript": tx, "hgvsp": hp, "hgvsc": col("variant_hgvsc"),
            "exon": _exon_number(col("variant_exon")), "exon_trusted": trusted,
            "match_flags": np.where(trusted, "", "transcript_not_kb_mane"),
        }))
    if not parts:
        return pd.DataFrame(columns=list(FEATURE_COLUMNS)), annotated
    df = pd.concat(parts, ignore_index=True)
    df = df.assign(method="hgvs", ref_ok=True, partner="", detail="")
    return _finish(df.sort_values("row", kind="stable").reset_index(drop=True)), annotated


def _bcsq_chosen(table: VariantTable, rows: np.ndarray) -> pd.Series:
    av = np.asarray(table["annotation_variant"])
    aac = pd.Series(table["annotation_field_amino_acid_change"], dtype=object)
    first = pd.Series(aac.to_numpy(), index=av).groupby(level=0).first()
    return pd.Series(first.reindex(rows).to_numpy(), dtype=object)


def _window_keys(spec: Sequence[Sequence[str]]) -> list[tuple[int, int]]:
    return [(parse_c_position(a), parse_c_position(b)) for a, b in spec]


def match_rules(features: pd.DataFrame, kb: dict[str, Any] | None = None) -> pd.DataFrame:
    """Rows of ``features`` that satisfy a biomarker rule; one row per (feature row, group).

    Returns
    -------
    ``features`` rows (all their columns) plus ``biomarker_id``, ``group`` and
    ``priority``; within a group the highest-priority rule wins. Rows whose VCF
    REF disagrees with the knowledge base (``ref_ok`` False) never match.
    """
    kb = kb if kb is not None else load_kb("nsclc")
    if features.empty:
        return features.assign(biomarker_id=pd.Series(dtype=object), group=pd.Series(dtype=object),
                               priority=pd.Series(dtype=np.int64))
    f = features.reset_index(drop=True)
    gene = f["gene"].fillna("").astype(str).to_numpy()
    p_kind = f["p_kind"].astype(str).to_numpy()
    c_kind = f["c_kind"].astype(str).to_numpy()
    cs = f["codon_start"].astype(np.int64).to_numpy()
    ce = f["codon_end"].astype(np.int64).to_numpy()
    alt = f["alt_aa"].fillna("").astype(str).to_numpy()
    ref = f["ref_aa"].fillna("").astype(str).to_numpy()
    change = f["aa_change"].astype(np.int64).to_numpy()
    exon = f["exon"].astype(np.int64).to_numpy()
    trusted = f["exon_trusted"].astype(bool).to_numpy()
    k1 = f["c_start_key"].astype(np.int64).to_numpy()
    k2 = f["c_end_key"].astype(np.int64).to_numpy()
    has_c = c_kind != "none"
    ref_ok = f["ref_ok"].astype(bool).to_numpy()
    hits = []
    for entry in kb["biomarkers"]:
        m = entry["match"]
        mask = np.isin(gene, entry["gene"].split("|")) & ref_ok
        if not mask.any():
            continue
        if "protein" in m or "codon_missense" in m:
            pm = np.zeros(len(f), dtype=bool)
            for change_s in m.get("protein", []):
                r, c, a = _PROTEIN.match(change_s).groups()  # type: ignore[union-attr]
                pm |= ((cs == int(c)) & (ce == int(c)) & (alt == a) & ((ref == r) | (ref == "X"))
                       & np.isin(p_kind, ["missense", "nonsense"]))
            for c in m.get("codon_missense", []):
                pm |= (p_kind == "missense") & (cs == int(c))
            mask &= pm
        if "p_kinds" in m:
            mask &= np.isin(p_kind, m["p_kinds"])
        if "aa_change" in m:
            mask &= (change < 0) if m["aa_change"] == "<0" else (change > 0)
        if "codons" in m or "exon" in m:
            lo, hi = m.get("codons", [-1, 10**9])
            by_codon = (cs >= lo) & (cs <= hi) & (ce >= lo) & (ce <= hi + 1)
            if "exon" in m:
                by_exon = trusted & (exon == int(m["exon"]))
                mask &= np.where(trusted & (exon >= 0), by_exon, by_codon)
            else:
                mask &= by_codon
        if "c_windows" in m:
            wm = np.zeros(len(f), dtype=bool)
            for lo_k, hi_k in _window_keys(m["c_windows"]):
                wm |= has_c & (k1 <= hi_k) & (k2 >= lo_k)
            mask &= wm
        if "c_kinds" in m:
            mask &= np.isin(c_kind, m["c_kinds"])
        if "inserted_aa" in m:
            mask &= alt == m["inserted_aa"]
        idx = np.flatnonzero(mask)
        if len(idx):
            hits.append(pd.DataFrame({"_i": idx, "biomarker_id": entry["id"], "group": entry["group"],
                                      "priority": int(entry.get("priority", 1))}))
    if not hits:
        return f.iloc[0:0].assign(biomarker_id=pd.Series(dtype=object), group=pd.Series(dtype=object),
                                  priority=pd.Series(dtype=np.int64))
    h = pd.concat(hits, ignore_index=True)
    h = h.sort_values(["_i", "group", "priority"], ascending=[True, True, False], kind="stable")
    h = h.drop_duplicates(["_i", "group"], keep="first")
    out = f.iloc[h["_i"].to_numpy()].reset_index(drop=True)
    out["biomarker_id"] = h["biomarker_id"].to_numpy()
    out["group"] = h["group"].to_numpy()
    out["priority"] = h["priority"].to_numpy()
    return out
