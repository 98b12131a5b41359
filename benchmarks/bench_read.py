"""Read-throughput benchmark: gmsvar.read_vcf (both backends) against a hand-written cyvcf2
loop and a ``bcftools query`` text dump, on the seeded cohorts of ``seeds/cohorts.json``.

Usage::

    python benchmarks/bench_read.py                     # bench_1M_1s and bench_200k_100s
    python benchmarks/bench_read.py bench_1M_1s --repeat 3
    python benchmarks/bench_read.py --quick             # small_10k_3s only (seconds)
    python benchmarks/bench_read.py --tracemalloc       # also a Python-heap peak (extra run)

Each measurement runs in a fresh subprocess (``--worker``), so its peak RSS is its own and
nothing is cached between methods except the OS page cache (the file is read once before
timing to warm it). Before timing, the first 1000 gmsvar rows (both backends) are checked
against the values of the naive loop. Results go to ``benchmarks/results/read_<spec>.json``
and the table in ``benchmarks/results/README.md`` is rebuilt from all such files.
See ``benchmarks/README.md`` for what the numbers mean.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import generate_cohort as gen  # noqa: E402

RESULTS = HERE / "results"
METHODS = ("gmsvar_cyvcf2", "gmsvar_pysam", "naive_cyvcf2", "bcftools_query")
#: measured only when asked for with --methods (needs a gmsvar that has the backend)
OPTIONAL_METHODS = ("gmsvar_fast",)
METHOD_DOC = {
    "gmsvar_cyvcf2": "gmsvar.read_vcf(path, backend='cyvcf2') -> VariantTable (all INFO, CSQ "
                     "parsed, multiallelic split, popfreq columns)",
    "gmsvar_pysam": "gmsvar.read_vcf(path, backend='pysam') -> the same VariantTable",
    "gmsvar_fast": "gmsvar.read_vcf(path, backend='fast') -> the same VariantTable (optional)",
    "naive_cyvcf2": "for v in cyvcf2.VCF(path): append CHROM/POS/REF/ALT/QUAL, v.genotypes, "
                    "v.format('DP'), v.format('AD') to Python lists",
    "bcftools_query": "bcftools query -f '%CHROM\\t%POS\\t%REF\\t%ALT\\t%QUAL[\\t%GT:%DP:%AD]\\n' "
                      "-o /dev/null (pysam.bcftools, in-process htslib; text dump lower bound)",
}
QUERY_FMT = "%CHROM\t%POS\t%REF\t%ALT\t%QUAL[\t%GT:%DP:%AD]\n"
DEFAULT_SPECS = ("bench_1M_1s", "bench_200k_100s")
CHECK_ROWS = 1000


# -- worker (one measurement per process) ------------------------------------------------------
def _status_kb(key: str) -> int:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def _reset_peak_rss() -> bool:
    """Reset the kernel's RSS high-water mark (VmHWM) to the current RSS (Linux >= 4.0)."""
    try:
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")
        return True
    except OSError:
        return False


def _cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def source_state() -> dict[str, Any]:
    """Which gmsvar code ran: git HEAD, uncommitted files, and a hash of the package source."""
    from _source import package_hash

    import gmsvar

    pkg = Path(gmsvar.__file__).resolve().parent
    state: dict[str, Any] = {"src_sha256": package_hash()}
    try:
        repo = pkg.parent.parent
        head = subprocess.run(["git", "-C", str(repo), "rev-parse", "--short", "HEAD"],
                              capture_output=True, text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(repo), "status", "--porcelain", "--", "src"],
                               capture_output=True, text=True, check=True).stdout.split("\n")
        state["git_head"] = head
        state["uncommitted_src"] = sorted(ln[3:] for ln in dirty if ln.strip())
    except (OSError, subprocess.CalledProcessError):
        pass
    return state


def _digest(*arrays: np.ndarray) -> str:
    h = hashlib.sha1()
    for a in arrays:
        h.update(np.ascontiguousarray(a).tobytes())
    return h.hexdigest()[:16]


