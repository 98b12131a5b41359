"""Cohort outputs: tables across samples, within-cohort allele counts, an HTML summary.

Within-cohort allele counts flag variants carried by many samples of the cohort. A variant that
is rare in the population (``popfreq_max`` below ``common_popfreq`` or absent) but carried by
at least ``frequent_fraction`` of the analysed samples (and by at least ``min_carriers``) is a
typical sign of a systematic artefact (a mapping or chemistry error shared by a sequencing run,
or a pipeline bug); it may also be a founder variant, so it is flagged for review, never
removed. The thresholds are parameters of :func:`gmsvar.run_cohort`; the values used are
recorded in ``cohort.json`` and in the HTML summary.

Examples
--------
>>> import pandas as pd
>>> v = pd.DataFrame({"sample": ["A", "B", "C", "C"], "variant_contig": "chr2",
...                   "variant_position": [100, 100, 100, 200], "variant_ref": "C",
...                   "variant_alt": "T", "zygosity": ["het", "het", "hom", "het"],
...                   "popfreq_max": [None, None, None, 0.2]})
>>> ac = allele_counts(v, n_samples=4, min_carriers=3, frequent_fraction=0.5)
>>> ac[["variant_position", "n_carriers", "allele_count", "allele_number", "artefact_suspect"]]
   variant_position  n_carriers  allele_count  allele_number  artefact_suspect
0               100           3             4              8              True
1               200           1             1              8             False
"""

from __future__ import annotations

import html
import math
import os
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from .store import atomic_write, write_json
from .worker import contig_rank

__all__ = [
    "DEFAULT_COMMON_POPFREQ",
    "DEFAULT_FREQUENT_FRACTION",
    "DEFAULT_MIN_CARRIERS",
    "allele_counts",
    "annotate_with_counts",
    "cohort_html",
    "concat_tables",
    "write_cohort_tables",
]

#: Flag a variant carried by at least this fraction of the analysed samples ...
DEFAULT_FREQUENT_FRACTION = 0.05
#: ... and by at least this many samples (so 2 of 10 samples is not "many") ...
DEFAULT_MIN_CARRIERS = 3
#: ... as an artefact suspect when its population frequency is below this (or absent).
DEFAULT_COMMON_POPFREQ = 0.01

KEY = ["variant_contig", "variant_position", "variant_ref", "variant_alt"]
_ALLELES = {"het": 1, "hom": 2, "hemi": 1}
_CLASS_ORDER = ["Pathogenic", "Likely pathogenic", "Uncertain significance", "Likely benign",
                "Benign", "Not classified"]


def concat_tables(frames: Sequence[pd.DataFrame]) -> pd.DataFrame:
    """Concatenate per-sample tables (cohort order), ``sample`` as the first column."""
    keep = [f for f in frames if f is not None and len(f.columns)]
    if not keep:
        return pd.DataFrame({"sample": pd.Series(dtype=object)})
    nonempty = [f for f in keep if len(f)] or keep[:1]
    out = pd.concat(nonempty, ignore_index=True)
    out.attrs = {}
    if "sample" in out.columns:
        out = out[["sample", *[c for c in out.columns if c != "sample"]]]
    return out


