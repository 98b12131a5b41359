"""Parse HGVS protein and coding-DNA strings once, into vectorised columns.

:func:`parse_hgvsp` turns ``p.`` strings (three- or one-letter, with or without a
``ENSP...:`` prefix or parentheses, ``%3D`` decoded or not, bcftools ``600V>600E``)
into ``p_kind`` (``missense``, ``nonsense``, ``synonymous``, ``inframe_deletion``,
``inframe_insertion``, ``duplication``, ``delins``, ``frameshift``, ``stop_lost``,
``start_lost``, ``unknown``, ``none``), ``ref_aa`` (one letter of the first
residue; ``X`` = not given), ``codon_start``, ``codon_end``, ``alt_aa`` (the new
residue, or the inserted residues) and ``aa_change`` (net residues gained, e.g.
-5 for ``p.Glu746_Ala750del``). :func:`parse_hgvsc` gives ``c_kind``
(``substitution``, ``deletion``, ``insertion``, ``duplication``, ``delins``,
``none``) and the affected interval as sortable integer keys (:func:`c_key`):
``c.2888-2`` < ``c.2888`` < ``c.3028+1``.

Parsing is done with pandas string methods over whole columns; rows that match no
pattern get ``unknown`` (p.) or ``none`` (c.) and are never guessed.

Examples
--------
>>> import pandas as pd
>>> from gmsvar.actionable.hgvs import parse_hgvsp, parse_hgvsc
>>> p = parse_hgvsp(pd.Series(["ENSP00000288602.7:p.Val600Glu", "p.(E746_A750del)",
...                            "p.Ala767_Val769dup", "p.Arg1450Ter", None]))
>>> p[["p_kind", "ref_aa", "codon_start", "codon_end", "alt_aa", "aa_change"]].values.tolist()
[['missense', 'V', 600, 600, 'E', 0], ['inframe_deletion', 'E', 746, 750, '', -5], \
['duplication', 'A', 767, 769, '', 3], ['nonsense', 'R', 1450, 1450, '*', 0], \
['none', '', -1, -1, '', 0]]
>>> c = parse_hgvsc(pd.Series(["NM_000245.4:c.3028+1G>T", "c.2888-18_2888-2del"]))
>>> c[["c_kind", "c_start_key", "c_end_key"]].values.tolist()
[['substitution', 302800001, 302800001], ['deletion', 288799982, 288799998]]
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

__all__ = ["AA3", "c_key", "parse_c_position", "parse_hgvsc", "parse_hgvsp", "to_one_letter"]

#: Three-letter amino-acid codes (plus Ter/Xaa) to one letter.
AA3: dict[str, str] = {
    "Ala": "A", "Arg": "R", "Asn": "N", "Asp": "D", "Cys": "C", "Gln": "Q", "Glu": "E", "Gly": "G",
    "His": "H", "Ile": "I", "Leu": "L", "Lys": "K", "Met": "M", "Phe": "F", "Pro": "P", "Ser": "S",
    "Thr": "T", "Trp": "W", "Tyr": "Y", "Val": "V", "Sec": "U", "Pyl": "O", "Ter": "*", "Xaa": "X",
}
_AA3_RE = re.compile("|".join(AA3))

#: Offsets are stored as ``base * C_SCALE + offset``; intronic offsets stay far below C_SCALE / 2.
C_SCALE = 100_000
_UTR3_BASE = 10_000_000  # c.*N sorts after every coding position


def to_one_letter(values: pd.Series) -> pd.Series:
    """Replace three-letter residue codes by one letter (``Glu746_Ala750del`` -> ``E746_A750del``)."""
    return values.str.replace(_AA3_RE, lambda m: AA3[m.group(0)], regex=True)


def _clean_p(values: pd.Series) -> pd.Series:
    s = values.astype("string")
    s = s.str.replace(r"^[^:]*:", "", regex=True)
    s = s.str.replace("%3D", "=", regex=False)
    s = s.str.replace(r"^p\.", "", regex=True)
    s = s.str.replace(r"^\((.*)\)$", r"\1", regex=True)
    return to_one_letter(s)


_P_PATTERNS: list[tuple[str, str]] = [
    # (kind, regex with groups r1 c1 r2 c2 alt) - order matters
    ("synonymous", r"^(?P<r1>[A-Z*])(?P<c1>\d+)=$"),
    ("frameshift", r"^(?P<r1>[A-Z*])(?P<c1>\d+)(?P<alt>[A-Z*]?)fs(?:\*|X)?(?:\d+|\?)?$"),
    ("stop_lost", r"^(?P<r1>\*)(?P<c1>\d+)(?P<alt>[A-Z])ext\*?(?:\d+|\?)?$"),
    ("start_lost", r"^(?P<r1>M)(?P<c1>1)(?:\?|ext-\d+)$"),
    ("delins", r"^(?P<r1>[A-Z*])(?P<c1>\d+)(?:_(?P<r2>[A-Z*])(?P<c2>\d+))?delins(?P<alt>[A-Z*]+)$"),
    ("inframe_deletion", r"^(?P<r1>[A-Z*])(?P<c1>\d+)(?:_(?P<r2>[A-Z*])(?P<c2>\d+))?del$"),
    ("duplication", r"^(?P<r1>[A-Z*])(?P<c1>\d+)(?:_(?P<r2>[A-Z*])(?P<c2>\d+))?dup$"),
    ("inframe_insertion", r"^(?P<r1>[A-Z*])(?P<c1>\d+)_(?P<r2>[A-Z*])(?P<c2>\d+)ins(?P<alt>[A-Z*]+|\d+)$"),
    ("substitution", r"^(?P<r1>[A-Z*])(?P<c1>\d+)(?P<alt>[A-Z*])$"),
    # bcftools csq amino_acid_change, e.g. 600V>600E
    ("substitution", r"^(?P<c1>\d+)(?P<r1>[A-Z*])>(?P=c1)(?P<alt>[A-Z*])$"),
]


def parse_hgvsp(values: pd.Series) -> pd.DataFrame:
    """Parse HGVS ``p.`` strings (one per row) into columns; see the module docstring.

    Returns
    -------
    DataFrame with the index of ``values`` and columns ``p_kind``, ``ref_aa``,
    ``codon_start``, ``codon_end`` (int, -1 when absent), ``alt_aa`` and
    ``aa_change`` (int; residues gained, negative for deletions).
    A duplication has an empty ``alt_aa`` (HGVS names only its end residues).
    """
    idx = values.index
    s = _clean_p(pd.Series(values, index=idx))
    n = len(s)
    kind = np.full(n, "unknown", dtype=object)
    ref_aa = np.full(n, "", dtype=object)
    alt_aa = np.full(n, "", dtype=object)
    c1 = np.full(n, -1, dtype=np.int64)
    c2 = np.full(n, -1, dtype=np.int64)
    change = np.zeros(n, dtype=np.int64)
    missing = s.isna().to_numpy() | (s.fillna("") == "").to_numpy()
    kind[missing] = "none"
    todo = ~missing
    for k, pat in _P_PATTERNS:
        if not todo.any():
            break
        sub = s[todo]
        m = sub.str.extract(pat)
        hit = m["c1"].notna().to_numpy()
        if not hit.any():
            continue
        rows = np.flatnonzero(todo)[hit]
        mh = m[hit]
        start = mh["c1"].astype(np.int64).to_numpy()
        end = (mh["c2"].fillna(mh["c1"]).astype(np.int64).to_numpy() if "c2" in mh else start)
        r1 = mh["r1"].fillna("X").to_numpy(dtype=object)
        alt = mh["alt"].fillna("").to_numpy(dtype=object) if "alt" in mh else np.full(len(rows), "")
        span = end - start + 1
        c1[rows], c2[rows], ref_aa[rows] = start, end, r1
        if k == "substitution":
            alts = alt.astype(str)
            kind[rows] = np.where(alts == "*", "nonsense",
                                  np.where(alts == r1.astype(str), "synonymous", "missense"))
            alt_aa[rows] = alts
        elif k == "inframe_deletion":
            kind[rows] = k
            change[rows] = -span
        elif k == "duplication":
            kind[rows] = k
            change[rows] = span
        elif k == "inframe_insertion":
            kind[rows] = k
            ins = alt.astype(str)
            alt_aa[rows] = ins
            change[rows] = [int(x) if x.isdigit() else len(x) for x in ins]
        elif k == "delins":
            kind[rows] = k
            ins = alt.astype(str)
            alt_aa[rows] = ins
            change[rows] = np.array([len(x) for x in ins], dtype=np.int64) - span
        else:
            kind[rows] = k
            alt_aa[rows] = alt
        todo[rows] = False
    return pd.DataFrame({"p_kind": kind, "ref_aa": ref_aa, "codon_start": c1, "codon_end": c2,
                         "alt_aa": alt_aa, "aa_change": change}, index=idx)


_C_POS = r"(?P<{b}>[-*]?\d+)(?P<{o}>[+-]\d+)?"
_C_RE = (r"^" + _C_POS.format(b="b1", o="o1") + r"(?:_" + _C_POS.format(b="b2", o="o2") + r")?"
         r"(?P<event>[ACGTN]*>[ACGTN]+|delins[ACGTN]+|del[ACGTN]*ins[ACGTN]+|del[ACGTN]*|dup[ACGTN]*"
         r"|ins[ACGTN]+|inv[ACGTN]*|=)$")


def c_key(base: int | str, offset: int = 0) -> int:
    """Sortable integer key of a c. position (``c_key(2888, -2)`` for ``c.2888-2``).

    >>> c_key(2888, -2) < c_key(2888) < c_key(3028, 1) < c_key("*5")
    True
    """
    b = str(base)
    val = _UTR3_BASE + int(b[1:]) if b.startswith("*") else int(b)
    return val * C_SCALE + int(offset)


def parse_c_position(text: str) -> int:
    """Key of a c. position written as text: ``"2888-2"``, ``"3028+1"``, ``"*12"``, ``"-5"``.

    >>> parse_c_position("3028+2") == c_key(3028, 2)
    True
    """
    m = re.fullmatch(r"([-*]?\d+)([+-]\d+)?", text.strip())
    if not m:
        raise ValueError(f"not a c. position: {text!r}")
    return c_key(m.group(1), int(m.group(2) or 0))


def _keys(base: pd.Series, off: pd.Series) -> np.ndarray:
    b = base.fillna("0").astype(str)
    utr3 = b.str.startswith("*").to_numpy()
    num = b.str.lstrip("*").astype(np.int64).to_numpy()
    num = np.where(utr3, _UTR3_BASE + num, num)
    o = off.fillna("0").astype(np.int64).to_numpy()
    return np.asarray(num * C_SCALE + o, dtype=np.int64)


def parse_hgvsc(values: pd.Series) -> pd.DataFrame:
    """Parse HGVS ``c.`` strings into ``c_kind``, ``c_start_key``, ``c_end_key`` (-1 if unparsed).

    ``c_start_key <= c_end_key`` in transcript order; an insertion ``c.10_11insA``
    spans its two flanking positions.
    """
    idx = values.index
    s = pd.Series(values, index=idx).astype("string")
    s = s.str.replace(r"^[^:]*:", "", regex=True).str.replace(r"^c\.", "", regex=True)
    m = s.str.extract(_C_RE)
    ok = m["b1"].notna().to_numpy()
    n = len(s)
    start = np.full(n, -1, dtype=np.int64)
    end = np.full(n, -1, dtype=np.int64)
    kind = np.full(n, "none", dtype=object)
    if ok.any():
        mo = m[ok]
        k1 = _keys(mo["b1"], mo["o1"])
        k2 = np.where(mo["b2"].notna().to_numpy(), _keys(mo["b2"].fillna(mo["b1"]), mo["o2"]), k1)
        start[ok], end[ok] = np.minimum(k1, k2), np.maximum(k1, k2)
        ev = mo["event"].astype(str)
        kk = np.select(
            [ev.str.contains(">").to_numpy(), ev.str.startswith("delins").to_numpy(),
             ev.str.match(r"^del[ACGTN]*ins").to_numpy(), ev.str.startswith("del").to_numpy(),
             ev.str.startswith("dup").to_numpy(), ev.str.startswith("ins").to_numpy(),
             ev.str.startswith("inv").to_numpy()],
            ["substitution", "delins", "delins", "deletion", "duplication", "insertion", "inversion"],
            default="none")
        kind[ok] = kk
    return pd.DataFrame({"c_kind": kind, "c_start_key": start, "c_end_key": end}, index=idx)
