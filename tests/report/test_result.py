"""Interpretation: contract checks, samples, summary, and every writer on one result."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from gmsvar.errors import InputError
from gmsvar.report import Interpretation
from gmsvar.report.result import FINDING_COLUMNS, QC_COLUMNS, VARIANT_COLUMNS


def test_interpretation__fixture_follows_contract(make_interp: Callable[..., Interpretation]) -> None:
    r = make_interp()
    assert list(r.variants.columns) == list(VARIANT_COLUMNS)
    assert set(FINDING_COLUMNS) <= set(r.findings.columns)
    assert list(r.qc.columns) == list(QC_COLUMNS)
    assert r.samples == ("ADM1059A1", "ADM1059A2", "ADM1059A3")


def test_interpretation__missing_required_column_is_input_error() -> None:
    with pytest.raises(InputError, match=r"variants lacks column\(s\) \['variant_ref'\]"):
        Interpretation(
            pd.DataFrame(
                {"sample": ["S"], "variant_contig": ["1"], "variant_position": [1], "variant_alt": ["A"]}
            ),
            pd.DataFrame(),
            pd.DataFrame(),
            {},
        )


def test_interpretation__wrong_types() -> None:
    with pytest.raises(InputError, match="must be a pandas DataFrame"):
        Interpretation([], pd.DataFrame(), pd.DataFrame(), {})  # type: ignore[arg-type]
    with pytest.raises(InputError, match="provenance must be a dict"):
        Interpretation(pd.DataFrame(), pd.DataFrame(), pd.DataFrame(), [])  # type: ignore[arg-type]


def test_interpretation__empty_frames_get_contract_columns() -> None:
    r = Interpretation(pd.DataFrame(), pd.DataFrame(), pd.DataFrame(), {})
    assert list(r.variants.columns) == list(VARIANT_COLUMNS) and r.samples == ()
    assert "0 samples, 0 variant rows, 0 findings" in r.summary()


def test_samples__from_tables_when_provenance_has_none(make_interp: Callable[..., Interpretation]) -> None:
    r = make_interp(provenance={"gmsvar_version": "x"})
    assert r.samples == ("ADM1059A1", "ADM1059A2", "ADM1059A3")  # qc order first


def test_repr__short(make_interp: Callable[..., Interpretation]) -> None:
    text = repr(make_interp())
    assert text.startswith("Interpretation(samples=['ADM1059A1'") and len(text) < 300


def test_summary__content(make_interp: Callable[..., Interpretation]) -> None:
    r = make_interp()
    text = r.summary()
    lines = text.splitlines()
    assert lines[0].startswith(f"gmsvar {r.provenance['gmsvar_version']} | test R210 ")
    assert "GRCh37 | germline" in lines[0]
    assert lines[1].startswith("input: ") and "sha256 000000000000..." in lines[1]
    assert lines[2] == f"3 samples, {len(r.variants)} variant rows, {len(r.findings)} findings"
    n1 = int((r.variants["sample"] == "ADM1059A2").sum())
    a2 = next(x for x in lines if x.startswith("  ADM1059A2:"))
    assert a2.startswith(f"  ADM1059A2: {n1} variants (P ") and "mean depth" in a2
    assert any("DPYD (DPYD activity score): pharmacogenomic" in x for x in lines)
    assert len(lines) < 20


def test_summary__terminal_safe(make_interp: Callable[..., Interpretation]) -> None:
    r = make_interp()
    r.findings.loc[r.findings.index[0], "recommendation"] = "\x1b[2J\x1b[31mRED" + "y" * 1000
    text = r.summary()
    assert "\x1b" not in text and max(len(x) for x in text.splitlines()) < 400


def test_every_writer__one_interpretation(make_interp: Callable[..., Interpretation], tmp_path: Path) -> None:
    r = make_interp()
    r.to_tsv(tmp_path / "variants.tsv")
    r.to_tsv(tmp_path / "findings.tsv", table="findings")
    r.to_json(tmp_path / "interpretation.json")
    r.to_parquet(tmp_path / "variants.parquet")
    r.to_vcf(tmp_path / "annotated.vcf.gz")
    r.to_html(tmp_path / "html")
    r.to_fhir(tmp_path / "fhir.json")
    assert sorted(os.listdir(tmp_path)) == sorted(
        [
            "annotated.vcf.gz",
            "annotated.vcf.gz.tbi",
            "findings.tsv",
            "fhir.json",
            "html",
            "interpretation.json",
            "variants.parquet",
            "variants.tsv",
        ]
    )
    assert sorted(os.listdir(tmp_path / "html")) == ["ADM1059A1.html", "ADM1059A2.html", "ADM1059A3.html"]
    # every file carries the provenance (sha256 of the input)
    sha = r.provenance["input"]["sha256"]
    for name in ("variants.tsv", "findings.tsv", "interpretation.json", "fhir.json", "html/ADM1059A1.html"):
        assert sha in (tmp_path / name).read_text(), name
    assert sha.encode() in (tmp_path / "variants.parquet").read_bytes()
