"""Convert the ClinVar development split into a VEP-style CSQ VCF plus a separate truth table.

Input: ``/work/shared/data/clinvar/dev_split/clinvar_{pathogenic,benign}_odd_chromosomes.vcf.gz``
(ClinVar 2020-08-03, GRCh38, odd chromosomes + X/Y/MT; see ``shared/data/PROVENANCE.md`` §5).

Output (``benchmarks/data/classification/``, git-ignored):

``clinvar_dev_split.vcf.gz`` (+ ``.tbi``)
    One sites-only VCF with the pathogenic and benign records merged and sorted (so the file
    name or order cannot give the label away). INFO holds only a VEP-style ``CSQ``; the ID
    column is ``.`` (no ClinVar VariationID). No CLNSIG/CLNREVSTAT/CLNDN or any other ClinVar
    field reaches this file.
``clinvar_dev_split.truth.tsv``
    The labels, keyed by ``key`` = ``CHROM-POS-REF-ALT`` exactly as written in the VCF.
``clinvar_dev_split.summary.json``
    Counts (read, kept, dropped per reason), input checksums, converter version, mapping tables.

How each CSQ sub-field is derived (``Format: Allele|Consequence|IMPACT|SYMBOL|Gene|Feature_type|
Feature|BIOTYPE|EXON|INTRON|HGVSc|HGVSp|MAX_AF|ALLELE_NUM|VARIANT_CLASS|SYMBOL_SOURCE|HGVSg|
Existing_variation``):

* one CSQ entry per distinct VEP consequence term derived from ``MC`` (ClinVar lists the
  molecular consequences over its RefSeq transcripts without saying which transcript has which,
  so each term stands for "some transcript"); a record without ``MC`` gets a single entry with an
  empty ``Consequence`` (gene and ``MAX_AF`` only). ``MC`` SO terms are mapped to VEP terms with
  :data:`MC_TO_VEP` (e.g. ``nonsense`` -> ``stop_gained``, ClinVar's misspelt
  ``initiatior_codon_variant`` -> ``start_lost``, ``inframe_indel`` -> ``inframe_deletion`` /
  ``inframe_insertion`` / ``protein_altering_variant`` by the length change, as VEP does).
  No MANE/CANONICAL flag is set (not known), so gmsvar picks the most severe entry.
* ``IMPACT`` from gmsvar's SO severity table for that term.
* ``SYMBOL`` / ``Gene``: the first ``GENEINFO`` gene (symbol / NCBI Gene ID, as VEP writes in
  RefSeq mode; ``SYMBOL_SOURCE=EntrezGene``). Further genes (antisense, LOC, read-through
  loci) are not written because ``MC`` does not say which consequence belongs to which gene;
  they are kept in the truth table (``genes_all``).
* ``MAX_AF``: ``AF_EXAC`` (ExAC global AF; ``--af-source max`` writes the largest of
  ``AF_EXAC``, ``AF_ESP``, ``AF_TGP`` instead). Empty when ClinVar has no value, which
  gmsvar reads as "annotated, absent from the database" exactly like a VEP ``MAX_AF`` miss.
* ``ALLELE_NUM=1`` (records are biallelic), ``Allele`` as VEP trims it, ``Feature_type=Transcript``,
  ``VARIANT_CLASS`` from REF/ALT, ``HGVSg`` = ``CLNHGVS``, ``Existing_variation`` = ``rs`` + ``RS``.
* Empty (ClinVar does not provide them): ``Feature``, ``BIOTYPE``, ``EXON``, ``INTRON``,
  ``HGVSc``, ``HGVSp``.

Truth filter:

* label from the primary ``CLNSIG`` term (before ``,_`` / ``|``): ``Pathogenic``,
  ``Likely_pathogenic``, ``Pathogenic/Likely_pathogenic`` -> ``P/LP``; ``Benign``,
  ``Likely_benign``, ``Benign/Likely_benign`` -> ``B/LB``; anything else (VUS, conflicting,
  risk factor, drug response as the primary term, ...) is dropped;
* review status >= 2 stars (:data:`STARS`): ``practice_guideline`` (4),
  ``reviewed_by_expert_panel`` (3), ``criteria_provided,_multiple_submitters,_no_conflicts`` (2);
  everything else (``criteria_provided,_single_submitter``,
  ``criteria_provided,_conflicting_interpretations``, ``no_assertion_*`` ...) is dropped;
* conflicting records are dropped: ``CLNSIGCONF`` present, a primary term of
  ``Conflicting_interpretations_of_pathogenicity``, or the same CHROM-POS-REF-ALT labelled
  P/LP in one record and B/LB in another (exact duplicates with the same label keep one);
* ALT ``.`` (``no_sequence_alteration``: the reference allele itself) is not a variant: dropped;
* ``ORIGIN`` = 2 (somatic only) is dropped (none in the 2020-08-03 split).

Run::

    .venv/bin/python benchmarks/classification/clinvar_to_vcf.py            # ~5 s
    .venv/bin/python benchmarks/classification/clinvar_to_vcf.py --af-source max
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import os
import sys
import tempfile
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pysam

REPO = Path(__file__).resolve().parents[2]
SHARED = Path("/work/shared/data/clinvar/dev_split")
DEFAULT_INPUTS = (
    SHARED / "clinvar_pathogenic_odd_chromosomes.vcf.gz",
    SHARED / "clinvar_benign_odd_chromosomes.vcf.gz",
)
OUT_DIR = REPO / "benchmarks" / "data" / "classification"
BASENAME = "clinvar_dev_split"

#: Bump when the output changes for the same input (evaluate.py re-converts when it differs).
CONVERTER_VERSION = "2"

CSQ_FIELDS = (
    "Allele", "Consequence", "IMPACT", "SYMBOL", "Gene", "Feature_type", "Feature", "BIOTYPE",
    "EXON", "INTRON", "HGVSc", "HGVSp", "MAX_AF", "ALLELE_NUM", "VARIANT_CLASS", "SYMBOL_SOURCE",
    "HGVSg", "Existing_variation",
)

#: ClinVar CLNREVSTAT -> review stars (DOMAIN.md §2.8; ClinVar's public star map).
STARS: dict[str, int] = {
    "practice_guideline": 4,
    "reviewed_by_expert_panel": 3,
    "criteria_provided,_multiple_submitters,_no_conflicts": 2,
    "criteria_provided,_single_submitter": 1,
    "criteria_provided,_conflicting_interpretations": 1,
    "criteria_provided,_conflicting_classifications": 1,
    "no_assertion_criteria_provided": 0,
    "no_assertion_provided": 0,
    "no_classification_provided": 0,
    "no_interpretation_for_the_single_variant": 0,
    "no_classification_for_the_single_variant": 0,
    "no_classifications_from_unflagged_records": 0,
}

#: Primary CLNSIG term -> (truth group, truth class).
TRUTH: dict[str, tuple[str, str]] = {
    "Pathogenic": ("P/LP", "Pathogenic"),
    "Likely_pathogenic": ("P/LP", "Likely pathogenic"),
    "Pathogenic/Likely_pathogenic": ("P/LP", "Pathogenic/Likely pathogenic"),
    "Benign": ("B/LB", "Benign"),
    "Likely_benign": ("B/LB", "Likely benign"),
    "Benign/Likely_benign": ("B/LB", "Benign/Likely benign"),
}
CONFLICTING = frozenset({
    "Conflicting_interpretations_of_pathogenicity", "Conflicting_classifications_of_pathogenicity",
})

#: ClinVar MC SO id -> VEP consequence term. ``"<inframe>"``: decided by the length change;
#: ``None``: not a consequence VEP would write for an ALT allele (the term is left out).
MC_TO_VEP: dict[str, str | None] = {
    "SO:0001583": "missense_variant",
    "SO:0001587": "stop_gained",                    # ClinVar "nonsense"
    "SO:0001589": "frameshift_variant",
    "SO:0001574": "splice_acceptor_variant",        # ClinVar: intron +-1/2 (canonical)
    "SO:0001575": "splice_donor_variant",
    "SO:0001819": "synonymous_variant",
    "SO:0001627": "intron_variant",
    "SO:0001619": "non_coding_transcript_variant",  # ClinVar "non-coding_transcript_variant"
    "SO:0001623": "5_prime_UTR_variant",
    "SO:0001624": "3_prime_UTR_variant",
    "SO:0001822": "inframe_deletion",
    "SO:0001821": "inframe_insertion",
    "SO:0001820": "<inframe>",                      # inframe_indel: VEP has no such term
    "SO:0001582": "start_lost",                     # ClinVar "initiatior_codon_variant"
    "SO:0002012": "start_lost",
    "SO:0001578": "stop_lost",
    "SO:0002153": "upstream_gene_variant",          # genic_upstream_transcript_variant
    "SO:0002152": "downstream_gene_variant",        # genic_downstream_transcript_variant
    "SO:0001631": "upstream_gene_variant",
    "SO:0001632": "downstream_gene_variant",
    "SO:0001630": "splice_region_variant",
    "SO:0001626": "incomplete_terminal_codon_variant",
    "SO:0001567": "stop_retained_variant",
    "SO:0002073": None,                             # no_sequence_alteration (ALT '.')
}

# GRCh38 primary contig lengths (gmsvar/data/assemblies.tsv; MT = rCRS 16569), so gmsvar
# recognises the build from the ##contig lines. Order = output sort order.
_CONTIGS: tuple[tuple[str, int], ...] = (
    ("1", 248956422), ("2", 242193529), ("3", 198295559), ("4", 190214555), ("5", 181538259),
    ("6", 170805979), ("7", 159345973), ("8", 145138636), ("9", 138394717), ("10", 133797422),
    ("11", 135086622), ("12", 133275309), ("13", 114364328), ("14", 107043718),
    ("15", 101991189), ("16", 90338345), ("17", 83257441), ("18", 80373285), ("19", 58617616),
    ("20", 64444167), ("21", 46709983), ("22", 50818468), ("X", 156040895), ("Y", 57227415),
    ("MT", 16569),
)
_ORDER = {c: i for i, (c, _) in enumerate(_CONTIGS)}

TRUTH_COLUMNS = (
    "key", "contig", "position", "ref", "alt", "truth", "truth_class", "clnsig", "review_status",
    "stars", "variation_id", "allele_id", "clnvc", "mc", "consequences", "gene", "genes_all",
    "af_exac", "af_esp", "af_tgp", "max_af", "origin", "source",
)


class ConversionError(ValueError):
    """A ClinVar record the converter cannot represent honestly (e.g. an unknown MC term)."""


@dataclass(frozen=True)
class Record:
    """One converted ClinVar record: the VCF line's fields and its truth row."""

    contig: str
    position: int
    ref: str
    alt: str
    csq: str
    truth: dict[str, str]

    @property
    def key(self) -> str:
        return f"{self.contig}-{self.position}-{self.ref}-{self.alt}"

    def sort_key(self) -> tuple[int, int, str, str]:
        return (_ORDER.get(self.contig, len(_ORDER)), self.position, self.ref, self.alt)