def naive_cyvcf2(path: str, region: str | None = None, limit: int | None = None
                 ) -> dict[str, list[Any]]:
    """What a user would hand-write: one Python loop, values appended to lists."""
    import cyvcf2

    vcf = cyvcf2.VCF(path)
    chrom: list[str] = []
    pos: list[int] = []
    ref: list[str] = []
    alt: list[list[str]] = []
    qual: list[float | None] = []
    gt: list[list[list[int | bool]]] = []
    dp: list[np.ndarray] = []
    ad: list[np.ndarray] = []
    for v in (vcf(region) if region else vcf):
        chrom.append(v.CHROM)
        pos.append(v.POS)
        ref.append(v.REF)
        alt.append(v.ALT)
        qual.append(v.QUAL)
        gt.append(v.genotypes)
        dp.append(v.format("DP"))
        ad.append(v.format("AD"))
        if limit is not None and len(pos) >= limit:
            break
    vcf.close()
    return {"chrom": chrom, "pos": pos, "ref": ref, "alt": alt, "qual": qual, "gt": gt,
            "dp": dp, "ad": ad}


def run_method(method: str, path: str, region: str | None) -> dict[str, Any]:
    """Run one method; return counts (timing is done by the caller)."""
    if method.startswith("gmsvar_"):
        import gmsvar

        t = gmsvar.read_vcf(path, backend=method.split("_", 1)[1],
                            regions=region if region else None)
        n_rows = len(t)
        n_records = int((t["variant_allele_index"] == 1).sum())
        return {"n_records": n_records, "n_rows": n_rows, "n_columns": len(t.names),
                "digest": _digest(t["variant_position"], t["call_genotype"],
                                  t["call_allele_depth"], t["call_depth"])}
    if method == "naive_cyvcf2":
        d = naive_cyvcf2(path, region)
        return {"n_records": len(d["pos"]), "n_rows": sum(len(a) for a in d["alt"])}
    if method == "bcftools_query":
        import pysam.bcftools

        args = ["-f", QUERY_FMT, "-o", os.devnull]
        if region:
            args += ["-r", region]
        pysam.bcftools.query(*args, path, catch_stdout=False)
        return {}
    raise SystemExit(f"unknown method {method}")


def worker(method: str, path: str, region: str | None, trace: bool) -> None:
    import gc

    # import everything outside the timed region
    import cyvcf2  # noqa: F401
    import pysam.bcftools  # noqa: F401

    import gmsvar  # noqa: F401

    src = source_state()["src_sha256"]
    gc.collect()
    reset = _reset_peak_rss()
    base_rss = _status_kb("VmRSS")
    if trace:
        import tracemalloc

        tracemalloc.start()
    load0 = os.getloadavg()[0]
    cpu0 = _cpu()
    t0 = time.perf_counter()
    info = run_method(method, path, region)
    seconds = time.perf_counter() - t0
    cpu = _cpu() - cpu0
    out = {"method": method, "seconds": seconds, "cpu_seconds": cpu,
           "peak_rss_mb": _status_kb("VmHWM") / 1024, "baseline_rss_mb": base_rss / 1024,
           "peak_reset_after_imports": reset, "src_sha256": src,
           "loadavg_1min": [round(load0, 2), round(os.getloadavg()[0], 2)], **info}
    if trace:
        import tracemalloc

        out["tracemalloc_peak_mb"] = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
    print("RESULT " + json.dumps(out))


