"""Tests for gmsvar.io.annotations (VEP CSQ, SnpEff ANN, bcftools BCSQ parsing).

Inputs are real files in tests/data/annotations (see tests/data/PROVENANCE.md), read with
cyvcf2 directly and split into one row per ALT the way the reader does; bcftools +split-vep
outputs shipped with bcftools' own tests serve as oracles.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import cyvcf2
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gmsvar.errors import GmsvarWarning, InputError
from gmsvar.io import annotations as ann_mod
from gmsvar.io.annotations import (
    ANN_FIELDS,
    IMPACTS,
    TRANSCRIPT_CHOICES,
    AnnotationSpec,
    annotate,
    annotation_specs,
    field_column,
    load_so_table,
)
from gmsvar.schema import COLUMNS
from gmsvar.table import FieldDef, VariantTable

DATA = Path(__file__).resolve().parents[1] / "data" / "annotations"

VEP_ORDER = [
    "transcript_ablation", "splice_acceptor_variant", "splice_donor_variant", "stop_gained",
    "frameshift_variant", "stop_lost", "start_lost", "transcript_amplification",
    "feature_elongation", "feature_truncation", "inframe_insertion", "inframe_deletion",
    "missense_variant", "protein_altering_variant", "splice_donor_5th_base_variant",
    "splice_region_variant", "splice_donor_region_variant", "splice_polypyrimidine_tract_variant",
    "incomplete_terminal_codon_variant", "start_retained_variant", "stop_retained_variant",
    "synonymous_variant", "coding_sequence_variant", "mature_miRNA_variant", "5_prime_UTR_variant",
    "3_prime_UTR_variant", "non_coding_transcript_exon_variant", "intron_variant",
    "NMD_transcript_variant", "non_coding_transcript_variant", "coding_transcript_variant",
    "upstream_gene_variant", "downstream_gene_variant", "TFBS_ablation", "TFBS_amplification",
    "TF_binding_site_variant", "regulatory_region_ablation", "regulatory_region_amplification",
    "regulatory_region_variant", "intergenic_variant", "sequence_variant"
]


# -- helpers -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Rows:
    """A VCF split into allele rows, as the reader hands them to annotate()."""

    info: dict[str, FieldDef]
    raw: dict[str, np.ndarray]
    ref: np.ndarray
    alts: np.ndarray
    allele_index: np.ndarray
    pos: np.ndarray

    def spec(self, info_id: str) -> AnnotationSpec:
        return next(s for s in annotation_specs(self.info) if s.info_id == info_id)

    def run(self, info_id: str, **kw: object) -> tuple[dict, dict, dict]:
        return annotate(self.spec(info_id), self.raw[info_id], self.ref, self.alts,
                        self.allele_index, **kw)


def obj(values: list) -> np.ndarray:
    out = np.empty(len(values), dtype=object)
    out[:] = values
    return out


@cache
def read_rows(name: str) -> Rows:
    vcf = cyvcf2.VCF(str(DATA / name))
    info: dict[str, FieldDef] = {}
    for h in vcf.header_iter():
        if h.type == "INFO":
            d = h.info()
            info[d["ID"]] = FieldDef(d["ID"], d["Number"], d["Type"],
                                     d.get("Description", "").strip('"'))
    ids = [s.info_id for s in annotation_specs(info)]
    raw: dict[str, list] = {k: [] for k in ids}
    ref, alts, idx, pos = [], [], [], []
    for rec in vcf:
        values = {k: rec.INFO.get(k) for k in ids}
        for i, _ in enumerate(rec.ALT, start=1):
            for k in ids:
                raw[k].append(values[k])
            ref.append(rec.REF)
            alts.append(tuple(rec.ALT))
            idx.append(i)
            pos.append(rec.POS)
    vcf.close()
    return Rows(info, {k: obj(v) for k, v in raw.items()}, obj(ref), obj(alts),
                np.array(idx, dtype=np.int16), np.array(pos, dtype=np.int64))


def label(cols: dict, cats: dict, name: str, i: int) -> str | None:
    code = cols[name][i]
    return None if code < 0 else cats[name][code]


def csq_info(fields: str, info_id: str = "CSQ") -> dict[str, FieldDef]:
    return {info_id: FieldDef(info_id, ".", "String",
                              f"Consequence annotations from Ensembl VEP. Format: {fields}")}


def one_record(spec: AnnotationSpec, raw: str, ref: str, alts: tuple[str, ...],
               **kw: object) -> tuple[dict, dict, dict]:
    n = len(alts)
    return annotate(spec, obj([raw] * n), obj([ref] * n), obj([alts] * n),
                    np.arange(1, n + 1), **kw)


def rows_of(cols: dict, variant: int) -> np.ndarray:
    return np.flatnonzero(cols["annotation_variant"] == variant)


# -- header detection --------------------------------------------------------------------------
def test_annotation_specs__vep_then_snpeff_and_pipe_fields_ignored() -> None:
    rows = read_rows("scout-643594.clinical.subset.vcf.gz")
    specs = annotation_specs(rows.info)
    assert [(s.kind, s.info_id) for s in specs] == [("CSQ", "CSQ"), ("ANN", "ANN")]
    assert specs[0].fields[:4] == ("Allele", "Consequence", "IMPACT", "SYMBOL")
    assert specs[1].fields == ANN_FIELDS and len(ANN_FIELDS) == 16
    # SnpEff LOF/NMD use a 'Format:' too but are not transcript annotations
    assert {"LOF", "NMD"} <= set(rows.info)


def test_annotation_specs__vep_stored_under_ann_is_vep() -> None:
    specs = annotation_specs(read_rows("split-vep.7.vcf").info)
    assert [(s.kind, s.info_id) for s in specs] == [("CSQ", "ANN")]


def test_annotation_specs__bcsq_fields_from_header() -> None:
    (spec,) = annotation_specs(read_rows("split-vep.9.vcf").info)
    assert spec.kind == "BCSQ"
    assert spec.fields[-2:] == ("POS(1-based)", "AF") and len(spec.fields) == 9


def test_annotation_specs__non_annotation_fields_ignored() -> None:
    info = {
        "DP": FieldDef("DP", "1", "Integer", "Depth"),
        "CSQ": FieldDef("CSQ", ".", "Integer", "Format: Allele|Consequence"),
        "NOTE": FieldDef("NOTE", ".", "String", "free text"),
    }
    assert annotation_specs(info) == []


# -- SO table ----------------------------------------------------------------------------------
def test_load_so_table__vep_order_and_version() -> None:
    so = load_so_table()
    assert so.version == "so-2025.11-r1"
    assert [so.describe("CSQ", t)[1] for t in VEP_ORDER] == list(range(1, 42))
    assert [t for t in so.labels if t in VEP_ORDER] == VEP_ORDER
    assert so.describe("CSQ", "TFBS_ablation")[2] == "MODERATE"
    assert so.describe("CSQ", "missense_variant") == ("missense_variant", 13, "MODERATE")


@pytest.mark.parametrize(("kind", "term", "expected"), [
    ("ANN", "conservative_inframe_deletion", "inframe_deletion"),
    ("ANN", "disruptive_inframe_insertion", "inframe_insertion"),
    ("ANN", "intergenic_region", "intergenic_variant"),
    ("ANN", "non_coding_exon_variant", "non_coding_transcript_exon_variant"),
    ("ANN", "initiator_codon_variant", "start_retained_variant"),
    ("ANN", "exon_loss_variant", "exon_loss_variant"),
    ("ANN", "gene_fusion", "gene_fusion"),
    ("BCSQ", "frameshift", "frameshift_variant"),
    ("BCSQ", "5_prime_utr", "5_prime_UTR_variant"),
    ("BCSQ", "inframe_altering", "protein_altering_variant"),
    ("BCSQ", "non_coding", "non_coding_transcript_variant"),
    ("CSQ", "nc_transcript_variant", "non_coding_transcript_variant"),
    ("CSQ", "initiator_codon_variant", "start_lost"),
])
def test_load_so_table__tool_terms_mapped(kind: str, term: str, expected: str) -> None:
    hit = load_so_table().describe(kind, term)  # type: ignore[arg-type]
    assert hit is not None and hit[0] == expected


def test_load_so_table__every_bcftools_csq_term_known() -> None:
    # csq_strings[] of bcftools csq.c
    terms = [
        "synonymous", "missense", "stop_lost", "stop_gained", "inframe_deletion",
        "inframe_insertion", "frameshift", "splice_acceptor", "splice_donor", "start_lost",
        "splice_region", "stop_retained", "5_prime_utr", "3_prime_utr", "non_coding", "intron",
        "intergenic", "inframe_altering", "coding_sequence", "feature_elongation",
        "feature_truncation", "start_retained"
    ]
    so = load_so_table()
    assert [t for t in terms if so.describe("BCSQ", t) is None] == []
    # tool-specific rows do not leak into other annotation kinds
    assert so.describe("CSQ", "missense") is None
    assert so.describe("BCSQ", "conservative_inframe_deletion") is None


# -- VEP CSQ against bcftools +split-vep -------------------------------------------------------
def test_annotate__worst_consequence_matches_split_vep_oracle() -> None:
    """`+split-vep -s worst:missense+` (split-vep.2.out / 2.1.out) on the same records."""
    rows = read_rows("split-vep.severe.vcf")
    cols, cats, _ = rows.run("CSQ")
    so = load_so_table()
    missense = so.describe("CSQ", "missense_variant")[1]
    got_term, got_full = [], []
    for i in range(len(rows.ref)):
        worst = label(cols, cats, "variant_worst_consequence", i)
        if worst is None or so.describe("CSQ", worst)[1] > missense:
            continue
        got_term.append(f"{rows.pos[i]}\t{worst}")
        mine = rows_of(cols, i)
        best = mine[np.argmin(cols["annotation_consequence_rank"][mine])]
        got_full.append(f"{rows.pos[i]}\t{cols['annotation_consequence'][best]}")
    assert got_term == (DATA / "split-vep.2.1.out").read_text().splitlines()
    assert got_full == (DATA / "split-vep.2.out").read_text().splitlines()


def test_annotate__fields_match_split_vep_dump() -> None:
    """`+split-vep -d -A` of the first record (split-vep.12.3.out): every sub-field."""
    lines = (DATA / "split-vep.12.3.out").read_text().splitlines()
    names = lines[0].lstrip("#").split("\t")
    expected = [ln.split("\t") for ln in lines[1:]]
    rows = read_rows("split-vep.severe.vcf")
    cols, _, _ = rows.run("CSQ")
    mine = rows_of(cols, 0)
    assert len(mine) == len(expected) == 7
    standard = {"Consequence": "annotation_consequence", "IMPACT": "annotation_impact",
                "SYMBOL": "annotation_gene", "Feature": "annotation_transcript",
                "BIOTYPE": "annotation_biotype", "EXON": "annotation_exon",
                "INTRON": "annotation_intron", "HGVSc": "annotation_hgvsc",
                "HGVSp": "annotation_hgvsp"}
    for name_i, name in enumerate(names[1:], start=1):
        want = [None if e[name_i] == "." else e[name_i] for e in expected]
        if name == "CANONICAL":
            got = ["YES" if v else None for v in cols["annotation_canonical"][mine]]
        else:
            got = list(cols[standard.get(name, field_column(name))][mine])
        assert got == want, name
    assert [int(p) for p in (e[0] for e in expected)] == [14464] * 7


def test_annotate__allele_matching_agrees_with_allele_num() -> None:
    """Multiallelic split-vep.vcf records: VEP's trimmed Allele finds the ALLELE_NUM rows."""
    rows = read_rows("split-vep.multiallelic.vcf")
    spec = rows.spec("CSQ")
    with_num, _, prov = rows.run("CSQ")
    assert prov["annotation_counts"]["unmatched_dropped"] == 0
    # every entry sits on the allele row its ALLELE_NUM names
    num = with_num["annotation_field_ALLELE_NUM"].astype(int)
    assert np.array_equal(num, rows.allele_index[with_num["annotation_variant"]])
    j = spec.fields.index("ALLELE_NUM")

    def blank(raw: str | None) -> str | None:
        if raw is None:
            return None
        out = []
        for entry in raw.split(","):
            values = entry.split("|")
            values[j] = ""
            out.append("|".join(values))
        return ",".join(out)

    blanked = obj([blank(r) for r in rows.raw["CSQ"]])
    without, _, prov2 = annotate(spec, blanked, rows.ref, rows.alts, rows.allele_index)
    assert prov2["annotation_counts"] == prov["annotation_counts"]
    assert np.array_equal(without["annotation_variant"], with_num["annotation_variant"])
    assert np.array_equal(without["variant_worst_consequence"],
                          with_num["variant_worst_consequence"])
    # the file covers the hard cases: '*' ALTs, deletions '-', untrimmed mixed SNV+indel
    alleles = set(with_num["annotation_field_Allele"])
    assert {"-", "GC", "TTTTA", "TA"} <= alleles


