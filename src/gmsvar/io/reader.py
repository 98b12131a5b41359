"""Public readers: :func:`read_vcf` and :func:`iter_vcf`.

Examples
--------
>>> import gmsvar
>>> t = gmsvar.read_vcf(gmsvar.example_path("trio_grch37.vcf.gz"))
>>> t["call_genotype"].shape
(200, 3, 2)
"""

from __future__ import annotations

import gzip
import itertools
import logging
import os
import warnings
import zlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, Literal, Protocol, runtime_checkable

import numpy as np

from ..errors import ContigMismatchError, GmsvarError, IndexMissingError, InputError, VcfFormatError
from ..regions import Interval, add_chr, merge_intervals, parse_region, strip_chr
from ..table import VariantTable, VcfMetadata, concat
from .buffer import RecordBuffer, plan_depth_vaf, small_pages
from .header import HeaderInfo, check_build, parse_header
from .vcf_cyvcf2 import header_text_cyvcf2, open_cyvcf2, records_cyvcf2
from .vcf_fast import FastPlan, FastUnsupported, fast_blocks, prefetch
from .vcf_pysam import header_text_pysam, open_pysam, records_pysam

if TYPE_CHECKING:
    from .prefilter import Prefilter

__all__ = ["RegionSource", "iter_vcf", "read_vcf"]

log = logging.getLogger(__name__)

Backend = Literal["cyvcf2", "pysam", "fast"]
_BGZF_EOF = bytes.fromhex("1f8b08040000000000ff0600424302001b0003000000000000000000")


@runtime_checkable
class RegionSource(Protocol):
    """Anything with ``regions(build=...)`` returning intervals, e.g. a :class:`gmsvar.Panel`."""

    def regions(self, *, build: str = ...) -> Sequence[Interval]: ...


Regions = str | Interval | RegionSource | Iterable[str | Interval | tuple[str, int, int]]


# -- file sniffing ---------------------------------------------------------------------------
def _sniff(path: str) -> str:
    """Return 'vcf', 'vcf.bgz', 'vcf.gz' (plain gzip), 'bcf'; raise VcfFormatError otherwise."""
    if not os.path.exists(path):
        raise InputError(f"{path}: no such file")
    if os.path.isdir(path):
        raise InputError(f"{path}: is a directory, not a VCF file")
    size = os.path.getsize(path)
    if size == 0:
        raise VcfFormatError("empty file (0 bytes): not a VCF; was it written completely?",
                             path=path)
    with open(path, "rb") as fh:
        head = fh.read(18)
        if head[:2] == b"\x1f\x8b":
            bgzf = len(head) >= 16 and head[3] & 4 and head[12:14] == b"BC"
            if bgzf:
                fh.seek(max(0, size - 28))
                if fh.read(28) != _BGZF_EOF:
                    raise VcfFormatError(
                        "truncated BGZF file (no end-of-file block); the copy or download "
                        "was cut short: fetch or re-create it (bgzip / bcftools view -Oz)",
                        path=path,
                    )
                kind = "bgz"
            else:
                _check_plain_gzip(path)
                kind = "gz"
            with gzip.open(path, "rb") as gz:
                try:
                    start = gz.read(5)
                except (OSError, EOFError, zlib.error) as err:
                    raise VcfFormatError(f"corrupt gzip data: {err}", path=path) from err
            if start.startswith(b"BCF"):
                return "bcf"
            if not start.startswith(b"##"):
                raise VcfFormatError("compressed file does not contain a VCF header", path=path)
            return "vcf." + kind
        if head.startswith(b"BCF"):
            return "bcf"
        if not head.startswith(b"##"):
            raise VcfFormatError(
                "not a VCF: the file must start with ##fileformat=VCFv4.x", path=path, line=1
            )
    return "vcf"


def _check_plain_gzip(path: str) -> None:
    """Plain (non-BGZF) gzip has no EOF block; decompress it fully to detect truncation."""
    try:
        with gzip.open(path, "rb") as gz:
            while gz.read(1 << 20):
                pass
    except (OSError, EOFError, zlib.error) as err:
        raise VcfFormatError(f"truncated or corrupt gzip file ({err}); re-create it", path=path
                             ) from err


