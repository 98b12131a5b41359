"""Filter benchmark: gmsvar read+filter against ``bcftools view -i`` and a naive cyvcf2 loop.

Usage::

    python benchmarks/bench_filter.py --quick            # small_10k_3s, every scenario (~1 min)
    python benchmarks/bench_filter.py                    # the issue-4 targets (~10-15 min)
    python benchmarks/bench_filter.py --scenarios site_fmt_csq,panel_regions --repeat 3
    python benchmarks/bench_filter.py --backends cyvcf2  # gmsvar backends to time

Scenarios (issue 4 targets; ``benchmarks/README.md`` explains each):

``site_fmt_csq``      bench_1M_1s: site + FORMAT + consequence filter
``per_sample_fmt``    bench_200k_100s: site + per-sample FORMAT filter
``panel_regions``     200 genes from ``seeds/genes_grch38.tsv`` and the R210 panel, through the
                      index: ``read_vcf(regions=...)`` vs ``bcftools view -R``
``cached_refilter``   ``filter_expr`` and mask composition on a table loaded with ``load_table``
``stream_memory``     peak RSS of ``iter_vcf(chunk_size=...)`` + filter vs ``read_vcf`` whole

Every timed method runs in a fresh Python process, started through a small spawner process (see
``SPAWNER_CODE``), which measures its whole-process wall time (interpreter start-up and imports
included, as a user would experience it). Before the work ends the worker records what it
kept; that list is written afterwards and the time spent writing it is subtracted. The kept
variants of all methods are compared (see ``check`` in the JSON). Results:
``benchmarks/results/filter_<scenario>.json`` (``filter_quick_<scenario>.json`` with
``--quick``), ``results/filter_benchmark.png`` and a section of ``results/README.md``.

A worker is started as ``python -c "import bench_filter; bench_filter.worker_main()"`` (the
module's cached bytecode is used) and only light standard-library modules are imported at
module level, so a worker pays ~25 ms for this script beyond what its method imports (the
``floor`` entry of the JSON records it next to ``python -c pass``).
"""

from __future__ import annotations

import json
import os
import resource
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import argparse

_T0 = time.perf_counter()  # worker: script start (after interpreter start-up)

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
RESULTS = HERE / "results"
DATA = HERE / "data"
WORK = DATA / "filter"  # regions files, caches, kept-variant lists (git-ignored with data/)
GENES = ROOT / "seeds" / "genes_grch38.tsv"

SCENARIOS = ("site_fmt_csq", "per_sample_fmt", "panel_regions", "cached_refilter",
             "stream_memory")
FULL_COHORT = {"site_fmt_csq": "bench_1M_1s", "per_sample_fmt": "bench_200k_100s",
               "stream_memory": "bench_1M_1s"}
PANEL_COHORTS = ("bench_1M_1s", "bench_200k_100s")
QUICK_COHORT = "small_10k_3s"

#: site + FORMAT part of scenario 1 (bcftools syntax, evaluated by gmsvar.filter_expr too)
SITE_FMT_EXPR = 'QUAL>=30 && FILTER="PASS" && INFO/DP>=10 && FMT/GQ>=20'
CSQ_TERM = "missense_variant"
#: scenario 2: per-sample ``&`` (the same sample must pass DP and GQ)
PER_SAMPLE_EXPR = "QUAL>=30 && FMT/DP>=20 & FMT/GQ>=30"
N_PANEL_GENES = 200
PANEL_GENE_SEED = 200
CHUNK_SIZES = (10_000, 50_000, 200_000)
QUICK_CHUNK_SIZES = (500, 2_000, 5_000)
#: streaming only the first N records with the middle chunk size: same peak as the whole file
#: shows the peak does not grow with the number of records
STREAM_PREFIX = {"full": 200_000, "quick": 2_000}
REFILTER_REPEAT = 7
TARGETS = {
    "site_fmt_csq": "gmsvar <= 0.5x bcftools view -i and >= 10x faster than the naive loop",
    "per_sample_fmt": "gmsvar <= 1.0x bcftools view -i",
    "panel_regions": "gmsvar <= 1.5x bcftools view -R (Python start-up included)",
    "cached_refilter": ">= 50 million variant rows per second",
    "stream_memory": "peak memory bounded by the chunk size, not the file size",
}


# == worker (one measurement per process; lazy imports only) ==================================
_STATE: dict[str, float] = {}


def _maxrss_kb() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def _status_kb(key: str) -> int:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    return 0


def _imports_done() -> None:
    """Mark the end of the imports: time, ru_maxrss so far, and reset the kernel's RSS
    high-water mark (VmHWM) so the peak of the work itself can be read at the end."""
    if "t_imports" in _STATE:  # the first call counts
        return
    _STATE["t_imports"] = time.perf_counter()
    _STATE["rss_imports_kb"] = _maxrss_kb()
    try:
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")
        _STATE["hwm_reset"] = 1
    except OSError:
        _STATE["hwm_reset"] = 0
    _STATE["vmrss_imports_kb"] = _status_kb("VmRSS")


def _columns_for(expr: str) -> tuple[list[str], list[str]]:
    """INFO and FORMAT fields ``expr`` needs (``gmsvar.required_columns``; GT is always read)."""
    import gmsvar

    need = gmsvar.required_columns(expr)
    info = sorted(x.split("/", 1)[1] for x in need if x.startswith("INFO/"))
    fmt = sorted(x.split("/", 1)[1] for x in need if x.startswith("FORMAT/") and x != "FORMAT/GT")
    return info, fmt


def _has_include(func: Any) -> bool:
    return _accepts(func, "include")


def _accepts(func: Any, name: str) -> bool:
    """Does ``func`` (read_vcf / iter_vcf of the gmsvar under test) take keyword ``name``?"""
    import inspect

    return name in inspect.signature(func).parameters


def _table_keys(t: Any) -> list[tuple[str, int, str, str]]:
    return list(zip(t.decode("variant_contig"), t["variant_position"].tolist(),
                    t["variant_ref"].tolist(), t["variant_alt"].tolist(), strict=True))


def _read_filtered(p: dict[str, Any]) -> tuple[Any, str]:
    """gmsvar read + filter as a user would write it; returns (kept table, how)."""
    import gmsvar
    from gmsvar import filters as gf

    _imports_done()
    path, expr, backend, term = p["path"], p["expr"], p["backend"], p.get("csq_term")
    if term and _accepts(gmsvar.read_vcf, "min_consequence"):
        # the consequence filter applied while reading (the fast backend's C scanner
        # drops records without a term that severe before they are parsed or annotated)
        t = gmsvar.read_vcf(path, include=expr, min_consequence=term, backend=backend)
        how = f"read_vcf(include=expr, min_consequence={term!r})"
        mask, term = None, None
    elif _has_include(gmsvar.read_vcf):
        t = gmsvar.read_vcf(path, include=expr, backend=backend)
        how = "read_vcf(include=expr)"
        mask = None
    else:
        info, fmt = _columns_for(expr)
        t = gmsvar.read_vcf(path, info=info, format=fmt, backend=backend)
        how = f"read_vcf(info={info}, format={fmt}) + filter_expr"
        mask = gmsvar.filter_expr(t, expr)
    if term:
        cm = gf.consequence_at_least(t, term)
        mask = cm if mask is None else mask & cm
        how += f" + consequence_at_least({term!r})"
    kept = t if mask is None else t.take(mask)
    return kept, how


def _w_gmsvar_filter(p: dict[str, Any]) -> tuple[dict[str, Any], list[Any]]:
    kept, how = _read_filtered(p)
    return ({"kept_rows": len(kept), "how": how,
             "reader": kept.meta.provenance.get("reader")}, _table_keys(kept))


def _load_regions(path: str) -> list[str]:
    out = []
    with open(path) as fh:
        for line in fh:
            c, s, e = line.split("\t")[:3]
            out.append(f"{c}:{s}-{e.strip()}")
    return out


def _w_gmsvar_regions(p: dict[str, Any]) -> tuple[dict[str, Any], list[Any]]:
    import gmsvar

    _imports_done()
    regions: Any = (gmsvar.load_panel(p["panel"]) if p.get("panel")
                    else _load_regions(p["regions_file"]))
    t = gmsvar.read_vcf(p["path"], regions=regions, backend=p["backend"])
    return ({"kept_rows": len(t), "n_columns": len(t.names),
             "reader": t.meta.provenance.get("reader")}, _table_keys(t))


def _w_bcftools(p: dict[str, Any]) -> tuple[dict[str, Any], None]:
    import pysam.bcftools

    _imports_done()
    pysam.bcftools.view(*p["args"], catch_stdout=False)
    return {}, None


