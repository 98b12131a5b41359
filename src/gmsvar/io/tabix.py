"""Region queries through a tabix (``.tbi``) index without htslib, for the fast reader.

``read_vcf(path, regions=..., backend="fast")`` reads only the parts of a bgzipped
VCF that the index points to, as htslib's tabix iterator (which cyvcf2 and pysam
use) does:

* the index is inflated and walked once (C, :mod:`gmsvar.io._tabix`): reference
  names, and per reference its bins (each a list of chunks, i.e. pairs of BGZF
  virtual offsets) and its linear index (the first record offset per 16 kb window);
* for the merged, sorted intervals of each contig, the chunks of every bin that
  overlaps an interval and ends after the linear-index bound of the interval start
  are collected, sorted and merged the way ``hts_itr_query`` does;
* only those BGZF blocks are read and inflated (in a thread pool; ``isal`` when it
  is installed, else ``zlib``; CRCs are checked), cut to the chunks, and each record
  line is kept when its span overlaps an interval. The span is tabix's for VCF
  (``tbx_parse1``): ``POS-1`` to ``POS-1+len(REF)`` (0-based, half-open), or to
  ``INFO/END`` when END is larger than ``POS-1``, whatever the ALT alleles are;
* a record overlapping two intervals is kept once, and contigs come in the order
  of the intervals (sorted by name), records in file order within a contig: the
  order and de-duplication ``_Reader._records`` gives the cyvcf2 backend;
* kept lines are tokenised by :func:`gmsvar.io.vcf_fast.parse_block`.

Anything unusual raises :class:`~gmsvar.io.vcf_tokens.FastUnsupported` and the
reader falls back to cyvcf2: a CSI index (htslib prefers a ``.csi`` when both
exist), an index that is not a VCF tabix index, a corrupt block, a record of
another contig inside an indexed range, ``POS`` or ``INFO/END`` written in a form
``strtoll`` reads differently from plain decimal (e.g. ``END=010``), or a missing
C extension.

Examples
--------
>>> import gmsvar
>>> from gmsvar.io.tabix import load_tabix
>>> path = gmsvar.example_path("lynch_germline.vcf.gz")
>>> load_tabix(path).names
('chr3', 'chr7', 'chr17')
>>> t = gmsvar.read_vcf(path, regions=["chr3:37000000-37100000", "17:7676154"], backend="fast")
>>> t.meta.provenance["reader"], t["variant_position"].tolist()  # chr17 sorts before chr3
('gmsvar.read_vcf (backend fast)', [7676154, 37012077, 37012098, 37042249])
"""

from __future__ import annotations

import os
import struct
from collections import deque
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .vcf_tokens import FastUnsupported

if TYPE_CHECKING:
    from ..regions import Interval
    from .blocks import RecordBlock
    from .vcf_fast import FastPlan

try:
    from . import _tabix
except ImportError:  # pragma: no cover - built by setup.py; without it regions use cyvcf2
    _tabix = None  # type: ignore[assignment]

try:  # isal inflates about twice as fast as zlib and also releases the GIL
    from isal import isal_zlib as _zlib
except ImportError:  # pragma: no cover - isal is optional
    import zlib as _zlib  # type: ignore[no-redef]

__all__ = [
    "TabixIndex", "index_contigs", "index_files", "load_tabix", "region_blocks", "region_line_blocks",
]

#: Largest BGZF block (compressed and inflated), bytes.
_BGZF_MAX = 1 << 16
#: Compressed bytes read and inflated per task.
PIECE_BYTES = 1 << 20
#: Compressed bytes of the pieces inflated by one task (at least one piece).
TASK_BYTES = 1 << 18
#: Inflate tasks submitted ahead of the one being consumed.
_LOOKAHEAD = 4


def index_files(path: str) -> tuple[str | None, str | None]:
    """The CSI and tabix index files htslib would look for next to ``path`` (None: absent).

    htslib tries ``path + ext`` and then ``path`` with its last extension replaced
    (``x.vcf.gz`` -> ``x.vcf.csi``), ``.csi`` before ``.tbi``.

    >>> index_files("no/such/file.vcf.gz")
    (None, None)
    """
    found: list[str | None] = []
    for ext in (".csi", ".tbi"):
        stem, dot, _ = path.rpartition(".")
        cands = [path + ext] + ([stem + ext] if dot and "/" not in path[len(stem):] else [])
        found.append(next((c for c in cands if os.path.isfile(c)), None))
    return found[0], found[1]


