"""What runs inside a worker process: one task = one interpretation call.

A :class:`Task` is one VCF (or a group of samples of a multi-sample VCF, or one region chunk
of such a group). :func:`execute_task` calls the interpreter (``gmsvar.interpret`` by default),
splits its result by sample and, when the task covers whole samples, writes each sample's
outputs (``store.write_sample``) before returning. It never raises: a failure of any kind
becomes an error record per sample, so one bad file cannot stop a batch. A crash of the
process itself (a segfault in a C library) is caught by the scheduler in ``runner``.

Everything here is a plain top-level function or a dataclass, so it pickles by reference for
``concurrent.futures`` and Dask alike.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as _dt
import hashlib
import json
import os
import resource
import socket
import sys
import time
import traceback
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .store import file_sha256, json_safe, write_error, write_sample

__all__ = [
    "RunSettings",
    "SampleRef",
    "SampleResult",
    "Task",
    "TaskResult",
    "default_interpreter",
    "error_results",
    "execute_task",
    "peak_rss_bytes",
]

#: Report formats a run can write per sample: name -> (file name, Interpretation method).
REPORT_FORMATS: dict[str, tuple[str, str]] = {
    "html": ("report.html", "to_html"),
    "json": ("interpretation.json", "to_json"),
    "tsv": ("interpretation.tsv", "to_tsv"),
    "vcf": ("annotated.vcf.gz", "to_vcf"),
    "fhir": ("fhir.json", "to_fhir"),
}


def default_interpreter(vcf: str, **kwargs: Any) -> Any:
    """``gmsvar.pipeline.interpret`` (imported lazily, so importing gmsvar.cohort stays light)."""
    from ..pipeline import interpret  # type: ignore[import-not-found, unused-ignore]

    return interpret(vcf, **kwargs)


@dataclass(frozen=True)
class RunSettings:
    """Settings shared by every task of a run (sent once per worker)."""

    test: str
    mode: str
    build: str | None
    panel: Any
    clinvar: Any
    evidence: Any
    interpreter: Callable[..., Any]
    out_dir: str
    reports: tuple[str, ...] = ()
    #: JSON-able description of the settings (recorded in every sample's provenance)
    settings: Mapping[str, Any] = field(default_factory=dict)
    #: where pool workers leave a marker while a task runs (crash attribution); None for Dask
    marker_dir: str | None = None


@dataclass(frozen=True)
class SampleRef:
    """A sample inside a task."""

    sample: str
    vcf_sample: str | None
    sex: str | None
    tumour_type: str | None
    fingerprint: str


@dataclass(frozen=True)
class Task:
    """One unit of work: a VCF, the samples to interpret in it, optionally a region chunk."""

    task_id: int
    path: str
    samples: tuple[SampleRef, ...]
    tumour_type: str | None = None
    regions: tuple[str, ...] | None = None
    chunk: int = 0
    n_chunks: int = 1
    group: int = 0
    #: write the sample outputs in the worker (whole-sample tasks of run_cohort); False: the
    #: parent combines the result with others first (region chunks, reanalysis)
    write: bool = True

    @property
    def writes(self) -> bool:
        return self.write and self.n_chunks == 1

    @property
    def label(self) -> str:
        names = ", ".join(s.sample for s in self.samples[:3])
        more = f" +{len(self.samples) - 3}" if len(self.samples) > 3 else ""
        part = f" [chunk {self.chunk + 1}/{self.n_chunks}]" if self.n_chunks > 1 else ""
        return f"{names}{more}{part}"


@dataclass
class SampleResult:
    """One sample's result from one task (or merged from its region chunks)."""

    sample: str
    path: str
    ok: bool
    variants: pd.DataFrame | None = None
    findings: pd.DataFrame | None = None
    qc: pd.DataFrame | None = None
    provenance: dict[str, Any] | None = None
    histograms: dict[str, Any] | None = None
    error: dict[str, Any] | None = None
    written: bool = False
    resumed: bool = False


