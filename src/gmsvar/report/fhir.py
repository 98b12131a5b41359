"""HL7 FHIR R4 bundle in the style of the Genomics Reporting IG (STU3): one report per sample.

Layout of the ``Bundle`` (``type = collection``):

* one ``Device`` for gmsvar (name + version), the software that made the results;
* per sample: a ``Specimen`` (identifier = the VCF sample name), a ``DiagnosticReport``
  (LOINC 51969-4 "Genetic analysis report", status ``preliminary`` because automated
  results need review) whose ``result`` lists the sample's variant ``Observation``\\ s, whose
  ``conclusion`` lists the findings, and whose ``extension`` carries the full gmsvar
  provenance as JSON (url ``urn:gmsvar:provenance``);
* per reportable allele (P/LP/VUS, actionable or with a finding; ``include="all"`` for
  every carried allele): an ``Observation`` LOINC 69548-6 "Genetic variant assessment" (value
  LA9633-4 "Present") with components 48018-6 gene, 48004-6 c.HGVS, 48005-3 p.HGVS,
  48000-4 chromosome, 62374-4 assembly, 92822-6 coordinate system (1-based), 81254-5
  start-end, 69547-8 REF, 69551-0 ALT, 53034-5 allelic state, 81258-6 VAF, 82121-5
  allelic read depth, 48002-0 genomic source class and 53037-8 clinical significance; the
  ACMG/AMP points, criteria, evidence and any finding's recommendation are in ``note``;
* one ``Provenance`` (target: every report; agent: the gmsvar Device; entities: the input
  VCF with its sha256, the panel, the knowledge bases).

IG profiles are not claimed in ``meta.profile``: the IG requires ``subject`` (a Patient),
which only the laboratory system can supply; pass ``subjects={sample: "Patient/..."}`` to
fill it. Resource ids are UUIDv5 of the input checksum, sample and allele, so a re-run
gives the same ids. The bundle is validated with the ``fhir.resources`` R4B models (R4B
leaves these resources as in R4) when that package is installed.

Examples
--------
>>> LOINC_CLASS["Likely pathogenic"], LOINC_ZYGOSITY["het"]
(('LA26332-9', 'Likely pathogenic'), ('LA6706-1', 'Heterozygous'))
"""

from __future__ import annotations

import functools
import json
import math
import os
import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd

from ..errors import GmsvarError, InputError
from .writers import _target, atomic_write, jsonable

if TYPE_CHECKING:  # pragma: no cover
    from .result import Interpretation

__all__ = [
    "FHIR_VERSION",
    "LOINC_CLASS",
    "LOINC_ZYGOSITY",
    "FhirValidationError",
    "build_bundle",
    "validate_bundle",
    "write_fhir",
]

FHIR_VERSION = "4.0.1"
LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"
HGVS_SYSTEM = "http://varnomen.hgvs.org"
OBS_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
V2_0074 = "http://terminology.hl7.org/CodeSystem/v2-0074"
PROVENANCE_EXTENSION = "urn:gmsvar:provenance"
OBSERVATIONS_EXTENSION = "urn:gmsvar:observations"
REPORTABLE_CLASSES_ORDERED = ("Pathogenic", "Likely pathogenic", "Uncertain significance")
REPORTABLE_CLASSES = frozenset(REPORTABLE_CLASSES_ORDERED)
SAMPLE_ID_SYSTEM = "urn:gmsvar:sample"
_NAMESPACE = uuid.UUID("6f1c2a4e-9a53-5b8e-9d2c-3f0e7a1b5c11")

# LOINC answer lists (loinc.org; as used by the HL7 Genomics Reporting IG STU3 examples).
#: 53037-8 answers (LL4034-6): ACMG/AMP five-tier classes.
LOINC_CLASS: dict[str, tuple[str, str]] = {
    "Pathogenic": ("LA6668-3", "Pathogenic"),
    "Likely pathogenic": ("LA26332-9", "Likely pathogenic"),
    "Uncertain significance": ("LA26333-7", "Uncertain significance"),
    "Likely benign": ("LA26334-5", "Likely benign"),
    "Benign": ("LA6675-8", "Benign"),
}
#: 53034-5 answers (LL381-5): allelic state.
LOINC_ZYGOSITY: dict[str, tuple[str, str]] = {
    "het": ("LA6706-1", "Heterozygous"),
    "hom": ("LA6705-3", "Homozygous"),
    "hemi": ("LA6707-9", "Hemizygous"),
}
#: 62374-4 answers: reference assembly.
LOINC_BUILD: dict[str, tuple[str, str]] = {
    "GRCh37": ("LA14029-5", "GRCh37"),
    "GRCh38": ("LA26806-2", "GRCh38"),
}
#: 48002-0 answers: genomic source class, by gmsvar mode.
LOINC_SOURCE: dict[str, tuple[str, str]] = {
    "germline": ("LA6683-2", "Germline"),
    "somatic": ("LA6684-0", "Somatic"),
    "ctdna": ("LA6684-0", "Somatic"),
}