def _vep_alleles(ref: str, alts: list[str]) -> dict[str, str]:
    """VEP's Allele string of each ALT: the shared first base is dropped when all alleles
    start with it (empty -> '-')."""
    if all(a[:1] == ref[:1] for a in alts) and any(len(a) != len(ref) for a in alts):
        return {(a[1:] or "-"): a for a in alts}
    return {a: a for a in alts}


def _w_naive(p: dict[str, Any]) -> tuple[dict[str, Any], list[Any]]:
    """The per-record loop a user would hand-write with cyvcf2 (same logic as the filter)."""
    import cyvcf2
    import numpy as np  # noqa: F401  (a user's loop uses numpy arrays from cyvcf2)

    _imports_done()
    kind = p["kind"]
    vcf = cyvcf2.VCF(p["path"])
    kept: list[tuple[str, int, str, str]] = []
    if kind == "site_fmt_csq":
        severe = set(p["severe_terms"])
        for v in vcf:
            q = v.QUAL
            if q is None or q < 30 or v.FILTER is not None:  # cyvcf2: FILTER None == PASS
                continue
            dp = v.INFO.get("DP")
            if dp is None or dp < 10:
                continue
            gq = v.format("GQ")
            if gq is None or not (gq[:, 0] >= 20).any():  # missing GQ is INT32_MIN
                continue
            csq = v.INFO.get("CSQ")
            if csq is None:
                continue
            vep = _vep_alleles(v.REF, v.ALT)
            hit = set()
            for entry in csq.split(","):
                f = entry.split("|", 2)
                if f[0] in vep and any(c in severe for c in f[1].split("&")):
                    hit.add(vep[f[0]])
            kept.extend((v.CHROM, v.POS, v.REF, a) for a in v.ALT if a in hit)
    elif kind == "per_sample_fmt":
        for v in vcf:
            q = v.QUAL
            if q is None or q < 30:
                continue
            dp = v.format("DP")
            gq = v.format("GQ")
            if dp is None or gq is None:
                continue
            if ((dp[:, 0] >= 20) & (gq[:, 0] >= 30)).any():
                kept.extend((v.CHROM, v.POS, v.REF, a) for a in v.ALT)
    elif kind == "regions":
        seen = set()
        rows: list[Any] = []
        for region in _load_regions(p["regions_file"]):
            for v in vcf(region):
                key = (v.CHROM, v.POS, v.REF, tuple(v.ALT))
                if key in seen:  # a record overlapping two regions is returned twice
                    continue
                seen.add(key)
                rows.append((v.CHROM, v.POS, v.REF, v.ALT, v.QUAL, v.genotypes,
                             v.format("DP")))
                kept.extend((v.CHROM, v.POS, v.REF, a) for a in v.ALT)
    else:
        raise SystemExit(f"unknown naive kind {kind}")
    vcf.close()
    return {"kept_rows": len(kept)}, kept


def _w_cached(p: dict[str, Any]) -> tuple[dict[str, Any], list[Any]]:
    """Whole process: load the columnar cache and filter it."""
    import gmsvar
    from gmsvar import filters as gf

    _imports_done()
    t = gmsvar.load_table(p["cache"])
    mask = gmsvar.filter_expr(t, p["expr"])
    if p.get("csq_term"):
        mask &= gf.consequence_at_least(t, p["csq_term"])
    kept = t.take(mask)
    return {"kept_rows": len(kept), "table_rows": len(t)}, _table_keys(kept)


def _mask_functions(t: Any, scenario: str) -> Any:
    """The scenario's filter written with gmsvar.filters mask functions only."""
    from gmsvar import filters as gf

    if scenario == "site_fmt_csq":
        return (gf.qual_at_least(t, min_qual=30) & gf.filter_in(t, filters=("PASS",))
                & (t["variant_info_DP"] >= 10)
                & gf.any_sample(gf.genotype_quality_at_least_calls(t, min_gq=20))
                & gf.consequence_at_least(t, CSQ_TERM))
    return gf.qual_at_least(t, min_qual=30) & gf.any_sample(
        gf.depth_at_least_calls(t, min_depth=20) & gf.genotype_quality_at_least_calls(t, min_gq=30))


def _w_refilter(p: dict[str, Any]) -> tuple[dict[str, Any], list[Any]]:
    """In-process throughput of filter_expr / mask composition on a loaded cache."""
    import numpy as np

    import gmsvar
    from gmsvar import filters as gf

    _imports_done()
    t0 = time.perf_counter()
    t = gmsvar.load_table(p["cache"])
    load_s = time.perf_counter() - t0
    n = len(t)
    expr, term, scen = p["expr"], p.get("csq_term"), p["scenario"]

    def expr_only() -> Any:
        return gmsvar.filter_expr(t, expr)

    def composed() -> Any:
        m = gmsvar.filter_expr(t, expr)
        return m & gf.consequence_at_least(t, term) if term else m

    def masks_only() -> Any:
        return _mask_functions(t, scen)

    out: dict[str, Any] = {"table_rows": n, "n_samples": len(t.samples), "load_s": load_s,
                           "repeat": REFILTER_REPEAT, "timings": {}}
    masks = {}
    for name, fn in (("filter_expr", expr_only), ("filter_expr+masks", composed),
                     ("mask_functions", masks_only)):
        times = []
        for _ in range(REFILTER_REPEAT):
            s = time.perf_counter()
            m = fn()
            times.append(time.perf_counter() - s)
        masks[name] = m
        best = min(times)
        out["timings"][name] = {"first_s": times[0], "best_s": best,
                                "median_s": float(np.median(times)),
                                "rows_per_s": n / best,
                                "calls_per_s": n * max(1, len(t.samples)) / best,
                                "kept_rows": int(m.sum())}
    s = time.perf_counter()
    kept = t.take(masks["filter_expr+masks"])
    out["take_s"] = time.perf_counter() - s
    out["mask_functions_equal_expression"] = bool(
        np.array_equal(masks["mask_functions"], masks["filter_expr+masks"]))
    return out, _table_keys(kept)


def _w_build_cache(p: dict[str, Any]) -> tuple[dict[str, Any], None]:
    import gmsvar

    _imports_done()
    t0 = time.perf_counter()
    fmt = _columns_for(p["expr"])[1]  # everything else is read by default
    t = gmsvar.read_vcf(p["path"], backend=p["backend"], format=fmt)
    read_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    t.save(p["cache"])
    return ({"read_s": read_s, "save_s": time.perf_counter() - t0, "table_rows": len(t),
             "n_columns": len(t.names), "cache_bytes": os.path.getsize(p["cache"]),
             "reader": t.meta.provenance.get("reader")}, None)


def _w_stream(p: dict[str, Any]) -> tuple[dict[str, Any], list[Any]]:
    """Every record read, in iter_vcf chunks or by one read_vcf, then filtered.

    No filter is applied while reading (no ``include``/``min_consequence``, which would
    drop most records before they are parsed and hide what holding a chunk costs): both
    ways read the same columns of all records and then apply the same filter.
    """
    import gmsvar
    from gmsvar import filters as gf

    _imports_done()
    path, expr, backend, term = p["path"], p["expr"], p["backend"], p.get("csq_term")
    info, fmt = _columns_for(expr)

    def kept(t: Any) -> Any:
        mask = gmsvar.filter_expr(t, expr)
        if term:
            mask &= gf.consequence_at_least(t, term)
        return t.take(mask)

    how = f"(info={info}, format={fmt}) + filter_expr & consequence_at_least"
    if p["chunk_size"] is None:
        whole = kept(gmsvar.read_vcf(path, info=info, format=fmt, backend=backend))
        return ({"kept_rows": len(whole), "how": "read_vcf" + how, "records_read": None},
                _table_keys(whole))
    chunks = gmsvar.iter_vcf(path, chunk_size=p["chunk_size"], info=info, format=fmt,
                             backend=backend)
    how = "iter_vcf" + how + " per chunk"
    parts = []
    n_chunks = rows = 0
    limit = p.get("max_records")
    reader = None
    for chunk in chunks:
        n_chunks += 1
        rows += len(chunk)
        reader = chunk.meta.provenance.get("reader")
        parts.append(kept(chunk))
        del chunk
        if limit is not None and n_chunks * p["chunk_size"] >= limit:
            break
    keys = [k for part in parts for k in _table_keys(part)]
    return ({"kept_rows": len(keys), "how": how, "chunks": n_chunks, "rows_read": rows,
             "reader": reader}, keys)


def _w_noop(p: dict[str, Any]) -> tuple[dict[str, Any], None]:
    _imports_done()
    return {}, None


WORKERS = {"gmsvar_filter": _w_gmsvar_filter, "gmsvar_regions": _w_gmsvar_regions,
           "bcftools": _w_bcftools, "naive": _w_naive, "cached": _w_cached,
           "refilter": _w_refilter, "build_cache": _w_build_cache, "stream": _w_stream,
           "noop": _w_noop}


