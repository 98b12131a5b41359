"""Exception and warning classes.

Every error gmsvar raises on purpose is a :class:`GmsvarError`. Messages say
*what* went wrong, *where* (file, line, field) and *how to fix it*.

Examples
--------
>>> from gmsvar.errors import VcfFormatError, InputError, GmsvarError
>>> issubclass(VcfFormatError, InputError) and issubclass(InputError, ValueError)
True
>>> try:
...     raise VcfFormatError("bad ALT", path="a.vcf", line=12)
... except GmsvarError as err:
...     print(err)
a.vcf:12: bad ALT
"""

from __future__ import annotations

__all__ = [
    "BuildMismatchError",
    "ContigMismatchError",
    "GmsvarError",
    "GmsvarWarning",
    "IndexMissingError",
    "InputError",
    "KnowledgeBaseError",
    "PanelAppUnavailable",
    "PanelError",
    "PanelNotFound",
    "UnknownTestError",
    "VcfFormatError",
]


class GmsvarError(Exception):
    """Base class of every error gmsvar raises deliberately."""


class InputError(GmsvarError, ValueError):
    """The caller's input (arguments or files) cannot be used as given."""


class VcfFormatError(InputError):
    """A VCF/BCF file is malformed, truncated or not a VCF at all.

    Parameters
    ----------
    message
        What is wrong and how to fix it.
    path
        The file, when known.
    line
        1-based line number in the (decompressed) text, when known.
    """

    def __init__(self, message: str, *, path: str | None = None, line: int | None = None) -> None:
        self.path = path
        self.line = line
        where = ""
        if path is not None:
            where = f"{path}:{line}: " if line is not None else f"{path}: "
        super().__init__(f"{where}{message}")


class IndexMissingError(InputError):
    """A region query needs a tabix/CSI index that is not there."""


class BuildMismatchError(InputError):
    """The declared genome build disagrees with what the file's contigs say."""


class ContigMismatchError(InputError):
    """Requested contigs/regions are not present in the file under any naming."""


class PanelError(GmsvarError):
    """Problems resolving or loading a gene panel."""


class PanelNotFound(PanelError, LookupError):
    """No panel with that id/version (in snapshots, cache or PanelApp)."""


class PanelAppUnavailable(PanelError):
    """PanelApp could not be reached, or kept failing or throttling."""


class UnknownTestError(GmsvarError, LookupError):
    """A test-directory code (e.g. ``R210``) is not in the directory."""


class KnowledgeBaseError(GmsvarError):
    """A knowledge-base or rules data file is missing, malformed or inconsistent."""


class GmsvarWarning(UserWarning):
    """Something was handled, but the user should know (e.g. a skipped record)."""
