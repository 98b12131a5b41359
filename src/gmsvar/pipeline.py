"""One-call interpretation: a VCF and a test code in, an auditable :class:`Interpretation` out.

:func:`interpret` wires the library together so users do not have to:

1. resolve the test code (``R210``) to its PanelApp panel and version
   (:func:`gmsvar.load_panel`, offline snapshots by default);
2. read only the panel's regions through the VCF index (whole-file read plus a
   region mask when there is no index, recorded in the provenance);
3. flag call-quality problems (depth, GQ, QUAL, FILTER, allele balance; somatic
   and ctDNA floors) from the versioned settings file
   ``gmsvar/data/interpret/settings.json`` — flagged, never silently removed;
4. classify germline variants (:func:`gmsvar.classify`, ACMG/AMP with ACGS points);
5. find actionable results for the test's clinical context
   (:func:`gmsvar.find_actionable`: Lynch, FH, cardiac, NSCLC, DPYD);
6. return variants, findings, per-sample QC and full provenance, with writers
   for TSV, JSON, Parquet, VCF, HTML and FHIR.

Examples
--------
>>> import gmsvar
>>> res = gmsvar.interpret(gmsvar.example_path("lynch_germline.vcf.gz"), test="R210")
>>> res.provenance["panel"]["id"], res.provenance["test"]["code"]
(503, 'R210')
>>> sorted(set(res.findings["gene"]))
['MLH1']
"""

from __future__ import annotations

import json
import logging
import os
import time
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from functools import cache
from importlib import resources
from typing import Any, Literal

import numpy as np
import pandas as pd

from ._checksum import file_sha256
from .errors import IndexMissingError, InputError, KnowledgeBaseError
from .filters._common import genotype_classes
from .io import read_vcf
from .panels import Confidence, Panel, load_panel, lookup_test
from .panels.mask import in_panel
from .regions import Interval, merge_intervals, parse_region
from .report.result import Interpretation
from .table import VariantTable, format_genotypes

__all__ = ["MODES", "interpret", "interpret_table", "load_settings"]

log = logging.getLogger("gmsvar.interpret")

Mode = Literal["germline", "somatic", "ctdna"]
#: Interpretation modes.
MODES: tuple[str, ...] = ("germline", "somatic", "ctdna")

_CONFIDENCE = {"green": Confidence.GREEN, "amber": Confidence.AMBER, "red": Confidence.RED}


