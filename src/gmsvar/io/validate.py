"""Strict, streaming validation of VCF text against the VCF v4.1-v4.5 specifications.

:func:`gmsvar.read_vcf` is lenient on purpose: real clinical VCFs break spec rules
that do not affect their meaning (GATK's old ``AD`` with ``Number=.``, undeclared
INFO keys, ...). :func:`validate_vcf` is the opt-in strict check, written against the
spec text and the hts-specs conformance suite (``test/vcf/{4.1,4.2,4.3,4.5}``). It reads
plain or gzipped VCF text line by line in pure Python and reports one
:class:`Problem` per bad line, naming file, line and the spec area (``section``, named
like the conformance files: ``meta_info``, ``body_alt``, ...).

What is checked
---------------
Meta lines: ``##fileformat`` first and exactly ``VCFv4.x``; ``##key=value`` syntax with a
non-empty value; structured ``<key=value,...>`` lines (quoted strings with ``\\"``
escapes, ``Values=[...]`` lists, closing ``>``); INFO/FORMAT ``ID``, ``Number`` (integer,
``A``, ``R``, ``G``, ``.``; 4.4+ also ``LA``, ``LR``, ``LG``, ``P``, ``M``), ``Type`` and a
quoted ``Description``; the reserved INFO/FORMAT keys whose Number/Type the spec fixes
(per version); ALT, FILTER, contig, SAMPLE, PEDIGREE, META (4.3+), ``##assembly`` and
``##pedigreeDB`` URLs; duplicate IDs (a 4.3 rule); the ``#CHROM`` line and unique sample
names.

Records: column count; CHROM syntax (contig-name rule of VCF 4.3, applied to all
versions), declared in ``##contig`` when any contig is declared, and contiguous; POS an
integer >= 0 (0 and N+1 are telomeres), sorted within CHROM, within the contig length;
ID, REF, ALT (bases, ``*``, ``.``, ``<ID>``, breakends), QUAL, FILTER; INFO keys, value
counts against Number, value types (32-bit integers, htslib's reserved
-2147483648..-2147483641 excluded), flags; FORMAT keys (GT first, no duplicates);
sample values, GT syntax and allele indices, ``Number=G`` counts against the GT ploidy;
records duplicated after trimming shared bases (symbolic alleles excepted); a final
newline.

Deliberate leniencies (each would reject common real-world files)
------------------------------------------------------------------
- Undeclared INFO/FORMAT keys, FILTER codes and symbolic ALT IDs are allowed (the
  conformance suite's must-pass files use them); undeclared *reserved* keys are checked
  against their reserved definition.
- Contig names follow the VCF 4.3 rule in every version, so ``:`` and ``*`` are allowed
  after the first character (GRCh38 HLA contigs such as ``HLA-A*01:01:01:01``), although
  VCF 4.1/4.2 forbid ``:`` in CHROM.
- FORMAT keys may contain ``_`` and ``.`` in 4.1/4.2 (GATK/DeepVariant gVCF ``MIN_DP``).
- ALT IDs without a ``:`` need not start with DEL/INS/DUP/INV/CNV (GATK's ``NON_REF``,
  bcftools' ``*``); with a ``:`` the first level must be one of those, ``BND`` or ``*``.
- ``##SAMPLE`` lines need not carry ``Genomes`` in 4.1/4.2.
- As the suite's must-pass files require: ``PASS`` may be combined with other FILTER codes,
  a Flag may be declared with ``Number`` other than 0 and given the value 0 or 1, INFO
  ``Number=G`` is not counted, a double-quoted INFO string is one value, undeclared
  ``INFO/SB`` is not checked, and records with ALT ``.`` may size A/R/G fields and GT as
  for one ALT allele.
- ``FORMAT/GQ`` may be declared ``Type=Float`` (FreeBayes, Isaac) and ``INFO/MQ``
  ``Type=Integer`` (bcftools).
- CR+LF line ends are accepted, as the spec requires of readers.
- VCFv4.0 files are checked with the 4.1 rules. For 4.5, record order, the final newline
  and zero-length (empty) sample values are not checked: hts-specs' own 4.5 must-pass
  file breaks all three.

Examples
--------
>>> from gmsvar.io.validate import check_vcf, validate_vcf
>>> validate_vcf("calls.vcf.gz")  # doctest: +SKIP
[Problem(path='calls.vcf.gz', line=57, section='body_info', message='INFO/AC ...')]
>>> check_vcf("calls.vcf.gz")  # doctest: +SKIP
Traceback (most recent call last):
VcfFormatError: calls.vcf.gz:57: [body_info] INFO/AC ...
"""

from __future__ import annotations

import dataclasses
import gzip
import io
import math
import os
import re
import zlib
from collections.abc import Callable, Iterator
from typing import Any

from ..errors import InputError, VcfFormatError

__all__ = ["Problem", "check_vcf", "validate_vcf"]


@dataclasses.dataclass(frozen=True)
class Problem:
    """One spec violation.

    Attributes
    ----------
    path
        The file, as given.
    line
        1-based line number in the (decompressed) text.
    section
        Spec area, named like the hts-specs conformance files: ``fileformat``, ``meta``,
        ``meta_info``, ``meta_format``, ``meta_alt``, ``meta_filter``, ``meta_contig``,
        ``meta_sample``, ``meta_pedigree``, ``meta_pedigreedb``, ``meta_assembly``,
        ``meta_meta``, ``header`` (the ``#CHROM`` line), ``body`` (columns, blank lines),
        ``body_chrom``, ``body_pos``, ``body_id``, ``body_ref``, ``body_alt``, ``body_qual``,
        ``body_filter``, ``body_info``, ``body_format``, ``body_sample``,
        ``body_unsorted``, ``body_contiguous``, ``body_duplicated``, ``body_no_newline``,
        ``empty`` or ``compression``.
    message
        What is wrong and how to fix it.
    """

    path: str
    line: int
    section: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: [{self.section}] {self.message}"


def validate_vcf(path: str | os.PathLike[str], *, max_problems: int = 50) -> list[Problem]:
    """Check a VCF text file against the VCF specification (v4.1-v4.5).

    Parameters
    ----------
    path
        Plain or gzip/bgzip-compressed VCF text.
    max_problems
        Stop after this many problems (at most one is reported per line).

    Returns
    -------
    list of Problem
        Empty when the file conforms; in file order otherwise.

    Raises
    ------
    InputError
        The path does not exist, is a directory, or is a BCF file (strict validation
        reads VCF text; convert with ``bcftools view -Ov``).

    Examples
    --------
    >>> for p in validate_vcf("calls.vcf"):  # doctest: +SKIP
    ...     print(p)
    calls.vcf:12: [body_alt] ALT allele 'R' is not bases (A,C,G,T,N), '*', '<ID>' or a breakend
    """
    name = os.fspath(path)
    if max_problems < 1:
        raise InputError(f"max_problems must be >= 1, not {max_problems}")
    state = _Validator(name, max_problems)
    try:
        fh, compressed = _open_text(name)
    except OSError as err:
        raise InputError(f"{name}: cannot read ({err})") from err
    try:
        with fh:
            state.run(fh)
    except _Stop:
        pass
    except (OSError, EOFError, zlib.error) as err:
        if not compressed:
            raise InputError(f"{name}: read failed after line {state.lineno} ({err})") from err
        state.problems.append(Problem(name, state.lineno + 1, "compression",
                                      f"cannot decompress past this line ({err}); the file "
                                      "is truncated or corrupt: fetch or re-create it"))
    return state.problems[:max_problems]


