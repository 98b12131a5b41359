"""Writer of the hand-made VCFs in tests/data/actionable (see its PROVENANCE.md).

``write_all(outdir)`` writes every file (VCF text, then bgzip + tabix index with pysam);
``test_vcfs.py::test_hand_made_vcfs__regenerate_identically`` checks the committed files
are exactly what this module writes. Positions of hotspots are the knowledge-base
coordinates (DOMAIN.md 4.3/6.3, CGI, VEP); REF bases of indels and of non-hotspot
positions are synthetic unless stated in PROVENANCE.md.
"""

from __future__ import annotations

import gzip
import shutil
from collections.abc import Sequence
from pathlib import Path

import pysam

GRCH38 = {
    "1": 248956422,
    "2": 242193529,
    "3": 198295559,
    "5": 181538259,
    "6": 170805979,
    "7": 159345973,
    "10": 133797422,
    "11": 135086622,
    "12": 133275309,
    "14": 107043718,
    "15": 101991189,
    "17": 83257441,
    "19": 58617616,
    "X": 156040895,
}
GRCH37 = {"1": 249250621, "2": 243199373, "3": 198022430, "7": 159138663, "12": 133851895, "17": 81195210}

INFO_SV = [
    '##INFO=<ID=SVTYPE,Number=1,Type=String,Description="Type of structural variant">',
    '##INFO=<ID=END,Number=1,Type=Integer,Description="End position of the variant">',
    '##INFO=<ID=SVLEN,Number=1,Type=Integer,Description="Length of the structural variant">',
    '##INFO=<ID=MATEID,Number=.,Type=String,Description="ID of mate breakend">',
    '##INFO=<ID=CHR2,Number=1,Type=String,Description="Chromosome of the second breakend">',
]
FMT = {
    "GT": '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">',
    "AD": '##FORMAT=<ID=AD,Number=R,Type=Integer,Description="Allelic depths">',
    "DP": '##FORMAT=<ID=DP,Number=1,Type=Integer,Description="Read depth">',
    "GQ": '##FORMAT=<ID=GQ,Number=1,Type=Integer,Description="Genotype quality">',
}
CSQ = (
    '##INFO=<ID=CSQ,Number=.,Type=String,Description="Consequence annotations from Ensembl VEP. '
    "Format: Allele|Consequence|IMPACT|SYMBOL|Gene|Feature_type|Feature|BIOTYPE|EXON|INTRON|HGVSc|HGVSp|"
    'MANE_SELECT">'
)

Record = tuple[str, int, str, str, str, str, str, Sequence[str]]  # chrom pos id ref alt info format calls


def vcf_text(
    records: Sequence[Record],
    samples: Sequence[str],
    *,
    build: str = "GRCh38",
    chr_prefix: bool = True,
    header: Sequence[str] = (),
    fmt: Sequence[str] = ("GT",),
) -> str:
    lengths = GRCH38 if build == "GRCh38" else GRCH37
    pre = "chr" if chr_prefix else ""
    lines = ["##fileformat=VCFv4.2", '##FILTER=<ID=PASS,Description="All filters passed">']
    lines += [f"##contig=<ID={pre}{c},length={n},assembly={build}>" for c, n in lengths.items()]
    lines += list(INFO_SV) + list(header) + [FMT[f] for f in fmt]
    lines.append(
        "\t".join(["#CHROM", "POS", "ID", "REF", "ALT", "QUAL", "FILTER", "INFO", "FORMAT", *samples])
    )
    order = {c: i for i, c in enumerate(lengths)}
    for chrom, pos, vid, ref, alt, info, form, calls in sorted(records, key=lambda r: (order[r[0]], r[1])):
        lines.append(
            "\t".join([f"{pre}{chrom}", str(pos), vid, ref, alt, "50", "PASS", info or ".", form, *calls])
        )
    return "\n".join(lines) + "\n"


def write(path: Path, text: str) -> Path:
    """Write ``text`` to ``path`` (.vcf) and bgzip + tabix it to ``path.gz``; return the .gz path."""
    path.write_text(text)
    out = pysam.tabix_index(str(path), preset="vcf", force=True)
    return Path(out)


