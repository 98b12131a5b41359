"""The National Genomic Test Directory (NHS England), shipped as package data.

Two directories are bundled: rare and inherited disease (clinical indications
``R<n>``, tests ``R<n>.<m>``) and cancer (``M<n>``, ``M<n>.<m>``). Each test's
target is a PanelApp panel (``target_type`` ``panel``, with ``panelapp_id``),
a gene list normalised to HGNC symbols (``genes``), or something else
(``other``: karyotype, methylation, named variants, ...; any symbols named are
still listed). Corrections made to the workbooks' spellings are in ``notes``.

The data file is built by ``python -m gmsvar.panels._build`` from CSV exports of
the official workbooks; :data:`TEST_DIRECTORY_EDITIONS` names the editions, and
every entry carries its edition so outputs can record it.

Examples
--------
>>> from gmsvar.panels import lookup_test
>>> entry = lookup_test("R210")
>>> entry.name, [t.test_code for t in entry.tests]
('Inherited MMR deficiency (Lynch syndrome)', ['R210.2', 'R210.4', 'R210.5'])
>>> lookup_test("R210.2").panelapp_id
503
>>> lookup_test("M4.2").genes, lookup_test("M4.2").fusions
(('ROS1', 'RET', 'EML4', 'ALK', 'NTRK1', 'NTRK2', 'NTRK3'), ('EML4-ALK',))
"""

from __future__ import annotations

import csv
import functools
import io
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING, Any

from .._data import data_path
from ..errors import UnknownTestError

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "TEST_DIRECTORY_EDITION",
    "TEST_DIRECTORY_EDITIONS",
    "TargetType",
    "TestDirectoryEntry",
    "lookup_test",
    "test_directory",
]

#: Edition of each bundled directory, keyed by ``directory`` (``"rare"``, ``"cancer"``).
TEST_DIRECTORY_EDITIONS: dict[str, str] = {
    "rare": "Rare and inherited disease v5.1 (June 2023)",
    "cancer": "Cancer 2021/22 (October 2021, marked DRAFT in the workbook)",
}
#: Both editions in one string, for provenance records.
TEST_DIRECTORY_EDITION: str = "; ".join(TEST_DIRECTORY_EDITIONS.values())

_CODE = re.compile(r"^([RM])\s*(\d+)(?:\.(\d+))?$", re.IGNORECASE)


class TargetType(Enum):
    """What a test targets."""

    PANEL = "panel"
    GENES = "genes"
    OTHER = "other"


@dataclass(frozen=True)
class TestDirectoryEntry:
    """A test (``R210.2``) or a clinical indication summarising its tests (``R210``).

    Attributes
    ----------
    code
        The code looked up, normalised (``"R210"``, ``"R210.2"``).
    ci_code, name
        Clinical indication code and name.
    test_code
        ``None`` for a clinical-indication entry.
    test_name
        Cancer directory test name; empty for rare-disease tests (the workbook has none).
    directory, edition
        ``"rare"`` or ``"cancer"`` and that directory's edition.
    method, scope
        Test method / technology (spelling normalised) and, for cancer tests, the test scope.
        For an indication, the distinct values of its tests joined with ``"; "``.
    target
        The workbook's Target/Genes text.
    target_type
        For an indication: ``PANEL`` if any test targets a panel, else ``GENES`` if
        any targets a gene list, else ``OTHER``.
    panelapp_id, panelapp_name
        The panel the directory names (an indication: only when its tests name one).
    panelapp_tagged
        PanelApp panels (2026 list pages) whose ``relevant_disorders`` carry this code or
        its indication's code.
    genes, fusions
        Normalised HGNC symbols (fusion partners included) and fusions (``EML4-ALK``).
    notes
        Corrections and anything left unparsed.
    tests
        The indication's tests; empty for a test entry.
    """

    __test__ = False  # not a pytest test class, despite the name

    code: str
    ci_code: str
    name: str
    test_code: str | None
    test_name: str
    directory: str
    edition: str
    method: str
    scope: str
    target: str
    target_type: TargetType
    panelapp_id: int | None
    panelapp_name: str
    panelapp_tagged: tuple[int, ...]
    genes: tuple[str, ...]
    fusions: tuple[str, ...]
    notes: tuple[str, ...]
    tests: tuple[TestDirectoryEntry, ...] = ()

    @property
    def is_indication(self) -> bool:
        """True for a clinical-indication entry (``R210``), False for a test (``R210.2``)."""
        return self.test_code is None

    @property
    def panel_ids(self) -> tuple[int, ...]:
        """Distinct PanelApp ids the directory names for this test or indication's tests."""
        if not self.is_indication:
            return () if self.panelapp_id is None else (self.panelapp_id,)
        return tuple(dict.fromkeys(t.panelapp_id for t in self.tests if t.panelapp_id))

    @property
    def provenance(self) -> dict[str, Any]:
        """What to record with results: code and directory edition."""
        return {"test_directory_code": self.code, "test_directory_edition": self.edition}


