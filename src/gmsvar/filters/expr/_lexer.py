"""Tokenizer for bcftools-style filter expressions."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..errors import ExpressionError

__all__ = ["FUNCTIONS", "Token", "tokenize"]

#: Supported functions (upper-case name -> canonical name).
FUNCTIONS = {
    "MAX": "MAX", "MIN": "MIN", "AVG": "AVG", "MEAN": "AVG", "SUM": "SUM", "ABS": "ABS",
    "STRLEN": "STRLEN",
    "SMPL_MAX": "SMPL_MAX", "SMAX": "SMPL_MAX", "SMPL_MIN": "SMPL_MIN", "SMIN": "SMPL_MIN",
    "SMPL_AVG": "SMPL_AVG", "SAVG": "SMPL_AVG", "SMPL_MEAN": "SMPL_AVG", "SMEAN": "SMPL_AVG",
    "SMPL_SUM": "SMPL_SUM", "SSUM": "SMPL_SUM",
}

#: bcftools functions gmsvar does not implement (named in the error message).
UNSUPPORTED_FUNCTIONS = {
    "MEDIAN", "STDEV", "COUNT", "BINOM", "PHRED", "N_PASS", "F_PASS", "SMPL_MEDIAN",
    "SMEDIAN", "SMPL_STDEV", "SSTDEV", "SMPL_COUNT", "SCOUNT", "PERL.SEVERITY",
}

_NUMBER = re.compile(r"(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")
_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.]*")
_OPERATORS = ("&&", "||", "==", "!=", "<=", ">=", "!~", "=", "<", ">", "~", "&", "|", "!",
              "+", "-", "*", "/", "%", "(", ")", ",")
_PREFIXES = {"INFO": "INFO", "FMT": "FORMAT", "FORMAT": "FORMAT"}


@dataclass(frozen=True)
class Token:
    """One lexical token.

    ``kind`` is ``num``, ``str``, ``missing``, ``field``, ``func``, ``op`` or ``end``.
    For ``field`` tokens ``prefix`` is ``INFO``/``FORMAT``/``None``, ``name`` the tag
    and ``subscript`` the text inside ``[...]`` (``sub_pos`` its column).
    """

    kind: str
    text: str
    pos: int
    number: float = 0.0
    string: str = ""
    prefix: str | None = None
    name: str = ""
    subscript: str | None = None
    sub_pos: int = 0


def tokenize(expr: str) -> list[Token]:
    """Split ``expr`` into tokens; raise :class:`ExpressionError` at the first bad character."""
    tokens: list[Token] = []
    i, n = 0, len(expr)
    while i < n:
        ch = expr[i]
        if ch.isspace():
            i += 1
            continue
        if ch in "\"'":
            end = expr.find(ch, i + 1)
            if end < 0:
                raise ExpressionError(f"unterminated string: no closing {ch}", expr=expr, column=i)
            tokens.append(Token("str", expr[i:end + 1], i, string=expr[i + 1:end]))
            i = end + 1
            continue
        if ch == "@":
            raise ExpressionError("file lists (@file) are not supported; filter the table with "
                                  "a Python set instead", expr=expr, column=i)
        if ch == "$":
            raise ExpressionError("unexpected '$'", expr=expr, column=i)
        if ch.isdigit() or ch == ".":
            m = _NUMBER.match(expr, i)
            follow = expr[m.end()] if m and m.end() < n else ""
            if m and not (follow.isalnum() or follow in ("_", ".")):
                tokens.append(Token("num", m.group(), i, number=float(m.group())))
                i = m.end()
                continue
            if ch == "." and not (i + 1 < n and (expr[i + 1].isalnum() or expr[i + 1] == "_")):
                tokens.append(Token("missing", ".", i))
                i += 1
                continue
            if ch == ".":
                raise ExpressionError("unexpected '.'", expr=expr, column=i)
        if ch.isalnum() or ch == "_":
            i = _field_or_func(expr, i, tokens)
            continue
        for op in _OPERATORS:
            if expr.startswith(op, i):
                tokens.append(Token("op", op, i))
                i += len(op)
                break
        else:
            raise ExpressionError(f"unexpected character {ch!r}", expr=expr, column=i)
    tokens.append(Token("end", "", n))
    return tokens


def _field_or_func(expr: str, start: int, tokens: list[Token]) -> int:
    m = _NAME.match(expr, start)
    assert m is not None
    name, i = m.group(), m.end()
    prefix = None
    if name.upper() in _PREFIXES and i < len(expr) and expr[i] == "/":
        prefix = _PREFIXES[name.upper()]
        m = _NAME.match(expr, i + 1)
        if m is None:
            raise ExpressionError(f"expected a tag name after {name}/", expr=expr, column=i + 1)
        name, i = m.group(), m.end()
    j = i
    while j < len(expr) and expr[j].isspace():
        j += 1
    if prefix is None and j < len(expr) and expr[j] == "(":
        upper = name.upper()
        if upper in FUNCTIONS:
            tokens.append(Token("func", name, start, name=FUNCTIONS[upper]))
            return i
        if upper in UNSUPPORTED_FUNCTIONS or upper.startswith(("SMPL_", "N_PASS", "F_PASS")):
            raise ExpressionError(
                f"function {name}() is not supported; supported: "
                f"{', '.join(sorted(set(FUNCTIONS.values())))}", expr=expr, column=start)
        raise ExpressionError(f"unknown function {name}()", expr=expr, column=start)
    subscript, sub_pos = None, 0
    if i < len(expr) and expr[i] == "[":
        close = expr.find("]", i)
        if close < 0:
            raise ExpressionError("unclosed '[' in subscript", expr=expr, column=i)
        subscript, sub_pos = expr[i + 1:close], i
        i = close + 1
    tokens.append(Token("field", expr[start:i], start, prefix=prefix, name=name,
                        subscript=subscript, sub_pos=sub_pos))
    return i
