"""Hand-built classification frames that follow contract A exactly (independent of gmsvar.classify)."""

from __future__ import annotations

import json
from collections.abc import Mapping

import numpy as np
import pandas as pd

from gmsvar.table import VariantTable

CRITERIA = [
    "PVS1",
    "PS1",
    "PS2",
    "PS3",
    "PS4",
    "PM1",
    "PM2",
    "PM3",
    "PM4",
    "PM5",
    "PM6",
    "PP1",
    "PP2",
    "PP3",
    "PP4",
    "BA1",
    "BS1",
    "BS2",
    "BS3",
    "BS4",
    "BP1",
    "BP2",
    "BP3",
    "BP4",
    "BP5",
    "BP7",
]
CONTRACT_A_COLUMNS = [
    "variant_index",
    "variant_contig",
    "variant_position",
    "variant_id",
    "variant_ref",
    "variant_alt",
    "gene",
    "transcript",
    "hgvsc",
    "hgvsp",
    "consequence",
    "classification",
    "points",
    "acmg2015_class",
    *CRITERIA,
    "criteria",
    "evidence",
    "flags",
    "spec",
    "spec_version",
    "knowledge_versions",
]
_POINTS = {
    "Pathogenic": 10,
    "Likely pathogenic": 7,
    "Uncertain significance": 2,
    "Likely benign": -2,
    "Benign": -8,
    "Not classified": 0,
}


def classified_frame(table: VariantTable, by_id: Mapping[str, Mapping[str, str]]) -> pd.DataFrame:
    """Contract-A DataFrame for ``table``: rows named by VCF ID get the given fields.

    ``by_id[id]`` may set gene, transcript, hgvsc, hgvsp, consequence, classification,
    criteria (``"PVS1,PM2_Supporting"``) and flags; other rows are "Uncertain significance"
    without a gene (symbolic alleles: "Not classified").
    """
    n = len(table)
    contigs = table.decode("variant_contig")
    ids = np.asarray(table["variant_id"], dtype=object)
    alts = np.asarray(table["variant_alt"], dtype=object)
    rows = []
    for i in range(n):
        spec = dict(by_id.get(str(ids[i]), {}))
        symbolic = str(alts[i]).startswith("<")
        cls = spec.get("classification", "Not classified" if symbolic else "Uncertain significance")
        crit = spec.get("criteria", "")
        row = {
            "variant_index": i,
            "variant_contig": str(contigs[i]),
            "variant_position": int(table["variant_position"][i]),
            "variant_id": ids[i],
            "variant_ref": str(table["variant_ref"][i]),
            "variant_alt": str(alts[i]),
            "gene": spec.get("gene"),
            "transcript": spec.get("transcript"),
            "hgvsc": spec.get("hgvsc"),
            "hgvsp": spec.get("hgvsp"),
            "consequence": spec.get("consequence"),
            "classification": cls,
            "points": _POINTS[cls],
            "acmg2015_class": cls,
        }
        applied = {
            c.split("_")[0]: (c.split("_")[1] if "_" in c else "default") for c in crit.split(",") if c
        }
        default = {
            "PVS1": "Very strong",
            "PM2": "Moderate",
            "PP3": "Supporting",
            "PS1": "Strong",
            "PM4": "Moderate",
            "PM1": "Moderate",
            "PP1": "Supporting",
        }
        for c in CRITERIA:
            if c in applied:
                row[c] = default.get(c, "Moderate") if applied[c] == "default" else applied[c]
            else:
                row[c] = ""
        row["criteria"] = crit
        row["evidence"] = "; ".join(f"{c}: hand-built test evidence" for c in crit.split(",") if c)
        row["flags"] = spec.get("flags", "symbolic_allele_not_classified" if symbolic else "")
        row["spec"] = "acgs2020"
        row["spec_version"] = "test-1"
        row["knowledge_versions"] = json.dumps({"test-classification": "1"})
        rows.append(row)
    df = pd.DataFrame(rows, columns=CONTRACT_A_COLUMNS)
    df.attrs["provenance"] = {"spec": "acgs2020", "spec_version": "test-1", "knowledge_versions": {}}
    return df
