"""Targets for the wire protocol's decoders: whole multipart messages, envelopes, arrays, maps, incidents and the
snapshot request and end marker. Each may raise ``DecodeError`` only."""

from __future__ import annotations

import random
from typing import Any

import msgpack
import numpy as np

from bench.fuzz.mutators import (
    INTERESTING_BYTES,
    mutate_bytes,
    mutate_map,
    note,
    pack,
    random_bytes,
    rounds,
    short,
    show_bytes,
)
from bench.fuzz.promises import (
    check_array,
    check_envelope,
    check_incident,
    check_marker,
    check_message,
    check_snapshot_end,
    check_snapshot_request,
    check_vehicle_info,
)
from bench.fuzz.targets.base import MsgpackMapTarget, Target
from sitroom.services.feeds import protocol as p

INCIDENT = {"id": "INC-20250615-1", "type": "fire", "priority": 2, "lon": 127.38, "lat": 36.35, "status": "new",
            "reported": 1_750_000_000_000, "desc": "공장 화재 / factory fire", "units": [10001]}


def _avl_records(n: int) -> np.ndarray:
    rec = p.new_records(n)
    i = np.arange(n)
    rec["id"], rec["type"], rec["status"] = 1000 + i, i % 6, i % 6
    rec["ts"] = 1_732_240_000_000 + i * 250
    rec["lon"], rec["lat"] = 127.3845 + i * 1e-4, 36.3504 - i * 1e-4
    rec["speed"], rec["heading"] = (i * 7) % 90, (i * 37) % 360
    return rec


def _link_records(n: int) -> np.ndarray:
    rec = np.zeros(n, dtype=p.LINK_DTYPE)
    rec["link"] = 2_510_000_000 + np.arange(n, dtype=np.uint64) * 11
    rec["kmh"] = np.linspace(3.0, 80.0, n)
    return rec


def _sensor_records(n: int) -> np.ndarray:
    rec = np.zeros(n, dtype=p.SENSOR_DTYPE)
    rec["id"] = 100 + np.arange(n)
    rec["ts"] = 1_732_240_000_000 + np.arange(n) * 1000
    rec["value"] = np.linspace(0.2, 2.5, n)
    return rec


def seed_messages() -> list[list[bytes]]:
    """One valid message per topic (two for the array kinds: empty and not)."""
    kw = {"src": "fuzz", "sess": "0123456789ab", "seq": 1, "ts": 5}
    out = [[bytes(f) for f in p.encode_array(p.Topic.AVL, p.Kind.AVL_BATCH, _avl_records(n), **kw)] for n in (0, 3)]
    out += [[bytes(f) for f in p.encode_array(p.Topic.LINK, p.Kind.LINK_SPEEDS, _link_records(n), **kw)]
            for n in (0, 2)]
    out.append(p.encode_heartbeat(seqs={"avl": 3, "inc": 9}, **kw))
    out.append(p.encode_map(p.Topic.HEARTBEAT, p.Kind.HEARTBEAT, {"seqs": {"avl": 3}, "snap": True}, **kw))
    out.append(p.encode_map(p.Topic.INCIDENT, p.Kind.INCIDENT, INCIDENT, **kw))
    out.append([bytes(f) for f in p.encode_array(b"sens.pump-3", p.Kind.SENSOR, _sensor_records(3), **kw)])
    out.append([b"cctv.cam-017", p.encode_envelope(p.Kind.CCTV_FRAME, "fuzz", "0123456789ab", 1, 5),
                b"\xff\xd8\xff\xe0" + bytes(range(64)) + b"\xff\xd9"])
    return out


def _unpack_or(raw: bytes, default: Any) -> Any:
    try:
        return msgpack.unpackb(raw, raw=False, strict_map_key=False)
    except Exception:  # a frame an earlier mutation already broke
        return default


def _show_frames(frames: list, n: int) -> str:
    return f"{len(frames)} frames: " + " | ".join(show_bytes(f, n) for f in frames)


