"""Measure ``gmsvar.classify`` against the ClinVar development split (issue 5 targets).

Steps (see ``README.md`` in this folder):

1. convert the ClinVar dev split with ``clinvar_to_vcf.py`` when the converted files are missing
   or stale (different converter version or input checksum);
2. ``gmsvar.read_vcf`` the converted VCF (timed: *read*);
3. ``gmsvar.classify(table, clinvar=None)`` -- ClinVar is never given as evidence (that would be
   circular); timed in-process (*classify*);
4. join the truth table on ``CHROM-POS-REF-ALT`` and write confusion matrices (truth P/LP, B/LB x
   predicted class) overall, per gene group and per consequence class, the issue's target
   metrics, the most common criteria combinations among misses, and per-criterion firing rates;
5. throughput: a fresh Python process pinned to one CPU (``sched_setaffinity``, BLAS/OpenMP
   threads = 1) classifies >= 100,000 allele rows (the dev table's rows repeated) -- only the
   ``gmsvar.classify`` call is timed: the first (cold) call and the best/median of warm calls.

Writes ``benchmarks/results/classification_dev_split.json`` and ``.md``.

Run::

    .venv/bin/python benchmarks/classification/evaluate.py              # ~1-2 min
    .venv/bin/python benchmarks/classification/evaluate.py --skip-throughput
    .venv/bin/python benchmarks/classification/evaluate.py --af-source max   # sensitivity run
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.util
import json
import os
import platform
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
RESULTS = REPO / "benchmarks" / "results"

#: Predicted-class vocabulary of contract A, in display order.
CLASSES = ("Pathogenic", "Likely pathogenic", "Uncertain significance", "Likely benign", "Benign",
           "Not classified")
SHORT = {"Pathogenic": "P", "Likely pathogenic": "LP", "Uncertain significance": "VUS",
         "Likely benign": "LB", "Benign": "B", "Not classified": "NC"}
TRUTHS = ("P/LP", "B/LB")
TRUTH_CLASSES = ("Pathogenic", "Pathogenic/Likely pathogenic", "Likely pathogenic",
                 "Likely benign", "Benign/Likely benign", "Benign")
PLP = frozenset({"Pathogenic", "Likely pathogenic"})
BLB = frozenset({"Likely benign", "Benign"})
CRITERIA = ("PVS1", "PS1", "PS2", "PS3", "PS4", "PM1", "PM2", "PM3", "PM4", "PM5", "PM6", "PP1",
            "PP2", "PP3", "PP4", "BA1", "BS1", "BS2", "BS3", "BS4", "BP1", "BP2", "BP3", "BP4",
            "BP5", "BP7")

#: Consequence class of the allele's chosen (most severe) VEP term, as written by the converter.
CONSEQUENCE_CLASSES: dict[str, tuple[str, ...]] = {
    "null (nonsense/frameshift/canonical splice)": (
        "stop_gained", "frameshift_variant", "splice_acceptor_variant", "splice_donor_variant"),
    "missense": ("missense_variant",),
    "synonymous": ("synonymous_variant",),
    "inframe": ("inframe_deletion", "inframe_insertion", "protein_altering_variant"),
    "intronic/UTR": ("intron_variant", "5_prime_UTR_variant", "3_prime_UTR_variant",
                     "splice_region_variant", "splice_donor_5th_base_variant",
                     "splice_donor_region_variant", "splice_polypyrimidine_tract_variant",
                     "upstream_gene_variant", "downstream_gene_variant"),
    "other": (),  # start_lost, stop_lost, non-coding transcript, no consequence (no ClinVar MC), ...
}
NULL_CLASS = "null (nonsense/frameshift/canonical splice)"

#: Gene groups: test codes of *shipped* panel snapshots (gmsvar.load_panel), green genes;
#: ``"disease_group:<name>"`` = every shipped panel with that PanelApp disease group.
#: A gene is in the first group that lists it (MMR > FH > cardiac > cancer-other).
GENE_GROUP_SOURCES: dict[str, tuple[str, ...]] = {
    "MMR/Lynch": ("R210",),
    "FH": ("R134",),
    "cardiac": ("R138", "R127"),
    "cancer-other": ("disease_group:Inherited cancer",),
}
GROUP_ORDER = (*GENE_GROUP_SOURCES, "other")

#: Issue 5 targets on the development split.
TARGETS = {
    "blb_called_plp": ("<=", 0.001),
    "plp_called_plp": (">=", 0.50),
    "plp_null_lof_called_plp": (">=", 0.85),
    "blb_called_blb": (">=", 0.60),
    "throughput_100k_s": ("<", 2.0),
}


def _load_converter() -> Any:
    spec = importlib.util.spec_from_file_location("clinvar_to_vcf", HERE / "clinvar_to_vcf.py")
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("clinvar_to_vcf", mod)
    spec.loader.exec_module(mod)
    return mod


# -- data preparation -------------------------------------------------------------------------
def ensure_converted(af_source: str = "exac", *, force: bool = False) -> dict[str, Any]:
    """Converted VCF + truth for ``af_source``; (re)converts when missing or stale."""
    conv = _load_converter()
    paths = conv.output_paths(conv.OUT_DIR, af_source)
    if not force and all(p.exists() for p in paths.values()):
        summary = json.loads(paths["summary"].read_text())
        fresh = (summary.get("converter_version") == conv.CONVERTER_VERSION
                 and summary.get("converter_sha256") == conv.sha256(Path(conv.__file__))
                 and summary.get("max_records") is None
                 and all(Path(p).exists() and conv.sha256(Path(p)) == v["sha256"]
                         for p, v in summary["inputs"].items())
                 and conv.sha256(paths["vcf"]) == summary.get("vcf_sha256"))
        if fresh:
            return dict(summary)
    return dict(conv.convert(af_source=af_source))


def load_truth(path: Path) -> Any:
    """The converter's truth TSV as a DataFrame (all columns text, ``key`` unique)."""
    import pandas as pd

    df = pd.read_csv(path, sep="\t", dtype=str, keep_default_na=False)
    if df["key"].duplicated().any():
        raise ValueError(f"{path}: duplicate keys")
    return df


