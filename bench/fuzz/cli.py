"""``python -m bench fuzz``: options, the campaigns over every decoder, and the report ending in its JSON line."""

from __future__ import annotations

import math
import os
import time

from bench import common
from bench.fuzz.findings import Tally
from bench.fuzz.pool import Campaign
from bench.fuzz.targets import TARGETS

DEFAULT_INPUTS = 100_000
QUICK_INPUTS = 2_000
LIMIT_S = 2.0
MEMORY_MB = 2048  # address space a worker may add to what it holds at start
SHOW = 5  # distinct findings of each kind printed in full


def _us(seconds: float, n: int) -> float:
    return seconds / n * 1e6 if n else float("nan")


def _rounded(value: float, digits: int = 3) -> float | None:
    return round(value, digits) if math.isfinite(value) else None


def _print_findings(tallies: dict[str, Tally], kind: str, title: str) -> None:
    found = [(name, f) for name, t in tallies.items() for f in t.found.values() if f.kind == kind]
    if not found:
        return
    found.sort(key=lambda nf: -nf[1].count)
    common.heading(f"{title}: {len(found)} distinct (first {min(SHOW, len(found))} in full)")
    for n, (name, f) in enumerate(found):
        at = f" at {f.where}" if f.where else ""
        common.say(f"  {name}: {f.message}{at}   ({f.count:,} inputs; first #{f.first})")
        if n >= SHOW:
            continue
        if f.mutations:
            common.say(f"    mutations: {'; '.join(f.mutations)[:600]}")
        if f.input:
            common.say(f"    input: {f.input[:700]}")
        if f.trace:
            common.say("    " + f.trace.rstrip().replace("\n", "\n    "))


