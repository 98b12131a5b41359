"""reanalyse(): re-interpret only the genes a panel update affects; list what changed."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pandas as pd
import pytest

from gmsvar.cohort import reanalyse, run_cohort
from gmsvar.cohort.reanalysis import affected_genes
from gmsvar.panels import Confidence, Panel, PanelGene, diff_panels, load_panel
from gmsvar.regions import Interval

from ._fake import fake_interpret


def new_panel() -> Panel:
    """R210 'v1.14': MSH2 demoted to red, MLH1 inheritance text changed, MTOR added green."""
    old = load_panel("R210")
    genes = []
    for g in old.gene_entities:
        if g.symbol == "MSH2":
            g = dataclasses.replace(g, confidence=Confidence.RED)
        if g.symbol == "MLH1":
            g = dataclasses.replace(g, mode_of_inheritance="BOTH monoallelic and biallelic")
        genes.append(g)
    genes.append(PanelGene("MTOR", hgnc_id="HGNC:3942", confidence=Confidence.GREEN,
                           mode_of_inheritance="MONOALLELIC, autosomal or pseudoautosomal",
                           grch38=Interval("1", 11000000, 11100000)))
    return dataclasses.replace(old, version="1.14", gene_entities=tuple(genes))


def test_affected_genes() -> None:
    new = new_panel()
    re, drop, why = affected_genes(diff_panels(load_panel("R210"), new), new)
    assert (re, drop) == (["MLH1", "MTOR"], ["MSH2"])
    assert why["MSH2"] == "rating green -> red" and why["MTOR"].startswith("added")


@pytest.fixture(scope="module")
def cohort_dir(batch: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("reanalysis")
    run_cohort([batch["s0"], batch["s1"], batch["multi"], batch["empty"]], out_dir=d, workers=0,
               interpreter=fake_interpret, progress=False)
    return d


def _core(df: pd.DataFrame) -> pd.DataFrame:
    drop = [c for c in df.columns if c == "variant_index" or c.startswith("cohort_")]
    return df.drop(columns=drop).reset_index(drop=True)


def test_reanalyse__equals_full_rerun_and_lists_changes(cohort_dir: Path, batch: dict[str, Path],
                                                        tmp_path: Path) -> None:
    res = reanalyse(cohort_dir, new_panel(), workers=0, interpreter=fake_interpret,
                    progress=False)
    assert res.genes == {"reinterpret": ["MLH1", "MTOR"], "drop": ["MSH2"]}
    assert res.reinterpreted == ["S0", "S1", "M0", "M1", "M2", "M3", "M4"]
    assert res.out_dir == cohort_dir / "reanalysis" / "panel_503_v1.14"
    full = run_cohort([batch["s0"], batch["s1"], batch["multi"], batch["empty"]],
                      out_dir=tmp_path, workers=0, interpreter=fake_interpret, progress=False,
                      panel=new_panel())
    for name in ("variants", "findings"):
        pd.testing.assert_frame_equal(_core(getattr(res.cohort, name)),
                                      _core(getattr(full, name)), check_dtype=False, obj=name)
    ch = res.changes
    assert set(ch.loc[ch["gene"] == "MSH2", "change"]) == {"removed"}
    assert set(ch.loc[ch["gene"] == "MTOR", "change"]) == {"added"}
    assert "MLH1" not in set(ch["gene"])  # re-interpreted, nothing changed
    assert set(ch.columns) >= {"sample", "gene", "variant", "what", "old", "new", "panel_change"}
    assert (res.out_dir / "changes.tsv").is_file() and (res.out_dir / "summary.html").is_file()
    assert res.cohort.errors["sample"].tolist() == ["empty"]
    prov = json.loads((res.out_dir / "samples" / "S0" / "provenance.json").read_text())
    assert prov["panel"]["version"] == "1.14"
    assert prov["reanalysis"]["old_panel"]["version"] == "1.13"


def test_reanalyse__nothing_to_reinterpret(cohort_dir: Path, tmp_path: Path) -> None:
    old = load_panel("R210")
    demoted = dataclasses.replace(old, version="1.15", gene_entities=tuple(
        dataclasses.replace(g, confidence=Confidence.AMBER) if g.symbol == "PMS2" else g
        for g in old.gene_entities))
    res = reanalyse(cohort_dir, demoted, out_dir=tmp_path, workers=0,
                    interpreter=fake_interpret, progress=False)
    assert res.reinterpreted == [] and res.genes["drop"] == ["PMS2"]
    assert "PMS2" not in set(res.cohort.variants["gene"].dropna())
    assert set(res.changes["change"]) <= {"removed"}