def _src_hash() -> str:
    """Hash of the imported gmsvar package source (as bench_read.source_state)."""
    from _source import package_hash

    return package_hash()


def worker(params: dict[str, Any]) -> None:
    res, keys = WORKERS[params["method"]](params)
    t_end = time.perf_counter()
    rss_end = _maxrss_kb()
    hwm_end = _status_kb("VmHWM")
    # after the work (its time is subtracted from the wall time): the kept list and a hash of
    # the gmsvar source this process imported
    s = time.perf_counter()
    if params.get("dump") and keys is not None:
        with open(params["dump"], "w") as fh:
            fh.writelines(f"{c}\t{p}\t{r}\t{a}\n" for c, p, r, a in keys)
    src = _src_hash() if "gmsvar" in sys.modules else None
    dump_s = time.perf_counter() - s
    t_imp = _STATE.get("t_imports", _T0)
    out = {"import_s": t_imp - _T0, "work_s": t_end - t_imp, "dump_s": dump_s,
           # ru_maxrss over the process's life: the value before the VmHWM reset (imports)
           # or at the end, whichever is larger
           "maxrss_mb": max(rss_end, _STATE.get("rss_imports_kb", 0)) / 1024,
           "maxrss_after_imports_mb": _STATE.get("rss_imports_kb", 0) / 1024,
           "rss_after_imports_mb": _STATE.get("vmrss_imports_kb", 0) / 1024,
           "peak_rss_work_mb": hwm_end / 1024 if _STATE.get("hwm_reset") else None,
           "loadavg_1min_end": round(os.getloadavg()[0], 2), "src_sha256": src, **res}
    print("RESULT " + json.dumps(out))


# == driver ===================================================================================
class Ctx:
    """Options of one run."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.quick: bool = args.quick
        self.backends: list[str] = [b for b in args.backends.split(",") if b]
        self.repeat: int = args.repeat or (3 if args.quick else 1)
        self.timeout: float = args.timeout
        self.regen: bool = args.regenerate
        self.command = " ".join([Path(sys.executable).name, *sys.argv])
        self.failed_backends: dict[str, str] = {}


PYCACHE = DATA / "pycache"


def worker_env() -> dict[str, str]:
    """Environment of the timed processes: bytecode cached (as in an installed package) even
    where PYTHONDONTWRITEBYTECODE is set, under data/pycache so the source tree stays clean."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = str(PYCACHE)
    return env


WORKER_BOOT = ("import sys; sys.path.insert(0, {here!r}); import bench_filter; "
               "bench_filter.worker_main()")


def worker_main() -> None:
    worker(json.loads(sys.argv[1]))


#: A small process that starts the measured processes. Linux carries a parent's RSS high-water
#: mark into a forked child's ``ru_maxrss`` (it survives ``exec``), so children forked by this
#: driver (a few hundred MB after the checks) would all report at least the driver's RSS.
#: Started before the driver imports anything heavy, the spawner stays ~15 MB.
SPAWNER_CODE = """
import json, resource, subprocess, sys, time
for line in sys.stdin:
    req = json.loads(line)
    r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    try:
        p = subprocess.run(req["cmd"], capture_output=True, text=True, env=req["env"],
                           timeout=req["timeout"], check=False)
        out = {"rc": p.returncode, "stdout": p.stdout[-20000:], "stderr": p.stderr[-5000:]}
    except subprocess.TimeoutExpired:
        out = {"rc": None, "timeout": True, "stdout": "", "stderr": ""}
    out["wall"] = time.perf_counter() - t0
    r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    out["cpu"] = (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)
    out["spawner_maxrss_kb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    sys.stdout.write(json.dumps(out) + "\\n")
    sys.stdout.flush()
"""
_SPAWNER: list[Any] = []


def spawner() -> Any:
    import subprocess

    if not _SPAWNER:
        _SPAWNER.append(subprocess.Popen([sys.executable, "-c", SPAWNER_CODE],
                                         stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                         text=True))
    return _SPAWNER[0]


def spawn(cmd: list[str], *, env: dict[str, str], timeout: float) -> dict[str, Any]:
    """Run ``cmd`` through the spawner: wall seconds, CPU seconds, rc, stdout, stderr."""
    import subprocess

    sp = spawner()
    sp.stdin.write(json.dumps({"cmd": cmd, "env": env, "timeout": timeout}) + "\n")
    sp.stdin.flush()
    line = sp.stdout.readline()
    if not line:
        raise RuntimeError("the spawner process died")
    out = json.loads(line)
    if out.get("timeout"):
        raise subprocess.TimeoutExpired(cmd, timeout)
    return out


def measure(params: dict[str, Any], *, timeout: float) -> dict[str, Any]:
    """Run one worker; whole-process wall time measured by the spawner around the process
    (minus the kept-list write)."""
    cmd = [sys.executable, "-c", WORKER_BOOT.format(here=str(HERE)), json.dumps(params)]
    load0 = os.getloadavg()[0]
    proc = spawn(cmd, env=worker_env(), timeout=timeout)
    lines = [ln for ln in proc["stdout"].splitlines() if ln.startswith("RESULT ")]
    if proc["rc"] or not lines:
        raise RuntimeError(f"{params['method']} failed ({proc['rc']}):\n{proc['stderr'][-3000:]}")
    res = json.loads(lines[-1][len("RESULT "):])
    res["process_s"] = proc["wall"]
    res["wall_s"] = proc["wall"] - res["dump_s"]
    res["cpu_s"] = proc["cpu"]
    res["spawner_maxrss_mb"] = round(proc["spawner_maxrss_kb"] / 1024, 1)
    res["loadavg_1min"] = [round(load0, 2), res.pop("loadavg_1min_end")]
    return res


def run_method(name: str, params: dict[str, Any], ctx: Ctx, *, label: str,
               dump: Path | None = None, repeat: int | None = None) -> dict[str, Any]:
    """Best of ``repeat`` runs of one method; the first run also writes the kept list."""
    import subprocess

    runs = []
    for i in range(repeat or ctx.repeat):
        p = dict(params)
        if dump is not None and i == 0:
            p["dump"] = str(dump)
        print(f"[{label}] {name} run {i + 1} ...", file=sys.stderr, end=" ", flush=True)
        try:
            res = measure(p, timeout=ctx.timeout)
        except (RuntimeError, subprocess.TimeoutExpired) as err:
            print("FAILED", file=sys.stderr)
            print(str(err)[-1500:], file=sys.stderr)
            return {"error": str(err)[-2000:]}
        print(f"{res['wall_s']:.2f}s", file=sys.stderr)
        runs.append(res)
    best = min(runs, key=lambda r: r["wall_s"])
    out = {k: v for k, v in best.items() if k not in ("process_s",)}
    out["wall_s_runs"] = [round(r["wall_s"], 3) for r in runs]
    out["best_wall_s"] = round(best["wall_s"], 3)
    return out


# -- kept-variant checks ----------------------------------------------------------------------
Key = tuple[str, int, str, str]


def read_keys(path: Path) -> set[Key]:
    out = set()
    with open(path) as fh:
        for line in fh:
            c, p, r, a = line.rstrip("\n").split("\t")
            out.add((c, int(p), r, a))
    return out


def bcftools_kept(vcf: Path, filter_args: list[str], tag: str) -> tuple[set[Key], set[Key]]:
    """(allele-level, record-level) keys bcftools keeps: ``view <filter>``, then
    ``norm -m-any`` (split after filtering, as a user would) and ``query``."""
    import pysam.bcftools

    WORK.mkdir(parents=True, exist_ok=True)
    kept_bcf = WORK / f"check_{tag}.bcf"
    split_bcf = WORK / f"check_{tag}.split.bcf"
    pysam.bcftools.view(*filter_args, "-Ob", "-o", str(kept_bcf), str(vcf), catch_stdout=False)
    pysam.bcftools.norm("-m-any", "-Ob", "-o", str(split_bcf), str(kept_bcf),
                        catch_stdout=False)
    fmt = "%CHROM\t%POS\t%REF\t%ALT\n"
    alleles = {(c, int(p), r, a) for c, p, r, a in _query_lines(split_bcf, fmt)}
    records = {(c, int(p), r, a) for c, p, r, a in _query_lines(kept_bcf, fmt)}
    for f in (kept_bcf, split_bcf):
        f.unlink()
    return alleles, records


def _query_lines(path: Path, fmt: str) -> list[list[str]]:
    import pysam.bcftools

    text = pysam.bcftools.query("-f", fmt, str(path))
    return [ln.split("\t") for ln in text.splitlines() if ln]


