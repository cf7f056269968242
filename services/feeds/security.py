"""CurveZMQ keys and their use on every SitRoom socket (docs/protocol.md §11).

A party (publisher, CAD, control room) owns one key pair: ``NAME.key`` (public) and ``NAME.key_secret``
(public and secret) in the key directory, both readable by the user alone. Servers (PUB, snapshot ROUTER,
CAD ROUTER) run the CURVE server role and accept only clients whose public key is in their allowlist
directory (ZAP); clients (SUB, snapshot DEALER, dispatch DEALER) must know the server's public key in
advance, so an impostor bound to the same endpoint with another key cannot complete the handshake.

Without keys, sockets run plaintext (NULL), which :func:`check_plaintext` accepts on ipc and loopback only.
"""

from __future__ import annotations

import hashlib
import ipaddress
import logging
import os
import re
import shutil
import stat
import tempfile
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import zmq
import zmq.auth
from zmq.auth.thread import ThreadAuthenticator
from zmq.utils import z85

from sitroom.services import dirs

log = logging.getLogger(__name__)

# Environment read by the demo backends (``sitroom sim``) and by Security.from_env().
ENV_CONFIG = "SITROOM_CONFIG"  # configuration directory; keys live in its "keys" subdirectory
ENV_KEY = "SITROOM_KEY"  # this process's key pair name: setting it turns CURVE on
ENV_PEER_KEY = "SITROOM_PEER_KEY"  # public key name the process's client sockets expect (default: SITROOM_KEY)
ENV_ALLOW = "SITROOM_ALLOW"  # allowlist directory of client public keys (default: the key directory; "any")

PUBLIC_SUFFIX = ".key"
SECRET_SUFFIX = ".key_secret"
ALLOW_ANY = "any"
_NAME_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
_Z85_KEY_LEN = 40
_LOOPBACK_NAMES = frozenset({"localhost", "lo", "ip6-localhost"})


class KeyFileError(ValueError):
    """A key that cannot be used: missing, malformed, or readable by others."""


@dataclass(frozen=True)
class KeyPair:
    public: bytes  # Z85 text, 40 bytes
    secret: bytes

    def __repr__(self) -> str:  # never print a secret into a log
        return f"KeyPair(public={self.public.decode('ascii')!r})"


@dataclass(frozen=True)
class KeyInfo:
    name: str
    public: str  # Z85
    has_secret: bool
    path: Path


# ---------------------------------------------------------------- key files


def config_dir(environ: Mapping[str, str] | None = None) -> Path:
    return dirs.config_dir(environ)


def keys_dir(environ: Mapping[str, str] | None = None) -> Path:
    """``$SITROOM_CONFIG/keys``, or ``$XDG_CONFIG_HOME/sitroom/keys`` (``~/.config/sitroom/keys``)."""
    return config_dir(environ) / "keys"


def check_name(name: str) -> str:
    if not _NAME_RE.fullmatch(name):
        raise KeyFileError(f"bad key name {name!r}: use letters, digits, '.', '_' or '-' (at most 64)")
    return name


def _private_dir(directory: Path, *, create: bool) -> Path:
    """The key directory, owned by this user and closed to everyone else (a writable one would let others swap
    the public keys this process trusts)."""
    if create:
        directory.mkdir(parents=True, mode=0o700, exist_ok=True)
    st = directory.stat()
    if st.st_uid != os.getuid():
        raise KeyFileError(f"{directory} belongs to another user; keep keys in a directory of your own")
    if stat.S_IMODE(st.st_mode) & 0o077:
        os.chmod(directory, 0o700)
    return directory


def create_keypair(name: str, directory: Path | str | None = None, *, force: bool = False) -> KeyInfo:
    """Write ``NAME.key`` and ``NAME.key_secret`` (mode 0600) into ``directory`` (mode 0700)."""
    check_name(name)
    directory = _private_dir(Path(directory) if directory is not None else keys_dir(), create=True)
    public_path, secret_path = directory / f"{name}{PUBLIC_SUFFIX}", directory / f"{name}{SECRET_SUFFIX}"
    if not force and (public_path.exists() or secret_path.exists()):
        raise FileExistsError(f"a key named {name!r} already exists in {directory}")
    # Written inside a fresh 0700 directory, so the secret is never readable by others, not even briefly.
    staging = Path(tempfile.mkdtemp(prefix=".new-", dir=directory))
    try:
        made_public, made_secret = zmq.auth.create_certificates(staging, name)
        for path in (made_public, made_secret):
            os.chmod(path, 0o600)
        os.replace(made_secret, secret_path)
        os.replace(made_public, public_path)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    public, _ = zmq.auth.load_certificate(public_path)
    return KeyInfo(name, public.decode("ascii"), True, public_path)


def list_keys(directory: Path | str | None = None) -> list[KeyInfo]:
    directory = Path(directory) if directory is not None else keys_dir()
    if not directory.is_dir():
        return []
    out = []
    for path in sorted(directory.glob(f"*{PUBLIC_SUFFIX}")):
        name = path.name[: -len(PUBLIC_SUFFIX)]
        try:
            public, _ = zmq.auth.load_certificate(path)
        except (OSError, ValueError) as exc:
            log.warning("skipping unreadable key file %s: %s", path, exc)
            continue
        out.append(KeyInfo(name, public.decode("ascii"), (directory / f"{name}{SECRET_SUFFIX}").exists(), path))
    return out


