"""Annotated VCF: GMSVAR_* INFO fields, bgzip + index, read back by bcftools and gmsvar."""

from __future__ import annotations

import json
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import pysam
import pytest
from hypothesis import given
from hypothesis import strategies as st

import gmsvar
from gmsvar.errors import InputError
from gmsvar.report import Interpretation
from gmsvar.report.vcf_out import GMSVAR_INFO, vcf_escape, vcf_unescape, write_annotated_vcf

bcftools = pytest.importorskip("pysam.bcftools")

MULTI = """##fileformat=VCFv4.2
##contig=<ID=3,length=198022430>
##INFO=<ID=DP,Number=1,Type=Integer,Description="Depth">
##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">
#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tS1\tS2
3\t37053568\t.\tCA\tC,CAA\t50\tPASS\tDP=40\tGT\t1/2\t0/1
3\t37053590\t.\tG\tA\t50\tPASS\tDP=41\tGT\t0/1\t0/0
3\t37053600\t.\tT\tG\t50\tPASS\tDP=42\tGT\t0/0\t0/0
"""


def _read_read_vcf(path: Path, **kw: Any) -> gmsvar.VariantTable:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", gmsvar.GmsvarWarning)
        return gmsvar.read_vcf(str(path), **kw)


def _multi(tmp_path: Path) -> Path:
    p = tmp_path / "multi.vcf"
    p.write_text(MULTI)
    return p


def _row(**kw: Any) -> dict[str, Any]:
    base = {
        "sample": "S1",
        "variant_contig": "3",
        "variant_position": 37053568,
        "variant_ref": "CA",
        "variant_alt": "C",
        "gene": "MLH1",
        "classification": "Likely pathogenic",
        "points": 7,
        "criteria": "PS3,PM2_Supporting",
        "actionable": True,
    }
    return {**base, **kw}


# ------------------------------------------------------------------------------ escaping


@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",))))
def test_vcf_escape__round_trips_and_is_info_safe(s: str) -> None:
    enc = vcf_escape(s)
    assert vcf_unescape(enc) == s
    assert not set(enc) & set(";=, :\t\r\n")
    assert all(ord(c) >= 0x20 and c != "\x7f" for c in enc)


# ------------------------------------------------------------------------------ the trio (real VCF)


def test_to_vcf__trio_read_back_by_bcftools_and_gmsvar(
    tmp_path: Path, make_interp: Callable[..., Interpretation]
) -> None:
    r = make_interp()
    out = r.to_vcf(tmp_path / "trio.gmsvar.vcf.gz")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["trio.gmsvar.vcf.gz", "trio.gmsvar.vcf.gz.tbi"]

    header = bcftools.view("-h", str(out))
    for ident, number, typ, _ in GMSVAR_INFO:
        assert f"##INFO=<ID={ident},Number={number},Type={typ}," in header
    prov_line = next(x for x in header.splitlines() if x.startswith("##gmsvar_provenance="))
    assert json.loads(prov_line.split("=", 1)[1]) == r.provenance

    keys = {
        (c, int(p), ref, alt)
        for c, p, ref, alt in r.variants[
            ["variant_contig", "variant_position", "variant_ref", "variant_alt"]
        ].itertuples(index=False)
    }
    body = bcftools.view("-H", str(out)).splitlines()
    with pysam.VariantFile(gmsvar.example_path("trio_grch37.vcf.gz")) as src_file:
        expected = [
            rec for rec in src_file if any((rec.chrom, rec.pos, rec.ref, a) in keys for a in rec.alts or ())
        ]
    assert len(body) == len(expected) > 100  # every record carrying an interpreted allele, no other

    # region query through the index
    region = bcftools.view("-H", "-r", "1:7800000-7900000", str(out)).splitlines()
    assert 0 < len(region) < len(body)

    q = bcftools.query(
        "-f",
        "%CHROM\t%POS\t%REF\t%ALT\t%GMSVAR_CLASS\t%GMSVAR_POINTS\t%GMSVAR_CRITERIA\t"
        "%GMSVAR_GENE\t%GMSVAR_ACTIONABLE\n",
        str(out),
    )
    best = r.variants.sort_values("points", ascending=False, kind="stable").drop_duplicates(
        ["variant_contig", "variant_position", "variant_ref", "variant_alt"]
    )
    expect = {
        (c, str(p), ref, alt): (cls, str(pts), crit, gene)
        for c, p, ref, alt, cls, pts, crit, gene in best[
            [
                "variant_contig",
                "variant_position",
                "variant_ref",
                "variant_alt",
                "classification",
                "points",
                "criteria",
                "gene",
            ]
        ].itertuples(index=False)
    }
    n = 0
    for line in q.splitlines():
        c, p, ref, alt, cls, pts, crit, gene, act = line.split("\t")
        e_cls, e_pts, e_crit, e_gene = expect[(c, p, ref, alt)]
        assert vcf_unescape(cls) == e_cls and pts == e_pts
        assert (crit == "." and e_crit == "") or vcf_unescape(crit) == e_crit
        assert vcf_unescape(gene) == e_gene and act in ("0", "1")
        n += 1
    assert n == len(body)

    t = _read_read_vcf(out)
    assert len(t) == len(body)
    classes = t["variant_info_GMSVAR_CLASS"]
    assert {vcf_unescape(str(x)) for x in classes} <= set(r.variants["classification"])
    assert "variant_info_GMSVAR_POINTS" in t.columns and "variant_info_GMSVAR_ACTIONABLE" in t.columns
    # everything else of the source survives: samples, FORMAT, INFO
    assert t.samples == ("ADM1059A1", "ADM1059A2", "ADM1059A3")
    src = _read_read_vcf(Path(gmsvar.example_path("trio_grch37.vcf.gz")))
    assert set(src.columns) <= set(t.columns)