def _inflate_list(raw: bytes | memoryview, what: str) -> list[bytes]:
    """Inflate a run of complete BGZF blocks (checking each CRC), one bytes per block."""
    out = []
    off, n = 0, len(raw)
    while off < n:
        if n - off < 28 or raw[off : off + 4] != b"\x1f\x8b\x08\x04" or raw[off + 12 : off + 14] != b"BC":
            raise FastUnsupported(f"{what}: not a standard BGZF block layout")
        size = int.from_bytes(raw[off + 16 : off + 18], "little") + 1
        if off + size > n:
            raise FastUnsupported(f"{what}: truncated BGZF block")
        try:
            out.append(_zlib.decompress(raw[off : off + size], 31))
        except Exception as err:  # zlib.error or isal's IsalError: corrupt data or bad CRC
            raise FastUnsupported(f"{what}: corrupt compressed data ({err})") from err
        off += size
    return out


def _inflate_blocks(raw: bytes | memoryview, what: str) -> bytes:
    """Inflate a run of complete BGZF blocks (checking each CRC) into one text."""
    out = _inflate_list(raw, what)
    return out[0] if len(out) == 1 else b"".join(out)


def _block_starts(raw: bytes, what: str) -> list[int]:
    """Offsets of the BGZF blocks of ``raw``, and its length at the end."""
    starts = []
    off = 0
    while off < len(raw):
        if len(raw) - off < 18:
            raise FastUnsupported(f"{what}: truncated BGZF block")
        starts.append(off)
        off += int.from_bytes(raw[off + 16 : off + 18], "little") + 1
    if off != len(raw):
        raise FastUnsupported(f"{what}: truncated BGZF block")
    return [*starts, off]


class _IndexText:
    """An index file inflated block run by block run, as far as a reader needs it.

    A large run is inflated in two threads (the inflaters release the GIL).
    """

    #: fractions of the index inflated by the successive rounds of :meth:`more`
    ROUNDS = (0.125, 0.25, 0.5, 1.0)

    def __init__(self, path: str) -> None:
        self.path = path
        with open(path, "rb") as fh:
            self.raw = fh.read()
        if self.raw[:2] != b"\x1f\x8b":
            raise FastUnsupported(f"{path}: index is not BGZF-compressed")
        self.starts = _block_starts(self.raw, path)
        self.n_blocks = len(self.starts) - 1
        self.done = 0  # blocks inflated
        self.data = bytearray()
        self.round = 0

    @property
    def complete(self) -> bool:
        return self.done == self.n_blocks

    def more(self, pool: ThreadPoolExecutor | None, *, blocks: int | None = None) -> None:
        """Inflate the next ``blocks`` blocks (default: up to the next round's fraction)."""
        if blocks is None:
            while self.round < len(self.ROUNDS) and self.ROUNDS[self.round] * self.n_blocks <= self.done:
                self.round += 1
            frac = self.ROUNDS[min(self.round, len(self.ROUNDS) - 1)]
            blocks = max(int(frac * self.n_blocks) - self.done, 1)
        lo, hi = self.done, min(self.done + blocks, self.n_blocks)
        view = memoryview(self.raw)
        if pool is None or hi - lo < 8:
            parts = _inflate_list(view[self.starts[lo] : self.starts[hi]], self.path)
        else:
            mid = (lo + hi) // 2
            second = pool.submit(_inflate_list, view[self.starts[mid] : self.starts[hi]], self.path)
            parts = _inflate_list(view[self.starts[lo] : self.starts[mid]], self.path) + second.result()
        for part in parts:
            self.data += part
        self.done = hi


def _read_index_file(path: str) -> bytes:
    """The whole inflated index."""
    text = _IndexText(path)
    text.more(None, blocks=text.n_blocks)
    return bytes(text.data)


