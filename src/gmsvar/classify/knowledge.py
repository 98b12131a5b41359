"""Knowledge sources for classification: gene table, MANE exon table, ClinVar, small rule tables.

All shipped tables live in ``gmsvar/data/classify/`` with a ``# version:`` line; loaders are
cached and return plain containers of numpy arrays so the criteria stay vectorised.

Examples
--------
>>> genes = load_genes()
>>> genes.mechanism("MYBPC3"), genes.mechanism("NOT_A_GENE")
('known', 'unknown')
>>> ex = load_exons("GRCh38")
>>> loc = ex.locate(np.array(["MLH1"], dtype=object), np.array(["3"], dtype=object),
...                 np.array([37050500]))
>>> int(loc.exon[0]), int(loc.n_exons[0]), bool(loc.in_cds[0])
(19, 19, True)
"""

from __future__ import annotations

import gzip
import io
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Any

import numpy as np
import pandas as pd

from ..errors import InputError, KnowledgeBaseError

__all__ = [
    "LOF_SOURCES",
    "ClinVarKnowledge",
    "ExonLocation",
    "ExonTable",
    "GeneKnowledge",
    "load_ba1_exceptions",
    "load_exons",
    "load_genes",
    "load_hotspots",
    "load_pp2_bp1",
    "normalise_chrom",
    "table_version",
]

#: Texts of the ``lof_source`` codes in ``genes.tsv``.
LOF_SOURCES: dict[str, str] = {
    "clingen_hi3": "ClinGen dosage sensitivity: haploinsufficiency score 3 (sufficient evidence)",
    "clingen_hi2": "ClinGen dosage sensitivity: haploinsufficiency score 2 (some evidence)",
    "clingen_hi40": "ClinGen dosage sensitivity: score 40 (dosage sensitivity unlikely)",
    "panelapp_lof_not": (
        "PanelApp mode of pathogenicity: loss-of-function variants do not cause the phenotype"
    ),
    "panelapp_recessive": (
        "PanelApp green biallelic/X-linked inheritance: biallelic/hemizygous loss of function"
    ),
    "none": "no LoF-mechanism evidence (PanelApp mode of pathogenicity empty, no ClinGen HI score)",
}


def _data(name: str) -> Any:
    return resources.files("gmsvar").joinpath("data", "classify", name)


def _read_text(name: str) -> str:
    res = _data(name)
    if not res.is_file():
        raise KnowledgeBaseError(f"missing classification data file gmsvar/data/classify/{name}")
    raw = res.read_bytes()
    return gzip.decompress(raw).decode() if name.endswith(".gz") else raw.decode()


def table_version(text: str) -> str:
    """The ``# version:`` value of a data file's header ("unversioned" if absent).

    >>> table_version("# version: x-1\\na\\tb\\n")
    'x-1'
    """
    for line in text.splitlines():
        if not line.startswith("#"):
            break
        m = re.match(r"#\s*version:\s*(\S+)", line)
        if m:
            return m.group(1)
    return "unversioned"


def _frame(text: str) -> pd.DataFrame:
    return pd.read_csv(io.StringIO(text), sep="\t", comment="#", dtype=str, keep_default_na=False)


def normalise_chrom(chrom: np.ndarray) -> np.ndarray:
    """Contig names without ``chr`` prefix, ``M`` as ``MT`` (object array).

    >>> normalise_chrom(np.array(["chr1", "X", "chrM"], dtype=object)).tolist()
    ['1', 'X', 'MT']
    """
    s = pd.Series(chrom, dtype=object).astype(str).str.replace(r"^chr", "", regex=True)
    return s.where(s != "M", "MT").to_numpy(dtype=object)


