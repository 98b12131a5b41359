"""Tests for gmsvar.filters.somatic: alt reads and the binomial limit of detection."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gmsvar.errors import InputError
from gmsvar.filters import (
    binomial_tail,
    detectable_calls,
    lod_pass,
    lod_pass_calls,
    lod_vaf_calls,
    min_alt_reads,
    min_alt_reads_calls,
)

from ._tables import table


def _exact_tail(k: int, n: int, p: float) -> float:
    """Exact rational sum (small n only)."""
    q = Fraction(p)
    return float(sum(math.comb(n, j) * q**j * (1 - q) ** (n - j) for j in range(max(k, 0), n + 1)))


def _log_space_tail(k: int, n: int, p: float) -> float:
    """Reference for large n: sum of pmf terms in log space (upper tail, k << n)."""
    terms = [math.lgamma(n + 1) - math.lgamma(j + 1) - math.lgamma(n - j + 1)
             + j * math.log(p) + (n - j) * math.log1p(-p) for j in range(max(k, 0), n + 1)]
    top = max(terms)
    return math.exp(top) * math.fsum(math.exp(t - top) for t in terms)


def _ad_table(ad: list[list[list[int]]], dp: list[list[int]] | None = None) -> object:
    arr = np.array(ad, dtype=np.int32)
    cols: dict[str, object] = {"call_allele_depth": arr}
    if dp is not None:
        cols["call_depth"] = np.array(dp, dtype=np.int32)
    samples = tuple(f"S{i}" for i in range(arr.shape[1]))
    return table(samples=samples, n=arr.shape[0], **cols)


@pytest.mark.parametrize(("k", "n", "p"), [
    (1, 10, 0.1), (3, 300, 1e-4), (0, 5, 0.3), (6, 5, 0.3), (50, 100, 0.5), (99, 100, 0.999),
    (1, 1, 0.5), (2, 150, 0.02),
])
def test_binomial_tail__matches_exact_sum(k: int, n: int, p: float) -> None:
    expected = _exact_tail(k, n, p)
    got = float(binomial_tail(k, n, p))
    assert got == pytest.approx(expected, rel=1e-9, abs=1e-300)


@pytest.mark.parametrize(("k", "n", "p"), [(5, 1000, 1e-3), (10, 20000, 1e-3), (40, 100000, 1e-4)])
def test_binomial_tail__deep_sequencing_depths(k: int, n: int, p: float) -> None:
    assert float(binomial_tail(k, n, p)) == pytest.approx(_log_space_tail(k, n, p), rel=1e-9)


@settings(max_examples=80, deadline=None)
@given(n=st.integers(0, 120), k=st.integers(-2, 122), p=st.floats(1e-6, 1 - 1e-6))
def test_binomial_tail__exact_on_random_inputs(n: int, k: int, p: float) -> None:
    expected = _exact_tail(k, n, p)
    assert float(binomial_tail(k, n, p)) == pytest.approx(expected, rel=1e-8, abs=1e-290)


@settings(max_examples=60, deadline=None)
@given(n=st.integers(1, 5000), k=st.integers(0, 50), p1=st.floats(1e-5, 0.5),
       p2=st.floats(1e-5, 0.5))
def test_binomial_tail__monotone_in_k_and_p(n: int, k: int, p1: float, p2: float) -> None:
    lo, hi = min(p1, p2), max(p1, p2)
    assert binomial_tail(k, n, lo) <= binomial_tail(k, n, hi) + 1e-12
    assert binomial_tail(k + 1, n, lo) <= binomial_tail(k, n, lo) + 1e-12


def test_binomial_tail__edge_probabilities() -> None:
    assert binomial_tail([0, 1, 3], 3, 0.0).tolist() == [1.0, 0.0, 0.0]
    assert binomial_tail([0, 3, 4], 3, 1.0).tolist() == [1.0, 1.0, 0.0]


def test_min_alt_reads__per_call_and_any_sample() -> None:
    t = _ad_table([[[90, 10], [99, 1]], [[99, 1], [-1, -1]]])
    assert min_alt_reads_calls(t, n=3).tolist() == [[True, False], [False, False]]
    assert min_alt_reads(t, n=3).tolist() == [True, False]
    assert min_alt_reads(t, n=0).tolist() == [True, True]
    with pytest.raises(InputError):
        min_alt_reads(t, n=-1)


def test_lod_pass_calls__same_vaf_different_depth() -> None:
    # 1% VAF both times; 3/300 is far above a 1e-4 error rate, 30/3000 too, 1/100 is below 3 reads
    t = _ad_table([[[297, 3]], [[2970, 30]], [[99, 1]]])
    assert lod_pass_calls(t, error_rate=1e-4).ravel().tolist() == [True, True, False]
    # 3 reads at depth 30,000 (0.01%) are what a 1e-4 error rate produces
    t2 = _ad_table([[[29997, 3]]])
    assert lod_pass_calls(t2, error_rate=1e-4).ravel().tolist() == [False]
    assert lod_pass(t2, error_rate=1e-6).tolist() == [True]


def test_lod_pass_calls__uses_dp_else_allele_depths() -> None:
    t = _ad_table([[[10, 5], [10, 5]]], dp=[[100000, -1]])
    # depth 100000 with 5 alt reads is noise at 1e-4; depth 15 with 5 reads is not
    assert lod_pass_calls(t, error_rate=1e-4).tolist() == [[False, True]]


def test_lod_pass_calls__bad_rates() -> None:
    t = _ad_table([[[10, 5]]])
    for bad in (0.0, 1.0, -0.1):
        with pytest.raises(InputError):
            lod_pass_calls(t, error_rate=bad)


def test_detectable_calls__depth_needed_for_min_vaf() -> None:
    t = _ad_table([[[0, 0], [0, 0], [-1, -1]]], dp=[[500, 2000, -1]])
    assert detectable_calls(t, min_vaf=0.005, min_alt_reads=3).tolist() == [[False, True, False]]


def test_lod_vaf_calls__power_reached_at_the_limit() -> None:
    t = _ad_table([[[0, 0], [0, 0], [0, 0]]], dp=[[200, 5000, 2]])
    lod = lod_vaf_calls(t, min_alt_reads=3, power=0.95)
    assert np.isnan(lod[0, 2])
    for depth, v in zip((200, 5000), lod[0, :2], strict=True):
        assert float(binomial_tail(3, depth, v)) == pytest.approx(0.95, abs=1e-6)
    # deeper sequencing detects lower VAFs
    assert lod[0, 1] < lod[0, 0]


@settings(max_examples=40, deadline=None)
@given(dp=st.lists(st.integers(0, 5000), min_size=1, max_size=10), v1=st.floats(1e-4, 0.2),
       v2=st.floats(1e-4, 0.2))
def test_detectable_calls__lower_min_vaf_never_adds(dp: list[int], v1: float, v2: float) -> None:
    t = _ad_table([[[0, 0]] for _ in dp], dp=[[d] for d in dp])
    lo, hi = min(v1, v2), max(v1, v2)
    harder = detectable_calls(t, min_vaf=lo)
    easier = detectable_calls(t, min_vaf=hi)
    assert not (harder & ~easier).any()


@settings(max_examples=40, deadline=None)
@given(ad=st.lists(st.tuples(st.integers(0, 3000), st.integers(0, 60)), min_size=1,
                   max_size=10),
       a1=st.floats(1e-6, 0.5), a2=st.floats(1e-6, 0.5))
def test_lod_pass_calls__looser_alpha_never_removes(
    ad: list[tuple[int, int]], a1: float, a2: float
) -> None:
    t = _ad_table([[[r, a]] for r, a in ad])
    lo, hi = min(a1, a2), max(a1, a2)
    strict = lod_pass_calls(t, error_rate=1e-3, alpha=lo)
    loose = lod_pass_calls(t, error_rate=1e-3, alpha=hi)
    assert not (strict & ~loose).any()
