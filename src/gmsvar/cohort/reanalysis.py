"""Reanalysis after a panel update: re-interpret only what the change affects.

:func:`reanalyse` reads a cohort directory written by :func:`gmsvar.run_cohort`, compares the
panel version recorded in each sample's provenance with the new panel (:func:`diff_panels`),
and

* re-interprets, with the new panel, only the regions of the genes the change affects: genes
  that became green (added, or promoted from amber/red) and green genes whose mode of
  inheritance changed (or that were renamed);
* drops the results in genes that are no longer green (removed or demoted);
* keeps every other result as it was (QC rows are kept from the original run).

It writes a new cohort directory (default ``<cohort_dir>/reanalysis/panel_<id>_v<version>/``)
with the merged per-sample outputs, the usual cohort tables, and ``changes.tsv``: one row per
result that changed (sample, gene, variant, what, old -> new, the panel change behind it).
"""

from __future__ import annotations

import dataclasses
import json
import os
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from .. import __version__
from ..errors import InputError
from ..panels import Confidence, Panel, PanelDiff, diff_panels, load_panel, read_panel_file
from ..panels.model import PanelEntity
from . import aggregate
from ._panelio import panel_sha256, save_panel
from .manifest import CohortSample
from .runner import (
    CHUNK_PADDING,
    CohortResult,
    Progress,
    ProgressCallback,
    _aggregate,
    _Bar,
    _fn_name,
    _input_checker,
    _knowledge_identity,
    _now,
    default_workers,
    resolve_panel,
)
from .scheduler import dask_workers, execute
from .store import (
    SAMPLES_DIR,
    atomic_write,
    json_safe,
    read_provenance,
    read_sample,
    write_json,
    write_sample,
)
from .worker import (
    RunSettings,
    SampleRef,
    SampleResult,
    Task,
    TaskResult,
    contig_rank,
    default_interpreter,
)

__all__ = ["ReanalysisResult", "affected_genes", "reanalyse"]

_VKEY = ["variant_contig", "variant_position", "variant_ref", "variant_alt"]


@dataclass
class ReanalysisResult:
    """Result of :func:`reanalyse`.

    Attributes
    ----------
    changes
        One row per changed result: ``sample``, ``gene``, ``variant``
        (``contig:pos:ref>alt``), ``hgvsc``, ``hgvsp``, ``what`` (``variant``,
        ``classification``, ``finding``), ``change`` (``added``, ``removed``, ``changed``),
        ``old``, ``new``, ``panel_change``.
    cohort
        The reanalysed cohort (same structure as :func:`gmsvar.run_cohort` returns).
    diffs
        Old panel label -> :class:`~gmsvar.panels.PanelDiff` to the new panel.
    reinterpreted
        Samples that were re-interpreted (some regions), in cohort order.
    genes
        ``{"reinterpret": [...], "drop": [...]}`` over all old panel versions.
    out_dir
        Where the reanalysis was written.
    """

    changes: pd.DataFrame
    cohort: CohortResult
    diffs: dict[str, PanelDiff]
    reinterpreted: list[str]
    genes: dict[str, list[str]]
    out_dir: Path
    provenance: dict[str, Any] = field(default_factory=dict)


def _green(e: PanelEntity | None) -> bool:
    return e is not None and e.confidence is Confidence.GREEN


