"""Mode-of-inheritance candidates per sample: monoallelic, biallelic (compound het), X-linked.

All functions return boolean arrays of shape ``(n_variants, n_samples)``: True
where that sample's genotype at that variant fits the mode. ``qualifying``
restricts which variants can count (e.g. rare and at least missense), given as
a per-variant ``(n_variants,)`` or per-call ``(n_variants, n_samples)`` mask;
compound-het partners must qualify too.

Genotypes are strict (``0/.`` is not a call). Allele 1 is this row's ALT, so
the two rows of a split ``1/2`` call are both het and pair up as a compound
het in the same gene.

Examples
--------
>>> import numpy as np
>>> from gmsvar.table import VariantTable, VcfMetadata
>>> from gmsvar.filters import biallelic_candidates
>>> t = VariantTable(
...     {"variant_gene": np.array([0, 0, 1, 1], dtype=np.int32),
...      "call_genotype": np.array([[[0, 1]], [[1, 0]], [[0, 1]], [[1, 1]]], dtype=np.int8),
...      "call_genotype_phased": np.zeros((4, 1), dtype=bool)},
...     meta=VcfMetadata(samples=("proband",)),
...     categories={"variant_gene": ["CFTR", "PAH"]})
>>> biallelic_candidates(t).ravel().tolist()   # two CFTR hets, one PAH hom
[True, True, False, True]
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Literal

import numpy as np
import numpy.typing as npt

from ..errors import InputError
from ..regions import strip_chr
from ..table import INT_MISSING, VariantTable
from ._common import BoolArray, call_mask, column, genotype_classes

__all__ = [
    "PSEUDOAUTOSOMAL_REGIONS",
    "biallelic_candidates",
    "compound_het_candidates",
    "monoallelic_candidates",
    "x_linked_candidates",
]

#: Pseudoautosomal regions of chrX (1-based, closed), from the GRC assembly reports.
PSEUDOAUTOSOMAL_REGIONS: dict[str, tuple[tuple[int, int], ...]] = {
    "GRCh37": ((60_001, 2_699_520), (154_931_044, 155_260_560)),
    "GRCh38": ((10_001, 2_781_479), (155_701_383, 156_030_895)),
}

_SEX_CODES = {
    "male": "male", "m": "male", "1": "male",
    "female": "female", "f": "female", "2": "female",
    "unknown": "unknown", "u": "unknown", "0": "unknown", "other": "unknown",
}


def monoallelic_candidates(
    table: VariantTable, *, qualifying: npt.ArrayLike | None = None
) -> BoolArray:
    """Calls carrying this ALT (het, hom-alt or hemizygous) at a qualifying variant.

    Fits dominant (monoallelic) modes: one qualifying allele is enough.

    Returns
    -------
    Boolean array, shape (n_variants, n_samples).

    Examples
    --------
    >>> import numpy as np
    >>> from gmsvar.table import VariantTable, VcfMetadata
    >>> gt = np.array([[[0, 1], [0, 0]], [[1, 1], [0, -1]]], dtype=np.int8)
    >>> t = VariantTable({"call_genotype": gt}, meta=VcfMetadata(samples=("A", "B")))
    >>> monoallelic_candidates(t, qualifying=np.array([True, False])).tolist()
    [[True, False], [False, False]]
    """
    q = call_mask(table, qualifying, name="qualifying")
    return genotype_classes(table, needed_for="monoallelic_candidates").non_ref & q


def compound_het_candidates(
    table: VariantTable,
    *,
    qualifying: npt.ArrayLike | None = None,
    gene: str = "variant_gene",
) -> BoolArray:
    """Het calls with another qualifying het call in the same gene and sample, on the other copy.

    A het call is a candidate when the same sample has at least one other
    qualifying het call in the same gene that is not known to be on the same
    haplotype. Phase is used when both calls are phased (``call_genotype_phased``)
    and, if the table has ``call_format_PS``, in the same phase set: two calls
    with the ALT on the same haplotype (``1|0`` and ``1|0``) are cis, not a
    compound het. Unphased pairs are candidates (phase unknown: confirm by
    parental testing).

    Parameters
    ----------
    gene
        Categorical gene column to group by; variants without a gene (-1) never pair.

    Returns
    -------
    Boolean array, shape (n_variants, n_samples).

    Examples
    --------
    >>> import numpy as np
    >>> from gmsvar.table import VariantTable, VcfMetadata
    >>> t = VariantTable(
    ...     {"variant_gene": np.array([0, 0, 0], dtype=np.int32),
    ...      "call_genotype": np.array([[[1, 0]], [[1, 0]], [[0, 1]]], dtype=np.int8),
    ...      "call_genotype_phased": np.array([[True], [True], [True]])},
    ...     meta=VcfMetadata(samples=("A",)), categories={"variant_gene": ["USH2A"]})
    >>> compound_het_candidates(t).ravel().tolist()
    [True, True, True]
    >>> compound_het_candidates(t, qualifying=np.array([True, True, False])).ravel().tolist()
    [False, False, False]
    """
    q = call_mask(table, qualifying, name="qualifying")
    het = genotype_classes(table, needed_for="compound_het_candidates").het & q
    genes = np.asarray(column(table, gene, needed_for="compound_het_candidates",
                              hint="read an annotated VCF or pass gene=<column>"))
    if genes.ndim != 1:
        raise InputError(f"compound_het_candidates: {gene!r} must be one code per variant")
    cand = het & (genes >= 0)[:, None]
    out = np.zeros(het.shape, dtype=bool)
    vi, si = np.nonzero(cand)
    if vi.size < 2:
        return out
    gt = table["call_genotype"][vi, si]
    phased = (np.asarray(table["call_genotype_phased"][vi, si], dtype=bool)
              if "call_genotype_phased" in table else np.zeros(vi.size, dtype=bool))
    diploid = (gt != -2).sum(axis=1) == 2
    # Haplotype carrying the ALT for phased diploid hets (0 = first, 1 = second); -1 unknown.
    hap = np.where(phased & diploid, np.argmax(gt >= 1, axis=1), -1)
    if "call_format_PS" in table:
        ps = np.asarray(table["call_format_PS"][vi, si]).astype(np.int64)
        ps = np.where(ps == INT_MISSING, -1, ps)
    else:
        ps = np.zeros(vi.size, dtype=np.int64)
    group = _group_ids(si, genes[vi])
    n_total = np.bincount(group)[group]
    same_hap = _group_ids(si, genes[vi], ps, hap)
    n_same = np.bincount(same_hap)[same_hap]
    # A partner exists unless every other call in the gene is phased on the same haplotype.
    partner = np.where(hap >= 0, n_total - n_same >= 1, n_total >= 2)
    out[vi, si] = partner
    return out


def biallelic_candidates(
    table: VariantTable,
    *,
    qualifying: npt.ArrayLike | None = None,
    gene: str = "variant_gene",
) -> BoolArray:
    """Calls fitting a biallelic (recessive) mode: hom-alt, or a compound-het candidate.

    Returns
    -------
    Boolean array, shape (n_variants, n_samples): hom-alt calls at qualifying
    variants plus :func:`compound_het_candidates`.

    Examples
    --------
    >>> import numpy as np
    >>> from gmsvar.table import VariantTable, VcfMetadata
    >>> t = VariantTable(
    ...     {"variant_gene": np.array([0, -1], dtype=np.int32),
    ...      "call_genotype": np.array([[[0, 1]], [[1, 1]]], dtype=np.int8)},
    ...     meta=VcfMetadata(samples=("A",)), categories={"variant_gene": ["GJB2"]})
    >>> biallelic_candidates(t).ravel().tolist()
    [False, True]
    """
    q = call_mask(table, qualifying, name="qualifying")
    hom = genotype_classes(table, needed_for="biallelic_candidates").hom_alt & q
    return hom | compound_het_candidates(table, qualifying=q, gene=gene)


Mode = Literal["recessive", "dominant"]


def x_linked_candidates(
    table: VariantTable,
    *,
    sex: Mapping[str, str] | Sequence[str],
    mode: Mode = "recessive",
    qualifying: npt.ArrayLike | None = None,
    build: str | None = None,
    gene: str = "variant_gene",
) -> BoolArray:
    """Calls fitting an X-linked mode, given each sample's sex.

    Only chrX variants outside the pseudoautosomal regions can be True (PAR
    variants behave autosomally).

    * Males: any call carrying the ALT counts (hemizygous ``1``, or ``1/1`` /
      ``0/1`` when the caller wrote a diploid genotype).
    * Females: ``mode="recessive"`` needs a biallelic genotype (hom-alt, or a
      compound het within a chrX gene); ``mode="dominant"`` needs one allele.
    * Unknown sex: True if it would be True for either sex (nothing is missed).

    Parameters
    ----------
    sex
        Per-sample sex, as a mapping from sample name or a sequence in sample
        order: ``"male"``/``"female"``/``"unknown"`` (also ``M``/``F``/``U`` and PED
        codes ``1``/``2``/``0``).
    mode
        ``"recessive"`` or ``"dominant"``, for females.
    build
        ``"GRCh37"`` or ``"GRCh38"`` for the PAR coordinates; default the table's
        ``meta.genome_build``.

    Returns
    -------
    Boolean array, shape (n_variants, n_samples).

    Examples
    --------
    >>> import numpy as np
    >>> from gmsvar.table import VariantTable, VcfMetadata
    >>> t = VariantTable(
    ...     {"variant_contig": np.array([0, 0, 1], dtype=np.int32),
    ...      "variant_position": np.array([31_000_000, 1_000_000, 5_000]),
    ...      "variant_gene": np.array([0, 1, 2], dtype=np.int32),
    ...      "call_genotype": np.array([[[1, -2], [0, 1]], [[1, -2], [1, 1]], [[0, 1], [0, 1]]],
    ...                                dtype=np.int8)},
    ...     meta=VcfMetadata(samples=("son", "mother"), genome_build="GRCh38"),
    ...     categories={"variant_contig": ["chrX", "chr1"], "variant_gene": ["DMD", "P2RX", "G"]})
    >>> x_linked_candidates(t, sex={"son": "male", "mother": "female"}).tolist()
    [[True, False], [False, False], [False, False]]
    """
    sexes = _sexes(table, sex)
    if mode not in ("recessive", "dominant"):
        raise InputError(f"mode must be 'recessive' or 'dominant', not {mode!r}")
    on_x = _x_non_par(table, build)
    q = call_mask(table, qualifying, name="qualifying") & on_x[:, None]
    carrier = genotype_classes(table, needed_for="x_linked_candidates").non_ref & q
    female = carrier if mode == "dominant" else biallelic_candidates(
        table, qualifying=q, gene=gene)
    male_col = np.array([s in ("male", "unknown") for s in sexes], dtype=bool)
    female_col = np.array([s in ("female", "unknown") for s in sexes], dtype=bool)
    return np.asarray((carrier & male_col[None, :]) | (female & female_col[None, :]), dtype=bool)


# -- helpers -----------------------------------------------------------------------------------
def _group_ids(*keys: np.ndarray) -> np.ndarray:
    """Dense id per distinct combination of the key arrays (all the same length).

    Each key is factorized (hashing, no sort) and the codes are combined into one
    int64, re-factorizing after every step so the combined code never overflows.
    """
    import pandas as pd
    ids = np.zeros(len(keys[0]), dtype=np.int64)
    for key in keys:
        codes = pd.factorize(np.asarray(key))[0].astype(np.int64)
        ids = pd.factorize(ids * (int(codes.max(initial=0)) + 1) + codes)[0].astype(np.int64)
    return ids


def _sexes(table: VariantTable, sex: Mapping[str, str] | Sequence[str]) -> list[str]:
    samples = table.samples
    if isinstance(sex, Mapping):
        missing = [s for s in samples if s not in sex]
        if missing:
            raise InputError(f"x_linked_candidates: no sex given for samples {missing}; "
                             "use 'unknown' if it is not known")
        raw = [sex[s] for s in samples]
    else:
        if isinstance(sex, str) or len(sex) != len(samples):
            raise InputError(f"x_linked_candidates: sex needs one entry per sample "
                             f"({len(samples)}), or a mapping from sample name")
        raw = list(sex)
    out = []
    for s, value in zip(samples, raw, strict=True):
        code = _SEX_CODES.get(str(value).strip().lower())
        if code is None:
            raise InputError(f"x_linked_candidates: sex {value!r} for sample {s!r} is not "
                             "male/female/unknown (or M/F/U, PED 1/2/0)")
        out.append(code)
    return out


def _x_non_par(table: VariantTable, build: str | None) -> BoolArray:
    contig_codes = column(table, "variant_contig", needed_for="x_linked_candidates")
    labels = table.categories.get("variant_contig")
    if labels is None:
        raise InputError("x_linked_candidates: variant_contig has no category labels")
    is_x = np.array([strip_chr(str(c)).upper() == "X" for c in labels] + [False], dtype=bool)
    on_x = is_x[np.where(contig_codes < 0, len(labels), contig_codes)]
    b = build if build is not None else table.meta.genome_build
    if b not in PSEUDOAUTOSOMAL_REGIONS:
        if not on_x.any():
            return on_x
        raise InputError(
            f"x_linked_candidates: genome build {b!r} is not known, so the chrX "
            "pseudoautosomal regions cannot be placed; pass build='GRCh38' or 'GRCh37'"
        )
    pos = column(table, "variant_position", needed_for="x_linked_candidates")
    par = np.zeros(len(pos), dtype=bool)
    for start, end in PSEUDOAUTOSOMAL_REGIONS[b]:
        par |= (pos >= start) & (pos <= end)
    return on_x & ~par
