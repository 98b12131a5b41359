"""``VariantTable``: aligned numpy columns, one row per ALT allele.

Columns are named by their dimensions, as in sgkit:

* ``variant_*`` have shape ``(n_variants, ...)`` (one row per ALT allele after
  multiallelic splitting);
* ``call_*`` have shape ``(n_variants, n_samples, ...)``;
* ``sample_*`` have shape ``(n_samples, ...)``;
* ``annotation_*`` have shape ``(n_annotations, ...)``: one row per transcript
  annotation (VEP CSQ / SnpEff ANN / bcftools BCSQ entry), linked to its
  variant row by ``annotation_variant`` (an index into the variant rows).

Categorical columns (contig, FILTER, gene, consequence, ...) hold integer codes;
their labels are in :attr:`VariantTable.categories` and :meth:`VariantTable.decode`
turns codes back into strings. Missing values are explicit: ``-1`` for genotype
alleles, depths and categorical codes, ``NaN`` for floats, ``None`` for strings,
:data:`INT_MISSING` for generic integer INFO/FORMAT fields (whose values may be
negative, e.g. ``SVLEN``).

Examples
--------
>>> import numpy as np
>>> from gmsvar.table import VariantTable, VcfMetadata
>>> t = VariantTable(
...     {"variant_contig": np.array([0, 0, 1], dtype=np.int32),
...      "variant_position": np.array([10, 20, 5]),
...      "variant_ref": np.array(["A", "C", "G"], dtype=object),
...      "variant_alt": np.array(["T", "G", "A"], dtype=object)},
...     categories={"variant_contig": np.array(["chr1", "chr2"], dtype=object)},
... )
>>> len(t), list(t.decode("variant_contig"))
(3, ['chr1', 'chr1', 'chr2'])
>>> len(t.take(t["variant_position"] > 8))
2
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import numpy.typing as npt

from .errors import InputError

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["INT_MISSING", "FieldDef", "VariantTable", "VcfMetadata", "concat"]

#: Missing value for generic integer INFO/FORMAT columns (htslib's ``bcf_int32_missing``).
INT_MISSING: int = int(np.iinfo(np.int32).min)

_PREFIXES = ("variant_", "call_", "sample_", "annotation_")


@dataclass(frozen=True)
class FieldDef:
    """An INFO or FORMAT definition from the VCF header.

    ``number`` is the header's ``Number`` as written (``"1"``, ``"A"``, ``"R"``,
    ``"G"``, ``"."``, ...); ``type`` is ``Integer``, ``Float``, ``Flag``,
    ``Character`` or ``String``.
    """

    id: str
    number: str
    type: str
    description: str = ""


@dataclass(frozen=True)
class VcfMetadata:
    """Header and provenance record carried by every :class:`VariantTable`.

    Attributes
    ----------
    source
        Path of the file the table was read from (``None`` for built tables).
    samples
        Sample names, in column order.
    contigs
        Contig names as written in the file, header order first.
    contig_lengths
        Length per contig where the header declares one.
    genome_build
        ``"GRCh37"``, ``"GRCh38"`` or ``"unknown"``.
    build_evidence
        How the build was decided (``"contig lengths"``, ``"declared"``, ...).
    info, format
        Header definitions by ID.
    filters
        FILTER IDs declared in the header.
    file_format
        The ``##fileformat`` value, e.g. ``"VCFv4.2"``.
    provenance
        Reader decisions other code must be able to audit: backend, which
        FORMAT fields depth and VAF came from, which annotation and population
        frequency fields were used, how transcripts were chosen.
    """

    source: str | None = None
    samples: tuple[str, ...] = ()
    contigs: tuple[str, ...] = ()
    contig_lengths: Mapping[str, int] = field(default_factory=dict)
    genome_build: str = "unknown"
    build_evidence: str = "unknown"
    info: Mapping[str, FieldDef] = field(default_factory=dict)
    format: Mapping[str, FieldDef] = field(default_factory=dict)
    filters: tuple[str, ...] = ()
    file_format: str = ""
    provenance: Mapping[str, Any] = field(default_factory=dict)

    def replace(self, **changes: Any) -> VcfMetadata:
        """Return a copy with some attributes changed."""
        return dataclasses.replace(self, **changes)

    @property
    def chr_prefix(self) -> bool | None:
        """``True`` if the file names contigs ``chr1``..., ``False`` for ``1``..., else ``None``."""
        names = [c for c in self.contigs if c.lower().removeprefix("chr") in _PRIMARY]
        if not names:
            return None
        return sum(c.lower().startswith("chr") for c in names) * 2 >= len(names)


_PRIMARY = {str(i) for i in range(1, 23)} | {"x", "y", "m", "mt"}


def _kind(name: str) -> str:
    for p in _PREFIXES:
        if name.startswith(p):
            return p[:-1]
    raise InputError(
        f"column {name!r} has no dimension prefix; name it variant_*, call_*, sample_* "
        "or annotation_*"
    )


class VariantTable:
    """Aligned numpy columns describing variants (one row per ALT allele) and calls.

    Parameters
    ----------
    columns
        Mapping of column name to array; see the module docstring for naming.
    meta
        Header/provenance record; a blank one if omitted.
    categories
        Labels for categorical columns: ``categories[name][code]`` is the label.

    Notes
    -----
    Tables are immutable by convention: every method returns a new table and
    the arrays are never modified in place.
    """

    __slots__ = ("_columns", "categories", "meta")

    def __init__(
        self,
        columns: Mapping[str, npt.ArrayLike],
        meta: VcfMetadata | None = None,
        categories: Mapping[str, npt.ArrayLike] | None = None,
    ) -> None:
        cols = {name: np.asarray(value) for name, value in columns.items()}
        self.meta: VcfMetadata = meta if meta is not None else VcfMetadata()
        self.categories: dict[str, np.ndarray] = {
            k: np.asarray(v, dtype=object) for k, v in (categories or {}).items()
        }
        n_var = {len(v) for k, v in cols.items() if _kind(k) in ("variant", "call")}
        if len(n_var) > 1:
            lengths = {k: len(v) for k, v in cols.items() if _kind(k) in ("variant", "call")}
            raise InputError(f"variant/call columns differ in length: {lengths}")
        n_samples = len(self.meta.samples)
        for k, v in cols.items():
            kind = _kind(k)
            if kind == "call" and (v.ndim < 2 or v.shape[1] != n_samples):
                raise InputError(
                    f"column {k!r} has shape {v.shape}; call_* columns need "
                    f"(n_variants, {n_samples} samples, ...)"
                )
            if kind == "sample" and len(v) != n_samples:
                raise InputError(f"column {k!r} has {len(v)} rows for {n_samples} samples")
        if "annotation_variant" in cols:
            n_ann = len(cols["annotation_variant"])
            bad = [k for k, v in cols.items() if _kind(k) == "annotation" and len(v) != n_ann]
            if bad:
                raise InputError(f"annotation columns {bad} differ in length from annotation_variant")
        self._columns = cols

    # -- basic access -------------------------------------------------------------------------
    def __len__(self) -> int:
        for k, v in self._columns.items():
            if k.startswith(("variant_", "call_")):
                return len(v)
        return 0

    def __getitem__(self, name: str) -> np.ndarray:
        try:
            return self._columns[name]
        except KeyError:
            raise KeyError(
                f"no column {name!r}; this table has: {', '.join(sorted(self._columns))}"
            ) from None

    def __contains__(self, name: object) -> bool:
        return name in self._columns

    def __iter__(self) -> Any:
        return iter(self._columns)

    def __repr__(self) -> str:
        src = f" from {self.meta.source}" if self.meta.source else ""
        return (
            f"<VariantTable{src}: {len(self)} allele rows x {self.n_samples} samples, "
            f"{len(self._columns)} columns, build {self.meta.genome_build}>"
        )

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, VariantTable):
            return NotImplemented
        return self.equals(other)

    __hash__ = None  # type: ignore[assignment]

    @property
    def names(self) -> list[str]:
        """Column names, in insertion order."""
        return list(self._columns)

    @property
    def columns(self) -> Mapping[str, np.ndarray]:
        """Read-only view of the column mapping."""
        return dict(self._columns)

    @property
    def samples(self) -> tuple[str, ...]:
        """Sample names (``sample_id`` values)."""
        return self.meta.samples

    @property
    def n_samples(self) -> int:
        """Number of samples."""
        return len(self.meta.samples)

    @property
    def n_annotations(self) -> int:
        """Number of per-transcript annotation rows."""
        ann = self._columns.get("annotation_variant")
        return 0 if ann is None else len(ann)

    def decode(self, name: str) -> np.ndarray:
        """Labels of a categorical column (``None`` where the code is -1).

        For a boolean indicator matrix such as ``variant_filter`` (rows x
        categories) returns, per row, the ``;``-joined labels that are set.
        """
        codes = self[name]
        labels = self.categories.get(name)
        if labels is None:
            raise KeyError(f"column {name!r} is not categorical")
        if codes.dtype == bool and codes.ndim == 2:
            return np.array(
                [";".join(labels[row]) if row.any() else None for row in codes], dtype=object
            )
        lookup = np.append(labels, np.array([None], dtype=object))
        return lookup[np.where(codes < 0, len(labels), codes)]

    def with_columns(
        self,
        columns: Mapping[str, npt.ArrayLike] | None = None,
        *,
        categories: Mapping[str, npt.ArrayLike] | None = None,
        meta: VcfMetadata | None = None,
    ) -> VariantTable:
        """New table with columns added or replaced (and optionally new categories/meta)."""
        cols = dict(self._columns)
        cols.update({k: np.asarray(v) for k, v in (columns or {}).items()})
        cats: dict[str, Any] = dict(self.categories)
        cats.update(categories or {})
        return VariantTable(cols, meta if meta is not None else self.meta, cats)

    def drop(self, names: Iterable[str]) -> VariantTable:
        """New table without the named columns."""
        gone = set(names)
        cols = {k: v for k, v in self._columns.items() if k not in gone}
        cats = {k: v for k, v in self.categories.items() if k not in gone}
        return VariantTable(cols, self.meta, cats)

    # -- row selection ------------------------------------------------------------------------
    def take(self, mask_or_indices: npt.ArrayLike) -> VariantTable:
        """Rows selected by a boolean mask (length ``len(self)``) or integer indices.

        Per-transcript annotation rows follow their variants.

        >>> import numpy as np
        >>> t = VariantTable({"variant_position": np.arange(5)})
        >>> t.take(np.array([4, 0]))["variant_position"].tolist()
        [4, 0]
        """
        sel = np.asarray(mask_or_indices)
        if sel.dtype == bool:
            if sel.shape != (len(self),):
                raise InputError(f"mask has shape {sel.shape}; expected ({len(self)},)")
            idx = np.flatnonzero(sel)
        elif sel.size == 0:
            idx = np.zeros(0, dtype=np.intp)
        elif np.issubdtype(sel.dtype, np.integer):
            idx = sel.astype(np.intp, copy=False).ravel()
            if len(self) and (idx.max() >= len(self) or idx.min() < -len(self)):
                raise IndexError(f"row index out of range for a table of {len(self)} rows")
            idx = np.where(idx < 0, idx + len(self), idx)
        else:
            raise InputError(f"take() needs a boolean mask or integer indices, not {sel.dtype}")
        cols: dict[str, np.ndarray] = {}
        ann_idx = self._annotation_rows(idx) if "annotation_variant" in self._columns else None
        for k, v in self._columns.items():
            kind = _kind(k)
            if kind in ("variant", "call"):
                cols[k] = v[idx]
            elif kind == "annotation":
                assert ann_idx is not None
                cols[k] = v[ann_idx[0]] if k != "annotation_variant" else ann_idx[1]
            else:
                cols[k] = v
        return VariantTable(cols, self.meta, self.categories)

    def _compact(self, keep: np.ndarray, block: int = 8192) -> VariantTable:
        """``take(keep)`` for a table nobody else holds, moving rows within its own arrays.

        For the reader's freshly built chunks when most rows pass: no second copy
        of the call arrays is allocated. Rows move forward in blocks (row ``j`` comes
        from row ``idx[j] >= j``), so no row is overwritten before it is read.
        Columns that do not own their memory, and tables with annotation rows, take
        the ordinary :meth:`take` route. ``self`` must not be used afterwards.

        >>> import numpy as np
        >>> t = VariantTable({"variant_position": np.arange(6)})
        >>> t._compact(np.array([0, 1, 1, 0, 1, 1], dtype=bool), block=2)["variant_position"].tolist()
        [1, 2, 4, 5]
        """
        if "annotation_variant" in self._columns:
            return self.take(keep)
        keep = np.asarray(keep, dtype=bool)
        if keep.shape != (len(self),):
            raise InputError(f"mask has shape {keep.shape}; expected ({len(self)},)")
        idx = np.flatnonzero(keep)
        k = len(idx)
        cols: dict[str, np.ndarray] = {}
        for name, v in self._columns.items():
            if _kind(name) not in ("variant", "call"):
                cols[name] = v
            elif not (v.flags.owndata and v.flags.writeable):
                cols[name] = v[idx]
            else:
                for j0 in range(0, k, block):
                    j1 = min(k, j0 + block)
                    v[j0:j1] = v[idx[j0:j1]]
                cols[name] = v[:k]
        return VariantTable(cols, self.meta, self.categories)

    def _annotation_rows(self, idx: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Annotation rows belonging to variant rows ``idx`` and their new variant index."""
        av = self._columns["annotation_variant"]
        order = np.argsort(av, kind="stable")
        offsets = np.searchsorted(av[order], np.arange(len(self) + 1))
        starts = offsets[idx]
        counts = offsets[idx + 1] - starts
        total = int(counts.sum())
        if total == 0:
            return np.zeros(0, dtype=np.intp), np.zeros(0, dtype=av.dtype)
        run_start = np.repeat(starts - np.concatenate(([0], np.cumsum(counts)[:-1])), counts)
        rows = order[run_start + np.arange(total)]
        new_variant = np.repeat(np.arange(len(idx), dtype=av.dtype), counts)
        return rows, new_variant

    # -- comparison and export ---------------------------------------------------------------
    def equals(self, other: VariantTable, *, check_meta: bool = False) -> bool:
        """True if both tables hold the same columns with equal values (NaN == NaN).

        Categorical columns are compared by their labels, not their codes.
        """
        if set(self._columns) != set(other._columns) or len(self) != len(other):
            return False
        for k, a in self._columns.items():
            b = other._columns[k]
            if k in self.categories or k in other.categories:
                if k not in self.categories or k not in other.categories:
                    return False
                a, b = self.decode(k), other.decode(k)
            if not _array_equal(a, b):
                return False
        return not check_meta or self.meta == other.meta

    def to_pandas(self, *, layout: Literal["variants", "calls"] = "variants") -> pd.DataFrame:
        """Export to a DataFrame.

        Parameters
        ----------
        layout
            ``"variants"``: one row per allele row; call columns become
            ``<field>:<sample>`` (e.g. ``call_depth:NA12878``).
            ``"calls"``: one row per (allele row, sample) with a ``sample_id``
            column, the natural shape for per-sample reports.

        Categorical columns are decoded to strings; genotypes are rendered as
        VCF strings (``0/1``, ``1|0``, ``./.``) in ``call_genotype``.
        """
        import pandas as pd
        n, s = len(self), self.n_samples
        variant: dict[str, Any] = {}
        for k, v in self._columns.items():
            if not k.startswith("variant_"):
                continue
            if k in self.categories:
                variant[k.removeprefix("variant_")] = self.decode(k)
            elif v.ndim == 1:
                variant[k.removeprefix("variant_")] = v
            else:  # e.g. Number=R / Number=2 fields: one tuple per row
                variant[k.removeprefix("variant_")] = _rows_as_tuples(v)
        calls: dict[str, np.ndarray] = {}
        for k, v in self._columns.items():
            if not k.startswith("call_") or k == "call_genotype_phased":
                continue
            if k == "call_genotype":
                phased = self._columns.get("call_genotype_phased")
                calls[k] = format_genotypes(v, phased)
            elif v.ndim == 2:
                calls[k] = v
            else:
                calls[k] = _rows_as_objects(v)
        if layout == "variants":
            out = dict(variant)
            for k, v in calls.items():
                for j, name in enumerate(self.samples):
                    out[f"{k.removeprefix('call_')}:{name}"] = v[:, j]
            return pd.DataFrame(out, index=pd.RangeIndex(n))
        if layout != "calls":
            raise InputError(f"layout must be 'variants' or 'calls', not {layout!r}")
        if s == 0:
            return pd.DataFrame(variant, index=pd.RangeIndex(n))
        rep = {k: np.repeat(v, s, axis=0) for k, v in variant.items()}
        rep["sample_id"] = np.tile(np.array(self.samples, dtype=object), n)
        for k, v in calls.items():
            rep[k.removeprefix("call_")] = v.reshape(n * s)
        return pd.DataFrame(rep)

    # -- persistence (columnar cache) --------------------------------------------------------
    def save(self, path: str) -> None:
        """Save to a compressed ``.npz`` columnar cache; reload with :func:`gmsvar.load_table`."""
        from .io.cache import save_table

        save_table(self, path)


