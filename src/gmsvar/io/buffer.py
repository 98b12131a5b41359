"""Backend-neutral record buffer: per-record values in, split allele-row columns out.

Backends (cyvcf2, pysam) do the only per-record Python loop: they call
:meth:`RecordBuffer.add` with plain values; the fast text reader instead hands
over whole chunks already tokenised into numpy arrays with
:meth:`RecordBuffer.add_block`. :meth:`RecordBuffer.build` then
splits multiallelic records into one row per ALT allele with numpy, exactly as
``bcftools norm -m-any`` does:

* ``Number=A`` fields keep this ALT's value; ``Number=R`` keep (REF, this ALT);
  ``Number=G`` keep the genotypes made of REF and this ALT;
* genotypes are recoded per allele: this ALT becomes 1, REF *and every other
  ALT* become 0 (``1/2`` -> ``1/0`` on the first row, ``0/1`` on the second);
  missing stays -1 and ploidy padding -2.

VAF is computed before splitting, so a ``1/2`` call's VAF for allele 1 is
``AD[1] / sum(AD)`` over all alleles. Allele-depth totals are summed in 64 bits and
VAF is their float64 quotient rounded to float32 (for counts below 2**24, the float32
quotient), so no value depends on how a chunk is cut into tiles.

The blocks of the fast reader are not joined: their call-level columns are computed a
tile at a time straight from each block's arrays into the final columns, by the C
kernel of :mod:`gmsvar.io.vcf_format_c` (in two threads) when the extension is built
and the allele depths come from FORMAT/AD alone, else with numpy.
"""

from __future__ import annotations

import dataclasses
import importlib
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from typing import Any

import numpy as np

from ..errors import VcfFormatError
from ..table import INT_MISSING, FieldDef, VariantTable, VcfMetadata
from . import vcf_format_c
from .blocks import DenseInfo, RecordBlock
from .blocks import concat_info as _concat_info
from .blocks import field_dtype as _field_dtype
from .blocks import g_indices as _g_indices
from .blocks import merge_codes as _merge_codes
from .blocks import missing_value as _missing
from .blocks import ploidy as _ploidy
from .blocks import site_tuples as _tuples
from .blocks import split_dense as _split_dense
from .vcf_tokens import FastUnsupported

__all__ = ["DenseInfo", "FormatPlan", "RecordBlock", "RecordBuffer", "plan_depth_vaf", "small_pages"]

_INT_VECTOR_END = INT_MISSING + 1
#: Calls per tile when building call-level columns (bounded temporaries).
_TILE_CALLS = 1 << 20
#: Compute the standard call columns of the fast reader's blocks with the C kernel when it is
#: built (tests compare it with the numpy code).
CALL_KERNEL = True
#: Threads running the kernel over the tiles of a chunk.
_KERNEL_THREADS = 2


_SOURCE_NAMES = {
    "AD": "FORMAT/AD (Number=R allele depths)",
    "AO/RO": "FORMAT/AO and FORMAT/RO (FreeBayes)",
    "strelka2": "Strelka2 tier-1 counts (AU/CU/GU/TU for SNVs, TAR/TIR for indels)",
    "VD": "FORMAT/VD variant depth over FORMAT/DP (VarDict)",
    "AF": "FORMAT/AF (caller allele fraction, e.g. Mutect2/VarDict)",
    "VAF": "FORMAT/VAF (DeepVariant)",
    "FREQ": "FORMAT/FREQ (VarScan, percent)",
}
_COUNT_SOURCES = ("AD", "AO/RO", "strelka2", "VD")
_SOURCE_FIELDS = {"AD": ["AD"], "AO/RO": ["AO", "RO"],
                  "strelka2": ["AU", "CU", "GU", "TU", "TAR", "TIR"], "VD": ["VD", "DP"],
                  "AF": ["AF"], "VAF": ["VAF"], "FREQ": ["FREQ"]}


@dataclass(frozen=True)
class FormatPlan:
    """Which FORMAT fields provide depth, allele depths and VAF, in order of preference.

    Decided once per file from the header; each call then uses the first source
    that has a value for it (merged multi-caller VCFs declare fields that only
    some records carry), and ``call_vaf_source`` records which one did.
    """

    depth: str | None              # "DP" or None (then the allele-depth total)
    allele_depth: tuple[str, ...]  # subset of _COUNT_SOURCES, preference order
    vaf: tuple[str, ...]           # allele_depth sources, then AF / VAF / FREQ
    gq: str | None
    needed: tuple[str, ...]        # FORMAT IDs the backend must fetch for these

    def describe(self) -> dict[str, Any]:
        """Provenance record."""
        ad = " > ".join(_SOURCE_NAMES[k] for k in self.allele_depth) or "not available"
        return {
            "depth_source": "FORMAT/DP" + (f", else total of {ad}" if self.allele_depth else "")
            if self.depth else (f"total of {ad}" if self.allele_depth else "not available"),
            "allele_depth_source": ad,
            "vaf_source": " > ".join(_SOURCE_NAMES[k] for k in self.vaf) or "not available",
            "vaf_source_column": "call_vaf_source (per call: which source gave the value)",
        }


def plan_depth_vaf(fmt: dict[str, FieldDef]) -> FormatPlan:
    """Choose depth/VAF sources from the FORMAT definitions in the header.

    >>> from gmsvar.table import FieldDef
    >>> plan_depth_vaf({"AO": FieldDef("AO", "A", "Integer"), "RO": FieldDef("RO", "1", "Integer")}).vaf
    ('AO/RO',)
    """
    def declared(name: str, *types: str) -> bool:
        return name in fmt and fmt[name].type in types

    counts: list[str] = []
    if declared("AD", "Integer"):
        counts.append("AD")
    if declared("AO", "Integer") and declared("RO", "Integer"):
        counts.append("AO/RO")
    if all(declared(f, "Integer") for f in _SOURCE_FIELDS["strelka2"]):
        counts.append("strelka2")
    if declared("VD", "Integer") and declared("DP", "Integer"):
        counts.append("VD")
    vaf = list(counts)
    for k in ("AF", "VAF"):
        if declared(k, "Float"):
            vaf.append(k)
    if "FREQ" in fmt:
        vaf.append("FREQ")
    depth = "DP" if declared("DP", "Integer") else None
    gq = "GQ" if declared("GQ", "Integer", "Float") else None
    needed: list[str] = [f for f in (depth, gq) if f]
    for key in vaf:
        for f in _SOURCE_FIELDS[key]:
            if f not in needed:
                needed.append(f)
    return FormatPlan(depth=depth, allele_depth=tuple(counts), vaf=tuple(vaf), gq=gq,
                      needed=tuple(needed))