# ---------------------------------------------------------------- NSCLC (somatic)
def nsclc_records(build: str = "GRCh38") -> list[Record]:
    t = "GT:AD:DP"

    def snv(chrom: str, p38: int, p37: int, vid: str, ref: str, alt: str, ad: str = "70,30") -> Record:
        return (chrom, p38 if build == "GRCh38" else p37, vid, ref, alt, "", t, [f"0/1:{ad}:100"])

    recs = [
        (
            "7",
            55174772 if build == "GRCh38" else 55242465,
            "EGFR_ex19del_c.2236_2250del",
            "GGAATTAAGAGAAGCA",
            "G",
            "",
            t,
            ["0/1:70,30:100"],
        ),
        snv("7", 55191822, 55259515, "EGFR_L858R", "T", "G"),
        snv("7", 55181378, 55249071, "EGFR_T790M", "C", "T", "85,15"),
        snv("7", 55174014, 55241707, "EGFR_G719S", "G", "A"),
        snv("7", 55191831, 55259524, "EGFR_L861Q", "T", "A"),
        snv("7", 55181312, 55249005, "EGFR_S768I", "G", "T"),
        snv("12", 25245351, 25398285, "KRAS_G12C", "C", "A"),
        snv("12", 25245350, 25398284, "KRAS_G12D_not_targetable", "C", "T"),
        snv("7", 140753336, 140453136, "BRAF_V600E", "A", "T"),
        snv("7", 140753334, 140453134, "BRAF_K601E_not_actionable", "T", "C"),
    ]
    if build == "GRCh38":
        recs += [
            ("7", 55181316, "EGFR_ex20ins_V769_D770insASV", "G", "GGCCAGCGTG", "", t, ["0/1:80,20:100"]),
            ("7", 55181298, "EGFR_ex20ins_A763_Y764insFQEA", "C", "CTTCCAGGAAGCC", "", t, ["0/1:80,20:100"]),
            snv("7", 116771990, 0, "MET_c.3028+1G>T", "G", "T"),
            snv("7", 116771847, 0, "MET_c.2888-2A>G", "A", "G"),
            (
                "7",
                116771980,
                "MET_c.3020_3028+8del_spanning_donor",
                "CAGGAACTGGTAAGTGTA",
                "C",
                "",
                t,
                ["0/1:70,30:100"],
            ),
            ("7", 116771880, "MET_exon14_missense_not_skipping", "A", "G", "", t, ["0/1:70,30:100"]),
            (
                "17",
                39724730,
                "ERBB2_c.2313_2324dup_Y772_A775dup",
                "C",
                "CATACGTGATGGC",
                "",
                t,
                ["0/1:80,20:100"],
            ),
            snv("17", 39711955, 0, "ERBB2_S310F", "C", "T"),
            # fusions: EML4-ALK breakend pair, CD74-ROS1 breakend, KIF5B-RET inversion, ETV6-NTRK3 breakend
            (
                "2",
                42299000,
                "bnd_EML4_1",
                "A",
                "A[chr2:29224000[",
                "SVTYPE=BND;MATEID=bnd_ALK_1",
                t,
                ["0/1:40,10:50"],
            ),
            (
                "2",
                29224000,
                "bnd_ALK_1",
                "T",
                "]chr2:42299000]T",
                "SVTYPE=BND;MATEID=bnd_EML4_1",
                t,
                ["0/1:40,10:50"],
            ),
            (
                "5",
                150405000,
                "bnd_CD74_1",
                "G",
                "G]chr6:117350000]",
                "SVTYPE=BND;MATEID=bnd_ROS1_1",
                t,
                ["0/1:40,10:50"],
            ),
            (
                "10",
                32030000,
                "inv_KIF5B_RET",
                "C",
                "<INV>",
                "SVTYPE=INV;END=43110000;SVLEN=11080000",
                t,
                ["0/1:40,10:50"],
            ),
            ("12", 11800000, "bnd_ETV6_1", "T", "T[chr15:88000000[", "SVTYPE=BND", t, ["0/1:40,10:50"]),
            (
                "2",
                29300000,
                "del_within_ALK_not_fusion",
                "A",
                "<DEL>",
                "SVTYPE=DEL;END=29310000;SVLEN=-10000",
                t,
                ["0/1:40,10:50"],
            ),
        ]
    return recs


