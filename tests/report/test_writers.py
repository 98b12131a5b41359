"""Atomic writing and the TSV / JSON / Parquet writers: round trips with provenance."""

from __future__ import annotations

import io
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from gmsvar.errors import InputError
from gmsvar.report import Interpretation
from gmsvar.report import writers as w

TRICKY = [
    "tab\there",
    "new\nline",
    'quote "x"',
    "#hash",
    "##not a header",
    "",
    "ünïcødé ☃",
    "<script>alert(1)</script>",
    "a,b;c=d",
    "\\backslash",
    "trailing space ",
    "NB",
]


def _listing(d: Path) -> list[str]:
    return sorted(p.name for p in d.iterdir())


def _tricky_frame() -> pd.DataFrame:
    n = len(TRICKY)
    return pd.DataFrame(
        {
            "text": TRICKY,
            "maybe": [None if i % 3 == 0 else f"v{i}" for i in range(n)],
            "obj": pd.Series([None if i % 2 else f"o{i}" for i in range(n)], dtype=object),
            "i": np.arange(n, dtype=np.int64),
            "i32": np.arange(n, dtype=np.int32),
            "f": [np.nan if i == 2 else 1 / (i + 1) for i in range(n)],
            "f32": np.linspace(0, 1, n, dtype=np.float32),
            "b": [i % 2 == 0 for i in range(n)],
            "nullable": pd.array([None if i == 1 else i for i in range(n)], dtype="Int64"),
        }
    )


class _FailingFile(io.TextIOBase):
    """A file that accepts ``budget`` characters, then fails like a full disk."""

    def __init__(self, real: Any, budget: int) -> None:
        self.real, self.budget = real, budget

    def write(self, s: str) -> int:
        if self.budget <= 0:
            raise OSError(28, "No space left on device (injected)")
        part = s[: self.budget]
        self.real.write(part)
        self.budget -= len(part)
        if len(part) < len(s):
            raise OSError(28, "No space left on device (injected)")
        return len(s)

    def flush(self) -> None:
        self.real.flush()

    def __enter__(self) -> _FailingFile:
        return self

    def __exit__(self, *exc: object) -> None:
        self.real.close()


@pytest.fixture
def disk_full(monkeypatch: pytest.MonkeyPatch) -> Callable[[int], None]:
    """Make atomic_write's files fail after ``budget`` characters (half-way through a report)."""

    def arm(budget: int) -> None:
        real_open = open

        def fake_open(file: Any, mode: str = "r", *args: Any, **kwargs: Any) -> Any:
            fh = real_open(file, mode, *args, **kwargs)
            return _FailingFile(fh, budget) if "x" in mode and "b" not in mode else fh

        monkeypatch.setattr(w, "open", fake_open, raising=False)

    return arm


# ------------------------------------------------------------------------------ atomic_write


def test_atomic_write__success_replaces_existing(tmp_path: Path) -> None:
    target = tmp_path / "r.txt"
    target.write_text("old")
    with w.atomic_write(target) as fh:
        fh.write("new")
        assert target.read_text() == "old"  # not visible until the block ends
    assert target.read_text() == "new"
    assert _listing(tmp_path) == ["r.txt"]
    assert (target.stat().st_mode & 0o777) == (0o666 & ~_umask())


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def test_atomic_write__failure_keeps_old_file_and_leaves_no_temp(tmp_path: Path) -> None:
    target = tmp_path / "r.txt"
    target.write_text("old")
    with pytest.raises(RuntimeError), w.atomic_write(target) as fh:
        fh.write("half")
        raise RuntimeError("boom")
    assert target.read_text() == "old"
    assert _listing(tmp_path) == ["r.txt"]


def test_atomic_write__missing_directory_is_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="does not exist"), w.atomic_write(tmp_path / "no" / "x.txt"):
        pass


def test_atomic_write__directory_target_is_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="is a directory"), w.atomic_write(tmp_path):
        pass


def test_atomic_paths__all_or_nothing(tmp_path: Path) -> None:
    a, b = tmp_path / "a.vcf.gz", tmp_path / "a.vcf.gz.tbi"
    with pytest.raises(InputError, match="did not create"), w.atomic_paths(a, b) as (ta, _tb):
        ta.write_bytes(b"data")  # the index is never written
    assert _listing(tmp_path) == []
    with w.atomic_paths(a, b) as (ta, tb):
        assert ta.name == a.name and tb.name == b.name  # suffixes kept for suffix-sniffing tools
        ta.write_bytes(b"data")
        tb.write_bytes(b"index")
    assert _listing(tmp_path) == ["a.vcf.gz", "a.vcf.gz.tbi"]


def test_atomic_paths__same_path_twice_rejected(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="twice"), w.atomic_paths(tmp_path / "x", tmp_path / "x"):
        pass


