"""Germline variant classification: ACMG/AMP criteria, ACGS/Tavtigian points, evidence trail.

``gmsvar.classify`` is both a package and a function: ``gmsvar.classify(table)`` calls
:func:`classify` (the module object is callable), and ``gmsvar.classify.criteria`` etc. import as
usual.

Examples
--------
>>> import numpy as np
>>> from gmsvar.table import VariantTable, VcfMetadata
>>> t = VariantTable(
...     {"variant_contig": np.array([0, 0], np.int32), "variant_position": np.array([37001000, 36993400]),
...      "variant_ref": np.array(["C", "G"], object), "variant_alt": np.array(["T", "A"], object),
...      "variant_gene": np.array([0, 0], np.int32), "variant_consequence": np.array([0, 1], np.int32),
...      "variant_popfreq_max": np.array([np.nan, 0.2]), "variant_popfreq_status": np.array([1, 2], np.int8)},
...     meta=VcfMetadata(genome_build="GRCh38"),
...     categories={"variant_contig": ["chr3"], "variant_gene": ["MLH1"],
...                 "variant_consequence": ["stop_gained", "synonymous_variant"]})
>>> out = classify(t)
>>> out[["gene", "classification", "points", "criteria"]].values.tolist()
[['MLH1', 'Likely pathogenic', 9, 'PVS1,PM2_Supporting'], ['MLH1', 'Benign', -9, 'BA1,BP7']]
>>> print(out.loc[0, "evidence"].split(":")[1])
 stop_gained in MLH1 exon 3/19 (MANE ENST00000231790.8), c.pos 253 of 2271
"""

from __future__ import annotations

import json
import os
import sys
import types
from typing import Any

import numpy as np
import pandas as pd

from .. import errors
from ..table import VariantTable
from . import combine, criteria, knowledge
from . import evidence as _evidence
from . import spec as _spec
from ._facts import Facts, extract_facts
from .combine import CLASSES
from .criteria import CODES, Met, blank
from .knowledge import LOF_SOURCES, ClinVarKnowledge
from .spec import STRENGTHS, Spec, load_spec

__all__ = ["CLASSES", "CODES", "ClinVarKnowledge", "Spec", "classify", "load_spec"]

_LOF_TEXT = {
    "known": "LoF is a known disease mechanism for {g} ({s})",
    "presumed": "LoF is presumed, not established, as the disease mechanism for {g} ({s})",
    "not": "LoF is not a disease mechanism for {g} ({s})",
    "unknown": "LoF mechanism for {g} is unknown ({s}); PVS1 not assessed",
    "deletion_3prime": "{s}",
}
_EXONIC = (
    "missense_variant",
    "synonymous_variant",
    "stop_gained",
    "frameshift_variant",
    "inframe_insertion",
    "inframe_deletion",
    "start_lost",
    "stop_lost",
    "splice_donor_variant",
    "splice_acceptor_variant",
    "protein_altering_variant",
    "coding_sequence_variant",
    "5_prime_UTR_variant",
    "3_prime_UTR_variant",
    "stop_retained_variant",
    "start_retained_variant",
    "incomplete_terminal_codon_variant",
)
_SPLICE_REGION = (
    "splice_region_variant",
    "splice_donor_5th_base_variant",
    "splice_donor_region_variant",
    "splice_polypyrimidine_tract_variant",
)


def _subset(mask: np.ndarray, n: int, fn: Any, *args: Any, **kw: Any) -> Any:
    """Run a criterion on the rows of ``mask`` only and scatter the result(s) back to length ``n``."""
    idx = np.flatnonzero(mask)

    def cut(v: Any) -> Any:
        if isinstance(v, dict):
            return {k: cut(x) for k, x in v.items()}
        return v[idx] if isinstance(v, np.ndarray) and v.ndim >= 1 and len(v) == n else v

    res = fn(*[cut(a) for a in args], **{k: cut(v) for k, v in kw.items()})

    def back(m: Met) -> Met:
        full = Met.empty(n)
        full.strength[idx] = m.strength
        full.text[idx] = m.text
        return full

    if isinstance(res, Met):
        return back(res)
    return tuple(back(r) if isinstance(r, Met) else r for r in res)


