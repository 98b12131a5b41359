"""Cohorts at scale: many samples on a process pool or a Dask cluster, resumable and fault-isolated.

:func:`run_cohort` interprets a batch (a list of VCFs, multi-sample VCFs or a manifest TSV) with
:func:`gmsvar.interpret`, one task per file (per sample group / region chunk for large
multi-sample VCFs), on a local process pool by default or on a ``dask.distributed`` cluster;
:func:`reanalyse` re-interprets only what a panel update changes.
"""

from __future__ import annotations

from .manifest import CohortSample, ManifestError, read_manifest, resolve_inputs
from .reanalysis import ReanalysisResult, reanalyse
from .runner import CohortResult, Progress, WorkerStartError, default_workers, run_cohort

__all__ = [
    "CohortResult",
    "CohortSample",
    "ManifestError",
    "Progress",
    "ReanalysisResult",
    "WorkerStartError",
    "default_workers",
    "read_manifest",
    "reanalyse",
    "resolve_inputs",
    "run_cohort",
]