class DecodeTarget(Target):
    name = "decode"
    errors = (p.DecodeError,)
    baseline_name = "unpackb of the envelope"
    unpackb_baseline = True
    _TOPICS = (b"avl", b"inc", b"link", b"hb", b"cctv.", b"sens.", b"cctv.x", b"sens.\x7f", b"avl ", b"AVL", b"")

    def __init__(self, seed: int) -> None:
        super().__init__(seed)
        self.seeds = seed_messages()
        self.pool = [f for m in self.seeds for f in m]

    def generate(self, rng: random.Random, i: int, log: list[str] | None) -> list:
        frames = list(rng.choice(self.seeds))
        note(log, f"from the valid {frames[0]!r} message")
        r = rng.random()
        if r < 0.06:
            frames = [random_bytes(rng, log) for _ in range(rng.randrange(6))]
        elif r < 0.14:
            for _ in range(rounds(rng, 3)):
                j = rng.randrange(len(frames) + 1)
                op = rng.randrange(3)
                if op == 0 and frames:
                    del frames[j % len(frames)]
                elif op == 1 and frames:
                    frames.insert(j, frames[j % len(frames)])
                else:
                    frames.insert(j, rng.choice(self.pool))
                note(log, f"frames now {len(frames)}")
        else:
            for _ in range(rounds(rng, 3)):
                self._mutate_frame(rng, frames, log)
        how = rng.random()
        if how < 0.1:
            note(log, "frames as memoryviews")
            return [memoryview(f) for f in frames]
        if how < 0.15:
            note(log, "frames as bytearrays")
            return [bytearray(f) for f in frames]
        return frames

    def _mutate_frame(self, rng: random.Random, frames: list[bytes], log: list[str] | None) -> None:
        which = rng.choices((0, 1, 2), (15, 40, 45))[0]
        r = rng.random()
        if which == 0:
            if r < 0.5:
                frames[0] = rng.choice(self._TOPICS) + (rng.randbytes(rng.randrange(4)) if r < 0.2 else b"")
                note(log, f"topic {frames[0]!r}")
            else:
                frames[0] = mutate_bytes(rng, frames[0], self._TOPICS, log, "topic: ")
        elif which == 1:
            if r < 0.6:
                env = _unpack_or(frames[1], None)
                frames[1] = pack(rng, mutate_map(rng, env if isinstance(env, dict) else {"v": 1}, log), log)
            if r >= 0.4:
                frames[1] = mutate_bytes(rng, frames[1], self.pool, log, "envelope: ")
        else:
            topic = frames[0]
            if topic in (b"avl", b"link") and r < 0.5:
                itemsize = 40 if topic == b"avl" else 16
                n = rng.choice((0, 1, 2, 100, 5000))
                frames[2] = rng.randbytes(n * itemsize + rng.choice((0, 0, 0, 1, -1, itemsize // 2)) % itemsize)
                note(log, f"payload of {len(frames[2])} random bytes")
            elif topic not in (b"avl", b"link") and r < 0.5:
                base = _unpack_or(frames[2], INCIDENT)
                payload = mutate_map(rng, base if isinstance(base, dict) else dict(INCIDENT), log)
                frames[2] = pack(rng, payload, log)
            else:
                frames[2] = mutate_bytes(rng, frames[2], self.pool, log, "payload: ")

    def run(self, arg: list) -> Any:
        return p.decode(arg)

    def baseline(self, arg: list) -> None:
        if len(arg) > 1:
            msgpack.unpackb(arg[1])

    def check(self, value: list, msg: Any) -> str | None:
        return check_message(value, msg)

    def show(self, value: list) -> str:
        return _show_frames(value, 96)


class EnvelopeTarget(MsgpackMapTarget):
    name = "decode_envelope"
    maps = tuple(msgpack.unpackb(m[1]) for m in seed_messages())

    def run(self, arg: bytes) -> Any:
        return p.decode_envelope(arg)

    def check(self, value: bytes, env: Any) -> str | None:
        return check_envelope(env)


class ArrayTarget(Target):
    name = "decode_array"
    errors = (p.DecodeError,)
    baseline_name = "np.frombuffer"

    def __init__(self, seed: int) -> None:
        super().__init__(seed)
        self.kinds = {p.Kind.AVL_BATCH: p.AVL_DTYPE, p.Kind.LINK_SPEEDS: p.LINK_DTYPE}
        self.seeds = {p.Kind.AVL_BATCH: _avl_records(4).tobytes(), p.Kind.LINK_SPEEDS: _link_records(4).tobytes()}

    def generate(self, rng: random.Random, i: int, log: list[str] | None) -> tuple[str, Any]:
        kind = rng.choice(list(self.kinds))
        itemsize = self.kinds[kind].itemsize
        r = rng.random()
        if r < 0.3:
            raw = rng.randbytes(rng.choice((0, 1, 2, 17, 300)) * itemsize + rng.randrange(itemsize))
            note(log, f"{len(raw)} random bytes")
        elif r < 0.5:  # records full of NaN, infinities and extreme integers
            raw = bytes(rng.choice(INTERESTING_BYTES) for _ in range(itemsize * rng.randrange(1, 5)))
            note(log, f"{len(raw)} bytes of interesting values")
        else:
            raw = mutate_bytes(rng, self.seeds[kind], list(self.seeds.values()), log)
        note(log, f"as {kind}")
        return kind, (memoryview(raw) if rng.random() < 0.3 else raw)

    def run(self, arg: tuple[str, Any]) -> Any:
        return p.decode_array(*arg)

    def baseline(self, arg: tuple[str, Any]) -> None:
        np.frombuffer(arg[1], dtype=self.kinds[arg[0]])

    def check(self, value: tuple[str, Any], arr: Any) -> str | None:
        return check_array(*value, arr)

    def show(self, value: tuple[str, Any]) -> str:
        return f"{value[0]}: {show_bytes(value[1])}"


class MapTarget(MsgpackMapTarget):
    name = "decode_map"
    maps = (INCIDENT, {"seqs": {"avl": 3, "inc": 9}}, {"level_m": 2.5, "pumps": [1, 0], "ok": True})

    def run(self, arg: bytes) -> Any:
        return p.decode_map(arg)

    def check(self, value: bytes, result: Any) -> str | None:
        return None if isinstance(result, dict) else f"map payload is {type(result).__name__}"


class IncidentTarget(Target):
    """``validate_incident`` takes what ``decode_map`` gives: any dict msgpack can carry."""

    name = "validate_incident"
    errors = (p.DecodeError,)

    def generate(self, rng: random.Random, i: int, log: list[str] | None) -> dict:
        value = _unpack_or(pack(rng, mutate_map(rng, INCIDENT, log, whole=False), log), None)
        return value if isinstance(value, dict) else dict(INCIDENT)  # else not something decode_map hands over

    def run(self, arg: dict) -> Any:
        return p.validate_incident(arg)

    def check(self, value: dict, result: Any) -> str | None:
        return check_incident(result)


VEHICLE_INFO = {"id": 1_342_177_280, "ref": "bus-1207", "label": "1207", "route": "102", "trip": "102-0815",
                "delay_s": -45, "src_kind": "gtfsrt"}
MARKER = {"id": "ANDROID-5f2a/spot-1", "type": "b-m-p-s-m", "lon": 127.38, "lat": 36.35, "label": "집결지 / rally",
          "text": "staging", "ts": 1_750_000_000_000, "stale": 1_750_000_300_000}


class VehicleInfoTarget(IncidentTarget):
    """``validate_vehicle_info`` takes what ``decode_map`` gives (topic ``veh``)."""

    name = "validate_vehicle_info"
    example = VEHICLE_INFO

    def generate(self, rng: random.Random, i: int, log: list[str] | None) -> dict:
        value = _unpack_or(pack(rng, mutate_map(rng, self.example, log, whole=False), log), None)
        return value if isinstance(value, dict) else dict(self.example)

    def run(self, arg: dict) -> Any:
        return p.validate_vehicle_info(arg)

    def check(self, value: dict, result: Any) -> str | None:
        return check_vehicle_info(result)


class MarkerTarget(VehicleInfoTarget):
    """``validate_marker`` takes what ``decode_map`` gives (topic ``marker``)."""

    name = "validate_marker"
    example = MARKER

    def run(self, arg: dict) -> Any:
        return p.validate_marker(arg)

    def check(self, value: dict, result: Any) -> str | None:
        return check_marker(result)


class SnapshotRequestTarget(MsgpackMapTarget):
    name = "decode_snapshot_request"
    maps = ({"v": 1, "req": 7, "topics": ["avl", "inc"]}, {"v": 1, "req": 0, "topics": []},
            {"v": 1, "req": 2**63 - 1, "topics": ["", "cctv.", "link"]})
    changed, damaged = 0.7, 0.25
    _TOPICS = ("", "avl", "inc", "cctv.", "a b", "\x7f", "é", "x" * 128, "x" * 129, "sens.pump-3")

    def change(self, rng: random.Random, request: dict, log: list[str] | None) -> Any:
        if rng.random() < 0.3:
            request["topics"] = [rng.choice(self._TOPICS) for _ in range(rng.choice((1, 3, 16, 17)))]
            note(log, f"topics {short(request['topics'])}")
        return mutate_map(rng, request, log) if rng.random() < 0.8 else request

    def run(self, arg: bytes) -> Any:
        return p.decode_snapshot_request(arg)

    def check(self, value: bytes, result: Any) -> str | None:
        return check_snapshot_request(result)


class SnapshotEndTarget(MsgpackMapTarget):
    """The end marker is two frames, the topic and the map; the frames themselves are changed too."""

    name = "decode_snapshot_end"
    maps = ({"v": 1, "req": 7, "src": "avl-daejeon", "sess": "3f9c2a7b1d04", "seqs": {"avl": 42, "inc": 3},
             "items": 25, "ts": 1_750_000_000_000},
            {"v": 1, "req": 0, "src": "cad", "sess": "s", "seqs": {}, "items": 0, "ts": 0})
    changed, damaged = 0.7, 0.25

    def generate(self, rng: random.Random, i: int, log: list[str] | None) -> list:
        topic, body = b"snap.end", super().generate(rng, i, log)
        frames: list = [topic, body]
        r = rng.random()
        if r < 0.08:
            frames[0] = mutate_bytes(rng, topic, (b"snap.", b"avl"), log, "topic: ")
        elif r < 0.14:
            frames = rng.choice(([], [topic], [topic, body, body], [body, topic]))
            note(log, f"{len(frames)} frames")
        if rng.random() < 0.1:
            note(log, "frames as memoryviews")
            frames = [memoryview(f) for f in frames]
        return frames

    def run(self, arg: list) -> Any:
        return p.decode_snapshot_end(arg)

    def baseline(self, arg: list) -> None:
        if len(arg) > 1:
            msgpack.unpackb(arg[1])

    def check(self, value: list, end: Any) -> str | None:
        return check_snapshot_end(end)

    def show(self, value: list) -> str:
        return _show_frames(value, 120)
