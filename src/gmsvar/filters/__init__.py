"""Pure, vectorised filters over a :class:`~gmsvar.table.VariantTable`.

Every function takes a table and keyword-only options and returns a new
boolean numpy array; tables are never modified. Per-variant masks have shape
``(n_variants,)``; functions ending in ``_calls`` (and the inheritance
candidates) return per-call masks of shape ``(n_variants, n_samples)``, reduced
with :func:`any_sample` / :func:`all_samples`. Masks compose with ``&``, ``|``
and ``~`` and select rows with ``table.take(mask)``.

Examples
--------
>>> import numpy as np
>>> from gmsvar.table import VariantTable, VcfMetadata
>>> from gmsvar import filters as F
>>> t = VariantTable(
...     {"variant_qual": np.array([60, 60, 12], dtype=np.float32),
...      "variant_popfreq_af": np.array([0.0001, 0.2, np.nan]),
...      "variant_popfreq_max": np.array([0.0002, 0.3, np.nan]),
...      "variant_popfreq_status": np.array([2, 2, 0], dtype=np.int8),
...      "call_genotype": np.array([[[0, 1]], [[1, 1]], [[0, 1]]], dtype=np.int8),
...      "call_depth": np.array([[35], [40], [9]], dtype=np.int32)},
...     meta=VcfMetadata(samples=("proband",)))
>>> keep = (F.qual_at_least(t, min_qual=30) & F.popfreq_below(t, max_af=0.01)
...         & F.any_sample(F.is_non_ref_calls(t) & F.depth_at_least_calls(t, min_depth=20)))
>>> keep.tolist(), len(t.take(keep))
([True, False, False], 1)
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._lazy import lazy_attributes

if TYPE_CHECKING:
    from .calls import (
        all_samples,
        allele_balance,
        allele_balance_between_calls,
        allele_balance_ok,
        any_sample,
        depth_at_least,
        depth_at_least_calls,
        genotype_quality_at_least,
        genotype_quality_at_least_calls,
        is_called_calls,
        is_hemizygous_calls,
        is_het_calls,
        is_hom_alt_calls,
        is_hom_ref_calls,
        is_non_ref_calls,
        vaf_between_calls,
    )
    from .consequence import (
        IMPACTS,
        consequence_at_least,
        consequence_rank,
        consequence_ranks,
        impact_at_least,
        impact_of,
        so_table,
    )
    from .errors import ExpressionError
    from .expr import filter_expr, parse_expr, required_columns
    from .inheritance import (
        PSEUDOAUTOSOMAL_REGIONS,
        biallelic_candidates,
        compound_het_candidates,
        monoallelic_candidates,
        x_linked_candidates,
    )
    from .site import filter_in, gene_in, popfreq_below, qual_at_least
    from .somatic import (
        binomial_tail,
        detectable_calls,
        lod_pass,
        lod_pass_calls,
        lod_vaf_calls,
        min_alt_reads,
        min_alt_reads_calls,
    )

# The filters are imported on first use (module ``__getattr__``): reading a VCF
# does not pay for the expression parser or the inheritance filters.
_LAZY: dict[str, str] = {
    "all_samples": "calls",
    "allele_balance": "calls",
    "allele_balance_between_calls": "calls",
    "allele_balance_ok": "calls",
    "any_sample": "calls",
    "depth_at_least": "calls",
    "depth_at_least_calls": "calls",
    "genotype_quality_at_least": "calls",
    "genotype_quality_at_least_calls": "calls",
    "is_called_calls": "calls",
    "is_hemizygous_calls": "calls",
    "is_het_calls": "calls",
    "is_hom_alt_calls": "calls",
    "is_hom_ref_calls": "calls",
    "is_non_ref_calls": "calls",
    "vaf_between_calls": "calls",
    "IMPACTS": "consequence",
    "consequence_at_least": "consequence",
    "consequence_rank": "consequence",
    "consequence_ranks": "consequence",
    "impact_at_least": "consequence",
    "impact_of": "consequence",
    "so_table": "consequence",
    "ExpressionError": "errors",
    "filter_expr": "expr",
    "parse_expr": "expr",
    "required_columns": "expr",
    "PSEUDOAUTOSOMAL_REGIONS": "inheritance",
    "biallelic_candidates": "inheritance",
    "compound_het_candidates": "inheritance",
    "monoallelic_candidates": "inheritance",
    "x_linked_candidates": "inheritance",
    "filter_in": "site",
    "gene_in": "site",
    "popfreq_below": "site",
    "qual_at_least": "site",
    "binomial_tail": "somatic",
    "detectable_calls": "somatic",
    "lod_pass": "somatic",
    "lod_pass_calls": "somatic",
    "lod_vaf_calls": "somatic",
    "min_alt_reads": "somatic",
    "min_alt_reads_calls": "somatic",
}


__getattr__, __dir__ = lazy_attributes(globals(), __name__, _LAZY)


__all__ = [
    "IMPACTS",
    "PSEUDOAUTOSOMAL_REGIONS",
    "ExpressionError",
    "all_samples",
    "allele_balance",
    "allele_balance_between_calls",
    "allele_balance_ok",
    "any_sample",
    "biallelic_candidates",
    "binomial_tail",
    "compound_het_candidates",
    "consequence_at_least",
    "consequence_rank",
    "consequence_ranks",
    "depth_at_least",
    "depth_at_least_calls",
    "detectable_calls",
    "filter_expr",
    "filter_in",
    "gene_in",
    "genotype_quality_at_least",
    "genotype_quality_at_least_calls",
    "impact_at_least",
    "impact_of",
    "is_called_calls",
    "is_hemizygous_calls",
    "is_het_calls",
    "is_hom_alt_calls",
    "is_hom_ref_calls",
    "is_non_ref_calls",
    "lod_pass",
    "lod_pass_calls",
    "lod_vaf_calls",
    "min_alt_reads",
    "min_alt_reads_calls",
    "monoallelic_candidates",
    "parse_expr",
    "popfreq_below",
    "qual_at_least",
    "required_columns",
    "so_table",
    "vaf_between_calls",
    "x_linked_candidates",
]