def load_keypair(name: str, directory: Path | str | None = None) -> KeyPair:
    """The pair from ``NAME.key_secret``; refuses a secret file that others may read."""
    check_name(name)
    path = (Path(directory) if directory is not None else keys_dir()) / f"{name}{SECRET_SUFFIX}"
    try:
        mode = stat.S_IMODE(path.stat().st_mode)
    except FileNotFoundError:
        raise KeyFileError(f"no secret key {path} (create one with: sitroom keys create {name})") from None
    if mode & 0o077:
        raise KeyFileError(f"{path} is readable by others (mode {mode:o}); run: chmod 600 {path}")
    public, secret = zmq.auth.load_certificate(path)
    if not secret:
        raise KeyFileError(f"{path} holds no secret key")
    return KeyPair(public, secret)


def public_key(value: str | bytes, directory: Path | str | None = None) -> bytes:
    """A public key given as a key name (``NAME.key`` in ``directory``) or as its 40 Z85 characters."""
    text = value.decode("ascii") if isinstance(value, bytes) else value
    if _NAME_RE.fullmatch(text):
        path = (Path(directory) if directory is not None else keys_dir()) / f"{text}{PUBLIC_SUFFIX}"
        if path.exists():
            return zmq.auth.load_certificate(path)[0]
    if len(text) == _Z85_KEY_LEN:
        try:
            z85.decode(text.encode("ascii"))
        except (ValueError, KeyError):
            pass
        else:
            return text.encode("ascii")
    raise KeyFileError(f"{text!r} is neither a key name in {directory or keys_dir()} nor a 40-character Z85 key")


# ---------------------------------------------------------------- ZAP: one authenticator per context


class _AllowList:
    """Client public keys allowed by a server: every ``*.key`` in a directory, re-read when it changes, so a key
    added or removed takes effect at the next handshake without a restart."""

    def __init__(self, directory: Path | None) -> None:
        self.directory = directory  # None: any client that completes the CURVE handshake
        self._stamp: tuple | None = None
        self._keys: frozenset[bytes] = frozenset()

    def _scan(self) -> None:
        assert self.directory is not None
        try:
            entries = sorted((e.name, e.stat().st_mtime_ns) for e in os.scandir(self.directory)
                             if e.name.endswith(PUBLIC_SUFFIX))
        except OSError as exc:
            if self._stamp != ("error",):
                log.error("ZAP allowlist %s unreadable (%s): refusing every client", self.directory, exc)
            self._stamp, self._keys = ("error",), frozenset()
            return
        stamp = tuple(entries)
        if stamp == self._stamp:
            return
        keys = set()
        for name, _ in entries:
            try:
                keys.add(zmq.auth.load_certificate(self.directory / name)[0])
            except (OSError, ValueError) as exc:
                log.warning("ZAP allowlist: skipping %s: %s", self.directory / name, exc)
        self._stamp, self._keys = stamp, frozenset(keys)

    def callback(self, domain: str, key: bytes) -> bool:
        if self.directory is None:
            return True
        self._scan()
        allowed = key in self._keys
        if not allowed:
            log.warning("refused a client with unknown key %s", key.decode("ascii", "replace"))
        return allowed


class _Zap:
    def __init__(self, auth: ThreadAuthenticator) -> None:
        self.auth = auth
        self.domains: dict[str, int] = {}


_zap_lock = threading.Lock()
_zaps: dict[int, _Zap] = {}


def _start_authenticator(ctx: zmq.Context) -> ThreadAuthenticator:
    # A previous authenticator's inproc endpoint is released asynchronously after it stops.
    deadline = time.monotonic() + 5.0
    while True:
        auth = ThreadAuthenticator(ctx, log=logging.getLogger("sitroom.services.feeds.zap"))
        try:
            auth.start()
            return auth
        except zmq.ZMQError as exc:
            if exc.errno != zmq.EADDRINUSE or time.monotonic() > deadline:
                raise
            time.sleep(0.02)


class ZapLease:
    """Keeps the context's authenticator (and this allowlist's domain) alive until released."""

    def __init__(self, ctx: zmq.Context, domain: str) -> None:
        self._ctx, self.domain = ctx, domain
        self._released = False

    def release(self) -> None:
        with _zap_lock:
            if self._released:
                return
            self._released = True
            zap = _zaps.get(id(self._ctx))
            if zap is None:
                return
            zap.domains[self.domain] -= 1
            if zap.domains[self.domain] <= 0:
                del zap.domains[self.domain]
            if not zap.domains:
                del _zaps[id(self._ctx)]
                zap.auth.stop()


