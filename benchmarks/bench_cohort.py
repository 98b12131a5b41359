"""Cohort benchmark (issue 8): samples/hour, scaling, per-worker memory, multi-sample VCFs.

Usage::

    python benchmarks/bench_cohort.py                   # everything (~15 min on 2 cores)
    python benchmarks/bench_cohort.py --parts scaling   # throughput,scaling,multi,day
    python benchmarks/bench_cohort.py --quick           # 20 exomes, 20-sample multi subset
    python benchmarks/bench_cohort.py --report-only     # rebuild cohort_benchmark.md

Data (generated when missing, see ``seeds/cohort_exomes.json``): 200 exome-sized single-sample
VCFs (~100k records, GRCh38, bgzipped + tabix-indexed, VEP CSQ) and one 200k-record x
100-sample VCF, from ``benchmarks/generate_exomes.py``.

Parts:

* ``throughput``: the 200 exomes through ``gmsvar.run_cohort(test="R210")`` on a 2-worker
  process pool; samples/hour against the goal (England's ~2,200 genomic tests a day in under
  30 minutes = 4,400 samples/hour).
* ``scaling``: 20 exomes with 1 and 2 pool workers and on a 2-worker Dask ``LocalCluster``
  (processes, 1 thread each); peak RSS of each worker process (``getrusage`` in the worker)
  for 20 and for 200 samples.
* ``day``: a day's volume, 2,200 samples: a manifest of 2,200 distinct sample ids whose VCFs
  are symbolic links to the 200 exomes (each file used 11 times; reads come from a warm page
  cache, so this measures the interpretation, not the disk); wall time against 30 minutes.
* ``multi``: the 200k x 100 VCF, all samples through ``run_cohort`` (samples grouped per task,
  one region read per group) against the single-sample path (one ``interpret(vcf,
  sample=s)`` task per sample), timed on 20 samples and extrapolated to 100; the two give
  identical tables for those 20 samples (checked).

Each part first checks correctness on a slice: the cohort's results for a few samples equal a
direct ``gmsvar.interpret`` call. Every result records the machine, versions, git state, and
the 1-minute load average before and after each run (the machine is shared: other jobs inflate
wall times; CPU seconds of the parent are recorded too).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import pandas as pd

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import generate_exomes as gx  # noqa: E402
from bench_read import machine, source_state, versions  # noqa: E402

RESULTS = HERE / "results"
DATA = HERE / "data"
GOAL_SAMPLES, GOAL_SECONDS = 2200, 30 * 60
GOAL_RATE = GOAL_SAMPLES / GOAL_SECONDS * 3600  # samples/hour


def _load() -> float:
    return round(os.getloadavg()[0], 2)


def _uptime() -> str:
    try:
        import subprocess

        return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
    except OSError:
        return ""


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def exome_paths(n: int) -> list[Path]:
    paths = gx.generate_exomes(n, DATA, jobs=2)
    return paths[:n]


def timed_run(inputs: Any, out: Path, **kw: Any) -> tuple[Any, dict[str, Any]]:
    from gmsvar.cohort import run_cohort

    shutil.rmtree(out, ignore_errors=True)
    load0, up0 = _load(), _uptime()
    t0 = time.perf_counter()
    c0 = time.process_time()
    res = run_cohort(inputs, test="R210", out_dir=out, resume=False, progress=False, **kw)
    wall = time.perf_counter() - t0
    tasks = res.tasks
    per_worker = tasks.groupby("pid")["peak_rss_bytes"].max() / 2**20 if len(tasks) else pd.Series()
    n = len(res.samples)
    rec = {
        "samples": n, "errors": len(res.errors), "tasks": len(tasks), "wall_s": round(wall, 2),
        "samples_per_hour": round(n / wall * 3600, 1),
        "seconds_per_sample": round(wall / n, 3),
        "task_seconds_median": round(float(tasks["seconds"].median()), 3) if len(tasks) else None,
        "task_seconds_sum": round(float(tasks["seconds"].sum()), 1) if len(tasks) else None,
        "parent_cpu_s": round(time.process_time() - c0, 2),
        "workers_seen": int(tasks["pid"].nunique()) if len(tasks) else 0,
        "peak_rss_mib_per_worker": {str(k): round(float(v), 1) for k, v in per_worker.items()},
        "peak_rss_mib_max": round(float(per_worker.max()), 1) if len(per_worker) else None,
        "scheduler": res.provenance.get("scheduler"),
        "load_1min_before": load0, "load_1min_after": _load(), "uptime_before": up0,
        "uptime_after": _uptime(), "finished": _now(),
        "n_findings": len(res.findings), "n_variants": len(res.variants),
    }
    print(f"  {n} samples in {wall:.1f} s = {rec['samples_per_hour']:.0f}/h "
          f"(load {load0} -> {rec['load_1min_after']}), peak RSS/worker "
          f"{rec['peak_rss_mib_max']} MiB, {rec['scheduler']}", file=sys.stderr)
    return res, rec


def check_against_interpret(res: Any, paths: list[Path], k: int = 3) -> dict[str, Any]:
    """The cohort's tables for ``k`` samples equal direct gmsvar.interpret() calls."""
    from gmsvar.pipeline import interpret

    bad = []
    for p in paths[:k]:
        direct = interpret(str(p), test="R210", build="GRCh38")
        sample = direct.qc["sample"].iloc[0]
        for name in ("variants", "findings"):
            a = getattr(res, name)
            a = a.loc[a["sample"] == sample, [c for c in a.columns if not c.startswith("cohort_")]]
            b = getattr(direct, name)
            try:
                pd.testing.assert_frame_equal(a.reset_index(drop=True), b.reset_index(drop=True),
                                              check_dtype=False)
            except AssertionError as err:
                bad.append(f"{sample} {name}: {str(err)[:200]}")
    return {"samples_checked": k, "ok": not bad, "problems": bad}


