"""Atomic file writing and the tabular writers (TSV, JSON, Parquet) with provenance.

Every writer builds the file under a temporary name in the target directory, flushes and
``fsync``\\ s it, then moves it into place with :func:`os.replace` (atomic on POSIX and on
Windows within one file system). A failure half-way removes the temporary file and leaves
any previous file at ``path`` untouched, so a reader never sees a partial report.

Provenance travels inside each file:

* TSV: ``##gmsvar_provenance=<JSON>`` and ``##gmsvar_dtypes=<JSON>`` lines, then a
  ``##gmsvar_table=<name>`` line, then the header row. Missing values are written ``NA``.
* JSON: one object ``{"format", "provenance", "qc", "findings", "variants", "dtypes"}``;
  tables are lists of records, missing values ``null``.
* Parquet: the schema metadata key ``gmsvar.provenance`` (JSON), next to pandas' own metadata.

Examples
--------
>>> import pandas as pd, tempfile, os
>>> from gmsvar.report.writers import write_tsv, read_tsv
>>> df = pd.DataFrame({"gene": ["MLH1", None], "points": [10, 2]})
>>> with tempfile.TemporaryDirectory() as d:
...     p = write_tsv(df, os.path.join(d, "v.tsv"), provenance={"gmsvar_version": "0.1.0"})
...     back, prov = read_tsv(p)
>>> prov["gmsvar_version"], back["gene"].isna().tolist(), back["points"].tolist()
('0.1.0', [False, True], [10, 2])
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import io
import json
import math
import os
import shutil
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import IO, Any, Literal

import numpy as np
import pandas as pd

from ..errors import InputError

__all__ = [
    "NA_TOKEN",
    "atomic_paths",
    "atomic_write",
    "frame_from_records",
    "frame_to_records",
    "jsonable",
    "read_json",
    "read_parquet",
    "read_tsv",
    "write_json",
    "write_parquet",
    "write_tsv",
]

#: How a missing value is written in TSV (the pandas and R default NA token).
NA_TOKEN = "NA"
#: Schema metadata key holding the provenance JSON in Parquet files.
PARQUET_PROVENANCE_KEY = b"gmsvar.provenance"
PARQUET_TABLE_KEY = b"gmsvar.table"
PARQUET_DTYPES_KEY = b"gmsvar.dtypes"
JSON_FORMAT = {"name": "gmsvar-interpretation", "version": "1"}

TableName = Literal["variants", "findings", "qc"]


# ---------------------------------------------------------------------------------------------
# atomic writing


def _file_mode() -> int:
    """Permission bits a plain ``open(path, "w")`` would give (mkstemp uses 0600)."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("Umask:"):
                    return 0o666 & ~int(line.split()[1], 8)
    except OSError:
        pass
    # Not Linux: read the umask by setting it (briefly process-wide, hence the fallback only).
    mask = os.umask(0o022)
    os.umask(mask)
    return 0o666 & ~mask


def _fsync_path(path: str) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_dir(directory: str) -> None:
    # Makes the rename itself durable; directories cannot be opened on Windows.
    with contextlib.suppress(OSError):
        _fsync_path(directory)


def _target(path: str | os.PathLike[str]) -> Path:
    p = Path(os.fspath(path))
    if p.is_dir():
        raise InputError(f"{p}: is a directory; give a file path to write")
    parent = p.parent if str(p.parent) else Path(".")
    if not parent.is_dir():
        raise InputError(f"{p}: directory {parent} does not exist; create it first")
    return p


