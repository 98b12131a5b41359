"""The hand-made VCFs in tests/data/actionable are exactly what tests/actionable/_vcfs.py writes."""

from __future__ import annotations

import gzip
from pathlib import Path

from ._vcfs import write_all
from .conftest import DATA


def test_hand_made_vcfs__regenerate_identically(tmp_path: Path) -> None:
    written = write_all(tmp_path)
    assert len(written) >= 20
    for path in written:
        committed = DATA / path.name
        with gzip.open(path, "rt") as new, gzip.open(committed, "rt") as old:
            assert new.read() == old.read(), path.name
        assert (DATA / (path.name + ".tbi")).exists()
    for bed in ("dpyd_callable.grch38.bed", "relative_callable.bed"):
        assert (tmp_path / bed).read_text() == (DATA / bed).read_text()