def _records_of(alleles: set[Key]) -> set[tuple[str, int, str]]:
    return {(c, p, r) for c, p, r, _ in alleles}


def compare_kept(dumps: dict[str, Path], bcf: tuple[set[Key], set[Key]] | None,
                 *, reference: str) -> dict[str, Any]:
    """Compare every method's kept variants with ``reference`` (allele level: CHROM, POS, REF,
    ALT of split rows) and with bcftools (record level, and allele level after norm -m-any)."""
    sets = {m: read_keys(p) for m, p in dumps.items() if p.exists()}
    out: dict[str, Any] = {"reference": reference, "methods": {}}
    ref = sets.get(reference)
    b_alleles, b_records = bcf if bcf else (None, None)
    b_rec3 = {(c, p, r) for c, p, r, _ in b_records} if b_records is not None else None
    if b_alleles is not None:
        out["methods"]["bcftools"] = {"kept_alleles": len(b_alleles),
                                      "kept_records": len(b_rec3 or ())}
    for m, s in sets.items():
        e: dict[str, Any] = {"kept_alleles": len(s), "kept_records": len(_records_of(s))}
        if ref is not None and m != reference:
            e[f"alleles_equal_{reference}"] = s == ref
            if s != ref:
                e["only_here"] = sorted(s - ref)[:5]
                e[f"only_{reference}"] = sorted(ref - s)[:5]
        if b_alleles is not None:
            e["records_equal_bcftools"] = _records_of(s) == b_rec3
            e["alleles_equal_bcftools_norm"] = s == b_alleles
            if s != b_alleles:
                extra = b_alleles - s
                e["bcftools_norm_only"] = len(extra)
                e["here_only_vs_bcftools_norm"] = len(s - b_alleles)
                # explained when every extra bcftools allele belongs to a multiallelic record
                # that gmsvar also kept through another of its alleles
                multi = {(c, p, r) for (c, p, r, a) in b_records if "," in a}
                e["bcftools_norm_only_in_kept_multiallelic_records"] = all(
                    (c, p, r) in multi and (c, p, r) in _records_of(s) for c, p, r, _ in extra)
        out["methods"][m] = e
    ok = all(v.get(f"alleles_equal_{reference}", True) and v.get("records_equal_bcftools", True)
             for v in out["methods"].values())
    out["all_equal"] = ok
    return out


# -- data -------------------------------------------------------------------------------------
def cohort_path(name: str, ctx: Ctx) -> tuple[Path, dict[str, Any]]:
    sys.path.insert(0, str(HERE))
    import generate_cohort as gen

    if ctx.regen or not gen.is_current(name, gen.DEFAULT_OUT):
        print(f"[{name}] generating ...", file=sys.stderr)
        gen.generate(name, gen.DEFAULT_OUT, force=True)
    path = gen.DEFAULT_OUT / f"{name}.vcf.gz"
    meta = json.loads((gen.DEFAULT_OUT / f"{name}.json").read_text())
    with open(path, "rb") as fh:  # warm the page cache
        while fh.read(1 << 24):
            pass
    info = {k: meta[k] for k in ("n_records", "n_samples", "n_allele_rows", "n_multiallelic",
                                 "bytes", "generator_version", "spec_sha256")}
    info |= {"name": name, "file": path.name, "csq": meta["spec"]["csq"],
             "seed": meta["spec"]["seed"]}
    return path, info


def severe_terms() -> list[str]:
    """VEP terms at least as severe as CSQ_TERM in gmsvar's SO ranking."""
    from gmsvar.filters import consequence_rank, so_table

    lim = consequence_rank(CSQ_TERM)
    return [s.term for s in so_table() if s.origin == "vep" and 1 <= s.rank <= lim]


def csq_regex(terms: list[str]) -> str:
    """bcftools (POSIX basic + GNU ``\\|``) regex: one of ``terms`` as a whole consequence."""
    return "[|&]\\(" + "\\|".join(terms) + "\\)[|&]"


def panel_regions_files(ctx: Ctx) -> dict[str, dict[str, Any]]:
    """Region lists (chr-prefixed, 1-based inclusive, as bcftools -R reads them)."""
    import numpy as np

    import gmsvar

    WORK.mkdir(parents=True, exist_ok=True)
    rows = [ln.rstrip("\n").split("\t") for ln in GENES.read_text().splitlines()
            if ln and not ln.startswith("#")][1:]
    rng = np.random.default_rng(PANEL_GENE_SEED)
    pick = sorted(rng.choice(len(rows), size=N_PANEL_GENES, replace=False).tolist())
    genes = [rows[i] for i in pick]
    order = {str(c): i for i, c in enumerate([*range(1, 23), "X", "Y"])}
    genes.sort(key=lambda g: (order.get(g[0], 99), int(g[1])))
    f200 = WORK / "panel_200genes.regions.tsv"
    f200.write_text("".join(f"chr{g[0]}\t{g[1]}\t{g[2]}\t{g[3]}\n" for g in genes))
    panel = gmsvar.load_panel("R210")
    ivs = panel.regions(build="GRCh38")
    fr210 = WORK / "panel_R210.regions.tsv"
    fr210.write_text("".join(
        f"{iv.contig if iv.contig.startswith('chr') else 'chr' + iv.contig}\t{iv.start}\t{iv.end}\n"
        for iv in ivs))
    bp200 = sum(int(g[2]) - int(g[1]) + 1 for g in genes)
    return {
        "200genes": {"file": f200, "n_regions": len(genes), "bp": bp200,
                     "about": f"{N_PANEL_GENES} genes drawn with numpy seed {PANEL_GENE_SEED} from "
                              "seeds/genes_grch38.tsv (gene spans)", "panel": None},
        "R210": {"file": fr210, "n_regions": len(ivs), "bp": sum(iv.end - iv.start + 1 for iv in ivs),
                 "about": f"gmsvar.load_panel('R210') = {panel!r}, .regions(build='GRCh38'); "
                          "gmsvar gets the panel object", "panel": "R210"},
    }


# -- scenarios --------------------------------------------------------------------------------
def _ratio(a: dict[str, Any] | None, b: dict[str, Any] | None, key: str = "best_wall_s"
           ) -> float | None:
    if not a or not b or "error" in a or "error" in b:
        return None
    return round(a[key] / b[key], 3)


def _gmsvar_methods(ctx: Ctx) -> list[str]:
    return [b for b in ctx.backends if b not in ctx.failed_backends]


def _note_backend_failure(ctx: Ctx, backend: str, res: dict[str, Any],
                          cyvcf2: dict[str, Any] | None) -> None:
    """A backend other than cyvcf2 is dropped from later scenarios when it fails where cyvcf2
    did not."""
    if "error" in res and backend != "cyvcf2" and cyvcf2 is not None and "error" not in cyvcf2:
        ctx.failed_backends[backend] = res["error"][-500:]


