"""User evidence: lab and family criteria (and overrides) keyed by variant, added before combining.

A scientist keeps a table with one row per (variant, criterion): ``variant`` as
``chrom-pos-ref-alt`` (``chr`` prefix optional), ``criterion`` (ACMG code), ``strength``
(``Very strong``/``Strong``/``Moderate``/``Supporting``; empty = default strength of the code, or
``Not met`` to switch an automated criterion off) and ``note`` (free text, shown in the evidence
string). Re-running :func:`gmsvar.classify` with ``evidence=`` applies it.

* Lab/family criteria (:data:`USER_CRITERIA`: PS2 PS3 PS4 PM3 PM6 PP1 PP4 BS3 BS4 BP2 BP5) can
  only come from this table.
* Automated criteria may be overridden (another strength, or ``Not met``); the row gets the flag
  ``user_override`` and the note is shown.

Examples
--------
>>> import pandas as pd
>>> ev = load_evidence(pd.DataFrame({"variant": ["chr3-37050500-G-T"], "criterion": ["PS3"],
...                                  "strength": ["Moderate"], "note": ["RNA assay"]}))
>>> ev[["key", "criterion", "strength"]].values.tolist()
[['3-37050500-G-T', 'PS3', 2]]
"""

from __future__ import annotations

import os

import numpy as np
import pandas as pd

from ..errors import InputError
from .criteria import CODES, strength_code

__all__ = ["DEFAULT_STRENGTH", "USER_CRITERIA", "load_evidence"]

#: Criteria that need lab or family evidence: only from the user evidence table.
USER_CRITERIA: tuple[str, ...] = ("PS2", "PS3", "PS4", "PM3", "PM6", "PP1", "PP4", "BS3", "BS4", "BP2", "BP5")

#: Default strength code of every criterion (BA1 stand-alone = 5).
DEFAULT_STRENGTH: dict[str, int] = {
    c: (4 if c == "PVS1" else 5 if c == "BA1" else 3 if c[1] == "S" else 2 if c[1] == "M" else 1)
    for c in CODES
}


def load_evidence(evidence: pd.DataFrame | str | os.PathLike[str] | None) -> pd.DataFrame:
    """Validate a user evidence table (DataFrame or TSV/CSV path) -> key, criterion, strength, note.

    Raises
    ------
    InputError
        Missing columns, unknown criteria or strengths, bad variant keys, or the same
        (variant, criterion) twice.
    """
    cols = ["key", "criterion", "strength", "note"]
    if evidence is None:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in cols})
    if isinstance(evidence, (str, os.PathLike)):
        path = os.fspath(evidence)
        sep = "," if path.endswith(".csv") else "\t"
        try:
            df = pd.read_csv(path, sep=sep, dtype=str, keep_default_na=False, comment="#")
        except OSError as err:
            raise InputError(f"cannot read evidence table {path}: {err}") from err
    elif isinstance(evidence, pd.DataFrame):
        df = evidence.astype(object).where(evidence.notna(), "")
    else:
        raise InputError(f"evidence must be a DataFrame or a TSV/CSV path, not {type(evidence).__name__}")
    missing = {"variant", "criterion"} - set(df.columns)
    if missing:
        raise InputError(
            f"evidence table lacks columns {sorted(missing)}; needs variant, criterion, strength, note"
        )
    out = pd.DataFrame(
        {
            "variant": df["variant"].astype(str).str.strip(),
            "criterion": df["criterion"].astype(str).str.strip().str.upper(),
            "strength_label": (df["strength"] if "strength" in df else pd.Series("", index=df.index)).astype(
                str
            ),
            "note": (df["note"] if "note" in df else pd.Series("", index=df.index)).astype(str),
        }
    )
    bad = sorted(set(out["criterion"]) - set(CODES))
    if bad:
        raise InputError(f"evidence table: unknown criteria {bad}; use {list(CODES)}")
    parts = out["variant"].str.replace(r"^chr", "", regex=True).str.split("-", n=3, expand=True)
    if parts.shape[1] < 4 or parts.isna().any().any() or not parts[1].str.fullmatch(r"\d+").all():
        raise InputError("evidence table: variant must be chrom-pos-ref-alt, e.g. 17-43045712-C-T")
    chrom = parts[0].where(parts[0] != "M", "MT")
    out["key"] = chrom + "-" + parts[1] + "-" + parts[2].str.upper() + "-" + parts[3].str.upper()
    codes = []
    for crit, lab in zip(out["criterion"], out["strength_label"], strict=True):
        try:
            codes.append(DEFAULT_STRENGTH[crit] if lab.strip() == "" else strength_code(lab))
        except ValueError as err:
            raise InputError(f"evidence table: {crit}: {err}") from err
    out["strength"] = np.asarray(codes, dtype=np.int8)
    dup = out.duplicated(["key", "criterion"])
    if dup.any():
        raise InputError(
            f"evidence table: repeated (variant, criterion): "
            f"{out.loc[dup, ['variant', 'criterion']].values.tolist()[:3]}"
        )
    return out[cols].reset_index(drop=True)