@dataclass
class TaskResult:
    """What a worker returns for a task (small: R210 results are a few hundred rows)."""

    task_id: int
    samples: list[SampleResult]
    seconds: float
    pid: int
    host: str
    peak_rss_bytes: int
    started: float = 0.0


def peak_rss_bytes() -> int:
    """Peak resident set size of this process so far, in bytes.

    Linux: ``VmHWM`` from ``/proc/self/status``, the high-water mark of this process's own
    memory map. ``getrusage().ru_maxrss`` is the fallback only: on Linux it survives
    ``execve``, so a worker spawned by a large parent (Dask's nanny) would report the
    parent's size.
    """
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return int(rss if sys.platform == "darwin" else rss * 1024)


def error_record(sample: str, path: str, error_type: str, message: str,
                 tb: str | None = None) -> dict[str, Any]:
    """The error record of one sample: sample, path, error_type, message (+ traceback)."""
    return {"sample": sample, "path": path, "error_type": error_type, "message": message,
            "traceback": tb}


def error_results(task: Task, error_type: str, message: str, tb: str | None = None,
                  *, out_dir: str | None = None) -> list[SampleResult]:
    """The same error for every sample of ``task`` (written as ``error.json`` if out_dir)."""
    out = []
    for s in task.samples:
        rec = error_record(s.sample, task.path, error_type, message, tb)
        if out_dir is not None and task.writes:
            with contextlib.suppress(OSError):  # the record still reaches the parent
                write_error(out_dir, s.sample, rec)
        out.append(SampleResult(s.sample, task.path, False, error=rec))
    return out


def _input_identity(path: str, prov_input: Mapping[str, Any] | None) -> dict[str, Any]:
    st = os.stat(path)
    sha = (prov_input or {}).get("sha256")
    size = (prov_input or {}).get("size_bytes")
    if not sha or size != st.st_size:
        sha = file_sha256(path)
    return {"path": os.path.abspath(path), "sha256": sha, "size_bytes": st.st_size,
            "mtime_ns": st.st_mtime_ns}


def _sample_arg(task: Task) -> str | list[str] | None:
    names = [s.vcf_sample for s in task.samples]
    if any(n is None for n in names):
        return None
    if len(names) == 1:
        return names[0]
    return [str(n) for n in names]


def _frame(obj: Any, name: str) -> pd.DataFrame:
    df = getattr(obj, name, None)
    if not isinstance(df, pd.DataFrame):
        raise TypeError(f"interpreter result has no DataFrame .{name}")
    return df


def _rows_for(df: pd.DataFrame, vcf_sample: str, sample: str) -> pd.DataFrame:
    if "sample" not in df.columns:
        raise KeyError(f"result table lacks a 'sample' column (columns: {list(df.columns)[:8]})")
    out: pd.DataFrame = df.loc[df["sample"].astype(str).to_numpy() == vcf_sample].copy()
    out.attrs = {}
    if sample != vcf_sample:
        out["sample"] = sample
    return out.reset_index(drop=True)


def _sub_interpretation(interp: Any, vcf_sample: str) -> Any:
    """The interpretation restricted to one sample (for per-sample report writers)."""
    if not dataclasses.is_dataclass(interp) or isinstance(interp, type):
        return interp
    changes: dict[str, Any] = {}
    for name in ("variants", "findings", "qc"):
        df = getattr(interp, name, None)
        if isinstance(df, pd.DataFrame) and "sample" in df.columns:
            sub = df.loc[df["sample"].astype(str).to_numpy() == vcf_sample].reset_index(drop=True)
            sub.attrs = dict(df.attrs)
            changes[name] = sub
    hist = getattr(interp, "histograms", None)
    if isinstance(hist, dict):
        changes["histograms"] = {k: v for k, v in hist.items() if k == vcf_sample}
    prov = getattr(interp, "provenance", None)
    if isinstance(prov, dict):
        changes["provenance"] = {**prov, "samples": [vcf_sample]}
    names = {f.name for f in dataclasses.fields(interp)}
    return dataclasses.replace(interp, **{k: v for k, v in changes.items() if k in names})


