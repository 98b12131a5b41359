"""Transcript annotations (VEP ``CSQ``, SnpEff ``ANN``, bcftools ``BCSQ``) as table columns.

The VCF reader calls :func:`annotation_specs` once on the header and
:func:`annotate` on every chunk, after splitting multiallelic records into one
row per ALT allele. :func:`annotate` returns

* per allele row: the chosen transcript and its gene, consequence, impact,
  HGVS, exon/intron, plus the most severe consequence over *all* transcripts
  (``variant_worst_consequence``);
* per annotation entry (one row per transcript/feature of each allele):
  ``annotation_*`` columns linked by ``annotation_variant``, including every
  sub-field that no standard column reproduces as ``annotation_field_<NAME>``
  (``NAME`` exactly as written in the header, e.g. ``annotation_field_REVEL``,
  ``annotation_field_gnomADe_AF``), so scores and frequencies stay reachable.

Severity comes from the versioned table ``gmsvar/data/so_consequences.tsv``
(VEP order; SnpEff-only and bcftools terms mapped to SO/VEP terms).

Columns
-------
Standard ``annotation_*`` columns take these sub-fields (VEP / SnpEff / bcftools):
gene ``SYMBOL`` (``Gene`` if the header has no ``SYMBOL``) / ``Gene_Name`` / ``gene``;
transcript ``Feature`` / ``Feature_ID`` / ``transcript``; biotype ``BIOTYPE`` /
``Transcript_BioType`` / ``biotype``; impact ``IMPACT`` / ``Annotation_Impact`` / the
table's impact of the most severe term; HGVS ``HGVSc``, ``HGVSp`` / ``HGVS.c``,
``HGVS.p`` (URL escapes such as ``%3D`` decoded; SnpEff HGVS carry no transcript
prefix); exon/intron ``EXON``, ``INTRON`` / ``Rank`` (an intron number when the
entry's terms include ``intron_variant``); ``annotation_consequence`` is the
``&``-joined terms mapped to SO (unknown terms kept as written, rank -1);
``annotation_mane_select`` and ``annotation_canonical`` are VEP's flags. These
sub-fields are then not repeated as ``annotation_field_*``; every other one is,
including SnpEff's ``Annotation`` and bcftools' ``Consequence`` as written, VEP's
``Gene``, ``MANE_SELECT``, ``ALLELE_NUM`` and all scores and frequencies. Empty
values and ``.`` are ``None``. A repeated sub-field name gets a ``_2`` suffix.
bcftools annotations add ``annotation_downstream_of_stop`` (bool).

Allele matching
---------------
Annotation entries describe one ALT allele each (VEP, SnpEff) or a haplotype
(bcftools). Per record and entry:

VEP ``CSQ``
    ``ALLELE_NUM`` (``--allele_number``) when present and in range. Otherwise the
    ``Allele`` sub-field is compared with VEP's own allele strings for the record:
    for a single ALT, an indel whose first base equals REF's loses that base
    (``-`` when nothing is left); for several ALTs, the first base is removed from
    every allele only if the record has an indel and REF and all ALTs (``*``
    ignored) share their first base; otherwise alleles are as written. Fallbacks:
    fully trimmed alleles (VEP ``--minimal``), then VEP's structural-variant class
    words (``deletion``, ``insertion``, ``duplication``, ...).
SnpEff ``ANN``
    ``Allele`` is the ALT as written; a compound/cancer suffix (``T-chr1:123_A>G``,
    ``T-C``) is cut at the first ``-``. Same fallbacks as VEP.
bcftools ``BCSQ``
    Entries are haplotype consequences, not per allele. An entry whose
    ``dna_change`` (``69719C>G``, or ``+``-joined parts for compound consequences)
    names this record's REF>ALT (and POS, when ``position`` is given) goes to that
    allele; entries without a matching ``dna_change`` (non-coding, intron, ...)
    go to every ALT of the record (``*`` excluded). ``@<POS>`` entries point to
    the record that carries a joint consequence: they are not annotations, and
    are only counted (``annotation_counts['bcsq_references']``). A leading ``*``
    (consequence downstream of a stop gained elsewhere on the haplotype) is
    stripped for the lookup and recorded in ``annotation_downstream_of_stop``.

For a single-ALT record whose entries all carry the same ``Allele`` (or none),
every entry belongs to that ALT, whatever its spelling. If a single-ALT record
carries entries for several alleles (file split *after* annotation), only the
entries matching the ALT are kept. Entries that match no allele are dropped
with a :class:`~gmsvar.errors.GmsvarWarning` and counted; multiallelic entries
that cannot be matched at all (no ``Allele``/``ALLELE_NUM`` sub-field) or match
several ALTs are attached to each candidate and counted as
``attached_to_several_alleles``.

Transcript choice
-----------------
Per allele: MANE Select (VEP ``MANE_SELECT`` non-empty, or ``MANE`` non-empty and
not MANE Plus Clinical) first, then ``CANONICAL=YES``, then ``PICK=1``, then the
most severe entry; within a tier the most severe, ties by written order. The
flags only count for transcripts the variant lies in: an entry whose most severe
term is ``upstream_gene_variant`` or less severe (downstream, regulatory,
intergenic) competes on severity alone, so a missense in gene B is not hidden
behind gene A's MANE transcript 3 kb away (VEP ``--pick`` would pick gene A). SnpEff
and bcftools have no such flags, so the most severe entry wins. bcftools entries
marked downstream-of-stop rank after all others. The rule used is recorded per
row in ``variant_transcript_choice`` (``"only"`` when the allele has a single
entry without MANE/canonical/pick flags).

Examples
--------
>>> import numpy as np
>>> from gmsvar.table import FieldDef
>>> info = {"BCSQ": FieldDef("BCSQ", ".", "String",
...         "Local consequence annotation from BCFtools/csq. Format: "
...         "Consequence|gene|transcript|biotype|strand|amino_acid_change|dna_change")}
>>> spec = annotation_specs(info)[0]
>>> spec.kind, spec.fields[0]
('BCSQ', 'Consequence')
>>> raw = np.array(["stop_gained|OR4F5|ENST00000335137|protein_coding|+|210S>210*|69719C>G"],
...                dtype=object)
>>> cols, cats, prov = annotate(spec, raw, np.array(["C"], dtype=object),
...                             np.array([("G",)], dtype=object), np.array([1]))
>>> cats["variant_consequence"][cols["variant_consequence"][0]]
'stop_gained'
>>> int(cols["variant_consequence_rank"][0]), cats["variant_impact"][cols["variant_impact"][0]]
(4, 'HIGH')
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Any, Literal, NamedTuple

import numpy as np

from .._so import IMPACTS, so_rows
from ..errors import GmsvarWarning, InputError
from ..table import FieldDef

try:  # the bulk sub-field splitter; without it the Python code below does the same
    from . import _ann
except ImportError:  # pragma: no cover - built by setup.py
    _ann = None  # type: ignore[assignment]

__all__ = [
    "ANN_FIELDS",
    "BCSQ_FIELDS",
    "IMPACTS",
    "TRANSCRIPT_CHOICES",
    "AnnotationSpec",
    "SoTable",
    "annotate",
    "annotation_specs",
    "field_column",
    "load_so_table",
]

AnnotationKind = Literal["CSQ", "ANN", "BCSQ"]

#: SnpEff ``ANN`` sub-fields (the ANN format is fixed; names as in SnpEff's header).
ANN_FIELDS: tuple[str, ...] = (
    "Allele", "Annotation", "Annotation_Impact", "Gene_Name", "Gene_ID", "Feature_Type",
    "Feature_ID", "Transcript_BioType", "Rank", "HGVS.c", "HGVS.p", "cDNA.pos / cDNA.length",
    "CDS.pos / CDS.length", "AA.pos / AA.length", "Distance", "ERRORS / WARNINGS / INFO",
)
#: bcftools ``BCSQ`` sub-fields when the header gives no ``Format:``.
BCSQ_FIELDS: tuple[str, ...] = (
    "Consequence", "gene", "transcript", "biotype", "strand", "amino_acid_change", "dna_change",
)
#: Labels of ``variant_transcript_choice``. (Those of ``variant_impact``, codes 0..3, are
#: :data:`IMPACTS`, most severe first, from :mod:`gmsvar._so`.)
TRANSCRIPT_CHOICES: tuple[str, ...] = ("mane_select", "canonical", "pick", "most_severe", "only")

_ORIGINS = {"CSQ": ("vep", "vep_legacy"), "ANN": ("vep", "snpeff"), "BCSQ": ("vep", "bcsq")}
_UNKNOWN_RANK = 1_000_000  # sort key of terms missing from the SO table: least severe
_FLANKING_RANK = 32  # upstream_gene_variant and everything less severe: not inside the feature
_MISSING = ("", ".")
_SV_WORDS = {
    "deletion": "DEL", "insertion": "INS", "duplication": "DUP", "tandem_duplication": "DUP",
    "inversion": "INV", "copy_number_variation": "CNV", "copy_number_gain": "DUP",
    "copy_number_loss": "DEL", "mobile_element_insertion": "INS",
}
_DNA_PART = re.compile(r"^(\d+)([A-Za-z*]*)>([A-Za-z*]*)$")
_INTRON_TERMS = frozenset({"intron_variant", "conserved_intron_variant"})


# -- sub-field rules shared by the per-entry parser (_Entry) and the bulk one (_Pool) ----------
def _text(v: str) -> str | None:
    """A text sub-field: None when empty or ``.``."""
    return None if v in _MISSING else v


def _hgvs(v: str) -> str | None:
    """An HGVS sub-field, URL escapes (``p.%3D``) decoded as :func:`urllib.parse.unquote`
    does (VEP escapes ``=`` in synonymous HGVSp; ``str.replace`` decodes that faster)."""
    if v in _MISSING:
        return None
    if "%" in v:
        v = v.replace("%3D", "=")
        if "%" in v:
            from urllib.parse import unquote  # (rarely needed; importing it costs 2 ms)

            v = unquote(v)
    return v


def _entry_allele(kind: AnnotationKind, v: str) -> str:
    """An entry's Allele as matched: upper case, "" when missing; SnpEff's compound or
    cancer suffix (``T-chr1:123_A>G``, ``T-C``) cut at the first ``-``."""
    if kind == "ANN" and "-" in v[1:]:
        v = v.split("-", 1)[0]
    return "" if v in _MISSING else v.upper()


def _mane_plus_clinical_free(v: str) -> bool:
    """VEP ``MANE`` sub-field naming MANE Select (not only MANE Plus Clinical)."""
    return v not in _MISSING and "plus" not in v.lower()


def _intronic(cons_text: str) -> bool:
    """SnpEff: the entry's Rank is an intron number."""
    return not _INTRON_TERMS.isdisjoint(cons_text.split("&"))


