"""Population allele frequency (gnomAD) columns from INFO fields or VEP sub-fields.

The reader calls :func:`plan_popfreq` once on the header (caller overrides win)
and :func:`popfreq_columns` on every chunk, after :func:`~gmsvar.io.annotations.annotate`.
Output columns (see :mod:`gmsvar.schema`):

``variant_popfreq_af`` (float64)
    Global AF of the allele.
``variant_popfreq_max`` (float64)
    Highest ancestry-group AF: a grpmax/popmax field, else a FAF95 maximum,
    else VEP ``MAX_AF``, else the largest per-group AF over non-bottlenecked groups.
``variant_popfreq_status`` (int8, :data:`gmsvar.schema.POPFREQ_STATUS`)
    0 not annotated (unknown), 1 annotated but absent from the database, 2 present.

Rules
-----
* A field reference is ``"INFO/<ID>"`` or ``"<annotation INFO ID>/<sub-field>"``
  (``"CSQ/gnomADe_AF"``).
* An allele is *annotated* by an annotation sub-field when it has at least one
  annotation entry (a CSQ entry for that ALT); by an INFO field whenever the
  header declares the field. INFO annotators (vcfanno, echtvar, slivar,
  bcftools annotate) leave the field out both for "not in the database" and for
  "not processed", so a declared INFO field that is missing counts as absent.
* Annotated and missing (or ``.``) -> absent: value 0.0, status 1. Not
  annotated -> NaN, status 0. No population field found at all -> status 0
  and NaN everywhere.
* Frequencies are per allele and identical across transcripts: the first
  non-empty value over the allele's annotation entries is used. VEP joins the
  values of co-located known variants with ``&``; the largest is used (the
  allele is at least that common in one record of the database).
* When the AF field is empty for an allele, the other global-AF fields of the same
  annotation are tried in order (``gnomADe_AF`` then ``gnomADg_AF``): an allele
  seen only in gnomAD genomes is present, not absent.
* Status follows the AF fields; without one, the max fields.
* Max over per-group fields leaves out bottlenecked groups, as gnomAD's
  grpmax/popmax do (v4: ami, asj, fin, mid, remaining; v2: asj, fin, oth).
  VEP ``MAX_AF`` already includes every population (and 1000 Genomes/ESP), so it
  is used as written.

Examples
--------
>>> import numpy as np
>>> from gmsvar.table import FieldDef
>>> info = {"gnomAD_AF": FieldDef("gnomAD_AF", "A", "Float", "gnomAD v4 AF (echtvar)")}
>>> plan = plan_popfreq(info, None)
>>> plan.af, plan.max
('INFO/gnomAD_AF', ())
>>> cols, prov = popfreq_columns(
...     plan, {"variant_info_gnomAD_AF": np.array([0.25, np.nan], dtype=np.float32)})
>>> cols["variant_popfreq_af"].tolist(), cols["variant_popfreq_status"].tolist()
([0.25, 0.0], [2, 1])
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..errors import InputError
from ..schema import POPFREQ_STATUS
from ..table import INT_MISSING, FieldDef
from .annotations import AnnotationSpec, field_column

__all__ = ["BOTTLENECKED_GROUPS", "PopFreqPlan", "plan_popfreq", "popfreq_columns"]

#: gnomAD ancestry groups left out of grpmax/popmax (v4: ami, asj, fin, mid, remaining;
#: v2: asj, fin, oth).
BOTTLENECKED_GROUPS: frozenset[str] = frozenset({"ami", "asj", "fin", "mid", "remaining", "oth"})
_GROUPS = frozenset({"afr", "amr", "eas", "nfe", "sas"}) | BOTTLENECKED_GROUPS
_SOURCE_WORDS = frozenset({"e", "g", "exome", "exomes", "genome", "genomes", "joint", "adj"})
_MAX_WORDS = frozenset({"max", "popmax", "grpmax"})
_NONE_FOUND = (
    "none found: no gnomAD AF/grpmax/popmax/faf95 INFO field and no VEP gnomAD or MAX_AF "
    "sub-field in the header"
)
_RULE = (
    "af: value of the allele (annotation sub-fields: first non-empty over its entries; "
    "'&'-joined values: the largest); max: largest over the max fields; a missing value on an "
    "annotated allele (it has an annotation entry, or the INFO field is declared) means absent "
    "from the database (0.0, status 1); INFO annotators cannot tell 'not processed' from "
    "'absent', so declared-but-missing counts as absent; no annotation -> NaN, status 0"
)


@dataclass(frozen=True)
class PopFreqPlan:
    """Which fields give the population frequencies.

    Attributes
    ----------
    af
        Field with the global AF (``"INFO/gnomAD_AF"``, ``"CSQ/gnomADe_AF"``), or ``None``.
    max
        Fields whose maximum is the highest ancestry-group AF (one summary
        field such as ``("INFO/AF_grpmax",)`` or ``("CSQ/MAX_AF",)``, or
        per-group fields); empty if none.
    description
        What was chosen and why, for provenance.
    af_alternatives
        Other global-AF fields of the same annotation, used in order when ``af`` is
        missing for an allele (gnomAD genomes when ``af`` is exomes, ...).
    """

    af: str | None
    max: tuple[str, ...]
    description: str
    af_alternatives: tuple[str, ...] = ()


@dataclass(frozen=True)
class _Candidate:
    ref: str  # "INFO/x" or "CSQ/x"
    name: str
    info: bool
    order: int
    category: str  # af | grpmax | faf | maxaf | group
    source: tuple[str, ...]
    group: str | None = None


def _tokens(name: str) -> list[str]:
    return [t for t in re.split(r"[_.\-\s/]+", name.lower()) if t]


def _is_filler(tok: str) -> bool:
    return tok.startswith("gnomad") or tok in _SOURCE_WORDS or bool(re.fullmatch(r"v?\d+", tok))


def _classify(name: str, *, info: bool, ftype: str, gnomad_desc: bool) -> tuple[str, ...] | None:
    """(category, *source tokens) of a field name, or None if it is not a population AF."""
    toks = _tokens(name)
    marker = gnomad_desc or any(t.startswith("gnomad") for t in toks)
    source = tuple(t for t in toks if _is_filler(t))
    if "faf95" in toks:
        rest = [t for t in toks if t not in _MAX_WORDS | {"faf95", "fafmax"} and not _is_filler(t)]
        if not rest and _MAX_WORDS & set(toks):
            return ("faf", *source)
        return None
    if "grpmax" in toks or "popmax" in toks:
        rest = [t for t in toks if t not in {"af", "grpmax", "popmax"} and not _is_filler(t)]
        numeric = ftype == "Float" if info else "af" in toks  # v2 INFO/popmax is a group name
        return ("grpmax", *source) if not rest and numeric else None
    if not info and name == "MAX_AF":
        return ("maxaf",)
    if not marker or "af" not in toks or (info and name.upper() == "AF"):
        return None
    groups = [t for t in toks if t in _GROUPS]
    rest = [t for t in toks if t != "af" and t not in _GROUPS and not _is_filler(t)]
    if rest or len(groups) > 1:
        return None
    return ("group", *source, groups[0]) if groups else ("af", *source)


def _candidates(
    info: Mapping[str, FieldDef], annotation: AnnotationSpec | None
) -> list[_Candidate]:
    out: list[_Candidate] = []
    for order, (fid, d) in enumerate(info.items()):
        if d.type not in ("Float", "String") or (annotation and fid == annotation.info_id):
            continue
        c = _classify(fid, info=True, ftype=d.type,
                      gnomad_desc="gnomad" in (d.description or "").lower())
        if c:
            grp = c[-1] if c[0] == "group" else None
            src = c[1:-1] if grp else c[1:]
            out.append(_Candidate(f"INFO/{fid}", fid, True, order, c[0], src, grp))
    if annotation is not None:
        for order, name in enumerate(annotation.fields):
            c = _classify(name, info=False, ftype="String", gnomad_desc=False)
            if c:
                grp = c[-1] if c[0] == "group" else None
                src = c[1:-1] if grp else c[1:]
                out.append(_Candidate(f"{annotation.info_id}/{name}", name, False, order, c[0],
                                      src, grp))
    return out


def _af_preference(c: _Candidate) -> tuple[int, int, int]:
    s = set(c.source)
    if "joint" in s:
        kind = 0
    elif s & {"e", "exome", "exomes", "gnomade"}:
        kind = 1
    elif s & {"g", "genome", "genomes", "gnomadg"}:
        kind = 3
    else:
        kind = 2
    return (0 if c.info else 1, kind, c.order)


def _resolve(ref: str, info: Mapping[str, FieldDef], annotation: AnnotationSpec | None) -> str:
    """Canonical ``NS/name`` for a caller's field reference, or InputError."""
    head, sep, tail = ref.partition("/")
    ann_ns = {annotation.info_id, annotation.kind} if annotation else set()
    ann_fields = set(annotation.fields) if annotation else set()
    if sep and head == "INFO":
        if tail in info and info[tail].type != "Flag":
            return ref
    elif sep and head in ann_ns:
        if annotation is not None and tail in ann_fields:
            return f"{annotation.info_id}/{tail}"
    elif ref in info and info[ref].type != "Flag":
        return f"INFO/{ref}"
    elif annotation is not None and ref in ann_fields:
        return f"{annotation.info_id}/{ref}"
    sub = (f"; INFO/{annotation.info_id} sub-fields: {list(annotation.fields)[:30]}"
           if annotation else "")
    raise InputError(
        f"population-frequency field {ref!r} is not in this header; pass 'INFO/<ID>' for an INFO "
        f"field or '<annotation>/<sub-field>' (e.g. 'CSQ/gnomADe_AF'){sub}"
    )