@cache
def load_settings() -> dict[str, Any]:
    """The versioned default settings (``gmsvar/data/interpret/settings.json``).

    >>> s = load_settings()
    >>> s["version"].startswith("interpret-settings-"), s["contexts"]["R210"]
    (True, ['lynch'])
    """
    item = resources.files("gmsvar").joinpath("data/interpret/settings.json")
    try:
        doc: dict[str, Any] = json.loads(item.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:  # pragma: no cover - broken installation
        raise KnowledgeBaseError(f"cannot read gmsvar/data/interpret/settings.json: {exc}") from exc
    for key in ("version", "thresholds", "contexts", "panel"):
        if key not in doc:  # pragma: no cover - broken installation
            raise KnowledgeBaseError(f"gmsvar/data/interpret/settings.json lacks {key!r}")
    return doc


class _PanelRegions:
    """Panel regions with padding/confidence, optionally intersected with user regions."""

    def __init__(self, panel: Panel, padding: int, confidence: Sequence[Confidence],
                 restrict: list[Interval] | None, extra: Panel | None = None) -> None:
        self.panel, self.padding, self.confidence, self.restrict = panel, padding, confidence, restrict
        self.extra = extra

    def regions(self, *, build: str = "GRCh38") -> list[Interval]:
        ivs = self.panel.regions(build=build, padding=self.padding, confidence=self.confidence,
                                 entity_types=("gene", "region"))
        if self.extra is not None:
            ivs = merge_intervals([*ivs, *self.extra.regions(build=build, padding=self.padding)])
        if self.restrict is None:
            return ivs
        return _intersect(ivs, self.restrict)


def _norm_contig(c: str) -> str:
    return c[3:] if c.lower().startswith("chr") else c


def _intersect(a: list[Interval], b: list[Interval]) -> list[Interval]:
    out: list[Interval] = []
    for x in a:
        for y in b:
            if _norm_contig(x.contig) != _norm_contig(y.contig):
                continue
            ys = 1 if y.start is None else y.start
            ye = 2**62 if y.end is None else y.end
            xs = 1 if x.start is None else x.start
            xe = 2**62 if x.end is None else x.end
            s, e = max(xs, ys), min(xe, ye)
            if s <= e:
                out.append(Interval(x.contig, s, e))
    return merge_intervals(out)


def _as_intervals(regions: str | Interval | Sequence[str | Interval] | None) -> list[Interval] | None:
    if regions is None:
        return None
    items = [regions] if isinstance(regions, (str, Interval)) else list(regions)
    return [r if isinstance(r, Interval) else parse_region(r) for r in items]


def _resolve_panel(panel: Panel | str | int | None, test: str) -> Panel:
    if isinstance(panel, Panel):
        return panel
    if panel is None:
        return load_panel(test)
    text = str(panel)
    if ":" in text and not text.endswith(".json"):
        pid, version = text.split(":", 1)
        return load_panel(pid, version=version)
    return load_panel(text)


def _contexts(code: str, panel: Panel, entry_genes: set[str], settings: Mapping[str, Any],
              mode: str) -> list[str]:
    ctx = list(settings["contexts"].get(code, []))
    if mode != "germline":
        ctx += [c for c in settings["somatic_contexts"]["contexts"] if c not in ctx]
    dpyd = settings.get("dpyd_gene", "DPYD")
    genes = entry_genes | set(panel.gene_symbols(confidence=(Confidence.GREEN,)))
    if dpyd in genes and "dpyd" not in ctx:
        ctx.append("dpyd")
    return ctx


def interpret(
    vcf: str | os.PathLike[str],
    *,
    test: str = "R210",
    sample: str | Sequence[str] | None = None,
    mode: Mode = "germline",
    tumour_type: str | None = None,
    clinvar: str | os.PathLike[str] | None = None,
    evidence: str | os.PathLike[str] | pd.DataFrame | None = None,
    build: str | None = None,
    regions: str | Interval | Sequence[str | Interval] | None = None,
    panel: Panel | str | int | None = None,
    contexts: Sequence[str] | None = None,
    callable_regions: str | os.PathLike[str] | None = None,
    spec: str = "acgs2020",
    backend: Literal["cyvcf2", "pysam", "fast"] = "cyvcf2",
) -> Interpretation:
    """Interpret a VCF for a National Genomic Test Directory test.

    Parameters
    ----------
    vcf
        VCF/BCF (bgzipped and indexed for a fast panel query; without an index the
        whole file is read and masked to the panel, which is recorded).
    test
        Test-directory code: ``"R210"`` (Lynch), ``"R134"`` (FH), ``"R127"`` ...
        (cardiac), ``"M4"`` (NSCLC), a test such as ``"R210.2"``, or any test whose
        target includes DPYD (then the DPYD pharmacogenomic context is added).
    sample
        One sample name, a list, or ``None`` for every sample in the file.
    mode
        ``"germline"`` (ACMG/ACGS classification), ``"somatic"`` (tissue) or
        ``"ctdna"`` (plasma; low-VAF limit-of-detection logic). Germline
        classification is only applied in germline mode.
    tumour_type
        For somatic/ctDNA tiers, e.g. ``"NSCLC"``.
    clinvar, evidence
        Passed to :func:`gmsvar.classify`: a ClinVar VCF for PS1/PM5 and a user
        evidence table (PS2, PS3, PP1, ...).
    build
        ``"GRCh38"``/``"GRCh37"``; required only when the header cannot tell;
        a contradiction with the header raises :class:`~gmsvar.BuildMismatchError`.
    regions
        Further restrict the panel regions (e.g. one chunk of a large file).
    panel
        Override the test's panel: a :class:`Panel`, a PanelApp id, ``"503:1.12"``
        (id:version) or a snapshot path.
    contexts
        Override the actionable contexts implied by the test (``["lynch"]``).
    callable_regions
        BED of regions the caller covered (lets DPYD say "no variant" rather than
        "not assessed" for absent sites).
    spec
        Classification specification (default ``"acgs2020"``; gene-specific
        specifications apply automatically).
    backend
        VCF reader backend.

    Returns
    -------
    Interpretation
        ``.variants``, ``.findings``, ``.qc``, ``.provenance`` and writers.

    Raises
    ------
    UnknownTestError, PanelNotFound
        The test code or panel cannot be resolved.
    VcfFormatError, InputError, BuildMismatchError, ContigMismatchError
        Unreadable or inconsistent input; nothing partial is returned.
    """
    if mode not in MODES:
        raise InputError(f"mode must be one of {', '.join(MODES)}, not {mode!r}")
    path = os.fspath(vcf)
    if not os.path.exists(path):
        raise InputError(f"{path}: no such file; check the path")
    settings = load_settings()
    entry = lookup_test(test)
    pnl = _resolve_panel(panel, test)
    conf = [_CONFIDENCE[c] for c in settings["panel"]["confidence"]]
    padding = int(settings["panel"]["padding"])
    restrict = _as_intervals(regions)
    wanted = [sample] if isinstance(sample, str) else (None if sample is None else list(sample))
    started = time.time()
    extra = None
    if mode == "ctdna":
        from .panels import gene_list_panel

        extra = gene_list_panel(settings["ctdna_extra_genes"]["genes"], panel_id="ctdna-ch",
                                name="ctDNA clonal-haematopoiesis genes")
    region_source = _PanelRegions(pnl, padding, conf, restrict, extra)
    read_how = "index query of the panel regions"
    try:
        table = read_vcf(path, regions=region_source, samples=wanted, build=build, backend=backend)
    except IndexMissingError:
        log.warning("%s has no index: reading the whole file and masking to the panel "
                    "(index it with `tabix -p vcf` for speed)", path)
        table = read_vcf(path, samples=wanted, build=build, backend=backend)
        b = table.meta.genome_build
        if b not in ("GRCh37", "GRCh38"):
            raise InputError(
                f"{path}: the genome build is unknown, so panel regions cannot be chosen; "
                "pass build='GRCh38' or build='GRCh37'"
            ) from None
        table = table.take(in_panel(table, region_source.regions(build=b)))
        read_how = "whole file read (no index), masked to the panel regions"
    code = entry.ci_code
    entry_genes = set(entry.genes)
    for sub in entry.tests:
        entry_genes |= set(sub.genes)
    ctx = list(contexts) if contexts is not None else _contexts(code, pnl, entry_genes, settings, mode)
    return interpret_table(
        table, test=test, panel=pnl, mode=mode, tumour_type=tumour_type, clinvar=clinvar,
        evidence=evidence, contexts=ctx, callable_regions=callable_regions, spec=spec,
        source=path, read_how=read_how, restrict=restrict, started=started,
    )


def interpret_table(
    table: VariantTable,
    *,
    test: str,
    panel: Panel,
    mode: Mode = "germline",
    tumour_type: str | None = None,
    clinvar: str | os.PathLike[str] | None = None,
    evidence: str | os.PathLike[str] | pd.DataFrame | None = None,
    contexts: Sequence[str] = (),
    callable_regions: str | os.PathLike[str] | None = None,
    spec: str = "acgs2020",
    source: str | None = None,
    read_how: str = "table given",
    restrict: list[Interval] | None = None,
    started: float | None = None,
) -> Interpretation:
    """Interpret an already-read, panel-restricted table (the second half of :func:`interpret`).

    Used by :func:`interpret` and the cohort runner (one read of a multi-sample
    file, interpreted for every sample).
    """
    settings = load_settings()
    thresholds = dict(settings["thresholds"]["germline" if mode == "germline" else mode])
    entry = lookup_test(test)
    started = time.time() if started is None else started

    classified: pd.DataFrame | None = None
    class_thresholds: Any = None
    knowledge: dict[str, str] = {}
    spec_info: dict[str, Any] = {"name": None, "version": None,
                                 "note": "germline classification is applied in germline mode only"}
    if mode == "germline":
        from .classify import classify as _classify

        classified = _classify(table, spec=spec, clinvar=clinvar, evidence=evidence)
        prov = dict(classified.attrs.get("provenance", {}))
        got = prov.get("spec", spec)
        spec_info = (dict(got) if isinstance(got, Mapping)
                     else {"name": got, "version": prov.get("spec_version")})
        kb = prov.get("knowledge_bases") or prov.get("knowledge_versions") or {}
        knowledge.update({f"classify:{k}": str(v) for k, v in dict(kb).items()})
        class_thresholds = prov.get("thresholds")

    act_params: dict[str, Any] = {}
    findings = _find(table, contexts, mode=mode, tumour_type=tumour_type, classified=classified,
                     callable_regions=callable_regions, knowledge=knowledge, parameters=act_params)
    variants = _variants_frame(table, classified, findings, mode=mode, thresholds=thresholds)
    if mode != "germline":
        variants = _add_somatic(variants, table, mode=mode, tumour_type=tumour_type)
    qc = _qc_frame(table, panel, mode=mode)
    hist = _histograms(table, variants)
    meta = table.meta
    checksum: dict[str, Any] = {"path": source, "sha256": None, "size_bytes": None}
    if source is not None and os.path.exists(source):
        checksum.update(sha256=file_sha256(source), size_bytes=os.path.getsize(source))
    from . import __version__

    provenance: dict[str, Any] = {
        "gmsvar_version": __version__,
        "input": checksum,
        "test": {"code": entry.code, "name": entry.name, "edition": entry.edition},
        "panel": {"id": panel.id, "name": panel.name, "version": panel.version,
                  "source": panel.provenance.get("source"),
                  "green_genes": panel.green_genes,
                  "confidence_used": settings["panel"]["confidence"],
                  "padding_bp": settings["panel"]["padding"]},
        "mode": mode,
        "tumour_type": tumour_type,
        "contexts": list(contexts),
        "extra_genes_read": (list(settings["ctdna_extra_genes"]["genes"]) if mode == "ctdna"
                             and read_how != "table given" else []),
        "build": meta.genome_build,
        "read": read_how,
        "regions_restricted_to": None if restrict is None else [str(r) for r in restrict],
        "annotation": meta.provenance.get("annotation"),
        "popfreq": {k: v for k, v in meta.provenance.items() if str(k).startswith("popfreq")},
        "spec": spec_info,
        "knowledge_bases": knowledge,
        "settings_version": settings["version"],
        "thresholds": thresholds,
        "classification_thresholds": class_thresholds,
        "actionable_parameters": act_params,
        "samples": list(table.samples),
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "elapsed_seconds": round(time.time() - started, 3),
    }
    return Interpretation(variants=variants, findings=findings, qc=qc, provenance=provenance,
                          source=source, histograms=hist)


def _find(table: VariantTable, contexts: Sequence[str], *, mode: str, tumour_type: str | None,
          classified: pd.DataFrame | None, callable_regions: str | os.PathLike[str] | None,
          knowledge: dict[str, str], parameters: dict[str, Any] | None = None) -> pd.DataFrame:
    from .actionable import find_actionable

    frames = []
    for ctx in contexts:
        kw: dict[str, Any] = {}
        if ctx == "nsclc":
            kw.update(tumour_type=tumour_type, sample_type="ctdna" if mode == "ctdna" else "tissue")
        elif ctx == "dpyd":
            if callable_regions is not None:
                kw["callable_regions"] = callable_regions
        else:
            kw.update(classified=classified,
                      sample_origin="germline" if mode == "germline" else "tumour")
        df = find_actionable(table, context=ctx, **kw)
        for name, version in dict(df.attrs.get("provenance", {})).items():
            knowledge[f"actionable:{name}"] = str(version)
        if parameters is not None:
            parameters[ctx] = df.attrs.get("parameters")
        frames.append(df)
    if not frames:
        from .actionable import FINDING_COLUMNS

        return pd.DataFrame(columns=list(FINDING_COLUMNS))
    out = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0].copy()
    out.attrs = {}
    return out


