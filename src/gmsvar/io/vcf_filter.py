"""VCF in, VCF out: keep the records a bcftools-style expression selects (``gmsvar filter``).

The expression is evaluated by :func:`gmsvar.filter_expr` on the allele-split table
(one row per ALT). A record is kept when **any** of its ALT rows passes, as
``bcftools view -i`` does for per-allele (``Number=A``) values; with ``exclude`` a
record is dropped when any of its rows matches (the rows passing ``-e`` are those
for which the expression is false, and a record is kept only if all of them are).
Records are copied unchanged from the input with pysam, so the output is
byte-for-byte the input's records; a ``##gmsvar_filter`` header line records the
command and version. Outputs ending in ``.gz`` are bgzipped and tabix-indexed.
The output is written atomically (temporary file, then rename).

Examples
--------
>>> import gmsvar, tempfile, os, pysam
>>> out = os.path.join(tempfile.mkdtemp(), "kept.vcf.gz")
>>> filter_vcf(gmsvar.example_path("trio_grch37.vcf.gz"), out, include="QUAL>=1000")
(200, 77)
>>> sum(1 for _ in pysam.VariantFile(out))
77
"""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
import time
from typing import TYPE_CHECKING, Literal

import numpy as np

from ..errors import InputError, VcfFormatError

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["bench_filter", "filter_vcf", "record_mask"]


def record_mask(allele_index: np.ndarray, row_mask: np.ndarray, *, exclude: bool = False) -> np.ndarray:
    """Per-record keep mask from per-ALT-row results.

    ``allele_index`` is ``variant_allele_index`` of an unfiltered read (1 starts a
    record). With ``exclude=False`` a record is kept if any row passes; with
    ``exclude=True`` ``row_mask`` holds the rows the ``-e`` expression *matches* and a
    record is kept only when none of its rows match.

    >>> record_mask(np.array([1, 1, 2, 1]), np.array([False, False, True, False]))
    array([False,  True, False])
    >>> record_mask(np.array([1, 1, 2]), np.array([False, True, False]), exclude=True)
    array([ True, False])
    """
    starts = np.asarray(allele_index) == 1
    rec = np.cumsum(starts) - 1
    n_rec = int(starts.sum())
    hit = np.zeros(n_rec, dtype=bool)
    np.logical_or.at(hit, rec, np.asarray(row_mask, dtype=bool))
    return ~hit if exclude else hit


def _needed_fields(path: str, expr: str) -> dict[str, list[str]]:
    """``info=``/``format=`` arguments reading just what ``expr`` needs (as read_vcf(include=) does)."""
    from ..filters import required_columns
    from ..table import VcfMetadata
    from .header import parse_header
    from .vcf_pysam import header_text_pysam, open_pysam

    vf = open_pysam(path, None)
    try:
        header = parse_header(header_text_pysam(vf), path=path)
    finally:
        vf.close()
    needed = required_columns(expr, VcfMetadata(info=header.info, format=header.format))
    info = sorted(n[5:] for n in needed if n.startswith("INFO/") and n[5:] in header.info)
    fmt = sorted(n[7:] for n in needed if n.startswith("FORMAT/") and n[7:] != "GT"
                 and n[7:] in header.format)
    return {"info": info, "format": fmt}