# -- genes -----------------------------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class GeneKnowledge:
    """Per-gene inheritance and loss-of-function mechanism (``genes.tsv``)."""

    table: pd.DataFrame
    version: str

    def mechanism(self, gene: str) -> str:
        """``known``/``presumed``/``not``/``unknown`` for one gene."""
        if gene in self.table.index:
            return str(self.table.at[gene, "lof_mechanism"])
        return "unknown"

    def lookup(self, genes: np.ndarray, column: str, default: str = "") -> np.ndarray:
        """Column values for an object array of gene symbols (``default`` where unknown)."""
        s = pd.Series(genes, dtype=object).map(self.table[column])
        return s.fillna(default).to_numpy(dtype=object)


@lru_cache(maxsize=1)
def load_genes() -> GeneKnowledge:
    """The shipped gene knowledge table (see ``gmsvar.classify._build_genes``)."""
    text = _read_text("genes.tsv")
    df = _frame(text).set_index("gene")
    return GeneKnowledge(df, table_version(text))


# -- exons -----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ExonLocation:
    """Where allele rows fall on their gene's MANE transcript (one entry per row).

    ``found`` is False where the gene has no exon table entry or the contig differs. Positions
    are transcript-ordered: ``exon`` is the exon number (MANE numbering) for exonic rows, the
    upstream exon for intronic rows; ``intron_offset`` is +n (donor side) / -n (acceptor side)
    for intronic rows, 0 otherwise; ``cpos`` the 1-based coding position (0 if not in the CDS).
    """

    found: np.ndarray
    in_exon: np.ndarray
    in_cds: np.ndarray
    exon: np.ndarray
    n_exons: np.ndarray
    exon_raw: np.ndarray
    n_exons_raw: np.ndarray
    intron_offset: np.ndarray
    junction_distance: np.ndarray
    dist_to_exon_3prime: np.ndarray
    cpos: np.ndarray
    cds_len: np.ndarray
    transcript: np.ndarray
    agreement: np.ndarray
    exon_coding_len: np.ndarray
    exon_coding_before: np.ndarray
    exon_start: np.ndarray
    exon_end: np.ndarray
    skip_exon_raw: np.ndarray
    skip_coding_len: np.ndarray
    skip_coding_before: np.ndarray