def _report_writers(interp: Any, vcf_sample: str, formats: tuple[str, ...]
                    ) -> dict[str, Callable[[Path], None]]:
    if not formats:
        return {}
    sub = _sub_interpretation(interp, vcf_sample)
    writers: dict[str, Callable[[Path], None]] = {}
    for fmt in formats:
        file, method = REPORT_FORMATS[fmt]
        fn = getattr(sub, method, None)
        if fn is None:
            raise TypeError(f"the interpretation result has no .{method}() for report {fmt!r}")
        writers[file] = _call_writer(fn)
    return writers


def _call_writer(fn: Callable[..., Any]) -> Callable[[Path], None]:
    def write(path: Path) -> None:
        fn(str(path))

    return write


def _now() -> str:
    return _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds")


def execute_task(settings: RunSettings, task: Task) -> TaskResult:
    """Run one task; never raises (failures become error records).

    Parameters
    ----------
    settings
        Run settings.
    task
        The work item.

    Returns
    -------
    TaskResult
        Per-sample results (tables when ok; an error record otherwise), wall seconds, the
        worker's pid, host and peak RSS.
    """
    t0 = time.perf_counter()
    started = time.time()
    marker = None
    if settings.marker_dir:
        marker = Path(settings.marker_dir) / f"{task.task_id}"
        try:
            marker.write_text(str(os.getpid()))
        except OSError:
            marker = None
    try:
        samples = _run(settings, task)
    except Exception as err:  # anything: the batch must go on; the record keeps the traceback
        samples = error_results(task, type(err).__name__, str(err) or repr(err),
                                traceback.format_exc(), out_dir=settings.out_dir)
    finally:
        if marker is not None:
            marker.unlink(missing_ok=True)
    return TaskResult(task.task_id, samples, time.perf_counter() - t0, os.getpid(),
                      socket.gethostname(), peak_rss_bytes(), started)


def _run(settings: RunSettings, task: Task) -> list[SampleResult]:
    try:
        interp = settings.interpreter(
            task.path, test=settings.test, sample=_sample_arg(task), mode=settings.mode,
            tumour_type=task.tumour_type, clinvar=settings.clinvar, evidence=settings.evidence,
            build=settings.build, regions=list(task.regions) if task.regions else None,
            panel=settings.panel,
        )
        variants, findings, qc = (_frame(interp, n) for n in ("variants", "findings", "qc"))
    except Exception as err:
        return error_results(task, type(err).__name__, str(err) or repr(err),
                             traceback.format_exc(), out_dir=settings.out_dir)
    prov = getattr(interp, "provenance", None) or {}
    identity = _input_identity(task.path, prov.get("input") if isinstance(prov, dict) else None)
    hist = getattr(interp, "histograms", None)
    refs = list(task.samples)
    if len(refs) == 1 and refs[0].vcf_sample is None:
        found = list(dict.fromkeys(qc["sample"].astype(str))) if "sample" in qc.columns else []
        if len(found) != 1:
            return error_results(
                task, "InputError",
                f"{task.path}: the header could not be read before the run, and the reader found "
                f"{len(found)} samples; list the file in a manifest with a vcf_sample column",
                out_dir=settings.out_dir)
        refs = [dataclasses.replace(refs[0], vcf_sample=found[0])]
    out: list[SampleResult] = []
    for ref in refs:
        vname = str(ref.vcf_sample)
        try:
            out.append(_sample_result(settings, task, interp, ref, vname, variants, findings, qc,
                                      prov, identity, hist))
        except Exception as err:
            rec = error_record(ref.sample, task.path, type(err).__name__, str(err) or repr(err),
                               traceback.format_exc())
            if task.writes:
                write_error(settings.out_dir, ref.sample, rec)
            out.append(SampleResult(ref.sample, task.path, False, error=rec))
    return out


