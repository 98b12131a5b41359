"""Run a cohort: a local process pool by default, or a Dask cluster; resumable, fault-isolated.

:func:`run_cohort` resolves the inputs (``manifest``), skips samples whose outputs are already
complete for the same inputs and settings (``store``), splits the rest into tasks (one per
single-sample VCF; groups of samples, and region chunks when large, for multi-sample VCFs),
runs every task in a worker process (``worker.execute_task``), and aggregates the per-sample
results into cohort tables and an HTML summary (``aggregate``).

Fault isolation: a task that raises (any exception, e.g. a truncated file or a wrong genome
build) becomes an error record per sample; a task that kills its worker process (a segfault in
a C library) breaks a ``concurrent.futures`` pool, so the runner notes which tasks were running
(marker files), re-runs those one at a time in fresh processes to find the one that crashes,
records it as ``WorkerCrashed`` and carries on with a new pool; results already received are
never lost. On Dask a crashing task is retried by Dask and reported as ``KilledWorker``.

Scheduling never changes results: the same tasks, computed by the same function, whether on the
pool or on Dask; outputs are ordered by the cohort's sample order, not by completion.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import logging
import math
import os
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import pandas as pd

from .. import __version__
from ..errors import InputError
from ..panels import Panel, load_panel
from ..regions import Interval
from . import aggregate
from ._panelio import panel_sha256, save_panel
from .manifest import CohortSample, Inputs, resolve_inputs
from .scheduler import WorkerStartError, dask_workers, execute
from .store import (
    SAMPLES_DIR,
    check_complete,
    file_sha256,
    json_safe,
    read_sample,
    safe_sample_name,
    write_error,
    write_sample,
)
from .worker import (
    REPORT_FORMATS,
    RunSettings,
    SampleRef,
    SampleResult,
    Task,
    TaskResult,
    default_interpreter,
    merge_chunks,
    settings_fingerprint,
)

__all__ = ["CohortResult", "Progress", "WorkerStartError", "default_workers", "resolve_panel",
           "run_cohort"]

log = logging.getLogger("gmsvar.cohort")

#: At most this many samples of a multi-sample VCF per task (bounds worker memory).
MAX_SAMPLES_PER_TASK = 50
#: A multi-sample VCF at least this large may be split into region chunks (``"auto"``).
REGION_CHUNK_MIN_BYTES = 1 << 30
#: Padding (bp) around each panel region when building region chunks: the interpreter
#: intersects them with its own (possibly padded) panel regions, so they must cover those.
CHUNK_PADDING = 5000

ProgressCallback = Callable[["Progress"], None]


def default_workers() -> int:
    """CPUs this process may use (``os.process_cpu_count`` on 3.13+, else the affinity mask)."""
    count = getattr(os, "process_cpu_count", None)
    if count is not None:
        return max(1, int(count() or 1))
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


@dataclass(frozen=True)
class Progress:
    """Progress of a run, passed to the ``progress`` callback after each sample."""

    done: int
    total: int
    errors: int
    resumed: int
    elapsed: float
    sample: str | None = None
    ok: bool = True

    @property
    def eta(self) -> float | None:
        """Seconds left at the current rate (``None`` before the first computed sample)."""
        computed = self.done - self.resumed
        if computed <= 0:
            return None
        return self.elapsed / computed * (self.total - self.done)


class _Bar:
    """A one-line progress bar on a terminal (carriage return updates)."""

    def __init__(self, stream: Any) -> None:
        self.stream = stream

    def __call__(self, p: Progress) -> None:
        width = 30
        filled = int(width * p.done / max(p.total, 1))
        eta = "" if p.eta is None else f" ETA {_hms(p.eta)}"
        rate = (p.done - p.resumed) / p.elapsed * 3600 if p.elapsed > 0 else 0.0
        err = f" {p.errors} failed" if p.errors else ""
        self.stream.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {p.done}/{p.total} samples"
                          f"{err} {rate:.0f}/h {_hms(p.elapsed)}{eta}   ")
        if p.done >= p.total:
            self.stream.write("\n")
        self.stream.flush()


def _hms(seconds: float) -> str:
    s = int(seconds)
    return f"{s // 3600}:{s // 60 % 60:02d}:{s % 60:02d}" if s >= 3600 else f"{s // 60}:{s % 60:02d}"


@dataclass
class CohortResult:
    """Results of :func:`run_cohort` (also readable later with :meth:`load`).

    Attributes
    ----------
    findings
        Actionable findings across samples (contract B) with a ``sample`` column and the
        within-cohort columns ``cohort_carriers``, ``cohort_carrier_fraction`` and
        ``cohort_artefact_suspect``.
    variants
        Interpreted alleles carried by each sample (contract C), with the same cohort columns.
    qc
        One row per interpreted sample.
    samples
        One row per cohort sample: ``sample``, ``path``, ``vcf_sample``, ``sex``,
        ``tumour_type``, ``status`` (``ok``/``error``), ``resumed``, ``n_variants``,
        ``n_findings``, ``seconds``, ``output_dir``.
    errors
        ``sample``, ``path``, ``error_type``, ``message``: one row per failed sample.
    allele_counts
        Within-cohort allele counts and frequencies with the artefact flags.
    tasks
        One row per task: samples, seconds, worker pid/host, peak RSS of the worker.
    out_dir
        The cohort output directory.
    provenance
        The run description written to ``cohort.json``.
    """

    findings: pd.DataFrame
    variants: pd.DataFrame
    qc: pd.DataFrame
    samples: pd.DataFrame
    errors: pd.DataFrame
    allele_counts: pd.DataFrame
    tasks: pd.DataFrame
    out_dir: Path
    provenance: dict[str, Any] = field(default_factory=dict)

    def summary(self) -> str:
        """A few lines for a terminal."""
        n = len(self.samples)
        resumed = int(self.samples["resumed"].sum()) if "resumed" in self.samples else 0
        sus = int(self.allele_counts["artefact_suspect"].sum()) if len(self.allele_counts) else 0
        lines = [
            f"gmsvar cohort {self.provenance.get('test')}: {n} samples, {n - len(self.errors)} "
            f"interpreted ({resumed} reused), {len(self.errors)} failed",
            f"  {len(self.findings)} findings, {len(self.variants)} carried alleles, "
            f"{len(self.allele_counts)} distinct alleles ({sus} artefact suspects)",
            f"  outputs in {self.out_dir} (summary.html, findings.tsv, qc.tsv, errors.tsv)",
        ]
        for rec in self.errors.head(5).itertuples(index=False):
            lines.append(f"  failed: {rec.sample}: {rec.error_type}: {str(rec.message)[:120]}")
        return "\n".join(lines)

    @classmethod
    def load(cls, out_dir: str | os.PathLike[str]) -> CohortResult:
        """Read a finished cohort directory back."""
        import json

        d = Path(out_dir)
        run = json.loads((d / "cohort.json").read_text())

        def tsv(name: str) -> pd.DataFrame:
            return pd.read_csv(d / f"{name}.tsv", sep="\t", dtype={"sample": str})

        return cls(
            findings=pd.read_parquet(d / "findings.parquet"),
            variants=pd.read_parquet(d / "variants.parquet"),
            qc=tsv("qc"), samples=tsv("samples"),
            errors=tsv("errors"), allele_counts=tsv("allele_counts"), tasks=tsv("tasks"),
            out_dir=d, provenance=run,
        )


# -- settings -----------------------------------------------------------------------------------
def resolve_panel(test: str, panel: Panel | str | None) -> Panel:
    """The panel a run uses: ``panel`` (a Panel, ``"id:version"``, a code or a file), else the
    test's panel."""
    if panel is None:
        return load_panel(test)
    if isinstance(panel, Panel):
        return panel
    text = str(panel)
    if ":" in text and not text.endswith(".json") and os.sep not in text:
        pid, version = text.split(":", 1)
        return load_panel(pid.strip(), version=version.strip())
    return load_panel(text)


