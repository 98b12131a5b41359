"""Evaluate an expression AST over a :class:`VariantTable` with numpy (never ``eval``).

Semantics follow bcftools 1.24 (``filter.c``), checked by the oracle tests:

* Every comparison is made per value: a vector (``Number=R``, ``[*]``) passes if
  any element passes; a FORMAT term gives one result per sample.
* A missing value fails every comparison except ``!=`` (true) and ``=="."``.
  ``X="."`` is true for a site when every value is missing, and for a sample
  when any of its values is missing.
* Numbers are compared at float32 (as htslib stores them) unless a value is
  above 2**24, where float64 is used, exactly as bcftools does.
* Logic keeps, besides the site result, a per-sample result:
  ``A & B``  - per sample AND: the same sample must satisfy both;
  ``A && B`` - site AND: each side may be met by a different sample;
  ``A | B``  - per-sample OR (site-level operands do not mark samples);
  ``A || B`` - site OR; a true site-level side marks every sample.
  A site passes when its final site result is true.
"""

from __future__ import annotations

import math
import re
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import numpy as np

from ...table import INT_MISSING, VariantTable
from .._common import genotype_classes_from
from .._types import REF, TYPE_CODES, variant_type_codes
from ..errors import ExpressionError
from ..site import filter_matrix, filter_missing, filter_pass
from ._columns import (
    as_values,
    explode,
    genotype_strings,
    gt_keyword,
    resolve_field,
    standard_column,
)
from ._parser import (
    Arith,
    Compare,
    Field,
    Func,
    Index,
    Logic,
    Missing,
    Neg,
    Node,
    Not,
    Num,
    Str,
)
from ._regex import compile_bcftools_regex

__all__ = ["Mask", "evaluate"]

@dataclass
class Mask:
    """Boolean result: site (n,), optional per-sample (n, s) and the samples it refers to."""

    site: np.ndarray
    samples: np.ndarray | None = None
    used: np.ndarray | None = None


@dataclass
class Values:
    """Field data: float64 (NaN missing) or object (None missing); (n, k) or (n, s, k)."""

    data: np.ndarray
    text: bool
    per_sample: bool
    used: np.ndarray | None = None
    exact: bool = False  # text compared as a whole (ID), not also split on commas


class _IntValues(Values):
    """An integer FORMAT column used as is: its float64 :attr:`data` is made only if needed.

    Comparing it with a constant (:meth:`compare`) works on the integers directly,
    with the same result as comparing the float64 data (as bcftools, at float32).
    """

    def __init__(self, ints: np.ndarray, missing: int) -> None:
        self.ints, self.missing = ints, missing
        self._data: np.ndarray | None = None
        self.text, self.per_sample, self.used, self.exact = False, True, None, False

    @property
    def data(self) -> np.ndarray:
        if self._data is None:
            self._data = as_values(self.ints, None, per_sample=True, missing=self.missing)[0]
        return self._data

    @data.setter
    def data(self, value: np.ndarray) -> None:
        self._data = value

    def compare(self, op: str, value: float) -> np.ndarray | None:
        """``op`` against a constant, shaped like the element result; None: not exact here.

        bcftools compares at float32 (a value above 2**24 in double precision). With the
        constant ``v`` (rounded to float32) strictly inside +-2**24, an integer ``x``
        compares with ``v`` as with an integer threshold (``x >= v`` iff
        ``x >= ceil(v)``...) for every ``x``: one rounded to float32 stays on the same
        side of ``v``. So the int32 column is compared with an integer, without a float
        copy; a missing value fails every test but ``!=``.
        """
        v = float(np.float32(value))
        if np.isnan(v) or abs(v) >= _F32_EXACT:
            return None
        arr = self.ints
        if op in ("==", "!="):  # (no integer equals a v with a fraction)
            res = (np.asarray(_CMP[op](arr, int(v))) if v == math.floor(v)
                   else np.full(arr.shape, op == "!=", dtype=bool))
        else:
            res = np.asarray(_CMP[op](arr, math.ceil(v) if op in (">=", "<") else math.floor(v)))
        # missing values: -1 (all negatives) or the one sentinel; fix them only where the
        # comparison did not already give them the missing result
        lo, hi = (np.iinfo(np.int32).min, -1) if self.missing == -1 else (self.missing, self.missing)
        miss_result = op == "!="
        if not (bool(_CMP[op](lo, v)) == bool(_CMP[op](hi, v)) == miss_result
                and (op not in ("==", "!=") or not lo <= v <= hi)):
            np.putmask(res, arr < 0 if self.missing == -1 else arr == self.missing, miss_result)
        return res[..., None] if res.ndim == 2 else res


