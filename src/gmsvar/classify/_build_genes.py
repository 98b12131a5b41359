"""Build the gene knowledge and exon tables shipped in ``gmsvar/data/classify/`` (run by hand).

Not imported by the library. Re-run when a source changes and commit the outputs::

    .venv/bin/python -m gmsvar.classify._build_genes \\
        --shared /work/shared/data --spliceai-annotations /tmp/spliceai/annotations

``--spliceai-annotations`` is the ``spliceai/annotations/`` folder of the SpliceAI 1.3.1 wheel
(``pip download --no-deps spliceai==1.3.1``; GPLv3): GENCODE canonical transcripts with exon
coordinates, GRCh37 and GRCh38. Only the exon coordinates of genes in the knowledge table are kept,
and only where they agree with the MANE Select transcript (exon count and the exons holding the
start and stop codons, from the MANE UTR BEDs in ``shared/data/genes/``).

Outputs
-------
``genes.tsv``
    One row per gene: inheritance from PanelApp green entries, ClinGen haploinsufficiency score,
    PanelApp "LoF does not cause this phenotype" counts, and the derived ``lof_mechanism``
    (``known``/``presumed``/``not``/``unknown``) with ``lof_source`` saying why.
``exons.tsv.gz``
    Per gene and build: contig, strand, MANE transcript, exon starts/ends (1-based, inclusive,
    genomic order) and CDS start/end.
"""

from __future__ import annotations

import argparse
import collections
import gzip
import json
import sys
from pathlib import Path
from typing import Any

DATA = Path(__file__).resolve().parents[1] / "data" / "classify"
VERSION = "gmsvar-genes-2026.1"

_LOF_NOT = "loss-of-function variants (as defined in pop up message) do not cause"


def _panelapp(shared: Path) -> tuple[dict[str, set[str]], dict[str, int], dict[str, int]]:
    """Inheritance codes of green entries, green panel counts and LoF-not counts per gene."""
    import pandas as pd

    pa = pd.read_csv(shared / "panelapp" / "PanelAppRex_PanelAppData_combined_core.tsv.gz", sep="\t")
    green = pa[pa["confidence_level"] == 3]
    moi: dict[str, set[str]] = collections.defaultdict(set)
    n_green: dict[str, int] = collections.Counter()
    for gene, mode in zip(green["Gene"], green["mode_of_inheritance"], strict=True):
        n_green[gene] += 1
        if isinstance(mode, str) and mode != "NA":
            moi[gene].update(mode.split("/"))
    lof_not: dict[str, int] = collections.Counter()
    panels = shared / "panelapp" / "genomicsengland_api_v1_snapshot_2026" / "panels"
    for path in sorted(panels.glob("panel_*.json")):
        for g in json.loads(path.read_text()).get("genes", []):
            mop = (g.get("mode_of_pathogenicity") or "").lower()
            if str(g.get("confidence_level")) == "3" and _LOF_NOT in mop.replace("-please", "- please"):
                lof_not[g["entity_name"]] += 1
    return moi, n_green, lof_not


def _clingen() -> dict[str, int]:
    out: dict[str, int] = {}
    for line in (DATA / "clingen_dosage_hi.tsv").read_text().splitlines():
        if line.startswith("#") or line.startswith("gene\t") or not line.strip():
            continue
        gene, score = line.split("\t")
        out[gene] = int(score)
    return out


def _inheritance(codes: set[str]) -> str:
    if not codes:
        return "unknown"
    order = ["AD", "AR", "XL", "MT"]
    return ",".join(c for c in order if c in codes) or "unknown"


def _lof(gene: str, codes: set[str], hi: int | None, n_not: int) -> tuple[str, str]:
    recessive = bool(codes & {"AR", "XL"})
    if hi == 3:
        return "known", "clingen_hi3"
    if n_not and not recessive:
        return "not", "panelapp_lof_not"
    if hi == 2:
        return "presumed", "clingen_hi2"
    if recessive:
        return "presumed", "panelapp_recessive"
    if hi == 40:
        return "not", "clingen_hi40"
    return "unknown", "none"


