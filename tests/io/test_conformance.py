"""The hts-specs VCF conformance suite against the strict validator and the lenient reader.

Data: ``tests/data/hts-specs-conformance/`` (hts-specs ``test/vcf/``; see
``tests/data/PROVENANCE.md``). Every ``passed/`` file must validate cleanly and read; every
``failed/`` file must be rejected by :func:`check_vcf` (file and line in the message) unless
it is listed in ``XFAIL`` with the reason the check is not made.
"""

from __future__ import annotations

import gzip
import re
from pathlib import Path

import pytest

import gmsvar
from gmsvar.errors import InputError, VcfFormatError
from gmsvar.io.validate import Problem, check_vcf, validate_vcf

_HLA = ("GRCh38 HLA contigs such as HLA-A*01:01:01:01 (hs38DH, used by GATK and DRAGEN WGS "
        "pipelines) need it")
# Must-fail files that validate_vcf accepts on purpose (xfail(strict=True): if one starts to
# be rejected, the entry must be removed).
XFAIL = {
    "4.1/failed/failed_body_chrom_001.vcf":
        "':' in CHROM: VCF 4.1/4.2 forbid it but 4.3 allows it after the first character "
        f"and {_HLA}; one contig-name rule (4.3's) is used for every version",
    "4.2/failed/failed_body_chrom_001.vcf":
        "':' in CHROM: VCF 4.1/4.2 forbid it but 4.3 allows it after the first character "
        f"and {_HLA}; one contig-name rule (4.3's) is used for every version",
    "4.3/failed/failed_body_chrom_001.vcf":
        f"':' in CHROM is allowed by the VCF 4.3 contig-name regex (section 1.4.7); {_HLA}",
    "4.3/failed/failed_body_chrom_004.vcf":
        f"'*' after the first character is allowed by the VCF 4.3 contig-name regex; {_HLA}",
    "4.3/failed/failed_meta_sample_003.vcf":
        "'*' in a ##SAMPLE ID: VCF 4.3 sets no character rule for sample IDs, and the "
        "suite's '1.*' is a valid contig-style name",
    "4.1/failed/failed_body_format_003.vcf":
        "'_' in a FORMAT key: 4.1 says 'alphanumeric' but GATK and DeepVariant gVCFs (written "
        "as VCFv4.2) use MIN_DP, and 4.3 allows '_'",
    "4.2/failed/failed_body_format_003.vcf":
        "'_' in a FORMAT key: 4.2 says 'alphanumeric' but GATK and DeepVariant gVCFs (written "
        "as VCFv4.2) use MIN_DP, and 4.3 allows '_'",
    "4.1/failed/failed_meta_alt_000.vcf":
        "##ALT ID 'DEL1' without a reserved first-level type: enforcing that rejects GATK "
        "gVCFs (##ALT=<ID=NON_REF>) and bcftools gVCFs (##ALT=<ID=*>); IDs with ':' are checked",
    "4.2/failed/failed_meta_alt_000.vcf":
        "##ALT ID 'DEL1' without a reserved first-level type: enforcing that rejects GATK "
        "gVCFs (##ALT=<ID=NON_REF>) and bcftools gVCFs (##ALT=<ID=*>); IDs with ':' are checked",
    "4.1/failed/failed_meta_sample_000.vcf":
        "##SAMPLE without Genomes=: real tumour/normal VCFs write "
        "##SAMPLE=<ID=TUMOR,SampleName=...,File=...> (e.g. the Scout cancer demo) and 4.3 "
        "dropped the requirement",
    "4.2/failed/failed_meta_sample_000.vcf":
        "##SAMPLE without Genomes=: real tumour/normal VCFs write "
        "##SAMPLE=<ID=TUMOR,SampleName=...,File=...> (e.g. the Scout cancer demo) and 4.3 "
        "dropped the requirement",
}

SUITE = Path(__file__).resolve().parents[1] / "data" / "hts-specs-conformance"
PASSED = sorted(SUITE.glob("*/passed/*.vcf"))
FAILED = sorted(SUITE.glob("*/failed/*.vcf"))


def _rel(path: Path) -> str:
    return path.relative_to(SUITE).as_posix()


def _failed_params() -> list[object]:
    out: list[object] = []
    for path in FAILED:
        reason = XFAIL.get(_rel(path))
        marks = [pytest.mark.xfail(reason=reason, strict=True)] if reason else []
        out.append(pytest.param(path, marks=marks, id=_rel(path)))
    return out


def test_suite__complete_copy() -> None:
    counts = {v: (len(list(SUITE.glob(f"{v}/passed/*.vcf"))),
                  len(list(SUITE.glob(f"{v}/failed/*.vcf")))) for v in ("4.1", "4.2", "4.3", "4.5")}
    assert counts == {"4.1": (25, 193), "4.2": (25, 190), "4.3": (25, 224), "4.5": (1, 0)}
    assert set(XFAIL) <= {_rel(p) for p in FAILED}
    assert len(XFAIL) <= 0.05 * len(FAILED)  # goal: >= 95% of must-fail files rejected


# -- must-pass files ---------------------------------------------------------------------
@pytest.mark.parametrize("path", PASSED, ids=_rel)
def test_validate_vcf__passed_file_has_no_problems(path: Path) -> None:
    assert validate_vcf(path) == []
    check_vcf(path)


