"""Type stubs of the C extension gmsvar.io._tabix (see _tabix.c and tabix.py)."""

_Bytes = bytes | bytearray | memoryview

def layout(index: _Bytes, n_refs: int = -1, /) -> tuple[int, bytes]: ...
def chunks(
    index: _Bytes, bins_off: int, n_bin: int, lin_off: int, n_intv: int, begs: _Bytes, ends: _Bytes, /
) -> bytes: ...
def select(
    text: _Bytes, start: int, stop: int, contig: _Bytes, begs: _Bytes, ends: _Bytes, /
) -> tuple[bytes, int, int]: ...