@dataclass
class Const:
    """A literal: number, string or missing (``.``)."""

    value: float | str | None
    node: Node


@dataclass
class Special:
    """FILTER, GT or TYPE: only comparable with a string literal."""

    name: str
    node: Field
    used: np.ndarray | None = None


Operand = Values | Const | Special


class _Evaluator:
    def __init__(self, table: VariantTable, expr: str) -> None:
        self.t = table
        self.expr = expr
        self.n = len(table)
        self.s = table.n_samples
        self._types: np.ndarray | None = None

    def error(self, message: str, node: Node | int) -> ExpressionError:
        col = node if isinstance(node, int) else node.pos
        return ExpressionError(message, expr=self.expr, column=col)

    # -- conditions ------------------------------------------------------------------------
    def mask(self, node: Node) -> Mask:
        if isinstance(node, Logic):
            return self._logic(node)
        if isinstance(node, Not):
            inner = self.mask(node.operand)
            return Mask(~inner.site)
        if isinstance(node, Compare):
            return self._compare(node)
        if isinstance(node, Field):
            raise self.error(f"{node.text} is a value, not a condition; compare it, "
                             f"e.g. {node.text}=1 for a flag or {node.text}>0", node)
        raise self.error("expected a condition such as QUAL>=30 or FILTER=\"PASS\"", node)

    def _logic(self, node: Logic) -> Mask:
        a, b = self.mask(node.left), self.mask(node.right)
        if node.op in ("&", "&&"):
            return self._and(a, b, vector=node.op == "&&")
        return self._or(a, b, vector=node.op == "||")

    def _and(self, a: Mask, b: Mask, *, vector: bool) -> Mask:
        both = a.site & b.site
        if a.samples is None and b.samples is None:
            return Mask(both)
        if a.samples is None or b.samples is None:
            per = a.samples if a.samples is not None else b.samples
            used = a.used if a.samples is not None else b.used
            assert per is not None
            return Mask(both, per & both[:, None], used)
        used = _union(a.used, b.used)
        if vector:
            return Mask(both, (a.samples | b.samples) & both[:, None], used)
        per = a.samples & b.samples
        return Mask(per.any(axis=1), per, used)

    def _or(self, a: Mask, b: Mask, *, vector: bool) -> Mask:
        site = a.site | b.site
        if a.samples is None and b.samples is None:
            return Mask(site)
        if a.samples is not None and b.samples is not None:
            used = _union(a.used, b.used)
            # '||' marks every sample of a passing site, '|' only the samples that pass
            per = np.broadcast_to(site[:, None], (self.n, self.s)) if vector else \
                a.samples | b.samples
            return Mask(site, per & site[:, None] & _used_row(used, self.s), used)
        sample_side, site_side = (a, b) if a.samples is not None else (b, a)
        assert sample_side.samples is not None
        per = sample_side.samples | site_side.site[:, None] if vector else sample_side.samples
        per = per & site[:, None] & _used_row(sample_side.used, self.s)
        return Mask(site, per, sample_side.used)

    # -- comparisons -----------------------------------------------------------------------
    def _compare(self, node: Compare) -> Mask:
        left, right = self.operand(node.left), self.operand(node.right)
        op = node.op
        if isinstance(right, Special) and not isinstance(left, Special):
            if op in ("~", "!~"):
                raise self.error(f"put {right.name} on the left of {op}", node)
            left, right = right, left
        if isinstance(left, Special):
            if not isinstance(right, Const) or isinstance(right.value, float):
                raise self.error(f"{left.name} can only be compared with a quoted string", node)
            return self._special(left, op, right, node)
        if isinstance(left, Const) and isinstance(right, Const):
            raise self.error("comparison of two constants; one side must be a field", node)
        if isinstance(left, Const):
            if op in ("~", "!~"):
                raise self.error(f"the left side of {op} must be a field", node)
            left, right = right, left
            op = _FLIP[op]
        assert isinstance(left, Values)
        if op in ("~", "!~"):
            if not (isinstance(right, Const) and isinstance(right.value, str)):
                raise self.error(f"the right side of {op} must be a quoted regular expression",
                                 node)
            if not left.text:
                raise self.error(f"{op} needs a text field (REF, ALT, ID, CHROM, a String tag)",
                                 node)
            return self._regex(left, right, negate=op == "!~", node=node)
        if isinstance(right, Const) and (right.value is None or right.value == "."):
            if op not in ("==", "!="):
                raise self.error(f"missing values ('.') can only be tested with = or !=, "
                                 f"not {op}", node)
            return self._missing(left, op)
        if isinstance(right, Const) and isinstance(right.value, str):
            if not left.text:
                raise self.error("cannot compare a number with a string; remove the quotes",
                                 right.node)
            if op not in ("==", "!="):
                raise self.error(f"strings can only be compared with =, != or ~, not {op}", node)
            return self._text_const(left, right.value, op)
        if isinstance(right, Values) and (left.text or right.text):
            if not (left.text and right.text):
                raise self.error("cannot compare a number with text", node)
            if op not in ("==", "!="):
                raise self.error(f"strings can only be compared with = or !=, not {op}", node)
            return self._pairwise(left, right, lambda a, b: _text_eq(a, b, op))
        if left.text:
            raise self.error("cannot compare text with a number; quote the value", node)
        assert not isinstance(right, Special)
        return self._numeric(left, right, op)

    def _result(self, res: np.ndarray, per_sample: bool, used: np.ndarray | None) -> Mask:
        """Reduce an element result (n, k...) / (n, s, k...) to a Mask (any over values)."""
        lead = 2 if per_sample else 1
        if res.ndim > lead:
            res = np.asarray(res.any(axis=tuple(range(lead, res.ndim))))
        if not per_sample:
            return Mask(np.asarray(res, dtype=bool))
        per = res & _used_row(used, self.s)
        return Mask(per.any(axis=1), per, used)

    def _pairwise(self, a: Values, b: Values | Const, fn: Any) -> Mask:
        """Apply ``fn`` to every value pair (cross product within a site/sample) and reduce."""
        if isinstance(b, Const):
            res = fn(a.data, b.value)
            return self._result(res, a.per_sample, a.used)
        if a.per_sample and b.per_sample:
            if a.data.shape[2] != b.data.shape[2] and 1 not in (a.data.shape[2], b.data.shape[2]):
                raise self.error("per-sample vectors of different lengths cannot be compared",
                                 0)
            return self._result(fn(a.data, b.data), True, _intersect(a.used, b.used))
        if not a.per_sample and not b.per_sample:
            return self._result(fn(a.data[:, :, None], b.data[:, None, :]), False, None)
        if a.per_sample:
            res = fn(a.data[:, :, :, None], b.data[:, None, None, :])
            return self._result(res, True, a.used)
        res = fn(a.data[:, None, :, None], b.data[:, :, None, :])
        return self._result(res, True, b.used)

    def _numeric(self, a: Values, b: Values | Const, op: str) -> Mask:
        if isinstance(b, Const):
            assert isinstance(b.value, float)
            if isinstance(a, _IntValues):
                direct = a.compare(op, b.value)
                if direct is not None:
                    return self._result(direct, True, a.used)
            const = np.asarray(b.value, dtype=np.float64)
            return self._pairwise(a, b, lambda x, y: _num_cmp(x, const, op))
        return self._pairwise(a, b, lambda x, y: _num_cmp(x, y, op))

    def _missing(self, v: Values, op: str) -> Mask:
        miss = _is_missing(v.data)
        if v.per_sample:
            any_miss = miss.any(axis=2)
            res = any_miss if op == "==" else ~any_miss
            per = np.asarray(res & _used_row(v.used, self.s))
            return Mask(np.asarray(per.any(axis=1)), per, v.used)
        all_miss = np.asarray(miss.all(axis=1))
        return Mask(all_miss if op == "==" else ~all_miss)

    def _text_const(self, v: Values, target: str, op: str) -> Mask:
        def match(cell: object) -> bool:
            if isinstance(cell, tuple):
                parts = ["." if p is None else str(p) for p in cell]
                return target == ",".join(parts) or target in parts
            text = str(cell)
            if target == text:
                return True
            return not v.exact and "," in text and target in text.split(",")

        hit, missing = _map_unique(v.data, match)
        res = np.where(missing, op == "!=", hit if op == "==" else ~hit)
        return self._result(res, v.per_sample, v.used)

    def _regex(self, v: Values, const: Const, *, negate: bool, node: Node) -> Mask:
        pattern = self._compile(const)

        def match(cell: object) -> bool:
            if isinstance(cell, tuple):
                cell = ",".join("." if p is None else str(p) for p in cell)
            return pattern.search(str(cell)) is not None

        hit, missing = _map_unique(v.data, match)
        # htslib writes a missing ID or FORMAT string as the text "."; an absent INFO
        # string only matches the bare "." pattern (bcftools' missing-value test).
        on_missing = (pattern.search(".") is not None) if (v.exact or v.per_sample) else (
            const.value == ".")
        res = np.where(missing, on_missing ^ negate, hit ^ negate)
        return self._result(res, v.per_sample, v.used)

    def _compile(self, const: Const) -> re.Pattern[str]:
        assert isinstance(const.value, str)
        try:
            return compile_bcftools_regex(const.value)
        except (ValueError, re.error) as err:
            raise self.error(f"bad regular expression: {err}", const.node) from None

    # -- FILTER / TYPE / GT ----------------------------------------------------------------
    def _special(self, sp: Special, op: str, const: Const, node: Compare) -> Mask:
        if sp.name == "FILTER":
            return self._filter(op, const, node)
        if sp.name == "TYPE":
            return self._type(op, const, node)
        return self._genotype(sp, op, const, node)

    def _filter(self, op: str, const: Const, node: Compare) -> Mask:
        if op not in ("==", "!=", "~", "!~"):
            raise self.error(f"FILTER can be compared with =, !=, ~ or !~, not {op}", node)
        value = "." if const.value is None else str(const.value)
        if value == ".":
            hit = filter_missing(self.t)
        else:
            names = [x for x in value.split(";") if x]
            matrix, labels = filter_matrix(self.t, needed_for="FILTER")
            known = set(labels) | set(self.t.meta.filters) | {"PASS"}
            for name in names:
                if name not in known:
                    raise self.error(f"the filter {name!r} is not declared in the VCF header",
                                     const.node)
            passed = filter_pass(self.t)
            others = [x for x in names if x != "PASS"]
            if "PASS" in names:
                hit = passed if not others else np.zeros(self.n, dtype=bool)
            else:
                idx = [labels.index(x) for x in others if x in labels]
                if len(idx) < len(others):
                    hit = np.zeros(self.n, dtype=bool)
                else:
                    hit = matrix[:, idx].all(axis=1) & ~passed
                    if op in ("==", "!="):
                        real = [i for i, lab in enumerate(labels) if lab != "PASS"]
                        hit = hit & (matrix[:, real].sum(axis=1) == len(idx))
        return Mask(~hit if op in ("!=", "!~") else hit)

    def _type(self, op: str, const: Const, node: Compare) -> Mask:
        if const.value is None:
            raise self.error("TYPE cannot be missing; compare it with \"snp\", \"indel\", ...",
                             const.node)
        code = TYPE_CODES.get(str(const.value).lower())
        if code is None:
            raise self.error(f"unknown TYPE {const.value!r}; use one of "
                             f"{', '.join(sorted(set(TYPE_CODES) - {'snps', 'mnps', 'indels'}))}",
                             const.node)
        if self._types is None:
            self._types = variant_type_codes(self.t["variant_ref"], self.t["variant_alt"])
        codes = self._types
        if op in ("==", "!="):
            hit = codes == code
        elif op in ("~", "!~"):
            hit = (codes & code) != 0 if code != REF else codes == REF
        else:
            raise self.error(f"TYPE can be compared with =, !=, ~ or !~, not {op}", node)
        return Mask(~hit if op in ("!=", "!~") else hit)

    def _genotype(self, sp: Special, op: str, const: Const, node: Compare) -> Mask:
        if "call_genotype" not in self.t:
            raise self.error("GT is not in this table; read the VCF with genotypes", sp.node)
        gt = self.t["call_genotype"]
        value = "." if const.value is None else str(const.value)
        if op in ("~", "!~"):
            pattern = self._compile(Const(value, const.node))
            strings, inv = genotype_strings(self.t)
            hits = np.array([pattern.search(s) is not None for s in strings], dtype=bool)
            per = hits[inv].reshape(self.n, self.s) ^ (op == "!~")
        elif op in ("==", "!="):
            cls = gt_keyword(genotype_classes_from(gt), value)
            if cls is None:
                if not re.fullmatch(r"(\.|\d+)([/|](\.|\d+))*", value):
                    raise self.error(
                        f"unknown genotype {value!r}; use ref, alt, mis, hom, het, hap, RR, "
                        "RA, AA, Aa, R, A or a genotype such as \"0/1\"", const.node)
                strings, inv = genotype_strings(self.t)
                hits = np.array([s == value for s in strings], dtype=bool)
                cls = hits[inv].reshape(self.n, self.s)
            per = ~cls if op == "!=" else cls
        else:
            raise self.error(f"GT can be compared with =, !=, ~ or !~, not {op}", node)
        per = per & _used_row(sp.used, self.s)
        return Mask(per.any(axis=1), per, sp.used)

    # -- values ----------------------------------------------------------------------------
    def operand(self, node: Node) -> Operand:
        if isinstance(node, Num):
            return Const(float(node.value), node)
        if isinstance(node, Str):
            return Const(node.value, node)
        if isinstance(node, Missing):
            return Const(None, node)
        if isinstance(node, Field):
            return self._field(node)
        if isinstance(node, Func):
            return self._func(node)
        if isinstance(node, Neg):
            inner = self.operand(node.operand)
            if isinstance(inner, Const) and isinstance(inner.value, float):
                return Const(-inner.value, node)
            if isinstance(inner, Values) and not inner.text:
                return Values(-inner.data, False, inner.per_sample, inner.used)
            raise self.error("unary minus needs a number", node)
        if isinstance(node, Arith):
            return self._arith(node)
        raise self.error("a condition cannot be used as a value here", node)

    def _arith(self, node: Arith) -> Operand:
        a, b = self.operand(node.left), self.operand(node.right)
        for side in (a, b):
            bad = isinstance(side, Special) or (isinstance(side, Values) and side.text) or (
                isinstance(side, Const) and not isinstance(side.value, float))
            if bad:
                raise self.error(f"arithmetic ({node.op}) needs numbers", node)
        if isinstance(a, Const) and isinstance(b, Const):
            assert isinstance(a.value, float) and isinstance(b.value, float)
            with np.errstate(all="ignore"):
                value = float(_ARITH[node.op](np.float64(a.value), np.float64(b.value)))
            return Const(value, node)
        samples = [v.used for v in (a, b) if isinstance(v, Values) and v.per_sample]
        if len(samples) == 2 and not _same_samples(*samples):
            raise self.error(
                f"arithmetic ({node.op}) between FORMAT values of different samples is not "
                "supported (bcftools gives unreliable results); compare each side separately",
                node)
        x = self._num_data(a)
        y = self._num_data(b)
        per = bool(samples)
        if per:
            x, y = self._as_sample(x, a), self._as_sample(y, b)
            kx, ky = x.shape[-1], y.shape[-1]
        else:
            kx, ky = x.shape[-1], y.shape[-1]
        if kx != ky and 1 not in (kx, ky):
            raise self.error(f"vectors of different lengths ({kx} vs {ky}) in {node.op}", node)
        with np.errstate(all="ignore"):
            data = _ARITH[node.op](x, y)
        used = _intersect(*(v.used for v in (a, b) if isinstance(v, Values) and v.per_sample))
        return Values(np.asarray(data, dtype=np.float64), False, per, used)

    def _num_data(self, v: Operand) -> np.ndarray:
        if isinstance(v, Const):
            assert isinstance(v.value, float)
            return np.full((self.n, 1), v.value, dtype=np.float64)
        assert isinstance(v, Values)
        return v.data

    def _as_sample(self, data: np.ndarray, v: Operand) -> np.ndarray:
        if isinstance(v, Values) and v.per_sample:
            return data
        return data[:, None, :]

    def _func(self, node: Func) -> Operand:
        arg = self.operand(node.arg)
        name = node.name
        if not isinstance(arg, Values):
            raise self.error(f"{name}() needs a field argument", node)
        if name == "STRLEN":
            if not arg.text:
                raise self.error("STRLEN() needs a text field", node)
            lengths, missing = _map_unique(arg.data, lambda c: len(c) if isinstance(c, str)
                                           else len(",".join(map(str, c))), dtype=np.float64)
            return Values(np.where(missing, np.nan, lengths), False, arg.per_sample, arg.used)
        if arg.text:
            raise self.error(f"{name}() needs a numeric field", node)
        data = arg.data
        if name == "ABS":
            return Values(np.abs(data), False, arg.per_sample, arg.used)
        reducer = _REDUCERS[name.removeprefix("SMPL_")]
        if name.startswith("SMPL_"):
            if not arg.per_sample:
                raise self.error(f"{name}() works on FORMAT fields", node)
            return Values(_nanreduce(reducer, data, axis=2)[:, :, None], False, True, arg.used)
        if arg.per_sample:
            keep = _used_row(arg.used, self.s)[:, :, None]
            data = np.where(keep, data, np.nan).reshape(self.n, self.s * data.shape[2])
        return Values(_nanreduce(reducer, data, axis=1)[:, None], False, False)

    def _field(self, node: Field) -> Operand:
        kind, tag = resolve_field(node, self.t, self.expr)
        sub = node.subscript
        if kind == "fixed":
            return self._fixed(node, tag)
        if kind == "info":
            if sub is not None and sub.has_colon:
                raise self.error("INFO fields take one index ([0], [*]); 'sample:value' "
                                 "subscripts are for FORMAT fields", sub.pos)
            data, text = self._info(node, tag)
            if sub is not None and sub.values is not None:
                data = self._select(data, sub.values, text)
            return Values(data, text, False)
        if tag == "GT":
            used = None
            if sub is not None:
                if sub.has_colon:
                    raise self.error("GT takes a sample index only, e.g. GT[0]", sub.pos)
                used = self._samples(sub.values, node)
            return Special("GT", node, used)
        if sub is None:
            raw, missing = self._format_column(node, tag)
            if raw.dtype.kind in "iu" and raw.ndim in (2, 3):
                return _IntValues(raw, missing)
        data, text = self._format(node, tag)
        used = None
        if sub is not None:
            if sub.has_colon:
                used = self._samples(sub.samples, node)
                if sub.values is not None:
                    data = self._select(data, sub.values, text)
            else:
                used = self._samples(sub.values, node)
        return Values(data, text, True, used)

    def _fixed(self, node: Field, tag: str) -> Operand:
        sub = node.subscript
        if tag in ("FILTER", "TYPE"):
            if sub is not None:
                raise self.error(f"{tag} takes no subscript", sub.pos)
            return Special(tag, node)
        if sub is not None and (sub.has_colon or (sub.values is not None and not (
                sub.values.is_all or sub.values.items == (0,)))):
            raise self.error(f"{tag} has one value per row; use {tag} or {tag}[0]", sub.pos)
        t = self.t
        if tag == "QUAL":
            return Values(_need(t, "variant_qual", node, self).astype(np.float64)[:, None],
                          False, False)
        if tag == "POS":
            return Values(_need(t, "variant_position", node, self).astype(np.float64)[:, None],
                          False, False)
        if tag == "CHROM":
            _need(t, "variant_contig", node, self)
            return Values(np.asarray(t.decode("variant_contig"), dtype=object)[:, None],
                          True, False)
        name = {"REF": "variant_ref", "ALT": "variant_alt", "ID": "variant_id"}[tag]
        data = np.asarray(_need(t, name, node, self), dtype=object)[:, None]
        return Values(data, True, False, exact=tag == "ID")

    def _info(self, node: Field, tag: str) -> tuple[np.ndarray, bool]:
        col = f"variant_info_{tag}"
        if col not in self.t:
            if tag in self.t.meta.info:
                raise self.error(f"INFO/{tag} was not read into this table; read the file with "
                                 f"read_vcf(..., info=[..., {tag!r}]) (see required_columns)",
                                 node)
            raise self.error(f"the tag INFO/{tag} is not defined in the VCF header", node)
        return as_values(self.t[col], self.t.meta.info.get(tag), per_sample=False,
                          missing=INT_MISSING)

    def _format(self, node: Field, tag: str) -> tuple[np.ndarray, bool]:
        arr, missing = self._format_column(node, tag)
        return as_values(arr, self.t.meta.format.get(tag), per_sample=True, missing=missing)

    def _format_column(self, node: Field, tag: str) -> tuple[np.ndarray, int]:
        """The stored column of FORMAT/<tag> and its missing code."""
        col = f"call_format_{tag}"
        missing = INT_MISSING
        if col not in self.t:
            std = standard_column(self.t, tag)
            if std is None:
                if tag in self.t.meta.format:
                    raise self.error(
                        f"FORMAT/{tag} was not read into this table; read the file with "
                        f"read_vcf(..., format=[{tag!r}]) (see required_columns)", node)
                raise self.error(f"the tag FORMAT/{tag} is not defined in the VCF header", node)
            col, missing = std, -1
        return self.t[col], missing

    def _select(self, data: np.ndarray, index: Index, text: bool) -> np.ndarray:
        """Columns of the value axis (last) selected by ``index``; out of range -> missing."""
        if data.dtype == object and data.shape[-1] == 1:
            data = explode(data, text)  # Number=. tuples -> one column per element
        k = data.shape[-1]
        wanted = list(index.items)
        if index.open_from is not None:
            wanted += [i for i in range(index.open_from, k) if i not in index.items]
            wanted.sort()
        if not wanted:
            wanted = [k]  # open range starting past the end: one missing column
        fill: Any = None if text else np.nan
        padded = np.concatenate(
            [data, np.full((*data.shape[:-1], 1), fill, dtype=data.dtype)], axis=-1)
        take = np.array([i if i < k else k for i in wanted], dtype=np.intp)
        return padded[..., take]

    def _samples(self, index: Index | None, node: Field) -> np.ndarray | None:
        if index is None or index.is_all:
            return None
        used = np.zeros(self.s, dtype=bool)
        bad = [i for i in index.items if i >= self.s]
        if bad:
            raise self.error(f"sample index {bad[0]} is out of range: the table has "
                             f"{self.s} samples", node.subscript.pos if node.subscript else node)
        used[list(index.items)] = True
        if index.open_from is not None:
            used[index.open_from:] = True
        return used