# -- parsing helpers (pure) -------------------------------------------------------------------
def parse_info(text: str) -> dict[str, str]:
    """INFO column -> {key: value} (flags map to ``""``).

    >>> parse_info("CLNSIG=Benign;GENEINFO=A:1;DB")
    {'CLNSIG': 'Benign', 'GENEINFO': 'A:1', 'DB': ''}
    """
    out: dict[str, str] = {}
    if text in ("", "."):
        return out
    for item in text.split(";"):
        k, _, v = item.partition("=")
        out[k] = v
    return out


def review_stars(revstat: str) -> int:
    """Review stars of a CLNREVSTAT value; unknown values raise (never guessed).

    >>> review_stars("reviewed_by_expert_panel")
    3
    """
    try:
        return STARS[revstat]
    except KeyError:
        raise ConversionError(f"unknown CLNREVSTAT {revstat!r}; add it to STARS") from None


def primary_significance(clnsig: str) -> str:
    """The primary CLNSIG term (before ``,_`` secondary terms or ``|``).

    >>> primary_significance("Pathogenic/Likely_pathogenic,_risk_factor")
    'Pathogenic/Likely_pathogenic'
    """
    return clnsig.split("|")[0].split(",_")[0]


def vep_allele(ref: str, alt: str) -> str:
    """VEP's ``Allele`` string for a biallelic record (first shared base trimmed from indels).

    >>> vep_allele("C", "T"), vep_allele("CT", "C"), vep_allele("C", "CAG"), vep_allele("AC", "GT")
    ('T', '-', 'AG', 'GT')
    """
    if len(ref) != len(alt) and ref[0] == alt[0]:
        return alt[1:] or "-"
    return alt