def affected_genes(diff: PanelDiff, new: Panel) -> tuple[list[str], list[str], dict[str, str]]:
    """Genes to re-interpret and genes to drop for a panel change.

    Parameters
    ----------
    diff
        ``diff_panels(old, new)``.
    new
        The new panel.

    Returns
    -------
    (reinterpret, drop, why)
        ``reinterpret``: green in ``new`` and added, promoted to green, renamed or with a
        changed mode of inheritance; ``drop``: green before, not green (or absent) now;
        ``why``: gene -> a short description of its change.

    Examples
    --------
    >>> import dataclasses
    >>> from gmsvar.panels import load_panel, diff_panels, Confidence
    >>> old = load_panel("R210")
    >>> genes = tuple(dataclasses.replace(g, confidence=Confidence.AMBER) if g.symbol == "EPCAM"
    ...               else g for g in old.gene_entities)
    >>> new = dataclasses.replace(old, version="1.14", gene_entities=genes)
    >>> affected_genes(diff_panels(old, new), new)[:2]
    ([], ['EPCAM'])
    """
    green_new = {g.symbol for g in new.gene_entities if _green(g)}
    why: dict[str, str] = defaultdict(str)
    for c in diff.changes:
        if c.entity_type != "gene":
            continue
        text = {"added": f"added ({c.new})", "removed": f"removed (was {c.old})",
                "renamed": f"renamed from {c.old}", "confidence": f"rating {c.old} -> {c.new}",
                "inheritance": f"inheritance '{c.old}' -> '{c.new}'"}[c.kind.value]
        why[c.name] = f"{why[c.name]}; {text}" if why[c.name] else text
    reinterpret = set(diff.became_green) & green_new
    for c in diff.changes:
        if c.entity_type == "gene" and c.name in green_new and c.kind.value in (
                "inheritance", "renamed"):
            reinterpret.add(c.name)
    drop = {n for n in diff.no_longer_green if n not in green_new}
    return sorted(reinterpret), sorted(drop), dict(why)


def _variant_text(df: pd.DataFrame) -> pd.Series:
    if df.empty:
        return pd.Series([], dtype=object)
    return (df["variant_contig"].astype(str) + ":" + df["variant_position"].astype(str) + ":"
            + df["variant_ref"].astype(str) + ">" + df["variant_alt"].astype(str))


def _gene_mask(df: pd.DataFrame, genes: set[str]) -> pd.Series:
    if df.empty or "gene" not in df.columns:
        return pd.Series(False, index=df.index)
    return df["gene"].astype(object).isin(genes)


def _merge_tables(old: pd.DataFrame, new: pd.DataFrame | None, reinterpret: set[str],
                  drop: set[str]) -> pd.DataFrame:
    """Old rows outside the changed genes + new rows in re-interpreted genes, genome order."""
    keep_old = old.loc[~_gene_mask(old, reinterpret | drop)]
    parts = [keep_old]
    if new is not None and not new.empty:
        take = _gene_mask(new, reinterpret)
        if "gene" in new.columns and set(_VKEY) <= set(new.columns) and not keep_old.empty:
            # ungenic rows (e.g. padding around a new gene) not already in the old results
            known = set(_variant_text(keep_old))
            ungenic = new["gene"].isna() & ~_variant_text(new).isin(known)
            take = take | ungenic
        parts.append(new.loc[take])
    out = pd.concat([p for p in parts if len(p.columns)], ignore_index=True)
    if out.empty or not {"variant_contig", "variant_position"} <= set(out.columns):
        return out.reset_index(drop=True)
    key = pd.DataFrame({"r": contig_rank(out["variant_contig"]),
                        "c": out["variant_contig"].astype(str),
                        "p": pd.to_numeric(out["variant_position"], errors="coerce")})
    return out.iloc[key.sort_values(["r", "c", "p"], kind="stable").index.to_numpy()
                    ].reset_index(drop=True)


def _changes(sample: str, old_v: pd.DataFrame, new_v: pd.DataFrame, old_f: pd.DataFrame,
             new_f: pd.DataFrame, why: Mapping[str, str]) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []

    def index(df: pd.DataFrame) -> dict[tuple[str, str], dict[str, Any]]:
        if df.empty:
            return {}
        keys = zip(df["gene"].astype(str), _variant_text(df), strict=True)
        recs: list[dict[str, Any]] = [{str(c): v for c, v in r.items()}
                                      for r in df.to_dict("records")]
        return dict(zip(keys, recs, strict=True))

    def row(key: tuple[str, str], rec: dict[str, Any], what: str, change: str, old: Any,
            new: Any) -> dict[str, Any]:
        return {"sample": sample, "gene": key[0], "variant": key[1], "hgvsc": rec.get("hgvsc"),
                "hgvsp": rec.get("hgvsp"), "what": what, "change": change, "old": old,
                "new": new, "panel_change": why.get(key[0], "")}

    # (what was added/removed, what changed, the column compared, old rows, new rows)
    for what, changed, column, old_df, new_df in (
            ("variant", "classification", "classification", old_v, new_v),
            ("finding", "finding", "recommendation", old_f, new_f)):
        o, n = index(old_df), index(new_df)
        for k in o.keys() - n.keys():
            rows.append(row(k, o[k], what, "removed", o[k].get(column), None))
        for k in n.keys() - o.keys():
            rows.append(row(k, n[k], what, "added", None, n[k].get(column)))
        for k in o.keys() & n.keys():
            a, b = o[k].get(column), n[k].get(column)
            if str(a) != str(b):
                rows.append(row(k, n[k], changed, "changed", a, b))
    return rows