def nsclc_annotated() -> str:
    """VEP-style CSQ on a non-MANE transcript first, then the MANE one (MANE must be chosen)."""

    def csq(sym: str, gene: str, cons: str, entries: Sequence[tuple[str, str, str, str, str, str]]) -> str:
        # entries: (allele, transcript, exon, intron, hgvsc, hgvsp, mane)
        return "CSQ=" + ",".join(
            f"{a}|{cons}|MODERATE|{sym}|{gene}|Transcript|{tx}|protein_coding|{ex}|{intr}|{hc}|{hp}|"
            + (
                "NM"
                if tx.startswith("ENST00000275493")
                or tx.startswith("ENST00000397752")
                or tx.startswith("ENST00000269571")
                or tx.startswith("ENST00000311936")
                else ""
            )
            for a, tx, ex, intr, hc, hp in entries
        )

    t = "GT:AD:DP"
    recs: list[Record] = [
        (
            "7",
            55174772,
            "EGFR_ex19del",
            "GGAATTAAGAGAAGCA",
            "G",
            csq(
                "EGFR",
                "ENSG00000146648",
                "inframe_deletion",
                [
                    (
                        "-",
                        "ENST00000455089.5",
                        "18/26",
                        "",
                        "ENST00000455089.5:c.2101_2115del",
                        "ENSP00000415559.1:p.Glu701_Ala705del",
                    ),
                    (
                        "-",
                        "ENST00000275493.7",
                        "19/28",
                        "",
                        "ENST00000275493.7:c.2236_2250del",
                        "ENSP00000275493.2:p.Glu746_Ala750del",
                    ),
                ],
            ),
            t,
            ["0/1:70,30:100"],
        ),
        (
            "7",
            55181298,
            "EGFR_FQEA",
            "C",
            "CTTCCAGGAAGCC",
            csq(
                "EGFR",
                "ENSG00000146648",
                "inframe_insertion",
                [
                    (
                        "TTCCAGGAAGCC",
                        "ENST00000275493.7",
                        "20/28",
                        "",
                        "ENST00000275493.7:c.2289_2290insTTCCAGGAAGCC",
                        "ENSP00000275493.2:p.Ala763_Tyr764insPheGlnGluAla",
                    )
                ],
            ),
            t,
            ["0/1:80,20:100"],
        ),
        (
            "7",
            116771990,
            "MET_donor",
            "G",
            "T",
            csq(
                "MET",
                "ENSG00000105976",
                "splice_donor_variant",
                [
                    ("T", "ENST00000318493.11", "", "14/20", "ENST00000318493.11:c.3082+1G>T", ""),
                    ("T", "ENST00000397752.8", "", "14/20", "ENST00000397752.8:c.3028+1G>T", ""),
                ],
            ),
            t,
            ["0/1:60,40:100"],
        ),
        (
            "12",
            25245351,
            "KRAS_G12C",
            "C",
            "A",
            csq(
                "KRAS",
                "ENSG00000133703",
                "missense_variant",
                [
                    (
                        "A",
                        "ENST00000311936.8",
                        "2/5",
                        "",
                        "ENST00000311936.8:c.34G>T",
                        "ENSP00000308495.3:p.Gly12Cys",
                    )
                ],
            ),
            t,
            ["0/1:60,40:100"],
        ),
        (
            "17",
            39724730,
            "ERBB2_dup",
            "C",
            "CATACGTGATGGC",
            csq(
                "ERBB2",
                "ENSG00000141736",
                "inframe_insertion",
                [
                    (
                        "ATACGTGATGGC",
                        "ENST00000269571.10",
                        "20/27",
                        "",
                        "ENST00000269571.10:c.2313_2324dup",
                        "ENSP00000269571.5:p.Tyr772_Ala775dup",
                    )
                ],
            ),
            t,
            ["0/1:80,20:100"],
        ),
        (
            "7",
            140753336,
            "BRAF_V600E_non_mane_only",
            "A",
            "T",
            csq(
                "BRAF",
                "ENSG00000157764",
                "missense_variant",
                [
                    (
                        "T",
                        "ENST00000288602.11",
                        "15/18",
                        "",
                        "ENST00000288602.11:c.1799T>A",
                        "ENSP00000288602.6:p.Val600Glu",
                    )
                ],
            ),
            t,
            ["0/1:60,40:100"],
        ),
    ]
    return vcf_text(recs, ["TUMOUR"], header=[CSQ], fmt=("GT", "AD", "DP"))