FMT = "Allele|Consequence|IMPACT|SYMBOL|Feature|BIOTYPE"


@pytest.mark.parametrize(("ref", "alts", "vep_alleles"), [
    ("GTT", ("G", "GT"), ("-", "T")),            # deletions: first base removed from all
    ("A", ("AT", "ATT"), ("T", "TT")),           # insertions: inserted bases only
    ("G", ("C", "GC"), ("C", "GC")),             # SNV + insertion, first bases differ: as written
    ("GT", ("GTT", "G"), ("TT", "-")),           # real record 129148 of split-vep.vcf
    ("T", ("*", "TTA"), ("*", "TA")),            # '*' ignored when comparing first bases
    ("TATA", ("*", "T", "CATA"), ("*", "T", "CATA")),
    ("A", ("C", "T"), ("C", "T")),               # SNVs
])
def test_annotate__vep_trimmed_alleles_matched(ref: str, alts: tuple[str, ...],
                                               vep_alleles: tuple[str, ...]) -> None:
    (spec,) = annotation_specs(csq_info(FMT))
    entries = [f"{a}|missense_variant|MODERATE|G{i}|T{i}|protein_coding"
               for i, a in enumerate(vep_alleles) if a != "*"]
    cols, _cats, prov = one_record(spec, ",".join(reversed(entries)), ref, alts)
    assert prov["annotation_counts"]["unmatched_dropped"] == 0
    for i, a in enumerate(vep_alleles):
        genes = list(cols["annotation_gene"][rows_of(cols, i)])
        assert genes == ([] if a == "*" else [f"G{i}"])


