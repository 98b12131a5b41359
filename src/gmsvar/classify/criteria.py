"""ACMG/AMP criteria as small pure vectorised functions.

Every function takes per-row arrays (and spec parameters) and returns a :class:`Met`: a strength
code per row (0 not met, 1 Supporting, 2 Moderate, 3 Strong, 4 Very strong, 5 Stand-alone; the
direction is the criterion's) and a text per row with the triggering values ("" where nothing to
say). Text of rows where the criterion is not met but was considered (e.g. "not applicable: ...")
starts with ``"not applied: "``.

Examples
--------
>>> import numpy as np
>>> m = ba1(np.array([0.2, 0.01, np.nan]), ba1_af=np.full(3, 0.05), an=np.full(3, np.nan),
...         min_an=2000, exception=np.zeros(3, bool), exception_note=np.full(3, "", dtype=object))
>>> m.strength.tolist()
[5, 0, 0]
>>> pm2(np.array([0.0, 1e-6, 0.01]), np.array([1, 2, 2], np.int8), np.full(3, 2e-5),
...     an=np.full(3, np.nan), min_an=2000, strength=1).strength.tolist()
[1, 1, 0]
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd

from .combine import BENIGN, PATHOGENIC
from .spec import STRENGTHS

__all__ = [
    "CODES",
    "Met",
    "ba1",
    "bp1_pp2",
    "bp3",
    "bp7",
    "bs1",
    "bs2",
    "insilico",
    "pm1",
    "pm2",
    "pm4",
    "ps1_pm5",
    "pvs1",
    "strength_code",
]

#: Output criterion columns, in ACMG order (PP5/BP6 are not used under ACGS 2020).
CODES: tuple[str, ...] = (*PATHOGENIC, *BENIGN)

NONE, SUPPORTING, MODERATE, STRONG, VERY_STRONG, STAND_ALONE = range(6)


def strength_code(label: str) -> int:
    """Code of a strength label (case-insensitive; ``""``/``"not met"`` -> 0).

    >>> strength_code("Very strong"), strength_code("moderate"), strength_code("")
    (4, 2, 0)
    """
    low = label.strip().lower().replace("_", " ").replace("verystrong", "very strong")
    if low in ("", "not met", "none", "0"):
        return 0
    for i, s in enumerate(STRENGTHS):
        if s.lower() == low:
            return i
    raise ValueError(f"unknown strength {label!r}; use one of {list(STRENGTHS[1:])} or ''")


@dataclass(frozen=True)
class Met:
    """Result of one criterion: strength code (int8) and text (object) per row."""

    strength: np.ndarray
    text: np.ndarray

    @classmethod
    def empty(cls, n: int) -> Met:
        return cls(np.zeros(n, dtype=np.int8), blank(n))


@lru_cache(maxsize=4)
def _blank_template(n: int) -> np.ndarray:
    return np.full(n, "", dtype=object)


def blank(n: int) -> np.ndarray:
    """A new object array of ``n`` empty strings (copying a cached template is cheaper than np.full)."""
    return _blank_template(n).copy()


Part = Any  # str | np.ndarray | tuple[np.ndarray, str]


def _cat(idx: np.ndarray, parts: tuple[Part, ...]) -> np.ndarray:
    """Strings for rows ``idx`` only: ``parts`` are constants, per-row arrays (as text) or
    ``(float array, format)`` pairs (NaN -> "n/a"). Cheap when few rows qualify."""
    out = blank(len(idx))
    for p in parts:
        if isinstance(p, str):
            out = out + p
        elif isinstance(p, tuple):
            arr, spec = p[0], p[1]
            nan = p[2] if len(p) > 2 else "n/a"
            vals = np.asarray(arr)[idx]
            out = out + np.array([nan if v != v else spec.format(v) for v in vals.tolist()], dtype=object)
        else:
            vals = np.asarray(p)[idx]
            if vals.dtype.kind in "iub":
                out = out + vals.astype(str).astype(object)
            else:
                out = out + np.array(
                    [v if isinstance(v, str) else str(v) for v in vals.tolist()], dtype=object
                )
    return out


def _put(text: np.ndarray, mask: np.ndarray, *parts: Part) -> None:
    idx = np.flatnonzero(mask)
    if len(idx):
        text[idx] = _cat(idx, parts)


def _an_note(an: np.ndarray, min_an: int) -> tuple[np.ndarray, np.ndarray]:
    ok = np.isnan(an) | (an >= min_an)
    note = np.where(np.isnan(an), "", "; AN ").astype(object)
    return ok, note


# -- population ------------------------------------------------------------------------------------
def ba1(
    af_max: np.ndarray,
    *,
    ba1_af: np.ndarray,
    an: np.ndarray,
    min_an: int,
    exception: np.ndarray,
    exception_note: np.ndarray,
) -> Met:
    """BA1 (stand-alone): highest ancestry-group AF >= the cut-off, unless on the exception list."""
    n = len(af_max)
    m = Met.empty(n)
    an_ok, an_note = _an_note(an, min_an)
    hit = (af_max >= ba1_af) & an_ok
    ok = hit & ~exception
    m.strength[ok] = STAND_ALONE
    _put(m.text, ok, "grpmax AF ", (af_max, "{:.3g}"), " >= ", (ba1_af, "{:g}"), an_note, (an, "{:.0f}", ""))
    _put(m.text, hit & exception, "not applied: on the BA1 exception list (", exception_note, ")")
    _put(m.text, (af_max >= ba1_af) & ~an_ok, "not applied: AN ", (an, "{:.0f}"), f" < {min_an}")
    return m


def bs1(
    af_max: np.ndarray,
    *,
    bs1_af: np.ndarray,
    ba1_af: np.ndarray,
    an: np.ndarray,
    min_an: int,
    basis: np.ndarray,
) -> Met:
    """BS1 (Strong): AF above the disorder's maximum credible AF (and below BA1)."""
    n = len(af_max)
    m = Met.empty(n)
    an_ok, an_note = _an_note(an, min_an)
    ok = (af_max >= bs1_af) & (af_max < ba1_af) & an_ok
    m.strength[ok] = STRONG
    _put(
        m.text,
        ok,
        "grpmax AF ",
        (af_max, "{:.3g}"),
        " >= ",
        (bs1_af, "{:g}"),
        " (",
        basis,
        ")",
        an_note,
        (an, "{:.0f}", ""),
    )
    return m