def _rows_as_tuples(v: np.ndarray) -> np.ndarray:
    """(n, k) -> (n,) object array of tuples."""
    out = np.empty(len(v), dtype=object)
    out[:] = [tuple(row.tolist()) for row in v]
    return out


def _rows_as_objects(v: np.ndarray) -> np.ndarray:
    """(n, s, k) -> (n, s) object array of per-call tuples."""
    out = np.empty(v.shape[:2], dtype=object)
    for i in range(v.shape[0]):
        for j in range(v.shape[1]):
            out[i, j] = tuple(v[i, j].tolist())
    return out


def format_genotypes(gt: np.ndarray, phased: np.ndarray | None = None) -> np.ndarray:
    """Render ``call_genotype`` (n, s, ploidy) as VCF strings; -2 padding marks lower ploidy.

    >>> import numpy as np
    >>> format_genotypes(np.array([[[0, 1], [-1, -1], [1, -2]]], dtype=np.int8)).tolist()
    [['0/1', './.', '1']]
    """
    n, s = gt.shape[:2]
    out = np.empty((n, s), dtype=object)
    if gt.size == 0:
        return out
    sym = np.where(gt == -1, ".", gt.astype(str))
    for i in range(n):
        for j in range(s):
            alleles = [a for a, raw in zip(sym[i, j], gt[i, j], strict=True) if raw != -2]
            sep = "|" if phased is not None and phased[i, j] else "/"
            out[i, j] = sep.join(alleles) if alleles else "."
    return out