def check_vcf(path: str | os.PathLike[str]) -> None:
    """Raise :class:`~gmsvar.errors.VcfFormatError` for the first spec violation in *path*.

    See :func:`validate_vcf` for what is checked.

    Raises
    ------
    VcfFormatError
        Naming file, line, spec area and the problem.
    InputError
        Missing file, directory or BCF input.
    """
    problems = validate_vcf(path, max_problems=1)
    if problems:
        p = problems[0]
        raise VcfFormatError(f"[{p.section}] {p.message}", path=p.path, line=p.line)


# -- opening -----------------------------------------------------------------------------
def _open_text(path: str) -> tuple[io.TextIOBase, bool]:
    """Text handle on a plain or gzip/bgzip VCF, and whether it is compressed."""
    if not os.path.exists(path):
        raise InputError(f"{path}: no such file")
    if os.path.isdir(path):
        raise InputError(f"{path}: is a directory, not a VCF file")
    with open(path, "rb") as raw:
        magic = raw.read(3)
    bcf_msg = (f"{path}: is BCF; strict validation is for VCF text (BCF is typed by its "
               f"header). To check the text form: bcftools view -Ov -o out.vcf {path}")
    if magic[:2] == b"\x1f\x8b":
        with gzip.open(path, "rb") as gz:
            try:
                start = gz.read(3)
            except (OSError, EOFError, zlib.error):
                start = b""
        if start == b"BCF":
            raise InputError(bcf_msg)
        return io.TextIOWrapper(gzip.open(path, "rb"), encoding="utf-8", errors="replace",
                                newline="\n"), True
    if magic == b"BCF":
        raise InputError(bcf_msg)
    return open(path, encoding="utf-8", errors="replace", newline="\n"), False


class _Stop(Exception):
    """max_problems reached."""


# -- lexical rules -------------------------------------------------------------------------
_INT32_MAX = 2**31 - 1
_INT32_MIN = -(2**31) + 8  # htslib/BCF reserve -2^31 .. -2^31+7 (missing, end-of-vector, ...)
_FLOAT = r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?|[+-]?(?i:inf|infinity|nan)"
_QUAL_RE = re.compile(r"\+?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?|\+?(?i:inf|infinity|nan)")
_FLOATS_RE = re.compile(rf"(?:{_FLOAT}|\.)(?:,(?:{_FLOAT}|\.))*")
_INTS_RE = re.compile(r"(?:[+-]?\d+|\.)(?:,(?:[+-]?\d+|\.))*")
_CIGAR_RE = re.compile(r"(?:\d+[MIDNSHPX=])+")
_SPACE_RE = re.compile(r"\s")
_BASES = "ACGTNacgtn"
# VCF 4.3 section 1.4.7 (same as SAM reference names); used for every version, see above
_CONTIG = r"[0-9A-Za-z!#$%&+./:;?@^_|~-][0-9A-Za-z!#$%&*+./:;=?@^_|~-]*"
_CONTIG_RE = re.compile(_CONTIG)
_CHROM_RE = re.compile(rf"{_CONTIG}|<{_CONTIG}>")
_KEY43_INFO = re.compile(r"[A-Za-z_][0-9A-Za-z_.]*|1000G")
_KEY43_FORMAT = re.compile(r"[A-Za-z_][0-9A-Za-z_.]*")
_KEY41_INFO = re.compile(r"[^\s;=,]+")
_KEY41_FORMAT = re.compile(r"[0-9A-Za-z_.]+")
_NUMBER41 = re.compile(r"\d+|[ARG.]")
_NUMBER44 = re.compile(r"\d+|[ARG.]|LA|LR|LG|P|M")
_GT43 = re.compile(r"(?:\d+|\.)(?:[/|](?:\d+|\.))*")
_GT44 = re.compile(r"[/|]?(?:\d+|\.)(?:[/|](?:\d+|\.))*")
_BREAKEND_RE = re.compile(
    r"(?P<a>[ACGTNacgtn]+)(?P<o>[\[\]])(?P<c>.+):(?P<p>\d+)(?P=o)"
    r"|(?P<o2>[\[\]])(?P<c2>.+):(?P<p2>\d+)(?P=o2)(?P<b>[ACGTNacgtn]+)"
)
_SINGLE_BREAKEND_RE = re.compile(r"\.[ACGTNacgtn]+|[ACGTNacgtn]+\.")
_URL_RE = re.compile(
    r"(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*)://(?:[^@/\s]+@)?(?P<host>[^/:?#\s]+)(?::\d+)?"
    r"(?:[/?#]\S*)?"
)
_SV_TYPES = frozenset({"DEL", "INS", "DUP", "INV", "CNV", "BND", "*"})
_TYPES_INFO = frozenset({"Integer", "Float", "Flag", "Character", "String"})
_TYPES_FORMAT = frozenset({"Integer", "Float", "Character", "String"})
_CACHE_MAX = 100_000

# Reserved keys: ID -> (Number, allowed Types). VCF 4.1/4.2 list the keys (section 1.4.2,
# 1.6.2) with meanings that fix Number/Type; 4.3+ give tables. GQ may also be Float
# (FreeBayes, Isaac) and INFO/MQ Integer (bcftools); GLE follows the conformance suite.
_Reserved = dict[str, tuple[str, frozenset[str]]]


def _r(number: str, *types: str) -> tuple[str, frozenset[str]]:
    return number, frozenset(types)