def pm2(
    af_max: np.ndarray,
    status: np.ndarray,
    pm2_af: np.ndarray,
    *,
    an: np.ndarray,
    min_an: int,
    strength: int,
    covered: np.ndarray | None = None,
) -> Met:
    """PM2: absent from, or below the cut-off in, the population database.

    ``status``: 0 not annotated (not assessed), 1 absent, 2 present. ``covered``: rows where absence
    is informative without an allele number (exome-covered positions); absence elsewhere counts only
    with an AN at or above ``min_an``.
    """
    n = len(af_max)
    m = Met.empty(n)
    an_ok, an_note = _an_note(an, min_an)
    cov = np.ones(n, dtype=bool) if covered is None else covered
    absent = (status == 1) & an_ok
    absent_ok = absent & (cov | ~np.isnan(an))
    rare = (status == 2) & (af_max < pm2_af) & an_ok
    m.strength[absent_ok | rare] = strength
    _put(m.text, absent_ok, "absent from the population database", an_note, (an, "{:.0f}", ""))
    _put(m.text, rare, "grpmax AF ", (af_max, "{:.3g}"), " < ", (pm2_af, "{:g}"), an_note, (an, "{:.0f}", ""))
    _put(
        m.text,
        absent & ~absent_ok,
        "not applied: absent from the population database, but the position is "
        "outside exome coverage and no allele number shows it was covered",
    )
    _put(
        m.text,
        ((status == 1) | ((status == 2) & (af_max < pm2_af))) & ~an_ok,
        "not applied: AN ",
        (an, "{:.0f}"),
        f" < {min_an}",
    )
    _put(m.text, status == 0, "not applied: no population frequency annotation")
    return m


