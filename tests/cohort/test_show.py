"""Issue 8 "Show" tests, with the real ``gmsvar.interpret``.

* a real ``dask.distributed.LocalCluster`` (processes, 2 workers) gives the same results as
  the process pool;
* a batch with a truncated file, a GRCh37 file, an empty file (and a file that segfaults its
  worker) among good ones: error records, the good results kept;
* a run killed part-way (a subprocess, SIGKILL after the first sample's provenance.json) and
  restarted with resume gives the same final outputs as an uninterrupted run.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from gmsvar.cohort import run_cohort
from gmsvar.cohort.store import PROVENANCE_FILE, TABLE_FILES, sample_dir

from ._vcfs import write_vcf
from ._wrap import crash_or_interpret, slow_interpret
from .test_runner import assert_same

TESTS = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def tiny(batch: dict[str, Path]) -> list[Path]:
    return [batch["s0"], batch["multi"], batch["s1"]]


@pytest.fixture(scope="module")
def pool_run(tiny: list[Path], tmp_path_factory: pytest.TempPathFactory) -> Any:
    """The tiny cohort on the default process pool (2 workers), real interpret."""
    return run_cohort(tiny, test="R210", out_dir=tmp_path_factory.mktemp("pool"), workers=2,
                      progress=False)


# No warning filter needed: with dashboard_address=None and the context managers closing
# client then cluster, distributed 2026.8 shuts down without warnings (filterwarnings=error).
def test_dask_local_cluster_equals_process_pool(tiny: list[Path], pool_run: Any,
                                                tmp_path: Path) -> None:
    distributed = pytest.importorskip("distributed")
    pool = pool_run
    with distributed.LocalCluster(processes=True, n_workers=2, threads_per_worker=1,
                                  dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        dask = run_cohort(tiny, test="R210", out_dir=tmp_path / "dask", client=client,
                          progress=False)
    assert dask.provenance["scheduler"].startswith("dask")
    assert len(dask.samples) == 7 and dask.errors.empty
    assert set(dask.tasks["pid"]) and not set(dask.tasks["pid"]) & set(pool.tasks["pid"])
    assert_same(dask, pool)
    for s in ("S0", "M3"):
        a = pd.read_parquet(sample_dir(pool.out_dir, s) / TABLE_FILES["variants"])
        b = pd.read_parquet(sample_dir(tmp_path / "dask", s) / TABLE_FILES["variants"])
        pd.testing.assert_frame_equal(a, b)


def test_faulty_files_become_error_records_good_results_kept(
        batch: dict[str, Path], crash_vcf: Path, pool_run: Any, tmp_path: Path) -> None:
    inputs = [batch["s0"], batch["trunc"], batch["grch37"], batch["multi"], crash_vcf,
              batch["empty"], batch["s1"]]
    res = run_cohort(inputs, test="R210", out_dir=tmp_path, workers=2, progress=False,
                     interpreter=crash_or_interpret)
    errs = res.errors.set_index("sample")
    assert sorted(errs.index) == ["C1", "G37", "T1", "empty"]
    assert errs.loc["G37", "error_type"] == "BuildMismatchError"
    assert errs.loc["T1", "error_type"] in ("VcfFormatError", "InputError")
    assert errs.loc["empty", "error_type"] in ("VcfFormatError", "InputError")
    assert errs.loc["C1", "error_type"] == "WorkerCrashed"
    assert str(batch["grch37"]) == errs.loc["G37", "path"] and "GRCh37" in errs.loc["G37", "message"]
    ok = res.samples.loc[res.samples["status"] == "ok", "sample"].tolist()
    assert ok == ["S0", "M0", "M1", "M2", "M3", "M4", "S1"]
    for s in ok:
        assert (sample_dir(tmp_path, s) / PROVENANCE_FILE).is_file()
    alone = pool_run  # the good files alone (default interpreter: same results)
    for name in ("variants", "findings", "qc"):
        a = getattr(res, name).drop(columns=[c for c in getattr(res, name).columns
                                             if c.startswith("cohort_")])
        b = getattr(alone, name).drop(columns=[c for c in getattr(alone, name).columns
                                               if c.startswith("cohort_")])
        pd.testing.assert_frame_equal(a, b, check_dtype=False, obj=name)
    assert "WorkerCrashed" in (tmp_path / "errors.tsv").read_text()


_VOLATILE = {"created", "elapsed_seconds"}


def _prov(path: Path) -> dict[str, object]:
    doc = json.loads(path.read_text())

    def clean(x: object) -> object:
        if isinstance(x, dict):
            return {k: clean(v) for k, v in x.items() if k not in _VOLATILE}
        return x

    return clean(doc)  # type: ignore[return-value]


def _cohort_tables(out: Path) -> dict[str, pd.DataFrame]:
    t = {n: pd.read_csv(out / f"{n}.tsv", sep="\t") for n in
         ("findings", "qc", "allele_counts", "errors")}
    t["samples"] = pd.read_csv(out / "samples.tsv", sep="\t").drop(columns=["seconds", "resumed"])
    t["variants"] = pd.read_parquet(out / "variants.parquet")
    return t


def test_killed_run_resumes_to_the_same_outputs(tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "in").mkdir()
    vcfs = [write_vcf(tmp_path / "in" / f"k{i}.vcf.gz", [f"K{i}"], seed=40 + i) for i in range(4)]
    out = tmp_path / "killed"
    code = (
        f"import sys; sys.path.insert(0, {str(TESTS)!r})\n"
        "from cohort._wrap import slow_interpret\n"
        "from gmsvar.cohort import run_cohort\n"
        f"run_cohort({[str(v) for v in vcfs]!r}, test='R210', out_dir={str(out)!r}, workers=1,\n"
        "           interpreter=slow_interpret, progress=False)\n"
    )
    env = {**os.environ, "GMSVAR_TEST_SLEEP": "1.0"}
    log = tmp_path / "run.log"
    with log.open("wb") as err:
        proc = subprocess.Popen([sys.executable, "-c", code], env=env, start_new_session=True,
                                stdout=subprocess.DEVNULL, stderr=err)
    deadline = time.monotonic() + 120
    try:
        while not list(out.glob(f"samples/*/{PROVENANCE_FILE}")):
            assert proc.poll() is None, log.read_text()
            assert time.monotonic() < deadline, "no sample finished within 120 s"
            time.sleep(0.02)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)  # the run and its pool workers
        proc.wait()
    done = [v for v in range(4) if (sample_dir(out, f"K{v}") / PROVENANCE_FILE).exists()]
    assert 1 <= len(done) < 4, done
    run = json.loads((out / "cohort.json").read_text())
    assert run["status"] == "running"  # killed before the cohort tables were written

    assert list(out.glob(".gmsvar/running-*"))  # the killed run's crash markers ...
    monkeypatch.setenv("GMSVAR_TEST_SLEEP", "0")
    resumed = run_cohort(vcfs, test="R210", out_dir=out, workers=1, progress=False,
                         interpreter=slow_interpret)
    assert not (out / ".gmsvar").exists()  # ... are cleaned up by the resumed run
    assert resumed.samples["resumed"].sum() == len(done)
    ref_out = tmp_path / "uninterrupted"
    ref = run_cohort(vcfs, test="R210", out_dir=ref_out, workers=0, progress=False,
                     interpreter=slow_interpret)
    assert_same(resumed, ref)
    a, b = _cohort_tables(out), _cohort_tables(ref_out)
    for name in a:
        pd.testing.assert_frame_equal(a[name], b[name], obj=name)
    for i in range(4):
        da, db = sample_dir(out, f"K{i}"), sample_dir(ref_out, f"K{i}")
        for f in TABLE_FILES.values():
            pd.testing.assert_frame_equal(pd.read_parquet(da / f), pd.read_parquet(db / f))
        assert _prov(da / PROVENANCE_FILE) == _prov(db / PROVENANCE_FILE)