# -- helpers -----------------------------------------------------------------------------------
_F32_EXACT = 16_777_216.0  # 2**24: above this bcftools compares in double precision
_FLIP = {"<": ">", ">": "<", "<=": ">=", ">=": "<=", "==": "==", "!=": "!="}
_ARITH = {"+": np.add, "-": np.subtract, "*": np.multiply, "/": np.true_divide, "%": np.fmod}
_REDUCERS = {"MAX": np.nanmax, "MIN": np.nanmin, "AVG": np.nanmean, "SUM": np.nansum}
_CMP = {"==": np.equal, "!=": np.not_equal, "<": np.less, "<=": np.less_equal,
        ">": np.greater, ">=": np.greater_equal}


def _need(table: VariantTable, name: str, node: Node, ev: _Evaluator) -> np.ndarray:
    if name not in table:
        raise ev.error(f"this table has no {name!r} column", node)
    return table[name]


def _union(a: np.ndarray | None, b: np.ndarray | None) -> np.ndarray | None:
    if a is None or b is None:
        return None
    return np.asarray(a | b)


def _intersect(*masks: np.ndarray | None) -> np.ndarray | None:
    real = [m for m in masks if m is not None]
    if not real:
        return None
    out = real[0]
    for m in real[1:]:
        out = out & m
    return out


