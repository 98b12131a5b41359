"""diff_panels: panel 1141 as captured in January 2026 (v2.7) and March 2026 (v2.8)."""

from __future__ import annotations

from gmsvar.panels import ChangeKind, Confidence, Panel, PanelGene, diff_panels
from gmsvar.regions import Interval

from .conftest import load_json


def _pair() -> tuple[Panel, Panel]:
    old = Panel.from_panelapp(load_json("panel_1141_v2.7.json"))
    new = Panel.from_panelapp(load_json("panel_1141_v2.8.json"))
    return old, new


def test_diff_panels__1141_ampd1_demoted_from_green_to_red() -> None:
    old, new = _pair()
    d = diff_panels(old, new)
    assert (d.old_version, d.new_version) == ("2.7", "2.8")
    assert d.added == [] and d.removed == []
    assert d.confidence_changed == ["AMPD1"]
    assert d.no_longer_green == ["AMPD1"] and d.became_green == []
    (change,) = d.changes
    assert change.kind is ChangeKind.CONFIDENCE
    assert (change.old, change.new) == ("green", "red")
    assert change.hgnc_id == "HGNC:468"
    df = d.to_frame()
    assert df.to_dict("records")[0]["old_panel"] == "1141 v2.7"
    assert list(df["change"]) == ["confidence"]


def test_diff_panels__identical_is_empty() -> None:
    old, _ = _pair()
    d = diff_panels(old, old)
    assert not d and d.to_frame().empty


def test_diff_panels__added_removed_inheritance_renamed() -> None:
    def gene(sym: str, hgnc: str, conf: Confidence, moi: str = "") -> PanelGene:
        return PanelGene(sym, hgnc_id=hgnc, confidence=conf, mode_of_inheritance=moi,
                         grch38=Interval("1", 1, 2))

    old = Panel(id=9, name="x", version="1.0", gene_entities=(
        gene("A", "HGNC:1", Confidence.GREEN, "BIALLELIC, autosomal or pseudoautosomal"),
        gene("B", "HGNC:2", Confidence.AMBER),
        gene("OLDNAME", "HGNC:3", Confidence.GREEN),
    ))
    new = Panel(id=9, name="x", version="1.1", gene_entities=(
        gene("A", "HGNC:1", Confidence.GREEN, "MONOALLELIC, autosomal or pseudoautosomal, "
             "NOT imprinted"),
        gene("NEWNAME", "HGNC:3", Confidence.GREEN),
        gene("C", "HGNC:4", Confidence.GREEN),
    ))
    d = diff_panels(old, new)
    assert d.added == ["C"] and d.removed == ["B"]
    assert d.inheritance_changed == ["A"]
    assert [c.name for c in d.changes if c.kind is ChangeKind.RENAMED] == ["NEWNAME"]
    assert d.became_green == ["C"] and d.no_longer_green == []
    moi = next(c for c in d.changes if c.kind is ChangeKind.INHERITANCE)
    assert moi.old_inheritance is not None and moi.old_inheritance.value == "biallelic"
    assert moi.new_inheritance is not None and moi.new_inheritance.value == "monoallelic"
