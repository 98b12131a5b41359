"""Integer FORMAT columns compared with a constant directly equal the float64 route."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from gmsvar.filters.expr._columns import as_values
from gmsvar.filters.expr._eval import _CMP, _IntValues, _num_cmp
from gmsvar.table import INT_MISSING

F32 = 2**24
values = st.one_of(st.integers(-5, 40), st.sampled_from([F32 - 1, F32, F32 + 1, F32 + 3, -F32,
                                                         -F32 - 3, 2**31 - 1, INT_MISSING + 1]))


@settings(max_examples=400, deadline=None)
@given(cells=st.lists(st.one_of(values, st.just(None)), min_size=1, max_size=24),
       width=st.sampled_from([None, 1, 2]), missing=st.sampled_from([INT_MISSING, -1]),
       op=st.sampled_from(sorted(_CMP)),
       const=st.one_of(st.integers(-40, 40).map(float), st.floats(-50, 50),
                       st.sampled_from([F32 - 1.0, F32 + 1.0, 16777217.5, -F32 - 1.0, 0.1,
                                        16777215.6, -16777215.6, -0.5, 2.5, -3.0])))
def test_int_values__direct_compare_equals_float_route(cells: list[int | None], width: int | None,
                                                        missing: int, op: str,
                                                        const: float) -> None:
    k = width or 1
    cells = cells[: len(cells) - len(cells) % k] or [1] * k
    arr = np.array([missing if c is None else c for c in cells], dtype=np.int32)
    arr = arr.reshape(-1, 1) if width is None else arr.reshape(-1, 1, k)
    want = _num_cmp(as_values(arr, None, per_sample=True, missing=missing)[0],
                    np.asarray(const, dtype=np.float64), op)
    got = _IntValues(arr, missing).compare(op, const)
    assert got is not None or abs(const) >= F32 - 1  # ordinary constants take the direct route
    if got is not None:  # None: the evaluator takes the float route itself
        assert got.shape == want.shape and got.tolist() == want.tolist()
    lazy = _IntValues(arr, missing)
    assert np.array_equal(lazy.data, as_values(arr, None, per_sample=True, missing=missing)[0],
                          equal_nan=True)
