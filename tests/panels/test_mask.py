"""in_panel: vectorised region masks, checked against bcftools view -R."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pysam.bcftools
import pytest

from gmsvar.errors import BuildMismatchError, InputError
from gmsvar.panels import BuildUnknownError, Confidence, in_panel, load_panel
from gmsvar.panels.mask import overlaps_intervals
from gmsvar.regions import Interval
from gmsvar.table import VariantTable, VcfMetadata

VCF = Path(__file__).resolve().parents[1] / "data" / "panels_T001-COAD.grch38.subset.vcf.gz"


def _table(contigs: list[str], pos: list[int], refs: list[str], build: str = "GRCh38"
           ) -> VariantTable:
    labels = list(dict.fromkeys(contigs))
    return VariantTable(
        {"variant_contig": np.array([labels.index(c) for c in contigs], dtype=np.int32),
         "variant_position": np.array(pos, dtype=np.int64),
         "variant_ref": np.array(refs, dtype=object),
         "variant_alt": np.array(["N"] * len(pos), dtype=object)},
        meta=VcfMetadata(genome_build=build),
        categories={"variant_contig": np.array(labels, dtype=object)},
    )


def test_in_panel__r210_mlh1_bounds_and_chr_prefix() -> None:
    # MLH1 GRCh38 3:36993332-37050918 (PanelApp, Ensembl 90).
    t = _table(["chr3", "chr3", "chr3", "chr3", "3", "chr2"],
               [36993331, 36993330, 37050918, 37050919, 36993332, 10],
               ["A", "AGT", "C", "G", "T", "A"])
    mask = in_panel(t, load_panel("R210"))
    assert mask.dtype == bool and mask.shape == (6,)
    assert mask.tolist() == [False, True, True, False, True, False]


def test_in_panel__padding_confidence_and_build() -> None:
    t = _table(["3", "3"], [36993322, 36993312], ["A", "A"])
    panel = load_panel("R210")
    assert in_panel(t, panel).tolist() == [False, False]
    assert in_panel(t, panel, padding=10).tolist() == [True, False]
    assert in_panel(t, panel, padding=20).tolist() == [True, True]
    # GCKR is red on R134 (772): only a non-default confidence includes it.
    gckr = load_panel("R134").genes(confidence=Confidence.RED)[0].grch38
    assert gckr is not None
    t2 = _table([gckr.contig], [gckr.start + 5], ["C"])
    assert not in_panel(t2, load_panel("R134")).any()
    assert in_panel(t2, load_panel("R134"), confidence=list(Confidence)).all()


def test_in_panel__grch37_table_uses_grch37_coordinates() -> None:
    epcam_37 = load_panel("R210").genes()[0].grch37  # EPCAM 2:47572297-47614740
    assert epcam_37 is not None
    t = _table(["2"], [epcam_37.start], ["A"], build="GRCh37")
    assert in_panel(t, load_panel("R210")).tolist() == [True]
    t38 = _table(["2"], [epcam_37.start], ["A"], build="GRCh38")
    assert in_panel(t38, load_panel("R210")).tolist() == [False]


def test_in_panel__unknown_build_needs_build_argument() -> None:
    t = _table(["3"], [36993340], ["A"], build="unknown")
    with pytest.raises(BuildUnknownError, match="build='GRCh38'"):
        in_panel(t, load_panel("R210"))
    assert issubclass(BuildUnknownError, InputError)
    assert in_panel(t, load_panel("R210"), build="GRCh38").tolist() == [True]
    with pytest.raises(BuildMismatchError, match="GRCh38"):
        in_panel(_table(["3"], [1], ["A"]), load_panel("R210"), build="GRCh37")


def test_in_panel__empty_table_and_intervals() -> None:
    empty = _table([], [], [])
    assert in_panel(empty, load_panel("R210")).shape == (0,)
    t = _table(["1", "1"], [100, 300], ["A", "A"])
    assert in_panel(t, [Interval("chr1", 90, 110)]).tolist() == [True, False]
    assert in_panel(t, []).tolist() == [False, False]


def test_overlaps_intervals__matches_brute_force() -> None:
    rng = np.random.default_rng(7)
    n = 2000
    contigs = rng.choice(np.array(["1", "chr1", "2", "X", "chrM"], dtype=object), n)
    starts = rng.integers(1, 5000, n)
    ends = starts + rng.integers(0, 30, n)
    ivs = [Interval(str(rng.choice(["1", "2", "MT"])), int(s), int(s + rng.integers(0, 200)))
           for s in rng.integers(1, 5000, 40)]
    got = overlaps_intervals(contigs, starts, ends, ivs)
    norm = {"chr1": "1", "chrM": "MT"}
    want = [any(iv.contig == norm.get(c, c) and iv.start <= e and iv.end >= s for iv in ivs)
            for c, s, e in zip(contigs, starts, ends, strict=True)]
    assert got.tolist() == want


def _bcftools_records(regions: list[Interval], tmp_path: Path) -> set[tuple[str, int, str, str]]:
    reg = tmp_path / "regions.tsv"
    reg.write_text("".join(f"{i.contig}\t{i.start}\t{i.end}\n" for i in regions))
    out = pysam.bcftools.view("-H", "-R", str(reg), str(VCF), catch_stdout=True)
    recs = set()
    for line in out.splitlines():
        chrom, pos, _id, ref, alts = line.split("\t")[:5]
        for alt in alts.split(","):
            recs.add((chrom, int(pos), ref, alt))
    return recs


def _rows(table: VariantTable) -> set[tuple[str, int, str, str]]:
    return set(zip(table.decode("variant_contig").tolist(),
                   table["variant_position"].tolist(), table["variant_ref"].tolist(),
                   table["variant_alt"].tolist(), strict=True))


@pytest.mark.oracle
@pytest.mark.parametrize("code", ["R210", "R211", "R138", "M4"])
def test_in_panel__agrees_with_bcftools_view_regions(code: str, tmp_path: Path) -> None:
    from gmsvar.io import read_vcf

    panel = load_panel(code)
    regions = panel.regions(build="GRCh38", padding=10)
    expected = _bcftools_records(regions, tmp_path)
    table = read_vcf(VCF, build="GRCh38")
    mask = in_panel(table, panel, padding=10)
    assert 0 < mask.sum() < len(table)
    assert _rows(table.take(mask)) == expected


@pytest.mark.oracle
def test_in_panel__indel_edges_agree_with_bcftools(tmp_path: Path) -> None:
    """Intervals that start inside a deletion's REF, or end just before its POS."""
    from gmsvar.io import read_vcf

    table = read_vcf(VCF, build="GRCh38")
    refs = table["variant_ref"]
    contigs = table.decode("variant_contig")
    dels = [i for i in range(len(table)) if len(refs[i]) > 1]
    assert len(dels) >= 6
    regions = []
    for k, i in enumerate(dels):
        c, p = str(contigs[i]), int(table["variant_position"][i])
        if k % 2:
            regions.append(Interval(c, p + 1, p + 1))   # inside REF, after POS: overlaps
        else:
            regions.append(Interval(c, p - 5, p - 1))   # ends before POS: does not
    expected = _bcftools_records(regions, tmp_path)
    got = _rows(table.take(in_panel(table, regions)))
    assert got == expected
    assert len(got) == len(dels) // 2


@pytest.mark.oracle
def test_read_vcf__regions_panel_reads_the_in_panel_rows() -> None:
    from gmsvar.io import read_vcf

    panel = load_panel("R211")
    full = read_vcf(VCF, build="GRCh38")
    sub = read_vcf(VCF, regions=panel, build="GRCh38")
    assert _rows(sub) == _rows(full.take(in_panel(full, panel)))
