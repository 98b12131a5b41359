"""read_vcf(include=/exclude=) filters on site/FORMAT fields before parsing CSQ: same table as
reading everything, then filter_expr, then take."""

from __future__ import annotations

import pytest

import gmsvar
from gmsvar.filters import filter_expr

EXAMPLES = ["lynch_germline.vcf.gz", "dpyd_germline.vcf.gz", "trio_grch37.vcf.gz"]
EXPRS = ["QUAL>=100", "FMT/DP>=40", 'GT="het" && QUAL>=30', "FMT/DP<45"]


@pytest.mark.parametrize("backend", ["cyvcf2", "fast"])
@pytest.mark.parametrize("name", EXAMPLES)
@pytest.mark.parametrize("expr", EXPRS)
def test_include_prefilter_equals_filter_after_read(backend: str, name: str, expr: str) -> None:
    path = gmsvar.example_path(name)
    full = gmsvar.read_vcf(path, backend=backend, format=["DP"])  # type: ignore[arg-type]
    want = full.take(filter_expr(full, expr))
    got = gmsvar.read_vcf(path, backend=backend, include=expr)  # type: ignore[arg-type]
    assert len(got) == len(want)
    for col in ("variant_position", "variant_alt", "variant_gene", "variant_hgvsc",
                "variant_popfreq_max", "call_genotype"):
        if col in want:
            a = want.decode(col) if col in want.categories else want[col]
            b = got.decode(col) if col in got.categories else got[col]
            assert list(map(str, a.ravel())) == list(map(str, b.ravel())), col
    excl = gmsvar.read_vcf(path, backend=backend, exclude=expr)  # type: ignore[arg-type]
    assert len(excl) + len(got) == len(full)