class FhirValidationError(GmsvarError):
    """The generated bundle does not validate against the FHIR models (a gmsvar bug)."""


def _missing(v: Any) -> bool:
    if v is None:
        return True
    if isinstance(v, str):  # the common case, without pd.isna's overhead
        return False
    if isinstance(v, float):
        return v != v
    try:
        return bool(pd.isna(v))
    except (TypeError, ValueError):
        return False


def _str(v: Any) -> str | None:
    return None if _missing(v) or str(v) == "" else str(v)


def _float(v: Any) -> float | None:
    if _missing(v):
        return None
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    return f if math.isfinite(f) else None


def _cc(system: str, code: str, display: str | None = None) -> dict[str, Any]:
    coding: dict[str, Any] = {"system": system, "code": code}
    if display:
        coding["display"] = display
    return {"coding": [coding]}


@functools.lru_cache(maxsize=256)
def _loinc(code: str, display: str) -> dict[str, Any]:
    # cached: the same (never mutated) dict is shared by every resource that uses the code
    return _cc(LOINC, code, display)


def _instant(value: Any) -> str:
    """A FHIR ``instant`` (timezone required); naive times are taken as UTC."""
    ts = pd.Timestamp(value) if not _missing(value) else pd.Timestamp.now(tz="UTC")
    if ts.tzinfo is None:
        ts = ts.tz_localize("UTC")
    return str(ts.isoformat())


def _uid(*parts: Any) -> str:
    return str(uuid.uuid5(_NAMESPACE, "|".join(str(p) for p in parts)))


def _hgvs(hgvs: Any, transcript: Any) -> str | None:
    h = _str(hgvs)
    if h is None:
        return None
    t = _str(transcript)
    return h if (":" in h or t is None) else f"{t}:{h}"


def _quantity(value: float) -> dict[str, Any]:
    return {"value": value, "system": UCUM, "code": "1"}


