"""Offline snapshots and load_panel."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from gmsvar.errors import PanelError, PanelNotFound, UnknownTestError
from gmsvar.panels import (
    Confidence,
    PanelAppClient,
    gene_list_panel,
    list_snapshots,
    load_panel,
    load_snapshot,
    panelapp_index,
    read_panel_file,
)

ROOT = Path(__file__).resolve().parents[2]
PACKAGE_SNAPSHOTS = ROOT / "src" / "gmsvar" / "data" / "panels"
TOP_SNAPSHOTS = ROOT / "panels"

REQUIRED = {"R210": 503, "R208": 635, "R134": 772, "R127": 76, "R135": 749, "R138": 841,
            "M4": "M4"}


def test_load_panel__r210_is_panel_503_with_exactly_the_mmr_genes_green() -> None:
    panel = load_panel("R210")
    assert panel.id == 503 and panel.version == "1.13"
    assert panel.green_genes == ["EPCAM", "MLH1", "MSH2", "MSH6", "PMS2"]
    assert panel.genes(confidence=list(Confidence)) == panel.genes()
    prov = panel.provenance
    assert prov["source"] == "snapshot" and prov["file"] == "panel_503_v1.13.json"
    assert prov["derived"] is True and "combined" in prov["derivation"]
    assert prov["requested"] == "R210" and prov["test_directory_code"] == "R210"
    assert "v5.1" in prov["test_directory_edition"]
    assert prov["version"] == "1.13" and prov["panel_id"] == 503
    assert prov["version_created"].startswith("2026-01-23")


@pytest.mark.parametrize(("code", "panel_id"), list(REQUIRED.items()))
def test_load_panel__required_codes_offline(code: str, panel_id: int | str) -> None:
    panel = load_panel(code)
    assert panel.id == panel_id
    assert panel.green_genes
    assert panel.regions(build="GRCh38") and panel.regions(build="GRCh37")


def test_load_panel__m4_lung_pseudo_panel_is_marked_derived() -> None:
    panel = load_panel("M4")
    assert panel.version == "2021-22" and not panel.signed_off
    assert panel.green_genes == ["ALK", "BRAF", "EGFR", "EML4", "KRAS", "MET", "NTRK1",
                                 "NTRK2", "NTRK3", "RET", "ROS1"]
    assert panel.provenance["derived"] is True
    assert "not a PanelApp panel" in panel.provenance["origin"]
    assert panel.provenance["fusions"] == ["EML4-ALK"]
    egfr = {g.symbol: g for g in panel.gene_entities}["EGFR"]
    assert set(egfr.tags) == {"M4.1", "M4.4", "M4.5"}
    assert egfr.grch38 is not None and egfr.grch38.contig == "7"


def test_load_panel__by_id_path_and_version() -> None:
    assert load_panel(635).name == "Inherited breast cancer and ovarian cancer"
    assert load_panel("635").version == "2.18"
    assert load_panel(635, version="2.18").id == 635
    with pytest.raises(PanelNotFound, match=r"snapshot versions: 2\.18"):
        load_panel(635, version="1.0")
    snap = PACKAGE_SNAPSHOTS / "panel_76_v3.12.json"
    by_path = load_panel(snap)
    assert by_path.id == 76 and by_path.provenance["source"] == "file"
    assert load_panel(str(snap)).id == 76


def test_load_panel__test_code_gene_list_pseudo_panel() -> None:
    panel = load_panel("R210.5")
    assert panel.id == "R210.5"
    assert panel.green_genes == ["MLH1", "MSH2", "MSH6", "PMS2"]
    assert panel.provenance["source"] == "derived"
    assert panel.provenance["resolved_by"] == "test directory gene list of R210.5"
    assert len(panel.regions(build="GRCh38")) == 4


def test_load_panel__target_that_is_not_a_gene_list() -> None:
    with pytest.raises(PanelNotFound, match="MLH1 hypermethylation"):
        load_panel("R210.4")


def test_load_panel__panel_without_snapshot_names_live_fetch() -> None:
    with pytest.raises(PanelNotFound, match=r"Hypertrophic cardiomyopathy.*get_panel\(49\)"):
        load_panel("R131")


def test_load_panel__unknown_inputs() -> None:
    with pytest.raises(UnknownTestError):
        load_panel("R9999")
    with pytest.raises(PanelNotFound, match="neither"):
        load_panel("Lynch syndrome")
    with pytest.raises(PanelNotFound, match="does not exist"):
        load_panel("missing/panel.json")
    with pytest.raises(PanelError):
        load_panel(3.5)  # type: ignore[arg-type]


def test_load_panel__offline_client_uses_snapshot(tmp_path: Path) -> None:
    client = PanelAppClient("http://127.0.0.1:9/api/v1/", cache_dir=tmp_path, offline=True)
    panel = load_panel("R134", client=client)
    assert panel.id == 772 and panel.provenance["offline"] is True
    client.close()


def test_load_snapshot__extra_directory_and_corrupt_file(tmp_path: Path) -> None:
    shutil.copy(PACKAGE_SNAPSHOTS / "panel_503_v1.13.json", tmp_path / "panel_503_v1.12.json")
    assert load_snapshot(503, "1.12", snapshot_dir=tmp_path).id == 503
    assert load_snapshot(503, snapshot_dir=tmp_path).version == "1.13"  # newest wins
    (tmp_path / "panel_77_v1.0.json").write_text("{oops")
    with pytest.raises(PanelError, match="not valid JSON"):
        load_snapshot(77, snapshot_dir=tmp_path)
    with pytest.raises(PanelError, match="not a directory"):
        list_snapshots(snapshot_dir=tmp_path / "nope")


def test_read_panel_file__raw_api_response(tmp_path: Path) -> None:
    doc = json.loads((PACKAGE_SNAPSHOTS / "panel_635_v2.18.json").read_text())
    raw = tmp_path / "635.json"
    raw.write_text(json.dumps(doc["panel"]))
    panel = read_panel_file(raw)
    assert panel.id == 635 and panel.provenance == {
        "panel_id": 635, "panel_name": panel.name, "version": "2.18",
        "version_created": doc["panel"]["version_created"], "source": "file",
        "file": str(raw)}


def test_snapshots__names_match_contents_and_provenance() -> None:
    snaps = list_snapshots()
    assert len(snaps) >= 7
    for s in snaps:
        doc = json.loads(s.location.read_text())
        panel = doc["panel"]
        assert s.location.name == f"panel_{panel['id']}_v{panel['version']}.json"
        prov = doc["gmsvar_snapshot"]
        assert isinstance(prov["derived"], bool) and prov["origin"]
    ids = {s.panel_id for s in snaps}
    assert set(REQUIRED.values()) <= ids


def test_snapshots__package_data_and_top_level_panels_identical() -> None:
    if not TOP_SNAPSHOTS.is_dir():
        pytest.skip("not a source checkout")
    top = sorted(p.name for p in TOP_SNAPSHOTS.iterdir() if p.is_file())
    pkg = sorted(p.name for p in PACKAGE_SNAPSHOTS.iterdir() if p.is_file())
    assert top == pkg
    for name in top:
        assert (TOP_SNAPSHOTS / name).read_bytes() == (PACKAGE_SNAPSHOTS / name).read_bytes()


def test_snapshots__agree_with_index_versions() -> None:
    index = panelapp_index()
    for s in list_snapshots():
        if isinstance(s.panel_id, int):
            assert index[s.panel_id].version == s.version


def test_gene_list_panel__unknown_gene_has_no_coordinates() -> None:
    import warnings

    panel = gene_list_panel(["MLH1", "NOTAGENE1"], name="mine")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        ivs = panel.regions(build="GRCh38")
    assert len(ivs) == 1 and "NOTAGENE1" in str(caught[0].message)
