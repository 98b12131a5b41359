"""Per-sample output directories, written atomically with a completion marker.

Layout of a cohort output directory::

    out_dir/
      cohort.json                  run settings, inputs and status
      panels/panel_<id>_v<ver>.json  the panel used (PanelApp JSON, read back by reanalyse)
      samples/<safe-sample>/
        variants.parquet           interpreted alleles the sample carries (contract C)
        findings.parquet           actionable findings (contract B)
        qc.parquet                 one QC row
        findings.tsv               the findings, for people
        [report.html ...]          optional per-sample reports (``reports=``)
        provenance.json            written LAST: the completion marker
        error.json                 instead of outputs, when the sample failed

Every file is written to a temporary name in the same directory, flushed to disk and renamed
(``os.replace`` is atomic on POSIX), so a reader never sees half a file. ``provenance.json``
comes last and lists every output with its size and SHA-256: a sample directory is
*complete* exactly when ``provenance.json`` exists, parses, and every listed file matches.
A run killed part-way leaves at most some complete files without ``provenance.json``; the
sample is then redone on resume.

Examples
--------
>>> safe_sample_name("PT-0001"), safe_sample_name("../etc/passwd")
('PT-0001', 'etc_passwd-e96c47ea')
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import tempfile
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

import pandas as pd

from .._checksum import file_sha256

__all__ = [
    "ERROR_FILE",
    "PROVENANCE_FILE",
    "SAMPLES_DIR",
    "TABLE_FILES",
    "SampleOutputs",
    "atomic_write",
    "check_complete",
    "file_sha256",
    "json_safe",
    "read_sample",
    "safe_sample_name",
    "sample_dir",
    "write_error",
    "write_json",
    "write_sample",
]

SAMPLES_DIR = "samples"
PROVENANCE_FILE = "provenance.json"
ERROR_FILE = "error.json"
#: table name -> file name inside a sample directory
TABLE_FILES = {"variants": "variants.parquet", "findings": "findings.parquet", "qc": "qc.parquet"}

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
_MAX_NAME = 80


def safe_sample_name(sample: str) -> str:
    """A file-system-safe directory name for ``sample``, unique per distinct name.

    Letters, digits, ``.``, ``_`` and ``-`` are kept; anything else (path separators,
    spaces, ``..``) becomes ``_``. When the name had to change (or is too long), the first 8
    hex digits of its SHA-1 are appended, so two different names never share a directory.

    >>> safe_sample_name("S 1"), safe_sample_name("S_1")
    ('S_1-b2fda52c', 'S_1')
    """
    cleaned = _UNSAFE.sub("_", sample).strip("._") or "sample"
    cleaned = cleaned[:_MAX_NAME]
    if cleaned == sample:
        return cleaned
    return f"{cleaned}-{hashlib.sha1(sample.encode('utf-8')).hexdigest()[:8]}"


def sample_dir(out_dir: str | os.PathLike[str], sample: str) -> Path:
    """``out_dir/samples/<safe-sample>``."""
    return Path(out_dir) / SAMPLES_DIR / safe_sample_name(sample)


@contextlib.contextmanager
def atomic_write(path: str | os.PathLike[str]) -> Iterator[BinaryIO]:
    """Open a temporary file next to ``path``; on success fsync and rename it to ``path``.

    On an exception the temporary file is removed and ``path`` is left untouched.

    >>> import tempfile, os
    >>> p = os.path.join(tempfile.mkdtemp(), "x.txt")
    >>> with atomic_write(p) as fh:
    ...     _ = fh.write(b"hello")
    >>> with open(p) as fh:
    ...     fh.read()
    'hello'
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def json_safe(value: Any) -> Any:
    """``value`` with numpy scalars, paths, sets, dates and frames made JSON-serialisable."""
    return json.loads(json.dumps(value, default=_json_default))


def _json_default(o: Any) -> Any:
    import numpy as np

    if isinstance(o, np.generic):
        return o.item()
    if isinstance(o, np.ndarray):
        return o.tolist()
    if isinstance(o, (set, frozenset, tuple)):
        return list(o)
    if isinstance(o, os.PathLike):
        return os.fspath(o)
    if isinstance(o, pd.DataFrame):
        return {"rows": len(o), "columns": [str(c) for c in o.columns]}
    if hasattr(o, "isoformat"):
        return o.isoformat()
    return str(o)


def write_json(path: str | os.PathLike[str], doc: Any) -> None:
    """Write ``doc`` as indented JSON, atomically."""
    data = json.dumps(doc, indent=2, sort_keys=True, default=_json_default).encode() + b"\n"
    with atomic_write(path) as fh:
        fh.write(data)


def _plain(df: pd.DataFrame) -> pd.DataFrame:
    # DataFrame.attrs may hold arbitrary objects (provenance dicts); Parquet stores them as JSON
    # metadata, which fails on non-serialisable values and is redundant with provenance.json.
    out = df.copy(deep=False)
    out.attrs = {}
    out.columns = [str(c) for c in out.columns]
    return out.reset_index(drop=True)


def _write_parquet(path: Path, df: pd.DataFrame) -> None:
    with atomic_write(path) as fh:
        _plain(df).to_parquet(fh, index=False)