@pytest.mark.parametrize("path", PASSED, ids=_rel)
def test_read_vcf__passed_file_reads(path: Path) -> None:
    table = gmsvar.read_vcf(path)
    records = [ln.split("\t") for ln in path.read_text().splitlines() if ln and ln[0] != "#"]
    assert isinstance(table, gmsvar.VariantTable)
    assert len(table) >= sum(1 for r in records if r[4] != ".")


# -- must-fail files -----------------------------------------------------------------------
@pytest.mark.parametrize("path", _failed_params())
def test_check_vcf__failed_file_is_rejected(path: Path) -> None:
    with pytest.raises(VcfFormatError) as info:
        check_vcf(path)
    assert info.value.path == str(path)
    assert info.value.line is not None and info.value.line >= 1
    assert re.match(rf"{re.escape(str(path))}:\d+: \[\w+\] ", str(info.value))


_SECTIONS = ("fileformat", "header", "empty", "meta", "meta_info", "meta_format", "meta_alt",
             "meta_contig", "meta_sample", "meta_pedigree", "meta_pedigreedb", "meta_assembly",
             "meta_meta", "body_chrom", "body_pos", "body_id", "body_ref", "body_alt",
             "body_qual", "body_filter", "body_info", "body_format", "body_sample",
             "body_samples_ploidy", "body_unsorted", "body_contiguous", "body_duplicated",
             "body_no_newline")
# Where the suite's file name and the validator's section differ for a good reason.
_SECTION_OF = {
    "body_samples_ploidy": "body_sample",  # Number=G counts are sample-column problems
    "4.1/failed/failed_body_format_004.vcf": "body_sample",  # GT '0/|1': the GT value
    "4.2/failed/failed_body_format_004.vcf": "body_sample",
    "4.3/failed/failed_body_format_006.vcf": "body_sample",
    "4.1/failed/failed_body_sample_011.vcf": "header",  # duplicate names: the #CHROM line
    "4.2/failed/failed_body_sample_011.vcf": "header",
    "4.3/failed/failed_body_sample_011.vcf": "header",
    # '1.*' is a valid 4.3 contig name, but then CHROM 1 is not among the declared contigs
    "4.3/failed/failed_meta_contig_003.vcf": "body_chrom",
}


@pytest.mark.parametrize("path", [p for p in FAILED if _rel(p) not in XFAIL], ids=_rel)
def test_validate_vcf__failed_file_flags_its_section(path: Path) -> None:
    """The stated cause is found, not only some other problem in the file."""
    stem = path.stem.removeprefix("failed_")
    section = max((s for s in _SECTIONS if stem == s or stem.startswith(s + "_")), key=len)
    want = _SECTION_OF.get(_rel(path), _SECTION_OF.get(section, section))
    got = {p.section for p in validate_vcf(path)}
    # a structured line that does not parse is a 'meta' problem whatever its key
    assert want in got or (want.startswith("meta_") and "meta" in got), got


@pytest.mark.parametrize("path", FAILED, ids=_rel)
def test_read_vcf__failed_file_raises_vcf_format_error_or_reads(path: Path) -> None:
    try:
        table = gmsvar.read_vcf(path)
    except VcfFormatError as err:
        assert str(path) in str(err)
    else:
        assert isinstance(table, gmsvar.VariantTable)


# -- validator behaviour -------------------------------------------------------------------
def test_validate_vcf__one_problem_per_line_and_max_problems() -> None:
    path = SUITE / "4.3/failed/failed_body_info_integer_reserved.vcf"
    problems = validate_vcf(path)
    assert [p.line for p in problems] == list(range(5, 13))
    assert all(p.section == "body_info" and "reserved" in p.message for p in problems)
    assert validate_vcf(path, max_problems=3) == problems[:3]
    assert str(problems[0]).startswith(f"{path}:5: [body_info] INFO/INT: -2147483648 ")


def test_validate_vcf__gzip_and_crlf(tmp_path: Path) -> None:
    bad = SUITE / "4.2/failed/failed_body_alt_000.vcf"
    gz = tmp_path / "bad.vcf.gz"
    gz.write_bytes(gzip.compress(bad.read_bytes()))
    assert [(p.line, p.section) for p in validate_vcf(gz)] == [(4, "body_alt")]
    good = SUITE / "4.3/passed/passed_body_alt.vcf"
    crlf = tmp_path / "crlf.vcf"
    crlf.write_bytes(good.read_bytes().replace(b"\n", b"\r\n"))
    assert validate_vcf(crlf) == []


def test_validate_vcf__problem_fields() -> None:
    path = SUITE / "4.3/failed/failed_body_unsorted_000.vcf"
    problems = validate_vcf(path)
    assert Problem(str(path), 8, "body_unsorted",
                   "POS 500 after 1400 on 1: records must be sorted by position "
                   "(bcftools sort)") in problems


def test_validate_vcf__bcf_and_missing_file_raise_input_error(tmp_path: Path) -> None:
    bcf = tmp_path / "x.bcf"
    bcf.write_bytes(b"BCF\x02\x02" + b"\0" * 20)
    with pytest.raises(InputError, match="strict validation is for VCF text"):
        validate_vcf(bcf)
    with pytest.raises(InputError, match="no such file"):
        check_vcf(tmp_path / "missing.vcf")
