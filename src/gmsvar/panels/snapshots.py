"""Offline panel snapshots and :func:`load_panel`, the no-configuration entry point.

Snapshots are JSON files named ``panel_<id>_v<version>.json``, shipped inside the
package (``gmsvar/data/panels/``, mirrored in the repository's top-level
``panels/``). Each holds ``{"gmsvar_snapshot": {...provenance...}, "panel":
<PanelApp API v1 detail response>}``; panels whose detail response was not
recorded are rebuilt from PanelApp-derived tables and say so (``derived: true``),
and gmsvar gene-list pseudo-panels (``panel_M4_v2021-22.json``) are marked as such.

Examples
--------
>>> from gmsvar.panels import load_panel
>>> p = load_panel("R134")
>>> p.id, p.version, p.green_genes, p.provenance["source"]
(772, '2.5', ['APOB', 'APOE', 'LDLR', 'LDLRAP1', 'PCSK9'], 'snapshot')
>>> load_panel("M4").provenance["derived"]
True
"""

from __future__ import annotations

import dataclasses
import functools
import json
import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .._data import data_path
from ..errors import PanelError, PanelNotFound
from ..regions import Interval
from .directory import (
    TargetType,
    TestDirectoryEntry,
    is_test_code,
    lookup_test,
    normalise_code,
    read_tsv,
)
from .model import Confidence, Inheritance, Panel, PanelGene, version_key

if TYPE_CHECKING:
    from importlib.resources.abc import Traversable

    from .client import PanelAppClient

__all__ = [
    "PanelIndexEntry",
    "SnapshotInfo",
    "gene_list_panel",
    "list_snapshots",
    "load_panel",
    "load_snapshot",
    "panelapp_index",
    "read_panel_file",
]

_SNAPSHOT_NAME = re.compile(r"^panel_(?P<id>[^_]+)_v(?P<version>.+)\.json$")


@dataclass(frozen=True)
class SnapshotInfo:
    """One snapshot file: panel id (int, or str for pseudo-panels), version, location."""

    panel_id: int | str
    version: str
    location: Traversable


def _package_dir() -> Traversable:
    return Path(data_path("panels"))


def _dirs(snapshot_dir: str | os.PathLike[str] | None) -> list[Traversable]:
    out: list[Traversable] = []
    if snapshot_dir is not None:
        p = Path(snapshot_dir)
        if not p.is_dir():
            raise PanelError(f"snapshot_dir {os.fspath(p)!r} is not a directory")
        out.append(p)
    out.append(_package_dir())
    return out


def _panel_id(text: str) -> int | str:
    return int(text) if text.isdigit() else text


def list_snapshots(
    *, snapshot_dir: str | os.PathLike[str] | None = None
) -> list[SnapshotInfo]:
    """Snapshots available offline, sorted by panel id then version.

    Parameters
    ----------
    snapshot_dir
        An extra directory searched before the bundled snapshots.

    Examples
    --------
    >>> from gmsvar.panels import list_snapshots
    >>> [s.version for s in list_snapshots() if s.panel_id == 503]
    ['1.13']
    """
    seen: dict[tuple[str, str], SnapshotInfo] = {}
    for d in _dirs(snapshot_dir):
        if not d.is_dir():
            continue
        for item in d.iterdir():
            m = _SNAPSHOT_NAME.match(item.name)
            if m and item.is_file():
                key = (m.group("id"), m.group("version"))
                seen.setdefault(key, SnapshotInfo(_panel_id(key[0]), key[1], item))
    return sorted(
        seen.values(), key=lambda s: (str(s.panel_id), version_key(s.version), s.version)
    )


def _from_document(doc: Any, where: str, extra: Mapping[str, Any]) -> Panel:
    if not isinstance(doc, Mapping):
        raise PanelError(f"{where}: expected a JSON object, found {type(doc).__name__}")
    if "gmsvar_snapshot" in doc:
        prov = dict(doc["gmsvar_snapshot"])
        data = doc.get("panel")
        if not isinstance(data, Mapping):
            raise PanelError(f"{where}: snapshot has no 'panel' object")
    else:
        prov, data = {}, doc
    prov.update(extra)
    return Panel.from_panelapp(data, provenance=prov)