def variant_class(ref: str, alt: str) -> str:
    """VEP ``VARIANT_CLASS`` (SO term) from REF/ALT.

    >>> [variant_class(*a) for a in [("C", "T"), ("AC", "GT"), ("C", "CA"), ("CA", "C"), ("CA", "GTT")]]
    ['SNV', 'substitution', 'insertion', 'deletion', 'indel']
    """
    if len(ref) == len(alt):
        return "SNV" if len(ref) == 1 else "substitution"
    if len(alt) > len(ref) and alt.startswith(ref):
        return "insertion"
    if len(ref) > len(alt) and ref.startswith(alt):
        return "deletion"
    return "indel"


def map_consequences(mc: str, ref: str, alt: str) -> list[str]:
    """VEP terms for a ClinVar ``MC`` value, most severe first, de-duplicated.

    >>> map_consequences("SO:0001583|missense_variant,SO:0001623|5_prime_UTR_variant", "A", "G")
    ['missense_variant', '5_prime_UTR_variant']
    >>> map_consequences("SO:0001820|inframe_indel", "ACGTA", "T")
    ['inframe_deletion']
    """
    from gmsvar.io.annotations import load_so_table

    so = load_so_table()
    terms: list[str] = []
    for item in mc.split(","):
        if not item:
            continue
        so_id = item.partition("|")[0]
        if so_id not in MC_TO_VEP:
            raise ConversionError(f"unknown MC term {item!r}; add its VEP equivalent to MC_TO_VEP")
        term = MC_TO_VEP[so_id]
        if term == "<inframe>":
            d = len(alt) - len(ref)
            term = "inframe_insertion" if d > 0 else "inframe_deletion" if d < 0 else \
                "protein_altering_variant"
        if term is not None and term not in terms:
            terms.append(term)

    def rank(t: str) -> int:
        hit = so.describe("CSQ", t)
        if hit is None:
            raise ConversionError(f"VEP term {t!r} is not in gmsvar's SO table")
        return hit[1]

    return sorted(terms, key=rank)


