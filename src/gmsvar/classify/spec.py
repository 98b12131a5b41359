"""Classification specifications: versioned TOML files in ``gmsvar/data/classify/specs/``.

A *base* specification (``acgs2020``) holds the generic thresholds; it names gene/disease
*overlays* (``insight_mmr``, ``fh_vcep``, ``cardiomyopathy``) that replace population cut-offs,
loss-of-function mechanisms and criterion applicability for their genes. Every classified row
records which specifications (name and version) applied to it.

Examples
--------
>>> spec = load_spec("acgs2020")
>>> spec.name, [o.name for o in spec.overlays]
('acgs2020', ['insight_mmr', 'fh_vcep', 'cardiomyopathy'])
>>> spec.overlay_for("MLH1").name
'insight_mmr'
>>> spec.overlay_for("BRCA1") is None
True
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from ..errors import KnowledgeBaseError

__all__ = ["STRENGTHS", "Overlay", "Spec", "available_specs", "load_spec"]

#: Strength labels by code (0 = not met); code 5 is BA1's stand-alone.
STRENGTHS: tuple[str, ...] = ("", "Supporting", "Moderate", "Strong", "Very strong", "Stand-alone")


def _specs_dir() -> Any:
    return resources.files("gmsvar").joinpath("data", "classify", "specs")


def available_specs() -> list[str]:
    """Names of the shipped specification files.

    >>> "acgs2020" in available_specs()
    True
    """
    return sorted(p.name.removesuffix(".toml") for p in _specs_dir().iterdir() if p.name.endswith(".toml"))


@dataclass(frozen=True, eq=False)
class Overlay:
    """A gene/disease specification applied on top of a base spec for its genes."""

    name: str
    version: str
    title: str
    source: str
    genes: tuple[str, ...]
    population: Mapping[str, float] = field(default_factory=dict)
    not_applicable: Mapping[str, str] = field(default_factory=dict)
    lof: Mapping[str, tuple[str, str]] = field(default_factory=dict)
    pseudogene: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    pm1_regions: tuple[Mapping[str, Any], ...] = ()

    @property
    def label(self) -> str:
        """``name`` and version, as written in the output."""
        return f"{self.name} {self.version}"


@dataclass(frozen=True, eq=False)
class Spec:
    """A base classification specification with its overlays (see the module docstring)."""

    name: str
    version: str
    title: str
    source: str
    points: Mapping[str, int]
    population: Mapping[str, float]
    pvs1: Mapping[str, Any]
    insilico: Mapping[str, Any]
    bp7: Mapping[str, Any]
    criteria: Mapping[str, Any]
    files: Mapping[str, str]
    overlays: tuple[Overlay, ...] = ()

    def overlay_for(self, gene: str | None) -> Overlay | None:
        """The overlay covering ``gene`` (first listed wins), or ``None``."""
        if gene is None:
            return None
        return _overlay_index(self).get(gene)

    def versions(self) -> dict[str, str]:
        """``{spec name: version}`` for the base and every overlay."""
        out = {self.name: self.version}
        out.update({o.name: o.version for o in self.overlays})
        return out

    def strength_points(self, code: int) -> int:
        """Points of a strength code (1..4); 0 for 0."""
        if code <= 0:
            return 0
        return int(self.points[STRENGTHS[min(code, 4)]])


@lru_cache(maxsize=16)
def _overlay_index(spec: Spec) -> dict[str, Overlay]:
    idx: dict[str, Overlay] = {}
    for o in spec.overlays:
        for g in o.genes:
            idx.setdefault(g, o)
    return idx


def _read_toml(name_or_path: str) -> tuple[dict[str, Any], str]:
    p = Path(name_or_path)
    if p.suffix == ".toml" and p.exists():
        return tomllib.loads(p.read_text()), str(p)
    res = _specs_dir().joinpath(f"{name_or_path}.toml")
    if not res.is_file():
        raise KnowledgeBaseError(
            f"no classification specification {name_or_path!r}; shipped: {available_specs()} "
            "(or pass the path of a .toml file)"
        )
    return tomllib.loads(res.read_text()), f"gmsvar/data/classify/specs/{name_or_path}.toml"


def _require(doc: Mapping[str, Any], keys: tuple[str, ...], where: str) -> None:
    missing = [k for k in keys if k not in doc]
    if missing:
        raise KnowledgeBaseError(f"{where}: specification lacks {missing}")


def _overlay(name: str) -> Overlay:
    doc, where = _read_toml(name)
    _require(doc, ("name", "version", "genes"), where)
    lof = {g: (str(v[0]), str(v[1])) for g, v in doc.get("lof", {}).items()}
    bad = {
        g: v[0]
        for g, v in lof.items()
        if v[0] not in ("known", "presumed", "not", "unknown", "deletion_3prime")
    }
    if bad:
        raise KnowledgeBaseError(f"{where}: unknown LoF mechanism values {bad}")
    return Overlay(
        name=str(doc["name"]),
        version=str(doc["version"]),
        title=str(doc.get("title", "")),
        source=str(doc.get("source", "")),
        genes=tuple(doc["genes"]),
        population={k: float(v) for k, v in doc.get("population", {}).items()},
        not_applicable=dict(doc.get("not_applicable", {})),
        lof=lof,
        pseudogene=dict(doc.get("pseudogene", {})),
        pm1_regions=tuple(doc.get("pm1_regions", [])),
    )


@lru_cache(maxsize=16)
def load_spec(name: str = "acgs2020") -> Spec:
    """Load a base specification and its overlays by name (or ``.toml`` path).

    Raises
    ------
    KnowledgeBaseError
        Unknown name, or a file missing required keys.
    """
    doc, where = _read_toml(name)
    _require(doc, ("name", "version", "points", "population", "pvs1", "insilico", "criteria", "files"), where)
    return Spec(
        name=str(doc["name"]),
        version=str(doc["version"]),
        title=str(doc.get("title", "")),
        source=str(doc.get("source", "")),
        points=dict(doc["points"]),
        population=dict(doc["population"]),
        pvs1=dict(doc["pvs1"]),
        insilico=dict(doc["insilico"]),
        bp7=dict(doc.get("bp7", {})),
        criteria=dict(doc["criteria"]),
        files=dict(doc["files"]),
        overlays=tuple(_overlay(o) for o in doc.get("overlays", [])),
    )