def _same_samples(a: np.ndarray | None, b: np.ndarray | None) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return bool(np.array_equal(a, b))


def _used_row(used: np.ndarray | None, s: int) -> np.ndarray:
    if used is None:
        return np.ones((1, s), dtype=bool)
    return used[None, :]


def _num_cmp(a: np.ndarray, b: np.ndarray, op: str) -> np.ndarray:
    """bcftools numeric comparison: float32 unless a value exceeds 2**24; missing logic."""
    fn = _CMP[op]
    if b.ndim == 0 and not np.isnan(b):
        # a constant: comparisons with NaN (missing) already give False (True for !=)
        bv = float(b)
        with np.errstate(all="ignore"):
            if bv > _F32_EXACT:
                return np.asarray(fn(a, bv))
            res = fn(a.astype(np.float32), np.float32(bv))
            big = a > _F32_EXACT
            if big.any():
                res = np.where(big, fn(a, bv), res)
        return np.asarray(res)
    am, bm = np.isnan(a), np.isnan(b)
    with np.errstate(all="ignore"):
        big = (a > _F32_EXACT) | (b > _F32_EXACT)
        res = fn(np.asarray(a, dtype=np.float32), np.asarray(b, dtype=np.float32))
        if np.any(big):
            res = np.where(big, fn(a, b), res)
    nmiss = am.astype(np.int8) + bm
    if op == "==":
        return np.where(nmiss == 0, res, nmiss == 2)
    if op == "!=":
        return np.where(nmiss == 0, res, nmiss == 1)
    return np.asarray(res & (nmiss == 0))