def plan_popfreq(
    info: Mapping[str, FieldDef],
    annotation: AnnotationSpec | None,
    *,
    af_field: str | None = None,
    max_fields: Sequence[str] | None = None,
) -> PopFreqPlan:
    """Choose the population-frequency fields of a file from its header.

    Parameters
    ----------
    info
        INFO definitions by ID.
    annotation
        The transcript annotation the reader uses (its sub-fields are candidates).
    af_field, max_fields
        Caller overrides (``"INFO/<ID>"``, ``"<annotation>/<sub-field>"`` or a bare
        name, INFO first); they win over detection. ``max_fields=()`` disables the max.

    Returns
    -------
    PopFreqPlan
        ``af``/``max`` may be empty when nothing is found; ``description`` says so.

    Notes
    -----
    Detection (INFO before annotation sub-fields, header order within):

    * AF: gnomAD-marked ``*_AF`` names without an ancestry group (``gnomAD_AF``,
      ``gnomad_af``, VEP ``gnomADe_AF``/``gnomADg_AF``/``gnomAD_AF``), joint over
      exomes over unspecified over genomes. A bare ``INFO/AF`` (the cohort's own
      AF) is never used.
    * max: grpmax/popmax AF (``AF_grpmax``, ``AF_popmax``, ``gnomad_popmax_af``),
      then FAF95 maxima (``faf95_max``, ``fafmax_faf95_max``, ``faf95_popmax``),
      then VEP ``MAX_AF``, then per-group AFs (``gnomADe_NFE_AF``, ``gnomAD_AF_nfe``)
      of the same source as the AF field, bottlenecked groups excluded.

    Raises
    ------
    InputError
        If an override names a field the header does not have.
    """
    cands = _candidates(info, annotation)
    notes: list[str] = []
    alternatives: tuple[str, ...] = ()
    afs = sorted((c for c in cands if c.category == "af"), key=_af_preference)
    if af_field is not None:
        af: str | None = _resolve(af_field, info, annotation)
        notes.append(f"af: {af} (caller)")
    else:
        af = afs[0].ref if afs else None
        if af:
            # exome-only or genome-only presence is still presence: fall back to the others
            alternatives = tuple(c.ref for c in afs[1:] if c.info == afs[0].info)
            notes.append(f"af: {af} (detected)" + (
                f", else {', '.join(alternatives)} when it is empty" if alternatives else ""))
    af_sources = [c.source for c in afs if c.ref == af or c.ref in alternatives]
    af_source = af_sources[0] if af_sources else None
    if max_fields is not None:
        mx = tuple(_resolve(f, info, annotation) for f in max_fields)
        notes.append(f"max: {', '.join(mx) or 'disabled'} (caller)")
    else:
        mx = ()
        for category, what in (
            ("grpmax", "gnomAD grpmax/popmax AF"),
            ("faf", "gnomAD FAF95 maximum (lower 95% bound of the highest group AF)"),
            ("maxaf", "VEP MAX_AF: highest AF over 1000 Genomes, ESP and gnomAD populations, "
                      "bottlenecked groups included"),
        ):
            found = sorted((c for c in cands if c.category == category),
                           key=lambda c: (0 if c.info else 1, c.source != af_source, c.order))
            if found:
                mx = (found[0].ref,)
                notes.append(f"max: {mx[0]} ({what})")
                break
        else:
            groups = [c for c in cands if c.category == "group"]
            if groups:
                lead = next((c for c in groups if c.source == af_source), groups[0])
                # per-group fields of the AF field's dataset(s), e.g. gnomADe_* and gnomADg_*
                wanted = {lead.source, *af_sources}
                same = [c for c in groups if c.source in wanted and c.info == lead.info]
                mx = tuple(c.ref for c in same if c.group not in BOTTLENECKED_GROUPS)
                left = sorted({c.group or "" for c in same if c.group in BOTTLENECKED_GROUPS})
                if mx:
                    notes.append(
                        f"max: largest of {', '.join(mx)} (per-group AFs; bottlenecked groups "
                        f"excluded as in gnomAD grpmax: {', '.join(left) or 'none present'})"
                    )
    if af is None and not mx:
        return PopFreqPlan(None, (), _NONE_FOUND)
    return PopFreqPlan(af, mx, "; ".join(notes), alternatives)


