"""Paths of the data files shipped in ``gmsvar/data``.

Found next to the package rather than through :mod:`importlib.resources`, which costs
15-25 ms to import (it imports :mod:`zipfile` and :mod:`tempfile`): a cost every process
reading one VCF would pay. Zip-imported installs are therefore not supported.

>>> import os
>>> os.path.exists(data_path("so_consequences.tsv"))
True
"""

from __future__ import annotations

import os

__all__ = ["data_path"]


def data_path(*parts: str) -> str:
    """Path of a file (or directory) under ``gmsvar/data``."""
    return os.path.join(os.path.dirname(os.path.abspath(__file__)), "data", *parts)