def scenario_filter(scen: str, ctx: Ctx) -> list[dict[str, Any]]:
    """site_fmt_csq / per_sample_fmt: read+filter vs bcftools view -i vs naive loop."""
    cohort = QUICK_COHORT if ctx.quick else FULL_COHORT[scen]
    path, finfo = cohort_path(cohort, ctx)
    label = f"{scen}/{cohort}"
    terms = severe_terms()
    if scen == "site_fmt_csq":
        expr, term = SITE_FMT_EXPR, CSQ_TERM
        bcf_expr = f'{SITE_FMT_EXPR} && INFO/CSQ~"{csq_regex(terms)}"'
        bcf_literal = f'{SITE_FMT_EXPR} && INFO/CSQ~"{CSQ_TERM}"'
    else:
        expr, term, bcf_expr, bcf_literal = PER_SAMPLE_EXPR, None, PER_SAMPLE_EXPR, None
    WORK.mkdir(parents=True, exist_ok=True)
    dumps: dict[str, Path] = {}
    methods: dict[str, Any] = {}
    for b in _gmsvar_methods(ctx):
        m = f"gmsvar_{b}"
        dumps[m] = WORK / f"kept_{scen}_{cohort}_{m}.tsv"
        res = run_method(m, {"method": "gmsvar_filter", "path": str(path), "expr": expr,
                             "csq_term": term, "backend": b}, ctx, label=label, dump=dumps[m])
        _note_backend_failure(ctx, b, res, methods.get("gmsvar_cyvcf2"))
        methods[m] = res
    args = ["-i", bcf_expr, "-Ou", "-o", os.devnull, str(path)]
    methods["bcftools_view"] = run_method("bcftools_view", {"method": "bcftools", "args": args},
                                          ctx, label=label)
    if bcf_literal:
        methods["bcftools_view_literal_regex"] = run_method(
            "bcftools_view_literal_regex",
            {"method": "bcftools", "args": ["-i", bcf_literal, "-Ou", "-o", os.devnull,
                                            str(path)]}, ctx, label=label)
    dumps["naive_cyvcf2"] = WORK / f"kept_{scen}_{cohort}_naive_cyvcf2.tsv"
    methods["naive_cyvcf2"] = run_method(
        "naive_cyvcf2", {"method": "naive", "kind": scen, "path": str(path),
                         "severe_terms": terms}, ctx, label=label, dump=dumps["naive_cyvcf2"])
    print(f"[{label}] checking kept variants ...", file=sys.stderr)
    check = compare_kept({k: v for k, v in dumps.items() if "error" not in methods[k]},
                         bcftools_kept(path, ["-i", bcf_expr], f"{scen}_{cohort}"),
                         reference="naive_cyvcf2")
    if bcf_literal:
        la, lr = bcftools_kept(path, ["-i", bcf_literal], f"{scen}_{cohort}_literal")
        check["bcftools_literal_regex"] = {"kept_alleles": len(la), "kept_records": len(lr)}
    ratios: dict[str, Any] = {}
    targets: dict[str, Any] = {}
    for b in ctx.backends:
        m = f"gmsvar_{b}"
        g = methods.get(m)
        r = {"x_bcftools": _ratio(g, methods["bcftools_view"]),
             "x_bcftools_work_only": _ratio(g, methods["bcftools_view"], "work_s"),
             "speedup_vs_naive": _ratio(methods["naive_cyvcf2"], g)}
        if bcf_literal:
            r["x_bcftools_literal_regex"] = _ratio(g, methods["bcftools_view_literal_regex"])
        ratios[m] = r
        if r["x_bcftools"] is None:
            targets[m] = {"met": None, "why": "method failed"}
        elif scen == "site_fmt_csq":
            targets[m] = {"x_bcftools<=0.5": r["x_bcftools"] <= 0.5,
                          "speedup_vs_naive>=10": (r["speedup_vs_naive"] or 0) >= 10}
            targets[m]["met"] = all(targets[m].values())
        else:
            targets[m] = {"x_bcftools<=1.0": r["x_bcftools"] <= 1.0}
            targets[m]["met"] = r["x_bcftools"] <= 1.0
    case = {
        "case": cohort, "cohort": finfo,
        "gmsvar_expr": expr, "gmsvar_consequence": (
            f"gmsvar.filters.consequence_at_least(t, {term!r}) (worst consequence over the "
            "allele's transcripts ranks at or above it)") if term else None,
        "bcftools_expr": bcf_expr, "bcftools_literal_expr": bcf_literal,
        "severe_terms": terms if term else None,
        "methods": methods, "ratios": ratios, "target": TARGETS[scen], "targets": targets,
        "check": check,
    }
    return [case]


def scenario_panel(ctx: Ctx) -> list[dict[str, Any]]:
    cases = []
    regsets = panel_regions_files(ctx)
    for cohort in ([QUICK_COHORT] if ctx.quick else PANEL_COHORTS):
        path, finfo = cohort_path(cohort, ctx)
        for rname, reg in regsets.items():
            label = f"panel_regions/{cohort}/{rname}"
            dumps: dict[str, Path] = {}
            methods: dict[str, Any] = {}
            for b in _gmsvar_methods(ctx):
                m = f"gmsvar_{b}"
                dumps[m] = WORK / f"kept_panel_{rname}_{cohort}_{m}.tsv"
                res = run_method(m, {"method": "gmsvar_regions", "path": str(path),
                                     "backend": b, "regions_file": str(reg["file"]),
                                     "panel": reg["panel"]}, ctx, label=label, dump=dumps[m])
                _note_backend_failure(ctx, b, res, methods.get("gmsvar_cyvcf2"))
                methods[m] = res
            methods["bcftools_view_R"] = run_method(
                "bcftools_view_R", {"method": "bcftools", "args": [
                    "-R", str(reg["file"]), "-Ou", "-o", os.devnull, str(path)]},
                ctx, label=label)
            dumps["naive_cyvcf2"] = WORK / f"kept_panel_{rname}_{cohort}_naive.tsv"
            methods["naive_cyvcf2"] = run_method(
                "naive_cyvcf2", {"method": "naive", "kind": "regions", "path": str(path),
                                 "regions_file": str(reg["file"])}, ctx, label=label,
                dump=dumps["naive_cyvcf2"])
            check = compare_kept({k: v for k, v in dumps.items() if "error" not in methods[k]},
                                 bcftools_kept(path, ["-R", str(reg["file"])],
                                               f"panel_{rname}_{cohort}"),
                                 reference="naive_cyvcf2")
            ratios, targets = {}, {}
            for b in ctx.backends:
                m = f"gmsvar_{b}"
                r = {"x_bcftools": _ratio(methods.get(m), methods["bcftools_view_R"]),
                     "x_bcftools_work_only": _ratio(methods.get(m), methods["bcftools_view_R"],
                                                    "work_s"),
                     "speedup_vs_naive": _ratio(methods["naive_cyvcf2"], methods.get(m))}
                ratios[m] = r
                targets[m] = {"met": None if r["x_bcftools"] is None
                              else r["x_bcftools"] <= 1.5}
            cases.append({
                "case": f"{cohort} {rname}", "cohort": finfo,
                "regions": {k: (str(v.relative_to(ROOT)) if isinstance(v, Path) else v)
                            for k, v in reg.items()},
                "methods": methods, "ratios": ratios, "target": TARGETS["panel_regions"],
                "targets": targets, "check": check,
            })
    return cases


