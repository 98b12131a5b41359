"""Somatic / ctDNA evidence masks: supporting reads and a depth-aware binomial limit of detection.

A bare VAF cut-off ignores depth: 3 alt reads in 300 (1%) and 3 in 30,000
(0.01%) have very different meaning. These functions model the alt-read count
of a call as ``X ~ Binomial(d, v)`` where ``d`` is the call's depth:

* :func:`lod_pass_calls` - the observed alt reads are real signal: at least
  ``min_alt_reads`` and unlikely under the background error rate,
  ``P(X >= k | d, error_rate) <= alpha``;
* :func:`detectable_calls` - the depth is enough to see a variant at
  ``min_vaf``: ``P(X >= min_alt_reads | d, min_vaf) >= power`` (use it to say
  whether a *negative* result at this locus is informative);
* :func:`lod_vaf_calls` - the limit of detection per call: the smallest VAF
  detected with that power at this depth.

Depth ``d`` is ``call_depth`` (FORMAT/DP), or REF+ALT allele depths where DP
is missing, and never less than the observed alt reads. Alt reads are
``call_allele_depth[..., 1]``.

Examples
--------
>>> import numpy as np
>>> from gmsvar.table import VariantTable, VcfMetadata
>>> from gmsvar.filters import lod_pass_calls, detectable_calls
>>> t = VariantTable(
...     {"call_depth": np.array([[300], [30000], [40]], dtype=np.int32),
...      "call_allele_depth": np.array([[[297, 3]], [[29997, 3]], [[40, 0]]], dtype=np.int32)},
...     meta=VcfMetadata(samples=("cfDNA",)))
>>> lod_pass_calls(t, error_rate=1e-4, alpha=0.01).ravel().tolist()
[True, False, False]
>>> detectable_calls(t, min_vaf=0.005, min_alt_reads=3, power=0.95).ravel().tolist()
[False, True, False]
"""

from __future__ import annotations

import numpy as np

from ..errors import InputError
from ..table import VariantTable
from ._binom import binomial_tail
from ._common import BoolArray, column
from .calls import any_sample

__all__ = [
    "binomial_tail",
    "detectable_calls",
    "lod_pass",
    "lod_pass_calls",
    "lod_vaf_calls",
    "min_alt_reads",
    "min_alt_reads_calls",
]


def _alt_reads(table: VariantTable, needed_for: str) -> np.ndarray:
    ad = column(table, "call_allele_depth", needed_for=needed_for,
                hint="the file needs FORMAT/AD (or the caller's allele-count fields)")
    return np.asarray(ad[..., 1])


def _depth(table: VariantTable, needed_for: str) -> np.ndarray:
    """Depth per call (int64, -1 missing): DP, else REF+ALT reads; at least the alt reads."""
    ad = column(table, "call_allele_depth", needed_for=needed_for,
                hint="the file needs FORMAT/AD (or the caller's allele-count fields)")
    alt = ad[..., 1].astype(np.int64)
    ad_total = np.where((ad[..., 0] >= 0) & (ad[..., 1] >= 0),
                        ad[..., 0].astype(np.int64) + alt, -1)
    if "call_depth" in table:
        dp = table["call_depth"].astype(np.int64)
        dp = np.where(dp >= 0, dp, ad_total)
    else:
        dp = ad_total
    return np.where(dp >= 0, np.maximum(dp, alt), -1)


def min_alt_reads_calls(table: VariantTable, *, n: int = 3) -> BoolArray:
    """True for calls with at least ``n`` reads supporting this ALT (missing AD is False).

    Returns
    -------
    Boolean array, shape (n_variants, n_samples).

    Examples
    --------
    >>> import numpy as np
    >>> from gmsvar.table import VariantTable, VcfMetadata
    >>> ad = np.array([[[90, 10], [99, 1], [-1, -1]]], dtype=np.int32)
    >>> t = VariantTable({"call_allele_depth": ad}, meta=VcfMetadata(samples=tuple("ABC")))
    >>> min_alt_reads_calls(t, n=3).tolist()
    [[True, False, False]]
    """
    if n < 0:
        raise InputError(f"n must be >= 0, not {n}")
    alt = _alt_reads(table, "min_alt_reads_calls")
    return np.asarray((alt >= n) & (alt >= 0))