@dataclass(frozen=True)
class AnnotationSpec:
    """Where and how a transcript annotation is stored in the INFO column.

    Attributes
    ----------
    kind
        ``"CSQ"`` (Ensembl VEP), ``"ANN"`` (SnpEff) or ``"BCSQ"`` (bcftools csq),
        decided from the header Description, not the ID (VEP output is sometimes
        stored as ``INFO/ANN`` or ``INFO/vep``).
    info_id
        The INFO key holding the annotation.
    fields
        Sub-field names in order: VEP's from ``Format: A|B|...``, SnpEff's fixed 16,
        bcftools' from ``Format:`` (7 by default).
    """

    kind: AnnotationKind
    info_id: str
    fields: tuple[str, ...]


def field_column(name: str) -> str:
    """Column holding annotation sub-field ``name`` (the name is kept verbatim).

    >>> field_column("gnomADe_AF")
    'annotation_field_gnomADe_AF'
    """
    return f"annotation_field_{name}"


# -- SO severity table -------------------------------------------------------------------------
@dataclass(frozen=True)
class SoTable:
    """The consequence severity table (``gmsvar/data/so_consequences.tsv``).

    Attributes
    ----------
    version
        The table's ``# version:`` line.
    labels
        Every SO/VEP label gmsvar may report, in severity order (most severe first).
    lookup
        Per annotation kind: lower-cased written term -> ``(so_term, rank, impact)``.
    """

    version: str
    labels: tuple[str, ...]
    lookup: Mapping[str, Mapping[str, tuple[str, int, str]]]

    def describe(self, kind: AnnotationKind, term: str) -> tuple[str, int, str] | None:
        """``(so_term, rank, impact)`` for a term as written by ``kind``, or ``None``.

        >>> load_so_table().describe("ANN", "conservative_inframe_deletion")
        ('inframe_deletion', 12, 'MODERATE')
        """
        return self.lookup[kind].get(term.lower())


@cache
def load_so_table() -> SoTable:
    """The packaged SO consequence table as per-tool lookups (cached; see :mod:`gmsvar._so`)."""
    version, rows = so_rows()
    per_origin: dict[str, dict[str, tuple[str, int, str]]] = {}
    for row in rows:
        per_origin.setdefault(row.origin, {})[row.term.lower()] = (row.so_term, row.rank, row.impact)
    # every label, most severe first (equal ranks in file order)
    labels = tuple(dict.fromkeys(r.so_term for _, r in sorted(enumerate(rows),
                                                                key=lambda x: (x[1].rank, x[0]))))
    lookup = {}
    for kind, origins in _ORIGINS.items():
        merged: dict[str, tuple[str, int, str]] = {}
        for origin in origins:  # later origins (tool-specific) override the VEP rows
            merged.update(per_origin.get(origin, {}))
        lookup[kind] = merged
    return SoTable(version, labels, lookup)


