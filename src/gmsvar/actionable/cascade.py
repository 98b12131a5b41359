"""Cascade (predictive) testing: is a confirmed familial variant present in each relative?

:func:`cascade` takes one finding (a row of :func:`gmsvar.find_actionable`, or a
mapping with ``variant_contig``, ``variant_position``, ``variant_ref``,
``variant_alt``) and each relative's VCF (path or :class:`~gmsvar.VariantTable`),
and reports for every relative ``carrier``, ``non-carrier`` or ``not assessable``
with the reason. Only positive evidence makes a non-carrier: a called genotype
at a record for the site, a gVCF reference block covering it, or a region the
caller declares callable; a variant-only VCF that simply lacks the site is
``not assessable``.

Examples
--------
>>> import numpy as np
>>> from gmsvar.table import VariantTable, VcfMetadata
>>> from gmsvar.actionable import cascade
>>> def vcf(gt):
...     return VariantTable({"variant_contig": np.array([0], dtype=np.int32),
...                          "variant_position": np.array([37012097]),
...                          "variant_ref": np.array(["T"], dtype=object),
...                          "variant_alt": np.array(["TC"], dtype=object),
...                          "call_genotype": np.array([[gt]], dtype=np.int8)},
...                         meta=VcfMetadata(samples=("S",), genome_build="GRCh38"),
...                         categories={"variant_contig": ["chr3"]})
>>> finding = {"gene": "MLH1", "variant_contig": "chr3", "variant_position": 37012097,
...            "variant_ref": "T", "variant_alt": "TC", "build": "GRCh38"}
>>> cascade(finding, {"sister": vcf([0, 1]), "brother": vcf([0, 0])})[["relative", "status"]].values.tolist()
[['sister', 'carrier'], ['brother', 'non-carrier']]
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd

from ..errors import ContigMismatchError, IndexMissingError, InputError
from ..io import read_vcf
from ..table import VariantTable
from .coverage import CallableRegions, assess_sites

__all__ = ["Relative", "cascade"]

_STATUS = {"carrier": "carrier", "reference": "non-carrier", "other_allele": "non-carrier",
           "not_assessed": "not assessable"}


@dataclass(frozen=True)
class Relative:
    """A relative's data for :func:`cascade`.

    Attributes
    ----------
    source
        VCF/BCF path or an already-read :class:`~gmsvar.VariantTable`.
    sample
        Sample column to use (default: the only sample, or the sample named like the relative).
    callable_regions
        BED path or intervals the laboratory declares callable in this relative's test.
    """

    source: str | os.PathLike[str] | VariantTable
    sample: str | None = None
    callable_regions: CallableRegions | None = None


def _finding_dict(finding: Any) -> dict[str, Any]:
    if isinstance(finding, pd.DataFrame):
        if len(finding) != 1:
            raise InputError(f"cascade() needs exactly one finding, got a DataFrame with {len(finding)} "
                             "rows; pass findings.iloc[i]")
        return dict(finding.iloc[0])
    if isinstance(finding, pd.Series):
        return dict(finding)
    if isinstance(finding, Mapping):
        return dict(finding)
    raise InputError(f"finding must be a findings row (Series), a one-row DataFrame or a mapping, not "
                     f"{type(finding).__name__}")


def _load(name: str, rel: Relative, contig: str, pos: int, span: int) -> tuple[VariantTable, str]:
    if isinstance(rel.source, VariantTable):
        return rel.source, "VariantTable"
    path = os.fspath(rel.source)
    region = f"{contig}:{max(1, pos - 1)}-{pos + span}"
    try:
        t = read_vcf(path, regions=region)
    except (IndexMissingError, ContigMismatchError):
        t = read_vcf(path)  # no index, or the contig is not in the header: read the whole file
    return t, path


def cascade(
    finding: Any,
    relatives: Mapping[str, str | os.PathLike[str] | VariantTable | Relative] | Iterable[tuple[str, Any]],
    *,
    build: str | None = None,
    min_gq: int | None = 20,
) -> pd.DataFrame:
    """Check each relative for exactly the variant of ``finding``.

    Parameters
    ----------
    finding
        A row of a findings DataFrame (``findings.iloc[i]``), a one-row DataFrame or
        a mapping with ``variant_contig``, ``variant_position``, ``variant_ref``,
        ``variant_alt`` (and optionally ``gene``, ``hgvsc``, ``build``).
    relatives
        ``{name: source}`` (or ``(name, source)`` pairs); a source is a VCF path, a
        :class:`~gmsvar.VariantTable` or a :class:`Relative` (adds sample and callable regions).
    build
        Build of the finding's coordinates when the finding does not say; a relative
        whose VCF declares another build is ``not assessable``.
    min_gq
        Reference evidence (hom-ref genotype or gVCF block) with GQ below this is not
        accepted; ``None`` accepts any.

    Returns
    -------
    DataFrame with columns ``relative``, ``sample``, ``source``, ``gene``, ``variant``,
    ``hgvsc``, ``status`` (``carrier``, ``non-carrier``, ``not assessable``),
    ``zygosity``, ``genotype``, ``reason``, in the order given.
    """
    f = _finding_dict(finding)
    for k in ("variant_contig", "variant_position", "variant_ref", "variant_alt"):
        if k not in f or f[k] is None or (isinstance(f[k], float) and pd.isna(f[k])):
            raise InputError(
                f"finding has no {k!r}: cascade testing needs a variant (not e.g. a DPYD summary row)"
            )
    contig, pos = str(f["variant_contig"]), int(f["variant_position"])
    ref, alt = str(f["variant_ref"]), str(f["variant_alt"])
    if pos < 1 or alt.startswith("<") or "[" in alt or "]" in alt:
        raise InputError(f"cascade testing needs a sequence-resolved variant, not {contig}:{pos} {ref}>{alt}")
    f_build = str(f.get("build") or build or "unknown")
    variant = f"{contig}:{pos} {ref}>{alt}"
    items = list(relatives.items()) if isinstance(relatives, Mapping) else list(relatives)
    rows: list[dict[str, Any]] = []
    for name, src in items:
        rel = src if isinstance(src, Relative) else Relative(source=src)
        base = {"relative": name, "gene": f.get("gene", ""), "variant": variant, "hgvsc": f.get("hgvsc", "")}
        table, label = _load(name, rel, contig, pos, len(ref))
        t_build = table.meta.genome_build
        if f_build in ("GRCh37", "GRCh38") and t_build in ("GRCh37", "GRCh38") and t_build != f_build:
            rows.append({**base, "sample": rel.sample or "", "source": label, "status": "not assessable",
                         "zygosity": "", "genotype": "",
                         "reason": f"relative's VCF is {t_build}, the finding is on {f_build}"})
            continue
        if rel.sample is not None:
            if rel.sample not in table.samples:
                raise InputError(f"relative {name!r}: sample {rel.sample!r} not in {label} ({table.samples})")
            sample = rel.sample
        elif len(table.samples) == 1:
            sample = table.samples[0]
        elif name in table.samples:
            sample = name
        else:
            raise InputError(f"relative {name!r}: {label} has samples {table.samples}; pass "
                             f"Relative(source, sample=...)")
        res = assess_sites(table, [(contig, pos, ref, alt)], callable_regions=rel.callable_regions,
                           min_gq=min_gq)
        r = res[res["sample"] == sample].iloc[0]
        rows.append({**base, "sample": sample, "source": label, "status": _STATUS[str(r["status"])],
                     "zygosity": r["zygosity"], "genotype": r["genotype"], "reason": r["reason"]})
    return pd.DataFrame(rows, columns=["relative", "sample", "source", "gene", "variant", "hgvsc", "status",
                                       "zygosity", "genotype", "reason"])
