"""Regenerate the shipped example cases (``python -m gmsvar.examples._generate``).

Four small GRCh38 VCFs, annotated the way an Ensembl VEP run with ``--mane --canonical
--hgvs --exon_intron --max_af`` writes them (``CSQ``), with GATK-style FORMAT
``GT:AD:DP:GQ`` (plus ``AF`` for the ctDNA case, as Mutect2 writes it). The variants
are real, public ones (coordinates and HGVS checked against ClinVar records in the
shared development split, the DPYD positions checked against each other through
their cDNA offsets; see ``PROVENANCE.md``); the samples, depths and read counts
are invented. Nothing here is patient data.

The files are committed; this script documents exactly how they were made and
rewrites them byte-identically (bgzip output of pysam at a fixed header).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from importlib import resources

import pysam

CSQ_FIELDS = ("Allele|Consequence|IMPACT|SYMBOL|Gene|Feature_type|Feature|BIOTYPE|EXON|INTRON|"
              "HGVSc|HGVSp|CANONICAL|MANE_SELECT|MAX_AF|MAX_AF_POPS|REVEL|SpliceAI_pred_DS_max")


@dataclass(frozen=True)
class Tx:
    gene: str
    ensg: str
    enst: str
    refseq: str
    ensp: str


TX = {
    "MLH1": Tx("MLH1", "ENSG00000076242", "ENST00000231790.8", "NM_000249.4", "ENSP00000231790"),
    "MSH2": Tx("MSH2", "ENSG00000095002", "ENST00000233146.7", "NM_000251.3", "ENSP00000233146"),
    "LDLR": Tx("LDLR", "ENSG00000130164", "ENST00000558518.6", "NM_000527.5", "ENSP00000454071"),
    "APOB": Tx("APOB", "ENSG00000084674", "ENST00000233242.5", "NM_000384.3", "ENSP00000233242"),
    "EGFR": Tx("EGFR", "ENSG00000146648", "ENST00000275493.7", "NM_005228.5", "ENSP00000275493"),
    "KRAS": Tx("KRAS", "ENSG00000133703", "ENST00000311936.8", "NM_004985.5", "ENSP00000308495"),
    "DNMT3A": Tx("DNMT3A", "ENSG00000119772", "ENST00000321117.10", "NM_022552.5", "ENSP00000321117"),
    "TP53": Tx("TP53", "ENSG00000141510", "ENST00000269305.9", "NM_000546.6", "ENSP00000269305"),
    "DPYD": Tx("DPYD", "ENSG00000188641", "ENST00000370192.8", "NM_000110.4", "ENSP00000359211"),
}

_IMPACT = {"stop_gained": "HIGH", "frameshift_variant": "HIGH", "splice_donor_variant": "HIGH",
           "missense_variant": "MODERATE", "synonymous_variant": "LOW", "intron_variant": "MODIFIER",
           "3_prime_UTR_variant": "MODIFIER", "intergenic_variant": "MODIFIER",
           "upstream_gene_variant": "MODIFIER"}


@dataclass(frozen=True)
class Site:
    chrom: str
    pos: int
    ref: str
    alt: str
    gene: str | None
    consequence: str
    exon: str = ""
    intron: str = ""
    hgvsc: str = ""
    hgvsp: str = ""
    max_af: float | None = None
    rsid: str = "."
    revel: float | None = None
    spliceai: float | None = None


def _csq(s: Site) -> str:
    if s.gene is None:
        return "|".join([s.alt, s.consequence, _IMPACT[s.consequence], *[""] * 11,
                         "" if s.max_af is None else f"{s.max_af:g}", "", "", ""])
    tx = TX[s.gene]
    vals = [s.alt, s.consequence, _IMPACT[s.consequence], tx.gene, tx.ensg, "Transcript", tx.enst,
            "protein_coding", s.exon, s.intron,
            f"{tx.enst}:{s.hgvsc}" if s.hgvsc else "",
            f"{tx.ensp}:{s.hgvsp}" if s.hgvsp else "",
            "YES", tx.refseq, "" if s.max_af is None else f"{s.max_af:g}",
            "gnomADe_NFE" if s.max_af else "",
            "" if s.revel is None else f"{s.revel:g}",
            "" if s.spliceai is None else f"{s.spliceai:g}"]
    out = "|".join(vals)
    return out.replace("%", "%25").replace("=", "%3D").replace(";", "%3B").replace(",", "%2C")


def _contigs() -> list[tuple[str, int]]:
    text = resources.files("gmsvar").joinpath("data/assemblies.tsv").read_text(encoding="utf-8")
    out = []
    for line in text.splitlines():
        if line.startswith(("#", "contig")) or not line.strip():
            continue
        name, _b37, b38 = line.split("\t")[:3]
        out.append(("chrM" if name in ("MT", "M") else f"chr{name}", int(b38)))
    return out


def _header(samples: list[str], *, ctdna: bool) -> pysam.VariantHeader:
    h = pysam.VariantHeader()
    h.add_line("##fileformat=VCFv4.2")
    h.add_line('##FILTER=<ID=PASS,Description="All filters passed">')
    h.add_line('##FILTER=<ID=LowQual,Description="Low quality">')
    for name, length in _contigs():
        h.add_line(f"##contig=<ID={name},length={length},assembly=GRCh38>")
    h.add_line("##reference=GRCh38 (GCA_000001405.15_GRCh38_no_alt_analysis_set)")
    h.add_line('##INFO=<ID=DP,Number=1,Type=Integer,Description="Approximate read depth">')
    h.add_line('##INFO=<ID=CSQ,Number=.,Type=String,Description="Consequence annotations from '
               f'Ensembl VEP. Format: {CSQ_FIELDS}">')
    h.add_line("##VEP=\"v110\" cache=\"homo_sapiens_merged/110_GRCh38\" gnomADe=\"v4.1\" "
               "(gmsvar example: annotations written by gmsvar/examples/_generate.py)")
    h.add_line('##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">')
    h.add_line('##FORMAT=<ID=AD,Number=R,Type=Integer,Description="Allelic depths">')
    h.add_line('##FORMAT=<ID=DP,Number=1,Type=Integer,Description="Read depth">')
    h.add_line('##FORMAT=<ID=GQ,Number=1,Type=Integer,Description="Genotype quality">')
    if ctdna:
        h.add_line('##FORMAT=<ID=AF,Number=A,Type=Float,Description="Allele fraction">')
    for s in samples:
        h.add_sample(s)
    return h


@dataclass(frozen=True)
class Call:
    gt: tuple[int | None, ...]
    ref_reads: int
    alt_reads: int
    gq: int = 99


def _write(path: str, samples: list[str], rows: list[tuple[Site, list[Call]]], *,
           ctdna: bool = False, qual: float = 500.0) -> None:
    header = _header(samples, ctdna=ctdna)
    tmp = path + ".tmp.vcf.gz"
    with pysam.VariantFile(tmp, "wz", header=header) as vf:
        for site, calls in sorted(rows, key=lambda r: (_order(r[0].chrom), r[0].pos)):
            rec = vf.new_record(contig=site.chrom, start=site.pos - 1, alleles=(site.ref, site.alt),
                                id=site.rsid, qual=qual, filter="PASS")
            rec.info["DP"] = sum(c.ref_reads + c.alt_reads for c in calls)
            rec.info["CSQ"] = (_csq(site),)
            for name, c in zip(samples, calls, strict=True):
                smp = rec.samples[name]
                smp["GT"] = c.gt
                smp["AD"] = (c.ref_reads, c.alt_reads)
                smp["DP"] = c.ref_reads + c.alt_reads
                smp["GQ"] = c.gq
                if ctdna:
                    dp = c.ref_reads + c.alt_reads
                    smp["AF"] = (round(c.alt_reads / dp, 4) if dp else 0.0,)
            vf.write(rec)
    os.replace(tmp, path)
    pysam.tabix_index(path, preset="vcf", force=True)


def _order(chrom: str) -> int:
    c = chrom.removeprefix("chr")
    return int(c) if c.isdigit() else {"X": 23, "Y": 24, "M": 25}.get(c, 26)


HET = (0, 1)
HOM = (1, 1)
REF = (0, 0)


def lynch() -> tuple[list[str], list[tuple[Site, list[Call]]]]:
    """Germline R210 proband: MLH1 c.676C>T p.(Arg226Ter) among ordinary calls."""
    sites = [
        (Site("chr3", 37012098, "C", "T", "MLH1", "stop_gained", exon="8/19",
              hgvsc="c.676C>T", hgvsp="p.Arg226Ter", max_af=0.00001, rsid="rs63751615"),
         [Call(HET, 41, 37)]),
        (Site("chr3", 37012077, "A", "G", "MLH1", "missense_variant", exon="8/19",
              hgvsc="c.655A>G", hgvsp="p.Ile219Val", max_af=0.32, rsid="rs1799977",
              revel=0.077), [Call(HET, 36, 40)]),
        (Site("chr3", 37042249, "A", "G", "MLH1", "intron_variant", intron="14/18",
              hgvsc="c.1668-19A>G", max_af=0.41, rsid="rs9876116"), [Call(HOM, 0, 52)]),
        # outside the R210 panel: must not be reported
        (Site("chr3", 37500000, "G", "A", None, "intergenic_variant", max_af=0.12),
         [Call(HET, 22, 25)]),
        (Site("chr7", 55181370, "G", "A", "EGFR", "synonymous_variant", exon="20/28",
              hgvsc="c.2361G>A", hgvsp="p.Gln787=", max_af=0.55, rsid="rs1050171"),
         [Call(HET, 30, 28)]),
        (Site("chr17", 7676154, "G", "C", "TP53", "missense_variant", exon="4/11",
              hgvsc="c.215C>G", hgvsp="p.Pro72Arg", max_af=0.72, rsid="rs1042522", revel=0.05),
         [Call(HOM, 0, 61)]),
    ]
    return ["LYN-0001-proband"], sites


def nsclc_ctdna() -> tuple[list[str], list[tuple[Site, list[Call]]]]:
    """Plasma ctDNA (M4): low-VAF EGFR L858R and KRAS G12C, a DNMT3A R882H CH call,
    and a germline TP53 polymorphism."""
    sites = [
        (Site("chr7", 55191822, "T", "G", "EGFR", "missense_variant", exon="21/28",
              hgvsc="c.2573T>G", hgvsp="p.Leu858Arg", rsid="rs121434568", revel=0.94),
         [Call(HET, 3922, 38, gq=60)]),
        (Site("chr12", 25245351, "C", "A", "KRAS", "missense_variant", exon="2/5",
              hgvsc="c.34G>T", hgvsp="p.Gly12Cys", rsid="rs121913530", revel=0.88),
         [Call(HET, 4410, 22, gq=45)]),
        (Site("chr2", 25234373, "C", "T", "DNMT3A", "missense_variant", exon="23/23",
              hgvsc="c.2645G>A", hgvsp="p.Arg882His", max_af=0.00003, rsid="rs147001633",
              revel=0.91), [Call(HET, 3701, 61, gq=70)]),
        (Site("chr17", 7676154, "G", "C", "TP53", "missense_variant", exon="4/11",
              hgvsc="c.215C>G", hgvsp="p.Pro72Arg", max_af=0.72, rsid="rs1042522", revel=0.05),
         [Call(HET, 2011, 1985, gq=99)]),
        (Site("chr7", 55181370, "G", "A", "EGFR", "synonymous_variant", exon="20/28",
              hgvsc="c.2361G>A", hgvsp="p.Gln787=", max_af=0.55, rsid="rs1050171"),
         [Call(HOM, 2, 4090, gq=99)]),
    ]
    return ["NSCLC-cf-0001"], sites


def fh() -> tuple[list[str], list[tuple[Site, list[Call]]]]:
    """Germline R134 proband: LDLR c.12G>A p.(Trp4Ter) with common LDLR/APOB variants."""
    sites = [
        (Site("chr19", 11089560, "G", "A", "LDLR", "stop_gained", exon="1/18",
              hgvsc="c.12G>A", hgvsp="p.Trp4Ter", max_af=0.00001, rsid="rs756039188"),
         [Call(HET, 29, 33)]),
        (Site("chr19", 11113589, "A", "G", "LDLR", "synonymous_variant", exon="10/18",
              hgvsc="c.1413G>A", hgvsp="p.Arg471=", max_af=0.63, rsid="rs5930"),
         [Call(HOM, 0, 48)]),
        (Site("chr19", 11131368, "G", "A", "LDLR", "3_prime_UTR_variant", exon="18/18",
              hgvsc="c.*52G>A", max_af=0.25, rsid="rs14158"), [Call(HET, 31, 27)]),
    ]
    return ["FH-0001-proband"], sites


def dpyd() -> tuple[list[str], list[tuple[Site, list[Call]]]]:
    """Pre-fluoropyrimidine DPYD genotyping, four patients joint-called (test M1)."""
    s1905 = Site("chr1", 97450058, "C", "T", "DPYD", "splice_donor_variant", intron="14/22",
                 hgvsc="c.1905+1G>A", max_af=0.006, rsid="rs3918290", spliceai=0.99)
    s1679 = Site("chr1", 97515787, "A", "C", "DPYD", "missense_variant", exon="13/23",
                 hgvsc="c.1679T>G", hgvsp="p.Ile560Ser", max_af=0.0006, rsid="rs55886062",
                 revel=0.82)
    s2846 = Site("chr1", 97082391, "T", "A", "DPYD", "missense_variant", exon="22/23",
                 hgvsc="c.2846A>T", hgvsp="p.Asp949Val", max_af=0.006, rsid="rs67376798",
                 revel=0.74)
    hapb3 = Site("chr1", 97579893, "G", "C", "DPYD", "intron_variant", intron="10/22",
                 hgvsc="c.1129-5923C>G", max_af=0.026, rsid="rs75017182")
    samples = ["DPYD-0001", "DPYD-0002", "DPYD-0003", "DPYD-0004"]
    rows = [
        (s1905, [Call(HET, 30, 28), Call(REF, 44, 0), Call(REF, 39, 0), Call(REF, 41, 0)]),
        (s1679, [Call(REF, 35, 0), Call(REF, 40, 0), Call(REF, 33, 0), Call(HET, 21, 24)]),
        (s2846, [Call(REF, 38, 0), Call(HET, 26, 25), Call(REF, 36, 0), Call(REF, 30, 0)]),
        (hapb3, [Call(REF, 32, 0), Call(REF, 31, 0), Call(HOM, 0, 37), Call(REF, 35, 0)]),
    ]
    return samples, rows


CASES = {
    "lynch_germline.vcf.gz": (lynch, False),
    "nsclc_ctdna.vcf.gz": (nsclc_ctdna, True),
    "fh_germline.vcf.gz": (fh, False),
    "dpyd_germline.vcf.gz": (dpyd, False),
}


def main(out_dir: str | None = None) -> list[str]:
    """Write every example into ``out_dir`` (default: this package directory)."""
    out_dir = out_dir or os.path.dirname(os.path.abspath(__file__))
    written = []
    for name, (fn, ctdna) in CASES.items():
        samples, rows = fn()
        path = os.path.join(out_dir, name)
        _write(path, samples, rows, ctdna=ctdna)
        written.append(path)
    return written


if __name__ == "__main__":  # pragma: no cover
    for p in main():
        print(p)
