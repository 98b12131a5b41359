"""The docstring examples of the panels modules run."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = ["gmsvar.panels", "gmsvar.panels.model", "gmsvar.panels.directory",
           "gmsvar.panels.snapshots", "gmsvar.panels.mask", "gmsvar.panels.diff",
           "gmsvar.panels.client"]


@pytest.mark.parametrize("name", MODULES)
def test_docstrings__examples_pass(name: str) -> None:
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0
