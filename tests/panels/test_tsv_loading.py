"""Panel loading reads the bundled TSV files with the csv module (no pandas import).

The rows must be what ``pandas.read_csv(sep="\\t", dtype=str, keep_default_na=False)``
reads, and entries built per indication on demand must agree with the directory table.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from gmsvar._data import data_path
from gmsvar.panels.directory import _entries, lookup_test, read_tsv, test_directory

FILES = ["test_directory.tsv", "panels/panelapp_index.tsv", "test_directory_gene_coordinates.tsv"]


@pytest.mark.parametrize("name", FILES)
def test_read_tsv__equals_pandas(name: str) -> None:
    path = data_path(*name.split("/"))
    df = pd.read_csv(path, sep="\t", dtype=str, keep_default_na=False)
    assert read_tsv(path) == df.to_dict("records")


def test_lookup_test__every_code_matches_the_directory_table() -> None:
    df = test_directory()
    entries = _entries()
    assert set(df["test_code"]) | set(df["ci_code"]) == set(entries)
    for r in df.to_dict("records"):
        e = lookup_test(r["test_code"])
        assert e is entries[r["test_code"]]
        assert (e.ci_code, e.name, e.edition, list(e.genes), list(e.fusions)) == (
            r["ci_code"], r["ci_name"], r["edition"], r["genes"], r["fusions"])
        assert e.panelapp_id == (None if pd.isna(r["panelapp_id"]) else int(r["panelapp_id"]))
        assert r["test_code"] in [t.code for t in lookup_test(r["ci_code"]).tests]


def test_lookup_test__quoted_directory_file_read_with_csv(monkeypatch: pytest.MonkeyPatch,
                                                          tmp_path: Path) -> None:
    """A directory file with quoting is grouped through the csv module: same entries."""
    import gmsvar.panels.directory as d

    header, first, *rest = Path(data_path("test_directory.tsv")).read_text(encoding="utf-8").split("\n")
    names, fields = header.split("\t"), first.split("\t")
    code, ci = fields[names.index("test_code")], fields[names.index("ci_code")]
    fields[names.index("notes")] = '"a ""quoted"" note"'
    quoted = tmp_path / "test_directory.tsv"
    quoted.write_text("\n".join([header, "\t".join(fields), *rest]), encoding="utf-8")
    want = d._entries()
    monkeypatch.setattr(d, "data_path", lambda *parts: str(quoted))
    d._rows_by_indication.cache_clear()
    d._indication.cache_clear()
    try:
        got = d._entries()
    finally:
        d._rows_by_indication.cache_clear()
        d._indication.cache_clear()
    assert got[code].notes == ('a "quoted" note',)
    assert {c: e for c, e in got.items() if c not in (code, ci)} == {
        c: e for c, e in want.items() if c not in (code, ci)}