def _header_lines(path: str) -> int:
    """Header lines as written in a text VCF (htslib may add lines, e.g. FILTER=PASS)."""
    n = 0
    with open(path, "rb") as probe:
        gz = probe.read(2) == b"\x1f\x8b"
    with (gzip.open(path, "rb") if gz else open(path, "rb")) as fh:
        for raw in fh:
            if not raw.startswith(b"#"):
                break
            n += 1
    return n


def _has_index(path: str, kind: str) -> bool:
    if kind == "bcf":
        return os.path.exists(path + ".csi")
    return kind == "vcf.bgz" and (os.path.exists(path + ".tbi") or os.path.exists(path + ".csi"))


# -- region handling ---------------------------------------------------------------------------
def _resolve_regions(regions: Regions, header: HeaderInfo, build: str, path: str) -> list[Interval]:
    if isinstance(regions, RegionSource) and not isinstance(regions, (str, tuple)):
        if build == "unknown":
            raise InputError(
                f"{path}: the genome build is unknown (no contig lengths in the header), so panel "
                "regions cannot be chosen; pass build='GRCh38' or build='GRCh37'"
            )
        raw: list[Interval] = list(regions.regions(build=build))
    elif isinstance(regions, str):
        raw = [parse_region(regions)]
    elif isinstance(regions, Interval):
        raw = [regions]
    else:
        raw = []
        for r in regions:
            if isinstance(r, str):
                raw.append(parse_region(r))
            else:
                c, s, e = r
                raw.append(Interval(str(c), int(s), int(e)))
    names = set(header.contigs)
    out: list[Interval] = []
    matched = False
    for iv in raw:
        name = iv.contig
        if name not in names:
            for cand in (add_chr(name), strip_chr(name), "chrM" if strip_chr(name) == "MT" else ""):
                if cand in names:
                    name = cand
                    break
        if name in names:
            matched = True
        out.append(Interval(name, iv.start, iv.end))
    if raw and not matched and names:
        raise ContigMismatchError(
            f"{path}: none of the requested contigs ({', '.join(sorted({i.contig for i in raw})[:5])}"
            f") are in the file (it has {', '.join(list(names)[:5])}...); check the chr prefix "
            "and genome build"
        )
    return merge_intervals(out)


# -- core iteration ------------------------------------------------------------------------------
def iter_vcf(
    path: str | os.PathLike[str],
    *,
    chunk_size: int = 100_000,
    regions: Regions | None = None,
    samples: Sequence[str] | None = None,
    info: Sequence[str] | None = None,
    format: Sequence[str] | None = None,
    backend: Backend = "cyvcf2",
    build: str | None = None,
    annotation: str | None = None,
    popfreq_af: str | None = None,
    popfreq_max: Sequence[str] | None = None,
    include: str | None = None,
    exclude: str | None = None,
    min_consequence: str | None = None,
) -> Iterator[VariantTable]:
    """Read a VCF/BCF in chunks of at most ``chunk_size`` records (bounded memory).

    Takes the same options as :func:`read_vcf`; yields :class:`VariantTable`
    chunks that :func:`gmsvar.table.concat` joins into what ``read_vcf`` returns.
    An empty file (header only) yields nothing. With ``include``/``exclude``/
    ``min_consequence`` a chunk holds the rows of up to ``chunk_size`` records that
    pass (it may be short, or empty). With ``backend="fast"`` a thread reads ahead
    (decompresses, scans and tokenises up to ``vcf_fast.PREFETCH_BLOCKS`` blocks of a few
    MB) while the caller works on a chunk; leaving the loop early stops it.

    Examples
    --------
    >>> import gmsvar
    >>> path = gmsvar.example_path("lynch_germline.vcf.gz")
    >>> sizes = [len(c) for c in gmsvar.iter_vcf(path, chunk_size=50, backend="fast",
    ...                                          min_consequence="missense_variant")]
    >>> sum(sizes) == len(gmsvar.read_vcf(path, min_consequence="missense_variant"))
    True
    """
    if chunk_size < 1:
        raise InputError(f"chunk_size must be >= 1, not {chunk_size}")
    reader = _Reader(os.fspath(path), regions=regions, samples=samples, info=info, fmt=format,
                     backend=backend, build=build, annotation=annotation,
                     popfreq_af=popfreq_af, popfreq_max=popfreq_max,
                     include=include, exclude=exclude, min_consequence=min_consequence)
    yield from reader.chunks(chunk_size)