def gene_groups() -> dict[str, dict[str, Any]]:
    """{group: {"genes": sorted symbols, "panels": [...]}} from the shipped panel snapshots."""
    import gmsvar

    out: dict[str, dict[str, Any]] = {}
    taken: set[str] = set()
    for group, sources in GENE_GROUP_SOURCES.items():
        genes: set[str] = set()
        panels: list[str] = []
        for src in sources:
            if src.startswith("disease_group:"):
                want = src.split(":", 1)[1]
                selected = [p for p in _shipped_panels() if p.disease_group == want]
            else:
                selected = [gmsvar.load_panel(src)]
            for p in selected:
                new = set(p.gene_symbols()) - taken
                if not new:  # e.g. R210 under "Inherited cancer": all its genes are MMR/Lynch
                    continue
                genes.update(new)
                panels.append(f"{'/'.join(p.test_codes)} {p.name} (panel {p.id} v{p.version})")
        genes -= taken
        taken |= genes
        out[group] = {"genes": sorted(genes), "panels": sorted(set(panels))}
    out["other"] = {"genes": [], "panels": ["every other gene, and rows without a gene"]}
    return out


def _shipped_panels() -> list[Any]:
    import re

    import gmsvar

    pkg = Path(gmsvar.__file__).resolve().parent / "data" / "panels"
    ids = sorted({m.group(1) for f in pkg.glob("panel_*_v*.json")
                  if (m := re.match(r"panel_(\w+?)_v", f.name))})
    return [gmsvar.load_panel(i) for i in ids]


def assign_gene_group(genes: Sequence[Any], groups: Mapping[str, Mapping[str, Any]]) -> list[str]:
    """Group name per gene symbol (``None``/unknown -> ``"other"``)."""
    lookup = {g: name for name, d in groups.items() for g in d["genes"]}
    return [lookup.get(g, "other") if isinstance(g, str) else "other" for g in genes]


def consequence_class(consequences: Sequence[Any]) -> list[str]:
    """Consequence class per chosen VEP term (``None`` -> ``"other"``).

    >>> consequence_class(["stop_gained", "missense_variant", None, "start_lost"])
    ['null (nonsense/frameshift/canonical splice)', 'missense', 'other', 'other']
    """
    lookup = {t: c for c, terms in CONSEQUENCE_CLASSES.items() for t in terms}
    return [lookup.get(c, "other") if isinstance(c, str) else "other" for c in consequences]


# -- join + tables ----------------------------------------------------------------------------
def build_frame(table: Any, result: Any, truth: Any, groups: Mapping[str, Mapping[str, Any]],
                lof: Mapping[str, str] | None = None) -> Any:
    """One row per allele: classifier output + truth + input consequence/gene/AF + groups.

    Raises when the classifier output does not line up with the table (contract A: same order,
    RangeIndex, ``variant_index`` = row) or a row has no truth label.
    """
    import numpy as np
    import pandas as pd

    n = len(table)
    if len(result) != n:
        raise ValueError(f"classify returned {len(result)} rows for {n} allele rows")
    if not isinstance(result.index, pd.RangeIndex):
        raise ValueError("classify result does not have a RangeIndex")
    if not np.array_equal(result["variant_index"].to_numpy(), np.arange(n)):
        raise ValueError("classify result variant_index is not 0..n-1 in order")
    keys = [f"{c}-{p}-{r}-{a}" for c, p, r, a in zip(
        table.decode("variant_contig"), table["variant_position"], table["variant_ref"],
        table["variant_alt"], strict=True)]
    res_keys = [f"{c}-{p}-{r}-{a}" for c, p, r, a in zip(
        result["variant_contig"], result["variant_position"], result["variant_ref"],
        result["variant_alt"], strict=True)]
    if keys != res_keys:
        bad = sum(k != r for k, r in zip(keys, res_keys, strict=True))
        raise ValueError(f"classify result rows do not match the table's alleles ({bad} differ)")
    t = truth.set_index("key")
    missing = [k for k in keys if k not in t.index]
    if missing:
        raise ValueError(f"{len(missing)} rows have no truth label, e.g. {missing[:3]}")
    tr = t.loc[keys]
    cons_in = table.decode("variant_consequence")
    gene_in = table.decode("variant_gene")
    frame = pd.DataFrame({
        "key": keys,
        "truth": tr["truth"].to_numpy(),
        "truth_class": tr["truth_class"].to_numpy(),
        "stars": tr["stars"].astype(int).to_numpy(),
        "gene": gene_in,
        "consequence": cons_in,
        "popfreq_max": table["variant_popfreq_max"],
        "classification": result["classification"].to_numpy(),
        "acmg2015_class": result["acmg2015_class"].to_numpy(),
        "points": result["points"].to_numpy(),
        "criteria": result["criteria"].fillna("").to_numpy(),
        "flags": result["flags"].fillna("").to_numpy(),
        "evidence": result["evidence"].fillna("").to_numpy(),
        "out_gene": result["gene"].to_numpy(),
        "out_consequence": result["consequence"].to_numpy(),
    })
    for c in CRITERIA:
        frame[c] = result[c].fillna("").to_numpy()
    frame["gene_group"] = assign_gene_group(list(gene_in), groups)
    frame["consequence_class"] = consequence_class(list(cons_in))
    frame["lof_mechanism"] = [
        (lof or {}).get(g, "unknown") if isinstance(g, str) else "unknown" for g in gene_in]
    bad = sorted(set(frame["classification"]) - set(CLASSES))
    if bad:
        raise ValueError(f"classification values outside contract A: {bad}")
    return frame


def confusion(frame: Any, *, column: str = "classification", truth: str = "truth",
              rows: Sequence[str] = TRUTHS) -> dict[str, Any]:
    """{"rows": {truth: {class: count}}, "n": {truth: total}} (every class present, 0 if none)."""
    out: dict[str, dict[str, int]] = {}
    n: dict[str, int] = {}
    for r in rows:
        sub = frame.loc[frame[truth] == r, column]
        counts = Counter(sub)
        out[r] = {c: int(counts.get(c, 0)) for c in CLASSES}
        n[r] = len(sub)
    return {"rows": out, "n": n}