def csq_value(
    ref: str, alt: str, terms: Sequence[str], *, symbol: str, gene_id: str, max_af: str,
    hgvsg: str, existing: str,
) -> str:
    """The CSQ INFO value (entries joined by ``,``; VCF-reserved characters escaped)."""
    from gmsvar.io.annotations import load_so_table

    so = load_so_table()
    common = {
        "Allele": vep_allele(ref, alt), "SYMBOL": symbol, "Gene": gene_id,
        "Feature_type": "Transcript" if terms else "", "MAX_AF": max_af, "ALLELE_NUM": "1",
        "VARIANT_CLASS": variant_class(ref, alt), "SYMBOL_SOURCE": "EntrezGene" if symbol else "",
        "HGVSg": hgvsg, "Existing_variation": existing,
    }
    entries = []
    for term in terms or [""]:
        hit = so.describe("CSQ", term) if term else None
        vals = dict(common, Consequence=term, IMPACT=hit[2] if hit else "")
        entries.append("|".join(_escape(vals.get(f, "")) for f in CSQ_FIELDS))
    return ",".join(entries)


def _escape(v: str) -> str:
    # VEP URL-encodes ; = , and spaces inside sub-field values; '|' cannot occur in our values
    return v.replace("%", "%25").replace(";", "%3B").replace("=", "%3D").replace(",", "%2C") \
        .replace(" ", "%20")