# -- chunk columns -----------------------------------------------------------------------------
def _freq(value: Any, cache: dict[str, float]) -> float:
    """A frequency from a raw value: None/''/'.' -> NaN; '0.1&0.3' -> 0.3; tuples -> first set."""
    if value is None:
        return np.nan
    if isinstance(value, str):
        hit = cache.get(value)
        if hit is None:
            best = np.nan
            for part in value.split("&"):
                try:
                    f = float(part)
                except ValueError:
                    continue
                if f == f and not (best >= f):
                    best = f
            hit = cache[value] = best
        return hit
    if isinstance(value, (tuple, list, np.ndarray)):
        for v in value:  # Number=. INFO: the reader cannot split it per allele; first value
            f = _freq(v, cache)
            if f == f:
                return f
        return np.nan
    f = float(value)
    return np.nan if f == INT_MISSING else f


def _field_values(
    ref: str, columns: Mapping[str, np.ndarray], n: int
) -> tuple[np.ndarray, np.ndarray]:
    """(values float64 with NaN = missing, annotated mask) for one field reference."""
    ns, _, name = ref.partition("/")
    cache: dict[str, float] = {}
    if ns == "INFO":
        key = f"variant_info_{name}"
        if key not in columns:
            raise InputError(f"popfreq_columns(): column {key!r} is missing; read INFO/{name}")
        col = np.asarray(columns[key])
        if col.ndim == 2:  # Number=R (REF, ALT): this ALT; other fixed Number: first value
            col = col[:, 1] if col.shape[1] == 2 else col[:, 0]
        if col.dtype.kind == "f":
            vals = col.astype(np.float64)
        elif col.dtype.kind in "iu":
            vals = np.where(col == INT_MISSING, np.nan, col).astype(np.float64)
        else:
            vals = np.array([_freq(v, cache) for v in col], dtype=np.float64)
        if len(vals) != n:
            raise InputError(f"popfreq_columns(): {key} has {len(vals)} rows, expected {n}")
        return vals, np.ones(n, dtype=bool)
    key = field_column(name)
    if key not in columns or "annotation_variant" not in columns:
        raise InputError(
            f"popfreq_columns(): columns {key!r} and 'annotation_variant' are needed for {ref}; "
            "pass the annotate() columns"
        )
    av = np.asarray(columns["annotation_variant"], dtype=np.int64)
    per_entry = np.array([_freq(v, cache) for v in columns[key]], dtype=np.float64)
    annotated = np.zeros(n, dtype=bool)
    annotated[av] = True
    vals = np.full(n, np.nan)
    idx = np.flatnonzero(~np.isnan(per_entry))
    rows, first = np.unique(av[idx], return_index=True)  # first non-empty entry per allele
    vals[rows] = per_entry[idx[first]]
    return vals, annotated


