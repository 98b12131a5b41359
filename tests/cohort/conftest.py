"""Fixtures for the cohort tests: small synthetic VCF batches written on the fly (see _vcfs.py)."""

from __future__ import annotations

import gzip
import shutil
from pathlib import Path

import pytest

from ._vcfs import write_vcf


@pytest.fixture(scope="session")
def batch(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Four single-sample VCFs, a 5-sample VCF, and bad files: truncated, GRCh37, empty."""
    d = tmp_path_factory.mktemp("cohort_in")
    files = {f"s{i}": write_vcf(d / f"s{i}.vcf.gz", [f"S{i}"], seed=i) for i in range(4)}
    files["multi"] = write_vcf(d / "multi.vcf.gz", [f"M{i}" for i in range(5)], seed=9)
    files["grch37"] = write_vcf(d / "grch37.vcf.gz", ["G37"], seed=12, build="GRCh37")
    # truncated: a larger file cut in the middle of a BGZF block, index from the whole file
    big = write_vcf(d / "trunc_full.vcf.gz", ["T1"], seed=13, n=6000)
    data = big.read_bytes()
    (d / "trunc.vcf.gz").write_bytes(data[: len(data) * 6 // 10])
    shutil.copy(str(big) + ".tbi", d / "trunc.vcf.gz.tbi")
    files["trunc"] = d / "trunc.vcf.gz"
    files["empty"] = d / "empty.vcf.gz"
    files["empty"].write_bytes(b"")
    return files


@pytest.fixture(scope="session")
def crash_vcf(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A valid VCF whose name makes the test interpreters segfault the worker."""
    return write_vcf(tmp_path_factory.mktemp("crash") / "crash.vcf.gz", ["C1"], seed=11)


def good(batch: dict[str, Path]) -> list[Path]:
    return [batch[k] for k in ("s0", "s1", "s2", "s3", "multi")]


def gz_header_only(path: Path, samples: list[str]) -> Path:
    with gzip.open(path, "wt") as fh:
        fh.write("##fileformat=VCFv4.2\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\t"
                 + "\t".join(samples) + "\n")
    return path
