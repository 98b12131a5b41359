"""The :class:`Interpretation` result object and its writers.

:func:`gmsvar.interpret` returns an :class:`Interpretation`: the per-allele ``variants``
table, the actionable ``findings``, per-sample ``qc`` and the ``provenance`` of every input,
rule set and threshold used. Every writer is a method, writes atomically (temporary file in
the target directory, ``fsync``, :func:`os.replace`) and carries the provenance.

Examples
--------
>>> import pandas as pd
>>> from gmsvar.report import Interpretation
>>> variants = pd.DataFrame({
...     "sample": ["S1"], "variant_contig": ["3"], "variant_position": [37053568],
...     "variant_id": [None], "variant_ref": ["C"], "variant_alt": ["T"], "gene": ["MLH1"],
...     "hgvsc": ["c.1852_1853delinsTT"], "hgvsp": ["p.(Lys618Phe)"], "genotype": ["0/1"],
...     "zygosity": ["het"], "depth": [61], "vaf": [0.49], "classification": ["Pathogenic"],
...     "points": [10], "criteria": ["PS3,PM2_Supporting,PP1_Strong"], "actionable": [True]})
>>> findings = pd.DataFrame({"sample": ["S1"], "gene": ["MLH1"], "hgvsc": ["c.1852_1853delinsTT"],
...     "category": ["lynch"], "tier": ["germline P/LP"], "recommendation": ["Refer to clinical genetics"]})
>>> qc = pd.DataFrame({"sample": ["S1"], "mean_depth": [58.0]})
>>> r = Interpretation(variants=variants, findings=findings, qc=qc,
...     provenance={"gmsvar_version": "0.1.0", "test": {"code": "R210"}, "build": "GRCh37",
...                 "mode": "germline", "samples": ["S1"]})
>>> r.samples
('S1',)
>>> print(r.summary())
gmsvar 0.1.0 | test R210 | GRCh37 | germline
1 sample, 1 variant row, 1 finding
  S1: 1 variant (P 1), 1 finding, mean depth 58.0
    - MLH1 c.1852_1853delinsTT: lynch, germline P/LP - Refer to clinical genetics
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import pandas as pd

from ..errors import InputError
from . import fhir as _fhir
from . import html as _html
from . import vcf_out as _vcf
from . import writers as _w

__all__ = [
    "FINDING_COLUMNS",
    "PROVENANCE_KEYS",
    "QC_COLUMNS",
    "VARIANT_COLUMNS",
    "Interpretation",
]

#: Columns of :attr:`Interpretation.variants` (contract C), in this order.
VARIANT_COLUMNS: tuple[str, ...] = (
    "sample", "variant_contig", "variant_position", "variant_id", "variant_ref", "variant_alt", "gene",
    "transcript", "hgvsc", "hgvsp", "consequence", "genotype", "zygosity", "depth", "alt_reads", "vaf",
    "popfreq_max", "classification", "points", "acmg2015_class", "criteria", "evidence", "flags",
    "actionable", "filter",
)
#: Columns of :attr:`Interpretation.findings` (contract B, at least these).
FINDING_COLUMNS: tuple[str, ...] = (
    "sample", "gene", "variant_contig", "variant_position", "variant_ref", "variant_alt", "hgvsc", "hgvsp",
    "biomarker", "category", "context", "recommendation", "evidence_level", "tier", "escat", "zygosity",
    "vaf", "depth", "alt_reads", "classification", "flags", "kb_name", "kb_version", "variant_index",
)
#: Columns of :attr:`Interpretation.qc` (contract C, plus any extra).
QC_COLUMNS: tuple[str, ...] = (
    "sample", "n_records", "n_alleles_carried", "n_pass", "n_in_panel", "mean_depth", "median_depth",
    "median_vaf_het", "missing_gt_rate", "het_hom_ratio", "build", "panel_genes", "panel_genes_with_calls",
)
#: Keys of :attr:`Interpretation.provenance` (contract C).
PROVENANCE_KEYS: tuple[str, ...] = (
    "gmsvar_version", "input", "test", "panel", "mode", "build", "spec", "knowledge_bases", "thresholds",
    "created", "samples",
)
# What the writers cannot do without (everything else is optional and shown as missing).
_REQUIRED = {
    "variants": ("sample", "variant_contig", "variant_position", "variant_ref", "variant_alt"),
    "findings": ("sample",),
    "qc": ("sample",),
}
_DEFAULT_COLUMNS = {"variants": VARIANT_COLUMNS, "findings": FINDING_COLUMNS, "qc": QC_COLUMNS}
_CLASS_ABBREV = {"Pathogenic": "P", "Likely pathogenic": "LP", "Uncertain significance": "VUS",
                 "Likely benign": "LB", "Benign": "B", "Not classified": "NC"}
_TERMINAL_UNSAFE = str.maketrans({c: "?" for c in [*range(0x00, 0x20), *range(0x7F, 0xA0)]})

TableName = Literal["variants", "findings", "qc"]


def _plain(v: Any, limit: int = 80) -> str:
    """Terminal-safe text: control characters (ANSI escapes) replaced, length bounded."""
    s = str(v).translate(_TERMINAL_UNSAFE)
    return s if len(s) <= limit else s[: limit - 3] + "..."


def _present(v: Any) -> bool:
    return not _html._missing(v) and str(v) != ""


@dataclass(eq=False)
class Interpretation:
    """Result of :func:`gmsvar.interpret`: tables, provenance and writers.

    Attributes
    ----------
    variants
        One row per sample x ALT allele the sample carries (:data:`VARIANT_COLUMNS`):
        locus, transcript annotation, genotype/zygosity, depth, alt reads, VAF, population
        frequency, ACGS class and points, ACMG 2015 class, criteria, evidence, flags,
        ``actionable`` (bool) and FILTER.
    findings
        Actionable findings, one row per finding per sample (contract B; has ``sample``).
    qc
        One row per sample (:data:`QC_COLUMNS` plus any extra).
    provenance
        gmsvar version, input path/sha256/size, test, panel, mode, build, classification
        spec, knowledge-base versions, thresholds, creation time (ISO-8601 UTC), samples.
    source
        Path of the input VCF (needed by :meth:`to_vcf`).
    histograms
        Optional ``{sample: {"vaf": [...], "depth": [...]}}`` over all called variants,
        for the HTML plots (default: the values in ``variants``).
    """

    variants: pd.DataFrame
    findings: pd.DataFrame
    qc: pd.DataFrame
    provenance: dict[str, Any] = field(default_factory=dict)
    source: str | None = None
    histograms: dict[str, dict[str, list[float]]] | None = None

    def __post_init__(self) -> None:
        for name in ("variants", "findings", "qc"):
            df = getattr(self, name)
            if not isinstance(df, pd.DataFrame):
                raise InputError(f"Interpretation.{name} must be a pandas DataFrame, not {type(df).__name__}")
            if df.shape == (0, 0):  # "nothing" given as a bare DataFrame(): give it the contract columns
                setattr(self, name, pd.DataFrame(columns=list(_DEFAULT_COLUMNS[name])))
                continue
            missing = [c for c in _REQUIRED[name] if c not in df.columns]
            if missing:
                raise InputError(f"Interpretation.{name} lacks column(s) {missing}; "
                                 f"contract columns: {list(_DEFAULT_COLUMNS[name])}")
        if not isinstance(self.provenance, Mapping):
            kind = type(self.provenance).__name__
            raise InputError(f"Interpretation.provenance must be a dict, not {kind}")
        self.provenance = dict(self.provenance)
        if self.source is not None:
            self.source = os.fspath(self.source)

    def __repr__(self) -> str:
        return (f"Interpretation(samples={list(self.samples)!r}, variants={len(self.variants)} rows, "
                f"findings={len(self.findings)} rows, source={self.source!r})")

    # -----------------------------------------------------------------------------------------

    @property
    def samples(self) -> tuple[str, ...]:
        """Samples in report order: ``provenance["samples"]``, else as first seen in the tables."""
        listed = self.provenance.get("samples")
        if isinstance(listed, list | tuple) and listed:
            return tuple(str(s) for s in listed)
        seen: dict[str, None] = {}
        for df in (self.qc, self.variants, self.findings):
            if "sample" in df.columns:
                seen.update(dict.fromkeys(str(s) for s in df["sample"].dropna()))
        return tuple(seen)

    def _table(self, table: str) -> pd.DataFrame:
        if table not in _DEFAULT_COLUMNS:
            raise InputError(f"table must be 'variants', 'findings' or 'qc', not {table!r}")
        df: pd.DataFrame = getattr(self, table)
        return df

    # ------------------------------------------------------------------------------- writers

    def to_tsv(self, path: str | os.PathLike[str], *, table: TableName = "variants") -> Path:
        """Write one table as TSV with ``##gmsvar_provenance=<JSON>`` header lines; atomic.

        Read back with :func:`gmsvar.report.writers.read_tsv`.
        """
        return _w.write_tsv(self._table(table), path, provenance=self.provenance, table=table)

    def to_json(self, path: str | os.PathLike[str]) -> Path:
        """Write ``{"format", "provenance", "qc", "findings", "variants", "dtypes"}``; atomic.

        Read back with :meth:`from_json`.
        """
        return _w.write_json(path, provenance=self.provenance, qc=self.qc, findings=self.findings,
                             variants=self.variants)

    def to_parquet(self, path: str | os.PathLike[str], *, table: TableName = "variants") -> Path:
        """Write one table as Parquet, provenance in the schema metadata; atomic.

        Read back with :func:`gmsvar.report.writers.read_parquet`.
        """
        return _w.write_parquet(self._table(table), path, provenance=self.provenance, table=table)

    def to_vcf(
        self,
        path: str | os.PathLike[str],
        *,
        all_records: bool = False,
        index: Literal["auto", "tbi", "csi"] = "auto",
    ) -> Path:
        """Write the source VCF with GMSVAR_* INFO fields, bgzipped and indexed; atomic.

        See :func:`gmsvar.report.vcf_out.write_annotated_vcf`.
        """
        if self.source is None:
            raise InputError("to_vcf needs the input VCF, and Interpretation.source is None; "
                             "set source= to the VCF the interpretation was made from")
        return _vcf.write_annotated_vcf(self.source, path, self.variants, self.provenance,
                                        all_records=all_records, index=index)

    def to_html(
        self,
        path: str | os.PathLike[str],
        *,
        sample: str | None = None,
        max_chars: int = _html.MAX_CELL_CHARS,
        max_rows: int = _html.MAX_VARIANT_ROWS,
    ) -> list[Path]:
        """Write self-contained offline HTML reports (one per sample); each atomic.

        One sample (or ``sample=``) and a ``path`` ending ``.html``: that file. Otherwise
        ``path`` is a directory of ``<safe sample name>.html`` files (sample names sanitised:
        no path separators or ``..``, bounded length, collisions disambiguated). Returns the
        files written. See :func:`gmsvar.report.html.write_html`.
        """
        return _html.write_html(self, path, sample=sample, max_chars=max_chars, max_rows=max_rows)

    def to_fhir(
        self,
        path: str | os.PathLike[str],
        *,
        validate: bool | None = None,
        subjects: Mapping[str, str] | None = None,
        include: Literal["reportable", "all"] = "reportable",
    ) -> Path:
        """Write an HL7 FHIR R4 Genomics Reporting ``Bundle`` (JSON); atomic.

        By default only reportable variants (P/LP/VUS, actionable, or with a finding) become
        Observations; ``include="all"`` writes one per variant row.

        See :func:`gmsvar.report.fhir.write_fhir`.
        """
        return _fhir.write_fhir(self, path, validate=validate, subjects=subjects, include=include)

    @classmethod
    def from_json(cls, path: str | os.PathLike[str]) -> Interpretation:
        """Read a file written by :meth:`to_json` (``source`` from the provenance's input path)."""
        doc = _w.read_json(path)
        prov = doc["provenance"]
        inp = prov.get("input") if isinstance(prov, dict) else None
        source = inp.get("path") if isinstance(inp, dict) else None
        return cls(variants=doc["variants"], findings=doc["findings"], qc=doc["qc"], provenance=prov,
                   source=source)

    # ------------------------------------------------------------------------------- summary

    def summary(self, *, max_findings: int = 5) -> str:
        """A few lines for a terminal: what was run, and per sample the classes and findings.

        Values are made terminal-safe (control characters replaced, long strings cut).
        """
        p = self.provenance
        test = p.get("test") if isinstance(p.get("test"), Mapping) else {}
        panel = p.get("panel") if isinstance(p.get("panel"), Mapping) else {}
        head = [f"gmsvar {_plain(p.get('gmsvar_version', '?'), 30)}"]
        if test:
            head.append(" ".join(_plain(x, 60) for x in ("test", test.get("code"), test.get("name")) if x))
        if panel:
            name = _plain(panel.get("name", panel.get("id")), 60)
            head.append(f"panel {name} v{_plain(panel.get('version'), 20)}")
        head += [_plain(p[k], 30) for k in ("build", "mode") if p.get(k)]
        lines = [" | ".join(head)]
        inp = p.get("input") if isinstance(p.get("input"), Mapping) else {}
        if inp:
            digest = str(inp.get("sha256") or "")[:12]
            lines.append(f"input: {_plain(inp.get('path'), 100)}"
                         + (f" (sha256 {digest}...)" if digest else ""))
        samples = self.samples
        v, f = self.variants, self.findings
        lines.append(f"{len(samples)} sample{'s' if len(samples) != 1 else ''}, "
                     f"{len(v)} variant row{'s' if len(v) != 1 else ''}, "
                     f"{len(f)} finding{'s' if len(f) != 1 else ''}")
        qc = self.qc.set_index(self.qc["sample"].astype(str)) if len(self.qc) else None
        for s in samples:
            vs = v[v["sample"].astype(str) == s]
            fs = f[f["sample"].astype(str) == s] if "sample" in f.columns else f.iloc[:0]
            parts = []
            if "somatic_tier" in vs.columns and len(vs):
                counts = vs["somatic_tier"].replace("", "not tiered").value_counts()
                parts = [f"tier {_plain(c, 12)} {int(n)}" if c != "not tiered" else f"not tiered {int(n)}"
                         for c, n in sorted(counts.items(), key=lambda kv: str(kv[0]))]
            elif "classification" in vs.columns and len(vs):
                counts = vs["classification"].value_counts()
                parts = [f"{_CLASS_ABBREV.get(str(c), _plain(c, 20))} {int(n)}"
                         for c, n in sorted(counts.items(), key=lambda kv: list(_CLASS_ABBREV).index(kv[0])
                                            if kv[0] in _CLASS_ABBREV else 99)]
            line = (f"  {_plain(s, 60)}: {len(vs)} variant{'s' if len(vs) != 1 else ''}"
                    + (f" ({', '.join(parts)})" if parts else "")
                    + f", {len(fs)} finding{'s' if len(fs) != 1 else ''}")
            if qc is not None and s in qc.index and "mean_depth" in qc.columns:
                md = qc.loc[[s], "mean_depth"].iloc[0]
                if _present(md):
                    line += f", mean depth {float(md):.1f}"
            lines.append(line)
            for row in fs.head(max_findings).to_dict("records"):
                hgvs = [_plain(row[k], 60) for k in ("hgvsc", "hgvsp") if k in row and _present(row[k])]
                gene = [_plain(row["gene"], 30)] if _present(row.get("gene")) else []
                what = " ".join([*gene, *hgvs])
                if _present(row.get("biomarker")) and not hgvs:
                    biomarker = _plain(row["biomarker"], 60)
                    what = f"{what} ({biomarker})" if what else biomarker
                what = what or "finding"
                cat = ", ".join(_plain(row[k], 40) for k in ("category", "tier")
                                if k in row and _present(row[k]))
                rec = _plain(row["recommendation"], 100) if _present(row.get("recommendation")) else ""
                lines.append(f"    - {what}" + (f": {cat}" if cat else "") + (f" - {rec}" if rec else ""))
            if len(fs) > max_findings:
                lines.append(f"    ... and {len(fs) - max_findings} more")
        return "\n".join(lines)