def main(argv: list[str]) -> dict:
    p = common.parser("fuzz", "every decoder of outside input fed seeded mutations of valid inputs; crashes and "
                              "hangs counted")
    p.add_argument("--inputs", type=int, default=None,
                   help=f"inputs per decoder (default {DEFAULT_INPUTS:,}; quick {QUICK_INPUTS:,})")
    p.add_argument("--seed", type=int, default=1, help="the mutator's seed (default 1)")
    p.add_argument("--jobs", type=int, default=None, help="worker processes at a time (default: one per CPU)")
    p.add_argument("--limit", type=float, default=LIMIT_S,
                   help=f"seconds one input's decoder call, and its baseline, may take (default {LIMIT_S:g})")
    p.add_argument("--memory-mb", type=int, default=MEMORY_MB,
                   help=f"address space a worker may add, MB (default {MEMORY_MB}); past it is a MemoryError")
    p.add_argument("--only", default="", help=f"comma-separated decoders (of: {', '.join(TARGETS)})")
    args = p.parse_args(argv)
    per = args.inputs or (QUICK_INPUTS if args.quick else DEFAULT_INPUTS)
    names = [n.strip() for n in args.only.split(",") if n.strip()] or list(TARGETS)
    unknown = [n for n in names if n not in TARGETS]
    if unknown:
        p.error(f"unknown decoder(s) {', '.join(unknown)}")
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    jobs = max(1, args.jobs or cpus)

    chunks = max(1, min(jobs * 2, per // 500))  # several per decoder, so the slow decoders share the CPUs
    size = -(-per // chunks)
    tasks = [(name, s, min(s + size, per)) for name in names for s in range(0, per, size)]
    common.heading(f"fuzz: {len(names)} decoders × {per:,} inputs, seed {args.seed}, {jobs} workers, "
                   f"{args.limit:g} s per call at most")
    campaign = Campaign(args.seed, jobs, args.limit, args.memory_mb)
    t0 = time.perf_counter()
    last = [t0]

    def progress() -> None:
        now = time.perf_counter()
        if now - last[0] >= 30:
            last[0] = now
            done = sum(t.inputs for t in campaign.tallies.values())
            common.say(f"  … {done:,} of {per * len(names):,} inputs after {now - t0:.0f} s")

    campaign.run(tasks, progress)
    wall = time.perf_counter() - t0

    common.heading("per decoder (µs per input: the call alone; baseline: the bare library parse of the same input; "
                   "b.hangs: baselines past the limit)")
    common.say(f"  {'decoder':<25}{'inputs':>10}{'accepted':>10}{'crashes':>9}{'hangs':>7}{'violations':>12}"
               f"{'µs/input':>10}{'baseline':>10}{'b.hangs':>9}  {'slowest':>9}  baseline is")
    per_decoder: dict[str, dict] = {}
    total = Tally()
    ours_s = base_s = 0.0
    for name in names:
        t = campaign.tallies.get(name, Tally())
        total.merge(Tally(inputs=t.inputs, accepted=t.accepted, rejected=t.rejected, crashes=t.crashes,
                          hangs=t.hangs, violations=t.violations, baseline_hangs=t.baseline_hangs,
                          baseline_crashes=t.baseline_crashes))
        us, base_us = _us(t.run_s, t.inputs - t.hangs), _us(t.baseline_s, t.baseline_n)
        if TARGETS[name].unpackb_baseline and t.baseline_n:
            ours_s += t.run_s * t.baseline_n / max(t.inputs - t.hangs, 1)
            base_s += t.baseline_s
        common.say(f"  {name:<25}{t.inputs:>10,}{t.accepted:>10,}{t.crashes:>9,}{t.hangs:>7,}{t.violations:>12,}"
                   f"{us:>10.1f}{base_us:>10.1f}{t.baseline_hangs:>9,}  {t.slowest_s * 1000:>7.1f}ms  "
                   f"{TARGETS[name].baseline_name or '-'}")
        per_decoder[name] = {"inputs": t.inputs, "accepted": t.accepted, "rejected": t.rejected,
                             "crashes": t.crashes, "hangs": t.hangs, "violations": t.violations,
                             "baseline_hangs": t.baseline_hangs, "baseline_crashes": t.baseline_crashes,
                             "us_per_input": _rounded(us), "baseline_us_per_input": _rounded(base_us),
                             "slowest_ms": _rounded(t.slowest_s * 1000), "slowest_input": t.slowest_i}
    _print_findings(campaign.tallies, "crash", "crashes")
    _print_findings(campaign.tallies, "hang", "hangs")
    _print_findings(campaign.tallies, "violation", "violations (accepted, but not what the decoder promises)")
    _print_findings(campaign.tallies, "baseline hang", "baseline hangs (the bare parse, not the decoder)")
    _print_findings(campaign.tallies, "baseline crash", "baseline crashes (the bare parse, not the decoder)")
    ratio = common.ratio(ours_s, base_s)
    enough = args.quick or per >= DEFAULT_INPUTS
    common.heading("result")
    common.say(f"  {total.inputs:,} inputs in {wall:.1f} s ({total.inputs / wall:,.0f}/s on {jobs} workers): "
               f"{total.crashes:,} crashes, {total.hangs:,} hangs, {total.violations:,} violations "
               f"({total.baseline_hangs:,} baseline hangs); msgpack decoders {ratio:.2f}× bare unpackb   "
               f"(goal 0 crashes, 0 hangs{'' if args.quick else f', ≥ {DEFAULT_INPUTS:,} inputs per decoder'}: "
               f"{common.goal(enough and total.crashes == 0 and total.hangs == 0)})")
    return {"benchmark": "fuzz", "quick": args.quick, "inputs": total.inputs, "crashes": total.crashes,
            "hangs": total.hangs, "violations": total.violations, "baseline_hangs": total.baseline_hangs,
            "baseline_crashes": total.baseline_crashes, "decoders": len(names), "inputs_per_decoder": per,
            "seed": args.seed, "jobs": jobs, "limit_s": args.limit, "wall_s": wall,
            "inputs_per_s": total.inputs / wall if wall > 0 else float("nan"), "ratio_vs_unpackb": ratio,
            "per_decoder": per_decoder}
