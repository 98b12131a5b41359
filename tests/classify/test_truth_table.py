"""ACMG truth table: hand-curated alleles, expected criteria and class (data: truth_table.tsv)."""

from __future__ import annotations

import pandas as pd
import pytest

from gmsvar.classify.criteria import CODES

from ._helpers import read_truth_table

ROWS = read_truth_table()


@pytest.mark.parametrize("row", ROWS, ids=[r["id"] for r in ROWS])
def test_truth_table__row(row: dict[str, str], truth_result: pd.DataFrame) -> None:
    got = truth_result.loc[row["id"]]
    assert got["criteria"] == row["expected_criteria"], got["evidence"]
    assert got["classification"] == row["expected_class"], got["evidence"]
    fired = {c.split("_")[0] for c in got["criteria"].split(",") if c}
    for code in filter(None, row["not_expected"].split(",")):
        assert code not in fired, f"{row['id']}: {code} must not fire ({got['evidence']})"
        assert got[code] == ""


def test_truth_table__covers_every_criterion_both_ways() -> None:
    positive = {c.split("_")[0] for r in ROWS for c in r["expected_criteria"].split(",") if c}
    negative = {c for r in ROWS for c in r["not_expected"].split(",") if c}
    # PP5/BP6 are not used (ACGS 2020); every output criterion fires at least once ...
    assert set(CODES) <= positive, sorted(set(CODES) - positive)
    # ... and the automated ones are shown not firing where they must not
    automated = {
        "PVS1",
        "PS1",
        "PM1",
        "PM2",
        "PM4",
        "PM5",
        "PP2",
        "PP3",
        "BA1",
        "BS1",
        "BP1",
        "BP3",
        "BP4",
        "BP7",
    }
    assert automated <= negative, sorted(automated - negative)


def test_truth_table__classes_cover_the_scale(truth_result: pd.DataFrame) -> None:
    assert {
        "Benign",
        "Likely benign",
        "Uncertain significance",
        "Likely pathogenic",
        "Not classified",
    } <= set(truth_result["classification"])


def test_truth_table__flags(truth_result: pd.DataFrame) -> None:
    flags = truth_result["flags"]
    assert "lof_mechanism_presumed" in flags["cftr_fs_presumed"]
    assert flags["pms2_pseudogene"] == "pms2_pseudogene_region;needs_orthogonal_confirmation"
    assert "bp7_no_splice_score" in flags["brca2_syn_position_bp7"]
    assert "user_override" in flags["brca2_missense_user"]
    assert "symbolic_allele" in flags["brca2_symbolic"]
    assert "no_annotation" in flags["no_annotation"]
    assert flags["brca2_nonsense_nmd"] == ""


def test_truth_table__evidence_strings(truth_result: pd.DataFrame) -> None:
    ev = truth_result["evidence"]
    assert "NMD predicted" in ev["brca2_nonsense_nmd"] and "exon 11/27" in ev["brca2_nonsense_nmd"]
    assert "LoF is presumed, not established" in ev["cftr_fs_presumed"]
    assert "MYH7 disease is caused by missense" in ev["myh7_stop_not_lof"]
    assert "PP3 not counted: PVS1" in ev["mlh1_donor_plus1"]
    assert "BA1 exception list" in ev["hfe_c282y_exception"]
    assert "PM5" not in truth_result.loc["tp53_r273h_ps1", "criteria"]
    assert "user override (automated: Supporting)" in ev["brca2_missense_user"]
    assert "InSiGHT VCEP: missense PP3/BP4" in ev["mlh1_missense_no_pm1"]