def _variant_observation(row: Mapping[Any, Any], *, oid: str, specimen: str, issued: str, build: str | None,
                         mode: str | None, notes: list[str], subject: str | None) -> dict[str, Any]:
    comps: list[dict[str, Any]] = []

    def comp(code: str, display: str, **value: Any) -> None:
        comps.append({"code": _loinc(code, display), **value})

    gene = _str(row.get("gene"))
    if gene:
        comp("48018-6", "Gene studied [ID]", valueCodeableConcept={"text": gene})
    c = _hgvs(row.get("hgvsc"), row.get("transcript"))
    if c:
        comp("48004-6", "DNA change (c.HGVS)", valueCodeableConcept={**_cc(HGVS_SYSTEM, c), "text": c})
    p = _hgvs(row.get("hgvsp"), None)
    if p:
        comp("48005-3", "Amino acid change (pHGVS)", valueCodeableConcept={**_cc(HGVS_SYSTEM, p), "text": p})
    contig = _str(row.get("variant_contig"))
    if contig:
        comp("48000-4", "Chromosome [Identifier]", valueCodeableConcept={"text": contig})
    if build in LOINC_BUILD:
        comp("62374-4", "Human reference sequence assembly version",
             valueCodeableConcept=_loinc(*LOINC_BUILD[build]))
    ref = _str(row.get("variant_ref"))
    pos = _float(row.get("variant_position"))
    if pos is not None:
        comp("92822-6", "Genomic coord system",
             valueCodeableConcept=_loinc("LA30102-0", "1-based character counting"))
        end = int(pos) + max(len(ref or "N"), 1) - 1
        comp("81254-5", "Genomic allele start-end",
             valueRange={"low": {"value": int(pos)}, "high": {"value": end}})
    if ref:
        comp("69547-8", "Genomic ref allele [ID]", valueString=ref)
    alt = _str(row.get("variant_alt"))
    if alt:
        comp("69551-0", "Genomic alt allele [ID]", valueString=alt)
    zyg = _str(row.get("zygosity"))
    if zyg in LOINC_ZYGOSITY:
        comp("53034-5", "Allelic state", valueCodeableConcept=_loinc(*LOINC_ZYGOSITY[zyg]))
    vaf = _float(row.get("vaf"))
    if vaf is not None:
        comp("81258-6", "Sample variant allelic frequency [NFr]", valueQuantity=_quantity(vaf))
    alt_reads = _float(row.get("alt_reads"))
    if alt_reads is not None and alt_reads >= 0:
        comp("82121-5", "Allelic read depth", valueQuantity=_quantity(float(int(alt_reads))))
    if mode in LOINC_SOURCE:
        comp("48002-0", "Genomic source class", valueCodeableConcept=_loinc(*LOINC_SOURCE[mode]))
    cls = _str(row.get("classification"))
    if cls in LOINC_CLASS:
        comp("53037-8", "Genetic variation clinical significance [Imp]",
             valueCodeableConcept={**_loinc(*LOINC_CLASS[cls]), "text": cls})
    elif cls:
        comp("53037-8", "Genetic variation clinical significance [Imp]", valueCodeableConcept={"text": cls})

    obs: dict[str, Any] = {
        "resourceType": "Observation",
        "id": oid,
        "status": "preliminary",
        "category": [_cc(OBS_CATEGORY, "laboratory", "Laboratory"), _cc(V2_0074, "GE", "Genetics")],
        "code": _loinc("69548-6", "Genetic variant assessment"),
        "issued": issued,
        "specimen": {"reference": specimen},
        "valueCodeableConcept": _loinc("LA9633-4", "Present"),
        "component": comps,
    }
    if subject:
        obs["subject"] = {"reference": subject}
    texts = []
    pts, crit = row.get("points"), _str(row.get("criteria"))
    if cls:
        texts.append(f"ACMG/AMP (ACGS 2020 points): {cls}"
                     + (f", {int(_float(pts) or 0)} points" if _float(pts) is not None else "")
                     + (f"; criteria {crit}" if crit else "; no criteria applied"))
    for key, label in (("evidence", "Evidence"), ("flags", "Flags"), ("filter", "FILTER")):
        val = _str(row.get(key))
        if val:
            texts.append(f"{label}: {val}")
    texts.extend(notes)
    if texts:
        obs["note"] = [{"text": t} for t in texts]
    return obs


def _locus_key(row: Mapping[Any, Any]) -> tuple[str, int, str, str] | None:
    """(contig, position, REF, ALT) with the position as int (findings tables may hold it as float)."""
    pos = _float(row.get("variant_position"))
    parts = [_str(row.get(k)) for k in ("variant_contig", "variant_ref", "variant_alt")]
    if pos is None or any(p is None for p in parts):
        return None
    return (str(parts[0]), int(pos), str(parts[1]), str(parts[2]))


def _finding_text(f: Mapping[Any, Any]) -> str:
    hgvs = [x for x in (_str(f.get("hgvsc")), _str(f.get("hgvsp"))) if x]
    what = " ".join(x for x in (_str(f.get("gene")), *hgvs) if x)
    biomarker = _str(f.get("biomarker"))
    if biomarker and not hgvs:
        what = f"{what} ({biomarker})" if what else biomarker
    what = what or "finding"
    bits = [f"{what}"]
    for key in ("category", "tier", "evidence_level", "classification"):
        val = _str(f.get(key))
        if val:
            bits.append(f"{key.replace('_', ' ')} {val}")
    rec = _str(f.get("recommendation"))
    kb = " ".join(x for x in (_str(f.get("kb_name")), _str(f.get("kb_version"))) if x)
    return "; ".join(bits) + (f": {rec}" if rec else "") + (f" [{kb}]" if kb else "")


def _reportable(v: pd.DataFrame, finding_keys: set[tuple[str, int, str, str]]) -> np.ndarray:
    """Rows classified P/LP/VUS, flagged actionable, or at the locus of a finding."""
    keep = np.zeros(len(v), dtype=bool)
    if "classification" in v.columns:
        keep |= v["classification"].isin(REPORTABLE_CLASSES).to_numpy(dtype=bool)
    if "actionable" in v.columns:
        keep |= v["actionable"].fillna(False).astype(bool).to_numpy()
    if finding_keys and len(v):
        contig = v["variant_contig"].astype(str).to_numpy()
        pos = pd.to_numeric(v["variant_position"], errors="coerce").to_numpy(dtype=float)
        ref = v["variant_ref"].astype(str).to_numpy()
        alt = v["variant_alt"].astype(str).to_numpy()
        for c, p, r, a in finding_keys:
            keep |= (contig == c) & (pos == p) & (ref == r) & (alt == a)
    return keep


