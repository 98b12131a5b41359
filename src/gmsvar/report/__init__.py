"""Report edge: VariantTable -> DataFrames and files (the only place DataFrames appear)."""

from .summary import sample_summary

__all__ = ["sample_summary"]
