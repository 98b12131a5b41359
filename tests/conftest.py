"""Shared fixtures: paths to test data (copied from ../shared/data, see tests/data/PROVENANCE.md)."""

from __future__ import annotations

from pathlib import Path

import pytest

DATA = Path(__file__).parent / "data"
VCF = DATA / "vcf"


@pytest.fixture(scope="session")
def vcf_dir() -> Path:
    return VCF


@pytest.fixture(params=["cyvcf2", "pysam", "fast"])
def backend(request: pytest.FixtureRequest) -> str:
    """Run a test once per reader backend (the shared contract suite)."""
    return str(request.param)
