"""Column specifications: the names, dtypes, shapes and missing codes every module shares.

The reader produces these columns; filters, classifiers and reports consume them.
Generic INFO fields become ``variant_info_<ID>`` and requested FORMAT fields
``call_format_<ID>``, typed from the header (never guessed):

============  ==================  ============================
VCF Type      numpy dtype         missing
============  ==================  ============================
Integer       int32               :data:`gmsvar.table.INT_MISSING`
Float         float32             NaN
Flag          bool                False
String/Char   object (str)        None
============  ==================  ============================

``Number=1``/``A`` give one value per allele row; ``Number=R`` gives ``(n, 2)``
(REF, this ALT); ``Number=G`` is subset to this allele's genotypes; other fixed
``Number=N`` give ``(n, N)``; ``Number=.`` gives an object array of tuples.

Examples
--------
>>> from gmsvar.schema import COLUMNS
>>> COLUMNS["call_genotype"].dims
('variants', 'samples', 'ploidy')
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["COLUMNS", "POPFREQ_STATUS", "VAF_SOURCES", "ColumnSpec"]


@dataclass(frozen=True)
class ColumnSpec:
    """Name, dtype, dimensions, missing code and meaning of one standard column."""

    name: str
    dtype: str
    dims: tuple[str, ...]
    missing: str
    doc: str


_SPECS = [
    ColumnSpec("variant_contig", "int32", ("variants",), "-",
               "Contig code; labels in categories['variant_contig'] (file's own naming)."),
    ColumnSpec("variant_position", "int64", ("variants",), "-", "1-based POS."),
    ColumnSpec("variant_id", "object", ("variants",), "None", "ID column (None for '.')."),
    ColumnSpec("variant_ref", "object", ("variants",), "-", "REF allele."),
    ColumnSpec("variant_alt", "object", ("variants",), "-",
               "The single ALT allele of this row (multiallelic sites are split)."),
    ColumnSpec("variant_allele_index", "int16", ("variants",), "-",
               "1-based index of this ALT in the original record (bcftools norm -m-any split)."),
    ColumnSpec("variant_n_alleles", "int16", ("variants",), "-",
               "Number of alleles (REF + ALTs) in the original record."),
    ColumnSpec("variant_qual", "float32", ("variants",), "NaN", "QUAL."),
    ColumnSpec("variant_filter", "bool", ("variants", "filters"), "-",
               "FILTER indicator matrix; labels in categories['variant_filter']."),
    ColumnSpec("variant_filter_pass", "bool", ("variants",), "-",
               "True when FILTER is PASS. '.' (not filtered) is False; see variant_filter_missing."),
    ColumnSpec("variant_filter_missing", "bool", ("variants",), "-", "True when FILTER is '.'."),
    ColumnSpec("call_genotype", "int8", ("variants", "samples", "ploidy"), "-1 (-2 = padding)",
               "Allele per haplotype, recoded per allele row: 1 = this ALT, 0 = REF or another ALT."),
    ColumnSpec("call_genotype_phased", "bool", ("variants", "samples"), "-", "GT written with '|'."),
    ColumnSpec("call_depth", "int32", ("variants", "samples"), "-1",
               "Read depth: FORMAT/DP, else sum of allele depths (source in provenance)."),
    ColumnSpec("call_genotype_quality", "int32", ("variants", "samples"), "-1", "FORMAT/GQ."),
    ColumnSpec("call_allele_depth", "int32", ("variants", "samples", "alleles"), "-1",
               "(REF, this ALT) read counts from AD or the caller's own fields."),
    ColumnSpec("call_vaf", "float32", ("variants", "samples"), "NaN",
               "Fraction of reads supporting this ALT, over all reads at the site."),
    ColumnSpec("call_vaf_source", "int8", ("variants", "samples"), "-1",
               "Which source gave call_vaf for this call (labels in categories: AD, AO/RO, "
               "strelka2, VD, AF, VAF, FREQ); order of preference in meta.provenance."),
    ColumnSpec("sample_id", "object", ("samples",), "-", "Sample names."),
    # annotation-derived (present when the file carries CSQ/ANN/BCSQ)
    ColumnSpec("variant_gene", "int32", ("variants",), "-1",
               "Gene symbol of the chosen transcript; labels in categories."),
    ColumnSpec("variant_transcript", "object", ("variants",), "None", "Chosen transcript id."),
    ColumnSpec("variant_transcript_choice", "int32", ("variants",), "-1",
               "How the transcript was chosen: mane_select, canonical, most_severe, ..."),
    ColumnSpec("variant_consequence", "int32", ("variants",), "-1",
               "Most severe SO term of the chosen transcript; labels in categories."),
    ColumnSpec("variant_worst_consequence", "int32", ("variants",), "-1",
               "Most severe SO term over all transcripts."),
    ColumnSpec("variant_consequence_rank", "int16", ("variants",), "-1",
               "SO severity rank of variant_consequence (1 = most severe)."),
    ColumnSpec("variant_impact", "int32", ("variants",), "-1", "HIGH/MODERATE/LOW/MODIFIER."),
    ColumnSpec("variant_hgvsc", "object", ("variants",), "None", "HGVS c. of chosen transcript."),
    ColumnSpec("variant_hgvsp", "object", ("variants",), "None", "HGVS p. of chosen transcript."),
    ColumnSpec("variant_exon", "object", ("variants",), "None", "Exon 'n/total'."),
    ColumnSpec("variant_intron", "object", ("variants",), "None", "Intron 'n/total'."),
    ColumnSpec("annotation_variant", "int64", ("annotations",), "-",
               "Row index of the variant each per-transcript annotation belongs to."),
    # population frequency
    ColumnSpec("variant_popfreq_af", "float64", ("variants",), "NaN",
               "Global population AF; 0.0 when annotated but absent from the database."),
    ColumnSpec("variant_popfreq_max", "float64", ("variants",), "NaN",
               "Highest ancestry-group AF (grpmax/popmax/faf95 or max over groups)."),
    ColumnSpec("variant_popfreq_status", "int8", ("variants",), "-",
               "0 not annotated (unknown), 1 annotated but absent from the database, 2 present."),
]

#: Standard columns by name.
COLUMNS: dict[str, ColumnSpec] = {s.name: s for s in _SPECS}

#: Codes of ``variant_popfreq_status``.
POPFREQ_STATUS = {"not_annotated": 0, "absent": 1, "present": 2}

#: Recognised sources of allele depths / VAF, in order of preference (per call, the first
#: source with a value wins; see :func:`gmsvar.io.buffer.plan_depth_vaf`).
VAF_SOURCES = ("AD", "AO/RO", "strelka2", "VD", "AF", "VAF", "FREQ")
