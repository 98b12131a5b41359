"""Annotated VCF: the input VCF with gmsvar's per-allele results as INFO fields.

The records of the source VCF are copied unchanged (every INFO and FORMAT field, every
sample) and five ``Number=A`` INFO fields are added, one value per ALT allele:

``GMSVAR_CLASS`` (String)
    ACGS 2020 class, e.g. ``Likely%20pathogenic``.
``GMSVAR_POINTS`` (Integer)
    ACGS/Tavtigian points.
``GMSVAR_CRITERIA`` (String)
    Applied criteria, e.g. ``PVS1%2CPM2_Supporting`` (the ``,`` is encoded because it
    separates the per-allele values).
``GMSVAR_GENE`` (String)
    Gene of the chosen transcript.
``GMSVAR_ACTIONABLE`` (Integer)
    1 if the allele gave an actionable finding in any sample, else 0.

String values are percent-encoded as VCF 4.3 section 1.2 describes (``%`` ``;`` ``=`` ``,``
``:``, space, tab, CR, LF and other control characters become ``%XX``; decode with
:func:`vcf_unescape`), so they are also valid VCF 4.2 strings. ``.`` means "not in the
interpretation" (an allele no sample carries, or a record kept by ``all_records=True``) or,
for ``GMSVAR_CRITERIA``, "no criterion applied". A ``##gmsvar_provenance=<JSON>`` header
line records the provenance; previous ``gmsvar_provenance`` lines are replaced.

The output is bgzip-compressed and indexed (``.tbi``, or ``.csi`` when a contig is longer
than TBI's 2^29-1 limit or when asked), written atomically together with its index.

Examples
--------
>>> vcf_escape("Likely pathogenic"), vcf_escape("PVS1,PM2_Supporting")
('Likely%20pathogenic', 'PVS1%2CPM2_Supporting')
>>> vcf_unescape("a%3Bb%3Dc%25")
'a;b=c%'
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from ..errors import InputError, VcfFormatError
from .writers import _dumps, _target, atomic_paths

__all__ = ["GMSVAR_INFO", "TBI_MAX_CONTIG_LENGTH", "vcf_escape", "vcf_unescape", "write_annotated_vcf"]

#: (ID, Number, Type, Description) of the INFO fields added.
GMSVAR_INFO: tuple[tuple[str, str, str, str], ...] = (
    ("GMSVAR_CLASS", "A", "String",
     "gmsvar ACGS 2020 (ACMG/AMP points) classification per ALT allele, percent-encoded "
     "(Likely%20pathogenic); . = allele not in the interpretation"),
    ("GMSVAR_POINTS", "A", "Integer", "gmsvar ACGS/Tavtigian points per ALT allele"),
    ("GMSVAR_CRITERIA", "A", "String",
     "gmsvar applied ACMG/AMP criteria per ALT allele, comma-joined then percent-encoded "
     "(PVS1%2CPM2_Supporting); . = none applied or allele not in the interpretation"),
    ("GMSVAR_GENE", "A", "String", "gmsvar gene (chosen transcript) per ALT allele, percent-encoded"),
    ("GMSVAR_ACTIONABLE", "A", "Integer",
     "gmsvar: 1 if the ALT allele gave an actionable finding in any sample, else 0"),
)
PROVENANCE_KEY = "gmsvar_provenance"
#: Largest contig length a TBI index can address (2^29 - 1); longer contigs need CSI.
TBI_MAX_CONTIG_LENGTH = 2**29 - 1

# VCF 4.3 section 1.2 characters with special meaning, plus space (not allowed in VCF 4.2
# INFO values) and every other ASCII control character.
_SPECIAL = set("%;=,: ") | {chr(c) for c in range(0x20)} | {"\x7f"}
_ESCAPE_TABLE = str.maketrans({c: f"%{ord(c):02X}" for c in _SPECIAL})
_UNESCAPE = re.compile(r"%([0-9A-Fa-f]{2})")

Key = tuple[str, int, str, str]


def vcf_escape(value: str) -> str:
    """Percent-encode a string for use as one INFO value (VCF 4.3 section 1.2, plus space).

    >>> vcf_escape("a b;c=d,e:f%\\n")
    'a%20b%3Bc%3Dd%2Ce%3Af%25%0A'
    """
    return value.translate(_ESCAPE_TABLE)


def vcf_unescape(value: str) -> str:
    """Decode :func:`vcf_escape` (any ``%XX`` sequence).

    >>> vcf_unescape(vcf_escape("<script>alert(1)</script>; x=1"))
    '<script>alert(1)</script>; x=1'
    """
    return _UNESCAPE.sub(lambda m: chr(int(m.group(1), 16)), value)


def _text(v: Any) -> str | None:
    if v is None or (not isinstance(v, str) and pd.isna(v)):
        return None
    s = str(v)
    return vcf_escape(s) if s else None


def _allele_values(variants: pd.DataFrame) -> dict[Key, tuple[str | None, int | None, str | None,
                                                              str | None, int]]:
    """One (class, points, criteria, gene, actionable) per allele over all samples.

    Classification is per allele, so samples normally agree; if they do not (e.g. different
    evidence per sample), the row with the most points is written and ``actionable`` is 1
    when any sample's row is actionable.
    """
    need = ["variant_contig", "variant_position", "variant_ref", "variant_alt"]
    missing = [c for c in need if c not in variants.columns]
    if missing:
        raise InputError(f"to_vcf: variants table lacks {missing}; "
                         "it must follow the Interpretation contract")
    if variants.empty:
        return {}
    df = pd.DataFrame({
        "contig": variants["variant_contig"].astype(str).to_numpy(),
        "pos": variants["variant_position"].astype(np.int64).to_numpy(),
        "ref": variants["variant_ref"].astype(str).to_numpy(),
        "alt": variants["variant_alt"].astype(str).to_numpy(),
        "points": pd.to_numeric(variants["points"], errors="coerce").to_numpy(dtype=float)
        if "points" in variants.columns else np.nan,
        "actionable": variants["actionable"].fillna(False).astype(bool).to_numpy()
        if "actionable" in variants.columns else False,
        "row": np.arange(len(variants)),
    })
    keys = ["contig", "pos", "ref", "alt"]
    df["any_actionable"] = df.groupby(keys, sort=False)["actionable"].transform("any")
    best = (df.sort_values("points", ascending=False, na_position="last", kind="stable")
            .drop_duplicates(keys, keep="first"))

    def col(name: str) -> list[Any]:
        if name not in variants.columns:
            return [None] * len(best)
        return list(variants[name].to_numpy()[best["row"].to_numpy()])

    out: dict[Key, tuple[str | None, int | None, str | None, str | None, int]] = {}
    for (contig, pos, ref, alt, points, act), cls, crit, gene in zip(
        best[[*keys, "points", "any_actionable"]].itertuples(index=False, name=None),
        col("classification"), col("criteria"), col("gene"), strict=True,
    ):
        key = (contig, int(pos), ref, alt)
        pts = None if np.isnan(points) else int(points)
        out[key] = (_text(cls), pts, _text(crit), _text(gene), int(bool(act)))
    return out


def _prepare_header(src_header: Any, provenance: Mapping[str, Any]) -> Any:
    header = src_header.copy()
    for rec in list(header.records):
        if rec.type == "GENERIC" and rec.key == PROVENANCE_KEY:
            rec.remove()
    for ident, number, typ, desc in GMSVAR_INFO:
        if ident in header.info:
            old = header.info[ident]
            if (str(old.number), str(old.type)) != (number, typ):
                raise InputError(
                    f"source VCF already declares INFO/{ident} as Number={old.number},Type={old.type}; "
                    f"gmsvar needs Number={number},Type={typ}: remove it first "
                    f"(bcftools annotate -x INFO/{ident})")
            continue
        header.info.add(ident, number, typ, desc)
    header.add_line(f"##{PROVENANCE_KEY}={_dumps(provenance)}")
    return header


def _index_kind(header: Any, index: str) -> Literal["tbi", "csi"]:
    if index in ("tbi", "csi"):
        return index  # type: ignore[return-value]
    if index != "auto":
        raise InputError(f"to_vcf: index must be 'auto', 'tbi' or 'csi', not {index!r}")
    lengths = [c.length for c in header.contigs.values() if c.length is not None]
    return "csi" if lengths and max(lengths) > TBI_MAX_CONTIG_LENGTH else "tbi"


def write_annotated_vcf(
    source: str | os.PathLike[str],
    path: str | os.PathLike[str],
    variants: pd.DataFrame,
    provenance: Mapping[str, Any],
    *,
    all_records: bool = False,
    index: Literal["auto", "tbi", "csi"] = "auto",
) -> Path:
    """Copy ``source`` to ``path`` (bgzip + index) with GMSVAR_* INFO fields added; atomic.

    Parameters
    ----------
    source
        The VCF/BCF the interpretation was made from (must be coordinate-sorted, as any
        indexable VCF).
    path
        Output, ending ``.vcf.gz`` (or ``.vcf.bgz``); the index is ``path + ".tbi"`` or
        ``".csi"``.
    variants
        Contract C variants table (``variant_contig``, ``variant_position``,
        ``variant_ref``, ``variant_alt``, ``classification``, ``points``, ``criteria``,
        ``gene``, ``actionable``). Alleles are matched on (contig, position, REF, ALT) as
        written in ``source``.
    provenance
        Written as one ``##gmsvar_provenance=<JSON>`` header line.
    all_records
        Keep every record; by default only records with at least one ALT allele in
        ``variants`` are written.
    index
        ``"auto"`` (TBI unless a contig exceeds 2^29-1 bp), ``"tbi"`` or ``"csi"``.

    Returns
    -------
    Path
        The VCF written.

    Examples
    --------
    >>> import gmsvar, os, tempfile, pandas as pd, pysam
    >>> src = gmsvar.example_path("trio_grch37.vcf.gz")
    >>> v = pd.DataFrame({"sample": ["ADM1059A1"], "variant_contig": ["1"],
    ...     "variant_position": [7890024], "variant_ref": ["T"], "variant_alt": ["G"],
    ...     "gene": ["PER3"], "classification": ["Uncertain significance"], "points": [1],
    ...     "criteria": ["PM2_Supporting"], "actionable": [False]})
    >>> with tempfile.TemporaryDirectory() as d:
    ...     out = write_annotated_vcf(src, os.path.join(d, "a.vcf.gz"), v, {"gmsvar_version": "x"})
    ...     with pysam.VariantFile(str(out)) as f:
    ...         rec = next(iter(f))
    ...     print(rec.pos, rec.info["GMSVAR_CLASS"], os.path.exists(str(out) + ".tbi"))
    7890024 ('Uncertain%20significance',) True
    """
    import pysam

    target = _target(path)
    if not target.name.endswith((".gz", ".bgz")):
        raise InputError(f"{target}: an annotated VCF is bgzip-compressed; name it *.vcf.gz")
    src_path = Path(os.fspath(source))
    if not src_path.is_file():
        raise InputError(f"{src_path}: source VCF not found; to_vcf needs the VCF the "
                         "interpretation was made from")
    if target.exists() and os.path.samefile(target, src_path):
        raise InputError(f"{target}: refusing to overwrite the source VCF; choose another path")
    values = _allele_values(variants)
    ids = [ident for ident, *_ in GMSVAR_INFO]
    try:
        src = pysam.VariantFile(str(src_path))
    except (OSError, ValueError) as err:
        raise VcfFormatError(f"cannot open as VCF/BCF: {err}", path=str(src_path)) from err
    with src:
        header = _prepare_header(src.header, provenance)
        kind = _index_kind(header, index)
        with atomic_paths(target, f"{target}.{kind}") as (tmp, tmp_index):
            with pysam.VariantFile(str(tmp), "wz", header=header) as out:
                for rec in src:
                    alts = rec.alts or ()
                    per_allele = [values.get((rec.chrom, rec.pos, rec.ref or "", alt)) for alt in alts]
                    found = any(v is not None for v in per_allele)
                    if not found and not all_records:
                        continue
                    rec.translate(out.header)
                    for ident in ids:
                        if ident in rec.info:
                            del rec.info[ident]  # stale values from an earlier gmsvar run
                    if found:
                        for j, ident in enumerate(ids):
                            vals = [v[j] if v is not None else None for v in per_allele]
                            if all(x is None for x in vals):
                                continue
                            # pysam writes a missing String element as "", not "."
                            rec.info[ident] = tuple("." if x is None and j in (0, 2, 3) else x
                                                    for x in vals)
                    out.write(rec)
            try:
                pysam.tabix_index(str(tmp), preset="vcf", force=True, csi=kind == "csi",
                                  index=str(tmp_index))
            except (OSError, ValueError) as err:
                raise InputError(f"{src_path}: cannot index the annotated VCF ({err}); "
                                 "is the source coordinate-sorted? (bcftools sort)") from err
    return target