@dataclass(frozen=True, eq=False)
class ExonTable:
    """Flattened exon coordinates of one build, indexed for vectorised lookups."""

    build: str
    version: str
    genes: np.ndarray  # gene symbols, index = gene code
    chrom: np.ndarray
    strand_minus: np.ndarray
    transcript: np.ndarray
    refseq: np.ndarray
    agreement: np.ndarray
    offset: np.ndarray  # exon numbering offset (MANE number = raw + offset)
    cds_start: np.ndarray
    cds_end: np.ndarray
    cds_len: np.ndarray
    first: np.ndarray  # first exon row of each gene (length n_genes + 1)
    ex_start: np.ndarray
    ex_end: np.ndarray
    ex_coding: np.ndarray
    ex_before: np.ndarray  # coding nt before this exon in transcript order
    key: np.ndarray  # gene_code << 32 | start, sorted
    gene_index: Mapping[str, int] = field(default_factory=dict)

    def codes(self, genes: np.ndarray) -> np.ndarray:
        """Gene codes (-1 where the gene has no exon structure)."""
        fc, uniq = pd.factorize(pd.Series(genes, dtype=object), use_na_sentinel=True)
        lut = np.array([self.gene_index.get(g, -1) for g in uniq] + [-1], dtype=np.int64)
        return lut[np.where(fc < 0, len(uniq), fc)]

    def locate(
        self, genes: np.ndarray, chrom: np.ndarray, pos: np.ndarray, *, normalised: bool = False
    ) -> ExonLocation:
        """Transcript coordinates of 1-based genomic positions on each row's gene.

        ``chrom`` may use any naming (``chr1``/``1``); pass ``normalised=True`` when it is already
        :func:`normalise_chrom` output.
        """
        n = len(pos)
        g = self.codes(genes)
        chrom_n = chrom if normalised or not n else normalise_chrom(chrom)
        ok = g >= 0
        ok[ok] = self.chrom[g[ok]] == chrom_n[ok]
        gi = np.where(ok, g, 0)
        pos = np.asarray(pos, dtype=np.int64)
        k = np.searchsorted(self.key, (gi << 32) | np.clip(pos, 0, (1 << 32) - 1), side="right") - 1
        lo, hi = self.first[gi], self.first[gi + 1]
        before_first = k < lo
        kk = np.clip(k, lo, hi - 1) if n else k
        n_raw = hi - lo
        minus = self.strand_minus[gi]
        s, e = self.ex_start[kk], self.ex_end[kk]
        in_exon = ok & ~before_first & (pos >= s) & (pos <= e)
        idx_in_gene = kk - lo
        raw = np.where(minus, n_raw - idx_in_gene, idx_in_gene + 1)
        has_next = kk + 1 < hi
        nxt = np.clip(kk + 1, 0, len(self.ex_start) - 1)
        ns = self.ex_start[nxt]
        intronic = ok & ~before_first & ~in_exon & has_next
        d_prev = pos - e  # distance past the exon before (genomic)
        d_next = ns - pos  # distance to the next exon start (genomic)
        use_prev = d_prev <= d_next
        # + strand: after an exon end = donor (+), before an exon start = acceptor (-); - strand reversed
        off = np.where(use_prev, np.where(minus, -d_prev, d_prev), np.where(minus, d_next, -d_next))
        intron_offset = np.where(intronic, off, 0)
        # upstream exon (transcript order) of an intron: + strand the exon before, - strand the one after
        intron_exon = np.where(minus, raw - 1, raw)
        exon_raw = np.where(in_exon, raw, np.where(intronic, intron_exon, 0))
        cs, ce = self.cds_start[gi], self.cds_end[gi]
        in_cds = in_exon & (pos >= cs) & (pos <= ce)
        cpos = np.where(
            minus,
            self.ex_before[kk] + (np.minimum(e, ce) - pos + 1),
            self.ex_before[kk] + (pos - np.maximum(s, cs) + 1),
        )
        cpos = np.where(in_cds, cpos, 0)
        first_exon = raw == 1
        last_exon = raw == n_raw
        # distance to the internal exon-exon junctions of this exon (large if none)
        big = np.int64(1 << 30)
        d5 = np.where(minus, e - pos, pos - s)  # to the exon's 5' end (transcript order)
        d3 = np.where(minus, pos - s, e - pos)  # to the exon's 3' end
        junction = np.minimum(np.where(first_exon, big, d5), np.where(last_exon, big, d3))
        junction = np.where(in_exon, junction, np.where(intronic, -np.abs(intron_offset), big))
        offs = self.offset[gi]
        # exon skipped by a canonical splice variant: donor side (+) -> the transcript-upstream exon of
        # the intron, acceptor side (-) -> the transcript-downstream exon
        last_row = len(self.ex_start) - 1
        up = np.where(minus, kk + 1, kk)
        down = np.where(minus, kk, kk + 1)
        skip = np.clip(np.where(intron_offset > 0, up, down), 0, max(last_row, 0))
        skip = np.where(intronic, skip, kk)
        skip_raw = np.where(minus, n_raw - (skip - lo), skip - lo + 1)
        return ExonLocation(
            found=ok,
            in_exon=in_exon,
            in_cds=in_cds,
            exon=np.where(ok & (exon_raw > 0), exon_raw + offs, 0),
            n_exons=np.where(ok, n_raw + offs, 0),
            exon_raw=np.where(ok, exon_raw, 0),
            n_exons_raw=np.where(ok, n_raw, 0),
            intron_offset=intron_offset,
            junction_distance=junction,
            dist_to_exon_3prime=np.where(in_exon, d3, -1),
            cpos=cpos,
            cds_len=np.where(ok, self.cds_len[gi], 0),
            transcript=_masked_obj(ok, self.transcript[gi]),
            agreement=_masked_obj(ok, self.agreement[gi]),
            exon_coding_len=np.where(ok, self.ex_coding[kk], 0),
            exon_coding_before=np.where(ok, self.ex_before[kk], 0),
            exon_start=np.where(ok, s, 0),
            exon_end=np.where(ok, e, 0),
            skip_exon_raw=np.where(ok, skip_raw, 0),
            skip_coding_len=np.where(ok, self.ex_coding[skip], 0),
            skip_coding_before=np.where(ok, self.ex_before[skip], 0),
        )

    def exon_rows(self, gene: str) -> pd.DataFrame:
        """Exons of one gene in transcript order: number, start, end, coding nt (for tests/reports)."""
        g = self.gene_index.get(gene)
        if g is None:
            raise KeyError(f"no exon structure for {gene!r} ({self.build})")
        lo, hi = self.first[g], self.first[g + 1]
        df = pd.DataFrame(
            {
                "start": self.ex_start[lo:hi],
                "end": self.ex_end[lo:hi],
                "coding": self.ex_coding[lo:hi],
                "before": self.ex_before[lo:hi],
            }
        )
        n = hi - lo
        df["exon"] = (n - np.arange(n) if self.strand_minus[g] else np.arange(1, n + 1)) + self.offset[g]
        return df.sort_values("exon").reset_index(drop=True)