_INFO_41: _Reserved = {
    "AA": _r("1", "String"), "AC": _r("A", "Integer"), "AF": _r("A", "Float"),
    "AN": _r("1", "Integer"), "BQ": _r("1", "Float"), "CIGAR": _r("A", "String"),
    "DB": _r("0", "Flag"), "DP": _r("1", "Integer"), "END": _r("1", "Integer"),
    "H2": _r("0", "Flag"), "H3": _r("0", "Flag"), "MQ": _r("1", "Float", "Integer"),
    "MQ0": _r("1", "Integer"), "NS": _r("1", "Integer"), "SOMATIC": _r("0", "Flag"),
    "VALIDATED": _r("0", "Flag"), "1000G": _r("0", "Flag"),
}
_INFO_43: _Reserved = {
    **_INFO_41, "AD": _r("R", "Integer"), "ADF": _r("R", "Integer"),
    "ADR": _r("R", "Integer"), "SB": _r("4", "Integer"),
}
_FORMAT_41: _Reserved = {
    "DP": _r("1", "Integer"), "EC": _r("A", "Integer"), "FT": _r("1", "String"),
    "GL": _r("G", "Float"), "GLE": _r("G", "String"), "GP": _r("G", "Float"),
    "GQ": _r("1", "Integer", "Float"), "GT": _r("1", "String"), "HQ": _r("2", "Integer"),
    "MQ": _r("1", "Integer"), "PL": _r("G", "Integer"), "PQ": _r("1", "Integer"),
    "PS": _r("1", "Integer"),
}
_FORMAT_43: _Reserved = {
    **{k: v for k, v in _FORMAT_41.items() if k != "GLE"},
    "AD": _r("R", "Integer"), "ADF": _r("R", "Integer"), "ADR": _r("R", "Integer"),
    "PP": _r("G", "Integer"),
}
# Reserved definitions are applied to *undeclared* keys in records, except these: the 4.3
# must-pass suite file uses an undeclared INFO/SB=0.150, and GLE values are not G-shaped.
_NO_DEFAULT = frozenset({"SB", "GLE"})
# Counts, depths, frequencies and coordinates cannot be negative.
_NONNEG_INFO = frozenset({"AC", "AD", "ADF", "ADR", "AF", "AN", "DP", "END", "MQ0", "NS"})

# Number kinds
_FIXED, _PER_ALT, _PER_ALLELE, _PER_GT, _ANY = range(5)
_NGT = [[math.comb(nalt + ploidy, ploidy) for nalt in range(16)] for ploidy in range(5)]


def _int_err(v: str) -> str | None:
    if not _INTS_RE.fullmatch(v):
        return f"{v!r} is not an Integer"
    if len(v) > 9:
        for e in v.split(","):
            if e != "." and not _INT32_MIN <= int(e) <= _INT32_MAX:
                return (f"{e} is outside the VCF Integer range {_INT32_MIN}..{_INT32_MAX} "
                        "(32-bit; -2147483648..-2147483641 are reserved by BCF)")
    return None


def _float_err(v: str) -> str | None:
    return None if _FLOATS_RE.fullmatch(v) else f"{v!r} is not a Float"


def _char_err(v: str) -> str | None:
    if all(len(e) == 1 for e in v.split(",")):
        return None
    return f"{v!r} is not a Character (one character per value)"


def _cigar_err(v: str) -> str | None:
    if all(e == "." or _CIGAR_RE.fullmatch(e) for e in v.split(",")):
        return None
    return f"{v!r} is not a CIGAR string (e.g. 1M2I)"


_CHECKERS: dict[str, Callable[[str], str | None] | None] = {
    "Integer": _int_err, "Float": _float_err, "Character": _char_err, "String": None,
    "Flag": None,
}


@dataclasses.dataclass(frozen=True, slots=True)
class _Field:
    id: str
    number: str
    type: str
    kind: int
    count: int  # for _FIXED
    check: Callable[[str], str | None] | None
    nonneg: bool
    ok: dict[str, int] = dataclasses.field(default_factory=dict)  # checked value -> count


def _field(fid: str, number: str, typ: str, *, info: bool) -> _Field:
    if number.isdigit():
        kind, count = _FIXED, int(number)
    else:
        kind, count = {"A": _PER_ALT, "R": _PER_ALLELE, "G": _PER_GT}.get(number, _ANY), 0
    if info and kind == _PER_GT:
        kind = _ANY  # INFO Number=G has no ploidy to count against (suite must-pass file)
    check = _CHECKERS.get(typ)
    if info and fid == "CIGAR" and typ == "String":
        check = _cigar_err
    return _Field(fid, number, typ, kind, count, check,
                  info and fid in _NONNEG_INFO and typ in ("Integer", "Float"))


def _parse_struct(body: str) -> tuple[list[tuple[str, str, bool]], str | None]:
    """``ID=x,Description="a \\"b\\""`` -> [(key, value, was_quoted)], or an error."""
    out: list[tuple[str, str, bool]] = []
    i, n = 0, len(body)
    if n == 0:
        return out, "empty <...>; a structured line needs key=value fields"
    while i < n:
        eq = body.find("=", i)
        comma = body.find(",", i)
        if eq < 0 or 0 <= comma < eq:
            stop = n if comma < 0 else comma
            return out, (f"field {body[i:stop]!r} is not key=value (unquoted ',' inside a "
                         "value? quote it or remove it)")
        key = body[i:eq]
        if not key or _SPACE_RE.search(key):
            return out, f"invalid field name {key!r}"
        i = eq + 1
        quoted = False
        if i < n and body[i] == '"':
            buf: list[str] = []
            i += 1
            while i < n and body[i] != '"':
                if body[i] == "\\" and i + 1 < n:
                    i += 1
                buf.append(body[i])
                i += 1
            if i >= n:
                return out, f"{key}: quoted value has no closing '\"'"
            value, quoted = "".join(buf), True
            i += 1
            if i < n and body[i] != ",":
                return out, (f"{key}: text after the closing quote ({body[i:i + 20]!r}); "
                             "escape inner quotes as \\\"")
        elif i < n and body[i] == "[":
            close = body.find("]", i)
            if close < 0:
                return out, f"{key}: '[' list has no closing ']'"
            value = body[i:close + 1]
            i = close + 1
            if i < n and body[i] != ",":
                return out, f"{key}: text after ']' ({body[i:i + 20]!r})"
        else:
            stop = body.find(",", i)
            stop = n if stop < 0 else stop
            value = body[i:stop]
            i = stop
        out.append((key, value, quoted))
        if i < n:  # at a comma
            i += 1
            if i == n:
                return out, "trailing ',' before '>'"
    return out, None


def _url_err(value: str) -> str | None:
    """Only values with a scheme are URLs; plain names and relative paths are accepted."""
    if "://" not in value:
        return None
    m = _URL_RE.fullmatch(value)
    if not m:
        return f"{value!r} is not a valid URL"
    host = m.group("host")
    labels = host.split(".")
    is_ipv4 = len(labels) == 4 and all(p.isdigit() and int(p) < 256 for p in labels)
    if not is_ipv4 and (labels[-1].isdigit() or not all(labels)):
        return f"{value!r} is not a valid URL (host {host!r} is not a host name or IPv4 address)"
    return None