def min_alt_reads(table: VariantTable, *, n: int = 3) -> BoolArray:
    """True for variants where at least one sample has ``n`` or more alt reads.

    Returns
    -------
    Boolean array, shape (n_variants,).

    Examples
    --------
    >>> import numpy as np
    >>> from gmsvar.table import VariantTable, VcfMetadata
    >>> ad = np.array([[[90, 10], [99, 1]], [[99, 1], [50, 0]]], dtype=np.int32)
    >>> t = VariantTable({"call_allele_depth": ad}, meta=VcfMetadata(samples=("T", "N")))
    >>> min_alt_reads(t, n=3).tolist()
    [True, False]
    """
    return any_sample(min_alt_reads_calls(table, n=n))


def _check_prob(name: str, value: float, *, open_low: bool = True) -> None:
    low_ok = value > 0.0 if open_low else value >= 0.0
    if not (low_ok and value < 1.0):
        raise InputError(f"{name} must be within (0, 1), not {value}")


def lod_pass_calls(
    table: VariantTable,
    *,
    error_rate: float,
    alpha: float = 0.01,
    min_alt_reads: int = 3,
) -> BoolArray:
    """True for calls whose alt reads are unlikely to be background error at their depth.

    A call with ``k`` alt reads at depth ``d`` passes when ``k >= min_alt_reads``
    and ``P(X >= k) <= alpha`` for ``X ~ Binomial(d, error_rate)``: a one-sided
    binomial test of the observed reads against the per-base error rate.

    Parameters
    ----------
    error_rate
        Background (sequencing + PCR) error rate per base for this assay: roughly
        1e-3 for raw Illumina reads, 1e-4 to 1e-5 after UMI/duplex consensus.
        Required: it depends on the assay, there is no safe default.
    alpha
        Largest acceptable probability of seeing this many alt reads by error.
    min_alt_reads
        Minimum number of supporting reads regardless of the test.

    Returns
    -------
    Boolean array, shape (n_variants, n_samples). Calls with missing depth or
    allele depths are False.

    Examples
    --------
    >>> import numpy as np
    >>> from gmsvar.table import VariantTable, VcfMetadata
    >>> ad = np.array([[[995, 5]], [[19990, 10]]], dtype=np.int32)
    >>> t = VariantTable({"call_allele_depth": ad}, meta=VcfMetadata(samples=("cfDNA",)))
    >>> lod_pass_calls(t, error_rate=1e-3, alpha=0.001).ravel().tolist()  # both 0.5% VAF
    [False, False]
    >>> lod_pass_calls(t, error_rate=1e-4, alpha=0.001).ravel().tolist()
    [True, True]
    """
    _check_prob("error_rate", error_rate)
    _check_prob("alpha", alpha)
    alt = _alt_reads(table, "lod_pass_calls").astype(np.int64)
    dp = _depth(table, "lod_pass_calls")
    ok = (alt >= max(min_alt_reads, 1)) & (dp >= 0)
    pval = np.ones(alt.shape, dtype=np.float64)
    if ok.any():
        pval[ok] = _tail_unique(alt[ok], dp[ok], error_rate)
    return ok & (pval <= alpha)


def lod_pass(
    table: VariantTable,
    *,
    error_rate: float,
    alpha: float = 0.01,
    min_alt_reads: int = 3,
) -> BoolArray:
    """True for variants where at least one sample passes :func:`lod_pass_calls`.

    Returns
    -------
    Boolean array, shape (n_variants,).

    Examples
    --------
    >>> import numpy as np
    >>> from gmsvar.table import VariantTable, VcfMetadata
    >>> ad = np.array([[[995, 5]]], dtype=np.int32)
    >>> t = VariantTable({"call_allele_depth": ad}, meta=VcfMetadata(samples=("cfDNA",)))
    >>> lod_pass(t, error_rate=1e-4).tolist()
    [True]
    """
    return any_sample(lod_pass_calls(table, error_rate=error_rate, alpha=alpha,
                                     min_alt_reads=min_alt_reads))


