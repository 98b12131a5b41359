"""Restrict a :class:`~gmsvar.table.VariantTable` to a panel's regions.

Examples
--------
>>> import numpy as np
>>> from gmsvar.table import VariantTable, VcfMetadata
>>> from gmsvar.panels import in_panel, load_panel
>>> t = VariantTable(
...     {"variant_contig": np.array([0, 0, 1], dtype=np.int32),
...      "variant_position": np.array([36993331, 36993332, 47345158]),
...      "variant_ref": np.array(["AC", "A", "G"], dtype=object),
...      "variant_alt": np.array(["A", "T", "C"], dtype=object)},
...     meta=VcfMetadata(genome_build="GRCh38"),
...     categories={"variant_contig": np.array(["chr3", "chr2"], dtype=object)})
>>> in_panel(t, load_panel("R210")).tolist()   # a deletion reaching into MLH1 counts
[True, True, True]
>>> in_panel(t, load_panel("R134")).tolist()
[False, False, False]
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

import numpy as np

from ..errors import BuildMismatchError, InputError
from ..regions import Interval, merge_intervals, strip_chr
from ..table import VariantTable
from .model import Confidence, ConfidenceArg, EntityType, Panel, normalise_build

__all__ = ["BuildUnknownError", "in_panel", "overlaps_intervals"]


class BuildUnknownError(InputError):
    """The genome build is needed (to pick panel coordinates) but is not known."""


def _table_build(table: VariantTable, build: str | None) -> str:
    declared = table.meta.genome_build
    known = declared if declared in ("GRCh37", "GRCh38") else None
    if build is None:
        if known is None:
            src = f"{table.meta.source}: " if table.meta.source else ""
            raise BuildUnknownError(
                f"{src}genome build is {declared!r}, so panel coordinates cannot be chosen; "
                "pass build='GRCh38' or build='GRCh37'"
            )
        return known
    b = normalise_build(build)
    if known is not None and known != b:
        raise BuildMismatchError(
            f"build={build!r} but the table was read as {known} "
            f"({table.meta.build_evidence}); drop build= or re-read the VCF with build={b!r}"
        )
    return b


def overlaps_intervals(
    contigs: np.ndarray,
    starts: np.ndarray,
    ends: np.ndarray,
    intervals: Sequence[Interval],
) -> np.ndarray:
    """True where the closed span ``[starts, ends]`` on ``contigs`` overlaps any interval.

    Contig names are compared without ``chr`` (``chr7`` matches ``7``, ``chrM`` ``MT``).

    Parameters
    ----------
    contigs
        Object array of contig names, shape (n,); ``None`` never overlaps.
    starts, ends
        1-based closed spans, shape (n,).
    intervals
        1-based closed intervals, in any order.

    Returns
    -------
    Boolean array, shape (n,).

    Examples
    --------
    >>> import numpy as np
    >>> overlaps_intervals(np.array(["chr1", "1", "2"], dtype=object), np.array([5, 21, 5]),
    ...                    np.array([9, 30, 5]), [Interval("1", 9, 20)]).tolist()
    [True, False, False]
    """
    names = np.asarray(contigs, dtype=object)
    missing = np.array([c is None for c in names], dtype=bool) if names.size else names
    labels, codes = np.unique(np.where(missing, "", names).astype(str), return_inverse=True)
    codes = np.where(missing, -1, codes)
    return _overlaps_coded(codes, labels, np.asarray(starts), np.asarray(ends), intervals)


def _overlaps_coded(
    codes: np.ndarray,
    labels: Sequence[object] | np.ndarray,
    starts: np.ndarray,
    ends: np.ndarray,
    intervals: Sequence[Interval],
) -> np.ndarray:
    """:func:`overlaps_intervals` on categorical contig codes (-1 = missing)."""
    out = np.zeros(len(codes), dtype=bool)
    merged = merge_intervals(Interval(strip_chr(i.contig), i.start, i.end) for i in intervals)
    grouped: dict[str, list[Interval]] = {}
    for iv in merged:
        grouped.setdefault(iv.contig, []).append(iv)
    if not grouped or len(codes) == 0:
        return out
    # One vectorised pass per contig label (a handful), never per record.
    for k, label in enumerate(labels):
        if label is None:
            continue
        ivs = grouped.get(strip_chr(str(label)))
        if ivs is None:
            continue
        rows = np.flatnonzero(codes == k)
        if rows.size == 0:
            continue
        iv_start = np.array([i.start for i in ivs], dtype=np.int64)
        iv_end = np.array([i.end for i in ivs], dtype=np.int64)
        # Merged intervals are disjoint and sorted, so their ends are sorted too: the only
        # candidate is the last interval starting at or before the record's end.
        j = np.searchsorted(iv_start, ends[rows], side="right") - 1
        out[rows] = (j >= 0) & (iv_end[np.maximum(j, 0)] >= starts[rows])
    return out


def _ref_lengths(refs: np.ndarray) -> np.ndarray:
    """len(REF) per row, vectorised through numpy's variable-width string dtype."""
    if refs.dtype.kind == "U":
        return np.char.str_len(refs).astype(np.int64)
    string_dtype = getattr(np.dtypes, "StringDType", None)
    if string_dtype is None:  # numpy < 2: no variable-width strings
        return np.fromiter((len(r or "") for r in refs), dtype=np.int64, count=len(refs))
    # StringDType avoids padding every REF to the longest one (as a fixed "U" array would);
    # a missing REF (None) counts as length 0, so the span is POS alone.
    missing = refs == None  # noqa: E711 - elementwise comparison on an object array
    as_str = np.where(missing, "", refs).astype(string_dtype())
    return np.asarray(np.strings.str_len(as_str), dtype=np.int64)