@lru_cache(maxsize=1 << 16)
def _map_consequence(
    kind: AnnotationKind, text: str
) -> tuple[str | None, int, str | None, str | None]:
    """'&'-joined terms -> (mapped '&'-joined SO terms, best rank or -1, best label, impact)."""
    if text in _MISSING:
        return None, -1, None, None
    so = load_so_table()
    mapped: list[str] = []
    best: tuple[str, int, str] | None = None
    first_unknown: str | None = None
    for term in text.split("&"):
        hit = so.describe(kind, term)
        if hit is None:
            mapped.append(term)
            first_unknown = first_unknown or term
            continue
        mapped.append(hit[0])
        if best is None or hit[1] < best[1]:
            best = hit
    joined = "&".join(dict.fromkeys(mapped))
    if best is None:
        return joined, -1, first_unknown, None
    return joined, best[1], best[0], best[2]


# -- header detection --------------------------------------------------------------------------
def _after_format(description: str) -> tuple[str, ...] | None:
    m = re.search(r"Format:\s*'?([^'\"]*)", description)
    if not m:
        return None
    names = tuple(f.strip() for f in m.group(1).strip().rstrip(">").split("|"))
    return names if len(names) > 1 and all(names) else None


def annotation_specs(info: Mapping[str, FieldDef]) -> list[AnnotationSpec]:
    """Detect transcript annotations among the INFO definitions of a header.

    Parameters
    ----------
    info
        INFO definitions by ID (:attr:`gmsvar.table.VcfMetadata.info`).

    Returns
    -------
    Specs in order of preference: VEP, then SnpEff, then bcftools; header order
    within a kind. Empty if the file carries none.

    Notes
    -----
    Detection reads the Description: ``BCFtools/csq`` (or ID ``BCSQ`` with a
    ``Format:``) is bcftools; ``Functional annotations: 'Allele | Annotation ...``
    is SnpEff ANN; a ``Format:`` list mentioning VEP, or containing a
    ``Consequence`` sub-field, is VEP (whatever the ID: ``CSQ``, ``ANN``, ``vep``).
    Other pipe-formatted fields (SnpEff ``LOF``/``NMD``) are not transcript
    annotations.

    >>> from gmsvar.table import FieldDef
    >>> d = FieldDef("vep", ".", "String", "Consequence annotations from Ensembl VEP. "
    ...              "Format: Allele|Consequence|IMPACT|SYMBOL")
    >>> spec = annotation_specs({"vep": d})[0]
    >>> spec.kind, spec.info_id, spec.fields
    ('CSQ', 'vep', ('Allele', 'Consequence', 'IMPACT', 'SYMBOL'))
    """
    found: dict[str, list[AnnotationSpec]] = {"CSQ": [], "ANN": [], "BCSQ": []}
    for fid, d in info.items():
        if d.type != "String":
            continue
        desc = d.description or ""
        names = _after_format(desc)
        if "bcftools/csq" in desc.lower() or (fid == "BCSQ" and names):
            found["BCSQ"].append(AnnotationSpec("BCSQ", fid, names or BCSQ_FIELDS))
        elif "Functional annotations" in desc and "Allele" in desc and "Annotation" in desc:
            found["ANN"].append(AnnotationSpec("ANN", fid, ANN_FIELDS))
        elif names and ("VEP" in desc or "Consequence" in names):
            found["CSQ"].append(AnnotationSpec("CSQ", fid, names))
    return [*found["CSQ"], *found["ANN"], *found["BCSQ"]]


# -- per-entry parsing -------------------------------------------------------------------------
class _Layout:
    """Sub-field positions of a spec, resolved once per :func:`annotate` call."""

    def __init__(self, spec: AnnotationSpec) -> None:
        idx: dict[str, int] = {}
        for i, name in enumerate(spec.fields):
            idx.setdefault(name, i)
        self.n = len(spec.fields)

        def get(*names: str) -> int:
            for nm in names:
                if nm in idx:
                    return idx[nm]
            return -1

        k = spec.kind
        consumed: set[str] = set()
        if k == "CSQ":
            self.allele, self.allele_num = get("Allele"), get("ALLELE_NUM")
            self.csq, self.impact = get("Consequence"), get("IMPACT")
            self.gene = get("SYMBOL", "Gene")
            self.transcript, self.biotype = get("Feature"), get("BIOTYPE")
            self.exon, self.intron, self.rank_field = get("EXON"), get("INTRON"), -1
            self.hgvsc, self.hgvsp = get("HGVSc"), get("HGVSp")
            self.mane_select, self.mane = get("MANE_SELECT"), get("MANE")
            self.canonical, self.pick = get("CANONICAL"), get("PICK")
            self.dna = -1
            consumed = {"Consequence", "IMPACT", "SYMBOL", "Feature", "BIOTYPE", "EXON", "INTRON",
                        "HGVSc", "HGVSp", "CANONICAL"}
        elif k == "ANN":
            self.allele, self.allele_num = get("Allele"), -1
            self.csq, self.impact = get("Annotation"), get("Annotation_Impact")
            self.gene = get("Gene_Name", "Gene_ID")
            self.transcript, self.biotype = get("Feature_ID"), get("Transcript_BioType")
            self.exon = self.intron = -1
            self.rank_field = get("Rank")
            self.hgvsc, self.hgvsp = get("HGVS.c"), get("HGVS.p")
            self.mane_select = self.mane = self.canonical = self.pick = self.dna = -1
            consumed = {"Annotation_Impact", "Gene_Name", "Feature_ID", "Transcript_BioType",
                        "HGVS.c", "HGVS.p"}
        else:
            self.allele = self.allele_num = self.impact = -1
            self.csq, self.gene = get("Consequence"), get("gene")
            self.transcript, self.biotype = get("transcript"), get("biotype")
            self.exon = self.intron = self.rank_field = self.hgvsc = self.hgvsp = -1
            self.mane_select = self.mane = self.canonical = self.pick = -1
            self.dna = get("dna_change")
            consumed = {"gene", "transcript", "biotype"}
        # the standard columns reproduce these verbatim; everything else stays reachable
        seen: dict[str, int] = {}
        self.extra: list[tuple[str, int]] = []
        for i, name in enumerate(spec.fields):
            if name in consumed and idx[name] == i:
                continue
            seen[name] = seen.get(name, 0) + 1
            col = field_column(name if seen[name] == 1 else f"{name}_{seen[name]}")
            self.extra.append((col, i))


