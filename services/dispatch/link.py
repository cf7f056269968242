"""The link to the CAD: a socket thread delivers the outbox over a DEALER and records the acknowledgements.

Wire: the DEALER sends one frame, the msgpack command (``commands.encode_command``); the CAD's ROUTER
answers with one frame, the msgpack acknowledgement (``commands.encode_ack``). A command is sent as soon as
it is submitted, again every ``resend_after_s`` (doubling up to ``max_resend_s``) while unanswered, and at
once whenever the connection comes (back) up, so an outage or a CAD restart costs no more than a
reconnect. Repeats are safe: the CAD answers a ``cmd_id`` it has seen with its first answer.

What the GUI needs to know arrives as typed events in a bounded deque, taken by :meth:`DispatchLink.drain`
from the frame timer (as with the feed client). An answer carries the outbox entry as settled, so the
GUI thread never reads the outbox's database to learn what was answered:

- :class:`Acked`: the CAD accepted and carried out the command;
- :class:`Rejected`: the CAD refused it, the entry's ``reason`` says why ("unit 10003 is busy (en route)");
- :class:`UnknownAck`: an acknowledgement for a command this outbox never held;
- :class:`BadAck`: an answer that is not a valid acknowledgement;
- :class:`Refused`: the CURVE handshake with the CAD failed (its key is not the one expected, or this
  control room's key is not in its allowlist); nothing is sent until a handshake succeeds.

With ``security`` (services/feeds/security.py) the DEALER is a CURVE client that believes only the CAD's
public key (``server_key``, or the Security's own ``server_key``).
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
import uuid
from collections import deque
from dataclasses import dataclass, replace

import zmq
from zmq.utils.monitor import recv_monitor_message

from sitroom.services.dispatch import commands
from sitroom.services.dispatch.outbox import Outbox, OutboxEntry
from sitroom.services.feeds import protocol
from sitroom.services.feeds.security import KeyPair, Security, check_plaintext, describe_handshake_failure
from sitroom.services.feeds.sockets import configure

log = logging.getLogger(__name__)

DEFAULT_EVENTS_LIMIT = 1000
_POLL_MS = 250  # the longest the thread sleeps; it wakes earlier for a submit, a stop or a due resend
_UP_EVENTS = zmq.EVENT_HANDSHAKE_SUCCEEDED
_DOWN_EVENTS = zmq.EVENT_DISCONNECTED | zmq.EVENT_CLOSED | zmq.EVENT_MONITOR_STOPPED
_FAILED_EVENTS = (zmq.EVENT_HANDSHAKE_FAILED_NO_DETAIL | zmq.EVENT_HANDSHAKE_FAILED_PROTOCOL
                  | zmq.EVENT_HANDSHAKE_FAILED_AUTH)
# ZeroMQ gives up on a peer that refused this side's key (ZAP); the link dials again itself, backing off.
_REDIAL_MIN_S = 1.0
_REDIAL_MAX_S = 30.0


@dataclass(frozen=True, slots=True)
class Acked:
    entry: OutboxEntry  # state "acked"


@dataclass(frozen=True, slots=True)
class Rejected:
    entry: OutboxEntry  # state "rejected"; entry.reason is the CAD's


@dataclass(frozen=True, slots=True)
class UnknownAck:
    cmd_id: str


@dataclass(frozen=True, slots=True)
class BadAck:
    reason: str


@dataclass(frozen=True, slots=True)
class Refused:
    reason: str


LinkEvent = Acked | Rejected | UnknownAck | BadAck | Refused


@dataclass(frozen=True)
class LinkState:
    """A snapshot for the status bar: "CAD link: up, 2 pending"."""

    endpoint: str
    connected: bool  # the DEALER holds a live connection to the CAD's ROUTER
    last_ack: float | None  # time.monotonic() of the last valid acknowledgement (the peer was alive then)
    pending: int
    sent: int  # sends this session, repeats included
    acked: int
    rejected: int
    unknown_acks: int
    bad_acks: int
    duplicate_acks: int  # repeats of an answer already recorded (expected after a re-send)
    events_dropped: int  # events pushed out of the deque because nobody drained it
    refused: str = ""  # why the last CURVE handshake failed, "" once one succeeds
    warning: str = ""  # plaintext on a network endpoint (security.check_plaintext)

    @property
    def up(self) -> bool:
        return self.connected

    def ack_age(self, now: float | None = None) -> float | None:
        """Seconds since the CAD last answered, None if it never has."""
        if self.last_ack is None:
            return None
        return (time.monotonic() if now is None else now) - self.last_ack


@dataclass
class _Due:
    body: bytes
    next_s: float  # monotonic time of the next send
    attempts: int  # sends since the last (re)connect, for the back-off


class DispatchLink:
    """The control room's end of the CAD link: a socket thread that delivers the outbox's commands over a
    DEALER until each is answered, and reports answers and link trouble as typed events (see the module's
    docstring). ``state`` is a snapshot for the status bar; nothing here blocks the GUI thread."""

    def __init__(self, endpoint: str, outbox: Outbox, *, resend_after_s: float = 2.0, max_resend_s: float = 30.0,
                 context: zmq.Context | None = None, events_limit: int = DEFAULT_EVENTS_LIMIT,
                 security: Security | None = None, server_key: str | bytes | None = None) -> None:
        self.endpoint = endpoint
        self.outbox = outbox
        if security is None and server_key is not None:  # encrypted, with a throwaway key of this side's own
            security = Security(KeyPair(*zmq.curve_keypair()))
        self.security = security
        self.server_key = server_key
        self.warning = check_plaintext(endpoint, security) or ""
        if self.warning:
            log.warning("CAD link: %s", self.warning)
        self._refused = ""
        self._redial_at: float | None = None
        self._redial_backoff = _REDIAL_MIN_S
        self.resend_after_s = resend_after_s
        self.max_resend_s = max(max_resend_s, resend_after_s)
        self._ctx = context or zmq.Context.instance()
        self._events: deque[LinkEvent] = deque(maxlen=events_limit)
        self._wake_addr = f"inproc://sitroom-dispatch-{uuid.uuid4().hex}"
        self._wake: zmq.Socket | None = None
        self._wake_lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()
        self._due: dict[str, _Due] = {}
        self.error: BaseException | None = None
        # Written by the socket thread only; read through ``state``.
        self._connected = False
        self._last_ack: float | None = None
        self._pending = len(outbox.pending())
        self._sent = self._acked = self._rejected = self._unknown = self._bad = self._dup = self._dropped = 0

    # ------------------------------------------------------------ caller side

    def start(self) -> None:
        if self._thread is not None:
            return
        self._stop.clear()
        self._ready.clear()
        self._thread = threading.Thread(target=self._run, name="sitroom-dispatch", daemon=True)
        self._thread.start()
        self._ready.wait(5.0)
        with self._wake_lock:
            self._wake = self._ctx.socket(zmq.PAIR)
            self._wake.setsockopt(zmq.LINGER, 0)
            self._wake.connect(self._wake_addr)

    def stop(self) -> None:
        self._stop.set()
        self._poke()
        if self._thread is not None:
            self._thread.join(5.0)
            self._thread = None
        with self._wake_lock:
            if self._wake is not None:
                self._wake.close(0)
                self._wake = None

    def submit(self, command: dict) -> str:
        """Persist ``command`` in the outbox and wake the socket thread to send it; returns its ``cmd_id``.
        Raises ``protocol.DecodeError`` (a ValueError) for a command the protocol refuses; nothing is sent."""
        cmd_id = self.outbox.add(command)
        self._poke()
        return cmd_id

    def drain(self, limit: int | None = None) -> list[LinkEvent]:
        """Events since the last call, oldest first (called from the GUI thread)."""
        out: list[LinkEvent] = []
        n = len(self._events) if limit is None else min(limit, len(self._events))
        try:
            for _ in range(n):
                out.append(self._events.popleft())
        except IndexError:
            pass
        return out

    @property
    def state(self) -> LinkState:
        return LinkState(self.endpoint, self._connected, self._last_ack, self._pending, self._sent, self._acked,
                         self._rejected, self._unknown, self._bad, self._dup, self._dropped, self._refused,
                         self.warning)

    def _poke(self) -> None:
        with self._wake_lock:
            if self._wake is not None:
                with contextlib.suppress(zmq.Again):  # a wake-up is already waiting
                    self._wake.send(b"", zmq.NOBLOCK)

    # ------------------------------------------------------------ socket thread

    def _emit(self, event: LinkEvent) -> None:
        if len(self._events) == self._events.maxlen:
            self._dropped += 1
        self._events.append(event)

    def _run(self) -> None:
        wake = dealer = monitor = None
        try:
            wake = self._ctx.socket(zmq.PAIR)
            wake.setsockopt(zmq.LINGER, 0)
            wake.bind(self._wake_addr)
            # ZMTP heartbeats: a cut link shows as down within seconds, not when TCP gives up.
            dealer = configure(self._ctx.socket(zmq.DEALER), heartbeat=True)
            # Queue nothing for a connection that is not up: a send then fails at once and the command simply
            # stays due, instead of waiting in a buffer that a CAD crash would throw away unnoticed.
            dealer.setsockopt(zmq.IMMEDIATE, 1)
            dealer.setsockopt(zmq.MAXMSGSIZE, commands.MAX_COMMAND_BYTES * 4)
            if self.security is not None:
                self.security.apply_client(dealer, self.server_key)
            monitor = dealer.get_monitor_socket(_UP_EVENTS | _DOWN_EVENTS | _FAILED_EVENTS)
            dealer.connect(self.endpoint)
            poller = zmq.Poller()
            for s in (wake, dealer, monitor):
                poller.register(s, zmq.POLLIN)
            self._reload()
            self._ready.set()
            while not self._stop.is_set():
                events = dict(poller.poll(self._timeout_ms()))
                if wake in events:
                    while wake.poll(0):
                        wake.recv()
                    self._reload()
                if monitor in events:
                    self._monitor(monitor)
                if self._redial_at is not None and time.monotonic() >= self._redial_at:
                    self._redial_at = None
                    with contextlib.suppress(zmq.ZMQError):  # already gone with its failed session
                        dealer.disconnect(self.endpoint)
                    dealer.connect(self.endpoint)
                if dealer in events:
                    self._receive(dealer)
                self._send_due(dealer)
        except Exception as exc:  # a bug or a broken outbox: keep it for the owner to see
            self.error = exc
            log.exception("dispatch link stopped")
        finally:
            self._ready.set()
            self._connected = False
            if dealer is not None:
                dealer.disable_monitor()
            for s in (monitor, dealer, wake):
                if s is not None:
                    s.close(0)

    def _timeout_ms(self) -> int:
        if not self._due or not self._connected:
            return _POLL_MS
        wait = min(d.next_s for d in self._due.values()) - time.monotonic()
        return int(min(max(wait * 1000, 0), _POLL_MS))

    def _reload(self) -> None:
        """Pick up what was submitted (or left pending by an earlier run); due now when new."""
        pending = self.outbox.pending()
        now = time.monotonic()
        ids = {e.cmd_id for e in pending}
        for e in pending:
            if e.cmd_id not in self._due:
                self._due[e.cmd_id] = _Due(e.body, now, 0)
        for cmd_id in [c for c in self._due if c not in ids]:  # settled elsewhere meanwhile
            del self._due[cmd_id]
        self._pending = len(self._due)

    def _monitor(self, monitor: zmq.Socket) -> None:
        while monitor.poll(0):
            event = recv_monitor_message(monitor)["event"]
            if event & _FAILED_EVENTS:
                reason = describe_handshake_failure(event, client_has_keys=self.security is not None)
                reason = reason.replace("publisher", "CAD")
                if reason != self._refused:
                    log.error("CAD link (%s): %s", self.endpoint, reason)
                    self._emit(Refused(reason))
                self._refused = reason
                if event == zmq.EVENT_HANDSHAKE_FAILED_AUTH:
                    self._redial_at = time.monotonic() + self._redial_backoff
                    self._redial_backoff = min(self._redial_backoff * 2, _REDIAL_MAX_S)
            elif event & _UP_EVENTS:
                if not self._connected:
                    log.info("CAD link up (%s)", self.endpoint)
                self._connected = True
                self._refused = ""
                self._redial_backoff = _REDIAL_MIN_S
                now = time.monotonic()
                for d in self._due.values():  # whatever the CAD may have missed goes again now
                    d.next_s, d.attempts = now, 0
            elif event & _DOWN_EVENTS:
                if self._connected:
                    log.warning("CAD link down (%s); %d commands pending", self.endpoint, len(self._due))
                self._connected = False

    def _send_due(self, dealer: zmq.Socket) -> None:
        now = time.monotonic()
        sent: list[str] = []
        for cmd_id, d in self._due.items():
            if d.next_s > now:
                continue
            try:
                dealer.send(d.body, zmq.NOBLOCK)
            except zmq.Again:  # not connected (or the CAD is not reading): try again later
                d.next_s = now + min(self.resend_after_s, 0.5)
                break
            d.attempts += 1
            d.next_s = now + min(self.resend_after_s * 2 ** (d.attempts - 1), self.max_resend_s)
            sent.append(cmd_id)
        if sent:
            self._sent += len(sent)
            self.outbox.mark_sent(sent)

    def _receive(self, dealer: zmq.Socket) -> None:
        while True:
            try:
                frames = dealer.recv_multipart(zmq.NOBLOCK)
            except zmq.Again:
                return
            try:
                ack = commands.decode_ack(frames[-1])
            except protocol.DecodeError as err:
                self._bad += 1
                log.warning("CAD link: bad acknowledgement: %s", err)
                self._emit(BadAck(str(err)))
                continue
            self._last_ack = time.monotonic()
            cmd_id, ok, reason = ack["cmd_id"], ack["ok"], ack.get("reason") or ""
            entry = self.outbox.get(cmd_id)
            if entry is None:
                self._unknown += 1
                log.warning("CAD link: acknowledgement for unknown command %r", cmd_id[:80])
                self._emit(UnknownAck(cmd_id))
                continue
            self._due.pop(cmd_id, None)
            self._pending = len(self._due)
            if entry.state != "pending":
                self._dup += 1
                continue
            now_ms = protocol.now_ms()
            self.outbox.mark_acked(cmd_id, ok, reason, now_ms)
            settled = replace(entry, state="acked" if ok else "rejected", reason=reason, acked_ms=now_ms)
            if ok:
                self._acked += 1
                self._emit(Acked(settled))
            else:
                self._rejected += 1
                self._emit(Rejected(settled))