# -- the validator -------------------------------------------------------------------------
class _Validator:
    def __init__(self, path: str, max_problems: int) -> None:
        self.path = path
        self.max_problems = max_problems
        self.problems: list[Problem] = []
        self.lineno = 0
        self.version = (4, 2)
        # header state
        self.info: dict[str, _Field] = {}
        self.format: dict[str, _Field] = {}
        self.ids: dict[str, set[str]] = {}
        self.contigs: dict[str, int | None] = {}
        self.samples: list[str] = []
        self.ncols = 8
        # record state
        self.order_ref: list[Any] = [None, -1]  # [chrom, pos] of the last reference record
        self.order_asm: list[Any] = [None, -1]  # the same for '<ctg>' assembly records
        self.cur = self.order_ref  # the state of the current record's namespace
        self.cur_max = _INT32_MAX  # largest POS allowed on the current contig
        self.seen_chroms: set[str] = set()
        self.dedup: dict[tuple[int, str, str], int] = {}
        self.dedup_limit = 4096
        self.chrom_err: dict[str, str | None] = {}
        self.ok_alt: set[str] = set()
        self.ok_filter: set[str] = set()
        self.ok_info: dict[str, tuple[str, int, int]] = {}
        self.fmt_cache: dict[str, str | tuple[list[_Field | None], bool]] = {}
        self.unknown_format: dict[str, _Field] = {}
        self.gt_cache: dict[str, tuple[int, int]] = {}
        self._set_version(2)

    # problems
    def add(self, line: int, section: str, message: str) -> None:
        if self.problems and self.problems[-1].line == line:
            return  # one problem per line
        self.problems.append(Problem(self.path, line, section, message))
        if len(self.problems) >= self.max_problems:
            raise _Stop

    # version-dependent rules
    def _set_version(self, minor: int) -> None:
        self.version = (4, max(minor, 1))
        v43 = minor >= 3
        self.v45 = minor >= 5
        self.check_order = minor < 5  # see the module docstring
        self.info_key = _KEY43_INFO if v43 else _KEY41_INFO
        self.format_key = _KEY43_FORMAT if v43 else _KEY41_FORMAT
        self.number_re = _NUMBER44 if minor >= 4 else _NUMBER41
        self.gt_re = _GT44 if minor >= 4 else _GT43
        # VCFv4.0 predates Number=A/G, so its files get no reserved-key checks
        self.res_info = _INFO_43 if v43 else _INFO_41 if minor else {}
        self.res_format = _FORMAT_43 if v43 else _FORMAT_41 if minor else {}
        self.default_info = {k: _field(k, n, min(t), info=True)
                             for k, (n, t) in self.res_info.items() if k not in _NO_DEFAULT}
        self.default_format = {k: _field(k, n, "Integer" if "Integer" in t else min(t),
                                         info=False)
                               for k, (n, t) in self.res_format.items() if k not in _NO_DEFAULT}

    def run(self, fh: Iterator[str]) -> None:
        last = ""
        header_done = False
        for raw in fh:
            self.lineno += 1
            last = raw
            line = raw[:-1] if raw.endswith("\n") else raw
            if line.endswith("\r"):
                line = line[:-1]
            if "\ufffd" in line:
                self.add(self.lineno, "meta", "not valid UTF-8 text (VCF is UTF-8)")
                continue
            header_done = self._header_line(line)
            if header_done:
                break
        if not header_done:
            if self.lineno == 0:
                self.add(1, "empty", "empty file: no ##fileformat line, header or records")
            else:
                self.add(self.lineno, "header",
                         "no #CHROM header line; the file is truncated or not a VCF")
            return
        body = self._body_line
        add = self.add
        for n, raw in enumerate(fh, self.lineno + 1):
            self.lineno = n
            last = raw
            line = raw.rstrip("\r\n")  # LF or CR+LF
            if "\ufffd" in line:
                add(n, "body", "not valid UTF-8 text (VCF is UTF-8)")
                continue
            err = body(line, n)
            if err is not None:
                add(n, err[0], err[1])
        if not last.endswith("\n") and not self.v45:
            self.add(self.lineno, "body_no_newline",
                     "no newline at the end of the file; the last line must end with a "
                     "line separator (was the file cut short?)")

    # -- header -------------------------------------------------------------------------
    def _header_line(self, line: str) -> bool:
        """Check one header line; True once the #CHROM line has been handled."""
        n = self.lineno
        if n == 1:
            if not line:
                self.add(n, "empty", "the file starts with a blank line, not ##fileformat=VCFv4.x")
                return False
            if line.startswith("\ufeff"):
                self.add(n, "fileformat", "byte-order mark at the start; VCF must not have one")
                return False
            m = re.fullmatch(r"##fileformat=VCFv4\.([0-9])", line)
            if m and int(m.group(1)) <= 5:
                self._set_version(int(m.group(1)))
                return False
            if line.startswith("##fileformat="):
                self.add(n, "fileformat",
                         f"invalid {line!r}; the first line must be ##fileformat=VCFv4.x "
                         "(VCFv4.0 to VCFv4.5, no spaces)")
                return False
            self.add(n, "fileformat", "the first line must be ##fileformat=VCFv4.x")
        if line.startswith("#CHROM"):
            self._chrom_line(line, n)
            return True
        if not line:
            self.add(n, "meta", "empty line in the header; remove it")
        elif not line.startswith("##"):
            self.add(n, "meta", f"{line[:40]!r} is neither a ##key=value meta line nor the "
                                "#CHROM header line (a broken line, or a missing '##'?)")
        else:
            err = self._meta_line(line)
            if err is not None:
                self.add(n, err[0], err[1])
        return False

    def _meta_line(self, line: str) -> tuple[str, str] | None:
        key, eq, value = line[2:].partition("=")
        if not eq or not key:
            return "meta", f"{line[:60]!r} is not a ##key=value meta line"
        if key == "fileformat":
            return "fileformat", "##fileformat may appear only once, as the first line"
        section = _META_SECTIONS.get(key, "meta")
        if not value:
            return section, f"##{key}= has an empty value"
        if not value.startswith("<"):
            if key in ("assembly", "pedigreeDB"):
                err = _url_err(value)
                return (section, f"##{key}: {err}") if err else None
            if key in _STRUCTURED:
                return section, f"##{key} must be a structured <ID=...> line"
            return None
        if not value.endswith(">"):
            return "meta", f"##{key}=<... is not closed by '>' at the end of the line"
        if key in ("assembly", "pedigreeDB"):
            return section, f"##{key} must be a URL, not a <...> list"
        if key not in _STRUCTURED and self.version < (4, 3):
            return None  # free-form <...> values are accepted before 4.3 (suite must-pass)
        fields, err = _parse_struct(value[1:-1])
        if err is not None:
            return "meta", f"##{key}: {err}"
        return _STRUCT_CHECKS.get(key, _check_other)(self, key, section, fields)

    def _chrom_line(self, line: str, n: int) -> None:
        cols = line.split("\t")
        if cols[:8] != _FIXED_COLUMNS:
            self.add(n, "header", "the header line must be the tab-separated columns "
                                  f"{' '.join(_FIXED_COLUMNS)} [FORMAT sample...]; got "
                                  f"{' '.join(cols[:8])!r}")
        elif len(cols) > 8 and cols[8] != "FORMAT":
            self.add(n, "header", f"the 9th header column must be FORMAT, not {cols[8]!r}")
        elif len(cols) == 9:
            self.add(n, "header", "FORMAT column without sample columns; drop FORMAT for a "
                                  "sites-only file")
        else:
            samples = cols[9:]
            dup = sorted({s for s in samples if samples.count(s) > 1}) if len(
                set(samples)) != len(samples) else []
            if dup:
                self.add(n, "header", f"duplicate sample names {dup[:5]}; sample names must "
                                      "be unique")
            elif "" in samples:
                self.add(n, "header", "empty sample name (stray tab at the end of the line?)")
        self.samples = cols[9:]
        self.ncols = len(cols) if len(cols) > 9 else 8

    # -- records ------------------------------------------------------------------------
    def _body_line(self, line: str, n: int) -> tuple[str, str] | None:
        cols = line.split("\t")
        if len(cols) != self.ncols:
            return "body", self._columns_error(line, cols)
        chrom, pos_s, vid, ref, alt, qual, filt, info = cols[:8]
        # CHROM, POS, order and contiguity (fast path: same contig as the previous record)
        if not (pos_s.isdigit() and pos_s.isascii()):
            if chrom != self.cur[0] and (err := self._chrom_error(chrom)) is not None:
                return "body_chrom", err
            return "body_pos", f"POS {pos_s!r} is not a non-negative integer"
        pos = int(pos_s)
        st = self.cur
        order: tuple[str, str] | None = None
        if chrom == st[0]:
            if pos < st[1] and self.check_order:
                order = ("body_unsorted", f"POS {pos} after {st[1]} on {chrom}: records "
                                          "must be sorted by position (bcftools sort)")
            st[1] = pos
        else:
            err3 = self._new_chrom(chrom, pos)
            if err3 is not None:
                if err3[0] == "body_chrom":
                    return err3
                order = err3
            st = self.cur
        if pos > self.cur_max:
            return "body_pos", f"POS {pos} is beyond the end of {chrom} ({self.cur_max})"
        if order is not None:
            return order
        # ID
        if vid != "." and (";" in vid or " " in vid or not vid.isprintable() or not vid):
            err = _id_error(vid)
            if err is not None:
                return "body_id", err
        # REF
        if not ref or ref.strip(_BASES):
            if ref == ".":
                return "body_ref", "REF is missing ('.'); REF must give the reference base(s)"
            return "body_ref", f"REF {ref!r} must be bases A,C,G,T,N (one allele, no commas)"
        # ALT
        if alt not in self.ok_alt:
            err = _alt_error(alt)
            if err is not None:
                return "body_alt", err
            if len(self.ok_alt) >= _CACHE_MAX:
                self.ok_alt.clear()
            self.ok_alt.add(alt)
        nalt = 0 if alt == "." else alt.count(",") + 1
        # Duplicates after trimming shared bases (as vcf-validator does); recorded before the
        # other checks so that a record with other problems still counts for later lines.
        dup: tuple[str, str] | None = None
        if len(alt) == 1 and len(ref) == 1 and st is self.order_ref:
            if alt != "." and alt != "*" and alt.upper() != ref.upper():
                dd = self.dedup
                key = (pos, ref.upper(), alt.upper())
                prev = dd.get(key)
                if prev is not None:
                    dup = self._dup_message(prev, key)
                dd[key] = n
                if len(dd) > self.dedup_limit:
                    self._prune_dedup(pos)
        elif st is self.order_ref:
            dup = self._dedup(pos, ref, alt, n)
        # QUAL
        if qual != "." and not _QUAL_RE.fullmatch(qual):
            return "body_qual", f"QUAL {qual!r} must be a non-negative Float or '.'"
        # FILTER
        if filt not in self.ok_filter:
            err = _filter_error(filt)
            if err is not None:
                return "body_filter", err
            if len(self.ok_filter) < _CACHE_MAX:
                self.ok_filter.add(filt)
        # INFO
        if info != "." and (err := self._info_error(info, nalt)) is not None:
            return "body_info", err
        # FORMAT and samples
        if self.ncols > 8:
            err2 = self._samples_error(cols, nalt)
            if err2 is not None:
                return err2
        return dup

    def _columns_error(self, line: str, cols: list[str]) -> str:
        if not line:
            return "empty line; remove blank lines"
        if line.startswith("#"):
            return "header line after the #CHROM line"
        if self.ncols == 8 and len(cols) > 8:
            return f"{len(cols)} columns but the #CHROM line declares no samples (8 columns)"
        return (f"{len(cols)} tab-separated columns; the header declares {self.ncols} "
                f"({len(self.samples)} samples)")

    def _new_chrom(self, chrom: str, pos: int) -> tuple[str, str] | None:
        """First record of a run on *chrom*: validate the name, switch order state."""
        err = self.chrom_err.get(chrom, "")
        if err == "":
            err = self._chrom_error(chrom)
            if len(self.chrom_err) < _CACHE_MAX:
                self.chrom_err[chrom] = err
        if err is not None:
            return "body_chrom", err
        # '<ctg>' records name contigs of the ##assembly file, a separate namespace, so they
        # are ordered apart from reference contigs
        st = self.order_asm if chrom[:1] == "<" else self.order_ref
        self.cur = st
        length = self.contigs.get(chrom)
        self.cur_max = _INT32_MAX if length is None else min(length + 1, _INT32_MAX)
        out: tuple[str, str] | None = None
        if chrom == st[0]:
            if pos < st[1] and self.check_order:
                out = ("body_unsorted", f"POS {pos} after {st[1]} on {chrom}: records must be "
                                        "sorted by position (bcftools sort)")
        else:
            if chrom in self.seen_chroms and self.check_order:
                out = ("body_contiguous", f"records for {chrom} resume after another contig; "
                                          "each CHROM must form one block (bcftools sort)")
            self.seen_chroms.add(chrom)
            if st is self.order_ref:
                self.dedup.clear()
            st[0] = chrom
        st[1] = pos
        return out

    def _chrom_error(self, chrom: str) -> str | None:
        if not _CHROM_RE.fullmatch(chrom):
            return (f"CHROM {chrom!r} is not a valid contig name (no whitespace, commas, "
                    "quotes, brackets, or leading '*'/'='; '<name>' for assembly contigs)")
        if self.contigs and not chrom.startswith("<") and chrom not in self.contigs:
            return (f"CHROM {chrom!r} is not declared in a ##contig line (the header declares "
                    f"{len(self.contigs)} contigs); add ##contig=<ID={chrom}>")
        return None

    def _info_error(self, info: str, nalt: int) -> str | None:
        if not info:
            return "empty INFO column; use '.' when there is no INFO"
        cache = self.ok_info
        items = info.split(";")
        seen: set[str] | None = set() if len(items) > 1 else None
        for item in items:
            hit = cache.get(item)
            if hit is None:
                got_item = self._info_item(item)
                if isinstance(got_item, str):
                    return got_item
                hit = got_item
                if len(cache) >= _CACHE_MAX:
                    cache.clear()
                cache[item] = hit
            key, kind, got = hit
            if kind != _ANY and nalt:
                want = nalt if kind == _PER_ALT else nalt + 1
                if got != want:
                    return (f"INFO/{key} has {got} value(s); Number="
                            f"{'A' if kind == _PER_ALT else 'R'} needs {want} for {nalt} ALT "
                            "allele(s)")
            if seen is not None:
                if key in seen:
                    return f"INFO/{key} appears twice"
                seen.add(key)
        return None

    def _info_item(self, item: str) -> str | tuple[str, int, int]:
        """Validate ``key[=value]`` except A/R counts: (key, kind to count, n values)."""
        key, eq, val = item.partition("=")
        fd = self.info.get(key) or self.default_info.get(key)
        if fd is None:
            if not key:
                return "empty INFO entry (stray ';')"
            if not self.info_key.fullmatch(key):
                return f"invalid INFO key {key!r}"
            if eq and not val:
                return f"INFO/{key}= has an empty value; use '.' or drop the key"
            return key, _ANY, 0
        if fd.type == "Flag":
            if eq and val not in ("0", "1"):
                return f"INFO/{key} is a Flag and takes no value (got {val!r})"
            return key, _ANY, 0
        if not eq:
            if fd.kind == _FIXED and fd.count == 0:
                return key, _ANY, 0
            return f"INFO/{key} has no value but is Type={fd.type}, Number={fd.number}"
        if not val:
            return f"INFO/{key}= has an empty value; use '.' for missing"
        if val == ".":
            return key, _ANY, 0
        got = val.count(",") + 1
        if got > 1 and fd.type == "String" and val[0] == '"' and val[-1] == '"':
            got = 1  # a double-quoted string is one value (suite must-pass file)
        if fd.kind == _FIXED and got != fd.count:
            return f"INFO/{key} has {got} value(s); Number={fd.number} needs {fd.count}"
        if fd.check is not None and (err := fd.check(val)) is not None:
            return f"INFO/{key}: {err} (Type={fd.type})"
        if fd.nonneg and "-" in val and any(e.startswith("-") for e in val.split(",")):
            return f"INFO/{key} must not be negative (got {val})"
        # with no ALT ('.') A/R sizes are not checked: a suite must-pass file sizes them as
        # for one ALT (see _info_error)
        return key, fd.kind if fd.kind in (_PER_ALT, _PER_ALLELE) else _ANY, got

    def _format_spec(self, fmt: str) -> str | tuple[list[_Field | None], bool]:
        """FORMAT keys -> per-key definitions (None for GT), whether GT is present."""
        if fmt == "." or not fmt:
            return ("FORMAT must list the keys of the sample columns (e.g. GT:DP), or be '.' "
                    "with every sample '.'")
        keys = fmt.split(":")
        defs: list[_Field | None] = []
        for i, key in enumerate(keys):
            if not key:
                return f"empty key in FORMAT {fmt!r}"
            if not self.format_key.fullmatch(key):
                return f"invalid FORMAT key {key!r}"
            if key == "GT" and i:
                return f"GT must be the first FORMAT key ({fmt!r})"
            fd = self.format.get(key) or self.default_format.get(key)
            if fd is None:  # undeclared: only an empty value is an error
                fd = self.unknown_format.setdefault(key, _field(key, ".", "String", info=False))
            defs.append(None if key == "GT" else fd)
        if len(set(keys)) != len(keys):
            return f"duplicate key in FORMAT {fmt!r}"
        return defs, keys[0] == "GT"

    def _samples_error(self, cols: list[str], nalt: int) -> tuple[str, str] | None:
        fmt = cols[8]
        if fmt == "." and cols.count(".") >= len(cols) - 8:
            return None  # no per-sample data: htslib writes '.' for FORMAT and each sample
        spec = self.fmt_cache.get(fmt)
        if spec is None:
            spec = self._format_spec(fmt)
            if len(self.fmt_cache) < 1000:
                self.fmt_cache[fmt] = spec
        if isinstance(spec, str):
            return "body_format", spec
        defs, has_gt = spec
        nkeys = len(defs)
        for si in range(9, len(cols)):
            err = self._sample_error(cols[si], defs, nkeys, has_gt, nalt)
            if err is not None:
                return "body_sample", f"sample {self.samples[si - 9]}: {err}"
        return None

    def _sample_error(self, s: str, defs: list[_Field | None], nkeys: int, has_gt: bool,
                      nalt: int) -> str | None:
        vals = s.split(":")
        if len(vals) > nkeys:
            return f"{len(vals)} values for {nkeys} FORMAT keys ({s!r})"
        ploidy = 2  # "without GT field, diploidy is assumed"
        gt_missing = False
        if has_gt:
            gt = vals[0]
            cached = self.gt_cache.get(gt)
            if cached is None:
                parsed = self._parse_gt(gt)
                if isinstance(parsed, str):
                    return parsed
                cached = parsed
            ploidy, top = cached
            # allele 1 with ALT '.' is accepted: a suite must-pass file has C . with GT 0|1
            if top > (nalt or 1):
                return f"GT {gt!r} uses allele {top} but the record has {nalt} ALT allele(s)"
            gt_missing = gt == "."
        for val, fd in zip(vals, defs, strict=False):
            if fd is None or val == ".":  # GT (checked above) or missing
                continue
            ok = fd.ok
            got = ok.get(val)
            if got is None:
                checked = self._format_value(fd, val)
                if isinstance(checked, str):
                    return checked
                got = checked
                if len(ok) < 4096:
                    ok[val] = got
            kind = fd.kind
            if kind <= _FIXED or kind == _ANY or not nalt or got < 0:
                # fixed counts are checked with the value; nalt 0: see _info_error; got -1:
                # a zero-length value (4.5)
                continue
            if kind == _PER_GT:
                # GT '.' leaves the ploidy open (haploid or diploid)
                if got == self._ngt(nalt, ploidy) or (gt_missing and got == self._ngt(nalt, 2)):
                    continue
                return (f"FORMAT/{fd.id} has {got} value(s); Number=G needs "
                        f"{self._ngt(nalt, ploidy)} for ploidy {ploidy} and {nalt} ALT "
                        "allele(s)")
            want = nalt if kind == _PER_ALT else nalt + 1
            if got != want:
                return (f"FORMAT/{fd.id} has {got} value(s); Number={fd.number} needs {want} "
                        f"for {nalt} ALT allele(s)")
        return None

    def _format_value(self, fd: _Field, val: str) -> str | int:
        """Type and fixed-count check of one sample value; its number of values."""
        if not val:
            if self.v45:
                return -1  # zero-length vector (hts-specs 4.5 must-pass file)
            return f"FORMAT/{fd.id} is empty; use '.' for missing"
        got = val.count(",") + 1
        if fd.kind == _FIXED and got != fd.count:
            return f"FORMAT/{fd.id} has {got} value(s); Number={fd.number} needs {fd.count}"
        if fd.check is not None and (err := fd.check(val)) is not None:
            return f"FORMAT/{fd.id}: {err} (Type={fd.type})"
        return got

    def _parse_gt(self, gt: str) -> tuple[int, int] | str:
        parsed: tuple[int, int] | str
        if self.gt_re.fullmatch(gt):
            alleles = re.split(r"[/|]", gt.lstrip("/|"))
            top = max((int(a) for a in alleles if a != "."), default=-1)
            parsed = (len(alleles), top)
        elif not gt and self.v45:
            parsed = (0, -1)  # zero-length sample (hts-specs 4.5 must-pass file)
        else:
            return f"GT {gt!r} is not a genotype (allele indices or '.' joined by / or |)"
        if len(self.gt_cache) < _CACHE_MAX:
            self.gt_cache[gt] = parsed
        return parsed

    @staticmethod
    def _ngt(nalt: int, ploidy: int) -> int:
        """Number of genotypes (Number=G values) for *nalt* ALT alleles and *ploidy*."""
        if ploidy < 5 and nalt < 16:
            return _NGT[ploidy][nalt]
        return math.comb(nalt + ploidy, ploidy)

    def _dup_message(self, prev: int, key: tuple[int, str, str]) -> tuple[str, str]:
        return "body_duplicated", (f"duplicate of the variant on line {prev} ({key[1] or '-'}>"
                                   f"{key[2] or '-'} at {key[0]} after trimming shared bases); "
                                   "merge or drop it")

    def _prune_dedup(self, pos: int) -> None:
        # normalised positions are >= POS and records are sorted, so keys before POS are done
        kept = {k: v for k, v in self.dedup.items() if k[0] >= pos}
        self.dedup = kept
        self.dedup_limit = 2 * len(kept) + 4096

    def _dedup(self, pos: int, ref: str, alt: str, n: int) -> tuple[str, str] | None:
        seen = self.dedup
        ref_u = ref.upper()
        out: tuple[str, str] | None = None
        for a in alt.split(","):
            if not a or a.strip(_BASES):
                continue  # symbolic, breakend, '*', '.': not compared
            r, x = ref_u, a.upper()
            while r and x and r[-1] == x[-1]:
                r, x = r[:-1], x[:-1]
            i = 0
            while i < len(r) and i < len(x) and r[i] == x[i]:
                i += 1
            if not r[i:] and not x[i:]:
                continue
            key = (pos + i, r[i:], x[i:])
            prev = seen.get(key)
            if prev is not None and out is None:
                out = (("body_alt", f"ALT allele {a!r} is listed twice") if prev == n
                       else self._dup_message(prev, key))
            seen[key] = n
        if len(seen) > self.dedup_limit:
            self._prune_dedup(pos)
        return out