def test_annotate__minimal_and_sv_alleles_fallback() -> None:
    (spec,) = annotation_specs(csq_info(FMT))
    # VEP --minimal: REF=CAT ALT=CGT,C written as G (SNV) and - (deletion of AT)
    cols, _, _ = one_record(spec, "G|missense_variant||A|T1|x,-|frameshift_variant||B|T2|x",
                            "CAT", ("CGT", "C"))
    assert list(cols["annotation_gene"][rows_of(cols, 0)]) == ["A"]
    assert list(cols["annotation_gene"][rows_of(cols, 1)]) == ["B"]
    # structural variants: VEP writes the class word
    cols, _, _ = one_record(spec, "duplication|feature_elongation||D|T|x,"
                            "deletion|transcript_ablation||E|T|x", "N", ("<DEL>", "<DUP>"))
    assert list(cols["annotation_gene"][rows_of(cols, 0)]) == ["E"]
    assert list(cols["annotation_gene"][rows_of(cols, 1)]) == ["D"]


def test_annotate__allele_num_wins_over_allele_string() -> None:
    (spec,) = annotation_specs(csq_info("Allele|Consequence|SYMBOL|ALLELE_NUM"))
    # --minimal makes both ALTs of A>T,AT read 'T'; ALLELE_NUM separates them
    cols, _, prov = one_record(spec, "T|missense_variant|X|1,T|frameshift_variant|Y|2",
                               "A", ("T", "AT"))
    assert list(cols["annotation_gene"][rows_of(cols, 0)]) == ["X"]
    assert list(cols["annotation_gene"][rows_of(cols, 1)]) == ["Y"]
    assert prov["annotation_counts"]["attached_to_several_alleles"] == 0


def test_annotate__no_allele_field_attaches_to_every_alt() -> None:
    (spec,) = annotation_specs(csq_info("Consequence|SYMBOL"))
    cols, _, prov = one_record(spec, "missense_variant|X", "A", ("C", "G"))
    assert list(cols["annotation_variant"]) == [0, 1]
    assert prov["annotation_counts"]["attached_to_several_alleles"] == 1


