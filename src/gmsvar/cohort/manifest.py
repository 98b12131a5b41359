"""Cohort inputs: single-sample VCFs, multi-sample VCFs or a manifest TSV -> one row per sample.

:func:`resolve_inputs` turns whatever the caller gives :func:`gmsvar.run_cohort` into a list
of :class:`CohortSample` (cohort sample id, VCF path, the sample's column name in that VCF,
optional sex and tumour type). Sample names come from the VCF headers, read here with a few
lines of plain Python (no C library runs in the calling process, so a malformed file cannot
crash it); a file whose header cannot be read is still scheduled, and the worker that reads it
turns the failure into an error record.

A manifest is a tab-separated file with a header row::

    sample      vcf                     sex     tumour_type
    PT0001      run7/PT0001.vcf.gz      female
    PT0002      run7/PT0002.vcf.gz      male

``sample`` and ``vcf`` are required; ``sex`` (``male``/``female``/``unknown``, or
``M``/``F``/``U``), ``tumour_type`` and ``vcf_sample`` (the sample's column in a multi-sample
VCF, when it differs from ``sample``) are optional. Relative paths are relative to the
manifest. Lines starting with ``#`` are comments; other columns are ignored.

Examples
--------
>>> import os, tempfile
>>> d = tempfile.mkdtemp()
>>> vcf = os.path.join(d, "a.vcf")
>>> with open(vcf, "w") as fh:
...     _ = fh.write("##fileformat=VCFv4.2\\n#CHROM\\tPOS\\tID\\tREF\\tALT\\tQUAL\\tFILTER\\tINFO"
...                  "\\tFORMAT\\tNA1\\tNA2\\n")
>>> [(s.sample, s.vcf_sample) for s in resolve_inputs([vcf])]
[('NA1', 'NA1'), ('NA2', 'NA2')]
>>> with open(os.path.join(d, "m.tsv"), "w") as fh:
...     _ = fh.write("sample\\tvcf\\tsex\\tvcf_sample\\nP1\\ta.vcf\\tF\\tNA2\\n")
>>> s = resolve_inputs(os.path.join(d, "m.tsv"))[0]
>>> s.sample, s.vcf_sample, s.sex, s.n_file_samples
('P1', 'NA2', 'female', 2)
"""

from __future__ import annotations

import csv
import gzip
import io
import os
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from ..errors import InputError

__all__ = [
    "CohortSample",
    "Inputs",
    "ManifestError",
    "header_samples",
    "read_manifest",
    "resolve_inputs",
]

#: What :func:`gmsvar.run_cohort` accepts as ``inputs``.
Inputs = str | os.PathLike[str] | Sequence[str | os.PathLike[str]] | pd.DataFrame

_REQUIRED = ("sample", "vcf")
_OPTIONAL = ("sex", "tumour_type", "vcf_sample")
_SEX = {
    "male": "male", "m": "male", "xy": "male",
    "female": "female", "f": "female", "xx": "female",
    "unknown": "unknown", "u": "unknown", "": "unknown", "na": "unknown", ".": "unknown",
}
#: Stop looking for ``#CHROM`` after this many header bytes (a VCF header is rarely > 10 MB).
_MAX_HEADER_BYTES = 64 * 1024 * 1024


class ManifestError(InputError):
    """The manifest (or the list of inputs) cannot be used; the message lists every problem."""


@dataclass(frozen=True)
class CohortSample:
    """One sample of a cohort.

    Attributes
    ----------
    sample
        Cohort sample id (unique in the cohort; names the output directory).
    path
        Absolute path of the VCF holding the sample.
    vcf_sample
        The sample's column name in the VCF; ``None`` when the header could not be read
        (the worker reports why) or when a manifest names a single-sample VCF whose one
        column is used whatever its name.
    n_file_samples
        Number of samples in the VCF (0 when the header could not be read).
    sex
        ``"male"``, ``"female"``, ``"unknown"``, or ``None`` when not given.
    tumour_type
        Tumour type for somatic interpretation, or ``None``.
    header_error
        Why the header could not be read (``None`` when it could).
    """

    sample: str
    path: str
    vcf_sample: str | None
    n_file_samples: int
    sex: str | None = None
    tumour_type: str | None = None
    header_error: str | None = None