def _masked_obj(ok: np.ndarray, values: np.ndarray) -> np.ndarray:
    out = np.asarray(values, dtype=object).copy()
    out[~ok] = None
    return out


@lru_cache(maxsize=2)
def load_exons(build: str) -> ExonTable:
    """The shipped MANE exon table for ``"GRCh38"`` or ``"GRCh37"``."""
    if build not in ("GRCh38", "GRCh37"):
        raise InputError(f"no exon table for build {build!r}; use GRCh38 or GRCh37")
    text = _read_text("exons.tsv.gz")
    df = _frame(text)
    df = df[df["build"] == build].reset_index(drop=True)
    starts = [np.array(x.split(","), dtype=np.int64) for x in df["exon_starts"]]
    ends = [np.array(x.split(","), dtype=np.int64) for x in df["exon_ends"]]
    counts = np.array([len(x) for x in starts], dtype=np.int64)
    first = np.concatenate(([0], np.cumsum(counts)))
    ex_start = np.concatenate(starts) if starts else np.zeros(0, dtype=np.int64)
    ex_end = np.concatenate(ends) if ends else np.zeros(0, dtype=np.int64)
    gene_of = np.repeat(np.arange(len(df), dtype=np.int64), counts)
    cds_start = df["cds_start"].astype(np.int64).to_numpy()
    cds_end = df["cds_end"].astype(np.int64).to_numpy()
    minus = (df["strand"] == "-").to_numpy()
    coding = np.clip(
        np.minimum(ex_end, cds_end[gene_of]) - np.maximum(ex_start, cds_start[gene_of]) + 1, 0, None
    )
    # cumulative coding nt before each exon in transcript order
    csum = np.concatenate(([0], np.cumsum(coding)))
    before_plus = csum[:-1] - csum[first[gene_of]]
    after_incl = csum[first[gene_of + 1]] - csum[1:]
    before = np.where(minus[gene_of], after_incl, before_plus)
    cds_len = np.add.reduceat(coding, first[:-1]) if len(coding) else np.zeros(0, dtype=np.int64)
    key = (gene_of << 32) | ex_start
    if len(key) and not np.all(np.diff(key) > 0):
        raise KnowledgeBaseError("exons.tsv.gz: exons are not sorted by start within genes")
    return ExonTable(
        build=build,
        version=table_version(text),
        genes=df["gene"].to_numpy(dtype=object),
        chrom=df["chrom"].to_numpy(dtype=object),
        strand_minus=minus,
        transcript=df["transcript"].to_numpy(dtype=object),
        refseq=df["refseq"].to_numpy(dtype=object),
        agreement=df["agreement"].to_numpy(dtype=object),
        offset=df["exon_offset"].astype(np.int64).to_numpy(),
        cds_start=cds_start,
        cds_end=cds_end,
        cds_len=cds_len,
        first=first,
        ex_start=ex_start,
        ex_end=ex_end,
        ex_coding=coding,
        ex_before=before,
        key=key,
        gene_index={g: i for i, g in enumerate(df["gene"])},
    )


