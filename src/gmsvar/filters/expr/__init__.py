"""bcftools-compatible filter expressions compiled to numpy: :func:`filter_expr`.

Supported (the common subset of ``bcftools view -i/-e``):

* columns ``QUAL``, ``FILTER``, ``ID``, ``POS``, ``CHROM``, ``REF``, ``ALT``, ``TYPE``
  (``snp``, ``indel``, ``mnp``, ``other``, ``bnd``, ``ref``, ``overlap``);
* ``INFO/<ID>``, ``FMT/<ID>`` / ``FORMAT/<ID>`` and bare ``<ID>`` (INFO unless the
  ID is only a FORMAT field);
* ``GT="het"|"hom"|"ref"|"alt"|"mis"|"hap"|"RR"|"RA"|"AA"|"Aa"|"R"|"A"`` and
  literal genotypes ``GT="0/1"``, ``GT="1|0"``, ``GT~"\\."``;
* ``== = != < <= > >=``, regex ``~`` / ``!~`` (POSIX basic syntax as bcftools,
  ``/i`` suffix for case-insensitive), missing ``"."`` or ``.``;
* ``+ - * / %``, unary minus, parentheses;
* ``&&`` ``||`` ``&`` ``|`` with bcftools per-sample semantics, and ``!(...)``
  (gmsvar extension: negates the site result, so ``!(e)`` keeps what ``e`` drops);
* subscripts ``INFO/AF[0]``, ``DP4[*]``, ``FMT/AD[:1]``, ``FMT/AD[0:1]``,
  ``FMT/DP[0]`` (first sample), ``FMT/DP[1-]``, ``FMT/DP[0,2-4]``;
* functions ``MAX MIN AVG MEAN SUM ABS STRLEN`` and per-sample ``SMPL_MAX`` etc.

Not supported (raise :class:`ExpressionError`): ``@file`` lists, ``N_PASS``/``F_PASS``,
``binom``/``phred``, ``MEDIAN``/``STDEV``/``COUNT``, computed ``AC/AN/AF/MAF/N_ALT/ILEN``
(when not INFO fields), ``[GT]`` subscripts, perl functions.

Semantics follow bcftools 1.24, checked against it (``tests/filters/test_oracle.py``):
``&``/``&&``/``|``/``||`` group to the right and keep bcftools' per-sample rules,
numbers compare at float32, a missing value fails every test except ``!=`` and
``="."``. Intended differences:

* arithmetic chains whose result depends on grouping (``POS-1+1``, ``A/B*C``) are
  refused: bcftools groups them to the right (``POS-(1+1)``); add parentheses;
* arithmetic between FORMAT values restricted to different samples
  (``FMT/DP[0]+FMT/GQ[1]``) is refused (bcftools' result is unreliable);
* a FORMAT tag absent from a record counts as missing for every sample; bcftools
  treats it as a site-level value there, which changes a few mixed ``&``/``||``
  expressions and ``FMT/<string>~"\\."``;
* out-of-range indices (``INFO/L[5]``) are missing; bcftools returns the scalar of a
  one-value vector for any index;
* ``MIN/MAX/SUM/AVG`` skip missing values and give missing when all are missing
  (bcftools varies by function for INFO vectors and ``SMPL_*``);
* ``X="."`` on a ``Number=R``/``A`` INFO field is true when every value is missing;
  bcftools is true only when the tag is absent (a split table cannot tell);
* ``!~`` on INFO/ID strings negates ``~`` per value (bcftools 1.24 returns inverted or
  all records);
* a bare ``DP`` defined in both INFO and FORMAT resolves to INFO (bcftools refuses it);
  unquoted ``.`` is accepted as missing; ``!(...)`` is accepted (not in bcftools).

Examples
--------
>>> import numpy as np
>>> from gmsvar.table import VariantTable, VcfMetadata, FieldDef
>>> from gmsvar.filters import filter_expr
>>> t = VariantTable(
...     {"variant_qual": np.array([50, 50, 10], dtype=np.float32),
...      "variant_filter": np.zeros((3, 0), dtype=bool),
...      "variant_filter_pass": np.array([True, True, True]),
...      "variant_info_DP": np.array([30, 5, 40], dtype=np.int32),
...      "call_genotype": np.array([[[0, 1], [0, 0]], [[0, 1], [0, 1]], [[1, 1], [0, 1]]],
...                                dtype=np.int8),
...      "call_genotype_quality": np.array([[40, 99], [10, 10], [99, 99]], dtype=np.int32)},
...     meta=VcfMetadata(samples=("A", "B"), info={"DP": FieldDef("DP", "1", "Integer")},
...                      format={"GQ": FieldDef("GQ", "1", "Integer")}))
>>> filter_expr(t, 'QUAL>=30 && FILTER="PASS" && INFO/DP>=10 && FMT/GQ>=20').tolist()
[True, False, False]
>>> filter_expr(t, 'GT="het" & FMT/GQ>50').tolist()     # same sample: het with GQ>50
[False, False, True]
>>> filter_expr(t, 'GT="het" && FMT/GQ>50').tolist()    # any het, any GQ>50
[True, False, True]
>>> filter_expr(t, 'QUAL<20', exclude=True).tolist()
[True, True, False]
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from ...table import VariantTable, VcfMetadata
from ..errors import ExpressionError
from ._columns import resolve_field
from ._eval import evaluate
from ._parser import Arith, Compare, Field, Func, Logic, Neg, Node, Not, parse

__all__ = ["ExpressionError", "filter_expr", "parse_expr", "required_columns"]


@lru_cache(maxsize=256)
def parse_expr(expr: str) -> Node:
    """Parse and syntax-check an expression (cached); raises :class:`ExpressionError`.

    >>> parse_expr("QUAL>30 &&")
    Traceback (most recent call last):
    ...
    gmsvar.filters.errors.ExpressionError: expression ends too early; expected a value at column 10
      QUAL>30 &&
                ^
    """
    return parse(expr)


def filter_expr(table: VariantTable, expr: str, *, exclude: bool = False) -> np.ndarray:
    """Site mask for a bcftools-style expression (``bcftools view -i``, or ``-e`` with exclude).

    Parameters
    ----------
    table
        The variants (one row per ALT allele; see the note on multiallelics).
    expr
        Expression in the supported subset of bcftools syntax (module docstring).
    exclude
        Return the complement: the rows ``bcftools view -e expr`` keeps.

    Returns
    -------
    Boolean array, shape (n_variants,). A row passes an expression with FORMAT
    terms when any sample satisfies it (bcftools semantics).

    Raises
    ------
    ExpressionError
        Unsupported or malformed syntax, unknown tags, fields not read into the
        table; the message points at the column of the problem.

    Notes
    -----
    Rows are split multiallelic alleles, so expressions see the values of one ALT
    (``Number=A`` one value, ``Number=R`` REF and this ALT). bcftools evaluates
    whole records; compare with it on a file split by ``bcftools norm -m-any``.
    """
    node = parse_expr(expr)
    mask = evaluate(node, table, expr).site
    out = np.asarray(mask, dtype=bool)
    return ~out if exclude else out


def required_columns(expr: str, meta: VcfMetadata | None = None) -> set[str]:
    """INFO/FORMAT fields an expression reads, so a reader can load only those.

    Returns names as ``"INFO/<ID>"`` and ``"FORMAT/<ID>"`` (``"FORMAT/GT"`` for
    genotype tests). Without ``meta`` a bare ``<ID>`` cannot be resolved and is
    returned as is; with ``meta`` it resolves like :func:`filter_expr` (INFO first).
    Fixed columns (QUAL, FILTER, POS, ...) are always read and not listed.

    Examples
    --------
    >>> sorted(required_columns('QUAL>30 && INFO/DP>10 && FMT/AD[0:1]>3 && GT="het"'))
    ['FORMAT/AD', 'FORMAT/GT', 'INFO/DP']
    >>> sorted(required_columns("gnomAD_AF<0.01"))
    ['gnomAD_AF']
    """
    out: set[str] = set()
    lookup = VariantTable({}, meta=meta) if meta is not None else None
    for field in _fields(parse_expr(expr)):
        if lookup is not None and field.prefix is None:
            kind, tag = _resolve_with_meta(field, lookup, expr)
        else:
            kind, tag = resolve_field(field, None, expr)
        if kind == "info":
            out.add(f"INFO/{tag}")
        elif kind == "format":
            out.add(f"FORMAT/{tag}")
        elif kind == "bare":
            out.add(tag)
    return out


def _resolve_with_meta(field: Field, lookup: VariantTable, expr: str) -> tuple[str, str]:
    try:
        return resolve_field(field, lookup, expr)
    except ExpressionError:
        return "bare", field.name


def _fields(node: Node) -> list[Field]:
    if isinstance(node, Field):
        return [node]
    if isinstance(node, Logic | Compare | Arith):
        return _fields(node.left) + _fields(node.right)
    if isinstance(node, Not | Neg):
        return _fields(node.operand)
    if isinstance(node, Func):
        return _fields(node.arg)
    return []