def build_genes(shared: Path) -> dict[str, dict[str, str]]:
    moi, n_green, lof_not = _panelapp(shared)
    hi = _clingen()
    genes = sorted(set(n_green) | set(hi))
    rows: dict[str, dict[str, str]] = {}
    for g in genes:
        codes = moi.get(g, set())
        mech, src = _lof(g, codes, hi.get(g), lof_not.get(g, 0))
        rows[g] = {
            "gene": g,
            "inheritance": _inheritance(codes),
            "clingen_hi": str(hi.get(g, "")),
            "panelapp_green_entries": str(n_green.get(g, 0)),
            "panelapp_lof_not": str(lof_not.get(g, 0)),
            "lof_mechanism": mech,
            "lof_source": src,
        }
    return rows


def _mane(shared: Path, build: str) -> dict[str, dict[str, Any]]:
    """CDS bounds and exon numbers of the start/stop exons from the MANE UTR BEDs."""
    tx = {}
    for line in (shared / "genes" / "mane_select_transcripts_gencode.tsv").read_text().splitlines()[1:]:
        gene, refseq, ens = line.split("\t")
        tx[gene] = (refseq, ens)
    info: dict[str, dict[str, Any]] = {}
    for kind in ("utr5", "utr3"):
        with gzip.open(shared / "genes" / f"mane_select_{kind}.{build}.bed.gz", "rt") as fh:
            for line in fh:
                if line.startswith("#"):
                    continue
                chrom, s, e, exon, gene, refseq, ens, strand = line.rstrip("\n").split("\t")
                d = info.setdefault(
                    gene,
                    {
                        "chrom": chrom,
                        "strand": strand,
                        "refseq": refseq,
                        "ensembl": ens,
                        "utr5": [],
                        "utr3": [],
                    },
                )
                # the BEDs' start column is 1-based here (GENCODE GTF value): with s + 1 every CDS length
                # came out 1 nt too long (3,640 of 3,666 genes with length % 3 == 1)
                d[kind].append((int(s), int(e), int(exon)))
    return info


def _spliceai(path: Path) -> dict[str, tuple[str, str, list[int], list[int]]]:
    out = {}
    for line in path.read_text().splitlines()[1:]:
        name, chrom, strand, _txs, _txe, starts, ends = line.split("\t")
        s = [int(x) + 1 for x in starts.rstrip(",").split(",")]
        e = [int(x) for x in ends.rstrip(",").split(",")]
        out[name] = (chrom, strand, s, e)
    return out


