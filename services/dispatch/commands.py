"""Dispatch commands (DEALER → ROUTER) and the CAD's acknowledgements: msgpack maps, one frame each.

A command's ``cmd_id`` is its idempotency key: the outbox may send it again after an outage, and the CAD
answers a repeat with its first answer. docs/protocol.md §6.2 describes the fields.
"""

from __future__ import annotations

import msgpack

from sitroom.services.feeds.protocol import (
    MAX_ID_CHARS,
    MAX_TEXT_CHARS,
    DecodeError,
    bounded_map,
    require,
    require_lonlat,
)
from sitroom.services.vocabulary import INCIDENT_TYPES, PRIORITIES

COMMANDS = ("dispatch", "recall")
MAX_COMMAND_BYTES = 16 * 1024


def encode_command(command: dict) -> bytes:
    validate_command(command)
    return msgpack.packb(command, use_bin_type=True)


def validate_command(command: dict) -> dict:
    """A dispatch command: ``cmd_id`` (idempotency key), ``cmd``, ``incident``, ``unit``, ``lon``/``lat``, ``ts``,
    optionally ``call``: the incident as taken at the desk (``type``, ``priority``, ``reported``, and optionally
    ``desc``, ``place``, ``notes`` and ``caller`` with ``number`` and ``name``)."""
    r = "bad-command"
    if not 0 < len(require(command, "cmd_id", str, r)) <= MAX_ID_CHARS:
        raise DecodeError(r, "field 'cmd_id'")
    if require(command, "cmd", str, r) not in COMMANDS:
        raise DecodeError(r, f"cmd {command['cmd'][:20]!r}")
    if not 0 < len(require(command, "incident", str, r)) <= MAX_ID_CHARS:
        raise DecodeError(r, "field 'incident'")
    if not 0 <= require(command, "unit", int, r) < 2**32:
        raise DecodeError(r, "field 'unit'")
    require_lonlat(command, r)
    require(command, "ts", int, r)
    call = require(command, "call", dict, r, optional=True)
    if call is not None:
        if require(call, "type", str, r) not in INCIDENT_TYPES:
            raise DecodeError(r, "call type")
        if require(call, "priority", int, r) not in PRIORITIES:
            raise DecodeError(r, "call priority not 1..5")
        require(call, "reported", int, r)
        for name in ("desc", "place", "notes"):
            text = require(call, name, str, r, optional=True)
            if text is not None and len(text) > MAX_TEXT_CHARS:
                raise DecodeError(r, f"call {name} too long")
        caller = require(call, "caller", dict, r, optional=True)
        if caller is not None:
            for name in ("number", "name"):
                text = require(caller, name, str, r, optional=True)
                if text is not None and len(text) > MAX_ID_CHARS:
                    raise DecodeError(r, f"caller {name} too long")
    return command


def decode_command(raw: bytes) -> dict:
    return validate_command(bounded_map(raw, "bad-command", MAX_COMMAND_BYTES))


def encode_ack(cmd_id: str, ok: bool, reason: str = "") -> bytes:
    return msgpack.packb({"cmd_id": cmd_id, "ok": ok, "reason": reason[:MAX_TEXT_CHARS]}, use_bin_type=True)


def decode_ack(raw: bytes) -> dict:
    """``{"cmd_id", "ok", "reason"}``; raises DecodeError('bad-ack', …)."""
    ack = bounded_map(raw, "bad-ack", MAX_COMMAND_BYTES)
    require(ack, "cmd_id", str, "bad-ack")
    if not isinstance(ack.get("ok"), bool):
        raise DecodeError("bad-ack", "field 'ok'")
    require(ack, "reason", str, "bad-ack", optional=True)
    return ack
