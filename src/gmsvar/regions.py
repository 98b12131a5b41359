"""Genomic intervals and contig-name helpers shared by readers and panels.

Intervals are 1-based and closed (``start <= pos <= end``), as in VCF POS,
``bcftools -r`` and PanelApp locations.

Examples
--------
>>> from gmsvar.regions import Interval, parse_region, merge_intervals, strip_chr
>>> parse_region("chr7:55,019,017-55,211,628")
Interval(contig='chr7', start=55019017, end=55211628)
>>> merge_intervals([Interval("1", 10, 20), Interval("1", 15, 30), Interval("2", 1, 2)])
[Interval(contig='1', start=10, end=30), Interval(contig='2', start=1, end=2)]
>>> strip_chr("chrX"), strip_chr("chrM"), strip_chr("MT")
('X', 'MT', 'MT')
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import NamedTuple

from .errors import InputError

__all__ = ["Interval", "add_chr", "merge_intervals", "parse_region", "strip_chr"]


class Interval(NamedTuple):
    """A 1-based closed genomic interval."""

    contig: str
    start: int
    end: int


_REGION = re.compile(r"^([^:\s]+)(?::([\d,]+)(?:-([\d,]+))?)?$")


def parse_region(text: str) -> Interval:
    """Parse ``chr:start-end``, ``chr:pos`` or ``chr`` (whole contig) into an :class:`Interval`."""
    m = _REGION.match(text.strip())
    if not m:
        raise InputError(f"cannot parse region {text!r}; write it as chr7:55019017-55211628")
    contig, start, end = m.groups()
    if start is None:
        return Interval(contig, 1, 2**31 - 1)
    s = int(start.replace(",", ""))
    e = int(end.replace(",", "")) if end else s
    if e < s or s < 1:
        raise InputError(f"region {text!r} has start {s} after end {e} (or start < 1)")
    return Interval(contig, s, e)


def merge_intervals(intervals: Iterable[Interval]) -> list[Interval]:
    """Sort by (contig, start) and merge overlapping or adjacent intervals."""
    out: list[Interval] = []
    for iv in sorted(intervals, key=lambda i: (i.contig, i.start, i.end)):
        if out and out[-1].contig == iv.contig and iv.start <= out[-1].end + 1:
            last = out[-1]
            out[-1] = Interval(last.contig, last.start, max(last.end, iv.end))
        else:
            out.append(Interval(iv.contig, iv.start, iv.end))
    return out


def strip_chr(name: str) -> str:
    """Canonical contig name without ``chr``; mitochondrion becomes ``MT``."""
    base = name[3:] if name[:3].lower() == "chr" else name
    return "MT" if base.upper() in ("M", "MT") else base


def add_chr(name: str) -> str:
    """UCSC-style name: ``7`` -> ``chr7``, ``MT`` -> ``chrM``."""
    base = strip_chr(name)
    return "chrM" if base == "MT" else f"chr{base}"
