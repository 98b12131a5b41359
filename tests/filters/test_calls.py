"""Tests for gmsvar.filters.calls: depth, GQ, VAF, allele balance and genotype states."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gmsvar.errors import InputError
from gmsvar.filters import (
    all_samples,
    allele_balance,
    allele_balance_between_calls,
    allele_balance_ok,
    any_sample,
    depth_at_least,
    depth_at_least_calls,
    genotype_quality_at_least,
    genotype_quality_at_least_calls,
    is_called_calls,
    is_hemizygous_calls,
    is_het_calls,
    is_hom_alt_calls,
    is_hom_ref_calls,
    is_non_ref_calls,
    vaf_between_calls,
)

from ._tables import table

GENOTYPES = [["0/0", "0/1", "1|0", "1/1", "0/.", "./1", "./.", "1", "0", "."]]
SAMPLES = tuple(f"S{i}" for i in range(10))


def _gt_table() -> object:
    return table(samples=SAMPLES, genotypes=GENOTYPES)


def test_genotype_states__strict_calls() -> None:
    t = _gt_table()
    assert is_called_calls(t).ravel().tolist() == [1, 1, 1, 1, 0, 0, 0, 1, 1, 0]
    assert is_hom_ref_calls(t).ravel().tolist() == [1, 0, 0, 0, 0, 0, 0, 0, 1, 0]
    assert is_het_calls(t).ravel().tolist() == [0, 1, 1, 0, 0, 0, 0, 0, 0, 0]
    assert is_hom_alt_calls(t).ravel().tolist() == [0, 0, 0, 1, 0, 0, 0, 0, 0, 0]
    assert is_hemizygous_calls(t).ravel().tolist() == [0, 0, 0, 0, 0, 0, 0, 1, 0, 0]
    assert is_non_ref_calls(t).ravel().tolist() == [0, 1, 1, 1, 0, 0, 0, 1, 0, 0]


def test_genotype_states__0_dot_is_not_hom_ref() -> None:
    t = table(samples=("A",), genotypes=[["0/."]])
    assert not is_hom_ref_calls(t).any() and not is_called_calls(t).any()


def test_genotype_states__split_multiallelic_rows_are_het() -> None:
    # bcftools norm -m-any turns 1/2 into 1/0 (first ALT row) and 0/1 (second ALT row)
    t = table(samples=("A",), genotypes=[["1/0"], ["0/1"]])
    assert is_het_calls(t).ravel().tolist() == [True, True]


def test_genotype_states__no_genotypes_raises() -> None:
    with pytest.raises(InputError, match="call_genotype"):
        is_het_calls(table(n=1))


def test_any_all_samples__where() -> None:
    m = np.array([[True, False], [False, False], [True, True]])
    assert any_sample(m).tolist() == [True, False, True]
    assert all_samples(m).tolist() == [False, False, True]
    assert all_samples(m, where=np.array([True, False])).tolist() == [True, False, True]
    assert any_sample(m, where=np.array([[False, True]] * 3)).tolist() == [False, False, True]


def test_any_sample__rejects_per_variant_mask() -> None:
    with pytest.raises(InputError, match="per-call"):
        any_sample(np.array([True, False]))


def test_any_sample__zero_samples() -> None:
    assert any_sample(np.zeros((3, 0), dtype=bool)).tolist() == [False] * 3
    assert all_samples(np.zeros((3, 0), dtype=bool)).tolist() == [True] * 3


def test_depth_at_least_calls__missing_depth_fails() -> None:
    t = table(samples=("A", "B", "C"), n=1, call_depth=np.array([[20, 19, -1]], dtype=np.int32))
    assert depth_at_least_calls(t, min_depth=20).tolist() == [[True, False, False]]
    assert depth_at_least_calls(t, min_depth=0).tolist() == [[True, True, False]]


def test_depth_at_least__ignores_uncalled_samples() -> None:
    t = table(samples=("A", "B"), genotypes=[["0/1", "./."], ["0/1", "0/0"], ["./.", "./."]],
              call_depth=np.array([[30, 2], [30, -1], [1, 1]], dtype=np.int32))
    # row 1: B is called with a missing depth -> fails; row 2: nothing called -> passes
    assert depth_at_least(t, min_depth=20).tolist() == [True, False, True]


def test_genotype_quality_at_least__per_call_and_site() -> None:
    t = table(samples=("A", "B"), genotypes=[["0/1", "0/0"], ["0/1", "0/."]],
              call_genotype_quality=np.array([[99, 10], [99, 3]], dtype=np.int32))
    assert genotype_quality_at_least_calls(t, min_gq=20).tolist() == [[True, False], [True, False]]
    assert genotype_quality_at_least(t, min_gq=20).tolist() == [False, True]


def test_vaf_between_calls__float32_bounds_and_nan() -> None:
    vaf = np.array([[0.3, 0.7, np.nan, 0.29]], dtype=np.float32)
    t = table(samples=tuple("ABCD"), n=1, call_vaf=vaf)
    assert vaf_between_calls(t, min_vaf=0.3, max_vaf=0.7).tolist() == [[True, True, False, False]]
    with pytest.raises(InputError):
        vaf_between_calls(t, min_vaf=0.8, max_vaf=0.2)


def test_allele_balance__only_het_calls_count() -> None:
    ad = np.array([[[12, 8], [19, 1], [0, 9], [-1, 4]]], dtype=np.int32)
    t = table(samples=tuple("ABCD"), genotypes=[["0/1", "0/1", "1/1", "0/1"]],
              call_allele_depth=ad)
    assert np.allclose(allele_balance(t)[0, :3], [0.4, 0.05, 1.0])
    assert np.isnan(allele_balance(t)[0, 3])
    assert allele_balance_between_calls(t).tolist() == [[True, False, False, False]]
    assert allele_balance_ok(t).tolist() == [False]  # B is unbalanced, D has no AD


def test_allele_balance_ok__no_het_passes() -> None:
    t = table(samples=("A",), genotypes=[["1/1"]], call_allele_depth=np.array([[[0, 9]]]))
    assert allele_balance_ok(t).tolist() == [True]


depths = st.lists(st.lists(st.integers(-1, 200), min_size=3, max_size=3), min_size=1, max_size=25)


@settings(max_examples=60, deadline=None)
@given(dp=depths, a=st.integers(0, 200), b=st.integers(0, 200))
def test_depth_at_least__looser_threshold_never_removes(dp: list[list[int]], a: int, b: int) -> None:
    n = len(dp)
    t = table(samples=("A", "B", "C"), genotypes=[["0/1", "./.", "1/1"]] * n,
              call_depth=np.array(dp, dtype=np.int32))
    lo, hi = min(a, b), max(a, b)
    assert not (depth_at_least_calls(t, min_depth=hi) & ~depth_at_least_calls(t, min_depth=lo)).any()
    strict, loose = depth_at_least(t, min_depth=hi), depth_at_least(t, min_depth=lo)
    assert not (strict & ~loose).any()
    assert len(t.take(loose)) == loose.sum()


@settings(max_examples=60, deadline=None)
@given(gq=depths, a=st.integers(0, 200), b=st.integers(0, 200))
def test_genotype_quality_at_least__looser_threshold_never_removes(
    gq: list[list[int]], a: int, b: int
) -> None:
    n = len(gq)
    t = table(samples=("A", "B", "C"), genotypes=[["0/1", "0/0", "1"]] * n,
              call_genotype_quality=np.array(gq, dtype=np.int32))
    lo, hi = min(a, b), max(a, b)
    assert not (genotype_quality_at_least(t, min_gq=hi) & ~genotype_quality_at_least(t, min_gq=lo)).any()