def _write_tsv(path: Path, df: pd.DataFrame) -> None:
    with atomic_write(path) as fh:
        fh.write(_plain(df).to_csv(sep="\t", index=False).encode("utf-8"))


def write_sample(
    out_dir: str | os.PathLike[str],
    sample: str,
    *,
    tables: Mapping[str, pd.DataFrame],
    provenance: Mapping[str, Any],
    extra_writers: Mapping[str, Callable[[Path], None]] | None = None,
) -> Path:
    """Write one sample's outputs, then ``provenance.json`` as the completion marker.

    Parameters
    ----------
    out_dir
        Cohort output directory.
    sample
        Cohort sample id.
    tables
        ``variants``, ``findings`` and ``qc`` DataFrames.
    provenance
        JSON-able run/sample provenance; ``outputs`` (file -> size and SHA-256) is added.
    extra_writers
        file name -> function writing that file atomically (e.g. an HTML report).

    Returns
    -------
    pathlib.Path
        The sample directory.
    """
    d = sample_dir(out_dir, sample)
    d.mkdir(parents=True, exist_ok=True)
    # Remove the marker first: from here until the new one is written the sample is partial.
    for stale in (PROVENANCE_FILE, ERROR_FILE):
        with contextlib.suppress(FileNotFoundError):
            (d / stale).unlink()
    written: list[str] = []
    for name, file in TABLE_FILES.items():
        _write_parquet(d / file, tables[name])
        written.append(file)
    _write_tsv(d / "findings.tsv", tables["findings"])
    written.append("findings.tsv")
    for file, writer in (extra_writers or {}).items():
        writer(d / file)
        if (d / file).exists():
            written.append(file)
    outputs = {f: {"bytes": (d / f).stat().st_size, "sha256": file_sha256(d / f)}
               for f in written if (d / f).is_file()}
    doc = {**json_safe(dict(provenance)), "outputs": outputs}
    write_json(d / PROVENANCE_FILE, doc)
    return d


def write_error(out_dir: str | os.PathLike[str], sample: str, record: Mapping[str, Any]) -> Path:
    """Record a failed sample (``error.json``); any stale completion marker is removed."""
    d = sample_dir(out_dir, sample)
    d.mkdir(parents=True, exist_ok=True)
    with contextlib.suppress(FileNotFoundError):
        (d / PROVENANCE_FILE).unlink()
    write_json(d / ERROR_FILE, json_safe(dict(record)))
    return d


@dataclass
class SampleOutputs:
    """A complete sample directory read back."""

    sample: str
    variants: pd.DataFrame
    findings: pd.DataFrame
    qc: pd.DataFrame
    provenance: dict[str, Any]


def read_provenance(out_dir: str | os.PathLike[str], sample: str) -> dict[str, Any] | None:
    """The sample's ``provenance.json``, or ``None`` if absent or unreadable."""
    p = sample_dir(out_dir, sample) / PROVENANCE_FILE
    try:
        doc = json.loads(p.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return doc if isinstance(doc, dict) else None


def check_complete(
    out_dir: str | os.PathLike[str],
    sample: str,
    *,
    fingerprint: str,
    input_check: Callable[[Mapping[str, Any]], bool],
    verify_hashes: bool = True,
) -> tuple[bool, str]:
    """Is the sample's output complete and made from the current inputs and settings?

    Parameters
    ----------
    fingerprint
        Hash of the settings that determine the result (see ``runner``).
    input_check
        Called with the recorded ``provenance["input"]``; True when the input file is
        unchanged.
    verify_hashes
        Also compare each output's SHA-256 (default); otherwise sizes only.

    Returns
    -------
    (bool, str)
        Whether to skip the sample, and why not when it must be redone.
    """
    doc = read_provenance(out_dir, sample)
    if doc is None:
        return False, "no provenance.json (never run, failed or interrupted)"
    if doc.get("sample") != sample:
        return False, f"provenance is for sample {doc.get('sample')!r}"
    if doc.get("settings_fingerprint") != fingerprint:
        return False, "settings changed (test, panel, mode, build, knowledge or gmsvar version)"
    if not input_check(doc.get("input") or {}):
        return False, "input VCF changed"
    d = sample_dir(out_dir, sample)
    outputs = doc.get("outputs") or {}
    for file in TABLE_FILES.values():
        if file not in outputs:
            return False, f"{file} not recorded"
    for file, meta in outputs.items():
        p = d / file
        try:
            size = p.stat().st_size
        except OSError:
            return False, f"{file} missing"
        if size != meta.get("bytes"):
            return False, f"{file} has {size} bytes, provenance says {meta.get('bytes')}"
        if verify_hashes and file_sha256(p) != meta.get("sha256"):
            return False, f"{file} checksum differs from provenance"
    return True, "complete"


def read_sample(out_dir: str | os.PathLike[str], sample: str) -> SampleOutputs:
    """Read a complete sample directory (tables + provenance)."""
    d = sample_dir(out_dir, sample)
    doc = read_provenance(out_dir, sample) or {}
    tables = {name: pd.read_parquet(d / file) for name, file in TABLE_FILES.items()}
    return SampleOutputs(sample, tables["variants"], tables["findings"], tables["qc"], doc)