class _Entry:
    """One parsed annotation entry with everything the row loop needs precomputed."""

    __slots__ = ("allele", "allele_num", "biotype", "canonical", "ckey", "consequence", "dna",
                 "exon", "gene", "hgvsc", "hgvsp", "impact", "intron", "label", "mane", "rank",
                 "star", "transcript", "values", "wkey")

    def __init__(self, kind: AnnotationKind, lay: _Layout, text: str) -> None:
        star = False
        if kind == "BCSQ" and text.startswith("*"):
            star, text = True, text[1:]
        vals = text.split("|")
        n = lay.n
        if len(vals) != n:
            vals = vals[:n] if len(vals) > n else vals + [""] * (n - len(vals))
        vals.append("")  # index -1 (sub-field absent from the header) reads as missing
        self.values = tuple(vals[:n])
        self.star = star
        missing = _MISSING

        self.allele = _entry_allele(kind, vals[lay.allele])
        num = vals[lay.allele_num]
        self.allele_num = int(num) if num.isdigit() else 0
        cons_text = vals[lay.csq]
        if cons_text in missing:
            self.consequence, rank, self.label, table_impact = None, -1, None, None
        else:
            self.consequence, rank, self.label, table_impact = _map_consequence(kind, cons_text)
        self.rank = rank
        self.impact = _text(vals[lay.impact]) or table_impact
        self.gene = _text(vals[lay.gene])
        self.transcript = _text(vals[lay.transcript])
        self.biotype = _text(vals[lay.biotype])
        self.hgvsc = _hgvs(vals[lay.hgvsc])
        self.hgvsp = _hgvs(vals[lay.hgvsp])
        self.exon = _text(vals[lay.exon])
        self.intron = _text(vals[lay.intron])
        if lay.rank_field >= 0:  # SnpEff Rank is the exon or the intron number
            if _intronic(cons_text):
                self.intron = _text(vals[lay.rank_field])
            else:
                self.exon = _text(vals[lay.rank_field])
        self.mane = vals[lay.mane_select] not in missing or _mane_plus_clinical_free(vals[lay.mane])
        self.canonical = vals[lay.canonical].upper() == "YES"
        pick = vals[lay.pick] == "1"
        sort_rank = rank if rank > 0 else _UNKNOWN_RANK
        tier = 0 if self.mane else 1 if self.canonical else 2 if pick else 3
        if sort_rank >= _FLANKING_RANK:
            tier = 3  # a MANE/canonical transcript only up- or downstream is not preferred
        self.ckey = (star, tier, sort_rank)
        self.wkey = (star, sort_rank)
        self.dna: tuple[tuple[int, str, str], ...] = ()
        dna = vals[lay.dna]
        if dna not in missing:
            parts = []
            for part in dna.split("+"):
                m = _DNA_PART.match(part)
                if m:
                    parts.append((int(m.group(1)), m.group(2).upper(), m.group(3).upper()))
            self.dna = tuple(parts)


class _Parsed:
    __slots__ = ("entries", "one_allele", "refs")

    def __init__(self, entries: list[_Entry], refs: int) -> None:
        self.entries = entries
        self.refs = refs
        # all entries name the same Allele (or none): a single-ALT record takes them all
        self.one_allele = len({e.allele for e in entries}) <= 1


def _parse(kind: AnnotationKind, lay: _Layout, raw: str) -> _Parsed:
    entries: list[_Entry] = []
    refs = 0
    for text in raw.split(","):
        if not text:
            continue
        if kind == "BCSQ" and text.startswith("@"):
            refs += 1  # back-reference to the record holding a joint consequence
            continue
        entries.append(_Entry(kind, lay, text))
    return _Parsed(entries, refs)


# -- allele matching ---------------------------------------------------------------------------
def _symbolic(a: str) -> bool:
    return a.startswith("<") or "[" in a or "]" in a


def _vep_alleles(ref: str, alts: Sequence[str]) -> list[str]:
    """VEP's ``Allele`` string for each ALT (its VCF parser's first-base trimming)."""
    if any(_symbolic(a) for a in alts):
        return list(alts)
    if len(alts) == 1:
        a = alts[0]
        if len(a) != len(ref) and a and ref and a[0] == ref[0]:
            return [a[1:] or "-"]
        return [a]
    if any(len(a) != len(ref) for a in alts):
        firsts = {s[0] for s in (ref, *alts) if s and s != "*"}
        if len(firsts) == 1:
            return [a if a == "*" else (a[1:] or "-") for a in alts]
    return list(alts)


def _minimal(ref: str, alt: str) -> set[str]:
    """ALT with the bases it shares with REF trimmed from both ends (both trimming orders)."""
    out = set()
    for suffix_first in (True, False):
        r, a = ref, alt
        for step in ((-1, 0) if suffix_first else (0, -1)):
            while r and a and r[step] == a[step]:
                r, a = (r[:-1], a[:-1]) if step == -1 else (r[1:], a[1:])
        out.add(a or "-")
    return out


def _sv_class(ref: str, alt: str) -> str | None:
    if alt.startswith("<"):
        return alt[1:4]
    if alt == "*" or _symbolic(alt):
        return None
    return "DEL" if len(alt) < len(ref) else "INS" if len(alt) > len(ref) else None


class _Matcher:
    """Maps entry allele strings to 0-based ALT indices for one record."""

    def __init__(self, kind: AnnotationKind, ref: str, alts: Sequence[str]) -> None:
        vep: dict[str, int] = {}
        for i, form in enumerate(_vep_alleles(ref, alts)):
            vep.setdefault(form, i)
        written: dict[str, int] = {}
        for i, a in enumerate(alts):
            written.setdefault(a, i)
        # VEP writes its trimmed allele, SnpEff the ALT as in the VCF; the other is a fallback
        self.first, self.second = (vep, written) if kind == "CSQ" else (written, vep)
        self.minimal: dict[str, list[int]] = {}
        self.sv: dict[str, list[int]] = {}
        for i, a in enumerate(alts):
            for form in _minimal(ref, a):
                self.minimal.setdefault(form, []).append(i)
            c = _sv_class(ref, a)
            if c:
                self.sv.setdefault(c, []).append(i)

    def match(self, allele: str) -> list[int]:
        hit = self.first.get(allele)
        if hit is None:
            hit = self.second.get(allele)
        if hit is not None:
            return [hit]
        hits = self.minimal.get(allele)
        if hits:
            return sorted(set(hits))
        word = _SV_WORDS.get(allele.lower())
        if word:
            return self.sv.get(word, [])
        return []


class _Counts:
    __slots__ = ("refs", "several", "unmatched", "unmatched_example")

    def __init__(self) -> None:
        self.unmatched = self.several = self.refs = 0
        self.unmatched_example = ""


def _assign(
    kind: AnnotationKind, parsed: _Parsed, ref: str, alts: Sequence[str], pos: int | None,
    counts: _Counts,
) -> list[list[_Entry]]:
    """Entries of one record, per ALT allele (0-based)."""
    n_alt = len(alts)
    out: list[list[_Entry]] = [[] for _ in range(n_alt)]
    entries = parsed.entries
    if not entries or not n_alt:
        return out
    if kind == "BCSQ":
        ref_u = ref.upper()
        alts_u = [a.upper() for a in alts]
        real = [i for i, a in enumerate(alts_u) if a != "*"]
        for e in entries:
            hits = [i for i in real if any(
                r == ref_u and a == alts_u[i] and (pos is None or p == pos) for p, r, a in e.dna)]
            for i in hits or (real if n_alt > 1 else [0]):
                out[i].append(e)
        return out
    per_alt = _match_alleles(kind, ref, alts, [e.allele for e in entries],
                             [e.allele_num for e in entries], counts)
    return [[entries[k] for k in ks] for ks in per_alt]


