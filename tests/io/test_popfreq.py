"""Tests for gmsvar.io.popfreq (gnomAD frequency plan and columns)."""

from __future__ import annotations

import dataclasses
from functools import cache
from pathlib import Path

import cyvcf2
import numpy as np
import pytest

from gmsvar.errors import InputError
from gmsvar.io.annotations import AnnotationSpec, annotate, annotation_specs, field_column
from gmsvar.io.popfreq import BOTTLENECKED_GROUPS, PopFreqPlan, plan_popfreq, popfreq_columns
from gmsvar.schema import COLUMNS, POPFREQ_STATUS
from gmsvar.table import INT_MISSING, FieldDef

DATA = Path(__file__).resolve().parents[1] / "data" / "annotations"
ABSENT, PRESENT, UNKNOWN = (POPFREQ_STATUS[k] for k in ("absent", "present", "not_annotated"))


def obj(values: list) -> np.ndarray:
    out = np.empty(len(values), dtype=object)
    out[:] = values
    return out


@cache
def read_csq(name: str) -> tuple[dict[str, FieldDef], AnnotationSpec, tuple[np.ndarray, ...]]:
    """INFO definitions, the VEP spec and (raw, ref, alts, allele_index, pos) per allele row."""
    vcf = cyvcf2.VCF(str(DATA / name))
    info = {}
    for h in vcf.header_iter():
        if h.type == "INFO":
            d = h.info()
            info[d["ID"]] = FieldDef(d["ID"], d["Number"], d["Type"],
                                     d.get("Description", "").strip('"'))
    spec = annotation_specs(info)[0]
    raw, ref, alts, idx, pos = [], [], [], [], []
    for rec in vcf:
        for i, _ in enumerate(rec.ALT, start=1):
            raw.append(rec.INFO.get(spec.info_id))
            ref.append(rec.REF)
            alts.append(tuple(rec.ALT))
            idx.append(i)
            pos.append(rec.POS)
    vcf.close()
    return info, spec, (obj(raw), obj(ref), obj(alts), np.array(idx), np.array(pos))


def info_defs(*ids: str, ftype: str = "Float", desc: str = "") -> dict[str, FieldDef]:
    return {i: FieldDef(i, "A", ftype, desc) for i in ids}


def vep_spec(*fields: str) -> AnnotationSpec:
    return AnnotationSpec("CSQ", "CSQ", ("Allele", "Consequence", *fields))


# -- plan --------------------------------------------------------------------------------------
def test_plan_popfreq__vep_exomes_with_genome_fallback_and_max_af() -> None:
    info, spec, _ = read_csq("split-vep.filter-missing-bt2098.vcf")
    plan = plan_popfreq(info, spec)
    assert plan.af == "CSQ/gnomADe_AF"
    assert plan.af_alternatives == ("CSQ/gnomADg_AF", "CSQ/gnomad_genomes_AF")
    assert plan.max == ("CSQ/MAX_AF",)
    assert "bottlenecked groups included" in plan.description


def test_plan_popfreq__vep_v2_fields() -> None:
    info, spec, _ = read_csq("scout-cancer_test.vcf.gz")
    plan = plan_popfreq(info, spec)
    assert (plan.af, plan.max, plan.af_alternatives) == ("CSQ/gnomAD_AF", ("CSQ/MAX_AF",), ())


def test_plan_popfreq__none_found() -> None:
    info, spec, _ = read_csq("split-vep.9.vcf")  # bcftools csq with a cohort AF sub-field
    plan = plan_popfreq(info, spec)
    assert plan == PopFreqPlan(None, (), plan.description)
    assert plan.description.startswith("none found")


