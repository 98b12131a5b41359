"""CLI: exit codes, output destinations, the demo."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from gmsvar.cli import main

VCF = Path(__file__).parent / "data" / "vcf"


def test_main__demo_interprets_every_shipped_case(tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    from gmsvar.cli import DEMO_CASES

    assert main(["demo", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    for name, test, _mode, _tumour in DEMO_CASES:
        assert name in out and f"test {test}" in out
        stem = name.removesuffix(".vcf.gz")
        assert (tmp_path / stem / f"{stem}.json").exists()
        assert list((tmp_path / stem).glob("*.html")) or list((tmp_path / stem).glob("*_html/*.html"))
    assert "MLH1" in out and "EGFR" in out and "LDLR" in out and "DPYD" in out


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
    for verb in ("interpret", "filter", "classify", "actionable", "panels", "tests", "cohort",
                 "bench", "summary", "demo"):
        assert verb in res.stdout, verb


@pytest.mark.parametrize("verb", ["interpret", "filter", "classify", "actionable", "panels", "tests",
                                  "cohort", "bench", "summary", "demo"])
def test_every_verb_help_has_an_example(verb: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main([verb, "--help"])
    assert exc.value.code == 0
    out = capsys.readouterr().out
    assert "example" in out and f"gmsvar {verb}" in out


def test_main__filter_matches_bcftools(tmp_path: Path) -> None:
    import pysam
    import pysam.bcftools

    import gmsvar

    src = gmsvar.example_path("trio_grch37.vcf.gz")
    for expr in ("QUAL>=1000", "FMT/DP>=30 && INFO/DP>100", 'GT="het"'):
        out = tmp_path / "kept.vcf.gz"
        assert main(["filter", src, "-i", expr, "-o", str(out)]) == 0
        ours = [str(r) for r in pysam.VariantFile(str(out))]
        theirs = pysam.bcftools.view("-H", "-i", expr, src).splitlines(keepends=True)
        assert len(ours) == len(theirs)
        assert [ln.split("\t")[:5] for ln in ours] == [ln.split("\t")[:5] for ln in theirs]
        assert (tmp_path / "kept.vcf.gz.tbi").exists()
        assert main(["filter", src, "-e", expr, "-o", str(out)]) == 0
        n_ex = sum(1 for _ in pysam.VariantFile(str(out)))
        assert n_ex == pysam.bcftools.view("-H", "-e", expr, src).count("\n")


def test_main__filter_bad_expression_exits_1(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    import gmsvar

    assert main(["filter", gmsvar.example_path("trio_grch37.vcf.gz"), "-i", "QUAL>>3",
                 "-o", str(tmp_path / "x.vcf")]) == 1
    assert "gmsvar: error:" in capsys.readouterr().err
    assert not (tmp_path / "x.vcf").exists()


def test_main__interpret_to_dir_and_stdout(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import gmsvar

    src = gmsvar.example_path("lynch_germline.vcf.gz")
    assert main(["interpret", src, "--test", "R210", "-o", str(tmp_path), "--formats", "tsv,json"]) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["lynch_germline.json",
                                                          "lynch_germline.variants.tsv"]
    capsys.readouterr()
    assert main(["interpret", src, "--test", "R210", "-q"]) == 0  # -q/-v also after the verb
    captured = capsys.readouterr()
    assert captured.err == ""
    assert main(["interpret", src, "--test", "R210"]) == 0
    out = capsys.readouterr().out
    assert ("MLH1" in out and "classification" in out.splitlines()[0]) or "classification" in out


def test_main__interpret_unknown_test_exits_1(capsys: pytest.CaptureFixture[str]) -> None:
    import gmsvar

    assert main(["interpret", gmsvar.example_path("lynch_germline.vcf.gz"), "--test", "R9999"]) == 1
    assert "R9999" in capsys.readouterr().err


def test_main__tests_and_panels(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["tests", "lynch"]) == 0
    assert "R210" in capsys.readouterr().out
    assert main(["tests", "no-such-indication-xyz"]) == 1
    capsys.readouterr()
    assert main(["panels", "list", "--search", "lynch"]) == 0
    assert "503" in capsys.readouterr().out
    assert main(["panels", "show", "R210"]) == 0
    assert "MLH1" in capsys.readouterr().out
    assert main(["panels", "diff", "R208", "R210"]) == 0
    assert "MLH1" in capsys.readouterr().out


def test_main__panels_fetch_through_local_panelapp(tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    from panels.conftest import PanelAppStub  # tests/ is on sys.path (rootdir-relative import)

    stub = PanelAppStub()
    try:
        out = tmp_path / "p.json"
        assert main(["panels", "fetch", "635", "--base-url", stub.base_url, "--cache-dir",
                     str(tmp_path / "cache"), "-o", str(out)]) == 0
        import json

        doc = json.loads(out.read_text())
        assert doc["id"] == 635 and doc["genes"]
        assert stub.hits["/api/v1/panels/635/"] == 1
        # PanelApp down: 404 for an unknown panel is a clear error, exit 1
        assert main(["panels", "fetch", "999999", "--base-url", stub.base_url, "--cache-dir",
                     str(tmp_path / "cache")]) == 1
    finally:
        stub.stop()


def test_main__bench_runs_three_tools(capsys: pytest.CaptureFixture[str]) -> None:
    import gmsvar

    assert main(["bench", gmsvar.example_path("trio_grch37.vcf.gz"), "-i", "QUAL>=1000"]) == 0
    out = capsys.readouterr().out
    assert "bcftools" in out and "cyvcf2" in out and "gmsvar" in out


@pytest.mark.parametrize(("preset", "numpy_first", "want"),
                         [(None, False, "4"), ("20", False, "20"), (None, True, None)])
def test_main__openblas_threads_sleep_when_idle(preset: str | None, numpy_first: bool,
                                                want: str | None) -> None:
    """The command sets OPENBLAS_THREAD_TIMEOUT for its own process, before numpy is
    imported, unless the user set it; a process that imported numpy first is left alone."""
    env = {k: v for k, v in os.environ.items() if k != "OPENBLAS_THREAD_TIMEOUT"}
    if preset is not None:
        env["OPENBLAS_THREAD_TIMEOUT"] = preset
    code = ("import os, sys\n"
            + ("import numpy\n" if numpy_first else "")
            + "from gmsvar.cli import main\n"
            "main(['tests', 'lynch'])\n"
            "print('numpy' in sys.modules, os.environ.get('OPENBLAS_THREAD_TIMEOUT'), file=sys.stderr)\n")
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert out.stderr.strip().splitlines()[-1] == f"True {want}"