def _sample_result(settings: RunSettings, task: Task, interp: Any, ref: SampleRef, vname: str,
                   variants: pd.DataFrame, findings: pd.DataFrame, qc: pd.DataFrame,
                   prov: Any, identity: dict[str, Any], hist: Any) -> SampleResult:
    v = _rows_for(variants, vname, ref.sample)
    f = _rows_for(findings, vname, ref.sample)
    q = _rows_for(qc, vname, ref.sample)
    if len(q) != 1:
        raise ValueError(f"the interpreter returned {len(q)} QC rows for sample {vname!r} "
                         f"of {task.path} (expected 1)")
    if ref.sex is not None or "sex" not in q.columns:
        q["sex"] = ref.sex
    if ref.tumour_type is not None or "tumour_type" not in q.columns:
        q["tumour_type"] = ref.tumour_type
    doc = {
        "format": "gmsvar-cohort-sample/1",
        "sample": ref.sample,
        "vcf_sample": vname,
        "sex": ref.sex,
        "tumour_type": ref.tumour_type,
        "input": identity,
        "test": settings.test,
        "mode": settings.mode,
        "build": settings.build,
        "panel": settings.settings.get("panel"),
        "gmsvar_version": settings.settings.get("gmsvar_version"),
        "settings": dict(settings.settings),
        "settings_fingerprint": ref.fingerprint,
        "interpretation": json_safe(prov) if isinstance(prov, dict) else {},
        "region_chunks": task.n_chunks,
        "created": _now(),
    }
    sample_hist = hist.get(vname) if isinstance(hist, dict) else None
    res = SampleResult(ref.sample, task.path, True, v, f, q, doc,
                       histograms=sample_hist if isinstance(sample_hist, dict) else None)
    if task.writes:
        write_sample(settings.out_dir, ref.sample, tables={"variants": v, "findings": f, "qc": q},
                     provenance=doc,
                     extra_writers=_report_writers(interp, vname, settings.reports))
        res.written = True
    return res


# -- merging region chunks (parent side) ----------------------------------------------------
_KEY = ["sample", "variant_contig", "variant_position", "variant_ref", "variant_alt"]


def _dedupe(df: pd.DataFrame, key: list[str] | None) -> pd.DataFrame:
    """Drop rows repeated across chunks (a record overlapping two chunk regions is returned by
    both region queries). ``key`` None: all columns except the chunk-relative variant_index."""
    if df.empty:
        return df.reset_index(drop=True)
    cols = [c for c in df.columns if c != "variant_index"] if key is None else [
        c for c in key if c in df.columns]
    dup = df[cols].astype(str).duplicated()
    return df.loc[~dup.to_numpy()].reset_index(drop=True)


def contig_rank(names: pd.Series) -> np.ndarray:
    """Natural order of contig names: 1..22, X, Y, M/MT, then others (``chr`` ignored)."""
    stripped = names.astype(str).str.replace(r"^chr", "", regex=True)
    special = {"X": 23, "Y": 24, "M": 25, "MT": 25}
    num = pd.to_numeric(stripped, errors="coerce")
    rank = num.where(num.notna(), stripped.map(special)).fillna(1000)
    return rank.to_numpy(dtype=float)


def _sorted(df: pd.DataFrame) -> pd.DataFrame:
    """Rows in genome order (stable, so allele order at one position is kept)."""
    if df.empty or not {"variant_contig", "variant_position"} <= set(df.columns):
        return df.reset_index(drop=True)
    key = pd.DataFrame({"r": contig_rank(df["variant_contig"]),
                        "c": df["variant_contig"].astype(str).to_numpy(),
                        "p": pd.to_numeric(df["variant_position"], errors="coerce").to_numpy()})
    order = key.sort_values(["r", "c", "p"], kind="stable").index.to_numpy()
    return df.iloc[order].reset_index(drop=True)


def _is_count(col: str) -> bool:
    return col.startswith("n_") or col == "panel_genes_with_calls"


