"""``find_actionable``: one entry point for every actionable-findings context."""

from __future__ import annotations

from typing import Any

import pandas as pd

from ..errors import InputError
from ..table import VariantTable
from .dpyd import find_dpyd
from .germline import find_germline
from .somatic import find_somatic

__all__ = ["CONTEXTS", "find_actionable"]

#: Contexts and the keyword options each accepts (besides build).
CONTEXTS: dict[str, tuple[str, ...]] = {
    "nsclc": ("sample_type", "match_by", "include_below_lod", "allele_depth_field", "depth_field",
              "error_rate", "alpha", "min_alt_reads", "min_vaf"),
    "lynch": ("sample_origin",),
    "fh": ("sample_origin",),
    "cardiac": ("sample_origin",),
    "dpyd": ("callable_regions", "min_gq"),
}


def find_actionable(
    table: VariantTable,
    *,
    context: str,
    tumour_type: str | None = None,
    classified: pd.DataFrame | None = None,
    build: str | None = None,
    **kw: Any,
) -> pd.DataFrame:
    """Actionable findings of one clinical context, with evidence and knowledge-base versions.

    Parameters
    ----------
    table
        Variants read with :func:`gmsvar.read_vcf`.
    context
        ``"nsclc"`` (somatic lung-cancer drivers, tissue or ctDNA), ``"lynch"``,
        ``"fh"``, ``"cardiac"`` (germline P/LP in the knowledge-base genes) or
        ``"dpyd"`` (pharmacogenomic genotype before fluoropyrimidines).
    tumour_type
        ``nsclc``: the patient's tumour type (``"NSCLC"``, ``"LUAD"``, ``"COAD"``, ...);
        levels and tiers are for that tumour (an NSCLC biomarker in another tumour
        is evidence level C / tier II unless the knowledge base says otherwise).
        Default: NSCLC.
    classified
        Germline contexts: the DataFrame of :func:`gmsvar.classify` for ``table``;
        computed (lazily) when omitted.
    build
        ``"GRCh38"``/``"GRCh37"`` for coordinate matching when the VCF does not declare
        it (``##contig`` lengths); a contradiction raises.
    **kw
        ``nsclc``: ``sample_type`` (``"tissue"`` or ``"ctdna"``), ``match_by``
        (``"auto"``, ``"hgvs"``, ``"genomic"``), ``include_below_lod`` (keep calls
        below the limit of detection, marked ``NOT CALLED``), ``allele_depth_field``
        and ``depth_field`` (FORMAT fields with REF,ALT counts and depth when the
        caller does not write AD/DP, e.g. ``"ADT"``/``"DPT"`` or ``"ADP_ALL"``),
        ``error_rate``, ``alpha``, ``min_alt_reads``, ``min_vaf`` (override
        ``somatic.json``).
        ``lynch``/``fh``/``cardiac``: ``sample_origin`` (``"germline"`` or
        ``"tumour"``: tumour-only findings are "possible germline - refer").
        ``dpyd``: ``callable_regions`` (BED path or intervals the caller declares
        covered), ``min_gq``.

    Returns
    -------
    pandas.DataFrame
        One row per finding per sample (for ``dpyd``: one row per sample), with the
        columns of :data:`gmsvar.actionable.FINDING_COLUMNS` first (``sample``,
        ``gene``, ``variant_contig``, ``variant_position``, ..., ``kb_name``,
        ``kb_version``, ``variant_index``) and context-specific columns after.
        ``attrs["provenance"]`` maps knowledge-base name to version;
        ``attrs["parameters"]`` records the options and thresholds used.

    Examples
    --------
    >>> import gmsvar
    >>> from gmsvar.actionable import find_actionable
    >>> t = gmsvar.read_vcf(gmsvar.example_path("trio_grch37.vcf.gz"))
    >>> d = find_actionable(t, context="dpyd")
    >>> d[["sample", "phenotype"]].values.tolist()[0]
    ['ADM1059A1', 'not assessed']
    >>> d.attrs["provenance"]
    {'gmsvar-dpyd': '2026.1'}
    """
    if context not in CONTEXTS:
        raise InputError(f"context must be one of {sorted(CONTEXTS)}, not {context!r}")
    unknown = sorted(set(kw) - set(CONTEXTS[context]))
    if unknown:
        raise InputError(f"context {context!r} does not take {unknown}; it takes {list(CONTEXTS[context])}")
    if context != "nsclc" and tumour_type is not None:
        raise InputError(f"tumour_type applies to somatic contexts, not {context!r}")
    if context == "nsclc":
        if classified is not None:
            raise InputError("classified= applies to germline contexts (lynch, fh, cardiac)")
        return find_somatic(table, tumour_type=tumour_type, build=build, **kw)
    if context == "dpyd":
        return find_dpyd(table, build=build, **kw)
    return find_germline(table, context=context, classified=classified, build=build, **kw)
