"""Small synthetic VCFs for the cohort tests (written on the fly; nothing here is a real sample).

Records sit in the R210 genes MLH1 and MSH2 (GRCh38 spans from the PanelApp gene table, as in
``seeds/cohorts.json``) plus a few outside the panel, with a VEP-style CSQ (MANE Select
transcripts NM_000249.4 / NM_000251.3 as in ``seeds/genes_grch38.tsv``) and gnomAD_AF.
Positions, alleles, HGVS and frequencies are random: plausible in form only.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pysam

GRCH38 = {"1": 248956422, "2": 242193529, "3": 198295559, "7": 159345973, "X": 156040895}
GRCH37 = {"1": 249250621, "2": 243199373, "3": 198022430, "7": 159138663, "X": 155270560}
#: (contig, start, end, gene, gene id, MANE transcript)
GENES = [
    ("2", 47402969, 47562311, "MSH2", "ENSG00000095002", "ENST00000233146.7"),
    ("3", 36993332, 37050918, "MLH1", "ENSG00000076242", "ENST00000231790.8"),
    ("1", 11000000, 11100000, "MTOR", "ENSG00000198793", "ENST00000361445.9"),  # off-panel
]
CONSEQUENCES = [("missense_variant", "MODERATE"), ("synonymous_variant", "LOW"),
                ("stop_gained", "HIGH"), ("intron_variant", "MODIFIER"),
                ("frameshift_variant", "HIGH")]
CSQ = "Allele|Consequence|IMPACT|SYMBOL|Gene|Feature_type|Feature|BIOTYPE|EXON|INTRON|HGVSc|HGVSp"


def records(seed: int, n: int = 40) -> list[tuple[str, int, str, str, str, float | None]]:
    """Sorted (contig, pos, ref, alt, csq, gnomad_af) tuples."""
    rng = np.random.default_rng(seed)
    out = []
    for i in range(n):
        contig, start, end, gene, gid, tx = GENES[i % len(GENES)]
        pos = int(rng.integers(start, end))
        ref, alt = rng.choice(list("ACGT"), 2, replace=False)
        cons, impact = CONSEQUENCES[int(rng.integers(len(CONSEQUENCES)))]
        if cons == "frameshift_variant":
            alt = ref + str(rng.choice(list("ACGT")))
        k = int(rng.integers(1, 3000))
        hgvsp = (f"{tx.replace('ENST', 'ENSP')}:p.Arg{k // 3 + 1}Ter" if cons == "stop_gained"
                 else "")
        csq = (f"{alt[1:] or alt}|{cons}|{impact}|{gene}|{gid}|Transcript|{tx}|protein_coding|"
               f"{1 + k % 15}/19||{tx}:c.{k}{ref}>{alt}|{hgvsp}")
        af = None if rng.random() < 0.5 else float(10 ** rng.uniform(-5, -0.5))
        out.append((f"chr{contig}", pos, str(ref), str(alt), csq, af))
    order = {f"chr{c}": i for i, c in enumerate(["1", "2", "3", "7", "X"])}
    return sorted(out, key=lambda r: (order[r[0]], r[1]))


def write_vcf(path: str | os.PathLike[str], samples: list[str], *, seed: int = 1, n: int = 40,
              build: str = "GRCh38") -> Path:
    """Write a bgzipped + tabix-indexed VCF; returns its path."""
    lengths = GRCH38 if build == "GRCh38" else GRCH37
    rng = np.random.default_rng(seed + 1000)
    lines = [
        "##fileformat=VCFv4.2",
        '##FILTER=<ID=PASS,Description="All filters passed">',
        '##FILTER=<ID=LowQual,Description="Low quality">',
        '##INFO=<ID=gnomAD_AF,Number=A,Type=Float,Description="gnomAD allele frequency">',
        f'##INFO=<ID=CSQ,Number=.,Type=String,Description="Consequence annotations from Ensembl '
        f'VEP. Format: {CSQ}">',
        '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">',
        '##FORMAT=<ID=AD,Number=R,Type=Integer,Description="Allelic depths">',
        '##FORMAT=<ID=DP,Number=1,Type=Integer,Description="Read depth">',
        '##FORMAT=<ID=GQ,Number=1,Type=Integer,Description="Genotype quality">',
        *[f"##contig=<ID=chr{c},length={n_}>" for c, n_ in lengths.items()],
        "\t".join(["#CHROM", "POS", "ID", "REF", "ALT", "QUAL", "FILTER", "INFO", "FORMAT",
                   *samples]),
    ]
    for contig, pos, ref, alt, csq, af in records(seed, n):
        calls = []
        for _ in samples:
            g = int(rng.choice([0, 1, 2], p=[0.4, 0.45, 0.15]))
            dp = int(rng.integers(20, 90))
            alt_reads = {0: 0, 1: dp // 2, 2: dp}[g]
            gt = {0: "0/0", 1: "0/1", 2: "1/1"}[g]
            calls.append(f"{gt}:{dp - alt_reads},{alt_reads}:{dp}:{int(rng.integers(20, 99))}")
        info = ([f"gnomAD_AF={af:.3g}"] if af is not None else []) + [f"CSQ={csq}"]
        filt = "PASS" if rng.random() > 0.1 else "LowQual"
        lines.append("\t".join([contig, str(pos), ".", ref, alt, "50", filt, ";".join(info),
                                "GT:AD:DP:GQ", *calls]))
    p = Path(path)
    plain = p.with_name(p.name.removesuffix(".gz"))
    plain.write_text("\n".join(lines) + "\n")
    pysam.tabix_compress(str(plain), str(p), force=True)
    plain.unlink()
    pysam.tabix_index(str(p), preset="vcf", force=True)
    return p
