"""Coordinate fallback: protein/c. features of hotspot variants from CHROM/POS/REF/ALT alone.

When a VCF carries no CSQ/ANN/BCSQ annotation, :func:`genomic_features` places
each allele row on the knowledge-base hotspot codons (``codons.tsv``) and exon
maps (``regions.tsv``) of the declared build (GRCh38 or GRCh37):

* substitutions (SNV or MNV within one hotspot codon) are translated with the
  reference codon, giving ``p_kind`` missense/nonsense/synonymous and the new
  residue; the VCF REF must equal the knowledge base's reference bases
  (otherwise ``ref_ok`` is False: wrong build or a mis-normalised record);
* indels and splice-region variants inside a mapped exon (±25 bases of intron)
  get c. keys (:func:`gmsvar.actionable.hgvs.c_key`), codon range, in-frame or
  frameshift class and, for in-frame insertions at a codon boundary, the
  inserted residues.

Alleles are trimmed to their minimal representation first; VCF left-alignment is
kept (HGVS would shift indels 3'-ward in repeats: codon ranges may differ by the
repeat length, see ``flags``).

Examples
--------
>>> import numpy as np
>>> from gmsvar.actionable.genomic import genomic_features
>>> f = genomic_features(np.array(["7", "chr12"], dtype=object), np.array([140753336, 25245351]),
...                      np.array(["A", "C"], dtype=object), np.array(["T", "A"], dtype=object),
...                      build="GRCh38")
>>> f[["gene", "p_kind", "ref_aa", "codon_start", "alt_aa", "hgvsp", "ref_ok"]].values.tolist()
[['BRAF', 'missense', 'V', 600, 'E', 'p.(Val600Glu)', True], \
['KRAS', 'missense', 'G', 12, 'C', 'p.(Gly12Cys)', True]]
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import pandas as pd

from ._common import canonical_contigs
from .hgvs import AA3, C_SCALE
from .kb import kb_table

__all__ = ["CODE", "FEATURE_COLUMNS", "genomic_features", "translate"]

_BASES = "TCAG"
_AMINO = "FFLLSSSSYY**CC*WLLLLPPPPHHQQRRRRIIIMTTTTNNKKSSRRVVVVAAAADDEEGGGG"
#: The standard genetic code (DNA codon -> one-letter residue, ``*`` = stop).
CODE: dict[str, str] = {a + b + c: _AMINO[16 * i + 4 * j + k]
                        for i, a in enumerate(_BASES) for j, b in enumerate(_BASES)
                        for k, c in enumerate(_BASES)}
_ONE_TO_THREE = {v: k for k, v in AA3.items() if k != "Xaa"}
_COMP = str.maketrans("ACGTNacgtn", "TGCANtgcan")

#: Columns produced by both the annotation and the coordinate routes.
FEATURE_COLUMNS = ("row", "gene", "transcript", "p_kind", "ref_aa", "codon_start", "codon_end", "alt_aa",
                   "aa_change", "exon", "exon_trusted", "c_kind", "c_start_key", "c_end_key", "hgvsc",
                   "hgvsp", "method", "ref_ok", "partner", "detail", "match_flags")

_INTRON_PAD = 25


def translate(seq: str) -> str:
    """Translate a coding-strand DNA string (length a multiple of 3); unknown codons give ``X``.

    >>> translate("TTCCAGGAAGCC")
    'FQEA'
    """
    return "".join(CODE.get(seq[i:i + 3].upper(), "X") for i in range(0, len(seq) - len(seq) % 3, 3))


def _revcomp(seq: str) -> str:
    return seq.translate(_COMP)[::-1]


def _trim(pos: int, ref: str, alt: str) -> tuple[int, str, str]:
    """Minimal representation: drop the common prefix, then the common suffix.

    Prefix first keeps the caller's placement of an insertion (after the VCF anchor
    base) instead of sliding it further left when the inserted bases end like the anchor.
    """
    k = 0
    while k < len(ref) and k < len(alt) and ref[k] == alt[k]:
        k += 1
    pos, ref, alt = pos + k, ref[k:], alt[k:]
    while ref and alt and ref[-1] == alt[-1]:
        ref, alt = ref[:-1], alt[:-1]
    return pos, ref, alt


def _empty() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=object) for c in FEATURE_COLUMNS})


def _three(aa: str) -> str:
    return "".join(_ONE_TO_THREE.get(a, "Xaa") for a in aa)


@lru_cache(maxsize=2)
def _region_tables(build: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Codon and exon-map tables of one build (cached; read-only by convention)."""
    key = "grch38" if build == "GRCh38" else "grch37"
    cod = kb_table("codons")
    cod = pd.DataFrame({
        "gene": cod["gene"], "transcript": cod["transcript"], "codon": cod["codon"].astype(np.int64),
        "ref_aa": cod["ref_aa"], "ref_codon": cod["ref_codon"].str.upper(),
        "sign": np.where(cod["strand"] == "-", -1, 1), "chrom": cod["chrom"],
        "c1": cod[f"{key}_c1"].astype(np.int64)})
    reg = kb_table("regions")
    sign = np.where(reg["strand"] == "-", -1, 1)
    g0 = reg[f"{key}_g_at_c_start"].astype(np.int64).to_numpy()
    length = (reg["c_end"].astype(np.int64) - reg["c_start"].astype(np.int64)).to_numpy()
    g1 = g0 + sign * length
    reg = pd.DataFrame({
        "gene": reg["gene"], "transcript": reg["transcript"], "exon": reg["exon"].astype(np.int64),
        "c_start": reg["c_start"].astype(np.int64), "c_end": reg["c_end"].astype(np.int64),
        "sign": sign, "chrom": reg["chrom"], "g0": g0, "lo": np.minimum(g0, g1), "hi": np.maximum(g0, g1),
        "partial": reg["partial"] == "yes"})
    return cod, reg