def _gene_params(facts: Facts, sp: Spec) -> dict[str, np.ndarray]:
    """Per-row gene knowledge and overlay parameters (computed per unique gene, then broadcast)."""
    genes_kb = knowledge.load_genes()
    codes, uniq = pd.factorize(pd.Series(facts.gene, dtype=object), use_na_sentinel=True)
    u = pd.Index(uniq, dtype=object)
    kb = genes_kb.table.reindex(u)
    inh = kb["inheritance"].fillna("unknown").to_numpy(dtype=object)
    mech = kb["lof_mechanism"].fillna("unknown").to_numpy(dtype=object)
    src = kb["lof_source"].map(LOF_SOURCES).fillna("gene not in the knowledge table").to_numpy(dtype=object)
    pop = sp.population
    # BS1: the dominant (lower) cut-off only for dominant-only genes; genes with any recessive/X-linked
    # entry or
    # unknown inheritance get the recessive cut-off, so common recessive alleles are not called benign.
    # PM2: the recessive (higher) cut-off only for recessive-only genes (the stricter one otherwise).
    dominant_only = inh == "AD"
    recessive_only = np.isin(inh, ["AR", "AR,XL", "XL"])
    ba1 = np.full(len(u), float(pop["ba1_af"]))
    bs1 = np.where(dominant_only, float(pop["bs1_af_dominant"]), float(pop["bs1_af_recessive"]))
    pm2 = np.where(recessive_only, float(pop["pm2_af_recessive"]), float(pop["pm2_af_dominant"]))
    basis = np.where(
        dominant_only, "dominant-gene cut-off", "recessive/mixed/unknown-inheritance cut-off"
    ).astype(object)
    overlay = np.full(len(u), "", dtype=object)
    label = np.full(len(u), sp.name, dtype=object)
    version = np.full(len(u), sp.version, dtype=object)
    pos = {g: i for i, g in enumerate(u)}
    for ov in reversed(sp.overlays):  # first listed overlay wins
        for g in ov.genes:
            i = pos.get(g)
            if i is None:
                continue
            ba1[i] = ov.population.get("ba1_af", ba1[i])
            bs1[i] = ov.population.get("bs1_af", bs1[i])
            pm2[i] = ov.population.get("pm2_af", pm2[i])
            basis[i] = f"{ov.name} cut-off"
            overlay[i] = ov.name
            label[i] = f"{sp.name}+{ov.name}"
            version[i] = f"{sp.version}+{ov.version}"
            if g in ov.lof:
                mech[i], src[i] = ov.lof[g]
    text = np.array(
        [_LOF_TEXT.get(m, "{s}").format(g=g, s=s_) for g, m, s_ in zip(u, mech, src, strict=True)],
        dtype=object,
    )
    cols = {
        "inheritance": (inh, "unknown"),
        "mechanism": (mech, "unknown"),
        "mechanism_text": (text, "no gene annotation; PVS1 not assessed"),
        "ba1": (ba1, float(pop["ba1_af"])),
        "bs1": (bs1, float(pop["bs1_af_recessive"])),
        "pm2": (pm2, float(pop["pm2_af_dominant"])),
        "basis": (basis, "recessive/mixed/unknown-inheritance cut-off"),
        "overlay": (overlay, ""),
        "spec_label": (label, sp.name),
        "spec_version": (version, sp.version),
        "recessive": (np.array(["AR" in x for x in inh], dtype=bool), False),
        "xlinked": (np.array(["XL" in x for x in inh], dtype=bool), False),
    }
    idx = np.where(codes < 0, len(u), codes)
    out: dict[str, np.ndarray] = {}
    for k, (arr, default) in cols.items():
        full = np.empty(len(u) + 1, dtype=arr.dtype if arr.dtype != object else object)
        full[:-1] = arr
        full[-1] = default
        out[k] = full[idx]
    return out


def _last_part(values: np.ndarray) -> pd.Series:
    """Text after the last ':' (HGVS without the transcript), "" for missing values."""
    return pd.Series(values, dtype=object).astype("string").str.split(":").str[-1].fillna("")


def _ba1_exceptions(facts: Facts) -> tuple[np.ndarray, np.ndarray]:
    exc, _ = knowledge.load_ba1_exceptions()
    n = facts.n
    hit = np.zeros(n, dtype=bool)
    note = np.full(n, "", dtype=object)
    keycol = {"GRCh38": "grch38", "GRCh37": "grch37"}.get(facts.build)
    if keycol:
        keys = exc[keycol].to_numpy(dtype=object)
        m = np.isin(facts.key, keys[keys != ""])
        if m.any():
            hit |= m
            note[m] = pd.Series(facts.key[m]).map(dict(zip(exc[keycol], exc["note"], strict=True))).to_numpy()
    rows = np.flatnonzero(np.isin(facts.gene, exc["gene"].unique()))
    if len(rows):
        p = _last_part(facts.hgvsp[rows]).str.replace(r"[()]", "", regex=True).to_numpy(dtype=object)
        c = _last_part(facts.hgvsc[rows]).to_numpy(dtype=object)
        g = facts.gene[rows]
        for _, r in exc.iterrows():
            m = (g == r["gene"]) & (
                ((r["hgvsp"] != "") & (p == r["hgvsp"])) | ((r["hgvsc"] != "") & (c == r["hgvsc"]))
            )
            hit[rows[m]] = True
            note[rows[m]] = r["note"]
    return hit, note


