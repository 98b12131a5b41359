"""Column containers for the fast reader's record blocks, and vectorised helpers on them.

:class:`RecordBlock` holds a run of records tokenised into per-record numpy arrays
(see :mod:`gmsvar.io.vcf_fast`); :meth:`gmsvar.io.buffer.RecordBuffer.add_block`
accepts it, and the functions here join blocks and split their INFO values per
allele row exactly as :mod:`gmsvar.io.buffer` splits the values of records added
one at a time.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..table import FieldDef, missing_value

__all__ = [
    "DenseInfo", "RecordBlock", "concat_info", "field_dtype", "g_indices", "merge_codes",
    "missing_value", "ploidy", "site_tuples", "split_dense",
]


def field_dtype(d: FieldDef) -> np.dtype[Any]:
    """Column dtype of a header Type (int32, float32, bool, else object)."""
    return {
        "Integer": np.dtype(np.int32), "Float": np.dtype(np.float32), "Flag": np.dtype(bool),
    }.get(d.type, np.dtype(object))


def g_indices(allele: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Genotype-likelihood indices of (0/a) and (a/a) for diploid calls (VCF ordering)."""
    het = allele * (allele + 1) // 2
    return het, het + allele


@dataclass(frozen=True)
class DenseInfo:
    """One INFO field of a :class:`RecordBlock`, values padded into a matrix.

    ``values`` is (n_records, width): ints with :data:`INT_MISSING`, floats NaN,
    strings ``None`` for a ``.`` element and for padding; strings are split on
    ``,`` unless ``Number=1`` (then the raw value, ``.`` -> ``None``). ``count`` is
    the number of values per record, -1 where the record has no value (absent,
    or a numeric value written as a lone ``.``: what the per-record backends see
    as ``None``).
    """

    values: np.ndarray
    count: np.ndarray


@dataclass(frozen=True)
class RecordBlock:
    """A run of records already tokenised into per-record arrays (the fast reader).

    Holds what :meth:`RecordBuffer.add` would receive for each record, as
    columns: ``alts`` is the flat array of ALT strings with ``alt_count`` per
    record (0 for ``.``); ``chrom_codes``/``filter_codes`` index
    ``chrom_labels``/``filter_values`` (each in order of first appearance;
    ``None`` is FILTER ``.``); ``gt`` is int16 (n, samples, ploidy) with -1
    missing and -2 padding, and ``has_gt`` says which records carry GT;
    ``fmt`` maps a FORMAT ID to ``(values (n, samples, width), present (n,),
    widths (n,))``: values encoded as :meth:`RecordBuffer.add` expects, whether
    the record's FORMAT has the key, and each record's own width (the most
    values any sample has).
    """

    chrom_labels: list[str]
    chrom_codes: np.ndarray
    pos: np.ndarray
    ids: np.ndarray
    ref: np.ndarray
    alt_count: np.ndarray
    alts: np.ndarray
    qual: np.ndarray
    filter_values: list[tuple[str, ...] | None]
    filter_codes: np.ndarray
    info: dict[str, DenseInfo | np.ndarray]
    raw_ann: dict[str, np.ndarray]
    gt: np.ndarray
    has_gt: np.ndarray
    phased: np.ndarray
    fmt: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.pos)

    def slice(self, lo: int, hi: int) -> RecordBlock:
        """Records ``lo:hi`` (as a new block sharing the arrays)."""
        offsets = np.concatenate(([0], np.cumsum(self.alt_count)))
        return RecordBlock(
            chrom_labels=self.chrom_labels, chrom_codes=self.chrom_codes[lo:hi],
            pos=self.pos[lo:hi], ids=self.ids[lo:hi], ref=self.ref[lo:hi],
            alt_count=self.alt_count[lo:hi], alts=self.alts[offsets[lo]:offsets[hi]],
            qual=self.qual[lo:hi], filter_values=self.filter_values,
            filter_codes=self.filter_codes[lo:hi],
            info={k: (v[lo:hi] if isinstance(v, np.ndarray) else
                      DenseInfo(v.values[lo:hi], v.count[lo:hi])) for k, v in self.info.items()},
            raw_ann={k: v[lo:hi] for k, v in self.raw_ann.items()},
            gt=self.gt[lo:hi], has_gt=self.has_gt[lo:hi], phased=self.phased[lo:hi],
            fmt={k: (v[lo:hi], p[lo:hi], w[lo:hi]) for k, (v, p, w) in self.fmt.items()},
        )