def _col(table: VariantTable, name: str) -> np.ndarray | None:
    return np.asarray(table[name]) if name in table else None


def _decoded(table: VariantTable, name: str) -> np.ndarray:
    n = len(table)
    if name not in table:
        return np.full(n, None, dtype=object)
    if name in table.categories:
        return table.decode(name)
    return np.asarray(table[name], dtype=object)


def _carried(table: VariantTable, mode: str) -> tuple[np.ndarray, np.ndarray]:
    """(n, s) mask of calls carrying the row's ALT, and the called mask."""
    n, s = len(table), len(table.samples)
    if "call_genotype" in table:
        gc = genotype_classes(table, needed_for="interpretation")
        carried, called = gc.non_ref, gc.called
    else:
        carried = np.zeros((n, s), dtype=bool)
        called = np.zeros((n, s), dtype=bool)
    if mode != "germline":
        # Tumour-only callers may leave GT missing; alt reads or VAF then decide.
        vaf = _col(table, "call_vaf")
        ad = _col(table, "call_allele_depth")
        evidence = np.zeros((n, s), dtype=bool)
        if vaf is not None:
            evidence |= np.nan_to_num(vaf, nan=0.0) > 0
        if ad is not None and ad.ndim == 3 and ad.shape[2] > 1:
            evidence |= ad[:, :, 1] > 0
        carried = carried | (~called & evidence)
    return carried, called