@dataclass
class _Records:
    """Per-record columns of one chunk, whichever way they were added."""

    n_alt: np.ndarray               # ALTs per record, 0 for '.'
    alt_rows: np.ndarray            # the ALT of each allele row ('.' when none)
    site_alts: np.ndarray           # tuple of all ALTs of the record, per record
    contig_labels: np.ndarray
    contig_codes: np.ndarray
    pos: np.ndarray
    ids: np.ndarray
    ref: np.ndarray
    qual: np.ndarray
    filters: tuple[list[str], np.ndarray, np.ndarray]
    gt: np.ndarray
    phased: np.ndarray
    fmt: dict[str, np.ndarray]
    raw_ann: dict[str, np.ndarray]
    #: blocks path: the call-level inputs stay in the blocks (``gt``/``phased``/``fmt`` are
    #: empty) as tiles ``(r0, r1, block, lo)``: records ``r0:r1`` are the block's from ``lo``
    parts: list[tuple[int, int, RecordBlock, int]] | None = None
    ploidy: int = 0                                            # GT columns of the chunk
    widths: dict[str, int] = dataclasses.field(default_factory=dict)  # FORMAT value columns

    def tile(self, r0: int, r1: int, rows: slice) -> _Records:
        """Records ``r0:r1`` (allele rows ``rows``), for the call-level columns."""
        return dataclasses.replace(
            self, n_alt=self.n_alt[r0:r1], alt_rows=self.alt_rows[rows], ref=self.ref[r0:r1],
            gt=self.gt[r0:r1], phased=self.phased[r0:r1],
            fmt={k: v[r0:r1] for k, v in self.fmt.items()},
        )


#: Build chunks in ordinary (4 KB) pages: see :func:`small_pages`.
SMALL_PAGES = True
_PAGES_LOCK = threading.Lock()
_pages_users = 0  # threads within small_pages()
_pages_before: bool | None = None  # numpy's setting before the first of them


@cache
def _hugepage_switch() -> Callable[[bool], bool] | None:
    """numpy's switch for its huge-page advice (private; None where this numpy has none)."""
    for name in ("numpy._core.multiarray", "numpy.core.multiarray"):
        try:
            module = importlib.import_module(name)
        except ImportError:
            continue
        switch: Callable[[bool], bool] | None = getattr(module, "_set_madvise_hugepage", None)
        return switch
    return None


@contextmanager
def small_pages() -> Iterator[None]:
    """Within the block, numpy does not ask Linux for transparent huge pages.

    numpy advises huge pages (``madvise(MADV_HUGEPAGE)``) for every array of 4 MB or
    more. On the benchmark machine (a 2-core VM) the first write to fresh huge pages
    cost about three times as much as to small pages (1.0 vs 0.35 s for 630 MB), and a
    200k x 100-sample read spent up to 0.9 s of system CPU more with the advice than
    without, depending on the machine's memory state (``benchmarks/README.md``,
    "Memory"). The reader builds each chunk, whose call columns it writes once, within
    this block (:data:`SMALL_PAGES`). The switch is numpy's own (what
    ``NUMPY_MADVISE_HUGEPAGE=0`` sets at import) and process-wide: the first thread in
    turns it off and the last one out restores it; other threads' arrays allocated
    meanwhile get small pages too, which only affects speed.

    >>> with small_pages():
    ...     a = np.empty(1 << 20)
    >>> a.shape
    (1048576,)
    """
    global _pages_users, _pages_before
    switch = _hugepage_switch() if SMALL_PAGES else None
    if switch is None:
        yield
        return
    with _PAGES_LOCK:
        if _pages_users == 0:
            _pages_before = switch(False)
        _pages_users += 1
    try:
        yield
    finally:
        with _PAGES_LOCK:
            _pages_users -= 1
            if _pages_users == 0 and _pages_before is not None:
                switch(_pages_before)


