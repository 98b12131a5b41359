"""Matching: HGVS strings and genomic coordinates agree on generated hotspot variants (hypothesis)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gmsvar.actionable.genomic import genomic_features
from gmsvar.actionable.hgvs import AA3
from gmsvar.actionable.kb import kb_table
from gmsvar.actionable.match import features_from_strings, match_rules

# an independent standard genetic code for the test (TCAG order, NCBI table 1)
_B = "TCAG"
_AA = "FFLLSSSSYY**CC*WLLLLPPPPHHQQRRRRIIIMTTTTNNKKSSRRVVVVAAAADDEEGGGG"
CODE = {
    a + b + c: _AA[16 * i + 4 * j + k]
    for i, a in enumerate(_B)
    for j, b in enumerate(_B)
    for k, c in enumerate(_B)
}
THREE = {v: k for k, v in AA3.items() if k != "Xaa"}
COMP = str.maketrans("ACGT", "TGCA")
CODONS = kb_table("codons")
REGIONS = kb_table("regions").set_index(["gene", "exon"])
MANE = {
    "EGFR": "ENST00000275493.7",
    "KRAS": "ENST00000311936.8",
    "BRAF": "ENST00000646891.2",
    "MET": "ENST00000397752.8",
    "ERBB2": "ENST00000269571.10",
}


def _g(gene: str, exon: int, c: int, build: str, offset: int = 0) -> int:
    """Genomic position of c.(c)(+/-offset) via the exon map (independent arithmetic)."""
    r = REGIONS.loc[(gene, str(exon))]
    g0 = int(r[f"{build.lower()}_g_at_c_start"])
    sign = 1 if r["strand"] == "+" else -1
    return g0 + sign * (c - int(r["c_start"]) + offset)


@st.composite
def snv_at_codon(draw: st.DrawFn) -> dict[str, object]:
    i = draw(st.integers(0, len(CODONS) - 1))
    row = CODONS.iloc[i]
    k = draw(st.integers(0, 2))
    ref_codon = row["ref_codon"]
    alt_base = draw(st.sampled_from([b for b in "ACGT" if b != ref_codon[k]]))
    alt_codon = ref_codon[:k] + alt_base + ref_codon[k + 1 :]
    codon = int(row["codon"])
    ref_aa, alt_aa = row["ref_aa"], CODE[alt_codon]
    c = 3 * codon - 2 + k
    sign = 1 if row["strand"] == "+" else -1
    build = draw(st.sampled_from(["GRCh38", "GRCh37"]))
    pos = int(row[f"{build.lower()}_c1"]) + sign * k
    vref, valt = (
        (ref_codon[k], alt_base) if sign == 1 else (ref_codon[k].translate(COMP), alt_base.translate(COMP))
    )
    p_alt = "=" if alt_aa == ref_aa else THREE[alt_aa]
    return {
        "gene": row["gene"],
        "chrom": row["chrom"],
        "pos": pos,
        "ref": vref,
        "alt": valt,
        "build": build,
        "hgvsc": f"c.{c}{ref_codon[k]}>{alt_base}",
        "hgvsp": f"p.({THREE[ref_aa]}{codon}{p_alt})",
        "exon": None,
    }


@st.composite
def egfr_ex19_deletion(draw: st.DrawFn) -> dict[str, object]:
    start = draw(st.integers(729, 761))
    length = draw(st.integers(1, min(6, 762 - start)))
    end = start + length - 1
    build = draw(st.sampled_from(["GRCh38", "GRCh37"]))
    g_first = _g("EGFR", 19, 3 * start - 2, build)
    bases = draw(st.text("ACGT", min_size=3 * length + 1, max_size=3 * length + 1))
    p = f"p.(Xaa{start}del)" if length == 1 else f"p.(Xaa{start}_Xaa{end}del)"
    return {
        "gene": "EGFR",
        "chrom": "7",
        "pos": g_first - 1,
        "ref": bases,
        "alt": bases[0],
        "build": build,
        "hgvsc": f"c.{3 * start - 2}_{3 * end}del",
        "hgvsp": p,
        "exon": "19/28",
    }


@st.composite
def inframe_insertion(draw: st.DrawFn) -> dict[str, object]:
    gene, exon, lo, hi, total = draw(
        st.sampled_from([("EGFR", 20, 762, 822, 28), ("ERBB2", 20, 771, 797, 27)])
    )
    codon = draw(st.integers(lo, hi))
    ins = draw(st.lists(st.sampled_from([c for c, a in CODE.items() if a != "*"]), min_size=1, max_size=5))
    seq = "".join(ins)
    aa = "".join(THREE[CODE[c]] for c in ins)
    build = draw(st.sampled_from(["GRCh38", "GRCh37"]))
    anchor = _g(gene, exon, 3 * codon, build)
    base = draw(st.sampled_from("ACGT"))
    return {
        "gene": gene,
        "chrom": "7" if gene == "EGFR" else "17",
        "pos": anchor,
        "ref": base,
        "alt": base + seq,
        "build": build,
        "hgvsc": f"c.{3 * codon}_{3 * codon + 1}ins{seq}",
        "hgvsp": f"p.(Xaa{codon}_Xaa{codon + 1}ins{aa})",
        "exon": f"{exon}/{total}",
    }


@st.composite
def met_splice_region(draw: st.DrawFn) -> dict[str, object]:
    build = draw(st.sampled_from(["GRCh38", "GRCh37"]))
    side = draw(st.sampled_from(["acceptor", "donor"]))
    anchor_c = 2888 if side == "acceptor" else 3028
    offset = draw(st.integers(-8, 8))
    ref, alt = draw(st.sampled_from([("A", "G"), ("G", "T"), ("C", "T"), ("T", "C")]))
    if draw(st.booleans()):  # SNV
        pos = _g("MET", 14, anchor_c, build, offset)
        if (side == "acceptor" and offset > 0) or (side == "donor" and offset < 0):
            c_txt = f"{anchor_c + offset}"
        else:
            c_txt = f"{anchor_c}{offset:+d}" if offset else f"{anchor_c}"
        return {
            "gene": "MET",
            "chrom": "7",
            "pos": pos,
            "ref": ref,
            "alt": alt,
            "build": build,
            "hgvsc": f"c.{c_txt}{ref}>{alt}",
            "hgvsp": None,
            "exon": None,
        }
    # deletion of 1-15 bases starting upstream of the acceptor (intron 13) or around the donor
    length = draw(st.integers(1, 15))
    start_off = draw(st.integers(-25, -1)) if side == "acceptor" else draw(st.integers(-12, 4))
    first = _g("MET", 14, anchor_c, build, start_off)
    bases = draw(st.text("ACGT", min_size=length + 1, max_size=length + 1))

    def c_of(off: int) -> str:
        if side == "acceptor":
            return f"{anchor_c}{off:+d}" if off < 0 else f"{anchor_c + off}"
        return f"{anchor_c + off}" if off <= 0 else f"{anchor_c}{off:+d}"

    end_off = start_off + length - 1
    c_txt = c_of(start_off) if length == 1 else f"{c_of(start_off)}_{c_of(end_off)}"
    return {
        "gene": "MET",
        "chrom": "7",
        "pos": first - 1,
        "ref": bases,
        "alt": bases[0],
        "build": build,
        "hgvsc": f"c.{c_txt}del",
        "hgvsp": None,
        "exon": None,
    }


EVENTS = st.one_of(snv_at_codon(), egfr_ex19_deletion(), inframe_insertion(), met_splice_region())


def _hits(m: pd.DataFrame) -> set[tuple[int, str]]:
    return set(zip(m["row"].astype(int), m["biomarker_id"], strict=True))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(EVENTS, min_size=1, max_size=12))
def test_match_rules__hgvs_and_genomic_routes_agree(events: list[dict[str, object]]) -> None:
    by_hgvs = match_rules(
        features_from_strings(
            genes=[str(e["gene"]) for e in events],
            hgvsp=[e["hgvsp"] for e in events],  # type: ignore[misc]
            hgvsc=[str(e["hgvsc"]) for e in events],
            exons=[e["exon"] for e in events],  # type: ignore[misc]
            transcripts=[MANE[str(e["gene"])] for e in events],
        )
    )
    found = set()
    for build in ("GRCh38", "GRCh37"):
        idx = [i for i, e in enumerate(events) if e["build"] == build]
        if not idx:
            continue
        f = genomic_features(
            np.array([f"chr{events[i]['chrom']}" for i in idx], dtype=object),
            np.array([events[i]["pos"] for i in idx]),
            np.array([events[i]["ref"] for i in idx], dtype=object),
            np.array([events[i]["alt"] for i in idx], dtype=object),
            build=build,
            rows=np.array(idx),
        )
        found |= _hits(match_rules(f))
    assert found == _hits(by_hgvs)


def test_match_rules__every_hotspot_snv_class_is_reachable() -> None:
    """Sanity for the generator: the specific protein changes of the KB are matched from both routes."""
    cases = [
        ("EGFR", "7", 55191822, "T", "G", "c.2573T>G", "p.(Leu858Arg)", "EGFR_L858R"),
        ("KRAS", "12", 25245351, "C", "A", "c.34G>T", "p.(Gly12Cys)", "KRAS_G12C"),
        ("BRAF", "7", 140753336, "A", "T", "c.1799T>A", "p.(Val600Glu)", "BRAF_V600E"),
        ("EGFR", "7", 55174015, "G", "C", "c.2156G>C", "p.(Gly719Ala)", "EGFR_UNCOMMON"),
    ]
    for gene, chrom, pos, ref, alt, hc, hp, bid in cases:
        a = match_rules(features_from_strings(genes=[gene], hgvsp=[hp], hgvsc=[hc]))
        b = match_rules(
            genomic_features(
                np.array([chrom], dtype=object),
                np.array([pos]),
                np.array([ref], dtype=object),
                np.array([alt], dtype=object),
                build="GRCh38",
            )
        )
        assert list(a["biomarker_id"]) == list(b["biomarker_id"]) == [bid]


def test_match_rules__not_actionable_changes_do_not_match() -> None:
    f = features_from_strings(
        genes=["KRAS", "BRAF", "EGFR", "EGFR", "MET"],
        hgvsp=["p.Gly12Asp", "p.Lys601Glu", "p.Leu858Arg", "p.Glu746_Ala750del", None],
        hgvsc=["c.35G>A", "c.1801A>G", "c.2573T>G", "c.2236_2250del", "c.2950A>G"],
        exons=[None, None, None, "18/28", None],
        transcripts=[None, None, None, "ENST00000275493.7", None],
    )
    # L858R on an unknown transcript still matches by protein;
    # an exon-18 deletion on the MANE transcript does not
    assert match_rules(f)[["row", "biomarker_id"]].values.tolist() == [[2, "EGFR_L858R"]]


def test_match_rules__ref_mismatch_never_matches() -> None:
    """A GRCh37 VCF read as GRCh38 puts BRAF V600E nowhere near the codon; a wrong REF is refused."""
    f = genomic_features(
        np.array(["7"], dtype=object),
        np.array([140753336]),
        np.array(["G"], dtype=object),
        np.array(["T"], dtype=object),
        build="GRCh38",
    )
    assert not bool(f["ref_ok"].iloc[0]) and "ref_mismatch_check_build" in f["match_flags"].iloc[0]
    assert match_rules(f).empty


def test_match_rules__delins_in_exon19_and_mnv_at_codon() -> None:
    f = features_from_strings(
        genes=["EGFR", "BRAF"],
        hgvsp=["p.Leu747_Pro753delinsSer", "p.Val600Lys"],
        hgvsc=["c.2239_2258delinsTCT", "c.1798_1799delinsAA"],
    )
    assert sorted(match_rules(f)["biomarker_id"]) == ["EGFR_EX19DEL"]
    g = genomic_features(
        np.array(["7"], dtype=object),
        np.array([140753336]),
        np.array(["AC"], dtype=object),
        np.array(["TT"], dtype=object),
        build="GRCh38",
    )
    assert g[["p_kind", "alt_aa", "hgvsp"]].values.tolist() == [["missense", "K", "p.(Val600Lys)"]]