def _array_equal(a: np.ndarray, b: np.ndarray) -> bool:
    if a.shape != b.shape:
        return False
    if a.dtype.kind == "f" and b.dtype.kind == "f":
        return bool(np.array_equal(a, b, equal_nan=True))
    if a.dtype == object or b.dtype == object:
        return all(_scalar_eq(x, y) for x, y in zip(a.ravel(), b.ravel(), strict=True))
    return bool(np.array_equal(a, b))


def _scalar_eq(x: Any, y: Any) -> bool:
    if isinstance(x, float) and isinstance(y, float) and x != x and y != y:
        return True
    return bool(x == y)


def concat(tables: Sequence[VariantTable]) -> VariantTable:
    """Stack tables row-wise (same samples and columns); categorical codes are re-mapped.

    The result's metadata is the first table's, with the union of contigs.

    >>> import numpy as np
    >>> a = VariantTable({"variant_position": np.array([1])})
    >>> len(concat([a, a, a]))
    3
    """
    tables = list(tables)
    if not tables:
        raise InputError("concat() needs at least one table")
    first = tables[0]
    if len(tables) == 1:
        return first
    names = first.names
    for t in tables[1:]:
        if t.samples != first.samples:
            raise InputError(
                f"cannot concat tables with different samples: {first.samples[:3]}... vs "
                f"{t.samples[:3]}..."
            )
        if set(t.names) != set(names):
            diff = set(t.names) ^ set(names)
            raise InputError(f"cannot concat tables with different columns: {sorted(diff)}")
    cats: dict[str, np.ndarray] = {}
    cols: dict[str, np.ndarray] = {}
    offsets = np.cumsum([0] + [len(t) for t in tables[:-1]])
    for k in names:
        kind = _kind(k)
        if kind == "sample":
            cols[k] = first[k]
            continue
        parts = [t[k] for t in tables]
        if k in first.categories:
            labels = _union_labels([t.categories.get(k, np.array([], dtype=object)) for t in tables])
            cats[k] = labels
            pos = {lab: i for i, lab in enumerate(labels)}
            remapped = []
            for t, p in zip(tables, parts, strict=True):
                mapping = np.array([pos[lab] for lab in t.categories[k]], dtype=np.int64)
                if p.dtype == bool and p.ndim == 2:
                    m = np.zeros((len(p), len(labels)), dtype=bool)
                    m[:, mapping] = p
                    remapped.append(m)
                else:
                    mapped = mapping[np.where(p < 0, 0, p)] if len(mapping) else p
                    remapped.append(np.where(p < 0, p, mapped).astype(p.dtype))
            parts = remapped
        if k == "annotation_variant":
            parts = [p + off for p, off in zip(parts, offsets, strict=True)]
        if parts[0].ndim > 1 and len({p.shape[1:] for p in parts}) > 1:
            parts = _pad_widths(k, parts)
        cols[k] = np.concatenate(parts, axis=0) if parts[0].ndim else np.array(parts)
        if kind in ("variant", "call", "annotation") and cols[k].dtype == object:
            continue
    contigs = list(first.meta.contigs)
    for t in tables[1:]:
        contigs.extend(c for c in t.meta.contigs if c not in contigs)
    meta = first.meta.replace(contigs=tuple(contigs))
    return VariantTable(cols, meta, cats)


