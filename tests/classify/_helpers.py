"""Helpers for the classification tests: hand-curated rows -> a VEP-style CSQ VCF -> VariantTable."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import pandas as pd

from gmsvar.classify import ClinVarKnowledge

DATA = Path(__file__).resolve().parents[1] / "data" / "classify"

CSQ_FIELDS = (
    "Allele|Consequence|IMPACT|SYMBOL|Gene|Feature_type|Feature|BIOTYPE|EXON|INTRON|HGVSc|HGVSp|MAX_AF|"
    "REVEL|CADD_PHRED|SpliceAI_pred_DS_AG|SpliceAI_pred_DS_AL|SpliceAI_pred_DS_DG|SpliceAI_pred_DS_DL|"
    "gnomAD_nhomalt|MANE_SELECT"
)


def read_truth_table() -> list[dict[str, str]]:
    lines = [ln for ln in (DATA / "truth_table.tsv").read_text().splitlines() if not ln.startswith("#")]
    return list(csv.DictReader(lines, delimiter="\t"))


def _allele(ref: str, alt: str) -> str:
    if alt.startswith("<"):
        return "deletion"
    if len(ref) != len(alt) and ref[:1] == alt[:1]:
        return alt[1:] or "-"
    return alt


def write_vcf(rows: list[dict[str, Any]], path: Path) -> Path:
    """A GRCh38 VCF with one record per row and a VEP CSQ entry (unless gene == 'NA')."""
    header = [
        "##fileformat=VCFv4.2",
        "##reference=GRCh38",
        '##INFO=<ID=CSQ,Number=.,Type=String,Description="Consequence annotations from Ensembl VEP. Format: '
        + CSQ_FIELDS
        + '">',
        "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO",
    ]
    contigs = sorted({r["chrom"] for r in rows})
    header[2:2] = [f"##contig=<ID={c}>" for c in contigs]
    body = []
    order = {c: i for i, c in enumerate(contigs)}
    for r in sorted(rows, key=lambda r: (order[r["chrom"]], int(r["pos"]))):
        ref = "A" + "C" * 600 if r["ref"] == "LONGDEL" else r["ref"]
        info = "."
        if r["gene"] != "NA":
            sai = r.get("spliceai", "")
            fields = [
                _allele(ref, r["alt"]),
                r["consequence"],
                "MODERATE",
                r["gene"],
                "",
                "Transcript",
                r["transcript"],
                "protein_coding",
                r.get("exon", ""),
                "",
                "",
                r.get("hgvsp", ""),
                r.get("max_af", ""),
                r.get("revel", ""),
                r.get("cadd", ""),
                "0" if sai else "",
                "0" if sai else "",
                sai,
                "0" if sai else "",
                r.get("nhomalt", ""),
                "NM_000000.0",
            ]
            info = "CSQ=" + "|".join(fields)
        body.append("\t".join([r["chrom"], str(r["pos"]), r["id"], ref, r["alt"], ".", "PASS", info]))
    path.write_text("\n".join(header + body) + "\n")
    return path


def clinvar_records() -> ClinVarKnowledge:
    """Hand-made ClinVar knowledge: TP53 p.Arg273His (3 stars, another nucleotide) and a 1-star record."""
    records = pd.DataFrame(
        {
            "gene": ["TP53", "TP53"],
            "residue": [273, 175],
            "ref_aa": ["Arg", "Arg"],
            "alt_aa": ["His", "His"],
            "key": ["17-7673802-C-G", "17-7675088-C-G"],
            "stars": [3, 1],
        }
    )
    return ClinVarKnowledge.from_records(records, version="test records", min_stars=2)


def evidence_table(rows: list[dict[str, str]]) -> pd.DataFrame:
    out = []
    for r in rows:
        for item in filter(None, r.get("evidence", "").split(";")):
            crit, _, strength = item.partition(":")
            chrom = r["chrom"]
            out.append(
                {
                    "variant": f"{chrom}-{r['pos']}-{r['ref']}-{r['alt']}",
                    "criterion": crit,
                    "strength": strength,
                    "note": f"test {crit}",
                }
            )
    return pd.DataFrame(out)