def _c_key_of(g: int, r: pd.Series) -> tuple[int, bool]:
    """c. key of genomic position ``g`` relative to exon map ``r``; True if inside the exon."""
    s = int(r["sign"])
    if r["lo"] <= g <= r["hi"]:
        return (int(r["c_start"]) + s * (g - int(r["g0"]))) * C_SCALE, True
    five_prime = g < r["lo"] if s == 1 else g > r["hi"]
    if five_prime:
        dist = (r["lo"] - g) if s == 1 else (g - r["hi"])
        return int(r["c_start"]) * C_SCALE - int(dist), False
    dist = (g - r["hi"]) if s == 1 else (r["lo"] - g)
    return int(r["c_end"]) * C_SCALE + int(dist), False


def _fmt_c(key: int) -> str:
    base, off = divmod(key, C_SCALE)
    if off > C_SCALE // 2:
        base, off = base + 1, off - C_SCALE
    return f"{base}{off:+d}" if off else f"{base}"


def genomic_features(
    contigs: np.ndarray,
    positions: np.ndarray,
    refs: np.ndarray,
    alts: np.ndarray,
    *,
    build: str,
    rows: np.ndarray | None = None,
) -> pd.DataFrame:
    """Features (columns :data:`FEATURE_COLUMNS`) of alleles that touch a knowledge-base hotspot.

    Parameters
    ----------
    contigs, positions, refs, alts
        One entry per allele row (VCF CHROM as written, POS, REF, ALT).
    build
        ``"GRCh38"`` or ``"GRCh37"``: which coordinates of the knowledge base to use.
    rows
        Row numbers to report in ``row`` (default ``0..n-1``).

    Returns
    -------
    DataFrame with one row per allele that overlaps a hotspot codon or mapped exon;
    alleles elsewhere are absent.
    """
    n = len(positions)
    row_ids = np.arange(n) if rows is None else np.asarray(rows)
    if n == 0:
        return _empty()
    cod, reg = _region_tables(build)
    canon = canonical_contigs(np.asarray(contigs, dtype=object))
    pos = np.asarray(positions, dtype=np.int64)
    on_kb = np.isin(canon, pd.unique(pd.concat([cod["chrom"], reg["chrom"]])))
    ref_len = np.ones(n, dtype=np.int64)
    ref_len[on_kb] = [len(str(r)) for r in np.asarray(refs, dtype=object)[on_kb]]
    # prefilter: rows whose REF span comes within the padding of any codon or mapped exon
    spans = pd.concat([
        pd.DataFrame({"chrom": cod["chrom"], "lo": np.minimum(cod["c1"], cod["c1"] + 2 * cod["sign"]),
                      "hi": np.maximum(cod["c1"], cod["c1"] + 2 * cod["sign"])}),
        reg[["chrom", "lo", "hi"]]])
    cand = np.zeros(n, dtype=bool)
    for chrom, grp in spans.groupby("chrom"):
        on = canon == chrom
        if not on.any():
            continue
        lo = grp["lo"].to_numpy() - _INTRON_PAD
        hi = grp["hi"].to_numpy() + _INTRON_PAD
        start, end = pos[on], pos[on] + np.maximum(ref_len[on], 1)
        cand[on] = ((start[:, None] <= hi[None, :]) & (end[:, None] >= lo[None, :])).any(axis=1)
    if not cand.any():
        return _empty()
    codon_at: dict[tuple[str, int], tuple[int, int]] = {}
    for ci, (chrom_c, c1, sgn) in enumerate(zip(cod["chrom"], cod["c1"], cod["sign"], strict=True)):
        for k in range(3):
            codon_at[(str(chrom_c), int(c1) + k * int(sgn))] = (ci, k)
    out: list[dict[str, object]] = []
    for i in np.flatnonzero(cand):  # candidates only: a handful of rows near hotspots
        ref, alt = str(refs[i]).upper(), str(alts[i]).upper()
        if alt.startswith("<") or "[" in alt or "]" in alt or alt in (".", "*") or not ref.isalpha():
            continue
        p, r, a = _trim(int(pos[i]), ref, alt)
        if not r and not a:
            continue
        chrom = str(canon[i])
        rec: dict[str, object] | None = None
        if len(r) == len(a) and len(r) <= 3:
            rec = _codon_change(chrom, p, r, a, cod, codon_at)
        if rec is None:
            rec = _region_change(chrom, p, r, a, reg)
        if rec is None:
            continue
        rec["row"] = int(row_ids[i])
        out.append(rec)
    if not out:
        return _empty()
    df = pd.DataFrame(out)
    for c in FEATURE_COLUMNS:
        if c not in df.columns:
            df[c] = ""
    return df[list(FEATURE_COLUMNS)].reset_index(drop=True)


