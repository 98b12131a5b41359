"""Cohort inputs: VCF lists, multi-sample VCFs and manifest TSVs -> samples, with clear errors."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from gmsvar.cohort.manifest import ManifestError, header_samples, read_manifest, resolve_inputs
from gmsvar.errors import InputError

from .conftest import gz_header_only


def test_resolve_inputs__single_and_multi_sample_vcfs(batch: dict[str, Path]) -> None:
    got = resolve_inputs([batch["s0"], batch["multi"]])
    assert [(s.sample, s.vcf_sample, s.n_file_samples) for s in got] == [
        ("S0", "S0", 1), *[(f"M{i}", f"M{i}", 5) for i in range(5)]]
    assert all(Path(s.path).is_absolute() for s in got)


def test_resolve_inputs__one_path(batch: dict[str, Path]) -> None:
    assert [s.sample for s in resolve_inputs(str(batch["multi"]))] == [f"M{i}" for i in range(5)]


def test_resolve_inputs__unreadable_headers_are_scheduled_not_raised(batch: dict[str, Path]) -> None:
    got = {s.sample: s for s in resolve_inputs([batch["empty"], batch["s0"]])}
    assert got["empty"].vcf_sample is None and "empty file" in str(got["empty"].header_error)
    assert got["S0"].header_error is None


def test_resolve_inputs__missing_duplicate_and_repeated(batch: dict[str, Path], tmp_path: Path) -> None:
    with pytest.raises(ManifestError, match="does not exist"):
        resolve_inputs([batch["s0"], tmp_path / "nope.vcf.gz"])
    with pytest.raises(ManifestError, match="listed twice"):
        resolve_inputs([batch["s0"], batch["s0"]])
    dup = gz_header_only(tmp_path / "dup.vcf.gz", ["S0"])
    with pytest.raises(ManifestError, match="unique ids with a manifest"):
        resolve_inputs([batch["s0"], dup])
    with pytest.raises(ManifestError, match="no inputs"):
        resolve_inputs([])


def test_read_manifest__columns_paths_sex(batch: dict[str, Path], tmp_path: Path) -> None:
    m = tmp_path / "run.tsv"
    rel = Path("..") / batch["s1"].parent.name / batch["s1"].name
    m.write_text("# run 7\nsample\tvcf\tsex\ttumour_type\tbatch\n"
                 f"P1\t{batch['s0']}\tF\t\tA\nP2\t{rel}\tmale\tNSCLC\tA\n")
    df = read_manifest(m)
    assert list(df.columns) == ["sample", "vcf", "sex", "tumour_type", "vcf_sample"]
    assert df["sex"].tolist() == ["female", "male"]
    assert df["tumour_type"].tolist() == [None, "NSCLC"]
    assert Path(df["vcf"][1]).is_absolute()


def test_read_manifest__problems_listed_with_lines(batch: dict[str, Path], tmp_path: Path) -> None:
    m = tmp_path / "bad.tsv"
    m.write_text(f"sample\tvcf\tsex\nP1\t{batch['s0']}\tX?\nP1\t{batch['s1']}\tF\n"
                 f"P3\t{tmp_path}/missing.vcf.gz\t\n")
    with pytest.raises(ManifestError) as err:
        read_manifest(m)
    text = str(err.value)
    assert "bad.tsv:2: sex 'X?'" in text and "bad.tsv:3: sample id 'P1'" in text
    assert "bad.tsv:4: VCF" in text and "does not exist" in text
    m.write_text("id\tpath\nP1\tx\n")
    with pytest.raises(ManifestError, match=r"lacks column\(s\) \['sample', 'vcf'\]"):
        read_manifest(m)


def test_resolve_inputs__manifest_renames_and_picks_from_multi(batch: dict[str, Path],
                                                                tmp_path: Path) -> None:
    m = tmp_path / "m.tsv"
    m.write_text(f"sample\tvcf\tvcf_sample\nPT-1\t{batch['s0']}\t\nPT-2\t{batch['multi']}\tM3\n"
                 f"M1\t{batch['multi']}\t\n")
    got = resolve_inputs(m)
    assert [(s.sample, s.vcf_sample) for s in got] == [("PT-1", "S0"), ("PT-2", "M3"), ("M1", "M1")]
    m.write_text(f"sample\tvcf\nPT-9\t{batch['multi']}\n")
    with pytest.raises(ManifestError, match="add a 'vcf_sample' column"):
        resolve_inputs(m)
    m.write_text(f"sample\tvcf\tvcf_sample\nPT-9\t{batch['multi']}\tNOPE\n")
    with pytest.raises(ManifestError, match="vcf_sample 'NOPE' is not in"):
        resolve_inputs(m)


def test_resolve_inputs__dataframe_manifest(batch: dict[str, Path]) -> None:
    df = pd.DataFrame({"sample": ["A", "B"], "vcf": [str(batch["s0"]), str(batch["s1"])],
                       "sex": ["F", None]})
    got = resolve_inputs(df)
    assert [(s.sample, s.vcf_sample, s.sex) for s in got] == [("A", "S0", "female"), ("B", "S1", None)]


def test_header_samples__errors(tmp_path: Path, batch: dict[str, Path]) -> None:
    with pytest.raises(InputError, match="empty file"):
        header_samples(batch["empty"])
    (tmp_path / "x.vcf").write_text("hello\n")
    with pytest.raises(InputError, match="not a VCF"):
        header_samples(tmp_path / "x.vcf")
    (tmp_path / "y.vcf").write_text("##fileformat=VCFv4.2\n##INFO=<ID=A>\n")
    with pytest.raises(InputError, match="no '#CHROM' header line"):
        header_samples(tmp_path / "y.vcf")
    assert header_samples(batch["trunc"]) == ["T1"]  # the header survives the truncation