def test_annotate__single_alt_takes_entries_whatever_the_spelling() -> None:
    (spec,) = annotation_specs(csq_info(FMT))
    cols, _, prov = one_record(spec, "insertion|intron_variant|MODIFIER|TG|T1|x", "A", ("<INS>",))
    assert list(cols["annotation_variant"]) == [0]
    assert prov["annotation_counts"]["unmatched_dropped"] == 0


def test_annotate__single_alt_with_other_alleles_entries_warns() -> None:
    """A record split after annotation keeps the other ALT's entries; they are dropped."""
    (spec,) = annotation_specs(csq_info(FMT))
    raw = "T|missense_variant|MODERATE|A|T1|x,G|stop_gained|HIGH|A|T1|x"
    with pytest.warns(GmsvarWarning, match="matched no ALT allele"):
        cols, cats, prov = one_record(spec, raw, "C", ("T",))
    assert label(cols, cats, "variant_worst_consequence", 0) == "missense_variant"
    assert prov["annotation_counts"]["unmatched_dropped"] == 1


# -- transcript choice -------------------------------------------------------------------------
def test_annotate__mane_then_canonical_then_most_severe() -> None:
    rows = read_rows("split-vep.6.vcf")
    cols, cats, prov = rows.run("CSQ")
    assert prov["transcript_choice"].startswith("MANE Select > canonical")
    got = {int(rows.pos[i]): (label(cols, cats, "variant_gene", i),
                              label(cols, cats, "variant_transcript_choice", i),
                              label(cols, cats, "variant_consequence", i),
                              label(cols, cats, "variant_worst_consequence", i))
           for i in range(len(rows.ref))}
    # stop gained in the MANE Select transcript
    assert got[12716215] == ("AADACL3", "mane_select", "stop_gained", "stop_gained")
    # MANE transcript is intronic; another transcript is missense: both reported
    assert got[999842] == ("HES4", "mane_select", "intron_variant", "missense_variant")
    # PLEKHN1's MANE transcript is only downstream: PERM1's canonical missense is not hidden
    assert got[979496] == ("PERM1", "canonical", "missense_variant", "missense_variant")
    assert cols["variant_transcript"][int(np.flatnonzero(rows.pos == 979496)[0])] \
        == "ENST00000433179"
    i = int(np.flatnonzero(rows.pos == 999842)[0])
    assert cols["variant_transcript"][i] == "ENST00000304952"
    assert cols["variant_hgvsc"][i] == "ENST00000304952.11:c.108+24G>T"
    assert cols["variant_intron"][i] == "1/3" and cols["variant_exon"][i] is None
    assert cols["annotation_mane_select"][rows_of(cols, i)].sum() == 1


def test_annotate__mane_plus_clinical_and_pick_tiers() -> None:
    (spec,) = annotation_specs(csq_info(
        "Allele|Consequence|SYMBOL|Feature|CANONICAL|MANE_SELECT|MANE_PLUS_CLINICAL|PICK"))
    raw = ("T|stop_gained|A|T1||||,"
           "T|synonymous_variant|A|T2|||NM_2.1|,"      # MANE Plus Clinical only
           "T|intron_variant|A|T3||||1,"               # PICK
           "T|missense_variant|A|T4|YES|||")           # canonical
    cols, cats, _ = one_record(spec, raw, "C", ("T",))
    assert (cols["variant_transcript"][0], label(cols, cats, "variant_transcript_choice", 0)) \
        == ("T4", "canonical")
    assert label(cols, cats, "variant_worst_consequence", 0) == "stop_gained"
    cols, cats, _ = one_record(spec, raw.replace("YES", ""), "C", ("T",))
    assert (cols["variant_transcript"][0], label(cols, cats, "variant_transcript_choice", 0)) \
        == ("T3", "pick")
    cols, cats, _ = one_record(spec, "T|intron_variant|A|T9||||", "C", ("T",))
    assert label(cols, cats, "variant_transcript_choice", 0) == "only"


def test_annotate__hgvs_percent_decoded_and_impact() -> None:
    rows = read_rows("split-vep.6.vcf")
    cols, cats, _ = rows.run("CSQ")
    i = int(np.flatnonzero(rows.pos == 979560)[0])
    hgvsp = set(cols["annotation_hgvsp"][rows_of(cols, i)]) - {None}
    assert hgvsp == {"ENSP00000343864.2:p.Ala376=", "ENSP00000414022.3:p.Ala490="}
    assert not any("%" in v for v in cols["annotation_hgvsp"] if v)
    j = int(np.flatnonzero(rows.pos == 12716215)[0])
    assert cols["variant_hgvsp"][j] == "ENSP00000352268.6:p.Cys13Ter"
    assert label(cols, cats, "variant_impact", j) == "HIGH"
    assert cols["variant_exon"][j] == "1/4"