class RecordBuffer:
    """Accumulates records for one chunk and builds a :class:`VariantTable`.

    Parameters
    ----------
    meta
        Metadata for the resulting table (samples, definitions, provenance).
    info_fields
        INFO IDs to keep as ``variant_info_<ID>``.
    format_fields
        FORMAT IDs to keep as ``call_format_<ID>``.
    annotation_ids
        INFO IDs whose raw strings go to the annotation parser.
    plan
        Depth/VAF plan from :func:`plan_depth_vaf`.
    """

    def __init__(
        self,
        meta: VcfMetadata,
        info_fields: Sequence[str],
        format_fields: Sequence[str],
        annotation_ids: Sequence[str],
        plan: FormatPlan,
    ) -> None:
        self.meta = meta
        self.info_fields = list(info_fields)
        self.format_fields = list(format_fields)
        self.annotation_ids = list(annotation_ids)
        self.plan = plan
        self.n_samples = len(meta.samples)
        self.clear()

    def clear(self) -> None:
        """Drop all buffered records."""
        self.chrom: list[str] = []
        self.pos: list[int] = []
        self.ids: list[str | None] = []
        self.ref: list[str] = []
        self.alts: list[tuple[str, ...]] = []
        self.qual: list[float] = []
        self.filters: list[tuple[str, ...] | None] = []
        self.info: dict[str, list[Any]] = {k: [] for k in self.info_fields}
        self.raw_ann: dict[str, list[str | None]] = {k: [] for k in self.annotation_ids}
        self.gt: list[np.ndarray] = []
        self.phased: list[np.ndarray] = []
        self.fmt: dict[str, list[np.ndarray | None]] = {
            k: [] for k in {*self.format_fields, *self.plan.needed}
        }
        self.blocks: list[RecordBlock] = []

    def __len__(self) -> int:
        return len(self.pos) + sum(len(b) for b in self.blocks)

    def add_block(self, block: RecordBlock) -> None:
        """Add a run of already tokenised records (see :class:`RecordBlock`).

        A buffer holds either blocks or records added one at a time, not both.
        """
        if self.pos:
            raise ValueError("RecordBuffer: add_block() after add() in the same chunk")
        self.blocks.append(block)

    def add(
        self,
        chrom: str,
        pos: int,
        vid: str | None,
        ref: str,
        alts: tuple[str, ...],
        qual: float,
        filters: tuple[str, ...] | None,
        info: dict[str, Any],
        gt: np.ndarray,
        phased: np.ndarray,
        fmt: dict[str, np.ndarray | None],
    ) -> None:
        """Add one record.

        ``filters`` is ``None`` for ``.``; ``info`` maps ID to the backend's
        value (scalar, tuple, ``None``; annotation IDs to raw strings);
        ``gt`` is int (n_samples, ploidy) with -1 missing and -2 padding;
        ``fmt`` maps FORMAT ID to an (n_samples, k) array encoded like cyvcf2
        (ints: INT_MISSING / INT_MISSING+1 vector end; floats NaN; strings
        object) or ``None`` when the record lacks it.
        """
        if self.blocks:
            raise ValueError("RecordBuffer: add() after add_block() in the same chunk")
        self.chrom.append(chrom)
        self.pos.append(pos)
        self.ids.append(vid)
        self.ref.append(ref)
        self.alts.append(alts)
        self.qual.append(qual)
        self.filters.append(filters)
        for k in self.info_fields:
            self.info[k].append(info.get(k))
        for k in self.annotation_ids:
            self.raw_ann[k].append(info.get(k))
        self.gt.append(gt)
        self.phased.append(phased)
        for k, lst in self.fmt.items():
            lst.append(fmt.get(k))

    # ------------------------------------------------------------------------------------
    def build(self) -> tuple[VariantTable, dict[str, np.ndarray]]:
        """Split and return ``(table, extras)``.

        ``extras`` holds per-allele-row arrays the annotation parser needs:
        ``site_alts`` (tuples), ``raw:<ID>`` raw annotation strings.
        """
        recs = self._from_blocks() if self.blocks else self._from_records()
        n_rec = len(recs.pos)
        n_alt = np.maximum(recs.n_alt, 1)
        rec = np.repeat(np.arange(n_rec), n_alt)
        allele = _allele_numbers(n_alt)
        n_rows = len(rec)
        s = self.n_samples

        cols: dict[str, np.ndarray] = {
            "variant_contig": recs.contig_codes[rec],
            "variant_position": recs.pos[rec],
            "variant_id": recs.ids[rec],
            "variant_ref": recs.ref[rec],
            "variant_alt": recs.alt_rows,
            "variant_allele_index": allele.astype(np.int16),
            "variant_n_alleles": (n_alt + 1)[rec].astype(np.int16),
            "variant_qual": recs.qual[rec],
        }
        filt_labels, filt_matrix, filt_missing = recs.filters
        cols["variant_filter"] = filt_matrix[rec]
        pass_col = filt_labels.index("PASS")
        cols["variant_filter_pass"] = filt_matrix[rec, pass_col] & (filt_matrix[rec].sum(axis=1) == 1)
        cols["variant_filter_missing"] = filt_missing[rec]

        for k in self.info_fields:
            d = self.meta.info[k]
            if self.blocks:
                cols[f"variant_info_{k}"] = _split_dense(
                    _concat_info([b.info[k] for b in self.blocks], d), d, rec, allele)
            else:
                cols[f"variant_info_{k}"] = _split_values(
                    self.info[k], d, rec, allele, n_alt, per_sample=False, path=self.meta.source
                )

        # call-level columns, computed a tile of records at a time into the final arrays: the
        # temporaries stay small enough to be reused instead of faulting in fresh memory
        tile = max(1, _TILE_CALLS // max(s, 1))
        if recs.parts is not None:
            cols.update(self._block_call_columns(recs, rec, allele))
        elif n_rec <= tile:
            cols.update(self._call_columns(recs, rec, allele))
        else:
            first_row = np.concatenate(([0], np.cumsum(n_alt)))
            calls: dict[str, np.ndarray] = {}
            for r0 in range(0, n_rec, tile):
                r1 = min(n_rec, r0 + tile)
                rows = slice(int(first_row[r0]), int(first_row[r1]))
                part = self._call_columns(recs.tile(r0, r1, rows), rec[rows] - r0, allele[rows])
                for k, v in part.items():
                    if k not in calls:
                        calls[k] = np.empty((n_rows, *v.shape[1:]), dtype=v.dtype)
                    calls[k][rows] = v
            cols.update(calls)

        cols["sample_id"] = np.asarray(self.meta.samples, dtype=object)
        extras: dict[str, np.ndarray] = {"site_alts": recs.site_alts[rec]}
        for k in self.annotation_ids:
            extras[f"raw:{k}"] = recs.raw_ann[k][rec]
        cats = {"variant_contig": recs.contig_labels, "variant_filter": np.array(filt_labels, object),
                "call_vaf_source": np.array(list(self.plan.vaf), dtype=object)}
        return VariantTable(cols, self.meta, cats), extras

    def _call_columns(self, recs: _Records, rec: np.ndarray, allele: np.ndarray
                      ) -> dict[str, np.ndarray]:
        """``call_*`` columns of the allele rows ``rec`` (indices into ``recs``), with numpy."""
        n_rows = len(rec)
        s = self.n_samples
        out: dict[str, np.ndarray] = {}
        # genotypes (int8 arithmetic when every allele index fits, as it nearly always does)
        gt, phased = recs.gt, recs.phased
        if (gt.size == 0 or int(gt.max()) <= 127) and (n_rows == 0 or int(allele.max()) <= 127):
            gt = gt.astype(np.int8)
        gt_rows = gt[rec]
        a3 = allele[:, None, None].astype(gt.dtype)
        # this ALT -> 1, REF and other ALTs -> 0, missing/padding kept (few temporaries: these
        # arrays are calls x ploidy, and fresh large buffers cost page faults)
        call_gt = (gt_rows == a3).astype(np.int8)
        np.copyto(call_gt, gt_rows, where=gt_rows < 0, casting="unsafe")
        out["call_genotype"] = call_gt
        out["call_genotype_phased"] = phased[rec]

        # standard call columns
        fmt_arrays = recs.fmt
        counts = {src: self._allele_depths(src, fmt_arrays, rec, allele, n_rows, recs)
                  for src in self.plan.allele_depth}
        if len(counts) == 1:  # one source: merging would return it unchanged
            ad_ref, ad_alt, ad_total = next(iter(counts.values()))
        else:
            ad_ref = np.full((n_rows, s), -1, dtype=np.int64)
            ad_alt, ad_total = ad_ref.copy(), ad_ref.copy()
            for r_, a_, t_ in counts.values():
                # first source with this ALT's count wins; a REF-only value still fills a gap
                take = (ad_alt < 0) & ((a_ >= 0) | ((ad_ref < 0) & (r_ >= 0)))
                ad_ref = np.where(take, r_, ad_ref)
                ad_alt = np.where(take, a_, ad_alt)
                ad_total = np.where(take, t_, ad_total)
        depth_pair = np.empty((n_rows, s, 2), dtype=np.int32)
        depth_pair[:, :, 0] = ad_ref
        depth_pair[:, :, 1] = ad_alt
        out["call_allele_depth"] = depth_pair
        if self.plan.depth:
            dp = fmt_arrays[self.plan.depth][:, :, 0]
            dp = np.where(dp <= _INT_VECTOR_END, -1, dp).astype(np.int32, copy=False)[rec]
            np.copyto(dp, ad_total, where=dp < 0, casting="unsafe")
            out["call_depth"] = dp
        else:
            out["call_depth"] = ad_total.astype(np.int32)
        if self.plan.gq:
            gq = fmt_arrays[self.plan.gq][:, :, 0]
            if gq.dtype.kind == "f":
                out["call_genotype_quality"] = np.where(np.isnan(gq), -1, np.floor(gq)).astype(
                    np.int32)[rec]
            else:
                out["call_genotype_quality"] = np.where(gq <= _INT_VECTOR_END, -1, gq).astype(
                    np.int32)[rec]
        else:
            out["call_genotype_quality"] = np.full((n_rows, s), -1, dtype=np.int32)
        vaf = np.full((n_rows, s), np.nan, dtype=np.float32)
        vaf_code = np.full((n_rows, s), -1, dtype=np.int8)
        for code, src in enumerate(self.plan.vaf):
            cand = self._vaf(src, fmt_arrays, rec, allele, counts, n_rows)
            if code == 0:  # nothing taken yet: the first source's values as they are
                vaf = cand
                vaf_code = np.where(np.isnan(cand), np.int8(-1), np.int8(0))
                continue
            take = np.isnan(vaf) & ~np.isnan(cand)
            vaf = np.where(take, cand, vaf)
            vaf_code = np.where(take, code, vaf_code).astype(np.int8)
        out["call_vaf"] = vaf
        out["call_vaf_source"] = vaf_code

        if self.format_fields:
            haploid = _haploid(gt_rows)
            for k in self.format_fields:
                d = self.meta.format[k]
                out[f"call_format_{k}"] = _split_format(fmt_arrays[k], d, rec, allele, haploid)

        return out

    def _from_records(self) -> _Records:
        """Columns of the records added one at a time with :meth:`add`."""
        n_rec = len(self.pos)
        alts_obj = np.empty(n_rec, dtype=object)
        alts_obj[:] = self.alts
        n_alt = np.array([len(a) for a in self.alts], dtype=np.int64)
        rec = np.repeat(np.arange(n_rec), np.maximum(n_alt, 1))
        allele = _allele_numbers(np.maximum(n_alt, 1))
        alt_rows = np.array(
            [a[i - 1] if a else "." for a, i in zip(alts_obj[rec], allele, strict=True)],
            dtype=object,
        )
        contig_labels, contig_codes = self._contig_codes()
        gt, phased = self._genotypes(n_rec)
        return _Records(
            n_alt=n_alt, alt_rows=alt_rows, site_alts=alts_obj,
            contig_labels=contig_labels, contig_codes=contig_codes,
            pos=np.asarray(self.pos, dtype=np.int64),
            ids=np.asarray(self.ids, dtype=object) if n_rec else np.zeros(0, object),
            ref=np.asarray(self.ref, dtype=object) if n_rec else np.zeros(0, object),
            qual=np.asarray(self.qual, dtype=np.float32),
            filters=self._filters(), gt=gt, phased=phased,
            fmt={k: self._format_matrix(k, v, n_rec) for k, v in self.fmt.items()},
            raw_ann={k: np.asarray(v, dtype=object) if n_rec else np.zeros(0, object)
                     for k, v in self.raw_ann.items()},
        )

    def _from_blocks(self) -> _Records:
        """Columns of the blocks added with :meth:`add_block`, joined."""
        blocks = self.blocks
        s = self.n_samples
        n_alt = np.concatenate([b.alt_count for b in blocks]).astype(np.int64)
        flat = np.concatenate([b.alts for b in blocks])
        none = np.repeat(n_alt == 0, np.maximum(n_alt, 1))
        alt_rows = np.empty(len(none), dtype=object)
        alt_rows[none] = "."
        alt_rows[~none] = flat
        site_alts = _tuples(flat, n_alt)

        contig_labels = list(self.meta.contigs)
        contig_codes = _merge_codes(contig_labels, [(b.chrom_labels, b.chrom_codes) for b in blocks])
        filt_labels = list(self.meta.filters)
        if "PASS" not in filt_labels:
            filt_labels.insert(0, "PASS")
        values: list[tuple[str, ...] | None] = []
        fcodes = _merge_codes(values, [(b.filter_values, b.filter_codes) for b in blocks])
        index = {f: i for i, f in enumerate(filt_labels)}
        for fs in values:
            for f in fs or ():
                if f not in index:
                    index[f] = len(filt_labels)
                    filt_labels.append(f)
        table = np.zeros((len(values), len(filt_labels)), dtype=bool)
        for i, fs in enumerate(values):
            table[i, [index[f] for f in fs or ()]] = True
        missing_table = np.array([fs is None for fs in values], dtype=bool)

        # the call-level inputs stay in the blocks, read a tile at a time (no joined copies)
        ploidy = max((_ploidy(b.gt, b.has_gt) for b in blocks), default=0) or 2
        widths = {}
        for key in self.fmt:
            fmt_parts = [b.fmt.get(key) for b in blocks]
            widths[key] = max(1, max((int(p[2][p[1]].max()) for p in fmt_parts
                                      if p is not None and p[1].any()), default=1))
        tile = max(1, _TILE_CALLS // max(s, 1))
        parts = []
        at = 0
        for b in blocks:
            for lo in range(0, len(b), tile):
                hi = min(len(b), lo + tile)
                parts.append((at + lo, at + hi, b, lo))
            at += len(b)
        return _Records(
            n_alt=n_alt, alt_rows=alt_rows, site_alts=site_alts,
            contig_labels=np.array(contig_labels, dtype=object), contig_codes=contig_codes,
            pos=np.concatenate([b.pos for b in blocks]).astype(np.int64),
            ids=np.concatenate([b.ids for b in blocks]),
            ref=np.concatenate([b.ref for b in blocks]),
            qual=np.concatenate([b.qual for b in blocks]).astype(np.float32),
            filters=(filt_labels, table[fcodes], missing_table[fcodes]),
            gt=np.zeros((0, s, ploidy), dtype=np.int16), phased=np.zeros((0, s), dtype=bool), fmt={},
            raw_ann={k: np.concatenate([b.raw_ann[k] for b in blocks]) for k in self.annotation_ids},
            parts=parts, ploidy=ploidy, widths=widths,
        )

    def _block_tile(self, recs: _Records, part: tuple[int, int, RecordBlock, int], rows: slice,
                    keys: Sequence[str] | None = None) -> _Records:
        """One tile of the blocks path as per-record arrays (of the FORMAT ``keys``, default all).

        Genotypes are padded (or cut) to the chunk's ploidy, a record without GT is
        unknown (-1), not hom-ref; FORMAT values are padded to the chunk's width as
        missing, and records without the key are missing.
        """
        r0, r1, b, lo = part
        hi = lo + r1 - r0
        s = self.n_samples
        ploidy = recs.ploidy
        block_gt = b.gt[lo:hi]
        k = min(ploidy, block_gt.shape[2])
        gt = np.full((hi - lo, s, ploidy), -2, dtype=np.int16)
        gt[:, :, :k] = block_gt[:, :, :k]
        has_gt = b.has_gt[lo:hi]
        phased = b.phased[lo:hi].copy()
        if not has_gt.all():
            gt[~has_gt] = -1  # record without GT: genotype unknown, not hom-ref
            phased &= has_gt[:, None]
        if ploidy > 1:  # a haploid call has no phase
            phased &= gt[:, :, 1] >= -1
        else:
            phased[:] = False
        fmt: dict[str, np.ndarray] = {}
        for key in self.fmt if keys is None else keys:
            d = self.meta.format.get(key)
            dtype = _field_dtype(d) if d else np.dtype(np.int32)
            width = recs.widths[key]
            p = b.fmt.get(key)
            if p is not None and p[1][lo:hi].all() and p[0].shape[2] == width:
                fmt[key] = p[0][lo:hi]
                continue
            out = np.full((hi - lo, s, width), _missing(dtype), dtype=dtype)
            if p is not None and s:
                present = p[1][lo:hi]
                k = min(width, p[0].shape[2])
                out[present, :, :k] = p[0][lo:hi][present, :, :k]
            fmt[key] = out
        return dataclasses.replace(
            recs, n_alt=recs.n_alt[r0:r1], alt_rows=recs.alt_rows[rows], ref=recs.ref[r0:r1],
            gt=gt, phased=phased, fmt=fmt, parts=None,
        )

    def _block_call_columns(self, recs: _Records, rec: np.ndarray, allele: np.ndarray
                            ) -> dict[str, np.ndarray]:
        """``call_*`` columns of the blocks path, a tile at a time into the final arrays.

        The C kernel (:func:`gmsvar.io.vcf_format_c.call_columns`) computes the standard
        columns of a tile when the plan's allele depths come from FORMAT/AD alone (or
        nowhere); numpy computes the rest, and the tiles the kernel declines.
        """
        assert recs.parts is not None
        n_rows, s = len(rec), self.n_samples
        first_row = np.concatenate(([0], np.cumsum(np.maximum(recs.n_alt, 1))))
        parts = recs.parts or [(0, 0, self.blocks[0], 0)]
        spans = [slice(int(first_row[p[0]]), int(first_row[p[1]])) for p in parts]
        out: dict[str, np.ndarray] = {}
        done: list[dict[str, np.ndarray] | None] = [None] * len(parts)
        if (CALL_KERNEL and vcf_format_c.AVAILABLE and s > 0
                and self.plan.allele_depth in ((), ("AD",))):
            out.update({
                "call_genotype": np.empty((n_rows, s, recs.ploidy), dtype=np.int8),
                "call_genotype_phased": np.empty((n_rows, s), dtype=bool),
                "call_allele_depth": np.empty((n_rows, s, 2), dtype=np.int32),
                "call_depth": np.empty((n_rows, s), dtype=np.int32),
                "call_genotype_quality": np.empty((n_rows, s), dtype=np.int32),
                "call_vaf": np.empty((n_rows, s), dtype=np.float32),
                "call_vaf_source": np.empty((n_rows, s), dtype=np.int8),
            })
            for k in self.format_fields:  # Number=1 numbers: filled by the tiles' threads too
                d = self.meta.format[k]
                if d.number == "1" and _field_dtype(d) in (np.int32, np.float32):
                    out[f"call_format_{k}"] = np.empty((n_rows, s), dtype=_field_dtype(d))

            def tile(i: int) -> dict[str, np.ndarray] | None:
                cols = self._kernel_tile(recs, parts[i], spans[i], rec, allele, out)
                if cols is None:
                    return None
                for k in [k for k, v in cols.items()
                          if k in out and out[k].dtype == v.dtype and out[k].shape[1:] == v.shape[1:]]:
                    out[k][spans[i]] = cols.pop(k)
                return cols

            if len(parts) > 1 and n_rows * s >= _TILE_CALLS:
                # the kernel runs without the GIL: tiles in parallel (the fresh output pages
                # are faulted in by both threads too)
                with ThreadPoolExecutor(max_workers=_KERNEL_THREADS) as pool:
                    done = list(pool.map(tile, range(len(parts))))
            else:
                done = [tile(i) for i in range(len(parts))]
        for part, rows, cols in zip(parts, spans, done, strict=True):
            if cols is None:  # numpy: the kernel declined the tile, or is not used
                cols = self._call_columns(self._block_tile(recs, part, rows), rec[rows] - part[0],
                                          allele[rows])
            for k, v in cols.items():
                if k not in out:
                    out[k] = np.empty((n_rows, *v.shape[1:]), dtype=v.dtype)
                elif out[k].dtype != v.dtype:  # (never: both routes give _field_dtype's)
                    raise AssertionError(f"{k}: tiles of {out[k].dtype} and {v.dtype}")
                out[k][rows] = v
        fields = [f"call_format_{k}" for k in self.format_fields]  # (in the numpy route's order)
        return {**{k: v for k, v in out.items() if k not in fields}, **{k: out[k] for k in fields}}

    def _kernel_tile(self, recs: _Records, part: tuple[int, int, RecordBlock, int], rows: slice,
                     rec: np.ndarray, allele: np.ndarray, out: dict[str, np.ndarray]
                     ) -> dict[str, np.ndarray] | None:
        """The standard ``call_*`` columns of one tile with the C kernel, into ``out``.

        Returns the other columns of the tile (requested FORMAT fields), or None where
        the kernel declines the tile (then numpy computes all of it).
        """
        r0, r1, b, lo = part
        hi = lo + r1 - r0
        plan = self.plan

        def values(key: str | None, *dtypes: type) -> tuple[np.ndarray, np.ndarray] | None:
            p = b.fmt.get(key) if key else None
            if p is None:
                return None
            v = p[0][lo:hi]
            if v.dtype not in dtypes:
                raise TypeError(f"FORMAT/{key} stored as {v.dtype}")
            return np.ascontiguousarray(v), np.ascontiguousarray(p[1][lo:hi])

        try:
            ad = values("AD" if plan.allele_depth else None, np.int32)
            dp = values(plan.depth, np.int32)
            gq = values(plan.gq, np.int32, np.float32)
            by_ad = bool(plan.vaf) and plan.vaf[0] == "AD"
            vaf, code = out["call_vaf"][rows], out["call_vaf_source"][rows]
            vcf_format_c.call_columns(
                recs.n_alt[r0:r1], b.gt[lo:hi], b.has_gt[lo:hi], b.phased[lo:hi], ad, dp, gq,
                ploidy=recs.ploidy, ad_width=recs.widths.get("AD", 1),
                out=(out["call_genotype"][rows], out["call_genotype_phased"][rows],
                     out["call_allele_depth"][rows], out["call_depth"][rows],
                     out["call_genotype_quality"][rows], vaf if by_ad else None,
                     code if by_ad else None),
            )
        except (TypeError, FastUnsupported):
            return None
        others = plan.vaf[1:] if by_ad else plan.vaf
        if not by_ad:
            vaf[:] = np.nan
            code[:] = -1
        keys = [f for src in others for f in _SOURCE_FIELDS[src]]
        if not keys and not self.format_fields:
            return {}
        tile = self._block_tile(recs, part, rows, keys=[*keys, *self.format_fields])
        rec_t, allele_t = rec[rows] - r0, allele[rows]
        for src in others:
            cand = self._vaf(src, tile.fmt, rec_t, allele_t, {}, len(rec_t))
            take = np.isnan(vaf) & ~np.isnan(cand)
            vaf[take] = cand[take]
            code[take] = plan.vaf.index(src)
        cols: dict[str, np.ndarray] = {}
        if self.format_fields:
            def haploid() -> np.ndarray:  # (for Number=G fields only)
                return _haploid(out["call_genotype"][rows])

            for k in self.format_fields:
                cols[f"call_format_{k}"] = _split_format(tile.fmt[k], self.meta.format[k], rec_t,
                                                         allele_t, haploid)
        return cols

    # -- helpers -----------------------------------------------------------------------------
    def _contig_codes(self) -> tuple[np.ndarray, np.ndarray]:
        labels = list(self.meta.contigs)
        index = {c: i for i, c in enumerate(labels)}
        codes = np.empty(len(self.chrom), dtype=np.int32)
        for i, c in enumerate(self.chrom):
            code = index.get(c)
            if code is None:
                code = index[c] = len(labels)
                labels.append(c)
            codes[i] = code
        return np.array(labels, dtype=object), codes

    def _filters(self) -> tuple[list[str], np.ndarray, np.ndarray]:
        labels = list(self.meta.filters)
        if "PASS" not in labels:
            labels.insert(0, "PASS")
        index = {f: i for i, f in enumerate(labels)}
        for fs in self.filters:
            for f in fs or ():
                if f not in index:
                    index[f] = len(labels)
                    labels.append(f)
        mat = np.zeros((len(self.filters), len(labels)), dtype=bool)
        missing = np.zeros(len(self.filters), dtype=bool)
        for i, fs in enumerate(self.filters):
            if fs is None:
                missing[i] = True
            else:
                for f in fs:
                    mat[i, index[f]] = True
        return labels, mat, missing

    def _genotypes(self, n_rec: int) -> tuple[np.ndarray, np.ndarray]:
        s = self.n_samples
        ploidy = max((g.shape[1] for g in self.gt), default=0) or 2
        gt = np.full((n_rec, s, ploidy), -2, dtype=np.int16)
        phased = np.zeros((n_rec, s), dtype=bool)
        for i, (g, p) in enumerate(zip(self.gt, self.phased, strict=True)):
            if not s:
                continue
            if g.shape[1] == 0:  # record without GT: genotype unknown, not hom-ref
                gt[i] = -1
            else:
                gt[i, :, : g.shape[1]] = g
                phased[i] = p
        # a haploid call has no phase; backends disagree on the flag, so define it False
        phased &= (gt >= -1).sum(axis=2) > 1
        return gt, phased

    def _format_matrix(self, key: str, values: list[np.ndarray | None], n_rec: int) -> np.ndarray:
        """Stack per-record (s, k) FORMAT arrays into (n_rec, s, kmax), padded as missing."""
        s = self.n_samples
        d = self.meta.format.get(key)
        dtype = _field_dtype(d) if d else np.dtype(np.int32)
        width = max((v.shape[1] for v in values if v is not None and v.ndim == 2), default=1)
        out = np.full((n_rec, s, max(width, 1)), _missing(dtype), dtype=dtype)
        for i, v in enumerate(values):
            if v is not None and s:
                vv = v if v.ndim == 2 else v.reshape(s, -1)
                out[i, :, : vv.shape[1]] = vv
        return out

    def _allele_depths(
        self, src: str, fmt: dict[str, np.ndarray], rec: np.ndarray, allele: np.ndarray,
        n_rows: int, recs: _Records,
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(REF count, this ALT's count, total over all alleles) per call from one source."""
        s = self.n_samples
        miss = np.full((n_rows, s), -1, dtype=np.int64)
        if n_rows == 0 or s == 0:
            return miss, miss.copy(), miss.copy()
        if src == "VD":
            vd = fmt["VD"].astype(np.int64)[rec][:, :, 0]
            dp = fmt["DP"].astype(np.int64)[rec][:, :, 0]
            ok = (vd > _INT_VECTOR_END) & (dp > _INT_VECTOR_END) & (dp >= vd)
            # VarDict writes one ALT per record; VD counts it, DP counts all reads
            return miss, np.where(ok, vd, -1), np.where(ok, dp, -1)
        if src == "AD":
            ad = fmt["AD"]                                            # (records, s, k)
            width = ad.shape[2]
            n_all = (recs.n_alt + 1)[:, None]
            ad0 = ad[:, :, 0]
            complete = ad0 > _INT_VECTOR_END
            ref = np.where(complete, ad0, -1)
            total = np.where(complete, ad0, 0).astype(np.int64)  # exact for any counts
            for j in range(1, width):  # AD is short: one pass per allele beats axis=2 reductions
                a_j = ad[:, :, j]
                ok_j = a_j > _INT_VECTOR_END
                in_rec = j < n_all
                # a missing value among the alleles makes the total unknown
                complete &= ok_j | ~in_rec
                np.add(total, a_j, out=total, where=ok_j & in_rec, casting="unsafe")
            np.putmask(total, ~complete, -1)
            alt = np.empty((n_rows, s), dtype=ad.dtype)
            for a in np.unique(allele).tolist():  # this row's ALT count, one allele index at a time
                rows = np.flatnonzero(allele == a)
                alt[rows] = ad[rec[rows], :, min(a, width - 1)] if a < width else -1
            np.putmask(alt, alt <= _INT_VECTOR_END, -1)
            return ref[rec], alt, total[rec]
        if src == "AO/RO":
            ro = fmt["RO"].astype(np.int64)[rec][:, :, 0]
            ao = fmt["AO"].astype(np.int64)[rec]
            ao_ok = ao > _INT_VECTOR_END
            idx = np.minimum(allele - 1, ao.shape[2] - 1)
            alt = ao[np.arange(n_rows), :, idx]
            alt_ok = ao_ok[np.arange(n_rows), :, idx]
            ro_ok = ro > _INT_VECTOR_END
            n_alt_rows = recs.n_alt[rec]
            in_rec = np.arange(ao.shape[2])[None, :] < n_alt_rows[:, None]
            all_ok = np.all(ao_ok | ~in_rec[:, None, :], axis=2) & ro_ok
            total = np.where(all_ok, ro + np.sum(np.where(ao_ok & in_rec[:, None, :], ao, 0), 2), -1)
            return np.where(ro_ok, ro, -1), np.where(alt_ok, alt, -1), total
        # Strelka2: tier-1 counts; SNVs from <base>U, indels from TAR/TIR
        ref_b = recs.ref[rec]
        alt_b = recs.alt_rows
        snv = np.array([len(r) == 1 and len(a) == 1 and a in "ACGT"
                        for r, a in zip(ref_b, alt_b, strict=True)], dtype=bool)
        ref_c = np.full((n_rows, s), -1, dtype=np.int64)
        alt_c = ref_c.copy()
        for base in "ACGT":
            counts = fmt[f"{base}U"].astype(np.int64)[rec][:, :, 0]
            ok = counts > _INT_VECTOR_END
            is_ref = snv & (ref_b == base)
            is_alt = snv & (alt_b == base)
            ref_c = np.where(is_ref[:, None] & ok, counts, ref_c)
            alt_c = np.where(is_alt[:, None] & ok, counts, alt_c)
        tar = fmt["TAR"].astype(np.int64)[rec][:, :, 0]
        tir = fmt["TIR"].astype(np.int64)[rec][:, :, 0]
        ind = ~snv[:, None]
        ref_c = np.where(ind & (tar > _INT_VECTOR_END), tar, ref_c)
        alt_c = np.where(ind & (tir > _INT_VECTOR_END), tir, alt_c)
        total = np.where((ref_c >= 0) & (alt_c >= 0), ref_c + alt_c, -1)
        return ref_c, alt_c, total

    def _vaf(
        self, src: str, fmt: dict[str, np.ndarray], rec: np.ndarray, allele: np.ndarray,
        counts: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]], n_rows: int,
    ) -> np.ndarray:
        """Candidate VAF per call from one source (NaN where it has no value)."""
        s = self.n_samples
        if src in counts:
            _, alt, total = counts[src]
            ok = (alt >= 0) & (total > 0)
            out = np.full(alt.shape, np.nan, dtype=np.float32)
            # the float64 quotient rounded to float32: for counts below 2**24 this is also the
            # float32 quotient (double rounding is harmless at 53 >= 2*24+2 bits)
            np.divide(alt, total, out=out, where=ok, dtype=np.float64, casting="unsafe")
            return out
        if src in ("AF", "VAF") and n_rows and s:
            af = fmt[src][rec]
            idx = np.minimum(allele - 1, af.shape[2] - 1)
            res1: np.ndarray = af[np.arange(n_rows), :, idx].astype(np.float32)
            return res1
        if src == "FREQ" and n_rows and s:
            raw = fmt["FREQ"][rec][:, :, 0]
            out = np.full((n_rows, s), np.nan, dtype=np.float32)
            for (i, j), v in np.ndenumerate(raw):
                if v in (None, "", ".") or (isinstance(v, float) and np.isnan(v)):
                    continue
                try:
                    val = float(str(v).split(",")[0].rstrip("%"))
                except ValueError:
                    raise VcfFormatError(f"FORMAT/FREQ value {v!r} is not a percentage",
                                         path=self.meta.source) from None
                # VarScan writes "45.5%"; a Float-typed FREQ is already a fraction
                out[i, j] = val / 100.0 if str(v).endswith("%") else val
            return out
        return np.full((n_rows, s), np.nan, dtype=np.float32)


def _haploid(gt: np.ndarray) -> np.ndarray:
    """Calls (rows, samples) of genotypes ``gt`` (rows, samples, ploidy) with one allele
    (one entry that is not padding, -2).

    >>> _haploid(np.array([[[0, -2], [1, 0], [-1, -2]]], dtype=np.int8)).tolist()
    [[True, False, True]]
    """
    present = gt >= -1
    count = present[:, :, 0].astype(np.int8)
    for q in range(1, gt.shape[2]):  # (a sum over the short last axis is far slower)
        count += present[:, :, q]
    out: np.ndarray = count == 1
    return out


def _allele_numbers(n_alt: np.ndarray) -> np.ndarray:
    """[2, 1, 3] -> [1, 2, 1, 1, 2, 3]."""
    if len(n_alt) == 0:
        return np.zeros(0, dtype=np.int64)
    starts = np.repeat(np.cumsum(n_alt) - n_alt, n_alt)
    res2: np.ndarray = np.arange(int(n_alt.sum())) - starts + 1
    return res2


def _split_values(
    values: list[Any], d: FieldDef, rec: np.ndarray, allele: np.ndarray, n_alt: np.ndarray,
    *, per_sample: bool, path: str | None,
) -> np.ndarray:
    """Per-record INFO values (scalars/tuples/None) -> per-allele-row column."""
    dtype = _field_dtype(d)
    miss = _missing(dtype)
    n_rows = len(rec)
    number = d.number
    if d.type == "Flag":
        flags = np.array([bool(v) for v in values], dtype=bool)
        return flags[rec] if len(values) else np.zeros(0, dtype=bool)
    as_tuples = [_as_tuple(v, d) for v in values]
    if number in ("1",):
        col = np.array([t[0] if t else miss for t in as_tuples], dtype=dtype) if values else \
            np.zeros(0, dtype)
        res3: np.ndarray = col[rec]
        return res3
    if number == "A":
        out = np.full(n_rows, miss, dtype=dtype)
        for i, (r, a) in enumerate(zip(rec, allele, strict=True)):
            t = as_tuples[r]
            if t is not None and len(t) >= a:
                out[i] = t[a - 1]
        return out
    if number == "R":
        out = np.full((n_rows, 2), miss, dtype=dtype)
        for i, (r, a) in enumerate(zip(rec, allele, strict=True)):
            t = as_tuples[r]
            if t is not None:
                if len(t) >= 1:
                    out[i, 0] = t[0]
                if len(t) > a:
                    out[i, 1] = t[a]
        return out
    if number == "G":
        het, hom = _g_indices(allele)
        out = np.full((n_rows, 3), miss, dtype=dtype)
        for i, r in enumerate(rec):
            t = as_tuples[r]
            if t is None:
                continue
            for j, gi in enumerate((0, het[i], hom[i])):
                if gi < len(t):
                    out[i, j] = t[gi]
        return out
    if number.isdigit():
        width = int(number)
        out = np.full((n_rows, width), miss, dtype=dtype)
        for i, r in enumerate(rec):
            t = as_tuples[r]
            if t is not None:
                k = min(width, len(t))
                out[i, :k] = t[:k]
        return out
    # Number=. : variable length, kept whole as a tuple per row
    obj = np.empty(n_rows, dtype=object)
    for i, r in enumerate(rec):
        obj[i] = as_tuples[r]
    return obj


def _as_tuple(v: Any, d: FieldDef) -> tuple[Any, ...] | None:
    """Normalise a backend INFO value to a tuple (strings split on ',' unless Number=1)."""
    if v is None:
        return None
    if isinstance(v, (tuple, list)):
        vals = tuple(v)
    elif isinstance(v, str) and d.number != "1":
        vals = tuple(v.split(","))
    else:
        vals = (v,)
    if d.type in ("String", "Character"):
        return tuple(None if x in (None, ".") else str(x) for x in vals)
    if d.type == "Integer":
        return tuple(INT_MISSING if x is None or x == "." else int(x) for x in vals)
    if d.type == "Float":
        return tuple(np.nan if x is None or x == "." else float(x) for x in vals)
    return vals


def _split_format(
    arr: np.ndarray, d: FieldDef, rec: np.ndarray, allele: np.ndarray,
    haploid: np.ndarray | Callable[[], np.ndarray],
) -> np.ndarray:
    """(n_rec, s, k) FORMAT values -> per-allele-row (rows, s[, k']) by Number.

    ``haploid`` (rows, s) is read for Number=G only (a callable giving it is called then).
    """
    if d.number == "1":  # the first value of each call, taken before anything is copied
        first: np.ndarray = arr[:, :, 0][rec]
        if first.dtype == np.int32:
            np.putmask(first, first == _INT_VECTOR_END, INT_MISSING)
        return first
    rows = arr[rec]
    n_rows = len(rec)
    r = np.arange(n_rows)
    dtype = arr.dtype
    if dtype == np.int32:
        rows = np.where(rows == _INT_VECTOR_END, INT_MISSING, rows)
    if d.number == "A":
        idx = np.minimum(allele - 1, rows.shape[2] - 1)
        res5: np.ndarray = rows[r, :, idx]
        return res5
    if d.number == "R":
        idx = np.minimum(allele, rows.shape[2] - 1)
        return np.stack([rows[:, :, 0], rows[r, :, idx]], axis=-1)
    if d.number == "G":
        # diploid order is 0/0, 0/1, 1/1, 0/2, 1/2, 2/2...; a haploid call lists 0, 1, 2...
        het, hom = _g_indices(allele)
        width = rows.shape[2]
        miss = _missing(dtype)
        cols = [rows[:, :, 0]]
        for gi in (het, hom):
            take = np.minimum(gi, width - 1)
            vals = rows[r, :, take]
            cols.append(np.where((gi < width)[:, None], vals, miss))
        hap = rows[r, :, np.minimum(allele, width - 1)]
        hap = np.where((allele < width)[:, None], hap, miss)
        if callable(haploid):
            haploid = haploid()
        cols[1] = np.where(haploid, hap, cols[1])
        cols[2] = np.where(haploid, miss, cols[2])
        return np.stack(cols, axis=-1)
    res6: np.ndarray = rows
    return res6