# ------------------------------------------------------------------------------ TSV


def test_write_tsv__round_trip_with_provenance(tmp_path: Path) -> None:
    df = _tricky_frame()
    prov = {
        "gmsvar_version": "0.1.0",
        "input": {"path": "/a b/x.vcf.gz", "sha256": "f" * 64},
        "thresholds": {"min_depth": 20, "max_af": 0.01},
        "samples": ["S1", "S/2"],
    }
    p = w.write_tsv(df, tmp_path / "v.tsv", provenance=prov)
    back, prov_back = w.read_tsv(p)
    pd.testing.assert_frame_equal(back, df)
    assert prov_back == prov
    lines = p.read_text().split("\n")
    assert lines[0] == "##gmsvar_table=variants"
    assert lines[1].startswith("##gmsvar_provenance={")
    assert lines[3].split("\t")[0] == "text"  # header row after the ## lines


def test_write_tsv__readable_by_plain_pandas(tmp_path: Path) -> None:
    df = pd.DataFrame({"gene": ["MLH1", None], "vaf": [0.5, 0.25]})
    p = w.write_tsv(df, tmp_path / "v.tsv", provenance={})
    plain = pd.read_csv(p, sep="\t", skiprows=3)
    assert plain["gene"].isna().tolist() == [False, True]
    assert plain["vaf"].tolist() == [0.5, 0.25]


def test_write_tsv__half_written_file_never_appears(tmp_path: Path, disk_full: Callable[[int], None]) -> None:
    target = tmp_path / "v.tsv"
    target.write_text("previous report\n")
    disk_full(200)
    with pytest.raises(OSError, match="injected"):
        w.write_tsv(_tricky_frame(), target, provenance={"x": 1})
    assert target.read_text() == "previous report\n"
    assert _listing(tmp_path) == ["v.tsv"]


def test_read_tsv__not_gmsvar_is_input_error(tmp_path: Path) -> None:
    p = tmp_path / "x.tsv"
    p.write_text("a\tb\n1\t2\n")
    with pytest.raises(InputError, match="not a gmsvar TSV"):
        w.read_tsv(p)


@settings(max_examples=40, deadline=None)
@example([" "])  # a whitespace-only one-column row was once read back as a blank line
@example(["", None, "x"])
@given(
    st.lists(
        st.one_of(st.none(), st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=20)),
        min_size=1,
        max_size=8,
    )
)
def test_write_tsv__any_text_round_trips(
    tmp_path_factory: pytest.TempPathFactory, values: list[str | None]
) -> None:
    # "NA" is the missing-value token: a literal "NA" string reads back as missing (documented)
    values = [None if v == "NA" else v for v in values]
    df = pd.DataFrame({"s": pd.Series(values, dtype=object)})
    d = tmp_path_factory.mktemp("tsv")
    back, _ = w.read_tsv(w.write_tsv(df, d / "x.tsv", provenance={}))
    assert back["s"].tolist() == values


# ------------------------------------------------------------------------------ JSON


def test_write_json__round_trip_all_tables(tmp_path: Path) -> None:
    df = _tricky_frame()
    prov = {"gmsvar_version": "0.1.0", "created": "2026-01-02T03:04:05+00:00"}
    p = w.write_json(tmp_path / "r.json", provenance=prov, qc=df.iloc[:2], findings=df.iloc[:0], variants=df)
    doc = json.loads(p.read_text())
    assert {"provenance", "qc", "findings", "variants"} <= set(doc)
    assert doc["variants"][2]["f"] is None  # NaN -> null, valid JSON
    back = w.read_json(p)
    assert back["provenance"] == prov
    pd.testing.assert_frame_equal(back["variants"], df)
    pd.testing.assert_frame_equal(back["qc"], df.iloc[:2])
    assert list(back["findings"].columns) == list(df.columns) and len(back["findings"]) == 0


def test_write_json__half_written_file_never_appears(
    tmp_path: Path, disk_full: Callable[[int], None]
) -> None:
    disk_full(100)
    with pytest.raises(OSError, match="injected"):
        w.write_json(
            tmp_path / "r.json",
            provenance={},
            qc=_tricky_frame(),
            findings=_tricky_frame(),
            variants=_tricky_frame(),
        )
    assert _listing(tmp_path) == []


def test_read_json__rejects_other_json(tmp_path: Path) -> None:
    p = tmp_path / "x.json"
    p.write_text('{"a": 1}')
    with pytest.raises(InputError, match="not a gmsvar interpretation"):
        w.read_json(p)