def read_tsv(path: str) -> list[dict[str, str]]:
    """Rows of a bundled TSV file as dicts of strings (``""`` for empty cells).

    What ``pandas.read_csv(sep="\\t", dtype=str, keep_default_na=False)`` reads, with
    the csv module, so loading a panel does not import pandas.
    """
    with open(path, encoding="utf-8", newline="") as fh:
        rows = csv.reader(fh, delimiter="\t")
        header = next(rows, [])
        return [dict(zip(header, row, strict=True)) for row in rows if row]


@functools.lru_cache(maxsize=1)
def _frame() -> pd.DataFrame:
    import pandas as pd
    with open(data_path("test_directory.tsv"), encoding="utf-8") as fh:
        df = pd.read_csv(fh, sep="\t", dtype=str, keep_default_na=False)
    df.insert(1, "edition", df["directory"].map(TEST_DIRECTORY_EDITIONS))
    df["panelapp_id"] = pd.array(
        [int(v) if v else None for v in df["panelapp_id"]], dtype="Int64"
    )
    return df


def _split(value: str) -> tuple[str, ...]:
    return tuple(v for v in value.split(";") if v) if value else ()


@functools.lru_cache(maxsize=1)
def _rows_by_indication() -> tuple[list[str], dict[str, list[str | list[str]]]]:
    """The directory's column names and its rows grouped by clinical-indication code.

    A row is its unsplit line when the file has no quoting (the bundled file: rows are
    split only for the indication looked up, which keeps one lookup cheap), else its
    fields as the csv module reads them. File order is kept.
    """
    with open(data_path("test_directory.tsv"), encoding="utf-8", newline="") as fh:
        text = fh.read()
    rows: Sequence[str | list[str]]
    if '"' in text or "\r" in text:
        columns, *parsed = csv.reader(io.StringIO(text, newline=""), delimiter="\t")
        rows = parsed
    else:
        header, *lines = text.split("\n")
        columns, rows = header.split("\t"), lines
    at = columns.index("ci_code")
    out: dict[str, list[str | list[str]]] = {}
    for row in rows:
        if row:
            ci = row.split("\t", at + 1)[at] if isinstance(row, str) else row[at]
            out.setdefault(ci, []).append(row)
    return columns, out


def _indication_rows(ci: str) -> list[dict[str, str]]:
    columns, groups = _rows_by_indication()
    return [dict(zip(columns, r.split("\t") if isinstance(r, str) else r, strict=True))
            for r in groups.get(ci, ())]


@functools.cache
def _indication(ci: str) -> dict[str, TestDirectoryEntry]:
    """Entries of one clinical indication: its tests, then its summary (empty if unknown).

    Built on demand, so looking up one code does not build all ~2,000 entries.
    """
    members: list[TestDirectoryEntry] = []
    for r in _indication_rows(ci):
        pid = r["panelapp_id"]
        members.append(TestDirectoryEntry(
            code=r["test_code"], ci_code=r["ci_code"], name=r["ci_name"],
            test_code=r["test_code"], test_name=r["test_name"], directory=r["directory"],
            edition=TEST_DIRECTORY_EDITIONS[r["directory"]], method=r["method"],
            scope=r["scope"], target=r["target"], target_type=TargetType(r["target_type"]),
            panelapp_id=int(pid) if pid else None,
            panelapp_name=r["panelapp_name"],
            panelapp_tagged=tuple(int(p) for p in _split(r["panelapp_tagged"])),
            genes=_split(r["genes"]), fusions=_split(r["fusions"]),
            notes=tuple(n for n in r["notes"].split(" | ") if n),
        ))
    if not members:
        return {}
    out = {t.code: t for t in members}
    kinds = {t.target_type for t in members}
    kind = next(k for k in TargetType if k in kinds)
    ids = tuple(dict.fromkeys(t.panelapp_id for t in members if t.panelapp_id))
    first = members[0]
    out[ci] = TestDirectoryEntry(
        code=ci, ci_code=ci, name=first.name, test_code=None, test_name="",
        directory=first.directory, edition=first.edition,
        method="; ".join(dict.fromkeys(t.method for t in members)),
        scope="; ".join(dict.fromkeys(t.scope for t in members if t.scope)),
        target="; ".join(dict.fromkeys(t.target for t in members)),
        target_type=kind,
        panelapp_id=ids[0] if len(ids) == 1 else None,
        panelapp_name=next((t.panelapp_name for t in members if t.panelapp_id), ""),
        panelapp_tagged=tuple(sorted({p for t in members for p in t.panelapp_tagged})),
        genes=tuple(dict.fromkeys(g for t in members for g in t.genes)),
        fusions=tuple(dict.fromkeys(f for t in members for f in t.fusions)),
        notes=(),
        tests=tuple(members),
    )
    return out


