"""HGVS parsing: one pass over a column, every notation used by VEP, SnpEff, bcftools and papers."""

from __future__ import annotations

import pandas as pd
import pytest

from gmsvar.actionable.hgvs import c_key, parse_c_position, parse_hgvsc, parse_hgvsp


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ENSP00000288602.7:p.Val600Glu", ("missense", "V", 600, 600, "E", 0)),
        ("p.(V600E)", ("missense", "V", 600, 600, "E", 0)),
        ("p.Arg1450Ter", ("nonsense", "R", 1450, 1450, "*", 0)),
        ("p.R1450*", ("nonsense", "R", 1450, 1450, "*", 0)),
        ("p.(Glu412%3D)", ("synonymous", "E", 412, 412, "", 0)),
        ("p.Glu412=", ("synonymous", "E", 412, 412, "", 0)),
        ("p.Glu746_Ala750del", ("inframe_deletion", "E", 746, 750, "", -5)),
        ("p.Glu746del", ("inframe_deletion", "E", 746, 746, "", -1)),
        ("p.L747_P753delinsS", ("delins", "L", 747, 753, "S", -6)),
        ("p.Ala767_Val769dup", ("duplication", "A", 767, 769, "", 3)),
        ("p.Ala763_Tyr764insPheGlnGluAla", ("inframe_insertion", "A", 763, 764, "FQEA", 4)),
        ("p.A775_G776insYVMA", ("inframe_insertion", "A", 775, 776, "YVMA", 4)),
        ("p.(Pro246CysfsTer3)", ("frameshift", "P", 246, 246, "C", 0)),
        ("p.P246Cfs*3", ("frameshift", "P", 246, 246, "C", 0)),
        ("p.Ter1000GlnextTer5", ("stop_lost", "*", 1000, 1000, "Q", 0)),
        ("p.Met1?", ("start_lost", "M", 1, 1, "", 0)),
        ("600V>600E", ("missense", "V", 600, 600, "E", 0)),
        ("p.?", ("unknown", "", -1, -1, "", 0)),
        ("", ("none", "", -1, -1, "", 0)),
    ],
)
def test_parse_hgvsp__notations(text: str, expected: tuple[object, ...]) -> None:
    got = parse_hgvsp(pd.Series([text])).iloc[0]
    assert tuple(got[["p_kind", "ref_aa", "codon_start", "codon_end", "alt_aa", "aa_change"]]) == expected


def test_parse_hgvsp__keeps_index_and_handles_missing() -> None:
    s = pd.Series([None, "p.Leu858Arg"], index=[10, 20])
    out = parse_hgvsp(s)
    assert list(out.index) == [10, 20] and list(out["p_kind"]) == ["none", "missense"]


@pytest.mark.parametrize(
    ("text", "kind", "start", "end"),
    [
        ("c.3028+1G>T", "substitution", c_key(3028, 1), c_key(3028, 1)),
        ("NM_000245.4:c.2888-18_2888-2del", "deletion", c_key(2888, -18), c_key(2888, -2)),
        ("c.3020_3028+8del", "deletion", c_key(3020), c_key(3028, 8)),
        ("c.2313_2324dup", "duplication", c_key(2313), c_key(2324)),
        ("c.2289_2290insTTCCAGGAAGCC", "insertion", c_key(2289), c_key(2290)),
        ("c.736_741delinsTGTGTGTGAAG", "delins", c_key(736), c_key(741)),
        ("c.1129-5923C>G", "substitution", c_key(1129, -5923), c_key(1129, -5923)),
        ("c.*12del", "deletion", c_key("*12"), c_key("*12")),
        ("c.-27C>A", "substitution", c_key(-27), c_key(-27)),
        ("not hgvs", "none", -1, -1),
    ],
)
def test_parse_hgvsc__positions_are_ordered_keys(text: str, kind: str, start: int, end: int) -> None:
    got = parse_hgvsc(pd.Series([text])).iloc[0]
    assert (got["c_kind"], got["c_start_key"], got["c_end_key"]) == (kind, start, end)


def test_c_key__transcript_order() -> None:
    keys = [c_key(-5), c_key(1), c_key(2887, 3), c_key(2888, -2), c_key(2888), c_key(3028, 2), c_key("*1")]
    assert keys == sorted(keys)
    assert parse_c_position("2888-25") == c_key(2888, -25)
    with pytest.raises(ValueError):
        parse_c_position("c.12")
