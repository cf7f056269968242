"""Targets for dispatch: command and acknowledgement decoders (``DecodeError`` only), and the CAD's handler of
command frames from the network, which must answer and never raise."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import msgpack

from bench.fuzz.mutators import mutate_bytes, mutate_map, note, pack, random_bytes
from bench.fuzz.promises import check_ack, check_cad_answer, check_command
from bench.fuzz.targets.base import MsgpackMapTarget
from bench.fuzz.targets.kit import fuzz_kit
from sitroom.services.dispatch import commands
from sitroom.services.sim.cad import Cad, CadState
from sitroom.services.sim.fleet import station_units
from sitroom.services.sim.incidents import IncidentGenerator

T0 = 1_750_000_000.0  # the CAD's clock: fixed, so a run is repeatable
COMMAND = {"cmd_id": "c-1", "cmd": "dispatch", "incident": "INC-20250615-1", "unit": 10001, "lon": 127.4,
           "lat": 36.3, "ts": 1_750_000_000_000, "by": "dispatcher-1"}


class CommandTarget(MsgpackMapTarget):
    name = "decode_command"
    maps = (COMMAND, {**COMMAND, "cmd": "recall", "cmd_id": "c-2"})

    def run(self, arg: bytes) -> Any:
        return commands.decode_command(arg)

    def check(self, value: bytes, cmd: Any) -> str | None:
        return check_command(cmd)


class AckTarget(MsgpackMapTarget):
    name = "decode_ack"
    maps = ({"cmd_id": "c-1", "ok": True, "reason": ""}, {"cmd_id": "c-2", "ok": False, "reason": "unit busy"})

    def run(self, arg: bytes) -> Any:
        return commands.decode_ack(arg)

    def check(self, value: bytes, ack: Any) -> str | None:
        return check_ack(ack)


def _generator(kit: Any) -> IncidentGenerator:
    return IncidentGenerator(kit, per_hour=36_000, seed=1, start_s=T0 - 5)


class CadTarget(MsgpackMapTarget):
    """``Cad.handle_command`` on a live CAD (SQLite state, incidents, a roster): must answer, never raise."""

    name = "Cad.handle_command"
    errors = ()

    def __init__(self, seed: int) -> None:
        super().__init__(seed)
        self.kit = fuzz_kit()
        incidents = _generator(self.kit).advance(T0)[:8]
        units = [u.id for u in station_units(self.kit)]
        self.commands = [{**COMMAND, "cmd": cmd, "incident": inc["id"], "unit": unit, "lon": inc["lon"],
                          "lat": inc["lat"]}
                         for inc in incidents for unit in units[:6] for cmd in ("dispatch", "recall")]
        self.seeds = [msgpack.packb(c, use_bin_type=True) for c in self.commands[:8]]

    def setup(self, work: Path) -> None:
        self.cad = Cad(self.kit, CadState(work / "cad.sqlite"), use_avl=False, generator=_generator(self.kit),
                       now_s=T0)
        self.cad.tick(T0)
        self.cad.generator = None
        self.clock = T0

    def generate(self, rng: random.Random, i: int, log: list[str] | None) -> bytes:
        r = rng.random()
        if r < 0.05:
            return random_bytes(rng, log)
        cmd = dict(rng.choice(self.commands))
        # Fresh ids mostly (each command carried out once); now and then one seen before, a repeat.
        cmd["cmd_id"] = f"fz-{rng.randrange(i + 1) if rng.random() < 0.1 else i}"
        note(log, f"{cmd['cmd']} unit {cmd['unit']} to {cmd['incident']} as {cmd['cmd_id']}")
        if r < 0.35:
            return msgpack.packb(cmd, use_bin_type=True)
        if r < 0.8:
            raw = pack(rng, mutate_map(rng, cmd, log), log)
            return mutate_bytes(rng, raw, self.seeds, log) if rng.random() < 0.25 else raw
        return mutate_bytes(rng, msgpack.packb(cmd, use_bin_type=True), self.seeds, log)

    def run(self, arg: bytes) -> Any:
        self.clock += 0.05
        out = self.cad.handle_command(arg, self.clock)
        self.cad.take_incidents()
        self.cad.take_assignments()
        return out

    def check(self, value: bytes, ack: Any) -> str | None:
        return check_cad_answer(value, ack)
