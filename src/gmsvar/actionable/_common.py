"""Shared helpers: build resolution, per-call metrics and genotypes, the findings frame."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from ..errors import InputError
from ..filters._common import genotype_classes_from
from ..regions import strip_chr
from ..table import VariantTable, format_genotypes

__all__ = [
    "FINDING_COLUMNS",
    "CallMetrics",
    "GenotypeText",
    "call_metrics",
    "contig_labels",
    "findings_frame",
    "resolve_build",
    "zygosity_labels",
]

#: Columns of every findings DataFrame (contract B), in order; contexts may add more after these.
FINDING_COLUMNS: tuple[str, ...] = (
    "sample", "gene", "variant_contig", "variant_position", "variant_ref", "variant_alt", "variant_id",
    "transcript", "hgvsc", "hgvsp", "biomarker", "biomarker_id", "category", "context", "tumour_type",
    "recommendation", "evidence_level", "tier", "escat", "zygosity", "genotype", "vaf", "depth",
    "alt_reads", "call_status", "classification", "flags", "match_method", "build", "kb_name",
    "kb_version", "kb_source", "variant_index",
)

_BUILDS = {"grch38": "GRCh38", "hg38": "GRCh38", "grch37": "GRCh37", "hg19": "GRCh37", "b37": "GRCh37"}


def resolve_build(table: VariantTable, build: str | None, *, needed_for: str) -> str:
    """``GRCh37``/``GRCh38`` from the argument or the table; InputError when neither says."""
    declared = table.meta.genome_build
    if build is not None:
        b = _BUILDS.get(build.lower())
        if b is None:
            raise InputError(f"build must be 'GRCh38' or 'GRCh37', not {build!r}")
        if declared in ("GRCh37", "GRCh38") and declared != b:
            raise InputError(
                f"build={build!r} contradicts the table ({declared}, from {table.meta.build_evidence}); "
                "genomic coordinates would be matched on the wrong assembly"
            )
        return b
    if declared in ("GRCh37", "GRCh38"):
        return declared
    raise InputError(
        f"{needed_for} needs genomic coordinates but the genome build of "
        f"{table.meta.source or 'this table'} is unknown (no ##contig lengths); pass build='GRCh38' "
        "or build='GRCh37'"
    )


def contig_labels(table: VariantTable) -> np.ndarray:
    """Contig of every row as written in the file (object array)."""
    if "variant_contig" in table.categories:
        return np.asarray(table.decode("variant_contig"), dtype=object)
    return np.asarray(table["variant_contig"]).astype(str).astype(object)


def canonical_contigs(labels: np.ndarray) -> np.ndarray:
    """``chr7``/``7`` -> ``7`` (vectorised over unique labels)."""
    uniq, inv = np.unique(labels.astype(str), return_inverse=True)
    canon = np.array([strip_chr(u) for u in uniq], dtype=object)
    return canon[inv]


class CallMetrics:
    """Per-call alt reads, depth, VAF (shape (n_variants, n_samples)) and where they came from.

    ``alt`` and ``depth`` are int64 with -1 = missing; ``vaf`` float64 with NaN.
    """

    __slots__ = ("alt", "depth", "source", "vaf")

    def __init__(self, alt: np.ndarray, depth: np.ndarray, vaf: np.ndarray, source: str) -> None:
        self.alt, self.depth, self.vaf, self.source = alt, depth, vaf, source


def _parse_count_strings(values: np.ndarray, allele_index: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Object (n, s[, k]) of 'r,a1,a2' strings or tuples -> (ref, alt) int64 for this row's allele."""
    n, s = values.shape[:2]
    ref = np.full((n, s), -1, dtype=np.int64)
    alt = np.full((n, s), -1, dtype=np.int64)
    for i in range(n):  # FORMAT strings: one small parse per call, only for callers that need it
        ai = int(allele_index[i]) if allele_index is not None else 1
        for j in range(s):
            v = values[i, j]
            if isinstance(v, np.ndarray | list | tuple):
                parts = [str(x) for x in np.ravel(v)]
                text = ",".join(parts)
            else:
                text = "" if v is None else str(v)
            fields = [f for f in text.replace("|", ",").split(",") if f != ""]
            if len(fields) > ai and fields[0] not in (".", "None") and fields[ai] not in (".", "None"):
                try:
                    ref[i, j], alt[i, j] = int(float(fields[0])), int(float(fields[ai]))
                except ValueError:
                    continue
    return ref, alt


