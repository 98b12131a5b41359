"""Versioned knowledge bases for actionable findings: load, validate, cache.

The knowledge bases are data files in ``gmsvar/data/actionable/`` (see its
``PROVENANCE.md``). JSON files carry ``kb_name``, ``kb_version`` and a ``source``
per entry; TSV files start with a ``# kb_name=... kb_version=...`` line. Every
output of :mod:`gmsvar.actionable` records the versions it used.

Examples
--------
>>> from gmsvar.actionable.kb import load_kb, kb_versions
>>> kb = load_kb("nsclc")
>>> kb["kb_name"], kb["kb_version"]
('gmsvar-nsclc', '2026.1')
>>> sorted(kb_versions(["nsclc", "codons"]))
['gmsvar-hotspot-codons', 'gmsvar-nsclc']
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterable
from functools import cache
from importlib import resources
from typing import Any

import pandas as pd

from ..errors import KnowledgeBaseError

__all__ = ["KB_FILES", "kb_table", "kb_versions", "load_kb"]

#: Knowledge-base files by short name.
KB_FILES: dict[str, str] = {
    "nsclc": "nsclc.json",
    "lynch": "lynch.json",
    "fh": "fh.json",
    "cardiac": "cardiac.json",
    "dpyd": "dpyd.json",
    "somatic": "somatic.json",
    "codons": "codons.tsv",
    "regions": "regions.tsv",
    "genes": "genes.tsv",
}

_REQUIRED_TSV = {
    "codons": ("gene", "transcript", "codon", "ref_aa", "ref_codon", "strand", "chrom", "grch38_c1",
               "grch37_c1", "source"),
    "regions": ("gene", "transcript", "exon", "c_start", "c_end", "strand", "chrom",
                "grch38_g_at_c_start", "grch37_g_at_c_start", "partial", "source"),
    "genes": ("symbol", "group", "refseq", "ensembl", "strand", "grch38_chrom", "grch38_start",
              "grch38_end", "grch37_chrom", "grch37_start", "grch37_end"),
}


def _read_text(filename: str) -> str:
    path = resources.files("gmsvar").joinpath("data", "actionable", filename)
    if not path.is_file():
        raise KnowledgeBaseError(
            f"knowledge base gmsvar/data/actionable/{filename} is missing; reinstall gmsvar"
        )
    return path.read_text(encoding="utf-8")


def _check_json(name: str, kb: dict[str, Any]) -> None:
    for key in ("kb_name", "kb_version", "description"):
        if not isinstance(kb.get(key), str) or not kb[key]:
            raise KnowledgeBaseError(f"{KB_FILES[name]}: top-level {key!r} is missing or empty")
    if name == "nsclc":
        seen: set[str] = set()
        for entry in kb.get("biomarkers", []):
            missing = [k for k in ("id", "gene", "group", "biomarker", "category", "match", "amp_level",
                                   "escat", "therapies", "source") if k not in entry]
            if missing:
                raise KnowledgeBaseError(f"{KB_FILES[name]}: biomarker {entry.get('id')!r} lacks {missing}")
            if entry["id"] in seen:
                raise KnowledgeBaseError(f"{KB_FILES[name]}: duplicate biomarker id {entry['id']!r}")
            seen.add(entry["id"])
            if entry["amp_level"] not in ("A", "B", "C", "D"):
                raise KnowledgeBaseError(
                    f"{KB_FILES[name]}: biomarker {entry['id']!r} has AMP level {entry['amp_level']!r}; "
                    "use A, B, C or D"
                )
    if name in ("lynch", "fh", "cardiac"):
        genes = kb.get("genes")
        if not isinstance(genes, dict) or not genes:
            raise KnowledgeBaseError(f"{KB_FILES[name]}: 'genes' must be a non-empty object")
        for sym, entry in genes.items():
            if "inheritance" not in entry:
                raise KnowledgeBaseError(f"{KB_FILES[name]}: gene {sym!r} has no 'inheritance'")
    if name == "dpyd":
        for site in kb.get("sites", []):
            for k in ("id", "chrom", "grch38_pos", "grch37_pos", "ref", "alt", "activity_value", "haplotype",
                      "role", "source"):
                if k not in site:
                    raise KnowledgeBaseError(f"{KB_FILES[name]}: site {site.get('id')!r} lacks {k!r}")


@cache
def _load_json(name: str) -> dict[str, Any]:
    text = _read_text(KB_FILES[name])
    try:
        kb = json.loads(text)
    except json.JSONDecodeError as err:
        raise KnowledgeBaseError(f"{KB_FILES[name]}: invalid JSON ({err})") from err
    if not isinstance(kb, dict):
        raise KnowledgeBaseError(f"{KB_FILES[name]}: top level must be an object")
    _check_json(name, kb)
    return kb


def load_kb(name: str) -> dict[str, Any]:
    """The JSON knowledge base ``name`` (``nsclc``, ``lynch``, ``fh``, ``cardiac``, ``dpyd``, ``somatic``).

    The returned dict is shared (cached): do not modify it.

    Raises
    ------
    KnowledgeBaseError
        Unknown name, missing file, invalid JSON or a malformed entry.
    """
    if name not in KB_FILES or not KB_FILES[name].endswith(".json"):
        known = sorted(k for k, v in KB_FILES.items() if v.endswith(".json"))
        raise KnowledgeBaseError(f"no JSON knowledge base {name!r}; known: {known}")
    return _load_json(name)


@cache
def _load_tsv(name: str) -> tuple[pd.DataFrame, str, str]:
    text = _read_text(KB_FILES[name])
    first = text.splitlines()[0] if text else ""
    meta = dict(part.split("=", 1) for part in first.lstrip("# ").split("\t") if "=" in part)
    if "kb_name" not in meta or "kb_version" not in meta:
        raise KnowledgeBaseError(
            f"{KB_FILES[name]}: first line must be '# kb_name=...<TAB>kb_version=...', got {first!r}"
        )
    df = pd.read_csv(io.StringIO(text), sep="\t", comment="#", dtype=str, keep_default_na=False)
    missing = [c for c in _REQUIRED_TSV[name] if c not in df.columns]
    if missing:
        raise KnowledgeBaseError(f"{KB_FILES[name]}: missing columns {missing}")
    return df, meta["kb_name"], meta["kb_version"]


def kb_table(name: str) -> pd.DataFrame:
    """The TSV knowledge base ``name`` (``codons``, ``regions``, ``genes``) as strings; a copy.

    Its ``attrs`` hold ``kb_name`` and ``kb_version``.

    >>> t = kb_table("codons")
    >>> t.attrs["kb_name"], "BRAF" in set(t["gene"])
    ('gmsvar-hotspot-codons', True)
    """
    if name not in _REQUIRED_TSV:
        raise KnowledgeBaseError(f"no TSV knowledge base {name!r}; known: {sorted(_REQUIRED_TSV)}")
    df, kb_name, kb_version = _load_tsv(name)
    out = df.copy()
    out.attrs["kb_name"] = kb_name
    out.attrs["kb_version"] = kb_version
    return out


def kb_versions(names: Iterable[str]) -> dict[str, str]:
    """``{kb_name: kb_version}`` for the given short names (JSON or TSV)."""
    out: dict[str, str] = {}
    for name in names:
        if name in _REQUIRED_TSV:
            _, kb_name, kb_version = _load_tsv(name)
            out[kb_name] = kb_version
        else:
            kb = load_kb(name)
            out[kb["kb_name"]] = kb["kb_version"]
    return out