def read_vcf(
    path: str | os.PathLike[str],
    *,
    regions: Regions | None = None,
    samples: Sequence[str] | None = None,
    info: Sequence[str] | None = None,
    format: Sequence[str] | None = None,
    backend: Backend = "cyvcf2",
    build: str | None = None,
    annotation: str | None = None,
    popfreq_af: str | None = None,
    popfreq_max: Sequence[str] | None = None,
    include: str | None = None,
    exclude: str | None = None,
    min_consequence: str | None = None,
) -> VariantTable:
    """Read a VCF/BCF (plain, gzip or bgzip) into a :class:`VariantTable`.

    Multiallelic records are split into one row per ALT allele, as
    ``bcftools norm -m-any`` does; genotypes are read strictly (``0/.`` is not
    hom-ref) and recoded per allele.

    Parameters
    ----------
    path
        VCF, VCF.gz (bgzip or gzip) or BCF.
    regions
        ``"chr7:55019017-55211628"``, an :class:`~gmsvar.regions.Interval`, a list of
        those, or a panel (anything with ``regions(build=...)``). Queried through
        the tabix/CSI index; ``chr`` prefixes are matched either way.
    samples
        Subset of samples to read (kept in file order).
    info
        INFO IDs to keep as ``variant_info_<ID>`` columns; default all declared
        INFO fields (annotation fields such as CSQ are parsed into their own columns).
    format
        Extra FORMAT IDs to keep as ``call_format_<ID>``; default none (the
        standard ``call_genotype``, ``call_depth``, ``call_genotype_quality``,
        ``call_allele_depth`` and ``call_vaf`` are always present).
    backend
        ``"cyvcf2"`` (default), ``"pysam"`` or ``"fast"``; all give equal tables.
        ``"fast"`` reads VCF text files (plain, gzip, bgzip) with bulk
        decompression and block tokenising (C for the line structure and sample
        columns when the extensions are built, numpy otherwise) instead of a
        per-record loop, reads the header itself (cyvcf2 is imported only to fall back) and
        answers ``regions`` through the tabix index itself (:mod:`gmsvar.io.tabix`,
        same records and order as the cyvcf2 backend), and falls back to cyvcf2
        for what it does not handle (BCF, a CSI index, unusual records or
        headers); ``meta.provenance["reader"]`` says which ran and why. With
        ``include`` or ``min_consequence`` it first runs the C scanner over the raw
        text (``"... (backend fast, C scanner)"``), which drops records that cannot
        pass before they are tokenised; ``meta.provenance["prefilter"]`` gives its
        program and how many records it scanned and passed on (see
        :mod:`gmsvar.io.prefilter` and the Notes).
    build
        Declared genome build. Raises :class:`~gmsvar.errors.BuildMismatchError` if the
        header's contig lengths say otherwise.
    annotation
        INFO ID of the transcript annotation to use (default: VEP CSQ, else SnpEff ANN,
        else bcftools BCSQ).
    popfreq_af, popfreq_max
        Override the auto-detected population-frequency fields (e.g. ``"INFO/gnomAD_AF"``,
        ``["INFO/AF_grpmax"]``, ``"CSQ/gnomADe_AF"``).
    include, exclude
        bcftools-style expressions (``bcftools view -i`` / ``-e``; see
        :func:`gmsvar.filter_expr`) applied to each chunk while reading. Unless ``info``
        is given, only the INFO fields the expressions need are read, and the FORMAT
        fields they name are added to ``format``. Both may be given (a row must pass both).
        When the expressions use no annotation (CSQ/ANN/BCSQ) field, they are evaluated
        before the annotation is parsed, so only passing rows are annotated (the
        annotation provenance counts and warnings then describe those rows).
    min_consequence
        Keep only rows whose worst consequence over the allele's transcripts is at
        least this severe (an SO term such as ``"missense_variant"``; SnpEff and
        bcftools synonyms accepted): the rows
        ``gmsvar.filters.consequence_at_least(t, min_consequence)`` keeps, applied to
        each chunk after annotation. Needs a transcript annotation (VEP CSQ, SnpEff
        ANN, bcftools BCSQ). Records whose annotation text has no term that severe are
        not annotated at all. Recorded in ``meta.provenance["filter"]``.

    Returns
    -------
    VariantTable
        Empty (with all columns) when no records match; never ``None``.

    Raises
    ------
    VcfFormatError
        Malformed, truncated, empty or non-VCF files (naming file and line).
    IndexMissingError
        ``regions`` given but the file has no tabix/CSI index.
    BuildMismatchError
        ``build`` contradicts the file.
    InputError
        Unknown ``min_consequence`` term (close matches are suggested), or
        ``min_consequence`` for a file without a transcript annotation.

    Notes
    -----
    Intended difference of the fast backend with ``include``/``min_consequence``: the
    C scanner checks the structure of every record line (column count, empty fixed
    columns, control characters), but values are parsed only in the records it passes
    on (those that may pass, and a few that set the table's genotype ploidy or FORMAT
    widths). A malformed value (e.g. ``POS=12x``) in a record the filter drops is
    therefore usually not reported, where the other backends raise
    :class:`~gmsvar.errors.VcfFormatError`.

    Examples
    --------
    >>> import gmsvar
    >>> path = gmsvar.example_path("lynch_germline.vcf.gz")
    >>> t = gmsvar.read_vcf(path, backend="fast", include="QUAL>=30 && FMT/DP>=20",
    ...                     min_consequence="missense_variant")
    >>> t.meta.provenance["reader"]
    'gmsvar.read_vcf (backend fast, C scanner)'
    >>> t.meta.provenance["filter"]["min_consequence"]
    'missense_variant'
    >>> t = gmsvar.read_vcf(gmsvar.example_path("trio_grch37.vcf.gz"), regions="1:1-10000000")
    >>> t.to_pandas(layout="calls")[["contig", "position", "sample_id", "genotype"]].head(3)
      contig  position  sample_id genotype
    0      1   7847367  ADM1059A1      0/0
    1      1   7847367  ADM1059A2      0/1
    2      1   7847367  ADM1059A3      1/1
    """
    reader = _Reader(os.fspath(path), regions=regions, samples=samples, info=info, fmt=format,
                     backend=backend, build=build, annotation=annotation,
                     popfreq_af=popfreq_af, popfreq_max=popfreq_max,
                     include=include, exclude=exclude, min_consequence=min_consequence)
    # a fast read that has to fall back part-way re-reads the whole file with cyvcf2
    # 250k-record chunks keep the per-record staging memory bounded on large files
    parts = list(reader.chunks(250_000, resume=False))[reader.discard :]
    table = concat(parts) if parts else reader.empty()
    if reader.fast_prefilter is not None:  # the counts of the whole file
        prov = {**table.meta.provenance, "prefilter": reader.fast_prefilter.provenance()}
        table = table.with_columns(meta=table.meta.replace(provenance=prov))
    return table