# -- SnpEff ANN --------------------------------------------------------------------------------
def test_annotate__snpeff_terms_rank_and_fields() -> None:
    rows = read_rows("scout-643594.clinical.subset.vcf.gz")
    cols, cats, prov = rows.run("ANN")
    assert prov["annotation"] == "ANN" and prov["unknown_consequence_terms"] == []
    i = int(np.flatnonzero(rows.pos == 210267893)[0])  # TGAA>T
    mine = rows_of(cols, i)
    written = cols["annotation_field_Annotation"][mine]
    assert set(written) == {"disruptive_inframe_deletion", "sequence_feature",
                            "non_coding_exon_variant"}
    mapped = {w: c for w, c in zip(written, cols["annotation_consequence"][mine], strict=True)}
    assert mapped == {"disruptive_inframe_deletion": "inframe_deletion",
                      "sequence_feature": "sequence_feature",
                      "non_coding_exon_variant": "non_coding_transcript_exon_variant"}
    assert label(cols, cats, "variant_consequence", i) == "inframe_deletion"
    assert label(cols, cats, "variant_impact", i) == "MODERATE"
    assert cols["variant_hgvsp"][i] == "p.Glu270del" and cols["variant_exon"][i] == "6/10"
    # SnpEff's Rank is an intron number when the entry is intronic
    k = int(np.flatnonzero(rows.pos == 7847367)[0])
    intronic = [r for r in rows_of(cols, k) if cols["annotation_consequence"][r]
                == "intron_variant"]
    assert intronic and all(cols["annotation_intron"][r] for r in intronic)
    assert all(cols["annotation_exon"][r] is None for r in intronic)
    assert field_column("cDNA.pos / cDNA.length") in cols
    # protein-feature entries never beat a transcript consequence
    assert "sequence_feature" not in {label(cols, cats, "variant_consequence", r)
                                      for r in range(len(rows.ref))}


def test_annotate__snpeff_and_vep_agree_on_worst_consequence() -> None:
    rows = read_rows("scout-643594.clinical.subset.vcf.gz")
    vep, vcats, _ = rows.run("CSQ")
    snpeff, scats, _ = rows.run("ANN")
    differ = {int(rows.pos[i]) for i in range(len(rows.ref))
              if label(vep, vcats, "variant_worst_consequence", i)
              != label(snpeff, scats, "variant_worst_consequence", i)}
    # genuine annotator differences: intragenic vs downstream; splice region vs 3'UTR
    assert differ == {133236134, 14203862}


def test_annotate__legacy_vep_terms_and_no_allele_field() -> None:
    rows = read_rows("cyvcf2-test.subset.vcf.gz")
    cols, cats, prov = rows.run("CSQ")
    assert "Allele" not in rows.spec("CSQ").fields
    assert prov["unknown_consequence_terms"] == []
    i = int(np.flatnonzero(rows.pos == 13656)[0])
    assert "non_coding_transcript_exon_variant&non_coding_transcript_variant&feature_truncation" \
        in set(cols["annotation_consequence"][rows_of(cols, i)])
    assert label(cols, cats, "variant_worst_consequence", i) == "feature_truncation"
    snp, scats, _ = rows.run("ANN")
    assert label(snp, scats, "variant_worst_consequence", i) == "splice_donor_variant"
    # 15274 A>T and A>G are separate records: each keeps only its own SnpEff entries
    for k in np.flatnonzero(rows.pos == 15274):
        assert set(snp["annotation_field_Allele"][rows_of(snp, k)]) == {rows.alts[k][0]}


# -- bcftools BCSQ -----------------------------------------------------------------------------
def test_annotate__bcsq_matches_split_vep_dump() -> None:
    """`+split-vep -a BCSQ -d -A` (split-vep.13.out) for the records in the subset."""
    rows = read_rows("split-vep.4.head.vcf")
    cols, cats, prov = rows.run("BCSQ")
    keep = {str(p) for p in rows.pos}
    expected = [ln.split("\t") for ln in (DATA / "split-vep.13.out").read_text().splitlines()
                if ln.split("\t")[0] in keep]
    names = ["Consequence", "gene", "transcript", "biotype", "strand", "amino_acid_change",
             "dna_change"]
    std = {"gene": "annotation_gene", "transcript": "annotation_transcript",
           "biotype": "annotation_biotype"}
    got = []
    for pos in dict.fromkeys(int(p) for p in rows.pos):
        # one allele row per record: the first that has entries ('*' ALTs get none)
        with_entries = [i for i in np.flatnonzero(rows.pos == pos) if len(rows_of(cols, i))]
        for r in rows_of(cols, with_entries[0]) if with_entries else []:
            got.append([str(pos)] + ["." if cols[std.get(n, field_column(n))][r] is None
                                     else cols[std.get(n, field_column(n))][r] for n in names])
    assert got == expected
    # entries without dna_change go to every real ALT (129148 GT>GTT,G), never to '*'
    both = np.flatnonzero(rows.pos == 129148)
    assert [len(rows_of(cols, int(i))) for i in both] == [1, 1]
    star = np.flatnonzero((rows.pos == 267229) & (rows.allele_index == 1))
    assert len(rows_of(cols, int(star[0]))) == 0
    i = int(np.flatnonzero(rows.pos == 69270)[0])
    assert (label(cols, cats, "variant_consequence", i), label(cols, cats, "variant_impact", i),
            int(cols["variant_consequence_rank"][i])) == ("synonymous_variant", "LOW", 22)
    assert prov["annotation_counts"]["unmatched_dropped"] == 0


def test_annotate__bcsq_dna_change_picks_the_allele() -> None:
    (spec,) = annotation_specs({"BCSQ": FieldDef(
        "BCSQ", ".", "String", "Haplotype-aware consequence annotation from BCFtools/csq")})
    raw = ("missense|G|T1|protein_coding|+|5A>5P|100C>G,"
           "stop_gained|G|T1|protein_coding|+|5A>5*|100C>T,intron|G||protein_coding")
    cols, cats, _ = one_record(spec, raw, "C", ("G", "T"), position=np.array([100, 100]))
    assert [label(cols, cats, "variant_worst_consequence", i) for i in (0, 1)] \
        == ["missense_variant", "stop_gained"]
    assert list(cols["annotation_variant"]) == [0, 0, 1, 1]
    # a dna_change at another position matches no allele: the entry goes to every ALT
    cols, _, _ = one_record(spec, raw, "C", ("G", "T"), position=np.array([200, 200]))
    assert list(cols["annotation_variant"]) == [0, 0, 0, 1, 1, 1]


