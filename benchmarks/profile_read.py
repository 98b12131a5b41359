"""cProfile ``gmsvar.read_vcf`` on a benchmark cohort and list the hotspots in gmsvar's code.

Usage::

    python benchmarks/profile_read.py [NAME] [--backend cyvcf2|pysam] [--region chr1] [--top 15]

Writes ``benchmarks/results/profile_<NAME>_<backend>.txt`` (and ``.prof`` for snakeviz /
pstats). "self s" is time spent in the function body itself (tottime); "incl. s" includes
callees (cumtime). cProfile adds overhead to every Python call, so absolute times are larger
than in ``bench_read.py``; use the shares, not the totals.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import generate_cohort as gen  # noqa: E402


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("name", nargs="?", default="bench_1M_1s")
    ap.add_argument("--backend", default="cyvcf2", choices=("cyvcf2", "pysam"))
    ap.add_argument("--region", default=None, help="profile only this region (e.g. chr1)")
    ap.add_argument("--top", type=int, default=15)
    args = ap.parse_args(argv)
    import gmsvar

    if not gen.is_current(args.name):
        gen.generate(args.name)
    path = gen.DEFAULT_OUT / f"{args.name}.vcf.gz"
    prof = cProfile.Profile()
    t0 = time.perf_counter()
    prof.enable()
    table = gmsvar.read_vcf(path, backend=args.backend, regions=args.region)
    prof.disable()
    wall = time.perf_counter() - t0
    out_dir = HERE / "results"
    out_dir.mkdir(exist_ok=True)
    stem = out_dir / f"profile_{args.name}_{args.backend}{'_' + args.region if args.region else ''}"
    prof.dump_stats(str(stem) + ".prof")
    st = pstats.Stats(prof)
    total = sum(v[2] for v in st.stats.values())  # type: ignore[attr-defined]
    rows = []
    for (file, line, func), (_cc, ncalls, tt, ct, _callers) in st.stats.items():  # type: ignore[attr-defined]
        rows.append((tt, ct, ncalls, file, line, func))
    from bench_read import source_state

    src = source_state()
    lines = [f"gmsvar.read_vcf({path.name}, backend={args.backend!r}, regions={args.region!r}): "
             f"{len(table):,} rows, {wall:.1f}s wall under cProfile, {total:.1f}s profiled self time",
             f"gmsvar source: git {src.get('git_head', '?')}, uncommitted "
             f"{src.get('uncommitted_src', '?')}, package hash {src['src_sha256']}",
             "", "Top functions in gmsvar code by self time:",
             f"{'self s':>8} {'share':>6} {'incl. s':>8} {'calls':>10}  function"]
    mine = sorted((r for r in rows if "/gmsvar/" in r[3]), reverse=True)[: args.top]
    for tt, ct, nc, file, line, func in mine:
        short = file.split("/gmsvar/", 1)[1]
        lines.append(f"{tt:8.2f} {tt / total:6.1%} {ct:8.2f} {nc:>10,}  {short}:{line} {func}")
    lines += ["", "Top functions overall by self time (any module, incl. C builtins):",
              f"{'self s':>8} {'share':>6} {'incl. s':>8} {'calls':>10}  function"]
    for tt, ct, nc, file, line, func in sorted(rows, reverse=True)[: args.top]:
        where = file.split("site-packages/", 1)[-1].split("/src/", 1)[-1]
        lines.append(f"{tt:8.2f} {tt / total:6.1%} {ct:8.2f} {nc:>10,}  {where}:{line} {func}")
    buf = io.StringIO()
    pstats.Stats(prof, stream=buf).sort_stats("cumulative").print_stats(25)
    lines += ["", "Cumulative (pstats):", buf.getvalue()]
    text = "\n".join(lines)
    Path(str(stem) + ".txt").write_text(text)
    print("\n".join(lines[: 2 * args.top + 8]))


if __name__ == "__main__":
    main()
