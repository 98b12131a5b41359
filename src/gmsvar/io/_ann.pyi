"""Type stubs of the C extension gmsvar.io._ann (see _ann.c and annotations._sub_fields)."""

import numpy as np

def fields(entries: list[str], n: int, codes: np.ndarray, /) -> list[list[str]]: ...