def _knowledge_identity(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, (str, os.PathLike)) and os.path.isfile(value):
        p = os.path.abspath(os.fspath(value))
        return {"path": p, "sha256": file_sha256(p)}
    if isinstance(value, pd.DataFrame):
        h = pd.util.hash_pandas_object(value.astype(str), index=False).sum()
        return {"dataframe": list(map(str, value.columns)), "rows": len(value), "hash": int(h)}
    return {"object": f"{type(value).__module__}.{type(value).__qualname__}",
            "repr": repr(value)[:200]}


def _fn_name(fn: Callable[..., Any]) -> str:
    return f"{getattr(fn, '__module__', '?')}.{getattr(fn, '__qualname__', repr(fn))}"


# -- tasks --------------------------------------------------------------------------------------
def _chunk_regions(panel: Panel, build: str, k: int) -> list[tuple[str, ...]]:
    """Split the panel's regions into ``k`` contiguous groups of similar total length."""
    regions: list[Interval] = panel.regions(build=build, padding=CHUNK_PADDING)
    if k <= 1 or len(regions) <= 1:
        return [tuple(f"{r.contig}:{r.start}-{r.end}" for r in regions)]
    k = min(k, len(regions))
    lengths = [r.end - r.start + 1 for r in regions]
    target = sum(lengths) / k
    groups: list[list[Interval]] = [[]]
    acc = 0
    for i, (r, n) in enumerate(zip(regions, lengths, strict=True)):
        groups_left = k - len(groups)
        if groups[-1] and groups_left > 0 and (acc >= target or len(regions) - i <= groups_left):
            groups.append([])
            acc = 0
        groups[-1].append(r)
        acc += n
    return [tuple(f"{r.contig}:{r.start}-{r.end}" for r in g) for g in groups if g]