@pytest.mark.parametrize(("ids", "af", "mx"), [
    # echtvar / vcfanno / slivar style names
    (("gnomad_af", "gnomad_popmax_af"), "INFO/gnomad_af", ("INFO/gnomad_popmax_af",)),
    (("gnomAD_AF", "gnomAD_AF_popmax"), "INFO/gnomAD_AF", ("INFO/gnomAD_AF_popmax",)),
    # gnomAD v4 names (annotated straight from the gnomAD VCF)
    (("gnomad_AF_joint", "AF_grpmax_joint", "fafmax_faf95_max_joint"), "INFO/gnomad_AF_joint",
     ("INFO/AF_grpmax_joint",)),
    (("gnomad_exomes_AF", "fafmax_faf95_max"), "INFO/gnomad_exomes_AF",
     ("INFO/fafmax_faf95_max",)),
    # exomes preferred, genomes as fallback; cohort AF never used
    (("AF", "gnomADg_AF", "gnomADe_AF"), "INFO/gnomADe_AF", ()),
])
def test_plan_popfreq__info_names(ids: tuple[str, ...], af: str, mx: tuple[str, ...]) -> None:
    plan = plan_popfreq(info_defs(*ids), None)
    assert (plan.af, plan.max) == (af, mx)


def test_plan_popfreq__string_popmax_is_a_group_name_not_a_frequency() -> None:
    info = {**info_defs("gnomad_af"), **info_defs("popmax", "grpmax", ftype="String"),
            **info_defs("fafmax_faf95_max_gen_anc", ftype="String")}
    assert plan_popfreq(info, None).max == ()


def test_plan_popfreq__per_group_max_excludes_bottlenecked_groups() -> None:
    groups = ["afr", "ami", "amr", "asj", "eas", "fin", "mid", "nfe", "remaining", "sas"]
    info = info_defs("gnomAD_AF", *(f"gnomAD_AF_{g}" for g in groups),
                     "gnomAD_AF_nfe_XX")  # sex-specific: not a group AF
    plan = plan_popfreq(info, None)
    assert plan.af == "INFO/gnomAD_AF"
    assert plan.max == tuple(f"INFO/gnomAD_AF_{g}" for g in ("afr", "amr", "eas", "nfe", "sas"))
    assert "ami, asj, fin, mid, remaining" in plan.description
    assert {"ami", "asj", "fin", "mid", "remaining", "oth"} == BOTTLENECKED_GROUPS


def test_plan_popfreq__vep_per_group_fields_of_both_datasets() -> None:
    spec = vep_spec("AF", "AFR_AF", "gnomADe_AF", "gnomADe_AFR_AF", "gnomADe_FIN_AF",
                    "gnomADe_OTH_AF", "gnomADg_AF", "gnomADg_AMI_AF", "gnomADg_NFE_AF")
    plan = plan_popfreq({}, spec)
    assert plan.af == "CSQ/gnomADe_AF" and plan.af_alternatives == ("CSQ/gnomADg_AF",)
    # 1000 Genomes AFR_AF is not gnomAD; FIN/OTH/AMI are bottlenecked
    assert plan.max == ("CSQ/gnomADe_AFR_AF", "CSQ/gnomADg_NFE_AF")


def test_plan_popfreq__overrides_win() -> None:
    info, spec, _ = read_csq("split-vep.filter-missing-bt2098.vcf")
    info = {**info, **info_defs("my_af")}
    plan = plan_popfreq(info, spec, af_field="my_af", max_fields=["gnomADg_AF", "CSQ/MAX_AF"])
    assert plan.af == "INFO/my_af" and plan.af_alternatives == ()
    assert plan.max == ("CSQ/gnomADg_AF", "CSQ/MAX_AF")
    assert "(caller)" in plan.description
    plan = plan_popfreq(info, spec, af_field="CSQ/gnomad_genomes_AF", max_fields=())
    assert (plan.af, plan.max) == ("CSQ/gnomad_genomes_AF", ())


def test_plan_popfreq__unknown_override_raises() -> None:
    info, spec, _ = read_csq("scout-cancer_test.vcf.gz")
    with pytest.raises(InputError, match=r"'INFO/gnomad_af' is not in this header.*INFO/<ID>"):
        plan_popfreq(info, spec, af_field="INFO/gnomad_af")
    with pytest.raises(InputError, match="not in this header"):
        plan_popfreq(info, spec, max_fields=["CSQ/grpmax"])