def _id_error(vid: str) -> str | None:
    if _SPACE_RE.search(vid):
        return f"ID {vid!r} contains whitespace"
    parts = vid.split(";")
    if "" in parts:
        return f"ID {vid!r} has an empty entry (stray ';')"
    if "." in parts:
        return f"ID {vid!r}: '.' (missing) cannot be combined with identifiers"
    if len(set(parts)) != len(parts):
        return f"ID {vid!r} lists the same identifier twice"
    return None


def _alt_error(alt: str) -> str | None:
    if alt == ".":
        return None
    for a in alt.split(","):
        if not a:
            return f"ALT {alt!r} has an empty allele (stray ',')"
        if a == "*" or not a.strip(_BASES):
            continue
        if a.startswith("<"):
            inner = a[1:-1]
            if not a.endswith(">") or not inner or _SPACE_RE.search(inner) or any(
                    c in inner for c in "<>,"):
                return (f"symbolic ALT allele {a!r} must be '<ID>' with no whitespace, "
                        "commas or angle brackets inside")
            continue
        if a == ".":
            return f"ALT {alt!r}: '.' (no ALT) cannot be combined with other alleles"
        if "[" in a or "]" in a:
            if not _BREAKEND_RE.fullmatch(a):
                return (f"ALT {a!r} is not a breakend (t[p[, t]p], ]p]t or [p[t with reference "
                        "base(s) t and chrom:pos p)")
            continue
        if _SINGLE_BREAKEND_RE.fullmatch(a):
            continue
        return f"ALT allele {a!r} is not bases (A,C,G,T,N), '*', '<ID>' or a breakend"
    return None


