"""Command line: ``gmsvar <verb>`` (also ``python -m gmsvar``).

Verbs: ``interpret``, ``filter``, ``classify``, ``actionable``, ``panels``
(``list``/``show``/``fetch``/``diff``), ``tests``, ``cohort``, ``reanalyse``, ``bench``, ``summary``
and ``demo``. Data goes to stdout or ``-o``; logs and progress to stderr (progress
only on a terminal). Exit codes: 0 ok, 1 a gmsvar error (bad input, panel
problem...), 2 usage error. Every verb's ``--help`` ends with an example.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from . import __version__
from .errors import GmsvarError, InputError

if TYPE_CHECKING:
    import pandas as pd

    from .table import VariantTable

log = logging.getLogger("gmsvar")

_EPILOG = {
    "interpret": (
        "examples:\n"
        "  gmsvar interpret proband.vcf.gz --test R210 -o results/\n"
        "  gmsvar interpret plasma.vcf.gz --test M4 --mode ctdna --tumour-type NSCLC -o results/\n"
        "  gmsvar interpret proband.vcf.gz --test R134 --formats tsv,html -o results/\n"
        "without -o the classified variants are written to stdout as TSV."
    ),
    "filter": (
        "example (bcftools-style expressions, VCF in, VCF out):\n"
        "  gmsvar filter in.vcf.gz -i 'QUAL>=30 && FMT/DP>=20 && INFO/gnomAD_AF<0.01' "
        "-o kept.vcf.gz"
    ),
    "classify": (
        "example:\n  gmsvar classify proband.vcf.gz --test R210 -o classified.tsv"
    ),
    "actionable": (
        "examples:\n"
        "  gmsvar actionable tumour.vcf.gz --context nsclc --tumour-type NSCLC\n"
        "  gmsvar actionable patient.vcf.gz --context dpyd --callable-regions covered.bed"
    ),
    "panels": (
        "examples:\n"
        "  gmsvar panels list --search lynch\n"
        "  gmsvar panels show R210\n"
        "  gmsvar panels fetch 503 --version 1.13 -o panel_503.json\n"
        "  gmsvar panels diff 503:1.12 503:1.13"
    ),
    "tests": "example:\n  gmsvar tests cardiomyopathy",
    "bench": "example:\n  gmsvar bench cohort.vcf.gz -i 'QUAL>=30 && FMT/DP>=20'",
    "summary": "example:\n  gmsvar summary sample.vcf.gz --regions chr3:37034823-37107380 -o qc.tsv",
    "demo": "example:\n  gmsvar demo --out demo-out",
}

_FORMATS = ("tsv", "json", "parquet", "vcf", "html", "fhir")


def _verbosity() -> argparse.ArgumentParser:
    """``-v``/``-q`` accepted after the verb too (SUPPRESS keeps the top-level value)."""
    p = argparse.ArgumentParser(add_help=False)
    p.add_argument("-v", "--verbose", action="store_true", default=argparse.SUPPRESS,
                   help="log progress to stderr")
    p.add_argument("-q", "--quiet", action="store_true", default=argparse.SUPPRESS,
                   help="only errors on stderr")
    return p


def _parser(sub: Any, name: str, help_text: str) -> argparse.ArgumentParser:
    p: argparse.ArgumentParser = sub.add_parser(
        name, help=help_text, description=help_text, epilog=_EPILOG.get(name),
        formatter_class=argparse.RawDescriptionHelpFormatter, parents=[_verbosity()])
    return p


def _add_read_options(p: argparse.ArgumentParser, *, vcf: bool = True) -> None:
    if vcf:
        p.add_argument("vcf", help="VCF/BCF file (plain, gzip or bgzip)")
    p.add_argument("--backend", choices=["cyvcf2", "pysam", "fast"], default="cyvcf2",
                   help="reader backend (default: %(default)s)")
    p.add_argument("--regions", action="append", metavar="CHR:START-END",
                   help="restrict to a region (repeatable); needs a tabix/CSI index")
    p.add_argument("--samples", help="comma-separated sample subset")
    p.add_argument("--build", choices=["GRCh37", "GRCh38"],
                   help="declare the genome build (checked against the header)")


def build_parser() -> argparse.ArgumentParser:
    """The ``gmsvar`` argument parser (all verbs)."""
    parser = argparse.ArgumentParser(
        prog="gmsvar",
        description="Clinical genomic variant interpretation for NHS GMS test-directory panels.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=("examples:\n  gmsvar interpret proband.vcf.gz --test R210 -o results/\n"
                "  gmsvar tests lynch\n\nRun 'gmsvar VERB --help' for a verb's options."),
    )
    parser.add_argument("--version", action="version", version=f"gmsvar {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress to stderr")
    parser.add_argument("-q", "--quiet", action="store_true", help="only errors on stderr")
    sub = parser.add_subparsers(dest="verb", metavar="VERB")
    sub.required = True

    p = _parser(sub, "interpret", "interpret a VCF for a test-directory test (panel, QC, "
                "classification, actionable findings, reports)")
    p.add_argument("vcf", help="VCF/BCF (bgzipped + indexed for a fast panel query)")
    p.add_argument("--test", "-t", default="R210", help="test-directory code (default: %(default)s)")
    p.add_argument("--sample", action="append", help="sample to interpret (repeatable; default all)")
    p.add_argument("--mode", choices=["germline", "somatic", "ctdna"], default="germline")
    p.add_argument("--tumour-type", help="tumour type for somatic tiers, e.g. NSCLC")
    p.add_argument("--clinvar", help="ClinVar VCF used for PS1/PM5")
    p.add_argument("--evidence", help="TSV of lab/family evidence (PS2, PS3, PP1, ...)")
    p.add_argument("--build", choices=["GRCh37", "GRCh38"])
    p.add_argument("--panel", help="override the panel: PanelApp id, id:version or snapshot path")
    p.add_argument("--regions", action="append", metavar="CHR:START-END",
                   help="further restrict the panel regions (repeatable)")
    p.add_argument("--callable-regions", help="BED of regions the caller covered (DPYD)")
    p.add_argument("--backend", choices=["cyvcf2", "pysam", "fast"], default="cyvcf2")
    p.add_argument("-o", "--output", help="output directory for the reports (default: TSV to stdout)")
    p.add_argument("--formats", default=",".join(_FORMATS),
                   help="comma-separated report formats with -o (default: %(default)s)")
    p.add_argument("--prefix", help="file-name prefix for the reports (default: the VCF's name)")
    p.set_defaults(func=_cmd_interpret)

    p = _parser(sub, "filter", "keep VCF records matching a bcftools-style expression")
    p.add_argument("vcf")
    g = p.add_mutually_exclusive_group(required=True)
    g.add_argument("-i", "--include", help="keep records where EXPR is true")
    g.add_argument("-e", "--exclude", help="drop records where EXPR is true")
    p.add_argument("--regions", action="append", metavar="CHR:START-END")
    p.add_argument("--backend", choices=["cyvcf2", "pysam", "fast"], default="cyvcf2")
    p.add_argument("-o", "--output", help="output VCF (.vcf, or .vcf.gz = bgzip + index); "
                   "default stdout")
    p.set_defaults(func=_cmd_filter)

    p = _parser(sub, "classify", "ACMG/AMP classification with ACGS points (TSV)")
    _add_read_options(p)
    p.add_argument("--test", "-t", help="restrict to this test's panel regions")
    p.add_argument("--spec", default="acgs2020")
    p.add_argument("--clinvar", help="ClinVar VCF used for PS1/PM5")
    p.add_argument("--evidence", help="TSV of lab/family evidence")
    p.add_argument("-o", "--output", help="write TSV here (default: stdout)")
    p.set_defaults(func=_cmd_classify)

    p = _parser(sub, "actionable", "actionable findings (NSCLC, Lynch, FH, cardiac, DPYD) as TSV")
    _add_read_options(p)
    p.add_argument("--context", required=True,
                   help="nsclc | lynch | fh | cardiac | dpyd")
    p.add_argument("--tumour-type")
    p.add_argument("--callable-regions", help="BED of covered regions (DPYD)")
    p.add_argument("-o", "--output", help="write TSV here (default: stdout)")
    p.set_defaults(func=_cmd_actionable)

    p = _parser(sub, "panels", "PanelApp panels: list, show, fetch, diff")
    psub = p.add_subparsers(dest="panels_verb", metavar="ACTION")
    psub.required = True
    q = psub.add_parser("list", help="panels available offline (bundled snapshots)")
    q.add_argument("--search", help="case-insensitive text in the panel name")
    q.set_defaults(func=_cmd_panels_list)
    q = psub.add_parser("show", help="genes of a panel (test code, id, id:version or file)")
    q.add_argument("ref")
    q.add_argument("--confidence", default="green", help="green, amber, red or all")
    q.set_defaults(func=_cmd_panels_show)
    q = psub.add_parser("fetch", help="fetch a panel from the live PanelApp API (cached)")
    q.add_argument("panel_id")
    q.add_argument("--version")
    q.add_argument("--cache-dir")
    q.add_argument("--base-url")
    q.add_argument("--offline", action="store_true", help="cache and snapshots only")
    q.add_argument("-o", "--output", help="write the panel as JSON here")
    q.set_defaults(func=_cmd_panels_fetch)
    q = psub.add_parser("diff", help="what changed between two panels / versions")
    q.add_argument("old", help="e.g. 503:1.12 or a snapshot path")
    q.add_argument("new")
    q.set_defaults(func=_cmd_panels_diff)

    p = _parser(sub, "tests", "search the National Genomic Test Directory")
    p.add_argument("query", nargs="?", help="code or text (default: list all indications)")
    p.set_defaults(func=_cmd_tests)

    try:
        from .cli_cohort import add_cohort_parser
    except ImportError:  # pragma: no cover - cohort module not installed
        pass
    else:
        add_cohort_parser(sub)

    p = _parser(sub, "bench", "time gmsvar read+filter against bcftools and a naive cyvcf2 loop")
    p.add_argument("vcf")
    p.add_argument("-i", "--include", default="QUAL>=30",
                   help="expression (default: %(default)s)")
    p.add_argument("--repeat", type=int, default=1)
    p.set_defaults(func=_cmd_bench)

    p = _parser(sub, "summary", "per-sample QC summary of a VCF (TSV)")
    _add_read_options(p)
    p.add_argument("-o", "--output", help="write TSV here (default: stdout)")
    p.set_defaults(func=_cmd_summary)

    p = _parser(sub, "demo", "interpret the shipped example cases and write reports")
    p.add_argument("--out", default="demo-out", help="output directory (default: %(default)s)")
    p.set_defaults(func=_cmd_demo)
    return parser


# -- helpers -------------------------------------------------------------------------------------

def _read(args: argparse.Namespace) -> VariantTable:
    from .io import read_vcf

    samples = args.samples.split(",") if getattr(args, "samples", None) else None
    regions: Any = args.regions
    if getattr(args, "test", None):
        from .panels import load_panel

        regions = load_panel(args.test)
    return read_vcf(args.vcf, backend=args.backend, regions=regions, samples=samples,
                    build=args.build)


def _atomic_text(path: str, text: str) -> None:
    from .report.writers import atomic_write

    with atomic_write(path) as fh:
        fh.write(text)


def _write_tsv(df: pd.DataFrame, path: str | None, *, index: bool = False) -> None:
    text = df.to_csv(sep="\t", index=index, float_format="%.6g")
    if path is None:
        sys.stdout.write(text)
        return
    _atomic_text(path, text)


def _stderr(msg: str) -> None:
    print(msg, file=sys.stderr)


# -- verbs ---------------------------------------------------------------------------------------

def _cmd_interpret(args: argparse.Namespace) -> int:
    from .pipeline import interpret

    formats = [f.strip().lower() for f in args.formats.split(",") if f.strip()]
    bad = sorted(set(formats) - set(_FORMATS))
    if bad:
        raise InputError(f"unknown report format(s) {bad}; choose from {', '.join(_FORMATS)}")
    t0 = time.perf_counter()
    res = interpret(args.vcf, test=args.test, sample=args.sample, mode=args.mode,
                    tumour_type=args.tumour_type, clinvar=args.clinvar, evidence=args.evidence,
                    build=args.build, panel=args.panel, regions=args.regions,
                    callable_regions=args.callable_regions, backend=args.backend)
    elapsed = time.perf_counter() - t0
    if args.output is None:
        _write_tsv(res.variants, None)
        if not args.quiet:
            _stderr(res.summary())
        return 0
    paths = write_reports(res, args.output, prefix=args.prefix or _stem(args.vcf), formats=formats)
    if not args.quiet:
        _stderr(res.summary())
        _stderr(f"interpreted in {elapsed:.2f} s; wrote {len(paths)} files to {args.output}")
    return 0


def _stem(path: str) -> str:
    name = os.path.basename(path)
    for ext in (".vcf.gz", ".vcf.bgz", ".vcf", ".bcf", ".gz"):
        if name.endswith(ext):
            return name[: -len(ext)]
    return name


def write_reports(res: Any, out_dir: str, *, prefix: str, formats: Sequence[str] = _FORMATS) -> list[str]:
    """Write an :class:`~gmsvar.report.Interpretation` in the given formats; return the paths."""
    os.makedirs(out_dir, exist_ok=True)
    base = os.path.join(out_dir, prefix)
    written: list[str] = []
    for fmt in formats:
        if fmt == "tsv":
            res.to_tsv(base + ".variants.tsv")
            written.append(base + ".variants.tsv")
        elif fmt == "json":
            res.to_json(base + ".json")
            written.append(base + ".json")
        elif fmt == "parquet":
            res.to_parquet(base + ".variants.parquet")
            written.append(base + ".variants.parquet")
        elif fmt == "vcf":
            if res.source is None:
                continue
            res.to_vcf(base + ".annotated.vcf.gz")
            written.append(base + ".annotated.vcf.gz")
        elif fmt == "html":
            target = base + ".html" if len(res.qc) <= 1 else base + "_html"
            out = res.to_html(target)
            written.extend([str(x) for x in out] if isinstance(out, (list, tuple)) else [target])
        elif fmt == "fhir":
            res.to_fhir(base + ".fhir.json")
            written.append(base + ".fhir.json")
    return written


def _cmd_filter(args: argparse.Namespace) -> int:
    from .io.vcf_filter import filter_vcf

    n_in, n_out = filter_vcf(args.vcf, args.output, include=args.include, exclude=args.exclude,
                             regions=args.regions, backend=args.backend)
    log.info("kept %d of %d records", n_out, n_in)
    return 0


def _cmd_classify(args: argparse.Namespace) -> int:
    from .classify import classify

    table = _read(args)
    df = classify(table, spec=args.spec, clinvar=args.clinvar, evidence=args.evidence)
    _write_tsv(df, args.output)
    return 0


def _cmd_actionable(args: argparse.Namespace) -> int:
    from .actionable import find_actionable

    table = _read(args)
    kw: dict[str, Any] = {}
    if args.callable_regions:
        kw["callable_regions"] = args.callable_regions
    df = find_actionable(table, context=args.context, tumour_type=args.tumour_type, **kw)
    _write_tsv(df, args.output)
    return 0


def _cmd_panels_list(args: argparse.Namespace) -> int:
    import pandas as pd

    from .panels import list_snapshots, load_panel

    rows = []
    for s in list_snapshots():
        p = load_panel(str(s.panel_id), version=s.version) if not isinstance(s.panel_id, str) \
            else load_panel(s.panel_id)
        if args.search and args.search.lower() not in p.name.lower():
            continue
        rows.append({"panel_id": s.panel_id, "version": s.version, "name": p.name,
                     "green_genes": len(p.green_genes), "tests": ",".join(p.test_codes)})
    _write_tsv(pd.DataFrame(rows, columns=["panel_id", "version", "name", "green_genes", "tests"]), None)
    return 0


def _load_panel_ref(ref: str) -> Any:
    from .panels import load_panel

    if ":" in ref and not ref.endswith(".json"):
        pid, version = ref.split(":", 1)
        return load_panel(pid, version=version)
    return load_panel(ref)


def _cmd_panels_show(args: argparse.Namespace) -> int:
    from .panels import Confidence

    panel = _load_panel_ref(args.ref)
    conf: Any = {"green": Confidence.GREEN, "amber": Confidence.AMBER, "red": Confidence.RED,
                 "all": (Confidence.GREEN, Confidence.AMBER, Confidence.RED)}.get(args.confidence)
    if conf is None:
        raise InputError(f"--confidence must be green, amber, red or all, not {args.confidence!r}")
    _stderr(panel.label)
    df = panel.to_frame()
    keep = {c.name.lower() for c in (conf if isinstance(conf, tuple) else (conf,))}
    if "confidence" in df:
        df = df[df["confidence"].astype(str).str.lower().isin(keep)]
    _write_tsv(df, None)
    return 0


def _cmd_panels_fetch(args: argparse.Namespace) -> int:
    import json

    from .panels import PanelAppClient

    kw: dict[str, Any] = {"offline": args.offline}
    if args.cache_dir:
        kw["cache_dir"] = args.cache_dir
    if args.base_url:
        kw["base_url"] = args.base_url
    client = PanelAppClient(**kw)
    try:
        panel = client.get_panel(args.panel_id, version=args.version)
    finally:
        client.close()
    _stderr(f"{panel.label} (source: {panel.provenance.get('source')})")
    doc = {"panel": panel.label, "id": panel.id, "version": panel.version,
           "provenance": {k: str(v) for k, v in panel.provenance.items()},
           "genes": panel.to_frame().astype(str).to_dict(orient="records")}
    text = json.dumps(doc, indent=2)
    if args.output:
        _atomic_text(args.output, text + "\n")
    else:
        sys.stdout.write(text + "\n")
    return 0


def _cmd_panels_diff(args: argparse.Namespace) -> int:
    from .panels import diff_panels

    old, new = _load_panel_ref(args.old), _load_panel_ref(args.new)
    d = diff_panels(old, new)
    _stderr(f"{old.label} -> {new.label}: {len(d.changes)} changes")
    _write_tsv(d.to_frame(), None)
    return 0


def _cmd_tests(args: argparse.Namespace) -> int:
    from .panels import test_directory

    df = test_directory()
    cols = [c for c in ("ci_code", "test_code", "ci_name", "method", "panelapp_id", "target")
            if c in df]
    if args.query:
        q = args.query.lower()
        hay = df[cols].apply(lambda r: " ".join(map(str, r)).lower(), axis=1)
        df = df[hay.str.contains(q, regex=False)]
        if df.empty:
            raise InputError(f"no test-directory entry matches {args.query!r}")
    _write_tsv(df[cols], None)
    return 0


def _cmd_bench(args: argparse.Namespace) -> int:
    from .io.vcf_filter import bench_filter

    rows = bench_filter(args.vcf, args.include, repeat=args.repeat)
    _write_tsv(rows, None)
    return 0


def _cmd_summary(args: argparse.Namespace) -> int:
    from .report import sample_summary

    table = _read(args)
    _write_tsv(sample_summary(table), args.output, index=True)
    return 0


#: The shipped example cases run by ``gmsvar demo`` (file, test, mode, tumour type).
DEMO_CASES: tuple[tuple[str, str, str, str | None], ...] = (
    ("lynch_germline.vcf.gz", "R210", "germline", None),
    ("nsclc_ctdna.vcf.gz", "M4", "ctdna", "NSCLC"),
    ("fh_germline.vcf.gz", "R134", "germline", None),
    ("dpyd_germline.vcf.gz", "M1", "germline", None),
)


def _cmd_demo(args: argparse.Namespace) -> int:
    from . import example_path
    from .pipeline import interpret

    out = sys.stdout
    out.write(f"gmsvar {__version__} demo: interpreting the shipped example cases "
              "(gmsvar/examples/PROVENANCE.md) with the shipped panels\n")
    for name, test, mode, tumour in DEMO_CASES:
        path = example_path(name)
        t0 = time.perf_counter()
        res = interpret(path, test=test, mode=mode, tumour_type=tumour)  # type: ignore[arg-type]
        files = write_reports(res, os.path.join(args.out, _stem(name)), prefix=_stem(name))
        out.write(f"\n== {name}  (test {test}, {mode}; {time.perf_counter() - t0:.2f} s)\n")
        out.write(res.summary().rstrip() + "\n")
        out.write(f"   reports: {len(files)} files in {os.path.join(args.out, _stem(name))}/\n")
    return 0


#: How long (log2 of CPU cycles) OpenBLAS's idle threads spin before they sleep, for the
#: command's own process (see :func:`main`).
OPENBLAS_THREAD_TIMEOUT = "4"


def _quiet_blas_threads() -> None:
    """Let OpenBLAS's idle worker threads sleep at once instead of spinning.

    numpy's bundled OpenBLAS starts one thread per core at ``import numpy``; each spins
    for about 2**28 cycles (~0.1 s) before it sleeps (numpy/numpy#29193, OpenBLAS #5171).
    gmsvar does no linear algebra, so in a short command that is pure waste: on a 2-core
    machine it took one core for most of a panel query (0.27 vs 0.15 CPU-s, 0.21 vs
    0.18 s). Only the command's own process (and the processes it starts) is changed, only
    before numpy is imported, and never over a value the user set. BLAS stays
    multi-threaded; its threads wake when given work.
    """
    if "numpy" not in sys.modules:
        os.environ.setdefault("OPENBLAS_THREAD_TIMEOUT", OPENBLAS_THREAD_TIMEOUT)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``gmsvar`` console script; returns the exit code."""
    _quiet_blas_threads()
    parser = build_parser()
    args = parser.parse_args(argv)
    level = logging.ERROR if args.quiet else logging.INFO if args.verbose else logging.WARNING
    logging.basicConfig(level=level, format="gmsvar: %(message)s", stream=sys.stderr)
    try:
        return int(args.func(args))
    except GmsvarError as err:
        print(f"gmsvar: error: {err}", file=sys.stderr)
        return 1
    except BrokenPipeError:  # e.g. piped into head
        return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