def nsclc_ctdna() -> str:
    t = "GT:AD:DP"
    recs: list[Record] = [
        ("7", 55191822, "EGFR_L858R_0.12pct", "T", "G", "", t, ["./.:9988,12:10000"]),
        ("7", 55181378, "EGFR_T790M_2_reads", "C", "T", "", t, ["./.:9998,2:10000"]),
        ("7", 55174014, "EGFR_G719S_germline_like", "G", "A", "", t, ["./.:5100,4900:10000"]),
        ("12", 25245351, "KRAS_G12C_1pct", "C", "A", "", t, ["./.:9900,100:10000"]),
        ("17", 7675088, "TP53_R175H_CH_like", "C", "T", "", t, ["./.:9950,50:10000"]),
        ("2", 25234373, "DNMT3A_R882H_CH_like", "C", "T", "", t, ["./.:9800,200:10000"]),
    ]
    return vcf_text(recs, ["PLASMA"], fmt=("GT", "AD", "DP"))


# ---------------------------------------------------------------- germline
GERMLINE_FMT = "GT:AD:DP:GQ"


def _g(gt: str) -> str:
    ad = {"0/1": "20,20", "1/1": "0,40", "0/0": "40,0", "1": "0,30", "./.": ".,.", "0": "30,0"}[gt]
    dp = "40" if gt not in ("./.",) else "."
    return f"{gt}:{ad}:{dp}:{'99' if gt != './.' else '.'}"


def lynch_records() -> tuple[list[Record], list[str]]:
    samples = ["P1", "P2", "P3", "P4"]
    f = GERMLINE_FMT

    def r(chrom: str, pos: int, vid: str, ref: str, alt: str, gts: Sequence[str], info: str = "") -> Record:
        return (chrom, pos, vid, ref, alt, info, f, [_g(x) for x in gts])

    return [
        r("3", 37012097, "MLH1_c.676dup", "T", "TC", ["0/1", "0/0", "0/0", "0/0"]),
        r("2", 47445600, "MSH2_truncating", "C", "T", ["0/0", "0/1", "0/0", "0/0"]),
        r("2", 47795000, "MSH6_truncating", "G", "A", ["0/0", "0/0", "1/1", "0/0"]),
        r("7", 5982000, "PMS2_exon13_pseudogene_region", "A", "G", ["0/1", "0/0", "0/0", "0/0"]),
        r("7", 5999000, "PMS2_exon7_outside_pseudogene", "C", "T", ["0/0", "0/0", "0/0", "0/1"]),
        r("2", 47380000, "EPCAM_snv_not_lynch", "A", "G", ["0/0", "0/0", "0/0", "0/1"]),
        r(
            "2",
            47381000,
            "EPCAM_3prime_del",
            "N",
            "<DEL>",
            ["0/0", "0/1", "0/0", "0/0"],
            "SVTYPE=DEL;END=47391000;SVLEN=-10000",
        ),
        r(
            "2",
            47369000,
            "EPCAM_5prime_del_not_lynch",
            "N",
            "<DEL>",
            ["0/0", "0/0", "0/0", "0/1"],
            "SVTYPE=DEL;END=47372000;SVLEN=-3000",
        ),
        r("2", 47450000, "MSH2_vus", "G", "C", ["0/1", "0/0", "0/0", "0/0"]),
    ], samples