def scenario_cached(ctx: Ctx) -> list[dict[str, Any]]:
    import datetime as dt

    cases = []
    backend = _gmsvar_methods(ctx)[-1] if _gmsvar_methods(ctx) else "cyvcf2"
    specs = ([("site_fmt_csq", QUICK_COHORT), ("per_sample_fmt", QUICK_COHORT)] if ctx.quick
             else [("site_fmt_csq", FULL_COHORT["site_fmt_csq"]),
                   ("per_sample_fmt", FULL_COHORT["per_sample_fmt"])])
    for scen, cohort in specs:
        path, finfo = cohort_path(cohort, ctx)
        label = f"cached_refilter/{cohort}/{scen}"
        expr, term = ((SITE_FMT_EXPR, CSQ_TERM) if scen == "site_fmt_csq"
                      else (PER_SAMPLE_EXPR, None))
        cache = WORK / f"{cohort}.table.npz"
        build = run_method("build_cache", {"method": "build_cache", "path": str(path),
                                           "backend": backend, "cache": str(cache),
                                           "expr": expr},
                           ctx, label=label, repeat=1)
        if "error" in build:
            cases.append({"case": f"{cohort} {scen}", "cohort": finfo, "build_cache": build})
            continue
        dump = WORK / f"kept_cached_{scen}_{cohort}.tsv"
        refilter = run_method("refilter", {"method": "refilter", "cache": str(cache),
                                           "expr": expr, "csq_term": term, "scenario": scen},
                              ctx, label=label, dump=dump, repeat=1)
        methods: dict[str, Any] = {}
        methods["gmsvar_cached"] = run_method(
            "gmsvar_cached", {"method": "cached", "cache": str(cache), "expr": expr,
                              "csq_term": term}, ctx, label=label)
        bcf_expr = (f'{SITE_FMT_EXPR} && INFO/CSQ~"{csq_regex(severe_terms())}"' if term
                    else expr)
        methods["bcftools_view"] = run_method(
            "bcftools_view", {"method": "bcftools", "args": [
                "-i", bcf_expr, "-Ou", "-o", os.devnull, str(path)]}, ctx, label=label)
        fresh = WORK / f"kept_{scen}_{cohort}_naive_cyvcf2.tsv"
        check: dict[str, Any] = {"reference": str(fresh.relative_to(ROOT))}
        if fresh.exists() and dump.exists():
            check["equal_to_naive_loop_on_vcf"] = read_keys(dump) == read_keys(fresh)
            check["reference_written"] = dt.datetime.fromtimestamp(
                fresh.stat().st_mtime, dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        else:
            check["equal_to_naive_loop_on_vcf"] = None
        if "error" not in refilter:
            check["mask_functions_equal_expression"] = refilter["mask_functions_equal_expression"]
            tm = refilter["timings"]
            rate = min(v["rows_per_s"] for v in tm.values())
            best_rate = max(v["rows_per_s"] for v in tm.values())
            targets = {"min_rows_per_s": round(rate), "max_rows_per_s": round(best_rate),
                       "met_all_variants": rate >= 50e6, "met_best_variant": best_rate >= 50e6}
        else:
            targets = {"met_all_variants": None}
        cases.append({
            "case": f"{cohort} {scen}", "cohort": finfo, "scenario_filter": scen,
            "gmsvar_expr": expr, "consequence_term": term, "bcftools_expr": bcf_expr,
            "build_cache": build, "refilter": refilter, "methods": methods,
            "ratios": {"gmsvar_cached": {
                "x_bcftools": _ratio(methods["gmsvar_cached"], methods["bcftools_view"])}},
            "target": TARGETS["cached_refilter"], "targets": targets, "check": check,
        })
    return cases


def scenario_stream(ctx: Ctx) -> list[dict[str, Any]]:
    cohort = QUICK_COHORT if ctx.quick else FULL_COHORT["stream_memory"]
    path, finfo = cohort_path(cohort, ctx)
    sizes = QUICK_CHUNK_SIZES if ctx.quick else CHUNK_SIZES
    prefix = STREAM_PREFIX["quick" if ctx.quick else "full"]
    cases = []
    for b in _gmsvar_methods(ctx):
        label = f"stream_memory/{cohort}/{b}"
        runs: dict[str, Any] = {}
        dumps: dict[str, Path] = {}
        base = {"method": "stream", "path": str(path), "expr": SITE_FMT_EXPR,
                "csq_term": CSQ_TERM, "backend": b}
        for k in [*sizes, None]:
            name = "read_vcf_whole" if k is None else f"iter_vcf_{k}"
            dumps[name] = WORK / f"kept_stream_{cohort}_{b}_{name}.tsv"
            runs[name] = run_method(name, base | {"chunk_size": k}, ctx, label=label,
                                    dump=dumps[name], repeat=1)
            if b != "cyvcf2" and "error" in runs[name]:
                ctx.failed_backends.setdefault(b, runs[name]["error"][-500:])
        mid = sizes[1]
        pname = f"iter_vcf_{mid}_first_{prefix}_records"
        runs[pname] = run_method(pname, base | {"chunk_size": mid, "max_records": prefix}, ctx,
                                 label=label, repeat=1)
        ok = {k: v for k, v in runs.items() if "error" not in v}
        for v in ok.values():
            # peak of the work (VmHWM reset after the imports) minus RSS after the imports;
            # ru_maxrss cannot show this when the import-time peak is the larger
            peak = v["peak_rss_work_mb"] or v["maxrss_mb"]
            v["delta_rss_mb"] = round(peak - v["rss_after_imports_mb"], 1)
        sets = {k: read_keys(p) for k, p in dumps.items() if k in ok and p.exists()}
        same = len({frozenset(s) for s in sets.values()}) == 1 if sets else None
        whole = ok.get("read_vcf_whole")
        chunked = [ok[f"iter_vcf_{k}"] for k in sizes if f"iter_vcf_{k}" in ok]
        bounded = None
        if whole and len(chunked) == len(sizes):
            d = [c["delta_rss_mb"] for c in chunked]
            pre = ok.get(pname)
            bounded = {
                "delta_rss_mb_by_chunk": dict(zip([str(k) for k in sizes], d, strict=True)),
                "delta_rss_mb_whole": whole["delta_rss_mb"],
                "every_chunked_below_half_of_whole": all(x < 0.5 * whole["delta_rss_mb"]
                                                         for x in d),
                "grows_with_chunk_size": d[0] <= d[-1],
                f"chunk_{mid}_first_{prefix}_vs_whole_file_mb": (
                    None if pre is None else [pre["delta_rss_mb"], d[1]]),
            }
            bounded["met"] = (bounded["every_chunked_below_half_of_whole"]
                              and bounded["grows_with_chunk_size"])
        cases.append({"case": f"{cohort} {b}", "cohort": finfo, "backend": b,
                      "gmsvar_expr": SITE_FMT_EXPR, "consequence_term": CSQ_TERM,
                      "methods": runs, "target": TARGETS["stream_memory"],
                      "targets": bounded or {"met": None},
                      "check": {"all_runs_keep_same_variants": same}})
    return cases


# -- reporting --------------------------------------------------------------------------------
def source_state() -> dict[str, Any]:
    import subprocess

    sys.path.insert(0, str(HERE))
    import bench_read

    st = bench_read.source_state()
    try:
        st["git_commit"] = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "HEAD"],
                                          capture_output=True, text=True,
                                          check=True).stdout.strip()
        st["dirty"] = bool(st.get("uncommitted_src"))  # uncommitted changes under src/
        st["repo_dirty"] = bool(subprocess.run(["git", "-C", str(ROOT), "status", "--porcelain"],
                                               capture_output=True, text=True,
                                               check=True).stdout.strip())
    except (OSError, subprocess.CalledProcessError):
        pass
    return st


def python_floor(ctx: Ctx) -> dict[str, Any]:
    """Whole-process time of doing nothing: ``python -c pass``, this script's worker, and
    ``python -c 'import X'`` (after an untimed run that fills the bytecode cache)."""
    import subprocess

    env = worker_env()

    def best(args: list[str], *, env: dict[str, str] | None = env, n: int = 3) -> float:
        t = []
        for _ in range(n):
            s = time.perf_counter()
            subprocess.run([sys.executable, *args], check=True, env=env)
            t.append(time.perf_counter() - s)
        return round(min(t), 3)

    mods = ("pysam.bcftools", "cyvcf2", "gmsvar")
    for mod in (*mods, "bench_filter"):  # warm the bytecode cache
        subprocess.run([sys.executable, "-c", f"import sys; sys.path.insert(0, {str(HERE)!r}); "
                        f"import {mod}"], check=True, env=env)
    noop = run_method("noop", {"method": "noop"}, ctx, label="floor", repeat=3)
    return {"python_c_pass_s": best(["-c", "pass"]), "worker_noop_s": noop.get("best_wall_s"),
            "worker_noop_maxrss_mb": noop.get("maxrss_mb"),
            "python_c_import_s": {m: best(["-c", f"import {m}"]) for m in mods},
            "python_c_import_gmsvar_without_bytecode_cache_s": best(
                ["-c", "import gmsvar"], env=None) if os.environ.get(
                "PYTHONDONTWRITEBYTECODE") else None,
            "bytecode": "timed processes run with PYTHONPYCACHEPREFIX=benchmarks/data/pycache "
                        "and without PYTHONDONTWRITEBYTECODE (cached bytecode, as installed)"}


def write_json(scen: str, cases: list[dict[str, Any]], ctx: Ctx, common: dict[str, Any]
               ) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / (f"filter_quick_{scen}.json" if ctx.quick else f"filter_{scen}.json")
    seen = sorted(_seen_src(cases))
    src = dict(common["gmsvar_source"])
    src["src_sha256_seen_by_runs"] = seen
    src["consistent_across_runs"] = seen == [src["src_sha256"]] and (
        common.get("gmsvar_source_end", {}).get("src_sha256") == src["src_sha256"])
    doc = {"scenario": scen, "quick": ctx.quick, "target": TARGETS[scen], **common,
           "gmsvar_source": src,
           "repeat": ctx.repeat, "backends": ctx.backends,
           "failed_backends": ctx.failed_backends, "cases": cases}
    out.write_text(json.dumps(doc, indent=2, default=_json_default) + "\n")
    return out


def _seen_src(obj: Any) -> set[str]:
    """Every gmsvar source hash a measured process reported."""
    if isinstance(obj, dict):
        out = {obj["src_sha256"]} if isinstance(obj.get("src_sha256"), str) else set()
        for v in obj.values():
            out |= _seen_src(v)
        return out
    if isinstance(obj, list):
        return set().union(*(_seen_src(v) for v in obj)) if obj else set()
    return set()


def _json_default(x: Any) -> Any:
    if isinstance(x, Path):
        return str(x)
    if hasattr(x, "item"):
        return x.item()
    raise TypeError(type(x))


def load_results() -> dict[str, dict[str, Any]]:
    """Full results per scenario, else quick ones."""
    out = {}
    for scen in SCENARIOS:
        for name in (f"filter_{scen}.json", f"filter_quick_{scen}.json"):
            p = RESULTS / name
            if p.exists():
                out[scen] = json.loads(p.read_text())
                break
    return out


def _fmt_s(m: dict[str, Any] | None) -> str:
    if not m:
        return "-"
    return "failed" if "error" in m else f"{m['best_wall_s']:.2f}"


def _fmt_x(x: float | None, digits: int = 2) -> str:
    return "-" if x is None else f"{x:.{digits}f}"


def _yes(x: Any) -> str:
    return {True: "yes", False: "**no**", None: "-"}.get(x, str(x))


BEGIN = "<!-- bench_filter:begin (generated by benchmarks/bench_filter.py) -->"
END = "<!-- bench_filter:end -->"


