"""``gmsvar cohort`` / ``gmsvar reanalyse`` (real interpret, in-process workers for speed)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pandas as pd
import pytest

from gmsvar.cli import main
from gmsvar.cohort._panelio import save_panel
from gmsvar.panels import Confidence, load_panel


def test_cohort_help_has_an_example(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["cohort", "--help"])
    assert exit_.value.code == 0
    out = capsys.readouterr().out
    assert "gmsvar cohort run7/*.vcf.gz --test R210 -o run7_out" in out and "--dask-workers" in out


def test_cohort_cli__run_resume_and_reanalyse(batch: dict[str, Path], tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out"
    args = ["cohort", str(batch["s0"]), str(batch["multi"]), "-o", str(out), "--workers", "0",
            "--no-progress", "--reports", "html,json"]
    assert main(args) == 0
    assert (out / "samples" / "M2" / "report.html").is_file()
    assert (out / "samples" / "M2" / "interpretation.json").is_file()
    err = capsys.readouterr().err
    assert "6 samples, 6 interpreted (0 reused), 0 failed" in err
    findings = pd.read_csv(out / "findings.tsv", sep="\t")
    assert findings.columns[0] == "sample"
    assert main(args) == 0
    assert "6 interpreted (6 reused)" in capsys.readouterr().err
    old = load_panel("R210")
    new = dataclasses.replace(old, version="1.14", gene_entities=tuple(
        dataclasses.replace(g, confidence=Confidence.RED) if g.symbol == "MSH2" else g
        for g in old.gene_entities))
    panel_file = save_panel(new, tmp_path)
    assert main(["reanalyse", str(out), "--panel", str(panel_file), "--workers", "0",
                 "--no-progress"]) == 0
    err = capsys.readouterr().err
    assert "dropped MSH2" in err and "changes.tsv" in err
    assert (out / "reanalysis" / "panel_503_v1.14" / "changes.tsv").is_file()


def test_cohort_cli__failed_samples_exit_1(batch: dict[str, Path], tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["cohort", str(batch["s0"]), str(batch["empty"]), "-o", str(tmp_path),
                 "--workers", "0", "--no-progress"])
    assert code == 1
    err = capsys.readouterr().err
    assert "1 of 2 samples failed" in err and "errors.tsv" in err
    assert "empty" in (tmp_path / "errors.tsv").read_text()


def test_cohort_cli__manifest_error_exit_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    m = tmp_path / "m.tsv"
    m.write_text("sample\tvcf\nA\tmissing.vcf.gz\n")
    assert main(["cohort", str(m), "-o", str(tmp_path / "o"), "--no-progress"]) == 1
    assert "does not exist" in capsys.readouterr().err