def test_jsonable__numpy_paths_and_non_finite() -> None:
    out = w.jsonable(
        {
            "a": np.float32(0.5),
            "b": [np.int8(3), np.bool_(True)],
            "c": Path("/x"),
            "d": float("inf"),
            "e": pd.NA,
            "f": pd.Timestamp("2026-01-02", tz="UTC"),
            "g": {2, 1},
        }
    )
    assert out == {
        "a": 0.5,
        "b": [3, True],
        "c": "/x",
        "d": None,
        "e": None,
        "f": "2026-01-02T00:00:00+00:00",
        "g": [1, 2],
    }
    json.dumps(out, allow_nan=False)


# ------------------------------------------------------------------------------ Parquet


def test_write_parquet__round_trip_with_provenance(tmp_path: Path) -> None:
    import pyarrow.parquet as pq

    df = _tricky_frame()
    prov = {"gmsvar_version": "0.1.0", "knowledge_bases": {"clinvar": "2025-01"}}
    p = w.write_parquet(df, tmp_path / "v.parquet", provenance=prov)
    back, prov_back = w.read_parquet(p)
    pd.testing.assert_frame_equal(back, df)
    assert prov_back == prov
    meta = pq.read_schema(p).metadata
    assert json.loads(meta[b"gmsvar.provenance"]) == prov and meta[b"gmsvar.table"] == b"variants"


def test_write_parquet__failure_half_way_leaves_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import pyarrow.parquet as pq

    def broken(table: Any, where: Any, **kw: Any) -> None:
        Path(where).write_bytes(b"PAR1 half a file")
        raise OSError("injected write failure")

    monkeypatch.setattr(pq, "write_table", broken)
    with pytest.raises(OSError, match="injected"):
        w.write_parquet(_tricky_frame(), tmp_path / "v.parquet", provenance={})
    assert _listing(tmp_path) == []


def test_write_parquet__mixed_object_column_is_input_error(tmp_path: Path) -> None:
    df = pd.DataFrame({"x": pd.Series([1, "a"], dtype=object)})
    with pytest.raises(InputError, match="Parquet"):
        w.write_parquet(df, tmp_path / "v.parquet", provenance={})
    assert _listing(tmp_path) == []


# ------------------------------------------------------------------------------ via Interpretation


def test_interpretation_tables__round_trip_every_format(
    tmp_path: Path, make_interp: Callable[..., Interpretation]
) -> None:
    r = make_interp()
    for table in ("variants", "findings", "qc"):
        df = getattr(r, table)
        back, prov = w.read_tsv(r.to_tsv(tmp_path / f"{table}.tsv", table=table))  # type: ignore[arg-type]
        pd.testing.assert_frame_equal(back, df)
        assert prov == r.provenance
        back, prov = w.read_parquet(r.to_parquet(tmp_path / f"{table}.parquet", table=table))  # type: ignore[arg-type]
        pd.testing.assert_frame_equal(back, df)
        assert prov == r.provenance
    again = Interpretation.from_json(r.to_json(tmp_path / "r.json"))
    for table in ("variants", "findings", "qc"):
        pd.testing.assert_frame_equal(getattr(again, table), getattr(r, table))
    assert again.provenance == r.provenance
    assert again.source == r.source


def test_interpretation_to_tsv__unknown_table(
    tmp_path: Path, make_interp: Callable[..., Interpretation]
) -> None:
    with pytest.raises(InputError, match="table must be"):
        make_interp().to_tsv(tmp_path / "x.tsv", table="calls")  # type: ignore[arg-type]


def test_write_tsv__undecodable_file_name_round_trips(tmp_path: Path) -> None:
    odd = os.fsdecode(b"/data/caf\xe9.vcf.gz")  # Latin-1 file name on a UTF-8 system: lone surrogate
    df = pd.DataFrame({"source": pd.Series([odd], dtype=object)})  # pandas' "str" dtype cannot hold it
    back, prov = w.read_tsv(w.write_tsv(df, tmp_path / "x.tsv", provenance={"input": {"path": odd}}))
    assert back["source"].tolist() == [odd] and prov["input"]["path"] == odd


def test_to_fhir__half_written_file_never_appears(
    tmp_path: Path, disk_full: Callable[[int], None], make_interp: Callable[..., Interpretation]
) -> None:
    r = make_interp()
    disk_full(5000)
    with pytest.raises(OSError, match="injected"):
        r.to_fhir(tmp_path / "b.json", validate=False)
    assert _listing(tmp_path) == []


def test_writers__tolerate_sparse_provenance(
    tmp_path: Path, make_interp: Callable[..., Interpretation]
) -> None:
    # provenance from an older/foreign producer: odd types must not break any writer
    r = make_interp(provenance={"test": "R210", "panel": None, "input": "x.vcf", "knowledge_bases": []})
    r.to_html(tmp_path / "html")
    r.to_fhir(tmp_path / "b.json", validate=True)
    r.to_json(tmp_path / "r.json")
    assert "0 findings" not in r.summary().splitlines()[0]
