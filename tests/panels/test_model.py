"""Panel model: parsing PanelApp API v1 JSON, enums, regions."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from gmsvar.errors import GmsvarWarning, InputError, PanelError
from gmsvar.panels import (
    Confidence,
    Inheritance,
    Panel,
    PanelGene,
    load_panel,
    normalise_build,
    version_key,
)
from gmsvar.regions import Interval

from .conftest import load_json

MOI = {
    "MONOALLELIC, autosomal or pseudoautosomal, NOT imprinted": Inheritance.MONOALLELIC,
    "MONOALLELIC, autosomal or pseudoautosomal, maternally imprinted (paternal allele "
    "expressed)": Inheritance.MONOALLELIC,
    "MONOALLELIC, autosomal or pseudoautosomal, imprinted status unknown":
        Inheritance.MONOALLELIC,
    "BIALLELIC, autosomal or pseudoautosomal": Inheritance.BIALLELIC,
    "BOTH monoallelic and biallelic, autosomal or pseudoautosomal": Inheritance.BOTH,
    "BOTH monoallelic and biallelic (but BIALLELIC mutations cause a more SEVERE disease "
    "form), autosomal or pseudoautosomal": Inheritance.BOTH,
    "X-LINKED: hemizygous mutation in males, biallelic mutations in females":
        Inheritance.X_LINKED,
    "X-LINKED: hemizygous mutation in males, monoallelic mutations in females may cause "
    "disease (may be less severe, later onset than males)": Inheritance.X_LINKED,
    "MITOCHONDRIAL": Inheritance.MITOCHONDRIAL,
    "Unknown": Inheritance.UNKNOWN,
    "Other": Inheritance.UNKNOWN,
    "Other - please specifiy in evaluation comments": Inheritance.UNKNOWN,
    "": Inheritance.UNKNOWN,
    "AD": Inheritance.MONOALLELIC,
    "AR": Inheritance.BIALLELIC,
    "AD/AR": Inheritance.BOTH,
    "XL": Inheritance.X_LINKED,
    "MT": Inheritance.MITOCHONDRIAL,
    "NA": Inheritance.UNKNOWN,
}


@pytest.mark.parametrize(("text", "expected"), list(MOI.items()))
def test_inheritance_from_panelapp__panelapp_vocabulary(text: str, expected: Inheritance) -> None:
    assert Inheritance.from_panelapp(text) is expected


def test_inheritance_from_panelapp__none_is_unknown() -> None:
    assert Inheritance.from_panelapp(None) is Inheritance.UNKNOWN


@pytest.mark.parametrize(("raw", "expected"), [
    ("3", Confidence.GREEN), ("2", Confidence.AMBER), ("1", Confidence.RED),
    ("0", Confidence.NONE), (None, Confidence.NONE), (3, Confidence.GREEN),
])
def test_confidence_from_panelapp__string_levels(raw: Any, expected: Confidence) -> None:
    assert Confidence.from_panelapp(raw) is expected


def test_confidence_from_panelapp__invalid_raises() -> None:
    with pytest.raises(PanelError, match="confidence_level"):
        Confidence.from_panelapp("green")
    with pytest.raises(PanelError):
        Confidence.from_panelapp("7")


def test_confidence__ordered() -> None:
    assert Confidence.GREEN > Confidence.AMBER > Confidence.RED > Confidence.NONE


def test_version_key__numeric_order() -> None:
    assert sorted(["1.9", "1.13", "1.10", "0.116"], key=version_key) == [
        "0.116", "1.9", "1.10", "1.13"]


def test_normalise_build__aliases_and_error() -> None:
    assert normalise_build("hg19") == "GRCh37"
    assert normalise_build("GRCH38") == "GRCh38"
    with pytest.raises(InputError, match="build='GRCh38'"):
        normalise_build("hg18")


def test_from_panelapp__detail_json_635() -> None:
    panel = Panel.from_panelapp(load_json("panel_635.json"), provenance={"source": "test"})
    assert (panel.id, panel.name, panel.version) == (
        635, "Inherited breast cancer and ovarian cancer", "2.18")
    assert panel.version_created is not None and panel.version_date is not None
    assert panel.signed_off and panel.test_codes == ("R208",)
    brca1 = {g.symbol: g for g in panel.gene_entities}["BRCA1"]
    assert brca1.hgnc_id == "HGNC:1100"
    assert brca1.confidence is Confidence.GREEN
    assert brca1.inheritance is Inheritance.BOTH
    assert brca1.mode_of_inheritance.startswith("BOTH monoallelic and biallelic")
    assert brca1.grch38 is not None and brca1.grch38.contig == "17"
    assert brca1.grch37 is not None and brca1.grch37.start != brca1.grch38.start
    assert panel.provenance["source"] == "test" and panel.provenance["panel_id"] == 635


def _gene(ensembl: Any, **extra: Any) -> dict[str, Any]:
    g = {"gene_data": {"gene_symbol": "SCO2", "hgnc_id": "HGNC:10604",
                       "ensembl_genes": ensembl},
         "entity_type": "gene", "entity_name": "SCO2", "confidence_level": "3",
         "mode_of_inheritance": "BIALLELIC, autosomal or pseudoautosomal"}
    g.update(extra)
    return g


def test_from_panelapp__several_ensembl_releases_are_spanned() -> None:
    # As PanelApp gives SCO2: GRch38 under release 90 and 107 with different ends.
    ens = {"GRch37": {"82": {"location": "22:50961997-50964868", "ensembl_id": "ENSG00000130489"}},
           "GRch38": {"90": {"location": "22:50523568-50525606", "ensembl_id": "ENSG00000130489"},
                      "107": {"location": "22:50523568-50526461", "ensembl_id": "ENSG00000284194"}}}
    p = Panel.from_panelapp({"id": 1, "name": "x", "version": "1.0", "genes": [_gene(ens)]})
    g = p.gene_entities[0]
    assert g.grch38 == Interval("22", 50523568, 50526461)
    assert g.grch37 == Interval("22", 50961997, 50964868)
    assert set(g.ensembl_gene_ids) == {"ENSG00000130489", "ENSG00000284194"}


@pytest.mark.parametrize("ens", [{}, None, {"GRch38": {}}, {"GRch38": {"90": {"location": ""}}}])
def test_from_panelapp__missing_locations_warn_in_regions(ens: Any) -> None:
    p = Panel.from_panelapp({"id": 1, "name": "x", "version": "1.0", "genes": [_gene(ens)]})
    assert p.gene_entities[0].grch38 is None
    with pytest.warns(GmsvarWarning, match="no GRCh38 location"):
        assert p.regions(build="GRCh38") == []
    assert p.missing_coordinates(build="GRCh38") == ["SCO2"]


def test_from_panelapp__malformed_raises_panel_error() -> None:
    with pytest.raises(PanelError, match="detail response"):
        Panel.from_panelapp({"count": 3, "results": []})
    bad = copy.deepcopy(load_json("panel_635.json"))
    bad["genes"][0]["confidence_level"] = "purple"  # type: ignore[index]
    with pytest.raises(PanelError, match="confidence_level"):
        Panel.from_panelapp(bad)


def test_from_panelapp__str_entities() -> None:
    panel = load_panel(841)
    strs = {s.name: s for s in panel.str_entities}
    assert "FXN_GAA" in strs
    fxn = strs["FXN_GAA"]
    assert fxn.grch38 == Interval("9", 69037287, 69037304)
    assert fxn.grch37 == Interval("9", 71652203, 71652220)
    assert (fxn.repeated_sequence, fxn.normal_repeats, fxn.pathogenic_repeats) == ("GAA", 44, 66)
    assert fxn.confidence is Confidence.NONE and fxn.gene_symbol == "FXN"
    assert fxn.entity_type == "str"


def test_from_panelapp__region_entities_with_null_build() -> None:
    panel = load_panel(749)
    (region,) = panel.region_entities
    assert region.name == "ISCA-37431-Loss" and region.type_of_variants == "cnv_loss"
    assert region.grch37 is None
    assert region.grch38 == Interval("17", 30780079, 31937008)
    assert region.required_overlap_percentage == 60
    assert region.confidence is Confidence.RED


def test_regions__padding_merge_and_confidence() -> None:
    genes = (
        PanelGene("A", confidence=Confidence.GREEN, grch38=Interval("1", 100, 200)),
        PanelGene("B", confidence=Confidence.GREEN, grch38=Interval("1", 230, 300)),
        PanelGene("C", confidence=Confidence.AMBER, grch38=Interval("2", 5, 10)),
        PanelGene("D", confidence=Confidence.RED, grch38=Interval("chrX", 50, 60)),
    )
    p = Panel(id=1, name="t", version="1.0", gene_entities=genes)
    assert p.regions() == [Interval("1", 100, 200), Interval("1", 230, 300)]
    assert p.regions(padding=15) == [Interval("1", 85, 315)]
    assert p.regions(padding=10, confidence=(Confidence.GREEN, Confidence.AMBER)) == [
        Interval("1", 90, 210), Interval("1", 220, 310), Interval("2", 1, 20)]
    assert p.regions(confidence=Confidence.RED) == [Interval("X", 50, 60)]
    with pytest.raises(InputError, match="padding"):
        p.regions(padding=-1)
    with pytest.raises(InputError, match="confidence"):
        p.regions(confidence=["green"])  # type: ignore[list-item]
    with pytest.raises(InputError, match="entity_types"):
        p.regions(entity_types=("exon",))  # type: ignore[arg-type]


def test_regions__grch37_without_locations_warns() -> None:
    p = Panel(id=1, name="t", version="1.0",
              gene_entities=(PanelGene("A", confidence=Confidence.GREEN,
                                       grch38=Interval("1", 1, 2)),))
    with pytest.warns(GmsvarWarning, match="GRCh37"):
        assert p.regions(build="GRCh37") == []


def test_genes__selection_and_green_genes() -> None:
    panel = load_panel(772)
    assert panel.green_genes == ["APOB", "APOE", "LDLR", "LDLRAP1", "PCSK9"]
    assert panel.gene_symbols(confidence=Confidence.RED) == ["GCKR"]
    assert [g.symbol for g in panel.genes(confidence=list(Confidence))] == [
        "APOB", "APOE", "GCKR", "LDLR", "LDLRAP1", "PCSK9"]
    apoe = {g.symbol: g for g in panel.gene_entities}["APOE"]
    assert apoe.mode_of_inheritance == "AD/AR" and apoe.inheritance is Inheritance.BOTH


def test_to_frame__one_row_per_entity() -> None:
    panel = load_panel(841)
    df = panel.to_frame()
    assert len(df) == len(panel.gene_entities) + len(panel.str_entities)
    assert set(df["confidence"]) <= {"green", "amber", "red", "none"}
    assert df.loc[df["name"] == "FXN_GAA", "entity_type"].item() == "str"


def test_panel__repr_and_label() -> None:
    panel = load_panel(503)
    assert "503" in repr(panel) and "snapshot" in repr(panel)
    assert panel.label == "Inherited MMR deficiency (Lynch syndrome) (503 v1.13)"