# -- small tables ---------------------------------------------------------------------------------
@lru_cache(maxsize=1)
def load_ba1_exceptions() -> tuple[pd.DataFrame, str]:
    """BA1 exception list (gene, hgvsc, hgvsp, grch38/grch37 keys) and its version."""
    text = _read_text("ba1_exceptions.tsv")
    return _frame(text), table_version(text)


@lru_cache(maxsize=1)
def load_hotspots() -> tuple[pd.DataFrame, str]:
    """PM1 hotspot residues (gene, position, residue, tumour_count, transcript) and version."""
    text = _read_text("pm1_hotspots.tsv")
    df = _frame(text)
    df["position"] = df["position"].astype(np.int64)
    return df, table_version(text)


@lru_cache(maxsize=1)
def load_pp2_bp1() -> tuple[pd.DataFrame, str]:
    """PP2/BP1 gene table (gene, criterion, tag, note) and version."""
    text = _read_text("pp2_bp1_genes.tsv")
    return _frame(text), table_version(text)


# -- ClinVar ---------------------------------------------------------------------------------------
_STARS = {
    "practice_guideline": 4,
    "reviewed_by_expert_panel": 3,
    "criteria_provided,_multiple_submitters,_no_conflicts": 2,
    "criteria_provided,_single_submitter": 1,
    "criteria_provided,_conflicting_classifications": 1,
    "criteria_provided,_conflicting_interpretations": 1,
}
_PATHOGENIC = {"Pathogenic", "Likely_pathogenic", "Pathogenic/Likely_pathogenic"}
_PROT = re.compile(r"p\.\(?([A-Z][a-z]{2})(\d+)([A-Z][a-z]{2})\)?$")