def _filter_error(filt: str) -> str | None:
    if filt in ("PASS", "."):
        return None
    if not filt:
        return "empty FILTER column; use PASS, '.' or filter codes"
    if _SPACE_RE.search(filt):
        return f"FILTER {filt!r} contains whitespace"
    parts = filt.split(";")
    if "" in parts:
        return f"FILTER {filt!r} has an empty code (stray ';')"
    if "." in parts:
        return f"FILTER {filt!r}: '.' (not filtered) cannot be combined with filter codes"
    if "0" in parts:
        return f"FILTER {filt!r}: '0' is reserved and must not be used as a filter code"
    if len(set(parts)) != len(parts):
        return f"FILTER {filt!r} lists the same code twice"
    return None


# -- structured meta lines -----------------------------------------------------------------
_FIXED_COLUMNS = ["#CHROM", "POS", "ID", "REF", "ALT", "QUAL", "FILTER", "INFO"]
_STRUCTURED = frozenset({"INFO", "FORMAT", "FILTER", "ALT", "contig", "SAMPLE", "PEDIGREE",
                         "META"})
_META_SECTIONS = {
    "INFO": "meta_info", "FORMAT": "meta_format", "FILTER": "meta_filter", "ALT": "meta_alt",
    "contig": "meta_contig", "SAMPLE": "meta_sample", "PEDIGREE": "meta_pedigree",
    "META": "meta_meta", "assembly": "meta_assembly", "pedigreeDB": "meta_pedigreedb",
}
_Fields = list[tuple[str, str, bool]]
_Result = tuple[str, str] | None