def _alt_reads(table: VariantTable) -> np.ndarray:
    ad = _col(table, "call_allele_depth")
    n, s = len(table), len(table.samples)
    if ad is None or ad.ndim != 3 or ad.shape[2] < 2:
        return np.full((n, s), -1, dtype=np.int64)
    return ad[:, :, 1].astype(np.int64)


def _variants_frame(table: VariantTable, classified: pd.DataFrame | None, findings: pd.DataFrame,
                    *, mode: str, thresholds: Mapping[str, Any]) -> pd.DataFrame:
    carried, _called = _carried(table, mode)
    rows, cols = np.nonzero(carried)
    samples = np.asarray(table.samples, dtype=object)
    gt_str = (format_genotypes(np.asarray(table["call_genotype"]),
                               _col(table, "call_genotype_phased"))
              if "call_genotype" in table else np.full(carried.shape, ".", dtype=object))
    depth = _col(table, "call_depth")
    depth = np.full(carried.shape, -1) if depth is None else depth
    gq = _col(table, "call_genotype_quality")
    vaf = _col(table, "call_vaf")
    vaf = np.full(carried.shape, np.nan) if vaf is None else vaf
    alt = _alt_reads(table)
    if "call_genotype" in table:
        gc = genotype_classes(table, needed_for="zygosity")
        zyg = np.where(gc.hom_alt, "hom", np.where(gc.hemi_alt, "hemi",
                                                   np.where(gc.het, "het", "unknown")))
    else:
        zyg = np.full(carried.shape, "unknown", dtype=object)
    filt = _filter_strings(table)
    qual = _col(table, "variant_qual")
    df = pd.DataFrame({
        "sample": samples[cols] if len(samples) else np.array([], dtype=object),
        "variant_index": rows.astype(np.int64),
        "variant_contig": _decoded(table, "variant_contig")[rows],
        "variant_position": np.asarray(table["variant_position"])[rows].astype(np.int64),
        "variant_id": _decoded(table, "variant_id")[rows],
        "variant_ref": _decoded(table, "variant_ref")[rows],
        "variant_alt": _decoded(table, "variant_alt")[rows],
        "gene": _decoded(table, "variant_gene")[rows],
        "transcript": _decoded(table, "variant_transcript")[rows],
        "hgvsc": _decoded(table, "variant_hgvsc")[rows],
        "hgvsp": _decoded(table, "variant_hgvsp")[rows],
        "consequence": _decoded(table, "variant_consequence")[rows],
        "genotype": gt_str[rows, cols],
        "zygosity": np.asarray(zyg, dtype=object)[rows, cols],
        "depth": np.asarray(depth)[rows, cols].astype(np.int64),
        "alt_reads": alt[rows, cols],
        "vaf": np.asarray(vaf, dtype=np.float64)[rows, cols],
        "popfreq_max": (np.asarray(table["variant_popfreq_max"], dtype=np.float64)[rows]
                        if "variant_popfreq_max" in table else np.full(len(rows), np.nan)),
        "filter": filt[rows],
    })
    # QC flags (never removals).
    flags: list[list[str]] = [[] for _ in range(len(df))]
    d = df["depth"].to_numpy()
    v = df["vaf"].to_numpy()
    a = df["alt_reads"].to_numpy()
    checks: list[tuple[np.ndarray, str]] = [
        ((d >= 0) & (d < int(thresholds["min_depth"])), "low_depth"),
        (d < 0, "depth_missing"),
        (df["filter"].to_numpy() != "PASS", "filter_not_pass"),
    ]
    if mode == "germline":
        if gq is not None:
            g = np.asarray(gq)[rows, cols]
            checks.append(((g >= 0) & (g < int(thresholds["min_gq"])), "low_gq"))
        if qual is not None:
            q = np.asarray(qual, dtype=np.float64)[rows]
            checks.append((np.nan_to_num(q, nan=np.inf) < float(thresholds["min_qual"]), "low_qual"))
        het = df["zygosity"].to_numpy() == "het"
        vv = np.nan_to_num(v, nan=0.5)
        checks.append((het & ((vv < float(thresholds["het_vaf_min"]))
                              | (vv > float(thresholds["het_vaf_max"]))), "allele_imbalance"))
    else:
        checks.append(((a >= 0) & (a < int(thresholds["min_alt_reads"])), "low_alt_reads"))
        checks.append((np.nan_to_num(v, nan=1.0) < float(thresholds["min_vaf"]), "below_min_vaf"))
    for mask, name in checks:
        for i in np.flatnonzero(mask):
            flags[i].append(name)
    cls_cols = ["classification", "points", "acmg2015_class", "criteria", "evidence"]
    if classified is not None and len(df):
        c = classified.set_index("variant_index")
        sub = c.loc[df["variant_index"].to_numpy()]
        for name in cls_cols:
            df[name] = sub[name].to_numpy()
        cflags = sub["flags"].fillna("").to_numpy()
        for k, extra in enumerate(cflags):
            if extra:
                flags[k].extend(str(extra).split(";"))
    else:
        df["classification"] = "Not classified" if mode == "germline" else "Not applicable (somatic)"
        df["points"] = pd.array([pd.NA] * len(df), dtype="Int64")
        df["acmg2015_class"] = None
        df["criteria"] = ""
        df["evidence"] = ""
    df["flags"] = [";".join(dict.fromkeys(f)) for f in flags]
    act = np.zeros(len(df), dtype=bool)
    if len(findings) and "variant_index" in findings and len(df):
        keys = set(zip(findings["sample"].astype(str), findings["variant_index"].astype(int), strict=True))
        act = np.array([(s, int(i)) in keys for s, i in
                        zip(df["sample"].astype(str), df["variant_index"], strict=True)], dtype=bool)
    df["actionable"] = act
    return df.reset_index(drop=True)