def part_throughput(n: int, work: Path) -> dict[str, Any]:
    paths = exome_paths(n)
    print(f"throughput: {n} exomes, 2 pool workers", file=sys.stderr)
    res, rec = timed_run([str(p) for p in paths], work / "throughput", workers=2)
    rec["check"] = check_against_interpret(res, paths)
    rec["goal_samples_per_hour"] = round(GOAL_RATE)
    rec["minutes_for_2200"] = round(GOAL_SAMPLES / rec["samples_per_hour"] * 60, 1)
    rec["meets_goal"] = rec["samples_per_hour"] >= GOAL_RATE
    meta = json.loads(paths[0].with_name(paths[0].name.replace(".vcf.gz", ".json")).read_text())
    rec["input"] = {"files": n, "records_per_file": meta["n_records"],
                    "mb_per_file": round(meta["bytes"] / 1e6, 1), "spec": "seeds/cohort_exomes.json"}
    return rec


def part_scaling(n: int, work: Path, big: dict[str, Any] | None) -> dict[str, Any]:
    paths = [str(p) for p in exome_paths(n)]
    out: dict[str, Any] = {"samples": n, "runs": {}}
    for w in (1, 2):
        print(f"scaling: {n} exomes, pool workers={w}", file=sys.stderr)
        _, out["runs"][f"pool_{w}"] = timed_run(paths, work / f"pool{w}", workers=w)
    from distributed import Client, LocalCluster

    print(f"scaling: {n} exomes, Dask LocalCluster 2 workers", file=sys.stderr)
    t0 = time.perf_counter()
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                      dashboard_address=None) as cluster, Client(cluster) as client:
        startup = time.perf_counter() - t0
        _res, rec = timed_run(paths, work / "dask2", client=client)
    rec["cluster_startup_s"] = round(startup, 2)
    out["runs"]["dask_2"] = rec
    if big is not None:
        print(f"scaling: {big['samples']} exomes, Dask LocalCluster 2 workers (memory)",
              file=sys.stderr)
        with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                          dashboard_address=None) as cluster, Client(cluster) as client:
            _res, out["runs"]["dask_2_big"] = timed_run(
                [str(p) for p in exome_paths(big["samples"])], work / "dask2big", client=client)
    p1 = out["runs"]["pool_1"]["samples_per_hour"]
    out["speedup_pool_2_vs_1"] = round(out["runs"]["pool_2"]["samples_per_hour"] / p1, 2)
    out["speedup_dask_2_vs_pool_1"] = round(rec["samples_per_hour"] / p1, 2)
    mem = {f"{n} samples (pool 2)": out["runs"]["pool_2"]["peak_rss_mib_max"]}
    if big is not None:
        mem[f"{big['samples']} samples (pool 2)"] = big["peak_rss_mib_max"]
    mem[f"{n} samples (Dask 2)"] = rec["peak_rss_mib_max"]
    if "dask_2_big" in out["runs"]:
        mem[f"{out['runs']['dask_2_big']['samples']} samples (Dask 2)"] = \
            out["runs"]["dask_2_big"]["peak_rss_mib_max"]
    out["peak_rss_mib_max_by_cohort_size"] = mem
    return out