@contextlib.contextmanager
def atomic_paths(*paths: str | os.PathLike[str]) -> Iterator[list[Path]]:
    """Temporary paths that replace ``paths`` (in order) only if the block succeeds.

    For writers that need a file name rather than a file object (pyarrow, pysam/htslib),
    and for files that belong together (a VCF and its index: the data is replaced first,
    so the index is never older than the data it indexes).

    Parameters
    ----------
    *paths
        Final paths; their directories must exist.

    Yields
    ------
    list of Path
        One temporary path per final path, not yet created, with the final file name, in a
        private hidden directory (``.gmsvar-tmp-*``) next to the target, removed afterwards.

    Examples
    --------
    >>> import tempfile, os
    >>> from pathlib import Path
    >>> with tempfile.TemporaryDirectory() as d:
    ...     final = os.path.join(d, "x.txt")
    ...     with atomic_paths(final) as (tmp,):
    ...         _ = tmp.write_text("done")
    ...     print(Path(final).read_text(), sorted(os.listdir(d)))
    done ['x.txt']
    """
    finals = [_target(p) for p in paths]
    if len({f.resolve() for f in finals}) != len(finals):
        raise InputError(f"atomic_paths: the same path given twice: {[str(f) for f in finals]}")
    # A private directory next to each target: same file system (so os.replace is a rename),
    # nothing else can take the names, and temp files keep the final names (suffix sniffing).
    tmpdirs: dict[Path, Path] = {}
    try:
        temps: list[Path] = []
        for final in finals:
            if final.parent not in tmpdirs:
                tmpdirs[final.parent] = Path(tempfile.mkdtemp(prefix=".gmsvar-tmp-", dir=final.parent))
            temps.append(tmpdirs[final.parent] / final.name)
        yield temps
        mode = _file_mode()
        for tmp in temps:
            if not tmp.is_file():
                raise InputError(f"{tmp}: the writer did not create its output")
            os.chmod(tmp, mode)
            _fsync_path(str(tmp))
        for tmp, final in zip(temps, finals, strict=True):
            os.replace(tmp, final)
        for directory in tmpdirs:
            _fsync_dir(str(directory))
    finally:
        for tmpdir in tmpdirs.values():
            shutil.rmtree(tmpdir, ignore_errors=True)


@contextlib.contextmanager
def atomic_write(
    path: str | os.PathLike[str], *, binary: bool = False, encoding: str = "utf-8", errors: str = "strict"
) -> Iterator[IO[Any]]:
    """Open a temporary file that replaces ``path`` when the block exits without error.

    Parameters
    ----------
    path
        Final path; its directory must exist.
    binary
        Open in ``"wb"`` mode instead of text mode.
    encoding, errors
        Text encoding and its error handler (text mode only; e.g. ``"surrogateescape"`` to
        write back file names that were not valid UTF-8). Newlines are written as ``\\n``.

    Examples
    --------
    >>> import tempfile, os
    >>> with tempfile.TemporaryDirectory() as d:
    ...     p = os.path.join(d, "r.txt")
    ...     try:
    ...         with atomic_write(p) as fh:
    ...             _ = fh.write("half a rep")
    ...             raise RuntimeError("disk on fire")
    ...     except RuntimeError:
    ...         pass
    ...     print(os.listdir(d))
    []
    """
    with atomic_paths(path) as (tmp,):
        if binary:
            with open(tmp, "xb") as bfh:
                yield bfh
                bfh.flush()
        else:
            with open(tmp, "x", encoding=encoding, errors=errors, newline="\n") as tfh:
                yield tfh
                tfh.flush()


# ---------------------------------------------------------------------------------------------
# JSON-safe values