def _get(fields: _Fields, key: str) -> tuple[str, bool] | None:
    for k, v, q in fields:
        if k == key:
            return v, q
    return None


def _common(v: _Validator, key: str, section: str, fields: _Fields, *,
            need_id: bool = True) -> tuple[str | None, _Result]:
    """ID present first (ordering rule before 4.4), no repeated field, unique ID."""
    names = [k for k, _, _ in fields]
    if len(set(names)) != len(names):
        return None, (section, f"##{key}: a field is given twice ({names})")
    got = _get(fields, "ID")
    if got is None:
        if need_id:
            return None, (section, f"##{key} line has no ID")
        return None, None
    fid = got[0]
    if v.version < (4, 4) and key in ("INFO", "FORMAT", "ALT", "META"):
        # the spec's field order; from 4.4 on it is only a recommendation
        if names[0] != "ID":
            return fid, (section, f"##{key}: ID must be the first field (ID, Number, Type, "
                                  "Description order)")
        if "Number" in names and "Type" in names and names.index("Number") > names.index(
                "Type") and key != "META":
            return fid, (section, f"##{key} {fid}: Number must come before Type")
    seen = v.ids.setdefault(key, set())
    if fid in seen and v.version >= (4, 3):  # "unique within their type" is a 4.3 rule
        return fid, (section, f"duplicate ##{key} ID {fid!r}")
    seen.add(fid)
    return fid, None


