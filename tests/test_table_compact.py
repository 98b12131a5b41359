"""VariantTable._compact (the reader's in-place take) equals take()."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from gmsvar.table import VariantTable, VcfMetadata


def _table(n: int, rng: np.random.Generator) -> VariantTable:
    ids = np.empty(n, dtype=object)
    ids[:] = [f"rs{i}" for i in range(n)]
    shared = np.arange(n * 2, dtype=np.int64)
    return VariantTable({
        "variant_position": np.arange(n, dtype=np.int64) * 10,
        "variant_id": ids,
        "variant_info_DP": shared[::2],  # a view: not owned, taken the ordinary way
        "call_genotype": rng.integers(-1, 2, size=(n, 3, 2)).astype(np.int8),
        "call_vaf": rng.random((n, 3)).astype(np.float32),
    }, meta=VcfMetadata(samples=("A", "B", "C")))


@settings(max_examples=200, deadline=None)
@given(keep=st.lists(st.booleans(), min_size=0, max_size=60), block=st.integers(1, 9),
       seed=st.integers(0, 2**16))
def test_compact__equals_take(keep: list[bool], block: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    mask = np.array(keep, dtype=bool)
    want = _table(len(keep), rng).take(mask)
    got = _table(len(keep), np.random.default_rng(seed))._compact(mask, block=block)
    assert got.equals(want)
