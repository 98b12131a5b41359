"""Byte-level tokenising primitives for the fast VCF reader (:mod:`gmsvar.io.vcf_fast`).

Everything works on arrays of byte offsets into one block of text, never on one
record at a time:

* :class:`TextBlock` views the bytes as ``uint8`` and as unaligned little-endian
  ``uint32``/``uint64`` words starting at any offset, so four or eight bytes of
  every token are fetched with one gather;
* :func:`find` locates the first occurrence of a byte in many segments at once,
  eight bytes per step, with the SWAR "has zero byte" trick;
* :func:`parse_int` / :func:`parse_float` convert decimal tokens four or eight
  digits at a time (SWAR); a float is ``mantissa / 10**k`` (or ``* 10**k``) when
  both are exact doubles, which is the correctly rounded value that htslib's
  parser and ``strtod`` give; the rare other forms go through Python's ``float``;
* :func:`strings` turns many segments into Python ``str`` objects in one
  ``bytes.split`` call.

Anything outside what these functions handle exactly raises :class:`FastUnsupported`.
"""

from __future__ import annotations

import re

import numpy as np

from ..table import INT_MISSING

__all__ = [
    "FastUnsupported", "TextBlock", "delimiters", "factorize", "find", "parse_float",
    "parse_gt", "parse_int", "split", "strings",
]

_PAD = bytes(32)
_U64 = np.uint64
_U32 = np.uint32
_LO = _U64(0x0101010101010101)
_HI = _U64(0x8080808080808080)
_BYTE_INDEX = _U64(0x0001020304050607)
#: MASKS[n] keeps the first n bytes of a little-endian word
MASKS = np.array([(1 << (8 * n)) - 1 for n in range(9)], dtype=np.uint64)
# SWAR digit conversion: for an n-digit token, multiplying its word by 256**(width - n) drops the
# bytes after it and right-aligns it; the vacated low bytes are filled with ASCII '0'. A 0-digit
# token gets 0xFF bytes instead, so it fails the digit check.
_MUL8 = np.array([0] + [256 ** (8 - n) for n in range(1, 9)], dtype=np.uint64)
_ZEROS8 = np.array([0xFFFFFFFFFFFFFFFF] + [int("30" * (8 - n), 16) if n < 8 else 0
                                           for n in range(1, 9)], dtype=np.uint64)
_MUL4 = np.array([0] + [256 ** (4 - n) for n in range(1, 5)], dtype=np.uint32)
_ZEROS4 = np.array([0xFFFFFFFF] + [int("30" * (4 - n), 16) if n < 4 else 0 for n in range(1, 5)],
                   dtype=np.uint32)
_POW10 = 10.0 ** np.arange(23)
_IPOW10 = np.array([10**i for i in range(19)], dtype=np.uint64)
_NL, _DOT, _MINUS, _PLUS, _SLASH, _PIPE = b"\n.-+/|"
_FLOAT_TEXT = re.compile(r"[+-]?(?:nan|inf|infinity|(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?)", re.I)


class FastUnsupported(Exception):
    """The fast reader cannot read this input exactly; the message says why."""