def protein_change(hgvsp: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(ref aa, residue number, alt aa) of missense HGVS p. strings; residue 0 where not missense.

    >>> protein_change(np.array(["ENSP1:p.Arg175His", "p.(Gly12Cys)", None, "p.Arg3Ter"], dtype=object))[1]
    array([175,  12,   0,   0])
    """
    s = pd.Series(hgvsp, dtype=object).astype("string").str.split(":").str[-1]
    m = s.str.extract(_PROT)
    num = pd.to_numeric(m[1], errors="coerce").fillna(0).astype(np.int64).to_numpy()
    ref = m[0].fillna("").to_numpy(dtype=object)
    alt = m[2].fillna("").to_numpy(dtype=object)
    bad = (alt == "Ter") | (ref == alt)
    num = np.where(bad, 0, num)
    return ref, num, alt


def _info_text(values: np.ndarray) -> pd.Series:
    """INFO values as text: Number=. fields arrive as tuples (ClinVar's commas split them) -> re-joined."""
    return pd.Series(
        [",".join(map(str, v)) if isinstance(v, tuple) else ("" if v is None else str(v)) for v in values],
        dtype=object,
    )


@dataclass(frozen=True, eq=False)
class ClinVarKnowledge:
    """ClinVar pathogenic/likely pathogenic missense records indexed for PS1/PM5.

    Build with :meth:`from_vcf` (a ClinVar VCF, optionally VEP-annotated) or :meth:`from_records`.
    Protein keys come from HGVS p. (an annotated VCF); without it, codon keys come from the exon
    table (residue only: PM5 can fire, PS1 needs the amino acid and cannot).
    """

    records: pd.DataFrame  # gene, residue, ref_aa, alt_aa, key (chrom-pos-ref-alt), stars, source
    version: str
    min_stars: int

    @classmethod
    def from_records(
        cls, records: pd.DataFrame, *, version: str = "custom", min_stars: int = 2
    ) -> ClinVarKnowledge:
        """From a DataFrame with columns gene, residue, ref_aa, alt_aa, key, stars."""
        need = {"gene", "residue", "ref_aa", "alt_aa", "key", "stars"}
        if not need <= set(records.columns):
            raise InputError(f"ClinVar records need columns {sorted(need)}; got {sorted(records.columns)}")
        r = records[records["stars"].astype(int) >= min_stars].copy()
        r["residue"] = r["residue"].astype(np.int64)
        return cls(r.reset_index(drop=True), version, min_stars)

    @classmethod
    def from_vcf(cls, path: str, *, min_stars: int = 2, build: str | None = None) -> ClinVarKnowledge:
        """Read a ClinVar VCF (``CLNSIG``, ``CLNREVSTAT``, ``GENEINFO``, ``MC``; CSQ optional).

        Records count when the primary CLNSIG is Pathogenic, Likely_pathogenic or
        Pathogenic/Likely_pathogenic, the review status gives at least ``min_stars`` stars and the
        consequence is missense.
        """
        from ..io import read_vcf

        t = read_vcf(path, build=build)
        need = ("variant_info_CLNSIG", "variant_info_CLNREVSTAT")
        if any(c not in t for c in need):
            raise KnowledgeBaseError(f"{path}: not a ClinVar VCF (needs INFO CLNSIG and CLNREVSTAT)")
        sig = _info_text(t["variant_info_CLNSIG"]).str.split(r"[|,]").str[0]
        stat = _info_text(t["variant_info_CLNREVSTAT"])
        stars = stat.map(_STARS).fillna(0).astype(int).to_numpy()
        if "variant_info_GENEINFO" in t:
            gene = pd.Series(t["variant_info_GENEINFO"], dtype=object).astype(str).str.split(":").str[0]
        else:
            gene = pd.Series(t.decode("variant_gene"), dtype=object)
        if "variant_hgvsp" in t:
            gene = gene.where(gene.notna() & (gene != "None"), pd.Series(t.decode("variant_gene")))
        mc = (
            _info_text(t["variant_info_MC"])
            if "variant_info_MC" in t
            else pd.Series([""] * len(t), dtype=object)
        )
        missense = mc.str.contains("missense_variant").to_numpy().copy()
        if "variant_consequence" in t:
            missense |= (
                pd.Series(t.decode("variant_consequence"), dtype=object).eq("missense_variant").to_numpy()
            )
        chrom = normalise_chrom(t.decode("variant_contig"))
        pos = t["variant_position"]
        key = (
            pd.Series(chrom)
            + "-"
            + pd.Series(pos).astype(str)
            + "-"
            + pd.Series(t["variant_ref"]).astype(str)
            + "-"
            + pd.Series(t["variant_alt"]).astype(str)
        )
        if "variant_hgvsp" in t:
            ref_aa, residue, alt_aa = protein_change(t["variant_hgvsp"])
            source = np.where(residue > 0, "hgvsp", "")
        else:
            ref_aa = np.full(len(t), "", dtype=object)
            alt_aa = np.full(len(t), "", dtype=object)
            residue = np.zeros(len(t), dtype=np.int64)
            source = np.full(len(t), "", dtype=object)
        need_codon = (residue == 0) & missense
        if need_codon.any() and t.meta.genome_build in ("GRCh38", "GRCh37"):
            loc = load_exons(t.meta.genome_build).locate(gene.to_numpy(dtype=object), chrom, pos)
            codon = np.where(loc.in_cds, (loc.cpos - 1) // 3 + 1, 0)
            fill = need_codon & (codon > 0)
            residue = np.where(fill, codon, residue)
            source = np.where(fill, "codon", source)
        keep = sig.isin(_PATHOGENIC).to_numpy() & missense & (residue > 0)
        df = pd.DataFrame(
            {
                "gene": gene.to_numpy(dtype=object),
                "residue": residue,
                "ref_aa": ref_aa,
                "alt_aa": alt_aa,
                "key": key.to_numpy(dtype=object),
                "stars": stars,
                "source": source,
            }
        )[keep]
        date = next((v for k, v in t.meta.provenance.items() if k == "fileDate"), None)
        version = f"ClinVar VCF {path.rsplit('/', 1)[-1]}" + (f" ({date})" if date else "")
        return cls.from_records(df, version=version, min_stars=min_stars)