def _old_panel(cohort_dir: Path, prov: Mapping[str, Any], cache: dict[str, Panel]) -> Panel:
    info = prov.get("panel") or {}
    key = str(info.get("sha256") or f"{info.get('id')}:{info.get('version')}")
    if key not in cache:
        file = info.get("file")
        if file and (cohort_dir / file).is_file():
            cache[key] = read_panel_file(cohort_dir / file)
        elif info.get("id") is not None:
            cache[key] = load_panel(str(info["id"]), version=info.get("version"))
        else:
            raise InputError(f"{cohort_dir}: sample provenance records no panel; pass old_panel=")
    return cache[key]


def _regions(panel: Panel, genes: list[str], build: str) -> tuple[str, ...]:
    regs = []
    for g in panel.gene_entities:
        if g.symbol in genes and (iv := g.interval(build)) is not None:
            regs.append(f"{iv.contig}:{max(1, iv.start - CHUNK_PADDING)}-{iv.end + CHUNK_PADDING}")
    return tuple(regs)


def _knowledge(run: Mapping[str, Any], name: str, given: Any) -> Any:
    if given is not None:
        return given
    ident = (run.get("settings") or {}).get(name)
    if ident is None:
        return None
    if isinstance(ident, dict) and ident.get("path"):
        return ident["path"]
    raise InputError(f"the cohort was run with an in-memory {name} object; pass {name}= again")


