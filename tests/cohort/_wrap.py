"""Interpreter wrappers around the real ``gmsvar.interpret`` for the Show tests.

``crash_or_interpret`` segfaults (a real SIGSEGV) on a file whose name contains ``crash``,
like a C library crashing on a malformed record, and otherwise runs ``gmsvar.interpret``.
``slow_interpret`` runs ``gmsvar.interpret`` and then sleeps ``GMSVAR_TEST_SLEEP`` seconds, so
a run can be killed part-way reliably.
"""

from __future__ import annotations

import ctypes
import os
import time
from typing import Any


def crash_or_interpret(vcf: str, **kwargs: Any) -> Any:
    if "crash" in os.path.basename(vcf):
        ctypes.string_at(0)
    from gmsvar.pipeline import interpret

    return interpret(vcf, **kwargs)


def slow_interpret(vcf: str, **kwargs: Any) -> Any:
    from gmsvar.pipeline import interpret

    res = interpret(vcf, **kwargs)
    time.sleep(float(os.environ.get("GMSVAR_TEST_SLEEP", "0")))
    return res
