"""Pandas-free hashing helpers of the fast tokeniser: same results as ``pandas.factorize``."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from gmsvar.io.vcf_fast import _Keys
from gmsvar.io.vcf_tokens import TextBlock, factorize, first_appearance_codes


@given(st.lists(st.integers(0, 40), max_size=300), st.booleans())
@settings(max_examples=200, deadline=None)
def test_first_appearance_codes__equals_pandas_factorize(values: list[int], runs: bool) -> None:
    arr = np.array(sorted(values) if runs else values, dtype=np.uint64)
    codes, first = first_appearance_codes(arr)
    expect, uniques = pd.factorize(arr)
    assert codes.dtype == np.int32 and codes.tolist() == expect.tolist()
    assert arr[first].tolist() == uniques.tolist()
    texts = np.array([f"v{v}" for v in arr.tolist()], dtype=object)
    codes, first = first_appearance_codes(texts)
    expect, uniques = pd.factorize(texts)
    assert codes.tolist() == expect.tolist() and texts[first].tolist() == uniques.tolist()


@given(st.lists(st.text("ACGT:_x;", min_size=1, max_size=70), min_size=1, max_size=60))
@settings(max_examples=150, deadline=None)
def test_factorize__segments(words: list[str]) -> None:
    text = "\t".join(words).encode() + b"\n"
    tb = TextBlock(text)
    ends = np.flatnonzero(np.frombuffer(text, dtype=np.uint8) < 32)
    starts = np.concatenate(([0], ends[:-1] + 1))
    labels, codes = factorize(tb, starts, ends)
    expect, uniques = pd.factorize(np.array(words, dtype=object))
    assert labels == list(uniques) and codes.tolist() == expect.tolist()


@given(st.lists(st.text("ABCDEFGHIJ_0123456789", min_size=1, max_size=30), min_size=1, max_size=80,
                unique=True), st.lists(st.text("ABCDEFGHIJ_0123456789", min_size=1, max_size=30),
                                       max_size=40))
@settings(max_examples=150, deadline=None)
def test_keys_lookup__finds_declared_ids_only(keys: list[str], others: list[str]) -> None:
    table = _Keys(keys)
    probe = [*keys, *others]
    text = ";".join(probe).encode() + b"\n"
    tb = TextBlock(text)
    ends = np.flatnonzero(np.isin(np.frombuffer(text, dtype=np.uint8), [ord(";"), ord("\n")]))
    starts = np.concatenate(([0], ends[:-1] + 1))
    got = table.lookup(tb, starts, ends - starts).tolist()
    assert got == [keys.index(p) if p in keys else -1 for p in probe]
