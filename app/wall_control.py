"""Remote control of a wall over ZeroMQ, so the wall's machine needs no operator.

The wall binds a ROUTER (``sitroom wall --control ENDPOINT``); a supervisor's desktop connects a DEALER
(:class:`WallRemote`) and sends one msgpack map per command, answered with one map (app/wall.py
:meth:`WallController.command`). On loopback or ipc it runs in plaintext; any other address needs CURVE keys
(the feeds' set-up: ``SITROOM_KEY``, the allowlist directory), so only a supervisor's desk whose public key
the wall holds can command it. Commands are taken on the GUI thread by a socket notifier, a few per wakeup.
"""

from __future__ import annotations

import logging

import msgpack
import zmq

from sitroom.services.feeds.security import Security, check_plaintext

log = logging.getLogger(__name__)
MAX_COMMAND_BYTES = 64 * 1024
_PER_WAKEUP = 16


class WallServer:
    """The wall's end: a ROUTER that hands each command to the controller and answers."""

    def __init__(self, endpoint: str, controller, *, security: Security | None = None,
                 context: zmq.Context | None = None) -> None:
        warning = check_plaintext(endpoint, security)
        if warning is not None:
            raise ValueError(f"wall control: {warning}")
        self.endpoint = endpoint
        self.controller = controller
        self.security = security
        self._ctx = context or zmq.Context.instance()
        self._sock: zmq.Socket | None = None
        self._lease = None
        self._notifier = None
        self.handled = 0
        self.refused = 0

    def start(self) -> None:
        from PySide6 import QtCore

        sock = self._ctx.socket(zmq.ROUTER)
        sock.setsockopt(zmq.LINGER, 0)
        sock.setsockopt(zmq.MAXMSGSIZE, MAX_COMMAND_BYTES)
        if self.security is not None:
            self._lease = self.security.apply_server(sock)
        sock.bind(self.endpoint)
        self.endpoint = sock.getsockopt_string(zmq.LAST_ENDPOINT)
        self._sock = sock
        self._notifier = QtCore.QSocketNotifier(sock.getsockopt(zmq.FD), QtCore.QSocketNotifier.Type.Read)
        self._notifier.activated.connect(lambda *_: self.poll())
        QtCore.QTimer.singleShot(0, self.poll)

    def poll(self) -> int:
        """Answer the commands waiting (at most a few, then again on the next wakeup)."""
        sock = self._sock
        if sock is None:
            return 0
        done = 0
        while done < _PER_WAKEUP and sock.getsockopt(zmq.EVENTS) & zmq.POLLIN:
            frames = sock.recv_multipart(zmq.NOBLOCK)
            done += 1
            sock.send_multipart([frames[0], msgpack.packb(self.handle(frames[1:]), use_bin_type=True)])
        if done == _PER_WAKEUP:
            from PySide6 import QtCore

            QtCore.QTimer.singleShot(0, self.poll)
        return done

    def handle(self, frames: list[bytes]) -> dict:
        try:
            if len(frames) != 1:
                raise ValueError("one frame per command")
            cmd = msgpack.unpackb(frames[0], raw=False)
            if not isinstance(cmd, dict):
                raise ValueError("a command is a map")
            who = str(cmd.pop("who", ""))[:64]
        except (ValueError, msgpack.UnpackException, TypeError) as exc:
            self.refused += 1
            return {"ok": False, "error": f"bad command: {exc}"}
        answer = self.controller.command(cmd, who)
        self.handled += 1
        return answer

    def stop(self) -> None:
        if self._notifier is not None:
            self._notifier.setEnabled(False)
            self._notifier = None
        if self._sock is not None:
            self._sock.close(0)
            self._sock = None
        if self._lease is not None:
            self._lease.release()
            self._lease = None


class WallRemote:
    """A supervisor's end: send a command, wait for the answer (``timeout_s``), Qt-free."""

    def __init__(self, endpoint: str, *, who: str = "", security: Security | None = None,
                 server_key: str | bytes | None = None, context: zmq.Context | None = None) -> None:
        warning = check_plaintext(endpoint, security)
        if warning is not None:
            raise ValueError(f"wall control: {warning}")
        self.endpoint = endpoint
        self.who = who
        self.security = security
        self.server_key = server_key
        self._ctx = context or zmq.Context.instance()

    def send(self, cmd: dict, timeout_s: float = 3.0) -> dict:
        sock = self._ctx.socket(zmq.DEALER)
        sock.setsockopt(zmq.LINGER, 0)
        try:
            if self.security is not None:
                self.security.apply_client(sock, self.server_key)
            sock.connect(self.endpoint)
            sock.send(msgpack.packb({**cmd, "who": self.who}, use_bin_type=True))
            if not sock.poll(int(timeout_s * 1000)):
                return {"ok": False, "error": f"the wall at {self.endpoint} did not answer within {timeout_s:g} s"}
            answer = msgpack.unpackb(sock.recv(), raw=False)
            return answer if isinstance(answer, dict) else {"ok": False, "error": "bad answer"}
        finally:
            sock.close(0)
