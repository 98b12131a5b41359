"""Combining criteria: Tavtigian/ACGS points (primary) and the ACMG/AMP 2015 rules, side by side.

No I/O: strengths come in as ``{code: int8 array}`` (0 not met .. 4 Very strong, 5 stand-alone),
classes go out as codes into :data:`CLASSES`.

Examples
--------
>>> import numpy as np
>>> s = {"PVS1": np.array([4, 4, 0], np.int8), "PM2": np.array([1, 1, 0], np.int8),
...      "PS1": np.array([0, 3, 0], np.int8), "BA1": np.array([0, 0, 5], np.int8)}
>>> pts = points(s, {"Very strong": 8, "Strong": 4, "Moderate": 2, "Supporting": 1})
>>> pts.tolist()
[9, 13, -8]
>>> [CLASSES[c] for c in points_class(pts, s["BA1"] > 0, pathogenic=10, likely_pathogenic=6,
...                                   likely_benign=-1, benign=-7)]
['Likely pathogenic', 'Pathogenic', 'Benign']
>>> [CLASSES[c] for c in acmg2015(s)]
['Likely pathogenic', 'Pathogenic', 'Benign']
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

__all__ = [
    "BENIGN",
    "CLASSES",
    "NOT_CLASSIFIED",
    "PATHOGENIC",
    "acmg2015",
    "points",
    "points_class",
    "resolve_double_counting",
]

#: Class labels by code; ordered from most benign to most pathogenic, then "Not classified".
CLASSES: tuple[str, ...] = (
    "Benign",
    "Likely benign",
    "Uncertain significance",
    "Likely pathogenic",
    "Pathogenic",
    "Not classified",
)
B, LB, VUS, LP, P, NOT_CLASSIFIED = range(6)

PATHOGENIC: tuple[str, ...] = (
    "PVS1",
    "PS1",
    "PS2",
    "PS3",
    "PS4",
    "PM1",
    "PM2",
    "PM3",
    "PM4",
    "PM5",
    "PM6",
    "PP1",
    "PP2",
    "PP3",
    "PP4",
)
BENIGN: tuple[str, ...] = ("BA1", "BS1", "BS2", "BS3", "BS4", "BP1", "BP2", "BP3", "BP4", "BP5", "BP7")

_LABEL = {1: "Supporting", 2: "Moderate", 3: "Strong", 4: "Very strong"}

#: (kept, dropped, reason): mutually exclusive criteria; the dropped one is removed when both fire.
DOUBLE_COUNTING: tuple[tuple[str, str, str], ...] = (
    ("PVS1", "PM4", "PVS1 already counts the protein change (no PM4 with PVS1)"),
    ("PVS1", "PP3", "PVS1 already counts the same loss-of-function mechanism (no PP3 with PVS1)"),
    ("PS1", "PM5", "PS1 and PM5 describe the same residue (PS1 kept)"),
    ("BA1", "BS1", "BA1 is stand-alone; BS1 would count the same frequency again"),
    ("BP7", "BP4", "BP7 already uses the splice prediction (no BP4 with BP7)"),
    ("BP3", "PM4", "in-frame indel in a repeat: BP3, not PM4"),
)


def resolve_double_counting(
    strengths: Mapping[str, np.ndarray],
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Drop the weaker member of mutually exclusive pairs; return new strengths and drop masks."""
    out = {k: v.copy() for k, v in strengths.items()}
    dropped: dict[str, np.ndarray] = {}
    for keep, drop, _ in DOUBLE_COUNTING:
        if keep in out and drop in out:
            both = (out[keep] > 0) & (out[drop] > 0)
            if both.any():
                out[drop] = np.where(both, 0, out[drop]).astype(np.int8)
                dropped[drop] = dropped.get(drop, np.zeros(len(both), bool)) | both
    return out, dropped