def _drop_rows(table: VariantTable, extras: dict[str, np.ndarray], keep: np.ndarray
               ) -> tuple[VariantTable, dict[str, np.ndarray]]:
    """Rows ``keep`` of a chunk just built for this read, and of its per-row ``extras``.

    When most rows pass they are moved within the chunk's own arrays instead of
    copied (:meth:`VariantTable._compact`).
    """
    if keep.all():
        return table, extras
    many = 2 * int(keep.sum()) > len(keep)
    table = table._compact(keep) if many else table.take(keep)
    return table, {k: v[keep] for k, v in extras.items()}


class _Reader:
    def __init__(
        self, path: str, *, regions: Regions | None, samples: Sequence[str] | None,
        info: Sequence[str] | None, fmt: Sequence[str] | None, backend: Backend,
        build: str | None, annotation: str | None, popfreq_af: str | None,
        popfreq_max: Sequence[str] | None, include: str | None = None,
        exclude: str | None = None, min_consequence: str | None = None,
    ) -> None:
        if backend not in ("cyvcf2", "pysam", "fast"):
            raise InputError(f"backend must be 'cyvcf2', 'pysam' or 'fast', not {backend!r}")
        self.path = path
        self.kind = _sniff(path)
        self.backend = backend
        # the fast reader falls back to cyvcf2
        self.api = "pysam" if backend == "pysam" else "cyvcf2"
        self.discard = 0
        opener: Callable[[str, list[str] | None], Any]
        opener, header_text = ((open_cyvcf2, header_text_cyvcf2) if self.api == "cyvcf2"
                               else (open_pysam, header_text_pysam))
        self._opener = opener
        self._handle: Any = None
        self._subset = None if samples is None else list(samples)
        header = None
        if backend == "fast" and self.kind != "bcf":
            # read the header text directly (as htslib would give it): cyvcf2 is imported
            # and opened only if the fast reader has to fall back
            from .header_text import htslib_header_text

            fast_text = htslib_header_text(path, self.kind)
            if fast_text is not None:
                try:
                    header, text = parse_header(fast_text, path=path), fast_text
                except VcfFormatError:
                    header = None  # let htslib's own reading decide
        if header is None:
            try:
                probe = opener(path, None)
                text = header_text(probe)
            except GmsvarError:
                raise
            except Exception as err:
                raise VcfFormatError(f"cannot open as VCF/BCF ({err})", path=path) from err
            header = parse_header(text, path=path)
            self._handle = probe
        if samples is not None:
            missing = [s for s in samples if s not in header.samples]
            if missing:
                raise InputError(
                    f"{path}: samples {missing} not in file; it has {list(header.samples)[:10]}"
                )
            if self._handle is not None:
                self._handle = opener(path, list(samples))
            keep = tuple(s for s in header.samples if s in set(samples))
        else:
            keep = header.samples
        self.header = header
        genome_build, evidence = check_build(build, header.genome_build, header.build_evidence,
                                             path=path)
        from .annotations import annotation_specs

        specs = annotation_specs(header.info)
        if annotation is not None:
            specs = [s for s in specs if s.info_id == annotation]
            if not specs:
                raise InputError(
                    f"{path}: INFO/{annotation} is not a recognised annotation (VEP CSQ, SnpEff "
                    "ANN, bcftools BCSQ) in this header"
                )
        self.spec = specs[0] if specs else None
        ann_ids = [s.info_id for s in specs]
        self.include, self.exclude = include, exclude
        self.min_consequence = min_consequence
        if min_consequence is not None:
            from ..filters import consequence_rank

            try:
                consequence_rank(min_consequence)
            except InputError as err:
                raise InputError(f"min_consequence: {err}") from err
            if self.spec is None:
                raise InputError(
                    f"{path}: min_consequence needs a transcript annotation (VEP CSQ, SnpEff ANN "
                    "or bcftools BCSQ) and the header declares none; annotate the file first, "
                    "or read it without min_consequence"
                )
        # Filter before the annotation is parsed when the expressions read only fields the
        # record buffer fills (fixed columns, INFO fields other than the annotation, FORMAT):
        # annotate() and popfreq then run on the rows that pass, not on every row read.
        self.prefilter = False
        if include is not None or exclude is not None:
            from ..filters import required_columns

            defs = VcfMetadata(info=header.info, format=header.format, samples=keep)
            needed = set()
            for expr in (include, exclude):
                if expr is not None:
                    needed |= required_columns(expr, defs)  # raises ExpressionError early
            self.prefilter = all(
                (n.startswith("INFO/") and n[5:] not in ann_ids) or n.startswith("FORMAT/")
                for n in needed
            )
            need_info = sorted(n[5:] for n in needed if n.startswith("INFO/") and n[5:] in header.info)
            need_fmt = sorted(n[7:] for n in needed if n.startswith("FORMAT/") and n[7:] != "GT"
                              and n[7:] in header.format)
            if info is None:
                info = [k for k in need_info if k not in ann_ids]
            fmt = list(dict.fromkeys([*(fmt or []), *need_fmt]))
        if info is None:
            info_fields = [k for k in header.info if k not in ann_ids]
        else:
            info_fields = list(info)
            unknown = [k for k in info_fields if k not in header.info]
            if unknown:
                raise InputError(
                    f"{path}: INFO fields {unknown} are not defined in the header; "
                    f"available: {sorted(header.info)[:20]}"
                )
        fmt_fields = list(fmt or [])
        unknown = [k for k in fmt_fields if k not in header.format]
        if unknown:
            raise InputError(
                f"{path}: FORMAT fields {unknown} are not defined in the header; "
                f"available: {sorted(header.format)}"
            )
        from .popfreq import plan_popfreq

        self.popfreq = plan_popfreq(header.info, self.spec, af_field=popfreq_af,
                                    max_fields=popfreq_max)
        for fld in (self.popfreq.af, *self.popfreq.max, *self.popfreq.af_alternatives):
            if fld and fld.startswith("INFO/") and fld[5:] not in info_fields:
                info_fields.append(fld[5:])
        plan = plan_depth_vaf(header.format)
        self.intervals: list[Interval] | None = None
        if regions is not None:
            if not _has_index(path, self.kind):
                fix = ("bgzip it and index: bgzip x.vcf && tabix -p vcf x.vcf.gz" if self.kind in
                       ("vcf", "vcf.gz") else f"index it: bcftools index {path}")
                raise IndexMissingError(
                    f"{path}: a region query needs a tabix/CSI index and none was found; {fix}"
                )
            self.intervals = _resolve_regions(regions, header, genome_build, path)
        provenance: dict[str, Any] = {
            "reader": f"gmsvar.read_vcf (backend {backend})",
            "file_kind": self.kind,
            "multiallelic": "split into one row per ALT (bcftools norm -m-any semantics)",
            **plan.describe(),
            "annotation": self.spec.info_id if self.spec else None,
            "popfreq_plan": self.popfreq.description,
            "regions": None if self.intervals is None else len(self.intervals),
        }
        self.meta = VcfMetadata(
            source=path, samples=keep, contigs=header.contigs,
            contig_lengths=dict(header.contig_lengths), genome_build=genome_build,
            build_evidence=evidence, info=header.info, format=header.format,
            filters=header.filters, file_format=header.file_format, provenance=provenance,
        )
        self.buffer = RecordBuffer(self.meta, info_fields, fmt_fields, ann_ids, plan)
        self.fast_reason: str | None = None
        self.fast_plan: FastPlan | None = None
        #: compiled record-level prefilter for the fast backend (None: tokenise every record)
        self.fast_prefilter: Prefilter | None = None
        if backend == "fast":
            self.fast_reason = ("BCF input" if self.kind == "bcf"
                                else "FORMAT/GT requested as a raw field" if "GT" in fmt_fields
                                else None)
            column = {name: 9 + i for i, name in enumerate(header.samples)}
            self.fast_plan = FastPlan(
                n_columns=len(text.rstrip("\n").rsplit("\n", 1)[-1].split("\t")),
                sample_columns=tuple(column[name] for name in keep),
                info={k: header.info[k] for k in info_fields},
                raw_info=tuple(ann_ids),
                format={k: header.format.get(k) for k in self.buffer.fmt},
                numeric_format={k: v for k, v in header.format.items()
                                if v.type in ("Integer", "Float")},
                declared={"contig": frozenset(header.contigs),
                          "FILTER": frozenset([*header.filters, "PASS"]),
                          "INFO": frozenset(header.info), "FORMAT": frozenset(header.format)},
            )
            if self.fast_reason is None and (include is not None or min_consequence is not None):
                from . import prefilter

                if prefilter.AVAILABLE:
                    self.fast_prefilter = prefilter.compile_prefilter(
                        include, info=header.info, format=header.format,
                        min_consequence=min_consequence, annotation=self.spec)
                if self.fast_prefilter is not None:
                    prov = {**self.meta.provenance,
                            "reader": "gmsvar.read_vcf (backend fast, C scanner)"}
                    self.meta = self.meta.replace(provenance=prov)
                    self.buffer.meta = self.meta

    @property
    def handle(self) -> Any:
        """The cyvcf2/pysam reader (opened on first use, with the sample subset)."""
        if self._handle is None:
            try:
                self._handle = self._opener(self.path, self._subset)
            except GmsvarError:
                raise
            except Exception as err:
                raise VcfFormatError(f"cannot open as VCF/BCF ({err})", path=self.path) from err
        return self._handle

    def _records(self) -> Iterator[Any]:
        h = self.handle
        if self.intervals is None:
            yield from h
            return
        prev: tuple[str, int] | None = None
        for iv in self.intervals:
            with warnings.catch_warnings():
                # cyvcf2 warns "no intervals found" for a contig without records: for a panel
                # spanning many chromosomes that is normal, and the result is simply empty.
                warnings.filterwarnings("ignore", message="no intervals found")
                try:
                    it = (h(f"{iv.contig}:{iv.start}-{iv.end}") if self.api == "cyvcf2"
                          else h.fetch(iv.contig, iv.start - 1, iv.end))
                    recs = list(it)
                except ValueError:
                    continue  # contig not in index: no records there
            for rec in recs:
                start = rec.POS if self.api == "cyvcf2" else rec.pos
                chrom = rec.CHROM if self.api == "cyvcf2" else rec.chrom
                # a record overlapping two merged intervals is returned by both queries
                if prev is not None and prev[0] == chrom and start <= prev[1]:
                    continue
                yield rec
            prev = (iv.contig, iv.end)

    def chunks(self, chunk_size: int, *, resume: bool = True) -> Iterator[VariantTable]:
        """Tables of ``chunk_size`` records (the last may be shorter).

        If the fast backend gives up after some chunks were yielded, cyvcf2 carries
        on after the records already read (``resume``) or starts again from the
        first record; then ``self.discard`` counts the chunks to drop.

        With the C prefilter the chunks are the same runs of ``chunk_size`` file
        records, holding the records the scanner passed on (the file index of each is
        in ``prefilter.origins``), so each gets the shape an unfiltered read gives it.
        """
        if self.backend != "fast":
            yield from self._record_chunks(chunk_size, skip=0)
            return
        buf = self.buffer
        done = parts = 0  # done: file records up to the last one in a yielded chunk
        reason = self.fast_reason
        pf = self.fast_prefilter
        if pf is not None:
            pf.window = chunk_size
        if reason is None:
            assert self.fast_plan is not None
            try:
                window = -1  # the file-record window of the buffered records (prefilter)
                plan = self.fast_plan
                # (a thread reads ahead while a chunk is built and annotated)
                for block in prefetch(lambda: fast_blocks(self.path, self.kind, plan,
                                                          prefilter=pf, intervals=self.intervals)):
                    if pf is None:
                        lo = 0
                        while lo < len(block):
                            take = min(len(block) - lo, chunk_size - len(buf))
                            buf.add_block(block if take == len(block) else
                                          block.slice(lo, lo + take))
                            lo += take
                            if len(buf) >= chunk_size:
                                done += len(buf)
                                parts += 1
                                yield self._finish()
                        continue
                    wins = pf.origins.popleft() // chunk_size
                    cuts = [0, *(np.flatnonzero(np.diff(wins)) + 1).tolist(), len(block)]
                    for lo, hi in itertools.pairwise(cuts):
                        if wins[lo] != window and len(buf):
                            done = (window + 1) * chunk_size
                            parts += 1
                            yield self._finish()
                        window = int(wins[lo])
                        buf.add_block(block if hi - lo == len(block) else block.slice(lo, hi))
                if len(buf):
                    yield self._finish()
                return
            except FastUnsupported as err:
                reason = str(err)
                buf.clear()
                self.fast_prefilter = None
        log.info("%s: fast reader falls back to cyvcf2: %s", self.path, reason)
        prov = {**self.meta.provenance,
                "reader": f"gmsvar.read_vcf (backend fast, fell back to cyvcf2: {reason})"}
        self.meta = self.meta.replace(provenance=prov)
        self.buffer.meta = self.meta
        if not resume:
            self.discard, done = parts, 0
        yield from self._record_chunks(chunk_size, skip=done)

    def _record_chunks(self, chunk_size: int, *, skip: int) -> Iterator[VariantTable]:
        buf = self.buffer
        feed = records_cyvcf2 if self.api == "cyvcf2" else records_pysam
        records = self._records()
        if skip:
            records = itertools.islice(records, skip, None)
        n = skip
        try:
            for _ in feed(records, buf, len(self.meta.samples)):
                n += 1
                if len(buf) >= chunk_size:
                    yield self._finish()
        except GmsvarError:
            raise
        except Exception as err:
            line = _header_lines(self.path) + n + 1 if self.kind.startswith("vcf") else None
            where = f"record {n + 1}" if line is None else f"line {line}"
            raise VcfFormatError(
                f"cannot parse {where}: {err}; check the record against the header definitions",
                path=self.path, line=line,
            ) from err
        if len(buf):
            yield self._finish()

    def _finish(self) -> VariantTable:
        with small_pages():  # (the chunk's arrays are written once: see small_pages)
            table, extras = self.buffer.build()
            self.buffer.clear()
            return self._post(table, extras)

    def _post(self, table: VariantTable, extras: dict[str, np.ndarray]) -> VariantTable:
        from .annotations import annotate
        from .popfreq import popfreq_columns

        filtering = self.include is not None or self.exclude is not None
        if filtering and self.prefilter:
            table, extras = _drop_rows(table, extras, self._keep(table))
        term = self.min_consequence
        if term is not None and self.spec is not None and self.fast_prefilter is None:
            # rows whose annotation text has no term that severe cannot pass: not annotated
            # (the C scanner already dropped those records on the fast backend)
            from .prefilter import filter_annotation

            keep = filter_annotation(extras[f"raw:{self.spec.info_id}"], term, self.spec)
            table, extras = _drop_rows(table, extras, keep)
        cats: dict[str, Any] = {}
        cols: dict[str, Any] = {}
        prov = dict(table.meta.provenance)
        if self.spec is not None:
            acols, acats, aprov = annotate(
                self.spec, extras[f"raw:{self.spec.info_id}"], table["variant_ref"],
                extras["site_alts"], table["variant_allele_index"],
                position=table["variant_position"],
            )
            cols.update(acols)
            cats.update(acats)
            prov.update(aprov)
        merged = {**table.columns, **cols}
        pcols, pprov = popfreq_columns(self.popfreq, merged)
        cols.update(pcols)
        prov.update(pprov)
        if filtering or term is not None:
            prov["filter"] = {"include": self.include, "exclude": self.exclude,
                              "min_consequence": term,
                              "semantics": "bcftools view -i/-e, evaluated per allele row; "
                                           "min_consequence: consequence_at_least(use='worst')"}
        if self.fast_prefilter is not None:
            prov["prefilter"] = self.fast_prefilter.provenance()
        out = table.with_columns(cols, categories=cats, meta=table.meta.replace(provenance=prov))
        if filtering and not self.prefilter:
            out = out.take(self._keep(out))
        if term is not None:
            from ..filters import consequence_at_least

            keep = consequence_at_least(out, term)
            if not keep.all():
                out = out.take(keep)
        return out

    def _keep(self, table: VariantTable) -> np.ndarray:
        """Rows of ``table`` that pass ``include`` and not ``exclude``."""
        from ..filters import filter_expr

        keep = np.ones(len(table), dtype=bool)
        if self.include is not None:
            keep &= filter_expr(table, self.include)
        if self.exclude is not None:
            keep &= filter_expr(table, self.exclude, exclude=True)
        return keep

    def empty(self) -> VariantTable:
        self.buffer.clear()
        table, extras = self.buffer.build()
        return self._post(table, extras)