def build_exons(shared: Path, annotations: Path, genes: list[str]) -> tuple[list[str], dict[str, int]]:
    lines = []
    stats: dict[str, int] = collections.Counter()
    for build, fname in (("GRCh38", "grch38.txt"), ("GRCh37", "grch37.txt")):
        sp = _spliceai(annotations / fname)
        mane = _mane(shared, build)
        for g in genes:
            if g not in sp:
                stats[f"{build}:not_in_annotation"] += 1
                continue
            chrom, strand, starts, ends = sp[g]
            m = mane.get(g)
            if m is None or m["strand"] != strand:
                stats[f"{build}:no_mane_utr"] += 1
                continue
            n = len(starts)

            def exon_no(
                pos: int, st: list[int] = starts, en: list[int] = ends, sd: str = strand, nn: int = n
            ) -> int:
                for i, (a, b) in enumerate(zip(st, en, strict=True)):
                    if a <= pos <= b:
                        return i + 1 if sd == "+" else nn - i
                return -1

            u5, u3 = m["utr5"], m["utr3"]
            if not u5 or not u3:
                stats[f"{build}:missing_utr"] += 1
                continue
            if strand == "+":
                cds_start = max(e for _, e, _ in u5) + 1
                cds_end = min(s for s, _, _ in u3) - 1
                start_exon = max(u5, key=lambda t: t[1])[2]
                stop_exon = min(u3, key=lambda t: t[0])[2]
            else:
                cds_end = min(s for s, _, _ in u5) - 1
                cds_start = max(e for _, e, _ in u3) + 1
                start_exon = min(u5, key=lambda t: t[0])[2]
                stop_exon = max(u3, key=lambda t: t[1])[2]
            last = max(x for _, _, x in u3)
            atg = cds_start if strand == "+" else cds_end
            stop = cds_end if strand == "+" else cds_start
            full = (
                n == last
                and exon_no(atg) == start_exon
                and exon_no(stop) == stop_exon
                and cds_start <= cds_end
            )
            # 3'-end agreement is what the NMD rule needs: same number of exons after the stop
            # codon's exon, and the start codon inside an exon; numbering is shifted to MANE's.
            offset = last - n
            three = (
                exon_no(atg) > 0
                and exon_no(stop) > 0
                and cds_start <= cds_end
                and n - exon_no(stop) == last - stop_exon
            )
            coding = sum(
                max(0, min(b, cds_end) - max(a, cds_start) + 1) for a, b in zip(starts, ends, strict=True)
            )
            if coding % 3:
                stats[f"{build}:cds_not_multiple_of_3"] += 1
                continue
            if full:
                agreement = "mane"
            elif three:
                agreement = "mane_3prime"
            else:
                stats[f"{build}:disagrees_with_mane"] += 1
                continue
            stats[f"{build}:{agreement}"] += 1
            lines.append(
                "\t".join(
                    [
                        g,
                        build,
                        chrom.removeprefix("chr"),
                        strand,
                        str(m["ensembl"]),
                        str(m["refseq"]),
                        ",".join(map(str, starts)),
                        ",".join(map(str, ends)),
                        str(cds_start),
                        str(cds_end),
                        agreement,
                        str(offset if agreement == "mane_3prime" else 0),
                    ]
                )
            )
    return lines, stats


_HOTSPOT_EXCLUDE = {"MLH1", "MSH2", "MSH6", "PMS2", "EPCAM"}  # PM1 not applicable (InSiGHT VCEP)


