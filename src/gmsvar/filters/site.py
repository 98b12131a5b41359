"""Per-variant (site) masks: QUAL, FILTER, gene, population frequency.

Every function returns a boolean array of shape ``(n_variants,)``.

Examples
--------
>>> import numpy as np
>>> from gmsvar.table import VariantTable
>>> from gmsvar.filters import qual_at_least, filter_in
>>> t = VariantTable(
...     {"variant_qual": np.array([50, 12, np.nan], dtype=np.float32),
...      "variant_filter": np.array([[False], [True], [False]]),
...      "variant_filter_pass": np.array([True, False, False]),
...      "variant_filter_missing": np.array([False, False, True])},
...     categories={"variant_filter": ["LowQual"]})
>>> (qual_at_least(t, min_qual=30) & filter_in(t, filters={"PASS", "."})).tolist()
[True, False, False]
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

import numpy as np

from ..errors import InputError
from ..schema import POPFREQ_STATUS
from ..table import VariantTable
from ._common import BoolArray, column

__all__ = ["filter_in", "gene_in", "popfreq_below", "qual_at_least"]


def qual_at_least(table: VariantTable, *, min_qual: float = 30.0) -> BoolArray:
    """True for variants with QUAL >= ``min_qual``.

    QUAL is stored as float32 and compared at float32 (as bcftools does), so
    ``min_qual=0.1`` keeps a QUAL written as ``0.1``. A missing QUAL (``.``,
    NaN) is False.

    Returns
    -------
    Boolean array, shape (n_variants,).

    Examples
    --------
    >>> import numpy as np
    >>> from gmsvar.table import VariantTable
    >>> t = VariantTable({"variant_qual": np.array([0.1, 0.09, np.nan], dtype=np.float32)})
    >>> qual_at_least(t, min_qual=0.1).tolist()
    [True, False, False]
    """
    qual = column(table, "variant_qual", needed_for="qual_at_least")
    threshold = qual.dtype.type(min_qual) if qual.dtype.kind == "f" else min_qual
    return np.asarray(qual >= threshold)


def filter_in(table: VariantTable, *, filters: Iterable[str] = ("PASS",)) -> BoolArray:
    """True for variants whose FILTER column contains at least one of ``filters``.

    Like ``bcftools view -f``: ``"PASS"`` matches passing records and ``"."``
    matches records with no FILTER set, so ``filters={"PASS", "."}`` keeps
    everything not explicitly filtered.

    Raises
    ------
    InputError
        A name that is neither ``PASS``/``.`` nor a FILTER declared in the header or
        present in the table (a typo would otherwise silently drop everything).

    Returns
    -------
    Boolean array, shape (n_variants,).

    Examples
    --------
    >>> import numpy as np
    >>> from gmsvar.table import VariantTable
    >>> t = VariantTable(
    ...     {"variant_filter": np.array([[False, False], [True, False], [True, True]]),
    ...      "variant_filter_pass": np.array([True, False, False])},
    ...     categories={"variant_filter": ["q10", "s50"]})
    >>> filter_in(t, filters={"PASS", "s50"}).tolist()
    [True, False, True]
    """
    wanted = {filters} if isinstance(filters, str) else set(filters)
    n = len(table)
    out = np.zeros(n, dtype=bool)
    matrix, labels = filter_matrix(table, needed_for="filter_in")
    known = set(labels) | set(table.meta.filters) | {"PASS", "."}
    unknown = sorted(wanted - known)
    if unknown:
        raise InputError(
            f"filter_in: FILTER name(s) {unknown} are not declared in the header; "
            f"known: {sorted(known)}"
        )
    if "PASS" in wanted:
        out |= filter_pass(table)
    if "." in wanted:
        out |= filter_missing(table)
    idx = [i for i, lab in enumerate(labels) if lab in wanted and lab not in ("PASS", ".")]
    if idx:
        out |= matrix[:, idx].any(axis=1)
    return out


def filter_matrix(table: VariantTable, *, needed_for: str) -> tuple[np.ndarray, list[str]]:
    """``variant_filter`` (bool, (n, n_labels)) and its labels."""
    if "variant_filter" not in table:
        if "variant_filter_pass" in table:
            return np.zeros((len(table), 0), dtype=bool), []
        column(table, "variant_filter", needed_for=needed_for)
    matrix = table["variant_filter"]
    labels = [str(x) for x in table.categories.get("variant_filter", [])]
    if matrix.ndim != 2 or matrix.shape[1] != len(labels):
        raise InputError(
            f"{needed_for}: variant_filter has shape {matrix.shape} but "
            f"{len(labels)} labels in categories['variant_filter']"
        )
    return matrix, labels


def filter_pass(table: VariantTable) -> BoolArray:
    """True where FILTER is ``PASS``."""
    if "variant_filter_pass" in table:
        return np.asarray(table["variant_filter_pass"], dtype=bool)
    matrix, labels = filter_matrix(table, needed_for="FILTER=PASS")
    if "PASS" in labels:
        return np.asarray(matrix[:, labels.index("PASS")])
    return np.zeros(len(table), dtype=bool)


def filter_missing(table: VariantTable) -> BoolArray:
    """True where FILTER is ``.`` (no filter applied)."""
    if "variant_filter_missing" in table:
        return np.asarray(table["variant_filter_missing"], dtype=bool)
    matrix, labels = filter_matrix(table, needed_for="FILTER='.'")
    other = [i for i, lab in enumerate(labels) if lab != "PASS"]
    return ~filter_pass(table) & ~matrix[:, other].any(axis=1)


def gene_in(table: VariantTable, genes: Iterable[str]) -> BoolArray:
    """True for variants whose gene (``variant_gene``) is in ``genes``.

    Symbols are matched exactly (HGNC symbols are case-sensitive, e.g. ``C9orf72``).
    Variants without a gene (-1) are False. Vectorised over the gene labels.

    Returns
    -------
    Boolean array, shape (n_variants,).

    Examples
    --------
    >>> import numpy as np
    >>> from gmsvar.table import VariantTable
    >>> t = VariantTable({"variant_gene": np.array([0, 1, -1, 0], dtype=np.int32)},
    ...                  categories={"variant_gene": ["MLH1", "TTN"]})
    >>> gene_in(t, {"MLH1", "MSH2"}).tolist()
    [True, False, False, True]
    """
    wanted = {genes} if isinstance(genes, str) else {str(g) for g in genes}
    codes = column(table, "variant_gene", needed_for="gene_in",
                   hint="read a VCF annotated with VEP CSQ, SnpEff ANN or bcftools BCSQ")
    labels = table.categories.get("variant_gene")
    if labels is None:
        raise InputError("gene_in: column 'variant_gene' has no category labels")
    hit = np.array([lab in wanted for lab in labels] + [False], dtype=bool)
    return hit[np.where(codes < 0, len(labels), codes)]


PopfreqUse = Literal["max", "global"]


def popfreq_below(
    table: VariantTable,
    *,
    max_af: float,
    use: PopfreqUse = "max",
    keep_unknown: bool = True,
) -> BoolArray:
    """True for variants rarer than ``max_af`` in the population database.

    Parameters
    ----------
    max_af
        Allele-frequency cut-off; a variant passes when its AF is strictly below it.
    use
        ``"max"`` (default): the highest ancestry-group AF (``variant_popfreq_max``:
        grpmax/popmax/faf95 or the maximum over groups), so a variant common in any
        one group is not treated as rare; where that is missing for a variant the
        database does report, the global AF is used. ``"global"``: the global AF
        (``variant_popfreq_af``).
    keep_unknown
        What to return for variants whose frequency is unknown
        (``variant_popfreq_status`` 0 = not annotated, or no AF value): ``True``
        (default) keeps them, as a clinical filter must not drop what it cannot
        assess; ``False`` drops them. Variants annotated but absent from the
        database (status 1) have AF 0 and always pass.

    Returns
    -------
    Boolean array, shape (n_variants,).

    Examples
    --------
    >>> import numpy as np
    >>> from gmsvar.table import VariantTable
    >>> t = VariantTable({
    ...     "variant_popfreq_af": np.array([0.001, np.nan, 0.0, 0.2]),
    ...     "variant_popfreq_max": np.array([0.03, np.nan, 0.0, 0.4]),
    ...     "variant_popfreq_status": np.array([2, 0, 1, 2], dtype=np.int8)})
    >>> popfreq_below(t, max_af=0.01).tolist()          # common in one group: not rare
    [False, True, True, False]
    >>> popfreq_below(t, max_af=0.01, use="global", keep_unknown=False).tolist()
    [True, False, True, False]
    """
    if not 0.0 <= max_af <= 1.0:
        raise InputError(f"max_af must be within [0, 1], not {max_af}")
    if use not in ("max", "global"):
        raise InputError(f"use must be 'max' or 'global', not {use!r}")
    hint = "annotate with gnomAD (INFO or VEP --af_gnomade) and read it with read_vcf"
    glob = np.asarray(column(table, "variant_popfreq_af", needed_for="popfreq_below", hint=hint),
                      dtype=np.float64)
    if use == "max":
        top = np.asarray(
            column(table, "variant_popfreq_max", needed_for="popfreq_below(use='max')",
                   hint=hint + "; or pass use='global'"),
            dtype=np.float64,
        )
        af = np.where(np.isnan(top), glob, top)
    else:
        af = glob
    if "variant_popfreq_status" in table:
        status = np.asarray(table["variant_popfreq_status"])
    else:
        status = np.where(np.isnan(af), POPFREQ_STATUS["not_annotated"], POPFREQ_STATUS["present"])
    absent = status == POPFREQ_STATUS["absent"]
    value = np.where(absent, 0.0, af)
    unknown = (status == POPFREQ_STATUS["not_annotated"]) | (~absent & np.isnan(value))
    with np.errstate(invalid="ignore"):
        rare = value < max_af
    return np.where(unknown, bool(keep_unknown), rare)