def _open_text(path: str) -> io.TextIOBase:
    with open(path, "rb") as fh:
        magic = fh.read(2)
    if magic == b"\x1f\x8b":
        return io.TextIOWrapper(gzip.open(path, "rb"), encoding="utf-8", errors="replace")
    return open(path, encoding="utf-8", errors="replace")


def header_samples(path: str | os.PathLike[str]) -> list[str]:
    """Sample names from a VCF header (plain, gzip or bgzip text; BCF via pysam).

    Parameters
    ----------
    path
        The VCF.

    Returns
    -------
    list of str
        Sample names in file order (empty for a sites-only VCF).

    Raises
    ------
    InputError
        The file is empty, not a VCF, or its header is truncated or unreadable.

    Examples
    --------
    >>> import gmsvar
    >>> header_samples(gmsvar.example_path("trio_grch37.vcf.gz"))
    ['ADM1059A1', 'ADM1059A2', 'ADM1059A3']
    """
    p = os.fspath(path)
    try:
        size = os.path.getsize(p)
    except OSError as err:
        raise InputError(f"{p}: cannot read ({err.strerror})") from err
    if size == 0:
        raise InputError(f"{p}: empty file (0 bytes); not a VCF")
    with open(p, "rb") as fh:
        magic = fh.read(4)
    if magic[:3] == b"BCF" or (magic[:2] == b"\x1f\x8b" and _is_bcf(p)):
        return _bcf_samples(p)
    seen = 0
    first = True
    try:
        with _open_text(p) as fh:
            for line in fh:
                seen += len(line)
                if first and not line.startswith("##fileformat=VCF"):
                    raise InputError(
                        f"{p}: first line is not '##fileformat=VCF...'; not a VCF file"
                    )
                first = False
                if line.startswith("#CHROM"):
                    cols = line.rstrip("\r\n").split("\t")
                    return cols[9:]
                if not line.startswith("##") or seen > _MAX_HEADER_BYTES:
                    break
    except (OSError, EOFError, zlib.error, UnicodeDecodeError) as err:
        raise InputError(f"{p}: header unreadable ({type(err).__name__}: {err})") from err
    if first:
        raise InputError(f"{p}: no text after decompression; not a VCF")
    raise InputError(f"{p}: no '#CHROM' header line; truncated or not a VCF")


def _is_bcf(path: str) -> bool:
    try:
        with gzip.open(path, "rb") as fh:
            return fh.read(3) == b"BCF"
    except (OSError, EOFError, zlib.error):
        return False


def _bcf_samples(path: str) -> list[str]:
    import pysam

    try:
        with pysam.VariantFile(path) as vf:
            return list(vf.header.samples)
    except (OSError, ValueError) as err:
        raise InputError(f"{path}: BCF header unreadable ({err})") from err


def _norm_sex(value: Any, where: str, problems: list[str]) -> str | None:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return None
    key = str(value).strip().lower()
    if key not in _SEX:
        problems.append(f"{where}: sex {value!r} is not one of male/female/unknown (or M/F/U)")
        return None
    return _SEX[key]


def _text(value: Any) -> str | None:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return None
    s = str(value).strip()
    return s or None


