"""``sitroom keys``: create and list the CurveZMQ key pairs that encrypt and authenticate feeds.

``sitroom keys create NAME [--dir DIR] [--force]`` writes ``NAME.key`` (the public key, to hand to the other
side) and ``NAME.key_secret`` (stays here), both mode 0600 in a directory of mode 0700;
``sitroom keys list [--dir DIR]`` shows every key's name and public key. DIR defaults to
``$SITROOM_CONFIG/keys`` (``~/.config/sitroom/keys``). A publisher accepts the clients whose ``NAME.key`` is
in its allowlist directory (by default that same directory); see docs/protocol.md §11.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def add_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="keys_command", required=True)
    create = sub.add_parser("create", help="create a key pair NAME.key (public) and NAME.key_secret")
    create.add_argument("name", metavar="NAME", help="letters, digits, '.', '_' or '-', e.g. control-room")
    create.add_argument("--dir", type=Path, help="key directory (default: $SITROOM_CONFIG/keys)")
    create.add_argument("--force", action="store_true", help="replace an existing pair of that name")
    listing = sub.add_parser("list", help="names and public keys of the key directory")
    listing.add_argument("--dir", type=Path, help="key directory (default: $SITROOM_CONFIG/keys)")


def run(args: argparse.Namespace) -> int:
    from sitroom.services.feeds.security import KeyFileError, create_keypair, keys_dir, list_keys

    directory = args.dir if args.dir is not None else keys_dir()
    try:
        if args.keys_command == "create":
            info = create_keypair(args.name, directory, force=args.force)
            print(f"created key pair {info.name!r} in {directory}")
            print(f"  public key {info.public}")
            print(f"  {info.path.name}: the public key; copy it to the machines that must trust {info.name}")
            print(f"  {info.name}.key_secret: the secret key; it stays here (readable by you alone)")
            return 0
        keys = list_keys(directory)
        if not keys:
            print(f"no keys in {directory} (create one with: sitroom keys create NAME)")
            return 0
        width = max(len(k.name) for k in keys)
        print(f"{directory}:")
        for k in keys:
            print(f"  {k.name:<{width}}  {k.public}  {'pair' if k.has_secret else 'public only'}")
        return 0
    except (KeyFileError, OSError) as exc:
        print(f"sitroom keys: {exc}", file=sys.stderr)
        return 1