def filter_vcf(
    path: str | os.PathLike[str],
    out: str | os.PathLike[str] | None,
    *,
    include: str | None = None,
    exclude: str | None = None,
    regions: object = None,
    backend: Literal["cyvcf2", "pysam", "fast"] = "cyvcf2",
) -> tuple[int, int]:
    """Copy the records of ``path`` that pass ``include`` (or fail ``exclude``) to ``out``.

    Parameters
    ----------
    path
        Input VCF/BCF.
    out
        Output ``.vcf`` or ``.vcf.gz`` (bgzip + ``.tbi``); ``None`` writes VCF text to stdout.
    include, exclude
        Exactly one bcftools-style expression (see :mod:`gmsvar.filters.expr`).
    regions
        Not supported (records are matched to table rows by file order): filter the
        region first with ``bcftools view -r`` or use :func:`gmsvar.read_vcf`.

    Returns
    -------
    (records read, records written)
    """
    import pysam

    from ..filters import filter_expr
    from . import read_vcf

    if (include is None) == (exclude is None):
        raise InputError("give exactly one of include= or exclude=")
    if regions:
        raise InputError("gmsvar filter does not take --regions; restrict with "
                         "`bcftools view -r` first, or use gmsvar.read_vcf(regions=...)")
    src = os.fspath(path)
    expr = include if include is not None else exclude
    assert expr is not None
    fields = _needed_fields(src, expr)
    table = read_vcf(src, backend=backend, info=fields["info"], format=fields["format"])
    rows = filter_expr(table, expr)
    keep = record_mask(np.asarray(table["variant_allele_index"]), rows, exclude=exclude is not None)
    from .. import __version__

    vin = pysam.VariantFile(src)
    header = vin.header.copy()
    flag = "-i" if include is not None else "-e"
    header.add_line(f'##gmsvar_filter=<Version="{__version__}",Command="gmsvar filter {flag} '
                    f'{expr.replace(chr(34), chr(39))}">')
    target = None if out is None else os.fspath(out)
    compressed = target is not None and target.endswith((".gz", ".bgz"))
    tmp = None
    if target is None:
        vout = pysam.VariantFile("-", "w", header=header)
    else:
        fd, tmp = tempfile.mkstemp(dir=os.path.dirname(os.path.abspath(target)) or ".",
                                   prefix=".gmsvar-", suffix=".vcf.gz" if compressed else ".vcf")
        os.close(fd)
        vout = pysam.VariantFile(tmp, "wz" if compressed else "w", header=header)
    n_in = n_out = 0
    try:
        with vin, vout:
            for rec in vin:
                if n_in >= len(keep):
                    raise VcfFormatError(f"{src}: more records than the reader saw ({len(keep)}); "
                                         "the file changed while being read?")
                if keep[n_in]:
                    vout.write(rec)
                    n_out += 1
                n_in += 1
        if n_in != len(keep):
            raise VcfFormatError(f"{src}: pysam saw {n_in} records, the reader {len(keep)}")
        if tmp is not None and target is not None:
            if compressed:
                pysam.tabix_index(tmp, preset="vcf", force=True)
                os.replace(tmp + ".tbi", target + ".tbi")
            os.replace(tmp, target)
            tmp = None
    finally:
        if tmp is not None:
            for p in (tmp, tmp + ".tbi"):
                with contextlib.suppress(FileNotFoundError):
                    os.remove(p)
    if target is None:
        sys.stdout.flush()
    return n_in, n_out


def bench_filter(path: str | os.PathLike[str], include: str, *, repeat: int = 1) -> pd.DataFrame:
    """Time gmsvar read+filter, ``bcftools view -i`` (pysam's bundled bcftools) and a naive
    cyvcf2 loop (iteration only, no expression) on the same file, in this process.

    gmsvar is timed with the default (cyvcf2) and the ``fast`` backend, after one
    untimed warm-up read (imports). Returns a DataFrame: tool, seconds (best of
    ``repeat``), kept (gmsvar: allele rows; bcftools: records), records/s. The
    committed, whole-process benchmarks are in ``benchmarks/`` (``make bench``).
    """
    import cyvcf2
    import pandas as pd
    import pysam
    import pysam.bcftools

    from . import read_vcf

    src = os.fspath(path)

    def best(fn: object) -> tuple[float, int]:
        times, kept = [], 0
        for _ in range(max(1, repeat)):
            t0 = time.perf_counter()
            kept = fn()  # type: ignore[operator]
            times.append(time.perf_counter() - t0)
        return min(times), kept

    def gms() -> int:
        return len(read_vcf(src, include=include))

    def gms_fast() -> int:
        return len(read_vcf(src, include=include, backend="fast"))

    def bcf() -> int:
        text = pysam.bcftools.view("-H", "-i", include, src)
        return text.count("\n")

    def naive() -> int:
        n = 0
        for _ in cyvcf2.VCF(src):
            n += 1
        return n

    n_rec = naive()
    gms_fast()  # warm-up: the first read imports the reader modules
    rows = []
    for tool, fn in (("gmsvar read_vcf(include=)", gms),
                     ("gmsvar read_vcf(include=, backend='fast')", gms_fast),
                     ("bcftools view -i", bcf), ("cyvcf2 loop (no filter)", naive)):
        secs, kept = best(fn)
        rows.append({"tool": tool, "seconds": round(secs, 4), "kept": kept,
                     "records_per_s": round(n_rec / secs) if secs > 0 else float("nan")})
    return pd.DataFrame(rows)
