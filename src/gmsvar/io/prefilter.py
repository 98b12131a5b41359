"""Record prefilter for the fast reader, run on the raw text by the C scanner (``gmsvar.io._scan``).

When a read keeps only some records (``read_vcf(include=..., min_consequence=...)``),
tokenising every record and parsing every annotation is mostly wasted work. The C
scanner walks each block of record lines once, checks the structure of every line
and evaluates a small program per record; only the lines that may pass go on to the
numpy tokeniser (:func:`gmsvar.io.vcf_fast.parse_block`). The exact filters
(:func:`gmsvar.filters.filter_expr`, :func:`gmsvar.filters.consequence_at_least`)
still run on the parsed rows, so the table is the same as without the prefilter.

The program is *conservative*: it may keep records the exact filters then drop, never
the reverse. It is compiled from the parsed expression (:func:`gmsvar.filters.expr.parse_expr`):

* ``QUAL op number`` (``op`` one of ``< <= > >= ==``);
* ``FILTER="PASS"`` (true when the FILTER column mentions PASS) and ``FILTER!="PASS"``
  (false only for a FILTER of exactly PASS);
* ``INFO/<tag> op number`` for Integer/Float tags: true if any comma-separated value
  passes (a superset over the ALT alleles a record is split into);
* ``FMT/<tag> op number`` for Integer/Float tags: true if any value of any sample passes;
* ``&``/``&&`` become AND and ``|``/``||`` OR of those record-level tests (supersets of
  bcftools' per-sample rules);
* ``min_consequence=TERM``: true if any entry of the annotation (VEP CSQ, SnpEff ANN,
  bcftools BCSQ) has a consequence term at least as severe as ``TERM``.

Everything else counts as true (keeps the record): other columns and strings, regular
expressions, arithmetic, functions, ``GT``, ``!(...)``, ``exclude`` expressions, tests
for missing values, ``!=``. So do values the scanner does not decide: a value that is
not a plain decimal number, a tag written without a value, a consequence term that is
not in the severity table. A missing value (``.``) or an absent tag fails a comparison,
as in :func:`~gmsvar.filters.filter_expr`. Numbers are compared in double precision
with a relative margin of 1e-6, so a value at the float32 boundary of a threshold is
kept (bcftools and gmsvar compare at float32).

A table's genotype ploidy and FORMAT value widths are the largest among the records
of a reader chunk (``chunk_size`` file records), dropped or not. So the scanner also
passes on, per chunk, the dropped records that set them (*shape carriers*, see
:class:`Selection`), the reader cuts its chunks at the same file records as an
unfiltered read, and the exact filter drops the carriers again: the chunks are the
unfiltered read's, filtered.

Examples
--------
>>> from gmsvar.table import FieldDef
>>> pf = compile_prefilter('QUAL>=30 && INFO/DP>=10 && !(POS<5)',
...                        info={"DP": FieldDef("DP", "1", "Integer")}, format={})
>>> pf.description
'QUAL>=30 && INFO/DP>=10'
>>> text = (b"1\\t5\\t.\\tA\\tC\\t50\\tPASS\\tDP=12\\n"
...         b"1\\t6\\t.\\tA\\tG\\t50\\tPASS\\tDP=3\\n"
...         b"1\\t7\\t.\\tA\\tT\\t.\\tPASS\\tDP=30\\n")
>>> sel = pf.select(text, n_columns=8)
>>> sel.text.decode().split("\\t")[:2], sel.n_lines, sel.index.tolist()
(['1', '5'], 3, [0])
"""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any

import numpy as np

from ..errors import InputError
from .vcf_tokens import FastUnsupported

if TYPE_CHECKING:
    from ..filters.expr._parser import Node
    from ..table import FieldDef, VariantTable
    from .annotations import AnnotationSpec

try:
    from . import _scan
except ImportError:  # pragma: no cover - the extension is built by `pip install -e .`
    _scan = None