def _lease(ctx: zmq.Context, allow_dir: Path | None) -> ZapLease:
    key = "any" if allow_dir is None else str(allow_dir.resolve())
    domain = "sitroom-" + hashlib.sha256(key.encode()).hexdigest()[:16]
    with _zap_lock:
        zap = _zaps.get(id(ctx))
        if zap is None:
            zap = _zaps[id(ctx)] = _Zap(_start_authenticator(ctx))
        if domain not in zap.domains:
            zap.auth.configure_curve_callback(domain, _AllowList(allow_dir))
            zap.domains[domain] = 0
        zap.domains[domain] += 1
    return ZapLease(ctx, domain)


# ---------------------------------------------------------------- the configuration applied to sockets


@dataclass(frozen=True)
class Security:
    """CURVE settings of one process.

    ``keys``: this side's pair (the server pair on publishers and ROUTERs, the client pair on SUB/DEALERs).
    ``server_key``: the public key client sockets expect from the server they connect to (a FeedConfig may
    name another per feed). ``allow_dir``: the authorised client public keys (``*.key``) for server sockets;
    None accepts any client that holds a key pair (encryption and server authenticity, no client allowlist).
    """

    keys: KeyPair
    server_key: bytes | None = None
    allow_dir: Path | None = None
    key_dir: Path | None = None  # where key names (e.g. FeedConfig.server_key) are looked up; None: keys_dir()

    @classmethod
    def load(cls, name: str, *, directory: Path | str | None = None, server: str | bytes | None = None,
             allow: Path | str | None = None) -> Security:
        """The pair ``name`` from ``directory`` (default :func:`keys_dir`); ``server`` a key name or Z85 key;
        ``allow`` an allowlist directory, or ``"any"``; None: ``directory`` itself (every key stored there)."""
        directory = Path(directory) if directory is not None else keys_dir()
        allow_dir = None if allow == ALLOW_ANY else Path(allow) if allow is not None else directory
        return cls(load_keypair(name, directory),
                   public_key(server, directory) if server is not None else None, allow_dir, directory)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Security | None:
        """From ``SITROOM_KEY`` (and ``SITROOM_PEER_KEY``, ``SITROOM_ALLOW``, ``SITROOM_CONFIG``); None when
        ``SITROOM_KEY`` is not set (plaintext)."""
        env = os.environ if environ is None else environ
        name = env.get(ENV_KEY)
        if not name:
            return None
        return cls.load(name, directory=keys_dir(env), server=env.get(ENV_PEER_KEY) or name,
                        allow=env.get(ENV_ALLOW) or None)

    def apply_server(self, sock: zmq.Socket) -> ZapLease:
        """CURVE server role with the allowlist; call before bind, release the lease when the socket closes."""
        lease = _lease(sock.context, self.allow_dir)
        sock.setsockopt(zmq.ZAP_DOMAIN, lease.domain.encode())
        sock.setsockopt(zmq.CURVE_PUBLICKEY, self.keys.public)
        sock.setsockopt(zmq.CURVE_SECRETKEY, self.keys.secret)
        sock.setsockopt(zmq.CURVE_SERVER, 1)
        return lease

    def apply_client(self, sock: zmq.Socket, server_key: str | bytes | None = None) -> None:
        """CURVE client role; before connect. ``server_key`` overrides :attr:`server_key`."""
        key = server_key if server_key is not None else self.server_key
        if key is None:
            raise KeyFileError("a CURVE client needs the server's public key")
        sock.setsockopt(zmq.CURVE_PUBLICKEY, self.keys.public)
        sock.setsockopt(zmq.CURVE_SECRETKEY, self.keys.secret)
        sock.setsockopt(zmq.CURVE_SERVERKEY, key.encode("ascii") if isinstance(key, str) else key)


def check_plaintext(endpoint: str, security: Security | None) -> str | None:
    """A warning to show when ``endpoint`` would carry plaintext beyond this machine, else None.

    ipc and inproc, and tcp on loopback (127.0.0.0/8, ::1, localhost), are fine without keys."""
    if security is not None:
        return None
    scheme, _, rest = endpoint.partition("://")
    if scheme in ("ipc", "inproc"):
        return None
    if scheme == "tcp":
        host = rest.rsplit(";", 1)[-1].rpartition(":")[0].strip("[]")  # "iface;host:port", "[::1]:port"
        if host.lower() in _LOOPBACK_NAMES:
            return None
        try:
            if ipaddress.ip_address(host).is_loopback:
                return None
        except ValueError:
            pass
    return (f"{endpoint} is not encrypted (no CURVE keys): anyone on that network can read it and send forged "
            f"data; configure keys (sitroom keys) or use ipc/loopback")


def describe_handshake_failure(event: int, *, client_has_keys: bool) -> str:
    """What a failed handshake seen by a client socket's monitor means, in words for the Feeds dock."""
    if event == zmq.EVENT_HANDSHAKE_FAILED_AUTH:
        return "handshake failed: this client's key is not authorised by the publisher"
    if event == zmq.EVENT_HANDSHAKE_FAILED_PROTOCOL:
        return "handshake failed: protocol error (is this a SitRoom publisher?)"
    if client_has_keys:
        return "handshake failed: publisher key not trusted"
    return "handshake failed: the publisher requires CURVE keys"
