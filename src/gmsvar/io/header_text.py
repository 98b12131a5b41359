"""VCF header text read directly from the file, as htslib (cyvcf2) would hand it over.

The fast backend does not open the file with cyvcf2 just to get the header (that
costs the cyvcf2 import and an htslib open). It reads the header lines itself
(plain text, gzip, or the first BGZF blocks) and applies what htslib's
``vcf_hdr_read`` changes that :func:`~gmsvar.io.header.parse_header` can see:

* ``##FILTER=<ID=PASS,Description="All filters passed">`` is the second line, and a
  ``PASS`` definition in the file is dropped;
* white space before the closing quote of a quoted value is dropped;
* a second INFO/FORMAT/FILTER/contig line with an ID already defined is dropped;
* contigs the tabix/CSI index lists but the header does not declare are added as
  ``##contig=<ID=name>`` lines before ``#CHROM``, in index order.

Anything htslib might treat differently gives ``None`` and the reader takes the
header from cyvcf2 as before: white space around a key or value of an INFO,
FORMAT, FILTER or contig line (other than before a closing quote), keys that are
not plain words, ``IDX=`` attributes, malformed definition lines,
``##reference=<...>`` lines (htslib drops them), a ``#CHROM`` line with FORMAT but
no samples or with an empty sample name (htslib rejects those), empty or non-``#``
lines in the header, CR line ends, non-UTF-8 text, an index next to a file that is
not bgzipped, or an index that cannot be read this way. (The reader also falls
back when :func:`~gmsvar.io.header.parse_header` rejects the text.) The resulting
:class:`~gmsvar.table.VcfMetadata` equals the cyvcf2 route's on every VCF under
``tests/data`` (``tests/io/test_header_text.py``).

Examples
--------
>>> import gmsvar
>>> text = htslib_header_text(gmsvar.example_path("lynch_germline.vcf.gz"), "vcf.bgz")
>>> text.splitlines()[:2]
['##fileformat=VCFv4.2', '##FILTER=<ID=PASS,Description="All filters passed">']
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Iterator

from ..errors import VcfFormatError
from .vcf_tokens import FastUnsupported

__all__ = ["htslib_header_text", "raw_header_text"]

_PASS_LINE = '##FILTER=<ID=PASS,Description="All filters passed">'
_STRUCTURED = re.compile(r"^##(INFO|FORMAT|FILTER|contig)=<(.*)>\s*$")
_READ = 1 << 16
_KEY = re.compile(r"[A-Za-z0-9_.]+")


def _pieces(path: str, kind: str) -> Iterator[bytes]:
    """Decompressed text from the start of the file, in pieces."""
    with open(path, "rb") as fh:
        if kind == "vcf":
            while piece := fh.read(_READ):
                yield piece
            return
        if kind == "vcf.bgz":  # one BGZF block at a time
            from .tabix import _inflate_blocks

            buf = b""
            while True:
                while len(buf) < 18 or len(buf) < int.from_bytes(buf[16:18], "little") + 1:
                    more = fh.read(_READ)
                    if not more:
                        return
                    buf += more
                size = int.from_bytes(buf[16:18], "little") + 1
                yield _inflate_blocks(buf[:size], path)
                buf = buf[size:]
        dec = zlib.decompressobj(31)
        while raw := fh.read(_READ):
            try:
                yield dec.decompress(raw)
            except zlib.error:
                return
            if dec.eof:
                return


def raw_header_text(path: str, kind: str) -> str | None:
    """The header lines as written (``##`` lines and the ``#CHROM`` line), or None.

    None when the lines before the first record are not all ``#`` lines ending
    with one ``#CHROM`` line, contain a CR, NUL or non-UTF-8 bytes, or the header
    cannot be read (truncated or corrupt compression).

    >>> import gmsvar
    >>> raw_header_text(gmsvar.example_path("lynch_germline.vcf.gz"), "vcf.bgz").splitlines()[1]
    '##FILTER=<ID=PASS,Description="All filters passed">'
    """
    data = b""
    end = -1
    try:
        for piece in _pieces(path, kind):
            data += piece
            at = 0 if data.startswith(b"#CHROM") else data.find(b"\n#CHROM")
            if at >= 0:
                end = data.find(b"\n", at + 1)
                if end >= 0:
                    break
            elif b"\n" in data and not _all_meta(data):
                return None
    except (OSError, FastUnsupported):
        return None
    if end < 0:
        return None
    head = data[: end + 1]
    if b"\r" in head or b"\0" in head:
        return None
    try:
        text = head.decode()
    except UnicodeDecodeError:
        return None
    lines = text[:-1].split("\n")
    if any(not ln.startswith("##") for ln in lines[:-1]) or not lines[-1].startswith("#CHROM"):
        return None
    return text


def _all_meta(data: bytes) -> bool:
    """Every complete line so far is a ``##`` line."""
    complete = data[: data.rfind(b"\n")]
    return all(ln.startswith(b"##") for ln in complete.split(b"\n"))


def _trim_quoted(body: str) -> str:
    """Drop white space before the closing quote of each quoted value, as htslib does.

    >>> _trim_quoted('ID=A,Description="Effects: a | b "')
    'ID=A,Description="Effects: a | b"'
    """
    if '"' not in body or "\\" in body:
        return body  # escapes: left as written (trailing white space then gives None)
    parts = body.split('"')
    if len(parts) % 2 == 0:
        return body  # unbalanced quotes: parse_header reports it
    parts[1::2] = [p.rstrip() for p in parts[1::2]]
    return '"'.join(parts)


def _plain_fields(fields: dict[str, str]) -> bool:
    """Keys are plain words and no value starts or ends with white space (htslib trims it)."""
    return all(_KEY.fullmatch(k) and v == v.strip() for k, v in fields.items())


def htslib_header_text(path: str, kind: str) -> str | None:
    """Header text as cyvcf2's ``raw_header`` would give it for what the reader uses, or None.

    ``kind`` is the reader's file kind (``"vcf"``, ``"vcf.gz"``, ``"vcf.bgz"``).
    See the module docstring for what is normalised and when None is returned.
    """
    from .header import _parse_meta_fields
    from .tabix import index_contigs, index_files

    text = raw_header_text(path, kind)
    if text is None:
        return None
    lines = text.rstrip("\n").split("\n")
    if not lines[0].startswith("##fileformat="):
        return None
    out = [lines[0], _PASS_LINE]
    seen: dict[str, set[str]] = {"INFO": set(), "FORMAT": set(), "FILTER": set(), "contig": set()}
    for ln in lines[1:-1]:
        m = _STRUCTURED.match(ln)
        if m:
            body = _trim_quoted(m.group(2))
            ln = f"##{m.group(1)}=<{body}>"
            try:
                fields = _parse_meta_fields(body, path=path, line=0)
            except VcfFormatError:
                return None
            key, fid = m.group(1), fields.get("ID")
            if fid is None or "IDX" in fields or not _plain_fields(fields):
                return None
            if key == "FILTER" and fid == "PASS":
                continue  # htslib keeps its own PASS definition, second in the header
            if fid in seen[key]:
                continue  # htslib keeps the first definition of an ID
            seen[key].add(fid)
        elif ln.startswith(("##INFO=", "##FORMAT=", "##FILTER=", "##contig=", "##reference=<")):
            return None  # malformed (htslib drops or mends the line), or a reference htslib drops
        out.append(ln)
    columns = lines[-1].split("\t")
    if len(columns) == 9 or "" in columns[9:]:
        return None  # FORMAT without samples, or an empty sample name: htslib rejects the header
    if kind == "vcf.bgz":
        try:
            names = index_contigs(path)
        except FastUnsupported:
            return None
        out.extend(f"##contig=<ID={name}>" for name in names or () if name not in seen["contig"])
    elif index_files(path) != (None, None):
        return None
    out.append(lines[-1])
    return "\n".join(out) + "\n"