# -- columns: real files -----------------------------------------------------------------------
def _run(name: str, **plan_kw: object) -> tuple[np.ndarray, dict, dict, dict]:
    info, spec, (raw, ref, alts, idx, pos) = read_csq(name)
    cols, _, _ = annotate(spec, raw, ref, alts, idx)
    plan = plan_popfreq(info, spec, **plan_kw)  # type: ignore[arg-type]
    out, prov = popfreq_columns(plan, cols, n_variants=len(raw))
    return pos, cols, out, prov


def test_popfreq_columns__vep_gnomad_values() -> None:
    pos, _, out, prov = _run("scout-cancer_test.vcf.gz")
    got = {int(p): (a, m, s) for p, a, m, s in zip(
        pos, out["variant_popfreq_af"], out["variant_popfreq_max"],
        out["variant_popfreq_status"], strict=True)}
    assert got[90631934] == (2.843e-05, 6.539e-05, PRESENT)   # IDH2 R140Q
    assert got[5073770] == (0.000359, 0.0007123, PRESENT)     # JAK2 V617F
    assert got[170837543] == (0.0, 0.0, ABSENT)               # NPM1 c.860_863dup
    assert sum(s == PRESENT for _, _, s in got.values()) == 4
    assert prov["popfreq_af_field"] == "CSQ/gnomAD_AF"
    assert prov["popfreq_max_fields"] == ["CSQ/MAX_AF"]
    for name, arr in out.items():
        assert arr.dtype == np.dtype(COLUMNS[name].dtype)


def test_popfreq_columns__split_vep_oracle_for_custom_field() -> None:
    """split-vep.filter-missing-bt2098.1.out lists gnomad_genomes_AF per transcript entry."""
    expected = []
    for line in (DATA / "split-vep.filter-missing-bt2098.1.out").read_text().splitlines():
        values = {v for v in line.split("\t")[1].strip().split(",") if v != "."}
        expected.append(float(values.pop()) if values else 0.0)
    _, _, out, _ = _run("split-vep.filter-missing-bt2098.vcf", af_field="gnomad_genomes_AF",
                        max_fields=())
    assert out["variant_popfreq_af"].tolist() == expected == [0.0, 0.015909, 0.0]
    assert out["variant_popfreq_status"].tolist() == [ABSENT, PRESENT, ABSENT]
    assert np.isnan(out["variant_popfreq_max"]).all()


def test_popfreq_columns__genome_only_allele_is_present() -> None:
    _pos, _, out, _ = _run("split-vep.filter-missing-bt2098.vcf")
    # 116938163: no gnomAD exomes value, gnomAD genomes 0.0002334
    assert out["variant_popfreq_af"].tolist() == [0.0, 0.0002334, 0.0]
    assert out["variant_popfreq_status"].tolist() == [ABSENT, PRESENT, ABSENT]
    assert out["variant_popfreq_max"].tolist() == [0.0, 0.001988, 0.0]


def test_popfreq_columns__per_group_max_from_vep_fields() -> None:
    info, spec, (raw, ref, alts, idx, _pos) = read_csq("split-vep.filter-missing-bt2098.vcf")
    # hide MAX_AF so that only per-group fields remain (same positions, new name)
    spec = dataclasses.replace(spec, fields=tuple(
        "MAX_AF_hidden" if f == "MAX_AF" else f for f in spec.fields))
    cols, _, _ = annotate(spec, raw, ref, alts, idx)
    plan = plan_popfreq(info, spec)
    assert "CSQ/gnomADg_FIN_AF" not in plan.max and "CSQ/gnomADg_EAS_AF" in plan.max
    out, _ = popfreq_columns(plan, cols)
    assert out["variant_popfreq_max"].tolist() == [0.0, 0.001988, 0.0]