def build_bundle(
    interp: Interpretation,
    *,
    subjects: Mapping[str, str] | None = None,
    include: Literal["reportable", "all"] = "reportable",
) -> dict[str, Any]:
    """The FHIR R4 ``Bundle`` (as a JSON-ready dict) for ``interp``.

    Parameters
    ----------
    interp
        The interpretation (contract C).
    subjects
        Optional ``{sample: "Patient/<id>"}`` references for ``subject``; without it
        the reports are tied to their ``Specimen`` only.
    include
        ``"reportable"`` (default): an Observation for each variant classified
        Pathogenic, Likely pathogenic or Uncertain significance, flagged actionable, or
        carrying a finding; the report's conclusion and its ``urn:gmsvar:observations``
        extension say how many other variants were left out (they are in the TSV/JSON/
        Parquet outputs). ``"all"``: every variant row (an exome gives ~10^5 Observations).
    """
    if include not in ("reportable", "all"):
        raise InputError(f"to_fhir: include must be 'reportable' or 'all', not {include!r}")
    prov = jsonable(interp.provenance)
    issued = _instant(prov.get("created"))
    inp = prov["input"] if isinstance(prov.get("input"), dict) else {}
    # ids derive from the input checksum (else its path) so a re-run gives the same ids
    checksum = inp.get("sha256") or inp.get("path") or "no-input"
    build = prov.get("build")
    mode = prov.get("mode")
    subjects = dict(subjects or {})
    entries: list[dict[str, Any]] = []

    def add(resource: dict[str, Any]) -> str:
        url = f"urn:uuid:{resource['id']}"
        entries.append({"fullUrl": url, "resource": resource})
        return url

    device: dict[str, Any] = {
        "resourceType": "Device", "id": _uid(checksum, "device"),
        "deviceName": [{"name": "gmsvar", "type": "manufacturer-name"}],
    }
    if prov.get("gmsvar_version"):
        device["version"] = [{"value": str(prov["gmsvar_version"])}]
    device_url = add(device)

    variants, findings = interp.variants, interp.findings
    report_urls: list[str] = []
    for sample in interp.samples:
        specimen_url = add({
            "resourceType": "Specimen", "id": _uid(checksum, sample, "specimen"),
            "identifier": [{"system": SAMPLE_ID_SYSTEM, "value": sample}],
        })
        v = variants[variants["sample"].astype(str) == sample] if "sample" in variants.columns else variants
        f = findings[findings["sample"].astype(str) == sample] if "sample" in findings.columns else findings
        notes_by_key: dict[tuple[str, int, str, str], list[str]] = {}
        conclusions = []
        for frow in f.to_dict("records"):
            text = _finding_text(frow)
            conclusions.append(text)
            fkey = _locus_key(frow)
            if fkey is not None:
                notes_by_key.setdefault(fkey, []).append(f"Finding: {text}")
        n_all = len(v)
        if include == "reportable":
            v = v[_reportable(v, set(notes_by_key))]
        results: list[dict[str, str]] = []
        for row in v.to_dict("records"):
            key = _locus_key(row)
            oid = _uid(checksum, sample, *(key or (len(results),)))
            obs = _variant_observation(row, oid=oid, specimen=specimen_url, issued=issued, build=build,
                                       mode=mode, notes=notes_by_key.get(key, []) if key else [],
                                       subject=subjects.get(sample))
            results.append({"reference": add(obs)})
        test = prov["test"] if isinstance(prov.get("test"), dict) else {}
        panel = prov["panel"] if isinstance(prov.get("panel"), dict) else {}
        head = f"{len(conclusions)} finding{'s' if len(conclusions) != 1 else ''}"
        scope = ", ".join(x for x in (
            f"test {test.get('code')}" if test.get("code") else "",
            f"panel {panel.get('name')} v{panel.get('version')}" if panel.get("name") else "") if x)
        conclusion = head + (f" ({scope})" if scope else "") + (
            ": " + " | ".join(conclusions) if conclusions else ". No reportable findings.")
        left_out = n_all - len(v)
        scope_note = (f"{len(v)} of {n_all} variants included as Observations"
                      + (f" (classified {', '.join(REPORTABLE_CLASSES_ORDERED)}, actionable, or with a "
                         f"finding); {left_out} others are in the gmsvar TSV/JSON/Parquet outputs"
                         if include == "reportable" else ""))
        if left_out:
            conclusion += f" [{scope_note}]"
        report: dict[str, Any] = {
            "resourceType": "DiagnosticReport", "id": _uid(checksum, sample, "report"),
            "extension": [{"url": PROVENANCE_EXTENSION,
                           "valueString": json.dumps(prov, ensure_ascii=False, sort_keys=True)},
                          {"url": OBSERVATIONS_EXTENSION, "valueString": scope_note}],
            "status": "preliminary",
            "category": [_cc(V2_0074, "GE", "Genetics")],
            "code": _loinc("51969-4", "Genetic analysis report"),
            "issued": issued,
            "specimen": [{"reference": specimen_url}],
            "conclusion": conclusion,
        }
        if sample in subjects:
            report["subject"] = {"reference": subjects[sample]}
        if results:
            report["result"] = results
        report_urls.append(add(report))

    entities: list[dict[str, Any]] = []
    if inp:
        what: dict[str, Any] = {"display": f"input VCF {inp.get('path')}"}
        if inp.get("sha256"):
            what["identifier"] = {"system": "urn:gmsvar:sha256", "value": str(inp["sha256"])}
        entities.append({"role": "source", "what": what})
    panel = prov["panel"] if isinstance(prov.get("panel"), dict) else {}
    if panel:
        entities.append({"role": "source", "what": {"display": (
            f"panel {panel.get('name')} (id {panel.get('id')}, version {panel.get('version')}, "
            f"source {panel.get('source')})")}})
    kbs = prov["knowledge_bases"] if isinstance(prov.get("knowledge_bases"), dict) else {}
    for name, version in kbs.items():
        entities.append({"role": "source", "what": {"display": f"knowledge base {name} {version}"}})
    spec = prov["spec"] if isinstance(prov.get("spec"), dict) else {}
    if spec:
        label = f"classification spec {spec.get('name')} {spec.get('version')}"
        entities.append({"role": "source", "what": {"display": label}})
    if report_urls:
        provenance: dict[str, Any] = {
            "resourceType": "Provenance", "id": _uid(checksum, "provenance"),
            "target": [{"reference": u} for u in report_urls],
            "recorded": issued,
            "agent": [{"type": _cc("http://terminology.hl7.org/CodeSystem/provenance-participant-type",
                                   "assembler", "Assembler"),
                       "who": {"reference": device_url}}],
        }
        if entities:
            provenance["entity"] = entities
        add(provenance)

    bundle_id = _uid(checksum, "bundle", issued)
    return {
        "resourceType": "Bundle",
        "id": bundle_id,
        "identifier": {"system": "urn:ietf:rfc:3986", "value": f"urn:uuid:{bundle_id}"},
        "type": "collection",
        "timestamp": issued,
        "entry": entries,
    }