def lynch_annotated() -> str:
    """Two VEP-annotated truncating MMR variants, for the end-to-end run through gmsvar.classify."""
    fields = (
        "Allele|Consequence|IMPACT|SYMBOL|Gene|Feature_type|Feature|BIOTYPE|EXON|INTRON|HGVSc|HGVSp|"
        "MANE_SELECT|gnomADe_AF"
    )
    header = [
        f'##INFO=<ID=CSQ,Number=.,Type=String,Description="Consequence annotations from Ensembl VEP. '
        f'Format: {fields}">'
    ]
    recs: list[Record] = [
        (
            "3",
            37017500,
            "MLH1_stop",
            "C",
            "T",
            "CSQ=T|stop_gained|HIGH|MLH1|ENSG00000076242|Transcript|ENST00000231790.8|protein_coding|5/19||"
            "ENST00000231790.8:c.400C>T|ENSP00000231790.3:p.Gln134Ter|NM_000249.4|",
            GERMLINE_FMT,
            [_g("0/1")],
        ),
        (
            "2",
            47445600,
            "MSH2_fs",
            "CA",
            "C",
            "CSQ=-|frameshift_variant|HIGH|MSH2|ENSG00000095002|Transcript|ENST00000233146.7|protein_coding|7/16||"
            "ENST00000233146.7:c.1200del|ENSP00000233146.2:p.Lys400AsnfsTer5|NM_000251.3|",
            GERMLINE_FMT,
            [_g("0/1")],
        ),
    ]
    return vcf_text(recs, ["P1"], header=header, fmt=("GT", "AD", "DP", "GQ"))


def fh_records() -> tuple[list[Record], list[str]]:
    samples = ["HET_LDLR", "LDLRAP1_HOM", "LDLRAP1_CPD", "LDLRAP1_ONE", "OTHERS"]
    f = GERMLINE_FMT

    def r(chrom: str, pos: int, vid: str, ref: str, alt: str, gts: Sequence[str]) -> Record:
        return (chrom, pos, vid, ref, alt, "", f, [_g(x) for x in gts])

    return [
        r("19", 11100000, "LDLR_plp", "G", "A", ["0/1", "0/0", "0/0", "0/0", "0/0"]),
        r("2", 21006288, "APOB_R3527Q_like", "C", "T", ["0/0", "0/0", "0/0", "0/0", "0/1"]),
        r("1", 55050000, "PCSK9_gof", "G", "T", ["0/0", "0/0", "0/0", "0/0", "0/1"]),
        r("1", 25550000, "LDLRAP1_a", "C", "T", ["0/0", "1/1", "0/1", "0/1", "0/0"]),
        r("1", 25560000, "LDLRAP1_b", "G", "A", ["0/0", "0/0", "0/1", "0/0", "0/0"]),
        r("19", 44908000, "APOE_L167del_like", "CAAG", "C", ["0/0", "0/0", "0/0", "0/0", "0/1"]),
    ], samples


def cardiac_records() -> tuple[list[Record], list[str]]:
    samples = ["MALE", "FEMALE"]
    f = GERMLINE_FMT

    def r(chrom: str, pos: int, vid: str, ref: str, alt: str, gts: Sequence[str]) -> Record:
        return (chrom, pos, vid, ref, alt, "", f, [_g(x) for x in gts])

    return [
        r("11", 2550000, "KCNQ1_plp", "C", "T", ["0/1", "0/0"]),
        r("14", 23420000, "MYH7_plp", "G", "A", ["0/0", "0/1"]),
        r("3", 38600000, "SCN5A_plp", "C", "A", ["0/1", "0/0"]),
        r("1", 115750000, "CASQ2_single_carrier", "T", "C", ["0/0", "0/1"]),
        r("X", 101400000, "GLA_hemizygous", "C", "T", ["1", "0/1"]),
    ], samples


# ---------------------------------------------------------------- DPYD
DPYD38 = {
    "2A": ("1", 97450058, "C", "T"),
    "13": ("1", 97515787, "A", "C"),
    "2846": ("1", 97082391, "T", "A"),
    "HapB3": ("1", 97579893, "G", "C"),
    "tag": ("1", 97573863, "C", "T"),
}
DPYD37 = {k: (c, p + 465556, r, a) for k, (c, p, r, a) in DPYD38.items()}


