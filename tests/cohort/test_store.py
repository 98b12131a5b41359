"""Per-sample outputs: safe names, atomic files, provenance last, completeness checks."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from gmsvar.cohort.store import (
    PROVENANCE_FILE,
    atomic_write,
    check_complete,
    read_sample,
    safe_sample_name,
    sample_dir,
    write_error,
    write_sample,
)


def test_safe_sample_name__no_traversal_unique_bounded() -> None:
    names = ["../../etc/passwd", "a/b", "a_b", "a b", "..", "x" * 300, "S1", "s1", "über"]
    safe = [safe_sample_name(n) for n in names]
    assert len(set(safe)) == len(safe)
    for s in safe:
        assert "/" not in s and "\\" not in s and not s.startswith(".") and len(s) <= 89
    assert safe_sample_name("PT-0001.v2") == "PT-0001.v2"


def _tables() -> dict[str, pd.DataFrame]:
    return {"variants": pd.DataFrame({"sample": ["A"], "variant_position": [5], "gene": [None]}),
            "findings": pd.DataFrame({"sample": pd.Series([], dtype=object)}),
            "qc": pd.DataFrame({"sample": ["A"], "n_records": [3]})}


def test_write_sample__provenance_last_and_complete(tmp_path: Path) -> None:
    d = write_sample(tmp_path, "A", tables=_tables(),
                     provenance={"sample": "A", "settings_fingerprint": "fp", "input": {"x": 1}})
    prov = json.loads((d / PROVENANCE_FILE).read_text())
    assert set(prov["outputs"]) == {"variants.parquet", "findings.parquet", "qc.parquet",
                                    "findings.tsv"}
    # provenance.json is the newest file: written after every output it lists
    marker = (d / PROVENANCE_FILE).stat().st_mtime_ns
    assert all(p.stat().st_mtime_ns <= marker for p in d.iterdir())
    assert not list(d.glob("*.tmp")) and not list(d.glob(".*"))
    ok, why = check_complete(tmp_path, "A", fingerprint="fp", input_check=lambda i: i == {"x": 1})
    assert ok, why
    back = read_sample(tmp_path, "A")
    pd.testing.assert_frame_equal(back.variants, _tables()["variants"])


@pytest.mark.parametrize("damage, reason", [
    ("provenance", "no provenance.json"),
    ("truncate", "bytes"),
    ("checksum", "checksum"),
    ("missing", "missing"),
    ("fingerprint", "settings changed"),
    ("input", "input VCF changed"),
])
def test_check_complete__partial_or_stale(tmp_path: Path, damage: str, reason: str) -> None:
    d = write_sample(tmp_path, "A", tables=_tables(),
                     provenance={"sample": "A", "settings_fingerprint": "fp", "input": {}})
    fp, inp = "fp", True
    if damage == "provenance":
        (d / PROVENANCE_FILE).unlink()
    elif damage == "truncate":
        (d / "qc.parquet").write_bytes((d / "qc.parquet").read_bytes()[:10])
    elif damage == "checksum":
        raw = bytearray((d / "findings.tsv").read_bytes())
        raw[0] ^= 1
        (d / "findings.tsv").write_bytes(bytes(raw))
    elif damage == "missing":
        (d / "variants.parquet").unlink()
    elif damage == "fingerprint":
        fp = "other"
    else:
        inp = False
    ok, why = check_complete(tmp_path, "A", fingerprint=fp, input_check=lambda _: inp)
    assert not ok and reason in why


def test_write_error__removes_completion_marker(tmp_path: Path) -> None:
    write_sample(tmp_path, "A", tables=_tables(), provenance={"sample": "A"})
    write_error(tmp_path, "A", {"sample": "A", "error_type": "X", "message": "m"})
    assert not (sample_dir(tmp_path, "A") / PROVENANCE_FILE).exists()
    assert json.loads((sample_dir(tmp_path, "A") / "error.json").read_text())["error_type"] == "X"


def test_atomic_write__failure_leaves_old_file(tmp_path: Path) -> None:
    p = tmp_path / "f.txt"
    p.write_text("old")
    with pytest.raises(RuntimeError), atomic_write(p) as fh:
        fh.write(b"half")
        raise RuntimeError("boom")
    assert p.read_text() == "old" and [x.name for x in tmp_path.iterdir()] == ["f.txt"]
