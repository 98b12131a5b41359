"""gmsvar: clinical genomic variant interpretation for NHS Genomic Medicine Service tests.

Read a VCF into a columnar, allele-indexed :class:`VariantTable`:

>>> import gmsvar
>>> t = gmsvar.read_vcf(gmsvar.example_path("trio_grch37.vcf.gz"))
>>> t.samples, t.meta.genome_build
(('ADM1059A1', 'ADM1059A2', 'ADM1059A3'), 'GRCh37')
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

# Only the error classes and intervals are imported with the package; everything else
# (numpy, the readers, filters, panels...) is imported on first use through
# ``__getattr__`` below, so ``import gmsvar`` costs milliseconds and a region query
# imports only what it runs.
from .errors import (
    BuildMismatchError,
    ContigMismatchError,
    GmsvarError,
    GmsvarWarning,
    IndexMissingError,
    InputError,
    KnowledgeBaseError,
    PanelAppUnavailable,
    PanelError,
    PanelNotFound,
    UnknownTestError,
    VcfFormatError,
)
from .regions import Interval

if TYPE_CHECKING:
    from . import filters
    from .filters import ExpressionError, filter_expr, required_columns
    from .io.cache import load_table
    from .io.reader import iter_vcf, read_vcf
    from .io.validate import check_vcf, validate_vcf
    from .panels.client import PanelAppClient
    from .panels.diff import diff_panels
    from .panels.directory import TEST_DIRECTORY_EDITION, TestDirectoryEntry, lookup_test, test_directory
    from .panels.mask import in_panel
    from .panels.model import Confidence, Inheritance, Panel, PanelGene, PanelRegion, PanelStr
    from .panels.snapshots import load_panel
    from .table import INT_MISSING, FieldDef, VariantTable, VcfMetadata, concat

    __version__: str


def example_path(name: str) -> str:
    """Path of a shipped example file (see ``gmsvar/examples/PROVENANCE.md``).

    >>> import os, gmsvar
    >>> os.path.exists(gmsvar.example_path("trio_grch37.vcf.gz"))
    True
    """
    here = os.path.join(os.path.dirname(os.path.abspath(__file__)), "examples")
    path = os.path.join(here, name)
    if not os.path.isfile(path):
        available = sorted(os.listdir(here))
        raise InputError(f"no shipped example {name!r}; available: {available}")
    return path


#: The API imported on first use: name -> (module, attribute or None for the module itself).
_LAZY: dict[str, tuple[str, str | None]] = {
    "filters": ("gmsvar.filters", None),
    "ExpressionError": ("gmsvar.filters.errors", "ExpressionError"),
    "filter_expr": ("gmsvar.filters.expr", "filter_expr"),
    "required_columns": ("gmsvar.filters.expr", "required_columns"),
    "read_vcf": ("gmsvar.io.reader", "read_vcf"),
    "iter_vcf": ("gmsvar.io.reader", "iter_vcf"),
    "check_vcf": ("gmsvar.io.validate", "check_vcf"),
    "validate_vcf": ("gmsvar.io.validate", "validate_vcf"),
    "load_table": ("gmsvar.io.cache", "load_table"),
    "TEST_DIRECTORY_EDITION": ("gmsvar.panels.directory", "TEST_DIRECTORY_EDITION"),
    "TestDirectoryEntry": ("gmsvar.panels.directory", "TestDirectoryEntry"),
    "lookup_test": ("gmsvar.panels.directory", "lookup_test"),
    "test_directory": ("gmsvar.panels.directory", "test_directory"),
    "Confidence": ("gmsvar.panels.model", "Confidence"),
    "Inheritance": ("gmsvar.panels.model", "Inheritance"),
    "Panel": ("gmsvar.panels.model", "Panel"),
    "PanelGene": ("gmsvar.panels.model", "PanelGene"),
    "PanelRegion": ("gmsvar.panels.model", "PanelRegion"),
    "PanelStr": ("gmsvar.panels.model", "PanelStr"),
    "PanelAppClient": ("gmsvar.panels.client", "PanelAppClient"),
    "diff_panels": ("gmsvar.panels.diff", "diff_panels"),
    "in_panel": ("gmsvar.panels.mask", "in_panel"),
    "load_panel": ("gmsvar.panels.snapshots", "load_panel"),
    "INT_MISSING": ("gmsvar.table", "INT_MISSING"),
    "FieldDef": ("gmsvar.table", "FieldDef"),
    "VariantTable": ("gmsvar.table", "VariantTable"),
    "VcfMetadata": ("gmsvar.table", "VcfMetadata"),
    "concat": ("gmsvar.table", "concat"),
    "classify": ("gmsvar.classify", None),  # a callable module: gmsvar.classify(table)
    "find_actionable": ("gmsvar.actionable", "find_actionable"),
    "cascade": ("gmsvar.actionable", "cascade"),
    "interpret": ("gmsvar.pipeline", "interpret"),
    "Interpretation": ("gmsvar.report.result", "Interpretation"),
    "run_cohort": ("gmsvar.cohort", "run_cohort"),
    "CohortResult": ("gmsvar.cohort", "CohortResult"),
    "reanalyse": ("gmsvar.cohort", "reanalyse"),
}


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("gmsvar")
    except PackageNotFoundError:  # pragma: no cover - running from a source tree
        return "0.0.0+unknown"


def __getattr__(name: str) -> object:
    """Import the API members of :data:`_LAZY` (and ``__version__``) on first access."""
    if name == "__version__":
        value: object = _version()
    elif name in _LAZY:
        import importlib

        module_name, attr = _LAZY[name]
        module = importlib.import_module(module_name)
        value = module if attr is None else getattr(module, attr)
    else:
        raise AttributeError(f"module 'gmsvar' has no attribute {name!r}")
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY, "__version__"})


__all__ = [
    "INT_MISSING",
    "TEST_DIRECTORY_EDITION",
    "BuildMismatchError",
    "CohortResult",
    "Confidence",
    "ContigMismatchError",
    "ExpressionError",
    "FieldDef",
    "GmsvarError",
    "GmsvarWarning",
    "IndexMissingError",
    "Inheritance",
    "InputError",
    "Interpretation",
    "Interval",
    "KnowledgeBaseError",
    "Panel",
    "PanelAppClient",
    "PanelAppUnavailable",
    "PanelError",
    "PanelGene",
    "PanelNotFound",
    "PanelRegion",
    "PanelStr",
    "TestDirectoryEntry",
    "UnknownTestError",
    "VariantTable",
    "VcfFormatError",
    "VcfMetadata",
    "__version__",
    "cascade",
    "check_vcf",
    "classify",
    "concat",
    "diff_panels",
    "example_path",
    "filter_expr",
    "filters",
    "find_actionable",
    "in_panel",
    "interpret",
    "iter_vcf",
    "load_panel",
    "load_table",
    "lookup_test",
    "read_vcf",
    "reanalyse",
    "required_columns",
    "run_cohort",
    "test_directory",
    "validate_vcf",
]
