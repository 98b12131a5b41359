"""Build the C accelerators (everything else is configured in pyproject.toml).

The extensions are optional at run time: without them gmsvar falls back to its
numpy code paths and records that in ``meta.provenance["reader"]``.
"""

from setuptools import Extension, setup

_FLAGS = ["-O3", "-std=c99", "-Wall", "-Wextra", "-Wno-unused-parameter"]

setup(
    ext_modules=[
        Extension("gmsvar.io._scan", ["src/gmsvar/io/_scan.c"], extra_compile_args=_FLAGS),
        Extension("gmsvar.io._fmt", ["src/gmsvar/io/_fmt.c"], extra_compile_args=_FLAGS),
        Extension("gmsvar.io._tabix", ["src/gmsvar/io/_tabix.c"], extra_compile_args=_FLAGS),
        Extension("gmsvar.io._ann", ["src/gmsvar/io/_ann.c"], extra_compile_args=_FLAGS),
    ],
)