__all__ = ["AVAILABLE", "Prefilter", "Selection", "compile_prefilter", "filter_annotation"]

#: Whether the C scanner is built (otherwise the fast reader tokenises every record).
AVAILABLE: bool = _scan is not None

# term kinds and comparison codes of the C program (see _scan.c)
_QUAL, _FILTER, _INFO, _FMT, _ANN = range(5)
_OPS = {"<": 0, "<=": 1, ">": 2, ">=": 3, "==": 4}
_FLIP = {"<": ">", ">": "<", "<=": ">=", ">=": "<=", "==": "=="}
_NODE_TRUE, _NODE_TERM, _NODE_AND, _NODE_OR = range(4)
#: rough cost of evaluating a term: cheap ones come first in AND / OR (the scanner then
#: reorders operands by the pass rates it sees)
_COST = {_QUAL: 1, _FILTER: 1, _INFO: 3, _FMT: 4, _ANN: 10}
#: the consequence sub-field of each annotation kind
_CONSEQUENCE_FIELD = {"CSQ": "Consequence", "ANN": "Annotation", "BCSQ": "Consequence"}


@dataclass(frozen=True)
class _Term:
    """One C term: ``(kind, op, integer, value, key, field, bcsq, accept, reject)`` and its text."""

    args: tuple[int, int, bool, float, bytes, int, bool, tuple[bytes, ...], tuple[bytes, ...]]
    text: str


@dataclass(frozen=True)
class _Tree:
    """A compiled condition: ``op`` is ``"true"``, ``"term"``, ``"and"`` or ``"or"``."""

    op: str
    term: _Term | None = None
    left: _Tree | None = None
    right: _Tree | None = None

    @property
    def cost(self) -> int:
        if self.term is not None:
            return _COST[self.term.args[0]]
        return (self.left.cost if self.left else 0) + (self.right.cost if self.right else 0)


_TRUE = _Tree("true")


def _and(a: _Tree, b: _Tree) -> _Tree:
    if a.op == "true":
        return b
    if b.op == "true":
        return a
    return _Tree("and", left=a, right=b) if a.cost <= b.cost else _Tree("and", left=b, right=a)


def _or(a: _Tree, b: _Tree) -> _Tree:
    if a.op == "true" or b.op == "true":
        return _TRUE
    return _Tree("or", left=a, right=b) if a.cost <= b.cost else _Tree("or", left=b, right=a)


@dataclass(frozen=True)
class Selection:
    """What :meth:`Prefilter.select` passes on from a block of record lines.

    Attributes
    ----------
    text
        The lines passed on, concatenated (in file order).
    n_lines
        Lines scanned.
    index
        0-based index (int64) of each line passed on, among the lines scanned.
    n_passed
        How many of them the program kept; the others are *shape carriers*: dropped
        records with the largest genotype ploidy or FORMAT width of their window. The
        table's ploidy and FORMAT widths are the largest of a chunk's records, so the
        reader parses them too, and the exact filter drops them again (the program
        dropped them, so the exact filter does too).
    """

    text: bytes
    n_lines: int
    index: np.ndarray
    n_passed: int