def missing_value(dtype: np.dtype[Any]) -> Any:
    """The missing code of a column dtype (INT_MISSING, NaN, False, None).

    >>> missing_value(np.dtype(np.int32)) == INT_MISSING, missing_value(np.dtype(bool))
    (True, False)
    """
    if dtype == np.int32:
        return INT_MISSING
    if dtype.kind == "f":
        return np.nan
    if dtype.kind == "b":
        return False
    return None


def _pad_widths(name: str, parts: list[np.ndarray]) -> list[np.ndarray]:
    """Parts of column ``name`` padded to their widest trailing shape.

    Chunks of one file can differ in width: a chunk whose calls are all haploid (chrY,
    chrM) has a ploidy of 1, and a ``Number=.`` field is as wide as the chunk's longest
    value list. Genotypes are padded as ploidy padding (-2), other values as missing
    (INT_MISSING, NaN, None, False), as a read of the whole file in one chunk has them.
    (One case cannot be told apart: in a chunk of ploidy 1, a record without GT and a
    haploid missing call both read ``-1``; padded, both read ``-1, -2``.)

    >>> a, b = np.zeros((1, 1, 2), np.int8), np.ones((1, 1, 1), np.int8)
    >>> np.concatenate(_pad_widths("call_genotype", [a, b])).tolist()
    [[[0, 0]], [[1, -2]]]
    """
    width = tuple(max(dims) for dims in zip(*(p.shape[1:] for p in parts), strict=True))
    fill = -2 if name == "call_genotype" else missing_value(parts[0].dtype)
    if fill is None and parts[0].dtype.kind != "O":
        raise InputError(f"cannot concat {name!r}: its chunks have different widths "
                         f"{sorted({p.shape[1:] for p in parts})} and no missing value for "
                         f"{parts[0].dtype}")
    out = []
    for p in parts:
        if p.shape[1:] == width:
            out.append(p)
            continue
        q = np.full((len(p), *width), fill, dtype=p.dtype)
        q[(slice(None), *(slice(0, w) for w in p.shape[1:]))] = p
        out.append(q)
    return out


def _union_labels(label_sets: Sequence[np.ndarray]) -> np.ndarray:
    seen: dict[Any, None] = {}
    for labels in label_sets:
        for lab in labels:
            seen.setdefault(lab, None)
    return np.array(list(seen), dtype=object)
