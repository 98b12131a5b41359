"""Variant type of each (REF, ALT) row, classified as htslib ``bcf_set_variant_type`` does.

Codes are bit flags so ``TYPE~"snp"`` can test membership like bcftools.
"""

from __future__ import annotations

import numpy as np

__all__ = ["TYPE_CODES", "variant_type_codes"]

REF, SNP, MNP, INDEL, OTHER, BND, OVERLAP = 1, 2, 4, 8, 16, 32, 64

#: bcftools TYPE names -> code (plural forms accepted as bcftools does).
TYPE_CODES = {
    "ref": REF, "snp": SNP, "snps": SNP, "mnp": MNP, "mnps": MNP, "indel": INDEL,
    "indels": INDEL, "other": OTHER, "bnd": BND, "overlap": OVERLAP,
}

_REF_SYMBOLIC = {"<*>", "<NON_REF>", "<X>"}


def _classify(ref: str, alt: str) -> int:
    """Type of one allele pair (htslib vcf.c bcf_set_variant_type, paraphrased)."""
    if alt == "*":
        return OVERLAP
    if len(ref) == 1 and len(alt) == 1:
        if alt in (".", "X") or ref.upper() == alt.upper():
            return REF
        return SNP
    if alt.startswith("<"):
        return REF if alt in _REF_SYMBOLIC else OTHER
    if "[" in alt or "]" in alt:
        return BND
    if len(alt) > 1 and (alt[0] == "." or alt[-1] == "."):
        return BND
    r, a = ref.upper(), alt.upper()
    i = 0
    while i < len(r) and i < len(a) and r[i] == a[i]:
        i += 1
    if i == len(r) and i == len(a):
        return REF
    if i == len(r) or i == len(a):
        return INDEL
    # trim the common suffix without crossing the first mismatch
    re_, ae = len(r) - 1, len(a) - 1
    while re_ > i and ae > i and r[re_] == a[ae]:
        re_ -= 1
        ae -= 1
    if ae == i:
        if re_ == i:
            return SNP
        return INDEL if r[re_] == a[ae] else OTHER
    if re_ == i:
        return INDEL if r[re_] == a[ae] else OTHER
    return MNP if re_ - i == ae - i else OTHER


def variant_type_codes(ref: np.ndarray, alt: np.ndarray) -> np.ndarray:
    """Type code per row (int8 bit flags, see :data:`TYPE_CODES`).

    Single-base pairs (most rows) are classified with array operations; the
    rest once per distinct (REF, ALT) pair.

    Examples
    --------
    >>> import numpy as np
    >>> ref = np.array(["A", "AC", "A", "ACG", "A", "A"], dtype=object)
    >>> alt = np.array(["T", "A", "<DEL>", "TTT", "*", "A[1:20["], dtype=object)
    >>> variant_type_codes(ref, alt).tolist()
    [2, 8, 16, 4, 64, 32]
    """
    import pandas as pd
    n = len(ref)
    out = np.zeros(n, dtype=np.int8)
    if n == 0:
        return out
    ref_s = np.asarray(ref, dtype=object)
    alt_s = np.asarray(alt, dtype=object)
    ref_len = np.fromiter(map(len, ref_s), dtype=np.int64, count=n)
    alt_len = np.fromiter(map(len, alt_s), dtype=np.int64, count=n)
    single = (ref_len == 1) & (alt_len == 1)
    if single.any():
        r = ref_s[single].astype("U1")
        a = alt_s[single].astype("U1")
        is_ref = (np.char.upper(r) == np.char.upper(a)) | (a == ".") | (a == "X")
        out[single] = np.where(a == "*", OVERLAP, np.where(is_ref, REF, SNP))
    rest = np.flatnonzero(~single)
    if rest.size:
        # Classify each distinct (REF, ALT) pair once; factorize hashes in C.
        keys = ref_s[rest] + "\t" + alt_s[rest]
        codes, uniques = pd.factorize(keys)
        kinds = np.array([_classify(*str(u).split("\t", 1)) for u in uniques], dtype=np.int8)
        out[rest] = kinds[codes]
    return out