def readme_section(res: dict[str, dict[str, Any]]) -> str:
    lines = [BEGIN, "", "# gmsvar filter benchmarks: results", "",
         "Generated by `benchmarks/bench_filter.py` from the `filter_*.json` files in this folder "
         "(do not edit by hand); plot: `filter_benchmark.png`. *wall s* = whole-process wall "
         "time of a fresh Python process (start-up and imports included), best of the runs; "
         "*x bcftools* = gmsvar wall / bcftools wall (lower is better; < 1 = gmsvar faster); "
         "*vs naive* = naive-loop wall / gmsvar wall (speed-up). bcftools is the htslib "
         "bcftools bundled in pysam, run as `python -c 'import pysam.bcftools; "
         "pysam.bcftools.view(...)'` (pysam ships no `bcftools` executable), so its wall time "
         "includes Python start-up and `import pysam.bcftools` (see *floor*); *work s* is the time "
         "inside the process after the imports. *peak RSS* = the process's `ru_maxrss` (lifetime "
         "peak, imports included; the processes are started by a small spawner process because "
         "Linux carries a parent's RSS high-water mark into a forked child's `ru_maxrss`).", ""]
    any_doc = next(iter(res.values()), None)
    if any_doc:
        m, v = any_doc["machine"], any_doc["versions"]
        fl = any_doc.get("floor", {})
        lines += [f"- machine: {m['cpu_model']}, {m['cpus_usable']} usable CPUs, {m['ram_gb']} GB; "
              + ", ".join(f"{k} {x}" for k, x in v.items()),
              f"- floor: `python -c pass` {fl.get('python_c_pass_s')} s, this script's worker "
              f"doing nothing {fl.get('worker_noop_s')} s; `python -c 'import X'`: "
              + ", ".join(f"{k} {x} s" for k, x in fl.get("python_c_import_s", {}).items())
              + " (bytecode cached, as for an installed package)",
              ""]
    for scen in ("site_fmt_csq", "per_sample_fmt", "panel_regions"):
        d = res.get(scen)
        if not d:
            continue
        lines += [f"## {scen}{' (quick)' if d['quick'] else ''}", "",
              f"Target: {d['target']}. Run {d['date']}, `{d['command']}`; "
              + _src_line(d["gmsvar_source"]), ""]
        for c in d["cases"]:
            f = c["cohort"]
            lines.append(f"### {c['case']}: {f['n_records']:,} records x {f['n_samples']} samples")
            lines.append("")
            if c.get("bcftools_expr") and scen != "panel_regions":
                lines.append(f"- gmsvar: `{c['gmsvar_expr']}`"
                         + (f" + `consequence_at_least(t, {CSQ_TERM!r})`"
                            if c.get("gmsvar_consequence") else ""))
                lines.append(f"- bcftools: `view -i '{c['bcftools_expr']}' -Ou -o /dev/null`"
                         if len(c["bcftools_expr"]) < 140 else
                         "- bcftools: `view -i '" + SITE_FMT_EXPR + " && INFO/CSQ~\"[|&]\\(<13 "
                         "terms at least as severe as missense_variant, \\| separated>\\)[|&]\"' "
                         "-Ou -o /dev/null`")
            hows = {f"`{mm['how']}`" for mm in c["methods"].values() if mm.get("how")}
            if hows:
                lines.append(f"- gmsvar code path: {', '.join(sorted(hows))}")
            if c.get("regions"):
                r = c["regions"]
                lines.append(f"- regions: {r['n_regions']} intervals, {r['bp'] / 1e6:.2f} Mb; "
                         f"{r['about']}")
            lines += ["", "| method | wall s | work s | cpu s | peak RSS MB | kept rows | x bcftools "
                  "| vs naive |", "|---|---:|---:|---:|---:|---:|---:|---:|"]
            for name, mm in c["methods"].items():
                rat = c["ratios"].get(name, {})
                if "error" in mm:
                    lines.append(f"| {name} | failed (see JSON) | | | | | | |")
                    continue
                lines.append(f"| {name} | {mm['best_wall_s']:.2f} | {mm['work_s']:.2f} | "
                         f"{mm['cpu_s']:.1f} | {mm['maxrss_mb']:.0f} | "
                         f"{mm.get('kept_rows', '-') if mm.get('kept_rows') is not None else '-'}"
                         f" | {_fmt_x(rat.get('x_bcftools'))} | "
                         f"{_fmt_x(rat.get('speedup_vs_naive'), 1)} |")
            chk = c["check"]
            lines += ["", "Check (same variants): " + _check_line(chk)]
            tg = ", ".join(f"{k}: {_yes(v.get('met'))}" for k, v in c["targets"].items())
            lines += [f"Target met: {tg}", ""]
    d = res.get("cached_refilter")
    if d:
        lines += [f"## cached_refilter{' (quick)' if d['quick'] else ''}", "",
              f"Run {d['date']}, `{d['command']}`; " + _src_line(d["gmsvar_source"]), "",
              f"Target: {d['target']}. In-process timing (best of {REFILTER_REPEAT}) on a table "
              "loaded with `gmsvar.load_table` from a full `read_vcf` saved with `table.save`. "
              "`filter_expr` = the expression alone; `filter_expr+masks` = the scenario's filter "
              "(expression & `consequence_at_least` for the CSQ file); `mask_functions` = the "
              "same filter written with `gmsvar.filters` mask functions only.", "",
              "| table | rows x samples | load s | filter_expr rows/s | filter_expr+masks rows/s "
              "| mask_functions rows/s | calls/s (filter_expr, mask_functions) | whole process s "
              "(load+filter) | bcftools on VCF s | ≥ 50M rows/s |",
              "|---|---:|---:|---:|---:|---:|---|---:|---:|---|"]
        for c in d["cases"]:
            rf = c.get("refilter", {})
            if "timings" not in rf:
                lines.append(f"| {c['case']} | failed | | | | | | | | |")
                continue
            tm = rf["timings"]
            lines.append(f"| {c['case']} | {rf['table_rows']:,} x {rf['n_samples']} | "
                     f"{rf['load_s']:.2f} | "
                     + " | ".join(f"{tm[k]['rows_per_s'] / 1e6:.1f}M" for k in
                                  ("filter_expr", "filter_expr+masks", "mask_functions"))
                     + f" | {tm['filter_expr'].get('calls_per_s', 0) / 1e6:.0f}M, "
                     f"{tm['mask_functions'].get('calls_per_s', 0) / 1e6:.0f}M"
                     + f" | {_fmt_s(c['methods'].get('gmsvar_cached'))} | "
                     f"{_fmt_s(c['methods'].get('bcftools_view'))} | "
                     f"{_yes(c['targets'].get('met_all_variants'))} |")
        lines += ["", "Checks: " + "; ".join(
            f"{c['case']}: same variants as the naive loop on the VCF "
            f"{_yes(c['check'].get('equal_to_naive_loop_on_vcf'))}, mask functions == expression "
            f"{_yes(c['check'].get('mask_functions_equal_expression'))}" for c in d["cases"]), ""]
    d = res.get("stream_memory")
    if d:
        lines += [f"## stream_memory{' (quick)' if d['quick'] else ''}", "",
              f"Run {d['date']}, `{d['command']}`; " + _src_line(d["gmsvar_source"]), "",
              f"Target: {d['target']}. Each run: a fresh process streams the file with "
              "`iter_vcf(chunk_size=k)` and filters every chunk (site+FORMAT expression & "
              "`consequence_at_least`), keeping only the kept rows; `read_vcf_whole` reads the "
              "same columns at once. *peak RSS* = `ru_maxrss` of the process (imports included); "
              "*Δ RSS* = "
              "the work's own peak (VmHWM, reset after the imports via "
              "`/proc/self/clear_refs`) minus the RSS after the imports.", "",
              "| backend | run | wall s | peak RSS MB | Δ RSS MB | chunks | kept rows |",
              "|---|---|---:|---:|---:|---:|---:|"]
        for c in d["cases"]:
            for name, mm in c["methods"].items():
                if "error" in mm:
                    lines.append(f"| {c['backend']} | {name} | failed | | | | |")
                    continue
                lines.append(f"| {c['backend']} | {name} | {mm['best_wall_s']:.1f} | "
                         f"{mm['maxrss_mb']:.0f} | {mm['delta_rss_mb']:.0f} | "
                         f"{mm.get('chunks') or '-'} | {mm['kept_rows']:,} |")
        lines += [""] + [f"- {c['case']}: bounded {_yes(c['targets'].get('met'))}; all runs keep the "
                     f"same variants {_yes(c['check']['all_runs_keep_same_variants'])}"
                     for c in d["cases"]] + [""]
    lines += [END, ""]
    return "\n".join(lines)


