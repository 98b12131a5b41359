"""cyvcf2 backend: the per-record loop that feeds :class:`~gmsvar.io.buffer.RecordBuffer`."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

import numpy as np

from .buffer import RecordBuffer

__all__ = ["open_cyvcf2", "records_cyvcf2"]


def open_cyvcf2(path: str, samples: list[str] | None) -> Any:
    """Open with strict genotypes (``0/.`` is not hom-ref) and optional sample subset."""
    import cyvcf2

    vcf = cyvcf2.VCF(path, strict_gt=True)
    if samples is not None:
        vcf.set_samples(samples)
    return vcf


def header_text_cyvcf2(vcf: Any) -> str:
    return str(vcf.raw_header)


def _fmt_array(arr: np.ndarray) -> np.ndarray:
    if arr.dtype.kind in "SU":
        out = np.empty(arr.shape, dtype=object)
        for idx, v in np.ndenumerate(arr):
            s = v.decode() if isinstance(v, bytes) else str(v)
            out[idx] = None if s in ("", ".") else s
        return out
    return arr


def records_cyvcf2(records: Iterable[Any], buf: RecordBuffer, n_samples: int) -> Iterator[int]:
    """Feed records to ``buf``; yields after each record so the caller can chunk."""
    info_keys = buf.info_fields + buf.annotation_ids
    fmt_keys = list(buf.fmt)
    no_gt = np.zeros((n_samples, 0), dtype=np.int16)
    no_phase = np.zeros(n_samples, dtype=bool)
    for rec in records:
        # cyvcf2 hands out records htslib failed to parse (REF unset); touching REF or the
        # genotypes then crashes the interpreter. A parsed record always spans >= 1 base.
        if rec.end <= rec.start:
            raise ValueError("htslib could not parse POS/REF of this record")
        fields = rec.FORMAT if n_samples else []
        if "" in fields:
            raise ValueError("empty FORMAT key (e.g. 'GT::GL')")
        qual = rec.QUAL
        filters = rec.FILTERS
        info_get = rec.INFO.get
        info = {k: info_get(k) for k in info_keys}
        present = set(fields)
        if "GT" in present:
            g = rec.genotype.array()
            gt, phased = g[:, :-1], g[:, -1].astype(bool)
        else:
            gt, phased = no_gt, no_phase
        fmt = {k: (_fmt_array(rec.format(k)) if k in present else None) for k in fmt_keys}
        buf.add(
            rec.CHROM, rec.POS, rec.ID, rec.REF, tuple(rec.ALT),
            np.nan if qual is None else qual,
            tuple(filters) if filters else None,
            info, gt, phased, fmt,
        )
        yield 1