def popfreq_columns(
    plan: PopFreqPlan,
    columns: Mapping[str, np.ndarray],
    *,
    n_variants: int | None = None,
) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    """Population-frequency columns for one chunk.

    Parameters
    ----------
    plan
        From :func:`plan_popfreq`.
    columns
        The chunk's columns: ``variant_info_<ID>`` for INFO fields of the plan
        (split per allele row; Float -> float32 NaN, String -> object None,
        ``Number=R`` as (rows, 2), ``Number=.`` as tuples) and, for annotation
        sub-fields, ``annotation_field_<NAME>`` plus ``annotation_variant`` as
        returned by :func:`~gmsvar.io.annotations.annotate`.
    n_variants
        Number of allele rows; by default the length of the first ``variant_*``
        column in ``columns``.

    Returns
    -------
    columns
        ``variant_popfreq_af``, ``variant_popfreq_max`` (float64) and
        ``variant_popfreq_status`` (int8); see the module docstring.
    provenance
        ``popfreq_af_field``, ``popfreq_max_fields``, ``popfreq_rule``,
        ``popfreq_description``.

    Raises
    ------
    InputError
        If a column the plan needs is missing or the row count cannot be told.
    """
    if n_variants is None:
        first = next((k for k in columns if k.startswith("variant_")), None)
        if first is None:
            raise InputError("popfreq_columns(): pass n_variants or at least one variant_* column")
        n_variants = len(columns[first])
    n = int(n_variants)
    prov: dict[str, Any] = {
        "popfreq_af_field": plan.af,
        "popfreq_af_alternatives": list(plan.af_alternatives),
        "popfreq_max_fields": list(plan.max),
        "popfreq_rule": _RULE,
        "popfreq_description": plan.description,
    }
    status = np.full(n, POPFREQ_STATUS["not_annotated"], dtype=np.int8)
    af = np.full(n, np.nan)
    mx = np.full(n, np.nan)
    if plan.af is None and not plan.max:
        return ({"variant_popfreq_af": af, "variant_popfreq_max": mx,
                 "variant_popfreq_status": status}, prov)
    if plan.max:
        parts = [_field_values(f, columns, n) for f in plan.max]
        best = parts[0][0]
        annotated_max = parts[0][1].copy()
        for vals, ann in parts[1:]:
            best = np.fmax(best, vals)  # NaN-ignoring, no all-NaN warning
            annotated_max |= ann
        present_max = ~np.isnan(best)
        mx = np.where(present_max, best, np.where(annotated_max, 0.0, np.nan))
    if plan.af is not None:
        vals, annotated = _field_values(plan.af, columns, n)
        for alt in plan.af_alternatives:
            alt_vals, alt_annotated = _field_values(alt, columns, n)
            vals = np.where(np.isnan(vals), alt_vals, vals)
            annotated |= alt_annotated
        present = ~np.isnan(vals)
        af = np.where(present, vals, np.where(annotated, 0.0, np.nan))
    else:
        present, annotated = present_max, annotated_max
    status[annotated] = POPFREQ_STATUS["absent"]
    status[present] = POPFREQ_STATUS["present"]
    return {"variant_popfreq_af": af, "variant_popfreq_max": mx,
            "variant_popfreq_status": status}, prov