def _float_or_none(v: str | None) -> float | None:
    if v is None or v in ("", "."):
        return None
    return float(v)


# -- conversion -------------------------------------------------------------------------------
def iter_records(path: Path, *, max_records: int | None = None) -> Iterator[tuple[str, ...]]:
    """Data lines of a (b)gzipped or plain VCF as tab-split tuples."""
    opener = gzip.open if path.suffix == ".gz" else open
    n = 0
    with opener(path, "rt", encoding="utf-8") as fh:
        for line in fh:
            if line.startswith("#"):
                continue
            if max_records is not None and n >= max_records:
                return
            n += 1
            yield tuple(line.rstrip("\n").split("\t"))


def convert_record(
    fields: Sequence[str], *, source: str, af_source: str, min_stars: int
) -> Record | str:
    """One ClinVar data line -> :class:`Record`, or the reason it is dropped (a short string)."""
    chrom, pos, vid, ref, alt = fields[0], fields[1], fields[2], fields[3], fields[4]
    info = parse_info(fields[7])
    if alt in (".", "*", "") or alt.startswith("<"):
        return "alt_not_a_variant"
    clnsig = info.get("CLNSIG", "")
    prim = primary_significance(clnsig)
    if "CLNSIGCONF" in info or prim in CONFLICTING:
        return "conflicting"
    if prim not in TRUTH:
        return "clnsig_not_plp_or_blb"
    revstat = info.get("CLNREVSTAT", "")
    stars = review_stars(revstat)
    if stars < min_stars:
        return f"review_below_{min_stars}_stars"
    if info.get("ORIGIN") == "2":
        return "somatic_only"
    genes = [g.partition(":") for g in info.get("GENEINFO", "").split("|") if g]
    symbol, gene_id = (genes[0][0], genes[0][2]) if genes else ("", "")
    terms = map_consequences(info.get("MC", ""), ref, alt)
    afs = {k: info.get(k) for k in ("AF_EXAC", "AF_ESP", "AF_TGP")}
    if af_source == "exac":
        max_af = afs["AF_EXAC"] or ""
    elif af_source == "max":
        present = [(float(v), v) for v in afs.values() if v not in (None, "", ".")]
        max_af = max(present)[1] if present else ""
    else:
        raise ValueError(f"af_source must be 'exac' or 'max', not {af_source!r}")
    rs = info.get("RS", "")
    existing = "&".join(f"rs{r}" for r in rs.split("|") if r) if rs else ""
    group, klass = TRUTH[prim]
    csq = csq_value(ref, alt, terms, symbol=symbol, gene_id=gene_id, max_af=max_af,
                    hgvsg=info.get("CLNHGVS", "").replace("%3D", "="), existing=existing)
    truth = {
        "contig": chrom, "position": pos, "ref": ref, "alt": alt, "truth": group,
        "truth_class": klass, "clnsig": clnsig, "review_status": revstat, "stars": str(stars),
        "variation_id": vid, "allele_id": info.get("ALLELEID", ""), "clnvc": info.get("CLNVC", ""),
        "mc": info.get("MC", ""), "consequences": "&".join(terms), "gene": symbol,
        "genes_all": "|".join(g[0] for g in genes), "af_exac": afs["AF_EXAC"] or "",
        "af_esp": afs["AF_ESP"] or "", "af_tgp": afs["AF_TGP"] or "", "max_af": max_af,
        "origin": info.get("ORIGIN", ""), "source": source,
    }
    return Record(chrom, int(pos), ref, alt, csq, truth)


