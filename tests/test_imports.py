"""Import cost: ``import gmsvar`` and a fast region read import only what they use.

Each check runs in a fresh interpreter (``sys.modules`` of this test process is full).
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

import gmsvar

HEAVY = ("pandas", "requests", "requests_cache", "cyvcf2", "pysam", "pyarrow", "importlib.metadata",
         "importlib.resources")


def _imported_after(code: str) -> set[str]:
    probe = f"{code}\nimport sys, json\nprint(json.dumps(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    return set(json.loads(out.stdout.splitlines()[-1]))


def test_import_gmsvar__imports_no_heavy_module() -> None:
    mods = _imported_after("import gmsvar")
    assert not {m for m in mods if m in HEAVY or m.split(".")[0] in HEAVY}
    assert "numpy" not in mods  # the readers and numpy load on first use


def test_fast_panel_region_read__imports_no_heavy_module() -> None:
    code = ("import gmsvar\n"
            "p = gmsvar.load_panel('R210')\n"
            "t = gmsvar.read_vcf(gmsvar.example_path('lynch_germline.vcf.gz'), regions=p, backend='fast')\n"
            "assert t.meta.provenance['reader'] == 'gmsvar.read_vcf (backend fast)', t.meta.provenance\n"
            "assert len(t) == 3")
    mods = _imported_after(code)
    assert not {m for m in mods if m in HEAVY or m.split(".")[0] in HEAVY}


@pytest.mark.parametrize("module", ["gmsvar", "gmsvar.filters", "gmsvar.panels", "gmsvar.io"])
def test_lazy_exports__every_public_name_resolves(module: str) -> None:
    import importlib

    mod = importlib.import_module(module)
    for name in mod.__all__:
        assert getattr(mod, name) is not None, name
        assert name in dir(mod)
    with pytest.raises(AttributeError):
        mod.no_such_name  # noqa: B018


def test_version__resolves_lazily() -> None:
    from gmsvar import __version__

    assert __version__ == gmsvar.__version__ and __version__ != ""
