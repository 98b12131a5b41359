"""Deterministic synthetic VCF cohorts for the gmsvar benchmarks.

Usage::

    python benchmarks/generate_cohort.py NAME [--out DIR] [--force]
    python benchmarks/generate_cohort.py --check [--out DIR]   # generate small_10k_3s and validate
    python benchmarks/generate_cohort.py --list
    python benchmarks/generate_cohort.py --rebuild-gene-table   # re-derive seeds/genes_grch38.tsv

``NAME`` is a cohort of ``seeds/cohorts.json``. The output is
``DIR/NAME.vcf.gz`` (BGZF) + ``.tbi`` + ``NAME.json`` (spec, generator version and
counts). Everything is drawn from ``numpy.random.default_rng(seed)`` in a fixed
order, so the same spec and generator version give the same bytes.

How it stays fast: all values are drawn up front as numpy arrays; text is built
chunk by chunk as ``uint8`` matrices in which every field is NUL-padded to a
fixed width, concatenated along the last axis, and the NUL bytes removed
(``m[m != 0]``). A field that must not appear (an absent INFO key, a second ALT
of a biallelic record, a missing CSQ entry) is zeroed and vanishes. No
per-record Python code runs.

What the file looks like (VCFv4.2):

* ``##contig`` lines with GRCh38 lengths (gmsvar detects the build from them);
* sorted, unique positions on chr1-22/X, uniform over the genome (``layout:
  genome``) or inside the PanelApp gene spans of ``seeds/genes_grch38.tsv``
  (``layout: genes``), plus a fraction concentrated in the ``focus`` genes
  (R210 Lynch: MLH1, MSH2, MSH6, PMS2, EPCAM);
* SNVs, left-anchored insertions/deletions (REF/ALT share the first base), and
  multiallelic records (two different SNV ALTs, or a homopolymer ``AT/A,ATT``
  deletion + insertion);
* QUAL, FILTER ``PASS`` or ``LowQual`` (``LowQual`` exactly when QUAL < 30);
* INFO ``DP``, ``AC``/``AN``/``AF`` (from the genotypes), ``gnomAD_AF`` and
  ``AF_grpmax`` (``Number=A``; left out when absent from "gnomAD", ``.`` for one
  absent ALT of two) and a VEP-style ``CSQ`` (one MANE Select/canonical entry per
  allele plus 0-2 synthetic extra transcripts, or one ``intergenic_variant``);
* FORMAT ``GT:AD:DP:GQ`` with ``AD`` Number=R (3 values on multiallelic records),
  ``./.:.:.:.`` for missing calls.

The sequence content is random, not the reference genome: REF bases,
HGVS strings, amino acids, exon numbers and frequencies are plausible in form
only. Transcripts ``ENST9...`` and proteins ``ENSP...`` are synthetic identifiers;
only the MANE Select transcript per gene is real (from MANE, via the gene table).
"""

from __future__ import annotations

import argparse
import copy
import hashlib
import json
import os
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds" / "cohorts.json"
DEFAULT_OUT = ROOT / "benchmarks" / "data"
U8 = np.uint8

#: GRCh38 primary contig lengths (GRC GCF_000001405.26; same as gmsvar/data/assemblies.tsv).
GRCH38_LENGTHS = {
    "1": 248956422, "2": 242193529, "3": 198295559, "4": 190214555, "5": 181538259,
    "6": 170805979, "7": 159345973, "8": 145138636, "9": 138394717, "10": 133797422,
    "11": 135086622, "12": 133275309, "13": 114364328, "14": 107043718, "15": 101991189,
    "16": 90338345, "17": 83257441, "18": 80373285, "19": 58617616, "20": 64444167,
    "21": 46709983, "22": 50818468, "X": 156040895, "Y": 57227415, "M": 16569,
}

CSQ_FIELDS = ("Allele|Consequence|IMPACT|SYMBOL|Gene|Feature_type|Feature|BIOTYPE|EXON|INTRON|"
              "HGVSc|HGVSp|CANONICAL|MANE_SELECT|gnomADe_AF")

# -- consequence model ----------------------------------------------------------------------
# location classes of an annotation entry
L_NONE, L_EXON, L_INTRON, L_UTR5, L_UTR3, L_NCEXON, L_INTERGENIC = range(7)
# HGVSp kinds
P_NONE, P_MISSENSE, P_SYN, P_STOP, P_FS, P_INDEL_DEL, P_INDEL_INS = range(7)

# (consequence, impact, location, hgvsp kind); the first term of a '&' list is the most severe
CONSEQUENCES: list[tuple[str, str, int, int]] = [
    ("missense_variant", "MODERATE", L_EXON, P_MISSENSE),                        # 0
    ("synonymous_variant", "LOW", L_EXON, P_SYN),                                # 1
    ("stop_gained", "HIGH", L_EXON, P_STOP),                                     # 2
    ("intron_variant", "MODIFIER", L_INTRON, P_NONE),                            # 3
    ("splice_region_variant&intron_variant", "LOW", L_INTRON, P_NONE),           # 4
    ("splice_donor_variant", "HIGH", L_INTRON, P_NONE),                          # 5
    ("splice_acceptor_variant", "HIGH", L_INTRON, P_NONE),                       # 6
    ("5_prime_UTR_variant", "MODIFIER", L_UTR5, P_NONE),                         # 7
    ("3_prime_UTR_variant", "MODIFIER", L_UTR3, P_NONE),                         # 8
    ("frameshift_variant", "HIGH", L_EXON, P_FS),                                # 9
    ("inframe_deletion", "MODERATE", L_EXON, P_INDEL_DEL),                       # 10
    ("inframe_insertion", "MODERATE", L_EXON, P_INDEL_INS),                      # 11
    ("non_coding_transcript_exon_variant", "MODIFIER", L_NCEXON, P_NONE),        # 12
    ("upstream_gene_variant", "MODIFIER", L_NONE, P_NONE),                       # 13
    ("downstream_gene_variant", "MODIFIER", L_NONE, P_NONE),                     # 14
    ("intergenic_variant", "MODIFIER", L_INTERGENIC, P_NONE),                    # 15
]
C_CODING_INDEL = -1  # placeholder resolved to 9/10/11 from the indel length
MAIN_SNV = ([0, 1, 2, 3, 4, 5, 6, 7, 8],
            [0.25, 0.18, 0.02, 0.36, 0.05, 0.01, 0.01, 0.04, 0.08])
MAIN_INDEL = ([C_CODING_INDEL, 3, 4, 7, 8], [0.30, 0.45, 0.05, 0.05, 0.15])
EXTRA_TX = ([3, 12, 13, 14], [0.4, 0.3, 0.15, 0.15])
BIOTYPES = ["protein_coding", "retained_intron", "nonsense_mediated_decay"]
AMINO_ACIDS = ["Ala", "Arg", "Asn", "Asp", "Cys", "Gln", "Glu", "Gly", "His", "Ile", "Leu",
               "Lys", "Met", "Phe", "Pro", "Ser", "Thr", "Trp", "Tyr", "Val"]
BASES = np.frombuffer(b"ACGT", dtype=U8)


# -- spec handling ----------------------------------------------------------------------------
def _merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(base)
    for k, v in over.items():
        out[k] = _merge(out[k], v) if isinstance(v, dict) and isinstance(out.get(k), dict) else v
    return out


