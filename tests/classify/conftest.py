"""Fixtures for the classification tests (helpers in _helpers.py)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import gmsvar

from ._helpers import clinvar_records, evidence_table, read_truth_table, write_vcf


@pytest.fixture(scope="session")
def truth_rows() -> list[dict[str, str]]:
    return read_truth_table()


@pytest.fixture(scope="session")
def truth_vcf(tmp_path_factory: pytest.TempPathFactory, truth_rows: list[dict[str, str]]) -> Path:
    return write_vcf(truth_rows, tmp_path_factory.mktemp("classify") / "truth.vcf")


@pytest.fixture(scope="session")
def truth_result(truth_vcf: Path, truth_rows: list[dict[str, str]]) -> pd.DataFrame:
    t = gmsvar.read_vcf(truth_vcf)
    out = gmsvar.classify.classify(t, clinvar=clinvar_records(), evidence=evidence_table(truth_rows))
    return out.set_index("variant_id", drop=False)
