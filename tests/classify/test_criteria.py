"""Unit tests of the vectorised criterion functions."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from gmsvar.classify import criteria as cr
from gmsvar.classify.knowledge import load_exons


def _nan(n: int) -> np.ndarray:
    return np.full(n, np.nan)


def test_strength_code__labels() -> None:
    assert [
        cr.strength_code(x)
        for x in (
            "",
            "Not met",
            "Supporting",
            "moderate",
            "Strong",
            "Very strong",
            "VeryStrong",
            "Stand-alone",
        )
    ] == [0, 0, 1, 2, 3, 4, 4, 5]
    with pytest.raises(ValueError, match="unknown strength"):
        cr.strength_code("huge")


def test_ba1__threshold_an_floor_and_exception() -> None:
    af = np.array([0.06, 0.06, 0.06, 0.04])
    m = cr.ba1(
        af,
        ba1_af=np.full(4, 0.05),
        an=np.array([np.nan, 1000, 5000, 5000]),
        min_an=2000,
        exception=np.array([False, False, True, False]),
        exception_note=np.full(4, "X", dtype=object),
    )
    assert m.strength.tolist() == [5, 0, 0, 0]
    assert m.text[1].startswith("not applied: AN 1000") and "exception" in m.text[2]
    assert m.text[0] == "grpmax AF 0.06 >= 0.05"


def test_bs1__between_bs1_and_ba1() -> None:
    af = np.array([0.0001, 0.0005, 0.06])
    m = cr.bs1(
        af,
        bs1_af=np.full(3, 0.0002),
        ba1_af=np.full(3, 0.05),
        an=_nan(3),
        min_an=2000,
        basis=np.full(3, "dominant-gene cut-off", dtype=object),
    )
    assert m.strength.tolist() == [0, 3, 0]
    assert "dominant-gene cut-off" in m.text[1]


def test_pm2__absent_rare_common_unannotated_and_coverage() -> None:
    af = np.array([0.0, 1e-6, 0.01, np.nan, 0.0, 0.0])
    status = np.array([1, 2, 2, 0, 1, 1], dtype=np.int8)
    covered = np.array([True, True, True, True, False, False])
    an = np.array([np.nan, np.nan, np.nan, np.nan, np.nan, 3000.0])
    m = cr.pm2(af, status, np.full(6, 2e-5), an=an, min_an=2000, strength=1, covered=covered)
    assert m.strength.tolist() == [1, 1, 0, 0, 0, 1]
    assert "outside exome coverage" in m.text[4]
    assert m.text[3] == "not applied: no population frequency annotation"


def test_bs2__homozygotes_and_hemizygotes() -> None:
    m = cr.bs2(
        np.array([3.0, 3.0, np.nan]),
        np.array([np.nan, np.nan, 5.0]),
        recessive=np.array([True, False, False]),
        xlinked=np.array([False, False, True]),
        min_hom=2,
        min_hemi=2,
    )
    assert m.strength.tolist() == [3, 0, 3]


def _pvs1_on(gene: str, pos: int, kind: int, mechanism: str = "known") -> cr.Met:
    ex = load_exons("GRCh38")
    chrom = {"BRCA2": "13", "MLH1": "3", "PMS2": "7"}[gene]
    loc = ex.locate(np.array([gene], dtype=object), np.array([chrom], dtype=object), np.array([pos]))
    return cr.pvs1(
        np.array([kind], dtype=np.int8),
        gene=np.array([gene], dtype=object),
        mechanism=np.array([mechanism], dtype=object),
        mechanism_text=np.array(["mech"], dtype=object),
        found=loc.found,
        exon=loc.exon,
        n_exons=loc.n_exons,
        exon_raw=loc.exon_raw,
        n_exons_raw=loc.n_exons_raw,
        in_cds=loc.in_cds,
        dist3=loc.dist_to_exon_3prime,
        cpos=loc.cpos,
        cds_len=loc.cds_len,
        intron_offset=loc.intron_offset,
        skip_exon_raw=loc.skip_exon_raw,
        skip_coding_len=loc.skip_coding_len,
        skip_coding_before=loc.skip_coding_before,
        transcript=loc.transcript,
        input_exon=np.array([None], dtype=object),
        covers_last_exon=np.zeros(1, bool),
        params={
            "lof_mechanisms": ["known", "presumed"],
            "nmd_penultimate_nt": 50,
            "truncated_fraction": 0.1,
            "start_lost": "Supporting",
            "nmd_unknown": "Strong",
        },
    )


@pytest.mark.parametrize(
    ("gene", "pos", "kind", "expected", "words"),
    [
        ("BRCA2", 32337000, 1, 4, "NMD predicted"),  # exon 11 of 27
        ("MLH1", 37050500, 1, 2, "last exon"),  # last exon, 6.8 % removed
        ("BRCA2", 32398700, 2, 2, "last exon"),  # near the BRCA2 stop codon
        ("MLH1", 36993664, 3, 4, "frameshift, NMD predicted"),  # c.116+1
        ("MLH1", 37048515, 4, 2, "in-frame deletion of 4.1%"),  # acceptor of exon 17 (93 coding nt)
        ("MLH1", 36993548, 5, 1, "start_lost"),
    ],
)
def test_pvs1__decision_tree(gene: str, pos: int, kind: int, expected: int, words: str) -> None:
    m = _pvs1_on(gene, pos, kind)
    assert int(m.strength[0]) == expected, m.text[0]
    assert words in m.text[0]


def test_pvs1__mechanism_not_and_penultimate_window() -> None:
    m = _pvs1_on("BRCA2", 32337000, 1, mechanism="not")
    assert m.strength[0] == 0 and m.text[0].startswith("not applied")
    ex = load_exons("GRCh38").exon_rows("MLH1")
    pen = ex[ex.exon == 18].iloc[0]
    inside = _pvs1_on("MLH1", int(pen["end"]) - 10, 1)  # 3'-most 50 nt of the penultimate exon
    upstream = _pvs1_on("MLH1", int(pen["start"]) + 1, 2)  # frameshift upstream of the window
    assert "3'-most 50 nt" in inside.text[0] and inside.strength[0] in (2, 3)
    assert upstream.strength[0] == 3 and "may escape NMD" in upstream.text[0]


def test_pvs1__no_structure_is_conservative() -> None:
    m = cr.pvs1(
        np.array([1], np.int8),
        gene=np.array(["XYZ"], object),
        mechanism=np.array(["known"], object),
        mechanism_text=np.array(["m"], object),
        found=np.zeros(1, bool),
        exon=np.zeros(1, int),
        n_exons=np.zeros(1, int),
        exon_raw=np.zeros(1, int),
        n_exons_raw=np.zeros(1, int),
        in_cds=np.zeros(1, bool),
        dist3=np.full(1, -1),
        cpos=np.zeros(1, int),
        cds_len=np.zeros(1, int),
        intron_offset=np.zeros(1, int),
        skip_exon_raw=np.zeros(1, int),
        skip_coding_len=np.zeros(1, int),
        skip_coding_before=np.zeros(1, int),
        transcript=np.array([None], object),
        input_exon=np.array(["3/10"], object),
        covers_last_exon=np.zeros(1, bool),
        params={"nmd_unknown": "Strong"},
    )
    assert m.strength[0] == 4 and "annotated transcript" in m.text[0]


def test_pm4_bp3() -> None:
    inframe = np.array([True, True, False])
    rep = np.array([False, True, False])
    assert cr.pm4(
        inframe, np.array([False, False, True]), repeat=rep, length=np.array([-3, -6, 0]), strength=2
    ).strength.tolist() == [2, 0, 2]
    assert cr.bp3(inframe, repeat=rep, repeat_note=np.full(3, "x", object)).strength.tolist() == [0, 1, 0]


def test_insilico__revel_cadd_spliceai_one_line() -> None:
    tools = {
        "REVEL": {
            "pp3": [[0.932, "Strong"], [0.773, "Moderate"], [0.644, "Supporting"]],
            "bp4": [[0.003, "Very strong"], [0.016, "Strong"], [0.183, "Moderate"], [0.29, "Supporting"]],
            "tag": "V",
        },
        "CADD": {
            "pp3": [[28.1, "Moderate"], [25.3, "Supporting"]],
            "bp4": [[17.3, "Moderate"], [22.7, "Supporting"]],
        },
    }
    scores = {
        "REVEL": np.array([0.95, 0.5, 0.1, np.nan, np.nan, 0.1]),
        "CADD": np.array([10, 30, np.nan, 30, np.nan, np.nan], float),
        "SpliceAI": np.array([np.nan, np.nan, np.nan, np.nan, 0.5, 0.5]),
    }
    missense = np.array([True, True, True, True, False, True])
    pp3, bp4 = cr.insilico(
        scores,
        missense=missense,
        tools=tools,
        order=["REVEL", "CADD"],
        splice_pp3=0.2,
        splice_bp4=0.1,
        missense_allowed=np.ones(6, bool),
        splice_eligible=np.ones(6, bool),
    )
    # REVEL wins over CADD when present; SpliceAI >= 0.2 gives PP3 (and blocks BP4) even for a benign REVEL
    assert pp3.strength.tolist() == [3, 0, 0, 2, 1, 1]
    assert bp4.strength.tolist() == [0, 0, 2, 0, 0, 0]
    assert pp3.text[0].startswith("REVEL 0.95") and "SpliceAI" in pp3.text[4]


def test_bp7__spliceai_position_and_deep_intron() -> None:
    n = 4
    m, pos_only = cr.bp7(
        np.array([True, True, False, True]),
        np.array([False, False, True, False]),
        splice_region=np.zeros(n, bool),
        spliceai=np.array([0.05, np.nan, 0.02, np.nan]),
        splice_max=0.1,
        in_exon=np.array([True, True, False, True]),
        junction_distance=np.array([50, 40, -30, 1]),
        intron_offset=np.array([0, 0, 30, 0]),
        found=np.ones(n, bool),
        params={"without_splice_score": "position", "min_exon_distance": 3},
    )
    assert m.strength.tolist() == [1, 1, 1, 0]
    assert pos_only.tolist() == [False, True, False, False]


def test_ps1_pm5__same_and_other_amino_acid_and_identity() -> None:
    rec = pd.DataFrame(
        {
            "gene": ["TP53"],
            "residue": [273],
            "ref_aa": ["Arg"],
            "alt_aa": ["His"],
            "key": ["17-1-C-T"],
            "stars": [3],
        }
    )
    gene = np.array(["TP53"] * 4, object)
    ps1, pm5 = cr.ps1_pm5(
        gene,
        np.array([273, 273, 273, 274]),
        np.array(["His", "Cys", "His", "Cys"], object),
        np.array(["17-2-G-A", "17-3-G-A", "17-1-C-T", "17-4-G-A"], object),
        np.ones(4, bool),
        rec,
        ps1_strength=3,
        pm5_strength=2,
    )
    assert ps1.strength.tolist() == [3, 0, 0, 0]  # identical nucleotide change is never used
    assert pm5.strength.tolist() == [0, 2, 0, 0]


def test_bp1_pp2_and_pm1() -> None:
    pp2, bp1 = cr.bp1_pp2(
        np.array([True, True, False]), np.array(["PP2", "BP1", "PP2"], object), np.full(3, "n", object)
    )
    assert pp2.strength.tolist() == [1, 0, 0] and bp1.strength.tolist() == [0, 1, 0]
    assert cr.pm1(np.array([True, False]), np.array(["hot", ""], object), strength=2).strength.tolist() == [
        2,
        0,
    ]
