"""Actionable findings: lung-cancer drivers (tissue and ctDNA), Lynch, FH, inherited cardiac, DPYD.

* :func:`find_actionable` - findings of one context as a DataFrame (contract B),
  each with its evidence, AMP/ESCAT tier or germline class, and knowledge-base
  name and version (``attrs["provenance"]``);
* :func:`cascade` - carrier / non-carrier / not assessable for a familial variant
  in each relative's VCF;
* :func:`somatic_tiers`, :func:`ctdna_calls` - AMP/ASCO/CAP tier of every somatic
  variant, limit-of-detection assessment of every plasma call.

Knowledge bases are versioned data files in ``gmsvar/data/actionable/`` (see
:mod:`gmsvar.actionable.kb`).

Examples
--------
>>> import numpy as np
>>> from gmsvar.table import VariantTable, VcfMetadata
>>> from gmsvar.actionable import find_actionable
>>> t = VariantTable(
...     {"variant_contig": np.array([0], dtype=np.int32), "variant_position": np.array([140753336]),
...      "variant_id": np.array([None], dtype=object),
...      "variant_ref": np.array(["A"], dtype=object), "variant_alt": np.array(["T"], dtype=object),
...      "call_genotype": np.array([[[0, 1]]], dtype=np.int8),
...      "call_allele_depth": np.array([[[60, 40]]], dtype=np.int32),
...      "call_depth": np.array([[100]], dtype=np.int32)},
...     meta=VcfMetadata(samples=("tumour",), genome_build="GRCh38"),
...     categories={"variant_contig": ["chr7"]})
>>> f = find_actionable(t, context="nsclc", tumour_type="LUAD")
>>> f[["gene", "biomarker", "evidence_level", "tier", "escat", "hgvsp"]].values.tolist()
[['BRAF', 'BRAF V600E', 'A', 'I', 'I-B', 'p.(Val600Glu)']]
"""

from __future__ import annotations

from ._common import FINDING_COLUMNS
from .api import CONTEXTS, find_actionable
from .cascade import Relative, cascade
from .coverage import assess_sites
from .dpyd import activity_phenotype
from .kb import kb_versions, load_kb
from .somatic import ctdna_calls, somatic_tiers

__all__ = [
    "CONTEXTS",
    "FINDING_COLUMNS",
    "Relative",
    "activity_phenotype",
    "assess_sites",
    "cascade",
    "ctdna_calls",
    "find_actionable",
    "kb_versions",
    "load_kb",
    "somatic_tiers",
]