def _parse_names(blob: bytes, what: str) -> tuple[str, ...]:
    """NUL-terminated contig names."""
    if blob and not blob.endswith(b"\0"):
        raise FastUnsupported(f"{what}: malformed contig name list")
    try:
        return tuple(n.decode() for n in blob.split(b"\0")[:-1])
    except UnicodeDecodeError as err:
        raise FastUnsupported(f"{what}: contig names are not UTF-8") from err


@dataclass(frozen=True)
class TabixIndex:
    """A loaded ``.tbi``: contig names and where each contig's bins and linear index are.

    Attributes
    ----------
    path
        The index file.
    names
        Contig names in index order.
    data
        The inflated index (possibly only its start, see :func:`load_tabix`; not to
        be modified).
    layout
        Per contig (the first ``len(layout)`` of ``names``): offset of its bins in
        ``data``, number of bins, offset of its linear index, number of linear-index
        windows.
    """

    path: str
    names: tuple[str, ...]
    data: bytes | bytearray
    layout: tuple[tuple[int, int, int, int], ...]

    def chunks(self, contig: str, begs: Sequence[int], ends: Sequence[int]) -> list[tuple[int, int]]:
        """BGZF chunks ``(begin, end)`` (virtual offsets) to read for 0-based half-open intervals.

        Empty when the index has no such contig.

        >>> import gmsvar
        >>> idx = load_tabix(gmsvar.example_path("lynch_germline.vcf.gz"))
        >>> len(idx.chunks("chr3", [0], [40_000_000])), idx.chunks("nope", [0], [10])
        (1, [])
        """
        try:
            tid = self.names.index(contig)
        except ValueError:
            return []
        if tid >= len(self.layout):
            raise FastUnsupported(f"{self.path}: the index was loaded without {contig}")
        assert _tabix is not None
        pack = struct.Struct(f"<{len(begs)}q")
        try:
            raw = _tabix.chunks(self.data, *self.layout[tid], pack.pack(*begs), pack.pack(*ends))
        except (ValueError, struct.error) as err:
            raise FastUnsupported(f"{self.path}: {err}") from err
        flat = struct.unpack(f"<{len(raw) // 8}Q", raw)
        return list(zip(flat[0::2], flat[1::2], strict=True))


def load_tabix(path: str, contigs: Iterable[str] | None = None) -> TabixIndex:
    """Load the tabix index of the bgzipped VCF ``path`` (``path + ".tbi"``).

    With ``contigs``, the index is inflated and walked only as far as the last of them
    (references are stored in order, so a panel on chr1-chr3 needs the first part);
    :meth:`TabixIndex.chunks` then answers for those contigs only.

    Raises
    ------
    FastUnsupported
        No ``.tbi``, a ``.csi`` that htslib would use instead, an index that is not a
        VCF tabix index, or a corrupt one; also when the C extension is not built.
    """
    if _tabix is None:
        raise FastUnsupported("the C tabix extension (gmsvar.io._tabix) is not built")
    csi, tbi = index_files(path)
    if csi is not None:
        raise FastUnsupported("CSI index (htslib uses it rather than a .tbi)")
    if tbi is None or tbi != path + ".tbi":
        raise FastUnsupported("no .tbi index next to the file")
    text = _IndexText(tbi)
    pool = ThreadPoolExecutor(max_workers=1) if len(text.raw) >= 1 << 18 else None
    try:
        names: tuple[str, ...] | None = None
        while True:
            if names is None and len(text.data) >= 4:
                if text.data[:4] != b"TBI\x01":
                    raise FastUnsupported(f"{tbi}: not a tabix index")
                names = _names_from_head(bytes(text.data), tbi)
                n_ref = struct.unpack_from("<i", text.data, 4)[0]
                if names is not None and (len(names) != n_ref or len(set(names)) != n_ref):
                    raise FastUnsupported(f"{tbi}: contig names do not match the number of references")
            if names is not None:
                want = len(names) if contigs is None else \
                    1 + max((names.index(c) for c in contigs if c in names), default=-1)
                try:
                    _, lay = _tabix.layout(text.data, want)
                    break
                except ValueError as err:
                    if text.complete:
                        raise FastUnsupported(f"{tbi}: {err}") from err
            elif text.complete:
                raise FastUnsupported(f"{tbi}: index ends before its contig names")
            text.more(pool)
    finally:
        if pool is not None:
            pool.shutdown()
    fmt, col_seq, col_beg, _col_end, meta, skip = struct.unpack_from("<6i", text.data, 8)
    if (fmt & 0xFFFF, fmt & 0x10000, col_seq, col_beg, meta, skip) != (2, 0, 1, 2, ord("#"), 0):
        raise FastUnsupported(f"{tbi}: not a VCF tabix index (preset {fmt}, columns "
                              f"{col_seq}/{col_beg}, meta {meta}, skip {skip})")
    flat = struct.unpack(f"<{len(lay) // 8}q", lay)
    layout = tuple(tuple(flat[i : i + 4]) for i in range(0, len(flat), 4))
    return TabixIndex(tbi, names, text.data, layout)