# -- columns: semantics ------------------------------------------------------------------------
def test_popfreq_columns__unannotated_alleles_are_unknown() -> None:
    plan = PopFreqPlan("CSQ/gnomADe_AF", ("CSQ/MAX_AF",), "test")
    cols = {
        "variant_ref": obj(["A", "C", "G"]),
        "annotation_variant": np.array([0, 0, 2], dtype=np.int64),
        field_column("gnomADe_AF"): obj([None, "0.25", None]),
        field_column("MAX_AF"): obj(["0.5", None, None]),
    }
    out, _ = popfreq_columns(plan, cols)
    af, mx, st = (out[k] for k in ("variant_popfreq_af", "variant_popfreq_max",
                                   "variant_popfreq_status"))
    assert af[0] == 0.25 and mx[0] == 0.5 and st[0] == PRESENT   # first non-empty entry
    assert np.isnan(af[1]) and np.isnan(mx[1]) and st[1] == UNKNOWN  # no CSQ entry
    assert af[2] == 0.0 and mx[2] == 0.0 and st[2] == ABSENT


def test_popfreq_columns__declared_info_field_missing_means_absent() -> None:
    plan = plan_popfreq(info_defs("gnomAD_AF", "AF_grpmax"), None)
    cols = {"variant_info_gnomAD_AF": np.array([1e-4, np.nan], dtype=np.float32),
            "variant_info_AF_grpmax": np.array([3e-4, np.nan], dtype=np.float32)}
    out, prov = popfreq_columns(plan, cols)
    assert out["variant_popfreq_status"].tolist() == [PRESENT, ABSENT]
    assert out["variant_popfreq_af"][1] == 0.0 and out["variant_popfreq_max"][1] == 0.0
    assert out["variant_popfreq_af"][0] == pytest.approx(1e-4)
    assert "declared-but-missing counts as absent" in prov["popfreq_rule"]


def test_popfreq_columns__value_shapes() -> None:
    plan = PopFreqPlan("INFO/a", ("INFO/r", "INFO/t", "INFO/i"), "test")
    cols = {
        "variant_info_a": obj(["0.1&0.3", ".&0.2", None, "."]),       # String, VEP-style '&'
        "variant_info_r": np.array([[0.9, 0.1], [0.9, 0.4], [np.nan, np.nan],
                                    [0.5, np.nan]], dtype=np.float32),  # Number=R
        "variant_info_t": obj([(None, "0.2"), ("0.5",), (), None]),     # Number=.
        "variant_info_i": np.array([INT_MISSING, 0, INT_MISSING, INT_MISSING], dtype=np.int32),
    }
    out, _ = popfreq_columns(plan, cols)
    assert out["variant_popfreq_af"].tolist() == [0.3, 0.2, 0.0, 0.0]
    assert out["variant_popfreq_max"] == pytest.approx([0.2, 0.5, 0.0, 0.0])
    assert out["variant_popfreq_status"].tolist() == [PRESENT, PRESENT, ABSENT, ABSENT]


def test_popfreq_columns__no_plan_is_all_unknown() -> None:
    out, prov = popfreq_columns(PopFreqPlan(None, (), "none found"), {},
                                n_variants=3)
    assert out["variant_popfreq_status"].tolist() == [UNKNOWN] * 3
    assert np.isnan(out["variant_popfreq_af"]).all() and np.isnan(out["variant_popfreq_max"]).all()
    assert prov["popfreq_af_field"] is None and prov["popfreq_max_fields"] == []


def test_popfreq_columns__empty_chunk() -> None:
    plan = PopFreqPlan("CSQ/gnomAD_AF", (), "test")
    cols = {"variant_ref": obj([]), "annotation_variant": np.zeros(0, dtype=np.int64),
            field_column("gnomAD_AF"): obj([])}
    out, _ = popfreq_columns(plan, cols)
    assert all(len(v) == 0 for v in out.values())


def test_popfreq_columns__missing_inputs_raise() -> None:
    with pytest.raises(InputError, match="n_variants"):
        popfreq_columns(PopFreqPlan(None, (), "x"), {})
    with pytest.raises(InputError, match="read INFO/gnomAD_AF"):
        popfreq_columns(PopFreqPlan("INFO/gnomAD_AF", (), "x"), {}, n_variants=1)
    with pytest.raises(InputError, match="annotation_variant"):
        popfreq_columns(PopFreqPlan("CSQ/gnomAD_AF", (), "x"), {}, n_variants=1)