def allele_counts(
    variants: pd.DataFrame,
    *,
    n_samples: int,
    frequent_fraction: float = DEFAULT_FREQUENT_FRACTION,
    min_carriers: int = DEFAULT_MIN_CARRIERS,
    common_popfreq: float = DEFAULT_COMMON_POPFREQ,
) -> pd.DataFrame:
    """Within-cohort allele counts and frequencies, one row per allele seen in the cohort.

    Parameters
    ----------
    variants
        Cohort variants table (contract C: one row per sample x carried allele, with
        ``sample``, ``variant_contig/position/ref/alt``, ``zygosity``, optionally ``gene``,
        ``hgvsc``, ``hgvsp``, ``consequence``, ``classification``, ``popfreq_max``).
    n_samples
        Samples analysed successfully (the denominator).
    frequent_fraction, min_carriers, common_popfreq
        Flag thresholds (see the module docstring).

    Returns
    -------
    pandas.DataFrame
        ``n_carriers``, ``n_het``, ``n_hom``, ``n_hemi``, ``allele_count`` (het 1, hom 2,
        hemi 1, unknown zygosity 1), ``allele_number`` (2 x ``n_samples``: a variant-only VCF
        does not say which non-carriers were callable, so every analysed sample counts as
        called; the frequency is then a lower bound), ``cohort_af``, ``carrier_fraction``,
        ``popfreq_max`` (max over rows), ``frequent_in_cohort``, ``artefact_suspect`` and
        ``carriers`` (first 20 sample ids), in genome order.
    """
    cols = [*KEY, "gene", "hgvsc", "hgvsp", "consequence", "classification"]
    out_cols = [*cols, "n_carriers", "n_het", "n_hom", "n_hemi", "allele_count", "allele_number",
                "cohort_af", "carrier_fraction", "popfreq_max", "frequent_in_cohort",
                "artefact_suspect", "carriers"]
    if variants is None or variants.empty or not set(KEY) <= set(variants.columns):
        return pd.DataFrame(columns=out_cols)
    v = variants.copy()
    for c in cols:
        if c not in v.columns:
            v[c] = None
    zyg = v["zygosity"].astype(str) if "zygosity" in v.columns else pd.Series("unknown", v.index)
    v["_het"] = (zyg == "het").astype(int)
    v["_hom"] = (zyg == "hom").astype(int)
    v["_hemi"] = (zyg == "hemi").astype(int)
    v["_ac"] = zyg.map(_ALLELES).fillna(1).astype(int)
    v["_pf"] = pd.to_numeric(v["popfreq_max"], errors="coerce") if "popfreq_max" in v.columns \
        else np.nan
    v["_key"] = (v["variant_contig"].astype(str) + "\t" + v["variant_position"].astype(str)
                 + "\t" + v["variant_ref"].astype(str) + "\t" + v["variant_alt"].astype(str))
    g = v.groupby("_key", sort=False)
    first = g[cols].first()
    agg = pd.DataFrame({
        "n_carriers": g["sample"].nunique(),
        "n_het": g["_het"].sum(),
        "n_hom": g["_hom"].sum(),
        "n_hemi": g["_hemi"].sum(),
        "allele_count": g["_ac"].sum(),
        "popfreq_max": g["_pf"].max(),
    })
    # carriers: the first 20 distinct sample ids per allele, joined (cumcount keeps it vectorised
    # up to the final per-allele join)
    firsts = v[["_key", "sample"]].astype({"sample": str}).drop_duplicates()
    firsts = firsts.loc[firsts.groupby("_key", sort=False).cumcount().to_numpy() < 20]
    size = firsts.groupby("_key", sort=False)["sample"].transform("size").to_numpy()
    single = firsts.loc[size == 1].set_index("_key")["sample"]
    shared = firsts.loc[size > 1]
    joined = (shared.groupby("_key", sort=False)["sample"].agg(";".join) if len(shared)
              else pd.Series(dtype=object))
    agg["carriers"] = pd.concat([single, joined])
    out = first.join(agg)
    n = max(int(n_samples), 1)
    out["allele_number"] = 2 * n
    out["cohort_af"] = out["allele_count"] / out["allele_number"]
    out["carrier_fraction"] = out["n_carriers"] / n
    out["frequent_in_cohort"] = (out["carrier_fraction"] >= frequent_fraction) & (
        out["n_carriers"] >= min_carriers)
    rare = out["popfreq_max"].isna() | (out["popfreq_max"] < common_popfreq)
    out["artefact_suspect"] = out["frequent_in_cohort"] & rare
    out = out.reset_index(drop=True)[out_cols]
    order = pd.DataFrame({"r": contig_rank(out["variant_contig"]),
                          "c": out["variant_contig"].astype(str),
                          "p": pd.to_numeric(out["variant_position"], errors="coerce")})
    idx = order.sort_values(["r", "c", "p"], kind="stable").index.to_numpy()
    return out.iloc[idx].reset_index(drop=True)


def annotate_with_counts(table: pd.DataFrame, counts: pd.DataFrame) -> pd.DataFrame:
    """Add ``cohort_carriers``, ``cohort_carrier_fraction``, ``cohort_artefact_suspect``."""
    extra = ["cohort_carriers", "cohort_carrier_fraction", "cohort_artefact_suspect"]
    if table.empty or not set(KEY) <= set(table.columns) or counts.empty:
        out = table.copy()
        for c in extra:
            out[c] = pd.Series(dtype=object) if out.empty else None
        return out
    right = counts[[*KEY, "n_carriers", "carrier_fraction", "artefact_suspect"]].rename(columns={
        "n_carriers": "cohort_carriers", "carrier_fraction": "cohort_carrier_fraction",
        "artefact_suspect": "cohort_artefact_suspect"})
    left = table.copy()
    for k in KEY:
        left[f"_{k}"] = left[k].astype(str)
        right[f"_{k}"] = right[k].astype(str)
    right = right.drop(columns=KEY)
    merged = left.merge(right, on=[f"_{k}" for k in KEY], how="left", sort=False)
    merged = merged.drop(columns=[f"_{k}" for k in KEY])
    merged.index = table.index
    return merged