def _codon_change(chrom: str, p: int, r: str, a: str, cod: pd.DataFrame,
                  codon_at: dict[tuple[str, int], tuple[int, int]]) -> dict[str, object] | None:
    found = [codon_at.get((chrom, p + k)) for k in range(len(r))]
    hits = [h for h in found if h is not None]
    if len(hits) != len(r) or len({h[0] for h in hits}) != 1:
        return None
    c = cod.iloc[hits[0][0]]
    sign = int(c["sign"])
    ref_codon = str(c["ref_codon"])
    expected = "".join(ref_codon[h[1]] for h in hits)
    observed = r if sign == 1 else r.translate(_COMP)
    new = list(ref_codon)
    for (_, k), base in zip(hits, a, strict=True):
        new[k] = base if sign == 1 else base.translate(_COMP)
    alt_codon = "".join(new)
    ref_aa, alt_aa = str(c["ref_aa"]), CODE.get(alt_codon, "X")
    kind = "nonsense" if alt_aa == "*" else "synonymous" if alt_aa == ref_aa else "missense"
    codon = int(c["codon"])
    c_first = 3 * codon - 2
    ks = sorted(c_first + h[1] for h in hits)
    if len(r) == 1:
        hgvsc = f"c.{ks[0]}{ref_codon[ks[0] - c_first]}>{new[ks[0] - c_first]}"
    else:
        hgvsc = f"c.{ks[0]}_{ks[-1]}delins{''.join(new[k - c_first] for k in ks)}"
    ok = observed == expected
    return {
        "gene": c["gene"], "transcript": c["transcript"], "p_kind": kind, "ref_aa": ref_aa,
        "codon_start": codon, "codon_end": codon, "alt_aa": alt_aa, "aa_change": 0, "exon": -1,
        "exon_trusted": False, "c_kind": "substitution" if len(r) == 1 else "delins",
        "c_start_key": ks[0] * C_SCALE, "c_end_key": ks[-1] * C_SCALE, "hgvsc": hgvsc,
        "hgvsp": f"p.({_three(ref_aa)}{codon}{'=' if kind == 'synonymous' else _three(alt_aa)})",
        "method": "genomic", "ref_ok": ok, "partner": "", "detail": f"codon {codon} {ref_codon}>{alt_codon}",
        "match_flags": "" if ok else "ref_mismatch_check_build",
    }