def part_day(n_day: int, work: Path) -> dict[str, Any]:
    exomes = exome_paths(200)
    links = work / "day_inputs"
    shutil.rmtree(links, ignore_errors=True)
    links.mkdir(parents=True)
    rows = []
    for k in range(n_day):
        src = exomes[k % len(exomes)]
        dst = links / f"day_{k + 1:04d}.vcf.gz"
        dst.symlink_to(src)
        Path(str(dst) + ".tbi").symlink_to(Path(str(src) + ".tbi"))
        rows.append({"sample": f"DAY{k + 1:04d}", "vcf": str(dst)})
    print(f"day: {n_day} samples (manifest; {len(exomes)} exomes reused), 2 pool workers",
          file=sys.stderr)
    res, rec = timed_run(pd.DataFrame(rows), work / "day", workers=2)
    rec["goal_minutes"] = GOAL_SECONDS / 60
    rec["minutes"] = round(rec["wall_s"] / 60, 2)
    rec["meets_goal"] = rec["wall_s"] < GOAL_SECONDS
    rec["reuse"] = f"each of {len(exomes)} exome files used {n_day // len(exomes)} times via symlinks"
    del res
    shutil.rmtree(links, ignore_errors=True)
    return rec


def part_multi(subset: int, work: Path) -> dict[str, Any]:
    path = gx.generate_multi(DATA)
    meta = json.loads(path.with_name(path.name.replace(".vcf.gz", ".json")).read_text())
    from gmsvar.cohort.manifest import header_samples

    names = header_samples(path)
    print(f"multi: {len(names)} samples, grouped tasks (auto)", file=sys.stderr)
    grouped, rec_g = timed_run(str(path), work / "multi_grouped", workers=2)
    manifest = pd.DataFrame({"sample": names[:subset], "vcf": str(path),
                             "vcf_sample": names[:subset]})
    print(f"multi: single-sample path on {subset} samples (1 task per sample)", file=sys.stderr)
    single, rec_s = timed_run(manifest, work / "multi_single", workers=2, samples_per_task=1)
    extrapolated = rec_s["wall_s"] * len(names) / subset
    same = True
    problems = []
    for name in ("variants", "findings", "qc"):
        a = getattr(grouped, name)
        a = a.loc[a["sample"].isin(names[:subset])].drop(
            columns=[c for c in a.columns if c.startswith("cohort_") or c == "variant_index"])
        b = getattr(single, name).drop(columns=[c for c in getattr(single, name).columns
                                                if c.startswith("cohort_") or c == "variant_index"])
        try:
            pd.testing.assert_frame_equal(a.reset_index(drop=True), b.reset_index(drop=True),
                                          check_dtype=False)
        except AssertionError as err:
            same = False
            problems.append(f"{name}: {str(err)[:200]}")
    return {
        "input": {"path": path.name, "records": meta["n_records"], "samples": meta["n_samples"],
                  "mb": round(meta["bytes"] / 1e6, 1), "spec": "seeds/cohort_exomes.json"},
        "grouped": rec_g, "single_sample_subset": rec_s, "subset": subset,
        "single_sample_extrapolated_wall_s": round(extrapolated, 1),
        "speedup_grouped_vs_single": round(extrapolated / rec_g["wall_s"], 2),
        "grouped_faster": rec_g["wall_s"] < extrapolated,
        "check": {"subset_tables_identical": same, "problems": problems},
    }


