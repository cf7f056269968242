"""Roles and local login, Qt-free.

Three roles: a **dispatcher** may do everything; a **supervisor** reads everything, sees the figures, may
reassign or cancel an incident (with a reason) and controls the wall; a **wall** changes nothing. The people
and their roles are in ``users.toml`` in the config directory, each with a PIN or password stored as an
scrypt hash (memory-hard: n=2**14, r=8, p=1, 16 bytes of salt), never the secret itself; ``sitroom users``
adds, lists and removes them. Without that file the room runs as before: the desk's user, as a dispatcher.

Every action that changes the room's state is named in :data:`ACTIONS` with the roles that may take it; the
interface offers only those (:meth:`Access.allowed`), and the control core checks again
(:meth:`Access.check`, app/core/actions.py), refusing with a reason in the person's language.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import secrets
import tomllib
from dataclasses import dataclass
from pathlib import Path

from sitroom.services.refusal import Refusal

ROLES = ("dispatcher", "supervisor", "wall")
D, S = "dispatcher", "supervisor"
# Every state-changing action of the room, and who may take it.
ACTIONS: dict[str, tuple[str, ...]] = {
    "acknowledge": (D,),  # an incident
    "dispatch": (D,),  # units to an incident (the CAD's command)
    "close": (D,),  # an incident, with a disposition
    "cancel": (D, S),  # an incident, with a reason
    "reassign": (D, S),  # an incident to another dispatcher, with a reason
    "new-incident": (D,),  # a call taken here (also from an alarm)
    "close-road": (D,),  # road closures, by road or area
    "reopen-roads": (D,),
    "unit-service": (D,),  # a unit in or out of service
    "alarm-acknowledge": (D,),
    "alarm-shelve": (D,),
    "alarm-unshelve": (D,),
    "alarm-out-of-service": (D,),
    "alarm-in-service": (D,),
    "open-kit": (D,),  # another kit (or imported data) for the whole room
    "wall-control": (D, S),  # push a view, cameras or a preset to the wall
    "figures": (D, S),  # the supervisor's figures and the shift report
}
SCRYPT_N, SCRYPT_R, SCRYPT_P, SCRYPT_LEN = 2**14, 8, 1, 32
_NAME_RE = re.compile(r"[^\s\"\\]{1,40}")
MIN_SECRET = 4


class AccessRefused(Refusal):
    """An action the person's role does not allow (``code`` "not-permitted", ``params`` who, role, action,
    roles)."""


class LoginError(ValueError):
    pass


@dataclass(frozen=True)
class User:
    name: str
    role: str


def scrypt_hash(secret: str, salt: bytes) -> bytes:
    return hashlib.scrypt(secret.encode("utf-8"), salt=salt, n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P,
                          dklen=SCRYPT_LEN, maxmem=64 * 1024 * 1024)


class Access:
    """What one logged-in person may do."""

    def __init__(self, user: User) -> None:
        if user.role not in ROLES:
            raise ValueError(f"unknown role {user.role!r}")
        self.user = user

    @property
    def who(self) -> str:
        return self.user.name

    @property
    def role(self) -> str:
        return self.user.role

    def allowed(self, action: str) -> bool:
        return self.user.role in ACTIONS[action]

    def check(self, action: str) -> None:
        roles = ACTIONS[action]
        if self.user.role not in roles:
            raise AccessRefused("not-permitted", f"{self.user.name} is logged in as {self.user.role}: only a "
                                f"{' or '.join(roles)} may {action.replace('-', ' ')}", who=self.user.name,
                                role=self.user.role, action=action, roles=roles)


class UserStore:
    """``users.toml``: ``[[user]]`` tables of name, role, salt and hash (hex). Written whole, mode 0600."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)

    @property
    def exists(self) -> bool:
        return self.path.is_file()

    def _read(self) -> list[dict]:
        if not self.path.is_file():
            return []
        try:
            doc = tomllib.loads(self.path.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise LoginError(f"{self.path}: {exc}") from None
        users = doc.get("user", [])
        for u in users:
            if not (isinstance(u, dict) and {"name", "role", "salt", "hash"} <= set(u) and u["role"] in ROLES):
                raise LoginError(f"{self.path}: a [[user]] needs name, role (one of {', '.join(ROLES)}), salt, hash")
        return users

    def _write(self, users: list[dict]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        lines = ["# SitRoom's people and roles (sitroom users add|remove). PINs are stored as scrypt hashes.", ""]
        for u in users:
            lines += ["[[user]]", f'name = "{u["name"]}"', f'role = "{u["role"]}"', f'salt = "{u["salt"]}"',
                      f'hash = "{u["hash"]}"', ""]
        tmp = self.path.with_suffix(".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write("\n".join(lines))
        os.replace(tmp, self.path)

    def users(self) -> list[User]:
        return [User(u["name"], u["role"]) for u in self._read()]

    def add(self, name: str, role: str, secret: str) -> User:
        if not _NAME_RE.fullmatch(name):
            raise LoginError(f"name {name!r}: 1 to 40 characters, no spaces or quotes")
        if role not in ROLES:
            raise LoginError(f"role {role!r}: one of {', '.join(ROLES)}")
        if len(secret) < MIN_SECRET:
            raise LoginError(f"a PIN or password needs at least {MIN_SECRET} characters")
        salt = secrets.token_bytes(16)
        users = [u for u in self._read() if u["name"] != name]
        users.append({"name": name, "role": role, "salt": salt.hex(), "hash": scrypt_hash(secret, salt).hex()})
        self._write(users)
        return User(name, role)

    def remove(self, name: str) -> bool:
        users = self._read()
        kept = [u for u in users if u["name"] != name]
        if len(kept) != len(users):
            self._write(kept)
        return len(kept) != len(users)

    def login(self, name: str, secret: str) -> User:
        """The user, when the secret is theirs; LoginError otherwise (the same words either way)."""
        for u in self._read():
            if u["name"] == name:
                ok = hmac.compare_digest(scrypt_hash(secret, bytes.fromhex(u["salt"])), bytes.fromhex(u["hash"]))
                if ok:
                    return User(u["name"], u["role"])
                break
        else:
            scrypt_hash(secret, b"0" * 16)  # as slow for an unknown name: no hint which names exist
        raise LoginError("unknown name or wrong PIN")