class Prefilter:
    """A compiled record prefilter, and the counts of the read that uses it.

    Build it with :func:`compile_prefilter`. ``scanned`` / ``passed`` count the
    records the reader ran through :meth:`select` and the ones the program kept;
    ``origins`` holds, for each block the reader has not consumed yet, the 0-based
    file index of each record passed on (so the reader can cut chunks at the same
    file records as an unfiltered read, and resume after them if it falls back);
    ``window`` is the reader's chunk size (see :class:`Selection`).
    """

    def __init__(self, tree: _Tree) -> None:
        nodes: list[tuple[int, int, int]] = []
        terms: list[_Term] = []

        def emit(t: _Tree) -> int:
            if t.op == "term":
                assert t.term is not None
                terms.append(t.term)
                nodes.append((_NODE_TERM, len(terms) - 1, 0))
            elif t.op in ("and", "or"):
                assert t.left is not None and t.right is not None
                a, b = emit(t.left), emit(t.right)
                nodes.append((_NODE_AND if t.op == "and" else _NODE_OR, a, b))
            else:
                nodes.append((_NODE_TRUE, 0, 0))
            return len(nodes) - 1

        emit(tree)
        self.nodes = tuple(nodes)
        self.terms = tuple(t.args for t in terms)
        self.description = _describe(tree)
        self.scanned = 0
        self.passed = 0
        self.origins: deque[np.ndarray] = deque()
        #: the reader's chunk size in file records (None: no shape carriers)
        self.window: int | None = None
        #: records scanned when the reader stopped scanning because most records passed
        #: (None: scanned to the end); see :data:`gmsvar.io.vcf_fast.BYPASS_SHARE`
        self.bypassed: int | None = None

    def __repr__(self) -> str:
        return f"Prefilter({self.description!r})"

    def select(self, data: bytes | Sequence[bytes | memoryview], n_columns: int, *,
               first_line: int = 0, window: int | None = None, samples: Sequence[int] = (),
               keys: Sequence[str] = ()) -> Selection:
        """The lines of ``data`` that may pass (see :class:`Selection`).

        ``data`` is whole record lines (each ending in a newline), or the pieces they
        are made of; ``n_columns`` the header's number of columns. With ``window``
        (the reader's chunk size, in file records; ``first_line`` is the file index of
        the first line), the shape carriers of each window are passed on too:
        ``samples`` are the column indices of the samples read and ``keys`` the
        numeric FORMAT keys whose widths the table has.

        Raises
        ------
        FastUnsupported
            Malformed structure (column count, empty fixed column, ``#`` line, CR or
            control characters), or the C scanner is not built.
        """
        if _scan is None:
            raise FastUnsupported("the C scanner (gmsvar.io._scan) is not built")
        text = data if isinstance(data, bytes) else list(data)  # pieces are not joined
        shape = None if window is None else (first_line, window, tuple(samples),
                                             tuple(k.encode() for k in keys))
        try:
            kept, n_lines, index, n_passed = _scan.select(text, n_columns, self.nodes,
                                                          self.terms, shape)
        except ValueError as err:
            raise FastUnsupported(f"C scanner: {err}") from err
        return Selection(kept, n_lines, np.frombuffer(index, dtype=np.int64), n_passed)

    @staticmethod
    def count_lines(data: bytes | Sequence[bytes | memoryview]) -> int:
        """Newlines in ``data`` (or its pieces), counted without the GIL."""
        if _scan is None:
            raise FastUnsupported("the C scanner (gmsvar.io._scan) is not built")
        return int(_scan.count(data if isinstance(data, bytes) else list(data)))

    def provenance(self) -> dict[str, Any]:
        """What ran and the record counts so far, for ``meta.provenance["prefilter"]``."""
        out: dict[str, Any] = {"scanner": "gmsvar.io._scan (C)", "program": self.description,
                               "records_scanned": self.scanned, "records_passed": self.passed}
        if self.bypassed is not None:
            out["scanning_stopped_after"] = self.bypassed
            out["why_stopped"] = ("most records passed: the rest were tokenised whole and "
                                  "filtered exactly")
        return out


def _describe(t: _Tree, parent: str = "") -> str:
    if t.term is not None:
        return t.term.text
    if t.left is None or t.right is None:
        return "true"
    sep = " && " if t.op == "and" else " || "
    text = _describe(t.left, t.op) + sep + _describe(t.right, t.op)
    return f"({text})" if parent and parent != t.op else text


def _number(node: Node) -> float | None:
    from ..filters.expr._parser import Neg, Num

    if isinstance(node, Num):
        return float(node.value)
    if isinstance(node, Neg):
        inner = _number(node.operand)
        return None if inner is None else -inner
    return None


