"""Command line: ``gmsvar <verb>`` (also ``python -m gmsvar``).

Data goes to stdout or ``-o``; logs to stderr. Exit codes: 0 ok, 1 a gmsvar
error (bad input, panel problem...), 2 usage error.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import tempfile
import time
from collections.abc import Sequence

import numpy as np
import pandas as pd

from . import __version__
from .errors import GmsvarError

log = logging.getLogger("gmsvar")

_EPILOG = {
    "summary": "example:\n  gmsvar summary sample.vcf.gz --regions chr3:37034823-37107380 -o qc.tsv",
    "demo": "example:\n  gmsvar demo",
}


def _add_read_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("vcf", help="VCF/BCF file (plain, gzip or bgzip)")
    p.add_argument("--backend", choices=["cyvcf2", "pysam"], default="cyvcf2",
                   help="reader backend (default: %(default)s)")
    p.add_argument("--regions", action="append", metavar="CHR:START-END",
                   help="restrict to a region (repeatable); needs a tabix/CSI index")
    p.add_argument("--samples", help="comma-separated sample subset")
    p.add_argument("--build", choices=["GRCh37", "GRCh38"],
                   help="declare the genome build (checked against the header)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="gmsvar",
        description="Clinical genomic variant interpretation for NHS GMS test-directory panels.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="Run 'gmsvar VERB --help' for a verb's options and an example.",
    )
    parser.add_argument("--version", action="version", version=f"gmsvar {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress to stderr")
    sub = parser.add_subparsers(dest="verb", metavar="VERB")
    sub.required = True

    p = sub.add_parser("demo", help="read the shipped example VCF and print a per-sample summary",
                       epilog=_EPILOG["demo"], formatter_class=argparse.RawDescriptionHelpFormatter)
    p.set_defaults(func=_cmd_demo)

    p = sub.add_parser("summary", help="per-sample QC summary of a VCF (TSV)",
                       epilog=_EPILOG["summary"],
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    _add_read_options(p)
    p.add_argument("-o", "--output", help="write TSV here (default: stdout)")
    p.set_defaults(func=_cmd_summary)
    return parser


def _read(args: argparse.Namespace):  # type: ignore[no-untyped-def]
    from .io import read_vcf

    samples = args.samples.split(",") if args.samples else None
    return read_vcf(args.vcf, backend=args.backend, regions=args.regions, samples=samples,
                    build=args.build)


def _write_atomic(df: pd.DataFrame, path: str | None) -> None:
    text = df.to_csv(sep="\t", float_format="%.4g")
    if path is None:
        sys.stdout.write(text)
        return
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(dir=directory, suffix=".tmp")
    with os.fdopen(fd, "w") as fh:
        fh.write(text)
    os.replace(tmp, path)


def _cmd_summary(args: argparse.Namespace) -> int:
    from .report import sample_summary

    table = _read(args)
    _write_atomic(sample_summary(table), args.output)
    return 0


def _cmd_demo(args: argparse.Namespace) -> int:
    from . import example_path
    from .io import read_vcf
    from .report import sample_summary

    path = example_path("trio_grch37.vcf.gz")
    t0 = time.perf_counter()
    table = read_vcf(path)
    elapsed = time.perf_counter() - t0
    meta = table.meta
    prov = meta.provenance
    out = sys.stdout
    out.write(f"gmsvar {__version__} demo: {os.path.basename(path)} (shipped example, see "
              "gmsvar/examples/PROVENANCE.md)\n\n")
    out.write(f"  records read     {len(table)} allele rows x {table.n_samples} samples "
              f"in {elapsed:.2f} s\n")
    out.write(f"  genome build     {meta.genome_build} ({meta.build_evidence})\n")
    out.write(f"  annotation       {prov.get('annotation')} "
              f"({prov.get('transcript_choice', 'n/a')})\n")
    out.write(f"  population AF    {prov.get('popfreq_plan')}\n")
    out.write(f"  depth / VAF from {prov.get('depth_source')} / {prov.get('vaf_source')}\n\n")
    with pd.option_context("display.width", 120, "display.max_columns", 20):
        out.write("Per-sample summary\n")
        out.write(sample_summary(table).round(3).to_string() + "\n\n")
        if "variant_consequence" in table:
            cons = pd.Series(table.decode("variant_consequence")).value_counts().head(8)
            out.write("Most frequent consequences (chosen transcript)\n")
            out.write(cons.to_string() + "\n\n")
            high = table["variant_consequence_rank"]
            idx = np.flatnonzero((high > 0) & (high <= 7))[:5]
            if len(idx):
                out.write("High-impact allele rows (first 5)\n")
                df = table.take(idx).to_pandas()[
                    ["contig", "position", "ref", "alt", "gene", "consequence", "hgvsp",
                     "popfreq_max"]]
                out.write(df.to_string(index=False) + "\n")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``gmsvar`` console script; returns the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="gmsvar: %(message)s", stream=sys.stderr)
    try:
        return int(args.func(args))
    except GmsvarError as err:
        print(f"gmsvar: error: {err}", file=sys.stderr)
        return 1
    except BrokenPipeError:  # e.g. piped into head
        return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
