"""Column access for expressions: resolving tags and turning stored columns into values."""

from __future__ import annotations

import re
from typing import Any

import numpy as np

from ...table import FieldDef, VariantTable
from ..errors import ExpressionError
from ._parser import Field

__all__ = ["as_values", "explode", "genotype_strings", "gt_keyword", "resolve_field",
           "standard_column"]

_FIXED = ("QUAL", "POS", "CHROM", "REF", "ALT", "ID", "FILTER", "TYPE")
_COMPUTED = ("AC", "AN", "AF", "MAC", "MAF", "N_ALT", "N_SAMPLES", "N_MISSING", "F_MISSING",
             "ILEN", "N_PASS", "F_PASS")
# Standard call columns usable for FORMAT/<ID> when the reader filled them from that field
# alone (provenance source exactly that field; not e.g. "FORMAT/DP, else total of AD").
_STANDARD_FORMAT = {
    "DP": ("call_depth", "depth_source", re.compile(r"FORMAT/DP( \([^,>]*\))?")),
    "GQ": ("call_genotype_quality", None, None),
    "AD": ("call_allele_depth", "allele_depth_source", re.compile(r"FORMAT/AD( \([^,>]*\))?")),
}


def resolve_field(node: Field, table: VariantTable | None, expr: str) -> tuple[str, str]:
    """(kind, tag) of a field: kind is ``fixed``, ``info``, ``format`` or ``bare``.

    ``bare`` is returned only when ``table`` is None and the tag is not a fixed column.
    """
    name, prefix = node.name, node.prefix
    if prefix == "INFO":
        return "info", name
    if prefix == "FORMAT":
        return "format", name
    if name.upper() in _FIXED:
        return "fixed", name.upper()
    if name == "GT":
        return "format", "GT"
    if table is None:
        return "bare", name
    meta = table.meta
    if name in meta.info or f"variant_info_{name}" in table:
        return "info", name
    if name in meta.format or f"call_format_{name}" in table or (
        not meta.format and standard_column(table, name) is not None
    ):
        return "format", name
    if name.upper() in _COMPUTED:
        raise ExpressionError(
            f"{name} is not defined in the header and computed variables ({', '.join(_COMPUTED)})"
            " are not supported", expr=expr, column=node.pos)
    raise ExpressionError(f"the tag {name!r} is not defined in the VCF header (INFO or FORMAT)",
                          expr=expr, column=node.pos)


def standard_column(table: VariantTable, name: str) -> str | None:
    spec = _STANDARD_FORMAT.get(name)
    if spec is None or spec[0] not in table:
        return None
    col, prov_key, accepted = spec
    source = table.meta.provenance.get(prov_key) if prov_key is not None else None
    if accepted is not None and source is not None and not accepted.fullmatch(str(source)):
        return None
    return col


def explode(data: np.ndarray, text: bool) -> np.ndarray:
    """Object cells holding tuples (Number=.) -> padded matrix on a new last axis.

    Uses pandas ``explode`` (one row per element, in C) rather than a Python loop.
    """
    import pandas as pd
    cells = pd.Series(data[..., 0].ravel(), dtype=object)
    exploded = cells.explode()
    rows = np.asarray(exploded.index, dtype=np.intp)
    cols = np.asarray(exploded.groupby(level=0).cumcount(), dtype=np.intp)
    width = int(cols.max()) + 1 if cols.size else 1
    if text:
        out = np.full((len(cells), width), None, dtype=object)
        values = exploded.to_numpy(dtype=object, copy=True)
        values[np.asarray(pd.isna(values), dtype=bool)] = None
        out[rows, cols] = values
    else:
        out = np.full((len(cells), width), np.nan)
        out[rows, cols] = pd.to_numeric(exploded, errors="coerce").to_numpy(dtype=np.float64)
    return out.reshape(*data.shape[:-1], width)


def as_values(
    arr: np.ndarray, fdef: FieldDef | None, *, per_sample: bool, missing: int
) -> tuple[np.ndarray, bool]:
    """A stored column -> (data with a trailing value axis, is_text)."""
    base = 2 if per_sample else 1
    kind = fdef.type if fdef is not None else None
    if arr.dtype == bool:
        data = arr.astype(np.float64)
    elif arr.dtype.kind in "iu":
        bad = (arr == missing) | (arr < 0) if missing == -1 else arr == missing
        data = arr.astype(np.float64)
        data[bad] = np.nan
    elif arr.dtype.kind == "f":
        data = arr.astype(np.float64)
    elif kind in ("Integer", "Float") or (kind is None and _numeric_tuples(arr)):
        # Number=. numbers are tuples per row: pad them into a matrix.
        cells = arr if arr.ndim == base else arr.reshape(*arr.shape[:base], -1)[..., 0]
        exploded = explode(cells[..., None], False)
        return np.where(exploded == float(missing), np.nan, exploded), False
    else:
        data = np.asarray(arr, dtype=object)
        return (data[..., None] if data.ndim == base else data), True
    return (data[..., None] if data.ndim == base else data), False


def _numeric_tuples(arr: np.ndarray) -> bool:
    """Headerless tables only: do the object cells hold numbers?"""
    for x in arr.ravel():
        if isinstance(x, tuple) and x:
            return not isinstance(x[0], str | type(None))
        if isinstance(x, str):
            return False
    return False


def gt_keyword(cls: Any, value: str) -> np.ndarray | None:
    if value in ("Aa", "aA"):
        return np.asarray(cls.het & (cls.n_ref == 0))
    key = value.lower()
    table = {
        "ref": lambda: cls.called & (cls.n_alt == 0),
        "alt": lambda: cls.non_ref,
        "mis": lambda: ~cls.called,
        "hom": lambda: cls.hom,
        "het": lambda: cls.het,
        "hap": lambda: cls.haploid,
        "rr": lambda: cls.hom & (cls.n_alt == 0),
        "aa": lambda: cls.hom & (cls.n_ref == 0),
        "ra": lambda: cls.het & (cls.n_ref > 0),
        "ar": lambda: cls.het & (cls.n_ref > 0),
        "r": lambda: cls.haploid & (cls.n_alt == 0),
        "a": lambda: cls.haploid & (cls.n_alt > 0),
    }
    fn = table.get(key)
    return None if fn is None else np.asarray(fn())


def genotype_strings(table: VariantTable) -> tuple[list[str], np.ndarray]:
    """VCF text of each distinct (alleles, phase) genotype and the inverse index (n*s,)."""
    gt = table["call_genotype"]
    n, s, p = gt.shape
    phased = (np.asarray(table["call_genotype_phased"], dtype=np.int16)
              if "call_genotype_phased" in table else np.zeros((n, s), dtype=np.int16))
    keys = np.concatenate([gt.reshape(n * s, p).astype(np.int16), phased.reshape(n * s, 1)],
                          axis=1)
    if keys.shape[0] == 0:
        return [], np.zeros(0, dtype=np.intp)
    uniq, inv = np.unique(keys, axis=0, return_inverse=True)
    strings = []
    for row in uniq:
        alleles = ["." if a == -1 else str(a) for a in row[:-1] if a != -2]
        strings.append(("|" if row[-1] else "/").join(alleles) if alleles else ".")
    return strings, np.asarray(inv).ravel()