def index_contigs(path: str) -> tuple[str, ...] | None:
    """Contig names of the index htslib loads with the VCF (None when there is none).

    htslib adds the names its index lists but the header does not declare to the
    header (``vcf_hdr_read``); the fast reader does the same. Only the index's
    first blocks are inflated.

    >>> import gmsvar
    >>> index_contigs(gmsvar.example_path("lynch_germline.vcf.gz"))
    ('chr3', 'chr7', 'chr17')

    Raises
    ------
    FastUnsupported
        An index that cannot be read this way (htslib's own reading then decides).
    """
    csi, tbi = index_files(path)
    where = csi or tbi
    if where is None:
        return None
    with open(where, "rb") as fh:
        raw = fh.read(_BGZF_MAX)
        text = b""
        off = 0
        while True:
            # inflate block by block until the names are complete
            if len(raw) - off < 18:
                raw = raw[off:] + fh.read(_BGZF_MAX)
                off = 0
                if len(raw) < 18:
                    raise FastUnsupported(f"{where}: index ends before its contig names")
            size = int.from_bytes(raw[off + 16 : off + 18], "little") + 1
            if len(raw) - off < size:
                raw = raw[off:] + fh.read(_BGZF_MAX)
                off = 0
                if len(raw) < size:
                    raise FastUnsupported(f"{where}: truncated index")
            text += _inflate_blocks(memoryview(raw)[off : off + size], where)
            off += size
            names = _names_from_head(text, where)
            if names is not None:
                return names


def _names_from_head(head: bytes, where: str) -> tuple[str, ...] | None:
    """Names from the start of an inflated TBI/CSI, or None if more bytes are needed."""
    if head[:4] == b"TBI\x01":
        if len(head) < 36:
            return None
        l_nm = struct.unpack_from("<i", head, 32)[0]
        start = 36
    elif head[:4] == b"CSI\x01":
        if len(head) < 16:
            return None
        l_aux = struct.unpack_from("<i", head, 12)[0]
        if l_aux < 28:
            raise FastUnsupported(f"{where}: CSI index without tabix metadata")
        if len(head) < 16 + 28:
            return None
        l_nm = struct.unpack_from("<i", head, 16 + 24)[0]
        if l_nm + 28 > l_aux:
            raise FastUnsupported(f"{where}: malformed CSI metadata")
        start = 16 + 28
    elif len(head) >= 4:
        raise FastUnsupported(f"{where}: neither a TBI nor a CSI index")
    else:
        return None
    if l_nm < 0:
        raise FastUnsupported(f"{where}: malformed contig name list")
    if len(head) < start + l_nm:
        return None
    return _parse_names(head[start : start + l_nm], where)


# -- reading the chunks -------------------------------------------------------------------------
_Select = tuple[bytes, bytes, bytes]  # contig, begs, ends (int64 bytes) of one contig's intervals


@dataclass(frozen=True)
class _Piece:
    """Compressed bytes of whole BGZF blocks, and which part of their text belongs to a chunk.

    ``skip`` bytes are dropped from the start of the text; when ``keep_last`` is not
    None, only that many bytes of the last block's text are kept. ``last``: the
    chunk's last piece. A piece that is a whole chunk has its lines selected by the
    worker that inflates it.
    """

    raw: bytes
    skip: int
    keep_last: int | None
    first: bool
    last: bool
    select: _Select