def _entries() -> dict[str, TestDirectoryEntry]:
    """Every entry (tests and indications), keyed by code."""
    out: dict[str, TestDirectoryEntry] = {}
    for ci in _rows_by_indication()[1]:
        out.update(_indication(ci))
    return out


def test_directory() -> pd.DataFrame:
    """The bundled test directory, one row per test code.

    Returns
    -------
    pandas.DataFrame
        Columns ``directory`` (``rare``/``cancer``), ``edition``, ``ci_code``,
        ``ci_name``, ``test_code``, ``test_name``, ``method`` (normalised),
        ``method_raw`` (the workbook's spelling where it differs), ``scope``,
        ``target`` (raw text), ``target_type`` (``panel``/``genes``/``other``),
        ``panelapp_id`` (nullable Int64), ``panelapp_name``, ``panelapp_tagged``,
        ``genes`` and ``fusions`` (lists of str), ``notes``,
        ``commissioning_category``, ``specialist_test_group``.

    Examples
    --------
    >>> from gmsvar.panels import test_directory
    >>> df = test_directory()
    >>> sorted(df["directory"].unique())
    ['cancer', 'rare']
    >>> df.loc[df["test_code"] == "R208.1", "genes"].item()
    ['BRCA1', 'BRCA2', 'PALB2', 'ATM', 'CHEK2', 'RAD51C', 'RAD51D']
    """
    df = _frame().copy()
    df["genes"] = [list(_split(v)) for v in df["genes"]]
    df["fusions"] = [list(_split(v)) for v in df["fusions"]]
    df["panelapp_tagged"] = [[int(p) for p in _split(v)] for v in df["panelapp_tagged"]]
    return df


test_directory.__test__ = False  # type: ignore[attr-defined]  # pytest: not a test


def normalise_code(code: str) -> str:
    """``" r210.2 "`` -> ``"R210.2"``; returns the input stripped if it is not code-like."""
    m = _CODE.match(str(code).strip())
    if not m:
        return str(code).strip()
    letter, ci, test = m.groups()
    return f"{letter.upper()}{int(ci)}" + (f".{int(test)}" if test is not None else "")


def is_test_code(text: str) -> bool:
    """True if ``text`` looks like a directory code (``R210``, ``m4.5``)."""
    return bool(_CODE.match(str(text).strip()))


def lookup_test(code: str) -> TestDirectoryEntry:
    """Look up a clinical indication (``"R210"``) or a test (``"R210.2"``).

    Parameters
    ----------
    code
        Case and surrounding spaces are ignored.

    Returns
    -------
    TestDirectoryEntry
        For an indication, a summary whose ``tests`` lists its tests.

    Raises
    ------
    UnknownTestError
        If the code is not in either directory; the message names the nearest codes.

    Examples
    --------
    >>> lookup_test("r134").panelapp_id
    772
    >>> lookup_test("R2100")
    Traceback (most recent call last):
    ...
    gmsvar.errors.UnknownTestError: 'R2100' is not in the National Genomic Test Directory ...
    """
    key = normalise_code(code)
    ci = key.split(".")[0]
    entries = _indication(ci)
    if key in entries:
        return entries[key]
    if ci in entries and ci != key:
        near = [t.code for t in entries[ci].tests]
        hint = f"{ci} has tests {', '.join(near)}"
    else:
        import difflib

        near = difflib.get_close_matches(key, list(_entries()), n=5, cutoff=0.6)
        hint = f"nearest codes: {', '.join(near)}" if near else "no similar codes"
    raise UnknownTestError(
        f"{code!r} is not in the National Genomic Test Directory ({TEST_DIRECTORY_EDITION}); "
        f"{hint}. List all codes with gmsvar.test_directory()."
    )


def directory_meta() -> dict[str, Any]:
    """The build record of the bundled directory (editions, source checksums, fixes)."""
    with open(data_path("test_directory.meta.json"), encoding="utf-8") as fh:
        data: dict[str, Any] = json.load(fh)
    return data
