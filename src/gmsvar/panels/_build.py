"""Regenerate gmsvar's test-directory and panel-snapshot data files from the shared data drop.

Run from a source checkout::

    python -m gmsvar.panels._build --shared-data /work/shared/data

It writes, deterministically (same inputs -> byte-identical outputs):

* ``src/gmsvar/data/test_directory.tsv`` - one row per test code, both directories;
* ``src/gmsvar/data/test_directory.meta.json`` - editions, source checksums, symbol fixes;
* ``src/gmsvar/data/test_directory_gene_coordinates.tsv`` - GRCh37/38 spans of every gene
  named in a directory gene list (for gene-list pseudo-panels);
* ``src/gmsvar/data/panels/panelapp_index.tsv`` - metadata of all panels in the recorded
  PanelApp list pages (id, version, test codes, types);
* ``src/gmsvar/data/panels/panel_<id>_v<version>.json`` - offline snapshots;
* a copy of the snapshots and the index in the top-level ``panels/`` directory.

Inputs (see ``shared/data/PROVENANCE.md`` sections 1, 2 and 4) are the DERIVED CSV exports
of the official test-directory workbooks, the recorded PanelApp API responses, the
PanelAppRex combined gene table, the PanelApp gene-coordinate table, the MANE Select UTR
BEDs and the reduced HGNC table. Nothing here touches the network.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import hashlib
import io
import json
import re
import sys
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

# Editions of the two directories (the workbooks' own titles).
RARE_EDITION = "Rare and inherited disease v5.1 (June 2023)"
CANCER_EDITION = "Cancer 2021/22 (October 2021, marked DRAFT in the workbook)"
PANELAPP_SNAPSHOT = "PanelApp (Genomics England) API v1 responses captured Jan-Feb 2026"

_TD = "test_directory"
_PA = "panelapp/genomicsengland_api_v1_snapshot_2026"
_RARE_CSV = f"{_TD}/rare_disease_v5.1__R_ID_indications.csv"
_CANCER_SHEETS = (
    "Solid_Tumours_Adult", "Neurological_tumours", "Sarcomas", "Haematological_Tumours",
    "Paediatric",
)
_COMBINED = "panelapp/PanelAppRex_PanelAppData_combined_core.tsv.gz"
_COORDS = "genes/panelapp_gene_coordinates_grch37_grch38.tsv"
_MANE = "genes/mane_select_transcripts_gencode.tsv"
_MANE_UTR = "genes/mane_select_{kind}.{build}.bed.gz"
_HGNC = "genes/scout_ensembl_biomart_reduced/hgnc_reduced_set.txt.gz"

#: Panels whose snapshots must ship (test code -> panel id), per issue 3.
REQUIRED_PANELS = {"R210": 503, "R208": 635, "R134": 772, "R127": 76, "R135": 749,
                   "R138": 841, "R211": 504}
#: Other detail JSONs tagged with a directory code ship too if at most this big.
SMALL_PANEL_BYTES = 30_000
#: Cancer clinical indications shipped as gene-list pseudo-panel snapshots.
PSEUDO_PANELS = ("M4",)

# Explicit corrections of symbols as written in the workbooks. Each is either a typo (checked
# by eye against the test name or the neighbouring cells) or a previous HGNC symbol whose
# current symbol is certain; anything else that is not a known symbol is left unresolved and
# reported in the row's notes. Keys are upper-case.
SYMBOL_FIXES: dict[str, tuple[str, str]] = {
    "ELM4": ("EML4", "typo"),
    "DICR1": ("DICER1", "typo"),
    "PAD16": ("PADI6", "typo, digit 1 for letter I"),
    "FRX1": ("FXR1", "typo"),
    "NF1A": ("NFIA", "typo, digit 1 for letter I"),
    "NTRK": ("NTRK3", "truncated in the workbook: 'NTRK1, NTRK2, NTRK'"),
    "ETV": ("ETV6", "truncated in the workbook: 'NTRK3-ETV'"),
    "NPM": ("NPM1", "truncated in the workbook: 'ALK-NPM'"),
    "MLL-PTD": ("KMT2A", "MLL partial tandem duplication; MLL is now KMT2A"),
    "API2": ("BIRC3", "previous symbol"),
    "GTL2": ("MEG3", "previous symbol"),
    "TCEB-1": ("ELOC", "previous symbol TCEB1"),
    "TCEB1": ("ELOC", "previous symbol"),
    "C11ORF95": ("ZFTA", "previous symbol C11orf95"),
    "FAM46C": ("TENT5C", "previous symbol"),
    "MGEA5": ("OGA", "previous symbol"),
    "FAM73A": ("MIGA1", "previous symbol"),
    "GNAS1": ("GNAS", "previous symbol"),
    "TCL1": ("TCL1A", "previous symbol"),
    "MKL1": ("MRTFA", "previous symbol"),
    "H3F3A": ("H3-3A", "previous symbol"),
    "H3F3B": ("H3-3B", "previous symbol"),
    "HIST1H3B": ("H3C2", "previous symbol"),
    "HIST1H3C": ("H3C3", "previous symbol"),
    "TAZ": ("TAFAZZIN", "previous symbol"),
    "GBA": ("GBA1", "previous symbol"),
    "HFE2": ("HJV", "previous symbol"),
}
# Tokens naming two genes at once.
MULTI_FIXES: dict[str, tuple[tuple[str, ...], str]] = {
    "TSC1/2": (("TSC1", "TSC2"), "read as TSC1 and TSC2"),
    "BRCA1/2": (("BRCA1", "BRCA2"), "read as BRCA1 and BRCA2"),
}
# Variant-level targets: the gene is recorded, but the target is not a whole gene.
QUALIFIED_FIXES: dict[str, tuple[str, str]] = {
    "EGFRVIII": ("EGFR", "EGFRvIII (exons 2-7 deletion)"),
    "EGRVIII": ("EGFR", "EGRvIII, typo for EGFRvIII (exons 2-7 deletion)"),
}
# Method spellings in the rare-disease workbook that are typos of a canonical method.
METHOD_FIXES = {
    "wes or large penel": "WES or Large Panel",
    "single gene sequencing <=10 amplicons": "Single gene sequencing <10 amplicons",
    "single gene testing (<10 amplicons)": "Single gene sequencing <10 amplicons",
}

_PANEL_TARGET = re.compile(r"^(?P<name>.*\S)\s*\((?P<id>\d+)\)\s*(?P<suffix>\S.*)?$")
_SPLIT = re.compile(r"\s*(?:[;,&]|\band\b)\s*", re.IGNORECASE)
_LABEL = re.compile(r"^(?:to include:?|e\.g\.|[A-Za-z ]+ cancer:)\s*", re.IGNORECASE)
_FUSION = re.compile(r"^([A-Za-z0-9]+)\s*-\s*([A-Za-z0-9]+)$")
# Karyotype notation such as t(9;22)(q34;q11) or inv(16)(p13.1q22); its ";" is not a separator.
_CYTOGENETIC = re.compile(r"\b(?:t|inv|del|der|ider|idic|i)\([^()]*\)(?:\([^()]*\))*")
_CODE = re.compile(r"^[RM]\d+(?:\.\d+)?$")


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _clean(text: Any) -> str:
    if text is None or (isinstance(text, float) and text != text):
        return ""
    return re.sub(r"\s+", " ", str(text).replace("\xa0", " ")).strip()


# -- symbols -----------------------------------------------------------------------------------
@dataclass
class SymbolBook:
    """Known HGNC symbols and how to map workbook spellings onto them."""

    current: set[str]
    by_upper: dict[str, str]
    previous: dict[str, str]

    @classmethod
    def load(cls, shared: Path) -> SymbolBook:
        current: set[str] = set()
        with open(shared / _MANE) as fh:
            for row in csv.reader(fh, delimiter="\t"):
                if row and not row[0].startswith("#"):
                    current.add(row[0])
        coords = pd.read_csv(shared / _COORDS, sep="\t", dtype=str)
        current.update(coords["symbol"].dropna())
        combined = pd.read_csv(shared / _COMBINED, sep="\t", dtype=str)
        current.update(combined["Gene"].dropna())
        previous: dict[str, set[str]] = defaultdict(set)
        with gzip.open(shared / _HGNC, "rt") as fh:
            for rec in csv.DictReader(fh, delimiter="\t"):
                current.add(rec["symbol"])
                for prev in rec["prev_symbol"].strip('"').split("|"):
                    if prev:
                        previous[prev].add(rec["symbol"])
        by_upper: dict[str, str] = {}
        for s in current:
            by_upper.setdefault(s.upper(), s)
        prev_unique = {
            p: next(iter(c)) for p, c in previous.items() if len(c) == 1 and p not in current
        }
        return cls(current, by_upper, prev_unique)

    def resolve(self, token: str) -> tuple[tuple[str, ...], str | None] | None:
        """Symbols for one token and a note if it was corrected; ``None`` if unknown."""
        t = token.strip()
        up = t.upper()
        if up in MULTI_FIXES:
            genes, why = MULTI_FIXES[up]
            return genes, f"{t} -> {', '.join(genes)} ({why})"
        if up in SYMBOL_FIXES:
            new, why = SYMBOL_FIXES[up]
            return (new,), f"{t} -> {new} ({why})"
        if t in self.current:
            return (t,), None
        # Case slips such as 'RUNX1t1'; words like 'Trio' are not symbols (TRIO is).
        if sum(ch.islower() for ch in t) <= 1 and up in self.by_upper:
            new = self.by_upper[up]
            return (new,), f"{t} -> {new} (letter case)"
        if t in self.previous:
            new = self.previous[t]
            return (new,), f"{t} -> {new} (previous HGNC symbol)"
        return None


@dataclass
class ParsedTarget:
    target_type: str
    genes: list[str] = field(default_factory=list)
    fusions: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


@dataclass
class _Unit:
    genes: list[str]
    fusions: list[str]
    notes: list[str]


def _resolve_unit(tok: str, book: SymbolBook) -> _Unit | None:
    """A gene symbol (or two, e.g. 'TSC1/2') or a fusion 'A-B' of two symbols."""
    hit = book.resolve(tok)
    if hit is not None:
        return _Unit(list(hit[0]), [], [hit[1]] if hit[1] else [])
    m = _FUSION.match(tok)
    if m:
        left, right = book.resolve(m.group(1)), book.resolve(m.group(2))
        if left is not None and right is not None and len(left[0]) == len(right[0]) == 1:
            a, b = left[0][0], right[0][0]
            notes = [n for n in (left[1], right[1]) if n]
            fusion = f"{a}-{b}"
            if fusion != tok and not notes:
                notes.append(f"{tok} -> {fusion}")
            return _Unit([a, b], [fusion], notes)
    return None


def parse_gene_list(text: str, book: SymbolBook) -> ParsedTarget:
    """Split a Target/Genes cell into normalised symbols and fusions.

    ``target_type`` is ``genes`` when every token is a gene symbol or a fusion of two,
    else ``other`` (the symbols that were recognised are still listed, and each token
    that is not a plain symbol is named in the notes).
    """
    genes: list[str] = []
    fusions: list[str] = []
    notes: list[str] = []
    plain: list[str] = []  # tokens that are exactly one symbol, to spot repeats
    unresolved: list[str] = []
    clean = True
    stripped = _CYTOGENETIC.sub(" ", text)
    if stripped != text:
        notes.append("cytogenetic notation not parsed")
        clean = False
    tokens = [_LABEL.sub("", p.strip(" ()")).strip(" ()") for p in _SPLIT.split(stripped)]
    tokens = [t for t in tokens if t]
    if not tokens:
        return ParsedTarget("other", notes=notes)
    for tok in tokens:
        unit = _resolve_unit(tok, book)
        if unit is None and tok.upper() in QUALIFIED_FIXES:
            gene, why = QUALIFIED_FIXES[tok.upper()]
            unit = _Unit([gene], [], [f"qualified target: {why}"])
            clean = False
        for sep, why in (("/", "split at '/'"), (" ", "missing separator")):
            if unit is not None or sep not in tok:
                continue
            parts = [_resolve_unit(p.strip(), book) for p in tok.split(sep) if p.strip()]
            if parts and all(p is not None for p in parts):
                unit = _Unit([g for p in parts if p for g in p.genes],
                             [f for p in parts if p for f in p.fusions],
                             [n for p in parts if p for n in p.notes] + [f"{tok!r}: {why}"])
        if unit is None and " " in tok:
            head = _resolve_unit(tok.split()[0], book)
            if head is not None:
                unit = _Unit(head.genes, [], [*head.notes, f"qualified target: {tok!r}"])
                clean = False
        if unit is None:
            unresolved.append(tok)
            clean = False
            continue
        genes.extend(unit.genes)
        fusions.extend(unit.fusions)
        notes.extend(unit.notes)
        if len(unit.genes) == 1 and not unit.fusions:
            plain.extend(unit.genes)
    if unresolved:
        shown = ", ".join(repr(t) for t in unresolved[:5])
        more = f" (+{len(unresolved) - 5} more)" if len(unresolved) > 5 else ""
        notes.append(f"not gene symbols: {shown}{more}")
    uniq = list(dict.fromkeys(genes))
    dups = sorted({g for g in plain if plain.count(g) > 1})
    if dups:
        notes.append(f"listed more than once: {', '.join(dups)}")
    return ParsedTarget(
        "genes" if clean and uniq else "other", uniq, list(dict.fromkeys(fusions)),
        list(dict.fromkeys(notes)),
    )


# -- test directory ----------------------------------------------------------------------------
def _canonical_methods(values: Iterable[str]) -> dict[str, str]:
    """Map lower-cased method -> most frequent spelling (ties: alphabetical)."""
    counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for v in values:
        counts[v.lower()][v] += 1
    out = {}
    for low, spellings in counts.items():
        best = sorted(spellings.items(), key=lambda kv: (-kv[1], kv[0]))[0][0]
        # Prefer title-cased "Panel" when the workbook mixes "panel"/"Panel".
        out[low] = best[0].upper() + best[1:]
    for low, fixed in METHOD_FIXES.items():
        out[low] = fixed
    return out


def build_test_directory(shared: Path) -> tuple[pd.DataFrame, dict[str, Any]]:
    """The combined test directory and its metadata."""
    book = SymbolBook.load(shared)
    index = build_panelapp_index(shared)
    tagged: dict[str, list[int]] = defaultdict(list)
    for pid, codes in zip(index["panel_id"], index["test_codes"], strict=True):
        for c in filter(None, codes.split(";")):
            tagged[c].append(int(pid))
    panel_names = dict(zip(index["panel_id"].astype(int), index["name"], strict=True))

    rare = pd.read_csv(shared / _RARE_CSV, skiprows=1, dtype=str, keep_default_na=False)
    methods = _canonical_methods(_clean(m) for m in rare["Test Method"])
    rows: list[dict[str, Any]] = []
    for rec in rare.to_dict("records"):
        target = _clean(rec["Target/Genes"])
        method_raw = _clean(rec["Test Method"])
        row: dict[str, Any] = {
            "directory": "rare", "edition": RARE_EDITION,
            "ci_code": _clean(rec["Clinical indication ID"]),
            "ci_name": _clean(rec["Clinical Indication"]),
            "test_code": _clean(rec["Test ID"]), "test_name": "",
            "method": methods.get(method_raw.lower(), method_raw), "method_raw": method_raw,
            "scope": "",
            "commissioning_category": _clean(rec["Commissioning category"]),
            "specialist_test_group": _clean(rec["Specialist test group"]),
            "target": target,
        }
        m = _PANEL_TARGET.match(target)
        if m:
            pid = int(m.group("id"))
            notes = []
            if m.group("suffix"):
                notes.append(f"panel target qualified: {m.group('suffix')!r}")
            if pid not in panel_names:
                notes.append(f"panel {pid} is not in the 2026 PanelApp list pages")
            row.update(target_type="panel", panelapp_id=pid, panelapp_name=m.group("name"),
                       genes="", fusions="", notes=" | ".join(notes))
        else:
            parsed = parse_gene_list(target, book)
            row.update(target_type=parsed.target_type, panelapp_id=None, panelapp_name="",
                       genes=";".join(parsed.genes), fusions=";".join(parsed.fusions),
                       notes=" | ".join(parsed.notes))
        rows.append(row)

    for sheet in _CANCER_SHEETS:
        df = pd.read_csv(shared / f"{_TD}/cancer_2021-22__{sheet}.csv", dtype=str,
                         keep_default_na=False)
        df.columns = [c.strip() for c in df.columns]
        df[["CI Code", "Clinical Indication Name"]] = (
            df[["CI Code", "Clinical Indication Name"]].replace("", None).ffill()
        )
        for rec in df.to_dict("records"):
            target = _clean(rec["Target Gene(s)"])
            tech = _clean(rec["Technology"])
            parsed = parse_gene_list(target, book)
            rows.append({
                "directory": "cancer", "edition": CANCER_EDITION,
                "ci_code": _clean(rec["CI Code"]),
                "ci_name": _clean(rec["Clinical Indication Name"]),
                "test_code": _clean(rec["Test Code"]), "test_name": _clean(rec["Test Name"]),
                "method": tech, "method_raw": _clean(rec["Technology"]),
                "scope": _clean(rec["Test Scope"]),
                "commissioning_category": "", "specialist_test_group": sheet.replace("_", " "),
                "target": target, "target_type": parsed.target_type, "panelapp_id": None,
                "panelapp_name": "", "genes": ";".join(parsed.genes),
                "fusions": ";".join(parsed.fusions), "notes": " | ".join(parsed.notes),
            })

    out = pd.DataFrame(rows)
    out["panelapp_tagged"] = [
        ";".join(str(p) for p in sorted(set(tagged.get(t, []) + tagged.get(c, []))))
        for t, c in zip(out["test_code"], out["ci_code"], strict=True)
    ]
    out["panelapp_id"] = out["panelapp_id"].astype("Int64")
    # The edition is a property of the directory; the loader adds the column back.
    cols = ["directory", "ci_code", "ci_name", "test_code", "test_name", "method",
            "method_raw", "scope", "target", "target_type", "panelapp_id", "panelapp_name",
            "panelapp_tagged", "genes", "fusions", "notes", "commissioning_category",
            "specialist_test_group"]
    out = out[cols]
    # method_raw only where normalisation changed the workbook's spelling.
    out.loc[out["method_raw"] == out["method"], "method_raw"] = ""
    dup = out["test_code"][out["test_code"].duplicated()]
    if len(dup):
        raise SystemExit(f"duplicate test codes in the workbooks: {sorted(dup)}")
    bad = [c for c in out["test_code"] if not _CODE.match(c)]
    if bad:
        raise SystemExit(f"malformed test codes: {bad}")

    sources = [_RARE_CSV] + [f"{_TD}/cancer_2021-22__{s}.csv" for s in _CANCER_SHEETS]
    meta = {
        "editions": {
            "rare": {"edition": RARE_EDITION,
                     "workbook": "Rare-and-inherited-disease-national-genomic-test-directory-"
                                 "version-5.1.xlsx", "sheet": "R&ID indications"},
            "cancer": {"edition": CANCER_EDITION,
                       "workbook": "National-genomic-test-directory-cancer-October-2021-22.xlsx",
                       "sheets": [s.replace("_", " ") for s in _CANCER_SHEETS]},
        },
        "panelapp": PANELAPP_SNAPSHOT,
        "sources": {s: _sha256(shared / s) for s in [*sources, _HGNC, _MANE, _COORDS]},
        "symbol_fixes": {k: list(v) for k, v in sorted(SYMBOL_FIXES.items())},
        "method_fixes": dict(sorted(METHOD_FIXES.items())),
        "counts": {
            "tests": len(out),
            "clinical_indications": int(out["ci_code"].nunique()),
            "by_target_type": {k: int(v) for k, v in
                               sorted(out["target_type"].value_counts().items())},
        },
        "built_by": "python -m gmsvar.panels._build",
    }
    return out, meta


# -- gene coordinates --------------------------------------------------------------------------
def _mane_spans(shared: Path, build: str) -> dict[str, tuple[str, int, int, str]]:
    """MANE Select transcript span per symbol from the UTR BEDs (0-based -> 1-based)."""
    spans: dict[str, tuple[str, int, int, str]] = {}
    for kind in ("utr5", "utr3"):
        with gzip.open(shared / _MANE_UTR.format(kind=kind, build=build), "rt") as fh:
            for line in fh:
                if line.startswith("#"):
                    continue
                chrom, start, end, _loc, symbol, _refseq, enst, _strand = line.rstrip(
                    "\n").split("\t")[:8]
                c = chrom.removeprefix("chr")
                c = "MT" if c == "M" else c
                s, e = int(start) + 1, int(end)
                old = spans.get(symbol)
                if old is None:
                    spans[symbol] = (c, s, e, enst)
                elif old[0] == c:
                    spans[symbol] = (c, min(old[1], s), max(old[2], e), enst)
    return spans


def build_gene_coordinates(shared: Path, symbols: Iterable[str]) -> pd.DataFrame:
    """GRCh37/38 spans for ``symbols``: PanelApp (Ensembl 82/90) first, else MANE span."""
    coords = pd.read_csv(shared / _COORDS, sep="\t", dtype=str, keep_default_na=False)
    by_symbol = {r["symbol"]: r for r in coords.to_dict("records")}
    previous_of = {new: old.upper() for old, (new, _why) in SYMBOL_FIXES.items()}
    mane = {b: _mane_spans(shared, b) for b in ("GRCh37", "GRCh38")}
    rows = []
    for sym in sorted(set(symbols)):
        rec = by_symbol.get(sym) or by_symbol.get(previous_of.get(sym, ""))
        if rec and rec["grch38_chrom"] and rec["grch37_chrom"]:
            rows.append({
                "symbol": sym, "hgnc_id": rec["hgnc_id"],
                "grch37_chrom": rec["grch37_chrom"], "grch37_start": rec["grch37_start"],
                "grch37_end": rec["grch37_end"], "grch37_id": rec["grch37_ensembl_gene_id"],
                "grch38_chrom": rec["grch38_chrom"], "grch38_start": rec["grch38_start"],
                "grch38_end": rec["grch38_end"], "grch38_id": rec["grch38_ensembl_gene_id"],
                "source": "PanelApp ensembl_genes (Ensembl 82 / 90 gene span)",
            })
            continue
        m37, m38 = mane["GRCh37"].get(sym), mane["GRCh38"].get(sym)
        if m37 is None and m38 is None:
            continue
        rows.append({
            "symbol": sym, "hgnc_id": rec["hgnc_id"] if rec else "",
            "grch37_chrom": m37[0] if m37 else "", "grch37_start": m37[1] if m37 else "",
            "grch37_end": m37[2] if m37 else "", "grch37_id": m37[3] if m37 else "",
            "grch38_chrom": m38[0] if m38 else "", "grch38_start": m38[1] if m38 else "",
            "grch38_end": m38[2] if m38 else "", "grch38_id": m38[3] if m38 else "",
            "source": "MANE Select transcript span (GENCODE 50 UTR BEDs, ManeSelectBed)",
        })
    return pd.DataFrame(rows)


# -- PanelApp ----------------------------------------------------------------------------------
def _list_pages(shared: Path) -> list[tuple[str, dict[str, Any]]]:
    pages = sorted((shared / _PA / "list").glob("panels_page_*.json"),
                   key=lambda p: int(re.findall(r"\d+", p.name)[0]))
    out = []
    for p in pages:
        data = json.loads(p.read_text())
        for r in data["results"]:
            out.append((f"{_PA}/list/{p.name}", r))
    return out


def build_panelapp_index(shared: Path) -> pd.DataFrame:
    """Metadata of every panel in the recorded list pages."""
    rows = []
    for page, r in _list_pages(shared):
        disorders = [_clean(d) for d in r.get("relevant_disorders") or []]
        stats = r.get("stats") or {}
        rows.append({
            "panel_id": int(r["id"]), "name": _clean(r["name"]), "version": r["version"],
            "version_created": r.get("version_created") or "", "status": r.get("status") or "",
            "test_codes": ";".join(d for d in disorders if _CODE.match(d)),
            "relevant_disorders": " | ".join(d.replace("|", "/") for d in disorders),
            "types": ";".join(t["slug"] for t in r.get("types") or []),
            "n_genes": stats.get("number_of_genes", 0), "n_strs": stats.get("number_of_strs", 0),
            "n_regions": stats.get("number_of_regions", 0),
            "disease_group": _clean(r.get("disease_group")),
            "disease_sub_group": _clean(r.get("disease_sub_group")),
            "hash_id": r.get("hash_id") or "", "list_page": page,
        })
    return pd.DataFrame(rows).sort_values("panel_id", kind="stable").reset_index(drop=True)


def _list_record(shared: Path, panel_id: int) -> tuple[str, dict[str, Any]]:
    for page, r in _list_pages(shared):
        if int(r["id"]) == panel_id:
            return page, r
    raise SystemExit(f"panel {panel_id} not in the recorded list pages")


def _ensembl_genes(rec: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    src = str(rec.get("source", ""))
    release = {"GRch37": "82", "GRch38": "90"} if src.startswith("PanelApp") else {
        "GRch37": "MANE-GENCODE50", "GRch38": "MANE-GENCODE50"}
    for build, key in (("GRch37", "grch37"), ("GRch38", "grch38")):
        if rec.get(f"{key}_chrom"):
            out[build] = {release[build]: {
                "location": f"{rec[f'{key}_chrom']}:{rec[f'{key}_start']}-{rec[f'{key}_end']}",
                "ensembl_id": rec[f"{key}_id"],
            }}
    return out


def _gene_entity(symbol: str, coords: Mapping[str, Mapping[str, Any]], **extra: Any
                 ) -> dict[str, Any]:
    rec = coords.get(symbol, {})
    gene_data = {
        "gene_symbol": symbol, "hgnc_symbol": symbol, "hgnc_id": rec.get("hgnc_id") or None,
        "ensembl_genes": _ensembl_genes(rec) if rec else {},
        "gmsvar_coordinate_source": rec.get("source") if rec else None,
    }
    entity: dict[str, Any] = {
        "gene_data": gene_data, "entity_type": "gene", "entity_name": symbol,
        "confidence_level": "3", "penetrance": None, "mode_of_pathogenicity": None,
        "publications": [], "evidence": [], "phenotypes": [], "mode_of_inheritance": "",
        "tags": [], "transcript": None,
    }
    entity.update(extra)
    return entity


def _coords_lookup(table: pd.DataFrame) -> dict[str, dict[str, Any]]:
    return {str(r["symbol"]): {str(k): ("" if pd.isna(v) else v) for k, v in r.items()}
            for r in table.to_dict("records")}


def snapshot_name(panel_id: int | str, version: str) -> str:
    """``panel_503_v1.13.json``."""
    return f"panel_{panel_id}_v{version}.json"


def _wrap(provenance: dict[str, Any], panel: dict[str, Any]) -> dict[str, Any]:
    return {"gmsvar_snapshot": {"format": 1, **provenance}, "panel": panel}


def build_snapshots(shared: Path, td: pd.DataFrame, coords: pd.DataFrame
                    ) -> dict[str, dict[str, Any]]:
    """File name -> snapshot document."""
    index = build_panelapp_index(shared)
    detail_dir = shared / _PA / "panels"
    ids = set(REQUIRED_PANELS.values())
    for rec in index.to_dict("records"):
        path = detail_dir / f"panel_{rec['panel_id']}.json"
        if rec["test_codes"] and path.exists() and path.stat().st_size <= SMALL_PANEL_BYTES:
            ids.add(int(rec["panel_id"]))
    combined = pd.read_csv(shared / _COMBINED, sep="\t", dtype=str, keep_default_na=False)
    coords_by = _coords_lookup(coords)
    all_coords = _coords_lookup(build_gene_coordinates(shared, combined["Gene"]))
    out: dict[str, dict[str, Any]] = {}
    for pid in sorted(ids):
        page, summary = _list_record(shared, pid)
        path = detail_dir / f"panel_{pid}.json"
        if path.exists():
            rel = f"{_PA}/panels/{path.name}"
            panel = json.loads(path.read_text())
            prov = {
                "origin": "PanelApp API v1 detail response",
                "url": f"https://panelapp.genomicsengland.co.uk/api/v1/panels/{pid}/",
                "captured": PANELAPP_SNAPSHOT, "derived": False,
                "source_files": {rel: _sha256(path)},
            }
        else:
            panel, prov = _derived_panel(shared, pid, page, summary, combined, all_coords)
        if str(panel["version"]) != str(summary["version"]):
            raise SystemExit(f"panel {pid}: detail v{panel['version']} != list "
                             f"v{summary['version']}")
        out[snapshot_name(pid, panel["version"])] = _wrap(prov, panel)
    for ci in PSEUDO_PANELS:
        name, doc = _pseudo_panel(ci, td, coords_by)
        out[name] = doc
    return out


def _derived_panel(shared: Path, pid: int, page: str, summary: Mapping[str, Any],
                   combined: pd.DataFrame, coords: Mapping[str, Mapping[str, Any]]
                   ) -> tuple[dict[str, Any], dict[str, Any]]:
    rows = combined[combined["id"] == str(pid)]
    if rows.empty:
        raise SystemExit(f"panel {pid}: no detail JSON and no rows in the combined table")
    genes = []
    for r in rows.sort_values("Gene").to_dict("records"):
        moi = r["mode_of_inheritance"]
        genes.append(_gene_entity(
            r["Gene"], coords, confidence_level=str(r["confidence_level"]),
            mode_of_inheritance="" if moi == "NA" else moi,
        ))
    stats = summary.get("stats") or {}
    if stats.get("number_of_genes") != len(genes):
        raise SystemExit(f"panel {pid}: {len(genes)} genes in the combined table, list page "
                         f"says {stats.get('number_of_genes')}")
    panel = {k: summary[k] for k in ("id", "hash_id", "name", "disease_group",
                                     "disease_sub_group", "status", "version",
                                     "version_created", "relevant_disorders", "stats", "types")}
    panel.update(genes=genes, strs=[], regions=[])
    srcs = [page, _COMBINED, _COORDS]
    prov = {
        "origin": "gmsvar-derived: PanelApp detail JSON not in the data drop",
        "url": f"https://panelapp.genomicsengland.co.uk/api/v1/panels/{pid}/",
        "captured": PANELAPP_SNAPSHOT, "derived": True,
        "derivation": (
            "panel metadata and version from the list page; genes, confidence_level and mode "
            "of inheritance (PanelAppRex abbreviation, e.g. AD/AR) from the PanelAppRex "
            "combined table (same 2026 capture); gene spans from the PanelApp gene-coordinate "
            "table (Ensembl 82/90), else the MANE Select transcript span. Phenotypes, "
            "evidence, publications and penetrance are not available."
        ),
        "source_files": {s: _sha256(shared / s) for s in srcs},
    }
    return panel, prov


def _pseudo_panel(ci: str, td: pd.DataFrame, coords: Mapping[str, Mapping[str, Any]]
                  ) -> tuple[str, dict[str, Any]]:
    rows = td[(td["ci_code"] == ci) & (td["genes"] != "")]
    if rows.empty:
        raise SystemExit(f"{ci}: no gene lists in the test directory")
    edition = RARE_EDITION if rows["directory"].iloc[0] == "rare" else CANCER_EDITION
    version = "2021-22" if rows["directory"].iloc[0] == "cancer" else "5.1"
    tests_of: dict[str, list[str]] = defaultdict(list)
    for r in rows.to_dict("records"):
        for g in r["genes"].split(";"):
            tests_of[g].append(r["test_code"])
    ci_name = str(rows["ci_name"].iloc[0])
    genes = [
        _gene_entity(g, coords, tags=sorted(set(codes), key=lambda c: float(c.split(".")[1])),
                     evidence=[f"National Genomic Test Directory: {edition}"],
                     phenotypes=[ci_name])
        for g, codes in sorted(tests_of.items())
    ]
    missing = [g["entity_name"] for g in genes if not g["gene_data"]["ensembl_genes"]]
    if missing:
        raise SystemExit(f"{ci}: no coordinates for {missing}")
    fusions = sorted({f for fs in rows["fusions"] for f in fs.split(";") if f})
    panel = {
        "id": ci, "hash_id": None, "name": f"{ci_name} (test directory gene list)",
        "disease_group": "", "disease_sub_group": "", "status": "gmsvar-derived",
        "version": version, "version_created": None, "relevant_disorders": [ci],
        "stats": {"number_of_genes": len(genes), "number_of_strs": 0, "number_of_regions": 0},
        "types": [{"name": "gmsvar gene-list pseudo-panel", "slug": "gmsvar-gene-list",
                   "description": "Built by gmsvar from a National Genomic Test Directory "
                                  "gene list; not a PanelApp panel."}],
        "genes": genes, "strs": [], "regions": [],
    }
    prov = {
        "origin": "gmsvar-derived gene-list pseudo-panel (not a PanelApp panel)",
        "derived": True, "test_directory_edition": edition,
        "tests": sorted(set(rows["test_code"]), key=lambda c: float(c.split(".")[1])),
        "fusions": fusions,
        "derivation": (
            "genes = union of the normalised Target Gene(s) of the indication's tests; every "
            "gene is rated green because the directory names it as a target; tags list the "
            "test codes naming the gene; spans from the PanelApp gene-coordinate table "
            "(Ensembl 82/90) else the MANE Select transcript span (GENCODE 50)."
        ),
        "source_files": ["src/gmsvar/data/test_directory.tsv",
                         "src/gmsvar/data/test_directory_gene_coordinates.tsv"],
    }
    return snapshot_name(ci, version), _wrap(prov, panel)


# -- writing -----------------------------------------------------------------------------------
def _tsv(df: pd.DataFrame) -> str:
    buf = io.StringIO()
    df.to_csv(buf, sep="\t", index=False, lineterminator="\n")
    return buf.getvalue()


def _json(doc: Any, *, indent: int | None = None) -> str:
    if indent is None:
        return json.dumps(doc, ensure_ascii=False, separators=(",", ":")) + "\n"
    return json.dumps(doc, ensure_ascii=False, indent=indent) + "\n"


def render(shared: Path) -> dict[str, str]:
    """Relative output path -> file text, for every generated file."""
    td, meta = build_test_directory(shared)
    directory_genes = {g for gs in td["genes"] for g in gs.split(";") if g}
    coords = build_gene_coordinates(shared, directory_genes)
    meta["counts"]["genes"] = len(directory_genes)
    meta["counts"]["genes_with_coordinates"] = len(coords)
    meta["genes_without_coordinates"] = sorted(directory_genes - set(coords["symbol"]))
    files = {
        "src/gmsvar/data/test_directory.tsv": _tsv(td),
        "src/gmsvar/data/test_directory.meta.json": _json(meta, indent=1),
        "src/gmsvar/data/test_directory_gene_coordinates.tsv": _tsv(coords),
    }
    index = build_panelapp_index(shared)
    snaps = build_snapshots(shared, td, coords)
    for base in ("src/gmsvar/data/panels", "panels"):
        files[f"{base}/panelapp_index.tsv"] = _tsv(index)
        for name, doc in snaps.items():
            files[f"{base}/{name}"] = _json(doc)
    return files


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point; see the module docstring."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("--shared-data", type=Path, default=Path("/work/shared/data"),
                    help="the shared data drop (default: %(default)s)")
    ap.add_argument("--root", type=Path, default=Path(__file__).resolve().parents[3],
                    help="repository root to write into (default: this checkout)")
    ap.add_argument("--check", action="store_true",
                    help="write nothing; exit 1 if any file would change")
    args = ap.parse_args(argv)
    files = render(args.shared_data)
    stale = []
    for rel, text in sorted(files.items()):
        path = args.root / rel
        if path.exists() and path.read_text() == text:
            continue
        stale.append(rel)
        if not args.check:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
    if not args.check:
        for base in ("src/gmsvar/data/panels", "panels"):
            for old in sorted((args.root / base).glob("panel_*.json")):
                if f"{base}/{old.name}" not in files:
                    old.unlink()
                    stale.append(f"{base}/{old.name} (removed)")
    verb = "out of date" if args.check else "written"
    sys.stderr.write(f"{len(files)} files, {len(stale)} {verb}\n")
    for rel in stale:
        sys.stderr.write(f"  {rel}\n")
    return 1 if args.check and stale else 0


if __name__ == "__main__":
    raise SystemExit(main())
