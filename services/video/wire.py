"""Cameras on the wire (docs/protocol.md §6.3): camera declarations on ``cam``, JPEG frames on ``cctv.<camera>``.

A declaration says where a camera is, where it looks and where its pictures come from: a frame topic of the
same publisher (``cctv.…``) or a stream URL (RTSP, HTTP MJPEG, a file). Frames are raw JPEG bytes on the
camera's own topic, so a receiver subscribes to exactly the cameras it shows.
"""

from __future__ import annotations

import math
import re

from sitroom.services.feeds import protocol

CAM_TOPIC = b"cam"
CAM_KIND = "cam"
FRAME_PREFIX = protocol.Topic.CCTV_PREFIX
FRAME_KIND = protocol.Kind.CCTV_FRAME
# One JPEG frame: a 4K picture at quality 90 is about 2 MB; anything bigger is refused before decoding.
MAX_JPEG_BYTES = 4 * 1024 * 1024
MAX_NAME_CHARS = 200
MAX_URL_CHARS = 2000
MAX_RANGE_M = 5000.0
URL_SCHEMES = ("rtsp", "rtsps", "http", "https", "file")
STATUSES = ("ok", "offline", "fault")
_ID_RE = re.compile(r"[\x21-\x7e]{1,64}")
_SOI, _EOI = b"\xff\xd8", b"\xff\xd9"


def is_url(src: str) -> bool:
    scheme, sep, rest = src.partition("://")
    return bool(sep and rest) and scheme.lower() in URL_SCHEMES


def _source(payload: dict, name: str, r: str) -> None:
    src = protocol.require(payload, name, str, r, optional=True)
    if src is None:
        return
    if src.startswith(FRAME_PREFIX.decode()):
        try:
            protocol._check_topic(src.encode("ascii"))
        except (UnicodeEncodeError, protocol.DecodeError):
            raise protocol.DecodeError(r, f"field {name!r}: not a valid topic") from None
        if len(src) == len(FRAME_PREFIX):
            raise protocol.DecodeError(r, f"field {name!r}: a topic needs a camera after 'cctv.'")
    elif src and not (len(src) <= MAX_URL_CHARS and is_url(src)):
        raise protocol.DecodeError(r, f"field {name!r}: neither a cctv. topic nor an rtsp/http/file URL")


def _angle(payload: dict, name: str, r: str, lo: float, hi: float) -> None:
    value = protocol.require(payload, name, (int, float), r, optional=True)
    if value is not None and not (math.isfinite(value) and lo <= value <= hi):
        raise protocol.DecodeError(r, f"field {name!r} out of range")


def validate_camera(payload: dict) -> dict:
    """A camera declaration's fields (§6.3); raises DecodeError('bad-camera', field)."""
    r = "bad-camera"
    if not _ID_RE.fullmatch(protocol.require(payload, "id", str, r)):
        raise protocol.DecodeError(r, "field 'id'")
    name = protocol.require(payload, "name", str, r, optional=True)
    if name is not None and len(name) > MAX_NAME_CHARS:
        raise protocol.DecodeError(r, "name too long")
    protocol.require_lonlat(payload, r)
    _angle(payload, "dir", r, 0.0, 360.0)
    fov = protocol.require(payload, "fov", (int, float), r, optional=True)
    if fov is not None and not (math.isfinite(fov) and 0.0 < fov <= 360.0):
        raise protocol.DecodeError(r, "field 'fov' out of range")
    rng = protocol.require(payload, "range", (int, float), r, optional=True)
    if rng is not None and not (math.isfinite(rng) and 0.0 < rng <= MAX_RANGE_M):
        raise protocol.DecodeError(r, "field 'range' out of range")
    _source(payload, "src", r)
    _source(payload, "src_hd", r)
    status = protocol.require(payload, "status", str, r, optional=True)
    if status is not None and status not in STATUSES:
        raise protocol.DecodeError(r, f"status {status[:20]!r}")
    protocol.require(payload, "type", str, r, optional=True)
    return payload


protocol.register_kind(protocol.KindSpec(CAM_KIND, CAM_TOPIC, validate=validate_camera, state_key="id"))


def frame_fault(jpeg: bytes | memoryview) -> str | None:
    """Why a frame cannot be a JPEG worth decoding (a reason key), or None. Cheap: size and markers only."""
    if len(jpeg) > MAX_JPEG_BYTES:
        return "oversized-frame"
    if len(jpeg) < 4 or bytes(jpeg[:2]) != _SOI:
        return "not-jpeg"
    if bytes(jpeg[-2:]) != _EOI:
        return "truncated-jpeg"
    return None


def encode_frame(topic: bytes, jpeg: bytes, *, src: str, sess: str, seq: int, ts: int | None = None) -> list[bytes]:
    """One frame message: ``[topic, envelope, jpeg]`` (kind ``cctv.frame``)."""
    return [topic, protocol.encode_envelope(FRAME_KIND, src, sess, seq, ts), jpeg]
