"""Translate bcftools regular expressions (POSIX basic, glibc flavour) into Python ``re``.

bcftools compiles ``~`` patterns with ``regcomp`` *without* ``REG_EXTENDED``, so
``+ ? | ( ) { }`` are literal characters and their backslashed forms are the
operators (GNU extensions). A trailing ``/i`` makes the match case-insensitive.
"""

from __future__ import annotations

import re

__all__ = ["compile_bcftools_regex"]

_CLASSES = {
    "alpha": "a-zA-Z", "digit": "0-9", "alnum": "a-zA-Z0-9", "upper": "A-Z", "lower": "a-z",
    "space": r" \t\n\r\f\v", "blank": r" \t", "punct": r"!-/:-@\[-`{-~", "xdigit": "0-9A-Fa-f",
    "word": "a-zA-Z0-9_", "print": r" -~", "graph": r"!-~", "cntrl": r"\x00-\x1f\x7f",
}
_SPECIAL_ESCAPES = {"(": "(", ")": ")", "{": "{", "}": "}", "+": "+", "?": "?", "|": "|",
                    "<": r"\b(?=\w)", ">": r"\b(?<=\w)", "`": r"\A", "'": r"\Z",
                    "w": r"\w", "W": r"\W", "s": r"\s", "S": r"\S", "b": r"\b", "B": r"\B"}


def _bracket(pattern: str, i: int) -> tuple[str, int]:
    """Translate a bracket expression starting at ``pattern[i] == '['``; return (text, next i)."""
    j = i + 1
    out = ["["]
    if j < len(pattern) and pattern[j] == "^":
        out.append("^")
        j += 1
    first = True
    while j < len(pattern):
        c = pattern[j]
        if c == "]" and not first:
            out.append("]")
            return "".join(out), j + 1
        if c == "[" and pattern.startswith("[:", j):
            end = pattern.find(":]", j + 2)
            if end < 0:
                raise ValueError("unterminated character class")
            name = pattern[j + 2:end]
            if name not in _CLASSES:
                raise ValueError(f"unknown character class [:{name}:]")
            out.append(_CLASSES[name])
            j = end + 2
        else:
            # Inside POSIX brackets backslash is literal; Python needs these escaped
            # (and & ~ | escaped to avoid Python's future set-operation syntax).
            out.append("\\" + c if c in "\\[]^&~|" else c)
            j += 1
        first = False
    raise ValueError("unterminated '['")


def translate(pattern: str) -> str:
    """POSIX BRE (glibc) -> Python regular expression text."""
    out: list[str] = []
    i, n = 0, len(pattern)
    at_start = True  # where '*' is literal and '^' is an anchor
    while i < n:
        c = pattern[i]
        if c == "\\":
            if i + 1 >= n:
                raise ValueError("trailing backslash")
            nxt = pattern[i + 1]
            if nxt in _SPECIAL_ESCAPES:
                out.append(_SPECIAL_ESCAPES[nxt])
                at_start = nxt in "(|"
            elif nxt.isdigit():
                out.append("\\" + nxt)
                at_start = False
            else:
                out.append(re.escape(nxt))
                at_start = False
            i += 2
            continue
        if c == "[":
            text, i = _bracket(pattern, i)
            out.append(text)
            at_start = False
            continue
        if c == "^":
            out.append("^" if at_start else r"\^")
            i += 1
            continue
        if c == "$":
            end = i + 1 == n or pattern.startswith(("\\)", "\\|"), i + 1)
            out.append("$" if end else r"\$")
            i += 1
            continue
        if c == "*":
            out.append(r"\*" if at_start else "*")
            at_start = False
            i += 1
            continue
        if c == ".":
            out.append(".")
        else:
            out.append(re.escape(c))
        at_start = False
        i += 1
    return "".join(out)


def compile_bcftools_regex(pattern: str) -> re.Pattern[str]:
    """Compile a bcftools ``~`` pattern (raises ``ValueError`` / ``re.error`` if invalid).

    >>> bool(compile_bcftools_regex("BRCA[12]").search("BRCA2"))
    True
    >>> bool(compile_bcftools_regex("BRCA1|TP53").search("TP53"))   # '|' is literal in BRE
    False
    >>> bool(compile_bcftools_regex("brca/i").search("BRCA1"))
    True
    """
    flags = 0
    if len(pattern) > 2 and pattern.endswith("/i") and pattern[-3] != "\\":
        pattern = pattern[:-2]
        flags = re.IGNORECASE
    return re.compile(translate(pattern), flags)