def _haplotype_records(name: str) -> list[tuple[int, str, str, str]]:
    out = []
    lines = [ln for ln in (DATA / name).read_text().splitlines() if ln]
    for first, second in zip(lines[::2], lines[1::2], strict=True):
        pos, ref, alt, _local = first.split("\t")
        assert second.split("\t")[:3] == [pos, ref, alt]
        out.append((int(pos), ref, alt, second.split("\t")[3]))
    return out


def test_annotate__bcsq_back_references_are_not_annotations() -> None:
    """bcftools csq test ENST00000269081: four variants joined into one stop_gained@46862."""
    recs = _haplotype_records("bcsq-ENST00000269081-stop-gained-not-inframe-insertion.txt")
    (spec,) = annotation_specs({"BCSQ": FieldDef("BCSQ", ".", "String", "BCFtools/csq")})
    cols, cats, prov = annotate(spec, obj([r[3] for r in recs]), obj([r[1] for r in recs]),
                                obj([(r[2],) for r in recs]), np.ones(len(recs), dtype=int),
                                position=np.array([r[0] for r in recs]))
    assert prov["annotation_counts"]["bcsq_references"] == 4
    assert [len(rows_of(cols, i)) for i in range(5)] == [1, 0, 0, 0, 1]
    assert [label(cols, cats, "variant_consequence", i) for i in (0, 1, 4)] == \
        ["splice_region_variant", None, "stop_gained"]
    assert cols["annotation_consequence"][-1] == "stop_gained&frameshift_variant"


def test_annotate__bcsq_compound_dna_change() -> None:
    """bcftools csq test ENST00000423372/snps.vcf: EXP holds the expected BCSQ values."""
    vcf = cyvcf2.VCF(str(DATA / "bcsq-ENST00000423372-snps.vcf"))
    recs = [(r.POS, r.REF, r.ALT[0], r.INFO.get("EXP")) for r in vcf]
    vcf.close()
    (spec,) = annotation_specs({"BCSQ": FieldDef("BCSQ", ".", "String", "BCFtools/csq")})
    cols, cats, prov = annotate(spec, obj([r[3] for r in recs]), obj([r[1] for r in recs]),
                                obj([(r[2],) for r in recs]), np.ones(len(recs), dtype=int),
                                position=np.array([r[0] for r in recs]))
    by_pos = {r[0]: i for i, r in enumerate(recs)}
    assert len(rows_of(cols, by_pos[3630])) == 0  # '@3632'
    assert cols["annotation_field_dna_change"][rows_of(cols, by_pos[3632])[0]] \
        == "3630T>A+3632A>C"
    assert label(cols, cats, "variant_consequence", by_pos[3632]) == "stop_lost"
    i = by_pos[2721]
    assert cols["annotation_consequence"][rows_of(cols, i)[0]] \
        == "splice_region_variant&3_prime_UTR_variant"
    assert label(cols, cats, "variant_consequence", i) == "splice_region_variant"
    assert prov["unknown_consequence_terms"] == []


def test_annotate__bcsq_downstream_of_stop_flagged_and_ranked_last() -> None:
    # entries as reported in samtools/bcftools issue #1342
    (spec,) = annotation_specs({"BCSQ": FieldDef("BCSQ", ".", "String", "BCFtools/csq")})
    raw = ("*missense|GeneXXX|GeneXXX_T003|protein_coding|+|350S>350T|112548652T>A,"
           "missense|GeneXXX|GeneXXX_T001|protein_coding|+|71S>71T|112548652T>A")
    cols, cats, _ = one_record(spec, raw, "T", ("A",))
    assert list(cols["annotation_downstream_of_stop"]) == [True, False]
    assert list(cols["annotation_consequence"]) == ["missense_variant"] * 2
    assert cols["variant_transcript"][0] == "GeneXXX_T001"
    cols, cats, _ = one_record(spec, "*frameshift|G|T1|protein_coding|+|1A>1X|5T>TA,"
                               "intron|G||protein_coding", "T", ("TA",))
    assert label(cols, cats, "variant_worst_consequence", 0) == "intron_variant"


def test_annotate__bcsq_extra_format_fields_kept() -> None:
    cols, _, _ = read_rows("split-vep.9.vcf").run("BCSQ")
    assert cols["annotation_field_POS(1-based)"].tolist() == ["111"]
    assert cols["annotation_field_AF"].tolist() == ["2"]
    cols, cats, _ = read_rows("split-vep.8.vcf").run("BCSQ")
    assert cols["annotation_variant"].tolist() == [0, 0, 0, 0, 1, 1, 2, 3, 3, 3]
    assert label(cols, cats, "variant_gene", 3) == "KCND1"


