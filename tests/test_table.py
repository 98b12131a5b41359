"""VariantTable invariants (hypothesis) and the columnar cache round trip."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import gmsvar
from gmsvar import InputError, VariantTable, VcfMetadata, concat, read_vcf
from gmsvar.io.cache import load_table
from gmsvar.table import format_genotypes

VCF = Path(__file__).parent / "data" / "vcf"


@st.composite
def tables(draw: st.DrawFn, max_rows: int = 30) -> VariantTable:
    n = draw(st.integers(0, max_rows))
    s = draw(st.integers(0, 3))
    contigs = np.array(["chr1", "chr2", "chrX"], dtype=object)
    gt = draw(hnp.arrays(np.int8, (n, s, 2), elements=st.integers(-1, 1)))
    alts = draw(st.lists(st.sampled_from(["A", "C", "G", "T", "AT"]), min_size=n, max_size=n))
    cols = {
        "variant_contig": draw(hnp.arrays(np.int32, n, elements=st.integers(0, 2))),
        "variant_position": draw(hnp.arrays(np.int64, n, elements=st.integers(1, 10**9))),
        "variant_ref": np.array(["A"] * n, dtype=object),
        "variant_alt": np.array(alts, dtype=object),
        "variant_qual": draw(hnp.arrays(np.float32, n, elements=st.floats(0, 1e4, width=32)
                                        | st.just(np.nan))),
        "call_genotype": gt,
        "call_depth": draw(hnp.arrays(np.int32, (n, s), elements=st.integers(-1, 500))),
        "sample_id": np.array([f"S{i}" for i in range(s)], dtype=object),
    }
    # one to three transcript annotations per row
    per_row = draw(hnp.arrays(np.int64, n, elements=st.integers(0, 3)))
    cols["annotation_variant"] = np.repeat(np.arange(n), per_row)
    cols["annotation_transcript"] = np.array(
        [f"ENST{v}_{k}" for v in range(n) for k in range(per_row[v])], dtype=object)
    meta = VcfMetadata(samples=tuple(f"S{i}" for i in range(s)))
    return VariantTable(cols, meta, {"variant_contig": contigs})


@given(tables(), st.data())
def test_take__mask_length_and_annotations_follow(t: VariantTable, data: st.DataObject) -> None:
    mask = data.draw(hnp.arrays(bool, len(t)))
    sub = t.take(mask)
    assert len(sub) == mask.sum()
    kept = np.flatnonzero(mask)
    for name in ("variant_position", "call_genotype", "call_depth"):
        np.testing.assert_array_equal(sub[name], t[name][kept])
    # every annotation row still belongs to the same variant as before
    want = [tx for tx, v in zip(t["annotation_transcript"], t["annotation_variant"], strict=True)
            if mask[v]]
    assert sorted(sub["annotation_transcript"].tolist()) == sorted(want)
    for tx, v in zip(sub["annotation_transcript"], sub["annotation_variant"], strict=True):
        assert tx.startswith(f"ENST{kept[v]}_")


@given(tables(), st.data())
def test_take__indices_with_repeats(t: VariantTable, data: st.DataObject) -> None:
    if len(t) == 0:
        return
    idx = np.array(data.draw(st.lists(st.integers(0, len(t) - 1), max_size=20)), dtype=np.int64)
    sub = t.take(idx)
    assert len(sub) == len(idx)
    np.testing.assert_array_equal(sub["variant_position"], t["variant_position"][idx])
    counts = np.bincount(t["annotation_variant"], minlength=len(t))
    assert sub.n_annotations == counts[idx].sum()


@given(tables(), st.integers(0, 30))
def test_concat__split_and_rejoin_is_identity(t: VariantTable, cut: int) -> None:
    cut = min(cut, len(t))
    a = t.take(np.arange(cut))
    b = t.take(np.arange(cut, len(t)))
    assert concat([a, b]).equals(t)


@given(tables())
def test_concat__length_adds_up(t: VariantTable) -> None:
    assert len(concat([t, t, t])) == 3 * len(t)
    assert concat([t, t]).n_annotations == 2 * t.n_annotations


def test_concat__remaps_categorical_codes() -> None:
    a = VariantTable({"variant_contig": np.array([0, 1], np.int32)},
                     categories={"variant_contig": ["chr1", "chr2"]})
    b = VariantTable({"variant_contig": np.array([0, 1], np.int32)},
                     categories={"variant_contig": ["chr2", "chr3"]})
    c = concat([a, b])
    assert c.decode("variant_contig").tolist() == ["chr1", "chr2", "chr2", "chr3"]


def test_concat__different_samples_is_an_error() -> None:
    a = VariantTable({"variant_position": np.array([1])}, VcfMetadata(samples=("A",)))
    b = VariantTable({"variant_position": np.array([1])}, VcfMetadata(samples=("B",)))
    with pytest.raises(InputError, match="different samples"):
        concat([a, b])


def test_variant_table__misaligned_columns_rejected() -> None:
    with pytest.raises(InputError, match="differ in length"):
        VariantTable({"variant_position": np.arange(3), "variant_ref": np.array(["A"], object)})
    with pytest.raises(InputError, match="no dimension prefix"):
        VariantTable({"POS": np.arange(3)})


def test_take__bad_mask_rejected() -> None:
    t = VariantTable({"variant_position": np.arange(3)})
    with pytest.raises(InputError, match="mask has shape"):
        t.take(np.array([True, False]))
    with pytest.raises(IndexError):
        t.take(np.array([5]))


@settings(max_examples=30, deadline=None)
@given(t=tables())
def test_save_load__round_trip(t: VariantTable, tmp_path_factory: pytest.TempPathFactory) -> None:
    p = tmp_path_factory.mktemp("cache") / "t.npz"
    t.save(str(p))
    assert load_table(p).equals(t)


@pytest.mark.parametrize("name", ["test.vcf.gz", "643594.clinical.vcf.gz", "norm.split.vcf"])
def test_save_load__real_files_keep_meta(name: str, tmp_path: Path) -> None:
    t = read_vcf(VCF / name)
    p = tmp_path / "t.npz"
    t.save(str(p))
    u = load_table(p)
    assert u.equals(t)
    assert u.meta == t.meta


def test_load_table__not_a_cache(tmp_path: Path) -> None:
    p = tmp_path / "x.npz"
    p.write_bytes(b"not a zip")
    with pytest.raises(InputError, match="not a gmsvar table cache"):
        load_table(p)


def test_read_vcf__is_deterministic() -> None:
    a = read_vcf(VCF / "643594.clinical.vcf.gz")
    b = read_vcf(VCF / "643594.clinical.vcf.gz")
    assert a.equals(b)


@given(hnp.arrays(np.int8, (4, 3, 2), elements=st.integers(-1, 1)), hnp.arrays(bool, (4, 3)))
def test_format_genotypes__round_trips_through_vcf_text(gt: np.ndarray, phased: np.ndarray) -> None:
    text = format_genotypes(gt, phased)
    for (i, j), g in np.ndenumerate(text):
        sep = "|" if "|" in g else "/"
        back = [-1 if a == "." else int(a) for a in g.split(sep)]
        assert back == gt[i, j].tolist()


def test_to_pandas__layouts() -> None:
    t = read_vcf(VCF / "norm.split.vcf")
    wide = t.to_pandas()
    assert len(wide) == len(t)
    assert f"genotype:{t.samples[0]}" in wide.columns
    long = t.to_pandas(layout="calls")
    assert len(long) == len(t) * t.n_samples
    with pytest.raises(InputError, match="layout"):
        t.to_pandas(layout="nope")  # type: ignore[arg-type]


def test_version_is_set() -> None:
    assert gmsvar.__version__ != "0.0.0+unknown"
