"""The cohort machinery with a stand-in interpreter (``_fake.fake_interpret``, contract C).

Scheduling, fault isolation, resume, chunking and aggregation are tested here quickly; the
same behaviours with the real ``gmsvar.interpret`` are in ``test_show.py``.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pandas as pd
import pytest

from gmsvar.cohort import CohortResult, Progress, run_cohort
from gmsvar.cohort.store import PROVENANCE_FILE, sample_dir

from ._fake import fake_interpret
from .conftest import good

DROP = ["variant_index", "seconds"]


def frames(res: object) -> dict[str, pd.DataFrame]:
    out = {}
    for name in ("variants", "findings", "qc", "allele_counts", "errors"):
        df = getattr(res, name)
        out[name] = df.drop(columns=[c for c in DROP if c in df.columns]).reset_index(drop=True)
    s = res.samples  # type: ignore[attr-defined]
    out["samples"] = s.drop(columns=["seconds", "resumed"])
    return out


def assert_same(a: object, b: object) -> None:
    fa, fb = frames(a), frames(b)
    for name in fa:
        pd.testing.assert_frame_equal(fa[name], fb[name], check_dtype=False, obj=name)


@pytest.fixture(scope="module")
def inline_run(batch: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> object:
    return run_cohort(good(batch), out_dir=tmp_path_factory.mktemp("inline"), workers=0,
                      interpreter=fake_interpret, progress=False)


def test_run_cohort__pool_equals_in_process(inline_run: object, batch: dict[str, Path],
                                            tmp_path: Path) -> None:
    res = run_cohort(good(batch), out_dir=tmp_path, workers=2, interpreter=fake_interpret,
                     progress=False)
    assert_same(res, inline_run)
    assert res.samples["status"].eq("ok").all() and len(res.samples) == 9
    assert set(res.tasks["pid"]) - {os.getpid()}  # ran in worker processes
    assert "process pool" in res.provenance["scheduler"]


def test_run_cohort__outputs_on_disk(inline_run: object) -> None:
    out = inline_run.out_dir  # type: ignore[attr-defined]
    for name in ("summary.html", "findings.tsv", "qc.tsv", "samples.tsv", "errors.tsv",
                 "allele_counts.tsv", "variants.parquet", "cohort.json"):
        assert (out / name).is_file(), name
    run = json.loads((out / "cohort.json").read_text())
    assert run["status"] == "complete" and run["panel"]["version"] == "1.13"
    assert run["thresholds"] == {"frequent_fraction": 0.05, "min_carriers": 3,
                                 "common_popfreq": 0.01}
    assert (out / run["panel"]["file"]).is_file()
    prov = json.loads((sample_dir(out, "M2") / PROVENANCE_FILE).read_text())
    assert prov["vcf_sample"] == "M2" and len(prov["input"]["sha256"]) == 64
    assert prov["panel"]["id"] == 503 and prov["gmsvar_version"]
    findings = inline_run.findings  # type: ignore[attr-defined]
    assert findings.columns[0] == "sample" and "cohort_carriers" in findings.columns
    back = CohortResult.load(out)
    pd.testing.assert_frame_equal(back.variants, inline_run.variants)  # type: ignore[attr-defined]
    assert back.samples["sample"].tolist() == inline_run.samples["sample"].tolist()  # type: ignore[attr-defined]


def test_run_cohort__grouping_and_region_chunks_do_not_change_results(
        inline_run: object, batch: dict[str, Path], tmp_path: Path) -> None:
    res = run_cohort(good(batch), out_dir=tmp_path / "a", workers=0, interpreter=fake_interpret,
                     progress=False, samples_per_task=2, region_chunks=2)
    multi = res.tasks[res.tasks["path"] == str(batch["multi"])]
    assert sorted(multi["n_chunks"].unique()) == [2] and len(multi) == 6  # 3 groups x 2 chunks
    a, b = frames(res), frames(inline_run)
    for name in ("variants", "findings", "allele_counts", "errors", "samples"):
        pd.testing.assert_frame_equal(a[name], b[name], check_dtype=False, obj=name)
    qa = a["qc"].drop(columns="qc_region_chunks")
    pd.testing.assert_frame_equal(qa, b["qc"], check_dtype=False)


def test_run_cohort__faults_become_error_records(batch: dict[str, Path], crash_vcf: Path,
                                                 tmp_path: Path) -> None:
    inputs = [batch["s0"], batch["trunc"], crash_vcf, batch["grch37"], batch["multi"],
              batch["empty"], batch["s1"]]
    res = run_cohort(inputs, out_dir=tmp_path, workers=2, interpreter=fake_interpret,
                     progress=False)
    errs = res.errors.set_index("sample")
    assert errs.loc["C1", "error_type"] == "WorkerCrashed"
    assert "SIGSEGV" in errs.loc["C1", "message"]
    assert errs.loc["G37", "error_type"] == "BuildMismatchError"
    assert errs.loc["empty", "error_type"] in ("VcfFormatError", "InputError")
    assert errs.loc["T1", "error_type"] in ("VcfFormatError", "InputError")
    assert list(res.errors.columns) == ["sample", "path", "error_type", "message"]
    ok = res.samples.loc[res.samples["status"] == "ok", "sample"].tolist()
    assert ok == ["S0", "M0", "M1", "M2", "M3", "M4", "S1"]
    assert (sample_dir(tmp_path, "G37") / "error.json").is_file()
    assert not (sample_dir(tmp_path, "G37") / PROVENANCE_FILE).exists()


def test_run_cohort__resume_skips_complete_and_redoes_partial(batch: dict[str, Path],
                                                              tmp_path: Path) -> None:
    first = run_cohort(good(batch)[:2], out_dir=tmp_path, workers=0, interpreter=fake_interpret,
                       progress=False)
    again = run_cohort(good(batch)[:2], out_dir=tmp_path, workers=0, interpreter=fake_interpret,
                       progress=False)
    assert again.samples["resumed"].all() and again.tasks.empty
    assert_same(again, first)
    (sample_dir(tmp_path, "S1") / PROVENANCE_FILE).unlink()  # as if killed while writing S1
    (sample_dir(tmp_path, "S0") / "qc.parquet").write_bytes(b"garbage")
    third = run_cohort(good(batch)[:2], out_dir=tmp_path, workers=0, interpreter=fake_interpret,
                       progress=False)
    assert third.samples.set_index("sample")["resumed"].to_dict() == {"S0": False, "S1": False}
    assert_same(third, first)
    fresh = run_cohort(good(batch)[:1], out_dir=tmp_path, workers=0, interpreter=fake_interpret,
                       progress=False, resume=False)
    assert not fresh.samples["resumed"].any()


def test_run_cohort__settings_change_is_not_resumed(batch: dict[str, Path], tmp_path: Path) -> None:
    run_cohort([batch["s0"]], out_dir=tmp_path, workers=0, interpreter=fake_interpret,
               progress=False)
    other = run_cohort([batch["s0"]], out_dir=tmp_path, workers=0, interpreter=fake_interpret,
                       progress=False, mode="somatic")
    assert not other.samples["resumed"].any()


def test_run_cohort__manifest_ids_and_progress(batch: dict[str, Path], tmp_path: Path) -> None:
    m = tmp_path / "m.tsv"
    m.write_text(f"sample\tvcf\tsex\tvcf_sample\nPT/1\t{batch['s0']}\tF\t\n"
                 f"PT 2\t{batch['multi']}\tM\tM3\n")
    seen: list[Progress] = []
    res = run_cohort(m, out_dir=tmp_path / "o", workers=0, interpreter=fake_interpret,
                     progress=seen.append)
    assert res.samples["sample"].tolist() == ["PT/1", "PT 2"]
    assert set(res.variants["sample"]) == {"PT/1", "PT 2"}
    assert res.qc.set_index("sample")["sex"].to_dict() == {"PT/1": "female", "PT 2": "male"}
    assert [p.done for p in seen] == [1, 2] and seen[-1].total == 2
    assert all(".." not in d and "/" not in d[len("samples/"):] for d in res.samples["output_dir"])


def test_allele_counts__cohort_frequency(inline_run: object) -> None:
    ac = inline_run.allele_counts  # type: ignore[attr-defined]
    v = inline_run.variants  # type: ignore[attr-defined]
    assert int(ac["n_carriers"].sum()) == len(v)
    assert (ac["allele_number"] == 2 * 9).all()
    top = ac.sort_values("n_carriers").iloc[-1]
    assert top["carrier_fraction"] == top["n_carriers"] / 9