class TextBlock:
    """Text as bytes, ``uint8`` and unaligned ``uint32``/``uint64`` views.

    Built from bytes, or from a list of slices of another block (joined in C).
    """

    def __init__(self, data: bytes | list[bytes | memoryview]) -> None:
        if isinstance(data, bytes):
            self.size = len(data)
            self.data = data + _PAD
        else:  # pieces of another block, joined
            self.data = b"".join([*data, _PAD])
            self.size = len(self.data) - len(_PAD)
        self.a = np.frombuffer(self.data, dtype=np.uint8)
        # word i = the 8 (4) bytes starting at offset i; reads past the text hit the padding
        self.w = np.ndarray((len(self.data) - 7,), dtype="<u8", buffer=self.data, strides=(1,))
        self.w4 = np.ndarray((len(self.data) - 3,), dtype="<u4", buffer=self.data, strides=(1,))
        self._text: str | None = None

    def text(self) -> str | None:
        """The block decoded, when it is ASCII (so character and byte offsets agree)."""
        if self._text is None and self.data.isascii():
            self._text = self.data.decode("ascii")
        return self._text

    def segments(self, starts: np.ndarray, ends: np.ndarray) -> TextBlock:
        """A new block of the segments ``[start, end)`` placed one after another."""
        lens = ends - starts
        if len(lens) and lens.mean() < 48:  # short: one numpy gather
            offsets = np.cumsum(lens) - lens
            return TextBlock(self.a[np.repeat(starts - offsets, lens) +
                                    np.arange(int(lens.sum()))].tobytes())
        view = memoryview(self.data)
        return TextBlock(list(map(view.__getitem__, map(slice, starts.tolist(), ends.tolist()))))


def delimiters(tb: TextBlock, chars: bytes) -> tuple[np.ndarray, np.ndarray]:
    """Offsets and values of every tab/newline (bytes < 11) and of ``chars``, in text order."""
    body = tb.a[: tb.size]
    mask = body < 11
    for c in chars:
        mask |= body == c
    pos = np.flatnonzero(mask)
    return pos, body[pos]


def find(tb: TextBlock, starts: np.ndarray, ends: np.ndarray, byte: int, *, fold: int = 0
         ) -> np.ndarray:
    """Offset of the first ``byte`` in each ``[start, end)``, or ``end`` if there is none.

    ``fold`` is OR-ed into every byte first (0x20 finds ``e`` and ``E`` alike).
    """
    res = ends.copy()
    pattern = _U64(byte * 0x0101010101010101)
    folding = _U64(fold * 0x0101010101010101)
    idx = np.arange(len(starts))
    cur, end = starts, ends
    while len(idx):
        x = (tb.w[cur] | folding) ^ pattern
        zero = (x - _LO) & ~x & _HI  # high bit set in the bytes equal to `byte` (lowest exact)
        low = zero & (~zero + _U64(1))
        pos = cur + ((low >> _U64(7)) * _BYTE_INDEX >> _U64(56)).astype(np.int64)
        hit = zero != 0
        found = hit & (pos < end)
        res[idx[found]] = pos[found]
        more = ~hit & (cur + 8 < end)
        if not more.any():
            break
        idx, cur, end = idx[more], cur[more] + 8, end[more]
    return res


