"""gmsvar: clinical genomic variant interpretation for NHS Genomic Medicine Service tests.

Read a VCF into a columnar, allele-indexed :class:`VariantTable`:

>>> import gmsvar
>>> t = gmsvar.read_vcf(gmsvar.example_path("trio_grch37.vcf.gz"))
>>> t.samples, t.meta.genome_build
(('ADM1059A1', 'ADM1059A2', 'ADM1059A3'), 'GRCh37')
"""

from __future__ import annotations

from importlib import resources
from importlib.metadata import PackageNotFoundError, version

from . import filters
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
from .filters import ExpressionError, filter_expr, required_columns
from .io import check_vcf, iter_vcf, read_vcf, validate_vcf
from .io.cache import load_table
from .panels import (
    TEST_DIRECTORY_EDITION,
    Confidence,
    Inheritance,
    Panel,
    PanelAppClient,
    PanelGene,
    PanelRegion,
    PanelStr,
    TestDirectoryEntry,
    diff_panels,
    in_panel,
    load_panel,
    lookup_test,
    test_directory,
)
from .regions import Interval
from .table import INT_MISSING, FieldDef, VariantTable, VcfMetadata, concat

try:
    __version__ = version("gmsvar")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0.0.0+unknown"


def example_path(name: str) -> str:
    """Path of a shipped example file (see ``gmsvar/examples/PROVENANCE.md``).

    >>> import os, gmsvar
    >>> os.path.exists(gmsvar.example_path("trio_grch37.vcf.gz"))
    True
    """
    path = resources.files("gmsvar").joinpath("examples", name)
    if not path.is_file():
        available = sorted(p.name for p in resources.files("gmsvar").joinpath("examples").iterdir())
        raise InputError(f"no shipped example {name!r}; available: {available}")
    return str(path)


#: Heavier parts of the API, imported on first use so ``import gmsvar`` stays quick:
#: name -> (module, attribute or None for the module itself).
_LAZY: dict[str, tuple[str, str | None]] = {
    "classify": ("gmsvar.classify", None),  # a callable module: gmsvar.classify(table)
    "find_actionable": ("gmsvar.actionable", "find_actionable"),
    "cascade": ("gmsvar.actionable", "cascade"),
    "interpret": ("gmsvar.pipeline", "interpret"),
    "Interpretation": ("gmsvar.report.result", "Interpretation"),
    "run_cohort": ("gmsvar.cohort", "run_cohort"),
    "CohortResult": ("gmsvar.cohort", "CohortResult"),
    "reanalyse": ("gmsvar.cohort", "reanalyse"),
}


def __getattr__(name: str) -> object:
    """Import the heavier API members (:data:`_LAZY`) on first access."""
    if name in _LAZY:
        import importlib

        module_name, attr = _LAZY[name]
        module = importlib.import_module(module_name)
        value = module if attr is None else getattr(module, attr)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'gmsvar' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY})


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