_Result = tuple[bytes, int] | bytes  # (selected lines, count) of a whole chunk, or inflated text


def _inflate_piece(piece: _Piece, what: str) -> _Result:
    """Inflated text of a piece; for a whole chunk, its selected lines and their number."""
    blocks = _inflate_list(memoryview(piece.raw), what)
    stop = sum(len(b) for b in blocks)
    if piece.keep_last is not None:  # the chunk ends inside the last block
        if not blocks or piece.keep_last > len(blocks[-1]):
            raise FastUnsupported(f"{what}: an indexed chunk ends outside its block")
        stop -= len(blocks[-1]) - piece.keep_last
    if piece.skip > stop:
        raise FastUnsupported(f"{what}: an indexed chunk starts outside its block")
    text = blocks[0] if len(blocks) == 1 else b"".join(blocks)
    if not (piece.first and piece.last):
        return text[piece.skip : stop]
    return _select(text, piece.skip, stop, piece.select, what)


def _select(text: bytes, start: int, stop: int, sel: _Select, what: str) -> tuple[bytes, int]:
    assert _tabix is not None
    try:
        kept, n_kept, _ = _tabix.select(text, start, stop, *sel)
    except ValueError as err:
        raise FastUnsupported(f"{what}: {err}") from err
    return kept, n_kept


def _pieces(fd: int, what: str, chunk: tuple[int, int], select: _Select) -> Iterator[_Piece]:
    """The pieces (about :data:`PIECE_BYTES` compressed at most) of one chunk, in order."""
    u, v = chunk
    cbeg, ubeg, cend, uend = u >> 16, u & 0xFFFF, v >> 16, v & 0xFFFF
    if u >= v:
        return
    pos, first = cbeg, True
    while True:
        want = max(min(cend + _BGZF_MAX, pos + PIECE_BYTES) - pos, _BGZF_MAX)
        buf = os.pread(fd, want, pos)
        off = 0
        done = False
        keep_last: int | None = None
        while True:  # the whole blocks of buf that belong to the chunk
            if pos + off == cend and uend == 0:
                done = True
                break
            if pos + off > cend:
                raise FastUnsupported(f"{what}: an indexed chunk does not end at a BGZF block")
            if len(buf) - off < 18:
                break
            if buf[off : off + 4] != b"\x1f\x8b\x08\x04" or buf[off + 12 : off + 14] != b"BC":
                raise FastUnsupported(f"{what}: no BGZF block at an indexed offset")
            size = int.from_bytes(buf[off + 16 : off + 18], "little") + 1
            if off + size > len(buf):
                break
            off += size
            if pos + off - size == cend:
                keep_last, done = uend, True
                break
        if off == 0:
            raise FastUnsupported(f"{what}: truncated BGZF data inside an indexed chunk")
        yield _Piece(buf[:off], ubeg if first else 0, keep_last, first, done, select)
        if done:
            return
        pos += off
        first = False