def _text_eq(a: np.ndarray, b: np.ndarray, op: str) -> np.ndarray:
    eq = np.asarray(np.equal(a, b, dtype=object), dtype=bool)
    return eq if op == "==" else ~eq


def _is_missing(data: np.ndarray) -> np.ndarray:
    import pandas as pd
    if data.dtype == object:
        if not data.size:
            return np.zeros(data.shape, dtype=bool)
        # None, or the text "." (e.g. an ALT of "." for a no-variant record)
        return np.asarray(np.asarray(pd.isna(data), dtype=bool) | (data == "."), dtype=bool)
    return np.asarray(np.isnan(data))


def _map_unique(data: np.ndarray, fn: Any, dtype: Any = bool) -> tuple[np.ndarray, np.ndarray]:
    """Apply ``fn`` once per distinct non-missing cell; return (values, missing) like ``data``."""
    import pandas as pd
    flat = data.ravel()
    if flat.size == 0:
        return np.zeros(data.shape, dtype=dtype), np.zeros(data.shape, dtype=bool)
    codes, uniques = pd.factorize(flat, use_na_sentinel=True)
    vals = np.array([fn(u) for u in uniques], dtype=dtype)
    missing = (codes < 0) | np.asarray(flat == ".", dtype=bool)
    out = np.where(missing, 0, vals[np.where(missing, 0, codes)] if len(vals) else 0)
    return out.astype(dtype).reshape(data.shape), missing.reshape(data.shape)


def _nanreduce(fn: Any, data: np.ndarray, axis: int) -> np.ndarray:
    all_missing = np.isnan(data).all(axis=axis)
    with np.errstate(all="ignore"), _quiet():
        out = fn(np.where(np.isnan(data), np.nan, data), axis=axis) if data.shape[axis] else \
            np.full(all_missing.shape, np.nan)
    return np.where(all_missing, np.nan, out)


@contextmanager
def _quiet() -> Iterator[None]:
    """Silence numpy's 'All-NaN slice' / 'Mean of empty slice' RuntimeWarnings."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        yield


def evaluate(node: Node, table: VariantTable, expr: str) -> Mask:
    """Evaluate a parsed condition over ``table``."""
    return _Evaluator(table, expr).mask(node)
