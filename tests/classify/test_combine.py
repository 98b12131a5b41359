"""Points (Tavtigian/ACGS) and ACMG/AMP 2015 combining rules."""

from __future__ import annotations

import numpy as np
import pytest

from gmsvar.classify import combine
from gmsvar.classify.combine import CLASSES

PTS = {"Very strong": 8, "Strong": 4, "Moderate": 2, "Supporting": 1}


def _s(**codes: int) -> dict[str, np.ndarray]:
    return {k: np.array([v], dtype=np.int8) for k, v in codes.items()}


def _points_class(**codes: int) -> tuple[int, str]:
    s = _s(**codes)
    pts = combine.points(s, PTS)
    ba1 = s["BA1"] > 0 if "BA1" in s else np.zeros(1, bool)
    cls = combine.points_class(pts, ba1, pathogenic=10, likely_pathogenic=6, likely_benign=-1, benign=-7)
    return int(pts[0]), CLASSES[int(cls[0])]


@pytest.mark.parametrize(
    ("codes", "points", "cls"),
    [
        ({"PVS1": 4, "PM2": 1}, 9, "Likely pathogenic"),
        ({"PVS1": 4, "PM1": 2}, 10, "Pathogenic"),  # points P, 2015 LP
        ({"PS1": 3, "PS3": 3}, 8, "Likely pathogenic"),  # points LP, 2015 P
        ({"PVS1": 4}, 8, "Likely pathogenic"),
        ({"PM2": 1, "BP7": 1}, 0, "Uncertain significance"),
        ({"BP4": 1}, -1, "Likely benign"),
        ({"BS1": 3, "BP4": 3}, -8, "Benign"),
        ({"BA1": 5, "PVS1": 4, "PS3": 3}, 4, "Benign"),  # BA1 stand-alone
        ({}, 0, "Uncertain significance"),
    ],
)
def test_points__classes(codes: dict[str, int], points: int, cls: str) -> None:
    if not codes:
        codes = {"PM2": 0}
    assert _points_class(**codes) == (points, cls)


@pytest.mark.parametrize(
    ("codes", "cls"),
    [
        ({"PVS1": 4, "PS3": 3}, "Pathogenic"),
        ({"PVS1": 4, "PM1": 2}, "Likely pathogenic"),
        ({"PVS1": 4, "PM2": 1}, "Likely pathogenic"),  # ClinGen SVI: PVS1 + PM2_Supporting
        ({"PS1": 3, "PS3": 3}, "Pathogenic"),
        ({"PM1": 2, "PM2": 2, "PM4": 2}, "Likely pathogenic"),
        ({"PS3": 3, "PP1": 1, "PP4": 1}, "Likely pathogenic"),
        ({"PVS1": 4}, "Uncertain significance"),
        ({"BA1": 5}, "Benign"),
        ({"BS1": 3, "BS2": 3}, "Benign"),
        ({"BS1": 3, "BP4": 1}, "Likely benign"),
        ({"BP4": 1, "BP7": 1}, "Likely benign"),
        ({"PVS1": 4, "PS3": 3, "BS1": 3, "BS2": 3}, "Uncertain significance"),  # contradictory classes
        ({"PVS1": 4, "PS3": 3, "BS1": 3}, "Pathogenic"),  # one BS reaches no benign class: no contradiction
    ],
)
def test_acmg2015__rules(codes: dict[str, int], cls: str) -> None:
    assert CLASSES[int(combine.acmg2015(_s(**codes))[0])] == cls


def test_resolve_double_counting__pairs() -> None:
    s = _s(PVS1=4, PM4=2, PP3=1, PS1=3, PM5=2, BA1=5, BS1=3, BP7=1, BP4=1, BP3=1)
    out, dropped = combine.resolve_double_counting(s)
    for code in ("PM4", "PP3", "PM5", "BS1", "BP4"):
        assert out[code][0] == 0 and dropped[code][0]
    for code in ("PVS1", "PS1", "BA1", "BP7", "BP3"):
        assert out[code][0] == s[code][0]
    assert s["PM4"][0] == 2  # inputs untouched


def test_label__strength_modified() -> None:
    assert combine.label("PVS1", 3, 4) == "PVS1_Strong"
    assert combine.label("BP4", 4, 1) == "BP4_VeryStrong"
    assert combine.label("PS3", 3, 3) == "PS3"
