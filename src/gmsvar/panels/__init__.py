"""Gene panels: test-directory codes, PanelApp panels, offline snapshots and a live client.

A lab asks for a National Genomic Test Directory code (``"R210"``, ``"M4"``);
:func:`load_panel` resolves it to a PanelApp panel version (or a directory gene
list) from snapshots bundled with gmsvar, so it works offline with no
configuration. :class:`PanelAppClient` fetches live panels through an on-disk
cache. :func:`in_panel` masks a :class:`~gmsvar.table.VariantTable` to a panel's
regions and :func:`diff_panels` compares two panel versions.

Every :class:`Panel` records its provenance (panel id, version, version date and
where it came from); :data:`TEST_DIRECTORY_EDITION` names the bundled directory
editions.

Examples
--------
>>> from gmsvar.panels import load_panel, lookup_test
>>> lookup_test("R210.2").panelapp_id
503
>>> panel = load_panel("R210")
>>> panel.green_genes, panel.signed_off
(['EPCAM', 'MLH1', 'MSH2', 'MSH6', 'PMS2'], True)
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._lazy import lazy_attributes

if TYPE_CHECKING:
    from .client import (
        DEFAULT_BASE_URL,
        PANELAPP_AUSTRALIA_URL,
        PanelAppClient,
        PanelSummary,
        default_cache_dir,
    )
    from .diff import ChangeKind, EntityChange, PanelDiff, diff_panels
    from .directory import (
        TEST_DIRECTORY_EDITION,
        TEST_DIRECTORY_EDITIONS,
        TargetType,
        TestDirectoryEntry,
        lookup_test,
        test_directory,
    )
    from .mask import BuildUnknownError, in_panel, overlaps_intervals
    from .model import (
        Confidence,
        Inheritance,
        Panel,
        PanelEntity,
        PanelGene,
        PanelRegion,
        PanelStr,
        normalise_build,
        version_key,
    )
    from .snapshots import (
        PanelIndexEntry,
        SnapshotInfo,
        gene_list_panel,
        list_snapshots,
        load_panel,
        load_snapshot,
        panelapp_index,
        read_panel_file,
    )

# Imported on first use (module ``__getattr__``): ``load_panel`` does not import the
# live client (requests, sqlite3) or the panel diff.
_LAZY: dict[str, str] = {
    "DEFAULT_BASE_URL": "client",
    "PANELAPP_AUSTRALIA_URL": "client",
    "PanelAppClient": "client",
    "PanelSummary": "client",
    "default_cache_dir": "client",
    "ChangeKind": "diff",
    "EntityChange": "diff",
    "PanelDiff": "diff",
    "diff_panels": "diff",
    "TEST_DIRECTORY_EDITION": "directory",
    "TEST_DIRECTORY_EDITIONS": "directory",
    "TargetType": "directory",
    "TestDirectoryEntry": "directory",
    "lookup_test": "directory",
    "test_directory": "directory",
    "BuildUnknownError": "mask",
    "in_panel": "mask",
    "overlaps_intervals": "mask",
    "Confidence": "model",
    "Inheritance": "model",
    "Panel": "model",
    "PanelEntity": "model",
    "PanelGene": "model",
    "PanelRegion": "model",
    "PanelStr": "model",
    "normalise_build": "model",
    "version_key": "model",
    "PanelIndexEntry": "snapshots",
    "SnapshotInfo": "snapshots",
    "gene_list_panel": "snapshots",
    "list_snapshots": "snapshots",
    "load_panel": "snapshots",
    "load_snapshot": "snapshots",
    "panelapp_index": "snapshots",
    "read_panel_file": "snapshots",
}


__getattr__, __dir__ = lazy_attributes(globals(), __name__, _LAZY)


__all__ = [
    "DEFAULT_BASE_URL",
    "PANELAPP_AUSTRALIA_URL",
    "TEST_DIRECTORY_EDITION",
    "TEST_DIRECTORY_EDITIONS",
    "BuildUnknownError",
    "ChangeKind",
    "Confidence",
    "EntityChange",
    "Inheritance",
    "Panel",
    "PanelAppClient",
    "PanelDiff",
    "PanelEntity",
    "PanelGene",
    "PanelIndexEntry",
    "PanelRegion",
    "PanelStr",
    "PanelSummary",
    "SnapshotInfo",
    "TargetType",
    "TestDirectoryEntry",
    "default_cache_dir",
    "diff_panels",
    "gene_list_panel",
    "in_panel",
    "list_snapshots",
    "load_panel",
    "load_snapshot",
    "lookup_test",
    "normalise_build",
    "overlaps_intervals",
    "panelapp_index",
    "read_panel_file",
    "test_directory",
    "version_key",
]
