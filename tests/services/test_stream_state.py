"""A stream's state from when its frames arrived and what decoding made of them: live only while new pictures
come; frozen or lost within 1.5 s of the last new picture, never live."""

from __future__ import annotations

from sitroom.services.video.stream_state import CONNECT_GRACE_S, SILENCE_MAX_S, StreamHealth, StreamState


def feed(h: StreamHealth, t0: float, n: int, dt: float = 0.1, same: bool = False, decode: bool = True) -> float:
    t = t0
    for i in range(n):
        t = t0 + i * dt
        h.arrived(t)
        if decode:
            h.decoded(t, 7 if same else i)
    return t


def test_connecting_then_live_with_fps() -> None:
    h = StreamHealth(0.0)
    assert h.report(0.5).state is StreamState.CONNECTING
    t = feed(h, 1.0, 20)
    r = h.report(t)
    assert r.state is StreamState.LIVE and 9.0 <= r.fps <= 11.0


def test_frames_that_stop_make_it_lost_within_the_limit() -> None:
    h = StreamHealth(0.0)
    t = feed(h, 0.0, 20)
    assert h.report(t + 0.5).state is StreamState.LIVE
    r = h.report(t + SILENCE_MAX_S + 0.01)
    assert r.state is StreamState.LOST and r.fps == 0.0


def test_the_same_picture_again_and_again_is_frozen() -> None:
    h = StreamHealth(0.0)
    t = feed(h, 0.0, 10)
    t = feed(h, t + 0.1, 30, same=True)
    r = h.report(t)
    assert r.state is StreamState.FROZEN and r.reason == "same picture"


def test_frames_that_do_not_decode_are_frozen_with_the_fault() -> None:
    h = StreamHealth(0.0)
    t = feed(h, 0.0, 10)
    for _i in range(30):
        t += 0.1
        h.arrived(t)
        h.fault("bad-jpeg", "Unsupported marker type")
    r = h.report(t)
    assert r.state is StreamState.FROZEN and r.reason.startswith("bad-jpeg") and r.faults == {"bad-jpeg": 30}


def test_nothing_ever_arriving_is_lost_after_the_grace() -> None:
    h = StreamHealth(0.0)
    assert h.report(CONNECT_GRACE_S - 0.1).state is StreamState.CONNECTING
    assert h.report(CONNECT_GRACE_S + 0.1).state is StreamState.LOST


def test_the_source_refusing_or_dropping_wins() -> None:
    h = StreamHealth(0.0)
    t = feed(h, 0.0, 10)
    h.set_source("refused", "connection refused")
    assert h.report(t).state is StreamState.REFUSED
    h.set_source("down", "connection reset")
    r = h.report(t)
    assert r.state is StreamState.LOST and r.reason == "connection reset"
    assert StreamHealth(0.0, has_source=False).report(1.0).state is StreamState.NO_SOURCE


def test_a_slow_camera_is_judged_by_its_own_rate_within_the_bounds() -> None:
    h = StreamHealth(0.0)
    t = feed(h, 0.0, 10, dt=1.0)  # 1 fps: silent only after the upper bound
    assert h.report(t + 1.2).state is StreamState.LIVE
    assert h.report(t + SILENCE_MAX_S + 0.01).state is StreamState.LOST


def test_reopen_forgets_the_past() -> None:
    h = StreamHealth(0.0)
    t = feed(h, 0.0, 10)
    h.reopen(t + 60)
    assert h.report(t + 60.1).state is StreamState.CONNECTING
