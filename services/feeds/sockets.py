"""The socket options SitRoom's sockets share: quick reconnects and the detection of dead links.

A network cut does not close a TCP connection: without a probe both ends keep it "up", the publisher's
kernel buffer fills with messages that arrive, already old, only when TCP's back-off next retries after the
link returns (24 s after a 30 s cut, measured), and a publisher that restarted meanwhile is never noticed.

- Request sockets (the dispatch link's and the snapshot DEALERs) use ZMTP heartbeats (PING/PONG): a
  connection whose peer is silent for ``HEARTBEAT_TIMEOUT_MS`` is closed and dialled again. Their input never
  stalls (replies are read as they come), which matters: libzmq can abort the process when a heartbeat
  timeout replaces a connection whose input was stopped by a full receive queue (zeromq/libzmq#3937).
- Subscribers therefore get no ZMTP heartbeats. The feed client watches the protocol's own heartbeats
  instead and dials again itself when a feed has been silent for ``SILENT_REDIAL_S`` (client.py), which
  throws away whatever the dead connection still held instead of replaying it late.
- Every connect attempt is bounded by ``CONNECT_TIMEOUT_MS`` (the OS default is minutes when SYNs vanish).
"""

from __future__ import annotations

import zmq

# ZeroMQ reconnects by itself: quickly after a publisher restart, backing off while it stays down.
RECONNECT_IVL_MS = 100
RECONNECT_IVL_MAX_MS = 2000
CONNECT_TIMEOUT_MS = 2000
HEARTBEAT_IVL_MS = 1000
HEARTBEAT_TIMEOUT_MS = 4000
HEARTBEAT_TTL_MS = 6000  # asks the peer to drop this side after as much silence (sent with each PING)
# A feed silent this long is dialled again (protocol heartbeats come every second).
SILENT_REDIAL_S = 5.0


def configure(sock: zmq.Socket, *, heartbeat: bool = False) -> zmq.Socket:
    """Linger 0 (a close never blocks), reconnect timing, a bounded connect and, for request sockets, ZMTP
    heartbeats; returns ``sock``."""
    sock.setsockopt(zmq.LINGER, 0)
    sock.setsockopt(zmq.RECONNECT_IVL, RECONNECT_IVL_MS)
    sock.setsockopt(zmq.RECONNECT_IVL_MAX, RECONNECT_IVL_MAX_MS)
    sock.setsockopt(zmq.CONNECT_TIMEOUT, CONNECT_TIMEOUT_MS)
    if heartbeat:
        sock.setsockopt(zmq.HEARTBEAT_IVL, HEARTBEAT_IVL_MS)
        sock.setsockopt(zmq.HEARTBEAT_TIMEOUT, HEARTBEAT_TIMEOUT_MS)
        sock.setsockopt(zmq.HEARTBEAT_TTL, HEARTBEAT_TTL_MS)
    return sock