def _repeat(facts: Facts, inframe: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """In-frame indels in a repeat: annotation repeat fields, else an indel sequence that is itself a
    tandem repeat (>= 2 copies of a 3- or 6-nt unit). Without flanking sequence this is a lower bound."""
    n = facts.n
    rep = np.zeros(n, dtype=bool)
    note = np.full(n, "", dtype=object)
    idx = np.flatnonzero(inframe)
    if not len(idx):
        return rep, note
    r = pd.Series(facts.ref[idx], dtype=object).astype(str)
    a = pd.Series(facts.alt[idx], dtype=object).astype(str)
    seq = np.where(r.str.len() > a.str.len(), r.str[1:], a.str[1:])
    s = pd.Series(seq, dtype=object)
    tandem = s.str.fullmatch(r"(.{3})\1+|(.{6})\1+").fillna(False).to_numpy(dtype=bool)
    rep[idx] = tandem
    note[idx[tandem]] = "indel sequence " + s[tandem].to_numpy(dtype=object) + " is a tandem repeat"
    return rep, note


def _last_exon_cover(facts: Facts, rows: np.ndarray) -> np.ndarray:
    out = np.zeros(facts.n, dtype=bool)
    if facts.build not in ("GRCh38", "GRCh37") or not rows.any():
        return out
    ex = knowledge.load_exons(facts.build)
    for i in np.flatnonzero(rows):
        g = facts.gene[i]
        if g not in ex.gene_index:
            continue
        last = ex.exon_rows(g).iloc[-1]
        start = int(facts.pos[i]) + 1
        end = int(facts.pos[i]) + len(str(facts.ref[i])) - 1
        out[i] = start <= int(last["start"]) and end >= int(last["end"])
    return out


def _pm1(
    facts: Facts, missense: np.ndarray, residue: np.ndarray, overlay: np.ndarray, sp: Spec
) -> tuple[np.ndarray, np.ndarray, str]:
    hs, version = knowledge.load_hotspots()
    n = facts.n
    hit = np.zeros(n, dtype=bool)
    note = np.full(n, "", dtype=object)
    rows = np.flatnonzero(missense & (residue > 0))
    tx = np.array(
        [str(x).split(".")[0] if x is not None else "" for x in facts.transcript[rows]], dtype=object
    )
    q = pd.DataFrame({"row": rows, "gene": facts.gene[rows], "position": residue[rows], "tx": tx})
    if not q.empty:
        j = q.merge(hs, on=["gene", "position"], how="inner")
        if not j.empty and facts.build in ("GRCh38", "GRCh37"):
            ex = knowledge.load_exons(facts.build)
            gi = ex.codes(j["gene"].to_numpy(dtype=object))
            mane_tx = np.where(gi >= 0, ex.transcript[np.clip(gi, 0, None)], "")
            mane_rs = np.where(gi >= 0, ex.refseq[np.clip(gi, 0, None)], "")
            mane_tx = pd.Series(mane_tx, dtype=object).astype(str).str.split(".").str[0].to_numpy()
            mane_rs = pd.Series(mane_rs, dtype=object).astype(str).str.split(".").str[0].to_numpy()
            hs_tx = j["transcript"].to_numpy(dtype=object)
            same = (j["tx"].to_numpy() == hs_tx) | (
                (mane_tx == hs_tx)
                & np.isin(j["tx"].to_numpy(), [mane_tx, mane_rs])
                & ((j["tx"].to_numpy() == mane_tx) | (j["tx"].to_numpy() == mane_rs))
            )
            j = j[same]
        elif not j.empty:
            j = j[j["tx"] == j["transcript"]]
        for _, r in j.iterrows():
            hit[r["row"]] = True
            note[r["row"]] = (
                f"{r['gene']} {r['residue']} is a Cancer Hotspots residue ({r['tumour_count']} tumours, "
                f"{r['transcript']})"
            )
    for ov in sp.overlays:
        for reg in ov.pm1_regions:
            m = (
                missense
                & (facts.gene == reg["gene"])
                & (residue >= int(reg["start"]))
                & (residue <= int(reg["end"]))
            )
            hit |= m
            note[m] = f"{reg['gene']} residue in {reg['start']}-{reg['end']}: {reg.get('note', '')}"
    return hit, note, version


def _pseudogene(facts: Facts, sp: Spec, coding_pos: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    n = facts.n
    hit = np.zeros(n, dtype=bool)
    flags = np.full(n, "", dtype=object)
    for ov in sp.overlays:
        for gene, cfg in ov.pseudogene.items():
            rows = facts.gene == gene
            if not rows.any():
                continue
            m = np.zeros(n, dtype=bool)
            lo, hi = cfg.get("cdna", [0, -1])
            m |= rows & (coding_pos >= int(lo)) & (coding_pos <= int(hi))
            if facts.loc is not None:
                loc = facts.loc
                exons = np.asarray(cfg.get("exons", []))
                flank = int(cfg.get("flank", 0))
                in_ex = loc.in_exon & np.isin(loc.exon, exons)
                near = (
                    (loc.intron_offset != 0)
                    & (np.abs(loc.intron_offset) <= flank)
                    & (np.isin(loc.exon, exons) | np.isin(loc.exon + 1, exons))
                )
                m |= rows & loc.found & (in_ex | near)
            hit |= m
            flags[m] = ";".join(cfg.get("flags", []))
    return hit, flags


def _join(parts: list[tuple[np.ndarray, np.ndarray | str]], n: int, sep: str) -> np.ndarray:
    """Row-wise join: ``parts`` are (mask, values) pairs; values an object array or one string."""
    out = blank(n)
    used = np.zeros(n, dtype=bool)
    for mask, p in parts:
        idx = np.flatnonzero(mask)
        if not len(idx):
            continue
        vals = p if isinstance(p, str) else p[idx]
        first = ~used[idx]
        if isinstance(vals, str):
            out[idx[first]] = vals
            rest = idx[~first]
            if len(rest):
                out[rest] = out[rest] + (sep + vals)
        else:
            out[idx[first]] = vals[first]
            if (~first).any():
                out[idx[~first]] = out[idx[~first]] + sep + vals[~first]
        used[idx] = True
    return out


def _hgvs_cpos(hgvsc: np.ndarray) -> np.ndarray:
    s = pd.Series(hgvsc, dtype=object).astype("string").str.split(":").str[-1]
    v = s.str.extract(r"^c\.(\d+)(?:[_>delinsdup]|$)")[0]
    return pd.to_numeric(v, errors="coerce").fillna(0).astype(np.int64).to_numpy()


def classify(
    table: VariantTable,
    *,
    spec: str | Spec = "acgs2020",
    clinvar: ClinVarKnowledge | str | os.PathLike[str] | None = None,
    evidence: pd.DataFrame | str | os.PathLike[str] | None = None,
) -> pd.DataFrame:
    """Pre-classify every allele row by ACMG/AMP criteria with ACGS/Tavtigian points.

    Parameters
    ----------
    table
        A :class:`~gmsvar.table.VariantTable` (one row per ALT allele), ideally annotated (VEP
        CSQ: consequence, gene, MANE transcript, HGVS, gnomAD/MAX_AF, REVEL/SpliceAI/CADD/
        AlphaMissense). Unannotated rows are classified on what is there (often VUS) and flagged.
    spec
        Name of a shipped specification (``gmsvar.classify.spec.available_specs()``), a ``.toml``
        path, or a :class:`Spec`. Gene overlays of the spec apply automatically to their genes.
    clinvar
        Knowledge source for PS1/PM5: a ClinVar VCF path or a :class:`ClinVarKnowledge`. ``None``
        leaves PS1/PM5 unassessed. Never pass ClinVar when evaluating against ClinVar.
    evidence
        User evidence table (see :mod:`gmsvar.classify.evidence`) with lab/family criteria and
        overrides, keyed by ``chrom-pos-ref-alt``.

    Returns
    -------
    DataFrame, one row per allele row of ``table`` (same order, RangeIndex): identifiers, gene,
    transcript, HGVS, consequence, ``classification`` (points; primary), ``points``,
    ``acmg2015_class``, one column per criterion (applied strength or ""), ``criteria``,
    ``evidence``, ``flags``, ``spec``, ``spec_version``, ``knowledge_versions`` (JSON).
    ``.attrs["provenance"]`` holds the versions and thresholds.
    """
    if not isinstance(table, VariantTable):
        raise errors.InputError(
            f"classify() needs a gmsvar VariantTable (gmsvar.read_vcf), not {type(table).__name__}"
        )
    sp = spec if isinstance(spec, Spec) else load_spec(str(spec))
    facts = extract_facts(table, sp.insilico)
    n = facts.n
    gp = _gene_params(facts, sp)
    loc = facts.loc
    has = facts.has
    flags: list[tuple[np.ndarray, np.ndarray | str]] = []

    def flag(mask: np.ndarray, name: str) -> None:
        flags.append((mask, name))

    # -- consequence masks ---------------------------------------------------------------------
    missense = has("missense_variant")
    synonymous = has("synonymous_variant") & ~missense
    splice_region = np.zeros(n, dtype=bool)
    for t in _SPLICE_REGION:
        splice_region |= has(t)
    inframe = (
        (has("inframe_insertion") | has("inframe_deletion"))
        & ~has("frameshift_variant")
        & ~has("stop_gained")
    )
    stop_lost = has("stop_lost")
    intronic = has("intron_variant") & ~splice_region & ~missense & ~synonymous & ~inframe
    null_kind = np.zeros(n, dtype=np.int8)
    null_kind[has("start_lost")] = 5
    null_kind[has("frameshift_variant")] = 2
    null_kind[has("stop_gained")] = 1
    null_kind[has("splice_donor_variant")] = 3
    null_kind[has("splice_acceptor_variant")] = 4
    ref_len = np.fromiter(map(len, map(str, facts.ref)), dtype=np.int64, count=n)
    alt_len = np.fromiter(map(len, map(str, facts.alt)), dtype=np.int64, count=n)
    deletion = ref_len > alt_len
    del3 = (gp["mechanism"] == "deletion_3prime") & deletion & facts.annotated
    null_kind[del3] = 6

    # -- positions on the MANE transcript ------------------------------------------------------
    if loc is not None:
        found, in_exon, in_cds = loc.found, loc.in_exon, loc.in_cds
    else:
        found = in_exon = in_cds = np.zeros(n, dtype=bool)

    def tx_loc(name: str, default: Any = 0) -> np.ndarray:
        return getattr(loc, name) if loc is not None else np.full(n, default)

    coding_pos = tx_loc("cpos").copy()
    pseudo_genes = [g for o in sp.overlays for g in o.pseudogene]
    prow = np.flatnonzero(np.isin(facts.gene, pseudo_genes))
    if len(prow):
        hg_cpos = _hgvs_cpos(facts.hgvsc[prow])
        coding_pos[prow] = np.where(hg_cpos > 0, hg_cpos, coding_pos[prow])
    residue = np.zeros(n, dtype=np.int64)
    ref_aa = np.full(n, "", dtype=object)
    alt_aa = np.full(n, "", dtype=object)
    mrow = np.flatnonzero(missense & ~pd.isna(pd.Series(facts.hgvsp, dtype=object)).to_numpy())
    if len(mrow):
        ref_aa[mrow], residue[mrow], alt_aa[mrow] = knowledge.protein_change(facts.hgvsp[mrow])
    codon = np.where(in_cds, (tx_loc("cpos") - 1) // 3 + 1, 0)
    residue_any = np.where(residue > 0, residue, np.where(missense, codon, 0))

    met: dict[str, Met] = {}
    # -- population ----------------------------------------------------------------------------
    pop = sp.population
    exc, exc_note = _ba1_exceptions(facts)
    min_an = int(pop.get("min_an", 0))
    ba1_an = int(pop.get("ba1_min_an", min_an))
    freq_rows = facts.af_status > 0
    met["BA1"] = _subset(
        freq_rows,
        n,
        criteria.ba1,
        facts.af_max,
        ba1_af=gp["ba1"].astype(float),
        an=facts.an,
        min_an=ba1_an,
        exception=exc,
        exception_note=exc_note,
    )
    flag(facts.af_global_only, "popfreq_global_af_only")
    met["BS1"] = _subset(
        freq_rows & (facts.af_max > 0) & ~exc,
        n,
        criteria.bs1,
        facts.af_max,
        bs1_af=gp["bs1"].astype(float),
        ba1_af=gp["ba1"].astype(float),
        an=facts.an,
        min_an=min_an,
        basis=gp["basis"],
    )
    pm2_code = criteria.strength_code(str(pop.get("pm2_strength", "Supporting")))
    # absence is informative without an allele number only where exome data cover the position
    exonic_terms = np.zeros(n, dtype=bool)
    for term in _EXONIC:
        exonic_terms |= has(term)
    near_exon = (tx_loc("intron_offset") != 0) & (
        np.abs(tx_loc("intron_offset")) <= int(pop.get("covered_intronic_nt", 20))
    )
    covered = np.where(found, in_exon | near_exon, exonic_terms | splice_region)
    met["PM2"] = _subset(
        facts.annotated | freq_rows,
        n,
        criteria.pm2,
        facts.af_max,
        facts.af_status,
        gp["pm2"].astype(float),
        an=facts.an,
        min_an=min_an,
        strength=pm2_code,
        covered=covered,
    )
    flag(facts.annotated & (facts.af_status == 0), "population_af_missing")
    # BA1-exception alleles are known low-penetrance pathogenic: no automatic BS1/BS2 either
    met["BS2"] = criteria.bs2(
        np.where(exc, np.nan, facts.nhomalt),
        np.where(exc, np.nan, facts.nhemi),
        recessive=gp["recessive"].astype(bool),
        xlinked=gp["xlinked"].astype(bool),
        min_hom=int(pop.get("bs2_min_homozygotes", 2)),
        min_hemi=int(pop.get("bs2_min_hemizygotes", 2)),
    )

    # -- PVS1 ------------------------------------------------------------------------------------
    covers_last = _last_exon_cover(facts, del3)
    null_rows = null_kind > 0
    met["PVS1"] = _subset(
        null_rows,
        n,
        criteria.pvs1,
        null_kind,
        gene=facts.gene,
        mechanism=gp["mechanism"],
        mechanism_text=gp["mechanism_text"],
        found=found,
        exon=tx_loc("exon"),
        n_exons=tx_loc("n_exons"),
        exon_raw=tx_loc("exon_raw"),
        n_exons_raw=tx_loc("n_exons_raw"),
        in_cds=in_cds,
        dist3=tx_loc("dist_to_exon_3prime", -1),
        cpos=tx_loc("cpos"),
        cds_len=tx_loc("cds_len"),
        intron_offset=tx_loc("intron_offset"),
        skip_exon_raw=tx_loc("skip_exon_raw"),
        skip_coding_len=tx_loc("skip_coding_len"),
        skip_coding_before=tx_loc("skip_coding_before"),
        transcript=tx_loc("transcript", None),
        input_exon=facts.input_exon,
        covers_last_exon=covers_last,
        params=sp.pvs1,
    )
    pvs1_on = met["PVS1"].strength > 0
    undetermined = np.zeros(n, dtype=bool)
    on_idx = np.flatnonzero(pvs1_on)
    undetermined[on_idx] = ["undetermined" in x for x in met["PVS1"].text[on_idx]]
    flag(pvs1_on & undetermined, "nmd_undetermined")
    flag(pvs1_on & (gp["mechanism"] == "presumed"), "lof_mechanism_presumed")
    flag(pvs1_on & (tx_loc("agreement", None) == "mane_3prime"), "exon_numbers_from_3prime_end")

    # -- protein-level criteria ----------------------------------------------------------------
    rep, rep_note = _repeat(facts, inframe)
    indel_len = alt_len - ref_len
    c = sp.criteria
    met["PM4"] = criteria.pm4(
        inframe,
        stop_lost & ~null_rows,
        repeat=rep,
        length=indel_len,
        strength=criteria.strength_code(str(c.get("pm4_strength", "Moderate"))),
    )
    met["BP3"] = criteria.bp3(inframe, repeat=rep, repeat_note=rep_note)
    na = {
        code: np.isin(gp["overlay"], [o.name for o in sp.overlays if code in o.not_applicable])
        for code in ("PM1", "PP2", "BP1", "PP3_missense")
    }
    na_text = {
        code: dict((o.name, o.not_applicable[code]) for o in sp.overlays if code in o.not_applicable)
        for code in na
    }
    ins = sp.insilico
    score_rows = np.zeros(n, dtype=bool)
    for v in facts.scores.values():
        score_rows |= ~np.isnan(v)
    met["PP3"], met["BP4"] = _subset(
        score_rows,
        n,
        criteria.insilico,
        facts.scores,
        missense=missense,
        tools=ins.get("tools", {}),
        order=list(ins.get("missense_tools", [])),
        splice_pp3=float(ins.get("splice_pp3", 0.2)),
        splice_bp4=float(ins.get("splice_bp4", 0.1)),
        missense_allowed=~na["PP3_missense"],
        splice_eligible=facts.annotated,
    )
    sai = facts.scores.get("SpliceAI", np.full(n, np.nan))
    met["BP7"], pos_only = criteria.bp7(
        synonymous,
        intronic,
        splice_region=splice_region,
        spliceai=sai,
        splice_max=float(ins.get("splice_bp4", 0.1)),
        in_exon=in_exon,
        junction_distance=tx_loc("junction_distance", -1),
        intron_offset=tx_loc("intron_offset"),
        found=found,
        params=sp.bp7,
    )
    flag(pos_only, "bp7_no_splice_score")
    pm1_hit, pm1_note, hot_version = _pm1(facts, missense, residue_any, gp["overlay"], sp)
    pm1_code = criteria.strength_code(str(c.get("pm1_strength", "Moderate")))
    met["PM1"] = criteria.pm1(pm1_hit & ~na["PM1"], pm1_note, strength=pm1_code)
    pp2bp1, pp2bp1_version = knowledge.load_pp2_bp1()
    gene_s = pd.Series(facts.gene, dtype=object)
    crit = (
        gene_s.map(dict(zip(pp2bp1["gene"], pp2bp1["criterion"], strict=True)))
        .fillna("")
        .to_numpy(dtype=object)
    )
    crit_note = (
        gene_s.map(dict(zip(pp2bp1["gene"], pp2bp1["note"] + " [" + pp2bp1["tag"] + "]", strict=True)))
        .fillna("")
        .to_numpy(dtype=object)
    )
    crit_table = crit
    crit = np.where(((crit == "PP2") & na["PP2"]) | ((crit == "BP1") & na["BP1"]), "", crit)
    met["PP2"], met["BP1"] = criteria.bp1_pp2(missense, crit, crit_note)
    # -- ClinVar ---------------------------------------------------------------------------------
    kv: dict[str, str] = {}
    if clinvar is not None:
        cv = (
            clinvar
            if isinstance(clinvar, ClinVarKnowledge)
            else ClinVarKnowledge.from_vcf(os.fspath(clinvar), min_stars=int(c.get("clinvar_min_stars", 2)))
        )
        met["PS1"], met["PM5"] = criteria.ps1_pm5(
            facts.gene,
            residue_any,
            alt_aa,
            facts.key,
            missense,
            cv.records,
            ps1_strength=criteria.strength_code(str(c.get("ps1_strength", "Strong"))),
            pm5_strength=criteria.strength_code(str(c.get("pm5_strength", "Moderate"))),
        )
        kv["clinvar"] = f"{cv.version} (>= {cv.min_stars} stars)"
    else:
        met["PS1"], met["PM5"] = Met.empty(n), Met.empty(n)
        kv["clinvar"] = "not used"

    # -- user evidence ---------------------------------------------------------------------------
    ev = _evidence.load_evidence(evidence)
    for code in CODES:
        met.setdefault(code, Met.empty(n))
    override = np.zeros(n, dtype=bool)
    if len(ev):
        pos_of = pd.Series(np.arange(n), index=facts.key)
        pos_of = pos_of[~pos_of.index.duplicated()]
        for _, r in ev.iterrows():
            if r["key"] not in pos_of.index:
                continue
            i = int(pos_of[r["key"]])
            m = met[r["criterion"]]
            was = int(m.strength[i])
            m.strength[i] = int(r["strength"])
            note = r["note"] or "user evidence"
            if r["criterion"] not in _evidence.USER_CRITERIA:
                override[i] = True
                old = STRENGTHS[was] or "not met"
                m.text[i] = f"user override (automated: {old}): {note}"
            else:
                m.text[i] = f"user evidence: {note}"
    flag(override, "user_override")

    # -- combine ---------------------------------------------------------------------------------
    raw = {code: np.where(facts.symbolic, 0, met[code].strength).astype(np.int8) for code in CODES}
    strengths, dropped = combine.resolve_double_counting(raw)
    pts = combine.points(strengths, sp.points)
    ba1_on = strengths["BA1"] > 0
    pcfg = sp.points
    cls = combine.points_class(
        pts,
        ba1_on,
        pathogenic=int(pcfg["pathogenic"]),
        likely_pathogenic=int(pcfg["likely_pathogenic"]),
        likely_benign=int(pcfg["likely_benign"]),
        benign=int(pcfg["benign"]),
    )
    cls15 = combine.acmg2015(strengths)
    pseudo, pseudo_flags = _pseudogene(facts, sp, coding_pos)
    flags.append((pseudo, pseudo_flags))
    not_cls = facts.symbolic.copy()
    pgx = np.isin(np.asarray(facts.gene, dtype=object),
                  list(sp.criteria.get("pharmacogenes", ()))) & ~facts.symbolic
    not_cls |= pgx
    flag(pgx, "pharmacogenomic_gene")
    flag(facts.symbolic, "symbolic_allele")
    flag(~facts.annotated & ~facts.symbolic, "no_annotation")
    flag((facts.build == "unknown") & facts.annotated, "build_unknown")
    cls = np.where(pseudo | not_cls, combine.NOT_CLASSIFIED, cls)
    cls15 = np.where(pseudo | not_cls, combine.NOT_CLASSIFIED, cls15)

    # -- output ------------------------------------------------------------------------------------
    labels = np.asarray(STRENGTHS, dtype=object)
    out: dict[str, Any] = {
        "variant_index": np.arange(n, dtype=np.int64),
        "variant_contig": np.asarray(facts.contig, dtype=object),
        "variant_position": facts.pos,
        "variant_id": np.asarray(facts.vid, dtype=object),
        "variant_ref": facts.ref,
        "variant_alt": facts.alt,
        "gene": facts.gene,
        "transcript": facts.transcript,
        "hgvsc": facts.hgvsc,
        "hgvsp": facts.hgvsp,
        "consequence": facts.consequence,
        "classification": np.asarray(CLASSES, dtype=object)[cls],
        "points": pts,
        "acmg2015_class": np.asarray(CLASSES, dtype=object)[cls15],
    }
    for code in CODES:
        out[code] = labels[strengths[code]]
    crit_parts: list[tuple[np.ndarray, np.ndarray | str]] = []
    ev_parts: list[tuple[np.ndarray, np.ndarray | str]] = []
    na_parts: list[tuple[np.ndarray, np.ndarray | str]] = []
    for code in CODES:
        s = strengths[code]
        on = s > 0
        txt = met[code].text
        has_txt = txt.astype(bool)
        if on.any():
            default = _evidence.DEFAULT_STRENGTH[code]
            names = np.array([combine.label(code, k, default) if k else "" for k in range(6)], dtype=object)
            lab = names[s]
            crit_parts.append((on, lab))
            e = blank(n)
            e[on] = lab[on] + ": " + txt[on]
            ev_parts.append((on, e))
        considered = ~on & has_txt
        if code in dropped:
            d = dropped[code]
            reason = next(
                r for k, dname, r in combine.DOUBLE_COUNTING if dname == code and (strengths[k] > 0).any()
            )
            na_parts.append((d, f"{code} not counted: {reason}"))
            considered &= ~d
        if considered.any():
            x = blank(n)
            x[considered] = code + " " + txt[considered]
            na_parts.append((considered, x))
    mis_scored = np.zeros(n, dtype=bool)
    for tool in ins.get("missense_tools", []):
        if tool in facts.scores:
            mis_scored |= ~np.isnan(facts.scores[tool])
    why_rows = {
        "PM1": pm1_hit,
        "PP2": missense & (crit_table == "PP2"),
        "BP1": missense & (crit_table == "BP1"),
        "PP3_missense": missense & mis_scored,
    }
    for code, mask in na.items():
        sel = mask & why_rows[code]
        if sel.any():
            x = blank(n)
            x[sel] = pd.Series(gp["overlay"][sel]).map(na_text[code]).fillna("").to_numpy(dtype=object)
            na_parts.append((sel, x))
    ev_main = _join(ev_parts, n, " | ")
    ev_na = _join(na_parts, n, " | ")
    out["criteria"] = _join(crit_parts, n, ",")
    out["evidence"] = _join(
        [
            (ev_main.astype(bool), ev_main),
            (ev_na.astype(bool), ev_na),
            (
                pseudo,
                "not classified: PMS2 pseudogene (PMS2CL) region, short-read call needs orthogonal "
                "confirmation; "
                "provisional points shown",
            ),
            (facts.symbolic, "not classified: symbolic/structural allele"),
            (pgx, "not classified: pharmacogene - ACMG/AMP disease classification does not apply to "
                  "drug-response alleles (see the pharmacogenomic finding; CPIC/DPWG guidance)"),
        ],
        n,
        " || ",
    )
    out["flags"] = _join(flags, n, ";")
    out["spec"] = gp["spec_label"]
    out["spec_version"] = gp["spec_version"]
    genes_kb = knowledge.load_genes()
    ex_version = (
        knowledge.load_exons(facts.build).version if facts.build in ("GRCh38", "GRCh37") else "not used"
    )
    kv.update(
        {
            "genes": genes_kb.version,
            "exons": ex_version,
            "ba1_exceptions": knowledge.load_ba1_exceptions()[1],
            "pm1_hotspots": hot_version,
            "pp2_bp1": pp2bp1_version,
        }
    )
    kv_json = json.dumps(kv, sort_keys=True)
    out["knowledge_versions"] = np.full(n, kv_json, dtype=object)
    # object columns stay object (pandas would otherwise convert every text column to its string dtype)
    df = pd.DataFrame(
        {
            k: pd.Series(v, dtype=object) if isinstance(v, np.ndarray) and v.dtype == object else v
            for k, v in out.items()
        },
        index=pd.RangeIndex(n),
    )
    df.attrs["provenance"] = {
        "spec": {
            "name": sp.name,
            "version": sp.version,
            "title": sp.title,
            "overlays": {
                o.name: {"version": o.version, "genes": list(o.genes), "title": o.title} for o in sp.overlays
            },
        },
        "knowledge_bases": kv,
        "thresholds": {
            "points": dict(sp.points),
            "population": dict(sp.population),
            "pvs1": dict(sp.pvs1),
            "insilico": {k: v for k, v in sp.insilico.items() if k != "tools"},
            "insilico_tools": sp.insilico.get("tools", {}),
            "bp7": dict(sp.bp7),
            "overlay_population": {o.name: dict(o.population) for o in sp.overlays},
        },
        "build": facts.build,
        "build_evidence": facts.build_evidence,
        "score_fields": facts.score_fields,
        "popfreq": facts.popfreq_source,
    }
    return df


class _CallableModule(types.ModuleType):
    """Lets ``gmsvar.classify(table)`` call :func:`classify` while the package stays importable."""

    def __call__(self, *args: Any, **kwargs: Any) -> pd.DataFrame:
        return classify(*args, **kwargs)


sys.modules[__name__].__class__ = _CallableModule

# keep submodule names importable as attributes (criteria, combine, evidence, knowledge, spec)
_ = (criteria, combine, _evidence, knowledge, _spec)