def bs2(
    nhomalt: np.ndarray,
    nhemi: np.ndarray,
    *,
    recessive: np.ndarray,
    xlinked: np.ndarray,
    min_hom: int,
    min_hemi: int,
) -> Met:
    """BS2 (Strong): homozygotes in a recessive gene / hemizygotes in an X-linked gene (gnomAD counts)."""
    n = len(nhomalt)
    m = Met.empty(n)
    hom = recessive & (nhomalt >= min_hom)
    hemi = xlinked & (nhemi >= min_hemi)
    m.strength[hom | hemi] = STRONG
    _put(m.text, hom, (nhomalt, "{:.0f}"), " homozygotes in the population database (recessive gene)")
    _put(m.text, hemi & ~hom, (nhemi, "{:.0f}"), " hemizygotes in the population database (X-linked gene)")
    return m


# -- PVS1 --------------------------------------------------------------------------------------------
NULL_KINDS = (
    "",
    "stop_gained",
    "frameshift_variant",
    "splice_donor_variant",
    "splice_acceptor_variant",
    "start_lost",
    "deletion",
)


def pvs1(
    null_kind: np.ndarray,
    *,
    gene: np.ndarray,
    mechanism: np.ndarray,
    mechanism_text: np.ndarray,
    found: np.ndarray,
    exon: np.ndarray,
    n_exons: np.ndarray,
    exon_raw: np.ndarray,
    n_exons_raw: np.ndarray,
    in_cds: np.ndarray,
    dist3: np.ndarray,
    cpos: np.ndarray,
    cds_len: np.ndarray,
    intron_offset: np.ndarray,
    skip_exon_raw: np.ndarray,
    skip_coding_len: np.ndarray,
    skip_coding_before: np.ndarray,
    transcript: np.ndarray,
    input_exon: np.ndarray,
    covers_last_exon: np.ndarray,
    params: Mapping[str, Any],
) -> Met:
    """PVS1 by the Abou Tayoun 2018 tree on the MANE transcript (see ``DOMAIN.md`` 3.5).

    ``null_kind`` indexes :data:`NULL_KINDS`. ``mechanism`` is ``known``/``presumed``/``not``/
    ``unknown``/``deletion_3prime`` per row. NMD: escape when the stop lies in the last exon or the
    3'-most ``nmd_penultimate_nt`` nt of the penultimate exon; escapes remove ``> truncated_fraction``
    of the protein -> Strong, else Moderate. Frameshifts in the penultimate exon upstream of that
    window: the new stop's position is unknown without the sequence -> Strong. Canonical splice
    variants are assumed to skip their exon: in-frame -> Strong/Moderate by the fraction removed;
    out-of-frame -> Very strong unless the skipped exon is the last or penultimate one. Rows with no
    exon structure -> ``nmd_unknown`` (Strong), stated in the text.
    """
    n = len(null_kind)
    m = Met.empty(n)
    strength = m.strength
    text = m.text
    null = null_kind > 0
    lof_ok = np.isin(mechanism, list(params.get("lof_mechanisms", ["known", "presumed"])))
    frac_cut = float(params.get("truncated_fraction", 0.10))
    nt = int(params.get("nmd_penultimate_nt", 50))
    unknown_code = strength_code(str(params.get("nmd_unknown", "Strong")))
    start_code = strength_code(str(params.get("start_lost", "Supporting")))
    kind = np.asarray(NULL_KINDS, dtype=object)[null_kind]
    gene_s = np.where(pd.isna(pd.Series(gene, dtype=object)).to_numpy(), "?", gene).astype(object)
    where: tuple[Part, ...] = (kind, " in ", gene_s, " exon ", exon, "/", n_exons, " (MANE ", transcript, ")")
    with np.errstate(divide="ignore", invalid="ignore"):
        removed = np.where(cds_len > 0, (cds_len - cpos + 1) / np.maximum(cds_len, 1), np.nan)

    # input EXON "n/total" as a fallback when the exon table has no structure for the gene
    in_n = np.zeros(n, dtype=np.int64)
    in_tot = np.zeros(n, dtype=np.int64)
    has_in = ~pd.isna(pd.Series(input_exon, dtype=object)).to_numpy()
    if has_in.any():
        ex = pd.Series(input_exon[has_in], dtype=object).astype(str).str.extract(r"^(\d+)(?:-\d+)?/(\d+)$")
        in_n[has_in] = pd.to_numeric(ex[0], errors="coerce").fillna(0).astype(np.int64).to_numpy()
        in_tot[has_in] = pd.to_numeric(ex[1], errors="coerce").fillna(0).astype(np.int64).to_numpy()

    trunc = null & ((null_kind == 1) | (null_kind == 2)) & lof_ok
    struct = trunc & found & in_cds
    last = exon_raw == n_exons_raw
    penult = exon_raw == n_exons_raw - 1
    in_window = penult & (dist3 >= 0) & (dist3 < nt)
    escape = struct & (last | in_window)
    uncertain = struct & (null_kind == 2) & penult & ~in_window
    nmd = struct & ~escape & ~uncertain
    strength[nmd] = VERY_STRONG
    _put(
        text,
        nmd,
        *where,
        ", c.pos ",
        cpos,
        " of ",
        cds_len,
        ": NMD predicted (stop upstream of the last ",
        str(nt),
        " nt of the penultimate exon)",
    )
    big = removed > frac_cut
    strength[escape & big] = STRONG
    strength[escape & ~big] = MODERATE
    why = np.where(last, "last exon", f"3'-most {nt} nt of the penultimate exon").astype(object)
    verdict = np.where(big, f" (> {frac_cut:.0%}) -> Strong", f" (<= {frac_cut:.0%}) -> Moderate").astype(
        object
    )
    _put(
        text,
        escape,
        *where,
        ": NMD escape (",
        why,
        "), removes ",
        (removed * 100, "{:.1f}"),
        "% of the coding sequence downstream",
        verdict,
    )
    strength[uncertain] = STRONG
    _put(
        text,
        uncertain,
        *where,
        ": frameshift in the penultimate exon upstream of its last ",
        str(nt),
        " nt; the new stop may escape NMD (no sequence to place it) -> Strong (conservative)",
    )
    # fallback: exon numbers from the annotation
    fb = trunc & ~struct & (in_tot > 0)
    fb_last = fb & (in_n == in_tot)
    fb_pen = fb & (in_n == in_tot - 1)
    fb_nmd = fb & (in_n < in_tot - 1)
    strength[fb_nmd] = VERY_STRONG
    strength[fb_pen] = STRONG
    strength[fb_last] = MODERATE
    ann: tuple[Part, ...] = (kind, " in ", gene_s, " exon ", input_exon, " (annotated transcript)")
    _put(text, fb_nmd, *ann, ": NMD predicted (not in the last two exons; no MANE exon table for the gene)")
    _put(text, fb_pen, *ann, ": penultimate exon, NMD position undetermined -> Strong (conservative)")
    _put(text, fb_last, *ann, ": last exon, NMD escape, fraction removed unknown -> Moderate (conservative)")
    unk = trunc & ~struct & ~fb
    strength[unk] = unknown_code
    why_unk = np.where(
        found,
        "position outside the MANE coding sequence (consequence from another transcript?)",
        "no exon structure for the gene/build and no exon number in the annotation",
    ).astype(object)
    _put(
        text,
        unk,
        kind,
        " in ",
        gene_s,
        ": NMD position undetermined (",
        why_unk,
        ") -> ",
        STRENGTHS[unknown_code],
        " (conservative)",
    )

    # canonical splice: exon skipping assumed
    spl = null & ((null_kind == 3) | (null_kind == 4)) & lof_ok
    s_struct = spl & found & (intron_offset != 0) & (skip_exon_raw > 0)
    noncoding = s_struct & (skip_coding_len == 0)
    inframe = s_struct & ~noncoding & (skip_coding_len % 3 == 0)
    outframe = s_struct & ~noncoding & ~inframe
    with np.errstate(divide="ignore", invalid="ignore"):
        skip_frac = skip_coding_len / np.maximum(cds_len, 1)
        after_frac = (cds_len - skip_coding_before) / np.maximum(cds_len, 1)
    skip_last2 = skip_exon_raw >= n_exons_raw - 1
    o_nmd = outframe & ~skip_last2
    o_esc = outframe & skip_last2
    skip_no = skip_exon_raw - n_exons_raw + n_exons
    sign = np.where(intron_offset > 0, "+", "").astype(object)
    spl_where: tuple[Part, ...] = (
        kind,
        " (",
        sign,
        intron_offset,
        ") in ",
        gene_s,
        ", skipping exon ",
        skip_no,
        "/",
        n_exons,
        " (MANE ",
        transcript,
        ", ",
        skip_coding_len,
        " coding nt) assumed",
    )
    strength[o_nmd] = VERY_STRONG
    _put(text, o_nmd, *spl_where, ": frameshift, NMD predicted")
    for mask, frac, what in (
        (inframe, skip_frac, "in-frame deletion of"),
        (o_esc, after_frac, "frameshift escaping NMD, removes"),
    ):
        b = mask & (frac > frac_cut)
        strength[b] = STRONG
        strength[mask & ~b] = MODERATE
        verdict2 = np.where(frac > frac_cut, " -> Strong", " -> Moderate").astype(object)
        _put(text, mask, *spl_where, ": ", what, " ", (frac * 100, "{:.1f}"), "% of the protein", verdict2)
    _put(text, noncoding, "not applied: ", *spl_where, ": the skipped exon is non-coding")
    s_unk = spl & ~s_struct
    strength[s_unk] = unknown_code
    _put(
        text,
        s_unk,
        kind,
        " in ",
        gene_s,
        ": splicing outcome undetermined (no exon structure) -> ",
        STRENGTHS[unknown_code],
        " (conservative)",
    )

    start = null & (null_kind == 5) & lof_ok
    strength[start] = start_code
    _put(
        text,
        start,
        "start_lost in ",
        gene_s,
        ": alternative start codons and upstream pathogenic variants not assessed -> ",
        STRENGTHS[start_code],
    )

    # EPCAM-style genes: only deletions of the 3' end count
    del3 = null & (mechanism == "deletion_3prime")
    d_ok = del3 & covers_last_exon
    strength[d_ok] = VERY_STRONG
    _put(text, d_ok, "deletion removing the 3' end (last exon) of ", gene_s)
    _put(text, del3 & ~d_ok, "not applied: ", mechanism_text)

    # mechanism text for applied rows; reasons for rows that are null but not assessed
    applied = (strength > 0) & ~del3
    _put(text, applied, text, "; ", mechanism_text)
    _put(text, null & ~lof_ok & ~del3, "not applied: ", kind, " in ", gene_s, ", but ", mechanism_text)
    return m