def _match_alleles(kind: AnnotationKind, ref: str, alts: Sequence[str], alleles: Sequence[str],
                   numbers: Sequence[int], counts: _Counts) -> list[list[int]]:
    """VEP/SnpEff entries of one record, given by their normalised Allele (:func:`_entry_allele`)
    and ALLELE_NUM (0 when absent): the positions of the entries each ALT allele gets."""
    n_alt = len(alts)
    out: list[list[int]] = [[] for _ in range(n_alt)]
    if not alleles or not n_alt:
        return out
    if n_alt == 1 and len(set(alleles)) <= 1:  # one allele named (or none): all belong to the ALT
        out[0] = list(range(len(alleles)))
        return out
    alts_u = [a.upper() for a in alts]
    real = [i for i, a in enumerate(alts_u) if a != "*"]
    matcher = _Matcher(kind, ref.upper(), alts_u)
    for k, (allele, number) in enumerate(zip(alleles, numbers, strict=True)):
        if n_alt > 1 and 0 < number <= n_alt:
            out[number - 1].append(k)
            continue
        # no Allele sub-field: cannot tell which ALT, so every ALT gets the entry
        hits = matcher.match(allele) if allele else real
        if not hits:
            counts.unmatched += 1
            counts.unmatched_example = counts.unmatched_example or f"Allele={allele} at {ref}>" \
                + ",".join(alts)
            continue
        if len(hits) > 1:
            counts.several += 1
        for i in hits:
            out[i].append(k)
    return out


# -- the chunk-level entry point ---------------------------------------------------------------
def _codes(values: Sequence[str | None] | np.ndarray, labels: list[str]) -> np.ndarray:
    """Categorical codes of ``values`` (-1 for None), extending ``labels`` as needed.

    New labels are appended in order of first appearance.

    >>> labels = ["a"]
    >>> _codes(["b", None, "a", "b"], labels).tolist(), labels
    ([1, -1, 0, 1], ['a', 'b'])
    """
    vals = values.tolist() if isinstance(values, np.ndarray) else values
    index: dict[str | None, int] = {lab: i for i, lab in enumerate(labels)}
    for v in dict.fromkeys(vals):
        if v is not None and v not in index:
            index[v] = len(labels)
            labels.append(v)
    index[None] = -1
    return np.fromiter(map(index.__getitem__, vals), dtype=np.int32, count=len(vals))


def _as_list(values: Any) -> list[Any]:
    return values.tolist() if isinstance(values, np.ndarray) else list(values)


def _obj(values: Sequence[Any]) -> np.ndarray:
    out = np.empty(len(values), dtype=object)
    out[:] = values
    return out


class _Fields(NamedTuple):
    """The sub-fields of the entries of annotation strings (see :func:`_sub_fields`)."""

    values: list[list[str]]  # distinct values per sub-field, in order of first appearance
    codes: np.ndarray  # (n, entries) int32: codes[j, i] indexes values[j] for entry i
    counts: np.ndarray  # entries per record (int64)
    empty: np.ndarray  # per entry: empty ('' in 'A,,B'; bool)

    def has_empty(self) -> np.ndarray:
        """Per record: whether it has an empty entry."""
        if not len(self.empty):
            return np.zeros(len(self.counts), dtype=bool)
        return np.logical_or.reduceat(self.empty, np.cumsum(self.counts) - self.counts)


def _sub_fields(records: list[str], n: int) -> _Fields:
    """The ``n`` sub-fields of the entries of each record's annotation string, as codes.

    Records are split at ``,`` into entries and entries at ``|``; extra sub-fields are
    cut and missing ones read as "" (as :class:`_Entry` does). The C extension
    (:mod:`gmsvar.io._ann`) does this without a string per entry and sub-field; the
    Python code is its fallback and its test oracle.

    >>> f = _sub_fields(["A|x|1,A|y", "C|x|1|extra"], 3)
    >>> f.values, f.codes.tolist(), f.counts.tolist(), f.empty.tolist()
    ([['A', 'C'], ['x', 'y'], ['1', '']], [[0, 0, 1], [0, 1, 0], [0, 1, 0]], [2, 1], [False, False, False])
    """
    if _ann is None:
        return _sub_fields_py(records, n)
    try:
        values, m, codes, counts, empty = _ann.fields(records, n)
    except UnicodeEncodeError:  # lone surrogates (undecodable bytes kept by a reader): no UTF-8
        return _sub_fields_py(records, n)
    return _Fields(values, np.frombuffer(codes, dtype=np.int32).reshape(n, m),
                   np.frombuffer(counts, dtype=np.int32).astype(np.int64),
                   np.frombuffer(empty, dtype=np.bool_))


def _sub_fields_py(records: list[str], n: int) -> _Fields:
    entries = [r.split(",") for r in records]
    split = [e.split("|") for r in entries for e in r]
    codes = np.empty((n, len(split)), dtype=np.int32)
    values = []
    for j in range(n):
        seen: dict[str, int] = {}
        codes[j] = [seen.setdefault(f[j] if j < len(f) else "", len(seen)) for f in split]
        values.append(list(seen))
    return _Fields(values, codes, np.array([len(e) for e in entries], dtype=np.int64),
                   np.array([e == "" for r in entries for e in r], dtype=bool))


