"""Specifications and knowledge tables."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from gmsvar.classify import knowledge
from gmsvar.classify.spec import available_specs, load_spec
from gmsvar.errors import InputError, KnowledgeBaseError

DATA = Path(__file__).resolve().parents[1] / "data" / "classify"


def test_load_spec__default_and_overlays() -> None:
    sp = load_spec()
    assert sp.name == "acgs2020" and sp.version
    assert {"acgs2020", "insight_mmr", "fh_vcep", "cardiomyopathy"} <= set(available_specs())
    mmr = sp.overlay_for("PMS2")
    assert mmr is not None and mmr.population["ba1_af"] == pytest.approx(0.0022)
    assert "PM1" in mmr.not_applicable and mmr.lof["EPCAM"][0] == "deletion_3prime"
    fh = sp.overlay_for("APOB")
    assert fh is not None and fh.lof["APOB"][0] == "not" and fh.lof["LDLR"][0] == "known"
    cmp_ = sp.overlay_for("MYH7")
    assert cmp_ is not None and cmp_.lof["MYH7"][0] == "not" and cmp_.lof["MYBPC3"][0] == "known"
    assert sp.versions()["insight_mmr"] == mmr.version


def test_load_spec__unknown_and_path(tmp_path: Path) -> None:
    with pytest.raises(KnowledgeBaseError, match="no classification specification"):
        load_spec("nope")
    bad = tmp_path / "bad.toml"
    bad.write_text('name = "x"\n')
    with pytest.raises(KnowledgeBaseError, match="lacks"):
        load_spec(str(bad))


def test_genes__mechanisms_and_sources() -> None:
    g = knowledge.load_genes()
    assert g.version.startswith("gmsvar-genes")
    assert g.mechanism("MYBPC3") == "known"  # ClinGen HI 3
    assert g.mechanism("CFTR") == "presumed"  # PanelApp recessive
    assert g.mechanism("PCSK9") == "not"  # ClinGen HI 40, dominant
    assert set(g.table["lof_source"]) <= set(knowledge.LOF_SOURCES)


def test_exons__mane_cds_lengths_and_numbering() -> None:
    ex = knowledge.load_exons("GRCh38")
    for gene, cds in (("MLH1", 2271), ("PMS2", 2589), ("BRCA2", 10257), ("TP53", 1182), ("CFTR", 4443)):
        assert ex.cds_len[ex.gene_index[gene]] == cds
    pms2 = ex.exon_rows("PMS2")  # minus strand: exon 1 has the highest coordinates
    assert pms2.iloc[0]["exon"] == 1 and pms2.iloc[0]["start"] > pms2.iloc[-1]["start"]
    loc = ex.locate(
        np.array(["TP53", "TP53", None], object),
        np.array(["chr17", "17", "1"], object),
        np.array([7675088, 7675088, 100]),
    )
    assert loc.cpos.tolist()[:2] == [524, 524] and not loc.found[2]  # c.524 = p.Arg175
    assert knowledge.load_exons("GRCh37").cds_len[knowledge.load_exons("GRCh37").gene_index["MLH1"]] == 2271
    with pytest.raises(InputError):
        knowledge.load_exons("hg18")


def test_small_tables__versions() -> None:
    for loader in (knowledge.load_ba1_exceptions, knowledge.load_hotspots, knowledge.load_pp2_bp1):
        df, version = loader()
        assert len(df) and version != "unversioned"
    hs, _ = knowledge.load_hotspots()
    assert not set(hs["gene"]) & {"MLH1", "MSH2", "MSH6", "PMS2", "EPCAM"}


def test_clinvar__from_vcf_with_and_without_protein_annotation() -> None:
    kv = knowledge.ClinVarKnowledge.from_vcf(str(DATA / "clinvar_mini.vcf"), min_stars=2)
    r = kv.records.set_index("key")
    assert "17-7673802-C-G" in r.index  # 3 stars, CSQ p.Arg273His
    assert r.loc["17-7673802-C-G", "alt_aa"] == "His"
    assert "17-7675088-C-A" not in r.index  # 1 star: below the threshold
    assert "17-7675076-T-C" not in r.index  # benign
    assert r.loc["17-7674221-G-A", "source"] == "hgvsp"
    plain = knowledge.ClinVarKnowledge.from_vcf(str(DATA / "clinvar_mini_plain.vcf"), min_stars=2)
    p = plain.records.set_index("key")
    assert p.loc["17-7673802-C-G", "residue"] == 273 and p.loc["17-7673802-C-G", "source"] == "codon"


def test_clinvar__shared_vus_file_parses() -> None:
    path = Path("/work/shared/data/clinvar/clinvar_2020-08-03_GRCh38_VUS_target_genes.vcf.gz")
    if not path.exists():
        pytest.skip("shared ClinVar VUS file not available")
    kv = knowledge.ClinVarKnowledge.from_vcf(str(path))
    assert len(kv.records) == 0  # VUS only: nothing pathogenic to learn from