def dpyd_cohort(build: str = "GRCh38") -> str:
    sites = DPYD38 if build == "GRCh38" else DPYD37
    samples = [
        "HET_2A",
        "HOM_2A",
        "HET_13",
        "HOM_13",
        "HET_2846",
        "HOM_2846",
        "HET_HAPB3",
        "HOM_HAPB3",
        "CPD_2A_2846",
        "REF_ALL",
        "NOCALL_13",
        "LOWGQ_2846",
    ]
    carriers = {
        "2A": {"HET_2A": "0/1", "HOM_2A": "1/1", "CPD_2A_2846": "0/1"},
        "13": {"HET_13": "0/1", "HOM_13": "1/1", "NOCALL_13": "./."},
        "2846": {"HET_2846": "0/1", "HOM_2846": "1/1", "CPD_2A_2846": "0/1"},
        "HapB3": {"HET_HAPB3": "0/1", "HOM_HAPB3": "1/1"},
        "tag": {"HET_HAPB3": "0/1", "HOM_HAPB3": "1/1"},
    }
    recs: list[Record] = []
    for key, (c, p, ref, alt) in sites.items():
        calls = []
        for s in samples:
            call = _g(carriers[key].get(s, "0/0"))
            if s == "LOWGQ_2846" and key == "2846":
                call = "0/0:12,0:12:10"
            calls.append(call)
        recs.append((c, p, f"DPYD_{key}", ref, alt, "", GERMLINE_FMT, calls))
    return vcf_text(recs, samples, build=build, chr_prefix=build == "GRCh38", fmt=("GT", "AD", "DP", "GQ"))


def dpyd_variant_only() -> str:
    c, p, ref, alt = DPYD38["2A"]
    return vcf_text(
        [
            (c, p, "DPYD_2A", ref, alt, "", GERMLINE_FMT, [_g("0/1")]),
            ("7", 140753336, "elsewhere", "A", "T", "", GERMLINE_FMT, [_g("0/1")]),
        ],
        ["ONLY_2A"],
        fmt=("GT", "AD", "DP", "GQ"),
    )


def dpyd_no_records() -> str:
    return vcf_text(
        [("7", 140753336, "elsewhere", "A", "T", "", GERMLINE_FMT, [_g("0/1")])],
        ["NO_DPYD"],
        fmt=("GT", "AD", "DP", "GQ"),
    )


def dpyd_gvcf(kind: str) -> str:
    """Single-sample gVCF: reference blocks over DPYD sites (``ref``), c.2846A>T het (``2846``), or
    blocks over every site except the causal HapB3 one (``tagonly``)."""
    blocks = [
        (97082000, 97083000),
        (97449000, 97451000),
        (97515000, 97516000),
        (97573000, 97574000),
        (97579000, 97580000),
    ]
    if kind == "tagonly":
        blocks = blocks[:4]
    recs: list[Record] = []
    f = "GT:DP:GQ"
    for start, end in blocks:
        if kind == "2846" and start == 97082000:
            c, p, ref, alt = DPYD38["2846"]
            recs.append(("1", start, ".", "A", "<NON_REF>", f"END={p - 1}", f, ["0/0:35:60"]))
            recs.append((c, p, "DPYD_2846", ref, f"{alt},<NON_REF>", "", f, ["0/1:40:99"]))
            recs.append(("1", p + 1, ".", "A", "<NON_REF>", f"END={end}", f, ["0/0:35:60"]))
        else:
            recs.append(("1", start, ".", "A", "<NON_REF>", f"END={end}", f, ["0/0:35:60"]))
    return vcf_text(
        recs,
        ["GVCF"],
        fmt=("GT", "DP", "GQ"),
        header=['##ALT=<ID=NON_REF,Description="Any possible alternative allele">'],
    )


# ---------------------------------------------------------------- cascade
MLH1 = ("3", 37012097, "T", "TC")


def relative(kind: str) -> str:
    c, p, ref, alt = MLH1
    f = "GT:DP:GQ"
    other = ("7", 140753336, "other", "A", "T", "", f, ["0/1:40:99"])
    if kind == "carrier":
        recs: list[Record] = [(c, p, "MLH1_c.676dup", ref, alt, "", f, ["0/1:40:99"]), other]
    elif kind == "gvcf":
        recs = [(c, p - 500, ".", "A", "<NON_REF>", f"END={p + 500}", f, ["0/0:38:45"])]
    elif kind == "gvcf_lowgq":
        recs = [(c, p - 500, ".", "A", "<NON_REF>", f"END={p + 500}", f, ["0/0:4:5"])]
    elif kind == "variant_only":
        recs = [other]
    elif kind == "nocall":
        recs = [(c, p, "MLH1_c.676dup", ref, alt, "", f, ["./.:.:."]), other]
    elif kind == "grch37":
        return vcf_text(
            [("3", 37053588, "MLH1_c.676dup_b37", "T", "TC", "", f, ["0/1:40:99"])],
            ["REL"],
            build="GRCh37",
            fmt=("GT", "DP", "GQ"),
        )
    else:
        raise ValueError(kind)
    return vcf_text(
        recs,
        ["REL"],
        fmt=("GT", "DP", "GQ"),
        header=['##ALT=<ID=NON_REF,Description="Any possible alternative allele">'],
    )