def read_manifest(path: str | os.PathLike[str]) -> pd.DataFrame:
    """Read and validate a manifest TSV.

    Parameters
    ----------
    path
        Tab-separated file with a header row: ``sample``, ``vcf`` and optionally ``sex``,
        ``tumour_type``, ``vcf_sample``. ``#`` lines are comments.

    Returns
    -------
    pandas.DataFrame
        Columns ``sample``, ``vcf`` (absolute paths), ``sex``, ``tumour_type``,
        ``vcf_sample`` (``None`` where not given), one row per line, in file order.

    Raises
    ------
    ManifestError
        Missing columns, empty values, duplicate sample ids, unknown sex values or VCFs
        that do not exist; every problem is listed with its line number.
    """
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise ManifestError(f"{p}: cannot read the manifest ({err})") from err
    lines = [(i + 1, ln) for i, ln in enumerate(text.splitlines())
             if ln.strip() and not ln.startswith("#")]
    if not lines:
        raise ManifestError(f"{p}: empty manifest; expected a header row 'sample<TAB>vcf'")
    header = [h.strip() for h in next(csv.reader([lines[0][1]], delimiter="\t"))]
    missing = [c for c in _REQUIRED if c not in header]
    if missing:
        raise ManifestError(
            f"{p}: manifest header {header} lacks column(s) {missing}; it must be tab-separated "
            "with at least 'sample' and 'vcf' (optional: sex, tumour_type, vcf_sample)"
        )
    rows: list[dict[str, Any]] = []
    problems: list[str] = []
    for lineno, line in lines[1:]:
        values = next(csv.reader([line], delimiter="\t"))
        rec = dict(zip(header, values, strict=False))
        where = f"{p}:{lineno}"
        sample, vcf = _text(rec.get("sample")), _text(rec.get("vcf"))
        if sample is None or vcf is None:
            problems.append(f"{where}: empty 'sample' or 'vcf'")
            continue
        vpath = Path(vcf) if os.path.isabs(vcf) else p.parent / vcf
        rows.append({
            "sample": sample,
            "vcf": os.path.abspath(vpath),
            "sex": _norm_sex(rec.get("sex"), where, problems),
            "tumour_type": _text(rec.get("tumour_type")),
            "vcf_sample": _text(rec.get("vcf_sample")),
            "line": lineno,
        })
    if not rows and not problems:
        problems.append(f"{p}: no sample rows after the header")
    _check_rows(rows, problems, str(p))
    cols = ["sample", "vcf", "sex", "tumour_type", "vcf_sample"]
    return pd.DataFrame([{c: r[c] for c in cols} for r in rows], columns=cols, dtype=object)


def _check_rows(rows: list[dict[str, Any]], problems: list[str], where: str) -> None:
    seen: dict[str, int] = {}
    pairs: set[tuple[str, str]] = set()
    for r in rows:
        line = r.get("line", "?")
        if r["sample"] in seen:
            problems.append(f"{where}:{line}: sample id {r['sample']!r} already used on line "
                            f"{seen[r['sample']]}; sample ids must be unique")
        seen.setdefault(r["sample"], line)
        if not os.path.exists(r["vcf"]):
            problems.append(f"{where}:{line}: VCF {r['vcf']!r} does not exist")
        key = (r["vcf"], r.get("vcf_sample") or r["sample"])
        if key in pairs:
            problems.append(f"{where}:{line}: {key[1]!r} of {r['vcf']!r} is listed twice")
        pairs.add(key)
    if problems:
        shown = problems[:20] + ([f"... and {len(problems) - 20} more"] if len(problems) > 20 else [])
        raise ManifestError("manifest problems:\n  " + "\n  ".join(shown))


def _is_manifest(path: Path) -> bool:
    name = path.name.lower()
    if name.endswith((".vcf", ".vcf.gz", ".vcf.bgz", ".bcf", ".gz", ".bgz")):
        return False
    if name.endswith((".tsv", ".txt", ".manifest")):
        return True
    try:
        with path.open("rb") as fh:
            head = fh.read(4096)
    except OSError:
        return False
    first = next((ln for ln in head.decode("utf-8", "replace").splitlines()
                  if ln.strip() and not ln.startswith("#")), "")
    cols = [c.strip() for c in first.split("\t")]
    return "sample" in cols and "vcf" in cols


def _from_frame(df: pd.DataFrame) -> pd.DataFrame:
    missing = [c for c in _REQUIRED if c not in df.columns]
    if missing:
        raise ManifestError(f"manifest DataFrame lacks column(s) {missing}; "
                            f"it has {list(df.columns)}")
    rows: list[dict[str, Any]] = []
    problems: list[str] = []
    for i, rec in enumerate(df.to_dict("records")):
        where = f"manifest row {i}"
        sample, vcf = _text(rec.get("sample")), _text(rec.get("vcf"))
        if sample is None or vcf is None:
            problems.append(f"{where}: empty 'sample' or 'vcf'")
            continue
        rows.append({"sample": sample, "vcf": os.path.abspath(vcf),
                     "sex": _norm_sex(rec.get("sex"), where, problems),
                     "tumour_type": _text(rec.get("tumour_type")),
                     "vcf_sample": _text(rec.get("vcf_sample")), "line": i})
    _check_rows(rows, problems, "manifest row")
    cols = ["sample", "vcf", "sex", "tumour_type", "vcf_sample"]
    return pd.DataFrame([{c: r[c] for c in cols} for r in rows], columns=cols, dtype=object)