class _Pool:
    """Annotation entries as parallel columns (one item per entry), for :func:`annotate`.

    Built in bulk from the annotation strings (:meth:`from_records`, VEP and SnpEff) or
    from parsed :class:`_Entry` objects (:meth:`from_entries`, BCSQ and the reference
    path); both give the values :class:`_Entry` computes. ``values`` holds the sub-fields
    kept as ``annotation_field_*`` columns (``_Layout.extra``, in that order; empty and
    ``.`` are None).
    """

    _TEXT = ("biotype", "consequence", "exon", "gene", "hgvsc", "hgvsp", "impact", "intron",
             "label", "transcript")  # object arrays (str or None)
    _FLAGS = ("canonical", "mane", "star")  # bool arrays
    _INTS = ("rank", "sort_rank", "tier")  # int64 arrays

    def __init__(self, width: int) -> None:
        self.values: np.ndarray = np.empty((0, width), dtype=object)
        empty_text, empty_flag, empty_int = (np.empty(0, dtype=object), np.empty(0, dtype=bool),
                                             np.empty(0, dtype=np.int64))
        self.biotype = self.consequence = self.exon = self.gene = self.hgvsc = empty_text
        self.hgvsp = self.impact = self.intron = self.label = self.transcript = empty_text
        self.canonical = self.mane = self.star = empty_flag
        self.rank = self.sort_rank = self.tier = empty_int

    def __len__(self) -> int:
        return len(self.values)

    @classmethod
    def from_entries(cls, entries: list[_Entry], lay: _Layout) -> _Pool:
        pool = cls(len(lay.extra))
        if not entries:
            return pool
        for name in cls._TEXT:
            setattr(pool, name, _obj([getattr(e, name) for e in entries]))
        for name in cls._FLAGS:
            setattr(pool, name, np.array([getattr(e, name) for e in entries], dtype=bool))
        pool.rank = np.array([e.rank for e in entries], dtype=np.int64)
        pool.tier = np.array([e.ckey[1] for e in entries], dtype=np.int64)
        pool.sort_rank = np.array([e.ckey[2] for e in entries], dtype=np.int64)
        pool.values = np.empty((len(entries), len(lay.extra)), dtype=object)
        pool.values[:] = [[_text(e.values[j]) for _, j in lay.extra] for e in entries]
        return pool

    @classmethod
    def from_records(cls, kind: AnnotationKind, lay: _Layout, records: list[str]) -> tuple[
            _Pool, np.ndarray, list[str], _Fields]:
        """Entries of VEP/SnpEff annotation strings (no BCSQ), one string per record, in
        order. Also returns a code per entry for its Allele, the alleles the codes stand
        for (as :class:`_Entry` normalises them) and the split (:func:`_sub_fields`).

        Values are computed once per distinct sub-field value, not once per entry.
        """
        n = lay.n
        pool = cls(len(lay.extra))
        split = _sub_fields(records, n)
        uniques, codes = split.values, split.codes
        m = codes.shape[1]
        missing = _MISSING

        def field(j: int) -> tuple[list[str], np.ndarray]:
            """Distinct values of sub-field ``j`` and each entry's code; a sub-field the
            header lacks (``j`` -1) reads as "" everywhere."""
            if j < 0:
                return [""], np.zeros(m, dtype=np.intp)
            return uniques[j], codes[j]

        def per_entry(j: int, fn: Any, dtype: Any = object) -> np.ndarray:
            """``fn`` of sub-field ``j``'s value, for every entry."""
            values, at = field(j)
            out: np.ndarray = (_obj([fn(v) for v in values]) if dtype is object
                               else np.array([fn(v) for v in values], dtype=dtype))[at]
            return out

        pool.values = np.empty((m, len(lay.extra)), dtype=object)
        for k, (_, j) in enumerate(lay.extra):
            pool.values[:, k] = per_entry(j, _text)

        # alleles: equal normalised texts get one code
        normalised: dict[str, int] = {}
        allele_values, allele_at = field(lay.allele)
        allele_codes = np.array([normalised.setdefault(_entry_allele(kind, v), len(normalised))
                                 for v in allele_values], dtype=np.int64)[allele_at]
        cons_values, cons_at = field(lay.csq)
        mapped = [(None, -1, None, None) if v in missing else _map_consequence(kind, v)
                  for v in cons_values]
        cons_u, rank_u, label_u, impact_u = (list(x) for x in zip(*mapped, strict=True)) \
            if mapped else ([], [], [], [])
        pool.consequence = _obj(cons_u)[cons_at]
        rank = pool.rank = np.array(rank_u, dtype=np.int64)[cons_at]
        pool.label = _obj(label_u)[cons_at]
        pool.impact = np.where(per_entry(lay.impact, lambda v: v in missing, bool),
                               _obj(impact_u)[cons_at], per_entry(lay.impact, _text))
        pool.gene = per_entry(lay.gene, _text)
        pool.transcript = per_entry(lay.transcript, _text)
        pool.biotype = per_entry(lay.biotype, _text)
        pool.hgvsc = per_entry(lay.hgvsc, _hgvs)
        pool.hgvsp = per_entry(lay.hgvsp, _hgvs)
        exon = per_entry(lay.exon, _text)
        intron = per_entry(lay.intron, _text)
        if lay.rank_field >= 0:  # SnpEff Rank is the exon or the intron number
            in_intron = per_entry(lay.csq, _intronic, bool)
            rank_text = per_entry(lay.rank_field, _text)
            intron = np.where(in_intron, rank_text, intron)
            exon = np.where(in_intron, exon, rank_text)
        pool.exon, pool.intron = exon, intron
        mane = per_entry(lay.mane_select, lambda v: v not in missing, bool) | per_entry(
            lay.mane, _mane_plus_clinical_free, bool)
        canonical = per_entry(lay.canonical, lambda v: v.upper() == "YES", bool)
        pick = per_entry(lay.pick, lambda v: v == "1", bool)
        pool.mane, pool.canonical = mane, canonical
        pool.star = np.zeros(m, dtype=bool)
        sort_rank = np.where(rank > 0, rank, _UNKNOWN_RANK)
        tier = np.select([mane, canonical, pick], [0, 1, 2], 3)
        tier[sort_rank >= _FLANKING_RANK] = 3
        pool.sort_rank, pool.tier = sort_rank, tier.astype(np.int64)
        return pool, allele_codes, list(normalised), split

    def take(self, index: np.ndarray) -> _Pool:
        """The entries ``index`` (repeats allowed), as a new pool."""
        out = _Pool(self.values.shape[1])
        for name in (*self._TEXT, *self._FLAGS, *self._INTS):
            setattr(out, name, getattr(self, name)[index])
        out.values = self.values[index]
        return out

    def extend(self, other: _Pool) -> None:
        for name in (*self._TEXT, *self._FLAGS, *self._INTS):
            setattr(self, name, np.concatenate([getattr(self, name), getattr(other, name)]))
        self.values = np.concatenate([self.values, other.values])


def _first_by(group: np.ndarray, *keys: np.ndarray) -> np.ndarray:
    """Per group (consecutive equal ids, in order): the position of its first item by
    ``keys`` (most significant first), ties to the earliest."""
    order = np.lexsort((np.arange(len(group)), *reversed(keys), group))
    return order[np.flatnonzero(np.r_[True, group[1:] != group[:-1]])] if len(group) else order