def load_specs(path: Path = SEEDS) -> dict[str, dict[str, Any]]:
    """All cohort specs by name, defaults applied."""
    doc = json.loads(path.read_text())
    return {c["name"]: _merge(doc["defaults"], c) for c in doc["cohorts"]}


def get_spec(name: str) -> dict[str, Any]:
    specs = load_specs()
    if name not in specs:
        raise SystemExit(f"unknown cohort {name!r}; known: {', '.join(specs)}")
    return specs[name]


def generator_version() -> str:
    """Hash of this file: data generated by another version is regenerated."""
    return hashlib.sha256(Path(__file__).read_bytes()).hexdigest()[:16]


def spec_hash(spec: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(spec, sort_keys=True).encode()).hexdigest()[:16]


# -- gene table --------------------------------------------------------------------------------
GENE_SRC = Path("/work/shared/data/genes/panelapp_gene_coordinates_grch37_grch38.tsv")
MANE_SRC = Path("/work/shared/data/genes/mane_select_transcripts_gencode.tsv")


def rebuild_gene_table(out: Path) -> int:
    """Derive seeds/genes_grch38.tsv: protein-coding PanelApp genes on chr1-22/X with a MANE
    Select transcript (GRCh38 spans from PanelApp's Ensembl 90 gene records)."""
    import csv

    mane: dict[str, tuple[str, str]] = {}
    with MANE_SRC.open() as fh:
        for line in fh:
            if line.startswith("#") or not line.strip():
                continue
            gene, refseq, ens = line.rstrip("\n").split("\t")[:3]
            mane[gene] = (refseq, ens)
    rows = []
    with GENE_SRC.open() as fh:
        for r in csv.DictReader(fh, delimiter="\t"):
            chrom = r["grch38_chrom"]
            if r["biotype"] != "protein_coding" or chrom not in GRCH38_LENGTHS or chrom in "YM":
                continue
            if r["symbol"] not in mane or not r["grch38_start"]:
                continue
            refseq, ens = mane[r["symbol"]]
            rows.append((chrom, int(r["grch38_start"]), int(r["grch38_end"]), r["symbol"],
                         r["grch38_ensembl_gene_id"], ens, refseq))
    order = {c: i for i, c in enumerate(GRCH38_LENGTHS)}
    rows.sort(key=lambda t: (order[t[0]], t[1], t[2], t[3]))
    sha = {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in (GENE_SRC, MANE_SRC)}
    with out.open("w") as fh:
        fh.write("# GRCh38 gene spans (1-based, inclusive) used by benchmarks/generate_cohort.py.\n")
        fh.write("# DERIVED by `generate_cohort.py --rebuild-gene-table` from\n")
        for p, h in sha.items():
            fh.write(f"#   {p} (sha256 {h})\n")
        fh.write("# kept: biotype protein_coding, chr1-22/X, symbol with a MANE Select transcript.\n")
        fh.write("chrom\tstart\tend\tsymbol\tgene_id\tmane_ensembl\tmane_refseq\n")
        for row in rows:
            fh.write("\t".join(map(str, row)) + "\n")
    return len(rows)


@dataclass
class Genes:
    chrom: np.ndarray   # contig index (into the variant contig list), int
    start: np.ndarray
    end: np.ndarray
    symbol: list[str]
    gene_id: list[str]
    mane: list[str]
    refseq: list[str]
    n_exons: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))


def load_genes(spec: dict[str, Any], contigs: list[str]) -> Genes:
    path = ROOT / spec["gene_table"]
    cidx = {c: i for i, c in enumerate(contigs)}
    ch, st, en, sy, gi, ma, rs = [], [], [], [], [], [], []
    for line in path.read_text().splitlines():
        if line.startswith("#") or line.startswith("chrom\t") or not line:
            continue
        c, s, e, sym, gid, mane, refseq = line.split("\t")
        if c not in cidx:
            continue
        ch.append(cidx[c])
        st.append(int(s))
        en.append(int(e))
        sy.append(sym)
        gi.append(gid)
        ma.append(mane)
        rs.append(refseq)
    return Genes(np.array(ch), np.array(st), np.array(en), sy, gi, ma, rs)


# -- byte-matrix text building ---------------------------------------------------------------
def const(s: str | bytes) -> np.ndarray:
    b = s.encode() if isinstance(s, str) else s
    return np.frombuffer(b, dtype=U8)


def labels_matrix(labels: list[str]) -> np.ndarray:
    """(k, w) NUL-padded uint8 rows for a label list (empty labels are all-NUL)."""
    arr = np.array([x.encode() for x in labels], dtype="S")
    w = max(arr.dtype.itemsize, 1)
    return np.frombuffer(arr.astype(f"S{w}").tobytes(), dtype=U8).reshape(len(labels), w)