def in_panel(
    table: VariantTable,
    panel: Panel | Sequence[Interval],
    *,
    build: str | None = None,
    padding: int = 0,
    confidence: ConfidenceArg = Confidence.GREEN,
    entity_types: Collection[EntityType] = ("gene", "str", "region"),
) -> np.ndarray:
    """True for variant rows overlapping the panel's regions.

    A row spans ``POS .. POS + len(REF) - 1``, so a deletion starting just before a
    region counts, as with ``bcftools view -R`` (its default ``--regions-overlap
    record``).

    Parameters
    ----------
    table
        Needs ``variant_contig`` (categorical), ``variant_position`` and ``variant_ref``.
    panel
        A :class:`Panel`, or intervals (then ``padding``, ``confidence`` and
        ``entity_types`` do not apply).
    build
        ``"GRCh38"``/``"GRCh37"``; default the table's ``meta.genome_build``.
    padding, confidence, entity_types
        Passed to :meth:`Panel.regions`: bases added each side, ratings kept
        (default green only), entity kinds.

    Returns
    -------
    Boolean array, shape (n_variants,).

    Raises
    ------
    BuildUnknownError
        The table's build is unknown and ``build`` was not given.
    BuildMismatchError
        ``build`` contradicts the build the table was read with.
    """
    b = _table_build(table, build)
    if isinstance(panel, Panel):
        intervals: Sequence[Interval] = panel.regions(
            build=b, padding=padding, confidence=confidence, entity_types=entity_types
        )
    else:
        intervals = list(panel)
    if len(table) == 0:
        return np.zeros(0, dtype=bool)
    pos = np.asarray(table["variant_position"], dtype=np.int64)
    ends = pos + np.maximum(_ref_lengths(np.asarray(table["variant_ref"])), 1) - 1
    codes = np.asarray(table["variant_contig"])
    labels = table.categories.get("variant_contig")
    if labels is None or codes.dtype.kind not in "iu":
        return overlaps_intervals(np.asarray(codes, dtype=object), pos, ends, intervals)
    return _overlaps_coded(codes, labels, pos, ends, intervals)