def test_to_vcf__all_records_keeps_every_record(
    tmp_path: Path, make_interp: Callable[..., Interpretation]
) -> None:
    r = make_interp()
    out = r.to_vcf(tmp_path / "all.vcf.gz", all_records=True)
    assert len(bcftools.view("-H", str(out)).splitlines()) == 200
    unannotated = bcftools.view("-H", "-e", 'INFO/GMSVAR_CLASS!="."', str(out)).splitlines()
    assert len(unannotated) == 200 - len(
        bcftools.view("-H", str(r.to_vcf(tmp_path / "k.vcf.gz"))).splitlines()
    )


def test_to_vcf__csi_index(tmp_path: Path, make_interp: Callable[..., Interpretation]) -> None:
    out = make_interp().to_vcf(tmp_path / "x.vcf.gz", index="csi")
    assert (tmp_path / "x.vcf.gz.csi").exists() and not (tmp_path / "x.vcf.gz.tbi").exists()
    assert bcftools.view("-H", "-r", "1", str(out))


# ------------------------------------------------------------------------------ multiallelic, escaping


def test_write_annotated_vcf__multiallelic_per_allele_values(tmp_path: Path) -> None:
    variants = pd.DataFrame(
        [
            _row(),
            _row(
                sample="S2",
                variant_alt="CAA",
                classification="Benign",
                points=-8,
                criteria="BA1",
                actionable=False,
                gene="MLH1",
            ),
            _row(
                sample="S1",
                variant_position=37053590,
                variant_ref="G",
                variant_alt="A",
                points=None,
                classification="Not classified",
                criteria="",
                actionable=False,
            ),
        ]
    )
    out = write_annotated_vcf(_multi(tmp_path), tmp_path / "o.vcf.gz", variants, {"v": 1})
    q = bcftools.query(
        "-f", "%POS\t%ALT\t%GMSVAR_CLASS\t%GMSVAR_POINTS\t%GMSVAR_CRITERIA\t%GMSVAR_ACTIONABLE\n", str(out)
    ).splitlines()
    assert q == [
        "37053568\tC,CAA\tLikely%20pathogenic,Benign\t7,-8\tPS3%2CPM2_Supporting,BA1\t1,0",
        "37053590\tA\tNot%20classified\t.\t.\t0",
    ]  # record 37053600 is carried by nobody: dropped
    t = _read_read_vcf(out)
    assert t["variant_alt"].tolist() == ["C", "CAA", "A"]
    assert [vcf_unescape(str(x)) for x in t["variant_info_GMSVAR_CLASS"]] == [
        "Likely pathogenic",
        "Benign",
        "Not classified",
    ]


def test_write_annotated_vcf__only_one_allele_of_two(tmp_path: Path) -> None:
    out = write_annotated_vcf(_multi(tmp_path), tmp_path / "o.vcf.gz", pd.DataFrame([_row()]), {})
    q = bcftools.query("-f", "%GMSVAR_CLASS|%GMSVAR_POINTS|%GMSVAR_GENE\n", str(out)).splitlines()
    assert q == ["Likely%20pathogenic,.|7,.|MLH1,."]
    with pysam.VariantFile(str(out)) as f:
        rec = next(iter(f))
        assert rec.info["GMSVAR_POINTS"] == (7, None)


