"""The data builder: gene-list parsing and reproducibility of the shipped files."""

from __future__ import annotations

from pathlib import Path

import pytest

from gmsvar.panels import _build

SHARED = Path("/work/shared/data")
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def book() -> _build.SymbolBook:
    current = {"BRCA1", "BRCA2", "PALB2", "ATM", "EML4", "ALK", "NTRK1", "NTRK2", "NTRK3",
               "RUNX1", "RUNX1T1", "TERT", "TSC1", "TSC2", "MLH1", "TRIO", "DDX3X", "KMT2A"}
    return _build.SymbolBook(current, {s.upper(): s for s in current}, {})


@pytest.mark.parametrize(("text", "kind", "genes", "fusions"), [
    ("BRCA1;BRCA2;PALB2; ATM", "genes", ["BRCA1", "BRCA2", "PALB2", "ATM"], []),
    ("Breast cancer: BRCA1; BRCA2", "genes", ["BRCA1", "BRCA2"], []),
    ("ELM4-ALK", "genes", ["EML4", "ALK"], ["EML4-ALK"]),
    ("NTRK1, NTRK1, NTRK3", "genes", ["NTRK1", "NTRK3"], []),
    ("RUNX1-RUNX1t1", "genes", ["RUNX1", "RUNX1T1"], ["RUNX1-RUNX1T1"]),
    ("TSC1/2", "genes", ["TSC1", "TSC2"], []),
    ("BRCA1 & BRCA2 and PALB2", "genes", ["BRCA1", "BRCA2", "PALB2"], []),
    ("TERT promoter", "other", ["TERT"], []),
    ("MLH1 hypermethylation", "other", ["MLH1"], []),
    ("Trio gene agnostic or appropriate panels", "other", [], []),
    ("t(8;21)(q22;q22) RUNX1-RUNX1T1", "other", ["RUNX1", "RUNX1T1"], ["RUNX1-RUNX1T1"]),
    ("Genomewide", "other", [], []),
    ("MLL-PTD, DDX3X", "genes", ["KMT2A", "DDX3X"], []),
])
def test_parse_gene_list__workbook_spellings(book: _build.SymbolBook, text: str, kind: str,
                                             genes: list[str], fusions: list[str]) -> None:
    parsed = _build.parse_gene_list(text, book)
    assert (parsed.target_type, parsed.genes, parsed.fusions) == (kind, genes, fusions)


def test_parse_gene_list__notes_say_what_changed(book: _build.SymbolBook) -> None:
    parsed = _build.parse_gene_list("ROS1, ELM4-ALK, NTRK1, NTRK1", book)
    assert "ELM4 -> EML4 (typo)" in parsed.notes
    assert "listed more than once: NTRK1" in parsed.notes
    assert any("'ROS1'" in n for n in parsed.notes)  # ROS1 is not in this small book


@pytest.mark.skipif(not SHARED.is_dir(), reason="shared data drop not available")
def test_render__rebuild_reproduces_shipped_files() -> None:
    files = _build.render(SHARED)
    assert "src/gmsvar/data/test_directory.tsv" in files
    stale = [rel for rel, text in files.items()
             if not (ROOT / rel).is_file() or (ROOT / rel).read_text() != text]
    assert stale == [], "run: python -m gmsvar.panels._build"
    shipped = {p.name for p in (ROOT / "panels").glob("panel_*.json")}
    assert shipped == {Path(r).name for r in files if r.startswith("panels/panel_")}
