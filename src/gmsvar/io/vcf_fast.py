"""Fast whole-file VCF text reader: bulk decompression and numpy tokenising.

The per-record backends cross from C into Python once per record and field. This
backend works on blocks of a few MB of text instead:

* BGZF blocks are inflated in a thread pool (with ISA-L's zlib-compatible
  ``isal_zlib``, about twice as fast as ``zlib``; both release the GIL); plain gzip
  and plain text are read in large pieces; the text is cut into blocks of whole lines;
* with a record prefilter (``read_vcf(include=..., min_consequence=...)``), worker
  threads first run the C scanner of :mod:`gmsvar.io.prefilter` over each block, and
  only the lines it passes on are tokenised;
* per block, one scan finds every tab and newline, giving the columns of every
  record (:class:`~gmsvar.io.vcf_tokens.TextBlock` and friends do the byte work);
* the INFO column and the sample columns of all lines are copied into their own
  buffers, where a second scan finds ``;`` (INFO items) or ``:``/``,`` (FORMAT
  sub-fields and values) knowing which record and call each belongs to;
* values are converted with vectorised SWAR digit arithmetic; strings become
  Python objects in bulk;
* with the C extension :mod:`gmsvar.io._fmt` (:mod:`gmsvar.io.vcf_format_c`), the
  line structure and the sample columns are read in one C pass each instead, with the
  same results (the numpy code reads what the C code leaves to it);
* blocks are tokenised by worker threads (numpy releases the GIL) while earlier
  ones are consumed.

Only what the table needs is converted: the requested INFO keys (and annotation
strings such as CSQ), and the FORMAT keys of the depth/VAF plan plus requested
FORMAT fields. Every numeric FORMAT sub-field is still checked, because htslib
rejects a record with a bad one. The result is a :class:`~gmsvar.io.blocks.RecordBlock`
per block, which :class:`~gmsvar.io.buffer.RecordBuffer` splits exactly as it
splits the records of the other backends.

Anything this reader does not handle exactly as cyvcf2 does raises
:class:`FastUnsupported` with the reason, and the reader falls back to cyvcf2
(which also raises the proper :class:`~gmsvar.errors.VcfFormatError` for malformed
records). Not handled: BCF, region queries, CR line ends, numbers htslib would
read leniently (``INFO/DP=1.5`` for an Integer, ``+3``, hexadecimal...), mixed
``/`` and ``|`` in one genotype, an INFO key given twice, undeclared names htslib
may reject, more FORMAT sub-fields than keys, and similar oddities.
Percent-encoded characters need no special case: cyvcf2 keeps them as written too.
"""

from __future__ import annotations

import queue
import threading
import zlib
from collections import deque
from collections.abc import Callable, Generator, Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any, TypeVar, cast

import numpy as np

from ..regions import Interval
from ..table import INT_MISSING, FieldDef
from . import vcf_format_c
from .blocks import DenseInfo, RecordBlock
from .vcf_tokens import (
    MASKS,
    FastUnsupported,
    TextBlock,
    delimiters,
    factorize,
    find,
    parse_float,
    parse_gt,
    parse_int,
    split,
    strings,
)

if TYPE_CHECKING:
    from .prefilter import Prefilter, Selection

__all__ = ["FastPlan", "FastUnsupported", "fast_blocks", "parse_block"]

#: Text per block (bytes); tests make it small. Files with long lines (many samples) get up
#: to twice as much, enough for :data:`BLOCK_RECORDS` records, to spread the per-block work:
#: 8 MB blocks took 10-20 % less CPU than 4 MB on 200k x 100 samples (2,500 records in 4 MB),
#: while on 1M x 1 with CSQ they only raised the streaming memory floor (by ~150 MB).
BLOCK_BYTES = 4 << 20
#: Records a block should hold: blocks of long lines grow towards this (see BLOCK_BYTES).
BLOCK_RECORDS = 5_000
#: Worker threads tokenising blocks (numpy releases the GIL for most of the work).
THREADS = 2
#: With a prefilter, the kept lines are tokenised in batches of about this many bytes.
PARSE_BYTES = 2 << 20
#: With a prefilter that keeps more than this share of the records in the first
#: :data:`BYPASS_AFTER` records, the rest of the file is tokenised whole, in the worker
#: threads, without the scanner (scanning would cost more than it saves).
BYPASS_SHARE = 0.5
#: With a prefilter, blocks scanned ahead of the consumer, per worker thread.
SCAN_AHEAD = 4
BYPASS_AFTER = 20_000
#: Find the line structure and parse the sample columns with the C extension
#: (:mod:`gmsvar.io.vcf_format_c`) when it is built; tests compare both paths.
FORMAT_C = True

_VECTOR_END = INT_MISSING + 1
_U64 = np.uint64
_TAB, _NL, _SEMI, _COLON, _COMMA, _EQ, _DOT = b"\t\n;:,=."


@dataclass(frozen=True)
class FastPlan:
    """What to parse, decided once per file.

    Parameters
    ----------
    n_columns
        Tab-separated columns per record line (8 sites-only, else 9 + samples).
    sample_columns
        Column index of each sample to keep (file order).
    info
        INFO fields to parse into values, by ID.
    raw_info
        INFO IDs whose raw strings are kept (annotations such as CSQ).
    format
        FORMAT fields the table needs (besides GT), by ID; ``None`` when the
        header does not declare the ID.
    numeric_format
        Every FORMAT ID the header declares as Integer or Float (checked even
        when not needed, as htslib does).
    declared
        Contig, FILTER, INFO and FORMAT IDs the header declares: htslib adds
        others to its header as it meets them and rejects names it cannot.
    """

    n_columns: int
    sample_columns: tuple[int, ...]
    info: dict[str, FieldDef]
    raw_info: tuple[str, ...]
    format: dict[str, FieldDef | None]
    numeric_format: dict[str, FieldDef]
    declared: dict[str, frozenset[str]]