# -- files -------------------------------------------------------------------------------------
def _tsv(path: str, df: pd.DataFrame) -> None:
    with atomic_write(path) as fh:
        fh.write(df.to_csv(sep="\t", index=False).encode("utf-8"))


def _parquet(path: str, df: pd.DataFrame) -> None:
    out = df.copy(deep=False)
    out.attrs = {}
    with atomic_write(path) as fh:
        out.to_parquet(fh, index=False)


def write_cohort_tables(out_dir: str | os.PathLike[str], tables: Mapping[str, pd.DataFrame],
                        run: Mapping[str, Any], html_text: str) -> None:
    """Write the cohort tables (TSV + Parquet for variants), ``summary.html`` and ``cohort.json``.

    ``cohort.json`` is written last: its ``status`` becomes ``"complete"`` only after every
    other cohort file is in place.
    """
    d = os.fspath(out_dir)
    for name in ("findings", "qc", "samples", "errors", "allele_counts", "tasks"):
        _tsv(os.path.join(d, f"{name}.tsv"), tables[name])
    for name in ("variants", "findings"):
        _parquet(os.path.join(d, f"{name}.parquet"), tables[name])
    with atomic_write(os.path.join(d, "summary.html")) as fh:
        fh.write(html_text.encode("utf-8"))
    write_json(os.path.join(d, "cohort.json"), dict(run))


