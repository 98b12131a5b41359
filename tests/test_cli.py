"""CLI: exit codes, output destinations, the demo."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from gmsvar.cli import main

VCF = Path(__file__).parent / "data" / "vcf"


def test_main__demo_prints_summary(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo"]) == 0
    out = capsys.readouterr().out
    assert "Per-sample summary" in out
    assert "ADM1059A1" in out
    assert "GRCh37" in out


def test_main__summary_to_file(tmp_path: Path) -> None:
    out = tmp_path / "qc.tsv"
    assert main(["summary", str(VCF / "test.vcf.gz"), "-o", str(out)]) == 0
    df = pd.read_csv(out, sep="\t", index_col=0)
    assert len(df) == 189
    assert {"het", "hom_alt", "depth_median", "ti_tv"} <= set(df.columns)


def test_main__summary_stdout_with_region(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["summary", str(VCF / "cancer_test.vcf.gz"), "--regions", "2:1-50000000"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[0].startswith("sample\t")
    assert len(lines) == 3


def test_main__gmsvar_error_exits_1(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["summary", str(VCF / "empty.vcf")]) == 1
    err = capsys.readouterr().err
    assert "empty file" in err and "gmsvar: error:" in err


def test_main__usage_error_exits_2() -> None:
    with pytest.raises(SystemExit) as exc:
        main(["summary"])
    assert exc.value.code == 2


def test_python_m_gmsvar__help_lists_verbs() -> None:
    res = subprocess.run([sys.executable, "-m", "gmsvar", "--help"], capture_output=True,
                         text=True, check=False)
    assert res.returncode == 0
    assert "demo" in res.stdout and "summary" in res.stdout
    res = subprocess.run([sys.executable, "-m", "gmsvar", "summary", "--help"],
                         capture_output=True, text=True, check=False)
    assert "example:" in res.stdout