def _simple_records(
    kind: AnnotationKind, lay: _Layout, raw_l: list[Any], alts_l: list[Any]
) -> tuple[np.ndarray, _Pool, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Bulk-parse the rows of single-ALT records whose entries all name one allele.

    Returns (row is simple, pool of their entries, per row: first pool entry, entry count,
    chosen entry, most severe entry); rows that are not simple are left to the per-row path.
    """
    n = len(raw_l)
    simple = np.zeros(n, dtype=bool)
    single = np.fromiter(map(len, alts_l), dtype=np.int64, count=n) == 1
    text = np.fromiter((isinstance(r, str) and r not in _MISSING for r in raw_l), dtype=bool, count=n)
    row_of_text = np.flatnonzero(single & text)
    texts = [raw_l[i] for i in row_of_text.tolist()]
    pool, acode, _, split = _Pool.from_records(kind, lay, texts)
    counts = split.counts
    starts = np.cumsum(counts) - counts
    ok = ~split.has_empty()  # an empty entry ('A,,B'): such strings go the per-record way
    if len(acode):
        ok &= np.maximum.reduceat(acode, starts) == np.minimum.reduceat(acode, starts)
    # first entry per text by (tier, severity) and by severity alone; ties: first written
    group = np.repeat(np.arange(len(texts)), counts)
    chosen_t = _first_by(group, pool.tier, pool.sort_rank)
    worst_t = _first_by(group, pool.sort_rank)
    t = np.flatnonzero(ok)
    rows = row_of_text[t]
    simple[rows] = True
    first = np.zeros(n, dtype=np.int64)
    count = np.zeros(n, dtype=np.int64)
    chosen = np.full(n, -1, dtype=np.int64)
    worst = np.full(n, -1, dtype=np.int64)
    first[rows], count[rows] = starts[t], counts[t]
    chosen[rows], worst[rows] = chosen_t[t], worst_t[t]
    return simple, pool, first, count, chosen, worst


def _other_records(
    kind: AnnotationKind, lay: _Layout, rows: list[int], raw_l: list[Any], ref_l: list[Any],
    alts_l: list[Any], aidx: list[Any], pos_l: list[Any] | None, counts: _Counts,
) -> tuple[_Pool, list[int], list[int], np.ndarray, np.ndarray, np.ndarray]:
    """Entries of the rows :func:`_simple_records` leaves (multiallelic records, entries for
    several alleles, empty entries), for VEP/SnpEff: parsed in bulk, matched to ALTs one
    record at a time. Gives what the per-record loop of :func:`annotate` gives with
    :func:`_parse` and :func:`_assign`, including ``counts``.

    Returns the pool of the rows' entries (each row's in written order, one after the
    other), the rows with entries, and per such row its entry count, chosen entry and most
    severe entry (positions in the pool).
    """
    # records: runs of rows with one (text, REF, ALTs, POS), as the per-record loop finds them
    keys: list[tuple[Any, Any, Any, Any]] = []
    row_record: list[tuple[int, int]] = []
    prev = None
    for i in rows:
        r = raw_l[i]
        if not isinstance(r, str) or r in _MISSING:
            prev = None
            continue
        key = (r, ref_l[i], alts_l[i], None if pos_l is None else int(pos_l[i]))
        if key != prev:
            keys.append(key)
            prev = key
        row_record.append((i, len(keys) - 1))
    texts = list(dict.fromkeys(k[0] for k in keys))
    which = {t: j for j, t in enumerate(texts)}
    pool, acode, names, split = _Pool.from_records(kind, lay, texts)
    allele = _obj(names)[acode].tolist() if names else []
    if lay.allele_num >= 0:
        nums = [int(v) if v.isdigit() else 0 for v in split.values[lay.allele_num]]
        number = np.array(nums, dtype=np.int64)[split.codes[lay.allele_num]].tolist()
    else:
        number = [0] * len(acode)
    starts = (np.cumsum(split.counts) - split.counts).tolist()
    kept = np.flatnonzero(~split.empty)  # _parse skips empty entries
    # the kept entries of each text
    entries_of = [kept[np.searchsorted(kept, s) : np.searchsorted(kept, s + c)].tolist()
                  for s, c in zip(starts, split.counts.tolist(), strict=True)]
    per_record: list[list[list[int]]] = []
    for r, ref, alts, _ in keys:
        ents = entries_of[which[r]]
        per_alt = _match_alleles(kind, str(ref), alts, [allele[e] for e in ents],
                                 [number[e] for e in ents], counts)
        per_record.append([[ents[k] for k in ks] for ks in per_alt])
    # each row: its allele's entries
    take: list[int] = []
    with_entries: list[int] = []
    sizes: list[int] = []
    for i, rec in row_record:
        per = per_record[rec]
        a = int(aidx[i]) - 1
        ents = per[a] if 0 <= a < len(per) else []
        if ents:
            with_entries.append(i)
            sizes.append(len(ents))
            take.extend(ents)
    index = np.array(take, dtype=np.intp)
    group = np.repeat(np.arange(len(sizes)), sizes)
    first = np.cumsum(sizes) - sizes
    chosen = _first_by(group, pool.tier[index], pool.sort_rank[index])
    worst = _first_by(group, pool.sort_rank[index])
    return pool.take(index), with_entries, sizes, first, chosen, worst


def annotate(
    spec: AnnotationSpec,
    raw: np.ndarray,
    ref: np.ndarray,
    site_alts: np.ndarray,
    allele_index: np.ndarray,
    *,
    position: np.ndarray | None = None,
    _vectorise: bool = True,
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray], dict[str, Any]]:
    """Parse one chunk's annotation strings into variant and annotation columns.

    Parameters
    ----------
    spec
        From :func:`annotation_specs`.
    raw
        Object array, one per allele row: the raw INFO value of the *original*
        record (``None`` if absent); rows split from one record share it.
    ref
        Object array of REF, per allele row.
    site_alts
        Object array of tuples: all ALTs of the original record, per allele row.
    allele_index
        Integer array: 1-based index of this row's ALT in ``site_alts``.
    position
        Optional POS per allele row; lets bcftools ``dna_change`` matching check
        the position too (otherwise only REF>ALT is compared).

    Returns
    -------
    columns
        ``variant_*`` columns (length ``len(raw)``) and ``annotation_*`` columns
        (one row per matched entry, in written order; ``annotation_variant`` is the
        row index into this chunk's allele rows). See the module docstring.
    categories
        Labels of ``variant_gene``, ``variant_transcript_choice``,
        ``variant_consequence``, ``variant_worst_consequence``, ``variant_impact``.
    provenance
        ``annotation``, ``annotation_info_id``, ``annotation_fields``,
        ``transcript_choice``, ``allele_matching``, ``so_table_version``,
        ``unknown_consequence_terms`` and per-chunk ``annotation_counts``.

    Raises
    ------
    InputError
        If the arrays differ in length.
    """
    n = len(raw)
    if not (len(ref) == len(site_alts) == len(allele_index) == n) or (
        position is not None and len(position) != n
    ):
        raise InputError(
            f"annotate(): raw, ref, site_alts, allele_index (and position) must have one value "
            f"per allele row; got lengths {len(raw)}, {len(ref)}, {len(site_alts)}, "
            f"{len(allele_index)}"
        )
    kind = spec.kind
    lay = _Layout(spec)
    so = load_so_table()
    counts = _Counts()
    # Python lists: indexing them is much cheaper than indexing numpy arrays per row
    raw_l, ref_l, alts_l = _as_list(raw), _as_list(ref), _as_list(site_alts)
    aidx = np.asarray(allele_index).tolist()
    pos_l = None if position is None else np.asarray(position).tolist()
    not_bcsq = kind != "BCSQ"
    if not_bcsq and _vectorise:
        # Rows of single-ALT records whose entries all name one allele (most rows): parsed in
        # bulk. Every entry of such a record belongs to its ALT (what _assign returns).
        simple, pool, first, count, chosen, worst = _simple_records(kind, lay, raw_l, alts_l)
        # the other rows: in bulk too, then matched to ALTs record by record
        other, with_entries, sizes, starts, ch, wo = _other_records(
            kind, lay, np.flatnonzero(~simple).tolist(), raw_l, ref_l, alts_l, aidx, pos_l, counts)
        if with_entries:
            offset = len(pool)
            first[with_entries], count[with_entries] = offset + starts, sizes
            chosen[with_entries], worst[with_entries] = offset + ch, offset + wo
            pool.extend(other)
        simple[:] = True
    else:
        simple, pool = np.zeros(n, dtype=bool), _Pool(len(lay.extra))
        first, count = np.zeros(n, dtype=np.int64), np.zeros(n, dtype=np.int64)
        chosen, worst = np.full(n, -1, dtype=np.int64), np.full(n, -1, dtype=np.int64)
    # the other rows (BCSQ; or every row without _vectorise, the reference the bulk paths
    # are tested against): entries parsed one record at a time and appended to the pool
    parsed_cache: dict[str, _Parsed] = {}
    extra: list[_Entry] = []
    base = len(pool)
    prev: tuple[Any, Any, Any, Any] | None = None
    prev_a = -1
    per_allele: list[list[_Entry]] = []
    for i in np.flatnonzero(~simple).tolist():
        r = raw_l[i]
        if not isinstance(r, str) or r in _MISSING:
            prev = None
            continue
        a = int(aidx[i]) - 1
        pos = None if pos_l is None else int(pos_l[i])
        key = (r, ref_l[i], alts_l[i], pos)
        same = prev is not None and key == prev
        if not same:
            parsed = parsed_cache.get(r)
            if parsed is None:
                parsed = parsed_cache[r] = _parse(kind, lay, r)
            alts_i = tuple(alts_l[i])
            if not_bcsq and len(alts_i) == 1 and parsed.one_allele:
                per_allele = [parsed.entries]  # what _assign returns for this case
            else:
                # matching depends only on (raw, REF, ALTs, POS): reuse it for the record's rows
                per_allele = _assign(kind, parsed, str(ref_l[i]), alts_i, pos, counts)
            prev = key
        if not same or a <= prev_a:  # first row of a record
            counts.refs += parsed_cache[r].refs
        prev_a = a
        ents = per_allele[a] if 0 <= a < len(per_allele) else []
        if not ents:
            continue
        at = base + len(extra)
        first[i], count[i] = at, len(ents)
        extra.extend(ents)
        chosen[i] = at + min(range(len(ents)), key=lambda k: ents[k].ckey)
        worst[i] = at + min(range(len(ents)), key=lambda k: ents[k].wkey)
    if extra:
        pool.extend(_Pool.from_entries(extra, lay))

    # annotation rows: each row's entries in written order
    total = int(count.sum())
    ann_idx = np.repeat(first - (np.cumsum(count) - count), count) + np.arange(total)
    ann_var = np.repeat(np.arange(n, dtype=np.int64), count)
    has = chosen >= 0
    pick = np.where(has, chosen, 0)

    def per_row(values: np.ndarray, at: np.ndarray = pick) -> np.ndarray:
        """Pool values of each row's chosen entry; None for rows without one."""
        out = values[at] if len(values) else np.full(n, None, dtype=object)
        out[~has] = None
        return out

    def per_ann(values: np.ndarray) -> np.ndarray:
        return values[ann_idx]

    tiers = pool.tier[pick] if len(pool) else np.zeros(n, np.int64)
    choice_code = np.where((count == 1) & (tiers == 3), len(TRANSCRIPT_CHOICES) - 1, tiers)
    choice_code[~has] = -1

    cols: dict[str, np.ndarray] = {}
    cats: dict[str, np.ndarray] = {}
    chosen_gene = per_row(pool.gene)
    genes = sorted(g for g in set(chosen_gene.tolist()) if g is not None)
    cols["variant_gene"] = _codes(chosen_gene, genes)
    cats["variant_gene"] = _obj(genes)
    cols["variant_transcript"] = per_row(pool.transcript)
    cols["variant_transcript_choice"] = choice_code.astype(np.int32)
    cats["variant_transcript_choice"] = _obj(list(TRANSCRIPT_CHOICES))
    labels = list(so.labels)
    cols["variant_consequence"] = _codes(per_row(pool.label), labels)
    cols["variant_worst_consequence"] = _codes(per_row(pool.label, np.where(has, worst, 0)),
                                               labels)
    cats["variant_consequence"] = _obj(labels)
    cats["variant_worst_consequence"] = _obj(labels)
    rank = pool.rank.astype(np.int16)
    cols["variant_consequence_rank"] = np.where(has, rank[pick] if len(rank) else -1,
                                                -1).astype(np.int16)
    impacts = list(IMPACTS)
    cols["variant_impact"] = _codes(per_row(pool.impact), impacts)
    cats["variant_impact"] = _obj(impacts)
    cols["variant_hgvsc"] = per_row(pool.hgvsc)
    cols["variant_hgvsp"] = per_row(pool.hgvsp)
    cols["variant_exon"] = per_row(pool.exon)
    cols["variant_intron"] = per_row(pool.intron)

    cols["annotation_variant"] = ann_var
    cols["annotation_gene"] = per_ann(pool.gene)
    cols["annotation_transcript"] = per_ann(pool.transcript)
    cols["annotation_consequence"] = per_ann(pool.consequence)
    cols["annotation_consequence_rank"] = rank[ann_idx] if total else np.empty(0, dtype=np.int16)
    cols["annotation_impact"] = per_ann(pool.impact)
    cols["annotation_biotype"] = per_ann(pool.biotype)
    cols["annotation_hgvsc"] = per_ann(pool.hgvsc)
    cols["annotation_hgvsp"] = per_ann(pool.hgvsp)
    cols["annotation_exon"] = per_ann(pool.exon)
    cols["annotation_intron"] = per_ann(pool.intron)
    cols["annotation_mane_select"] = pool.mane[ann_idx]
    cols["annotation_canonical"] = pool.canonical[ann_idx]
    if kind == "BCSQ":
        cols["annotation_downstream_of_stop"] = pool.star[ann_idx]
    # only the sub-fields kept as annotation_field_* columns; Fortran order: each column
    # below is a contiguous view, not a copy
    mat = np.asfortranarray(pool.values[ann_idx])
    for k, (col, _) in enumerate(lay.extra):
        cols[col] = mat[:, k]

    ann_cons = set(cols["annotation_consequence"].tolist())
    unknown = sorted(
        {t for c in ann_cons if c for t in c.split("&")
         if so.describe(kind, t) is None and t not in so.labels}
    )
    if counts.unmatched:
        warnings.warn(
            f"INFO/{spec.info_id}: {counts.unmatched} {kind} entries matched no ALT allele of "
            f"their record and were dropped (e.g. {counts.unmatched_example}); if the file was "
            "split (bcftools norm -m) after annotation, annotate after splitting or run VEP "
            "with --allele_number",
            GmsvarWarning,
            stacklevel=2,
        )
    prov: dict[str, Any] = {
        "annotation": kind,
        "annotation_info_id": spec.info_id,
        "annotation_fields": list(spec.fields),
        "transcript_choice": (
            "MANE Select > canonical > PICK > most severe (ties: first written)"
            if kind == "CSQ" else "most severe (ties: first written)"
            + ("; downstream-of-stop (*) entries last" if kind == "BCSQ" else "")
        ),
        "allele_matching": {
            "CSQ": "ALLELE_NUM, else VEP-trimmed Allele, else minimal Allele, else SV class",
            "ANN": "Allele as written (compound suffix cut), else trimmed forms",
            "BCSQ": "dna_change REF>ALT, else every ALT of the record; @POS entries skipped",
        }[kind],
        "so_table_version": so.version,
        "unknown_consequence_terms": unknown,
        "annotation_counts": {
            "entries": total,
            "unmatched_dropped": counts.unmatched,
            "attached_to_several_alleles": counts.several,
            "bcsq_references": counts.refs,
        },
    }
    return cols, cats, prov
