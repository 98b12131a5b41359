"""Readers and writers: the only place (with panel loaders) that touches files.

The public names are imported on first use (``gmsvar.io.read_vcf`` imports the
reader, not the validator).
"""

# no ``from __future__ import annotations`` here: it would bind ``gmsvar.io.annotations`` to
# the __future__ feature instead of the submodule of that name
from typing import TYPE_CHECKING

from .._lazy import lazy_attributes

if TYPE_CHECKING:
    from .reader import iter_vcf, read_vcf
    from .validate import Problem, check_vcf, validate_vcf

__all__ = ["Problem", "check_vcf", "iter_vcf", "read_vcf", "validate_vcf"]

_LAZY = {"iter_vcf": "reader", "read_vcf": "reader", "Problem": "validate", "check_vcf": "validate",
         "validate_vcf": "validate"}


__getattr__, __dir__ = lazy_attributes(globals(), __name__, _LAZY)
