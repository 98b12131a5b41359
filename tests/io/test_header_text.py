"""The fast backend's header, read from the file, against cyvcf2's ``raw_header``.

:func:`gmsvar.io.header_text.htslib_header_text` must give text that parses to the
same header as what cyvcf2 hands over (htslib adds ``FILTER=PASS``, drops repeated
IDs, trims white space before closing quotes, declares the contigs its index lists),
or ``None`` so the reader asks cyvcf2. Checked on every VCF under ``tests/data``.
"""

from __future__ import annotations

import dataclasses
import subprocess
import sys
import warnings
from pathlib import Path

import cyvcf2
import pysam
import pytest

from gmsvar import GmsvarError, read_vcf
from gmsvar.io.header import parse_header
from gmsvar.io.header_text import htslib_header_text, raw_header_text
from gmsvar.io.reader import _sniff

DATA = Path(__file__).parents[1] / "data"
VCFS = sorted(p for p in DATA.rglob("*.vcf*") if p.suffix not in (".tbi", ".csi"))


def _cyvcf2_text(path: Path) -> str | None:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return str(cyvcf2.VCF(str(path)).raw_header)
    except Exception:  # htslib cannot open it: the fast header must not either
        return None


def _fields(text: str, path: Path) -> dict[str, object] | None:
    try:
        h = parse_header(text, path=str(path))
    except GmsvarError:
        return None
    out = dataclasses.asdict(h)
    out.pop("n_lines")  # htslib adds and drops lines; the reader does not use the count
    out["n_columns"] = len(text.rstrip("\n").rsplit("\n", 1)[-1].split("\t"))
    return out


@pytest.mark.parametrize("path", VCFS, ids=lambda p: str(p.relative_to(DATA)))
def test_htslib_header_text__parses_like_cyvcf2(path: Path) -> None:
    try:
        kind = _sniff(str(path))
    except GmsvarError:
        return
    if kind == "bcf":
        return
    fast = htslib_header_text(str(path), kind)
    if fast is None:
        return  # the reader asks cyvcf2
    ours = _fields(fast, path)
    if ours is None:
        return  # parse_header rejects it: the reader asks cyvcf2 too
    theirs = _cyvcf2_text(path)
    assert theirs is not None, "htslib rejects a header the fast reader would accept"
    assert ours == _fields(theirs, path)


def _vcf(tmp_path: Path, meta: list[str], *, name: str = "h.vcf", samples: str = "\tFORMAT\tS1",
         body: str = "chr1\t5\t.\tA\tC\t.\tPASS\t.\tGT\t0/1\n") -> Path:
    p = tmp_path / name
    p.write_text("\n".join(["##fileformat=VCFv4.2", *meta,
                            "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO" + samples]) + "\n" + body)
    return p


def test_htslib_header_text__pass_first_duplicates_and_trailing_space(tmp_path: Path) -> None:
    p = _vcf(tmp_path, [
        '##FILTER=<ID=q10,Description="low">',
        '##FILTER=<ID=PASS,Description="mine">',
        '##INFO=<ID=DP,Number=1,Type=Integer,Description="Depth">',
        '##INFO=<ID=DP,Number=A,Type=Float,Description="again">',
        '##INFO=<ID=ANN,Number=.,Type=String,Description="Effects: a | b ">',
        '##contig=<ID=chr1,length=10>',
    ])
    text = htslib_header_text(str(p), "vcf")
    assert text is not None
    lines = text.splitlines()
    assert lines[1] == '##FILTER=<ID=PASS,Description="All filters passed">'
    assert "mine" not in text and "again" not in text and 'a | b"' in text
    assert _fields(text, p) == _fields(_cyvcf2_text(p) or "", p)


def test_htslib_header_text__index_contigs_appended(tmp_path: Path) -> None:
    p = _vcf(tmp_path, ['##contig=<ID=chr1,length=10>'],
             body="chr1\t5\t.\tA\tC\t.\tPASS\t.\tGT\t0/1\nchr9\t5\t.\tA\tC\t.\tPASS\t.\tGT\t0/1\n")
    gz = tmp_path / "h.vcf.gz"
    pysam.tabix_compress(str(p), str(gz), force=True)
    assert "chr9" not in (htslib_header_text(str(gz), "vcf.bgz") or "")
    pysam.tabix_index(str(gz), preset="vcf", force=True)
    text = htslib_header_text(str(gz), "vcf.bgz")
    assert text is not None and text.splitlines()[-2] == "##contig=<ID=chr9>"
    a, b = read_vcf(gz, backend="cyvcf2"), read_vcf(gz, backend="fast")
    assert b.meta.contigs == ("chr1", "chr9") and a.equals(b)


@pytest.mark.parametrize(("meta", "samples"), [
    (['##INFO=<ID=X,Number=1,Type=String,Description= "lead">'], "\tFORMAT\tS1"),  # space after =
    (['##INFO=<ID=X ,Number=1,Type=String,Description="x">'], "\tFORMAT\tS1"),
    (['##contig=<ID=1,A,length=5>'], "\tFORMAT\tS1"),                              # not a plain key
    (['##reference=<file:///x/hg19.fa>'], "\tFORMAT\tS1"),                         # htslib drops it
    (['##INFO=<ID=X,Number=1,Type=String,Description="x",IDX=3>'], "\tFORMAT\tS1"),
    ([], "\tFORMAT"),                                                              # FORMAT, no samples
    ([], "\tFORMAT\tS1\t"),                                                        # empty sample name
])
def test_htslib_header_text__unusual_headers_left_to_htslib(
    tmp_path: Path, meta: list[str], samples: str,
) -> None:
    assert htslib_header_text(str(_vcf(tmp_path, meta, samples=samples)), "vcf") is None


def test_raw_header_text__non_header_lines(tmp_path: Path) -> None:
    p = tmp_path / "x.vcf"
    p.write_text("##fileformat=VCFv4.2\n\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n")
    assert raw_header_text(str(p), "vcf") is None
    p.write_bytes(b"##fileformat=VCFv4.2\r\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\r\n")
    assert raw_header_text(str(p), "vcf") is None


def test_read_vcf__fast_header_does_not_import_cyvcf2(tmp_path: Path) -> None:
    """The header of a fast read comes from the file; cyvcf2 is imported only to fall back."""
    code = ("import sys, gmsvar; t = gmsvar.read_vcf(gmsvar.example_path('lynch_germline.vcf.gz'), "
            "backend='fast', regions='chr3:1-40000000'); "
            "print(len(t), t.meta.provenance['reader'], 'cyvcf2' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["4", "gmsvar.read_vcf", "(backend", "fast)", "False"]