def _read_json(item: Traversable, where: str) -> Any:
    try:
        return json.loads(item.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as err:
        raise PanelError(f"{where}: cannot read ({err})") from err
    except json.JSONDecodeError as err:
        raise PanelError(
            f"{where}: not valid JSON ({err.msg} at line {err.lineno}); re-download the "
            "panel or rebuild the snapshot"
        ) from err


def read_panel_file(path: str | os.PathLike[str]) -> Panel:
    """Read a panel from a snapshot file or a saved PanelApp ``panels/<id>/`` response.

    Examples
    --------
    >>> from gmsvar.panels import list_snapshots, read_panel_file
    >>> snap = [s for s in list_snapshots() if s.panel_id == 76][0]
    >>> read_panel_file(str(snap.location)).name
    'Long QT syndrome'
    """
    p = Path(path)
    if not p.is_file():
        raise PanelNotFound(f"panel file {os.fspath(p)!r} does not exist")
    where = os.fspath(p)
    return _from_document(_read_json(p, where), where, {"source": "file", "file": where})


def _load_snapshot(info: SnapshotInfo, extra: Mapping[str, Any]) -> Panel:
    where = f"snapshot {info.location.name}"
    prov = {"source": "snapshot", "file": info.location.name, **extra}
    return _from_document(_read_json(info.location, where), where, prov)


def load_snapshot(
    panel_id: int | str,
    version: str | None = None,
    *,
    snapshot_dir: str | os.PathLike[str] | None = None,
    provenance: Mapping[str, Any] | None = None,
) -> Panel:
    """The snapshot of ``panel_id`` (the newest, or exactly ``version``).

    Raises
    ------
    PanelNotFound
        No snapshot of that panel (or version); the message lists what exists.
    """
    pid = _panel_id(str(panel_id).strip())
    have = [s for s in list_snapshots(snapshot_dir=snapshot_dir) if s.panel_id == pid]
    if version is not None:
        match = [s for s in have if s.version == str(version)]
        if not match:
            versions = ", ".join(s.version for s in have) or "none"
            raise PanelNotFound(
                f"no offline snapshot of panel {pid} version {version} (snapshot versions: "
                f"{versions}); fetch it with PanelAppClient().get_panel({pid!r}, "
                f"version={str(version)!r})"
            )
        have = match
    if not have:
        raise PanelNotFound(_no_snapshot_message(pid))
    return _load_snapshot(have[-1], dict(provenance or {}))


def _no_snapshot_message(pid: int | str) -> str:
    idx = panelapp_index()
    info = ""
    if isinstance(pid, int) and pid in idx:
        e = idx[pid]
        info = f" ({e.name} v{e.version} in the 2026 PanelApp index)"
    return (
        f"no offline snapshot of panel {pid}{info}; fetch it live with "
        f"gmsvar.panels.PanelAppClient().get_panel({pid!r}) or pass "
        "client=PanelAppClient() to load_panel()"
    )


# -- PanelApp index (list pages) --------------------------------------------------------------
@dataclass(frozen=True)
class PanelIndexEntry:
    """A panel as listed in the bundled PanelApp list pages (no genes)."""

    panel_id: int
    name: str
    version: str
    version_created: str
    status: str
    test_codes: tuple[str, ...]
    types: tuple[str, ...]
    n_genes: int


def _codes(value: str) -> tuple[str, ...]:
    return tuple(v for v in value.split(";") if v)


def panelapp_index() -> dict[int, PanelIndexEntry]:
    """Bundled metadata of every panel in the recorded (2026) PanelApp list pages."""
    return dict(_index_cached())


@functools.lru_cache(maxsize=1)
def _index_rows() -> list[dict[str, str]]:
    return read_tsv(data_path("panels", "panelapp_index.tsv"))


@functools.lru_cache(maxsize=1)
def _index_cached() -> dict[int, PanelIndexEntry]:
    return {
        int(r["panel_id"]): PanelIndexEntry(
            panel_id=int(r["panel_id"]), name=r["name"], version=r["version"],
            version_created=r["version_created"], status=r["status"],
            test_codes=_codes(r["test_codes"]), types=_codes(r["types"]),
            n_genes=int(r["n_genes"] or 0),
        )
        for r in _index_rows()
    }


def _tagged(code: str) -> list[int]:
    """Panels whose PanelApp ``relevant_disorders`` carry ``code`` (no index entries built)."""
    return sorted({int(r["panel_id"]) for r in _index_rows() if code in _codes(r["test_codes"])})


# -- gene-list pseudo-panels -------------------------------------------------------------------
@functools.lru_cache(maxsize=1)
def _gene_coordinates() -> dict[str, dict[str, str]]:
    return {r["symbol"]: r for r in read_tsv(data_path("test_directory_gene_coordinates.tsv"))}


def _iv(rec: Mapping[str, str], build: str) -> Interval | None:
    chrom = rec.get(f"{build}_chrom", "")
    if not chrom:
        return None
    return Interval(chrom, int(rec[f"{build}_start"]), int(rec[f"{build}_end"]))


def gene_list_panel(
    genes: Iterable[str],
    *,
    panel_id: int | str = "custom",
    name: str = "custom gene list",
    version: str = "0",
    provenance: Mapping[str, Any] | None = None,
) -> Panel:
    """A pseudo-panel of green genes with spans from gmsvar's bundled gene table.

    The table covers every gene named in the bundled test directory (GRCh37/38 gene
    spans from PanelApp, else MANE Select transcript spans); other genes get no
    coordinates and :meth:`Panel.regions` warns about them.

    Examples
    --------
    >>> from gmsvar.panels import gene_list_panel
    >>> p = gene_list_panel(["BRCA1", "BRCA2"])
    >>> p.green_genes, p.regions(build="GRCh38")[0].contig
    (['BRCA1', 'BRCA2'], '13')
    """
    table = _gene_coordinates()
    entities = []
    for sym in dict.fromkeys(genes):
        rec = table.get(sym, {})
        ids = tuple(dict.fromkeys(i for i in (rec.get("grch38_id"), rec.get("grch37_id")) if i))
        entities.append(PanelGene(
            symbol=sym, hgnc_id=rec.get("hgnc_id") or None, confidence=Confidence.GREEN,
            inheritance=Inheritance.UNKNOWN, grch37=_iv(rec, "grch37"),
            grch38=_iv(rec, "grch38"), ensembl_gene_ids=ids,
        ))
    prov = {
        "source": "derived",
        "derived": True,
        "origin": "gmsvar gene-list pseudo-panel (not a PanelApp panel)",
        "coordinates": "gmsvar/data/test_directory_gene_coordinates.tsv (PanelApp Ensembl "
                       "82/90 gene spans, else MANE Select transcript spans)",
        **(provenance or {}),
    }
    return Panel(id=panel_id, name=name, version=version, gene_entities=tuple(entities),
                 types=("gmsvar-gene-list",), status="gmsvar-derived", provenance=prov)


# -- resolution --------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Target:
    panel_id: int | str | None
    genes: tuple[str, ...]
    entry: TestDirectoryEntry | None
    reason: str


def _resolve_code(code: str) -> _Target:
    """Which panel (or gene list) a test-directory code stands for, and why."""
    entry = lookup_test(code)
    key = entry.code
    if entry.is_indication:
        pseudo = [s for s in list_snapshots() if s.panel_id == key]
        if pseudo:
            return _Target(key, (), entry, f"gmsvar gene-list snapshot for {key}")
        tagged = _tagged(key)
        if len(tagged) == 1:
            return _Target(tagged[0], (), entry,
                           f"PanelApp panel {tagged[0]} lists {key} in relevant_disorders")
        if len(tagged) > 1:
            raise PanelError(
                f"{key} is tagged on several PanelApp panels ({', '.join(map(str, tagged))}); "
                "load one by id"
            )
        # No panel carries the indication's code: use the panels its tests name (in the
        # directory, or through test-level PanelApp tags such as R49.3).
        per_test: dict[int, list[str]] = {}
        for t in entry.tests:
            assert t.test_code is not None
            ids = [t.panelapp_id] if t.panelapp_id is not None else _tagged(t.test_code)
            for pid in ids:
                per_test.setdefault(pid, []).append(t.test_code)
        if len(per_test) == 1:
            pid, codes = next(iter(per_test.items()))
            return _Target(pid, (), entry, f"panel {pid} is the target of {', '.join(codes)}")
        if len(per_test) > 1:
            listing = "; ".join(f"{', '.join(c)} -> {p}" for p, c in per_test.items())
            raise PanelError(f"{key} names several panels ({listing}); load a test code")
        if entry.genes and entry.target_type is TargetType.GENES:
            tests = [t.test_code for t in entry.tests if t.target_type is TargetType.GENES]
            genes = tuple(dict.fromkeys(
                g for t in entry.tests if t.target_type is TargetType.GENES for g in t.genes
            ))
            listed = ", ".join(map(str, tests))
            why = f"union of the test directory gene lists of {listed}"
            return _Target(None, genes, entry, why)
    else:
        if entry.panelapp_id is not None:
            return _Target(entry.panelapp_id, (), entry,
                           f"test directory names panel {entry.panelapp_id} for {key}")
        tagged = _tagged(key)
        if len(tagged) == 1:
            return _Target(tagged[0], (), entry,
                           f"PanelApp panel {tagged[0]} lists {key} in relevant_disorders")
        if entry.target_type is TargetType.GENES:
            return _Target(None, entry.genes, entry, f"test directory gene list of {key}")
    raise PanelNotFound(
        f"{key} ({entry.name}) does not target a gene panel or gene list: its target is "
        f"{entry.target!r} ({entry.method}); use lookup_test({key!r}) for details"
    )


def load_panel(
    ref: int | str | os.PathLike[str],
    *,
    version: str | None = None,
    client: PanelAppClient | None = None,
    snapshot_dir: str | os.PathLike[str] | None = None,
) -> Panel:
    """Load a panel by test-directory code, PanelApp id, or file.

    Works offline with no configuration, from the bundled snapshots.

    Parameters
    ----------
    ref
        A clinical indication (``"R210"``, ``"M4"``), a test (``"R210.2"``), a
        PanelApp panel id (``503`` or ``"503"``), or a path to a snapshot / saved
        PanelApp response.
    version
        Exact panel version (``"1.13"``); default the newest available.
    client
        A :class:`~gmsvar.panels.PanelAppClient` to fetch the panel live (through
        its cache) instead of from the bundled snapshots.
    snapshot_dir
        Extra directory of snapshot files, searched before the bundled ones.

    Returns
    -------
    Panel
        ``provenance`` records the request, how a code was resolved, the test
        directory edition and the source (``snapshot``, ``api``, ``file``, ``derived``).

    Raises
    ------
    UnknownTestError
        ``ref`` looks like a directory code but is not in the directory.
    PanelNotFound
        No snapshot (or version) of the panel, a missing file, or a test whose
        target is not a gene panel or gene list.

    Examples
    --------
    >>> from gmsvar.panels import load_panel
    >>> p = load_panel("R210")
    >>> p.label
    'Inherited MMR deficiency (Lynch syndrome) (503 v1.13)'
    >>> p.provenance["resolved_by"]
    'PanelApp panel 503 lists R210 in relevant_disorders'
    >>> load_panel("R208.1").green_genes
    ['ATM', 'BRCA1', 'BRCA2', 'CHEK2', 'PALB2', 'RAD51C', 'RAD51D']
    """
    if isinstance(ref, os.PathLike) or (
        isinstance(ref, str) and (ref.endswith(".json") or os.sep in ref)
    ):
        return read_panel_file(ref)
    if isinstance(ref, bool) or not isinstance(ref, (int, str)):
        raise PanelError(f"cannot load a panel from {ref!r}; pass a code, an id or a path")
    text = str(ref).strip()
    extra: dict[str, Any] = {"requested": text}
    if text.isdigit():
        return _by_id(int(text), version, client, snapshot_dir, extra)
    if not is_test_code(text):
        raise PanelNotFound(
            f"{text!r} is neither a test-directory code (R210, R210.2, M4), a panel id "
            "nor a .json file"
        )
    target = _resolve_code(normalise_code(text))
    assert target.entry is not None
    extra.update(target.entry.provenance, resolved_by=target.reason)
    if target.panel_id is not None:
        return _by_id(target.panel_id, version, client, snapshot_dir, extra)
    return gene_list_panel(
        target.genes,
        panel_id=target.entry.code,
        name=f"{target.entry.name} (test directory gene list)",
        version=_directory_version(target.entry),
        provenance=extra,
    )


def _directory_version(entry: TestDirectoryEntry) -> str:
    return "5.1" if entry.directory == "rare" else "2021-22"


def _by_id(
    panel_id: int | str,
    version: str | None,
    client: PanelAppClient | None,
    snapshot_dir: str | os.PathLike[str] | None,
    extra: dict[str, Any],
) -> Panel:
    if client is not None and isinstance(panel_id, int):
        panel = client.get_panel(panel_id, version=version)
        return dataclasses.replace(panel, provenance={**panel.provenance, **extra})
    return load_snapshot(panel_id, version, snapshot_dir=snapshot_dir, provenance=extra)