def merge_qc(qcs: list[pd.DataFrame], variants: pd.DataFrame | None = None) -> pd.DataFrame:
    """One QC row from the per-chunk QC rows of one sample.

    Counts (``n_*`` and ``panel_genes_with_calls``) are summed (chunks hold disjoint genes);
    other columns equal in every chunk are kept; other numbers are averaged weighted by
    ``n_records`` (exact for per-record rates such as ``missing_gt_rate``). Then
    ``mean_depth``, ``median_depth``, ``median_vaf_het`` and ``het_hom_ratio`` are recomputed
    exactly from the merged ``variants`` rows of the sample when those have ``depth``,
    ``vaf`` and ``zygosity`` (as ``gmsvar.interpret`` defines them: over the carried alleles).
    ``qc_region_chunks`` records the number of chunks.
    """
    rows = pd.concat(qcs, ignore_index=True)
    weights = (pd.to_numeric(rows["n_records"], errors="coerce").fillna(0).to_numpy(float)
               if "n_records" in rows.columns else np.ones(len(rows)))
    out: dict[str, Any] = {}
    for col in rows.columns:
        vals = rows[col]
        first = vals.iloc[0]
        num = pd.to_numeric(vals, errors="coerce")
        if _is_count(col) and num.notna().all():
            out[col] = int(num.sum())
            continue
        if vals.astype(str).nunique(dropna=False) <= 1 or num.isna().all():
            out[col] = first
            continue
        ok = num.notna().to_numpy() & (weights > 0)
        out[col] = float(np.average(num[ok], weights=weights[ok])) if ok.any() else float("nan")
    if variants is not None and {"depth", "vaf", "zygosity"} <= set(variants.columns):
        d = pd.to_numeric(variants["depth"], errors="coerce").to_numpy(float)
        d = d[np.isfinite(d) & (d >= 0)]
        zyg = variants["zygosity"].astype(str).to_numpy()
        v = pd.to_numeric(variants["vaf"], errors="coerce").to_numpy(float)
        vh = v[(zyg == "het") & np.isfinite(v)]
        n_het, n_hom = int((zyg == "het").sum()), int((zyg == "hom").sum())
        exact = {"mean_depth": float(d.mean()) if d.size else float("nan"),
                 "median_depth": float(np.median(d)) if d.size else float("nan"),
                 "median_vaf_het": float(np.median(vh)) if vh.size else float("nan"),
                 "het_hom_ratio": n_het / n_hom if n_hom else float("nan")}
        out.update({k: val for k, val in exact.items() if k in out})
    out["qc_region_chunks"] = len(qcs)
    return pd.DataFrame([out], columns=[*rows.columns, "qc_region_chunks"])


def merge_chunks(parts: list[SampleResult]) -> SampleResult:
    """Combine one sample's region-chunk results (an error in any chunk fails the sample)."""
    bad = [p for p in parts if not p.ok]
    if bad:
        return bad[0]
    first = parts[0]
    variants = _sorted(_dedupe(pd.concat([p.variants for p in parts if p.variants is not None],
                                         ignore_index=True), _KEY))
    findings = _sorted(_dedupe(pd.concat([p.findings for p in parts if p.findings is not None],
                                         ignore_index=True), None))
    hists = [p.histograms for p in parts]
    qc = merge_qc([p.qc for p in parts if p.qc is not None], variants)
    merged_hist: dict[str, Any] | None = None
    if all(isinstance(h, dict) for h in hists):
        merged_hist = {}
        for h in hists:
            assert h is not None
            for k, v in h.items():
                merged_hist.setdefault(k, []).extend(list(v))
    prov = dict(first.provenance or {})
    prov["qc_merge"] = merge_qc.__doc__.split("\n\n")[1].strip() if merge_qc.__doc__ else ""
    return SampleResult(first.sample, first.path, True, variants, findings, qc, prov,
                        histograms=merged_hist)


def settings_fingerprint(doc: Mapping[str, Any]) -> str:
    """SHA-256 of the canonical JSON of ``doc``."""
    text = json.dumps(json_safe(dict(doc)), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()