def merge_codes(labels: list[Any], parts: list[tuple[Sequence[Any], np.ndarray]]) -> np.ndarray:
    """Re-code per-block categorical codes against ``labels`` (extended in place).

    New labels are appended in order of first appearance in the records, as the
    per-record path does, so both give the same categories.
    """
    index = {lab: i for i, lab in enumerate(labels)}
    out = []
    for block_labels, codes in parts:
        mapping = np.zeros(len(block_labels), dtype=np.int32)
        if len(codes):
            used, first = np.unique(codes, return_index=True)
            for code in used[np.argsort(first)].tolist():
                lab = block_labels[code]
                if lab not in index:
                    index[lab] = len(labels)
                    labels.append(lab)
                mapping[code] = index[lab]
        out.append(mapping[codes] if len(mapping) else np.zeros(0, dtype=np.int32))
    return np.concatenate(out) if out else np.zeros(0, dtype=np.int32)


def ploidy(gt: np.ndarray, has_gt: np.ndarray) -> int:
    """Most alleles any call of the records with GT has (0 if none has GT)."""
    for p in range(gt.shape[2], 0, -1):
        if (np.compress(has_gt, gt[:, :, p - 1], axis=0) >= -1).any():
            return p
    return 0


def site_tuples(flat: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Flat ALT strings + ALTs per record -> object array of one tuple per record."""
    out = np.empty(len(counts), dtype=object)
    single = counts == 1
    starts = np.cumsum(counts) - counts
    ones = np.empty(int(single.sum()), dtype=object)
    ones[:] = list(zip(flat[starts[single]].tolist()))  # the usual case, without a loop
    out[single] = ones
    values = flat.tolist()
    others = np.empty(len(counts) - len(ones), dtype=object)
    others[:] = [tuple(values[s : s + c]) for s, c in zip(starts[~single].tolist(),
                                                          counts[~single].tolist(), strict=True)]
    out[~single] = others
    return out


def concat_info(parts: list[DenseInfo | np.ndarray], d: FieldDef) -> DenseInfo | np.ndarray:
    """Join one INFO field's per-block values (Flags are plain bool arrays)."""
    if d.type == "Flag":
        return np.concatenate([np.asarray(p, dtype=bool) for p in parts])
    dense = [p for p in parts if isinstance(p, DenseInfo)]
    dtype = field_dtype(d)
    width = max([p.values.shape[1] for p in dense] + [1])
    values = np.full((sum(len(p.count) for p in dense), width), missing_value(dtype), dtype=dtype)
    at = 0
    for p in dense:
        values[at : at + len(p.count), : p.values.shape[1]] = p.values
        at += len(p.count)
    return DenseInfo(values, np.concatenate([p.count for p in dense]))


def split_dense(
    v: DenseInfo | np.ndarray, d: FieldDef, rec: np.ndarray, allele: np.ndarray
) -> np.ndarray:
    """Vectorised ``gmsvar.io.buffer._split_values`` for a :class:`DenseInfo` (same results)."""
    if isinstance(v, np.ndarray):  # Flag
        res0: np.ndarray = v[rec]
        return res0
    vals, count = v.values, v.count
    miss = missing_value(vals.dtype)
    width = vals.shape[1]
    number = d.number

    def at(idx: np.ndarray) -> np.ndarray:
        taken = vals[rec, np.minimum(idx, width - 1)]
        return np.where(idx < width, taken, np.array(miss, dtype=vals.dtype))

    if number == "1":
        res1: np.ndarray = vals[rec, 0]
        return res1
    if number == "A":
        return at(allele - 1)
    if number == "R":
        return np.stack([vals[rec, 0], at(allele)], axis=-1)
    if number == "G":
        het, hom = g_indices(allele)
        return np.stack([vals[rec, 0], at(het), at(hom)], axis=-1)
    if number.isdigit():
        out = np.full((len(rec), int(number)), miss, dtype=vals.dtype)
        k = min(int(number), width)
        out[:, :k] = vals[rec, :k]
        return out
    # Number=. : the record's whole tuple, as the per-record path builds it
    rows = vals.tolist()
    obj = np.empty(len(count), dtype=object)
    is_float = vals.dtype.kind == "f"
    obj[:] = [None if c < 0 else tuple(np.nan if is_float and x != x else x for x in row[:c])
              for row, c in zip(rows, count.tolist(), strict=True)]
    res2: np.ndarray = obj[rec]
    return res2
