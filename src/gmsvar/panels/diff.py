"""Compare two panel versions: the basis for deciding which past results to revisit.

Examples
--------
>>> from gmsvar.panels import diff_panels, load_panel, gene_list_panel
>>> old = load_panel("R208")                    # PanelApp 635 v2.18: 8 green genes
>>> new = gene_list_panel(["BRCA1", "BRCA2", "PALB2", "TP53"])
>>> d = diff_panels(old, new)
>>> d.added, d.no_longer_green
(['TP53'], ['ATM', 'BARD1', 'CHEK2', 'RAD51C', 'RAD51D'])
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING, Any

from .model import Confidence, Inheritance, Panel, PanelEntity

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["ChangeKind", "EntityChange", "PanelDiff", "diff_panels"]


class ChangeKind(Enum):
    """What changed for one entity between two panel versions."""

    ADDED = "added"
    REMOVED = "removed"
    RENAMED = "renamed"
    CONFIDENCE = "confidence"
    INHERITANCE = "inheritance"


@dataclass(frozen=True)
class EntityChange:
    """One change; ``old``/``new`` are the values that changed, as text.

    ``old_confidence``/``new_confidence`` are set for every change whose entity exists
    on that side, so "left green" can be read off any row.
    """

    entity_type: str
    name: str
    hgnc_id: str | None
    kind: ChangeKind
    old: str | None
    new: str | None
    old_confidence: Confidence | None
    new_confidence: Confidence | None
    old_inheritance: Inheritance | None
    new_inheritance: Inheritance | None


@dataclass(frozen=True)
class PanelDiff:
    """Differences from ``old`` to ``new``, one :class:`EntityChange` per change."""

    old_id: int | str
    old_version: str
    new_id: int | str
    new_version: str
    changes: tuple[EntityChange, ...]

    def __bool__(self) -> bool:
        return bool(self.changes)

    def _names(self, kind: ChangeKind) -> list[str]:
        return sorted({c.name for c in self.changes if c.kind is kind})

    @property
    def added(self) -> list[str]:
        """Entities only in the new version."""
        return self._names(ChangeKind.ADDED)

    @property
    def removed(self) -> list[str]:
        """Entities only in the old version."""
        return self._names(ChangeKind.REMOVED)

    @property
    def confidence_changed(self) -> list[str]:
        """Entities whose rating changed."""
        return self._names(ChangeKind.CONFIDENCE)

    @property
    def inheritance_changed(self) -> list[str]:
        """Entities whose mode-of-inheritance text changed."""
        return self._names(ChangeKind.INHERITANCE)

    @property
    def became_green(self) -> list[str]:
        """Green in the new version but not (or absent) in the old: results to re-examine."""
        return sorted({
            c.name for c in self.changes
            if c.new_confidence is Confidence.GREEN and c.old_confidence is not Confidence.GREEN
        })

    @property
    def no_longer_green(self) -> list[str]:
        """Green in the old version but not (or absent) in the new."""
        return sorted({
            c.name for c in self.changes
            if c.old_confidence is Confidence.GREEN and c.new_confidence is not Confidence.GREEN
        })

    def to_frame(self) -> pd.DataFrame:
        """One row per change, with both panel versions in every row (report edge)."""
        import pandas as pd
        rows: list[dict[str, Any]] = []
        for c in self.changes:
            rows.append({
                "old_panel": f"{self.old_id} v{self.old_version}",
                "new_panel": f"{self.new_id} v{self.new_version}",
                "entity_type": c.entity_type, "name": c.name, "hgnc_id": c.hgnc_id,
                "change": c.kind.value, "old": c.old, "new": c.new,
                "old_confidence": _conf_name(c.old_confidence),
                "new_confidence": _conf_name(c.new_confidence),
            })
        cols = ["old_panel", "new_panel", "entity_type", "name", "hgnc_id", "change", "old",
                "new", "old_confidence", "new_confidence"]
        return pd.DataFrame(rows, columns=cols)


def _conf_name(c: Confidence | None) -> str | None:
    return None if c is None else c.name.lower()


def _hgnc(e: PanelEntity) -> str | None:
    value = getattr(e, "hgnc_id", None)
    return value if isinstance(value, str) and value else None


def diff_panels(old: Panel, new: Panel) -> PanelDiff:
    """Entities added, removed, renamed, re-rated or with changed inheritance.

    Entities are matched by type and name; leftover genes with the same HGNC id are
    matched as renamed. All ratings are compared (not just green); use
    :attr:`PanelDiff.became_green` / :attr:`PanelDiff.no_longer_green` for the
    changes that alter a diagnostic (green-only) analysis.

    Parameters
    ----------
    old, new
        Two versions of a panel (or any two panels).

    Returns
    -------
    PanelDiff
        Changes sorted by entity type and name.
    """
    o = {(e.entity_type, e.name): e for e in old.entities}
    n = {(e.entity_type, e.name): e for e in new.entities}
    pairs: list[tuple[PanelEntity | None, PanelEntity | None]] = []
    only_old = [k for k in o if k not in n]
    only_new = [k for k in n if k not in o]
    new_by_hgnc = {(k[0], _hgnc(n[k])): k for k in only_new if _hgnc(n[k])}
    matched_new: set[tuple[str, str]] = set()
    for k in only_old:
        hk = (k[0], _hgnc(o[k]))
        if hk[1] and hk in new_by_hgnc:
            nk = new_by_hgnc[hk]
            matched_new.add(nk)
            pairs.append((o[k], n[nk]))
        else:
            pairs.append((o[k], None))
    pairs.extend((None, n[k]) for k in only_new if k not in matched_new)
    pairs.extend((o[k], n[k]) for k in o if k in n)

    changes: list[EntityChange] = []
    for a, b in pairs:
        changes.extend(_compare(a, b))
    changes.sort(key=lambda c: (c.entity_type, c.name, list(ChangeKind).index(c.kind)))
    return PanelDiff(old.id, old.version, new.id, new.version, tuple(changes))


def _compare(a: PanelEntity | None, b: PanelEntity | None) -> list[EntityChange]:
    ref = b if b is not None else a
    assert ref is not None

    def change(kind: ChangeKind, old: str | None, new: str | None) -> EntityChange:
        return EntityChange(
            entity_type=ref.entity_type, name=ref.name,
            hgnc_id=_hgnc(ref) or (_hgnc(a) if a is not None else None),
            kind=kind, old=old, new=new,
            old_confidence=None if a is None else a.confidence,
            new_confidence=None if b is None else b.confidence,
            old_inheritance=None if a is None else a.inheritance,
            new_inheritance=None if b is None else b.inheritance,
        )

    if a is None:
        assert b is not None
        return [change(ChangeKind.ADDED, None, b.confidence.name.lower())]
    if b is None:
        return [change(ChangeKind.REMOVED, a.confidence.name.lower(), None)]
    out = []
    if a.name != b.name:
        out.append(change(ChangeKind.RENAMED, a.name, b.name))
    if a.confidence != b.confidence:
        out.append(change(ChangeKind.CONFIDENCE, a.confidence.name.lower(),
                          b.confidence.name.lower()))
    if a.mode_of_inheritance.strip() != b.mode_of_inheritance.strip():
        out.append(change(ChangeKind.INHERITANCE, a.mode_of_inheritance or None,
                          b.mode_of_inheritance or None))
    return out
