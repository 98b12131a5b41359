"""Kinase fusions (ALK, ROS1, RET, NTRK1/2/3) from structural-variant records.

The gmsvar reader keeps SV records as they are written: a breakend ALT such as
``N[chr2:29223000[`` or ``]chr2:42491000]N`` stays in ``variant_alt``, symbolic
ALTs (``<INV>``, ``<DEL>``, ``<DUP>``, ``<TRA>``, ``<BND>``) likewise, and
``INFO/SVTYPE``, ``MATEID``, ``END`` and ``CHR2`` become ``variant_info_*``
columns. This module parses those columns itself (no second read of the file):
each record gives two breakends (its own position and the mate/END position),
each breakend is placed in a gene with the MANE transcript spans of
``genes.tsv`` for the declared build, and a record joining a knowledge-base
kinase gene to another gene is a candidate fusion (a partner breakend outside every
``genes.tsv`` span is reported as ``unknown`` with ``fusion_partner_unknown``).
Mate records (a ``MATEID`` pair names the same two genes and positions) are
reported once.

Breakend orientation and reading frame are not checked, so every fusion carries
``fusion_orientation_not_checked``: confirm with RNA, FISH or IHC.

Examples
--------
>>> import numpy as np
>>> from gmsvar.actionable.fusions import fusion_features
>>> f = fusion_features(contigs=np.array(["chr2"], dtype=object), positions=np.array([42299000]),
...                     alts=np.array(["N[chr2:29224000["], dtype=object), build="GRCh38")
>>> f[["gene", "partner", "p_kind", "detail"]].values.tolist()
[['ALK', 'EML4', 'fusion', 'EML4-ALK (chr2:42299000 / chr2:29224000)']]
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ._common import canonical_contigs
from .genomic import FEATURE_COLUMNS
from .kb import kb_table, load_kb

__all__ = ["fusion_features", "parse_breakend_alts"]

_BND = r"^(?P<pre>[A-Za-z.]*)(?P<b1>[\[\]])(?P<chr>[^:\[\]]+):(?P<pos>\d+)(?P<b2>[\[\]])(?P<post>[A-Za-z.]*)$"


def parse_breakend_alts(alts: pd.Series) -> pd.DataFrame:
    """Mate contig and position of VCF breakend ALT strings (``NaN``/-1 where not a breakend).

    >>> parse_breakend_alts(pd.Series(["G]17:198982]", "<DEL>"])).values.tolist()
    [['17', 198982], [None, -1]]
    """
    m = pd.Series(alts, dtype=object).fillna("").astype(str).str.extract(_BND)
    pos = pd.to_numeric(m["pos"], errors="coerce").fillna(-1).astype(np.int64)
    return pd.DataFrame({"mate_contig": m["chr"].astype(object).where(m["chr"].notna(), None),
                         "mate_position": pos})


def _gene_at(chrom: np.ndarray, pos: np.ndarray, build: str) -> np.ndarray:
    genes = kb_table("genes")
    key = "grch38" if build == "GRCh38" else "grch37"
    gc = genes[f"{key}_chrom"].to_numpy()
    gs = genes[f"{key}_start"].astype(np.int64).to_numpy()
    ge = genes[f"{key}_end"].astype(np.int64).to_numpy()
    sym = genes["symbol"].to_numpy()
    out = np.full(len(pos), "", dtype=object)
    for i, (c, p) in enumerate(zip(chrom, pos, strict=True)):
        hit = np.flatnonzero((gc == c) & (gs <= p) & (ge >= p))
        if len(hit):
            out[i] = sym[hit[0]]
    return out


def fusion_features(
    *,
    contigs: np.ndarray,
    positions: np.ndarray,
    alts: np.ndarray,
    build: str,
    svtype: np.ndarray | None = None,
    end: np.ndarray | None = None,
    chr2: np.ndarray | None = None,
    rows: np.ndarray | None = None,
) -> pd.DataFrame:
    """Candidate kinase fusions (feature columns, ``p_kind`` = ``fusion``) from SV records.

    Parameters
    ----------
    contigs, positions, alts
        Per allele row: CHROM as written, POS, ALT.
    build
        Genome build of the coordinates (``GRCh38``/``GRCh37``).
    svtype, end, chr2
        ``INFO/SVTYPE``, ``INFO/END`` and ``INFO/CHR2`` where present (None elsewhere;
        a missing ``END`` as a negative number). Mate records are recognised by their
        breakend positions (the pair gives the same two genes and positions), so
        ``MATEID`` is not needed.
    rows
        Row numbers to report (default ``0..n-1``).
    """
    row_ids = np.arange(len(positions)) if rows is None else np.asarray(rows)
    # only SV-like records can be fusions: breakend ALTs and symbolic alleles (cheap prefilter)
    alt_all = np.asarray(alts, dtype=object)
    keep = np.fromiter((isinstance(a, str) and (a.startswith("<") or "[" in a or "]" in a) for a in alt_all),
                       dtype=bool, count=len(alt_all))
    empty = pd.DataFrame({c: pd.Series(dtype=object) for c in FEATURE_COLUMNS})
    if not keep.any():
        return empty
    sel = np.flatnonzero(keep)
    n = len(sel)
    positions = np.asarray(positions, dtype=np.int64)[sel]
    row_ids = row_ids[sel]
    kb = load_kb("nsclc")
    kinases = {g for g in kb["fusion_genes"] if g != "source"}
    canon = pd.Series(canonical_contigs(np.asarray(contigs, dtype=object)[sel]), dtype=object)
    alt_s = pd.Series(alt_all[sel], dtype=object).astype(str)
    bnd = parse_breakend_alts(alt_s)
    mate_c = bnd["mate_contig"].astype(object)
    mate_c = mate_c.where(mate_c.isna(), mate_c.astype(str).str.replace(r"^chr", "", regex=True, case=False))
    mate_p = bnd["mate_position"].to_numpy()
    sym = alt_s.str.extract(r"^<([A-Z]+)")[0].fillna("").to_numpy()
    st = (pd.Series(np.asarray(svtype, dtype=object)[sel], dtype=object).fillna("").astype(str).to_numpy()
          if svtype is not None else np.full(n, "", dtype=object))
    kind = np.where(sym != "", sym, st)
    is_bnd = mate_p >= 0
    has_end = np.zeros(n, dtype=bool)
    end_pos = np.full(n, -1, dtype=np.int64)
    if end is not None:
        e = np.asarray(pd.to_numeric(pd.Series(np.asarray(end, dtype=object)[sel], dtype=object),
                                     errors="coerce").fillna(-1), dtype=np.int64)
        has_end = (e > 0) & np.isin(kind, ["INV", "DEL", "DUP", "TRA", "BND", "INS"]) & ~is_bnd
        end_pos = e
    other_c = np.where(is_bnd, mate_c.fillna("").to_numpy(), canon.to_numpy())
    if chr2 is not None:
        c2_raw = pd.Series(np.asarray(chr2, dtype=object)[sel], dtype=object).fillna("").astype(str)
        c2 = c2_raw.str.replace(r"^chr", "", regex=True, case=False).to_numpy()
        other_c = np.where(has_end & (c2 != ""), c2, other_c)
    other_p = np.where(is_bnd, mate_p, np.where(has_end, end_pos, -1))
    sv = is_bnd | has_end
    if not sv.any():
        return empty
    idx = np.flatnonzero(sv)
    g1 = _gene_at(canon.to_numpy()[idx], np.asarray(positions, dtype=np.int64)[idx], build)
    g2 = _gene_at(other_c[idx], other_p[idx], build)
    out = []
    seen: set[tuple[str, str, int, int]] = set()
    for j, i in enumerate(idx):
        a, b = str(g1[j]), str(g2[j])
        if a in kinases and b != a:
            kinase, partner = a, b
        elif b in kinases and a != b:
            kinase, partner = b, a
        else:
            continue
        lo_p, hi_p = sorted([int(positions[i]), int(other_p[i])])
        key = (kinase, partner, lo_p, hi_p)
        if key in seen:
            continue
        seen.add(key)
        flags = ["fusion_orientation_not_checked"]
        known = kb["fusion_genes"][kinase]["partners"]
        if not partner:
            flags.append("fusion_partner_unknown")
        elif partner not in known:
            flags.append("fusion_partner_not_in_kb")
        name = f"{partner or 'unknown'}-{kinase}"
        own = f"chr{canon.iloc[i]}:{int(positions[i])}"
        other = f"chr{other_c[i]}:{int(other_p[i])}"
        out.append({
            "row": int(row_ids[i]), "gene": kinase, "transcript": "", "p_kind": "fusion", "ref_aa": "",
            "codon_start": -1, "codon_end": -1, "alt_aa": "", "aa_change": 0, "exon": -1,
            "exon_trusted": False, "c_kind": "none", "c_start_key": -1, "c_end_key": -1, "hgvsc": "",
            "hgvsp": "", "method": "fusion", "ref_ok": True, "partner": partner,
            "detail": f"{name} ({own} / {other})", "match_flags": ";".join(flags),
        })
    if not out:
        return empty
    df = pd.DataFrame(out)
    return df[list(FEATURE_COLUMNS)].reset_index(drop=True)