# -- other criteria --------------------------------------------------------------------------------
def pm4(
    inframe: np.ndarray, stop_lost: np.ndarray, *, repeat: np.ndarray, length: np.ndarray, strength: int
) -> Met:
    """PM4: in-frame indel outside a repeat, or stop-loss."""
    n = len(inframe)
    m = Met.empty(n)
    ok_in = inframe & ~repeat
    ok = ok_in | stop_lost
    m.strength[ok] = strength
    _put(
        m.text,
        ok_in,
        "in-frame ",
        np.where(length > 0, "insertion", "deletion").astype(object),
        " of ",
        np.abs(length) // 3,
        " codon(s), not in a detected repeat",
    )
    _put(m.text, stop_lost & ~ok_in, "stop_lost: protein extension")
    return m


def bp3(inframe: np.ndarray, *, repeat: np.ndarray, repeat_note: np.ndarray) -> Met:
    """BP3 (Supporting): in-frame indel in a repetitive region."""
    n = len(inframe)
    m = Met.empty(n)
    ok = inframe & repeat
    m.strength[ok] = SUPPORTING
    _put(m.text, ok, "in-frame indel in a repeat (", repeat_note, ")")
    return m


def insilico(
    scores: dict[str, np.ndarray],
    *,
    missense: np.ndarray,
    tools: dict[str, dict[str, Any]],
    order: list[str],
    splice_pp3: float,
    splice_bp4: float,
    missense_allowed: np.ndarray,
    splice_eligible: np.ndarray,
) -> tuple[Met, Met]:
    """PP3 and BP4: one line per variant from calibrated predictors.

    Missense rows use the first present tool of ``order`` (REVEL > AlphaMissense > CADD by
    default); SpliceAI (max delta) applies to every row in ``splice_eligible``. PP3 takes the
    stronger of the two lines; BP4 needs a benign missense line (missense rows) and no SpliceAI
    score >= ``splice_pp3``, or SpliceAI <= ``splice_bp4`` (other rows).
    """
    n = len(missense)
    pp3, bp4 = Met.empty(n), Met.empty(n)
    chosen_tool = np.full(n, "", dtype=object)
    mis_score = np.full(n, np.nan)
    for tool in order:
        if tool not in scores:
            continue
        take = missense & missense_allowed & (chosen_tool == "") & ~np.isnan(scores[tool])
        chosen_tool[take] = tool
        mis_score[take] = scores[tool][take]
    p_mis = np.zeros(n, dtype=np.int8)
    b_mis = np.zeros(n, dtype=np.int8)
    for tool in order:
        if tool not in tools:
            continue
        rows = chosen_tool == tool
        if not rows.any():
            continue
        for thr, lab in tools[tool].get("pp3", []):  # descending thresholds: first match wins
            hit = rows & (mis_score >= float(thr)) & (p_mis == 0)
            p_mis[hit] = strength_code(lab)
        for thr, lab in tools[tool].get("bp4", []):  # ascending thresholds
            hit = rows & (mis_score <= float(thr)) & (b_mis == 0)
            b_mis[hit] = strength_code(lab)
    sai = scores.get("SpliceAI", np.full(n, np.nan))
    has_sai = splice_eligible & ~np.isnan(sai)
    p_spl = np.where(has_sai & (sai >= splice_pp3), SUPPORTING, 0).astype(np.int8)
    b_spl = has_sai & (sai <= splice_bp4)
    pp3.strength[:] = np.maximum(p_mis, p_spl)
    use_mis = p_mis >= p_spl
    tag = np.array([tools.get(t, {}).get("tag", "") for t in chosen_tool.tolist()], dtype=object)
    _put(
        pp3.text,
        (pp3.strength > 0) & use_mis,
        chosen_tool,
        " ",
        (mis_score, "{:.3g}"),
        " (calibrated, [",
        tag,
        "])",
    )
    _put(
        pp3.text, (pp3.strength > 0) & ~use_mis, "SpliceAI max delta ", (sai, "{:.2f}"), f" >= {splice_pp3:g}"
    )
    benign_mis = missense & (b_mis > 0) & ~(has_sai & (sai >= splice_pp3))
    benign_other = ~missense & b_spl
    bp4.strength[benign_mis] = b_mis[benign_mis]
    bp4.strength[benign_other] = SUPPORTING
    bp4.strength[pp3.strength > 0] = 0
    sai_note = np.where(has_sai, "; SpliceAI max delta ", "; no SpliceAI score").astype(object)
    sai_val = np.where(has_sai, sai, np.nan)
    _put(
        bp4.text,
        benign_mis & (bp4.strength > 0),
        chosen_tool,
        " ",
        (mis_score, "{:.3g}"),
        " (calibrated, [",
        tag,
        "])",
        sai_note,
        (sai_val, "{:.2f}", ""),
    )
    _put(
        bp4.text,
        benign_other & (bp4.strength > 0),
        "SpliceAI max delta ",
        (sai, "{:.2f}"),
        f" <= {splice_bp4:g}",
    )
    return pp3, bp4


