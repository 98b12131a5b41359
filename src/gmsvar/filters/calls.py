"""Per-call masks (depth, genotype quality, VAF, allele balance, genotype state).

Functions ending in ``_calls`` return boolean arrays of shape
``(n_variants, n_samples)``; reduce them to one value per variant with
:func:`any_sample` or :func:`all_samples`. :func:`depth_at_least`,
:func:`genotype_quality_at_least` and :func:`allele_balance_ok` are per-variant
QC shortcuts (shape ``(n_variants,)``).

Genotypes are read strictly: a call with any missing allele (``0/.``, ``./1``)
is not called, not hom-ref, not het and not non-ref. In a split multiallelic
row, allele 1 is this row's ALT and 0 is REF *or another ALT*, so a ``1/2``
call is het in both of its rows.

Examples
--------
>>> import numpy as np
>>> from gmsvar.table import VariantTable, VcfMetadata
>>> from gmsvar.filters import depth_at_least_calls, is_het_calls, any_sample
>>> t = VariantTable(
...     {"call_genotype": np.array([[[0, 1], [0, 0]], [[1, 1], [0, -1]]], dtype=np.int8),
...      "call_depth": np.array([[30, 8], [25, -1]], dtype=np.int32)},
...     meta=VcfMetadata(samples=("A", "B")))
>>> depth_at_least_calls(t, min_depth=20).tolist()
[[True, False], [True, False]]
>>> is_het_calls(t).tolist()
[[True, False], [False, False]]
>>> any_sample(is_het_calls(t) & depth_at_least_calls(t, min_depth=20)).tolist()
[True, False]
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from ..errors import InputError
from ..table import VariantTable
from ._common import BoolArray, column, genotype_classes

__all__ = [
    "all_samples",
    "allele_balance",
    "allele_balance_between_calls",
    "allele_balance_ok",
    "any_sample",
    "depth_at_least",
    "depth_at_least_calls",
    "genotype_quality_at_least",
    "genotype_quality_at_least_calls",
    "is_called_calls",
    "is_hemizygous_calls",
    "is_het_calls",
    "is_hom_alt_calls",
    "is_hom_ref_calls",
    "is_non_ref_calls",
    "vaf_between_calls",
]


# -- reducing per-call masks -------------------------------------------------------------------
def any_sample(mask: npt.ArrayLike, *, where: npt.ArrayLike | None = None) -> BoolArray:
    """True for variants where at least one sample's call is True.

    Parameters
    ----------
    mask
        Boolean per-call mask, shape (n_variants, n_samples).
    where
        Optional boolean (n_variants, n_samples) or (n_samples,) mask of the calls
        to consider (e.g. only the proband's column); others count as False.

    Returns
    -------
    Boolean array, shape (n_variants,). False when there are no samples.

    Examples
    --------
    >>> import numpy as np
    >>> m = np.array([[True, False], [False, False]])
    >>> any_sample(m).tolist(), any_sample(m, where=np.array([False, True])).tolist()
    ([True, False], [False, False])
    """
    m = _as_calls(mask, "mask")
    if where is not None:
        m = m & np.broadcast_to(_as_bool(where, "where"), m.shape)
    return np.asarray(m.any(axis=1))


def all_samples(mask: npt.ArrayLike, *, where: npt.ArrayLike | None = None) -> BoolArray:
    """True for variants where every considered sample's call is True.

    Parameters
    ----------
    mask
        Boolean per-call mask, shape (n_variants, n_samples).
    where
        Optional boolean (n_variants, n_samples) or (n_samples,) mask of the calls
        to consider; calls outside it are ignored. A variant with no considered
        call is True (nothing fails).

    Returns
    -------
    Boolean array, shape (n_variants,).

    Examples
    --------
    >>> import numpy as np
    >>> m = np.array([[True, False], [True, True]])
    >>> all_samples(m).tolist(), all_samples(m, where=np.array([True, False])).tolist()
    ([False, True], [True, True])
    """
    m = _as_calls(mask, "mask")
    if where is not None:
        m = m | ~np.broadcast_to(_as_bool(where, "where"), m.shape)
    return np.asarray(m.all(axis=1))


# -- depth and genotype quality ----------------------------------------------------------------
def depth_at_least_calls(table: VariantTable, *, min_depth: int = 20) -> BoolArray:
    """True for calls with read depth >= ``min_depth``.

    Uses ``call_depth`` (FORMAT/DP, or the sum of allele depths where the file has
    no DP; see ``meta.provenance['depth_source']``). A missing depth (-1) is
    False: an unmeasured call never passes a depth threshold.

    Returns
    -------
    Boolean array, shape (n_variants, n_samples).

    Examples
    --------
    >>> import numpy as np
    >>> from gmsvar.table import VariantTable, VcfMetadata
    >>> t = VariantTable({"call_depth": np.array([[30, -1]], dtype=np.int32)},
    ...                  meta=VcfMetadata(samples=("A", "B")))
    >>> depth_at_least_calls(t, min_depth=20).tolist()
    [[True, False]]
    """
    dp = column(table, "call_depth", needed_for="depth_at_least_calls")
    return np.asarray(dp >= max(int(min_depth), 0)) & (dp >= 0)


def depth_at_least(table: VariantTable, *, min_depth: int = 20) -> BoolArray:
    """True where every *called* sample has read depth >= ``min_depth``.

    Uncalled samples (``./.``, ``0/.``) are ignored; a called sample with a
    missing depth fails. A variant with no called sample passes (there is
    nothing to check), so combine with a genotype mask such as
    ``any_sample(is_non_ref_calls(t))`` when that matters.

    Notes
    -----
    ``bcftools view -e 'FMT/DP<15'`` differs on purpose: it ignores missing DP
    (keeps the site) and also tests uncalled samples.

    Returns
    -------
    Boolean array, shape (n_variants,).

    Examples
    --------
    >>> import numpy as np
    >>> from gmsvar.table import VariantTable, VcfMetadata
    >>> t = VariantTable(
    ...     {"call_depth": np.array([[30, 3], [30, -1]], dtype=np.int32),
    ...      "call_genotype": np.array([[[0, 1], [-1, -1]], [[0, 1], [0, 0]]], dtype=np.int8)},
    ...     meta=VcfMetadata(samples=("A", "B")))
    >>> depth_at_least(t, min_depth=20).tolist()
    [True, False]
    """
    ok = depth_at_least_calls(table, min_depth=min_depth)
    called = genotype_classes(table, needed_for="depth_at_least").called
    return all_samples(ok, where=called)


def genotype_quality_at_least_calls(table: VariantTable, *, min_gq: int = 20) -> BoolArray:
    """True for calls with genotype quality (FORMAT/GQ) >= ``min_gq``; missing GQ (-1) is False.

    Returns
    -------
    Boolean array, shape (n_variants, n_samples).

    Examples
    --------
    >>> import numpy as np
    >>> from gmsvar.table import VariantTable, VcfMetadata
    >>> t = VariantTable({"call_genotype_quality": np.array([[99, 5, -1]], dtype=np.int32)},
    ...                  meta=VcfMetadata(samples=("A", "B", "C")))
    >>> genotype_quality_at_least_calls(t, min_gq=20).tolist()
    [[True, False, False]]
    """
    gq = column(table, "call_genotype_quality", needed_for="genotype_quality_at_least_calls")
    return np.asarray(gq >= max(int(min_gq), 0)) & (gq >= 0)


def genotype_quality_at_least(table: VariantTable, *, min_gq: int = 20) -> BoolArray:
    """True where every called sample has GQ >= ``min_gq`` (missing GQ on a called sample fails).

    Uncalled samples are ignored and a variant with no called sample passes, as in
    :func:`depth_at_least`.

    Returns
    -------
    Boolean array, shape (n_variants,).

    Examples
    --------
    >>> import numpy as np
    >>> from gmsvar.table import VariantTable, VcfMetadata
    >>> t = VariantTable(
    ...     {"call_genotype_quality": np.array([[99], [5]], dtype=np.int32),
    ...      "call_genotype": np.array([[[0, 1]], [[0, 1]]], dtype=np.int8)},
    ...     meta=VcfMetadata(samples=("A",)))
    >>> genotype_quality_at_least(t, min_gq=20).tolist()
    [True, False]
    """
    ok = genotype_quality_at_least_calls(table, min_gq=min_gq)
    called = genotype_classes(table, needed_for="genotype_quality_at_least").called
    return all_samples(ok, where=called)


# -- VAF and allele balance --------------------------------------------------------------------
def vaf_between_calls(
    table: VariantTable, *, min_vaf: float = 0.0, max_vaf: float = 1.0
) -> BoolArray:
    """True for calls whose variant allele fraction is within ``[min_vaf, max_vaf]``.

    Uses ``call_vaf`` (float32; source in ``meta.provenance['vaf_source']``). The
    bounds are compared at float32, as the values are stored. A missing VAF
    (NaN) is False.

    Returns
    -------
    Boolean array, shape (n_variants, n_samples).

    Examples
    --------
    >>> import numpy as np
    >>> from gmsvar.table import VariantTable, VcfMetadata
    >>> t = VariantTable({"call_vaf": np.array([[0.004, 0.5, np.nan]], dtype=np.float32)},
    ...                  meta=VcfMetadata(samples=("A", "B", "C")))
    >>> vaf_between_calls(t, min_vaf=0.001, max_vaf=0.01).tolist()
    [[True, False, False]]
    """
    if min_vaf > max_vaf:
        raise InputError(f"min_vaf ({min_vaf}) is above max_vaf ({max_vaf})")
    vaf = column(table, "call_vaf", needed_for="vaf_between_calls")
    lo, hi = _at_dtype(min_vaf, vaf), _at_dtype(max_vaf, vaf)
    return np.asarray((vaf >= lo) & (vaf <= hi))


def allele_balance(table: VariantTable) -> np.ndarray:
    """Allele balance ALT / (REF + ALT) per call, from ``call_allele_depth``.

    In a split multiallelic row the denominator is this row's REF and ALT reads
    only (reads for other ALTs are not counted), as in ``bcftools norm -m-``.

    Returns
    -------
    float64 array, shape (n_variants, n_samples); NaN where either depth is
    missing (-1) or both are zero.

    Examples
    --------
    >>> import numpy as np
    >>> from gmsvar.table import VariantTable, VcfMetadata
    >>> ad = np.array([[[12, 8], [0, 0], [-1, 5]]], dtype=np.int32)
    >>> t = VariantTable({"call_allele_depth": ad}, meta=VcfMetadata(samples=("A", "B", "C")))
    >>> allele_balance(t).round(2).tolist()
    [[0.4, nan, nan]]
    """
    ad = column(table, "call_allele_depth", needed_for="allele_balance",
                hint="the file needs FORMAT/AD (or AO/RO)")
    ref = ad[..., 0].astype(np.float64)
    alt = ad[..., 1].astype(np.float64)
    total = ref + alt
    ok = (ad[..., 0] >= 0) & (ad[..., 1] >= 0) & (total > 0)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(ok, alt / np.where(ok, total, 1.0), np.nan)


def allele_balance_between_calls(
    table: VariantTable, *, min_ab: float = 0.3, max_ab: float = 0.7
) -> BoolArray:
    """True for heterozygous calls whose allele balance is within ``[min_ab, max_ab]``.

    Non-het calls and het calls without allele depths are False. The default
    0.3-0.7 window is the germline het expectation (VAF ~0.5); labs set their own.

    Returns
    -------
    Boolean array, shape (n_variants, n_samples).

    Examples
    --------
    >>> import numpy as np
    >>> from gmsvar.table import VariantTable, VcfMetadata
    >>> t = VariantTable(
    ...     {"call_allele_depth": np.array([[[12, 8], [19, 1], [0, 9]]], dtype=np.int32),
    ...      "call_genotype": np.array([[[0, 1], [0, 1], [1, 1]]], dtype=np.int8)},
    ...     meta=VcfMetadata(samples=("A", "B", "C")))
    >>> allele_balance_between_calls(t).tolist()
    [[True, False, False]]
    """
    if min_ab > max_ab:
        raise InputError(f"min_ab ({min_ab}) is above max_ab ({max_ab})")
    ab = allele_balance(table)
    het = genotype_classes(table, needed_for="allele_balance_between_calls").het
    with np.errstate(invalid="ignore"):
        return het & (ab >= min_ab) & (ab <= max_ab)


def allele_balance_ok(
    table: VariantTable, *, min_ab: float = 0.3, max_ab: float = 0.7
) -> BoolArray:
    """True where every heterozygous call has allele balance within ``[min_ab, max_ab]``.

    Variants without het calls pass. A het call with missing allele depths fails.

    Returns
    -------
    Boolean array, shape (n_variants,).

    Examples
    --------
    >>> import numpy as np
    >>> from gmsvar.table import VariantTable, VcfMetadata
    >>> t = VariantTable(
    ...     {"call_allele_depth": np.array([[[12, 8]], [[19, 1]], [[0, 9]]], dtype=np.int32),
    ...      "call_genotype": np.array([[[0, 1]], [[0, 1]], [[1, 1]]], dtype=np.int8)},
    ...     meta=VcfMetadata(samples=("A",)))
    >>> allele_balance_ok(t).tolist()
    [True, False, True]
    """
    ok = allele_balance_between_calls(table, min_ab=min_ab, max_ab=max_ab)
    het = genotype_classes(table, needed_for="allele_balance_ok").het
    return all_samples(ok, where=het)


# -- genotype states ---------------------------------------------------------------------------
def is_called_calls(table: VariantTable) -> BoolArray:
    """True for calls with every allele present (``0/.`` and ``./.`` are not called).

    Returns
    -------
    Boolean array, shape (n_variants, n_samples).

    Examples
    --------
    >>> import numpy as np
    >>> from gmsvar.table import VariantTable, VcfMetadata
    >>> gt = np.array([[[0, 0], [0, -1], [-1, -1], [1, -2]]], dtype=np.int8)
    >>> t = VariantTable({"call_genotype": gt}, meta=VcfMetadata(samples=tuple("ABCD")))
    >>> is_called_calls(t).tolist()
    [[True, False, False, True]]
    """
    return genotype_classes(table, needed_for="is_called_calls").called


def is_hom_ref_calls(table: VariantTable) -> BoolArray:
    """True for called calls with only REF alleles (``0/0``, haploid ``0``; not ``0/.``).

    Returns
    -------
    Boolean array, shape (n_variants, n_samples).

    Examples
    --------
    >>> import numpy as np
    >>> from gmsvar.table import VariantTable, VcfMetadata
    >>> gt = np.array([[[0, 0], [0, -1], [0, -2]]], dtype=np.int8)
    >>> t = VariantTable({"call_genotype": gt}, meta=VcfMetadata(samples=tuple("ABC")))
    >>> is_hom_ref_calls(t).tolist()
    [[True, False, True]]
    """
    return genotype_classes(table, needed_for="is_hom_ref_calls").hom_ref


def is_het_calls(table: VariantTable) -> BoolArray:
    """True for called heterozygous calls (``0/1``, ``1|0``; each row of a split ``1/2``).

    Returns
    -------
    Boolean array, shape (n_variants, n_samples).

    Examples
    --------
    >>> import numpy as np
    >>> from gmsvar.table import VariantTable, VcfMetadata
    >>> gt = np.array([[[0, 1], [1, 0], [-1, 1], [1, 1]]], dtype=np.int8)
    >>> t = VariantTable({"call_genotype": gt}, meta=VcfMetadata(samples=tuple("ABCD")))
    >>> is_het_calls(t).tolist()
    [[True, True, False, False]]
    """
    return genotype_classes(table, needed_for="is_het_calls").het


def is_hom_alt_calls(table: VariantTable) -> BoolArray:
    """True for called diploid (or higher ploidy) calls with only this ALT (``1/1``).

    Haploid ``1`` is not included; see :func:`is_hemizygous_calls`.

    Returns
    -------
    Boolean array, shape (n_variants, n_samples).

    Examples
    --------
    >>> import numpy as np
    >>> from gmsvar.table import VariantTable, VcfMetadata
    >>> gt = np.array([[[1, 1], [1, -2], [0, 1]]], dtype=np.int8)
    >>> t = VariantTable({"call_genotype": gt}, meta=VcfMetadata(samples=tuple("ABC")))
    >>> is_hom_alt_calls(t).tolist()
    [[True, False, False]]
    """
    return genotype_classes(table, needed_for="is_hom_alt_calls").hom_alt


def is_hemizygous_calls(table: VariantTable) -> BoolArray:
    """True for called haploid ALT calls (``1``, e.g. male chrX outside the PARs).

    Returns
    -------
    Boolean array, shape (n_variants, n_samples).

    Examples
    --------
    >>> import numpy as np
    >>> from gmsvar.table import VariantTable, VcfMetadata
    >>> gt = np.array([[[1, -2], [0, -2], [1, 1]]], dtype=np.int8)
    >>> t = VariantTable({"call_genotype": gt}, meta=VcfMetadata(samples=tuple("ABC")))
    >>> is_hemizygous_calls(t).tolist()
    [[True, False, False]]
    """
    return genotype_classes(table, needed_for="is_hemizygous_calls").hemi_alt


def is_non_ref_calls(table: VariantTable) -> BoolArray:
    """True for called calls carrying this row's ALT (het, hom-alt or hemizygous).

    ``./1`` is not counted (strict: not called).

    Returns
    -------
    Boolean array, shape (n_variants, n_samples).

    Examples
    --------
    >>> import numpy as np
    >>> from gmsvar.table import VariantTable, VcfMetadata
    >>> gt = np.array([[[0, 1], [1, 1], [1, -2], [-1, 1], [0, 0]]], dtype=np.int8)
    >>> t = VariantTable({"call_genotype": gt}, meta=VcfMetadata(samples=tuple("ABCDE")))
    >>> is_non_ref_calls(t).tolist()
    [[True, True, True, False, False]]
    """
    return genotype_classes(table, needed_for="is_non_ref_calls").non_ref


# -- helpers -----------------------------------------------------------------------------------
def _as_bool(mask: npt.ArrayLike, name: str) -> BoolArray:
    arr = np.asarray(mask)
    if arr.dtype != bool:
        raise InputError(f"{name} must be a boolean array, not {arr.dtype}")
    return arr


def _as_calls(mask: npt.ArrayLike, name: str) -> BoolArray:
    arr = _as_bool(mask, name)
    if arr.ndim != 2:
        raise InputError(
            f"{name} has shape {arr.shape}; per-call masks are (n_variants, n_samples)"
        )
    return arr


def _at_dtype(value: float, like: np.ndarray) -> np.floating:
    """A threshold cast to the column's float dtype (float32 columns compare at float32)."""
    if like.dtype == np.float32:
        return np.float32(value)
    return np.float64(value)
