"""Backend-neutral record buffer: per-record values in, split allele-row columns out.

Backends (cyvcf2, pysam) do the only per-record Python loop: they call
:meth:`RecordBuffer.add` with plain values. :meth:`RecordBuffer.build` then
splits multiallelic records into one row per ALT allele with numpy, exactly as
``bcftools norm -m-any`` does:

* ``Number=A`` fields keep this ALT's value; ``Number=R`` keep (REF, this ALT);
  ``Number=G`` keep the genotypes made of REF and this ALT;
* genotypes are recoded per allele: this ALT becomes 1, REF *and every other
  ALT* become 0 (``1/2`` -> ``1/0`` on the first row, ``0/1`` on the second);
  missing stays -1 and ploidy padding -2.

VAF is computed before splitting, so a ``1/2`` call's VAF for allele 1 is
``AD[1] / sum(AD)`` over all alleles.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..errors import VcfFormatError
from ..table import INT_MISSING, FieldDef, VariantTable, VcfMetadata

__all__ = ["FormatPlan", "RecordBuffer", "plan_depth_vaf"]

_INT_VECTOR_END = INT_MISSING + 1


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


def _field_dtype(d: FieldDef) -> np.dtype[Any]:
    return {
        "Integer": np.dtype(np.int32), "Float": np.dtype(np.float32), "Flag": np.dtype(bool),
    }.get(d.type, np.dtype(object))


def _missing(dtype: np.dtype[Any]) -> Any:
    if dtype == np.int32:
        return INT_MISSING
    if dtype.kind == "f":
        return np.nan
    if dtype.kind == "b":
        return False
    return None


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

    def __len__(self) -> int:
        return len(self.pos)

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
        n_rec = len(self.pos)
        n_alt = np.array([max(len(a), 1) for a in self.alts], dtype=np.int64)
        rec = np.repeat(np.arange(n_rec), n_alt)
        allele = _allele_numbers(n_alt)
        n_rows = len(rec)
        s = self.n_samples

        alts_obj = np.empty(n_rec, dtype=object)
        alts_obj[:] = self.alts
        alt_rows = np.array(
            [a[i - 1] if a else "." for a, i in zip(alts_obj[rec], allele, strict=True)],
            dtype=object,
        )
        contig_labels, contig_codes = self._contig_codes()
        cols: dict[str, np.ndarray] = {
            "variant_contig": contig_codes[rec],
            "variant_position": np.asarray(self.pos, dtype=np.int64)[rec],
            "variant_id": np.asarray(self.ids, dtype=object)[rec] if n_rec else np.zeros(0, object),
            "variant_ref": np.asarray(self.ref, dtype=object)[rec] if n_rec else np.zeros(0, object),
            "variant_alt": alt_rows,
            "variant_allele_index": allele.astype(np.int16),
            "variant_n_alleles": (n_alt + 1)[rec].astype(np.int16),
            "variant_qual": np.asarray(self.qual, dtype=np.float32)[rec],
        }
        filt_labels, filt_matrix, filt_missing = self._filters()
        cols["variant_filter"] = filt_matrix[rec]
        pass_col = filt_labels.index("PASS")
        cols["variant_filter_pass"] = filt_matrix[rec, pass_col] & (filt_matrix[rec].sum(axis=1) == 1)
        cols["variant_filter_missing"] = filt_missing[rec]

        for k in self.info_fields:
            d = self.meta.info[k]
            cols[f"variant_info_{k}"] = _split_values(
                self.info[k], d, rec, allele, n_alt, per_sample=False, path=self.meta.source
            )

        # genotypes
        gt, phased = self._genotypes(n_rec)
        gt_rows = gt[rec]
        a3 = allele[:, None, None].astype(gt.dtype)
        cols["call_genotype"] = np.where(gt_rows == a3, 1, np.where(gt_rows < 0, gt_rows, 0)).astype(
            np.int8
        )
        cols["call_genotype_phased"] = phased[rec]

        # standard call columns
        fmt_arrays = {
            k: self._format_matrix(k, v, n_rec) for k, v in self.fmt.items()
        }
        counts = {src: self._allele_depths(src, fmt_arrays, rec, allele, n_rows)
                  for src in self.plan.allele_depth}
        ad_ref = np.full((n_rows, s), -1, dtype=np.int64)
        ad_alt, ad_total = ad_ref.copy(), ad_ref.copy()
        for r_, a_, t_ in counts.values():
            # first source with this ALT's count wins; a REF-only value still fills a gap
            take = (ad_alt < 0) & ((a_ >= 0) | ((ad_ref < 0) & (r_ >= 0)))
            ad_ref = np.where(take, r_, ad_ref)
            ad_alt = np.where(take, a_, ad_alt)
            ad_total = np.where(take, t_, ad_total)
        cols["call_allele_depth"] = np.stack([ad_ref, ad_alt], axis=-1).astype(np.int32)
        if self.plan.depth:
            dp = fmt_arrays[self.plan.depth][:, :, 0][rec]
            dp = np.where(dp <= _INT_VECTOR_END, -1, dp)
            cols["call_depth"] = np.where(dp >= 0, dp, ad_total).astype(np.int32)
        else:
            cols["call_depth"] = ad_total.astype(np.int32)
        if self.plan.gq:
            gq = fmt_arrays[self.plan.gq][:, :, 0][rec]
            if gq.dtype.kind == "f":
                cols["call_genotype_quality"] = np.where(np.isnan(gq), -1, np.floor(gq)).astype(
                    np.int32)
            else:
                cols["call_genotype_quality"] = np.where(gq <= _INT_VECTOR_END, -1, gq).astype(
                    np.int32)
        else:
            cols["call_genotype_quality"] = np.full((n_rows, s), -1, dtype=np.int32)
        vaf = np.full((n_rows, s), np.nan, dtype=np.float32)
        vaf_code = np.full((n_rows, s), -1, dtype=np.int8)
        for code, src in enumerate(self.plan.vaf):
            cand = self._vaf(src, fmt_arrays, rec, allele, counts, n_rows)
            take = np.isnan(vaf) & ~np.isnan(cand)
            vaf = np.where(take, cand, vaf)
            vaf_code = np.where(take, code, vaf_code).astype(np.int8)
        cols["call_vaf"] = vaf
        cols["call_vaf_source"] = vaf_code

        haploid = (gt_rows >= -1).sum(axis=2) == 1
        for k in self.format_fields:
            d = self.meta.format[k]
            cols[f"call_format_{k}"] = _split_format(fmt_arrays[k], d, rec, allele, haploid)

        cols["sample_id"] = np.asarray(self.meta.samples, dtype=object)
        extras: dict[str, np.ndarray] = {"site_alts": alts_obj[rec] if n_rec else alts_obj}
        for k in self.annotation_ids:
            raw = np.asarray(self.raw_ann[k], dtype=object) if n_rec else np.zeros(0, object)
            extras[f"raw:{k}"] = raw[rec] if n_rec else raw
        cats = {"variant_contig": contig_labels, "variant_filter": np.array(filt_labels, object),
                "call_vaf_source": np.array(list(self.plan.vaf), dtype=object)}
        return VariantTable(cols, self.meta, cats), extras

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
        n_rows: int,
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
            ad = fmt["AD"].astype(np.int64)[rec]                      # (rows, s, k)
            valid = ad > _INT_VECTOR_END
            # a missing value among the alleles makes the total unknown
            n_all = _n_alleles_rows(self.alts, rec)
            width = ad.shape[2]
            in_record = np.arange(width)[None, :] < n_all[:, None]    # (rows, k)
            complete = np.all(valid | ~in_record[:, None, :], axis=2) & valid[:, :, 0]
            total = np.where(complete, np.sum(np.where(valid & in_record[:, None, :], ad, 0), 2), -1)
            idx = np.minimum(allele, width - 1)
            alt = ad[np.arange(n_rows), :, idx]
            alt_ok = valid[np.arange(n_rows), :, idx] & (allele < width)[:, None]
            ref = np.where(valid[:, :, 0], ad[:, :, 0], -1)
            return ref, np.where(alt_ok, alt, -1), total
        if src == "AO/RO":
            ro = fmt["RO"].astype(np.int64)[rec][:, :, 0]
            ao = fmt["AO"].astype(np.int64)[rec]
            ao_ok = ao > _INT_VECTOR_END
            idx = np.minimum(allele - 1, ao.shape[2] - 1)
            alt = ao[np.arange(n_rows), :, idx]
            alt_ok = ao_ok[np.arange(n_rows), :, idx]
            ro_ok = ro > _INT_VECTOR_END
            n_alt_rows = _n_alleles_rows(self.alts, rec) - 1
            in_rec = np.arange(ao.shape[2])[None, :] < n_alt_rows[:, None]
            all_ok = np.all(ao_ok | ~in_rec[:, None, :], axis=2) & ro_ok
            total = np.where(all_ok, ro + np.sum(np.where(ao_ok & in_rec[:, None, :], ao, 0), 2), -1)
            return np.where(ro_ok, ro, -1), np.where(alt_ok, alt, -1), total
        # Strelka2: tier-1 counts; SNVs from <base>U, indels from TAR/TIR
        ref_b = np.asarray(self.ref, dtype=object)[rec]
        alt_b = np.array([self.alts[r][a - 1] if self.alts[r] else "."
                          for r, a in zip(rec, allele, strict=True)], dtype=object)
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
            with np.errstate(divide="ignore", invalid="ignore"):
                return np.where((alt >= 0) & (total > 0), alt / np.maximum(total, 1),
                                np.nan).astype(np.float32)
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


def _allele_numbers(n_alt: np.ndarray) -> np.ndarray:
    """[2, 1, 3] -> [1, 2, 1, 1, 2, 3]."""
    if len(n_alt) == 0:
        return np.zeros(0, dtype=np.int64)
    starts = np.repeat(np.cumsum(n_alt) - n_alt, n_alt)
    res2: np.ndarray = np.arange(int(n_alt.sum())) - starts + 1
    return res2


def _n_alleles_rows(alts: list[tuple[str, ...]], rec: np.ndarray) -> np.ndarray:
    n = np.array([len(a) + 1 for a in alts], dtype=np.int64)
    return n[rec] if len(n) else np.zeros(0, dtype=np.int64)


def _g_indices(allele: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Genotype-likelihood indices of (0/a) and (a/a) for diploid calls (VCF ordering)."""
    het = allele * (allele + 1) // 2
    return het, het + allele


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
    arr: np.ndarray, d: FieldDef, rec: np.ndarray, allele: np.ndarray, haploid: np.ndarray
) -> np.ndarray:
    """(n_rec, s, k) FORMAT values -> per-allele-row (rows, s[, k']) by Number."""
    rows = arr[rec]
    n_rows = len(rec)
    r = np.arange(n_rows)
    dtype = arr.dtype
    if dtype == np.int32:
        rows = np.where(rows == _INT_VECTOR_END, INT_MISSING, rows)
    if d.number == "1":
        res4: np.ndarray = rows[:, :, 0]
        return res4
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
        cols[1] = np.where(haploid, hap, cols[1])
        cols[2] = np.where(haploid, miss, cols[2])
        return np.stack(cols, axis=-1)
    res6: np.ndarray = rows
    return res6