def header_lines(inputs: Sequence[Path], af_source: str) -> list[str]:
    fmt = "|".join(CSQ_FIELDS)
    maxaf = ("ClinVar AF_EXAC (ExAC global AF)" if af_source == "exac"
             else "max(ClinVar AF_EXAC, AF_ESP, AF_TGP) (global AFs of ExAC, GO-ESP, 1000 Genomes)")
    lines = [
        "##fileformat=VCFv4.2",
        "##reference=GRCh38",
        "##source=gmsvar benchmarks/classification/clinvar_to_vcf.py "
        f"v{CONVERTER_VERSION} from ClinVar 2020-08-03 dev split "
        f"({', '.join(p.name for p in inputs)}); truth labels are NOT in this file",
        *(f"##contig=<ID={c},length={n}>" for c, n in _CONTIGS),
        '##INFO=<ID=CSQ,Number=.,Type=String,Description="Consequence annotations from Ensembl VEP. '
        f'Format: {fmt}">',
        f"##gmsvar_benchmark_csq=<Consequence=\"VEP terms mapped from ClinVar MC, one entry per "
        f"distinct term, transcript unknown\",MAX_AF=\"{maxaf}\",EXON_INTRON_HGVS=\"empty: not in "
        f"ClinVar VCF\",Gene=\"NCBI Gene ID of the first GENEINFO gene\">",
        "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO",
    ]
    return lines


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def output_paths(out_dir: Path, af_source: str = "exac") -> dict[str, Path]:
    """Where :func:`convert` writes for this ``af_source``."""
    base = BASENAME if af_source == "exac" else f"{BASENAME}_{af_source}af"
    return {
        "vcf": out_dir / f"{base}.vcf.gz",
        "tbi": out_dir / f"{base}.vcf.gz.tbi",
        "truth": out_dir / f"{base}.truth.tsv",
        "summary": out_dir / f"{base}.summary.json",
    }


def convert(
    inputs: Sequence[Path] = DEFAULT_INPUTS,
    out_dir: Path = OUT_DIR,
    *,
    af_source: str = "exac",
    min_stars: int = 2,
    max_records: int | None = None,
) -> dict[str, Any]:
    """Convert ClinVar VCFs to one CSQ VCF + truth TSV + summary JSON; return the summary.

    ``max_records`` takes only the first N data lines of each input (for tests).
    """
    inputs = [Path(p) for p in inputs]
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = output_paths(out_dir, af_source)
    dropped: Counter[str] = Counter()
    per_input: dict[str, dict[str, int]] = {}
    by_key: dict[str, Record] = {}
    conflicted: set[str] = set()
    n_read = 0
    for path in inputs:
        source = _source_name(path)
        seen = kept = 0
        for fields in iter_records(path, max_records=max_records):
            seen += 1
            rec = convert_record(fields, source=source, af_source=af_source, min_stars=min_stars)
            if isinstance(rec, str):
                dropped[rec] += 1
                continue
            prev = by_key.get(rec.key)
            if prev is not None:
                if prev.truth["truth"] != rec.truth["truth"]:
                    conflicted.add(rec.key)
                dropped["duplicate_key"] += 1
                continue
            by_key[rec.key] = rec
            kept += 1
        per_input[str(path)] = {"records": seen, "accepted": kept}
        n_read += seen
    for key in conflicted:
        del by_key[key]
    # a conflicted key loses both records (the second was counted as duplicate_key above)
    dropped["conflicting_labels_same_allele"] += 2 * len(conflicted)
    dropped["duplicate_key"] -= len(conflicted)
    records = sorted(by_key.values(), key=Record.sort_key)

    _write_vcf(paths["vcf"], header_lines(inputs, af_source), records)
    _atomic_text(paths["truth"], _truth_tsv(records))
    counts = Counter(r.truth["truth"] for r in records)
    summary: dict[str, Any] = {
        "converter": "benchmarks/classification/clinvar_to_vcf.py",
        "converter_version": CONVERTER_VERSION,
        "converter_sha256": sha256(Path(__file__)),
        "af_source": af_source,
        "min_stars": min_stars,
        "max_records": max_records,
        "clinvar_release": "2020-08-03 (GRCh38), VusPrize benchmark files, odd chromosomes + X/Y/MT",
        "inputs": {str(p): {"sha256": sha256(p), **per_input[str(p)]} for p in inputs},
        "records_read": n_read,
        "records_written": len(records),
        "truth_counts": dict(sorted(counts.items())),
        "dropped": dict(sorted((k, v) for k, v in dropped.items() if v)),
        "stars_accepted": {k: v for k, v in STARS.items() if v >= min_stars},
        "truth_terms": {k: v[0] for k, v in TRUTH.items()},
        "mc_to_vep": MC_TO_VEP,
        "csq_fields": list(CSQ_FIELDS),
        "outputs": {k: str(v) for k, v in paths.items()},
        "vcf_sha256": sha256(paths["vcf"]),
    }
    _atomic_text(paths["summary"], json.dumps(summary, indent=2) + "\n")
    return summary


