"""The bundled National Genomic Test Directory."""

from __future__ import annotations

import pytest

import gmsvar.panels as gp
from gmsvar.errors import UnknownTestError
from gmsvar.panels import TargetType, lookup_test
from gmsvar.panels.directory import directory_meta


def test_test_directory__both_editions_one_row_per_test() -> None:
    df = gp.test_directory()
    assert df["test_code"].is_unique
    assert set(df["directory"]) == {"rare", "cancer"}
    assert set(df["edition"]) == set(gp.TEST_DIRECTORY_EDITIONS.values())
    assert df["edition"].str.contains("v5.1").sum() == (df["directory"] == "rare").sum()
    assert set(df["target_type"]) == {"panel", "genes", "other"}
    for col in ("ci_code", "test_code", "method", "scope", "panelapp_id", "genes", "fusions"):
        assert col in df.columns
    assert df.loc[df["test_code"] == "R210.2", "panelapp_id"].item() == 503
    meta = directory_meta()
    assert meta["counts"]["tests"] == len(df)


def test_test_directory__returns_a_copy() -> None:
    df = gp.test_directory()
    df.loc[0, "ci_code"] = "XXX"
    assert gp.test_directory().loc[0, "ci_code"] != "XXX"


def test_test_directory__methods_normalised() -> None:
    df = gp.test_directory()
    rare = df[df["directory"] == "rare"]
    lowered = rare["method"].str.lower()
    # Each spelling-insensitive method has exactly one spelling after normalisation.
    assert (rare.groupby(lowered)["method"].nunique() == 1).all()
    assert "WES or Large penel" not in set(rare["method"])
    assert rare.loc[rare["method_raw"] == "WES or Medium panel", "method"].unique().tolist() == [
        "WES or Medium Panel"]
    assert not df["method"].str.startswith(" ").any()


def test_lookup_test__indication_summarises_its_tests() -> None:
    e = lookup_test("R210")
    assert e.is_indication and e.test_code is None
    assert e.name == "Inherited MMR deficiency (Lynch syndrome)"
    assert [t.test_code for t in e.tests] == ["R210.2", "R210.4", "R210.5"]
    assert e.panel_ids == (503,) and e.panelapp_id == 503
    assert e.target_type is TargetType.PANEL
    assert e.edition == gp.TEST_DIRECTORY_EDITIONS["rare"]
    assert e.provenance == {"test_directory_code": "R210",
                            "test_directory_edition": e.edition}


def test_lookup_test__test_code_and_normalisation() -> None:
    e = lookup_test(" r210.5 ")
    assert e.code == "R210.5" and e.ci_code == "R210"
    assert e.method == "MLPA or equivalent"
    assert e.genes == ("MLH1", "MSH2", "MSH6", "PMS2")
    assert e.target_type is TargetType.GENES and e.panel_ids == ()
    methyl = lookup_test("R210.4")
    assert methyl.target_type is TargetType.OTHER and methyl.genes == ("MLH1",)


def test_lookup_test__separators_normalised() -> None:
    e = lookup_test("R208.1")  # 'BRCA1;BRCA2;PALB2; ATM; CHEK2; RAD51C; RAD51D'
    assert e.genes == ("BRCA1", "BRCA2", "PALB2", "ATM", "CHEK2", "RAD51C", "RAD51D")
    assert 635 in e.panelapp_tagged


def test_lookup_test__typos_fixed_against_hgnc() -> None:
    e = lookup_test("M4.2")  # 'ROS1, RET, ELM4-ALK, NTRK1, NTRK2, NTRK3'
    assert e.genes == ("ROS1", "RET", "EML4", "ALK", "NTRK1", "NTRK2", "NTRK3")
    assert e.fusions == ("EML4-ALK",)
    assert any("ELM4 -> EML4" in n for n in e.notes)
    assert lookup_test("M4.10").fusions == ("EML4-ALK",)
    assert lookup_test("M4").directory == "cancer"


def test_lookup_test__duplicates_removed_and_noted() -> None:
    e = lookup_test("M194.1")  # DDX3X is listed twice in the workbook
    assert e.genes.count("DDX3X") == 1
    assert any("DDX3X" in n for n in e.notes)


def test_lookup_test__cancer_continuation_rows_forward_filled() -> None:
    e = lookup_test("M4.5")
    assert (e.ci_code, e.name, e.test_name) == ("M4", "Non-Small Cell Lung Cancer",
                                                "EGFR hotspot ctDNA")
    assert e.scope == "Small variant detection"


def test_lookup_test__unknown_code_suggests_nearest() -> None:
    with pytest.raises(UnknownTestError, match=r"nearest codes: .*R210"):
        lookup_test("R2100")
    with pytest.raises(LookupError, match=r"R210 has tests R210\.2, R210\.4, R210\.5"):
        lookup_test("R210.9")
    with pytest.raises(UnknownTestError):
        lookup_test("Lynch")
