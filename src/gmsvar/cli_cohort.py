"""``gmsvar cohort`` and ``gmsvar reanalyse``: batch interpretation from the command line.

:func:`add_cohort_parser` adds both verbs to the ``gmsvar`` parser; each option maps to a
keyword of :func:`gmsvar.run_cohort` / :func:`gmsvar.reanalyse`. Outputs go to ``-o DIR``;
a progress bar and the run summary go to stderr. Exit status: 0 when every sample was
interpreted, 1 when some failed (their error records are in ``DIR/errors.tsv``; the others'
outputs are complete) or on a gmsvar error, 2 on a usage error.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
from collections.abc import Iterator
from typing import Any

__all__ = ["add_cohort_parser"]

_COHORT_EPILOG = """\
examples:
  gmsvar cohort run7/*.vcf.gz --test R210 -o run7_out
  gmsvar cohort manifest.tsv --test R210 -o run7_out --workers 8 --reports html
  gmsvar cohort joint.vcf.gz --test R134 -o fh_out --scheduler tcp://10.0.0.5:8786

The manifest is a TSV with columns sample, vcf and optionally sex, tumour_type, vcf_sample.
Re-running the same command resumes: complete samples are skipped, partial ones redone.
Outputs: DIR/summary.html, findings.tsv, qc.tsv, allele_counts.tsv, errors.tsv, samples.tsv,
variants.parquet and DIR/samples/<sample>/ (variants, findings, qc, provenance.json).
Exit status 1 when any sample failed (see DIR/errors.tsv)."""

_REANALYSE_EPILOG = """\
examples:
  gmsvar reanalyse run7_out --panel 503:1.14
  gmsvar reanalyse run7_out --panel new_panel_503.json -o run7_reanalysed

Only the genes the panel change affects are re-interpreted (added or promoted to green,
changed mode of inheritance); genes no longer green drop out. The changed results are in
OUT/changes.tsv (default OUT: COHORT_DIR/reanalysis/panel_<id>_v<version>)."""


def _csv_list(text: str) -> list[str]:
    return [t.strip() for t in text.split(",") if t.strip()]


def _add_scheduler_options(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("where to run")
    g.add_argument("--workers", type=int, metavar="N",
                   help="local worker processes (default: the CPUs available; 0 = in this "
                        "process, no isolation)")
    g.add_argument("--scheduler", metavar="ADDRESS",
                   help="run on an existing Dask cluster (e.g. tcp://host:8786)")
    g.add_argument("--dask-workers", type=int, metavar="N",
                   help="run on a local Dask cluster of N single-threaded worker processes")
    g.add_argument("--progress", dest="progress", action="store_true", default=None,
                   help="progress bar on stderr (default: when stderr is a terminal)")
    g.add_argument("--no-progress", dest="progress", action="store_false")


def add_cohort_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Add the ``cohort`` and ``reanalyse`` verbs to the ``gmsvar`` sub-parsers.

    Parameters
    ----------
    subparsers
        The object returned by ``ArgumentParser.add_subparsers()``.

    Returns
    -------
    argparse.ArgumentParser
        The ``cohort`` parser.

    Examples
    --------
    >>> import argparse
    >>> top = argparse.ArgumentParser(prog="gmsvar")
    >>> p = add_cohort_parser(top.add_subparsers(dest="verb"))
    >>> args = top.parse_args(["cohort", "a.vcf.gz", "b.vcf.gz", "-o", "out", "--workers", "2"])
    >>> args.inputs, args.out, args.workers, args.test
    (['a.vcf.gz', 'b.vcf.gz'], 'out', 2, 'R210')
    """
    p: argparse.ArgumentParser = subparsers.add_parser(
        "cohort", help="interpret many samples in parallel (resumable, fault-isolated)",
        description="Interpret a batch of VCFs (or a manifest TSV) for a test, on a local "
                    "process pool or a Dask cluster.",
        epilog=_COHORT_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("inputs", nargs="+", metavar="INPUT",
                   help="VCFs (single- or multi-sample) or one manifest TSV")
    p.add_argument("-o", "--out", required=True, metavar="DIR", help="output directory")
    p.add_argument("--test", default="R210", help="test-directory code (default: %(default)s)")
    p.add_argument("--mode", default="germline", choices=["germline", "somatic", "ctdna"])
    p.add_argument("--build", default="GRCh38",
                   help="genome build every input must be: GRCh38 (default), GRCh37, or 'any'")
    p.add_argument("--panel", help="override the test's panel: ID:VERSION, a code or a JSON file")
    p.add_argument("--tumour-type", help="default tumour type (somatic modes)")
    p.add_argument("--clinvar", help="ClinVar VCF for PS1/PM5")
    p.add_argument("--evidence", help="user evidence table for the classifier")
    p.add_argument("--reports", type=_csv_list, default=[], metavar="FMT[,FMT]",
                   help="per-sample reports too: html, json, tsv, vcf, fhir")
    p.add_argument("--no-resume", dest="resume", action="store_false",
                   help="recompute every sample (default: skip complete ones)")
    g = p.add_argument_group("tuning")
    g.add_argument("--samples-per-task", type=int, metavar="N",
                   help="samples of a multi-sample VCF per task (default: auto)")
    g.add_argument("--region-chunks", type=int, metavar="N",
                   help="region chunks per sample group of a multi-sample VCF (default: auto)")
    g.add_argument("--frequent-fraction", type=float,
                   help="artefact flag: carried by at least this fraction of samples "
                        "(default 0.05)")
    g.add_argument("--min-carriers", type=int, help="artefact flag: and by at least N samples "
                                                     "(default 3)")
    g.add_argument("--common-popfreq", type=float,
                   help="artefact flag: only when rarer than this in the population "
                        "(default 0.01)")
    _add_scheduler_options(p)
    p.set_defaults(func=_cmd_cohort)

    r = subparsers.add_parser(
        "reanalyse", help="re-interpret a cohort directory for a new panel version",
        description="Re-interpret only what a panel update changes and list the changed results.",
        epilog=_REANALYSE_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    r.add_argument("cohort_dir", help="directory written by 'gmsvar cohort'")
    r.add_argument("--panel", required=True,
                   help="the new panel: ID:VERSION (offline snapshot), a code or a JSON file")
    r.add_argument("--old-panel", help="override the panel recorded in the cohort")
    r.add_argument("-o", "--out", metavar="DIR", help="output directory (default: inside "
                                                      "COHORT_DIR/reanalysis/)")
    _add_scheduler_options(r)
    r.set_defaults(func=_cmd_reanalyse)
    return p


@contextlib.contextmanager
def _client(args: argparse.Namespace) -> Iterator[Any]:
    if args.scheduler and args.dask_workers:
        raise SystemExit("gmsvar: error: use --scheduler or --dask-workers, not both")
    if not args.scheduler and not args.dask_workers:
        yield None
        return
    try:
        from distributed import Client, LocalCluster
    except ImportError as err:  # pragma: no cover - optional dependency
        from .errors import InputError

        raise InputError("Dask is not installed; pip install 'gmsvar[dask]'") from err
    if args.scheduler:
        with Client(args.scheduler) as client:  # type: ignore[no-untyped-call]
            yield client
        return
    cluster = LocalCluster(  # type: ignore[no-untyped-call]
        n_workers=args.dask_workers, threads_per_worker=1, processes=True, dashboard_address=None)
    with cluster, Client(cluster) as client:  # type: ignore[no-untyped-call]
        yield client


def _kw(args: argparse.Namespace, *names: str) -> dict[str, Any]:
    return {n: getattr(args, n) for n in names if getattr(args, n, None) is not None}


def _cmd_cohort(args: argparse.Namespace) -> int:
    from .cohort import run_cohort

    inputs: Any = args.inputs[0] if len(args.inputs) == 1 else args.inputs
    build = None if str(args.build).lower() in ("any", "none") else args.build
    with _client(args) as client:
        res = run_cohort(
            inputs, test=args.test, out_dir=args.out, mode=args.mode, workers=args.workers,
            client=client, resume=args.resume, build=build, panel=args.panel,
            tumour_type=args.tumour_type, clinvar=args.clinvar, evidence=args.evidence,
            reports=args.reports, progress=args.progress,
            **_kw(args, "samples_per_task", "region_chunks", "frequent_fraction",
                  "min_carriers", "common_popfreq"),
        )
    print(res.summary(), file=sys.stderr)
    if len(res.errors):
        print(f"gmsvar: {len(res.errors)} of {len(res.samples)} samples failed; see "
              f"{res.out_dir / 'errors.tsv'}", file=sys.stderr)
        return 1
    return 0


def _cmd_reanalyse(args: argparse.Namespace) -> int:
    from .cohort import reanalyse

    with _client(args) as client:
        res = reanalyse(args.cohort_dir, args.panel, out_dir=args.out, old_panel=args.old_panel,
                        workers=args.workers, client=client, progress=args.progress)
    print(res.cohort.summary(), file=sys.stderr)
    print(f"gmsvar: re-interpreted {len(res.reinterpreted)} samples for genes "
          f"{', '.join(res.genes['reinterpret']) or 'none'}; dropped "
          f"{', '.join(res.genes['drop']) or 'none'}; {len(res.changes)} changed results in "
          f"{res.out_dir / 'changes.tsv'}", file=sys.stderr)
    return 1 if len(res.cohort.errors) else 0
