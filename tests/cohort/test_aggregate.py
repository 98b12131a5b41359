"""Cohort tables, within-cohort allele counts, and the self-contained HTML summary."""

from __future__ import annotations

import re

import pandas as pd

from gmsvar.cohort.aggregate import allele_counts, annotate_with_counts, cohort_html

EVIL = '<script>alert("x")</script>'


def _variants() -> pd.DataFrame:
    rows = []
    for i in range(10):
        rows.append({"sample": f"S{i}", "variant_contig": "chr3", "variant_position": 100,
                     "variant_ref": "A", "variant_alt": "G", "zygosity": "het",
                     "popfreq_max": None, "gene": "MLH1", "classification": "Pathogenic"})
        if i < 4:
            rows.append({"sample": f"S{i}", "variant_contig": "chr2", "variant_position": 50,
                         "variant_ref": "C", "variant_alt": "T", "zygosity": "hom",
                         "popfreq_max": 0.3, "gene": "MSH2", "classification": "Benign"})
    rows.append({"sample": "S0", "variant_contig": "chr10", "variant_position": 7,
                 "variant_ref": "C", "variant_alt": "T", "zygosity": "hemi",
                 "popfreq_max": None, "gene": "X", "classification": "Uncertain significance"})
    return pd.DataFrame(rows)


def test_allele_counts__flags_rare_recurrent_not_common() -> None:
    ac = allele_counts(_variants(), n_samples=20)
    assert ac["variant_contig"].tolist() == ["chr2", "chr3", "chr10"]  # genome order
    by = ac.set_index("variant_contig")
    assert by.loc["chr3", "n_carriers"] == 10 and by.loc["chr3", "allele_count"] == 10
    assert by.loc["chr2", "allele_count"] == 8 and by.loc["chr2", "n_hom"] == 4
    assert by.loc["chr10", "allele_count"] == 1 and by.loc["chr10", "n_hemi"] == 1
    assert by.loc["chr3", "cohort_af"] == 10 / 40
    assert bool(by.loc["chr3", "artefact_suspect"])  # rare in population, half the cohort
    assert bool(by.loc["chr2", "frequent_in_cohort"]) and not by.loc["chr2", "artefact_suspect"]
    assert not by.loc["chr10", "frequent_in_cohort"]  # 1 carrier < min_carriers
    strict = allele_counts(_variants(), n_samples=20, frequent_fraction=0.6)
    assert not strict["frequent_in_cohort"].any()


def test_annotate_with_counts() -> None:
    v = _variants()
    out = annotate_with_counts(v, allele_counts(v, n_samples=20))
    assert len(out) == len(v) and out["cohort_carriers"].tolist()[0] == 10
    empty = annotate_with_counts(v.iloc[:0], allele_counts(v, n_samples=20))
    assert "cohort_carriers" in empty.columns and empty.empty


def test_cohort_html__self_contained_and_escaped() -> None:
    v = _variants()
    v.loc[0, "sample"] = EVIL
    counts = allele_counts(v, n_samples=20)
    findings = pd.DataFrame({"sample": [EVIL], "gene": ["MLH1"], "recommendation": ["x" * 5000]})
    samples = pd.DataFrame({"sample": [EVIL, "S1"], "status": ["ok", "error"]})
    errors = pd.DataFrame({"sample": ["S1"], "path": ["/a/<b>.vcf"], "error_type": ["VcfFormatError"],
                           "message": ['bad "quote" & <tag>']})
    qc = pd.DataFrame({"sample": [EVIL], "mean_depth": [30.0], "het_hom_ratio": [1.5]})
    text = cohort_html({"samples": samples, "qc": qc, "findings": findings, "variants": v,
                        "allele_counts": counts, "errors": errors},
                       {"test": "R210", "panel": {"name": "Lynch <b>", "id": 503, "version": "1.13"},
                        "thresholds": {"frequent_fraction": 0.05}})
    assert "<script" not in text and EVIL not in text
    assert "&lt;script&gt;" in text and "&lt;tag&gt;" in text and "Lynch &lt;b&gt;" in text
    assert not re.search(r"""(src|href)\s*=\s*['"]?(https?:)?//""", text)  # no external resources
    assert "<link" not in text and text.count("<svg") >= 3
    assert "more characters]" in text  # the 5000-character value is truncated