def _add_somatic(variants: pd.DataFrame, table: VariantTable, *, mode: str,
                 tumour_type: str | None) -> pd.DataFrame:
    """AMP/ASCO/CAP tier, LoD call status and CH/germline flags per carried somatic call."""
    from .actionable import somatic_tiers

    out = variants.copy()
    out["somatic_tier"] = ""
    out["call_status"] = ""
    if not len(out):
        return out
    tiers = somatic_tiers(table, tumour_type=tumour_type,
                          sample_type="ctdna" if mode == "ctdna" else "tissue")
    if not len(tiers):
        return out
    key = tiers.set_index(["sample", "variant_index"])
    idx = pd.MultiIndex.from_arrays([out["sample"].astype(str), out["variant_index"].astype(int)])
    hit = idx.isin(key.index)
    sub = key.reindex(idx[hit])
    out.loc[hit, "somatic_tier"] = sub["tier"].fillna("").astype(str).to_numpy()
    out.loc[hit, "call_status"] = sub["call_status"].fillna("").astype(str).to_numpy()
    extra = sub["flags"].fillna("").astype(str).to_numpy()
    flags = out["flags"].to_numpy(dtype=object).copy()
    rows = np.flatnonzero(hit)
    for r, e in zip(rows, extra, strict=True):
        if e:
            parts = [x for x in str(flags[r]).split(";") if x] + e.split(";")
            flags[r] = ";".join(dict.fromkeys(parts))
    out["flags"] = flags
    return out