def call_metrics(
    table: VariantTable,
    *,
    allele_depth_field: str | None = None,
    depth_field: str | None = None,
) -> CallMetrics:
    """Alt reads, depth and VAF per call.

    By default from the reader's standard columns (``call_allele_depth``,
    ``call_depth``, ``call_vaf``). ``allele_depth_field`` names a FORMAT field with
    REF,ALT counts read as ``call_format_<ID>`` (``Number=R`` integers such as
    BMFtools ``ADP_ALL``, or ``Number=.`` strings such as PCGR ``ADT`` = ``"37,17"``);
    ``depth_field`` a FORMAT depth field (e.g. ``DPT``). Depth falls back to
    REF+ALT reads and is never below the alt reads.
    """
    n, s = len(table), table.n_samples
    source = "call_allele_depth/call_depth/call_vaf (reader)"
    if allele_depth_field is not None:
        col = f"call_format_{allele_depth_field}"
        if col not in table:
            raise InputError(
                f"allele_depth_field={allele_depth_field!r}: no column {col!r}; read the VCF with "
                f"format=[{allele_depth_field!r}]"
            )
        raw = table[col]
        if raw.dtype != object and raw.ndim == 3 and raw.shape[2] >= 2:
            ref = raw[..., 0].astype(np.int64)
            alt = raw[..., 1].astype(np.int64)
            ref = np.where(ref < 0, -1, ref)
            alt = np.where(alt < 0, -1, alt)
        else:
            allele_index = (np.asarray(table["variant_allele_index"]) if "variant_allele_index" in table
                            else np.ones(n, dtype=np.int64))
            ref, alt = _parse_count_strings(raw.reshape(n, s, -1) if raw.ndim == 3 else raw, allele_index)
        source = f"FORMAT/{allele_depth_field}"
    elif "call_allele_depth" in table:
        ad = table["call_allele_depth"]
        ref = np.where(ad[..., 0] >= 0, ad[..., 0], -1).astype(np.int64)
        alt = np.where(ad[..., 1] >= 0, ad[..., 1], -1).astype(np.int64)
    else:
        ref = np.full((n, s), -1, dtype=np.int64)
        alt = np.full((n, s), -1, dtype=np.int64)
    ad_total = np.where((ref >= 0) & (alt >= 0), ref + alt, -1)
    if depth_field is not None:
        col = f"call_format_{depth_field}"
        if col not in table:
            raise InputError(
                f"depth_field={depth_field!r}: no column {col!r}; read with format=[{depth_field!r}]"
            )
        dp = np.asarray(table[col]).reshape(n, s, -1)[..., 0].astype(np.int64)
        dp = np.where(dp >= 0, dp, -1)
        source += f" + FORMAT/{depth_field}"
    elif "call_depth" in table and allele_depth_field is None:
        dp = np.asarray(table["call_depth"], dtype=np.int64)
    else:
        dp = np.full((n, s), -1, dtype=np.int64)
    dp = np.where(dp >= 0, dp, ad_total)
    dp = np.where((dp >= 0) & (alt >= 0), np.maximum(dp, alt), dp)
    with np.errstate(divide="ignore", invalid="ignore"):
        vaf = np.where((alt >= 0) & (dp > 0), alt / np.maximum(dp, 1), np.nan)
    if allele_depth_field is None and "call_vaf" in table:
        reader_vaf = np.asarray(table["call_vaf"], dtype=np.float64)
        vaf = np.where(np.isnan(vaf), reader_vaf, vaf)
    return CallMetrics(alt=alt, depth=dp, vaf=vaf, source=source)


class GenotypeText:
    """VCF genotype strings (``0/1``, ``1|0``, ``./.``) of single calls, rendered on demand.

    ``gts[i, j]`` formats only row ``i`` (cached): findings need a handful of calls, and
    rendering every call of a large table would dominate the run time.
    """

    __slots__ = ("_cache", "_gt", "_phased")

    def __init__(self, table: VariantTable) -> None:
        cols = table.columns
        self._gt = cols.get("call_genotype")
        self._phased = cols.get("call_genotype_phased")
        self._cache: dict[int, np.ndarray] = {}

    def __getitem__(self, key: tuple[int, int]) -> str:
        i, j = int(key[0]), int(key[1])
        if self._gt is None:
            return "."
        row = self._cache.get(i)
        if row is None:
            ph = None if self._phased is None else self._phased[i:i + 1]
            row = format_genotypes(self._gt[i:i + 1], ph)[0]
            self._cache[i] = row
        return str(row[j])


def zygosity_labels(table: VariantTable) -> tuple[np.ndarray, np.ndarray, GenotypeText]:
    """Per call: zygosity ('het'/'hom'/'hemi'/'unknown'), carries-ALT (bool), genotype strings (lazy)."""
    n, s = len(table), table.n_samples
    if "call_genotype" not in table:
        unknown = np.full((n, s), "unknown", dtype=object)
        return unknown, np.zeros((n, s), dtype=bool), GenotypeText(table)
    gt = table["call_genotype"]
    gc = genotype_classes_from(gt)
    zyg = np.full((n, s), "unknown", dtype=object)
    zyg[gc.het & gc.non_ref] = "het"
    zyg[gc.hom_alt] = "hom"
    zyg[gc.hemi_alt] = "hemi"
    return zyg, gc.non_ref, GenotypeText(table)


def findings_frame(rows: Sequence[Mapping[str, Any]] | pd.DataFrame,
                   extra: Sequence[str] = ()) -> pd.DataFrame:
    """A findings DataFrame with every contract column (missing ones filled), RangeIndex."""
    df = pd.DataFrame(rows) if not isinstance(rows, pd.DataFrame) else rows.copy()
    defaults: dict[str, Any] = {"variant_position": -1, "variant_index": -1, "vaf": np.nan, "depth": -1,
                                "alt_reads": -1}
    for col in (*FINDING_COLUMNS, *extra):
        if col not in df.columns:
            df[col] = defaults.get(col, "" if col not in ("variant_contig", "variant_id") else None)
    cols = list(FINDING_COLUMNS) + [c for c in extra if c not in FINDING_COLUMNS]
    cols += [c for c in df.columns if c not in cols]
    out = df[cols].reset_index(drop=True)
    for col, dtype in (("variant_position", np.int64), ("variant_index", np.int64), ("depth", np.int64),
                       ("alt_reads", np.int64), ("vaf", np.float64)):
        out[col] = out[col].astype(dtype)
    return out
