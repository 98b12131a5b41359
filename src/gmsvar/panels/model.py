"""Panel model: PanelApp panels, their gene / STR / region entities, and region masks.

A :class:`Panel` is an immutable record of one PanelApp panel *version*: its
entities, each with a :class:`Confidence` rating (green/amber/red) and a mode of
inheritance normalised to :class:`Inheritance` (the raw PanelApp text is kept),
plus a ``provenance`` mapping saying where the record came from (snapshot file,
API URL, or a gmsvar-derived gene list).

Coordinates are 1-based and closed, contig names without ``chr`` (as PanelApp
writes them): gene spans come from PanelApp's ``ensembl_genes`` (Ensembl 82 for
GRCh37, 90 for GRCh38), STR and region entities carry their own coordinates.

Examples
--------
>>> from gmsvar.panels import load_panel, Confidence
>>> panel = load_panel("R210")
>>> panel.id, panel.version, panel.green_genes
(503, '1.13', ['EPCAM', 'MLH1', 'MSH2', 'MSH6', 'PMS2'])
>>> panel.regions(build="GRCh38")[0]
Interval(contig='2', start=47345158, end=47387601)
>>> len(panel.regions(build="GRCh37", padding=20, confidence=[Confidence.GREEN, Confidence.AMBER]))
5
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import Enum, IntEnum
from typing import TYPE_CHECKING, Any, Literal, TypeAlias

from ..errors import GmsvarWarning, InputError, PanelError
from ..regions import Interval, merge_intervals, strip_chr

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "Build",
    "Confidence",
    "EntityType",
    "Inheritance",
    "Panel",
    "PanelEntity",
    "PanelGene",
    "PanelRegion",
    "PanelStr",
    "normalise_build",
    "version_key",
]

Build: TypeAlias = Literal["GRCh37", "GRCh38"]
EntityType: TypeAlias = Literal["gene", "str", "region"]

_BUILD_ALIASES: dict[str, Build] = {
    "grch38": "GRCh38", "hg38": "GRCh38", "38": "GRCh38", "b38": "GRCh38",
    "grch37": "GRCh37", "hg19": "GRCh37", "37": "GRCh37", "b37": "GRCh37",
}

#: Test-directory codes as PanelApp writes them in ``relevant_disorders``: R210, M4, R49.3.
_TEST_CODE = re.compile(r"^[RM]\d+(?:\.\d+)?$")
_LOCATION = re.compile(r"^\s*(?:chr)?([0-9XYMT]+)\s*:\s*(\d+)\s*-\s*(\d+)\s*$", re.IGNORECASE)


def normalise_build(build: str) -> Build:
    """Canonical build name, ``"GRCh37"`` or ``"GRCh38"``.

    >>> normalise_build("hg38"), normalise_build("GRCh37")
    ('GRCh38', 'GRCh37')
    """
    try:
        return _BUILD_ALIASES[str(build).strip().lower()]
    except KeyError:
        raise InputError(
            f"unknown genome build {build!r}; pass build='GRCh38' or build='GRCh37'"
        ) from None


def version_key(version: str) -> tuple[int, ...]:
    """Sort key for PanelApp ``MAJOR.MINOR`` versions ("1.13" > "1.9").

    Non-numeric parts (gmsvar pseudo-panel versions such as ``"2021-22"``) are
    compared by their digits.

    >>> sorted(["1.9", "1.13", "0.116"], key=version_key)
    ['0.116', '1.9', '1.13']
    """
    return tuple(int(p) for p in re.findall(r"\d+", version))


class Confidence(IntEnum):
    """PanelApp rating of an entity; ``confidence_level`` "3"/"2"/"1"/"0".

    Ordered, so ``gene.confidence >= Confidence.AMBER`` reads naturally. Only
    green entities are reported diagnostically.
    """

    NONE = 0
    RED = 1
    AMBER = 2
    GREEN = 3

    @classmethod
    def from_panelapp(cls, value: str | int | None) -> Confidence:
        """Parse PanelApp's ``confidence_level`` (a string such as ``"3"``).

        >>> Confidence.from_panelapp("3"), Confidence.from_panelapp(None)
        (<Confidence.GREEN: 3>, <Confidence.NONE: 0>)
        """
        if value is None or value == "":
            return cls.NONE
        try:
            return cls(int(value))
        except (TypeError, ValueError):
            raise PanelError(
                f"confidence_level {value!r} is not one of '0'..'3' (PanelApp's ratings)"
            ) from None


class Inheritance(Enum):
    """Mode of inheritance, normalised from PanelApp's free-text vocabulary.

    Keep the raw text (``PanelGene.mode_of_inheritance``) for reports: it says
    e.g. whether a monoallelic gene is imprinted.
    """

    MONOALLELIC = "monoallelic"
    BIALLELIC = "biallelic"
    X_LINKED = "x_linked"
    MITOCHONDRIAL = "mitochondrial"
    BOTH = "both"
    UNKNOWN = "unknown"

    @classmethod
    def from_panelapp(cls, text: str | None) -> Inheritance:
        """Normalise a PanelApp ``mode_of_inheritance`` string (or an AD/AR/XL/MT code).

        >>> Inheritance.from_panelapp("BIALLELIC, autosomal or pseudoautosomal")
        <Inheritance.BIALLELIC: 'biallelic'>
        >>> Inheritance.from_panelapp("X-LINKED: hemizygous mutation in males, ...")
        <Inheritance.X_LINKED: 'x_linked'>
        >>> Inheritance.from_panelapp("AD/AR"), Inheritance.from_panelapp("Other")
        (<Inheritance.BOTH: 'both'>, <Inheritance.UNKNOWN: 'unknown'>)
        """
        t = (text or "").strip().upper()
        if t in _MOI_CODES:
            return _MOI_CODES[t]
        for prefix, value in _MOI_PREFIXES:
            if t.startswith(prefix):
                return value
        return cls.UNKNOWN


# Abbreviations used by PanelApp-derived tables (e.g. PanelAppRex) and labs.
_MOI_CODES: dict[str, Inheritance] = {
    "AD": Inheritance.MONOALLELIC, "AR": Inheritance.BIALLELIC,
    "AD/AR": Inheritance.BOTH, "AR/AD": Inheritance.BOTH,
    "XL": Inheritance.X_LINKED, "XLR": Inheritance.X_LINKED, "XLD": Inheritance.X_LINKED,
    "MT": Inheritance.MITOCHONDRIAL, "MITO": Inheritance.MITOCHONDRIAL,
    "NA": Inheritance.UNKNOWN, "": Inheritance.UNKNOWN,
}
_MOI_PREFIXES: tuple[tuple[str, Inheritance], ...] = (
    ("MONOALLELIC", Inheritance.MONOALLELIC),
    ("BIALLELIC", Inheritance.BIALLELIC),
    ("BOTH", Inheritance.BOTH),
    ("X-LINKED", Inheritance.X_LINKED),
    ("X LINKED", Inheritance.X_LINKED),
    ("MITOCHONDRIAL", Inheritance.MITOCHONDRIAL),
)


@dataclass(frozen=True)
class PanelGene:
    """A gene on a panel.

    Attributes
    ----------
    symbol
        HGNC symbol as PanelApp lists it (``entity_name``).
    hgnc_id
        ``"HGNC:7127"``; ``None`` when PanelApp gives none.
    confidence, inheritance
        Rating and normalised mode of inheritance (derived from
        ``mode_of_inheritance`` when left at ``UNKNOWN``).
    mode_of_inheritance
        PanelApp's raw text (``""`` when not given).
    penetrance
        ``"Complete"``, ``"Incomplete"``, ``"unknown"`` or ``None`` (not stated).
    grch37, grch38
        Gene span (1-based, closed, contig without ``chr``); ``None`` if unknown.
    ensembl_gene_ids
        Ensembl gene ids behind the spans.
    """

    symbol: str
    hgnc_id: str | None = None
    confidence: Confidence = Confidence.NONE
    inheritance: Inheritance = Inheritance.UNKNOWN
    mode_of_inheritance: str = ""
    penetrance: str | None = None
    mode_of_pathogenicity: str | None = None
    grch37: Interval | None = None
    grch38: Interval | None = None
    ensembl_gene_ids: tuple[str, ...] = ()
    biotype: str | None = None
    phenotypes: tuple[str, ...] = ()
    evidence: tuple[str, ...] = ()
    publications: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    transcripts: tuple[str, ...] = ()

    entity_type: EntityType = field(default="gene", init=False)

    def __post_init__(self) -> None:
        _derive_inheritance(self)

    @property
    def name(self) -> str:
        """Entity name (the symbol)."""
        return self.symbol

    def interval(self, build: str = "GRCh38") -> Interval | None:
        """Span on ``build``, or ``None`` if PanelApp gives no location."""
        return self.grch38 if normalise_build(build) == "GRCh38" else self.grch37


@dataclass(frozen=True)
class PanelStr:
    """A short tandem repeat locus on a panel (e.g. ``DMPK_CTG``)."""

    name: str
    gene_symbol: str | None = None
    hgnc_id: str | None = None
    repeated_sequence: str | None = None
    normal_repeats: int | None = None
    pathogenic_repeats: int | None = None
    confidence: Confidence = Confidence.NONE
    inheritance: Inheritance = Inheritance.UNKNOWN
    mode_of_inheritance: str = ""
    penetrance: str | None = None
    grch37: Interval | None = None
    grch38: Interval | None = None
    phenotypes: tuple[str, ...] = ()
    evidence: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()

    entity_type: EntityType = field(default="str", init=False)

    def __post_init__(self) -> None:
        _derive_inheritance(self)

    @property
    def symbol(self) -> str:
        """Entity name (kept for symmetry with :class:`PanelGene`)."""
        return self.name

    def interval(self, build: str = "GRCh38") -> Interval | None:
        """Repeat locus on ``build``, or ``None`` if PanelApp gives none."""
        return self.grch38 if normalise_build(build) == "GRCh38" else self.grch37


@dataclass(frozen=True)
class PanelRegion:
    """A genomic region entity (usually a CNV region, e.g. ``ISCA-37431-Loss``).

    ``type_of_variants`` is ``small``, ``cnv_loss``, ``cnv_gain`` or ``cnv_both``.
    """

    name: str
    verbose_name: str = ""
    confidence: Confidence = Confidence.NONE
    inheritance: Inheritance = Inheritance.UNKNOWN
    mode_of_inheritance: str = ""
    penetrance: str | None = None
    grch37: Interval | None = None
    grch38: Interval | None = None
    type_of_variants: str | None = None
    haploinsufficiency_score: str | None = None
    triplosensitivity_score: str | None = None
    required_overlap_percentage: int | None = None
    phenotypes: tuple[str, ...] = ()
    evidence: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()

    entity_type: EntityType = field(default="region", init=False)

    def __post_init__(self) -> None:
        _derive_inheritance(self)

    @property
    def symbol(self) -> str:
        """Entity name (kept for symmetry with :class:`PanelGene`)."""
        return self.name

    def interval(self, build: str = "GRCh38") -> Interval | None:
        """Region on ``build``, or ``None`` if PanelApp gives none."""
        return self.grch38 if normalise_build(build) == "GRCh38" else self.grch37


PanelEntity: TypeAlias = PanelGene | PanelStr | PanelRegion


def _derive_inheritance(entity: PanelGene | PanelStr | PanelRegion) -> None:
    # Built by hand with only the raw text: keep the enum consistent with it.
    if entity.inheritance is Inheritance.UNKNOWN and entity.mode_of_inheritance:
        object.__setattr__(
            entity, "inheritance", Inheritance.from_panelapp(entity.mode_of_inheritance)
        )

ConfidenceArg: TypeAlias = Confidence | Collection[Confidence]


def _confidences(confidence: ConfidenceArg) -> frozenset[Confidence]:
    if isinstance(confidence, Confidence):
        return frozenset((confidence,))
    out = frozenset(confidence)
    bad = [c for c in out if not isinstance(c, Confidence)]
    if bad or not out:
        raise InputError(
            f"confidence must be a Confidence or a collection of them, got {confidence!r}; "
            "e.g. confidence=(Confidence.GREEN, Confidence.AMBER)"
        )
    return out


@dataclass(frozen=True)
class Panel:
    """One version of a gene panel, with its entities and provenance.

    Attributes
    ----------
    id
        PanelApp panel id (``int``), or a string for gmsvar pseudo-panels
        derived from test-directory gene lists (e.g. ``"M4"``).
    name, version
        PanelApp name and ``MAJOR.MINOR`` version string.
    version_created
        When this version was created (UTC); ``None`` if unknown.
    gene_entities, str_entities, region_entities
        All entities, whatever their rating; see :meth:`genes` and :meth:`regions`.
    relevant_disorders
        PanelApp's list, which carries the test-directory codes (``"R210"``).
    types
        PanelApp type slugs (``gms-signed-off``, ``superpanel``, ...).
    provenance
        Where this record came from: ``source`` (``"snapshot"``, ``"api"``,
        ``"file"`` or ``"derived"``), ``file`` / ``url``, ``derived_from``, ...
    """

    id: int | str
    name: str
    version: str
    version_created: datetime | None = None
    gene_entities: tuple[PanelGene, ...] = ()
    str_entities: tuple[PanelStr, ...] = ()
    region_entities: tuple[PanelRegion, ...] = ()
    relevant_disorders: tuple[str, ...] = ()
    types: tuple[str, ...] = ()
    status: str | None = None
    disease_group: str | None = None
    disease_sub_group: str | None = None
    hash_id: str | None = None
    provenance: Mapping[str, Any] = field(default_factory=dict, compare=False)

    # -- descriptive properties ----------------------------------------------------------------
    def __repr__(self) -> str:
        n = len(self.gene_entities) + len(self.str_entities) + len(self.region_entities)
        return (
            f"<Panel {self.id} {self.name!r} v{self.version}: {n} entities, "
            f"{len(self.green_genes)} green genes, source {self.provenance.get('source', '?')}>"
        )

    @property
    def signed_off(self) -> bool:
        """True if PanelApp lists the panel as GMS signed-off (type ``gms-signed-off``)."""
        return "gms-signed-off" in self.types

    @property
    def test_codes(self) -> tuple[str, ...]:
        """Test-directory codes in ``relevant_disorders`` (``R210``, ``R49.3``, ``M4``)."""
        return tuple(d.strip() for d in self.relevant_disorders if _TEST_CODE.match(d.strip()))

    @property
    def version_date(self) -> date | None:
        """Date of :attr:`version_created`."""
        return None if self.version_created is None else self.version_created.date()

    @property
    def label(self) -> str:
        """Short text for reports: ``Inherited MMR deficiency (Lynch syndrome) (503 v1.13)``."""
        return f"{self.name} ({self.id} v{self.version})"

    @property
    def entities(self) -> tuple[PanelEntity, ...]:
        """Genes, then STRs, then regions."""
        return (*self.gene_entities, *self.str_entities, *self.region_entities)

    # -- selections ----------------------------------------------------------------------------
    def genes(self, *, confidence: ConfidenceArg = Confidence.GREEN) -> list[PanelGene]:
        """Gene entities with the given rating(s), sorted by symbol.

        Parameters
        ----------
        confidence
            One :class:`Confidence` or a collection; default green only, as used
            for diagnostic reporting.
        """
        keep = _confidences(confidence)
        return sorted(
            (g for g in self.gene_entities if g.confidence in keep), key=lambda g: g.symbol
        )

    def gene_symbols(self, *, confidence: ConfidenceArg = Confidence.GREEN) -> list[str]:
        """Symbols of :meth:`genes`, sorted."""
        return [g.symbol for g in self.genes(confidence=confidence)]

    @property
    def green_genes(self) -> list[str]:
        """Sorted symbols of the green genes."""
        return self.gene_symbols(confidence=Confidence.GREEN)

    def select(
        self,
        *,
        confidence: ConfidenceArg = Confidence.GREEN,
        entity_types: Collection[EntityType] = ("gene", "str", "region"),
    ) -> list[PanelEntity]:
        """Entities of the given types and ratings, in :attr:`entities` order."""
        keep = _confidences(confidence)
        unknown = set(entity_types) - {"gene", "str", "region"}
        if unknown:
            raise InputError(
                f"unknown entity_types {sorted(unknown)}; use 'gene', 'str' and/or 'region'"
            )
        return [
            e for e in self.entities if e.entity_type in entity_types and e.confidence in keep
        ]

    def missing_coordinates(
        self,
        *,
        build: str = "GRCh38",
        confidence: ConfidenceArg = Confidence.GREEN,
        entity_types: Collection[EntityType] = ("gene", "str", "region"),
    ) -> list[str]:
        """Names of selected entities with no location on ``build``."""
        sel = self.select(confidence=confidence, entity_types=entity_types)
        return [e.name for e in sel if e.interval(build) is None]

    def regions(
        self,
        *,
        build: str = "GRCh38",
        padding: int = 0,
        confidence: ConfidenceArg = Confidence.GREEN,
        entity_types: Collection[EntityType] = ("gene", "str", "region"),
    ) -> list[Interval]:
        """Merged intervals covered by the selected entities.

        Parameters
        ----------
        build
            ``"GRCh38"`` (default) or ``"GRCh37"``.
        padding
            Bases added on each side of every entity (e.g. 20 for splice
            regions of edge exons); starts are clipped at 1.
        confidence
            Rating(s) to include; default green only.
        entity_types
            Which entity kinds to include; region entities are often large CNV
            regions, so pass ``("gene", "str")`` for small-variant work if needed.

        Returns
        -------
        list of Interval
            Sorted by contig name then start, overlapping and adjacent intervals
            merged; contig names without ``chr`` (as PanelApp writes them).

        Warns
        -----
        GmsvarWarning
            When a selected entity has no location on ``build`` (it is left out).
        """
        b = normalise_build(build)
        if int(padding) < 0:
            raise InputError(f"padding must be >= 0, got {padding}")
        pad = int(padding)
        sel = self.select(confidence=confidence, entity_types=entity_types)
        out: list[Interval] = []
        missing: list[str] = []
        for e in sel:
            iv = e.interval(b)
            if iv is None:
                missing.append(e.name)
                continue
            out.append(Interval(strip_chr(iv.contig), max(1, iv.start - pad), iv.end + pad))
        if missing:
            warnings.warn(
                f"panel {self.label}: {len(missing)} selected entities have no {b} location "
                f"and are not in the regions: {', '.join(missing[:10])}"
                + (" ..." if len(missing) > 10 else ""),
                GmsvarWarning,
                stacklevel=2,
            )
        return merge_intervals(out)

    # -- export --------------------------------------------------------------------------------
    def to_frame(self) -> pd.DataFrame:
        """One row per entity: type, name, HGNC id, rating, inheritance, coordinates."""
        import pandas as pd
        rows = []
        for e in self.entities:
            g37, g38 = e.grch37, e.grch38
            rows.append({
                "entity_type": e.entity_type,
                "name": e.name,
                "hgnc_id": getattr(e, "hgnc_id", None),
                "confidence": e.confidence.name.lower(),
                "inheritance": e.inheritance.value,
                "mode_of_inheritance": e.mode_of_inheritance,
                "penetrance": e.penetrance,
                "grch37": None if g37 is None else f"{g37.contig}:{g37.start}-{g37.end}",
                "grch38": None if g38 is None else f"{g38.contig}:{g38.start}-{g38.end}",
            })
        return pd.DataFrame(
            rows,
            columns=["entity_type", "name", "hgnc_id", "confidence", "inheritance",
                     "mode_of_inheritance", "penetrance", "grch37", "grch38"],
        )

    # -- parsing -------------------------------------------------------------------------------
    @classmethod
    def from_panelapp(
        cls, data: Mapping[str, Any], *, provenance: Mapping[str, Any] | None = None
    ) -> Panel:
        """Build a panel from a PanelApp API v1 ``panels/<id>/`` response.

        Handles PanelApp's quirks: ``GRch37``/``GRch38`` keys with the Ensembl
        release as inner key (any release is read; several are spanned),
        ``ensembl_genes`` that is ``{}`` or missing, ratings as strings, and
        ``null`` coordinates on STR and region entities.

        Raises
        ------
        PanelError
            If required keys (``id``, ``name``, ``version``) are missing or an
            entity is malformed.
        """
        where = f"PanelApp panel {data.get('id', '?')}"
        try:
            panel_id = data["id"]
            name = str(data["name"])
            version = str(data["version"])
        except (KeyError, TypeError) as err:
            raise PanelError(
                f"{where}: response lacks {err}; is this a panels/<id>/ detail response?"
            ) from err
        if isinstance(panel_id, str) and panel_id.isdigit():
            panel_id = int(panel_id)
        try:
            genes = tuple(_parse_gene(g) for g in data.get("genes") or ())
            strs = tuple(_parse_str(s) for s in data.get("strs") or ())
            regs = tuple(_parse_region(r) for r in data.get("regions") or ())
        except (KeyError, TypeError, ValueError) as err:
            raise PanelError(f"{where} v{version}: malformed entity ({err!r})") from err
        prov: dict[str, Any] = {"panel_id": panel_id, "panel_name": name, "version": version}
        prov["version_created"] = data.get("version_created")
        prov.update(provenance or {})
        return cls(
            id=panel_id,
            name=name,
            version=version,
            version_created=_parse_datetime(data.get("version_created")),
            gene_entities=genes,
            str_entities=strs,
            region_entities=regs,
            relevant_disorders=tuple(str(d) for d in data.get("relevant_disorders") or ()),
            types=tuple(
                str(t.get("slug", "")) if isinstance(t, Mapping) else str(t)
                for t in data.get("types") or ()
            ),
            status=data.get("status"),
            disease_group=data.get("disease_group"),
            disease_sub_group=data.get("disease_sub_group"),
            hash_id=data.get("hash_id"),
            provenance=prov,
        )


# -- parsing helpers ---------------------------------------------------------------------------
def _parse_datetime(value: Any) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None


def _parse_location(text: str) -> Interval | None:
    m = _LOCATION.match(text or "")
    if not m:
        return None
    contig, start, end = m.groups()
    return Interval(strip_chr(contig), int(start), int(end))


def _ensembl_span(
    ensembl_genes: Any, build_key: str
) -> tuple[Interval | None, tuple[str, ...]]:
    """Span over every release PanelApp lists for one build (usually one)."""
    if not isinstance(ensembl_genes, Mapping):
        return None, ()
    releases = None
    for key, value in ensembl_genes.items():
        if str(key).lower() == build_key.lower():
            releases = value
            break
    if not isinstance(releases, Mapping):
        return None, ()
    ivs: list[Interval] = []
    ids: list[str] = []
    for _release, rec in sorted(releases.items()):
        if not isinstance(rec, Mapping):
            continue
        iv = _parse_location(str(rec.get("location") or ""))
        if iv is not None:
            ivs.append(iv)
        if rec.get("ensembl_id"):
            ids.append(str(rec["ensembl_id"]))
    if not ivs:
        return None, tuple(dict.fromkeys(ids))
    # Releases occasionally disagree (e.g. SCO2 in Ensembl 90 vs 107); cover them all so
    # no locus PanelApp lists is missed. Spans on different contigs are not merged.
    first = ivs[0]
    same = [iv for iv in ivs if iv.contig == first.contig]
    span = Interval(first.contig, min(i.start for i in same), max(i.end for i in same))
    return span, tuple(dict.fromkeys(ids))


def _coords(chrom: Any, pair: Any) -> Interval | None:
    if chrom in (None, "") or not isinstance(pair, Sequence) or len(pair) != 2:
        return None
    if pair[0] is None or pair[1] is None:
        return None
    start, end = int(pair[0]), int(pair[1])
    return Interval(strip_chr(str(chrom)), min(start, end), max(start, end))


def _strs(values: Any) -> tuple[str, ...]:
    if values is None:
        return ()
    if isinstance(values, str):
        return (values,)
    return tuple(str(v) for v in values)


def _opt_int(value: Any) -> int | None:
    if value is None or value == "":
        return None
    return int(value)


def _common(e: Mapping[str, Any]) -> dict[str, Any]:
    moi = e.get("mode_of_inheritance") or ""
    return {
        "confidence": Confidence.from_panelapp(e.get("confidence_level")),
        "inheritance": Inheritance.from_panelapp(moi),
        "mode_of_inheritance": str(moi),
        "penetrance": e.get("penetrance") or None,
        "phenotypes": _strs(e.get("phenotypes")),
        "evidence": _strs(e.get("evidence")),
        "tags": _strs(e.get("tags")),
    }


def _parse_gene(e: Mapping[str, Any]) -> PanelGene:
    gd = e.get("gene_data") or {}
    symbol = str(e.get("entity_name") or gd.get("hgnc_symbol") or gd.get("gene_symbol"))
    g37, ids37 = _ensembl_span(gd.get("ensembl_genes"), "GRch37")
    g38, ids38 = _ensembl_span(gd.get("ensembl_genes"), "GRch38")
    return PanelGene(
        symbol=symbol,
        hgnc_id=gd.get("hgnc_id") or None,
        mode_of_pathogenicity=e.get("mode_of_pathogenicity") or None,
        grch37=g37,
        grch38=g38,
        ensembl_gene_ids=tuple(dict.fromkeys(ids38 + ids37)),
        biotype=gd.get("biotype"),
        publications=_strs(e.get("publications")),
        transcripts=_strs(e.get("transcript")),
        **_common(e),
    )


def _parse_str(e: Mapping[str, Any]) -> PanelStr:
    gd = e.get("gene_data") or {}
    return PanelStr(
        name=str(e["entity_name"]),
        gene_symbol=gd.get("hgnc_symbol") or gd.get("gene_symbol"),
        hgnc_id=gd.get("hgnc_id") or None,
        repeated_sequence=e.get("repeated_sequence"),
        normal_repeats=_opt_int(e.get("normal_repeats")),
        pathogenic_repeats=_opt_int(e.get("pathogenic_repeats")),
        grch37=_coords(e.get("chromosome"), e.get("grch37_coordinates")),
        grch38=_coords(e.get("chromosome"), e.get("grch38_coordinates")),
        **_common(e),
    )


def _parse_region(e: Mapping[str, Any]) -> PanelRegion:
    return PanelRegion(
        name=str(e["entity_name"]),
        verbose_name=str(e.get("verbose_name") or ""),
        grch37=_coords(e.get("chromosome"), e.get("grch37_coordinates")),
        grch38=_coords(e.get("chromosome"), e.get("grch38_coordinates")),
        type_of_variants=e.get("type_of_variants") or None,
        haploinsufficiency_score=e.get("haploinsufficiency_score") or None,
        triplosensitivity_score=e.get("triplosensitivity_score") or None,
        required_overlap_percentage=_opt_int(e.get("required_overlap_percentage")),
        **_common(e),
    )


def iter_test_codes(values: Iterable[str]) -> list[str]:
    """Test-directory codes among free-text ``relevant_disorders`` entries."""
    return [v.strip() for v in values if _TEST_CODE.match(v.strip())]
