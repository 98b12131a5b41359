"""Small hand-built VariantTables for the filter tests (no files involved)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from gmsvar.table import FieldDef, VariantTable, VcfMetadata

DATA = Path(__file__).resolve().parents[1] / "data" / "filters"


def obj(values: list[Any]) -> np.ndarray:
    out = np.empty(len(values), dtype=object)
    out[:] = values
    return out


def gt(rows: list[list[str]]) -> tuple[np.ndarray, np.ndarray]:
    """VCF genotype strings per (variant, sample) -> (call_genotype, call_genotype_phased)."""
    n, s = len(rows), len(rows[0]) if rows else 0
    parsed = [[g.replace("|", "/").split("/") for g in row] for row in rows]
    ploidy = max((len(a) for row in parsed for a in row), default=2)
    out = np.full((n, s, ploidy), -2, dtype=np.int8)
    phased = np.zeros((n, s), dtype=bool)
    for i, row in enumerate(parsed):
        for j, alleles in enumerate(row):
            for k, a in enumerate(alleles):
                out[i, j, k] = -1 if a == "." else int(a)
            phased[i, j] = "|" in rows[i][j]
    return out, phased


def table(
    *,
    samples: tuple[str, ...] = ("S1", "S2"),
    genotypes: list[list[str]] | None = None,
    n: int | None = None,
    info: dict[str, tuple[FieldDef, Any]] | None = None,
    fmt: dict[str, tuple[FieldDef, Any]] | None = None,
    filters: list[str] | None = None,
    categories: dict[str, Any] | None = None,
    build: str = "GRCh38",
    **columns: Any,
) -> VariantTable:
    """A table with sensible defaults for every fixed column.

    ``filters`` gives each row's FILTER text (``PASS``, ``.``, ``q10;s50``).
    ``info`` / ``fmt`` map IDs to (FieldDef, values) and become ``variant_info_<ID>`` /
    ``call_format_<ID>`` columns with matching header definitions.
    """
    cols: dict[str, Any] = {}
    cats: dict[str, Any] = dict(categories or {})
    if genotypes is not None:
        g, ph = gt(genotypes)
        cols["call_genotype"], cols["call_genotype_phased"] = g, ph
        n = len(genotypes)
    if n is None:
        n = len(next(iter(columns.values())))
    cols.setdefault("variant_contig", np.zeros(n, dtype=np.int32))
    cats.setdefault("variant_contig", ["chr1"])
    cols["variant_position"] = np.arange(1, n + 1, dtype=np.int64) * 100
    cols["variant_ref"] = obj(["A"] * n)
    cols["variant_alt"] = obj(["T"] * n)
    cols["variant_id"] = obj([None] * n)
    cols["variant_qual"] = np.full(n, 50.0, dtype=np.float32)
    rows = filters if filters is not None else ["PASS"] * n
    labels: list[str] = []
    for f in rows:
        for name in f.split(";"):
            if name not in (".",) and name not in labels:
                labels.append(name)
    matrix = np.zeros((n, len(labels)), dtype=bool)
    for i, f in enumerate(rows):
        for name in f.split(";"):
            if name != ".":
                matrix[i, labels.index(name)] = True
    cols["variant_filter"] = matrix
    cols["variant_filter_pass"] = np.array([f == "PASS" for f in rows], dtype=bool)
    cols["variant_filter_missing"] = np.array([f == "." for f in rows], dtype=bool)
    cats["variant_filter"] = labels
    info_defs: dict[str, FieldDef] = {}
    fmt_defs: dict[str, FieldDef] = {}
    for key, (fdef, values) in (info or {}).items():
        info_defs[key] = fdef
        cols[f"variant_info_{key}"] = values
    for key, (fdef, values) in (fmt or {}).items():
        fmt_defs[key] = fdef
        cols[f"call_format_{key}"] = values
    for key, value in columns.items():
        cols[key] = value
    meta = VcfMetadata(samples=samples, info=info_defs, format=fmt_defs, genome_build=build,
                       filters=tuple(["PASS", *[x for x in labels if x != "PASS"]]))
    return VariantTable(cols, meta=meta, categories=cats)
