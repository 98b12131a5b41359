"""Knowledge bases: versions, provenance per entry, and consistency with the public sources."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pandas as pd
import pytest

import gmsvar
from gmsvar.actionable.genomic import CODE, translate
from gmsvar.actionable.kb import KB_FILES, kb_table, kb_versions, load_kb
from gmsvar.errors import KnowledgeBaseError


def test_load_kb__every_file_has_name_version_and_sources() -> None:
    versions = kb_versions(KB_FILES)
    assert len(versions) == len(KB_FILES)
    assert all(v == "2026.1" for v in versions.values())
    for name in ("nsclc", "lynch", "fh", "cardiac", "dpyd", "somatic"):
        kb = load_kb(name)
        assert kb["sources"], name
    for entry in load_kb("nsclc")["biomarkers"]:
        assert entry["source"] and entry["amp_level"] in "ABCD" and entry["therapies"]
    for name in ("codons", "regions"):
        assert (kb_table(name)["source"].str.len() > 10).all()
    for site in load_kb("dpyd")["sites"]:
        assert site["source"]


def test_load_kb__unknown_name_raises() -> None:
    with pytest.raises(KnowledgeBaseError, match="no JSON knowledge base"):
        load_kb("breast")
    with pytest.raises(KnowledgeBaseError, match="no TSV"):
        kb_table("nsclc")


def test_kb_table__returns_copy_with_versions() -> None:
    t = kb_table("genes")
    t.loc[0, "symbol"] = "CHANGED"
    assert kb_table("genes").loc[0, "symbol"] != "CHANGED"
    assert t.attrs == {"kb_name": "gmsvar-gene-spans", "kb_version": "2026.1"}


def test_codons__reference_codons_translate_to_reference_residues() -> None:
    cod = kb_table("codons")
    for aa, codon in zip(cod["ref_aa"], cod["ref_codon"], strict=True):
        assert CODE[codon] == aa
    assert translate("TTCCAGGAAGCC") == "FQEA"


def test_codons_and_regions__builds_differ_by_the_gene_offset_of_the_mane_spans() -> None:
    """GRCh38 - GRCh37 of every hotspot equals the same difference at both ends of the MANE transcript."""
    genes = kb_table("genes").set_index("symbol")
    cod, reg = kb_table("codons"), kb_table("regions")
    for gene, g38, g37 in [
        *zip(cod["gene"], cod["grch38_c1"], cod["grch37_c1"], strict=True),
        *zip(reg["gene"], reg["grch38_g_at_c_start"], reg["grch37_g_at_c_start"], strict=True),
    ]:
        row = genes.loc[gene]
        start_off = int(row["grch38_start"]) - int(row["grch37_start"])
        end_off = int(row["grch38_end"]) - int(row["grch37_end"])
        assert start_off == end_off == int(g38) - int(g37), gene


def test_codons__known_real_positions() -> None:
    """Anchors checked against real calls / public tables (DOMAIN 4.3, PCGR BRAF V600E both builds)."""
    cod = kb_table("codons").set_index(["gene", "codon"])
    braf = cod.loc[("BRAF", "600")]
    # c.1799 is the 2nd base of codon 600 on the minus strand
    assert int(braf["grch38_c1"]) - 1 == 140753336 and int(braf["grch37_c1"]) - 1 == 140453136
    assert int(cod.loc[("KRAS", "12"), "grch38_c1"]) == 25245351
    assert int(cod.loc[("EGFR", "858"), "grch38_c1"]) + 1 == 55191822


def test_dpyd__grch37_is_grch38_plus_offset_and_alleles_complement_c() -> None:
    comp = str.maketrans("ACGT", "TGCA")
    for site in load_kb("dpyd")["sites"]:
        assert site["grch37_pos"] - site["grch38_pos"] == 465556
        c_ref, c_alt = site["id"].split(">")[0][-1], site["id"].split(">")[1]
        assert (site["ref"], site["alt"]) == (c_ref.translate(comp), c_alt.translate(comp)), site["id"]


def test_cardiac__matches_panelapp_841_snapshot_green_genes() -> None:
    kb = load_kb("cardiac")
    panel = gmsvar.load_panel(841, version=kb["panel"]["version"])
    components = {int(k) for k in kb["panel"]["components"]}
    path = Path(gmsvar.__file__).parent / "data" / "panels" / "panel_841_v22.54.json"
    raw = json.loads(path.read_text())["panel"]["genes"]
    greens = {
        g["entity_name"] for g in raw if g["confidence_level"] == "3" and g["panel"]["id"] in components
    }
    assert set(kb["genes"]) == greens
    assert set(kb["genes"]) <= set(panel.green_genes)
    assert kb["genes"]["CASQ2"]["inheritance"] == "biallelic"
    assert kb["genes"]["GLA"]["inheritance"].startswith("x_linked")


def test_lynch_and_fh__match_panelapp_snapshots() -> None:
    assert set(load_kb("lynch")["genes"]) == set(gmsvar.load_panel(503).green_genes)
    assert set(load_kb("fh")["genes"]) == set(gmsvar.load_panel(772).green_genes)


def test_genes__spans_equal_the_mane_utr_beds(shared: Path) -> None:
    genes = kb_table("genes").set_index("symbol")
    for build, key in (("GRCh38", "grch38"), ("GRCh37", "grch37")):
        spans: dict[str, list[int]] = {}
        for kind in ("utr5", "utr3"):
            with gzip.open(shared / "genes" / f"mane_select_{kind}.{build}.bed.gz", "rt") as fh:
                for line in fh:
                    f = line.split("\t")
                    if f[4] in genes.index:
                        s = spans.setdefault(f[4], [10**12, 0])
                        s[0], s[1] = min(s[0], int(f[1])), max(s[1], int(f[2]))
        for sym, (start, end) in spans.items():
            assert (int(genes.loc[sym, f"{key}_start"]), int(genes.loc[sym, f"{key}_end"])) == (start, end), (
                sym
            )


def test_codons__agree_with_cgi_reference_codons(shared: Path) -> None:
    """CGI (hg19 gDNA, cDNA, reference_codon) gives the same GRCh37 positions and codons (facts only)."""
    cgi = pd.read_csv(shared / "actionability" / "cgi_biomarkers_per_variant.tsv", sep="\t", dtype=str)
    cgi = cgi.dropna(subset=["individual_mutation", "gDNA", "cDNA"])
    cod = kb_table("codons")
    checked = 0
    for gene, codon, ref_codon, strand, c1 in zip(
        cod["gene"], cod["codon"], cod["ref_codon"], cod["strand"], cod["grch37_c1"], strict=True
    ):
        rows = cgi[cgi["individual_mutation"].str.match(rf"^{gene}:[A-Z]{codon}[A-Z]$")]
        for g, c, info in zip(rows["gDNA"], rows["cDNA"], rows["info"], strict=True):
            if ">" not in c or "_" in c:
                continue
            cpos, gpos = int(c[2:-3]), int(g.split(":g.")[1][:-3])
            offset = cpos - (3 * int(codon) - 2)
            sign = 1 if strand == "+" else -1
            assert gpos == int(c1) + sign * offset, (gene, codon, g, c)
            assert f"reference_codon={ref_codon}" in info
            checked += 1
    assert checked >= 10


def test_hotspot_residues__are_cancerhotspots_residues(shared: Path) -> None:
    hs = pd.read_csv(
        shared / "actionability" / "cancerhotspots_v2_and_3d.grch38_ensembl95.txt.gz", sep="\t", dtype=str
    )
    lung = hs["type"].isin(["single residue", "splice site"]) & hs["tumor_type_composition"].fillna(
        ""
    ).str.contains(r"(?:^|\|)lung:")
    kb = load_kb("nsclc")["hotspot_residues"]
    for gene, codons in kb.items():
        if gene == "source":
            continue
        expected = sorted(
            hs.loc[lung & (hs["hugo_symbol"] == gene), "amino_acid_position"].astype(int).unique()
        )
        assert codons == expected, gene
