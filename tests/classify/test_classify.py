"""gmsvar.classify: API contract, specs in the output, evidence tables, end-to-end reads."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import gmsvar
import gmsvar.classify
from gmsvar.classify import CLASSES, CODES, classify
from gmsvar.classify.evidence import load_evidence
from gmsvar.errors import InputError
from gmsvar.table import VariantTable, VcfMetadata

from ._helpers import DATA, write_vcf

CONTRACT = [
    "variant_index",
    "variant_contig",
    "variant_position",
    "variant_id",
    "variant_ref",
    "variant_alt",
    "gene",
    "transcript",
    "hgvsc",
    "hgvsp",
    "consequence",
    "classification",
    "points",
    "acmg2015_class",
    *CODES,
    "criteria",
    "evidence",
    "flags",
    "spec",
    "spec_version",
    "knowledge_versions",
]


def test_classify__contract_columns_order_and_provenance(truth_result: pd.DataFrame, truth_vcf: Path) -> None:
    out = classify(gmsvar.read_vcf(truth_vcf))
    assert list(out.columns) == CONTRACT
    assert isinstance(out.index, pd.RangeIndex) and out["variant_index"].tolist() == list(range(len(out)))
    assert set(out["classification"]) <= set(CLASSES)
    for code in CODES:
        assert set(out[code]) <= {"", "Supporting", "Moderate", "Strong", "Very strong", "Stand-alone"}
    kv = json.loads(out["knowledge_versions"].iloc[0])
    assert kv["clinvar"] == "not used" and kv["genes"].startswith("gmsvar-genes")
    prov = out.attrs["provenance"]
    assert prov["spec"]["name"] == "acgs2020" and "insight_mmr" in prov["spec"]["overlays"]
    assert prov["build"] == "GRCh38" and "population" in prov["thresholds"]
    assert out.loc[out["gene"] == "MLH1", "spec"].iloc[0] == "acgs2020+insight_mmr"
    assert out.loc[out["gene"] == "BRCA2", "spec"].iloc[0] == "acgs2020"
    assert truth_result.loc["mlh1_fs_nmd", "spec_version"].count("+") == 1


def test_classify__module_is_callable(truth_vcf: Path) -> None:
    t = gmsvar.read_vcf(truth_vcf)
    a = gmsvar.classify(t)
    b = gmsvar.classify.classify(t)
    pd.testing.assert_frame_equal(a, b)


def test_classify__deterministic(truth_vcf: Path) -> None:
    t = gmsvar.read_vcf(truth_vcf)
    pd.testing.assert_frame_equal(classify(t), classify(t))


def test_classify__clinvar_vcf_path(truth_vcf: Path) -> None:
    out = classify(gmsvar.read_vcf(truth_vcf), clinvar=str(DATA / "clinvar_mini.vcf")).set_index("variant_id")
    assert out.loc["tp53_r273h_ps1", "PS1"] == "Strong"
    assert out.loc["tp53_r273c_pm5", "PM5"] == "Moderate"
    assert out.loc["tp53_r175h_hotspot", "PM5"] == ""  # only a 1-star record at residue 175
    assert "clinvar_mini.vcf" in json.loads(out["knowledge_versions"].iloc[0])["clinvar"]


def test_classify__empty_and_wrong_input() -> None:
    t = VariantTable(
        {
            "variant_contig": np.zeros(0, np.int32),
            "variant_position": np.zeros(0, np.int64),
            "variant_ref": np.zeros(0, object),
            "variant_alt": np.zeros(0, object),
        },
        categories={"variant_contig": ["chr1"]},
    )
    out = classify(t)
    assert len(out) == 0 and list(out.columns) == CONTRACT
    with pytest.raises(InputError, match="VariantTable"):
        classify(pd.DataFrame())  # type: ignore[arg-type]


def test_classify__unannotated_table_is_vus_and_flagged() -> None:
    t = VariantTable(
        {
            "variant_contig": np.zeros(2, np.int32),
            "variant_position": np.array([100, 200]),
            "variant_ref": np.array(["A", "C"], object),
            "variant_alt": np.array(["G", "<DUP>"], object),
        },
        meta=VcfMetadata(genome_build="GRCh38"),
        categories={"variant_contig": ["chr1"]},
    )
    out = classify(t)
    assert out["classification"].tolist() == ["Uncertain significance", "Not classified"]
    assert "no_annotation" in out["flags"][0] and "symbolic_allele" in out["flags"][1]


def test_classify__unknown_build_is_inferred_or_flagged(
    truth_rows: list[dict[str, str]], tmp_path: Path
) -> None:
    vcf = write_vcf(truth_rows, tmp_path / "t.vcf")
    text = vcf.read_text().replace("##reference=GRCh38\n", "")
    vcf.write_text(text)
    t = gmsvar.read_vcf(vcf)
    out = classify(t)
    assert out.attrs["provenance"]["build"] in ("GRCh38", "unknown")


def test_load_evidence__validation(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="unknown criteria"):
        load_evidence(pd.DataFrame({"variant": ["1-10-A-G"], "criterion": ["PP5"]}))
    with pytest.raises(InputError, match="chrom-pos-ref-alt"):
        load_evidence(pd.DataFrame({"variant": ["1:10"], "criterion": ["PS3"]}))
    with pytest.raises(InputError, match="repeated"):
        load_evidence(pd.DataFrame({"variant": ["1-10-A-G", "chr1-10-a-g"], "criterion": ["PS3", "PS3"]}))
    with pytest.raises(InputError, match="strength"):
        load_evidence(pd.DataFrame({"variant": ["1-10-A-G"], "criterion": ["PS3"], "strength": ["huge"]}))
    path = tmp_path / "ev.tsv"
    path.write_text("variant\tcriterion\tstrength\tnote\nchrX-5-A-T\tPP4\t\tdMMR tumour\n")
    ev = load_evidence(path)
    assert ev.iloc[0].to_dict() == {
        "key": "X-5-A-T",
        "criterion": "PP4",
        "strength": 1,
        "note": "dMMR tumour",
    }
    assert len(load_evidence(None)) == 0


def test_classify__other_spec_by_path(truth_vcf: Path, tmp_path: Path) -> None:
    src = (
        Path(gmsvar.classify.spec.__file__).resolve().parents[1]
        / "data"
        / "classify"
        / "specs"
        / "acgs2020.toml"
    )
    custom = tmp_path / "strict.toml"
    custom.write_text(
        src.read_text()
        .replace('name = "acgs2020"', 'name = "strict"')
        .replace('pm2_strength = "Supporting"', 'pm2_strength = "Moderate"')
    )
    out = classify(gmsvar.read_vcf(truth_vcf), spec=str(custom)).set_index("variant_id")
    assert out.loc["brca2_rare_pm2", "PM2"] == "Moderate" and out.loc["brca2_rare_pm2", "spec"] == "strict"


def test_classify__ba1_exception_gets_no_automatic_benign_criteria(tmp_path: Path) -> None:
    row = {
        "id": "hfe",
        "chrom": "chr6",
        "pos": "26092913",
        "ref": "G",
        "alt": "A",
        "gene": "HFE",
        "consequence": "missense_variant",
        "transcript": "ENST00000357618.10",
        "exon": "",
        "hgvsp": "ENSP00000417404.1:p.Cys282Tyr",
        "max_af": "0.07",
        "revel": "",
        "cadd": "",
        "spliceai": "",
        "nhomalt": "900",
    }
    out = classify(gmsvar.read_vcf(write_vcf([row], tmp_path / "hfe.vcf")))
    assert out.loc[0, "criteria"] == "" and out.loc[0, "classification"] == "Uncertain significance"
    assert "BA1 exception list" in out.loc[0, "evidence"]


def test_classify__global_af_only_is_flagged(tmp_path: Path) -> None:
    vcf = tmp_path / "g.vcf"
    vcf.write_text(
        "##fileformat=VCFv4.2\n##reference=GRCh38\n##contig=<ID=chr13>\n"
        '##INFO=<ID=CSQ,Number=.,Type=String,Description="Consequence annotations from Ensembl VEP. '
        'Format: Allele|Consequence|SYMBOL|Feature|gnomADe_AF">\n'
        "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n"
        "chr13\t32337000\tx\tC\tT\t.\tPASS\tCSQ=T|missense_variant|BRCA2|ENST00000380152.8|0.08\n"
    )
    out = classify(gmsvar.read_vcf(vcf))
    assert "popfreq_global_af_only" in out.loc[0, "flags"] and out.loc[0, "BA1"] == "Stand-alone"