def _check_info_format(v: _Validator, key: str, section: str, fields: _Fields) -> _Result:
    fid, err = _common(v, key, section, fields)
    if err is not None or fid is None:
        return err
    info = key == "INFO"
    if not (v.info_key if info else v.format_key).fullmatch(fid):
        return section, f"##{key} ID {fid!r} is not a valid key"
    number_q, type_q, desc = (_get(fields, k) for k in ("Number", "Type", "Description"))
    if number_q is None or type_q is None or desc is None:
        missing = [k for k, got in (("Number", number_q), ("Type", type_q),
                                    ("Description", desc)) if got is None]
        return section, f"##{key} {fid}: missing {'=, '.join(missing)}="
    number, typ = number_q[0], type_q[0]
    if not v.number_re.fullmatch(number):
        return section, (f"##{key} {fid}: invalid Number={number} (an integer, A, R, G or '.'"
                         + ("; LA, LR, LG, P, M" if v.version >= (4, 4) else "") + ")")
    if typ not in (_TYPES_INFO if info else _TYPES_FORMAT):
        return section, (f"##{key} {fid}: invalid Type={typ} (Integer, Float, "
                         + ("Flag, " if info else "") + "Character or String)")
    if not desc[1]:
        return section, f"##{key} {fid}: Description must be a double-quoted string"
    reserved = (v.res_info if info else v.res_format).get(fid)
    if reserved is not None:
        want_n, want_t = reserved
        ver = f"{v.version[0]}.{v.version[1]}"
        if number != want_n:
            return section, (f"##{key} {fid} is reserved by VCF {ver} with Number={want_n}, "
                             f"not Number={number}; correct the header line")
        if typ not in want_t:
            return section, (f"##{key} {fid} is reserved by VCF {ver} with Type="
                             f"{'/'.join(sorted(want_t))}, not Type={typ}; correct the header line")
    (v.info if info else v.format)[fid] = _field(fid, number, typ, info=info)
    return None


def _check_filter(v: _Validator, key: str, section: str, fields: _Fields) -> _Result:
    fid, err = _common(v, key, section, fields)
    if err is not None or fid is None:
        return err
    if not fid or _SPACE_RE.search(fid) or ";" in fid or fid == "0":
        return section, f"##FILTER ID {fid!r}: no whitespace or ';', and '0' is reserved"
    desc = _get(fields, "Description")
    if desc is None or not desc[1]:
        return section, f"##FILTER {fid}: needs a double-quoted Description"
    return None


def _check_alt(v: _Validator, key: str, section: str, fields: _Fields) -> _Result:
    fid, err = _common(v, key, section, fields)
    if err is not None or fid is None:
        return err
    if not fid or _SPACE_RE.search(fid) or any(c in fid for c in "<>,"):
        return section, f"##ALT ID {fid!r} must not contain whitespace, ',' or angle brackets"
    if ":" in fid and fid.split(":", 1)[0] not in _SV_TYPES:
        return section, (f"##ALT ID {fid!r}: a colon-separated type must start with DEL, INS, "
                         "DUP, INV, CNV or BND")
    number = _get(fields, "Number")
    if number is not None and not v.number_re.fullmatch(number[0]):
        return section, f"##ALT {fid}: invalid Number={number[0]}"
    typ = _get(fields, "Type")
    if typ is not None and typ[0] not in _TYPES_INFO:
        return section, f"##ALT {fid}: invalid Type={typ[0]}"
    desc = _get(fields, "Description")
    if desc is None or not desc[1]:
        return section, f"##ALT {fid}: needs a double-quoted Description"
    return None


def _check_contig(v: _Validator, key: str, section: str, fields: _Fields) -> _Result:
    fid, err = _common(v, key, section, fields)
    if err is not None or fid is None:
        return err
    if not _CONTIG_RE.fullmatch(fid):
        return section, (f"##contig ID {fid!r} is not a valid contig name (no whitespace, "
                         "commas, quotes, brackets, or leading '*'/'=')")
    length = _get(fields, "length")
    if length is not None and not length[0].isdigit():
        return section, f"##contig {fid}: length={length[0]!r} is not a non-negative integer"
    v.contigs[fid] = int(length[0]) if length is not None else None
    return None


def _check_sample(v: _Validator, key: str, section: str, fields: _Fields) -> _Result:
    fid, err = _common(v, key, section, fields)
    if err is not None or fid is None:
        return err
    if not fid or _SPACE_RE.search(fid):
        return section, f"##SAMPLE ID {fid!r} must be non-empty without whitespace"
    if v.version < (4, 3):
        for name in ("Genomes", "Mixture"):
            got = _get(fields, name)
            if got is not None and got[1]:
                return section, f"##SAMPLE {fid}: {name} must not be quoted in VCF 4.1/4.2"
    return None


def _check_pedigree(v: _Validator, key: str, section: str, fields: _Fields) -> _Result:
    _, err = _common(v, key, section, fields, need_id=v.version >= (4, 3))
    if err is not None:
        return err
    for k, val, quoted in fields:
        if not quoted and (not val or _SPACE_RE.search(val) or ":" in val):
            return section, (f"##PEDIGREE {k}={val!r}: sample names must be non-empty, "
                             "without whitespace or ':'")
    return None


def _check_meta(v: _Validator, key: str, section: str, fields: _Fields) -> _Result:
    if v.version < (4, 3):
        return None  # ##META is defined from VCF 4.3 on
    fid, err = _common(v, key, section, fields)
    if err is not None or fid is None:
        return err
    number = _get(fields, "Number")
    if number is not None and not v.number_re.fullmatch(number[0]):
        return section, f"##META {fid}: invalid Number={number[0]}"
    typ = _get(fields, "Type")
    if typ is not None and typ[0] not in _TYPES_INFO:
        return section, f"##META {fid}: invalid Type={typ[0]}"
    values = _get(fields, "Values")
    if values is not None and not (values[0].startswith("[") and values[0].endswith("]")):
        return section, f"##META {fid}: Values must be a [a, b, ...] list"
    return None


def _check_other(v: _Validator, key: str, section: str, fields: _Fields) -> _Result:
    # VCF 4.3+: "all structured lines ... require an ID"; IDs of unknown keys are not
    # checked for uniqueness (GATK repeats ##GATKCommandLine=<ID=SelectVariants,...>).
    if _get(fields, "ID") is None:
        return section, f"##{key}=<...> structured line has no ID field"
    return None


_STRUCT_CHECKS: dict[str, Callable[[_Validator, str, str, _Fields], _Result]] = {
    "INFO": _check_info_format, "FORMAT": _check_info_format, "FILTER": _check_filter,
    "ALT": _check_alt, "contig": _check_contig, "SAMPLE": _check_sample,
    "PEDIGREE": _check_pedigree, "META": _check_meta,
}
