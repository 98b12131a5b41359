"""Recursive-descent parser: tokens -> AST.

Grammar (lowest precedence first)::

    expr     := or EOF
    or       := and (("||" | "|") or)?          right-associative, as bcftools
    and      := not (("&&" | "&") and)?         right-associative, as bcftools
    not      := "!" not | compare
    compare  := sum (("=="|"="|"!="|"<"|"<="|">"|">="|"~"|"!~") sum)?
    sum      := product (("+" | "-") product)*   chains must not depend on grouping
    product  := unary (("*" | "/" | "%") unary)*
    unary    := "-" unary | "+" unary | primary
    primary  := NUMBER | STRING | "." | FIELD | FUNC "(" or ")" | "(" or ")"
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ..errors import ExpressionError
from ._lexer import Token, tokenize

__all__ = [
    "Arith",
    "Compare",
    "Field",
    "Func",
    "Logic",
    "Missing",
    "Neg",
    "Node",
    "Not",
    "Num",
    "Str",
    "Subscript",
    "parse",
]


@dataclass(frozen=True)
class Index:
    """Selected positions: explicit ``items`` plus everything from ``open_from`` on (if set)."""

    items: tuple[int, ...] = ()
    open_from: int | None = None

    @property
    def is_all(self) -> bool:
        return not self.items and self.open_from == 0


ALL = Index(open_from=0)


@dataclass(frozen=True)
class Subscript:
    """Parsed ``[...]``: ``samples`` (FORMAT only) and ``values`` selections; None = all."""

    samples: Index | None
    values: Index | None
    has_colon: bool
    pos: int


@dataclass(frozen=True)
class Node:
    """Base AST node; ``pos`` is the 0-based column in the expression."""

    pos: int


@dataclass(frozen=True)
class Num(Node):
    value: float


@dataclass(frozen=True)
class Str(Node):
    value: str


@dataclass(frozen=True)
class Missing(Node):
    pass


@dataclass(frozen=True)
class Field(Node):
    text: str
    prefix: str | None
    name: str
    subscript: Subscript | None


@dataclass(frozen=True)
class Func(Node):
    name: str
    arg: Node


@dataclass(frozen=True)
class Neg(Node):
    operand: Node


@dataclass(frozen=True)
class Not(Node):
    operand: Node


@dataclass(frozen=True)
class Arith(Node):
    op: str
    left: Node
    right: Node


@dataclass(frozen=True)
class Compare(Node):
    op: str
    left: Node
    right: Node


@dataclass(frozen=True)
class Logic(Node):
    op: str
    left: Node
    right: Node


_CMP = {"==": "==", "=": "==", "!=": "!=", "<": "<", "<=": "<=", ">": ">", ">=": ">=",
        "~": "~", "!~": "!~"}


class _Parser:
    def __init__(self, expr: str) -> None:
        self.expr = expr
        self.tokens = tokenize(expr)
        self.i = 0

    # -- token helpers ---------------------------------------------------------------------
    @property
    def tok(self) -> Token:
        return self.tokens[self.i]

    def _is_op(self, *ops: str) -> bool:
        return self.tok.kind == "op" and self.tok.text in ops

    def _advance(self) -> Token:
        tok = self.tok
        self.i += 1
        return tok

    def error(self, message: str, pos: int | None = None) -> ExpressionError:
        return ExpressionError(message, expr=self.expr, column=self.tok.pos if pos is None else pos)

    # -- grammar ---------------------------------------------------------------------------
    def parse(self) -> Node:
        if self.tok.kind == "end":
            raise self.error("empty expression")
        node = self._or()
        if self.tok.kind != "end":
            what = self.tok.text or self.tok.kind
            if self._is_op(")"):
                raise self.error("unbalanced ')'")
            raise self.error(f"unexpected {what!r}; expected an operator such as && or ||")
        return node

    # Logical operators of equal precedence group to the right, as in bcftools
    # (``A || B | C`` is ``A || (B | C)``); this matters when & and && (or | and ||) mix.
    def _or(self) -> Node:
        left = self._and()
        if self._is_op("||", "|"):
            op = self._advance()
            return Logic(op.pos, op.text, left, self._or())
        return left

    def _and(self) -> Node:
        left = self._not()
        if self._is_op("&&", "&"):
            op = self._advance()
            return Logic(op.pos, op.text, left, self._and())
        return left

    def _not(self) -> Node:
        if self._is_op("!"):
            op = self._advance()
            return Not(op.pos, self._not())
        return self._compare()

    def _compare(self) -> Node:
        left = self._sum()
        if self.tok.kind == "op" and self.tok.text in _CMP:
            op = self._advance()
            right = self._sum()
            if self.tok.kind == "op" and self.tok.text in _CMP:
                raise self.error("comparisons cannot be chained; join them with && or &")
            return Compare(op.pos, _CMP[op.text], left, right)
        return left

    def _chain(self, ops: tuple[str, ...], operand: Callable[[], Node],
               assoc: str) -> Node:
        """Left-associative chain; reject chains bcftools would group differently.

        bcftools groups arithmetic to the right (``POS-1+1`` is ``POS-(1+1)``), so
        a chain is accepted only where both groupings agree: every operator but
        the last is the associative one (``assoc``) and ``%`` stands alone.
        """
        left = operand()
        seen: list[Token] = []
        while self._is_op(*ops):
            op = self._advance()
            seen.append(op)
            left = Arith(op.pos, op.text, left, operand())
        if len(seen) > 1:
            for op in seen[:-1] + [t for t in seen[-1:] if t.text == "%"]:
                if op.text != assoc:
                    raise self.error(
                        f"ambiguous arithmetic: bcftools groups '{op.text}' chains to the "
                        f"right (a-b+c means a-(b+c)); add parentheses", op.pos)
        return left

    def _sum(self) -> Node:
        return self._chain(("+", "-"), self._product, "+")

    def _product(self) -> Node:
        return self._chain(("*", "/", "%"), self._unary, "*")

    def _unary(self) -> Node:
        if self._is_op("-"):
            op = self._advance()
            return Neg(op.pos, self._unary())
        if self._is_op("+"):
            self._advance()
            return self._unary()
        return self._primary()

    def _primary(self) -> Node:
        tok = self.tok
        if tok.kind == "num":
            self._advance()
            return Num(tok.pos, tok.number)
        if tok.kind == "str":
            self._advance()
            return Str(tok.pos, tok.string)
        if tok.kind == "missing":
            self._advance()
            return Missing(tok.pos)
        if tok.kind == "field":
            self._advance()
            sub = None
            if tok.subscript is not None:
                sub = _parse_subscript(tok.subscript, tok.sub_pos, self.expr)
            return Field(tok.pos, tok.text, tok.prefix, tok.name, sub)
        if tok.kind == "func":
            self._advance()
            if not self._is_op("("):
                raise self.error(f"expected '(' after {tok.text}")
            self._advance()
            if self._is_op(")"):
                raise self.error(f"{tok.text}() needs one argument")
            arg = self._or()
            if self._is_op(","):
                raise self.error(f"{tok.text}() takes one argument")
            if not self._is_op(")"):
                raise self.error(f"expected ')' to close {tok.text}(")
            self._advance()
            return Func(tok.pos, tok.name, arg)
        if self._is_op("("):
            open_pos = tok.pos
            self._advance()
            if self._is_op(")"):
                raise self.error("empty parentheses")
            node = self._or()
            if not self._is_op(")"):
                raise self.error("missing ')'", pos=open_pos if self.tok.kind == "end" else None)
            self._advance()
            return node
        if tok.kind == "end":
            raise self.error("expression ends too early; expected a value")
        raise self.error(f"unexpected {tok.text!r}; expected a value")


def _parse_index(text: str, pos: int, expr: str) -> Index:
    text = text.strip()
    if text in ("", "*"):
        return ALL
    items: list[int] = []
    open_from: int | None = None
    for part in text.split(","):
        part = part.strip()
        try:
            if part.endswith("-") and part[:-1].isdigit():
                start = int(part[:-1])
                open_from = start if open_from is None else min(open_from, start)
            elif "-" in part:
                a, b = part.split("-", 1)
                lo, hi = int(a), int(b)
                if hi < lo:
                    raise ValueError
                items.extend(range(lo, hi + 1))
            else:
                value = int(part)
                if value < 0:
                    raise ValueError
                items.append(value)
        except ValueError:
            raise ExpressionError(f"cannot parse subscript [{text}]; use e.g. [0], [*], [1-3], "
                                  "[0,2] or (FORMAT) [sample:value]", expr=expr,
                                  column=pos) from None
    return Index(tuple(sorted(set(items))), open_from)


def _parse_subscript(text: str, pos: int, expr: str) -> Subscript:
    if "@" in text:
        raise ExpressionError("sample lists from files ([@file]) are not supported",
                              expr=expr, column=pos)
    if "GT" in text.upper():
        raise ExpressionError("genotype-based subscripts ([GT]) are not supported",
                              expr=expr, column=pos)
    if ":" in text:
        left, right = text.split(":", 1)
        return Subscript(_parse_index(left, pos, expr), _parse_index(right, pos, expr), True, pos)
    return Subscript(None, _parse_index(text, pos, expr), False, pos)


def parse(expr: str) -> Node:
    """Parse a filter expression into an AST (raises :class:`ExpressionError`)."""
    if not isinstance(expr, str):
        raise ExpressionError(f"expression must be a string, not {type(expr).__name__}",
                              expr=str(expr), column=0)
    return _Parser(expr).parse()