def _lof_order(values: Any) -> list[str]:
    base = ["known", "presumed", "not", "unknown"]
    return base + sorted(set(values) - set(base))


def confusion_by(frame: Any, by: str, order: Sequence[str]) -> dict[str, Any]:
    return {g: confusion(frame[frame[by] == g]) for g in order}


def _rate(num: int, den: int) -> float | None:
    return None if den == 0 else float(num) / float(den)


def _metric(num: int, den: int, target: str | None) -> dict[str, Any]:
    value = _rate(num, den)
    out: dict[str, Any] = {"value": value, "numerator": int(num), "denominator": int(den)}
    if target is not None:
        op, thr = TARGETS[target]
        out["target"] = f"{op} {thr:g}"
        out["met"] = None if value is None else bool(value <= thr if op == "<=" else value >= thr)
    return out


def metrics(frame: Any) -> dict[str, Any]:
    """The issue-5 target metrics (denominators include 'Not classified' rows)."""
    plp = frame["truth"] == "P/LP"
    blb = frame["truth"] == "B/LB"
    called_plp = frame["classification"].isin(PLP)
    called_blb = frame["classification"].isin(BLB)
    null = frame["consequence_class"] == NULL_CLASS
    lof_known = frame["lof_mechanism"] == "known"
    lof_any = frame["lof_mechanism"].isin(["known", "presumed"])
    has_cons = frame["consequence"].notna()
    m = {
        "blb_called_plp": _metric((blb & called_plp).sum(), blb.sum(), "blb_called_plp"),
        "plp_called_plp": _metric((plp & called_plp).sum(), plp.sum(), "plp_called_plp"),
        "plp_null_lof_called_plp": _metric((plp & null & lof_known & called_plp).sum(),
                                           (plp & null & lof_known).sum(),
                                           "plp_null_lof_called_plp"),
        "blb_called_blb": _metric((blb & called_blb).sum(), blb.sum(), "blb_called_blb"),
        # secondary views (no targets)
        "plp_null_lof_known_or_presumed_called_plp": _metric(
            (plp & null & lof_any & called_plp).sum(), (plp & null & lof_any).sum(), None),
        "plp_null_any_gene_called_plp": _metric((plp & null & called_plp).sum(),
                                                (plp & null).sum(), None),
        "plp_called_blb": _metric((plp & called_blb).sum(), plp.sum(), None),
        "blb_called_p": _metric((blb & (frame["classification"] == "Pathogenic")).sum(),
                                blb.sum(), None),
        "not_classified": _metric((frame["classification"] == "Not classified").sum(),
                                  len(frame), None),
        "with_consequence/plp_called_plp": _metric((plp & has_cons & called_plp).sum(),
                                                   (plp & has_cons).sum(), None),
        "with_consequence/blb_called_blb": _metric((blb & has_cons & called_blb).sum(),
                                                   (blb & has_cons).sum(), None),
        "with_consequence/blb_called_plp": _metric((blb & has_cons & called_plp).sum(),
                                                   (blb & has_cons).sum(), None),
        "acmg2015/blb_called_plp": _metric((blb & frame["acmg2015_class"].isin(PLP)).sum(),
                                           blb.sum(), None),
        "acmg2015/plp_called_plp": _metric((plp & frame["acmg2015_class"].isin(PLP)).sum(),
                                           plp.sum(), None),
        "acmg2015/blb_called_blb": _metric((blb & frame["acmg2015_class"].isin(BLB)).sum(),
                                           blb.sum(), None),
    }
    return m


def _top(series: Any, k: int) -> list[dict[str, Any]]:
    counts = Counter("(none)" if s == "" else s for s in series)
    total = max(1, len(series))
    return [{"value": v, "count": c, "fraction": c / total} for v, c in counts.most_common(k)]


def miss_reasons(frame: Any, *, k: int = 15) -> dict[str, Any]:
    """Most common criteria combinations (and genes) among the misses, for tuning."""
    plp = frame["truth"] == "P/LP"
    blb = frame["truth"] == "B/LB"
    cls = frame["classification"]
    out: dict[str, Any] = {}
    plp_vus = frame[plp & (cls == "Uncertain significance")]
    out["plp_called_vus"] = {
        "n": len(plp_vus),
        "criteria": _top(plp_vus["criteria"], k),
        "by_consequence_class": {
            c: {"n": int((plp_vus["consequence_class"] == c).sum()),
                "criteria": _top(plp_vus.loc[plp_vus["consequence_class"] == c, "criteria"], 5)}
            for c in CONSEQUENCE_CLASSES},
        "genes": _top(plp_vus["gene"].fillna("(none)"), k),
    }
    null_lof = frame[plp & (frame["consequence_class"] == NULL_CLASS)
                     & (frame["lof_mechanism"] == "known") & ~cls.isin(PLP)]
    out["plp_null_lof_not_called_plp"] = {
        "n": len(null_lof),
        "criteria": _top(null_lof["criteria"], k),
        "genes": _top(null_lof["gene"].fillna("(none)"), k),
        "flags": _top(null_lof["flags"], 10),
    }
    null_other = frame[plp & (frame["consequence_class"] == NULL_CLASS)
                       & (frame["lof_mechanism"] != "known") & ~cls.isin(PLP)]
    out["plp_null_not_known_lof_not_called_plp"] = {
        "n": len(null_other),
        "lof_mechanism": _top(null_other["lof_mechanism"], 5),
        "genes": _top(null_other["gene"].fillna("(none)"), k),
    }
    blb_vus = frame[blb & (cls == "Uncertain significance")]
    out["blb_called_vus"] = {
        "n": len(blb_vus),
        "criteria": _top(blb_vus["criteria"], k),
        "by_consequence_class": {
            c: {"n": int((blb_vus["consequence_class"] == c).sum()),
                "criteria": _top(blb_vus.loc[blb_vus["consequence_class"] == c, "criteria"], 5)}
            for c in CONSEQUENCE_CLASSES},
    }
    plp_b = frame[plp & cls.isin(BLB)]
    out["plp_called_blb"] = {"n": len(plp_b), "criteria": _top(plp_b["criteria"], k),
                             "genes": _top(plp_b["gene"].fillna("(none)"), k)}
    nc = frame[cls == "Not classified"]
    out["not_classified"] = {
        "n": len(nc), "by_truth": {t: int((nc["truth"] == t).sum()) for t in TRUTHS},
        "flags": _top(nc["flags"], 10), "genes": _top(nc["gene"].fillna("(none)"), 10)}
    blb_p = frame[blb & cls.isin(PLP)]
    cols = ["key", "gene", "consequence", "popfreq_max", "truth_class", "stars", "classification",
            "points", "criteria", "flags", "evidence"]
    out["blb_called_plp"] = {
        "n": len(blb_p),
        "criteria": _top(blb_p["criteria"], k),
        "rows": [{c: _jsonable(v) for c, v in r.items()} for r in blb_p[cols].head(100)
                 .to_dict("records")],
    }
    return out


