"""Consequence severity (Sequence Ontology ranking) and impact masks.

Ranks come from ``gmsvar/data/so_consequences.tsv`` (VEP display order, 1 =
most severe, plus SnpEff and bcftools csq synonyms), read by :mod:`gmsvar._so`; a
missing or malformed file raises :class:`~gmsvar.errors.KnowledgeBaseError`. Lower
rank = more severe, so "at least as severe as missense" means
``rank <= rank('missense_variant')``.

Examples
--------
>>> from gmsvar.filters import consequence_rank, impact_of
>>> consequence_rank("stop_gained"), consequence_rank("missense_variant")
(4, 13)
>>> consequence_rank("conservative_inframe_deletion")   # SnpEff term -> inframe_deletion
12
>>> impact_of("splice_region_variant")
'LOW'
"""

from __future__ import annotations

import difflib
import warnings
from functools import lru_cache
from typing import Literal

import numpy as np

from .._so import IMPACTS, ORIGINS, SoTerm, so_rows
from ..errors import GmsvarWarning, InputError
from ..table import VariantTable
from ._common import BoolArray, column

__all__ = [
    "IMPACTS",
    "SoTerm",
    "consequence_at_least",
    "consequence_rank",
    "consequence_ranks",
    "impact_at_least",
    "impact_of",
    "so_table",
]

# When a term appears under several origins, prefer the current VEP meaning (ORIGINS' order).
_ORIGIN_PRIORITY = {origin: i for i, origin in enumerate(ORIGINS)}


def so_table() -> tuple[SoTerm, ...]:
    """The consequence severity table (``gmsvar/data/so_consequences.tsv``), in file order.

    Returns
    -------
    tuple of :class:`SoTerm`

    Raises
    ------
    KnowledgeBaseError
        The shipped table is missing or malformed.

    Examples
    --------
    >>> rows = so_table()
    >>> rows[0].term, rows[0].rank, rows[0].impact
    ('transcript_ablation', 1, 'HIGH')
    """
    return so_rows()[1]


@lru_cache(maxsize=1)
def _lookup() -> dict[str, SoTerm]:
    """Case-insensitive term -> row; reported ``so_term`` labels map to their own row first."""
    best: dict[str, tuple[tuple[int, int], SoTerm]] = {}
    for row in so_table():
        prio = _ORIGIN_PRIORITY.get(row.origin, 9)
        for key, own in ((row.term, 0), (row.so_term, 1)):
            k = key.lower()
            score = (own, prio)
            if k not in best or score < best[k][0]:
                best[k] = (score, row)
    return {k: v[1] for k, v in best.items()}


def _find(term: str) -> SoTerm | None:
    parts = [p for p in term.strip().lstrip("*").split("&") if p]
    found = [_lookup().get(p.lower()) for p in parts]
    rows = [r for r in found if r is not None]
    if not rows or len(rows) != len(parts):
        return None
    return min(rows, key=lambda r: r.rank)


def consequence_rank(term: str) -> int:
    """SO severity rank of a consequence term (1 = most severe).

    Accepts VEP/SO terms, SnpEff and bcftools csq synonyms (case-insensitive) and
    ``&``-joined lists (the most severe part counts).

    Raises
    ------
    InputError
        Unknown term (with close matches suggested).

    Examples
    --------
    >>> consequence_rank("frameshift_variant"), consequence_rank("missense&splice_region")
    (5, 13)
    """
    row = _find(term)
    if row is None:
        known = sorted({r.so_term for r in so_table()})
        close = difflib.get_close_matches(term, known, n=3)
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        raise InputError(f"unknown consequence term {term!r}{hint}")
    return row.rank


def impact_of(term: str) -> str:
    """IMPACT class (HIGH/MODERATE/LOW/MODIFIER) of a consequence term.

    Examples
    --------
    >>> impact_of("stop_gained"), impact_of("TFBS_ablation")
    ('HIGH', 'MODERATE')
    """
    row = _find(term)
    if row is None:
        consequence_rank(term)  # raises with suggestions
    assert row is not None
    return row.impact


def consequence_ranks(labels: np.ndarray) -> np.ndarray:
    """Ranks of an array of consequence labels (``None`` or unknown -> -1).

    Vectorised over unique labels.

    Examples
    --------
    >>> import numpy as np
    >>> consequence_ranks(np.array(["stop_gained", None, "intron_variant"], dtype=object)).tolist()
    [4, -1, 28]
    """
    arr = np.asarray(labels, dtype=object)
    out = np.full(arr.shape, -1, dtype=np.int16)
    if arr.size == 0:
        return out
    uniq, inv = _unique_objects(arr.ravel())
    ranks = np.array([_rank_or_missing(u) for u in uniq], dtype=np.int16)
    return np.asarray(ranks[inv].reshape(arr.shape))


def _rank_or_missing(label: object) -> int:
    if not isinstance(label, str):
        return -1
    row = _find(label)
    return -1 if row is None else row.rank


def _impact_code(label: object) -> int:
    """Index into IMPACTS (0 = HIGH), -1 when unknown."""
    if not isinstance(label, str):
        return -1
    up = label.upper()
    return IMPACTS.index(up) if up in IMPACTS else -1


def _unique_objects(values: np.ndarray) -> tuple[list[object], np.ndarray]:
    """Unique values (None allowed) and the inverse index, without sorting objects."""
    index: dict[object, int] = {}
    inv = np.fromiter((index.setdefault(v, len(index)) for v in values), dtype=np.intp,
                      count=len(values))
    return list(index), inv


