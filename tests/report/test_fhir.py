"""FHIR R4 Genomics Reporting bundle: validated with fhir.resources (R4B models)."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from gmsvar.errors import InputError
from gmsvar.report import Interpretation
from gmsvar.report.fhir import (
    LOINC_CLASS,
    PROVENANCE_EXTENSION,
    FhirValidationError,
    build_bundle,
    validate_bundle,
)

pytest.importorskip("fhir.resources.R4B")

LOINC = "http://loinc.org"


def _by_type(bundle: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == kind]


def _component(obs: dict[str, Any], code: str) -> dict[str, Any] | None:
    for c in obs.get("component", []):
        if c["code"]["coding"][0]["code"] == code:
            return dict(c)
    return None


def test_to_fhir__validates_with_fhir_resources_r4b(
    make_interp: Callable[..., Interpretation], tmp_path: Path
) -> None:
    from fhir.resources.R4B.bundle import Bundle

    r = make_interp()
    path = r.to_fhir(tmp_path / "bundle.json", validate=True)
    doc = json.loads(path.read_text())
    parsed = Bundle.model_validate(doc)  # independent check of the file on disk
    assert parsed.type == "collection"
    assert sorted(os.listdir(tmp_path)) == ["bundle.json"]


def test_build_bundle__structure(make_interp: Callable[..., Interpretation]) -> None:
    r = make_interp()
    b = build_bundle(r, include="all")
    urls = {e["fullUrl"] for e in b["entry"]}
    assert len(urls) == len(b["entry"])  # unique ids
    reports = _by_type(b, "DiagnosticReport")
    observations = _by_type(b, "Observation")
    assert len(reports) == len(r.samples) == len(_by_type(b, "Specimen"))
    assert len(observations) == len(r.variants)
    specimens = {s["identifier"][0]["value"] for s in _by_type(b, "Specimen")}
    assert specimens == set(r.samples)

    referenced = [ref["reference"] for rep in reports for ref in rep.get("result", [])]
    assert sorted(referenced) == sorted(f"urn:uuid:{o['id']}" for o in observations)  # every obs in a report
    for rep in reports:
        assert rep["code"]["coding"][0] == {
            "system": LOINC,
            "code": "51969-4",
            "display": "Genetic analysis report",
        }
        ext = {e["url"]: e["valueString"] for e in rep["extension"]}
        assert json.loads(ext[PROVENANCE_EXTENSION]) == r.provenance
        assert rep["specimen"][0]["reference"] in urls

    prov = _by_type(b, "Provenance")
    assert len(prov) == 1
    assert {t["reference"] for t in prov[0]["target"]} == {f"urn:uuid:{x['id']}" for x in reports}
    assert prov[0]["agent"][0]["who"]["reference"] in urls
    assert any(
        r.provenance["input"]["sha256"] == e["what"].get("identifier", {}).get("value")
        for e in prov[0]["entity"]
    )
    (device,) = _by_type(b, "Device")
    assert device["version"][0]["value"] == r.provenance["gmsvar_version"]


def test_build_bundle__variant_observation_components(make_interp: Callable[..., Interpretation]) -> None:
    r = make_interp()
    b = build_bundle(r, include="all")
    observations = _by_type(b, "Observation")
    row = r.variants.iloc[0]
    obs = next(
        o
        for o in observations
        if _component(o, "69547-8")["valueString"] == row["variant_ref"]  # type: ignore[index]
        and _component(o, "81254-5")["valueRange"]["low"]["value"] == row["variant_position"]
    )  # type: ignore[index]
    assert obs["code"]["coding"][0]["code"] == "69548-6"
    assert obs["valueCodeableConcept"]["coding"][0]["code"] == "LA9633-4"
    assert _component(obs, "48018-6")["valueCodeableConcept"]["text"] == row["gene"]  # type: ignore[index]
    hgvs_c = _component(obs, "48004-6")["valueCodeableConcept"]["coding"][0]  # type: ignore[index]
    assert hgvs_c["system"] == "http://varnomen.hgvs.org" and hgvs_c["code"] == row["hgvsc"]
    assert _component(obs, "69551-0")["valueString"] == row["variant_alt"]  # type: ignore[index]
    assert _component(obs, "53034-5")["valueCodeableConcept"]["coding"][0]["code"] == "LA6706-1"  # type: ignore[index]
    vaf = _component(obs, "81258-6")["valueQuantity"]  # type: ignore[index]
    assert vaf["value"] == pytest.approx(row["vaf"]) and vaf["code"] == "1"
    sig = _component(obs, "53037-8")["valueCodeableConcept"]["coding"][0]  # type: ignore[index]
    assert (sig["code"], sig["display"]) == LOINC_CLASS[row["classification"]]
    assert _component(obs, "62374-4")["valueCodeableConcept"]["coding"][0]["code"] == "LA14029-5"  # type: ignore[index]
    assert _component(obs, "48002-0")["valueCodeableConcept"]["coding"][0]["code"] == "LA6683-2"  # type: ignore[index]
    notes = " ".join(n["text"] for n in obs["note"])
    assert row["criteria"] in notes and "Finding:" in notes  # the first row is an actionable finding

    # hgvsp missing -> no 48005-3 component; "Not classified" -> text only, no LOINC answer
    nc = r.variants.index[r.variants["classification"] == "Not classified"][0]
    v = r.variants.loc[nc]
    obs_nc = next(
        o
        for o in observations
        if any(n["text"].startswith("ACMG/AMP (ACGS 2020 points): Not classified") for n in o.get("note", []))
    )
    assert _component(obs_nc, "53037-8")["valueCodeableConcept"] == {"text": "Not classified"}  # type: ignore[index]
    assert v["classification"] == "Not classified"


def test_build_bundle__findings_in_conclusion(make_interp: Callable[..., Interpretation]) -> None:
    r = make_interp()
    b = build_bundle(r)
    specimen_of = {f"urn:uuid:{s['id']}": s["identifier"][0]["value"] for s in _by_type(b, "Specimen")}
    by_sample = {specimen_of[rep["specimen"][0]["reference"]]: rep for rep in _by_type(b, "DiagnosticReport")}
    dpyd = by_sample["ADM1059A2"]["conclusion"]
    assert "DPYD activity score" in dpyd and "not assessed" in dpyd
    without = [s for s in r.samples if s not in set(r.findings["sample"])]
    for s in without:
        assert "No reportable findings" in by_sample[s]["conclusion"]


def test_build_bundle__deterministic_ids_and_subjects(make_interp: Callable[..., Interpretation]) -> None:
    r = make_interp()
    assert build_bundle(r) == build_bundle(r)
    b = build_bundle(r, subjects={"ADM1059A1": "Patient/123"})
    validate_bundle(b)
    subjects = [x.get("subject") for x in _by_type(b, "DiagnosticReport")]
    assert {"reference": "Patient/123"} in subjects


def test_build_bundle__malicious_text_is_data(
    make_interp: Callable[..., Interpretation], tmp_path: Path
) -> None:
    r = make_interp()
    evil = '</script><script>alert(1)</script>"},{"resourceType":"Patient"'
    r.variants.loc[r.variants.index[0], "gene"] = evil
    r.variants.loc[r.variants.index[0], "evidence"] = "x" * (10 * 1024 * 1024)
    path = r.to_fhir(tmp_path / "b.json", validate=True)
    doc = json.loads(path.read_text())
    assert not _by_type(doc, "Patient")  # the injected JSON stayed inside a string
    assert any(
        _component(o, "48018-6")
        == {
            "code": {"coding": [{"system": LOINC, "code": "48018-6", "display": "Gene studied [ID]"}]},
            "valueCodeableConcept": {"text": evil},
        }
        for o in _by_type(doc, "Observation")
    )


def test_validate_bundle__rejects_invalid() -> None:
    with pytest.raises(FhirValidationError, match="invalid"):
        validate_bundle(
            {
                "resourceType": "Bundle",
                "type": "collection",
                "entry": [
                    {
                        "resource": {
                            "resourceType": "Observation",
                            "status": "final",
                            "code": {"text": "x"},
                            "bogusField": 1,
                        }
                    }
                ],
            }
        )


def test_to_fhir__empty_interpretation(tmp_path: Path) -> None:
    import pandas as pd

    empty = Interpretation(pd.DataFrame(), pd.DataFrame(), pd.DataFrame(), {"gmsvar_version": "0.1.0"})
    doc = json.loads(empty.to_fhir(tmp_path / "e.json", validate=True).read_text())
    assert [e["resource"]["resourceType"] for e in doc["entry"]] == ["Device"]


def test_build_bundle__reportable_subset_by_default(make_interp: Callable[..., Interpretation]) -> None:
    r = make_interp()
    b = build_bundle(r)
    observations = _by_type(b, "Observation")
    v = r.variants
    reportable = v["classification"].isin(["Pathogenic", "Likely pathogenic", "Uncertain significance"])
    assert len(observations) == int((reportable | v["actionable"]).sum()) < len(v)
    classes = {_component(o, "53037-8")["valueCodeableConcept"]["text"] for o in observations}  # type: ignore[index]
    assert classes == {"Pathogenic", "Likely pathogenic", "Uncertain significance"}
    for rep in _by_type(b, "DiagnosticReport"):
        ext = {e["url"]: e["valueString"] for e in rep["extension"]}
        n = len(rep.get("result", []))
        assert ext["urn:gmsvar:observations"].startswith(f"{n} of ")
        assert "others are in the gmsvar TSV/JSON/Parquet outputs" in rep["conclusion"]
    with pytest.raises(InputError, match="include must be"):
        build_bundle(r, include="some")  # type: ignore[arg-type]
