"""C path of the fast reader's FORMAT parsing (the sample columns of a block of records).

:func:`parse_format` computes exactly what the numpy code of
:func:`gmsvar.io.vcf_fast._parse_format` computes for a block (GT alleles, phasing, and
each needed FORMAT key's values, record widths and presence), with the C extension
:mod:`gmsvar.io._fmt`: one pass over the text, without the GIL, so the reader's worker
threads run it in parallel. Every numeric FORMAT sub-field of the kept samples is still
checked, because htslib rejects a record with a bad one.

Whatever the C code does not read exactly as the numpy code does (a Float written with
more than 18 digits or as ``nan``, a bad value, an odd GT...) raises
:class:`~gmsvar.io.vcf_tokens.FastUnsupported`; the caller then runs the numpy code on
that block, which reads it or raises the reason itself. Without the extension
(:data:`AVAILABLE` is False) the numpy code runs every block.

>>> import numpy as np
>>> from gmsvar.io.vcf_fast import FastPlan
>>> from gmsvar.io.vcf_tokens import TextBlock
>>> from gmsvar.table import FieldDef
>>> tb = TextBlock(b"1\\t10\\t.\\tA\\tC\\t50\\tPASS\\t.\\tGT:DP\\t0/1:12\\t1|1:.\\n")
>>> plan = FastPlan(n_columns=11, sample_columns=(9, 10), info={}, raw_info=(),
...                 format={"DP": FieldDef("DP", "1", "Integer")}, numeric_format={},
...                 declared={})
>>> grid = np.flatnonzero(tb.a[: tb.size] < 11).reshape(1, 11)  # tabs and the newline
>>> gt, has_gt, phased, fmt = parse_format(tb, plan, 1, grid, [["GT", "DP"]],
...                                        np.zeros(1, dtype=np.int32))
>>> gt.tolist(), phased.tolist(), fmt["DP"][0][..., 0].tolist()
([[[0, 1], [1, 1]]], [[False, True]], [[12, -2147483648]])
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from .vcf_tokens import FastUnsupported, TextBlock, strings

if TYPE_CHECKING:
    from .vcf_fast import FastPlan

try:
    from . import _fmt
except ImportError:  # pragma: no cover - the extension is built by `pip install -e .`
    _fmt = None  # type: ignore[assignment]

__all__ = ["AVAILABLE", "call_columns", "info_items", "line_grid", "parse_format"]

#: Whether the C extension is importable.
AVAILABLE = _fmt is not None

_GT, _INT, _FLOAT, _STR, _INT_CHECK, _FLOAT_CHECK = range(6)
_KEPT = {"Integer": _INT, "Float": _FLOAT, "String": _STR, "Character": _STR}
_SKIP, _NONE = -2, -1
_DOT = ord(".")
#: values per call to expect, by Number= (a biallelic record for R and G)
_WIDTH = {"R": 2, "G": 3}

FormatArrays = tuple[np.ndarray, np.ndarray, np.ndarray]


def _slots(plan: FastPlan, names: list[str]) -> tuple[list[str], list[int], list[int]]:
    """The keys the C code parses (as the numpy code chooses them) and what it does with each."""
    slots: list[str] = []
    kinds: list[int] = []
    hints: list[int] = []
    for name in names:
        d = plan.format.get(name, plan.numeric_format.get(name))
        if name == "GT":
            kind = _GT
        elif d is None or not (name in plan.format or d.type in ("Integer", "Float")):
            continue  # undeclared (htslib reads it as a String) or a String nobody asked for
        elif name in plan.format:
            if d.type not in _KEPT:
                raise FastUnsupported(f"FORMAT/{name}: Type={d.type}")
            kind = _KEPT[d.type]
        else:
            kind = _INT_CHECK if d.type == "Integer" else _FLOAT_CHECK
        slots.append(name)
        kinds.append(kind)
        number = d.number if d is not None else "1"
        hints.append(int(number) if number.isdigit() else _WIDTH.get(number, 1))
    return slots, kinds, hints


def line_grid(tb: TextBlock, n_columns: int) -> np.ndarray | None:
    """Offsets of the first 9 tabs and of the newline of each record line of ``tb``.

    Returns (lines, min(n_columns, 10)) int64, the newline last; None where a line
    does not have ``n_columns`` columns or the text has a control character or a
    carriage return (the caller's numpy code then says which), or without the extension.

    >>> line_grid(TextBlock(b"1\\t5\\t.\\tA\\tC\\t.\\t.\\t.\\n"), 8).tolist()
    [[1, 3, 5, 7, 9, 11, 13, 15]]
    >>> line_grid(TextBlock(b"1\\t5\\r\\n"), 8) is None
    True
    """
    if _fmt is None:
        return None
    try:
        n, m, mem = _fmt.lines(tb.data, tb.size, n_columns)
    except ValueError:
        return None
    return np.frombuffer(mem, dtype=np.int64).reshape(n, m)


def info_items(tb: TextBlock, starts: np.ndarray, ends: np.ndarray
               ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray] | None:
    """Start, end, first '=' (else the end) and record of each non-empty ';'-separated item of
    the INFO columns ``tb[starts[r]:ends[r]]``, in text order. The text must have passed
    :func:`line_grid` (no control characters). None without the extension, or for a tab or
    newline inside a column (the caller's numpy code then says what is wrong).

    >>> tb = TextBlock(b"DP=5;;DB;X=1,2\t...")
    >>> [a.tolist() for a in info_items(tb, np.array([0]), np.array([14]))]
    [[0, 6, 9], [4, 8, 14], [2, 8, 10], [0, 0, 0]]
    """
    if _fmt is None:
        return None
    try:
        k, mem = _fmt.info_items(tb.data, np.ascontiguousarray(starts, dtype=np.int64),
                                 np.ascontiguousarray(ends, dtype=np.int64))
    except ValueError:
        return None
    items = np.frombuffer(mem, dtype=np.int64).reshape(4, k)
    return items[0], items[1], items[2], items[3]


def parse_format(
    tb: TextBlock, plan: FastPlan, n: int, grid: np.ndarray, groups: list[list[str]],
    codes: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, dict[str, FormatArrays]]:
    """GT (n, s, ploidy), records with GT, phasing (n, s), and the needed FORMAT keys' values.

    ``groups`` are the distinct FORMAT layouts (checked key lists) and ``codes`` the
    layout of each record. Keys of ``plan.format`` that no layout has are left to the
    caller. Raises :class:`FastUnsupported` where the numpy code must decide.
    """
    if _fmt is None:
        raise FastUnsupported("the C extension gmsvar.io._fmt is not built")
    s = len(plan.sample_columns)
    n_file = plan.n_columns - 9
    columns = np.asarray(plan.sample_columns, dtype=np.int64) - 9
    if (np.diff(columns) <= 0).any() or (columns < 0).any() or (columns >= n_file).any():
        raise FastUnsupported("sample columns not in file order")  # as the reader makes them
    names = list(dict.fromkeys(k for keys in groups for k in keys))
    slots, kinds, hints = _slots(plan, names)
    index = {name: k for k, name in enumerate(slots)}
    width = max(len(keys) for keys in groups)
    layout = np.full((len(groups), width), _NONE, dtype=np.int32)
    for g, keys in enumerate(groups):
        layout[g, : len(keys)] = [index.get(k, _SKIP) for k in keys]
    ranks = np.full(n_file, -1, dtype=np.int32)
    ranks[columns] = np.arange(s, dtype=np.int32)
    try:
        gt_mem, ploidy, phased_mem, outs = _fmt.parse(
            tb.data, grid[:, 8] + 1, np.ascontiguousarray(grid[:, -1]), ranks, s,
            np.ascontiguousarray(codes, dtype=np.int32), layout,
            np.array([len(keys) for keys in groups], dtype=np.int32), np.array(kinds, dtype=np.int32),
            np.array(hints, dtype=np.int32),
        )
    except ValueError as err:
        raise FastUnsupported(f"C FORMAT parser: {err}") from err
    in_group = np.zeros((len(groups), len(slots) + 1), dtype=bool)
    for g, keys in enumerate(groups):
        in_group[g, [index[k] for k in keys if k in index]] = True
    gt = np.frombuffer(gt_mem, dtype=np.int16).reshape(n, s, ploidy)
    phased = np.frombuffer(phased_mem, dtype=bool).reshape(n, s)
    has_gt = in_group[codes, index["GT"]] if "GT" in index else np.zeros(n, dtype=bool)
    fmt: dict[str, FormatArrays] = {}
    for k, (name, kind) in enumerate(zip(slots, kinds, strict=True)):
        if kind not in (_INT, _FLOAT, _STR) or name not in plan.format:
            continue
        present = in_group[codes, k]
        if kind == _STR:
            starts = np.frombuffer(outs[k][0], dtype=np.int64)
            ends = np.frombuffer(outs[k][1], dtype=np.int64)
            texts = np.full(n * s, None, dtype=object)
            has = np.flatnonzero(starts >= 0)
            ts, te = starts[has], ends[has]
            got = strings(tb, ts, te)
            got[(te == ts) | ((te - ts == 1) & (tb.a[ts] == _DOT))] = None
            texts[has] = got
            fmt[name] = (texts.reshape(n, s, 1), present, present.astype(np.int64))
            continue
        mem, w, rec_width = outs[k]
        values = np.frombuffer(mem, dtype=np.int32 if kind == _INT else np.float32)
        fmt[name] = (values.reshape(n, s, w), present, np.frombuffer(rec_width, dtype=np.int64))
    return gt, has_gt, phased, fmt


def call_columns(
    n_alt: np.ndarray, gt: np.ndarray, has_gt: np.ndarray, phased: np.ndarray,
    ad: tuple[np.ndarray, np.ndarray] | None, dp: tuple[np.ndarray, np.ndarray] | None,
    gq: tuple[np.ndarray, np.ndarray] | None, *, ploidy: int, ad_width: int,
    out: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray | None,
               np.ndarray | None],
) -> None:
    """The standard ``call_*`` columns of the allele rows of some records, written into ``out``.

    What :meth:`gmsvar.io.buffer.RecordBuffer.build` computes with numpy when the allele
    depths come from FORMAT/AD alone, from one block's own arrays (as
    :class:`~gmsvar.io.blocks.RecordBlock` holds them): ``n_alt`` (records,), ``gt``
    int16 (records, samples, block ploidy), ``has_gt``, ``phased``; ``ad``/``dp``/``gq``
    are (values (records, samples, width), present (records,)) or None (absent: missing).
    ``ploidy`` and ``ad_width`` are the chunk's GT and AD widths. ``out`` holds the
    C-contiguous arrays to fill for the allele rows (one per ALT, or one for a record
    without ALT): genotype int8 (rows, samples, ploidy), phased bool, allele depth int32
    (rows, samples, 2), depth int32, genotype quality int32, and VAF float32 and its
    source code int8 from AD (or both None). Raises :class:`FastUnsupported` where
    numpy must compute these rows (a Float GQ outside the int32 range, odd arrays).

    >>> import numpy as np
    >>> gt = np.array([[[0, 1]], [[1, 2]]], dtype=np.int16)
    >>> ad = np.array([[[7, 3, -2147483647]], [[1, 4, 5]]], dtype=np.int32)
    >>> out = (np.empty((3, 1, 2), np.int8), np.empty((3, 1), bool), np.empty((3, 1, 2), np.int32),
    ...        np.empty((3, 1), np.int32), np.empty((3, 1), np.int32), np.empty((3, 1), np.float32),
    ...        np.empty((3, 1), np.int8))
    >>> call_columns(np.array([1, 2]), gt, np.ones(2, bool), np.zeros((2, 1), bool),
    ...              (ad, np.ones(2, bool)), None, None, ploidy=2, ad_width=3, out=out)
    >>> out[0][:, 0].tolist(), out[2][:, 0].tolist(), out[3][:, 0].tolist()
    ([[0, 1], [1, 0], [0, 1]], [[7, 3], [1, 4], [1, 5]], [10, 10, 10])
    >>> [round(float(v), 2) for v in out[5][:, 0]]
    [0.3, 0.4, 0.5]
    """
    if _fmt is None:
        raise FastUnsupported("the C extension gmsvar.io._fmt is not built")
    s, block_ploidy = gt.shape[1:]

    def given(x: tuple[np.ndarray, np.ndarray] | None) -> tuple[np.ndarray | None, int, np.ndarray | None]:
        if x is None:
            return None, 1, None
        return np.ascontiguousarray(x[0]), x[0].shape[2], np.ascontiguousarray(x[1], dtype=bool)

    ad_v, ad_w, ad_p = given(ad)
    dp_v, dp_w, dp_p = given(dp)
    gq_v, gq_w, gq_p = given(gq)
    if (ad_v is not None and ad_v.dtype != np.int32) or (dp_v is not None and dp_v.dtype != np.int32) \
            or (gq_v is not None and gq_v.dtype not in (np.int32, np.float32)):
        raise FastUnsupported("FORMAT values of an unexpected type")
    try:
        _fmt.calls(
            s, ploidy, ad_width, np.ascontiguousarray(n_alt, dtype=np.int64),
            np.ascontiguousarray(gt, dtype=np.int16), block_ploidy,
            np.ascontiguousarray(has_gt, dtype=bool), np.ascontiguousarray(phased, dtype=bool),
            ad_v, ad_w, ad_p, dp_v, dp_w, dp_p, gq_v, gq_w, gq_p,
            gq_v is not None and gq_v.dtype == np.float32, *out,
        )
    except (ValueError, BufferError) as err:
        raise FastUnsupported(f"C call kernel: {err}") from err
