"""Fixtures for tests/actionable: hand-made VCFs in tests/data/actionable (see its PROVENANCE.md)."""

from __future__ import annotations

from pathlib import Path

import pytest

import gmsvar
from gmsvar.table import VariantTable

DATA = Path(__file__).resolve().parents[1] / "data" / "actionable"
SHARED = Path(__file__).resolve().parents[3] / "shared" / "data"


@pytest.fixture(scope="session")
def adata() -> Path:
    return DATA


@pytest.fixture(scope="session")
def shared() -> Path:
    """The shared public-data drop; tests that need it skip only when it is absent."""
    if not SHARED.is_dir():
        pytest.skip(f"shared data directory {SHARED} is absent")
    return SHARED


def read(name: str, **kw: object) -> VariantTable:
    return gmsvar.read_vcf(DATA / name, **kw)  # type: ignore[arg-type]
