"""Errors raised by :mod:`gmsvar.filters`.

Examples
--------
>>> from gmsvar.filters.errors import ExpressionError
>>> err = ExpressionError("unexpected ')'", expr="QUAL>30)", column=7)
>>> print(err)
unexpected ')' at column 7
  QUAL>30)
         ^
>>> err.column
7
"""

from __future__ import annotations

from ..errors import InputError

__all__ = ["ExpressionError"]


class ExpressionError(InputError):
    """A filter expression cannot be parsed or is not supported by gmsvar.

    Parameters
    ----------
    message
        What is wrong and, where possible, how to write it instead.
    expr
        The full expression text.
    column
        0-based column (character offset) of the problem in ``expr``.

    Notes
    -----
    The message ends with the expression and a caret line pointing at ``column``.
    """

    def __init__(self, message: str, *, expr: str, column: int) -> None:
        self.expr = expr
        self.column = max(0, min(column, len(expr)))
        self.reason = message
        super().__init__(
            f"{message} at column {self.column}\n  {expr}\n  {' ' * self.column}^"
        )