def jsonable(obj: Any) -> Any:
    """``obj`` with numpy scalars, paths, dates, sets and non-finite floats made JSON-safe.

    Tuples and sets become lists (sets sorted), ``NaN``/``inf``/``pd.NA``/``NaT`` become
    ``None``, datetimes ISO-8601 strings.

    Examples
    --------
    >>> import numpy as np
    >>> jsonable({"n": np.int64(3), "x": float("nan"), "t": (1, 2)})
    {'n': 3, 'x': None, 't': [1, 2]}
    """
    if obj is None or isinstance(obj, bool | str):
        return obj
    if isinstance(obj, Mapping):
        return {str(k): jsonable(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [jsonable(v) for v in obj]
    if isinstance(obj, set | frozenset):
        return sorted((jsonable(v) for v in obj), key=repr)
    if isinstance(obj, np.ndarray):
        return [jsonable(v) for v in obj.tolist()]
    if isinstance(obj, np.bool_):
        return bool(obj)
    if isinstance(obj, int | np.integer):
        return int(obj)
    if isinstance(obj, float | np.floating):
        f = float(obj)
        return f if math.isfinite(f) else None
    if isinstance(obj, os.PathLike):
        return os.fspath(obj)
    if isinstance(obj, _dt.datetime | _dt.date | pd.Timestamp):
        return None if pd.isna(obj) else obj.isoformat()
    if obj is pd.NA or obj is pd.NaT:
        return None
    return str(obj)


def _dumps(obj: Any, *, indent: int | None = None) -> str:
    return json.dumps(jsonable(obj), ensure_ascii=True, allow_nan=False, indent=indent)


# ---------------------------------------------------------------------------------------------
# dtypes: recorded on write, restored on read


def _dtype_map(df: pd.DataFrame) -> dict[str, str]:
    return {str(c): str(t) for c, t in df.dtypes.items()}


def _is_na(v: Any) -> bool:
    if v is None:
        return True
    try:
        return bool(pd.isna(v))
    except (TypeError, ValueError):  # lists, arrays
        return False


def _restore(col: pd.Series, dtype: str) -> pd.Series:
    """Cast a column read back as strings/JSON values to the dtype it was written with."""
    if dtype == "object":
        return pd.Series([None if _is_na(v) else v for v in col], index=col.index, dtype=object)
    truth = {"True": True, "False": False, True: True, False: False}
    if dtype == "bool":
        if col.dtype == bool:
            return col
        mapped = col.map(truth)
        if mapped.isna().any():
            return mapped.astype("boolean")  # NA crept in: keep it rather than invent False
        return mapped.astype(bool)
    if dtype == "boolean":
        return col.map(truth).astype("boolean")
    try:
        target = pd.api.types.pandas_dtype(dtype)
    except TypeError:
        return col
    if dtype.startswith(("int", "uint", "Int", "UInt", "float", "Float")):
        nums = pd.to_numeric(col, errors="raise")
        if dtype.startswith(("int", "uint")) and nums.isna().any():
            return nums  # cannot hold NA; stays float
        return nums.astype(target)
    if dtype.startswith("datetime64"):
        return pd.to_datetime(col, utc="UTC" in dtype or "+" in dtype).astype(target)
    try:
        return col.astype(target)
    except (TypeError, ValueError):
        return col


def _restore_frame(df: pd.DataFrame, dtypes: Mapping[str, str]) -> pd.DataFrame:
    out = {c: _restore(df[c], dtypes[c]) if c in dtypes else df[c] for c in df.columns}
    return pd.DataFrame(out, index=pd.RangeIndex(len(df)), columns=list(df.columns))


def _column_values(col: pd.Series) -> list[Any]:
    """JSON-safe Python values of one column, converted a column at a time (fast path)."""
    dtype = col.dtype
    numpy_dtype = isinstance(dtype, np.dtype)  # not the nullable Int64/Float64/boolean ones
    if numpy_dtype and dtype.kind in "biu":  # no missing values possible
        return list(col.tolist())
    if numpy_dtype and dtype.kind == "f":
        arr = col.to_numpy(dtype=float)
        values: list[Any] = arr.tolist()
        for i in np.flatnonzero(~np.isfinite(arr)):
            values[i] = None
        return values
    values = col.astype(object).tolist()
    missing = col.isna().to_numpy()
    return [None if m else (v if isinstance(v, str) else jsonable(v))
            for v, m in zip(values, missing, strict=True)]


def frame_to_records(df: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows as JSON-safe dicts (missing -> ``None``), column order kept.

    >>> frame_to_records(pd.DataFrame({"a": [1, 2], "b": [0.5, float("nan")], "c": ["x", None]}))
    [{'a': 1, 'b': 0.5, 'c': 'x'}, {'a': 2, 'b': None, 'c': None}]
    """
    cols = [str(c) for c in df.columns]
    columns = [_column_values(df.iloc[:, j]) for j in range(df.shape[1])]
    return [dict(zip(cols, row, strict=True)) for row in zip(*columns, strict=True)] if cols else (
        [{} for _ in range(len(df))])


def frame_from_records(records: Sequence[Mapping[str, Any]], dtypes: Mapping[str, str]) -> pd.DataFrame:
    """Inverse of :func:`frame_to_records`, given the dtypes recorded at write time."""
    cols = list(dtypes)
    raw = pd.DataFrame({c: pd.Series([r.get(c) for r in records], dtype=object) for c in cols},
                       columns=cols)
    return _restore_frame(raw, dtypes)


# ---------------------------------------------------------------------------------------------
# TSV


def write_tsv(
    df: pd.DataFrame,
    path: str | os.PathLike[str],
    *,
    provenance: Mapping[str, Any],
    table: str = "variants",
) -> Path:
    """Write ``df`` as TSV after ``##`` provenance lines; atomic.

    Layout: ``##gmsvar_table=<table>``, ``##gmsvar_provenance=<JSON>``,
    ``##gmsvar_dtypes=<JSON>``, then a header row and one line per row. Missing values are
    ``NA``; fields holding a tab, newline or quote are quoted (RFC 4180 style), so
    ``pandas.read_csv(path, sep="\\t", comment=None, skiprows=3)`` also reads it.

    Returns
    -------
    Path
        The file written.
    """
    target = _target(path)
    buf = io.StringIO()
    df.to_csv(buf, sep="\t", index=False, na_rep=NA_TOKEN, lineterminator="\n")
    # surrogateescape: undecodable bytes (e.g. a non-UTF-8 file name) are written back as they were
    with atomic_write(target, errors="surrogateescape") as fh:
        fh.write(f"##gmsvar_table={table}\n")
        fh.write(f"##gmsvar_provenance={_dumps(provenance)}\n")
        fh.write(f"##gmsvar_dtypes={_dumps(_dtype_map(df))}\n")
        fh.write(buf.getvalue())
    return target


def read_tsv(path: str | os.PathLike[str]) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Read a TSV written by :func:`write_tsv`: ``(table, provenance)`` with dtypes restored."""
    meta: dict[str, str] = {}
    n_meta = 0
    with open(path, encoding="utf-8", errors="surrogateescape", newline="") as fh:
        for line in fh:
            if not line.startswith("##"):
                break
            n_meta += 1
            key, _, value = line[2:].rstrip("\n").partition("=")
            meta[key] = value
    if "gmsvar_provenance" not in meta:
        raise InputError(f"{path}: no ##gmsvar_provenance line; not a gmsvar TSV")
    dtypes: dict[str, str] = json.loads(meta.get("gmsvar_dtypes", "{}"))
    # lineterminator="\n": a bare CR inside a value is data (csv quoting only covers \n)
    df = pd.read_csv(path, sep="\t", skiprows=n_meta, dtype=object, keep_default_na=False,
                     na_values=[NA_TOKEN], quoting=0, comment=None, lineterminator="\n",
                     skip_blank_lines=False,  # a one-column row may be "" or " "
                     encoding="utf-8", encoding_errors="surrogateescape")
    return _restore_frame(df, dtypes), json.loads(meta["gmsvar_provenance"])


# ---------------------------------------------------------------------------------------------
# JSON


def write_json(
    path: str | os.PathLike[str],
    *,
    provenance: Mapping[str, Any],
    qc: pd.DataFrame,
    findings: pd.DataFrame,
    variants: pd.DataFrame,
    indent: int | None = None,
) -> Path:
    """Write the whole interpretation as one JSON object; atomic.

    Keys: ``format`` (name + version of this layout), ``provenance``, ``qc``, ``findings``,
    ``variants`` (lists of records, missing values ``null``) and ``dtypes`` (pandas dtype
    per column per table, so :func:`read_json` restores the frames exactly).
    """
    target = _target(path)
    doc = {
        "format": JSON_FORMAT,
        "provenance": jsonable(provenance),
        "qc": frame_to_records(qc),
        "findings": frame_to_records(findings),
        "variants": frame_to_records(variants),
        "dtypes": {"qc": _dtype_map(qc), "findings": _dtype_map(findings),
                   "variants": _dtype_map(variants)},
    }
    text = json.dumps(doc, ensure_ascii=True, allow_nan=False, indent=indent)
    with atomic_write(target) as fh:
        fh.write(text)
        fh.write("\n")
    return target


def read_json(path: str | os.PathLike[str]) -> dict[str, Any]:
    """Read a file written by :func:`write_json`.

    Returns
    -------
    dict
        ``provenance`` (dict) and ``qc``, ``findings``, ``variants`` (DataFrames).
    """
    with open(path, encoding="utf-8") as fh:
        doc = json.load(fh)
    if not isinstance(doc, dict) or doc.get("format", {}).get("name") != JSON_FORMAT["name"]:
        raise InputError(f"{path}: not a gmsvar interpretation JSON (format.name missing)")
    dtypes = doc.get("dtypes", {})
    out: dict[str, Any] = {"provenance": doc["provenance"]}
    for name in ("qc", "findings", "variants"):
        records = doc[name]
        names = dtypes.get(name) or ({k: "object" for k in records[0]} if records else {})
        out[name] = frame_from_records(records, names)
    return out


# ---------------------------------------------------------------------------------------------
# Parquet


def write_parquet(
    df: pd.DataFrame,
    path: str | os.PathLike[str],
    *,
    provenance: Mapping[str, Any],
    table: str = "variants",
) -> Path:
    """Write ``df`` as Parquet with the provenance JSON in the schema metadata; atomic."""
    import pyarrow as pa  # type: ignore[import-untyped]
    import pyarrow.parquet as pq  # type: ignore[import-untyped]

    target = _target(path)
    try:
        arrow = pa.Table.from_pandas(df, preserve_index=False)
    except (pa.ArrowInvalid, pa.ArrowTypeError) as err:
        raise InputError(f"{target}: cannot store the {table} table as Parquet ({err}); "
                         "mixed-type object columns must be made uniform first") from err
    meta = dict(arrow.schema.metadata or {})
    meta[PARQUET_PROVENANCE_KEY] = _dumps(provenance).encode("ascii")
    meta[PARQUET_TABLE_KEY] = table.encode("ascii")
    meta[PARQUET_DTYPES_KEY] = _dumps(_dtype_map(df)).encode("ascii")
    arrow = arrow.replace_schema_metadata(meta)
    with atomic_paths(target) as (tmp,):
        pq.write_table(arrow, tmp)
    return target


def read_parquet(path: str | os.PathLike[str]) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Read a file written by :func:`write_parquet`: ``(table, provenance)``."""
    import pyarrow.parquet as pq

    arrow = pq.read_table(path)
    meta = arrow.schema.metadata or {}
    if PARQUET_PROVENANCE_KEY not in meta:
        raise InputError(f"{path}: no {PARQUET_PROVENANCE_KEY.decode()} schema metadata; "
                         "not a gmsvar Parquet file")
    df = arrow.to_pandas()
    # pandas >= 3 turns object string columns into "str"; put back what was written
    dtypes = json.loads(meta.get(PARQUET_DTYPES_KEY, b"{}"))
    changed = {c: t for c, t in dtypes.items() if c in df.columns and str(df[c].dtype) != t}
    if changed:
        df = df.assign(**{c: _restore(df[c], t) for c, t in changed.items()})
    return df, json.loads(meta[PARQUET_PROVENANCE_KEY])