def _check_new_names(plan: FastPlan, kind: str, names: Iterable[str]) -> None:
    """htslib declares unknown contigs/IDs on the fly and rejects some names (e.g. ``<1``, ``a,b``).

    Undeclared names with a character its header parser treats specially are left
    to cyvcf2 to accept or reject.
    """
    known = plan.declared[kind]
    for name in names:
        if name not in known and any(c in name for c in '<>,[]"'):
            raise FastUnsupported(f"undeclared {kind} {name!r}: htslib may reject the name")


# -- decompression -------------------------------------------------------------------------------
@cache
def _inflater() -> tuple[Any, tuple[type[Exception], ...]]:
    """The zlib-compatible module to inflate with, and the errors it raises.

    ISA-L (``isal.isal_zlib``) inflates about twice as fast as zlib and, like zlib,
    releases the GIL and checks each member's CRC; zlib is the fallback.
    """
    try:
        from isal import isal_zlib
    except ImportError:  # pragma: no cover - isal is a dependency
        return zlib, (zlib.error,)
    # (isal's stub declares `error` as an instance; it is the IsalError class; its
    # multi-member reader raises gzip.BadGzipFile (an OSError) or EOFError)
    return isal_zlib, (zlib.error, cast("type[Exception]", isal_zlib.error), OSError, EOFError)


def _inflate_bgzf(chunk: bytes) -> bytes:
    """Inflate a run of complete BGZF blocks (each a gzip member with a CRC check).

    With ISA-L, all members are inflated in one call (one GIL release instead of one
    per 64 KB block: the other threads hold the GIL often while the reader runs).
    """
    module = _inflater()[0]
    if module is not zlib:
        from isal import igzip

        return cast("Callable[[bytes], bytes]", igzip.decompress)(chunk)  # (untyped in isal)
    out = []
    off, n = 0, len(chunk)
    while off < n:
        size = int.from_bytes(chunk[off + 16 : off + 18], "little") + 1
        out.append(zlib.decompress(chunk[off : off + size], 31))
        off += size
    return b"".join(out)


def _bgzf_pieces(path: str, read_size: int = 1 << 20) -> Iterator[bytes]:
    """Decompressed text of a BGZF file, in order, inflated two batches at a time."""
    pending: deque[Future[bytes]] = deque()
    errors = _inflater()[1]
    with open(path, "rb") as fh, ThreadPoolExecutor(max_workers=2) as pool:
        rest = b""
        while True:
            raw = fh.read(read_size)
            data = rest + raw
            off = 0
            while off + 18 <= len(data):
                if data[off : off + 4] != b"\x1f\x8b\x08\x04" or data[off + 12 : off + 14] != b"BC":
                    raise FastUnsupported("not a standard BGZF block layout")
                size = int.from_bytes(data[off + 16 : off + 18], "little") + 1
                if off + size > len(data):
                    break
                off += size
            if off:
                pending.append(pool.submit(_inflate_bgzf, data[:off]))
            rest = data[off:]
            while pending and (len(pending) > 3 or not raw):
                try:
                    yield pending.popleft().result()
                except errors as err:
                    raise FastUnsupported(f"corrupt compressed data ({err})") from err
            if not raw:
                break
        if rest:
            raise FastUnsupported("trailing bytes after the last BGZF block")


def _gzip_pieces(path: str, read_size: int = 4 << 20) -> Iterator[bytes]:
    """Decompressed text of a (possibly multi-member) plain gzip file."""
    module, errors = _inflater()
    with open(path, "rb") as fh:
        dec = module.decompressobj(31)
        while True:
            raw = fh.read(read_size)
            if not raw:
                break
            while raw:
                try:
                    yield dec.decompress(raw)
                except errors as err:
                    raise FastUnsupported(f"corrupt compressed data ({err})") from err
                if not dec.eof:
                    break
                raw = dec.unused_data
                dec = module.decompressobj(31)
        if not dec.eof and dec.unconsumed_tail:
            raise FastUnsupported("truncated gzip data")


def _plain_pieces(path: str, read_size: int = 16 << 20) -> Iterator[bytes]:
    with open(path, "rb") as fh:
        while piece := fh.read(read_size):
            yield piece