def write_all(outdir: Path) -> list[Path]:
    """Write every hand-made file into ``outdir``; return the written paths."""
    outdir.mkdir(parents=True, exist_ok=True)
    out = [
        write(
            outdir / "nsclc_tissue.grch38.vcf",
            vcf_text(nsclc_records("GRCh38"), ["TUMOUR"], fmt=("GT", "AD", "DP")),
        ),
        write(
            outdir / "nsclc_tissue.grch37.vcf",
            vcf_text(
                nsclc_records("GRCh37"), ["TUMOUR"], build="GRCh37", chr_prefix=False, fmt=("GT", "AD", "DP")
            ),
        ),
        write(outdir / "nsclc_annotated.grch38.vcf", nsclc_annotated()),
        write(outdir / "nsclc_ctdna.grch38.vcf", nsclc_ctdna()),
    ]
    for name, (recs, samples) in {
        "lynch": lynch_records(),
        "fh": fh_records(),
        "cardiac": cardiac_records(),
    }.items():
        out.append(
            write(
                outdir / f"{name}.grch38.vcf",
                vcf_text(
                    recs,
                    samples,
                    fmt=("GT", "AD", "DP", "GQ"),
                    header=['##ALT=<ID=DEL,Description="Deletion">'],
                ),
            )
        )
    out += [
        write(outdir / "lynch_annotated.grch38.vcf", lynch_annotated()),
        write(outdir / "dpyd_cohort.grch38.vcf", dpyd_cohort("GRCh38")),
        write(outdir / "dpyd_cohort.grch37.vcf", dpyd_cohort("GRCh37")),
        write(outdir / "dpyd_variant_only.grch38.vcf", dpyd_variant_only()),
        write(outdir / "dpyd_no_records.grch38.vcf", dpyd_no_records()),
        write(outdir / "dpyd_gvcf_ref.grch38.vcf", dpyd_gvcf("ref")),
        write(outdir / "dpyd_gvcf_2846.grch38.vcf", dpyd_gvcf("2846")),
        write(outdir / "dpyd_gvcf_tagonly.grch38.vcf", dpyd_gvcf("tagonly")),
    ]
    for kind in ("carrier", "gvcf", "gvcf_lowgq", "variant_only", "nocall", "grch37"):
        out.append(write(outdir / f"relative_{kind}.vcf", relative(kind)))
    bed = outdir / "dpyd_callable.grch38.bed"
    bed.write_text("".join(f"chr1\t{p - 11}\t{p + 10}\n" for _, p, _, _ in DPYD38.values()))
    (outdir / "relative_callable.bed").write_text(f"chr3\t{MLH1[1] - 100}\t{MLH1[1] + 100}\n")
    return out


def copy_real_slices(shared: Path, outdir: Path) -> None:
    """Slices of real public VCFs (run once; see PROVENANCE.md)."""
    for build, (lo, hi) in (("grch38", (135000000, 146000000)), ("grch37", (134700000, 145700000))):
        src = shared / "vcf" / "somatic-pcgr-tcga" / f"T001-COAD.{build}.vcf.gz"
        dst = outdir / f"T001-COAD.{build}.chr7-slice.vcf"
        with gzip.open(src, "rt") as fin, open(dst, "w") as fout:
            for line in fin:  # header lines and chr7 records in the window, byte for byte
                f = line.split("\t", 2)
                if line.startswith("#") or (f[0] == "7" and lo <= int(f[1]) <= hi):
                    fout.write(line)
        pysam.tabix_index(str(dst), preset="vcf", force=True)
    shutil.copyfile(shared / "vcf" / "cyvcf2-tests" / "bug.vcf.gz", outdir / "bug.vcf.gz")
