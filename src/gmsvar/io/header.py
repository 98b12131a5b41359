"""VCF header parsing, validation and genome-build detection.

Both backends hand the raw header text to :func:`parse_header`, so tables read
with either backend carry identical metadata.

Examples
--------
>>> text = '''##fileformat=VCFv4.2
... ##contig=<ID=chr1,length=248956422>
... ##INFO=<ID=DP,Number=1,Type=Integer,Description="Total depth">
... #CHROM\\tPOS\\tID\\tREF\\tALT\\tQUAL\\tFILTER\\tINFO\\tFORMAT\\tS1'''
>>> h = parse_header(text, path="x.vcf")
>>> h.samples, h.genome_build, h.info["DP"].type
(('S1',), 'GRCh38', 'Integer')
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import cache

from .._data import data_path
from ..errors import BuildMismatchError, InputError, VcfFormatError
from ..regions import strip_chr
from ..table import FieldDef

__all__ = ["BUILDS", "HeaderInfo", "detect_build", "normalise_build", "parse_header"]

BUILDS = ("GRCh37", "GRCh38")
_BUILD_ALIASES = {
    "grch37": "GRCh37", "hg19": "GRCh37", "b37": "GRCh37", "hs37d5": "GRCh37", "37": "GRCh37",
    "grch38": "GRCh38", "hg38": "GRCh38", "b38": "GRCh38", "38": "GRCh38",
}
_VALID_TYPES = {"Integer", "Float", "Flag", "Character", "String"}
_NUMBER = re.compile(r"^(?:\d+|[ARGPM.]|L[ARG])$")  # LA/LR/LG/P/M: VCF 4.4+ local alleles etc.
_FIXED_COLUMNS = ["#CHROM", "POS", "ID", "REF", "ALT", "QUAL", "FILTER", "INFO"]


@dataclass(frozen=True)
class HeaderInfo:
    """What the header says; turned into :class:`gmsvar.table.VcfMetadata` by the reader."""

    file_format: str
    samples: tuple[str, ...]
    contigs: tuple[str, ...]
    contig_lengths: dict[str, int]
    info: dict[str, FieldDef]
    format: dict[str, FieldDef]
    filters: tuple[str, ...]
    genome_build: str
    build_evidence: str
    n_lines: int


def normalise_build(build: str) -> str:
    """``"hg38"`` -> ``"GRCh38"``; unknown names raise :class:`InputError`."""
    key = build.strip().lower()
    if key in _BUILD_ALIASES:
        return _BUILD_ALIASES[key]
    raise InputError(f"unknown genome build {build!r}; use 'GRCh37' or 'GRCh38'")


@cache
def _assembly_lengths() -> dict[str, dict[str, int]]:
    with open(data_path("assemblies.tsv"), encoding="utf-8") as fh:
        text = fh.read()
    rows = csv.DictReader((ln for ln in text.splitlines() if not ln.startswith("#")), delimiter="\t")
    out: dict[str, dict[str, int]] = {b: {} for b in BUILDS}
    for row in rows:
        for b in BUILDS:
            out[b][row["contig"]] = int(row[b])
    return out


def detect_build(contig_lengths: dict[str, int], header_text: str = "") -> tuple[str, str]:
    """Genome build from primary contig lengths, else from assembly names in the header.

    Returns ``(build, evidence)``; build is ``"unknown"`` when nothing decides it.

    >>> detect_build({"1": 249250621, "2": 243199373})
    ('GRCh37', 'contig lengths (2 primary contigs match GRCh37)')
    >>> detect_build({})
    ('unknown', 'no contig lengths or assembly name in header')
    """
    ref = _assembly_lengths()
    votes = {b: 0 for b in BUILDS}
    for name, length in contig_lengths.items():
        key = strip_chr(name)
        for b in BUILDS:
            if ref[b].get(key) == length:
                votes[b] += 1
    hits = [b for b in BUILDS if votes[b]]
    if len(hits) == 1:
        return hits[0], f"contig lengths ({votes[hits[0]]} primary contigs match {hits[0]})"
    if len(hits) > 1:
        return "unknown", f"contig lengths conflict ({votes})"
    names = re.findall(r"^##(?:reference=|contig=<[^>]*assembly=)([^,>\s]+)", header_text, re.M)
    found = set()
    for n in names:
        low = n.lower()
        if "38" in low and ("grch" in low or "hg" in low or "assembly38" in low):
            found.add("GRCh38")
        elif any(tag in low for tag in ("grch37", "hg19", "b37", "hs37d5", "g1k_v37")):
            found.add("GRCh37")
    if len(found) == 1:
        b = found.pop()
        return b, f"assembly name in header ({names[0]})"
    return "unknown", "no contig lengths or assembly name in header"


def _parse_meta_fields(body: str, *, path: str | None, line: int) -> dict[str, str]:
    """Parse ``ID=x,Number=1,Description="..."`` with quoted values and escapes."""
    out: dict[str, str] = {}
    i, n = 0, len(body)
    while i < n:
        eq = body.find("=", i)
        if eq < 0:
            raise VcfFormatError(f"malformed header field list <{body}>", path=path, line=line)
        key = body[i:eq].strip()
        i = eq + 1
        if i < n and body[i] == "[":  # VCF 4.3 list value, e.g. Values=[WholeGenome, Exome]
            close = body.find("]", i)
            if close < 0:
                raise VcfFormatError(f"unterminated [...] value in <{body}>", path=path, line=line)
            value = body[i + 1 : close]
            i = close + 1
        elif i < n and body[i] == '"':
            i += 1
            buf = []
            while i < n and body[i] != '"':
                if body[i] == "\\" and i + 1 < n:
                    i += 1
                buf.append(body[i])
                i += 1
            if i >= n:
                raise VcfFormatError(f"unterminated quoted value in <{body}>", path=path, line=line)
            value = "".join(buf)
            i += 1
        else:
            comma = body.find(",", i)
            comma = n if comma < 0 else comma
            value = body[i:comma]
            i = comma
        if key in out:
            raise VcfFormatError(f"duplicate key {key!r} in <{body}>", path=path, line=line)
        out[key] = value
        if i < n:
            if body[i] != ",":
                raise VcfFormatError(f"expected ',' after {key}=... in <{body}>", path=path, line=line)
            i += 1
    return out


def parse_header(text: str, *, path: str | None = None) -> HeaderInfo:
    """Parse and validate VCF header text (``##`` meta lines plus the ``#CHROM`` line).

    Raises
    ------
    VcfFormatError
        Missing ``##fileformat`` or ``#CHROM`` line, malformed structured meta
        lines, invalid ``Number``/``Type``, duplicated IDs or sample names.
    """
    lines = [ln for ln in text.rstrip("\n").split("\n") if ln]
    if not lines or not lines[0].startswith("##fileformat="):
        raise VcfFormatError(
            "not a VCF: the first line must be ##fileformat=VCFv4.x", path=path, line=1
        )
    file_format = lines[0].split("=", 1)[1].strip()
    if not re.fullmatch(r"VCFv4\.[0-9]", file_format):
        raise VcfFormatError(f"unsupported file format {file_format!r}", path=path, line=1)
    info: dict[str, FieldDef] = {}
    fmt: dict[str, FieldDef] = {}
    filters: list[str] = []
    contigs: list[str] = []
    lengths: dict[str, int] = {}
    chrom_line: str | None = None
    for lineno, ln in enumerate(lines, start=1):
        if ln.startswith("#CHROM"):
            chrom_line = ln
            if lineno != len(lines):
                raise VcfFormatError("#CHROM line must be the last header line", path=path, line=lineno)
            break
        if not ln.startswith("##"):
            raise VcfFormatError(f"header line does not start with '##': {ln[:60]!r}", path=path,
                                 line=lineno)
        m = re.match(r"^##([^=]+)=<(.*)>\s*$", ln)
        key = ln[2:].split("=", 1)[0]
        if key in ("INFO", "FORMAT", "FILTER", "contig", "ALT") and not m:
            raise VcfFormatError(f"malformed ##{key} line: {ln[:80]!r}", path=path, line=lineno)
        if not m:
            if "=" not in ln:
                raise VcfFormatError(f"meta line without '=': {ln[:60]!r}", path=path, line=lineno)
            continue
        key, body = m.group(1), m.group(2)
        if key not in ("INFO", "FORMAT", "FILTER", "contig"):
            continue  # other structured lines (META, SAMPLE, ALT...) do not change how we read
        fields = _parse_meta_fields(body, path=path, line=lineno)
        if key in ("INFO", "FORMAT"):
            _validate_def(key, fields, path=path, line=lineno)
            target = info if key == "INFO" else fmt
            fid = fields["ID"]
            target[fid] = FieldDef(fid, fields["Number"], fields["Type"], fields.get("Description", ""))
        elif key == "FILTER":
            if "ID" not in fields:
                raise VcfFormatError("##FILTER line without ID", path=path, line=lineno)
            if fields["ID"] not in filters:
                filters.append(fields["ID"])
        elif key == "contig":
            cid = fields.get("ID")
            if not cid:
                raise VcfFormatError("##contig line without ID", path=path, line=lineno)
            if cid in lengths or cid in contigs:
                raise VcfFormatError(f"duplicate ##contig ID {cid!r}", path=path, line=lineno)
            contigs.append(cid)
            if "length" in fields:
                try:
                    lengths[cid] = int(fields["length"])
                except ValueError:
                    raise VcfFormatError(
                        f"##contig {cid} length {fields['length']!r} is not an integer",
                        path=path, line=lineno) from None
    if chrom_line is None:
        raise VcfFormatError(
            "header has no #CHROM line (is the file truncated or not a VCF?)", path=path,
            line=len(lines)
        )
    cols = chrom_line.split("\t")
    if cols[:8] != _FIXED_COLUMNS:
        raise VcfFormatError(
            f"#CHROM line must be tab-separated {' '.join(_FIXED_COLUMNS)}", path=path,
            line=len(lines)
        )
    samples = tuple(cols[9:])
    if len(cols) > 8 and cols[8] != "FORMAT":
        raise VcfFormatError("9th header column must be FORMAT", path=path, line=len(lines))
    if len(set(samples)) != len(samples):
        dup = sorted({s for s in samples if samples.count(s) > 1})
        raise VcfFormatError(f"duplicate sample names {dup}", path=path, line=len(lines))
    build, evidence = detect_build(lengths, text)
    return HeaderInfo(
        file_format=file_format,
        samples=samples,
        contigs=tuple(contigs),
        contig_lengths=lengths,
        info=info,
        format=fmt,
        filters=tuple(filters),
        genome_build=build,
        build_evidence=evidence,
        n_lines=len(lines),
    )


def _validate_def(kind: str, fields: dict[str, str], *, path: str | None, line: int) -> None:
    for key in ("ID", "Number", "Type"):
        if key not in fields:
            raise VcfFormatError(f"##{kind} line lacks {key}=", path=path, line=line)
    fid, number, typ = fields["ID"], fields["Number"], fields["Type"]
    if not _NUMBER.match(number):
        raise VcfFormatError(f"##{kind} {fid}: invalid Number={number}", path=path, line=line)
    if typ not in _VALID_TYPES or (kind == "FORMAT" and typ == "Flag"):
        raise VcfFormatError(f"##{kind} {fid}: invalid Type={typ}", path=path, line=line)
    if "Description" not in fields:
        raise VcfFormatError(f"##{kind} {fid}: missing Description", path=path, line=line)


def check_build(declared: str | None, detected: str, evidence: str, *, path: str) -> tuple[str, str]:
    """Reconcile a caller-declared build with the detected one.

    Raises :class:`BuildMismatchError` when they disagree.
    """
    if declared is None:
        return detected, evidence
    want = normalise_build(declared)
    if detected not in ("unknown", want):
        raise BuildMismatchError(
            f"{path}: declared build {want} but the file is {detected} ({evidence}); "
            f"lift the file over to {want} or pass build={detected!r}"
        )
    if detected == "unknown":
        return want, "declared by caller (header does not say)"
    return want, evidence