def validate_bundle(bundle: Mapping[str, Any]) -> None:
    """Validate ``bundle`` with the ``fhir.resources`` R4B models; raise on any problem.

    Raises
    ------
    ImportError
        ``fhir.resources`` is not installed (``pip install fhir.resources``).
    FhirValidationError
        The bundle does not validate (message lists pydantic's errors).
    """
    try:
        from fhir.resources.R4B.bundle import Bundle
    except ImportError as err:  # pragma: no cover - depends on the environment
        raise ImportError("validating FHIR needs fhir.resources (pip install 'fhir.resources>=7')") from err
    from pydantic import ValidationError

    try:
        Bundle.model_validate(dict(bundle))
    except ValidationError as err:
        raise FhirValidationError(f"generated FHIR bundle is invalid (please report): {err}") from err


def _have_fhir_resources() -> bool:
    try:
        import fhir.resources.R4B  # noqa: F401
    except ImportError:
        return False
    return True


def write_fhir(
    interp: Interpretation,
    path: str | os.PathLike[str],
    *,
    validate: bool | None = None,
    subjects: Mapping[str, str] | None = None,
    include: Literal["reportable", "all"] = "reportable",
) -> Path:
    """Write the FHIR bundle as JSON; atomic.

    Parameters
    ----------
    validate
        ``True``: validate with ``fhir.resources`` (must be installed); ``False``: skip;
        ``None`` (default): validate when ``fhir.resources`` is installed.
    subjects, include
        See :func:`build_bundle`.
    """
    target = _target(path)
    bundle = build_bundle(interp, subjects=subjects, include=include)
    if validate or (validate is None and _have_fhir_resources()):
        validate_bundle(bundle)
    text = json.dumps(bundle, ensure_ascii=False, indent=1, allow_nan=False)
    with atomic_write(target, errors="replace") as fh:
        fh.write(text)
        fh.write("\n")
    return target