def split(tb: TextBlock, starts: np.ndarray, ends: np.ndarray, sep: int
          ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Split each segment at ``sep``: token starts, ends (grouped by segment), tokens per segment."""
    n = len(starts)
    rounds: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
    idx = np.arange(n)
    cur = starts
    while len(idx):
        e = find(tb, cur, ends[idx], sep)
        rounds.append((cur, e, idx))
        more = e < ends[idx]
        idx, cur = idx[more], e[more] + 1
    if len(rounds) <= 1:
        return starts.copy(), (rounds[0][1] if rounds else ends.copy()), np.ones(n, dtype=np.int64)
    counts = np.zeros(n, dtype=np.int64)
    for _, _, i in rounds:
        counts[i] += 1
    offsets = np.cumsum(counts) - counts
    ts = np.empty(int(counts.sum()), dtype=np.int64)
    te = np.empty_like(ts)
    for r, (s, e, i) in enumerate(rounds):
        ts[offsets[i] + r] = s
        te[offsets[i] + r] = e
    return ts, te, counts


# -- numbers --------------------------------------------------------------------------------
def _digits4(w: np.ndarray, n: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Value of the first ``n`` (0-4) bytes of ``w`` as decimal digits; and whether they are."""
    x = (w * _MUL4[n]) | _ZEROS4[n]  # "12" -> "0012", so all lanes form one number
    d = x - _U32(0x30303030)
    bad = ((x + _U32(0x46464646)) | d) & _U32(0x80808080)
    d = (d * _U32(10) + (d >> _U32(8))) & _U32(0x00FF00FF)
    d = (d * _U32(100) + (d >> _U32(16))) & _U32(0xFFFF)
    return d, bad == 0


def _digits8(w: np.ndarray, n: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """As :func:`_digits4` for up to eight digits in a ``uint64``."""
    x = (w * _MUL8[n]) | _ZEROS8[n]
    d = x - _U64(0x3030303030303030)
    bad = ((x + _U64(0x4646464646464646)) | d) & _HI
    d = (d * _U64(10) + (d >> _U64(8))) & _U64(0x00FF00FF00FF00FF)
    d = (d * _U64(100) + (d >> _U64(16))) & _U64(0x0000FFFF0000FFFF)
    d = (d * _U64(10000) + (d >> _U64(32))) & _U64(0x00000000FFFFFFFF)
    return d, bad == 0


def parse_uint(tb: TextBlock, starts: np.ndarray, lens: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Unsigned decimal integers of 1-16 digits: (values ``uint64``, ok)."""
    if not len(lens):
        return np.zeros(0, dtype=np.uint64), np.zeros(0, dtype=bool)
    longest = int(lens.max())
    n = np.clip(lens, 0, 8)
    if longest <= 4:
        v4, ok = _digits4(tb.w4[starts], n)
        return v4.astype(np.uint64), ok
    if longest <= 8:
        return _digits8(tb.w[starts], n)
    hi_n = np.clip(lens - 8, 0, 8)
    v_lo, ok_lo = _digits8(tb.w[starts + hi_n], n)
    v_hi, ok_hi = _digits8(tb.w[starts], hi_n)
    ok = ok_lo & (ok_hi | (hi_n == 0)) & (lens <= 16)
    return np.where(hi_n > 0, v_hi, _U64(0)) * _U64(100_000_000) + v_lo, ok


def parse_int(tb: TextBlock, starts: np.ndarray, ends: np.ndarray, what: str, *,
              empty_missing: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Decimal integers with an optional '-': (``int32`` values, :data:`INT_MISSING` for '.';
    missing mask). ``empty_missing`` also reads an empty token as missing (htslib FORMAT)."""
    lens = ends - starts
    missing = np.zeros(len(lens), dtype=bool)
    if len(lens) and lens.max() <= 4:
        v, ok = _digits4(tb.w4[starts], np.maximum(lens, 0))
        vals = v.view(np.int32)
    else:
        v64, ok = parse_uint(tb, starts, lens)
        if (v64[ok] > 2_147_483_647).any():
            raise FastUnsupported(f"{what}: a value is outside the 32-bit range htslib stores")
        vals = v64.astype(np.int32)
    if ok.all():
        return vals, missing
    # the few others: '.', empty, or negative numbers
    bad = np.flatnonzero(~ok)
    first = tb.a[starts[bad]]
    blens = lens[bad]
    miss = (blens == 1) & (first == _DOT)
    if empty_missing:
        miss |= blens == 0
    neg = (first == _MINUS) & (blens > 1)
    if not (miss | neg).all():
        raise FastUnsupported(f"{what}: a value is not a plain decimal integer")
    missing[bad[miss]] = True
    vals[bad[miss]] = INT_MISSING
    if neg.any():
        idx = bad[neg]
        nv, nok = parse_uint(tb, starts[idx] + 1, lens[idx] - 1)
        if not nok.all():
            raise FastUnsupported(f"{what}: a value is not a plain decimal integer")
        if (nv > 2_147_483_640).any():
            raise FastUnsupported(f"{what}: a value is in htslib's reserved range")
        vals[idx] = -nv.astype(np.int64)
    return vals, missing


def parse_float(tb: TextBlock, starts: np.ndarray, ends: np.ndarray, what: str, *,
                empty_missing: bool = False) -> np.ndarray:
    """Decimal floats as float64 (NaN for '.'), rounded as htslib/strtod round them."""
    lens = ends - starts
    first = tb.a[starts]
    missing = (lens == 1) & (first == _DOT)
    if empty_missing:
        missing |= lens == 0
    s = starts + ((first == _MINUS) | (first == _PLUS))
    e_pos = find(tb, s, ends, ord("e"), fold=0x20)
    dot = find(tb, s, e_pos, _DOT)
    has_dot = dot < e_pos
    int_n = dot - s
    frac_s = np.where(has_dot, dot + 1, e_pos)
    frac_n = e_pos - frac_s
    vi, oki = parse_uint(tb, s, int_n)
    vf, okf = parse_uint(tb, frac_s, frac_n)
    ok = (oki | (int_n == 0)) & (okf | (frac_n == 0)) & (int_n + frac_n > 0) & (int_n + frac_n <= 18)
    has_e = e_pos < ends
    exp = np.zeros(len(lens), dtype=np.int64)
    if has_e.any():
        ex_first = tb.a[np.minimum(e_pos + 1, tb.size)]
        ex_sign = has_e & ((ex_first == _MINUS) | (ex_first == _PLUS))
        ex_s = e_pos + 1 + ex_sign
        ve, oke = parse_uint(tb, ex_s, np.where(has_e, ends - ex_s, 0))
        ok &= ~has_e | (oke & (ends - ex_s <= 4))
        exp = np.where(has_e, np.where(ex_first == _MINUS, -ve.astype(np.int64), ve.astype(np.int64)),
                       0)
    frac_n = np.clip(frac_n, 0, 18)
    # an empty integer or fraction part ('.5', '5.') counts as 0
    mant = np.where(int_n > 0, vi, _U64(0)) * _IPOW10[frac_n] + np.where(frac_n > 0, vf, _U64(0))
    e10 = exp - frac_n
    exact = ok & (mant <= _U64(1 << 53)) & (np.abs(e10) <= 22)
    m = mant.astype(np.float64)
    p = _POW10[np.clip(np.abs(e10), 0, 22)]
    mag = np.where(e10 >= 0, m * p, m / p)
    vals: np.ndarray = np.where(first == _MINUS, -mag, mag)
    vals[missing] = np.nan
    slow = np.flatnonzero(~exact & ~missing)
    if len(slow):
        texts = strings(tb, starts[slow], ends[slow])
        for i, t in zip(slow.tolist(), texts.tolist(), strict=True):
            if not _FLOAT_TEXT.fullmatch(t):
                raise FastUnsupported(f"{what}: value {t[:30]!r} is not a plain decimal number")
            vals[i] = float(t)
    return vals


# -- strings ------------------------------------------------------------------------------
def strings(tb: TextBlock, starts: np.ndarray, ends: np.ndarray, *, dot_none: bool = False
            ) -> np.ndarray:
    """The segments as an object array of ``str`` (``None`` for '.' if ``dot_none``)."""
    n = len(starts)
    out = np.empty(n, dtype=object)
    if n == 0:
        return out
    lens = ends - starts
    long = lens.mean() > 24
    text = tb.text() if long else None
    try:
        if text is not None:
            out[:] = [text[s:e] for s, e in zip(starts.tolist(), ends.tolist(), strict=True)]
        elif long:
            data = tb.data
            out[:] = [data[s:e].decode() for s, e in zip(starts.tolist(), ends.tolist(), strict=True)]
        else:
            # gather the segments, each followed by a newline, and split once in C
            span = lens + 1
            offsets = np.cumsum(span) - span
            joined = tb.a[np.repeat(starts - offsets, span) + np.arange(int(span.sum()))]
            joined[offsets + lens] = _NL
            parts = joined.tobytes().decode().split("\n")
            parts.pop()
            out[:] = parts
    except UnicodeDecodeError as err:
        raise FastUnsupported(f"text is not valid UTF-8 ({err})") from err
    if dot_none:
        out[(lens == 1) & (tb.a[starts] == _DOT)] = None
    return out


def first_appearance_codes(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Codes (int32) numbering the distinct values in order of first appearance, and where each first is.

    What ``pandas.factorize`` gives, without importing pandas: runs of equal
    neighbours are collapsed, then distinct values are peeled off one at a time
    while they are few (CHROM, FILTER and FORMAT columns have a handful), the rest
    by sorting.

    >>> codes, first = first_appearance_codes(np.array([7, 7, 3, 7, 9, 3], dtype=np.uint64))
    >>> codes.tolist(), first.tolist()
    ([0, 0, 1, 0, 2, 1], [0, 2, 4])
    """
    n = len(values)
    if n == 0:
        return np.zeros(0, dtype=np.int32), np.zeros(0, dtype=np.int64)
    change = np.empty(n, dtype=bool)
    change[0] = True
    np.not_equal(values[1:], values[:-1], out=change[1:])
    runs = np.flatnonzero(change)
    run_values = values[runs]
    run_codes = np.empty(len(runs), dtype=np.int32)
    firsts: list[int] = []
    left = np.arange(len(runs))
    while len(left) and len(firsts) < 16:
        # the earliest run not yet coded starts a new value (all earlier values are coded)
        same = run_values[left] == run_values[left[0]]
        run_codes[left[same]] = len(firsts)
        firsts.append(int(left[0]))
        left = left[~same]
    first_runs = np.array(firsts, dtype=np.int64)
    if len(left):  # many distinct values: sort the rest (they all appear after the coded ones)
        _, first, inverse = np.unique(run_values[left], return_index=True, return_inverse=True)
        order = np.argsort(first, kind="stable")
        rank = np.empty(len(order), dtype=np.int32)
        rank[order] = np.arange(len(order), dtype=np.int32) + len(firsts)
        run_codes[left] = rank[inverse.reshape(-1)]
        first_runs = np.concatenate((first_runs, left[first[order]]))
    codes = np.repeat(run_codes, np.diff(np.append(runs, n)))
    return codes, runs[first_runs]


def factorize(tb: TextBlock, starts: np.ndarray, ends: np.ndarray) -> tuple[list[str], np.ndarray]:
    """Distinct segment texts in order of first appearance, and each segment's code.

    Segments of up to 24 bytes are compared as words (reads past the text stay in the
    block's padding), so only one string per distinct value is created.
    """
    lens = ends - starts
    if len(lens) == 0:
        return [], np.zeros(0, dtype=np.int32)
    if lens.max() > 24:
        texts = strings(tb, starts, ends)
        codes, first = first_appearance_codes(texts)
        return texts[first].tolist(), codes
    words = [tb.w[starts + 8 * j] & MASKS[np.clip(lens - 8 * j, 0, 8)]
             for j in range((int(lens.max()) + 7) // 8 or 1)]
    h = lens.astype(np.uint64)
    for w in words:
        h = (h * _U64(0x9E3779B97F4A7C15)) ^ w
    codes, rep = first_appearance_codes(h)
    same = lens == lens[rep[codes]]
    for w in words:
        same &= w == w[rep[codes]]
    if not same.all():  # a hash collision: compare the texts themselves
        texts = strings(tb, starts, ends)
        codes, first = first_appearance_codes(texts)
        return texts[first].tolist(), codes
    return strings(tb, starts[rep], ends[rep]).tolist(), codes


# -- genotypes ------------------------------------------------------------------------------
def parse_gt(tb: TextBlock, starts: np.ndarray, ends: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """GT strings -> (alleles int16 (n, ploidy) with -1 missing and -2 padding, phased)."""
    n = len(starts)
    lens = ends - starts
    w = tb.w4[starts]
    b0 = (w & _U32(0xFF)).astype(np.int16)
    b1 = ((w >> _U32(8)) & _U32(0xFF)).astype(np.int16)
    b2 = ((w >> _U32(16)) & _U32(0xFF)).astype(np.int16)
    a0 = b0 - 48
    ok0 = ((a0 >= 0) & (a0 <= 9)) | (b0 == _DOT)
    a2 = b2 - 48
    ok2 = ((a2 >= 0) & (a2 <= 9)) | (b2 == _DOT)
    dip = (lens == 3) & ok0 & ok2 & ((b1 == _SLASH) | (b1 == _PIPE))
    hap = (lens == 1) & ok0
    other = np.flatnonzero(~dip & ~hap)
    ploidy = 2 if dip.any() else 1
    extra: tuple[np.ndarray, np.ndarray] | None = None
    if len(other):
        extra = _parse_gt_general(tb, starts[other], lens[other])
        ploidy = max(ploidy, extra[0].shape[1])
    out = np.full((n, ploidy), -2, dtype=np.int16)
    out[:, 0] = np.where(b0 == _DOT, -1, np.where(dip | hap, a0, -2))
    if ploidy > 1:
        out[:, 1] = np.where(dip, np.where(b2 == _DOT, -1, a2), -2)
    phased = dip & (b1 == _PIPE)
    if extra is not None:
        out[other] = -2
        out[other, : extra[0].shape[1]] = extra[0]
        phased[other] = extra[1]
    return out, phased


def _parse_gt_general(tb: TextBlock, starts: np.ndarray, lens: np.ndarray
                      ) -> tuple[np.ndarray, np.ndarray]:
    """Any ploidy, multi-digit alleles (up to 16 characters); mixed phasing is unsupported."""
    m = len(starts)
    if lens.min() < 1 or lens.max() > 16:
        raise FastUnsupported("GT: empty or longer than 16 characters")
    raw = np.stack([tb.w[starts], tb.w[starts + 8]], axis=1).view(np.uint8).reshape(m, 16)
    width = int(lens.max())
    live = np.arange(width)[None, :] < lens[:, None]
    b = raw[:, :width].astype(np.int16)
    sep = live & ((b == _SLASH) | (b == _PIPE))
    ploidy = int(sep.sum(axis=1).max()) + 1
    vals = np.full((m, ploidy), -2, dtype=np.int64)
    k = np.zeros(m, dtype=np.int64)
    acc = np.zeros(m, dtype=np.int64)
    state = np.zeros(m, dtype=np.int8)  # 0 nothing yet, 1 digits, 2 '.'
    phase = np.zeros(m, dtype=np.int8)  # 0 none, 1 '/', 2 '|'
    bad = np.zeros(m, dtype=bool)
    for j in range(width):
        c, on = b[:, j], live[:, j]
        dig = on & (c >= 48) & (c <= 57)
        dot = on & (c == _DOT)
        s = sep[:, j]
        bad |= on & ~(dig | dot | s)
        bad |= (dig & (state == 2)) | (dot & (state != 0)) | (s & (state == 0))
        acc = np.where(dig, acc * 10 + (c - 48), acc)
        state = np.where(dig, 1, np.where(dot, 2, state)).astype(np.int8)
        p = np.where(c == _PIPE, 2, 1).astype(np.int8)
        bad |= s & (phase != 0) & (phase != p)
        phase = np.where(s, p, phase).astype(np.int8)
        fin = np.flatnonzero(s)
        vals[fin, k[fin]] = np.where(state[fin] == 1, acc[fin], -1)
        k += s
        acc = np.where(s, 0, acc)
        state = np.where(s, 0, state).astype(np.int8)
    bad |= state == 0
    if bad.any():
        raise FastUnsupported("GT: not alleles separated by one kind of '/' or '|'")
    vals[np.arange(m), k] = np.where(state == 1, acc, -1)
    if vals.max(initial=0) > 32767:
        raise FastUnsupported("GT: allele index too large")
    return vals.astype(np.int16), phase == 2
