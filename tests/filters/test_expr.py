"""Tests for gmsvar.filters.expr: parser errors, semantics on built tables, invariants."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gmsvar.errors import InputError
from gmsvar.filters import ExpressionError, filter_expr, parse_expr, required_columns
from gmsvar.table import INT_MISSING, FieldDef, VariantTable, VcfMetadata

from ._tables import obj, table

I1 = FieldDef("DP", "1", "Integer")


def _t() -> VariantTable:
    """Five rows x two samples covering QUAL/FILTER/INFO/FORMAT/GT cases."""
    return table(
        samples=("S1", "S2"),
        genotypes=[["0/1", "0/0"], ["0/.", "1/1"], ["./.", "0|1"], ["1", "0"], ["1/0", "./1"]],
        filters=["PASS", ".", "q10;s50", "q10", "s50"],
        info={
            "DP": (I1, np.array([10, INT_MISSING, 5, INT_MISSING, 50], dtype=np.int32)),
            "AF": (FieldDef("AF", "A", "Float"),
                   np.array([0.01, 0.5, np.nan, np.nan, np.nan], dtype=np.float32)),
            "DB": (FieldDef("DB", "0", "Flag"), np.array([True, False, False, False, False])),
            "G": (FieldDef("G", "1", "String"), obj(["BRCA1", None, "TP53", "brca2", "A,B"])),
            "XR": (FieldDef("XR", "R", "Integer"),
                   np.array([[1, 2]] + [[INT_MISSING, INT_MISSING]] * 4, dtype=np.int32)),
            "L": (FieldDef("L", ".", "Integer"), obj([(1, 5, -3), (2,), None, None, None])),
        },
        fmt={"VF": (FieldDef("VF", "1", "Float"),
                    np.array([[0.5, 0], [np.nan, 1], [np.nan, 0.6], [1, 0], [0.53, 0.53]],
                             dtype=np.float32))},
        call_depth=np.array([[10, 30], [-1, 5], [8, 25], [20, 3], [15, 15]], dtype=np.int32),
        call_genotype_quality=np.array([[20, 5], [-1, 50], [9, 25], [30, 3], [15, 15]],
                                       dtype=np.int32),
        call_allele_depth=np.array([[[5, 5], [30, 0]], [[-1, -1], [0, 5]], [[-1, -1], [10, 15]],
                                    [[0, 20], [3, 0]], [[7, 8], [7, 8]]], dtype=np.int32),
        variant_qual=np.array([30, np.nan, 10, 20, 0], dtype=np.float32),
        variant_ref=obj(["A", "A", "AT", "A", "AC"]),
        variant_alt=obj(["T", "C", "A", "AT", "GT"]),
        variant_id=obj(["rs1", None, "rs3", None, None]),
    ).with_columns(meta=None)


def rows(expr: str, t: VariantTable | None = None) -> list[int]:
    return np.flatnonzero(filter_expr(_t() if t is None else t, expr)).tolist()


# -- parser -----------------------------------------------------------------------------------
@pytest.mark.parametrize(("expr", "column"), [
    ("QUAL>30 &&", 10),
    ("QUAL>30)", 7),
    ("(QUAL>30", 0),
    ('FILTER="PASS', 7),
    ("QUAL >> 3", 6),
    ("QUAL>30 && ID=@ids.txt", 14),
    ("QUAL>30 $", 8),
    ("1<QUAL<3", 6),
    ("N_PASS(GT=\"het\")>1", 0),
    ("binom(FMT/AD)<0.01", 0),
    ("FMT/DP[@s.txt]>3", 6),
    ("POS-1-1>3", 3),
    ("", 0),
])
def test_parse_expr__errors_point_at_column(expr: str, column: int) -> None:
    with pytest.raises(ExpressionError) as info:
        parse_expr(expr)
    err = info.value
    assert err.column == column
    lines = str(err).splitlines()
    assert lines[-2] == "  " + expr
    assert lines[-1] == "  " + " " * column + "^"


def test_expression_error__is_input_error() -> None:
    assert issubclass(ExpressionError, InputError)


@pytest.mark.parametrize(("expr", "match"), [
    ("NOPE>1", "not defined"),
    ("INFO/NOPE>1", "not defined"),
    ("FMT/NOPE>1", "not defined"),
    ("AC>1", "computed"),
    ('FILTER="nope"', "not declared"),
    ('TYPE="snv"', "unknown TYPE"),
    ('GT="weird"', "unknown genotype"),
    ("QUAL", "value, not a condition"),
    ('QUAL>"20"', "number with a string"),
    ('INFO/G>"A"', "strings can only"),
    ("INFO/G>3", "text"),
    ("QUAL~\"3\"", "text field"),
    ('"A"~REF', "left side"),
    ("QUAL<.", "missing values"),
    ("1>2", "two constants"),
    ("REF+1>2", "needs numbers"),
    ("FMT/DP[0]+FMT/GQ[1]>3", "different samples"),
    ("FMT/DP[7]>3", "out of range"),
    ("INFO/DP[0:1]>3", "FORMAT"),
    ("FILTER[0]=\"PASS\"", "no subscript"),
    ("MEDIAN(FMT/DP)>3", "not supported"),
    ("FOO(QUAL)>3", "unknown function"),
    ('REF~"a\\"', "regular expression"),
])
def test_filter_expr__unsupported_or_invalid(expr: str, match: str) -> None:
    with pytest.raises(ExpressionError, match=match):
        filter_expr(_t(), expr)


def test_filter_expr__field_in_header_but_not_read() -> None:
    t = _t()
    meta = t.meta.replace(format={**t.meta.format, "PL": FieldDef("PL", "G", "Integer")})
    with pytest.raises(ExpressionError, match="format=\\['PL'\\]"):
        filter_expr(t.with_columns(meta=meta), "FMT/PL[0:0]>0")


# -- site fields ------------------------------------------------------------------------------
def test_filter_expr__qual_and_missing() -> None:
    assert rows("QUAL>=20") == [0, 3]
    assert rows('QUAL="."') == [1]
    assert rows("QUAL=.") == [1]  # unquoted '.' accepted as missing
    assert rows("QUAL!=20") == [0, 1, 2, 4]  # missing != 20 is true, as in bcftools


def test_filter_expr__filter_set_semantics() -> None:
    assert rows('FILTER="PASS"') == [0]
    assert rows('FILTER="."') == [1]
    assert rows('FILTER="q10;s50"') == rows('FILTER="s50;q10"') == [2]
    assert rows('FILTER="q10"') == [3]
    assert rows('FILTER~"q10"') == [2, 3]
    assert rows('FILTER!~"q10"') == [0, 1, 4]
    assert rows('FILTER!="PASS"') == [1, 2, 3, 4]


def test_filter_expr__id_ref_alt_chrom_pos_type() -> None:
    assert rows('ID="."') == [1, 3, 4]
    assert rows('ID~"^rs"') == [0, 2]
    assert rows('REF="A" && ALT~"T$"') == [0, 3]
    assert rows('CHROM="chr1"') == [0, 1, 2, 3, 4]
    assert rows("POS>=300") == [2, 3, 4]
    assert rows('TYPE="snp"') == [0, 1]
    assert rows('TYPE="indel"') == [2, 3]
    assert rows('TYPE="mnp"') == [4]
    assert rows('TYPE!~"snp"') == [2, 3, 4]


def test_filter_expr__info_numbers_flags_vectors() -> None:
    assert rows("INFO/DP>=10") == rows("DP>=10") == [0, 4]
    assert rows('INFO/DP="."') == [1, 3]
    assert rows("DB=1") == [0] and rows("DB=0") == [1, 2, 3, 4]
    assert rows("XR[1]=2") == [0] and rows("XR=1") == [0]
    assert rows("XR!=2") == [0, 1, 2, 3, 4]  # any element != 2, missing counts as !=
    assert rows("L[*]=5") == [0] and rows("L[2]<0") == [0]
    assert rows("SUM(L)=3") == [0] and rows("MAX(L)=5") == [0] and rows("MIN(L)<0") == [0]
    assert rows('L="."') == [2, 3, 4]


def test_filter_expr__float32_gotcha() -> None:
    # INFO/AF=0.01 is stored as float32; bcftools compares at float32, so AF<0.01 is false
    assert rows("INFO/AF<0.01") == []
    assert rows("INFO/AF<=0.01") == [0]
    assert rows("FMT/VF<0.53") == [0, 3]


def test_filter_expr__strings_regex_and_commas() -> None:
    assert rows('INFO/G="BRCA1"') == [0]
    assert rows('INFO/G="brca1"') == []  # case-sensitive
    assert rows('INFO/G~"BRCA"') == [0]
    assert rows('INFO/G~"brca/i"') == [0, 3]
    assert rows('INFO/G~"BRCA1|TP53"') == []  # POSIX basic: '|' is a literal
    assert rows('INFO/G~"BRCA1\\|TP53"') == [0, 2]  # GNU \\| alternation
    assert rows('INFO/G="B"') == [4]  # a comma-separated value matches element-wise
    assert rows('INFO/G="."') == [1]
    assert rows('INFO/G!="BRCA1"') == [1, 2, 3, 4]


# -- FORMAT fields, genotypes and per-sample logic ----------------------------------------------
def test_filter_expr__format_any_sample_and_subscripts() -> None:
    assert rows("FMT/DP>=20") == [0, 2, 3]
    assert rows('FMT/DP="."') == [1]
    assert rows("FMT/DP[0]>=15") == [3, 4]
    assert rows("FMT/DP[1]>=15") == [0, 2, 4]
    assert rows("FMT/AD[:1]>=8") == [2, 3, 4]
    assert rows("FMT/AD[0:1]>=8") == [3, 4]
    assert rows("FMT/AD>=20") == [0, 3]
    assert rows("MIN(FMT/DP)>=15") == [4]
    assert rows("SMPL_SUM(FMT/AD)>=20") == [0, 2, 3]
    assert rows("FMT/AD[:1]/(FMT/AD[:0]+FMT/AD[:1])>0.5") == [1, 2, 3, 4]


def test_filter_expr__genotypes() -> None:
    assert rows('GT="het"') == [0, 2, 4]
    assert rows('GT="HET"') == [0, 2, 4]
    assert rows('GT="hom"') == [0, 1]
    assert rows('GT="ref"') == [0, 3]
    assert rows('GT="alt"') == [0, 1, 2, 3, 4]
    assert rows('GT="mis"') == [1, 2, 4]
    assert rows('GT="hap"') == [3]
    assert rows('GT="AA"') == [1] and rows('GT="RR"') == [0] and rows('GT="A"') == [3]
    assert rows('GT="0|1"') == [2] and rows('GT="0/1"') == [0] and rows('GT="./1"') == [4]
    assert rows('GT~"\\."') == [1, 2, 4]
    assert rows('GT[1]="hom"') == [0, 1]
    assert rows('FMT/GT="het"') == rows('GT="het"')


def test_filter_expr__same_sample_and_vs_any_sample() -> None:
    # row 0: S1 is het with DP 10, S2 is hom-ref with DP 30
    assert rows('GT="het" & FMT/DP>=20') == [2]
    assert rows('GT="het" && FMT/DP>=20') == [0, 2]


def test_filter_expr__or_marks_samples_differently() -> None:
    t = table(samples=("S1", "S2"), genotypes=[["0/1", "0/0"]] * 4,
              variant_qual=np.array([30, 5, 5, 30], dtype=np.float32),
              call_depth=np.array([[10, 3], [10, 3], [3, 10], [3, 3]], dtype=np.int32),
              call_genotype_quality=np.array([[5, 5], [5, 50], [5, 50], [5, 5]], dtype=np.int32))
    # '|' marks only the samples with GQ>10; '||' marks every sample when QUAL>10 holds
    assert rows("(QUAL>10 | FMT/GQ>10) & FMT/DP>5", t) == [2]
    assert rows("(QUAL>10 || FMT/GQ>10) & FMT/DP>5", t) == [0, 2]
    assert rows("(FMT/GQ>10 || FMT/DP>5) & FMT/DP<5", t) == [0, 1, 2]
    assert rows("(FMT/GQ>10 && FMT/DP>5) & FMT/DP<5", t) == [1]


def test_filter_expr__logic_groups_right_like_bcftools() -> None:
    t = _t()
    assert rows("QUAL>=20 || QUAL<5 && POS=100", t) == [0, 3]
    assert rows("(QUAL>=20 || QUAL<5) && POS=100", t) == [0]


def test_filter_expr__not_extension() -> None:
    t = _t()
    assert rows("!(QUAL>=20)", t) == [1, 2, 4]
    assert rows('QUAL>=0 && !(FMT/DP<10)', t) == [0, 4]
    assert rows("!!(QUAL>=20)", t) == [0, 3]


def test_filter_expr__exclude_is_complement() -> None:
    t = _t()
    assert (filter_expr(t, "FMT/DP<15", exclude=True) == ~filter_expr(t, "FMT/DP<15")).all()


def test_filter_expr__empty_table_and_no_samples() -> None:
    t = _t().take(np.zeros(5, dtype=bool))
    assert filter_expr(t, 'QUAL>1 && FMT/DP>3 && GT="het"').shape == (0,)
    sites = VariantTable({"variant_qual": np.array([1, 50], dtype=np.float32),
                          "variant_ref": obj(["A", "C"]), "variant_alt": obj(["G", "T"])})
    assert filter_expr(sites, "QUAL>10").tolist() == [False, True]


def test_filter_expr__standard_depth_needs_plain_dp_source() -> None:
    t = _t()
    mixed = t.meta.replace(format={"DP": I1}, provenance={
        "depth_source": "FORMAT/DP, else total of FORMAT/AD"})
    with pytest.raises(ExpressionError, match="format=\\['DP'\\]"):
        filter_expr(t.with_columns(meta=mixed), "FMT/DP>3")
    dp = np.array([[1, 2]] * 5, dtype=np.int32)
    with_dp = t.with_columns({"call_format_DP": dp}, meta=mixed)
    assert filter_expr(with_dp, "FMT/DP>1").tolist() == [True] * 5


def test_required_columns__names_fields() -> None:
    assert required_columns('QUAL>3 && FILTER="PASS" && TYPE="snp"') == set()
    assert required_columns("INFO/DP>1 || FORMAT/GQ>2 & GT=\"het\"") == {
        "INFO/DP", "FORMAT/GQ", "FORMAT/GT"}
    assert required_columns("MAX(FMT/AD[:1])/INFO/DP>0.1") == {"FORMAT/AD", "INFO/DP"}
    meta = VcfMetadata(info={"DP": I1}, format={"GQ": FieldDef("GQ", "1", "Integer")})
    assert required_columns("DP>1 && GQ>2 && ZZ>3", meta) == {"INFO/DP", "FORMAT/GQ", "ZZ"}


# -- invariants ---------------------------------------------------------------------------------
LEAVES = [
    "QUAL>=20", "QUAL<15", 'QUAL="."', 'FILTER="PASS"', 'FILTER~"q10"', "INFO/DP>=10",
    'INFO/DP="."', "DB=1", "XR[1]=2", 'INFO/G~"BR"', "INFO/AF<=0.01", "FMT/DP>=15",
    'FMT/DP="."', "FMT/GQ<10", "FMT/AD[:1]>=8", "FMT/VF>0.5", 'GT="het"', 'GT="hom"',
    'GT="mis"', 'GT!="ref"', 'TYPE="snp"', "POS>200", 'REF="A"', "FMT/DP[0]>9",
]


def expressions() -> st.SearchStrategy[str]:
    leaf = st.sampled_from(LEAVES)
    return st.recursive(
        leaf,
        lambda inner: st.builds(lambda a, op, b: f"({a} {op} {b})", inner,
                                st.sampled_from(["&&", "||", "&", "|"]), inner)
        | st.builds(lambda a: f"!({a})", inner),
        max_leaves=6,
    )


@settings(max_examples=120, deadline=None)
@given(expr=expressions())
def test_filter_expr__exclude_equals_not(expr: str) -> None:
    t = _t()
    keep = filter_expr(t, expr)
    assert keep.dtype == bool and keep.shape == (len(t),)
    assert (filter_expr(t, expr, exclude=True) == ~keep).all()
    assert (filter_expr(t, f"!({expr})") == ~keep).all()
    assert len(t.take(keep)) == keep.sum()


@settings(max_examples=120, deadline=None)
@given(a=expressions(), b=expressions())
def test_filter_expr__site_and_or_commute(a: str, b: str) -> None:
    t = _t()
    for op in ("&&", "||", "|"):
        assert (filter_expr(t, f"({a}) {op} ({b})") == filter_expr(t, f"({b}) {op} ({a})")).all()
    both = filter_expr(t, f"({a}) && ({b})")
    assert (both == (filter_expr(t, a) & filter_expr(t, b))).all()
    either = filter_expr(t, f"({a}) || ({b})")
    assert (either == (filter_expr(t, a) | filter_expr(t, b))).all()


@settings(max_examples=80, deadline=None)
@given(lo=st.integers(0, 60), hi=st.integers(0, 60),
       field=st.sampled_from(["QUAL", "INFO/DP", "FMT/DP", "FMT/GQ", "FMT/AD[:1]"]))
def test_filter_expr__looser_threshold_never_removes(lo: int, hi: int, field: str) -> None:
    t = _t()
    lo, hi = min(lo, hi), max(lo, hi)
    assert not (filter_expr(t, f"{field}>={hi}") & ~filter_expr(t, f"{field}>={lo}")).any()