def bp7(
    synonymous: np.ndarray,
    intronic: np.ndarray,
    *,
    splice_region: np.ndarray,
    spliceai: np.ndarray,
    splice_max: float,
    in_exon: np.ndarray,
    junction_distance: np.ndarray,
    intron_offset: np.ndarray,
    found: np.ndarray,
    params: Mapping[str, Any],
) -> tuple[Met, np.ndarray]:
    """BP7 (Supporting): synonymous (or deep intronic) with no predicted splice effect.

    Returns the criterion and a mask of rows that qualified on position only (no SpliceAI score).
    Conservation is not assessed (no conservation scores are read).
    """
    n = len(synonymous)
    m = Met.empty(n)
    has = ~np.isnan(spliceai)
    low = has & (spliceai <= splice_max)
    syn = synonymous & low
    deep = (
        intronic
        & low
        & (
            (intron_offset >= int(params.get("intronic_min_donor", 7)))
            | (intron_offset <= -int(params.get("intronic_min_acceptor", 21)))
        )
    )
    pos_only = np.zeros(n, dtype=bool)
    if params.get("without_splice_score", "none") == "position":
        dist = int(params.get("min_exon_distance", 3))
        pos_only = synonymous & ~has & ~splice_region & found & in_exon & (junction_distance >= dist)
    ok = syn | deep | pos_only
    m.strength[ok] = SUPPORTING
    _put(m.text, syn, "synonymous, SpliceAI max delta ", (spliceai, "{:.2f}"), f" <= {splice_max:g}")
    _put(
        m.text,
        deep & ~syn,
        "intronic at ",
        intron_offset,
        ", SpliceAI max delta ",
        (spliceai, "{:.2f}"),
        f" <= {splice_max:g}",
    )
    _put(
        m.text,
        pos_only,
        "synonymous, ",
        junction_distance,
        " nt from the nearest exon-intron junction (MANE), "
        "no SpliceAI score: splice effect judged by position only",
    )
    return m, pos_only


