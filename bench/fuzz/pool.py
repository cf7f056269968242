"""The worker pool and its watchdog.

Campaigns (a decoder, a range of input numbers) run in worker processes, ``jobs`` at a time, each with its
address space capped. For every input a worker calls the decoder, then the decoder's baseline, and shows the
parent which call it is in and since when. Both calls are under the same limit: a call still running after
``limit_s`` is a hang (a Python signal could not stop a loop inside SQLite or numpy), so the parent kills that
worker and starts another after the input. A hang in the baseline is counted apart from the decoder's hangs, and
the input is run again without its baseline, so that its decoder call still counts.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing as mp
import os
import shutil
import tempfile
import time
import traceback
import warnings
from collections import defaultdict, deque
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.fuzz.findings import Finding, Tally, record, where
from bench.fuzz.targets import TARGETS
from bench.fuzz.targets.base import Target, rng_for

FLUSH_S = 0.25  # how often a worker reports what it has done
DECODER, BASELINE = 1, 2  # the call a worker is in
_PACKAGE = Path(__file__).resolve().parent
# What each kind of lost input adds to, in the decoder's tally.
_COUNTER = {"crash": "crashes", "hang": "hangs", "baseline crash": "baseline_crashes",
            "baseline hang": "baseline_hangs"}


def _scratch() -> str:
    """Files for the file decoders go to memory when the machine has a tmpfs (the CAD fsyncs every commit)."""
    shm = Path("/dev/shm")
    return str(shm) if shm.is_dir() and os.access(shm, os.W_OK) else tempfile.gettempdir()


def _cap_memory(mb: int) -> None:
    try:
        import resource
    except ImportError:  # not on this platform
        return
    with open("/proc/self/statm") as fh:
        held = int(fh.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    limit = held + mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


@dataclass
class Watch:
    """What a worker shows the watchdog, in shared memory: the input it is on, the call it is in, and when that
    call began (0 between calls, so that making an input never counts as a hang)."""

    input: Any
    phase: Any
    began: Any

    @classmethod
    def new(cls, ctx: Any) -> Watch:
        return cls(ctx.RawValue("q", -1), ctx.RawValue("i", 0), ctx.RawValue("d", 0.0))

    @contextlib.contextmanager
    def call(self, phase: int) -> Iterator[None]:
        # The phase changes only while ``began`` is 0, so a watchdog that reads the same ``began`` before and
        # after the phase knows the phase belongs to that call.
        self.phase.value = phase
        self.began.value = time.monotonic()
        try:
            yield
        finally:
            self.began.value = 0.0


def _decode(target: Target, seed: int, i: int, value: Any, arg: Any, watch: Watch, tally: Tally) -> None:
    """One decoder call, timed, with its outcome counted: rejected, crashed, accepted (and its promise checked)."""

    def describe() -> tuple[str, list[str]]:
        log: list[str] = []
        again = target.generate(rng_for(seed, target.name, i), i, log)
        return target.show(again), log

    error: Exception | None = None
    accepted = False
    with watch.call(DECODER):
        t0 = time.perf_counter()
        try:
            result = target.run(arg)
            accepted = True
        except target.errors:
            pass
        except Exception as exc:
            error = exc
        took = time.perf_counter() - t0
    tally.inputs += 1
    tally.run_s += took
    if took > tally.slowest_s:
        tally.slowest_s, tally.slowest_i = took, i
    if accepted:
        tally.accepted += 1
        try:
            bad = target.check(value, result)
        except Exception as exc:  # a result too broken to even check
            bad = f"checking the result raised {type(exc).__name__}"
        if bad is not None:
            tally.violations += 1
            record(tally, "violation", bad, "", i, describe)
    elif error is None:
        tally.rejected += 1
    else:
        tally.crashes += 1
        tb = error.__traceback__
        while tb is not None and Path(tb.tb_frame.f_code.co_filename).is_relative_to(_PACKAGE):
            tb = tb.tb_next  # from the decoder's own code down
        trace = "".join(traceback.format_exception(type(error), error, tb, limit=-10))
        record(tally, "crash", f"{type(error).__name__}: {str(error)[:200]}", where(error), i, describe, trace)


def _worker(target_cls: type[Target], seed: int, start: int, stop: int, work: str, memory_mb: int,
            no_baseline: frozenset[int], watch: Watch, conn: Any) -> None:
    """Runs inputs ``start``..``stop`` of one decoder, reporting to ``conn`` every ``FLUSH_S``; ``no_baseline``:
    inputs whose baseline already hung."""
    logging.disable(logging.WARNING)  # the CAD logs its first malformed command; that is the point here
    warnings.simplefilter("ignore")  # numpy's casting warnings on odd arrays, thousands of them
    with contextlib.suppress(OSError, ValueError):
        _cap_memory(memory_mb)
    target = target_cls(seed)
    target.setup(Path(work))
    tally, flushed = Tally(), time.perf_counter()
    for i in range(start, stop):
        watch.input.value = i
        value = target.generate(rng_for(seed, target.name, i), i, None)
        arg = target.prepare(value)
        _decode(target, seed, i, value, arg, watch, tally)
        if target.baseline_name and i not in no_baseline:
            with watch.call(BASELINE):
                b0 = time.perf_counter()
                with contextlib.suppress(Exception):
                    target.baseline(arg)
                tally.baseline_s += time.perf_counter() - b0
            tally.baseline_n += 1
        if time.perf_counter() - flushed > FLUSH_S:
            conn.send(("part", i + 1, tally))
            tally, flushed = Tally(), time.perf_counter()
    conn.send(("done", stop, tally))


@dataclass
class _Running:
    proc: Any
    conn: Any
    watch: Watch
    name: str
    stop: int
    done: int  # inputs before this one are reported


class Campaign:
    """Runs the tasks (decoder, first input, end) in workers and keeps every call to the per-input time limit."""

    def __init__(self, seed: int, jobs: int, limit_s: float, memory_mb: int,
                 targets: Mapping[str, type[Target]] = TARGETS) -> None:
        self.seed, self.jobs, self.limit_s, self.memory_mb = seed, jobs, limit_s, memory_mb
        self.targets = targets
        self.ctx = mp.get_context("fork" if "fork" in mp.get_all_start_methods() else "spawn")
        self.tallies: dict[str, Tally] = {}
        self._made: dict[str, Target] = {}  # for rebuilding lost inputs in the parent
        self._no_baseline: dict[str, set[int]] = defaultdict(set)
        self._scratch = tempfile.mkdtemp(prefix="sitroom-fuzz-", dir=_scratch())

    def _target(self, name: str) -> Target:
        if name not in self._made:
            self._made[name] = self.targets[name](self.seed)
        return self._made[name]

    def _start(self, name: str, start: int, stop: int) -> _Running:
        work = tempfile.mkdtemp(prefix=f"{name}-{start}-", dir=self._scratch)
        watch = Watch.new(self.ctx)
        skip = frozenset(i for i in self._no_baseline[name] if start <= i < stop)
        parent, child = self.ctx.Pipe(duplex=False)
        proc = self.ctx.Process(target=_worker, name=f"fuzz-{name}", daemon=True,
                                args=(self.targets[name], self.seed, start, stop, work, self.memory_mb, skip, watch,
                                      child))
        proc.start()
        child.close()
        return _Running(proc, parent, watch, name, stop, start)

    def _drain(self, r: _Running) -> bool:
        """Take the worker's reports; True once it has reported its last input."""
        done = False
        try:
            while r.conn.poll():
                what, upto, tally = r.conn.recv()
                self.tallies.setdefault(r.name, Tally()).merge(tally)
                r.done = upto
                done = what == "done"
        except (EOFError, OSError):
            pass
        return done

    def _lost(self, r: _Running, kind: str, i: int, message: str, pending: deque) -> None:
        """Input ``i`` hung or killed its worker, in the decoder or its baseline: count it, keep it as a finding,
        queue again what the worker had not reported."""
        tally = self.tallies.setdefault(r.name, Tally())
        setattr(tally, _COUNTER[kind], getattr(tally, _COUNTER[kind]) + 1)
        target = self._target(r.name)
        log: list[str] = []
        value = target.generate(rng_for(self.seed, r.name, i), i, log)
        tally.merge(Tally(found={(kind, message): Finding(kind, message, 1, i, input=target.show(value),
                                                          mutations=log)}))
        spans = [(i + 1, r.stop), (r.done, i)]
        if kind.startswith("baseline"):  # the decoder's outcome was not reported: input i again, no baseline
            self._no_baseline[r.name].add(i)
            spans = [(r.done, r.stop)]
        else:
            tally.inputs += 1
        pending.extendleft((r.name, a, b) for a, b in spans if a < b)

    def _stop(self, r: _Running, running: list[_Running]) -> None:
        r.proc.kill()
        r.proc.join()
        self._drain(r)
        running.remove(r)

    def run(self, tasks: list[tuple[str, int, int]], on_progress: Callable[[], None] | None = None) -> None:
        pending, running = deque(tasks), []
        try:
            while pending or running:
                while pending and len(running) < self.jobs:
                    running.append(self._start(*pending.popleft()))
                time.sleep(0.02)
                now = time.monotonic()
                for r in list(running):
                    if self._drain(r):
                        r.proc.join()
                        running.remove(r)
                        continue
                    # Read before the liveness check: a dead worker's last call stays in shared memory.
                    began = r.watch.began.value
                    i, phase = r.watch.input.value, r.watch.phase.value
                    same_call = began and r.watch.began.value == began
                    during = " in the baseline" if same_call and phase == BASELINE else ""
                    kind = "baseline " if during else ""
                    if not r.proc.is_alive():
                        self._drain(r)
                        running.remove(r)
                        if r.done < r.stop:
                            if i < 0:
                                raise RuntimeError(f"fuzz: the {r.name} worker failed before its first input "
                                                   f"(exit status {r.proc.exitcode}); see its error above")
                            code = r.proc.exitcode
                            why = f"signal {-code}" if code is not None and code < 0 else f"exit status {code}"
                            self._lost(r, f"{kind}crash", max(i, r.done), f"worker died{during} ({why})", pending)
                        continue
                    if same_call and now - began > self.limit_s:
                        self._stop(r, running)
                        if r.done > i:  # it finished that input after all, just before the kill
                            if r.done < r.stop:
                                pending.appendleft((r.name, r.done, r.stop))
                        else:
                            self._lost(r, f"{kind}hang", i, f"still running{during} after {self.limit_s:g} s",
                                       pending)
                if on_progress is not None:
                    on_progress()
        finally:
            for r in running:
                r.proc.kill()
                r.proc.join()
            shutil.rmtree(self._scratch, ignore_errors=True)
