"""Tests for gmsvar.filters.consequence: SO ranking, consequence and impact masks."""

from __future__ import annotations

import numpy as np
import pytest

from gmsvar._so import parse_so_table
from gmsvar.errors import GmsvarWarning, InputError, KnowledgeBaseError
from gmsvar.filters import (
    consequence_at_least,
    consequence_rank,
    consequence_ranks,
    impact_at_least,
    impact_of,
    so_table,
)

from ._tables import table

TERMS = ["stop_gained", "missense_variant", "splice_region_variant", "intron_variant",
         "synonymous_variant"]


def _csq_table() -> object:
    return table(
        n=6,
        variant_worst_consequence=np.array([0, 1, 2, 3, 4, -1], dtype=np.int32),
        variant_consequence=np.array([3, 1, 2, 3, 4, -1], dtype=np.int32),
        variant_consequence_rank=np.array([28, 13, 16, 28, 22, -1], dtype=np.int16),
        variant_impact=np.array([3, 1, 2, 3, 2, -1], dtype=np.int32),
        categories={"variant_worst_consequence": TERMS, "variant_consequence": TERMS,
                    "variant_impact": ["HIGH", "MODERATE", "LOW", "MODIFIER"]},
    )


def test_consequence_rank__vep_order() -> None:
    assert consequence_rank("transcript_ablation") == 1
    assert consequence_rank("stop_gained") < consequence_rank("missense_variant")
    assert consequence_rank("missense_variant") < consequence_rank("synonymous_variant")
    assert consequence_rank("sequence_variant") == 41


def test_consequence_rank__synonyms_and_joined_terms() -> None:
    assert consequence_rank("disruptive_inframe_deletion") == consequence_rank("inframe_deletion")
    assert consequence_rank("missense") == consequence_rank("missense_variant")  # bcftools csq
    assert consequence_rank("*frameshift") == consequence_rank("frameshift_variant")
    assert consequence_rank("splice_region_variant&intron_variant") == 16
    assert consequence_rank("STOP_GAINED") == 4


def test_consequence_rank__unknown_term_suggests() -> None:
    with pytest.raises(InputError, match="missense_variant"):
        consequence_rank("missense_varaint")


def test_so_table__one_reading_of_the_shipped_file_serves_filters_and_annotations() -> None:
    from gmsvar.io.annotations import load_so_table

    so = load_so_table()
    for row in so_table():
        if row.origin == "vep":
            assert so.describe("CSQ", row.term) == (row.so_term, row.rank, row.impact)


HEAD = "# version: t1\nterm\tso_term\trank\timpact\torigin\n"


@pytest.mark.parametrize(("text", "message"), [
    ("a\tb\n1\t2\n", "column header"),
    ("term\tso_term\trank\timpact\torigin\nx\tx\t1\tHIGH\tvep\n", "version"),
    (HEAD + "x\tx\tone\tHIGH\tvep\n", "rank"),
    (HEAD + "x\tx\t1\tSEVERE\tvep\n", "impact"),
    (HEAD + "x\tx\t1\tHIGH\tpolyphen\n", "origin"),
    (HEAD + "x\tx\t1\tHIGH\tvep\nX\tx\t2\tLOW\tvep\n", "duplicate"),
    (HEAD + "x\tx\t1\n", ">= 5"),
    (HEAD, "no rows"),
])
def test_parse_so_table__rejects_bad_files(text: str, message: str) -> None:
    with pytest.raises(KnowledgeBaseError, match=message):
        parse_so_table(text, "so.tsv")


def test_parse_so_table__same_term_for_two_tools_is_fine() -> None:
    version, rows = parse_so_table(HEAD + "x\tx\t1\tHIGH\tvep\nx\ty\t2\tLOW\tsnpeff\n", "so.tsv")
    assert version == "t1" and [r.origin for r in rows] == ["vep", "snpeff"]


def test_impact_of__terms() -> None:
    assert impact_of("stop_gained") == "HIGH"
    assert impact_of("TFBS_ablation") == "MODERATE"
    assert impact_of("intron_variant") == "MODIFIER"


def test_consequence_ranks__unknown_and_missing() -> None:
    labels = np.array(["stop_gained", None, "not_a_term", "stop_gained"], dtype=object)
    assert consequence_ranks(labels).tolist() == [4, -1, -1, 4]


def test_consequence_at_least__worst_and_chosen() -> None:
    t = _csq_table()
    assert consequence_at_least(t, "missense_variant").tolist() == [
        True, True, False, False, False, False]
    # chosen transcript of row 0 is intronic even though another transcript has stop_gained
    assert consequence_at_least(t, "missense_variant", use="chosen").tolist() == [
        False, True, False, False, False, False]
    assert consequence_at_least(t, "synonymous_variant").tolist() == [
        True, True, True, False, True, False]


def test_consequence_at_least__unknown_label_warns() -> None:
    t = table(n=2, variant_worst_consequence=np.array([0, 1], dtype=np.int32),
              categories={"variant_worst_consequence": ["stop_gained", "weird_term"]})
    with pytest.warns(GmsvarWarning, match="weird_term"):
        assert consequence_at_least(t, "missense_variant").tolist() == [True, False]


def test_consequence_at_least__bad_use_and_missing_column() -> None:
    t = _csq_table()
    with pytest.raises(InputError):
        consequence_at_least(t, "missense_variant", use="canonical")  # type: ignore[arg-type]
    with pytest.raises(InputError, match="variant_worst_consequence"):
        consequence_at_least(table(n=1), "missense_variant")


def test_impact_at_least__worst_and_chosen() -> None:
    t = _csq_table()
    assert impact_at_least(t, "MODERATE").tolist() == [True, True, False, False, False, False]
    assert impact_at_least(t, "moderate", use="chosen").tolist() == [
        False, True, False, False, False, False]
    assert impact_at_least(t, "LOW", use="chosen").tolist() == [
        False, True, True, False, True, False]
    with pytest.raises(InputError):
        impact_at_least(t, "SEVERE")


def test_consequence_at_least__looser_term_never_removes() -> None:
    t = _csq_table()
    order = sorted({r.so_term for r in so_table()}, key=consequence_rank)
    previous = np.zeros(len(t), dtype=bool)
    for term in order:
        mask = consequence_at_least(t, term)
        assert not (previous & ~mask).any()
        previous = mask
