"""Where tasks run: a local process pool (default), this process, or a Dask cluster.

All three call the same :func:`~gmsvar.cohort.worker.execute_task` on the same tasks, so the
results do not depend on the scheduler.

Process pool fault isolation: a task that kills its worker process (e.g. a segfault in a C
library on a malformed record) breaks a ``concurrent.futures`` pool and fails every pending
future with ``BrokenProcessPool``. Results already received are kept; each task leaves a
marker file while it runs, so after a break the runner knows which tasks were running, re-runs
each of those alone in a fresh process (the one that crashes again is recorded as
``WorkerCrashed`` with the signal) and continues the rest on a new pool. On Dask, a crashing
task is retried by Dask on other workers and then reported as ``KilledWorker``, recorded as
``WorkerCrashed`` too.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import multiprocessing as mp
import shutil
import signal
import time
import uuid
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from ..errors import GmsvarError
from .worker import RunSettings, Task, TaskResult, error_results, execute_task

__all__ = ["WorkerStartError", "dask_workers", "execute"]

log = logging.getLogger("gmsvar.cohort")

#: Modules the fork server imports before forking workers (missing ones are skipped).
_PRELOAD = ("gmsvar.cohort.worker", "gmsvar.pipeline", "gmsvar.classify", "gmsvar.actionable")


class WorkerStartError(GmsvarError):
    """The local worker processes could not start (nothing was run)."""


_SETTINGS: RunSettings | None = None


def _pool_init(settings: RunSettings) -> None:
    global _SETTINGS
    _SETTINGS = settings
    # Ctrl-C goes to the parent, which shuts the pool down; workers must not die half-way
    # through writing (they write atomically anyway).
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _pool_task(task: Task) -> TaskResult:
    assert _SETTINGS is not None, "worker not initialised"
    return execute_task(_SETTINGS, task)


def _isolated_main(conn: Connection, settings: RunSettings, task: Task) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    conn.send(execute_task(settings, task))
    conn.close()


def _mp_context() -> Any:
    methods = mp.get_all_start_methods()
    # forkserver: workers fork from a clean server (no parent threads), imports done once
    if "forkserver" in methods:
        ctx = mp.get_context("forkserver")
        # Imported once in the fork server, so every worker starts with them loaded (importing
        # gmsvar and the interpretation modules takes seconds; a worker is forked in ms).
        ctx.set_forkserver_preload(list(_PRELOAD))
        return ctx
    return mp.get_context("spawn")


def _signal_name(code: int | None) -> str:
    if code is None:
        return "did not exit"
    if code < 0:
        with contextlib.suppress(ValueError):
            return f"killed by signal {signal.Signals(-code).name}"
        return f"killed by signal {-code}"
    return f"exited with status {code}"


def _crash_result(task: Task, settings: RunSettings, how: str, t0: float) -> TaskResult:
    msg = (f"the worker process running this sample died ({how}); the input probably crashes a "
           "C library (e.g. a malformed record) - check it with 'bcftools view'")
    return TaskResult(task.task_id, error_results(task, "WorkerCrashed", msg,
                                                  out_dir=settings.out_dir),
                      time.perf_counter() - t0, -1, "", 0)


def _run_isolated(task: Task, settings: RunSettings, ctx: Any) -> TaskResult:
    t0 = time.perf_counter()
    recv, send = ctx.Pipe(duplex=False)
    iso = dataclasses.replace(settings, marker_dir=None)
    proc = ctx.Process(target=_isolated_main, args=(send, iso, task), daemon=True)
    proc.start()
    send.close()
    try:
        res: TaskResult | None = recv.recv()
    except EOFError:
        res = None
    finally:
        recv.close()
    proc.join()
    if res is None:
        return _crash_result(task, settings, _signal_name(proc.exitcode), t0)
    return res


def _run_pool(tasks: list[Task], settings: RunSettings, workers: int,
              on_result: Callable[[TaskResult], None]) -> str:
    ctx = _mp_context()
    remaining = {t.task_id: t for t in tasks}
    # Markers live in out_dir/.gmsvar/; a killed run's stale markers are removed by the next run
    # on the same out_dir (one run per out_dir at a time).
    base = Path(settings.out_dir) / ".gmsvar"
    for stale in base.glob("running-*"):
        shutil.rmtree(stale, ignore_errors=True)
    marker_dir = base / f"running-{uuid.uuid4().hex[:8]}"
    marker_dir.mkdir(parents=True)
    settings = dataclasses.replace(settings, marker_dir=str(marker_dir))
    breaks = 0
    try:
        while remaining:
            n = max(1, min(workers, len(remaining)))
            broken = False
            ex = ProcessPoolExecutor(max_workers=n, mp_context=ctx, initializer=_pool_init,
                                     initargs=(settings,))
            try:
                futs: dict[Future[TaskResult], Task] = {
                    ex.submit(_pool_task, t): t for t in remaining.values()}
                todo = set(futs)
                while todo:
                    done, todo = wait(todo, return_when=FIRST_COMPLETED)
                    for fut in done:
                        t = futs[fut]
                        try:
                            res = fut.result()
                        except BrokenProcessPool:
                            broken = True
                            continue
                        except Exception as err:  # e.g. an unpicklable result
                            res = TaskResult(t.task_id, error_results(
                                t, type(err).__name__, str(err), out_dir=settings.out_dir),
                                0.0, -1, "", 0)
                        remaining.pop(t.task_id, None)
                        on_result(res)
            except BaseException:
                ex.shutdown(wait=False, cancel_futures=True)
                raise
            ex.shutdown(wait=True)
            if not broken:
                continue
            breaks += 1
            running = {int(p.name) for p in marker_dir.iterdir() if p.name.isdigit()}
            for p in marker_dir.iterdir():
                p.unlink(missing_ok=True)
            suspects = [remaining[i] for i in sorted(running) if i in remaining]
            if not suspects and len(remaining) == len(tasks):
                raise WorkerStartError(
                    "the worker processes died before running any task. If run_cohort is called "
                    "from a script, put the call under \"if __name__ == '__main__':\" (workers "
                    f"start with the {ctx.get_start_method()!r} method and import the main "
                    "module); or pass workers=0 to run in this process")
            if not suspects and breaks >= 3:
                suspects = list(remaining.values())  # cannot tell: isolate everything left
            log.warning("a worker process died; re-running %d task(s) one at a time to find the "
                        "crashing input", len(suspects))
            for t in suspects:
                res = _run_isolated(t, settings, ctx)
                remaining.pop(t.task_id, None)
                on_result(res)
    finally:
        shutil.rmtree(marker_dir, ignore_errors=True)
        with contextlib.suppress(OSError):
            base.rmdir()
    return f"process pool ({workers} workers, {ctx.get_start_method()})"


def _run_inline(tasks: list[Task], settings: RunSettings,
                on_result: Callable[[TaskResult], None]) -> str:
    for t in tasks:
        on_result(execute_task(settings, t))
    return "in-process (workers=0)"


def dask_workers(client: Any) -> int:
    info = client.scheduler_info()
    return max(1, sum(int(w.get("nthreads", 1)) for w in info.get("workers", {}).values()))


def _run_dask(tasks: list[Task], settings: RunSettings, client: Any,
              on_result: Callable[[TaskResult], None]) -> str:
    from distributed import as_completed  # type: ignore[import-untyped, unused-ignore]

    token = uuid.uuid4().hex[:8]
    shared = client.scatter(settings, broadcast=True, hash=False)
    futs = {}
    for t in tasks:
        f = client.submit(execute_task, shared, t, key=f"gmsvar-cohort-{token}-{t.task_id}",
                          pure=False)
        futs[f.key] = (f, t)
    pending = {k for k in futs}
    try:
        for fut in as_completed([f for f, _ in futs.values()]):  # type: ignore[no-untyped-call]
            t = futs[fut.key][1]
            t0 = time.perf_counter()
            try:
                res = fut.result()
            except Exception as err:  # KilledWorker, CancelledError, communication failures
                kind = "WorkerCrashed" if type(err).__name__ == "KilledWorker" else \
                    type(err).__name__
                res = TaskResult(t.task_id, error_results(
                    t, kind, f"Dask: {type(err).__name__}: {err}", out_dir=settings.out_dir),
                    time.perf_counter() - t0, -1, "", 0)
            pending.discard(fut.key)
            fut.release()
            on_result(res)
    finally:
        left = [futs[k][0] for k in pending]
        if left:
            client.cancel(left)
        with contextlib.suppress(Exception):
            client.cancel([shared])
    return f"dask ({client.scheduler.address}, {dask_workers(client)} worker threads)"


def execute(tasks: list[Task], settings: RunSettings, *, n_workers: int, client: Any,
            on_result: Callable[[TaskResult], None]) -> str:
    """Run ``tasks`` on Dask (``client``), in this process (``n_workers == 0``) or on a process
    pool; ``on_result`` gets each :class:`TaskResult` as it arrives. Returns a description of
    the scheduler used."""
    if not tasks:
        return "none (all samples complete)"
    if client is not None:
        return _run_dask(tasks, settings, client, on_result)
    if n_workers == 0:
        return _run_inline(tasks, settings, on_result)
    return _run_pool(tasks, settings, min(n_workers, len(tasks)), on_result)