def resolve_inputs(inputs: Inputs) -> list[CohortSample]:
    """One :class:`CohortSample` per sample to analyse, in input order.

    Parameters
    ----------
    inputs
        A manifest TSV path (or a DataFrame with its columns), one VCF path, or a list of VCF
        paths. A VCF with several samples contributes all of them, in header order.

    Returns
    -------
    list of CohortSample

    Raises
    ------
    ManifestError
        Nothing to analyse, files that do not exist, duplicate sample ids across VCFs (use a
        manifest to give them unique ids), or a manifest sample that is not in its
        multi-sample VCF.
    """
    if isinstance(inputs, pd.DataFrame):
        return _resolve_manifest(_from_frame(inputs))
    if isinstance(inputs, (str, os.PathLike)):
        p = Path(inputs)
        if p.is_file() and _is_manifest(p):
            return _resolve_manifest(read_manifest(p))
        paths: list[str | os.PathLike[str]] = [inputs]
    else:
        paths = list(inputs)
    if not paths:
        raise ManifestError("no inputs: pass VCF paths or a manifest TSV")
    return _resolve_paths(paths)


def _read_header(path: str) -> tuple[list[str] | None, str | None]:
    try:
        return header_samples(path), None
    except InputError as err:
        return None, str(err)


def _stem(path: str) -> str:
    name = os.path.basename(path)
    for suffix in (".vcf.gz", ".vcf.bgz", ".vcf", ".bcf", ".gz"):
        if name.lower().endswith(suffix):
            return name[: -len(suffix)] or name
    return name


def _resolve_paths(paths: Iterable[str | os.PathLike[str]]) -> list[CohortSample]:
    problems: list[str] = []
    out: list[CohortSample] = []
    seen_paths: set[str] = set()
    owner: dict[str, str] = {}
    for raw in paths:
        path = os.path.abspath(os.fspath(raw))
        if not os.path.exists(path):
            problems.append(f"{path}: does not exist")
            continue
        if path in seen_paths:
            problems.append(f"{path}: listed twice")
            continue
        seen_paths.add(path)
        names, err = _read_header(path)
        if names is None:
            # Scheduled anyway: the worker's reader reports the precise error.
            out.append(CohortSample(_stem(path), path, None, 0, header_error=err))
            continue
        if not names:
            out.append(CohortSample(_stem(path), path, None, 0,
                                    header_error=f"{path}: sites-only VCF (no sample columns)"))
            continue
        for name in names:
            out.append(CohortSample(name, path, name, len(names)))
    for s in out:
        if s.sample in owner:
            problems.append(
                f"sample id {s.sample!r} is in both {owner[s.sample]} and {s.path}; give the "
                "samples unique ids with a manifest TSV (columns sample, vcf, vcf_sample)"
            )
        owner.setdefault(s.sample, s.path)
    if problems:
        raise ManifestError("input problems:\n  " + "\n  ".join(problems[:20]))
    return out


def _resolve_manifest(df: pd.DataFrame) -> list[CohortSample]:
    headers: dict[str, tuple[list[str] | None, str | None]] = {}
    problems: list[str] = []
    out: list[CohortSample] = []
    for rec in df.to_dict("records"):
        path = str(rec["vcf"])
        if path not in headers:
            headers[path] = _read_header(path)
        names, err = headers[path]
        want = rec["vcf_sample"]
        if names is None or not names:
            out.append(CohortSample(rec["sample"], path, want, 0, rec["sex"], rec["tumour_type"],
                                    err or f"{path}: sites-only VCF (no sample columns)"))
            continue
        if want is None:
            if len(names) == 1:
                want = names[0]
            elif rec["sample"] in names:
                want = rec["sample"]
            else:
                problems.append(
                    f"sample {rec['sample']!r}: {path} has {len(names)} samples and none is called "
                    f"{rec['sample']!r}; add a 'vcf_sample' column naming its column"
                )
                continue
        elif want not in names:
            problems.append(f"sample {rec['sample']!r}: vcf_sample {want!r} is not in {path} "
                            f"(samples: {', '.join(names[:10])}{' ...' if len(names) > 10 else ''})")
            continue
        out.append(CohortSample(rec["sample"], path, want, len(names), rec["sex"],
                                rec["tumour_type"]))
    if problems:
        raise ManifestError("manifest problems:\n  " + "\n  ".join(problems[:20]))
    return out
