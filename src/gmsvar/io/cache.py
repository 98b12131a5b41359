"""Columnar cache: save a :class:`VariantTable` once, re-filter it many times.

The format is a NumPy ``.npz`` archive (no pickle): numeric columns are stored
as arrays, string/object columns as JSON, and the metadata as JSON. Loading
checks a format version and gmsvar refuses files it does not understand.

Examples
--------
>>> import numpy as np, tempfile, os
>>> from gmsvar.table import VariantTable
>>> t = VariantTable({"variant_position": np.array([5, 9]),
...                   "variant_ref": np.array(["A", None], dtype=object)})
>>> path = os.path.join(tempfile.mkdtemp(), "t.npz")
>>> t.save(path)
>>> load_table(path).equals(t)
True
"""

from __future__ import annotations

import dataclasses
import json
import math
import os
import tempfile
import zipfile
from typing import Any

import numpy as np

from ..errors import InputError
from ..table import FieldDef, VariantTable, VcfMetadata

__all__ = ["CACHE_FORMAT", "load_table", "save_table"]

#: Version of the on-disk layout; bump when it changes incompatibly.
CACHE_FORMAT = "gmsvar-table/1"


def _encode_obj(v: Any) -> Any:
    if isinstance(v, tuple):
        return {"t": [_encode_obj(x) for x in v]}
    if isinstance(v, float) and math.isnan(v):
        return {"nan": True}
    if isinstance(v, np.generic):
        return v.item()
    return v


def _decode_obj(v: Any) -> Any:
    if isinstance(v, dict):
        if "t" in v:
            return tuple(_decode_obj(x) for x in v["t"])
        if v.get("nan"):
            return float("nan")
    return v


def save_table(table: VariantTable, path: str | os.PathLike[str]) -> None:
    """Write ``table`` to ``path`` (``.npz``) atomically: temp file, then rename."""
    path = os.fspath(path)
    arrays: dict[str, np.ndarray] = {}
    objects: dict[str, Any] = {}
    for name in table.names:
        col = table[name]
        if col.dtype == object:
            objects[name] = {"shape": list(col.shape),
                             "values": [_encode_obj(x) for x in col.ravel().tolist()]}
        else:
            arrays[f"col:{name}"] = col
    meta = dataclasses.asdict(table.meta)
    doc = {
        "format": CACHE_FORMAT,
        "columns": table.names,
        "objects": objects,
        "categories": {k: [_encode_obj(x) for x in v.tolist()] for k, v in table.categories.items()},
        "meta": meta,
    }
    arrays["__doc__"] = np.frombuffer(json.dumps(doc, default=str).encode(), dtype=np.uint8)
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(dir=directory, suffix=".npz.tmp")
    os.close(fd)
    try:
        with open(tmp, "wb") as fh:  # a file handle: numpy would append ".npz" to a name
            np.savez_compressed(fh, **arrays)  # type: ignore[arg-type]
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def load_table(path: str | os.PathLike[str]) -> VariantTable:
    """Load a table written by :meth:`VariantTable.save`.

    Raises
    ------
    InputError
        The file is missing, not a gmsvar table, or of an unknown format version.
    """
    path = os.fspath(path)
    try:
        with np.load(path, allow_pickle=False) as npz:
            doc = json.loads(bytes(npz["__doc__"]).decode())
            arrays = {k[4:]: npz[k] for k in npz.files if k.startswith("col:")}
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except (KeyError, ValueError, OSError, EOFError, zipfile.BadZipFile,
            json.JSONDecodeError) as err:
        raise InputError(f"{path}: not a gmsvar table cache ({err}); re-create it with "
                         "table.save()") from err
    if doc.get("format") != CACHE_FORMAT:
        raise InputError(f"{path}: table cache format {doc.get('format')!r} is not "
                         f"{CACHE_FORMAT!r}; re-create it with this gmsvar version")
    cols: dict[str, np.ndarray] = {}
    for name in doc["columns"]:
        if name in arrays:
            cols[name] = arrays[name]
        else:
            spec = doc["objects"][name]
            flat = np.empty(len(spec["values"]), dtype=object)
            flat[:] = [_decode_obj(x) for x in spec["values"]]
            cols[name] = flat.reshape(spec["shape"])
    m = doc["meta"]
    meta = VcfMetadata(
        source=m["source"], samples=tuple(m["samples"]), contigs=tuple(m["contigs"]),
        contig_lengths=m["contig_lengths"], genome_build=m["genome_build"],
        build_evidence=m["build_evidence"],
        info={k: FieldDef(**v) for k, v in m["info"].items()},
        format={k: FieldDef(**v) for k, v in m["format"].items()},
        filters=tuple(m["filters"]), file_format=m["file_format"], provenance=m["provenance"],
    )
    cats = {k: np.array([_decode_obj(x) for x in v], dtype=object)
            for k, v in doc["categories"].items()}
    return VariantTable(cols, meta, cats)
