"""Is a site assessed in a sample? Variant calls, gVCF reference blocks, declared callable regions.

A variant-only VCF says nothing about sites it does not list: absence is *not*
evidence of the reference allele. :func:`assess_sites` therefore reports, per
(site, sample), one of

``carrier``
    the sample carries the site's ALT (``zygosity`` het/hom/hemi);
``other_allele``
    the sample carries a different ALT at the site;
``reference``
    there is positive evidence of the reference: a called non-carrier genotype on
    a record at the site, a gVCF reference block (``<NON_REF>``/``<*>``/``.`` ALT with
    ``END``) covering the whole site, or a caller-declared callable region;
``not_assessed``
    none of the above (absent from a variant-only VCF, a no-call ``./.``, or a
    reference call below ``min_gq``), with the reason.

Examples
--------
>>> import numpy as np
>>> from gmsvar.table import VariantTable, VcfMetadata
>>> from gmsvar.actionable.coverage import assess_sites
>>> t = VariantTable(
...     {"variant_contig": np.array([0, 0], dtype=np.int32), "variant_position": np.array([100, 150]),
...      "variant_ref": np.array(["C", "A"], dtype=object),
...      "variant_alt": np.array(["T", "<NON_REF>"], dtype=object),
...      "variant_info_END": np.array([-2147483648, 300], dtype=np.int32),
...      "call_genotype": np.array([[[0, 1]], [[0, 0]]], dtype=np.int8)},
...     meta=VcfMetadata(samples=("S1",)), categories={"variant_contig": ["chr1"]})
>>> r = assess_sites(t, [("1", 100, "C", "T"), ("1", 200, "G", "A"), ("1", 400, "G", "A")])
>>> r[["site", "status", "zygosity"]].values.tolist()
[[0, 'carrier', 'het'], [1, 'reference', ''], [2, 'not_assessed', '']]
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

from ..errors import InputError
from ..regions import Interval, parse_region, strip_chr
from ..table import INT_MISSING, VariantTable
from ._common import canonical_contigs, contig_labels, zygosity_labels

__all__ = ["REF_BLOCK_ALTS", "assess_sites", "read_callable_regions"]

#: ALT alleles that mark gVCF reference blocks / reference-only records.
REF_BLOCK_ALTS = ("<NON_REF>", "<*>", ".", "<X>")

CallableRegions = str | os.PathLike[str] | Iterable[str | Interval | tuple[str, int, int]]


def read_callable_regions(regions: CallableRegions | None) -> list[Interval]:
    """Callable regions as 1-based closed intervals with canonical (``chr``-less) contigs.

    A path is read as BED (0-based half-open: ``chr1 99 100`` covers position 100);
    otherwise an iterable of ``"chr1:100-200"`` strings, :class:`~gmsvar.regions.Interval`
    or ``(contig, start, end)`` 1-based tuples.

    >>> read_callable_regions(["chr1:100-200", ("2", 5, 9)])
    [Interval(contig='1', start=100, end=200), Interval(contig='2', start=5, end=9)]
    """
    if regions is None:
        return []
    out: list[Interval] = []
    if isinstance(regions, str | os.PathLike) and os.path.exists(os.fspath(regions)):
        path = os.fspath(regions)
        import gzip

        opener = gzip.open if path.endswith(".gz") else open
        with opener(path, "rt") as fh:
            for n, line in enumerate(fh, 1):
                if not line.strip() or line.startswith(("#", "track", "browser")):
                    continue
                f = line.split("\t")
                if len(f) < 3:
                    raise InputError(f"{path}:{n}: a BED line needs chrom, start, end; got {line.strip()!r}")
                out.append(Interval(strip_chr(f[0]), int(f[1]) + 1, int(f[2])))
        return out
    if isinstance(regions, str | os.PathLike):
        raise InputError(
            f"callable_regions {os.fspath(regions)!r} is neither a BED file nor a list of regions"
        )
    for r in regions:
        if isinstance(r, str):
            iv = parse_region(r)
        elif isinstance(r, Interval):
            iv = r
        else:
            c, s, e = r
            iv = Interval(str(c), int(s), int(e))
        out.append(Interval(strip_chr(iv.contig), iv.start, iv.end))
    return out


def _minimal(pos: int, ref: str, alt: str) -> tuple[int, str, str]:
    while len(ref) > 1 and len(alt) > 1 and ref[-1] == alt[-1]:
        ref, alt = ref[:-1], alt[:-1]
    while len(ref) > 1 and len(alt) > 1 and ref[0] == alt[0]:
        pos, ref, alt = pos + 1, ref[1:], alt[1:]
    return pos, ref.upper(), alt.upper()


def assess_sites(
    table: VariantTable,
    sites: Sequence[tuple[str, int, str, str]],
    *,
    callable_regions: CallableRegions | None = None,
    min_gq: int | None = None,
) -> pd.DataFrame:
    """Status of each ``(contig, pos, ref, alt)`` site in each sample of ``table``.

    Parameters
    ----------
    table
        The sample's (or family's) variant table; contig names are compared without ``chr``.
    sites
        VCF-style alleles on the table's build (``("1", 97450058, "C", "T")``).
    callable_regions
        Regions the caller declares were sequenced and callable (BED path or
        intervals); a site inside one with no record counts as reference.
    min_gq
        Reference evidence (hom-ref call or gVCF block) with FORMAT/GQ below this is
        not accepted (GQ missing is accepted and noted in ``reason``).

    Returns
    -------
    DataFrame, one row per (site, sample): ``site`` (index into ``sites``),
    ``sample``, ``status``, ``zygosity``, ``genotype``, ``reason``, ``variant_index``
    (-1 when no record was used), ``gq``, ``depth``.
    """
    n, s = len(table), table.n_samples
    canon = canonical_contigs(contig_labels(table)) if n else np.zeros(0, dtype=object)
    pos = np.asarray(table["variant_position"], dtype=np.int64) if n else np.zeros(0, dtype=np.int64)
    refs = np.asarray(table["variant_ref"], dtype=object) if n else np.zeros(0, dtype=object)
    alts = np.asarray(table["variant_alt"], dtype=object) if n else np.zeros(0, dtype=object)
    ref_len = np.fromiter((len(str(r)) for r in refs), dtype=np.int64, count=n)
    end = pos + ref_len - 1
    if "variant_info_END" in table:
        e = np.asarray(table["variant_info_END"], dtype=np.int64)
        end = np.where((e != INT_MISSING) & (e >= pos), e, end)
    is_block = np.isin(alts.astype(str), REF_BLOCK_ALTS)
    zyg, non_ref, gts = zygosity_labels(table)
    called = np.zeros((n, s), dtype=bool)
    if n and "call_genotype" in table:
        gt = table["call_genotype"]
        called = np.all((gt >= 0) | (gt == -2), axis=2) & np.any(gt >= 0, axis=2)
    gq = np.asarray(table["call_genotype_quality"], dtype=np.int64) if "call_genotype_quality" in table \
        else np.full((n, s), -1, dtype=np.int64)
    dp = np.asarray(table["call_depth"], dtype=np.int64) if "call_depth" in table else np.full((n, s), -1)
    regions = read_callable_regions(callable_regions)
    rows: list[dict[str, object]] = []
    for k, (c0, p0, r0, a0) in enumerate(sites):
        c, p, r, a = strip_chr(str(c0)), int(p0), str(r0).upper(), str(a0).upper()
        site_end = p + len(r) - 1
        mp = _minimal(p, r, a)
        on = canon == c
        at = np.flatnonzero(on & (pos == p) & ~is_block)
        exact = [i for i in at if _minimal(int(pos[i]), str(refs[i]), str(alts[i])) == mp]
        # also accept a differently anchored representation of the same allele
        near = np.flatnonzero(on & (pos <= site_end) & (end >= p) & ~is_block)
        exact += [i for i in near if i not in exact
                  and _minimal(int(pos[i]), str(refs[i]), str(alts[i])) == mp]
        others = [i for i in at if i not in exact]
        blocks = np.flatnonzero(on & is_block & (pos <= p) & (end >= site_end))
        in_bed = any(iv.contig == c and iv.start <= p and iv.end >= site_end for iv in regions)
        for j, sample in enumerate(table.samples):
            status, zg, gtxt, reason, vidx = "not_assessed", "", "", "", -1
            carrier = [i for i in exact if non_ref[i, j]]
            other = [i for i in others if non_ref[i, j]]
            ref_calls = [i for i in (*exact, *others) if called[i, j]]
            nocalls = [i for i in (*exact, *others) if not called[i, j]]
            good_blocks = [i for i in blocks if called[i, j] and not non_ref[i, j]]
            if carrier:
                vidx = int(carrier[0])
                status, zg, reason = "carrier", str(zyg[vidx, j]), "variant call"
            elif other:
                vidx = int(other[0])
                status, reason = "other_allele", f"carries {refs[vidx]}>{alts[vidx]} at the site, not {r}>{a}"
            elif ref_calls:
                vidx = int(ref_calls[0])
                status, reason = "reference", "called non-carrier genotype at a record for the site"
            elif good_blocks:
                vidx = int(good_blocks[0])
                status, reason = "reference", f"gVCF reference block {c}:{int(pos[vidx])}-{int(end[vidx])}"
            elif nocalls:
                vidx = int(nocalls[0])
                reason = "no call (missing genotype)"
            elif in_bed:
                status, reason = "reference", "declared callable region without a variant call"
            else:
                reason = "absent from the VCF and no gVCF block or callable region covers it"
            gq_used = int(gq[vidx, j]) if vidx >= 0 else -1
            if status == "reference" and vidx >= 0:
                if min_gq is not None and 0 <= gq_used < min_gq:
                    status, reason = "not_assessed", f"{reason}; GQ {gq_used} < {min_gq}"
                elif gq_used < 0:
                    reason += " (no GQ)"
            if vidx >= 0:
                gtxt = str(gts[vidx, j])
            rec = {"site": k, "sample": sample, "status": status, "zygosity": zg, "genotype": gtxt,
                   "reason": reason, "variant_index": vidx, "gq": gq_used,
                   "depth": int(dp[vidx, j]) if vidx >= 0 else -1}
            rows.append(rec)
    return pd.DataFrame(rows, columns=["site", "sample", "status", "zygosity", "genotype", "reason",
                                       "variant_index", "gq", "depth"])