def test_write_annotated_vcf__malicious_strings_are_escaped(tmp_path: Path) -> None:
    evil = "<script>alert('x')</script>; DP=1,2 = %41"
    variants = pd.DataFrame([_row(gene=evil, criteria=evil)])
    out = write_annotated_vcf(_multi(tmp_path), tmp_path / "o.vcf.gz", variants, {"note": evil})
    text = bcftools.view("-H", str(out))
    info = text.split("\t")[7]
    fields = dict(kv.split("=", 1) for kv in info.split(";"))
    assert fields["DP"] == "40"  # the source INFO is intact: the evil ';DP=' did not leak
    assert vcf_unescape(fields["GMSVAR_GENE"].split(",")[0]) == evil
    t = _read_read_vcf(out)
    assert vcf_unescape(str(t["variant_info_GMSVAR_CRITERIA"][0])) == evil
    assert t["variant_info_DP"][0] == 40


def test_write_annotated_vcf__huge_value(tmp_path: Path) -> None:
    huge = "A" * (10 * 1024 * 1024)
    out = write_annotated_vcf(
        _multi(tmp_path), tmp_path / "o.vcf.gz", pd.DataFrame([_row(criteria=huge)]), {}
    )
    with pysam.VariantFile(str(out)) as f:
        assert len(next(iter(f)).info["GMSVAR_CRITERIA"][0]) == len(huge)


def test_write_annotated_vcf__reannotation_replaces_previous_run(tmp_path: Path) -> None:
    first = write_annotated_vcf(_multi(tmp_path), tmp_path / "1.vcf.gz", pd.DataFrame([_row()]), {"run": 1})
    second = write_annotated_vcf(
        first, tmp_path / "2.vcf.gz", pd.DataFrame([_row(classification="Benign")]), {"run": 2}
    )
    header = bcftools.view("-h", str(second))
    assert [x for x in header.splitlines() if x.startswith("##gmsvar_provenance")] == [
        '##gmsvar_provenance={"run": 2}'
    ]
    assert header.count("##INFO=<ID=GMSVAR_CLASS,") == 1
    assert bcftools.query("-f", "%GMSVAR_CLASS\n", str(second)).splitlines() == ["Benign,."]


def test_write_annotated_vcf__conflicting_header_definition(tmp_path: Path) -> None:
    src = tmp_path / "c.vcf"
    src.write_text(
        MULTI.replace(
            "##FORMAT", '##INFO=<ID=GMSVAR_CLASS,Number=1,Type=Integer,Description="x">\n##FORMAT', 1
        )
    )
    with pytest.raises(InputError, match="already declares INFO/GMSVAR_CLASS"):
        write_annotated_vcf(src, tmp_path / "o.vcf.gz", pd.DataFrame([_row()]), {})
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c.vcf"]


# ------------------------------------------------------------------------------ errors and atomicity


def test_to_vcf__needs_source(tmp_path: Path, make_interp: Callable[..., Interpretation]) -> None:
    with pytest.raises(InputError, match="source is None"):
        make_interp(source=None).to_vcf(tmp_path / "x.vcf.gz")


def test_write_annotated_vcf__path_must_be_gz(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="bgzip"):
        write_annotated_vcf(_multi(tmp_path), tmp_path / "o.vcf", pd.DataFrame([_row()]), {})


def test_write_annotated_vcf__refuses_to_overwrite_source(tmp_path: Path) -> None:
    src = tmp_path / "s.vcf.gz"
    pysam.tabix_compress(str(_multi(tmp_path)), str(src))
    with pytest.raises(InputError, match="overwrite the source"):
        write_annotated_vcf(src, src, pd.DataFrame([_row()]), {})


def test_write_annotated_vcf__unsorted_source_fails_cleanly(tmp_path: Path) -> None:
    lines = MULTI.splitlines()
    src = tmp_path / "u.vcf"
    src.write_text("\n".join([*lines[:5], lines[7], lines[5]]) + "\n")  # 37053600 before 37053568
    variants = pd.DataFrame([_row(), _row(variant_position=37053600, variant_ref="T", variant_alt="G")])
    with pytest.raises(InputError, match="sorted"):
        write_annotated_vcf(src, tmp_path / "o.vcf.gz", variants, {})
    assert sorted(p.name for p in tmp_path.iterdir()) == ["u.vcf"]


def test_to_vcf__index_failure_half_way_leaves_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, make_interp: Callable[..., Interpretation]
) -> None:
    target = tmp_path / "x.vcf.gz"
    target.write_bytes(b"previous")

    def broken(*a: Any, **k: Any) -> None:
        raise OSError("injected: disk full while indexing")

    monkeypatch.setattr(pysam, "tabix_index", broken)
    with pytest.raises(InputError, match="injected"):
        make_interp().to_vcf(target)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["x.vcf.gz"]
    assert target.read_bytes() == b"previous"