def write_report() -> Path:
    """benchmarks/results/cohort_benchmark.md from the cohort_*.json files."""
    def load(name: str) -> dict[str, Any] | None:
        p = RESULTS / f"cohort_{name}.json"
        return json.loads(p.read_text()) if p.exists() else None

    thr, sc, mu = load("throughput"), load("scaling"), load("multisample")
    day = load("day")
    lines = ["# Cohort benchmark (issue 8)", "",
             "Generated by `benchmarks/bench_cohort.py` (data: `seeds/cohort_exomes.json`, "
             "`benchmarks/generate_exomes.py`). Wall-clock times on a shared 2-core machine: the "
             "1-minute load average before/after each run is listed; a load above ~2 means other "
             "jobs competed for the CPUs and the numbers are pessimistic. Wall times include "
             "starting the workers and writing every per-sample and cohort output.", "",
             "Peak RSS per worker is the worker process's own high-water mark (`VmHWM`, read in "
             "the worker after each task; pool workers are forked from a fork server that has "
             "gmsvar imported, so shared library pages count in every worker).", ""]
    any_doc = thr or sc or mu
    if any_doc:
        m = any_doc["machine"]
        lines += [f"Machine: {m['cpu_model']}, {m['cpus_usable']} usable CPUs, {m['ram_gb']} GB RAM, "
                  f"{m['platform']}; versions: "
                  + ", ".join(f"{k} {v}" for k, v in any_doc["versions"].items())
                  + f"; gmsvar source {any_doc['source'].get('src_sha256')} "
                  f"(git {any_doc['source'].get('git_head')}).", ""]
    if thr:
        r = thr["result"]
        lines += ["## Throughput: exome-sized single-sample VCFs through R210", "",
                  "| samples | workers | wall (s) | samples/hour | min for 2,200 | goal (4,400/h) | "
                  "median s/task | peak RSS/worker (MiB) | load before -> after |",
                  "|---:|---:|---:|---:|---:|---|---:|---:|---|",
                  f"| {r['samples']} | 2 (pool) | {r['wall_s']} | {r['samples_per_hour']:.0f} | "
                  f"{r['minutes_for_2200']} | {'met' if r['meets_goal'] else 'NOT met'} | "
                  f"{r['task_seconds_median']} | {r['peak_rss_mib_max']} | "
                  f"{r['load_1min_before']} -> {r['load_1min_after']} |", "",
                  f"Input: {r['input']['files']} files x {r['input']['records_per_file']} records "
                  f"({r['input']['mb_per_file']} MB each). Check against direct "
                  f"`gmsvar.interpret`: {'identical' if r['check']['ok'] else r['check']['problems']} "
                  f"({r['check']['samples_checked']} samples). Errors: {r['errors']}.", ""]
    if day:
        r = day["result"]
        lines += ["## A day's volume: 2,200 samples", "",
                  "| samples | wall (min) | goal | samples/hour | peak RSS/worker (MiB) | "
                  "load before -> after |", "|---:|---:|---|---:|---:|---|",
                  f"| {r['samples']} | {r['minutes']} | < 30 min: "
                  f"{'met' if r['meets_goal'] else 'NOT met'} | {r['samples_per_hour']:.0f} | "
                  f"{r['peak_rss_mib_max']} | {r['load_1min_before']} -> "
                  f"{r['load_1min_after']} |", "",
                  f"Inputs: {r['reuse']} (distinct sample ids in a manifest; warm page cache). "
                  f"Errors: {r['errors']}.", ""]
    if sc:
        r = sc["result"]
        lines += [f"## Scaling ({r['samples']} exomes)", "",
                  "| scheduler | wall (s) | samples/hour | speed-up vs 1 worker | peak RSS/worker "
                  "(MiB) | load before -> after |", "|---|---:|---:|---:|---:|---|"]
        base = r["runs"]["pool_1"]["samples_per_hour"]
        for key, label in (("pool_1", "process pool, 1 worker"), ("pool_2", "process pool, 2 "
                           "workers"), ("dask_2", "Dask LocalCluster, 2 workers x 1 thread"),
                           ("dask_2_big", "Dask LocalCluster, 2 workers (200 samples)")):
            if key not in r["runs"]:
                continue
            x = r["runs"][key]
            lines.append(f"| {label} | {x['wall_s']} | {x['samples_per_hour']:.0f} | "
                         f"{x['samples_per_hour'] / base:.2f} | {x['peak_rss_mib_max']} | "
                         f"{x['load_1min_before']} -> {x['load_1min_after']} |")
        lines += ["", f"Dask cluster start-up (not in the wall time): "
                      f"{r['runs']['dask_2'].get('cluster_startup_s')} s.", "",
                  "Peak RSS of a worker process by cohort size (max over workers): "
                  + "; ".join(f"{k}: {v} MiB" for k, v in
                              r["peak_rss_mib_max_by_cohort_size"].items()) + ".", ""]
    if mu:
        r = mu["result"]
        g, s = r["grouped"], r["single_sample_subset"]
        lines += [f"## Multi-sample VCF ({r['input']['records']} records x {r['input']['samples']} "
                  f"samples, {r['input']['mb']} MB)", "",
                  "| path | samples timed | wall (s) | for all 100 (s) | tasks | load before -> "
                  "after |", "|---|---:|---:|---:|---:|---|",
                  f"| run_cohort, samples grouped per task (one region read per group) | "
                  f"{g['samples']} | {g['wall_s']} | {g['wall_s']} | {g['tasks']} | "
                  f"{g['load_1min_before']} -> {g['load_1min_after']} |",
                  f"| single-sample path: one interpret(vcf, sample=s) task per sample | "
                  f"{s['samples']} | {s['wall_s']} | {r['single_sample_extrapolated_wall_s']} "
                  f"(extrapolated x{r['input']['samples'] / r['subset']:.0f}) | {s['tasks']} | "
                  f"{s['load_1min_before']} -> {s['load_1min_after']} |", "",
                  f"Grouped is {r['speedup_grouped_vs_single']}x faster than the single-sample path "
                  f"({'target met' if r['grouped_faster'] else 'target NOT met'}). The {r['subset']} "
                  f"timed samples give identical variants/findings/QC both ways: "
                  f"{r['check']['subset_tables_identical']}.", ""]
    out = RESULTS / "cohort_benchmark.md"
    out.write_text("\n".join(lines) + "\n")
    return out


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--parts", default="throughput,scaling,multi,day")
    ap.add_argument("--day", type=int, default=2200, help="samples in the 'day' part")
    ap.add_argument("--quick", action="store_true", help="20 exomes, small subsets")
    ap.add_argument("--n", type=int, default=200, help="exomes for the throughput part")
    ap.add_argument("--scaling-n", type=int, default=20)
    ap.add_argument("--subset", type=int, default=20, help="multi: single-sample subset")
    ap.add_argument("--work", type=Path, help="scratch directory (default: a temp dir)")
    ap.add_argument("--report-only", action="store_true")
    args = ap.parse_args(argv)
    if args.report_only:
        print(write_report())
        return
    parts = [p.strip() for p in args.parts.split(",") if p.strip()]
    n = 20 if args.quick else args.n
    work = args.work or Path(tempfile.mkdtemp(prefix="gmsvar_bench_cohort_"))
    RESULTS.mkdir(exist_ok=True)
    common = {"machine": machine(), "versions": versions(), "source": source_state(),
              "command": " ".join(["python", "benchmarks/bench_cohort.py", *(argv or sys.argv[1:])])}
    suffix = "_quick" if args.quick else ""
    big = None
    if "throughput" in parts:
        big = part_throughput(n, work)
        (RESULTS / f"cohort_throughput{suffix}.json").write_text(
            json.dumps({**common, "result": big}, indent=1) + "\n")
    elif (RESULTS / "cohort_throughput.json").exists() and not args.quick:
        big = json.loads((RESULTS / "cohort_throughput.json").read_text())["result"]
    if "scaling" in parts:
        sc = part_scaling(args.scaling_n, work, big)
        (RESULTS / f"cohort_scaling{suffix}.json").write_text(
            json.dumps({**common, "result": sc}, indent=1) + "\n")
    if "day" in parts and not args.quick:
        dy = part_day(args.day, work)
        (RESULTS / "cohort_day.json").write_text(json.dumps({**common, "result": dy}, indent=1)
                                                 + "\n")
    if "multi" in parts:
        mu = part_multi(args.subset, work)
        (RESULTS / f"cohort_multisample{suffix}.json").write_text(
            json.dumps({**common, "result": mu}, indent=1) + "\n")
    if not args.quick:
        print(write_report(), file=sys.stderr)
    if args.work is None:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