# -- driver ------------------------------------------------------------------------------------
def measure(method: str, path: Path, *, region: str | None, trace: bool,
            timeout: float) -> dict[str, Any]:
    cmd = [sys.executable, str(Path(__file__).resolve()), "--worker", method, str(path)]
    if region:
        cmd += ["--region", region]
    if trace:
        cmd.append("--trace")
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("RESULT ")]
    if proc.returncode or not lines:
        raise RuntimeError(f"{method} failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
    return json.loads(lines[-1][len("RESULT "):])


def check_slice(path: Path, backends: list[str], n_rows: int = CHECK_ROWS) -> dict[str, Any]:
    """gmsvar's first ``n_rows`` allele rows (both backends) == the naive loop's values."""
    import gmsvar

    naive = naive_cyvcf2(str(path), limit=n_rows)
    exp: dict[str, list[Any]] = {k: [] for k in ("chrom", "pos", "ref", "alt", "qual", "gt",
                                                 "dp", "ad")}
    imin = np.iinfo(np.int32).min
    for i in range(len(naive["pos"])):
        alts = naive["alt"][i]
        gts = [g[:-1] for g in naive["gt"][i]]
        dp = [int(x) if x > imin + 1 else -1 for x in naive["dp"][i][:, 0]]
        ad = naive["ad"][i]
        for a, alt in enumerate(alts, start=1):
            exp["chrom"].append(naive["chrom"][i])
            exp["pos"].append(naive["pos"][i])
            exp["ref"].append(naive["ref"][i])
            exp["alt"].append(alt)
            q = naive["qual"][i]
            exp["qual"].append(np.nan if q is None else q)
            exp["gt"].append([[1 if x == a else (-1 if x < 0 else 0) for x in g] for g in gts])
            exp["dp"].append(dp)
            exp["ad"].append([[int(s[0]) if s[0] > imin + 1 else -1,
                               int(s[a]) if a < len(s) and s[a] > imin + 1 else -1] for s in ad])
    rows = min(n_rows, len(exp["pos"]))
    out: dict[str, Any] = {"rows_compared": rows}
    for backend in backends:
        t = next(gmsvar.iter_vcf(path, chunk_size=n_rows, backend=backend)).take(
            np.arange(rows))
        got = {
            "chrom": list(t.decode("variant_contig")), "pos": t["variant_position"].tolist(),
            "ref": t["variant_ref"].tolist(), "alt": t["variant_alt"].tolist(),
            "qual": t["variant_qual"], "gt": t["call_genotype"].tolist(),
            "dp": t["call_depth"].tolist(), "ad": t["call_allele_depth"].tolist(),
        }
        bad = []
        for k, v in got.items():
            want = exp[k][:rows]
            if k == "qual":
                ok = np.allclose(np.asarray(v, np.float64), np.asarray(want, np.float32),
                                 equal_nan=True)
            else:
                ok = v == want
            if not ok:
                bad.append(k)
        out[backend] = "equal" if not bad else f"DIFFERENT: {bad}"
    return out


def machine() -> dict[str, Any]:
    model = "unknown"
    with open("/proc/cpuinfo") as fh:
        for line in fh:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    mem_kb = 0
    with open("/proc/meminfo") as fh:
        for line in fh:
            if line.startswith("MemTotal:"):
                mem_kb = int(line.split()[1])
    return {"nproc": os.cpu_count(), "cpus_usable": len(os.sched_getaffinity(0)),
            "cpu_model": model, "ram_gb": round(mem_kb / 2**20, 1),
            "platform": platform.platform()}


def versions() -> dict[str, str]:
    import cyvcf2
    import pysam
    import pysam.version

    import gmsvar

    return {"python": platform.python_version(), "gmsvar": gmsvar.__version__,
            "cyvcf2": cyvcf2.__version__, "pysam": pysam.__version__,
            "htslib (pysam)": pysam.version.__htslib_version__,
            "bcftools (pysam)": pysam.version.__bcftools_version__, "numpy": np.__version__}


def _warm(path: Path) -> None:
    with open(path, "rb") as fh:
        while fh.read(1 << 24):
            pass


def bench_spec(name: str, *, repeat: int, methods: list[str], trace: bool, timeout: float,
               regen: bool) -> dict[str, Any]:
    data = gen.DEFAULT_OUT
    if regen or not gen.is_current(name, data):
        print(f"[{name}] generating ...", file=sys.stderr)
        gen.generate(name, data, force=True)
    path = data / f"{name}.vcf.gz"
    meta = json.loads((data / f"{name}.json").read_text())
    print(f"[{name}] checking the first {CHECK_ROWS} rows against the naive loop ...",
          file=sys.stderr)
    backends = [m.split("_", 1)[1] for m in methods if m.startswith("gmsvar_")]
    chk = check_slice(path, backends or ["cyvcf2"])
    if any(str(v).startswith("DIFFERENT") for v in chk.values()):
        raise SystemExit(f"[{name}] correctness check failed: {chk}")
    _warm(path)
    src_before = source_state()
    seen_src: set[str] = set()
    results: dict[str, Any] = {}
    for method in methods:
        runs: list[dict[str, Any]] = []
        region = None
        for r in range(repeat):
            print(f"[{name}] {method} run {r + 1}/{repeat} ...", file=sys.stderr, end=" ",
                  flush=True)
            try:
                res = measure(method, path, region=region, trace=False, timeout=timeout)
            except RuntimeError as err:  # a failing method is reported, not fatal
                print(f"FAILED\n{err}", file=sys.stderr)
                runs = []
                results[method] = {"doc": METHOD_DOC[method], "error": str(err)[-2000:]}
                break
            except subprocess.TimeoutExpired:
                # too slow for the whole file: measure a documented slice instead
                region = "chr1"
                print(f"timed out after {timeout:.0f}s; measuring region {region}",
                      file=sys.stderr)
                res = measure(method, path, region=region, trace=False, timeout=timeout)
            print(f"{res['seconds']:.2f}s", file=sys.stderr)
            seen_src.add(res["src_sha256"])
            runs.append(res)
        if not runs:
            continue
        best = min(runs, key=lambda x: x["seconds"])
        n_rec = best.get("n_records") or (meta["n_records"] if region is None else None)
        if n_rec is None:  # bcftools on a slice: count via gmsvar-independent cyvcf2 loop
            n_rec = len(naive_cyvcf2(str(path), region)["pos"])
        n_rows = best.get("n_rows") or (meta["n_allele_rows"] if region is None else None)
        entry: dict[str, Any] = {
            "doc": METHOD_DOC[method],
            "slice": None if region is None else {
                "region": region, "reason": f"whole file exceeded {timeout:.0f}s"},
            "seconds": [round(x["seconds"], 3) for x in runs],
            "best_seconds": round(best["seconds"], 3),
            "median_seconds": round(statistics.median(x["seconds"] for x in runs), 3),
            "cpu_seconds_best": round(best["cpu_seconds"], 3),
            "loadavg_1min_best_run": best["loadavg_1min"],
            "src_sha256": sorted({x["src_sha256"] for x in runs}),
            "n_records": n_rec, "n_rows": n_rows,
            "records_per_s": round(n_rec / best["seconds"]),
            "rows_per_s": round(n_rows / best["seconds"]) if n_rows else None,
            "peak_rss_mb": round(max(x["peak_rss_mb"] for x in runs), 1),
            "baseline_rss_mb": round(best["baseline_rss_mb"], 1),
            "rss_increase_mb": round(max(x["peak_rss_mb"] - x["baseline_rss_mb"] for x in runs),
                                     1),
        }
        for k in ("n_columns", "digest"):
            if k in best:
                entry[k] = best[k]
        if trace:
            print(f"[{name}] {method} tracemalloc run ...", file=sys.stderr, end=" ", flush=True)
            tr = measure(method, path, region=region, trace=True, timeout=timeout * 3)
            entry["tracemalloc_peak_mb"] = round(tr["tracemalloc_peak_mb"], 1)
            entry["tracemalloc_run_seconds"] = round(tr["seconds"], 2)
            print(f"{tr['tracemalloc_peak_mb']:.0f} MB", file=sys.stderr)
        results[method] = entry
    whole = [r for m, r in results.items()
             if m.startswith("gmsvar_") and "digest" in r and r["slice"] is None]
    ok = len({r["digest"] for r in whole}) == 1 if len(whole) > 1 else None
    out = {
        "spec": name,
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "command": " ".join([Path(sys.executable).name, *sys.argv]),
        "machine": machine(),
        "versions": versions(),
        "file": {k: meta[k] for k in ("path", "bytes", "n_records", "n_samples", "n_allele_rows",
                                      "n_multiallelic", "n_indel_records", "n_missing_calls",
                                      "generator_version", "spec_sha256")}
                | {"uncompressed_bytes": _uncompressed_size(path),
                   "csq": meta["spec"]["csq"], "popfreq": meta["spec"]["popfreq"],
                   "seed": meta["spec"]["seed"]},
        "gmsvar_source": src_before | {
            "consistent_across_runs": seen_src <= {src_before["src_sha256"]},
            "src_sha256_seen_by_runs": sorted(seen_src)},
        "repeat": repeat,
        "correctness_check": chk,
        "backends_identical_tables_digest": ok,
        "results": results,
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"read_{name}.json").write_text(json.dumps(out, indent=2) + "\n")
    return out


def _uncompressed_size(path: Path) -> int:
    import gzip

    n = 0
    with gzip.open(path, "rb") as fh:
        while True:
            b = fh.read(1 << 24)
            if not b:
                return n
            n += len(b)


def _source_line(src: dict[str, Any] | None) -> str:
    if not src:
        return "- gmsvar source: not recorded"
    dirty = src.get("uncommitted_src") or []
    line = (f"- gmsvar source: git {src.get('git_head', '?')}"
            f"{f' + {len(dirty)} uncommitted src files' if dirty else ''}, "
            f"package hash {src['src_sha256']}")
    if not src.get("consistent_across_runs", True):
        line += (" — **WARNING: the source changed during the run** (hashes seen: "
                 f"{', '.join(src['src_sha256_seen_by_runs'])}); re-run for comparable numbers")
    return line


def write_readme() -> Path:
    """Rebuild benchmarks/results/README.md from every read_*.json."""
    docs = [json.loads(p.read_text()) for p in sorted(RESULTS.glob("read_*.json"))]
    lines = [
        "# gmsvar read benchmarks: results",
        "",
        "Generated by `benchmarks/bench_read.py` from the `read_*.json` files in this folder "
        "(do not edit by hand). See `../README.md` for the methods and caveats.",
        "",
        "*records/s* = VCF records (lines) per second of wall time (best of the runs); "
        "*rows/s* = gmsvar allele rows (multiallelic records split); *peak RSS* = the "
        "measurement process's RSS high-water mark (VmHWM, reset after the imports), which "
        "includes the interpreter and imported modules (*baseline*, RSS before the call); "
        "*Δ RSS* = peak minus baseline, the memory the read itself needed; *py heap* = "
        "tracemalloc peak (Python and numpy allocations only, from a separate untimed run; "
        "`-` = not measured); *x bcftools* "
        "= wall time relative to `bcftools query`; *cpu s* = user+sys CPU of the measurement; "
        "*load* = 1-minute load average at start→end of the best run (2 CPUs: the measurement "
        "itself adds ~1, so values well above 1-1.5 mean other work competed for the CPUs and "
        "the wall time is inflated; then cpu s is the fairer number).",
        "",
    ]
    for d in docs:
        f, m, v = d["file"], d["machine"], d["versions"]
        lines += [
            f"## {d['spec']}: {f['n_records']:,} records x {f['n_samples']} samples",
            "",
            f"- file: `{Path(f['path']).name}`, {f['bytes'] / 1e6:.1f} MB bgzipped "
            f"({f['uncompressed_bytes'] / 1e6:.0f} MB text), {f['n_allele_rows']:,} allele rows "
            f"({f['n_multiallelic']:,} multiallelic), VEP CSQ: {'yes' if f['csq'] else 'no'}, "
            f"gnomAD INFO: {'yes' if f['popfreq'] else 'no'}; seed {f['seed']}, generator "
            f"{f['generator_version']}",
            f"- run {d['date']}, repeat {d['repeat']}, `{d['command']}`",
            _source_line(d.get("gmsvar_source")),
            f"- machine: {m['cpu_model']}, {m['cpus_usable']} usable CPUs (nproc {m['nproc']}), "
            f"{m['ram_gb']} GB RAM; " + ", ".join(f"{k} {x}" for k, x in v.items()),
            f"- correctness (first {d['correctness_check']['rows_compared']} rows vs naive loop): "
            + ", ".join(f"{k} backend {v}" for k, v in d["correctness_check"].items()
                        if k != "rows_compared")
            + f"; full tables of all gmsvar backends identical (digest): "
            f"{d['backends_identical_tables_digest']}",
            "",
            "| method | wall s (best) | cpu s | records/s | rows/s | peak RSS MB | baseline MB | "
            "Δ RSS MB | py heap MB | x bcftools | load | slice |",
            "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
        ]
        res = d["results"]
        ref = res.get("bcftools_query")
        ref = ref if ref and "error" not in ref else None
        for meth, r in res.items():
            if "error" in r:
                lines.append(f"| {meth} | failed: see JSON | | | | | | | | | | |")
                continue
            rel = "-"
            if ref and ref["slice"] is None and r["slice"] is None:
                rel = f"{r['best_seconds'] / ref['best_seconds']:.1f}"
            elif ref:
                rel = f"{ref['records_per_s'] / r['records_per_s']:.1f} (rate)"
            heap = r.get("tracemalloc_peak_mb")
            load = r.get("loadavg_1min_best_run")
            load_s = "-" if not load else f"{load[0]:.1f}→{load[1]:.1f}"
            lines.append(
                f"| {meth} | {r['best_seconds']:.2f} | {r['cpu_seconds_best']:.1f} | "
                f"{r['records_per_s']:,} | "
                f"{'-' if r['rows_per_s'] is None else format(r['rows_per_s'], ',')} | "
                f"{r['peak_rss_mb']:.0f} | {r['baseline_rss_mb']:.0f} | {r['rss_increase_mb']:.0f}"
                f" | {'-' if heap is None else format(heap, '.0f')} | {rel} | {load_s} | "
                f"{'-' if r['slice'] is None else r['slice']['region']} |"
            )
        lines.append("")
    out = RESULTS / "README.md"
    text = "\n".join(lines)
    # keep the section bench_filter.py maintains (between its markers)
    old = out.read_text() if out.exists() else ""
    begin, end = "<!-- bench_filter:begin", "<!-- bench_filter:end -->"
    if begin in old and end in old:
        block = begin + old.split(begin, 1)[1].split(end, 1)[0] + end
        text = text.rstrip("\n") + "\n\n" + block + "\n"
    out.write_text(text)
    return out


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("specs", nargs="*", help=f"cohort names (default: {' '.join(DEFAULT_SPECS)})")
    ap.add_argument("--quick", action="store_true", help="small_10k_3s only")
    ap.add_argument("--repeat", type=int, default=None,
                    help="runs per method (default 1; 3 with --quick)")
    ap.add_argument("--methods", default=",".join(METHODS),
                    help=f"comma-separated subset of {','.join(METHODS + OPTIONAL_METHODS)} "
                         "(gmsvar_fast only when asked for)")
    ap.add_argument("--tracemalloc", action="store_true",
                    help="extra untimed run per method for the tracemalloc peak (default with "
                         "--quick)")
    ap.add_argument("--timeout", type=float, default=600,
                    help="seconds per measurement before falling back to a chr1 slice")
    ap.add_argument("--regenerate", action="store_true", help="regenerate the data first")
    ap.add_argument("--worker", nargs=2, metavar=("METHOD", "PATH"), help=argparse.SUPPRESS)
    ap.add_argument("--region", help=argparse.SUPPRESS)
    ap.add_argument("--trace", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.worker:
        worker(args.worker[0], args.worker[1], args.region, args.trace)
        return
    specs = ["small_10k_3s"] if args.quick else (args.specs or list(DEFAULT_SPECS))
    repeat = args.repeat or (3 if args.quick else 1)
    methods = [m for m in args.methods.split(",") if m]
    unknown = set(methods) - set(METHODS) - set(OPTIONAL_METHODS)
    if unknown:
        ap.error(f"unknown methods {sorted(unknown)}")
    trace = args.tracemalloc or args.quick
    for name in specs:
        gen.get_spec(name)
        d = bench_spec(name, repeat=repeat, methods=methods, trace=trace,
                       timeout=args.timeout, regen=args.regenerate)
        for meth, r in d["results"].items():
            if "error" in r:
                print(f"{name}\t{meth}\tFAILED")
                continue
            print(f"{name}\t{meth}\t{r['best_seconds']:.2f}s\t{r['records_per_s']:,} rec/s\t"
                  f"peak {r['peak_rss_mb']:.0f} MB")
    print(f"wrote {write_readme()}", file=sys.stderr)


if __name__ == "__main__":
    main()
