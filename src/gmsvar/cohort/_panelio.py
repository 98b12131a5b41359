"""Save a :class:`~gmsvar.panels.Panel` as PanelApp-style JSON that ``load_panel`` reads back.

A cohort directory keeps the exact panel version it was interpreted with
(``panels/panel_<id>_v<version>.json``), so :func:`gmsvar.reanalyse` can diff against it
offline even when that version is no longer the newest snapshot.

Examples
--------
>>> import tempfile
>>> from gmsvar.panels import load_panel, read_panel_file
>>> p = load_panel("R210")
>>> path = save_panel(p, tempfile.mkdtemp())
>>> path.name, read_panel_file(path) == p
('panel_503_v1.13.json', True)
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from pathlib import Path
from typing import Any

from ..panels import Panel
from ..panels.model import PanelGene, PanelRegion, PanelStr
from ..regions import Interval
from .store import atomic_write, json_safe

__all__ = ["panel_document", "panel_file_name", "panel_sha256", "save_panel"]


def _loc(iv: Interval | None) -> str:
    return "" if iv is None else f"{iv.contig}:{iv.start}-{iv.end}"


def _ensembl(g: PanelGene) -> dict[str, Any]:
    # All ids go under the GRCh38 key (one pseudo-release per id) so the reader's
    # ``ids38 + ids37`` order reproduces ``ensembl_gene_ids`` exactly.
    ids: list[str | None] = list(g.ensembl_gene_ids) or [None]
    g38 = {f"90.{i:03d}": {"location": _loc(g.grch38), **({"ensembl_id": x} if x else {})}
           for i, x in enumerate(ids)}
    out: dict[str, Any] = {"GRch38": g38}
    if g.grch37 is not None:
        out["GRch37"] = {"82": {"location": _loc(g.grch37)}}
    return out


def _common(e: PanelGene | PanelStr | PanelRegion) -> dict[str, Any]:
    return {
        "entity_name": e.name,
        "entity_type": e.entity_type,
        "confidence_level": str(int(e.confidence)),
        "mode_of_inheritance": e.mode_of_inheritance,
        "penetrance": e.penetrance,
        "phenotypes": list(e.phenotypes),
        "evidence": list(e.evidence),
        "tags": list(e.tags),
    }


def _pair(iv: Interval | None) -> list[int] | None:
    return None if iv is None else [iv.start, iv.end]


def _chromosome(e: PanelStr | PanelRegion) -> str | None:
    iv = e.grch38 or e.grch37
    return None if iv is None else iv.contig


def panel_document(panel: Panel) -> dict[str, Any]:
    """The panel as a gmsvar snapshot document (``{"gmsvar_snapshot": ..., "panel": ...}``)."""
    genes = [{
        **_common(g),
        "mode_of_pathogenicity": g.mode_of_pathogenicity,
        "publications": list(g.publications),
        "transcript": list(g.transcripts),
        "gene_data": {"hgnc_symbol": g.symbol, "hgnc_id": g.hgnc_id, "biotype": g.biotype,
                      "ensembl_genes": _ensembl(g)},
    } for g in panel.gene_entities]
    strs = [{
        **_common(s),
        "gene_data": {"hgnc_symbol": s.gene_symbol, "hgnc_id": s.hgnc_id},
        "repeated_sequence": s.repeated_sequence,
        "normal_repeats": s.normal_repeats,
        "pathogenic_repeats": s.pathogenic_repeats,
        "chromosome": _chromosome(s),
        "grch37_coordinates": _pair(s.grch37),
        "grch38_coordinates": _pair(s.grch38),
    } for s in panel.str_entities]
    regions = [{
        **_common(r),
        "verbose_name": r.verbose_name,
        "chromosome": _chromosome(r),
        "grch37_coordinates": _pair(r.grch37),
        "grch38_coordinates": _pair(r.grch38),
        "type_of_variants": r.type_of_variants,
        "haploinsufficiency_score": r.haploinsufficiency_score,
        "triplosensitivity_score": r.triplosensitivity_score,
        "required_overlap_percentage": r.required_overlap_percentage,
    } for r in panel.region_entities]
    body = {
        "id": panel.id, "name": panel.name, "version": panel.version,
        "version_created": None if panel.version_created is None
        else panel.version_created.isoformat(),
        "relevant_disorders": list(panel.relevant_disorders),
        "types": [{"slug": t} for t in panel.types],
        "status": panel.status, "disease_group": panel.disease_group,
        "disease_sub_group": panel.disease_sub_group, "hash_id": panel.hash_id,
        "genes": genes, "strs": strs, "regions": regions,
    }
    prov = json_safe(dict(panel.provenance))
    prov.pop("file", None)
    prov["saved_by"] = "gmsvar.cohort (exact panel used for a cohort run)"
    return {"gmsvar_snapshot": prov, "panel": body}


def panel_sha256(panel: Panel) -> str:
    """SHA-256 of the panel's content (entities and version; provenance excluded)."""
    body = panel_document(panel)["panel"]
    return hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()


def panel_file_name(panel: Panel) -> str:
    """``panel_<id>_v<version>.json`` with unsafe characters replaced."""
    return re.sub(r"[^A-Za-z0-9._-]", "_", f"panel_{panel.id}_v{panel.version}") + ".json"


def save_panel(panel: Panel, directory: str | os.PathLike[str]) -> Path:
    """Write the panel into ``directory`` (atomically); returns the file path."""
    path = Path(directory) / panel_file_name(panel)
    data = json.dumps(panel_document(panel), indent=1, sort_keys=True).encode() + b"\n"
    with atomic_write(path) as fh:
        fh.write(data)
    return path
