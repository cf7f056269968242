"""What a fuzz target is: how one decoder's inputs are made, how it is called, what it promises, its baseline."""

from __future__ import annotations

import random
import zlib
from pathlib import Path
from typing import Any

import msgpack

from bench.fuzz.mutators import msgpack_map_bytes, mutate_bytes, mutate_map, random_bytes, short, show_bytes
from sitroom.services.feeds.protocol import DecodeError


def rng_for(seed: int, name: str, i: int) -> random.Random:
    """Input ``i`` of decoder ``name`` comes from this generator alone, so any input can be rebuilt from its
    number."""
    return random.Random((seed << 80) | (zlib.crc32(name.encode()) << 48) | i)


class Target:
    """One decoder: how its inputs are made, how it is called, what it promises.

    The worker runs ``run`` and then ``baseline`` on each input, both under the watchdog's time limit.
    """

    name = ""
    errors: tuple[type[BaseException], ...] = ()  # what the decoder may raise; anything else is a crash
    baseline_name = ""  # the bare library parse the decoder wraps; empty: no baseline
    unpackb_baseline = False  # counts towards ratio_vs_unpackb

    def __init__(self, seed: int) -> None:
        self.seed = seed

    def setup(self, work: Path) -> None:
        """Worker-side state (files, the CAD); ``generate`` must not depend on it."""

    def generate(self, rng: random.Random, i: int, log: list[str] | None) -> Any:
        raise NotImplementedError

    def prepare(self, value: Any) -> Any:
        """Untimed preparation (writing the input's files)."""
        return value

    def run(self, arg: Any) -> Any:
        raise NotImplementedError

    def check(self, value: Any, result: Any) -> str | None:
        """What is wrong with an accepted input's result, or None."""
        return None

    def baseline(self, arg: Any) -> None:
        """The bare parse of the same input; whatever it raises is ignored (it is a yardstick, not under test)."""

    def show(self, value: Any) -> str:
        return show_bytes(value) if isinstance(value, bytes | bytearray | memoryview) else short(value, 400)


class MsgpackMapTarget(Target):
    """A decoder of one msgpack map: inputs are ``maps`` changed and their bytes damaged; the baseline is
    ``msgpack.unpackb`` of the same bytes."""

    errors = (DecodeError,)
    baseline_name = "unpackb"
    unpackb_baseline = True
    maps: tuple[dict, ...] = ()
    changed = 0.65  # share of inputs that are a changed map (the rest: random bytes, damaged bytes)
    damaged = 0.3  # share of changed maps whose bytes are damaged too

    def __init__(self, seed: int) -> None:
        super().__init__(seed)
        self.seeds = [msgpack.packb(m, use_bin_type=True) for m in self.maps]

    def change(self, rng: random.Random, base: dict, log: list[str] | None) -> Any:
        return mutate_map(rng, base, log)

    def generate(self, rng: random.Random, i: int, log: list[str] | None) -> bytes:
        return msgpack_map_bytes(rng, self.maps, self.seeds, log, changed=self.changed, damaged=self.damaged,
                                 change=self.change)

    def baseline(self, arg: bytes) -> None:
        msgpack.unpackb(arg)


class FileTarget(Target):
    """A reader of one file: inputs are files made odd (``make``) or the valid ``base``, some of them damaged after,
    each written anew to the same path."""

    filename = ""
    # r below the first: random bytes; below the second: made, else base; from the third on: damaged too
    odds = (0.03, 0.55, 0.45)
    base = b""

    def make(self, rng: random.Random, log: list[str] | None) -> bytes:
        raise NotImplementedError

    def setup(self, work: Path) -> None:
        self.path = work / self.filename

    def generate(self, rng: random.Random, i: int, log: list[str] | None) -> bytes:
        random_below, made_below, damaged_from = self.odds
        r = rng.random()
        if r < random_below:
            return random_bytes(rng, log)
        data = self.make(rng, log) if r < made_below else self.base
        if r >= damaged_from:
            data = mutate_bytes(rng, data, (self.base,), log, "file: ")
        return data

    def prepare(self, value: bytes) -> Path:
        self.path.unlink(missing_ok=True)  # a new file, whatever a leaked connection still holds
        self.path.write_bytes(value)
        return self.path
