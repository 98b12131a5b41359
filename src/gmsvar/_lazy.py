"""Module-level ``__getattr__``/``__dir__`` that import a package's public names on first use.

Keeps ``import gmsvar`` (and its subpackages) cheap: a name's module is imported
the first time the name is looked up, then cached in the package namespace.

>>> import types
>>> pkg = types.ModuleType("demo")
>>> pkg.__getattr__, pkg.__dir__ = lazy_attributes(pkg.__dict__, "json", {"dumps": ""})
>>> pkg.__getattr__("dumps")([1])
'[1]'
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

__all__ = ["lazy_attributes"]


def lazy_attributes(
    namespace: dict[str, Any], package: str, table: Mapping[str, str]
) -> tuple[Callable[[str], object], Callable[[], list[str]]]:
    """``(__getattr__, __dir__)`` for a package whose names live in submodules.

    ``table`` maps a public name to the submodule (relative to ``package``; ``""``
    for ``package`` itself) that defines it.
    """

    def __getattr__(name: str) -> object:  # noqa: N807 - the module hook's name
        if name not in table:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        import importlib

        module = table[name]
        value = getattr(importlib.import_module(f"{package}.{module}" if module else package),
                        name)
        namespace[name] = value
        return value

    def __dir__() -> list[str]:  # noqa: N807
        return sorted({*namespace, *table})

    return __getattr__, __dir__
