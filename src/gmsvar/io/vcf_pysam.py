"""pysam backend: same contract as the cyvcf2 backend, values encoded identically."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

import numpy as np

from ..table import INT_MISSING
from .buffer import RecordBuffer

__all__ = ["open_pysam", "records_pysam"]

_VECTOR_END = INT_MISSING + 1


def open_pysam(path: str, samples: list[str] | None) -> Any:
    import pysam

    vf = pysam.VariantFile(path)
    if samples is not None:
        vf.subset_samples(samples)
    return vf


def header_text_pysam(vf: Any) -> str:
    return str(vf.header)


def _encode(values: list[Any], typ: str) -> np.ndarray:
    """Per-sample values (scalar/tuple/None) -> (s, k) array encoded like cyvcf2."""
    tuples = [v if isinstance(v, tuple) else (v,) for v in values]
    width = max((len(t) for t in tuples), default=1) or 1
    if typ == "Integer":
        out = np.full((len(values), width), _VECTOR_END, dtype=np.int32)
        for i, t in enumerate(tuples):
            for j, x in enumerate(t):
                out[i, j] = INT_MISSING if x is None else x
        return out
    if typ == "Float":
        fout = np.full((len(values), width), np.nan, dtype=np.float32)
        for i, t in enumerate(tuples):
            for j, x in enumerate(t):
                if x is not None:
                    fout[i, j] = x
        return fout
    oout = np.empty((len(values), 1), dtype=object)
    for i, t in enumerate(tuples):
        parts = [x for x in t if x not in (None, ".", "")]
        oout[i, 0] = ",".join(str(x) for x in t) if parts else None
    return oout


def _info_text(rec: Any, key: str) -> str | None:
    """Raw INFO value of ``key`` from the record's text (``None`` when absent)."""
    for item in str(rec).split("\t", 8)[7].split(";"):
        name, _, value = item.partition("=")
        if name == key:
            return value or None
    return None


def _info_end(rec: Any) -> int | None:
    v = _info_text(rec, "END")
    return None if v is None else int(v)


def records_pysam(records: Iterable[Any], buf: RecordBuffer, n_samples: int) -> Iterator[int]:
    info_keys = buf.info_fields + buf.annotation_ids
    ann_keys = set(buf.annotation_ids)
    raw_keys = {k for k in buf.info_fields if buf.meta.info[k].number == "G"}
    fmt_keys = list(buf.fmt)
    fmt_types = {k: (buf.meta.format[k].type if k in buf.meta.format else "Integer")
                 for k in fmt_keys}
    no_gt = np.zeros((n_samples, 0), dtype=np.int16)
    no_phase = np.zeros(n_samples, dtype=bool)
    for rec in records:
        info_obj = rec.info
        info: dict[str, Any] = {}
        for k in info_keys:
            if k == "END":
                # pysam folds INFO/END into rec.stop and hides it from rec.info; read it from
                # the record text so "END present" and "END absent" stay distinguishable.
                info[k] = _info_end(rec)
                continue
            # pysam refuses INFO Number=G values; take those from the record text
            v = _info_text(rec, k) if k in raw_keys else info_obj.get(k)
            if isinstance(v, tuple) and all(x is None for x in v):
                v = None
            if k in ann_keys and isinstance(v, tuple):
                v = ",".join("" if x is None else str(x) for x in v)  # raw string, as cyvcf2
            info[k] = v
        present = set(rec.format.keys()) if n_samples else set()
        samples = list(rec.samples.values()) if n_samples else []
        if "GT" in present:
            gts = [s.get("GT") or () for s in samples]
            ploidy = max((len(g) for g in gts), default=0)
            gt = np.full((n_samples, ploidy), -2, dtype=np.int16)
            for i, g in enumerate(gts):
                for j, a in enumerate(g):
                    gt[i, j] = -1 if a is None else a
            phased = np.array([s.phased for s in samples], dtype=bool)
        else:
            gt, phased = no_gt, no_phase
        fmt: dict[str, np.ndarray | None] = {}
        for k in fmt_keys:
            fmt[k] = _encode([s.get(k) for s in samples], fmt_types[k]) if k in present else None
        filters = tuple(rec.filter.keys())
        buf.add(
            rec.chrom, rec.pos, rec.id, rec.ref, tuple(rec.alts or ()),
            np.nan if rec.qual is None else rec.qual,
            filters if filters else None,
            info, gt, phased, fmt,
        )
        yield 1