# -- HTML --------------------------------------------------------------------------------------
_MAX_CELL = 300
_MAX_ROWS = 500
_CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:24px;color:#222}
h1{font-size:1.5em}h2{font-size:1.15em;margin-top:1.6em;border-bottom:1px solid #ccc}
table{border-collapse:collapse;font-size:12px;margin:8px 0}
td,th{border:1px solid #ddd;padding:3px 6px;text-align:left;vertical-align:top}
th{background:#f3f3f3}.num{text-align:right}.err{color:#a00}.flag{background:#fff3cd}
.plots{display:flex;flex-wrap:wrap;gap:18px}.plots figure{margin:0}
figcaption{font-size:12px;color:#555;max-width:440px}.note{color:#555;font-size:12px}
"""


def _e(value: Any) -> str:
    """HTML-escaped text of a cell, long values truncated with a marker."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    text = f"{value:.4g}" if isinstance(value, float) else str(value)
    if len(text) > _MAX_CELL:
        text = text[:_MAX_CELL] + f" … [{len(text) - _MAX_CELL} more characters]"
    return html.escape(text, quote=True)


def _table(df: pd.DataFrame, *, max_rows: int = _MAX_ROWS, flag_col: str | None = None) -> str:
    if df is None or df.empty:
        return "<p class='note'>none</p>"
    shown = df.head(max_rows)
    head = "".join(f"<th>{_e(c)}</th>" for c in shown.columns)
    body = []
    flags = shown[flag_col].fillna(False).astype(bool).to_numpy() if flag_col in shown else None
    for i, row in enumerate(shown.itertuples(index=False)):
        cls = " class='flag'" if flags is not None and flags[i] else ""
        cells = "".join(
            f"<td class='num'>{_e(v)}</td>" if isinstance(v, (int, float, np.number))
            and not isinstance(v, bool) else f"<td>{_e(v)}</td>" for v in row)
        body.append(f"<tr{cls}>{cells}</tr>")
    more = (f"<p class='note'>first {max_rows} of {len(df)} rows; the full table is in the "
            "TSV file</p>") if len(df) > max_rows else ""
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>{more}"


def _svg_bars(labels: Sequence[str], values: Sequence[float], *, title: str,
              xlabel: str = "", colour: str = "#4a7ab5", width: int = 440) -> str:
    n = max(len(values), 1)
    bar_h, left, top = 18, 170, 28
    height = top + n * (bar_h + 4) + 30
    vmax = max([float(v) for v in values] + [1.0])
    parts = [f"<svg xmlns='http://www.w3.org/2000/svg' width='{width}' height='{height}' "
             f"role='img' aria-label='{_e(title)}'>",
             f"<text x='4' y='16' font-size='13' font-weight='bold'>{_e(title)}</text>"]
    for i, (lab, val) in enumerate(zip(labels, values, strict=True)):
        y = top + i * (bar_h + 4)
        w = (width - left - 50) * float(val) / vmax
        parts.append(f"<text x='{left - 6}' y='{y + 13}' font-size='11' "
                     f"text-anchor='end'>{_e(lab)}</text>")
        parts.append(f"<rect x='{left}' y='{y}' width='{w:.1f}' height='{bar_h}' "
                     f"fill='{colour}'><title>{_e(lab)}: {_e(val)}</title></rect>")
        parts.append(f"<text x='{left + w + 4:.1f}' y='{y + 13}' font-size='11'>{_e(val)}</text>")
    parts.append(f"<text x='{left}' y='{height - 8}' font-size='11'>{_e(xlabel)}</text></svg>")
    return "".join(parts)


def _svg_hist(values: np.ndarray, *, title: str, xlabel: str, threshold: float | None = None,
              bins: int = 20, width: int = 440, height: int = 220) -> str:
    vals = np.asarray(values, dtype=float)
    vals = vals[np.isfinite(vals)]
    left, bottom, top, right = 44, 36, 26, 12
    pw, ph = width - left - right, height - top - bottom
    parts = [f"<svg xmlns='http://www.w3.org/2000/svg' width='{width}' height='{height}' "
             f"role='img' aria-label='{_e(title)}'>",
             f"<text x='4' y='16' font-size='13' font-weight='bold'>{_e(title)}</text>"]
    if vals.size == 0:
        parts.append(f"<text x='{left}' y='{top + 30}' font-size='12'>no data</text></svg>")
        return "".join(parts)
    lo = float(vals.min())
    hi = float(max(vals.max(), threshold if threshold is not None else vals.max()))
    if hi <= lo:
        hi = lo + 1.0
    counts, edges = np.histogram(vals, bins=bins, range=(lo, hi))
    cmax = max(int(counts.max()), 1)
    bw = pw / bins
    for i, c in enumerate(counts):
        h = ph * c / cmax
        x = left + i * bw
        parts.append(f"<rect x='{x:.1f}' y='{top + ph - h:.1f}' width='{max(bw - 1, 1):.1f}' "
                     f"height='{h:.1f}' fill='#4a7ab5'><title>{edges[i]:.3g}-{edges[i + 1]:.3g}: "
                     f"{int(c)}</title></rect>")
    parts.append(f"<line x1='{left}' y1='{top + ph}' x2='{left + pw}' y2='{top + ph}' "
                 "stroke='#333'/>")
    parts.append(f"<line x1='{left}' y1='{top}' x2='{left}' y2='{top + ph}' stroke='#333'/>")
    for frac in (0.0, 0.5, 1.0):
        x = left + pw * frac
        parts.append(f"<text x='{x:.1f}' y='{top + ph + 14}' font-size='10' text-anchor='middle'>"
                     f"{_e(lo + (hi - lo) * frac)}</text>")
    parts.append(f"<text x='{left - 4}' y='{top + 8}' font-size='10' text-anchor='end'>{cmax}</text>")
    parts.append(f"<text x='{left - 4}' y='{top + ph}' font-size='10' text-anchor='end'>0</text>")
    if threshold is not None and lo <= threshold <= hi:
        x = left + pw * (threshold - lo) / (hi - lo)
        parts.append(f"<line x1='{x:.1f}' y1='{top}' x2='{x:.1f}' y2='{top + ph}' stroke='#c00' "
                     f"stroke-dasharray='4 3'><title>threshold {_e(threshold)}</title></line>")
    parts.append(f"<text x='{left + pw / 2:.1f}' y='{height - 6}' font-size='11' "
                 f"text-anchor='middle'>{_e(xlabel)}</text></svg>")
    return "".join(parts)


def _svg_scatter(x: np.ndarray, y: np.ndarray, labels: Sequence[str], *, title: str,
                 xlabel: str, ylabel: str, width: int = 440, height: int = 240) -> str:
    xs, ys = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    ok = np.isfinite(xs) & np.isfinite(ys)
    left, bottom, top, right = 50, 36, 26, 14
    pw, ph = width - left - right, height - top - bottom
    parts = [f"<svg xmlns='http://www.w3.org/2000/svg' width='{width}' height='{height}' "
             f"role='img' aria-label='{_e(title)}'>",
             f"<text x='4' y='16' font-size='13' font-weight='bold'>{_e(title)}</text>"]
    if not ok.any():
        parts.append(f"<text x='{left}' y='{top + 30}' font-size='12'>no data</text></svg>")
        return "".join(parts)
    x0, x1 = float(xs[ok].min()), float(xs[ok].max())
    y0, y1 = float(ys[ok].min()), float(ys[ok].max())
    x1, y1 = (x1 if x1 > x0 else x0 + 1), (y1 if y1 > y0 else y0 + 1)
    parts.append(f"<rect x='{left}' y='{top}' width='{pw}' height='{ph}' fill='none' "
                 "stroke='#999'/>")
    for i in np.flatnonzero(ok):
        cx = left + pw * (xs[i] - x0) / (x1 - x0)
        cy = top + ph - ph * (ys[i] - y0) / (y1 - y0)
        parts.append(f"<circle cx='{cx:.1f}' cy='{cy:.1f}' r='3' fill='#4a7ab5' "
                     f"fill-opacity='0.7'><title>{_e(labels[int(i)])}: {_e(xs[i])}, {_e(ys[i])}"
                     "</title></circle>")
    for v, xx in ((x0, left), (x1, left + pw)):
        parts.append(f"<text x='{xx}' y='{top + ph + 14}' font-size='10' "
                     f"text-anchor='middle'>{_e(v)}</text>")
    for v, yy in ((y0, top + ph), (y1, top + 8)):
        parts.append(f"<text x='{left - 4}' y='{yy}' font-size='10' text-anchor='end'>{_e(v)}</text>")
    parts.append(f"<text x='{left + pw / 2:.1f}' y='{height - 6}' font-size='11' "
                 f"text-anchor='middle'>{_e(xlabel)}</text>")
    parts.append(f"<text x='12' y='{top + ph / 2:.1f}' font-size='11' text-anchor='middle' "
                 f"transform='rotate(-90 12 {top + ph / 2:.1f})'>{_e(ylabel)}</text></svg>")
    return "".join(parts)


def _figure(svg: str, caption: str) -> str:
    return f"<figure>{svg}<figcaption>{_e(caption)}</figcaption></figure>"


def _num(df: pd.DataFrame, col: str) -> np.ndarray:
    if col not in df.columns:
        return np.full(len(df), np.nan)
    return pd.to_numeric(df[col], errors="coerce").to_numpy(dtype=float)


def cohort_html(tables: Mapping[str, pd.DataFrame], run: Mapping[str, Any]) -> str:
    """A self-contained HTML cohort summary (inline CSS and SVG; every value escaped).

    Parameters
    ----------
    tables
        ``samples``, ``qc``, ``findings``, ``variants``, ``allele_counts``, ``errors``.
    run
        Run description (``cohort.json`` content): test, panel, thresholds, versions.

    Returns
    -------
    str
        The HTML document (no external resources, no scripts).
    """
    samples, qc, findings = tables["samples"], tables["qc"], tables["findings"]
    variants, counts, errors = tables["variants"], tables["allele_counts"], tables["errors"]
    thr = run.get("thresholds", {})
    n_total = len(samples)
    n_err = len(errors)
    n_ok = n_total - n_err
    panel = run.get("panel") or {}
    head = (
        f"<h1>gmsvar cohort summary: {_e(run.get('test'))} — {_e(panel.get('name'))} "
        f"({_e(panel.get('id'))} v{_e(panel.get('version'))})</h1>"
        f"<p>{n_total} samples: {n_ok} interpreted ({_e(run.get('n_resumed', 0))} reused from an "
        f"earlier run), <span class='err'>{n_err} failed</span>; {len(findings)} findings, "
        f"{len(variants)} carried alleles, {len(counts)} distinct alleles. Mode "
        f"{_e(run.get('mode'))}, build {_e(run.get('build'))}, gmsvar "
        f"{_e(run.get('gmsvar_version'))}, scheduler {_e(run.get('scheduler'))}, "
        f"finished {_e(run.get('finished'))}.</p>"
    )
    plots = []
    if "classification" in variants.columns and len(variants):
        vc = variants["classification"].astype(str).value_counts()
        labels = [c for c in _CLASS_ORDER if c in vc.index] + [
            c for c in vc.index if c not in _CLASS_ORDER]
        plots.append(_figure(
            _svg_bars(labels, [int(vc[c]) for c in labels], title="Carried alleles by class",
                      xlabel="sample x allele rows"),
            "Classification of every allele carried by a sample (ACGS points)."))
    per = findings["sample"].value_counts() if "sample" in findings.columns else pd.Series()
    ok_samples = samples.loc[samples["status"] == "ok", "sample"].astype(str).tolist() \
        if "status" in samples.columns else []
    nf = np.array([int(per.get(s, 0)) for s in ok_samples], dtype=float)
    plots.append(_figure(
        _svg_hist(nf, title="Findings per sample", xlabel="findings", bins=max(1, min(20, int(
            nf.max()) + 1 if nf.size else 1))),
        "Number of actionable findings per interpreted sample."))
    if len(qc):
        xcol = "mean_depth" if "mean_depth" in qc.columns else "median_depth"
        ycol = "het_hom_ratio" if "het_hom_ratio" in qc.columns else "median_vaf_het"
        plots.append(_figure(
            _svg_scatter(_num(qc, xcol), _num(qc, ycol), qc["sample"].astype(str).tolist(),
                         title="Per-sample QC", xlabel=xcol, ylabel=ycol),
            f"One point per sample: {xcol} against {ycol}; outliers deserve a look."))
    frac = float(thr.get("frequent_fraction", DEFAULT_FREQUENT_FRACTION))
    if len(counts):
        plots.append(_figure(
            _svg_hist(counts["carrier_fraction"].to_numpy(float), title="Within-cohort carrier "
                      "fraction", xlabel="fraction of samples carrying the allele",
                      threshold=frac),
            f"Alleles by the fraction of samples carrying them; the dashed line is the "
            f"'frequent in cohort' threshold ({frac:g})."))
    suspects = counts.loc[counts["artefact_suspect"].astype(bool)] if len(counts) else counts
    frequent = counts.loc[counts["frequent_in_cohort"].astype(bool)] if len(counts) else counts
    thr_text = (
        f"frequent in cohort: carried by ≥ {frac:g} of the analysed samples and by ≥ "
        f"{thr.get('min_carriers', DEFAULT_MIN_CARRIERS)} samples; artefact suspect: frequent and "
        f"population frequency (popfreq_max) < {thr.get('common_popfreq', DEFAULT_COMMON_POPFREQ)} "
        "or absent")
    qc_cols = [c for c in ("sample", "sex", "n_records", "n_alleles_carried", "n_pass",
                           "n_in_panel", "mean_depth", "median_depth", "median_vaf_het",
                           "missing_gt_rate", "het_hom_ratio", "build", "panel_genes_with_calls")
               if c in qc.columns]
    f_cols = [c for c in ("sample", "gene", "variant_contig", "variant_position", "variant_ref",
                          "variant_alt", "hgvsc", "hgvsp", "classification", "category", "tier",
                          "recommendation", "zygosity", "vaf", "cohort_carriers",
                          "cohort_artefact_suspect") if c in findings.columns]
    s_cols = [c for c in ("sample", "status", "resumed", "path", "vcf_sample", "n_variants",
                          "n_findings", "seconds", "output_dir") if c in samples.columns]
    prov_rows = pd.DataFrame(
        [(k, v) for k, v in run.items()
         if k not in {"samples", "thresholds"} and not isinstance(v, (list, dict))]
        + [(f"panel.{k}", v) for k, v in panel.items()]
        + [(f"threshold.{k}", v) for k, v in thr.items()], columns=["key", "value"])
    sections = [
        head,
        "<h2>Plots</h2><div class='plots'>" + "".join(plots) + "</div>",
        f"<h2>Findings ({len(findings)})</h2>",
        _table(findings[f_cols] if f_cols else findings, flag_col="cohort_artefact_suspect"),
        f"<h2>Variants frequent in the cohort ({len(frequent)}; {len(suspects)} artefact "
        f"suspects)</h2><p class='note'>{_e(thr_text)}</p>",
        _table(frequent, flag_col="artefact_suspect"),
        f"<h2>Errors ({n_err})</h2>",
        _table(errors[[c for c in ("sample", "path", "error_type", "message")
                       if c in errors.columns]] if len(errors) else errors),
        f"<h2>Per-sample QC ({len(qc)})</h2>", _table(qc[qc_cols] if qc_cols else qc),
        f"<h2>Samples ({n_total})</h2>", _table(samples[s_cols] if s_cols else samples),
        "<h2>Provenance</h2>", _table(prov_rows, max_rows=200),
    ]
    title = f"gmsvar cohort {run.get('test', '')}"
    return ("<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
            f"<title>{_e(title)}</title><style>{_CSS}</style></head><body>"
            + "\n".join(sections) + "</body></html>\n")
