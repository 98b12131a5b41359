"""hypothesis safety properties of the classifier (issue 5 "Deliver" 5)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import gmsvar
from gmsvar.classify import classify, combine
from gmsvar.classify.combine import BENIGN, CLASSES, PATHOGENIC
from gmsvar.classify.evidence import USER_CRITERIA

from ._helpers import write_vcf

PTS = {"Very strong": 8, "Strong": 4, "Moderate": 2, "Supporting": 1}
ORDER = {c: i for i, c in enumerate(CLASSES[:5])}  # Benign < LB < VUS < LP < P
STRENGTH = st.integers(min_value=0, max_value=4)
CODES_ST = st.dictionaries(st.sampled_from(PATHOGENIC + BENIGN), STRENGTH, min_size=1)


def _cls(s: dict[str, int]) -> int:
    arr = {k: np.array([v], np.int8) for k, v in s.items()}
    arr.setdefault("BA1", np.zeros(1, np.int8))
    pts = combine.points(arr, PTS)
    return int(
        combine.points_class(
            pts, arr["BA1"] > 0, pathogenic=10, likely_pathogenic=6, likely_benign=-1, benign=-7
        )[0]
    )


@given(CODES_ST, st.sampled_from(PATHOGENIC), STRENGTH)
def test_property__more_pathogenic_evidence_never_more_benign(
    codes: dict[str, int], extra: str, k: int
) -> None:
    codes = {c: (v if c != "BA1" else 0) for c, v in codes.items()}
    more = dict(codes)
    more[extra] = max(more.get(extra, 0), k)
    assert _cls(more) >= _cls(codes)


@given(CODES_ST)
def test_property__ba1_alone_is_benign(codes: dict[str, int]) -> None:
    codes = dict(codes)
    codes["BA1"] = 5
    assert CLASSES[_cls(codes)] == "Benign"


def test_property__no_evidence_is_vus() -> None:
    assert CLASSES[_cls({"PM2": 0})] == "Uncertain significance"
    assert CLASSES[int(combine.acmg2015({"PM2": np.zeros(1, np.int8)})[0])] == "Uncertain significance"


# -- end to end through gmsvar.classify ---------------------------------------------------------------
_GENES = [  # (gene, chrom, exonic position, transcript)
    ("BRCA2", "chr13", 32337000, "ENST00000380152.8"),
    ("MLH1", "chr3", 37001000, "ENST00000231790.8"),
    ("CFTR", "chr7", 117559500, "ENST00000003084.11"),
    ("TTN", "chr2", 178600000, "ENST00000589042.5"),
]
_CONS = [
    "stop_gained",
    "frameshift_variant",
    "missense_variant",
    "synonymous_variant",
    "splice_donor_variant",
    "intron_variant",
    "inframe_deletion",
    "start_lost",
]


@st.composite
def _rows(draw: st.DrawFn) -> list[dict[str, str]]:
    rows = []
    n = draw(st.integers(min_value=1, max_value=6))
    for i in range(n):
        gene, chrom, pos, tx = draw(st.sampled_from(_GENES))
        af = draw(st.sampled_from(["", "0.00001", "0.0005", "0.004", "0.08", "NA"]))
        rows.append(
            {
                "id": f"v{i}",
                "chrom": chrom,
                "pos": str(pos + 7 * i),
                "ref": "C",
                "alt": "T",
                "gene": gene if af != "NA" else "NA",
                "consequence": draw(st.sampled_from(_CONS)),
                "transcript": tx,
                "exon": "",
                "hgvsp": "",
                "max_af": "" if af == "NA" else af,
                "revel": draw(st.sampled_from(["", "0.05", "0.5", "0.95"])),
                "cadd": "",
                "spliceai": draw(st.sampled_from(["", "0.01", "0.5"])),
                "nhomalt": "",
            }
        )
    return rows


_PROP = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@_PROP
@given(
    _rows(),
    st.lists(st.sampled_from([c for c in USER_CRITERIA if c.startswith("P")]), min_size=1, max_size=3),
    st.sampled_from(["Supporting", "Moderate", "Strong"]),
)
def test_property__classify_user_pathogenic_evidence_monotone(
    tmp_path: Path, rows: list[dict[str, str]], extra: list[str], strength: str
) -> None:
    t = gmsvar.read_vcf(write_vcf(rows, tmp_path / "p.vcf"))
    base = classify(t)
    ev = pd.DataFrame(
        [
            {"variant": f"{r['chrom']}-{r['pos']}-C-T", "criterion": c, "strength": strength}
            for r in rows
            for c in sorted(set(extra))
        ]
    )
    more = classify(t, evidence=ev)
    for a, b in zip(base["classification"], more["classification"], strict=True):
        if a == "Not classified":
            assert b == a
        else:
            assert ORDER[b] >= ORDER[a], (a, b)
    assert (more["points"] >= base["points"]).all()


@_PROP
@given(_rows())
def test_property__classify_ba1_benign_and_deterministic(tmp_path: Path, rows: list[dict[str, str]]) -> None:
    for r in rows:
        if r["gene"] != "NA":
            r["max_af"] = "0.3"
    t = gmsvar.read_vcf(write_vcf(rows, tmp_path / "b.vcf"))
    ev = pd.DataFrame(
        [{"variant": f"{r['chrom']}-{r['pos']}-C-T", "criterion": "PS3", "strength": "Strong"} for r in rows]
    )
    out = classify(t, evidence=ev)
    annotated = out["gene"].notna()
    assert (out.loc[annotated, "classification"] == "Benign").all()
    assert (out.loc[annotated, "BA1"] == "Stand-alone").all()
    assert (out.loc[~annotated, "classification"] == "Uncertain significance").all()
    pd.testing.assert_frame_equal(out, classify(t, evidence=ev))