def ints(x: np.ndarray) -> np.ndarray:
    """Non-negative ints -> (..., w) ASCII digits, NUL-padded left; negative -> '.'."""
    x = np.asarray(x, dtype=np.int64)
    miss = x < 0
    v = np.where(miss, 0, x)
    top = int(v.max()) if v.size else 0
    w = len(str(top))
    pows = 10 ** np.arange(w - 1, -1, -1, dtype=np.int64)
    out = ((v[..., None] // pows) % 10 + 48).astype(U8)
    lead = v[..., None] < pows
    lead[..., -1] = False
    out[lead] = 0
    if miss.any():
        out[miss] = 0
        out[miss, -1] = ord(".")
    return out


def fixed(x: np.ndarray, decimals: int) -> np.ndarray:
    """Non-negative floats -> 'I.FFF' with trailing zeros stripped (one kept); NaN -> '.'."""
    x = np.asarray(x, dtype=np.float64)
    nan = np.isnan(x)
    scale = 10 ** decimals
    scaled = np.round(np.where(nan, 0, x) * scale).astype(np.int64)
    ip = ints(scaled // scale)
    frac = ((scaled % scale)[..., None] // (10 ** np.arange(decimals - 1, -1, -1)) % 10 + 48
            ).astype(U8)
    trailing = np.logical_and.accumulate(frac[..., ::-1] == ord("0"), axis=-1)[..., ::-1]
    trailing[..., 0] = False
    frac[trailing] = 0
    out = cat(ip, const("."), frac)
    if nan.any():
        out[nan] = 0
        out[nan, -1] = ord(".")
    return out


def sci(x: np.ndarray) -> np.ndarray:
    """Positive floats -> '1.23e-04' (like printf %.2e); NaN -> '.'."""
    x = np.asarray(x, dtype=np.float64)
    nan = ~(x > 0)
    v = np.where(nan, 1.0, x)
    e = np.floor(np.log10(v)).astype(np.int64)
    mm = np.round(v / 10.0 ** e * 100).astype(np.int64)
    over = mm >= 1000
    mm = np.where(over, mm // 10, mm)
    e = e + over
    sign = np.where(e < 0, ord("-"), ord("+")).astype(U8)[..., None]
    ae = np.abs(e)
    out = cat(
        (mm // 100 + 48).astype(U8)[..., None], const("."),
        ((mm // 10) % 10 + 48).astype(U8)[..., None], (mm % 10 + 48).astype(U8)[..., None],
        const("e"), sign, (ae // 10 + 48).astype(U8)[..., None], (ae % 10 + 48).astype(U8)[..., None],
    )
    if nan.any():
        out[nan] = 0
        out[nan, -1] = ord(".")
    return out


def cat(*pieces: np.ndarray) -> np.ndarray:
    """Concatenate byte pieces along the last axis, broadcasting the leading axes."""
    lead = np.broadcast_shapes(*(p.shape[:-1] for p in pieces))
    return np.concatenate([np.broadcast_to(p, (*lead, p.shape[-1])) for p in pieces], axis=-1)


def keep(piece: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Zero (drop) the piece where mask is False."""
    lead = np.broadcast_shapes(piece.shape[:-1], mask.shape)
    return np.where(np.broadcast_to(mask, lead)[..., None], piece, 0).astype(U8)


def text(rows: np.ndarray) -> bytes:
    flat = rows.reshape(-1)
    return flat[flat != 0].tobytes()


# -- simulation --------------------------------------------------------------------------------
@dataclass
class Sim:
    spec: dict[str, Any]
    contigs: list[str]          # variant contig names (no prefix)
    chrom: np.ndarray           # (n,) contig index
    pos: np.ndarray             # (n,)
    ref: np.ndarray             # (n, wr) uint8
    alt: np.ndarray             # (n, 2, wa) uint8 (slot 1 empty for biallelic)
    multi: np.ndarray           # (n,) bool
    kind: np.ndarray            # (n, 2) 0 snv, 1 deletion, 2 insertion
    indel_len: np.ndarray       # (n, 2) bases deleted/inserted
    qual: np.ndarray
    lowqual: np.ndarray
    gt: np.ndarray              # (n, s, 2) int8, -1 missing, sorted
    ad: np.ndarray              # (n, s, 3) int32
    dp: np.ndarray              # (n, s) int32
    gq: np.ndarray              # (n, s) int32
    pop_af: np.ndarray          # (n, 2) float, NaN absent
    pop_max: np.ndarray         # (n, 2)
    gene: np.ndarray            # (n,) gene index or -1
    focus: np.ndarray           # (n,) bool
    csq: dict[str, np.ndarray] | None
    genes: Genes


def _draw_positions(rng: np.random.Generator, spec: dict[str, Any], contigs: list[str],
                    genes: Genes) -> tuple[np.ndarray, np.ndarray]:
    """Sorted unique (contig index, pos) keys; returns (keys, is_focus)."""
    n = int(spec["n_variants"])
    lengths = np.array([GRCH38_LENGTHS[c] for c in contigs], dtype=np.int64)
    cidx = {c: i for i, c in enumerate(contigs)}
    focus = spec.get("focus") or {}
    regions = focus.get("regions", [])
    n_focus = round(n * float(focus.get("fraction", 0))) if regions else 0
    shift = np.int64(1 << 32)

    def genome(k: int) -> np.ndarray:
        c = rng.choice(len(contigs), size=k, p=lengths / lengths.sum())
        p = (rng.random(k) * (lengths[c] - 200)).astype(np.int64) + 100
        return c * shift + p

    def spans(k: int, ch: np.ndarray, st: np.ndarray, en: np.ndarray) -> np.ndarray:
        w = (en - st + 1).astype(np.float64)
        g = rng.choice(len(st), size=k, p=w / w.sum())
        p = st[g] + (rng.random(k) * w[g]).astype(np.int64)
        return ch[g].astype(np.int64) * shift + p

    def background(k: int) -> np.ndarray:
        if spec["layout"] == "genome":
            return genome(k)
        if spec["layout"] == "genes":
            return spans(k, genes.chrom, genes.start, genes.end)
        raise SystemExit(f"unknown layout {spec['layout']!r}")

    def unique_draw(k: int, draw: Any, exclude: np.ndarray) -> np.ndarray:
        got = np.zeros(0, dtype=np.int64)
        while len(got) < k:
            extra = draw(int((k - len(got)) * 1.02) + 16)
            got = np.union1d(got, extra)
            got = got[~np.isin(got, exclude)]
        if len(got) > k:
            got = np.sort(got[rng.choice(len(got), size=k, replace=False)])
        return got

    fkeys = np.zeros(0, dtype=np.int64)
    if n_focus:
        fch = np.array([cidx[r["chrom"]] for r in regions])
        fst = np.array([r["start"] for r in regions], dtype=np.int64)
        fen = np.array([r["end"] for r in regions], dtype=np.int64)
        fkeys = unique_draw(n_focus, lambda k: spans(k, fch, fst, fen), fkeys)
    bkeys = unique_draw(n - n_focus, background, fkeys)
    keys = np.concatenate([fkeys, bkeys])
    is_focus = np.concatenate([np.ones(len(fkeys), bool), np.zeros(len(bkeys), bool)])
    order = np.argsort(keys, kind="stable")
    return keys[order], is_focus[order]


def _gene_lookup(genes: Genes, chrom: np.ndarray, pos: np.ndarray) -> np.ndarray:
    """Index of a gene whose span contains (chrom, pos), else -1 (prefix-max over sorted spans)."""
    out = np.full(len(pos), -1, dtype=np.int64)
    for c in np.unique(chrom):
        gsel = np.flatnonzero(genes.chrom == c)
        if not len(gsel):
            continue
        order = gsel[np.argsort(genes.start[gsel], kind="stable")]
        st, en = genes.start[order], genes.end[order]
        run_max = np.maximum.accumulate(en)
        arg = np.zeros(len(en), dtype=np.int64)
        best = 0
        for i in range(len(en)):  # a few hundred genes per contig
            if en[i] >= en[best]:
                best = i
            arg[i] = best
        vsel = np.flatnonzero(chrom == c)
        i = np.searchsorted(st, pos[vsel], side="right") - 1
        ok = i >= 0
        ii = np.where(ok, i, 0)
        direct = ok & (pos[vsel] <= en[ii])
        nested = ok & ~direct & (pos[vsel] <= run_max[ii])
        res = np.full(len(vsel), -1, dtype=np.int64)
        res[direct] = order[ii[direct]]
        res[nested] = order[arg[ii[nested]]]
        out[vsel] = res
    return out


def _random_bases(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    return BASES[rng.integers(0, 4, size=shape)]


def simulate(spec: dict[str, Any]) -> Sim:
    rng = np.random.default_rng(int(spec["seed"]))
    contigs = list(spec["variant_contigs"])
    genes = load_genes(spec, contigs)
    n, s = int(spec["n_variants"]), int(spec["n_samples"])
    keys, is_focus = _draw_positions(rng, spec, contigs, genes)
    chrom = (keys >> 32).astype(np.int64)
    pos = (keys & 0xFFFFFFFF).astype(np.int64)

    # -- alleles ------------------------------------------------------------------------------
    multi = rng.random(n) < float(spec["frac_multiallelic"])
    indel = rng.random(n) < float(spec["frac_indel"])
    ins = rng.random(n) < float(spec["frac_insertion_of_indels"])
    maxlen = int(spec["max_indel_length"])
    length = np.minimum(rng.geometric(0.45, size=n), maxlen)
    anchor = _random_bases(rng, (n,))
    seq = _random_bases(rng, (n, maxlen))
    ref_base = anchor
    # two distinct non-REF bases: offsets o1 != o2 in {1, 2, 3} from the REF base
    r_idx = np.searchsorted(BASES, anchor)
    o1 = rng.integers(1, 4, size=n)
    o2 = (o1 - 1 + rng.integers(1, 3, size=n)) % 3 + 1
    alt_b1, alt_b2 = BASES[(r_idx + o1) % 4], BASES[(r_idx + o2) % 4]
    wr = 1 + maxlen
    wa = 2 + maxlen
    ref = np.zeros((n, wr), dtype=U8)
    alt = np.zeros((n, 2, wa), dtype=U8)
    kind = np.zeros((n, 2), dtype=np.int8)
    ilen = np.zeros((n, 2), dtype=np.int64)
    col = np.arange(maxlen)[None, :]
    ref[:, 0] = ref_base
    # biallelic SNV
    m = ~multi & ~indel
    alt[m, 0, 0] = alt_b1[m]
    # biallelic deletion: REF = anchor + seq[:L], ALT = anchor
    m = ~multi & indel & ~ins
    ref[m, 1:] = np.where(col < length[m, None], seq[m], 0)
    alt[m, 0, 0] = anchor[m]
    kind[m, 0], ilen[m, 0] = 1, length[m]
    # biallelic insertion: REF = anchor, ALT = anchor + seq[:L]
    m = ~multi & indel & ins
    alt[m, 0, 0] = anchor[m]
    alt[m, 0, 1:wa - 1] = np.where(col < length[m, None], seq[m], 0)
    kind[m, 0], ilen[m, 0] = 2, length[m]
    # multiallelic SNV: two different ALT bases
    m = multi & ~indel
    alt[m, 0, 0], alt[m, 1, 0] = alt_b1[m], alt_b2[m]
    # multiallelic homopolymer indel: REF = a + b*k, ALT1 = a + b*(k-1), ALT2 = a + b*(k+1)
    m = multi & indel
    k = np.minimum(length[m], 5)
    unit = seq[m, 0]
    mc = np.arange(maxlen + 1)[None, :]
    ref[m, 1:] = np.where(col < k[:, None], unit[:, None], 0)
    alt[m, 0, 0] = anchor[m]
    alt[m, 0, 1:wa - 1] = np.where(col < (k - 1)[:, None], unit[:, None], 0)
    alt[m, 1, 0] = anchor[m]
    alt[m, 1, 1:] = np.where(mc < (k + 1)[:, None], unit[:, None], 0)
    kind[m, 0], kind[m, 1] = 1, 2
    ilen[m, 0], ilen[m, 1] = 1, 1
    n_alt = np.where(multi, 2, 1)
    valid = np.arange(2)[None, :] < n_alt[:, None]

    # -- quality and filters --------------------------------------------------------------
    thr = float(spec["lowqual_threshold"])
    lowqual = rng.random(n) < float(spec["frac_lowqual"])
    qual = np.where(lowqual, rng.uniform(2.0, thr - 0.01, n),
                    thr + np.minimum(np.exp(rng.normal(np.log(200), 1.0, n)), 50000.0))
    qual = np.round(qual, 2)
    lowqual = qual < thr

    # -- population frequencies / true allele frequency -----------------------------------
    lo, hi = spec["true_af_log10_range"]
    true_af = 10 ** rng.uniform(lo, hi, size=(n, 2))
    true_af[:, 1] = np.where(multi, np.minimum(true_af[:, 1], 0.95 - true_af[:, 0]), 0.0)
    absent = rng.random((n, 2)) < float(spec["frac_popfreq_absent"])
    pop_af = np.clip(true_af * np.exp(rng.normal(0, 0.5, (n, 2))), 1e-6, 0.9)
    pop_max = np.clip(pop_af * (1 + rng.exponential(1.0, (n, 2))), 1e-6, 0.99)
    pop_af[absent | ~valid] = np.nan
    pop_max[absent | ~valid] = np.nan

    # -- genotypes ------------------------------------------------------------------------
    if s == 1:
        hom = rng.random(n) < float(spec["frac_hom_alt_single_sample"])
        mchoice = rng.choice(3, size=n, p=[0.6, 0.2, 0.2])  # 1/2, 0/1, 0/2
        a0 = np.where(multi, np.choose(mchoice, [1, 0, 0]), np.where(hom, 1, 0))
        a1 = np.where(multi, np.choose(mchoice, [2, 1, 2]), 1)
        gt = np.stack([a0, a1], axis=-1)[:, None, :].astype(np.int8)
    else:
        u = rng.random((n, s, 2))
        p1, p2 = true_af[:, 0, None, None], true_af[:, 1, None, None]
        gt = np.where(u < p1, 1, np.where(u < p1 + p2, 2, 0)).astype(np.int8)
        # every ALT is carried by someone (a joint-called cohort)
        for a in (1, 2):
            need = ~(gt == a).any(axis=(1, 2)) & (valid[:, a - 1])
            who = rng.integers(0, s, size=n)
            hap = 1 if a == 1 else 0
            rows = np.flatnonzero(need)
            if a == 2:  # do not overwrite the allele-1 carrier just created
                clash = gt[rows, who[rows], 1] == 1
                who[rows[clash]] = (who[rows[clash]] + 1) % s
            gt[rows, who[rows], hap] = a
        gt.sort(axis=2)
    missing = rng.random((n, s)) < float(spec["frac_missing_gt"])
    gt[missing] = -1

    # -- depths ---------------------------------------------------------------------------
    depth = rng.poisson(float(spec["mean_depth"]) * rng.gamma(6.0, 1 / 6.0, (n, s)))
    depth = np.maximum(depth, 2)
    dose = np.stack([(gt == a).sum(axis=2) for a in (0, 1, 2)], axis=-1).astype(np.float64)
    err = 0.02
    na = (n_alt + 1)[:, None, None]
    frac = (1 - err) * dose / 2 + err / na
    frac[..., 2] = np.where(multi[:, None], frac[..., 2], 0.0)
    frac[~missing] /= frac[~missing].sum(axis=-1, keepdims=True)
    frac[missing] = np.array([0.5, 0.5, 0.0])
    c0 = rng.binomial(depth, np.clip(frac[..., 0], 0, 1))
    rest = depth - c0
    share = frac[..., 1] / np.maximum(frac[..., 1] + frac[..., 2], 1e-12)
    c1 = rng.binomial(rest, np.clip(share, 0, 1))
    c2 = rest - c1
    ad = np.stack([c0, c1, np.where(multi[:, None], c2, 0)], axis=-1).astype(np.int32)
    dp = (depth + rng.poisson(0.3, (n, s))).astype(np.int32)
    het = (gt[..., 0] != gt[..., 1])
    gq = np.minimum(99, np.round(dp * rng.uniform(1.2, 3.5, (n, s)) * np.where(het, 1.0, 0.8)))
    gq = gq.astype(np.int32)
    ad[missing] = -1
    dp[missing] = -1
    gq[missing] = -1

    gene = _gene_lookup(genes, chrom, pos)
    genes.n_exons = rng.integers(4, 40, size=len(genes.symbol))
    csq = _simulate_csq(rng, spec, n, multi, kind, ilen, gene, genes) if spec["csq"] else None
    return Sim(spec=spec, contigs=contigs, chrom=chrom, pos=pos, ref=ref, alt=alt, multi=multi,
               kind=kind, indel_len=ilen, qual=qual, lowqual=lowqual, gt=gt, ad=ad, dp=dp, gq=gq,
               pop_af=pop_af, pop_max=pop_max, gene=gene, focus=is_focus, csq=csq, genes=genes)


def _simulate_csq(rng: np.random.Generator, spec: dict[str, Any], n: int, multi: np.ndarray,
                  kind: np.ndarray, ilen: np.ndarray, gene: np.ndarray,
                  genes: Genes) -> dict[str, np.ndarray]:
    """Per (record, allele, entry) annotation codes; entry 0 is the MANE Select transcript."""
    probs = np.asarray(spec["csq_entries_per_allele_probs"], dtype=np.float64)
    e_max = len(probs)
    shape = (n, 2, e_max)
    valid_allele = np.stack([np.ones(n, bool), multi], axis=1)
    genic = (gene >= 0)[:, None]
    n_entries = np.where(genic, rng.choice(e_max, size=(n, 2), p=probs / probs.sum()) + 1, 1)
    present = (np.arange(e_max)[None, None, :] < n_entries[..., None]) & valid_allele[..., None]

    # main entry consequence
    snv_c = rng.choice(MAIN_SNV[0], size=(n, 2), p=MAIN_SNV[1])
    ind_c = rng.choice(MAIN_INDEL[0], size=(n, 2), p=MAIN_INDEL[1])
    # a coding indel is in-frame exactly when its length is a multiple of 3
    frame = np.where(ilen % 3 == 0, np.where(kind == 1, 10, 11), 9)
    ind_c = np.where(ind_c == C_CODING_INDEL, frame, ind_c)
    main = np.where(kind == 0, snv_c, ind_c)
    main = np.where(genic, main, 15)
    extra = rng.choice(EXTRA_TX[0], size=shape, p=EXTRA_TX[1])
    cons = extra.copy()
    cons[:, :, 0] = main
    loc_of = np.array([c[2] for c in CONSEQUENCES])
    pk_of = np.array([c[3] for c in CONSEQUENCES])
    loc = loc_of[cons]
    pkind = np.where(np.arange(e_max)[None, None, :] == 0, pk_of[cons], P_NONE)
    biotype = np.where(cons == 12, 1, np.where(rng.random(shape) < 0.2, 2, 0))
    biotype[:, :, 0] = 0
    j = np.broadcast_to(np.arange(e_max)[None, None, :], shape)
    g = np.broadcast_to(gene[:, None, None], shape)
    tx = np.where(g >= 0, g * e_max + j, -1)
    n_ex = genes.n_exons[np.maximum(g, 0)]
    exon_k = rng.integers(1, 1 << 30, size=shape) % n_ex + 1
    exon_k = np.where(loc == L_UTR5, 1, np.where(loc == L_UTR3, n_ex, exon_k))
    intron_k = rng.integers(1, 1 << 30, size=shape) % np.maximum(n_ex - 1, 1) + 1
    cnum = rng.integers(30, 4000, size=shape)
    # intron offsets: splice donor +1/+2, acceptor -1/-2, splice region +-3..8, deep +-9..2000
    sign = np.where(rng.random(shape) < 0.5, 1, -1)
    deep = rng.integers(9, 2000, size=shape)
    near = rng.integers(3, 9, size=shape)
    one_two = rng.integers(1, 3, size=shape)
    off = np.select([cons == 5, cons == 6, cons == 4, loc == L_INTRON],
                    [one_two, -one_two, sign * near, sign * deep], 0)
    aa = rng.integers(0, len(AMINO_ACIDS), size=(*shape, 3))
    aa[..., 1] = np.where(aa[..., 1] == aa[..., 0], (aa[..., 1] + 1) % len(AMINO_ACIDS), aa[..., 1])
    fs_ter = rng.integers(2, 60, size=shape)
    return {"present": present, "cons": cons, "loc": loc, "pkind": pkind, "biotype": biotype,
            "tx": tx, "gene": g, "exon_k": exon_k, "exon_n": n_ex, "intron_k": intron_k,
            "intron_n": np.maximum(n_ex - 1, 1), "cnum": cnum, "off": off, "aa": aa,
            "fs_ter": fs_ter, "entry": j}


# -- text formatting ---------------------------------------------------------------------------
class Formatter:
    """Builds record text for row slices of a :class:`Sim` (all vectorised)."""

    def __init__(self, sim: Sim) -> None:
        self.sim = sim
        spec = sim.spec
        pre = "chr" if spec["chr_prefix"] else ""
        self.contig_m = labels_matrix([pre + c for c in sim.contigs])
        self.filter_m = labels_matrix(["PASS", "LowQual"])
        gt_labels = []
        for a in range(-1, 3):
            for b in range(-1, 3):
                gt_labels.append(f"{'.' if a < 0 else a}/{'.' if b < 0 else b}")
        self.gt_m = labels_matrix(gt_labels)
        g = sim.genes
        e_max = len(spec["csq_entries_per_allele_probs"])
        tx_labels: list[str] = []
        for gi in range(len(g.symbol)):
            tx_labels.append(g.mane[gi])
            for jj in range(1, e_max):
                tx_labels.append(f"ENST9{gi:07d}{jj:03d}")  # synthetic, not Ensembl
        self.tx_m = labels_matrix([*tx_labels, ""])
        self.prot_m = labels_matrix([m.replace("ENST", "ENSP") for m in g.mane] + [""])
        self.sym_m = labels_matrix([*g.symbol, ""])
        self.gid_m = labels_matrix([*g.gene_id, ""])
        self.refseq_m = labels_matrix([*g.refseq, ""])
        self.cons_m = labels_matrix([c[0] for c in CONSEQUENCES])
        self.impact_m = labels_matrix([c[1] for c in CONSEQUENCES])
        self.bio_m = labels_matrix(BIOTYPES)
        self.aa_m = labels_matrix(AMINO_ACIDS)

    def rows(self, lo: int, hi: int) -> bytes:
        sim = self.sim
        sl = slice(lo, hi)
        n = hi - lo
        multi = sim.multi[sl]
        valid = np.stack([np.ones(n, bool), multi], axis=1)
        second = np.array([False, True])
        tab = const("\t")
        # ALT column: "A" or "A,C"
        alt_p = keep(cat(keep(const(","), second), sim.alt[sl]), valid)
        fixed_cols = cat(
            self.contig_m[sim.chrom[sl]], tab, ints(sim.pos[sl]), const("\t.\t"), sim.ref[sl], tab,
            alt_p.reshape(n, -1), tab, fixed(sim.qual[sl], 2), tab,
            self.filter_m[sim.lowqual[sl].astype(np.int64)], tab,
        )
        gt, ad, dp, gq = sim.gt[sl], sim.ad[sl], sim.dp[sl], sim.gq[sl]
        called = gt[..., 0] >= 0
        an = 2 * called.sum(axis=1)
        ac = np.stack([((gt == a) & called[..., None]).sum(axis=(1, 2)) for a in (1, 2)], axis=1)
        info_dp = np.where(called, dp, 0).sum(axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            af = np.where(an[:, None] > 0, ac / np.maximum(an[:, None], 1), np.nan)

        def per_allele(piece: np.ndarray) -> np.ndarray:
            return keep(cat(keep(const(","), second), piece), valid).reshape(n, -1)

        info = [const("DP="), ints(info_dp), const(";AC="), per_allele(ints(ac)),
                const(";AN="), ints(an),
                keep(cat(const(";AF="), per_allele(fixed(af, 4))), an > 0)]
        if sim.spec["popfreq"]:
            has = ~np.isnan(sim.pop_af[sl]).all(axis=1)
            info.append(keep(cat(const(";gnomAD_AF="), per_allele(sci(sim.pop_af[sl]))), has))
            hasm = ~np.isnan(sim.pop_max[sl]).all(axis=1)
            info.append(keep(cat(const(";AF_grpmax="), per_allele(sci(sim.pop_max[sl]))), hasm))
        if sim.csq is not None:
            info.append(cat(const(";CSQ="), self._csq(sl, n)))
        fmt = cat(const("\tGT:AD:DP:GQ"))
        # per sample: \tGT:AD0,AD1[,AD2]:DP:GQ
        miss = ~called
        ad_p = cat(ints(ad[..., 0]),
                   keep(cat(const(","), ints(ad[..., 1])), ~miss),
                   keep(cat(const(","), ints(ad[..., 2])), ~miss & multi[:, None]))
        gt_code = (gt[..., 0].astype(np.int64) + 1) * 4 + gt[..., 1] + 1
        samples = cat(tab, self.gt_m[gt_code], const(":"), ad_p, const(":"), ints(dp), const(":"),
                      ints(gq))
        line = cat(fixed_cols, *info, fmt, samples.reshape(n, -1), const("\n"))
        return text(line)

    def _csq(self, sl: slice, n: int) -> np.ndarray:
        sim = self.sim
        c = {k: v[sl] for k, v in sim.csq.items()} if sim.csq else {}
        e_max = c["present"].shape[2]
        g = c["gene"]
        genic = g >= 0
        none_g = len(sim.genes.symbol)
        gidx = np.where(genic, g, none_g)
        # VEP allele strings: drop the shared first base when the record has an indel
        alt = sim.alt[sl]
        has_indel = (sim.kind[sl] > 0).any(axis=1)
        trimmed = np.concatenate([alt[..., 1:], np.zeros((*alt.shape[:2], 1), U8)], axis=-1)
        empty = (trimmed == 0).all(axis=-1)
        trimmed[..., 0] = np.where(empty, ord("-"), trimmed[..., 0])
        vep_allele = np.where(has_indel[:, None, None], trimmed, alt)
        pipe = const("|")
        loc = c["loc"]
        tx_idx = np.where(c["tx"] >= 0, c["tx"], len(self.tx_m) - 1)
        feature = self.tx_m[tx_idx]
        exon = keep(cat(ints(c["exon_k"]), const("/"), ints(c["exon_n"])),
                    np.isin(loc, [L_EXON, L_UTR5, L_UTR3, L_NCEXON]))
        intron = keep(cat(ints(c["intron_k"]), const("/"), ints(c["intron_n"])), loc == L_INTRON)
        hgvsc = self._hgvsc(sl, c, feature)
        hgvsp = self._hgvsp(c, gidx)
        canonical = keep(const("YES")[None, None, None, :], genic & (c["entry"] == 0))
        mane = keep(self.refseq_m[gidx], genic & (c["entry"] == 0))
        gnomad = sim.pop_af[sl]
        gnomad_p = keep(sci(gnomad), ~np.isnan(gnomad))[:, :, None, :]
        entry = cat(
            vep_allele[:, :, None, :], pipe, self.cons_m[c["cons"]], pipe,
            self.impact_m[c["cons"]], pipe, self.sym_m[gidx], pipe, self.gid_m[gidx], pipe,
            keep(const("Transcript")[None, None, None, :], genic), pipe, feature, pipe,
            keep(self.bio_m[c["biotype"]], genic), pipe, exon, pipe, intron, pipe, hgvsc, pipe,
            hgvsp, pipe, canonical, pipe, mane, pipe, gnomad_p,
        )
        first = np.zeros((2, e_max), bool)
        first[0, 0] = True
        sep = keep(const(","), ~first)
        return keep(cat(sep, entry), c["present"]).reshape(n, -1)

    def _hgvsc(self, sl: slice, c: dict[str, np.ndarray], feature: np.ndarray) -> np.ndarray:
        sim = self.sim
        loc, cnum, off = c["loc"], c["cnum"], c["off"]
        kind = np.broadcast_to(sim.kind[sl][:, :, None], loc.shape)
        ilen = np.broadcast_to(sim.indel_len[sl][:, :, None], loc.shape)
        span = np.where(kind == 1, ilen - 1, np.where(kind == 2, 1, 0))
        ranged = span > 0
        utr_sign = np.select([loc == L_UTR5, loc == L_UTR3], [ord("-"), ord("*")], 0).astype(U8)
        end_num = np.where(loc == L_UTR5, cnum - span, np.where(loc == L_INTRON, cnum, cnum + span))
        end_off = np.where(loc == L_INTRON,
                           np.where(off > 0, off + span, -np.maximum(np.abs(off) - span, 1)), 0)

        def offset(o: np.ndarray) -> np.ndarray:
            sgn = np.where(o > 0, ord("+"), ord("-")).astype(U8)[..., None]
            return keep(cat(sgn, ints(np.abs(o))), o != 0)

        prefix = np.where((loc == L_NCEXON)[..., None], const("n."), const("c."))
        start = cat(utr_sign[..., None], ints(cnum), offset(off))
        end = keep(cat(const("_"), utr_sign[..., None], ints(end_num), offset(end_off)), ranged)
        ref_b = np.broadcast_to(sim.ref[sl][:, None, None, :1], (*loc.shape, 1))
        alt_b = np.broadcast_to(sim.alt[sl][:, :, None, :1], (*loc.shape, 1))
        alt = sim.alt[sl]
        ins_seq = np.broadcast_to(alt[:, :, None, 1:], (*loc.shape, alt.shape[-1] - 1))
        # a homopolymer deletion (multiallelic) deletes one unit base; printed as plain 'del'
        change = cat(keep(cat(ref_b, const(">"), alt_b), kind == 0),
                     keep(const("del")[None, None, None, :], kind == 1),
                     keep(cat(const("ins"), ins_seq), kind == 2))
        has = loc != L_NONE
        has &= loc != L_INTERGENIC
        return keep(cat(feature, const(":"), prefix, start, end, change), has)

    def _hgvsp(self, c: dict[str, np.ndarray], gidx: np.ndarray) -> np.ndarray:
        pk = c["pkind"]
        aa = c["aa"]
        ppos = c["cnum"] // 3 + 1
        a1, a2, a3 = self.aa_m[aa[..., 0]], self.aa_m[aa[..., 1]], self.aa_m[aa[..., 2]]
        suffix = cat(
            keep(a2, (pk == P_MISSENSE) | (pk == P_FS)),
            keep(const("%3D")[None, None, None, :], pk == P_SYN),
            keep(const("Ter")[None, None, None, :], pk == P_STOP),
            keep(cat(const("fsTer"), ints(c["fs_ter"])), pk == P_FS),
            keep(const("del")[None, None, None, :], pk == P_INDEL_DEL),
            keep(cat(const("_"), a2, ints(ppos + 1), const("ins"), a3), pk == P_INDEL_INS),
        )
        body = cat(self.prot_m[gidx], const(":p."), a1, ints(ppos), suffix)
        return keep(body, pk != P_NONE)


def header(sim: Sim) -> bytes:
    spec = sim.spec
    pre = "chr" if spec["chr_prefix"] else ""
    lines = [
        "##fileformat=VCFv4.2",
        '##FILTER=<ID=PASS,Description="All filters passed">',
        f'##FILTER=<ID=LowQual,Description="Low quality (QUAL < {spec["lowqual_threshold"]:g})">',
        '##INFO=<ID=DP,Number=1,Type=Integer,Description="Combined depth across samples">',
        '##INFO=<ID=AC,Number=A,Type=Integer,Description="Allele count in genotypes">',
        '##INFO=<ID=AN,Number=1,Type=Integer,Description="Total number of called alleles">',
        '##INFO=<ID=AF,Number=A,Type=Float,Description="Allele frequency in genotypes (AC/AN)">',
    ]
    if spec["popfreq"]:
        lines += [
            '##INFO=<ID=gnomAD_AF,Number=A,Type=Float,Description="gnomAD v4.1 joint allele '
            'frequency (synthetic values; absent = not in gnomAD)">',
            '##INFO=<ID=AF_grpmax,Number=A,Type=Float,Description="gnomAD v4.1 maximum allele '
            'frequency over non-bottlenecked genetic ancestry groups (grpmax; synthetic)">',
        ]
    if spec["csq"]:
        lines.append(
            '##INFO=<ID=CSQ,Number=.,Type=String,Description="Consequence annotations from '
            f'Ensembl VEP. Format: {CSQ_FIELDS}">'
        )
        lines.append("##VEP=\"v112\" cache=\"synthetic\" assembly=\"GRCh38\"")
    lines += [
        '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">',
        '##FORMAT=<ID=AD,Number=R,Type=Integer,Description="Allelic depths for the ref and alt '
        'alleles in the order listed">',
        '##FORMAT=<ID=DP,Number=1,Type=Integer,Description="Approximate read depth">',
        '##FORMAT=<ID=GQ,Number=1,Type=Integer,Description="Genotype Quality">',
    ]
    for c in spec["header_contigs"]:
        lines.append(f"##contig=<ID={pre}{c},length={GRCH38_LENGTHS[c]}>")
    lines.append("##reference=GRCh38")
    lines.append(f"##source=gmsvar benchmarks/generate_cohort.py {generator_version()}")
    lines.append(f"##gmsvar_cohort=<name={spec['name']},seed={spec['seed']},"
                 f"spec_sha256={spec_hash(spec)}>")
    samples = [f"{spec['sample_prefix']}{i + 1:04d}" for i in range(int(spec["n_samples"]))]
    lines.append("\t".join(["#CHROM", "POS", "ID", "REF", "ALT", "QUAL", "FILTER", "INFO",
                            "FORMAT", *samples]))
    return ("\n".join(lines) + "\n").encode()


def stats(sim: Sim) -> dict[str, Any]:
    n_alt = np.where(sim.multi, 2, 1)
    k = sim.kind
    return {
        "n_records": len(sim.pos),
        "n_samples": int(sim.spec["n_samples"]),
        "n_allele_rows": int(n_alt.sum()),
        "n_multiallelic": int(sim.multi.sum()),
        "n_snv_records": int((k[:, 0] == 0).sum()),
        "n_indel_records": int((k[:, 0] > 0).sum()),
        "n_lowqual": int(sim.lowqual.sum()),
        "n_missing_calls": int((sim.gt[..., 0] < 0).sum()),
        "n_focus_records": int(sim.focus.sum()),
        "n_records_in_genes": int((sim.gene >= 0).sum()),
        "n_popfreq_present_alleles": int((~np.isnan(sim.pop_af)).sum()),
    }


def write(sim: Sim, path: Path, chunk: int | None = None) -> None:
    import pysam
    import pysam.bcftools

    n = len(sim.pos)
    s = max(int(sim.spec["n_samples"]), 1)
    per_row = 150 + 30 * s + (1500 if sim.csq is not None else 0)  # padded bytes per record
    chunk = chunk or max(1000, 40_000_000 // per_row)
    fmt = Formatter(sim)
    tmp = path.with_name(path.name.replace(".vcf.gz", ".partial.vcf.gz"))
    for p in (tmp, Path(str(tmp) + ".tbi")):
        p.unlink(missing_ok=True)
    out = pysam.BGZFile(str(tmp), "wb", None)
    try:
        out.write(header(sim))
        for lo in range(0, n, chunk):
            out.write(fmt.rows(lo, min(n, lo + chunk)))
    finally:
        out.close()
    pysam.tabix_index(str(tmp), preset="vcf", force=True)
    os.replace(str(tmp) + ".tbi", str(path) + ".tbi")
    os.replace(tmp, path)


def generate(name: str, out_dir: Path = DEFAULT_OUT, *, force: bool = True,
             quiet: bool = False) -> Path:
    """Generate ``out_dir/name.vcf.gz`` (+ .tbi, + .json); skip if up to date and not force."""
    spec = get_spec(name)
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"{name}.vcf.gz"
    meta_path = out_dir / f"{name}.json"
    if not force and is_current(name, out_dir):
        return path
    t0 = time.perf_counter()
    sim = simulate(spec)
    t1 = time.perf_counter()
    write(sim, path)
    t2 = time.perf_counter()
    meta = {
        "name": name, "spec": spec, "spec_sha256": spec_hash(spec),
        "generator_version": generator_version(), "path": str(path),
        "bytes": path.stat().st_size, **stats(sim),
        "seconds_simulate": round(t1 - t0, 2), "seconds_write": round(t2 - t1, 2),
    }
    meta_path.write_text(json.dumps(meta, indent=2) + "\n")
    if not quiet:
        print(f"{path}: {meta['n_records']} records x {meta['n_samples']} samples, "
              f"{meta['bytes'] / 1e6:.1f} MB, simulate {t1 - t0:.1f}s + write {t2 - t1:.1f}s",
              file=sys.stderr)
    return path


def is_current(name: str, out_dir: Path = DEFAULT_OUT) -> bool:
    path = out_dir / f"{name}.vcf.gz"
    meta_path = out_dir / f"{name}.json"
    if not (path.exists() and Path(str(path) + ".tbi").exists() and meta_path.exists()):
        return False
    meta = json.loads(meta_path.read_text())
    return bool(meta.get("generator_version") == generator_version()
                and meta.get("spec_sha256") == spec_hash(get_spec(name)))


# -- self-check --------------------------------------------------------------------------------
def check(out_dir: Path, name: str = "small_10k_3s") -> None:
    """Generate ``name`` and validate it with bcftools and both gmsvar backends."""
    import pysam
    import pysam.bcftools

    import gmsvar

    path = generate(name, out_dir, force=True)
    spec = get_spec(name)
    sim = simulate(spec)
    st = stats(sim)
    problems: list[str] = []

    # htslib writes warnings straight to file descriptor 2: capture it around the call
    _, err = _capture_fd2(lambda: pysam.bcftools.view("--no-version", "-Ov", "-o", os.devnull,
                                                      str(path), catch_stdout=False))
    msgs = [m for m in err.splitlines() if m.strip()]
    if msgs:
        problems.append(f"bcftools view messages: {msgs[:5]}")
    sn: dict[str, int] = {}
    for line in pysam.bcftools.stats(str(path)).splitlines():
        if line.startswith("SN\t"):
            f = line.split("\t")
            sn[f[2].rstrip(":")] = int(f[3])
    want = {"number of records": st["n_records"],
            "number of multiallelic sites": st["n_multiallelic"],
            "number of samples": st["n_samples"]}
    for k, v in want.items():
        if sn.get(k) != v:
            problems.append(f"bcftools stats {k!r}: {sn.get(k)} != {v}")
    # records query through the tabix index
    focus = spec["focus"]["regions"][0]
    pre = "chr" if spec["chr_prefix"] else ""
    region = f"{pre}{focus['chrom']}:{focus['start']}-{focus['end']}"
    n_region = len(pysam.bcftools.view("-H", "-r", region, str(path)).splitlines())
    if n_region == 0:
        problems.append(f"no records in {focus['gene']} ({region})")

    tables = {b: gmsvar.read_vcf(path, backend=b, build="GRCh38") for b in ("cyvcf2", "pysam")}
    t = tables["cyvcf2"]
    if not t.equals(tables["pysam"]):
        diff = [k for k in t.names if k in tables["pysam"].names
                and not _eq(t[k], tables["pysam"][k])]
        problems.append(f"cyvcf2 and pysam tables differ in {diff}")
    if t.meta.genome_build != "GRCh38":
        problems.append(f"build detected as {t.meta.genome_build} ({t.meta.build_evidence})")
    if len(t) != st["n_allele_rows"]:
        problems.append(f"{len(t)} allele rows, expected {st['n_allele_rows']}")
    problems += _compare_truth(t, sim)
    lynch = [(f"{pre}{r['chrom']}", r["start"], r["end"]) for r in spec["focus"]["regions"]]
    for b in ("cyvcf2", "pysam"):
        sub = gmsvar.read_vcf(path, backend=b, regions=lynch)
        genes = set(sub.decode("variant_gene")) - {None} if "variant_gene" in sub else set()
        if len(sub) < st["n_focus_records"] or not genes:
            problems.append(f"{b}: Lynch regions gave {len(sub)} rows, genes {genes}")
    report = {"path": str(path), **st, "bcftools_region_records": n_region,
              "gmsvar_rows": len(t), "gmsvar_columns": len(t.names)}
    print(json.dumps(report, indent=2))
    if problems:
        print("CHECK FAILED:\n  " + "\n  ".join(problems), file=sys.stderr)
        raise SystemExit(1)
    print("check OK: bcftools view clean, bcftools stats match, both gmsvar backends equal "
          "and match the simulated truth", file=sys.stderr)


def _capture_fd2(fn: Any) -> tuple[Any, str]:
    """Run ``fn()`` with OS-level stderr redirected to a temp file; return (result, text)."""
    import tempfile

    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile() as tmp:
        os.dup2(tmp.fileno(), 2)
        try:
            result = fn()
        finally:
            os.dup2(saved, 2)
            os.close(saved)
        tmp.seek(0)
        return result, tmp.read().decode(errors="replace")


def _eq(a: np.ndarray, b: np.ndarray) -> bool:
    try:
        return bool(np.array_equal(a, b, equal_nan=a.dtype.kind == "f"))
    except TypeError:
        return bool(np.array_equal(a, b))


def _compare_truth(t: Any, sim: Sim) -> list[str]:
    """gmsvar's split rows against the simulated arrays."""
    out: list[str] = []
    n_alt = np.where(sim.multi, 2, 1)
    rec = np.repeat(np.arange(len(sim.pos)), n_alt)
    allele = t["variant_allele_index"].astype(np.int64)
    checks = {
        "variant_position": np.array_equal(t["variant_position"], sim.pos[rec]),
        "variant_filter_pass": np.array_equal(t["variant_filter_pass"], ~sim.lowqual[rec]),
    }
    gt = sim.gt[rec].astype(np.int64)
    a = allele[:, None, None]
    recoded = np.where(gt == a, 1, np.where(gt < 0, -1, 0))
    checks["call_genotype"] = np.array_equal(t["call_genotype"], recoded)
    ad = sim.ad[rec].astype(np.int64)
    want_ad = np.stack([ad[..., 0], ad[np.arange(len(rec)), :, allele]], axis=-1)
    checks["call_allele_depth"] = np.array_equal(t["call_allele_depth"], want_ad)
    checks["call_depth"] = np.array_equal(t["call_depth"], sim.dp[rec])
    checks["call_genotype_quality"] = np.array_equal(t["call_genotype_quality"], sim.gq[rec])
    af = sim.pop_af[rec, allele - 1]
    status = t["variant_popfreq_status"]
    checks["variant_popfreq_status"] = np.array_equal(status, np.where(np.isnan(af), 1, 2))
    got_af = t["variant_popfreq_af"]
    present = ~np.isnan(af)
    checks["variant_popfreq_af"] = bool(np.allclose(got_af[present], af[present], rtol=6e-3))
    if sim.csq is not None:
        main = sim.csq["cons"][rec, allele - 1, 0]
        want = np.array([CONSEQUENCES[c][0].split("&")[0] for c in main], dtype=object)
        got = t.decode("variant_consequence")
        checks["variant_consequence"] = bool((got == want).all())
        g = sim.gene[rec]
        want_tx = np.array([sim.genes.mane[x] if x >= 0 else None for x in g], dtype=object)
        checks["variant_transcript"] = bool((t["variant_transcript"] == want_tx).all())
    out += [f"{k} differs from the simulated truth" for k, ok in checks.items() if not ok]
    return out


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("name", nargs="?", help="cohort name from seeds/cohorts.json")
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output directory")
    ap.add_argument("--force", action="store_true",
                    help="regenerate even if an up-to-date file exists (default: skip)")
    ap.add_argument("--check", action="store_true",
                    help="generate NAME (default small_10k_3s) and validate it")
    ap.add_argument("--list", action="store_true", help="list cohort names")
    ap.add_argument("--rebuild-gene-table", action="store_true",
                    help="re-derive seeds/genes_grch38.tsv from /work/shared/data/genes")
    args = ap.parse_args(argv)
    if args.rebuild_gene_table:
        out = ROOT / "seeds" / "genes_grch38.tsv"
        print(f"{out}: {rebuild_gene_table(out)} genes", file=sys.stderr)
        return
    if args.list:
        for name, spec in load_specs().items():
            print(f"{name}\t{spec['n_variants']} x {spec['n_samples']}\t{spec.get('purpose', '')}")
        return
    if args.check:
        check(args.out, args.name or "small_10k_3s")
        return
    if not args.name:
        ap.error("NAME is required (or --check / --list)")
    if not args.force and is_current(args.name, args.out):
        print(f"{args.out / (args.name + '.vcf.gz')} is up to date (use --force)", file=sys.stderr)
        return
    generate(args.name, args.out)


if __name__ == "__main__":
    main()