def reanalyse(
    cohort_dir: str | os.PathLike[str],
    new_panel: Panel | str,
    *,
    out_dir: str | os.PathLike[str] | None = None,
    old_panel: Panel | str | None = None,
    workers: int | None = None,
    client: Any = None,
    clinvar: Any = None,
    evidence: Any = None,
    progress: ProgressCallback | bool | None = None,
    interpreter: Callable[..., Any] | None = None,
) -> ReanalysisResult:
    """Re-interpret a finished cohort for a new panel version, only where the panel changed.

    Parameters
    ----------
    cohort_dir
        A directory written by :func:`gmsvar.run_cohort`.
    new_panel
        The new panel: a :class:`~gmsvar.panels.Panel`, ``"id:version"``, a code or a JSON file.
    out_dir
        Where to write; default ``<cohort_dir>/reanalysis/panel_<id>_v<version>``.
    old_panel
        Override the panel recorded in the cohort (default: the copy saved in
        ``cohort_dir/panels/``, else the snapshot of the recorded id and version).
    workers, client, progress, interpreter
        As for :func:`gmsvar.run_cohort`.
    clinvar, evidence
        Default: the files the cohort was run with.

    Returns
    -------
    ReanalysisResult
        ``changes`` lists every result that changed.

    Examples
    --------
    >>> import dataclasses, tempfile, gmsvar
    >>> from gmsvar.panels import Confidence
    >>> d = tempfile.mkdtemp()
    >>> _ = gmsvar.run_cohort([gmsvar.example_path("trio_grch37.vcf.gz")], build="GRCh37",
    ...                       out_dir=d, workers=0, progress=False)
    >>> old = gmsvar.load_panel("R210")
    >>> new = dataclasses.replace(old, version="1.14", gene_entities=tuple(
    ...     dataclasses.replace(g, confidence=Confidence.RED) if g.symbol == "PMS2" else g
    ...     for g in old.gene_entities))
    >>> res = gmsvar.reanalyse(d, new, workers=0, progress=False)
    >>> res.genes, res.reinterpreted
    ({'reinterpret': [], 'drop': ['PMS2']}, [])
    """
    t0 = time.perf_counter()
    src = Path(cohort_dir)
    try:
        run = json.loads((src / "cohort.json").read_text())
    except (OSError, ValueError) as err:
        raise InputError(f"{src}: not a cohort directory (cohort.json unreadable: {err})") from err
    test, mode, build = run.get("test", "R210"), run.get("mode", "germline"), run.get("build")
    new = resolve_panel(test, new_panel)
    out = Path(out_dir) if out_dir is not None else (
        src / "reanalysis" / Path(f"panel_{new.id}_v{new.version}").name)
    (out / SAMPLES_DIR).mkdir(parents=True, exist_ok=True)
    panel_file = save_panel(new, out / "panels")
    cohort = [CohortSample(**s) for s in run.get("inputs", [])]
    interp = interpreter or default_interpreter
    clinvar, evidence = _knowledge(run, "clinvar", clinvar), _knowledge(run, "evidence", evidence)
    settings_doc = {
        **(run.get("settings") or {}),
        "panel": {"id": new.id, "name": new.name, "version": new.version,
                  "sha256": panel_sha256(new), "file": str(panel_file.relative_to(out))},
        "clinvar": _knowledge_identity(clinvar), "evidence": _knowledge_identity(evidence),
        "gmsvar_version": __version__, "interpreter": _fn_name(interp),
        "reanalysis_of": str(src.resolve()),
    }
    settings = RunSettings(test=test, mode=mode, build=build, panel=new, clinvar=clinvar,
                           evidence=evidence, interpreter=interp, out_dir=str(out),
                           settings=json_safe(settings_doc))
    forced = None
    if old_panel is not None:
        forced = resolve_panel(test, old_panel)
    cache: dict[str, Panel] = {}
    diffs: dict[str, PanelDiff] = {}
    plan: dict[str, tuple[list[str], list[str], dict[str, str]]] = {}
    old_results: dict[str, SampleResult] = {}
    results: dict[str, SampleResult] = {}
    check_input = _input_checker()
    for s in cohort:
        prov = read_provenance(src, s.sample)
        if prov is None:
            rec = {"sample": s.sample, "path": s.path, "error_type": "NotInterpreted",
                   "message": "no complete result in the cohort directory (failed or not run); "
                              "run run_cohort again for this sample"}
            results[s.sample] = SampleResult(s.sample, s.path, False, error=rec)
            continue
        old = forced or _old_panel(src, prov, cache)
        label = f"{old.id} v{old.version}"
        if label not in diffs:
            diffs[label] = diff_panels(old, new)
        so = read_sample(src, s.sample)
        old_results[s.sample] = SampleResult(s.sample, s.path, True, so.variants, so.findings,
                                             so.qc, so.provenance, resumed=True)
        plan[s.sample] = affected_genes(diffs[label], new)
        if plan[s.sample][0] and not check_input(prov.get("input") or {}):
            rec = {"sample": s.sample, "path": s.path, "error_type": "InputChanged",
                   "message": "the input VCF changed since the cohort run; run run_cohort again"}
            results[s.sample] = SampleResult(s.sample, s.path, False, error=rec)
    # -- re-interpret the affected regions -----------------------------------------------------
    tasks: list[Task] = []
    for s in cohort:
        if s.sample in results or s.sample not in plan or not plan[s.sample][0]:
            continue
        regs = _regions(new, plan[s.sample][0], build or "GRCh38")
        prov = old_results[s.sample].provenance or {}
        ref = SampleRef(s.sample, prov.get("vcf_sample") or s.vcf_sample, s.sex,
                        prov.get("tumour_type"), "reanalysis")
        tasks.append(Task(len(tasks), s.path, (ref,), ref.tumour_type, regions=regs or None,
                          write=False))
    fresh: dict[str, SampleResult] = {}
    task_rows: list[dict[str, Any]] = []
    bar: ProgressCallback | None = progress if callable(progress) else (
        _Bar(sys.stderr) if progress is True or (progress is None and sys.stderr.isatty())
        else None)

    def on_result(res: TaskResult) -> None:
        task_rows.append({"task_id": res.task_id, "path": tasks[res.task_id].path,
                          "n_samples": 1, "samples": res.samples[0].sample if res.samples else "",
                          "chunk": 0, "n_chunks": 1, "seconds": res.seconds, "pid": res.pid,
                          "host": res.host, "peak_rss_bytes": res.peak_rss_bytes,
                          "ok": all(x.ok for x in res.samples)})
        for sr in res.samples:
            fresh[sr.sample] = sr
        if bar is not None:
            bar(Progress(len(fresh), len(tasks), sum(not x.ok for x in fresh.values()), 0,
                         time.perf_counter() - t0, None, True))

    n_workers = default_workers() if workers is None else workers
    if client is not None:
        n_workers = dask_workers(client)
    scheduler = execute(tasks, settings, n_workers=n_workers, client=client, on_result=on_result)
    # -- merge, write, compare -------------------------------------------------------------------
    change_rows: list[dict[str, Any]] = []
    seconds: dict[str, float] = {}
    for s in cohort:
        if s.sample in results:
            continue
        old_r = old_results[s.sample]
        reint, drop, why = plan[s.sample]
        got = fresh.get(s.sample)
        if got is not None and not got.ok:
            results[s.sample] = got
            continue
        assert old_r.variants is not None and old_r.findings is not None and old_r.qc is not None
        variants = _merge_tables(old_r.variants, got.variants if got else None, set(reint),
                                 set(drop))
        findings = _merge_tables(old_r.findings, got.findings if got else None, set(reint),
                                 set(drop))
        change_rows += _changes(s.sample, old_r.variants, variants, old_r.findings, findings, why)
        doc = {**(old_r.provenance or {}),
               "panel": settings.settings.get("panel"), "settings": dict(settings.settings),
               "settings_fingerprint": "reanalysis (rerun run_cohort for a full interpretation)",
               "reanalysis": {"of": str(src.resolve()), "old_panel": (old_r.provenance or {})
                              .get("panel"), "reinterpreted_genes": reint, "dropped_genes": drop,
                              "created": _now()}}
        doc.pop("outputs", None)
        write_sample(out, s.sample, tables={"variants": variants, "findings": findings,
                                            "qc": old_r.qc}, provenance=doc)
        results[s.sample] = SampleResult(s.sample, s.path, True, variants, findings, old_r.qc,
                                         doc, written=True, resumed=got is None)
    all_re = sorted({g for p in plan.values() for g in p[0]})
    all_drop = sorted({g for p in plan.values() for g in p[1]})
    changes = pd.DataFrame(change_rows, columns=["sample", "gene", "variant", "hgvsc", "hgvsp",
                                                 "what", "change", "old", "new", "panel_change"])
    order = {s.sample: i for i, s in enumerate(cohort)}
    if len(changes):
        changes["_o"] = changes["sample"].map(order)
        changes = changes.sort_values(["_o", "gene", "variant", "what"], kind="stable").drop(
            columns="_o").reset_index(drop=True)
    thresholds = run.get("thresholds") or {
        "frequent_fraction": aggregate.DEFAULT_FREQUENT_FRACTION,
        "min_carriers": aggregate.DEFAULT_MIN_CARRIERS,
        "common_popfreq": aggregate.DEFAULT_COMMON_POPFREQ}
    run_doc = {
        "format": "gmsvar-cohort/1", "started": _now(), "gmsvar_version": __version__,
        "test": test, "mode": mode, "build": build, "panel": settings_doc["panel"],
        "settings": settings.settings, "n_samples": len(cohort), "n_tasks": len(tasks),
        "n_resumed": sum(r.resumed for r in results.values()), "thresholds": thresholds,
        "inputs": [dataclasses.asdict(s) for s in cohort],
        "reanalysis": {"of": str(src.resolve()), "reinterpreted_genes": all_re,
                       "dropped_genes": all_drop,
                       "diffs": {k: d.to_frame().to_dict("records") for k, d in diffs.items()}},
    }
    result = _aggregate(out, cohort, results, task_rows, seconds, run_doc, scheduler=scheduler,
                        wall=time.perf_counter() - t0, thresholds=thresholds)
    with atomic_write(out / "changes.tsv") as fh:
        fh.write(changes.to_csv(sep="\t", index=False).encode("utf-8"))
    write_json(out / "reanalysis.json", {**run_doc["reanalysis"], "n_changes": len(changes),
                                         "reinterpreted_samples": [t.samples[0].sample
                                                                   for t in tasks]})
    return ReanalysisResult(changes=changes, cohort=result, diffs=diffs,
                            reinterpreted=[t.samples[0].sample for t in tasks],
                            genes={"reinterpret": all_re, "drop": all_drop}, out_dir=out,
                            provenance=result.provenance)