def _line_blocks(pieces: Iterator[bytes], target: int) -> Iterator[list[bytes | memoryview]]:
    """Whole-line blocks of about ``target`` bytes, header skipped, as lists of pieces.

    When the first ``target`` bytes of records hold fewer than :data:`BLOCK_RECORDS`
    lines, blocks are made larger, up to twice ``target``.

    A block is handed over as the slices it is made of, so it is copied only once,
    when :class:`~gmsvar.io.vcf_tokens.TextBlock` joins them.
    """
    parts: list[bytes | memoryview] = []
    size = 0
    head: bytes | None = b""
    for piece in pieces:
        if head is not None:  # still in the header: find the end of the #CHROM line
            head += piece
            at = 0 if head.startswith(b"#CHROM") else head.find(b"\n#CHROM")
            end = head.find(b"\n", at + 1) if at >= 0 else -1
            if end < 0:
                continue
            piece, head = head[end + 1 :], None
            span = min(len(piece), target)
            lines = piece.count(b"\n", 0, span)  # long lines: blocks of up to twice the size
            if lines:
                target = min(2 * target, max(target, span * BLOCK_RECORDS // lines))
        view = memoryview(piece)
        start = 0
        while True:
            cut = piece.find(b"\n", start + max(target - size, 1) - 1)
            if cut < 0:
                if start < len(piece):
                    parts.append(view[start:])
                    size += len(piece) - start
                break
            parts.append(view[start : cut + 1])
            yield parts
            parts, size, start = [], 0, cut + 1
    if head is not None:
        raise FastUnsupported("no #CHROM header line found in the text")
    if parts:
        if bytes(parts[-1][-1:]) != b"\n":
            parts.append(b"\n")
        yield parts


_T = TypeVar("_T")
#: Blocks the reader's producer thread may have ready ahead of the chunk being built.
PREFETCH_BLOCKS = 4


def prefetch(make: Callable[[], Iterator[_T]], depth: int = PREFETCH_BLOCKS
             ) -> Generator[_T, None, None]:
    """The items of ``make()``, produced by a background thread up to ``depth`` ahead.

    The reader's blocks come from a generator (decompression, the C scanner, the
    tokenising threads), which would stay suspended while the caller builds and
    annotates a chunk; run by this thread it keeps working meanwhile. An exception of
    the producer is raised here after the items before it; closing this iterator (or
    leaving it by an exception) stops the producer and closes its generator.

    >>> list(prefetch(lambda: iter(range(5)), depth=2))
    [0, 1, 2, 3, 4]
    """
    q: queue.Queue[tuple[int, Any]] = queue.Queue(maxsize=max(depth, 1))
    stop = threading.Event()

    def put(message: tuple[int, Any]) -> bool:
        while not stop.is_set():
            try:
                q.put(message, timeout=0.05)
                return True
            except queue.Full:
                continue
        return False

    def run() -> None:
        try:
            items = make()
            try:
                for item in items:
                    if not put((0, item)):
                        return
            finally:
                close = getattr(items, "close", None)
                if close is not None:
                    close()
        except BaseException as err:  # (handed to the consumer, which raises it)
            put((1, err))
            return
        put((2, None))

    worker = threading.Thread(target=run, name="gmsvar-read-ahead", daemon=True)
    worker.start()
    try:
        while True:
            what, value = q.get()
            if what == 0:
                yield value
            elif what == 1:
                raise value
            else:
                return
    finally:
        stop.set()
        worker.join()


def fast_blocks(
    path: str, kind: str, plan: FastPlan, *, block_bytes: int | None = None,
    threads: int | None = None, prefilter: Prefilter | None = None,
    intervals: Sequence[Interval] | None = None,
) -> Iterator[RecordBlock]:
    """Parse a VCF / VCF.gz / VCF.bgz file into :class:`RecordBlock` objects, in order.

    Blocks of about ``block_bytes`` (default :data:`BLOCK_BYTES`) are tokenised by
    ``threads`` (default :data:`THREADS`) worker threads while the caller consumes
    earlier ones. ``prefilter`` (a compiled :class:`~gmsvar.io.prefilter.Prefilter`, or
    None) lets the C scanner drop records that cannot pass the reader's filters before
    tokenising (in the same worker thread); it counts the records scanned and kept, and
    queues the file index of each kept record per yielded block in ``prefilter.origins``.
    ``intervals`` (merged, sorted) restricts the read to those regions through the index.
    """
    block_bytes = block_bytes or BLOCK_BYTES
    threads = THREADS if threads is None else threads
    if intervals is not None:  # read through the tabix index (gmsvar.io.tabix)
        from .tabix import region_blocks, region_line_blocks

        if kind != "vcf.bgz":
            raise FastUnsupported(f"region query on {kind} input")
        if prefilter is not None:
            lines = region_line_blocks(path, intervals, block_bytes=block_bytes, threads=threads)
            yield from _prefiltered(lines, plan, prefilter, threads)
        else:
            yield from region_blocks(path, plan, intervals, block_bytes=block_bytes, threads=threads)
        return
    if kind == "vcf.bgz":
        pieces = _bgzf_pieces(path)
    elif kind == "vcf.gz":
        pieces = _gzip_pieces(path)
    elif kind == "vcf":
        pieces = _plain_pieces(path)
    else:
        raise FastUnsupported(f"{kind} input")
    if prefilter is not None:
        yield from _prefiltered(_line_blocks(pieces, block_bytes), plan, prefilter, threads)
        return
    yield from parse_blocks(_line_blocks(pieces, block_bytes), plan, threads)


def parse_blocks(blocks: Iterable[list[bytes | memoryview]], plan: FastPlan,
                 threads: int) -> Iterator[RecordBlock]:
    """:func:`parse_block` over ``blocks``, in order, ``threads`` blocks at a time.

    Worker threads tokenise blocks while the caller consumes earlier ones (the
    byte work releases the GIL); ``threads <= 1`` tokenises in the calling thread.
    """
    if threads <= 1:
        for parts in blocks:
            yield parse_block(parts, plan)
        return
    pending: deque[Future[RecordBlock]] = deque()
    pool = ThreadPoolExecutor(max_workers=threads)
    try:
        for parts in blocks:
            pending.append(pool.submit(parse_block, parts, plan))
            while len(pending) > threads:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _prefiltered(blocks: Iterator[list[bytes | memoryview]], plan: FastPlan, prefilter: Prefilter,
                 threads: int) -> Iterator[RecordBlock]:
    """:func:`fast_blocks` with a prefilter.

    Worker threads run the C scanner (no GIL) on the blocks, several blocks ahead; the
    lines it passes on are gathered, in order, and tokenised together once there are
    :data:`PARSE_BYTES` of them (a :func:`parse_block` call has a fixed cost of a few
    ms, and the kept lines of one block are often only a few hundred). The lines of
    each block are counted first, so the scanner knows the file index of its lines
    (for the shape carriers of the reader's chunks, see ``Prefilter.select``).
    """
    texts: list[bytes | memoryview] = []
    index: list[np.ndarray] = []
    size = 0
    keys = [k for k, d in plan.format.items() if d is not None and d.type in ("Integer", "Float")]

    def select(parts: list[bytes | memoryview], first: int) -> Selection:
        return prefilter.select(parts, plan.n_columns, first_line=first, window=prefilter.window,
                                samples=plan.sample_columns, keys=keys)

    def take(sel: Selection) -> bool:
        nonlocal size
        if len(sel.index):
            texts.append(sel.text)
            index.append(sel.index + prefilter.scanned)
            size += len(sel.text)
        prefilter.scanned += sel.n_lines
        prefilter.passed += sel.n_passed
        return size >= PARSE_BYTES

    def batch() -> RecordBlock:
        nonlocal texts, index, size
        block = parse_block(texts, plan)
        prefilter.origins.append(np.concatenate(index))
        texts, index, size = [], [], 0
        return block

    def whole(block: RecordBlock, start: int) -> Iterator[RecordBlock]:
        """A block tokenised without the scanner: every record passed on."""
        if texts:
            yield batch()
        n = len(block)
        prefilter.origins.append(np.arange(start, start + n, dtype=np.int64))
        prefilter.scanned += n
        prefilter.passed += n
        yield block

    def bypass() -> bool:
        if prefilter.bypassed is None and prefilter.scanned >= BYPASS_AFTER and (
                prefilter.passed > BYPASS_SHARE * prefilter.scanned):
            prefilter.bypassed = prefilter.scanned
        return prefilter.bypassed is not None

    first = 0
    if threads <= 1:
        for parts in blocks:
            if bypass():
                yield from whole(parse_block(parts, plan), prefilter.scanned)
            elif take(select(parts, first)):
                yield batch()
            first = prefilter.scanned
    else:
        pending: deque[tuple[int, Future[Selection] | Future[RecordBlock]]] = deque()
        pool = ThreadPoolExecutor(max_workers=threads)

        def settle() -> Iterator[RecordBlock]:
            start, fut = pending.popleft()
            got = fut.result()
            if isinstance(got, RecordBlock):
                yield from whole(got, start)
            elif take(got):
                yield batch()

        try:
            for parts in blocks:
                if bypass():
                    pending.append((first, pool.submit(parse_block, parts, plan)))
                else:
                    pending.append((first, pool.submit(select, parts, first)))
                first += prefilter.count_lines(parts)
                # scanning runs ahead while the caller annotates a chunk: at most
                # SCAN_AHEAD blocks of text (and their selections) are held
                while len(pending) > SCAN_AHEAD * threads:
                    yield from settle()
            while pending:
                yield from settle()
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
    if texts:
        yield batch()


# -- INFO ---------------------------------------------------------------------------------------
class _Keys:
    """Matches INFO keys in the text against the declared IDs, eight bytes at a time.

    A key's bytes (up to the longest declared ID, in 8-byte words) and length are
    hashed, looked up in a direct-mapped table of the IDs' hashes (the top bits of the
    hash times a multiplier, chosen so no two IDs share a slot), then compared word by
    word. (numpy only: no hash-table library is imported on the read path.)
    """

    _MIX = _U64(0x9E3779B97F4A7C15)
    _SLOT_MULTIPLIERS = (0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9,
                         0xD6E8FEB86659FD93, 1)

    def __init__(self, keys: Sequence[str]) -> None:
        self.keys = list(keys)
        enc = [k.encode() for k in self.keys]
        self.maxlen = max((len(e) for e in enc), default=0)
        self.n_words = (self.maxlen + 7) // 8 or 1
        self.words = np.zeros((len(enc) + 1, self.n_words), dtype=np.uint64)
        for i, e in enumerate(enc):
            self.words[i] = np.frombuffer(e.ljust(8 * self.n_words, b"\0"), dtype="<u8")
        self.lens = np.array([len(e) for e in enc] + [-1], dtype=np.int64)  # row -1: no key
        h = self._hash(self.lens[:-1], [self.words[:-1, j] for j in range(self.n_words)])
        self.table, self.mul, self.shift = self._slots(h)

    def _slots(self, h: np.ndarray) -> tuple[np.ndarray, np.uint64, np.uint64]:
        """A table of 2**bits slots holding each ID's index at its hash's slot (-1: none)."""
        n = len(h)
        for bits in range(max(4, n.bit_length() + 2), 21):
            for mul in self._SLOT_MULTIPLIERS:
                slot = (h * _U64(mul)) >> _U64(64 - bits)
                ordered = np.sort(slot)  # (np.unique would import numpy.ma)
                if not (ordered[1:] == ordered[:-1]).any():
                    table = np.full(1 << bits, -1, dtype=np.int64)
                    table[slot.astype(np.int64)] = np.arange(n)
                    return table, _U64(mul), _U64(64 - bits)
        raise FastUnsupported("INFO IDs collide in the key hash")

    def _hash(self, lens: np.ndarray, words: list[np.ndarray]) -> np.ndarray:
        h = lens.astype(np.uint64)
        for w in words:
            h = (h * self._MIX) ^ w
        return h

    def lookup(self, tb: TextBlock, starts: np.ndarray, lens: np.ndarray) -> np.ndarray:
        """Index into ``keys`` of each key text, -1 for other keys."""
        if not self.keys or not len(starts):
            return np.full(len(starts), -1, dtype=np.int64)
        words = [tb.w[starts + 8 * j] & MASKS[np.clip(lens - 8 * j, 0, 8)]
                 for j in range(self.n_words)]
        ids = self.table[((self._hash(lens, words) * self.mul) >> self.shift).astype(np.int64)]
        same = self.lens[ids] == lens
        for j, w in enumerate(words):
            same &= self.words[ids, j] == w
        return np.where(same, ids, -1)


_KEY_TABLES: dict[tuple[str, ...], _Keys] = {}


def _keys_for(keys: tuple[str, ...]) -> _Keys:
    table = _KEY_TABLES.get(keys)
    if table is None:
        table = _KEY_TABLES[keys] = _Keys(keys)
    return table


def _dense(n: int, lines: np.ndarray, counts: np.ndarray, values: np.ndarray, fill: object,
           dtype: np.dtype[np.generic]) -> DenseInfo:
    """Pack per-record token values (grouped by record) into a padded matrix."""
    width = int(counts.max()) if len(counts) else 1
    out = np.full((n, max(width, 1)), fill, dtype=dtype)
    offsets = np.cumsum(counts) - counts
    rows = np.repeat(lines, counts)
    cols = np.arange(len(values)) - np.repeat(offsets, counts)
    out[rows, cols] = values
    count = np.full(n, -1, dtype=np.int32)
    count[lines] = counts
    return DenseInfo(out, count)


def _info_items(tb: TextBlock, starts: np.ndarray, ends: np.ndarray
                ) -> tuple[TextBlock, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The items of each record's INFO column ``tb[starts[r]:ends[r]]``: the text between
    ';', empty items skipped (as htslib does).

    Returns the block the offsets refer to and, per item, its start, end, first '='
    (its end when it has none) and record. The C extension reads them from ``tb``
    itself; the numpy code copies the INFO columns into a block of their own first.
    """
    if FORMAT_C and vcf_format_c.AVAILABLE:
        items = vcf_format_c.info_items(tb, starts, ends)
        if items is not None:
            return (tb, *items)
    # the INFO column of every line, copied together (each keeps the tab or newline after it)
    tb = tb.segments(starts, ends + 1)
    item_e, cls = delimiters(tb, b";")
    line_end = cls < 11
    if int(line_end.sum()) != len(starts):
        raise FastUnsupported("INFO column split unexpectedly")
    item_s = np.empty_like(item_e)
    item_s[0] = 0
    item_s[1:] = item_e[:-1] + 1
    item_line: np.ndarray = np.cumsum(line_end) - line_end
    if (item_e == item_s).any():  # 'A=1;;B=2': htslib skips the empty item
        keep = item_e > item_s
        item_s, item_e, item_line = item_s[keep], item_e[keep], item_line[keep]
    return tb, item_s, item_e, find(tb, item_s, item_e, _EQ), item_line


def _parse_info(
    tb: TextBlock, plan: FastPlan, n: int, starts: np.ndarray, ends: np.ndarray,
) -> tuple[dict[str, DenseInfo | np.ndarray], dict[str, np.ndarray]]:
    """INFO fields from the INFO column ``tb[starts[r]:ends[r]]`` of each of the ``n`` records."""
    # (',' are found later, in the values needed)
    tb, item_s, item_e, eq, item_line = _info_items(tb, starts, ends)
    n_items = np.bincount(item_line, minlength=n)
    klen = eq - item_s
    if (klen == 0).any():
        raise FastUnsupported("an INFO item without a key")
    dot = (klen == 1) & (tb.a[item_s] == _DOT) & (eq == item_e)
    if (dot & (n_items[item_line] > 1)).any():
        raise FastUnsupported("'.' among INFO items")
    wanted = list(dict.fromkeys([*plan.info, *plan.raw_info]))
    table = _keys_for(tuple(dict.fromkeys([*wanted, *sorted(plan.declared["INFO"])])))
    kid = table.lookup(tb, item_s, klen)
    unknown = np.flatnonzero((kid < 0) & ~dot)
    if len(unknown):
        _check_new_names(plan, "INFO", set(strings(tb, item_s[unknown], eq[unknown]).tolist()))
    # items grouped by wanted key (radix sort of small codes); others (-1 -> last) dropped
    code = np.where((kid >= 0) & (kid < len(wanted)), kid, len(wanted)).astype(np.int16)
    order = np.argsort(code, kind="stable")
    bounds = np.concatenate(([0], np.cumsum(np.bincount(code, minlength=len(wanted) + 1))))
    info: dict[str, DenseInfo | np.ndarray] = {}
    raw: dict[str, np.ndarray] = {}
    for k, key in enumerate(wanted):
        sel = order[bounds[k] : bounds[k + 1]]
        lines = item_line[sel]
        if len(lines) > 1 and (np.diff(lines) <= 0).any():
            raise FastUnsupported(f"INFO/{key} given twice in one record")
        has_value = eq[sel] < item_e[sel]
        vs, ve = eq[sel] + 1, item_e[sel]
        if key in plan.raw_info:
            if not has_value.all():
                raise FastUnsupported(f"INFO/{key} written without a value")
            col = np.full(n, None, dtype=object)
            col[lines] = strings(tb, vs, ve)
            raw[key] = col
        if key not in plan.info:
            continue
        d = plan.info[key]
        if d.type == "Flag":
            flags = np.zeros(n, dtype=bool)
            # cyvcf2 returns a Flag written with a value as that string: '' is falsy
            flags[lines] = ~has_value | (ve > vs)
            info[key] = flags
            continue
        if not has_value.all():
            raise FastUnsupported(f"INFO/{key} written without a value")
        if d.type in ("String", "Character") and d.number == "1":
            texts = strings(tb, vs, ve, dot_none=True)
            info[key] = _dense(n, lines, np.ones(len(lines), dtype=np.int64), texts, None,
                               np.dtype(object))
            continue
        if d.type not in ("String", "Character"):
            # numeric: an empty value or a lone '.' is what cyvcf2 returns as None
            lens = ve - vs
            some = (lens > 1) | ((lens == 1) & (tb.a[vs] != _DOT))
            sel, lines, vs, ve = sel[some], lines[some], vs[some], ve[some]
        ts, te, counts = split(tb, vs, ve, _COMMA)
        info[key] = _info_values(tb, d, n, lines, ts, te, counts)
    return info, raw


def _info_values(tb: TextBlock, d: FieldDef, n: int, lines: np.ndarray, ts: np.ndarray,
                 te: np.ndarray, counts: np.ndarray) -> DenseInfo:
    what = f"INFO/{d.id}"
    if d.type in ("String", "Character"):
        return _dense(n, lines, counts, strings(tb, ts, te, dot_none=True), None, np.dtype(object))
    if d.type == "Integer":
        ints, _ = parse_int(tb, ts, te, what)
        return _dense(n, lines, counts, ints, INT_MISSING, np.dtype(np.int32))
    if d.type != "Float":
        raise FastUnsupported(f"{what}: Type={d.type}")
    with np.errstate(over="ignore"):
        floats = parse_float(tb, ts, te, what).astype(np.float32)
    return _dense(n, lines, counts, floats, np.nan, np.dtype(np.float32))


# -- FORMAT ---------------------------------------------------------------------------------------
def _missing_of(d: FieldDef | None) -> tuple[object, np.dtype[np.generic]]:
    if d is None or d.type == "Integer":
        return INT_MISSING, np.dtype(np.int32)
    if d.type == "Float":
        return np.nan, np.dtype(np.float32)
    return None, np.dtype(object)


_FormatArrays = tuple[np.ndarray, np.ndarray, np.ndarray]


def _parse_format(
    tb: TextBlock, plan: FastPlan, n: int, grid: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, dict[str, _FormatArrays]]:
    """GT (n, s, ploidy), records with GT, phasing, and the needed FORMAT keys' values.

    ``grid`` holds the offsets of the first 9 tabs and the newline of each line (or of
    every tab). The C parser (:mod:`gmsvar.io.vcf_format_c`) reads the block when the extension is
    built and :data:`FORMAT_C` is set; where it cannot read the block exactly as the
    numpy code (:func:`_parse_format_numpy`) does, the numpy code reads it, or raises.
    """
    s = len(plan.sample_columns)
    if not s:
        return (np.zeros((n, 0, 0), dtype=np.int16), np.zeros(n, dtype=bool),
                np.zeros((n, 0), dtype=bool), {})
    groups, codes = _format_groups(tb, plan, grid)
    parsed = None
    if FORMAT_C and vcf_format_c.AVAILABLE:
        try:
            parsed = vcf_format_c.parse_format(tb, plan, n, grid, groups, codes)
        except FastUnsupported:
            parsed = None  # the numpy code reads the block, or says why it cannot
    gt, has_gt, phased, fmt = parsed or _parse_format_numpy(tb, plan, n, grid, groups, codes)
    for name, d in plan.format.items():
        if name not in fmt:
            fill, dtype = _missing_of(d)
            fmt[name] = (np.full((n, s, 1), fill, dtype=dtype), np.zeros(n, dtype=bool),
                         np.zeros(n, dtype=np.int64))
    return gt, has_gt, phased, fmt


def _format_groups(tb: TextBlock, plan: FastPlan, grid: np.ndarray) -> tuple[list[list[str]], np.ndarray]:
    """The distinct FORMAT layouts (key lists, checked) and each record's layout code."""
    labels, codes = factorize(tb, grid[:, 7] + 1, grid[:, 8])
    groups = []
    for label in labels:
        keys = label.split(":")
        if "" in keys or len(set(keys)) != len(keys) or label == ".":
            raise FastUnsupported(f"FORMAT {label!r}: empty or repeated keys")
        _check_new_names(plan, "FORMAT", keys)
        groups.append(keys)
    return groups, codes


def _parse_format_numpy(
    tb: TextBlock, plan: FastPlan, n: int, grid: np.ndarray, groups: list[list[str]],
    codes: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, dict[str, _FormatArrays]]:
    """:func:`_parse_format` with numpy, for the layouts ``groups`` of the records (``codes``).

    Keys of ``plan.format`` that no layout has are left to the caller.
    """
    s = len(plan.sample_columns)
    n_file = plan.n_columns - 9
    # the sample columns of every line, copied together: calls end at a tab or newline
    stb = tb.segments(grid[:, 8] + 1, grid[:, -1] + 1)
    pos, cls = delimiters(stb, b":,")
    # every delimiter ends a token: the text since the previous delimiter
    prev = np.empty_like(pos)
    prev[0] = -1
    prev[1:] = pos[:-1]
    bound = cls < 11
    colon = cls == _COLON
    call: np.ndarray = np.cumsum(bound) - bound                     # call of each token
    colons = np.cumsum(colon) - colon
    at_end = np.compress(bound, colons)                             # colons before each call end
    sub = colons - np.concatenate(([0], at_end[:-1]))[call]         # sub-field of each token
    if s != n_file or len(groups) > 1:
        nl = cls == _NL
        line = np.cumsum(nl) - nl
    if s != n_file:  # a sample subset: keep those calls, numbered line * s + rank
        rank = np.full(n_file, -1, dtype=np.int64)
        rank[np.asarray(plan.sample_columns, dtype=np.int64) - 9] = np.arange(s)
        r = rank[call - line * n_file]
        keep = np.flatnonzero(r >= 0)
        pos, prev, call, sub, line = pos[keep], prev[keep], line[keep] * s + r[keep], sub[keep], \
            line[keep]
    key_of: np.ndarray
    names = list(dict.fromkeys(k for keys in groups for k in keys))
    if len(groups) == 1:
        if (sub >= len(groups[0])).any():
            raise FastUnsupported("a sample has more FORMAT sub-fields than keys")
        key_of = np.array([names.index(k) for k in groups[0]])
        key = sub
    else:
        width = max(len(k) for k in groups)
        keymap = np.full((len(groups), width + 1), -1, dtype=np.int64)
        for g, keys in enumerate(groups):
            keymap[g, : len(keys)] = [names.index(k) for k in keys]
        key = keymap[codes[line], np.minimum(sub, width)]
        if (key < 0).any():
            raise FastUnsupported("a sample has more FORMAT sub-fields than keys")
        key_of = np.arange(len(names))
    in_group = np.zeros((len(groups), len(names)), dtype=bool)
    for g, keys in enumerate(groups):
        in_group[g, [names.index(k) for k in keys]] = True

    n_calls = n * s
    gt = np.full((n, s, 2), -2, dtype=np.int16)
    has_gt = np.zeros(n, dtype=bool)
    phased = np.zeros((n, s), dtype=bool)
    fmt: dict[str, _FormatArrays] = {}
    for i, name in enumerate(names):
        d = plan.format.get(name, plan.numeric_format.get(name))
        if name != "GT" and (d is None or not (name in plan.format or d.type in ("Integer", "Float"))):
            continue  # undeclared (htslib reads it as a String) or a String nobody asked for
        sel = np.flatnonzero(key == (np.flatnonzero(key_of == i)[0] if len(groups) == 1 else i))
        ts, te = prev[sel] + 1, pos[sel]
        calls: np.ndarray = call[sel]
        present = in_group[codes, i]
        if name == "GT":
            if len(calls) != int(present.sum()) * s or (np.diff(calls) <= 0).any():
                raise FastUnsupported("GT missing from a sample, or a ',' in GT")
            alleles, ph = parse_gt(stb, ts, te)
            gt = np.full((n, s, alleles.shape[1]), -2, dtype=np.int16)
            gt.reshape(n_calls, -1)[calls] = alleles
            phased.reshape(n_calls)[calls] = ph
            has_gt = present
            continue
        assert d is not None
        values, per_call = _format_values(stb, d, ts, te, calls, n_calls)
        if name in plan.format:
            fmt[name] = (values.reshape(n, s, -1), present,
                         np.where(present, per_call.reshape(n, s).max(axis=1), 0))
    return gt, has_gt, phased, fmt


def _format_values(
    tb: TextBlock, d: FieldDef, ts: np.ndarray, te: np.ndarray, calls: np.ndarray, n_calls: int,
) -> tuple[np.ndarray, np.ndarray]:
    """One FORMAT key's values per call ((calls, width), encoded as cyvcf2) and values per call.

    ``ts``/``te`` are the key's tokens (its values, split at ','), in order, and
    ``calls`` the call each belongs to; calls without a token lack the sub-field.
    """
    what = f"FORMAT/{d.id}"
    per_call = np.bincount(calls, minlength=n_calls)
    first = np.ones(len(calls), dtype=bool)
    first[1:] = calls[1:] != calls[:-1]
    if d.type in ("String", "Character"):
        # the whole sub-field, commas included: from its first value to its last
        last = np.ones(len(calls), dtype=bool)
        last[:-1] = first[1:]
        texts = strings(tb, ts[first], te[last])
        lens = te[last] - ts[first]
        texts[(lens == 0) | ((lens == 1) & (tb.a[ts[first]] == _DOT))] = None
        out = np.full((n_calls, 1), None, dtype=object)
        out[calls[first], 0] = texts
        return out, np.ones(n_calls, dtype=np.int64)
    multi = not first.all()
    if multi:  # value index within its call
        run = np.flatnonzero(first)
        val = np.arange(len(calls)) - np.repeat(run, np.diff(np.append(run, len(calls))))
    per_call = np.maximum(per_call, 1)
    width = int(per_call.max()) if n_calls else 1
    if d.type == "Integer":
        ints, _ = parse_int(tb, ts, te, what, empty_missing=True)
        if not multi and len(calls) == n_calls:
            return ints.reshape(n_calls, 1), per_call
        arr = np.full((n_calls, width), _VECTOR_END, dtype=np.int32)
        arr[:, 0] = INT_MISSING
        arr[calls, val if multi else 0] = ints
        return arr, per_call
    with np.errstate(over="ignore"):
        floats = parse_float(tb, ts, te, what, empty_missing=True).astype(np.float32)
    farr = np.full((n_calls, width), np.nan, dtype=np.float32)
    farr[calls, val if multi else 0] = floats
    return farr, per_call


# -- one block ------------------------------------------------------------------------------------
_FIXED = ("CHROM", "POS", "ID", "REF", "ALT", "QUAL", "FILTER", "INFO")


def parse_block(data: bytes | list[bytes | memoryview], plan: FastPlan) -> RecordBlock:
    """Tokenise a block of whole VCF record lines (ending in a newline) into a :class:`RecordBlock`.

    ``data`` is the text, or the pieces it is made of.

    Raises
    ------
    FastUnsupported
        For anything the per-record backends may read differently or reject, and for
        any unexpected failure here (cyvcf2 then reads the file, or says what is wrong).
    """
    try:
        return _parse_block(TextBlock(data), plan)
    except FastUnsupported:
        raise
    except Exception as err:
        raise FastUnsupported(f"unexpected {type(err).__name__} ({err})") from err


def _line_grid(tb: TextBlock, plan: FastPlan) -> np.ndarray:
    """Offsets of the tabs and the newline of each line: (lines, columns).

    With the C extension only the first 9 tabs and the newline (the last column) are
    located; the text is checked the same way either way.
    """
    if FORMAT_C and vcf_format_c.AVAILABLE:
        grid = vcf_format_c.line_grid(tb, plan.n_columns)
        if grid is not None:
            return grid
    if tb.data.find(b"\r") >= 0:
        raise FastUnsupported("carriage returns in the text (CRLF line ends)")
    tabs, cls = delimiters(tb, b"")
    if ((cls != _TAB) & (cls != _NL)).any():
        raise FastUnsupported("control characters in the text")
    n = int((cls == _NL).sum())
    ncol = plan.n_columns
    if len(tabs) != n * ncol or n == 0:
        raise FastUnsupported("a line does not have the header's number of columns")
    grid = tabs.reshape(n, ncol)
    if not (tb.a[grid[:, -1]] == _NL).all():
        raise FastUnsupported("a line does not have the header's number of columns")
    return grid


def _parse_block(tb: TextBlock, plan: FastPlan) -> RecordBlock:
    grid = _line_grid(tb, plan)  # tabs of the fixed columns, and the newline last
    n = len(grid)
    line_start = np.empty(n, dtype=np.int64)
    line_start[0] = 0
    line_start[1:] = grid[:-1, -1] + 1
    if (tb.a[line_start] == ord("#")).any():
        raise FastUnsupported("a '#' line among the records")
    cols = [((line_start if j == 0 else grid[:, j - 1] + 1), grid[:, j]) for j in range(8)]
    for j, (cs, ce) in enumerate(cols):
        if (ce <= cs).any():
            raise FastUnsupported(f"an empty {_FIXED[j]} field")

    chrom_labels, chrom_codes = factorize(tb, *cols[0])
    _check_new_names(plan, "contig", chrom_labels)
    pos_vals, pos_missing = parse_int(tb, *cols[1], "POS")
    if pos_missing.any() or (pos_vals < 0).any():
        raise FastUnsupported("POS is missing or negative")
    ids = strings(tb, *cols[2], dot_none=True)
    ref = strings(tb, *cols[3])
    ts, te, n_tok = split(tb, *cols[4], _COMMA)
    tok_len = te - ts
    tok_dot = (tok_len == 1) & (tb.a[ts] == _DOT)
    lone_dot = (n_tok == 1) & tok_dot[np.cumsum(n_tok) - n_tok]
    real = ~np.repeat(lone_dot, n_tok)
    if (tok_len[real] == 0).any() or tok_dot[real].any():
        raise FastUnsupported("an empty or '.' ALT allele in a list")
    alts = strings(tb, ts[real], te[real])
    with np.errstate(over="ignore"):
        qual = parse_float(tb, *cols[5], "QUAL").astype(np.float32)
    filt_labels, filt_codes = factorize(tb, *cols[6])
    filter_values: list[tuple[str, ...] | None] = []
    for lab in filt_labels:
        names = None if lab == "." else tuple(lab.split(";"))
        if names is not None and "" in names:
            raise FastUnsupported("an empty FILTER name")
        _check_new_names(plan, "FILTER", names or ())
        filter_values.append(names)

    info, raw = _parse_info(tb, plan, n, *cols[7])
    gt, has_gt, phased, fmt = _parse_format(tb, plan, n, grid)
    return RecordBlock(
        chrom_labels=chrom_labels, chrom_codes=chrom_codes, pos=pos_vals.astype(np.int64),
        ids=ids, ref=ref, alt_count=np.where(lone_dot, 0, n_tok), alts=alts, qual=qual,
        filter_values=filter_values, filter_codes=filt_codes, info=info, raw_ann=raw, gt=gt,
        has_gt=has_gt, phased=phased, fmt=fmt,
    )