def _src_line(src: dict[str, Any]) -> str:
    line = (f"gmsvar git {src.get('git_commit', '?')[:10]}"
            f"{' + uncommitted src' if src.get('dirty') else ''}, package hash "
            f"{src.get('src_sha256')}")
    if src.get("consistent_across_runs") is False:
        line += (" — **WARNING: the gmsvar source changed during the run** (hashes seen: "
                 f"{', '.join(src.get('src_sha256_seen_by_runs', []))}); re-run")
    return line + "."


def _check_line(chk: dict[str, Any]) -> str:
    parts = []
    ref = chk["reference"]
    for m, e in chk["methods"].items():
        if m in (ref, "bcftools"):
            continue
        s = f"{m} vs {ref} (alleles) {_yes(e.get(f'alleles_equal_{ref}'))}"
        if "records_equal_bcftools" in e:
            s += f", vs bcftools (records) {_yes(e['records_equal_bcftools'])}"
        parts.append(s)
    e = chk["methods"].get(ref, {})
    if "records_equal_bcftools" in e:
        s = f"{ref} vs bcftools (records) {_yes(e['records_equal_bcftools'])}"
        if not e.get("alleles_equal_bcftools_norm", True):
            s += (f"; after `norm -m-any` bcftools has {e['bcftools_norm_only']} extra alleles, all "
                  "in multiallelic records kept for another allele: "
                  f"{_yes(e['bcftools_norm_only_in_kept_multiallelic_records'])}")
        parts.append(s)
    b = chk["methods"].get("bcftools", {})
    parts.append(f"kept: {b.get('kept_records', '-')} records / {e.get('kept_alleles', '-')} "
                 "allele rows")
    return "; ".join(parts) + f" — all equal: {_yes(chk['all_equal'])}"


def update_readme(res: dict[str, dict[str, Any]]) -> Path:
    p = RESULTS / "README.md"
    text = p.read_text() if p.exists() else ""
    if BEGIN in text and END in text:
        head, rest = text.split(BEGIN, 1)
        tail = rest.split(END, 1)[1].lstrip("\n")
        text = head.rstrip("\n") + "\n\n" + readme_section(res) + tail
    else:
        text = text.rstrip("\n") + "\n\n" + readme_section(res)
    p.write_text(text)
    return p


def plot(res: dict[str, dict[str, Any]]) -> Path | None:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib not installed: no plot (pip install matplotlib)", file=sys.stderr)
        return None
    groups: list[tuple[str, dict[str, float]]] = []
    factor = {"site_fmt_csq": 0.5, "per_sample_fmt": 1.0, "panel_regions": 1.5}
    target_at: list[float | None] = []
    for scen in ("site_fmt_csq", "per_sample_fmt", "panel_regions", "cached_refilter"):
        d = res.get(scen)
        if not d:
            continue
        for c in d["cases"]:
            vals = {}
            for name, mm in c.get("methods", {}).items():
                if "error" not in mm:
                    key = ("bcftools" if name.startswith("bcftools_view") and
                           name != "bcftools_view_literal_regex" else name)
                    vals[key] = mm["best_wall_s"]
            label = f"{scen}\n" + c["case"].replace(" ", "\n") + ("\n(quick)" if d["quick"] else "")
            groups.append((label, vals))
            target_at.append(vals["bcftools"] * factor[scen]
                             if scen in factor and "bcftools" in vals else None)
    methods: list[str] = []
    for _, v in groups:
        methods += [m for m in v if m not in methods]
    fig, axes = plt.subplots(1, 2, figsize=(17, 6.5), gridspec_kw={"width_ratios": [3.2, 1]})
    ax = axes[0]
    width = 0.8 / max(1, len(methods))
    for i, m in enumerate(methods):
        xs = [g + (i - (len(methods) - 1) / 2) * width for g in range(len(groups))]
        ys = [v.get(m, float("nan")) for _, v in groups]
        bars = ax.bar(xs, ys, width, label=m)
        for b, y in zip(bars, ys, strict=True):
            if y == y:
                ax.text(b.get_x() + b.get_width() / 2, y * 1.05, f"{y:.2g}", ha="center",
                        va="bottom", fontsize=6, rotation=90)
    for g, y in enumerate(target_at):
        if y is not None:
            ax.hlines(y, g - 0.45, g + 0.45, colors="black", linestyles="dashed", linewidth=1,
                      label="target (x bcftools)" if g == next(
                          i for i, v in enumerate(target_at) if v is not None) else None)
    ax.set_yscale("log")
    ax.set_xticks(range(len(groups)), [g for g, _ in groups], fontsize=7)
    ax.set_ylabel("whole-process wall seconds (log)")
    ax.set_title("gmsvar read+filter vs bcftools (pysam) vs naive cyvcf2 loop")
    ax.legend(fontsize=7, ncol=2)
    ax.grid(axis="y", which="both", alpha=0.3)
    ax2 = axes[1]
    d = res.get("stream_memory")
    if d:
        labels, peaks, deltas = [], [], []
        for c in d["cases"]:
            for name, mm in c["methods"].items():
                if "error" in mm:
                    continue
                labels.append(f"{c['backend']}\n{name.replace('iter_vcf_', 'chunk ')}")
                peaks.append(mm["maxrss_mb"])
                deltas.append(mm["delta_rss_mb"])
        ax2.barh(range(len(labels)), peaks, color="lightgray", label="peak RSS")
        ax2.barh(range(len(labels)), deltas, color="tab:blue", label="Δ over imports")
        ax2.set_yticks(range(len(labels)), labels, fontsize=6)
        ax2.invert_yaxis()
        ax2.set_xlabel("MB (ru_maxrss)")
        ax2.set_title(f"stream_memory: {d['cases'][0]['cohort']['name']}" if d["cases"] else "")
        ax2.legend(fontsize=7)
    any_doc = next(iter(res.values()))
    fig.suptitle(f"gmsvar filter benchmark — {any_doc['machine']['cpu_model']}, "
                 f"{any_doc['machine']['cpus_usable']} CPUs, git "
                 f"{any_doc['gmsvar_source'].get('git_commit', '?')[:10]}"
                 f"{' (dirty)' if any_doc['gmsvar_source'].get('dirty') else ''}, "
                 f"{any_doc['date']}", fontsize=9)
    fig.tight_layout()
    out = RESULTS / "filter_benchmark.png"
    fig.savefig(out, dpi=110)
    plt.close(fig)
    return out


def main(argv: list[str] | None = None) -> None:
    import argparse
    import datetime as dt

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="small_10k_3s for every scenario")
    ap.add_argument("--scenarios", default=",".join(SCENARIOS),
                    help=f"comma-separated subset of {','.join(SCENARIOS)}")
    ap.add_argument("--backends", default="cyvcf2,fast",
                    help="gmsvar backends to time (default cyvcf2,fast)")
    ap.add_argument("--repeat", type=int, default=None,
                    help="runs per timed method, best kept (default 1; 3 with --quick)")
    ap.add_argument("--timeout", type=float, default=900, help="seconds per measurement")
    ap.add_argument("--regenerate", action="store_true", help="regenerate the cohorts first")
    ap.add_argument("--report-only", action="store_true",
                    help="rebuild README section and plot from the JSON files")
    ap.add_argument("--worker", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.worker:
        worker(json.loads(args.worker))
        return
    if not args.report_only:
        scens = [s for s in args.scenarios.split(",") if s]
        unknown = set(scens) - set(SCENARIOS)
        if unknown:
            ap.error(f"unknown scenarios {sorted(unknown)}")
        ctx = Ctx(args)
        spawner()  # before the heavy imports: see SPAWNER_CODE
        sys.path.insert(0, str(HERE))
        import bench_read

        common = {"date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
                  "command": ctx.command, "machine": bench_read.machine(),
                  "versions": bench_read.versions(), "gmsvar_source": source_state(),
                  "bcftools_invocation": "pysam.bcftools.view(...) in a fresh `python` process "
                                         "(pysam bundles bcftools as a library, no executable)",
                  "floor": python_floor(ctx)}
        for scen in scens:
            if scen in ("site_fmt_csq", "per_sample_fmt"):
                cases = scenario_filter(scen, ctx)
            elif scen == "panel_regions":
                cases = scenario_panel(ctx)
            elif scen == "cached_refilter":
                cases = scenario_cached(ctx)
            else:
                cases = scenario_stream(ctx)
            common["gmsvar_source_end"] = source_state()
            out = write_json(scen, cases, ctx, common)
            print(f"wrote {out}", file=sys.stderr)
    res = load_results()
    if res:
        print(f"wrote {update_readme(res)}", file=sys.stderr)
        png = plot(res)
        if png:
            print(f"wrote {png}", file=sys.stderr)


if __name__ == "__main__":
    main()