def detectable_calls(
    table: VariantTable,
    *,
    min_vaf: float,
    min_alt_reads: int = 3,
    power: float = 0.95,
) -> BoolArray:
    """True for calls deep enough to detect a variant at ``min_vaf``.

    Passes when ``P(X >= min_alt_reads) >= power`` for ``X ~ Binomial(d, min_vaf)``:
    a variant present at ``min_vaf`` would produce the reads a caller needs with
    probability ``power``. Use it to decide whether "no variant seen" at a
    locus is informative (ctDNA negatives do not exclude a driver otherwise).

    Returns
    -------
    Boolean array, shape (n_variants, n_samples); missing depth is False.

    Examples
    --------
    >>> import numpy as np
    >>> from gmsvar.table import VariantTable, VcfMetadata
    >>> t = VariantTable({"call_depth": np.array([[500, 2000, -1]], dtype=np.int32),
    ...                   "call_allele_depth": np.zeros((1, 3, 2), dtype=np.int32)},
    ...                  meta=VcfMetadata(samples=tuple("ABC")))
    >>> detectable_calls(t, min_vaf=0.005, min_alt_reads=3).tolist()
    [[False, True, False]]
    """
    _check_prob("min_vaf", min_vaf)
    _check_prob("power", power)
    dp = _depth(table, "detectable_calls")
    ok = dp >= 0
    prob = np.zeros(dp.shape, dtype=np.float64)
    if ok.any():
        prob[ok] = _tail_unique(np.full(int(ok.sum()), max(min_alt_reads, 0)), dp[ok], min_vaf)
    return ok & (prob >= power)


def lod_vaf_calls(
    table: VariantTable, *, min_alt_reads: int = 3, power: float = 0.95
) -> np.ndarray:
    """Limit of detection per call: the smallest VAF seen with ``min_alt_reads`` reads at ``power``.

    Solves ``P(X >= min_alt_reads | d, v) = power`` for ``v`` by bisection (vectorised
    over unique depths, accurate to ~1e-7).

    Returns
    -------
    float64 array, shape (n_variants, n_samples); NaN where the depth is missing
    or below ``min_alt_reads``.

    Examples
    --------
    >>> import numpy as np
    >>> from gmsvar.table import VariantTable, VcfMetadata
    >>> t = VariantTable({"call_depth": np.array([[1000, 10000, 2]], dtype=np.int32),
    ...                   "call_allele_depth": np.zeros((1, 3, 2), dtype=np.int32)},
    ...                  meta=VcfMetadata(samples=tuple("ABC")))
    >>> lod_vaf_calls(t, min_alt_reads=3).round(5).tolist()
    [[0.00628, 0.00063, nan]]
    """
    import pandas as pd
    _check_prob("power", power)
    k = max(int(min_alt_reads), 1)
    dp = _depth(table, "lod_vaf_calls")
    out = np.full(dp.shape, np.nan)
    ok = dp >= k
    if not ok.any():
        return out
    inv, depths = pd.factorize(dp[ok])
    depths = np.asarray(depths, dtype=np.int64)
    lo = np.zeros(depths.shape)
    hi = np.ones(depths.shape)
    kk = np.full(depths.shape, k)
    for _ in range(60):
        mid = (lo + hi) / 2.0
        enough = binomial_tail(kk, depths, mid) >= power
        hi = np.where(enough, mid, hi)
        lo = np.where(enough, lo, mid)
    out[ok] = hi[inv]
    return out


def _tail_unique(k: np.ndarray, n: np.ndarray, p: float) -> np.ndarray:
    """binomial_tail over unique (k, n) pairs only (many calls share depths)."""
    import pandas as pd
    k64, n64 = k.astype(np.int64), n.astype(np.int64)
    width = int(n64.max(initial=0)) + 1
    codes, uniq = pd.factorize(k64 * width + n64)  # hashing: no sort of millions of calls
    uniq = np.asarray(uniq, dtype=np.int64)
    tails = binomial_tail(uniq // width, uniq % width, p)
    return tails[codes]