def _jsonable(v: Any) -> Any:
    if hasattr(v, "item"):
        v = v.item()
    if isinstance(v, float) and v != v:
        return None
    return v


def criteria_rates(frame: Any) -> dict[str, Any]:
    """Per criterion: fraction of P/LP and of B/LB rows where it fired, by strength."""
    out: dict[str, Any] = {}
    for c in CRITERIA:
        row: dict[str, Any] = {}
        for t in TRUTHS:
            sub = frame.loc[frame["truth"] == t, c]
            n = max(1, len(sub))
            fired = sub[sub != ""]
            row[t] = {"fired": len(fired) / n,
                      "by_strength": {k: v / n for k, v in Counter(fired).most_common()}}
        out[c] = row
    flags: dict[str, Any] = {}
    for t in TRUTHS:
        sub = frame.loc[frame["truth"] == t, "flags"]
        cnt: Counter[str] = Counter(f for s in sub for f in s.split(";") if f)
        flags[t] = {f: v / max(1, len(sub)) for f, v in cnt.most_common(20)}
    return {"criteria": out, "flags": flags}


# -- classifier knowledge ---------------------------------------------------------------------
def lof_mechanisms(genes: Sequence[str], spec: str = "acgs2020") -> tuple[dict[str, str], str]:
    """{gene: "known"|"presumed"|"not"|"unknown"} from the classifier's own gene knowledge.

    The engine's gene table (``gmsvar.classify.knowledge.load_genes()``, built from PanelApp and
    ClinGen dosage data) with the spec's per-gene overrides (``[lof]`` of each overlay of
    ``gmsvar.classify.spec.load_spec(spec)``) applied on top, as the engine's PVS1 does.
    Returns the mapping and a sentence saying where it came from.
    """
    from gmsvar.classify import knowledge
    from gmsvar.classify import spec as spec_mod

    gk = knowledge.load_genes()
    sp = spec_mod.load_spec(spec)
    out: dict[str, str] = {}
    overridden = 0
    for g in genes:
        ov = sp.overlay_for(g)
        if ov is not None and g in ov.lof:
            out[g] = str(ov.lof[g][0])
            overridden += 1
        else:
            out[g] = gk.mechanism(g)
    source = (f"gmsvar.classify.knowledge.load_genes() (genes.tsv {gk.version}, column "
              f"lof_mechanism) with the [lof] gene overrides of spec {sp.name} {sp.version} "
              f"overlays ({', '.join(o.label for o in sp.overlays)}; {overridden} of the "
              f"{len(genes)} genes in the data overridden); 'LoF is the mechanism' = known")
    return out, source


# -- provenance -------------------------------------------------------------------------------
def machine() -> dict[str, Any]:
    """The read benchmark's machine record, plus the 1-minute load at the time of the run."""
    sys.path.insert(0, str(HERE.parent))
    from bench_read import machine as bench_machine

    return {**bench_machine(), "loadavg_1m": os.getloadavg()[0]}


def versions() -> dict[str, str]:
    import numpy as np
    import pandas as pd

    import gmsvar

    return {"python": platform.python_version(), "gmsvar": gmsvar.__version__,
            "numpy": np.__version__, "pandas": pd.__version__}


def source_state() -> dict[str, Any]:
    """git HEAD, uncommitted package files, and a hash of the package source + data files."""
    import gmsvar

    pkg = Path(gmsvar.__file__).resolve().parent
    h = hashlib.sha256()
    for f in sorted(p for p in pkg.rglob("*") if p.is_file() and "__pycache__" not in p.parts):
        h.update(str(f.relative_to(pkg)).encode() + b"\0" + f.read_bytes())
    state: dict[str, Any] = {"package_sha256": h.hexdigest()[:16]}
    try:
        head = subprocess.run(["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"],
                              capture_output=True, text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(REPO), "status", "--porcelain", "--",
                                "src/gmsvar/classify", "src/gmsvar/data/classify"],
                               capture_output=True, text=True, check=True).stdout.split("\n")
        state["git_head"] = head
        state["uncommitted_classify_files"] = sorted(ln[3:] for ln in dirty if ln.strip())
    except (OSError, subprocess.CalledProcessError):
        pass
    return state


def classifier_versions(result: Any) -> dict[str, Any]:
    """Spec / knowledge versions as the classify output reports them."""
    pairs = Counter(zip(result["spec"].astype(str), result["spec_version"].astype(str), strict=True))
    out: dict[str, Any] = {
        "spec": sorted(set(result["spec"].astype(str))),
        "spec_version": sorted(set(result["spec_version"].astype(str))),
        "spec_rows": [{"spec": a, "spec_version": b, "rows": n} for (a, b), n in sorted(pairs.items())],
        "knowledge_versions": [json.loads(s) for s in sorted(set(result["knowledge_versions"]))],
    }
    prov = result.attrs.get("provenance")
    if prov is not None:
        out["provenance"] = json.loads(json.dumps(prov, default=str))
    return out


# -- throughput -------------------------------------------------------------------------------
_SINGLE_THREAD_ENV = {k: "1" for k in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
                                       "NUMEXPR_NUM_THREADS", "VECLIB_MAXIMUM_THREADS")}