def _region_change(chrom: str, p: int, r: str, a: str, reg: pd.DataFrame) -> dict[str, object] | None:
    if r:
        g_first, g_last = p, p + len(r) - 1
    else:  # insertion between p-1 and p
        g_first, g_last = p - 1, p
    near = (reg["lo"] - _INTRON_PAD <= g_last) & (reg["hi"] + _INTRON_PAD >= g_first)
    on = reg[(reg["chrom"] == chrom) & near]
    if on.empty:
        return None
    rr = on.iloc[0]
    k1, in1 = _c_key_of(g_first, rr)
    k2, in2 = _c_key_of(g_last, rr)
    ck1, ck2 = min(k1, k2), max(k1, k2)
    if not r:
        c_kind = "insertion"
    elif not a:
        c_kind = "deletion"
    elif len(r) == len(a) == 1:
        c_kind = "substitution"
    else:
        c_kind = "delins"
    change = len(a) - len(r)
    inside = in1 and in2
    p_kind, codon_start, codon_end, alt_aa, flags = "unknown", -1, -1, "", []
    if inside:
        c_lo, c_hi = ck1 // C_SCALE, ck2 // C_SCALE
        codon_start, codon_end = (c_lo + 2) // 3, (c_hi + 2) // 3
        if change % 3:
            p_kind = "frameshift"
        elif c_kind == "deletion":
            p_kind = "inframe_deletion"
        elif c_kind == "insertion":
            p_kind = "inframe_insertion"
            if c_lo % 3 == 0:  # insertion exactly between two codons: the inserted bases are whole codons
                coding = a if int(rr["sign"]) == 1 else _revcomp(a)
                alt_aa = translate(coding)
        elif c_kind == "delins":
            p_kind = "delins"
        if c_kind in ("deletion", "insertion", "delins") and len(r) + len(a) > 2:
            flags.append("hgvs_position_not_3prime_shifted")
    if bool(rr["partial"]):
        flags.append("exon_map_partial")
    if c_kind == "insertion":
        hgvsc = f"c.{_fmt_c(ck1)}_{_fmt_c(ck2)}ins{a if int(rr['sign']) == 1 else _revcomp(a)}"
    elif c_kind == "substitution":
        c_ref, c_alt = (r, a) if int(rr["sign"]) == 1 else (r.translate(_COMP), a.translate(_COMP))
        hgvsc = f"c.{_fmt_c(ck1)}{c_ref}>{c_alt}"
    else:
        hgvsc = f"c.{_fmt_c(ck1)}" + (f"_{_fmt_c(ck2)}" if ck2 != ck1 else "") + (
            "del" if c_kind == "deletion" else "delins")
    return {
        "gene": rr["gene"], "transcript": rr["transcript"], "p_kind": p_kind, "ref_aa": "X",
        "codon_start": codon_start, "codon_end": codon_end, "alt_aa": alt_aa,
        "aa_change": change // 3 if inside and change % 3 == 0 else 0, "exon": int(rr["exon"]),
        "exon_trusted": inside, "c_kind": c_kind, "c_start_key": ck1, "c_end_key": ck2, "hgvsc": hgvsc,
        "hgvsp": "", "method": "genomic", "ref_ok": True, "partner": "",
        "detail": f"exon {int(rr['exon'])} map", "match_flags": ";".join(flags),
    }