# -- mechanics ---------------------------------------------------------------------------------
def test_annotate__columns_follow_schema_and_build_a_table() -> None:
    rows = read_rows("split-vep.multiallelic.vcf")
    cols, cats, prov = rows.run("CSQ")
    for name, arr in cols.items():
        if name in COLUMNS:
            assert arr.dtype == np.dtype(COLUMNS[name].dtype), name
    assert cols["annotation_consequence_rank"].dtype == np.int16
    assert cols["annotation_mane_select"].dtype == bool
    assert list(cats["variant_impact"]) == list(IMPACTS)
    assert list(cats["variant_transcript_choice"]) == list(TRANSCRIPT_CHOICES)
    assert prov["so_table_version"] == load_so_table().version
    t = VariantTable({"variant_ref": rows.ref, **cols}, categories=cats)
    assert t.n_annotations == len(cols["annotation_variant"])
    kept = t.take(np.array([0]))
    assert kept.n_annotations == len(rows_of(cols, 0))
    assert (cols["variant_consequence_rank"] >= -1).all()
    ann_rank = cols["annotation_consequence_rank"]
    assert np.all(np.diff(cols["annotation_variant"]) >= 0)
    worst = np.full(len(rows.ref), 10**6)
    np.minimum.at(worst, cols["annotation_variant"], np.where(ann_rank > 0, ann_rank, 10**6))
    chosen = cols["variant_consequence_rank"]
    assert np.all((chosen == -1) | (worst <= chosen))


def test_annotate__rows_without_annotation() -> None:
    (spec,) = annotation_specs(csq_info(FMT))
    cols, _cats, _ = annotate(spec, obj([None, "", "T|intron_variant|MODIFIER|A|T1|x"]),
                             obj(["C"] * 3), obj([("T",)] * 3), np.ones(3, dtype=int))
    assert cols["variant_gene"].tolist() == [-1, -1, 0]
    assert cols["variant_consequence_rank"].tolist() == [-1, -1, 28]
    assert cols["variant_transcript"].tolist() == [None, None, "T1"]
    assert cols["annotation_variant"].tolist() == [2]


def test_annotate__empty_chunk() -> None:
    (spec,) = annotation_specs(csq_info(FMT))
    cols, _cats, _ = annotate(spec, obj([]), obj([]), obj([]), np.zeros(0, dtype=np.int16))
    assert all(len(v) == 0 for v in cols.values())
    assert cols["variant_gene"].dtype == np.int32 and cols["annotation_variant"].dtype == np.int64
    assert field_column("Allele") in cols


def test_annotate__unknown_terms_reported_and_ranked_last() -> None:
    (spec,) = annotation_specs(csq_info(FMT))
    cols, cats, prov = one_record(
        spec, "T|my_plugin_term|MODIFIER|A|T1|x,T|intron_variant|MODIFIER|A|T2|x", "C", ("T",))
    assert prov["unknown_consequence_terms"] == ["my_plugin_term"]
    assert cols["annotation_consequence_rank"].tolist() == [-1, 28]
    assert label(cols, cats, "variant_consequence", 0) == "intron_variant"


def test_annotate__length_mismatch_raises() -> None:
    (spec,) = annotation_specs(csq_info(FMT))
    with pytest.raises(InputError, match="one value per allele row"):
        annotate(spec, obj([None]), obj([]), obj([]), np.zeros(0, dtype=int))


def test_annotate__each_raw_string_parsed_once(monkeypatch: pytest.MonkeyPatch) -> None:
    rows = read_rows("split-vep.multiallelic.vcf")
    calls: list[str] = []
    real = ann_mod._parse

    def counting(kind, lay, raw):  # type: ignore[no-untyped-def]
        calls.append(raw)
        return real(kind, lay, raw)

    monkeypatch.setattr(ann_mod, "_parse", counting)
    rows.run("CSQ", _vectorise=False)  # the per-record path (the bulk path has no _parse)
    assert len(calls) == len(set(calls)) == len({r for r in rows.raw["CSQ"] if r})


ANNOTATED = ["cyvcf2-test.subset.vcf.gz", "scout-643594.clinical.subset.vcf.gz",
             "split-vep.4.head.vcf", "split-vep.6.vcf", "split-vep.7.vcf", "split-vep.8.vcf",
             "split-vep.9.vcf", "split-vep.filter-missing-bt2098.vcf", "split-vep.multiallelic.vcf",
             "split-vep.severe.vcf", "scout-cancer_test.vcf.gz", "split-vep.10.vcf"]


def assert_same_annotation(got: tuple[dict, dict, dict], want: tuple[dict, dict, dict]) -> None:
    for part, (g, w) in enumerate(zip(got, want, strict=True)):
        assert g.keys() == w.keys(), part
        for k in w:
            a, b = g[k], w[k]
            if isinstance(b, np.ndarray):
                assert a.dtype == b.dtype and a.shape == b.shape, k
                assert a.tolist() == b.tolist(), k
            else:
                assert a == b, k


@pytest.mark.parametrize("name", ANNOTATED)
def test_annotate__bulk_path_equals_per_record_path(name: str) -> None:
    """Single-ALT records are parsed in bulk; the result equals the per-record parser's."""
    rows = read_rows(name)
    for spec in annotation_specs(rows.info):
        assert_same_annotation(rows.run(spec.info_id, position=rows.pos),
                               rows.run(spec.info_id, position=rows.pos, _vectorise=False))


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), name=st.sampled_from(ANNOTATED))
def test_annotate__bulk_path_equals_per_record_path_on_mixed_rows(seed: int, name: str) -> None:
    """Random row subsets, duplicated raw strings, dropped/empty entries and missing values."""
    rows = read_rows(name)
    rng = random.Random(seed)
    n = len(rows.ref)
    if n == 0:
        return
    pick = [rng.randrange(n) for _ in range(rng.randint(1, 30))]
    for spec in annotation_specs(rows.info):
        raw = []
        for i in pick:
            r = rows.raw[spec.info_id][i]
            roll = rng.random()
            if r and roll < 0.15:
                entries = r.split(",")
                r = ",".join(entries[: rng.randint(1, len(entries))] + ([""] if roll < 0.05 else []))
            elif roll < 0.2:
                r = rng.choice([None, ".", ""])
            raw.append(r)
        args = (spec, obj(raw), rows.ref[pick], rows.alts[pick], rows.allele_index[pick])
        assert_same_annotation(annotate(*args, position=rows.pos[pick]),
                               annotate(*args, position=rows.pos[pick], _vectorise=False))


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**32 - 1))
def test_annotate__entry_order_does_not_change_severity(seed: int) -> None:
    rows = read_rows("split-vep.multiallelic.vcf")
    rng = random.Random(seed)
    shuffled = []
    for raw in rows.raw["CSQ"]:
        entries = raw.split(",") if raw else []
        rng.shuffle(entries)
        shuffled.append(",".join(entries) if raw else raw)
    base, _, _ = rows.run("CSQ")
    spec = rows.spec("CSQ")
    got, _, _ = annotate(spec, obj(shuffled), rows.ref, rows.alts, rows.allele_index)
    for k in ("variant_worst_consequence", "variant_consequence_rank"):
        assert np.array_equal(got[k], base[k]), k
    assert sorted(got["annotation_variant"]) == sorted(base["annotation_variant"])


