"""Tests for gmsvar.filters.site: QUAL, FILTER, gene and population-frequency masks."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gmsvar.errors import InputError
from gmsvar.filters import filter_in, gene_in, popfreq_below, qual_at_least
from gmsvar.table import VariantTable

from ._tables import table


def test_qual_at_least__compares_at_float32() -> None:
    # QUAL 0.1 is stored as float32(0.1) > 0.1 in float64; a float64 threshold would drop it.
    t = table(n=3, variant_qual=np.array([0.1, 0.09, np.nan], dtype=np.float32))
    assert qual_at_least(t, min_qual=0.1).tolist() == [True, False, False]


def test_qual_at_least__missing_qual_fails() -> None:
    t = table(n=2, variant_qual=np.array([np.nan, 0.0], dtype=np.float32))
    assert qual_at_least(t, min_qual=0).tolist() == [False, True]


def test_qual_at_least__empty_table() -> None:
    t = VariantTable({"variant_qual": np.zeros(0, dtype=np.float32)})
    assert qual_at_least(t).shape == (0,)


def test_filter_in__pass_dot_and_names() -> None:
    t = table(n=4, filters=["PASS", ".", "q10", "q10;s50"])
    assert filter_in(t).tolist() == [True, False, False, False]
    assert filter_in(t, filters={"PASS", "."}).tolist() == [True, True, False, False]
    assert filter_in(t, filters={"s50"}).tolist() == [False, False, False, True]
    assert filter_in(t, filters="q10").tolist() == [False, False, True, True]


def test_filter_in__unknown_name_raises() -> None:
    t = table(n=1, filters=["PASS"])
    with pytest.raises(InputError, match="LowQaul"):
        filter_in(t, filters={"LowQaul"})


def test_gene_in__matches_labels_and_skips_missing() -> None:
    t = table(n=4, variant_gene=np.array([0, 1, -1, 0], dtype=np.int32),
              categories={"variant_gene": ["MLH1", "TTN"]})
    assert gene_in(t, {"MLH1", "MSH2"}).tolist() == [True, False, False, True]
    assert gene_in(t, "TTN").tolist() == [False, True, False, False]  # a str is one gene
    assert gene_in(t, []).tolist() == [False] * 4


def test_gene_in__without_annotation_raises() -> None:
    with pytest.raises(InputError, match="variant_gene"):
        gene_in(table(n=1), {"MLH1"})


def _popfreq(af: list[float], top: list[float], status: list[int]) -> VariantTable:
    return table(n=len(af), variant_popfreq_af=np.array(af), variant_popfreq_max=np.array(top),
                 variant_popfreq_status=np.array(status, dtype=np.int8))


def test_popfreq_below__max_group_makes_common() -> None:
    # globally rare (0.1%) but 3% in one ancestry group: not rare under use="max"
    t = _popfreq([0.001], [0.03], [2])
    assert popfreq_below(t, max_af=0.01).tolist() == [False]
    assert popfreq_below(t, max_af=0.01, use="global").tolist() == [True]


def test_popfreq_below__unknown_kept_or_dropped() -> None:
    t = _popfreq([np.nan, 0.0], [np.nan, 0.0], [0, 1])
    assert popfreq_below(t, max_af=0.01).tolist() == [True, True]
    assert popfreq_below(t, max_af=0.01, keep_unknown=False).tolist() == [False, True]


def test_popfreq_below__falls_back_to_global_when_max_missing() -> None:
    t = _popfreq([0.2, 0.0001], [np.nan, np.nan], [2, 2])
    assert popfreq_below(t, max_af=0.01, keep_unknown=True).tolist() == [False, True]


def test_popfreq_below__strictly_below() -> None:
    t = _popfreq([0.01], [0.01], [2])
    assert popfreq_below(t, max_af=0.01).tolist() == [False]


def test_popfreq_below__bad_arguments() -> None:
    t = _popfreq([0.01], [0.01], [2])
    with pytest.raises(InputError):
        popfreq_below(t, max_af=2.0)
    with pytest.raises(InputError):
        popfreq_below(t, max_af=0.1, use="grpmax")  # type: ignore[arg-type]


def test_popfreq_below__no_annotation_raises() -> None:
    with pytest.raises(InputError, match="variant_popfreq_af"):
        popfreq_below(table(n=1), max_af=0.01)


freqs = st.lists(st.one_of(st.floats(0, 1), st.just(float("nan"))), min_size=1, max_size=30)


@settings(max_examples=60, deadline=None)
@given(af=freqs, data=st.data())
def test_popfreq_below__looser_threshold_never_removes(af: list[float], data: st.DataObject) -> None:
    top = [a if np.isnan(a) else min(1.0, a * 2) for a in af]
    status = [0 if np.isnan(a) else 2 for a in af]
    t = _popfreq(af, top, status)
    lo = data.draw(st.floats(0, 1))
    hi = data.draw(st.floats(lo, 1))
    for use in ("max", "global"):
        strict = popfreq_below(t, max_af=lo, use=use)
        loose = popfreq_below(t, max_af=hi, use=use)
        assert not (strict & ~loose).any()
        assert len(t.take(loose)) == loose.sum()


@settings(max_examples=60, deadline=None)
@given(quals=st.lists(st.one_of(st.floats(0, 1e4, width=32), st.just(float("nan"))),
                      min_size=1, max_size=30),
       a=st.floats(0, 1e4), b=st.floats(0, 1e4))
def test_qual_at_least__looser_threshold_never_removes(quals: list[float], a: float, b: float) -> None:
    t = table(n=len(quals), variant_qual=np.array(quals, dtype=np.float32))
    lo, hi = min(a, b), max(a, b)
    assert not (qual_at_least(t, min_qual=hi) & ~qual_at_least(t, min_qual=lo)).any()
    mask = qual_at_least(t, min_qual=lo)
    assert len(t.take(mask)) == mask.sum()
