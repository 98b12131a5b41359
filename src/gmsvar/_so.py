"""The consequence severity table ``gmsvar/data/so_consequences.tsv``, read and checked once.

Its rows serve both users: :func:`gmsvar.io.annotations.load_so_table` (per-tool lookups of
the terms annotators write) and :func:`gmsvar.filters.consequence.so_table` (ranks of the
terms users type). A missing or malformed table raises
:class:`~gmsvar.errors.KnowledgeBaseError`: there is no built-in copy to fall back to.

>>> version, rows = so_rows()
>>> version.startswith("so-"), rows[0].term, rows[0].rank, rows[0].impact
(True, 'transcript_ablation', 1, 'HIGH')
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from ._data import data_path
from .errors import KnowledgeBaseError

__all__ = ["IMPACTS", "ORIGINS", "SoTerm", "parse_so_table", "so_rows"]

#: Impact classes, most severe first.
IMPACTS: tuple[str, ...] = ("HIGH", "MODERATE", "LOW", "MODIFIER")
#: Who writes a row's term: current VEP, older VEP releases, SnpEff, bcftools csq.
ORIGINS: tuple[str, ...] = ("vep", "vep_legacy", "snpeff", "bcsq")
_COLUMNS = ["term", "so_term", "rank", "impact", "origin"]


@dataclass(frozen=True)
class SoTerm:
    """One row of the severity table: a term as written by a tool and its ranking."""

    term: str
    so_term: str
    rank: int
    impact: str
    origin: str


def parse_so_table(text: str, path: str) -> tuple[str, tuple[SoTerm, ...]]:
    """``(version, rows in file order)`` of the table's text; ``path`` names it in errors.

    >>> parse_so_table("# version: t1\\nterm\\tso_term\\trank\\timpact\\torigin\\n"
    ...                "stop_gained\\tstop_gained\\t4\\tHIGH\\tvep\\n", "so.tsv")[1][0].rank
    4
    >>> parse_so_table("term\\tso_term\\trank\\timpact\\torigin\\n", "so.tsv")
    Traceback (most recent call last):
    gmsvar.errors.KnowledgeBaseError: so.tsv: missing '# version:' line or column header
    """
    version = ""
    header: list[str] | None = None
    rows: list[SoTerm] = []
    seen: set[tuple[str, str]] = set()
    for lineno, line in enumerate(text.splitlines(), start=1):
        if line.startswith("#"):
            if line.startswith("# version:"):
                version = line.split(":", 1)[1].strip()
            continue
        if not line.strip():
            continue
        cells = line.split("\t")
        if header is None:
            header = cells
            if header[:5] != _COLUMNS:
                break
            continue
        if len(cells) < 5:
            raise KnowledgeBaseError(f"{path}:{lineno}: expected >= 5 tab-separated columns")
        term, so_term, rank_s, impact, origin = cells[:5]
        if impact not in IMPACTS or origin not in ORIGINS:
            raise KnowledgeBaseError(f"{path}:{lineno}: bad impact {impact!r} or origin {origin!r}")
        try:
            rank = int(rank_s)
        except ValueError as err:
            raise KnowledgeBaseError(f"{path}:{lineno}: rank {rank_s!r} is not an integer") from err
        if (term.lower(), origin) in seen:
            raise KnowledgeBaseError(f"{path}:{lineno}: duplicate term {term!r} for {origin}")
        seen.add((term.lower(), origin))
        rows.append(SoTerm(term, so_term, rank, impact, origin))
    if header is None or header[:5] != _COLUMNS or not version:
        raise KnowledgeBaseError(f"{path}: missing '# version:' line or column header")
    if not rows:
        raise KnowledgeBaseError(f"{path}: no rows")
    return version, tuple(rows)


@cache
def so_rows() -> tuple[str, tuple[SoTerm, ...]]:
    """The shipped table's version and rows (read once)."""
    path = data_path("so_consequences.tsv")
    try:
        with open(path, encoding="utf-8") as fh:
            text = fh.read()
    except OSError as err:
        raise KnowledgeBaseError(f"{path}: cannot read the consequence severity table ({err}); "
                                 "reinstall gmsvar") from err
    return parse_so_table(text, path)