def test_annotate__repeated_sub_field_names_kept_apart() -> None:
    rows = read_rows("split-vep.filter-missing-bt2098.vcf")
    spec = rows.spec("CSQ")
    assert spec.fields.count("CADD_PHRED") == 2
    cols, _, _ = rows.run("CSQ")
    first, second = (spec.fields.index("CADD_PHRED"),
                     len(spec.fields) - 1 - spec.fields[::-1].index("CADD_PHRED"))
    assert first != second
    assert cols["annotation_field_CADD_PHRED"][0] == cols["annotation_field_CADD_PHRED_2"][0] \
        == "8.208"


# -- the C sub-field splitter (gmsvar.io._ann) and its Python fallback --------------------------
_PIECES = st.lists(st.sampled_from(["", ".", "A", "T", "-", "é", "ü|", "x y", "%3D", "|", "||", "1", ","]),
                   max_size=8).map("".join)


@pytest.mark.skipif(ann_mod._ann is None, reason="C extension gmsvar.io._ann not built")
@settings(max_examples=200, deadline=None)
@given(records=st.lists(_PIECES, max_size=30), n=st.integers(1, 6))
def test_sub_fields__c_equals_python(records: list[str], n: int) -> None:
    """Same distinct values (order of first appearance), codes, entry counts and empty-entry
    flags, also for entries with fewer or more sub-fields than n and non-ASCII text."""
    got = ann_mod._sub_fields(records, n)
    want = ann_mod._sub_fields_py(records, n)
    assert got.values == want.values
    assert got.codes.tolist() == want.codes.tolist()
    assert got.counts.tolist() == want.counts.tolist() == [r.count(",") + 1 for r in records]
    assert got.empty.tolist() == want.empty.tolist() == [e == "" for r in records for e in r.split(",")]
    assert got.has_empty().tolist() == ["" in r.split(",") for r in records]
    split = [e.split("|") for r in records for e in r.split(",")]
    for j in range(n):  # decoding the codes gives str.split's pieces, padded with ""
        assert [got.values[j][c] for c in got.codes[j]] == [f[j] if j < len(f) else "" for f in split]


@settings(max_examples=200, deadline=None)
@given(records=st.lists(st.text(max_size=40), max_size=12), n=st.integers(1, 5))
def test_sub_fields__any_text_c_equals_python(records: list[str], n: int) -> None:
    """Arbitrary text (any code point, surrogates included): the same split either way."""
    got, want = ann_mod._sub_fields(records, n), ann_mod._sub_fields_py(records, n)
    assert got.values == want.values and got.codes.tolist() == want.codes.tolist()
    assert got.counts.tolist() == want.counts.tolist() and got.empty.tolist() == want.empty.tolist()


def test_sub_fields__text_without_utf8_form_uses_the_python_splitter() -> None:
    """A lone surrogate (an undecodable byte kept with surrogateescape) has no UTF-8 form."""
    records = ["A|x\udcff|1,C|y", "A|x\udcff"]
    got = ann_mod._sub_fields(records, 3)
    assert got.values == [["A", "C"], ["x\udcff", "y"], ["1", ""]]
    assert got.codes.tolist() == [[0, 1, 0], [0, 1, 0], [0, 1, 1]]


@pytest.mark.skipif(ann_mod._ann is None, reason="C extension gmsvar.io._ann not built")
def test_sub_fields__c_rejects_bad_arguments() -> None:
    with pytest.raises(TypeError, match=r"records\[1\] is not a str"):
        ann_mod._ann.fields(["a", b"b"], 2)
    with pytest.raises(ValueError, match="at least 1"):
        ann_mod._ann.fields(["a"], 0)


@pytest.mark.parametrize("name", ANNOTATED)
def test_annotate__python_splitter_equals_c(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """The bulk path gives the same columns without the C extension."""
    rows = read_rows(name)
    for spec in annotation_specs(rows.info):
        got = rows.run(spec.info_id, position=rows.pos)
        monkeypatch.setattr(ann_mod, "_ann", None)
        assert_same_annotation(rows.run(spec.info_id, position=rows.pos), got)
        monkeypatch.undo()


@settings(max_examples=300, deadline=None)
@given(v=st.lists(st.sampled_from(["%", "3", "D", "d", "=", "p.", "%3D", "%3d", "%2C", "%C3%A9", "%%", "x"]),
                  max_size=10).map("".join))
def test_hgvs__decodes_as_unquote(v: str) -> None:
    from urllib.parse import unquote

    assert ann_mod._hgvs(v) == (None if v in ("", ".") else unquote(v))