def points(strengths: Mapping[str, np.ndarray], table: Mapping[str, int]) -> np.ndarray:
    """Sum of points: pathogenic criteria positive, benign negative; BA1 (stand-alone) counts -8."""
    n = len(next(iter(strengths.values()))) if strengths else 0
    lut = np.array(
        [
            0,
            table["Supporting"],
            table["Moderate"],
            table["Strong"],
            table["Very strong"],
            table["Very strong"],
        ],
        dtype=np.int64,
    )
    total = np.zeros(n, dtype=np.int64)
    for code, s in strengths.items():
        sign = -1 if code in BENIGN else 1
        total += sign * lut[np.asarray(s, dtype=np.int64)]
    return total


def points_class(
    pts: np.ndarray,
    ba1: np.ndarray,
    *,
    pathogenic: int,
    likely_pathogenic: int,
    likely_benign: int,
    benign: int,
) -> np.ndarray:
    """Class codes from points; BA1 makes a row Benign whatever else fired."""
    cls = np.full(len(pts), VUS, dtype=np.int8)
    cls[pts >= likely_pathogenic] = LP
    cls[pts >= pathogenic] = P
    cls[pts <= likely_benign] = LB
    cls[pts <= benign] = B
    cls[ba1] = B
    return cls


def acmg2015(strengths: Mapping[str, np.ndarray], *, svi_pvs1_pm2: bool = True) -> np.ndarray:
    """Class codes by the Richards 2015 combining rules (criteria counted at their applied strength).

    A strength-modified criterion counts in the bucket of its strength (``PM2_Supporting`` as a PP,
    ``PVS1_Strong`` as a PS); benign Moderate/Supporting count as BP, Strong/Very strong as BS.
    ``svi_pvs1_pm2``: ClinGen SVI's PVS1 + one Supporting -> Likely pathogenic. Conflicting
    pathogenic and benign results give VUS.
    """
    n = len(next(iter(strengths.values()))) if strengths else 0
    pvs = np.zeros(n, np.int64)
    ps = np.zeros(n, np.int64)
    pm = np.zeros(n, np.int64)
    pp = np.zeros(n, np.int64)
    ba = np.zeros(n, bool)
    bs = np.zeros(n, np.int64)
    bp = np.zeros(n, np.int64)
    for code, s in strengths.items():
        s = np.asarray(s)
        if code in PATHOGENIC:
            pvs += s == 4
            ps += s == 3
            pm += s == 2
            pp += s == 1
        elif code == "BA1":
            ba |= s > 0
        else:
            bs += s >= 3
            bp += (s == 1) | (s == 2)
    path = (
        ((pvs >= 1) & ((ps >= 1) | (pm >= 2) | ((pm == 1) & (pp >= 1)) | (pp >= 2)))
        | (ps >= 2)
        | ((ps == 1) & ((pm >= 3) | ((pm == 2) & (pp >= 2)) | ((pm == 1) & (pp >= 4))))
    )
    lp = (
        ((pvs >= 1) & (pm == 1))
        | ((ps == 1) & ((pm >= 1) & (pm <= 2)))
        | ((ps == 1) & (pp >= 2))
        | (pm >= 3)
        | ((pm == 2) & (pp >= 2))
        | ((pm == 1) & (pp >= 4))
    )
    if svi_pvs1_pm2:
        lp |= (pvs >= 1) & (pp >= 1)
    benign = ba | (bs >= 2)
    lb = ((bs == 1) & (bp >= 1)) | (bp >= 2)
    cls = np.full(n, VUS, dtype=np.int8)
    p_any = path | lp
    b_any = benign | lb
    cls[lp] = LP
    cls[path] = P
    cls[lb & ~p_any] = LB
    cls[benign & ~p_any] = B
    cls[p_any & b_any] = VUS
    return cls


def label(code: str, strength: int, default: int) -> str:
    """``CODE`` or ``CODE_Strength`` (strength-modified) for the ``criteria`` column.

    >>> label("PM2", 1, 2), label("PVS1", 4, 4), label("BA1", 5, 5), label("PP3", 4, 1)
    ('PM2_Supporting', 'PVS1', 'BA1', 'PP3_VeryStrong')
    """
    if strength == default or strength == 5:
        return code
    return f"{code}_{_LABEL[strength].title().replace(' ', '')}"