def _plan_tasks(pending: list[tuple[CohortSample, str]], *, panel: Panel, build: str,
                n_workers: int, samples_per_task: int | Literal["auto"],
                region_chunks: int | Literal["auto"], default_tumour: str | None) -> list[Task]:
    by_file: dict[str, list[tuple[CohortSample, str]]] = defaultdict(list)
    for s, fp in pending:
        by_file[s.path].append((s, fp))
    tasks: list[Task] = []
    group_id = 0

    def ref(s: CohortSample, fp: str) -> SampleRef:
        return SampleRef(s.sample, s.vcf_sample, s.sex, s.tumour_type or default_tumour, fp)

    for path, items in by_file.items():
        multi = [it for it in items if it[0].vcf_sample is not None and it[0].n_file_samples > 1]
        for s, fp in (it for it in items if it not in multi):
            tasks.append(Task(0, path, (ref(s, fp),), s.tumour_type or default_tumour,
                              group=group_id))
            group_id += 1
        if not multi:
            continue
        by_tumour: dict[str | None, list[SampleRef]] = defaultdict(list)
        for s, fp in multi:
            r = ref(s, fp)
            by_tumour[r.tumour_type].append(r)
        for tumour, refs in by_tumour.items():
            if samples_per_task == "auto":
                size = min(MAX_SAMPLES_PER_TASK, max(1, math.ceil(len(refs) / (2 * n_workers))))
            else:
                size = max(1, int(samples_per_task))
            groups = [tuple(refs[i:i + size]) for i in range(0, len(refs), size)]
            if region_chunks == "auto":
                big = os.path.getsize(path) >= REGION_CHUNK_MIN_BYTES
                k = max(1, n_workers // len(groups)) if big and len(groups) < n_workers else 1
            else:
                k = max(1, int(region_chunks))
            chunks = _chunk_regions(panel, build, k) if k > 1 else [()]
            for g in groups:
                for ci, regs in enumerate(chunks):
                    tasks.append(Task(0, path, g, tumour, regions=regs or None, chunk=ci,
                                      n_chunks=len(chunks), group=group_id))
                group_id += 1
    # Biggest work first (multi-sample groups before single files) for a shorter makespan.
    def cost(t: Task) -> float:
        try:
            size = os.path.getsize(t.path)
        except OSError:
            size = 0
        return -(size * max(len(t.samples), 1) / max(t.n_chunks, 1))

    tasks.sort(key=cost)
    return [dataclasses.replace(t, task_id=i) for i, t in enumerate(tasks)]


# -- the run --------------------------------------------------------------------------------------
def _input_checker() -> Callable[[Mapping[str, Any]], bool]:
    cache: dict[str, str] = {}

    def check(recorded: Mapping[str, Any]) -> bool:
        path = recorded.get("path")
        if not path:
            return False
        try:
            st = os.stat(path)
        except OSError:
            return False
        if st.st_size != recorded.get("size_bytes"):
            return False
        if st.st_mtime_ns == recorded.get("mtime_ns"):
            return True
        if path not in cache:
            cache[path] = file_sha256(path)
        return cache[path] == recorded.get("sha256")

    return check


def _now() -> str:
    return _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds")


def run_cohort(
    inputs: Inputs,
    *,
    test: str = "R210",
    out_dir: str | os.PathLike[str],
    mode: str = "germline",
    workers: int | None = None,
    client: Any = None,
    resume: bool = True,
    build: str | None = "GRCh38",
    panel: Panel | str | None = None,
    tumour_type: str | None = None,
    clinvar: Any = None,
    evidence: Any = None,
    reports: Sequence[str] = (),
    samples_per_task: int | Literal["auto"] = "auto",
    region_chunks: int | Literal["auto"] = "auto",
    frequent_fraction: float = aggregate.DEFAULT_FREQUENT_FRACTION,
    min_carriers: int = aggregate.DEFAULT_MIN_CARRIERS,
    common_popfreq: float = aggregate.DEFAULT_COMMON_POPFREQ,
    progress: ProgressCallback | bool | None = None,
    interpreter: Callable[..., Any] | None = None,
) -> CohortResult:
    """Interpret many samples in parallel; resumable, one bad file never stops the batch.

    Parameters
    ----------
    inputs
        Single-sample VCFs (a list of paths), one or more multi-sample VCFs, or a manifest
        TSV / DataFrame with columns ``sample``, ``vcf`` and optionally ``sex``,
        ``tumour_type``, ``vcf_sample`` (see :mod:`gmsvar.cohort.manifest`).
    test
        Test-directory code (``"R210"``); its panel is resolved once for the whole run.
    out_dir
        Output directory (created). Per-sample outputs go to ``out_dir/samples/<sample>/``;
        cohort tables, ``summary.html`` and ``cohort.json`` to ``out_dir``.
    mode
        ``"germline"`` or ``"somatic"`` (passed to :func:`gmsvar.interpret`).
    workers
        Worker processes of the local pool; default the CPUs available to this process,
        capped by the number of tasks. ``0`` runs the tasks in this process (no isolation;
        for debugging).
    client
        A ``dask.distributed.Client``: run the same tasks on its cluster instead (input VCFs
        and ``out_dir`` must be on a file system the workers see).
    resume
        Skip samples whose outputs are complete (``provenance.json`` present, every output
        file matching its recorded checksum) and were made from the same input file and
        settings; partial or stale samples are redone. ``False`` recomputes everything.
    build
        Genome build every input must be (default ``"GRCh38"``; a file on another build fails
        with ``BuildMismatchError``). ``None`` accepts each file's own build.
    panel
        Override the test's panel: a :class:`~gmsvar.panels.Panel`, ``"id:version"``, a code
        or a panel JSON file.
    tumour_type
        Default tumour type for samples without one in the manifest (somatic mode).
    clinvar, evidence
        Passed to the interpreter (paths are fingerprinted by content for ``resume``).
    reports
        Per-sample report files to write as well: any of ``"html"``, ``"json"``, ``"tsv"``,
        ``"vcf"``, ``"fhir"`` (the :class:`~gmsvar.report.Interpretation` writers).
    samples_per_task
        Samples of a multi-sample VCF per task; ``"auto"``: enough tasks for two per worker,
        at most 50 samples each.
    region_chunks
        Split each sample group of a multi-sample VCF into this many region chunks (whole
        panel regions, never splitting a gene); ``"auto"``: only for files of 1 GiB or more
        when sample groups alone would leave workers idle. Variants and findings are exact;
        QC counts are summed and averages weighted (see ``worker.merge_qc``).
    frequent_fraction, min_carriers, common_popfreq
        Within-cohort artefact flag: carried by at least this fraction of the interpreted
        samples and at least ``min_carriers`` of them while rarer than ``common_popfreq`` in
        the population. Recorded in ``cohort.json``.
    progress
        A callable receiving :class:`Progress` after each sample; ``True`` a progress bar on
        stderr; ``None`` (default) a bar only when stderr is a terminal; ``False`` nothing.
    interpreter
        A function with :func:`gmsvar.interpret`'s signature to call instead (a picklable
        top-level function), e.g. a wrapper adding site-specific steps.

    Returns
    -------
    CohortResult

    Raises
    ------
    ManifestError
        The inputs cannot be used (missing files, duplicate sample ids, bad manifest).
    PanelError, UnknownTestError
        The test or panel cannot be resolved.

    Examples
    --------
    >>> import gmsvar, tempfile
    >>> res = gmsvar.run_cohort([gmsvar.example_path("trio_grch37.vcf.gz")], test="R210",
    ...                         build="GRCh37", out_dir=tempfile.mkdtemp(), workers=0,
    ...                         progress=False)
    >>> list(res.samples["sample"]), len(res.errors)
    (['ADM1059A1', 'ADM1059A2', 'ADM1059A3'], 0)
    """
    t_start = time.perf_counter()
    started = _now()
    bad = [r for r in reports if r not in REPORT_FORMATS]
    if bad:
        raise InputError(f"unknown report format(s) {bad}; choose from {sorted(REPORT_FORMATS)}")
    if workers is not None and workers < 0:
        raise InputError(f"workers must be >= 0, got {workers}")
    cohort = resolve_inputs(inputs)
    the_panel = resolve_panel(test, panel)
    out = Path(out_dir)
    (out / SAMPLES_DIR).mkdir(parents=True, exist_ok=True)
    panel_file = save_panel(the_panel, out / "panels")
    interp = interpreter or default_interpreter
    settings_doc = {
        "test": test, "mode": mode, "build": build,
        "panel": {"id": the_panel.id, "name": the_panel.name, "version": the_panel.version,
                  "sha256": panel_sha256(the_panel), "file": str(panel_file.relative_to(out))},
        "clinvar": _knowledge_identity(clinvar), "evidence": _knowledge_identity(evidence),
        "gmsvar_version": __version__, "interpreter": _fn_name(interp),
        "reports": sorted(reports),
    }
    settings = RunSettings(test=test, mode=mode, build=build, panel=the_panel, clinvar=clinvar,
                           evidence=evidence, interpreter=interp, out_dir=str(out),
                           reports=tuple(reports), settings=json_safe(settings_doc))

    def fingerprint(s: CohortSample) -> str:
        return settings_fingerprint({**settings_doc, "sample": s.sample,
                                     "vcf_sample": s.vcf_sample, "sex": s.sex,
                                     "tumour_type": s.tumour_type or tumour_type})

    # -- resume ---------------------------------------------------------------------------------
    check_input = _input_checker()
    resumed: dict[str, SampleResult] = {}
    pending: list[tuple[CohortSample, str]] = []
    for s in cohort:
        fp = fingerprint(s)
        if resume:
            ok, why = check_complete(out, s.sample, fingerprint=fp, input_check=check_input)
            if ok:
                try:
                    so = read_sample(out, s.sample)
                except (OSError, ValueError) as err:
                    ok, why = False, f"unreadable outputs ({err})"
                else:
                    resumed[s.sample] = SampleResult(s.sample, s.path, True, so.variants,
                                                     so.findings, so.qc, so.provenance,
                                                     written=True, resumed=True)
                    continue
            log.debug("%s: redo (%s)", s.sample, why)
        pending.append((s, fp))

    n_workers = default_workers() if workers is None else workers
    if client is not None:
        n_workers = dask_workers(client)
    tasks = _plan_tasks(pending, panel=the_panel, build=build or "GRCh38",
                        n_workers=max(n_workers, 1), samples_per_task=samples_per_task,
                        region_chunks=region_chunks, default_tumour=tumour_type)
    run_doc: dict[str, Any] = {
        "format": "gmsvar-cohort/1", "status": "running", "started": started,
        "gmsvar_version": __version__, "test": test, "mode": mode, "build": build,
        "panel": settings_doc["panel"], "settings": settings.settings,
        "n_samples": len(cohort), "n_resumed": len(resumed), "n_tasks": len(tasks),
        "thresholds": {"frequent_fraction": frequent_fraction, "min_carriers": min_carriers,
                       "common_popfreq": common_popfreq},
        "inputs": [dataclasses.asdict(s) for s in cohort],
    }
    from .store import write_json

    write_json(out / "cohort.json", run_doc)

    # -- progress ---------------------------------------------------------------------------------
    callback: ProgressCallback | None
    if callable(progress):
        callback = progress
    elif progress is True or (progress is None and sys.stderr.isatty()):
        callback = _Bar(sys.stderr)
    else:
        callback = None
    total = len(cohort)
    state = {"done": len(resumed), "errors": 0}
    results: dict[str, SampleResult] = dict(resumed)
    task_rows: list[dict[str, Any]] = []
    chunk_parts: dict[int, dict[str, list[SampleResult]]] = defaultdict(lambda: defaultdict(list))
    chunk_count: dict[int, int] = defaultdict(int)
    task_by_id = {t.task_id: t for t in tasks}
    seconds: dict[str, float] = {}

    def finish(sr: SampleResult) -> None:
        results[sr.sample] = sr
        state["done"] += 1
        if not sr.ok:
            state["errors"] += 1
            err = sr.error or {}
            log.info("%s failed: %s: %s", sr.sample, err.get("error_type"), err.get("message"))
        if callback is not None:
            callback(Progress(state["done"], total, state["errors"], len(resumed),
                              time.perf_counter() - t_start, sr.sample, sr.ok))

    def on_result(res: TaskResult) -> None:
        t = task_by_id[res.task_id]
        task_rows.append({"task_id": t.task_id, "path": t.path, "n_samples": len(t.samples),
                          "samples": ";".join(s.sample for s in t.samples[:20]),
                          "chunk": t.chunk, "n_chunks": t.n_chunks, "seconds": res.seconds,
                          "pid": res.pid, "host": res.host, "peak_rss_bytes": res.peak_rss_bytes,
                          "ok": all(s.ok for s in res.samples)})
        for sr in res.samples:
            seconds[sr.sample] = seconds.get(sr.sample, 0.0) + res.seconds / max(len(t.samples), 1)
        if t.n_chunks == 1:
            for sr in res.samples:
                finish(sr)
            return
        for sr in res.samples:
            chunk_parts[t.group][sr.sample].append(sr)
        chunk_count[t.group] += 1
        if chunk_count[t.group] < t.n_chunks:
            return
        for sample, parts in chunk_parts.pop(t.group).items():
            merged = merge_chunks(parts)
            if merged.ok:
                assert merged.variants is not None and merged.findings is not None
                assert merged.qc is not None
                write_sample(out, sample, tables={"variants": merged.variants,
                                                  "findings": merged.findings, "qc": merged.qc},
                             provenance=merged.provenance or {})
                merged.written = True
            elif merged.error is not None:
                write_error(out, sample, merged.error)
            finish(merged)

    if callback is not None and resumed:
        callback(Progress(state["done"], total, 0, len(resumed), 0.0, None, True))
    scheduler = execute(tasks, settings, n_workers=n_workers, client=client, on_result=on_result)
    wall = time.perf_counter() - t_start

    # -- aggregate --------------------------------------------------------------------------------
    return _aggregate(out, cohort, results, task_rows, seconds, run_doc, scheduler=scheduler,
                      wall=wall, thresholds=run_doc["thresholds"])


def _aggregate(out: Path, cohort: list[CohortSample], results: dict[str, SampleResult],
               task_rows: list[dict[str, Any]], seconds: dict[str, float],
               run_doc: dict[str, Any], *, scheduler: str, wall: float,
               thresholds: dict[str, Any]) -> CohortResult:
    ok = [results[s.sample] for s in cohort if s.sample in results and results[s.sample].ok]
    errs = [results[s.sample].error or {} for s in cohort
            if s.sample in results and not results[s.sample].ok]
    variants = aggregate.concat_tables([r.variants for r in ok if r.variants is not None])
    findings = aggregate.concat_tables([r.findings for r in ok if r.findings is not None])
    qc = aggregate.concat_tables([r.qc for r in ok if r.qc is not None])
    counts = aggregate.allele_counts(variants, n_samples=len(ok), **thresholds)
    variants = aggregate.annotate_with_counts(variants, counts)
    findings = aggregate.annotate_with_counts(findings, counts)
    n_var = variants["sample"].value_counts() if len(variants) else pd.Series(dtype=int)
    n_find = findings["sample"].value_counts() if len(findings) else pd.Series(dtype=int)
    rows = []
    for s in cohort:
        r = results.get(s.sample)
        status = "ok" if r is not None and r.ok else ("error" if r is not None else "not run")
        rows.append({
            "sample": s.sample, "status": status, "resumed": bool(r is not None and r.resumed),
            "path": s.path, "vcf_sample": s.vcf_sample, "sex": s.sex,
            "tumour_type": s.tumour_type,
            "n_variants": int(n_var.get(s.sample, 0)), "n_findings": int(n_find.get(s.sample, 0)),
            "seconds": round(seconds.get(s.sample, 0.0), 3),
            "output_dir": os.path.join(SAMPLES_DIR, safe_sample_name(s.sample)),
        })
    samples = pd.DataFrame(rows)
    errors = pd.DataFrame([{k: e.get(k) for k in ("sample", "path", "error_type", "message")}
                           for e in errs], columns=["sample", "path", "error_type", "message"])
    tasks = pd.DataFrame(task_rows, columns=["task_id", "path", "n_samples", "samples", "chunk",
                                             "n_chunks", "seconds", "pid", "host",
                                             "peak_rss_bytes", "ok"])
    tasks = tasks.sort_values("task_id", kind="stable").reset_index(drop=True)
    run = {**run_doc, "status": "complete", "finished": _now(), "scheduler": scheduler,
           "wall_seconds": round(wall, 3), "n_ok": len(ok), "n_errors": len(errs),
           "samples": [{"sample": r["sample"], "status": r["status"], "resumed": r["resumed"]}
                       for r in rows]}
    run.pop("inputs", None)
    run["inputs"] = run_doc.get("inputs", [])
    tables = {"findings": findings, "variants": variants, "qc": qc, "samples": samples,
              "errors": errors, "allele_counts": counts, "tasks": tasks}
    html_text = aggregate.cohort_html(tables, run)
    aggregate.write_cohort_tables(out, tables, run, html_text)
    return CohortResult(findings=findings, variants=variants, qc=qc, samples=samples,
                        errors=errors, allele_counts=counts, tasks=tasks, out_dir=out,
                        provenance=run)

