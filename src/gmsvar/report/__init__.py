"""Report edge: VariantTable -> DataFrames and files (the only place DataFrames appear).

:class:`Interpretation` is the result of :func:`gmsvar.interpret`; its ``to_*`` methods
write TSV, JSON, Parquet, an annotated VCF, per-sample HTML and a FHIR bundle, each
atomically and each carrying the provenance.
"""

from .result import Interpretation
from .summary import sample_summary

__all__ = ["Interpretation", "sample_summary"]