def region_line_blocks(
    path: str, intervals: Sequence[Interval], *, block_bytes: int, threads: int,
) -> Iterator[list[bytes | memoryview]]:
    """Record lines of ``path`` overlapping ``intervals``, in blocks of about ``block_bytes``.

    Each block is a list of byte strings of whole lines (each ending in a newline).
    The intervals are 1-based and closed, merged and sorted as
    :func:`gmsvar.regions.merge_intervals` gives them; contigs the index does not list
    have no records. ``threads`` worker threads inflate and select ahead.

    >>> import gmsvar
    >>> from gmsvar.regions import Interval
    >>> blocks = region_line_blocks(gmsvar.example_path("lynch_germline.vcf.gz"),
    ...                             [Interval("chr3", 37012000, 37012080)], block_bytes=1 << 20, threads=1)
    >>> [line.split(b"\\t")[:2] for block in blocks for line in b"".join(block).splitlines()]
    [[b'chr3', b'37012077']]

    Raises
    ------
    FastUnsupported
        See the module docstring; raised before the first block is yielded for
        problems with the index, possibly later for problems in the data.
    """
    index = load_tabix(path, {iv.contig for iv in intervals})
    groups: list[tuple[str, list[int], list[int]]] = []
    for iv in intervals:
        if iv.start < 1 or iv.end < iv.start:
            raise FastUnsupported(f"unusual interval {iv}")
        if groups and groups[-1][0] == iv.contig:
            if iv.start - 1 < groups[-1][2][-1]:
                raise FastUnsupported("intervals are not merged and sorted")
            groups[-1][1].append(iv.start - 1)
            groups[-1][2].append(iv.end)
        else:
            if any(g[0] == iv.contig for g in groups):
                raise FastUnsupported("intervals are not grouped by contig")
            groups.append((iv.contig, [iv.start - 1], [iv.end]))
    work: list[tuple[tuple[int, int], _Select]] = []
    for contig, begs, ends in groups:
        chunks = index.chunks(contig, begs, ends)
        pack = struct.Struct(f"<{len(begs)}q")
        sel = (contig.encode(), pack.pack(*begs), pack.pack(*ends))
        work.extend((c, sel) for c in chunks)
    if not work:
        return
    pool = ThreadPoolExecutor(max_workers=max(threads, 1))
    fd = os.open(path, os.O_RDONLY)
    try:
        batch: list[bytes | memoryview] = []
        size = 0
        for kept in _kept_lines(fd, path, work, pool):
            batch.append(kept)
            size += len(kept)
            if size >= block_bytes:
                yield batch
                batch, size = [], 0
        if batch:
            yield batch
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
        os.close(fd)


def region_blocks(
    path: str, plan: FastPlan, intervals: Sequence[Interval], *, block_bytes: int, threads: int,
) -> Iterator[RecordBlock]:
    """:func:`region_line_blocks` tokenised by :func:`gmsvar.io.vcf_fast.parse_block`, in order.

    ``threads`` worker threads tokenise blocks while the caller consumes earlier ones.
    """
    from .vcf_fast import parse_blocks

    blocks = region_line_blocks(path, intervals, block_bytes=block_bytes, threads=threads)
    yield from parse_blocks((list(lines) for lines in blocks), plan, threads)


def _inflate_pieces(pieces: list[_Piece], what: str) -> list[_Result]:
    return [_inflate_piece(piece, what) for piece in pieces]


def _kept_lines(fd: int, what: str, work: list[tuple[tuple[int, int], _Select]],
                pool: ThreadPoolExecutor) -> Iterator[bytes]:
    """Selected record lines, in order, in pieces; ``pool`` inflates pieces ahead, in tasks of
    about :data:`TASK_BYTES` compressed (a panel's many small chunks share a task)."""
    pending: deque[tuple[Future[list[_Result]], list[_Piece]]] = deque()

    def results() -> Iterator[tuple[_Result, _Piece]]:
        batch: list[_Piece] = []
        size = 0
        for chunk, sel in work:
            for piece in _pieces(fd, what, chunk, sel):
                batch.append(piece)
                size += len(piece.raw)
                if size < TASK_BYTES:
                    continue
                pending.append((pool.submit(_inflate_pieces, batch, what), batch))
                batch, size = [], 0
                if len(pending) > _LOOKAHEAD:
                    fut, ps = pending.popleft()
                    yield from zip(fut.result(), ps, strict=True)
        if batch:
            pending.append((pool.submit(_inflate_pieces, batch, what), batch))
        while pending:
            fut, ps = pending.popleft()
            yield from zip(fut.result(), ps, strict=True)

    carry = b""
    for res, piece in results():
        if isinstance(res, tuple):  # a whole chunk, selected by the worker
            if res[1]:
                yield res[0]
            continue
        # a chunk too large for one piece: cut the text at line ends here
        text = carry + res if carry else res
        cut = text.rfind(b"\n") + 1
        carry = text[cut:]
        if cut:
            kept, n_kept = _select(text, 0, cut, piece.select, what)
            if n_kept:
                yield kept
        if piece.last and carry:
            raise FastUnsupported(f"{what}: an indexed chunk does not end at a line end")
