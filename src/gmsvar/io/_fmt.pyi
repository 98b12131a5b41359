"""Type stubs of the C extension gmsvar.io._fmt (see _fmt.c and vcf_format_c.py)."""

from typing import Any

# arguments: anything with the buffer protocol (bytes, numpy arrays); results: the extension's
# own buffer objects (wrapped with numpy.frombuffer)
_Buffer = Any

def parse(
    data: _Buffer, starts: _Buffer, ends: _Buffer, ranks: _Buffer, n_keep: int, codes: _Buffer,
    layout: _Buffer, n_keys: _Buffer, kinds: _Buffer, hints: _Buffer, /,
) -> tuple[_Buffer, int, _Buffer, list[Any]]: ...
def lines(data: _Buffer, size: int, n_columns: int, /) -> tuple[int, int, _Buffer]: ...
def info_items(data: _Buffer, starts: _Buffer, ends: _Buffer, /) -> tuple[int, _Buffer]: ...
def calls(
    s: int, ploidy: int, ad_width: int, n_alt: _Buffer, gt: _Buffer, block_ploidy: int,
    has_gt: _Buffer, phased: _Buffer, ad: _Buffer | None, ad_width_block: int, ad_present: _Buffer | None,
    dp: _Buffer | None, dp_width: int, dp_present: _Buffer | None, gq: _Buffer | None, gq_width: int,
    gq_present: _Buffer | None, gq_float: bool, out_gt: _Buffer, out_phased: _Buffer, out_ad: _Buffer,
    out_dp: _Buffer, out_gq: _Buffer, out_vaf: _Buffer | None, out_code: _Buffer | None, /,
) -> None: ...