Use = Literal["worst", "chosen"]


def _label_ranks(table: VariantTable, name: str, *, needed_for: str) -> np.ndarray:
    """Per-row rank of a categorical consequence column, mapped through its labels."""
    codes = column(table, name, needed_for=needed_for,
                   hint="read a VCF annotated with VEP CSQ, SnpEff ANN or bcftools BCSQ")
    labels = table.categories.get(name)
    if labels is None:
        raise InputError(f"{needed_for}: column {name!r} has no category labels")
    label_ranks = consequence_ranks(labels)
    unknown = [str(lab) for lab, r in zip(labels, label_ranks, strict=True) if r < 0]
    if unknown:
        warnings.warn(
            f"{needed_for}: consequence labels not in the SO severity table are treated as "
            f"unknown (never pass): {unknown[:5]}",
            GmsvarWarning,
            stacklevel=3,
        )
    lookup = np.append(label_ranks, np.int16(-1))
    return lookup[np.where(codes < 0, len(label_ranks), codes)]


def _row_ranks(table: VariantTable, use: Use, *, needed_for: str) -> np.ndarray:
    if use == "worst":
        return _label_ranks(table, "variant_worst_consequence", needed_for=needed_for)
    if use == "chosen":
        if "variant_consequence_rank" in table:
            return np.asarray(table["variant_consequence_rank"])
        return _label_ranks(table, "variant_consequence", needed_for=needed_for)
    raise InputError(f"use must be 'worst' or 'chosen', not {use!r}")


def consequence_at_least(table: VariantTable, term: str, *, use: Use = "worst") -> BoolArray:
    """True for variants whose consequence is at least as severe as ``term``.

    Parameters
    ----------
    term
        SO term, e.g. ``"missense_variant"`` (SnpEff/bcftools synonyms accepted).
    use
        ``"worst"`` (default): the most severe consequence over all transcripts
        (``variant_worst_consequence``), so a variant is not missed because the
        chosen transcript is a non-coding one. ``"chosen"``: the consequence on
        the chosen (MANE Select / canonical) transcript, via
        ``variant_consequence_rank``.

    Returns
    -------
    Boolean array, shape (n_variants,). Variants without a consequence (-1) are False.

    Examples
    --------
    >>> import numpy as np
    >>> from gmsvar.table import VariantTable
    >>> t = VariantTable(
    ...     {"variant_worst_consequence": np.array([0, 1, 2, -1], dtype=np.int32)},
    ...     categories={"variant_worst_consequence":
    ...                 ["stop_gained", "missense_variant", "synonymous_variant"]})
    >>> consequence_at_least(t, "missense_variant").tolist()
    [True, True, False, False]
    """
    limit = consequence_rank(term)
    ranks = _row_ranks(table, use, needed_for="consequence_at_least")
    return np.asarray((ranks >= 1) & (ranks <= limit))


def impact_at_least(table: VariantTable, impact: str, *, use: Use = "worst") -> BoolArray:
    """True for variants whose IMPACT is ``impact`` or more severe.

    Order: HIGH > MODERATE > LOW > MODIFIER.

    Parameters
    ----------
    impact
        ``"HIGH"``, ``"MODERATE"``, ``"LOW"`` or ``"MODIFIER"`` (case-insensitive).
    use
        ``"worst"`` (default): impact of the worst consequence over all transcripts
        (from the SO table). ``"chosen"``: the annotation's IMPACT of the chosen
        transcript (``variant_impact``).

    Returns
    -------
    Boolean array, shape (n_variants,); unannotated variants are False.

    Examples
    --------
    >>> import numpy as np
    >>> from gmsvar.table import VariantTable
    >>> t = VariantTable(
    ...     {"variant_impact": np.array([0, 1, -1], dtype=np.int32)},
    ...     categories={"variant_impact": ["MODERATE", "LOW"]})
    >>> impact_at_least(t, "moderate", use="chosen").tolist()
    [True, False, False]
    """
    want = _impact_code(impact)
    if want < 0:
        raise InputError(f"impact must be one of {IMPACTS}, not {impact!r}")
    if use == "chosen":
        codes = column(table, "variant_impact", needed_for="impact_at_least")
        labels = table.categories.get("variant_impact")
        if labels is None:
            raise InputError("impact_at_least: column 'variant_impact' has no category labels")
        label_codes = np.array([_impact_code(lab) for lab in labels] + [-1], dtype=np.int8)
        row = label_codes[np.where(codes < 0, len(labels), codes)]
    elif use == "worst":
        name = "variant_worst_consequence"
        codes = column(table, name, needed_for="impact_at_least",
                       hint="read a VCF annotated with VEP CSQ, SnpEff ANN or bcftools BCSQ")
        labels = table.categories.get(name)
        if labels is None:
            raise InputError(f"impact_at_least: column {name!r} has no category labels")
        label_codes = np.array(
            [_impact_code(r.impact) if (r := _find(lab) if isinstance(lab, str) else None)
             else -1 for lab in labels] + [-1],
            dtype=np.int8,
        )
        row = label_codes[np.where(codes < 0, len(labels), codes)]
    else:
        raise InputError(f"use must be 'worst' or 'chosen', not {use!r}")
    return np.asarray((row >= 0) & (row <= want))