def _filter_strings(table: VariantTable) -> np.ndarray:
    n = len(table)
    if "variant_filter" not in table:
        return np.full(n, ".", dtype=object)
    fm = np.asarray(table["variant_filter"])
    labels = list(table.categories.get("variant_filter", []))
    out = np.empty(n, dtype=object)
    missing = _col(table, "variant_filter_missing")
    for i in range(n):
        names = [str(labels[j]) for j in np.flatnonzero(fm[i])] if fm.ndim == 2 else []
        out[i] = ";".join(names) if names else "."
    if missing is not None:
        out[np.asarray(missing, dtype=bool)] = "."
    return out


def _qc_frame(table: VariantTable, panel: Panel, *, mode: str) -> pd.DataFrame:
    carried, called = _carried(table, mode)
    n = len(table)
    depth = _col(table, "call_depth")
    vaf = _col(table, "call_vaf")
    filt_pass = _col(table, "variant_filter_pass")
    genes = _decoded(table, "variant_gene")
    green = panel.green_genes
    rows: list[dict[str, Any]] = []
    gc = genotype_classes(table, needed_for="qc") if "call_genotype" in table else None
    for j, s in enumerate(table.samples):
        car = carried[:, j]
        dp = depth[:, j][car] if depth is not None else np.zeros(0)
        dp = dp[dp >= 0]
        vf = vaf[:, j] if vaf is not None else np.full(n, np.nan)
        het = gc.het[:, j] & car if gc is not None else np.zeros(n, dtype=bool)
        hom = (gc.hom_alt[:, j] if gc is not None else np.zeros(n, dtype=bool)) & car
        vh = vf[het]
        vh = vh[~np.isnan(vh)]
        carried_genes = {str(g) for g in genes[car] if g is not None}
        rows.append({
            "sample": s,
            "n_records": n,
            "n_alleles_carried": int(car.sum()),
            "n_pass": int((car & np.asarray(filt_pass, dtype=bool)).sum()) if filt_pass is not None else 0,
            "n_in_panel": int(car.sum()),
            "mean_depth": float(dp.mean()) if dp.size else float("nan"),
            "median_depth": float(np.median(dp)) if dp.size else float("nan"),
            "median_vaf_het": float(np.median(vh)) if vh.size else float("nan"),
            "missing_gt_rate": float(1.0 - called[:, j].mean()) if n and gc is not None else float("nan"),
            "het_hom_ratio": float(het.sum() / hom.sum()) if hom.sum() else float("nan"),
            "build": table.meta.genome_build,
            "panel_genes": len(green),
            "panel_genes_with_calls": len(carried_genes & set(green)),
            "qc_scope": "panel regions",
        })
    return pd.DataFrame(rows, columns=[
        "sample", "n_records", "n_alleles_carried", "n_pass", "n_in_panel", "mean_depth",
        "median_depth", "median_vaf_het", "missing_gt_rate", "het_hom_ratio", "build",
        "panel_genes", "panel_genes_with_calls", "qc_scope"])


def _histograms(table: VariantTable, variants: pd.DataFrame) -> dict[str, dict[str, list[float]]]:
    out: dict[str, dict[str, list[float]]] = {}
    for s, sub in variants.groupby("sample", sort=False):
        v = sub["vaf"].to_numpy(dtype=np.float64)
        d = sub["depth"].to_numpy(dtype=np.float64)
        out[str(s)] = {"vaf": [float(x) for x in v[~np.isnan(v)]],
                       "depth": [float(x) for x in d[d >= 0]]}
    for s in table.samples:
        out.setdefault(str(s), {"vaf": [], "depth": []})
    return out
