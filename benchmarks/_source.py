"""Fingerprint of the gmsvar code a benchmark ran (standard library only: benchmark workers
import this without paying for numpy)."""

from __future__ import annotations

import hashlib
from pathlib import Path

#: Files whose content decides what the benchmarks measure: the Python source and the C
#: accelerators (``gmsvar/io/_*.c``).
SOURCE_SUFFIXES = (".py", ".c")


def package_hash() -> str:
    """First 16 hex digits of a sha256 over the imported gmsvar package's source files."""
    import gmsvar

    pkg = Path(gmsvar.__file__).resolve().parent
    h = hashlib.sha256()
    for f in sorted(p for p in pkg.rglob("*") if p.suffix in SOURCE_SUFFIXES):
        h.update(str(f.relative_to(pkg)).encode() + b"\0" + f.read_bytes())
    return h.hexdigest()[:16]