def throughput_worker(vcf: str, rows: int, repeat: int) -> dict[str, Any]:
    """Run inside a fresh process: pin to one CPU, read, classify ``rows`` rows; timings."""
    cpu = min(os.sched_getaffinity(0))
    os.sched_setaffinity(0, {cpu})
    import numpy as np

    import gmsvar
    import gmsvar.classify

    t0 = time.perf_counter()
    table = gmsvar.read_vcf(vcf)
    read_s = time.perf_counter() - t0
    n = len(table)
    big = table.take(np.resize(np.arange(n), rows))
    runs: list[dict[str, float]] = []
    for _ in range(repeat + 1):  # first = cold (knowledge files loaded, caches empty)
        la = os.getloadavg()[0]
        c0, w0 = time.process_time(), time.perf_counter()
        res = gmsvar.classify(big, clinvar=None)
        w1, c1 = time.perf_counter(), time.process_time()
        runs.append({"wall_s": w1 - w0, "cpu_s": c1 - c0, "loadavg_1m": la})
        if len(res) != rows:
            raise RuntimeError(f"classify returned {len(res)} rows for {rows}")
    warm = sorted(r["wall_s"] for r in runs[1:])
    warm_cpu = sorted(r["cpu_s"] for r in runs[1:])
    return {
        "rows": rows, "source_rows": n, "pinned_cpu": cpu,
        "threads_env": {k: os.environ.get(k) for k in _SINGLE_THREAD_ENV},
        "read_s": read_s, "read_rows": n, "read_rows_per_s": n / read_s,
        "cold_s": runs[0]["wall_s"], "warm_best_s": warm[0] if warm else None,
        "warm_median_s": warm[len(warm) // 2] if warm else None,
        "cold_cpu_s": runs[0]["cpu_s"],
        "warm_median_cpu_s": warm_cpu[len(warm_cpu) // 2] if warm_cpu else None, "runs": runs,
        "rows_per_s_warm_median": rows / warm[len(warm) // 2] if warm else None,
    }


def measure_throughput(vcf: Path, *, rows: int, repeat: int) -> dict[str, Any]:
    env = dict(os.environ, **_SINGLE_THREAD_ENV)
    cmd = [sys.executable, str(Path(__file__).resolve()), "--throughput-worker", str(vcf),
           "--rows", str(rows), "--repeat", str(repeat)]
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"throughput worker failed:\n{proc.stderr[-4000:]}")
    out: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    return out


# -- main evaluation --------------------------------------------------------------------------
ClassifyFn = Callable[[Any], Any]


def evaluate(
    vcf: Path,
    truth_path: Path,
    *,
    classify_fn: ClassifyFn | None = None,
    lof_fn: Callable[[Sequence[str]], tuple[dict[str, str], str]] | None = None,
) -> tuple[dict[str, Any], Any]:
    """Read, classify (``clinvar=None``), join and tabulate. Returns (results dict, frame).

    ``classify_fn`` / ``lof_fn`` default to the real ``gmsvar.classify`` and its gene knowledge;
    tests inject stand-ins.
    """
    import gmsvar

    if classify_fn is None:
        import gmsvar.classify

        def classify_fn(t: Any) -> Any:
            return gmsvar.classify(t, clinvar=None)  # ClinVar as evidence would be circular

    if lof_fn is None:
        lof_fn = lof_mechanisms
    t0 = time.perf_counter()
    table = gmsvar.read_vcf(vcf)
    read_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    result = classify_fn(table)
    classify_s = time.perf_counter() - t0
    truth = load_truth(truth_path)
    groups = gene_groups()
    genes = sorted({g for g in table.decode("variant_gene") if isinstance(g, str)})
    lof, lof_source = lof_fn(genes)
    frame = build_frame(table, result, truth, groups, lof)
    cons_mismatch = int((frame["out_consequence"].fillna("") != frame["consequence"].fillna(""))
                        .sum())
    gene_mismatch = int((frame["out_gene"].fillna("") != frame["gene"].fillna("")).sum())
    res: dict[str, Any] = {
        "rows": len(frame),
        "truth_counts": {t: int((frame["truth"] == t).sum()) for t in TRUTHS},
        "truth_class_counts": {t: int((frame["truth_class"] == t).sum()) for t in TRUTH_CLASSES},
        "timing_in_process": {"read_s": read_s, "classify_s": classify_s,
                              "classify_rows_per_s": len(frame) / classify_s if classify_s else None},
        "metrics": metrics(frame),
        "confusion": {
            "overall": confusion(frame),
            "overall_by_truth_class": confusion(frame, truth="truth_class", rows=TRUTH_CLASSES),
            "acmg2015_overall": confusion(frame, column="acmg2015_class"),
            "by_gene_group": confusion_by(frame, "gene_group", GROUP_ORDER),
            "by_consequence_class": confusion_by(frame, "consequence_class",
                                                 tuple(CONSEQUENCE_CLASSES)),
            "by_lof_mechanism_null_only": confusion_by(
                frame[frame["consequence_class"] == NULL_CLASS], "lof_mechanism",
                _lof_order(frame["lof_mechanism"])),
        },
        "misses": miss_reasons(frame),
        "criteria_rates": criteria_rates(frame),
        "checks": {"output_consequence_differs_from_input": cons_mismatch,
                   "output_gene_differs_from_input": gene_mismatch},
        "definitions": {
            "gene_groups": {g: {"panels": d["panels"], "n_genes": len(d["genes"]),
                                "genes": d["genes"]} for g, d in groups.items()},
            "gene_group_rule": "first group listing the gene (allele's chosen-transcript gene = first "
                               "ClinVar GENEINFO gene): " + " > ".join(GROUP_ORDER),
            "consequence_classes": {c: list(t) or ["everything else, incl. no consequence"]
                                    for c, t in CONSEQUENCE_CLASSES.items()},
            "consequence_source": "the allele's chosen CSQ consequence as read by gmsvar.read_vcf "
                                  "(most severe ClinVar MC term mapped to VEP)",
            "lof_mechanism_source": lof_source,
            "lof_mechanism_counts_in_rows": dict(Counter(frame["lof_mechanism"])),
            "denominators": "all rows of the truth group, 'Not classified' included",
        },
    }
    try:
        res["classifier"] = classifier_versions(result)
    except KeyError as err:
        res["classifier"] = {"error": f"missing column {err}"}
    return res, frame


def run(args: argparse.Namespace) -> dict[str, Any]:
    summary = ensure_converted(args.af_source, force=args.reconvert)
    vcf = Path(summary["outputs"]["vcf"])
    truth = Path(summary["outputs"]["truth"])
    started = datetime.now(UTC).isoformat(timespec="seconds")
    res, _frame = evaluate(vcf, truth)
    if not args.skip_throughput:
        tp = measure_throughput(vcf, rows=args.rows, repeat=args.repeat)
        op, thr = TARGETS["throughput_100k_s"]
        tp["target"] = f"{args.rows:,} rows {op} {thr:g} s on one core"
        tp["met_cold"] = tp["cold_s"] < thr
        tp["met_warm_median"] = tp["warm_median_s"] is not None and tp["warm_median_s"] < thr
        res["throughput"] = tp
    out = {
        "benchmark": "classification_dev_split" + ("" if args.af_source == "exac" else "_maxaf"),
        "created": started,
        "command": "python benchmarks/classification/evaluate.py " + " ".join(args.argv),
        "classify_call": "gmsvar.classify(table, clinvar=None)",
        "machine": machine(),
        "versions": versions(),
        "source": source_state(),
        "data": {k: summary[k] for k in ("converter_version", "af_source", "clinvar_release",
                                         "inputs", "records_read", "records_written",
                                         "truth_counts", "dropped", "stars_accepted", "vcf_sha256")},
        **res,
    }
    return out


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--af-source", choices=("exac", "max"), default="exac",
                    help="which converted VCF (MAX_AF from AF_EXAC, or max of EXAC/ESP/TGP)")
    ap.add_argument("--reconvert", action="store_true", help="re-run the converter first")
    ap.add_argument("--skip-throughput", action="store_true")
    ap.add_argument("--rows", type=int, default=100_000, help="throughput rows (default 100000)")
    ap.add_argument("--repeat", type=int, default=5, help="warm throughput runs (default 5)")
    ap.add_argument("--out", type=Path, default=None, help="JSON path (default benchmarks/results/"
                    "classification_dev_split[_maxaf].json; the .md goes next to it)")
    ap.add_argument("--throughput-worker", metavar="VCF", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    args.argv = argv
    if args.throughput_worker:
        print(json.dumps(throughput_worker(args.throughput_worker, args.rows, args.repeat)))
        return 0
    out = run(args)
    path = args.out or RESULTS / f"{out['benchmark']}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    _atomic_write(path, json.dumps(out, indent=1, default=_jsonable) + "\n")
    _atomic_write(path.with_suffix(".md"), markdown(out))
    print(f"wrote {path} and {path.with_suffix('.md')}")
    print(markdown(out, brief=True))
    return 0


# -- markdown ---------------------------------------------------------------------------------
def _pct(x: float | None, digits: int = 1) -> str:
    return "n/a" if x is None else f"{100 * x:.{digits}f} %"


def _matrix_md(conf: Mapping[str, Any], *, title: str | None = None) -> list[str]:
    lines = [f"**{title}**", ""] if title else []
    head = "| truth \\ predicted | " + " | ".join(SHORT[c] for c in CLASSES) + \
        " | n | called P/LP | called B/LB |"
    lines += [head, "|---|" + "---:|" * (len(CLASSES) + 3)]
    for r, counts in conf["rows"].items():
        n = conf["n"][r]
        if n == 0:
            continue
        plp = counts["Pathogenic"] + counts["Likely pathogenic"]
        blb = counts["Likely benign"] + counts["Benign"]
        cells = [f"{counts[c]:,}" for c in CLASSES]
        lines.append(f"| {r} | " + " | ".join(cells) +
                     f" | {n:,} | {_pct(plp / n)} | {_pct(blb / n)} |")
    return [*lines, ""]


def _metric_line(name: str, m: Mapping[str, Any], label: str) -> str:
    met = m.get("met")
    verdict = "" if "target" not in m else (
        " — **met**" if met else " — **not met**" if met is False else " — n/a")
    target = ""
    if "target" in m:
        op, thr = m["target"].split()
        target = f"{op.replace('<=', '≤').replace('>=', '≥')} {100 * float(thr):g} %"
    digits = 2 if name == "blb_called_plp" else 1
    return (f"| {label} | {_pct(m['value'], digits)} | {m['numerator']:,} / {m['denominator']:,} | "
            f"{target}{verdict} |")


_METRIC_LABELS = {
    "blb_called_plp": "B/LB truth called P/LP (safety)",
    "plp_called_plp": "P/LP truth called P/LP",
    "plp_null_lof_called_plp": "P/LP predicted-null in known-LoF genes called P/LP",
    "blb_called_blb": "B/LB truth called B/LB",
    "plp_null_lof_known_or_presumed_called_plp": "P/LP null, LoF known or presumed, called P/LP",
    "plp_null_any_gene_called_plp": "P/LP null (any gene) called P/LP",
    "plp_called_blb": "P/LP truth called B/LB",
    "blb_called_p": "B/LB truth called Pathogenic",
    "not_classified": "rows 'Not classified'",
    "with_consequence/plp_called_plp": "P/LP called P/LP, rows with a consequence (ClinVar MC)",
    "with_consequence/blb_called_blb": "B/LB called B/LB, rows with a consequence",
    "with_consequence/blb_called_plp": "B/LB called P/LP, rows with a consequence",
    "acmg2015/blb_called_plp": "2015 rules: B/LB called P/LP",
    "acmg2015/plp_called_plp": "2015 rules: P/LP called P/LP",
    "acmg2015/blb_called_blb": "2015 rules: B/LB called B/LB",
}


def _top_md(items: Sequence[Mapping[str, Any]], header: str) -> list[str]:
    lines = [f"| {header} | n | share |", "|---|---:|---:|"]
    lines += [f"| `{it['value']}` | {it['count']:,} | {_pct(it['fraction'])} |" for it in items]
    return [*lines, ""]


def markdown(out: Mapping[str, Any], *, brief: bool = False) -> str:
    """The results as readable markdown (``brief``: metrics and throughput only)."""
    m = out["metrics"]
    lines: list[str] = []
    if not brief:
        lines += [
            "# gmsvar germline classification vs ClinVar development split",
            "",
            f"Generated by `benchmarks/classification/evaluate.py` (do not edit by hand) on "
            f"{out['created']}; raw numbers in `{out['benchmark']}.json`. Command: "
            f"`{out['command'].strip()}`.",
            "",
            f"- classifier call: `{out['classify_call']}` (ClinVar is *not* given as evidence)",
            f"- gmsvar {out['versions']['gmsvar']} (git {out['source'].get('git_head', '?')}, "
            f"package sha256 {out['source']['package_sha256']}; uncommitted classify files: "
            f"{len(out['source'].get('uncommitted_classify_files', []))}), python "
            f"{out['versions']['python']}, numpy {out['versions']['numpy']}, pandas "
            f"{out['versions']['pandas']}",
            "- spec (rows): " + "; ".join(f"{d['spec']} {d['spec_version']} ({d['rows']:,})"
                                          for d in out["classifier"].get("spec_rows", [])) +
            "; knowledge: "
            + "; ".join(", ".join(f"{k} {v}" for k, v in kv.items())
                        for kv in out["classifier"].get("knowledge_versions", [])),
            f"- machine: {out['machine']['cpu_model']}, {out['machine']['cpus_usable']} usable CPUs, "
            f"{out['machine']['ram_gb']} GB, {out['machine']['platform']}",
            f"- data: ClinVar {out['data']['clinvar_release']}; {out['data']['records_read']:,} "
            f"records read, {out['rows']:,} allele rows evaluated "
            f"(P/LP {out['truth_counts']['P/LP']:,}, B/LB {out['truth_counts']['B/LB']:,}); "
            f"dropped: {', '.join(f'{k} {v}' for k, v in out['data']['dropped'].items()) or 'none'}; "
            f"≥2★ = {', '.join(out['data']['stars_accepted'])}; MAX_AF from "
            f"{'AF_EXAC' if out['data']['af_source'] == 'exac' else 'max(AF_EXAC, AF_ESP, AF_TGP)'}",
            "",
            ("**Sensitivity run**: `MAX_AF` = max(AF_EXAC, AF_ESP, AF_TGP) instead of AF_EXAC alone "
             "(see README caveats); the primary results are `classification_dev_split.md`."
             if out["data"]["af_source"] == "max" else
             "`MAX_AF` = ClinVar `AF_EXAC` (ExAC global AF; see the README caveats). A sensitivity "
             "run with max(AF_EXAC, AF_ESP, AF_TGP): `classification_dev_split_maxaf.md` "
             "(`evaluate.py --af-source max`)."),
            "",
            "## Targets",
            "",
        ]
    lines += ["| metric | value | n | target |", "|---|---:|---:|---|"]
    for k in ("blb_called_plp", "plp_called_plp", "plp_null_lof_called_plp", "blb_called_blb"):
        lines.append(_metric_line(k, m[k], _METRIC_LABELS[k]))
    tp = out.get("throughput")
    if tp:
        lines.append(
            f"| classify {tp['rows']:,} rows, one core: cold / warm median | "
            f"{tp['cold_s']:.2f} s / {tp['warm_median_s']:.2f} s wall (CPU {tp['cold_cpu_s']:.2f} / "
            f"{tp['warm_median_cpu_s']:.2f} s) | {tp['rows']:,} rows | "
            f"< 2 s — cold **{'met' if tp['met_cold'] else 'not met'}**, warm "
            f"**{'met' if tp['met_warm_median'] else 'not met'}** |")
    lines.append("")
    if brief:
        return "\n".join(lines)
    lines += [f"LoF mechanism for the null target: {out['definitions']['lof_mechanism_source']}", ""]
    if tp:
        cpu_s = ", ".join(f"{r['cpu_s']:.2f}" for r in tp["runs"])
        loads = ", ".join(f"{r['loadavg_1m']:.1f}" for r in tp["runs"])
        lines += [
            "Throughput: a fresh process pinned to CPU "
            f"{tp['pinned_cpu']} (`sched_setaffinity`, BLAS/OpenMP threads = 1) reads the "
            f"converted VCF ({tp['read_rows']:,} rows, {tp['read_s']:.2f} s = "
            f"{tp['read_rows_per_s']:,.0f} rows/s, not part of the target), repeats its rows to "
            f"{tp['rows']:,} with `table.take`, and times only `gmsvar.classify(table, "
            f"clinvar=None)`: the first call (cold: knowledge files loaded) and "
            f"{len(tp['runs']) - 1} warm calls (best {tp['warm_best_s']:.2f} s). CPU s of the "
            f"calls: {cpu_s}; 1-min load at start: {loads}.",
            "",
        ]
    ti = out["timing_in_process"]
    lines += [f"In-process (this run, not pinned): read {ti['read_s']:.2f} s, classify "
              f"{ti['classify_s']:.2f} s for {out['rows']:,} rows.", "", "### Secondary numbers",
              "", "| metric | value | n |", "|---|---:|---:|"]
    for k, v in m.items():
        if k in ("blb_called_plp", "plp_called_plp", "plp_null_lof_called_plp", "blb_called_blb"):
            continue
        lines.append(f"| {_METRIC_LABELS.get(k, k)} | {_pct(v['value'], 2)} | "
                     f"{v['numerator']:,} / {v['denominator']:,} |")
    conf = out["confusion"]
    lines += ["", "## Confusion matrices", "",
              "Rows: ClinVar truth; columns: predicted class (ACGS/Tavtigian points, the primary "
              "class). P = Pathogenic, LP = Likely pathogenic, VUS = Uncertain significance, "
              "LB = Likely benign, B = Benign, NC = Not classified.", ""]
    lines += _matrix_md(conf["overall"], title="Overall")
    lines += _matrix_md(conf["overall_by_truth_class"], title="Overall, by ClinVar class")
    lines += _matrix_md(conf["acmg2015_overall"], title="Overall, ACMG/AMP 2015 combining rules")
    lines += ["### Per gene group", ""]
    defs = out["definitions"]
    for g, c in conf["by_gene_group"].items():
        d = defs["gene_groups"][g]
        genes = ", ".join(d["genes"]) if len(d["genes"]) <= 12 else f"{d['n_genes']} genes"
        lines += _matrix_md(c, title=f"{g}" + (f" ({genes}; {'; '.join(d['panels'])})"
                                               if d["genes"] else " (all other genes)"))
    lines += ["### Per consequence class", "",
              f"Consequence = {defs['consequence_source']}.", ""]
    for k, c in conf["by_consequence_class"].items():
        terms = ", ".join(defs["consequence_classes"][k])
        lines += _matrix_md(c, title=f"{k} ({terms})")
    lines += ["### Predicted-null variants by the classifier's LoF-mechanism status", ""]
    for k, c in conf["by_lof_mechanism_null_only"].items():
        lines += _matrix_md(c, title=f"LoF mechanism: {k}")
    mi = out["misses"]
    lines += ["## Why variants are missed (for tuning)", "",
              f"### P/LP truth called VUS ({mi['plp_called_vus']['n']:,})", ""]
    lines += _top_md(mi["plp_called_vus"]["criteria"], "criteria fired")
    lines += ["By consequence class (top 5 combinations each):", ""]
    for c, d in mi["plp_called_vus"]["by_consequence_class"].items():
        if d["n"]:
            lines += [f"*{c}* ({d['n']:,}): " + "; ".join(
                f"`{it['value']}` {it['count']:,}" for it in d["criteria"]), ""]
    lines += ["Genes:", "", ", ".join(f"{it['value']} {it['count']}"
                                      for it in mi["plp_called_vus"]["genes"]), ""]
    d = mi["plp_null_lof_not_called_plp"]
    lines += [f"### P/LP predicted-null in known-LoF genes not called P/LP ({d['n']:,})", ""]
    lines += _top_md(d["criteria"], "criteria fired")
    lines += ["Genes: " + ", ".join(f"{it['value']} {it['count']}" for it in d["genes"]),
              "", "Flags: " + ", ".join(f"`{it['value']}` {it['count']}" for it in d["flags"]), ""]
    d = mi["plp_null_not_known_lof_not_called_plp"]
    lines += [f"### P/LP predicted-null, LoF not known for the gene, not called P/LP ({d['n']:,})",
              "", "LoF status: " + ", ".join(f"{it['value']} {it['count']}"
                                             for it in d["lof_mechanism"]),
              "", "Genes: " + ", ".join(f"{it['value']} {it['count']}" for it in d["genes"]), ""]
    lines += [f"### B/LB truth called VUS ({mi['blb_called_vus']['n']:,})", ""]
    lines += _top_md(mi["blb_called_vus"]["criteria"], "criteria fired")
    for c, d in mi["blb_called_vus"]["by_consequence_class"].items():
        if d["n"]:
            lines += [f"*{c}* ({d['n']:,}): " + "; ".join(
                f"`{it['value']}` {it['count']:,}" for it in d["criteria"]), ""]
    lines += [f"### P/LP truth called B/LB ({mi['plp_called_blb']['n']:,})", ""]
    lines += _top_md(mi["plp_called_blb"]["criteria"], "criteria fired")
    d = mi["not_classified"]
    lines += [f"### Not classified ({d['n']:,}: " + ", ".join(f"{k} {v:,}" for k, v in
                                                         d["by_truth"].items()) + ")", "",
              "Flags: " + ", ".join(f"`{it['value']}` {it['count']:,}" for it in d["flags"]), "",
              "Genes: " + ", ".join(f"{it['value']} {it['count']:,}" for it in d["genes"]), ""]
    lines += [f"### B/LB truth called P/LP ({mi['blb_called_plp']['n']:,}; the safety failures)", ""]
    rows = mi["blb_called_plp"]["rows"]
    if rows:
        lines += ["| variant | gene | consequence | MAX_AF | ClinVar | ★ | called | points | criteria |",
                  "|---|---|---|---:|---|---:|---|---:|---|"]
        for r in rows[:50]:
            af = "" if r["popfreq_max"] is None else f"{r['popfreq_max']:.3g}"
            lines.append(f"| {r['key']} | {r['gene']} | {r['consequence']} | {af} | "
                         f"{r['truth_class']} | {r['stars']} | {r['classification']} | "
                         f"{r['points']} | `{r['criteria']}` |")
        lines.append("")
    lines += ["## How often each criterion fired", "",
              "| criterion | P/LP fired | B/LB fired | strengths (P/LP) | strengths (B/LB) |",
              "|---|---:|---:|---|---|"]
    for c, r in out["criteria_rates"]["criteria"].items():
        if r["P/LP"]["fired"] == 0 and r["B/LB"]["fired"] == 0:
            continue
        sp = ", ".join(f"{k} {_pct(v)}" for k, v in r["P/LP"]["by_strength"].items())
        sb = ", ".join(f"{k} {_pct(v)}" for k, v in r["B/LB"]["by_strength"].items())
        lines.append(f"| {c} | {_pct(r['P/LP']['fired'])} | {_pct(r['B/LB']['fired'])} | {sp} | "
                     f"{sb} |")
    never = [c for c, r in out["criteria_rates"]["criteria"].items()
             if r["P/LP"]["fired"] == 0 and r["B/LB"]["fired"] == 0]
    lines += ["", f"Never fired: {', '.join(never) or 'none'}.", "", "Flags (share of rows):", ""]
    for t, fl in out["criteria_rates"]["flags"].items():
        lines.append(f"- {t}: " + (", ".join(f"`{k}` {_pct(v)}" for k, v in fl.items()) or "none"))
    ch = out["checks"]
    lines += ["", "## Checks", "",
              f"- classify output `consequence` differs from the input's chosen consequence in "
              f"{ch['output_consequence_differs_from_input']:,} rows; `gene` in "
              f"{ch['output_gene_differs_from_input']:,} rows (the tables above group by the input).",
              "- every evaluated row joined exactly one truth record (CHROM-POS-REF-ALT).", ""]
    return "\n".join(lines)


def _atomic_write(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


if __name__ == "__main__":
    sys.exit(main())