class _Compiler:
    def __init__(self, expr: str, info: Mapping[str, FieldDef], fmt: Mapping[str, FieldDef]
                 ) -> None:
        from ..table import VariantTable, VcfMetadata

        self.expr = expr
        self.info, self.fmt = info, fmt
        self.lookup: VariantTable = VariantTable({}, meta=VcfMetadata(info=dict(info),
                                                                      format=dict(fmt)))

    def tree(self, node: Node) -> _Tree:
        from ..filters.expr._parser import Compare, Logic

        if isinstance(node, Logic):
            a, b = self.tree(node.left), self.tree(node.right)
            return _and(a, b) if node.op in ("&", "&&") else _or(a, b)
        if isinstance(node, Compare):
            return self.compare(node)
        return _TRUE  # '!(...)' and anything else

    def compare(self, node: Any) -> _Tree:
        from ..filters.errors import ExpressionError
        from ..filters.expr._columns import resolve_field
        from ..filters.expr._parser import Field, Str

        left, right, op = node.left, node.right, node.op
        if not isinstance(left, Field) and isinstance(right, Field):
            left, right, op = right, left, _FLIP.get(op, "")
        if not isinstance(left, Field):
            return _TRUE
        try:
            kind, tag = resolve_field(left, self.lookup, self.expr)
        except ExpressionError:
            return _TRUE  # the exact filter reports it
        if kind == "fixed" and tag == "FILTER":
            if isinstance(right, Str) and right.value == "PASS" and op in ("==", "!="):
                text = 'FILTER="PASS"' if op == "==" else 'FILTER!="PASS"'
                return _Tree("term", _Term((_FILTER, int(op == "!="), False, 0.0, b"", 0, False,
                                            (), ()), text))
            return _TRUE
        value = _number(right)
        if value is None or op not in _OPS:
            return _TRUE
        if kind == "fixed" and tag == "QUAL":
            return _Tree("term", _Term((_QUAL, _OPS[op], False, value, b"", 0, False, (), ()),
                                       f"QUAL{_show(op)}{value:g}"))
        defs, code, prefix = ((self.info, _INFO, "INFO") if kind == "info" else
                              (self.fmt, _FMT, "FMT") if kind == "format" else ({}, -1, ""))
        d = defs.get(tag)
        if d is None or d.type not in ("Integer", "Float") or tag == "GT":
            return _TRUE
        return _Tree("term", _Term((code, _OPS[op], d.type == "Integer", value, tag.encode(), 0,
                                    False, (), ()), f"{prefix}/{tag}{_show(op)}{value:g}"))


def _show(op: str) -> str:
    return "=" if op == "==" else op


@lru_cache(maxsize=64)
def _consequence_term(term: str, spec: AnnotationSpec) -> _Tree:
    """Any entry of ``spec``'s annotation with a term at least as severe as ``term``."""
    from ..filters.consequence import consequence_rank, consequence_ranks
    from .annotations import load_so_table

    limit = consequence_rank(term)
    name = _CONSEQUENCE_FIELD[spec.kind]
    if name not in spec.fields:
        return _TRUE
    written = load_so_table().lookup[spec.kind]
    # a written term becomes its SO label, which consequence_at_least ranks
    words = [w for w in written if w.isascii()]
    ranks = consequence_ranks(np.array([written[w][0] for w in words], dtype=object))
    accept = tuple(w.encode() for w, r in zip(words, ranks, strict=True) if 1 <= r <= limit)
    # an empty or '.' consequence is missing: it never passes
    reject = (*(w.encode() for w, r in zip(words, ranks, strict=True) if not 1 <= r <= limit),
              b"", b".")
    args = (_ANN, 0, False, 0.0, spec.info_id.encode(), spec.fields.index(name),
            spec.kind == "BCSQ", accept, reject)
    return _Tree("term", _Term(args, f"{spec.info_id} consequence at least {term}"))


