"""Shared helpers: column access with helpful errors, genotype classes, mask checks."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from ..errors import InputError
from ..table import VariantTable

BoolArray = npt.NDArray[np.bool_]

#: Allele codes in ``call_genotype``.
ALLELE_MISSING = -1
ALLELE_PADDING = -2


def column(table: VariantTable, name: str, *, needed_for: str, hint: str = "") -> np.ndarray:
    """``table[name]`` or an :class:`InputError` saying which function needed it and why."""
    if name not in table:
        fix = f"; {hint}" if hint else ""
        raise InputError(f"{needed_for} needs column {name!r}, which this table lacks{fix}")
    return table[name]


@dataclass(frozen=True)
class GenotypeClasses:
    """Per-call genotype states from ``call_genotype`` (all arrays shape (n_variants, n_samples)).

    Strict: a call with any missing allele (``0/.``, ``./1``) is not called, not hom-ref,
    not het and not non-ref. ``-2`` padding marks a lower ploidy (haploid ``1``).
    """

    ploidy: np.ndarray
    called: BoolArray
    n_alt: np.ndarray
    n_ref: np.ndarray
    homozygous: BoolArray

    @property
    def hom_ref(self) -> BoolArray:
        """Called, every allele REF (haploid or diploid)."""
        return np.asarray(self.called & (self.n_alt == 0), dtype=bool)

    @property
    def non_ref(self) -> BoolArray:
        """Called, at least one copy of this row's ALT."""
        return np.asarray(self.called & (self.n_alt > 0), dtype=bool)

    @property
    def het(self) -> BoolArray:
        """Called, ploidy >= 2, alleles not all the same."""
        return np.asarray(self.called & (self.ploidy >= 2) & ~self.homozygous, dtype=bool)

    @property
    def hom(self) -> BoolArray:
        """Called, ploidy >= 2, all alleles the same (REF or ALT)."""
        return np.asarray(self.called & (self.ploidy >= 2) & self.homozygous, dtype=bool)

    @property
    def hom_alt(self) -> BoolArray:
        """Called, ploidy >= 2, every allele this ALT."""
        return np.asarray(self.called & (self.ploidy >= 2) & (self.n_alt == self.ploidy),
                          dtype=bool)

    @property
    def haploid(self) -> BoolArray:
        """Called with ploidy 1."""
        return np.asarray(self.called & (self.ploidy == 1), dtype=bool)

    @property
    def hemi_alt(self) -> BoolArray:
        """Called haploid ALT (e.g. male chrX non-PAR ``1``)."""
        return np.asarray(self.haploid & (self.n_alt == 1), dtype=bool)


def genotype_classes(table: VariantTable, *, needed_for: str) -> GenotypeClasses:
    """Compute :class:`GenotypeClasses` from ``call_genotype`` (int8, (n, s, ploidy))."""
    gt = column(table, "call_genotype", needed_for=needed_for,
                hint="read the VCF with genotypes (FORMAT/GT)")
    return genotype_classes_from(gt)


def genotype_classes_from(gt: np.ndarray) -> GenotypeClasses:
    """:class:`GenotypeClasses` of a raw ``call_genotype`` array."""
    if gt.ndim != 3:
        raise InputError(
            f"call_genotype must have shape (variants, samples, ploidy), not {gt.shape}"
        )
    # Loop over the (tiny) ploidy axis: numpy reductions along a length-2 last axis are
    # several times slower than elementwise operations on the allele slices.
    shape = gt.shape[:2]
    ploidy = np.zeros(shape, dtype=np.int8)
    n_alt = np.zeros(shape, dtype=np.int8)
    n_ref = np.zeros(shape, dtype=np.int8)
    missing = np.zeros(shape, dtype=bool)
    homozygous = np.ones(shape, dtype=bool) if gt.shape[2] else np.zeros(shape, dtype=bool)
    for k in range(gt.shape[2]):
        allele = gt[:, :, k]
        present = allele != ALLELE_PADDING
        ploidy += present
        n_alt += allele >= 1
        n_ref += allele == 0
        missing |= allele == ALLELE_MISSING
        if k:
            homozygous &= (allele == gt[:, :, 0]) | ~present
    called = (ploidy > 0) & ~missing
    return GenotypeClasses(ploidy=ploidy, called=called, n_alt=n_alt, n_ref=n_ref,
                           homozygous=homozygous)


def call_mask(table: VariantTable, mask: npt.ArrayLike | None, *, name: str) -> BoolArray:
    """Broadcast an optional (n,) or (n, s) boolean mask to (n, s); ``None`` means all True."""
    shape = (len(table), table.n_samples)
    if mask is None:
        return np.ones(shape, dtype=bool)
    arr = np.asarray(mask)
    if arr.dtype != bool:
        raise InputError(f"{name} must be a boolean mask, not {arr.dtype}")
    if arr.shape == (shape[0],):
        return np.broadcast_to(arr[:, None], shape)
    if arr.shape == shape:
        return arr
    raise InputError(f"{name} has shape {arr.shape}; expected ({shape[0]},) or {shape}")
