"""Tests for gmsvar.filters.inheritance: monoallelic, biallelic/compound-het and X-linked."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gmsvar.errors import InputError
from gmsvar.filters import (
    biallelic_candidates,
    compound_het_candidates,
    monoallelic_candidates,
    x_linked_candidates,
)
from gmsvar.table import INT_MISSING

from ._tables import table


def _genes(codes: list[int], labels: list[str]) -> dict[str, object]:
    return {"variant_gene": np.array(codes, dtype=np.int32),
            "categories": {"variant_gene": labels}}


def test_monoallelic_candidates__carriers_of_qualifying_variants() -> None:
    t = table(samples=("A", "B"), genotypes=[["0/1", "0/0"], ["1/1", "./1"], ["1", "0/."]])
    assert monoallelic_candidates(t).tolist() == [[True, False], [True, False], [True, False]]
    q = np.array([True, False, True])
    assert monoallelic_candidates(t, qualifying=q).tolist() == [
        [True, False], [False, False], [True, False]]


def test_monoallelic_candidates__per_call_qualifying() -> None:
    t = table(samples=("A", "B"), genotypes=[["0/1", "0/1"]])
    q = np.array([[False, True]])
    assert monoallelic_candidates(t, qualifying=q).tolist() == [[False, True]]
    with pytest.raises(InputError, match="shape"):
        monoallelic_candidates(t, qualifying=np.array([True, False, True]))


def test_compound_het_candidates__two_hets_same_gene_same_sample() -> None:
    t = table(samples=("A", "B"),
              genotypes=[["0/1", "0/1"], ["0/1", "0/0"], ["0/1", "0/1"]],
              **_genes([0, 0, 1], ["CFTR", "PAH"]))
    # A: two CFTR hets -> both candidates; PAH single het -> not. B: one CFTR het only.
    assert compound_het_candidates(t).tolist() == [[True, False], [True, False], [False, False]]


def test_compound_het_candidates__phased_cis_is_not_compound() -> None:
    t = table(samples=("A",), genotypes=[["1|0"], ["1|0"]], **_genes([0, 0], ["USH2A"]))
    assert not compound_het_candidates(t).any()


def test_compound_het_candidates__phased_trans_is_compound() -> None:
    t = table(samples=("A",), genotypes=[["1|0"], ["0|1"]], **_genes([0, 0], ["USH2A"]))
    assert compound_het_candidates(t).ravel().tolist() == [True, True]


def test_compound_het_candidates__phased_and_unphased_pair() -> None:
    t = table(samples=("A",), genotypes=[["1|0"], ["0/1"]], **_genes([0, 0], ["USH2A"]))
    assert compound_het_candidates(t).ravel().tolist() == [True, True]


def test_compound_het_candidates__different_phase_sets_are_unknown_phase() -> None:
    ps = np.array([[100], [200], [100]], dtype=np.int32)
    t = table(samples=("A",), genotypes=[["1|0"], ["1|0"], ["1|0"]],
              call_format_PS=ps, **_genes([0, 0, 0], ["USH2A"]))
    # rows 0 and 2 are cis in phase set 100; row 1 is in another block, so it can pair with both
    assert compound_het_candidates(t).ravel().tolist() == [True, True, True]
    ps_same = np.array([[100], [100], [INT_MISSING]], dtype=np.int32)
    t2 = table(samples=("A",), genotypes=[["1|0"], ["1|0"], ["0/1"]],
               call_format_PS=ps_same, **_genes([0, 0, 0], ["USH2A"]))
    assert compound_het_candidates(t2).ravel().tolist() == [True, True, True]


def test_compound_het_candidates__split_multiallelic_1_2_pairs() -> None:
    # a 1/2 call split by norm -m-any: 1/0 and 0/1 rows in the same gene
    t = table(samples=("A",), genotypes=[["1/0"], ["0/1"]], **_genes([0, 0], ["GJB2"]))
    assert compound_het_candidates(t).ravel().tolist() == [True, True]


def test_compound_het_candidates__partner_must_qualify_and_have_gene() -> None:
    t = table(samples=("A",), genotypes=[["0/1"], ["0/1"], ["0/1"]],
              **_genes([0, 0, -1], ["CFTR"]))
    assert compound_het_candidates(t, qualifying=np.array([True, False, True])).ravel().tolist() \
        == [False, False, False]


def test_biallelic_candidates__hom_or_compound() -> None:
    t = table(samples=("A",), genotypes=[["1/1"], ["0/1"], ["0/1"], ["0/1"], ["1"]],
              **_genes([-1, 1, 1, 2, 3], ["X", "CFTR", "PAH", "DMD"]))
    assert biallelic_candidates(t).ravel().tolist() == [True, True, True, False, False]


def _x_table() -> object:
    # chrX non-PAR (DMD), chrX PAR1, chr1
    return table(
        samples=("son", "daughter", "unknown"),
        genotypes=[["1", "0/1", "0/1"], ["1", "1/1", "0/1"], ["0/1", "1/1", "0/1"],
                   ["1", "0/1", "0/1"]],
        variant_contig=np.array([0, 0, 1, 0], dtype=np.int32),
        variant_gene=np.array([0, 1, 2, 0], dtype=np.int32),
        categories={"variant_contig": ["chrX", "chr1"], "variant_gene": ["DMD", "SHOX", "G"]},
    ).with_columns({"variant_position": np.array([31_000_000, 1_000_000, 5_000, 32_000_000])})


def test_x_linked_candidates__male_hemizygous_female_recessive() -> None:
    t = _x_table()
    got = x_linked_candidates(t, sex={"son": "male", "daughter": "female", "unknown": "unknown"})
    # row 0/3: DMD; daughter has two DMD hets -> compound-het candidate; PAR and chr1 rows never
    assert got.tolist() == [[True, True, True], [False, False, False], [False, False, False],
                            [True, True, True]]


def test_x_linked_candidates__female_dominant_and_sequence_sex() -> None:
    t = _x_table().take(np.array([0]))
    assert x_linked_candidates(t, sex=["M", "F", "0"], mode="dominant").tolist() == [
        [True, True, True]]
    assert x_linked_candidates(t, sex=["1", "2", "2"]).tolist() == [[True, False, False]]


def test_x_linked_candidates__build_needed_for_par() -> None:
    t = _x_table()
    t = t.with_columns(meta=t.meta.replace(genome_build="unknown"))
    with pytest.raises(InputError, match="build"):
        x_linked_candidates(t, sex=["male", "female", "female"])
    assert x_linked_candidates(t, sex=["male", "female", "female"], build="GRCh37").shape == (4, 3)


def test_x_linked_candidates__bad_sex_values() -> None:
    t = _x_table()
    with pytest.raises(InputError, match="sex"):
        x_linked_candidates(t, sex=["male", "female"])
    with pytest.raises(InputError, match="daughter"):
        x_linked_candidates(t, sex={"son": "male"})
    with pytest.raises(InputError, match="hermaphrodite"):
        x_linked_candidates(t, sex=["male", "female", "hermaphrodite"])
    with pytest.raises(InputError, match="mode"):
        x_linked_candidates(t, sex=["male"] * 3, mode="codominant")  # type: ignore[arg-type]


GT_CHOICES = ["0/0", "0/1", "1/0", "1|0", "0|1", "1/1", "./.", "0/."]


@settings(max_examples=60, deadline=None)
@given(rows=st.lists(st.tuples(st.sampled_from(GT_CHOICES), st.sampled_from(GT_CHOICES),
                               st.integers(-1, 2)), min_size=1, max_size=12),
       data=st.data())
def test_biallelic_candidates__more_qualifying_never_removes(
    rows: list[tuple[str, str, int]], data: st.DataObject
) -> None:
    t = table(samples=("A", "B"), genotypes=[[a, b] for a, b, _ in rows],
              **_genes([g for _, _, g in rows], ["G0", "G1", "G2"]))
    n = len(rows)
    small = np.array(data.draw(st.lists(st.booleans(), min_size=n, max_size=n)))
    large = small | np.array(data.draw(st.lists(st.booleans(), min_size=n, max_size=n)))
    for fn in (monoallelic_candidates, biallelic_candidates, compound_het_candidates):
        assert not (fn(t, qualifying=small) & ~fn(t, qualifying=large)).any()
    # candidates are always carriers of the ALT
    carrier = monoallelic_candidates(t)
    assert not (biallelic_candidates(t) & ~carrier).any()