def compile_prefilter(
    include: str | None = None, *, info: Mapping[str, FieldDef], format: Mapping[str, FieldDef],
    min_consequence: str | None = None, annotation: AnnotationSpec | None = None,
) -> Prefilter | None:
    """Compile ``include`` and ``min_consequence`` into a :class:`Prefilter`.

    Parameters
    ----------
    include
        A bcftools-style expression (:func:`gmsvar.filter_expr`); parts the scanner
        cannot evaluate count as true.
    info, format
        Header definitions by ID (to resolve bare tags and tell numeric ones).
    min_consequence
        Keep records with an annotation entry at least this severe (needs ``annotation``).
    annotation
        The annotation ``min_consequence`` reads (from
        :func:`gmsvar.io.annotations.annotation_specs`).

    Returns
    -------
    Prefilter or None
        None when nothing can be decided on the raw text (the program would be "true").

    Raises
    ------
    ExpressionError
        ``include`` does not parse.
    InputError
        Unknown ``min_consequence`` term, or ``min_consequence`` without ``annotation``.

    Examples
    --------
    >>> from gmsvar.table import FieldDef
    >>> compile_prefilter('GT="het" || QUAL>10', info={}, format={}) is None
    True
    >>> gq = FieldDef("GQ", "1", "Integer")
    >>> compile_prefilter('FILTER="PASS" && (FMT/GQ>=20 | QUAL<5)', info={},
    ...                   format={"GQ": gq}).description
    'FILTER="PASS" && (QUAL<5 || FMT/GQ>=20)'
    """
    tree = _TRUE
    if include is not None:
        from ..filters.expr import parse_expr

        tree = _Compiler(include, info, format).tree(parse_expr(include))
    if min_consequence is not None:
        if annotation is None:
            raise InputError("min_consequence needs a transcript annotation (VEP CSQ, SnpEff ANN "
                             "or bcftools BCSQ)")
        tree = _and(tree, _consequence_term(min_consequence, annotation))
    return None if tree.op == "true" else Prefilter(tree)


def filter_annotation(raw: np.ndarray, term: str, spec: AnnotationSpec) -> np.ndarray:
    """Rows whose raw annotation string may hold a consequence at least as severe as ``term``.

    The same conservative test as the scanner's, on the annotation strings of parsed
    rows (object array, ``None`` when absent): lets the per-record backends skip
    annotating rows :func:`~gmsvar.filters.consequence_at_least` would drop.

    Examples
    --------
    >>> import numpy as np
    >>> from gmsvar.io.annotations import AnnotationSpec
    >>> spec = AnnotationSpec("CSQ", "CSQ", ("Allele", "Consequence"))
    >>> raw = np.array(["T|intron_variant,T|stop_gained", "T|synonymous_variant", None],
    ...                dtype=object)
    >>> filter_annotation(raw, "missense_variant", spec).tolist()
    [True, False, False]
    """
    tree = _consequence_term(term, spec)
    if tree.term is None:
        return np.ones(len(raw), dtype=bool)
    _, _, _, _, _, field, bcsq, accept, reject = tree.term.args
    status = {w.decode(): True for w in accept} | {w.decode(): False for w in reject}
    out = np.zeros(len(raw), dtype=bool)
    seen: dict[str, bool] = {}
    for i, value in enumerate(raw.tolist()):
        if not isinstance(value, str) or not value:
            continue
        hit = seen.get(value)
        if hit is None:
            hit = seen[value] = _entries_pass(value, field, bcsq, status)
        out[i] = hit
    return out


def _entries_pass(value: str, field: int, bcsq: bool, status: dict[str, bool]) -> bool:
    for entry in value.split(","):
        if bcsq and entry.startswith("@"):
            continue
        if bcsq and entry.startswith("*"):
            entry = entry[1:]
        parts = entry.split("|", field + 1)
        if len(parts) <= field:
            continue
        for word in parts[field].split("&"):
            if status.get(word.lower(), True):
                return True
    return False