def _source_name(path: Path) -> str:
    name = path.name
    return "pathogenic" if "pathogenic" in name else "benign" if "benign" in name else name


def _truth_tsv(records: Iterable[Record]) -> str:
    rows = ["\t".join(TRUTH_COLUMNS)]
    for r in records:
        row = dict(r.truth, key=r.key)
        rows.append("\t".join(row[c] for c in TRUTH_COLUMNS))
    return "\n".join(rows) + "\n"


def _umask_mode() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


def _atomic_text(path: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.chmod(tmp, _umask_mode())  # mkstemp creates 0600
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _write_vcf(path: Path, header: list[str], records: Sequence[Record]) -> None:
    """Plain text -> bgzip + tabix (pysam.tabix_index) under a temporary name, then rename."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".vcf")
    tmp_gz = tmp + ".gz"
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write("\n".join(header) + "\n")
            for r in records:
                fh.write(f"{r.contig}\t{r.position}\t.\t{r.ref}\t{r.alt}\t.\t.\tCSQ={r.csq}\n")
        out = pysam.tabix_index(tmp, preset="vcf", force=True, keep_original=False)
        assert out == tmp_gz, out
        for p in (tmp_gz, tmp_gz + ".tbi"):
            os.chmod(p, _umask_mode())
        os.replace(tmp_gz + ".tbi", str(path) + ".tbi")
        os.replace(tmp_gz, path)
    finally:
        for p in (tmp, tmp_gz, tmp_gz + ".tbi"):
            Path(p).unlink(missing_ok=True)


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("inputs", nargs="*", type=Path, default=list(DEFAULT_INPUTS),
                    help="ClinVar VCFs (default: the shared dev split, pathogenic + benign)")
    ap.add_argument("--out-dir", type=Path, default=OUT_DIR)
    ap.add_argument("--af-source", choices=("exac", "max"), default="exac",
                    help="MAX_AF from AF_EXAC (default) or max(AF_EXAC, AF_ESP, AF_TGP)")
    ap.add_argument("--min-stars", type=int, default=2)
    ap.add_argument("--max-records", type=int, default=None, help="first N records per input")
    args = ap.parse_args(argv)
    summary = convert(args.inputs, args.out_dir, af_source=args.af_source,
                      min_stars=args.min_stars, max_records=args.max_records)
    print(json.dumps({k: summary[k] for k in ("records_read", "records_written", "truth_counts",
                                              "dropped", "outputs")}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
