"""Run the doctest examples of every gmsvar.filters module."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import gmsvar.filters

MODULES = [
    "gmsvar.filters",
    *sorted(m.name for m in pkgutil.walk_packages(gmsvar.filters.__path__, "gmsvar.filters.")),
]


@pytest.mark.parametrize("name", MODULES)
def test_doctests__filters_modules(name: str) -> None:
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE,
                             raise_on_error=False, verbose=False)
    assert result.failed == 0, f"{result.failed} doctest failure(s) in {name}"