def build_hotspots(
    shared: Path, genes: dict[str, dict[str, str]], *, min_tumours: int = 10, max_q: float = 0.01
) -> list[str]:
    """Single-residue Cancer Hotspots (v2) in germline disease genes: residue, count, transcript."""
    import pandas as pd

    hs = pd.read_csv(
        shared / "actionability" / "cancerhotspots_v2_and_3d.grch38_ensembl95.txt.gz", sep="\t", dtype=str
    )
    hs = hs[hs["type"] == "single residue"]
    q = pd.to_numeric(hs["q_value"], errors="coerce")
    n = pd.to_numeric(hs["tumor_count"], errors="coerce")
    keep = (q <= max_q) & (n >= min_tumours)
    hs = hs[keep]
    out = []
    for _, r in hs.sort_values(
        ["hugo_symbol", "amino_acid_position"],
        key=lambda c: c.map(lambda v: (0, int(v)) if str(v).isdigit() else (1, v)),
    ).iterrows():
        g = r["hugo_symbol"]
        if g in _HOTSPOT_EXCLUDE or g not in genes or genes[g]["panelapp_green_entries"] == "0":
            continue
        out.append(
            "\t".join(
                [
                    g,
                    str(r["amino_acid_position"]),
                    str(r["residue"]),
                    str(r["tumor_count"]),
                    str(r["transcript_id"]),
                ]
            )
        )
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--shared", type=Path, required=True, help="the shared/data folder")
    ap.add_argument("--spliceai-annotations", type=Path, required=True)
    args = ap.parse_args(argv)
    rows = build_genes(args.shared)
    cols = [
        "gene",
        "inheritance",
        "clingen_hi",
        "panelapp_green_entries",
        "panelapp_lof_not",
        "lof_mechanism",
        "lof_source",
    ]
    header = [
        "# gmsvar gene knowledge for germline classification (PVS1 LoF mechanism, inheritance)",
        f"# version: {VERSION}",
        "# sources: PanelApp (Genomics England) 2026 snapshot: PanelAppRex combined TSV (green entries,",
        "#   mode_of_inheritance) and 99 panel detail JSONs (mode_of_pathogenicity); ClinGen dosage",
        "#   sensitivity HI scores (clingen_dosage_hi.tsv, 2026-02-06).",
        "#   Built by gmsvar.classify._build_genes.",
        "# rule (first match): HI 3 -> known; PanelApp 'LoF does not cause' (no recessive entry)",
        "#   -> not;",
        "#   HI 2 -> presumed; green AR/XL inheritance -> presumed; HI 40 -> not; else unknown.",
        "#   lof_source codes: clingen_hi3, clingen_hi2, clingen_hi40, panelapp_lof_not,",
        "#   panelapp_recessive, none",
        "#   (texts in gmsvar.classify.knowledge.LOF_SOURCES). Gene/disease specifications (specs/*.toml)",
        "#   override this table for their genes.",
        "\t".join(cols),
    ]
    text = "\n".join(header + ["\t".join(r[c] for c in cols) for r in rows.values()]) + "\n"
    (DATA / "genes.tsv").write_text(text)
    exon_lines, stats = build_exons(args.shared, args.spliceai_annotations, list(rows))
    eheader = [
        "# gmsvar exon table: MANE Select exon structure for PVS1 (NMD rule, splice-site distance)",
        f"# version: {VERSION}",
        "# source: exon coordinates of GENCODE canonical transcripts from the SpliceAI 1.3.1 package",
        "#   annotations (grch37.txt/grch38.txt; GPLv3 package, GENCODE data), kept only where the exon",
        "#   count and the exons holding the start and stop codons agree with the MANE Select UTR BEDs",
        "#   (ManeSelectBed, GENCODE 50); CDS bounds from those BEDs. 1-based inclusive, genomic order.",
        "#   agreement: mane = exon count and start/stop exons agree; mane_3prime = only the 3' end agrees",
        "#   (exons after the stop exon, start codon inside an exon): exon_offset is added to exon numbers.",
        "gene\tbuild\tchrom\tstrand\ttranscript\trefseq\texon_starts\texon_ends\tcds_start\tcds_end"
        "\tagreement\texon_offset",
    ]
    payload = ("\n".join(eheader + exon_lines) + "\n").encode()
    with gzip.GzipFile(DATA / "exons.tsv.gz", "wb", compresslevel=9, mtime=0) as fh:
        fh.write(payload)
    hot = build_hotspots(args.shared, rows)
    hheader = [
        "# PM1 hotspot residues for germline classification (not used for MMR genes: InSiGHT VCEP)",
        f"# version: {VERSION}",
        "# source: Cancer Hotspots v2 (cancerhotspots.org; genome-nexus-importer export, GRCh38/Ensembl 95),",
        "#   single-residue hotspots with q-value <= 0.01 and >= 10 tumours, in genes with a green PanelApp",
        "#   entry (germline disease genes). Somatic recurrence as a PM1 proxy follows e.g. the",
        "#   ClinGen TP53 VCEP",
        "#   (>= 10 somatic occurrences in cancerhotspots.org) [R]. Residue numbering: transcript_id",
        "#   (Ensembl",
        "#   canonical); used only when the variant's transcript or the gene's MANE transcript has that id.",
        "gene\tposition\tresidue\ttumour_count\ttranscript",
    ]
    (DATA / "pm1_hotspots.tsv").write_text("\n".join(hheader + hot) + "\n")
    print(
        json.dumps(
            {
                "genes": len(rows),
                "hotspots": len(hot),
                "lof": collections.Counter(r["lof_mechanism"] for r in rows.values()),
                "exons": dict(sorted(stats.items())),
            },
            indent=1,
        ),
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