def bp1_pp2(missense: np.ndarray, criterion: np.ndarray, note: np.ndarray) -> tuple[Met, Met]:
    """PP2 / BP1 (Supporting) for missense rows in genes of the PP2/BP1 table."""
    n = len(missense)
    pp2, bp1 = Met.empty(n), Met.empty(n)
    p = missense & (criterion == "PP2")
    b = missense & (criterion == "BP1")
    pp2.strength[p] = SUPPORTING
    bp1.strength[b] = SUPPORTING
    _put(pp2.text, p, "missense in a gene with few benign missense (", note, ")")
    _put(bp1.text, b, "missense in a gene where truncation is the mechanism (", note, ")")
    return pp2, bp1


def pm1(hit: np.ndarray, note: np.ndarray, *, strength: int) -> Met:
    """PM1: missense at a hotspot residue / critical domain (``hit`` computed by the caller)."""
    m = Met.empty(len(hit))
    m.strength[hit] = strength
    _put(m.text, hit, note)
    return m


def ps1_pm5(
    gene: np.ndarray,
    residue: np.ndarray,
    alt_aa: np.ndarray,
    key: np.ndarray,
    missense: np.ndarray,
    records: pd.DataFrame,
    *,
    ps1_strength: int,
    pm5_strength: int,
) -> tuple[Met, Met]:
    """PS1 (same amino-acid change) and PM5 (other missense at the residue) from ClinVar P/LP records.

    ``records`` has columns gene, residue, ref_aa, alt_aa, key, stars. The identical nucleotide
    change is never used (that would be a "reputable source" criterion, retired). Where either side
    lacks the amino acid (codon keys), only PM5 can fire and the text says so.
    """
    n = len(gene)
    ps1, pm5 = Met.empty(n), Met.empty(n)
    q = pd.DataFrame({"row": np.arange(n), "gene": gene, "residue": residue, "q_alt": alt_aa, "q_key": key})
    q = q[missense & (residue > 0)]
    if q.empty or records.empty:
        return ps1, pm5
    j = q.merge(records, on=["gene", "residue"], how="inner")
    j = j[j["key"] != j["q_key"]]
    if j.empty:
        return ps1, pm5
    known = (j["alt_aa"] != "") & (j["q_alt"] != "")
    same = known & (j["alt_aa"] == j["q_alt"])
    other = ~same
    for mask, met, code, label in (
        (same, ps1, ps1_strength, "same amino-acid change"),
        (other, pm5, pm5_strength, "other missense at the residue"),
    ):
        sub = j[mask]
        if sub.empty:
            continue
        desc = (
            sub["key"]
            + np.where(
                sub["alt_aa"] != "",
                " p." + sub["ref_aa"] + sub["residue"].astype(str) + sub["alt_aa"],
                " (codon " + sub["residue"].astype(str) + ")",
            )
            + " "
            + sub["stars"].astype(str)
            + "*"
        )
        agg = desc.groupby(sub["row"]).agg(lambda s: ", ".join(sorted(set(s))[:3]))
        rows = agg.index.to_numpy()
        met.strength[rows] = code
        unknown_aa = (sub["alt_aa"] == "").astype(np.int64).groupby(sub["row"]).max().reindex(rows)
        unk = np.asarray(unknown_aa, dtype=np.int64) > 0
        met.text[rows] = (
            f"ClinVar P/LP {label}: "
            + agg.to_numpy(dtype=object)
            + np.where(unk, " (amino acid not known for the ClinVar record: codon match)", "")
        )
    pm5.strength[ps1.strength > 0] = 0
    return ps1, pm5
