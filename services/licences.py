"""The licences of what SitRoom runs on: each Python distribution it needs (from its dist-info metadata), the
Python interpreter, and, in an installed build, the fonts and the bootloader that came with it.

An installed build carries them in ``licenses/`` beside its binary (written by ``packaging/build`` with
:func:`write_tree`); the About box reads that folder there, and the venv's metadata otherwise, so both show
the same list. ``python -m sitroom.services.licences --out DIR`` writes the folder.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

INDEX = "index.json"
COMMON_LICENSES = Path("/usr/share/common-licenses")  # Debian's full texts, for metadata that names only an id
# SPDX ids of licences a distribution may name without shipping the text, and Debian's file of each.
_SPDX_TEXTS = {"LGPL-3.0-only": "LGPL-3", "LGPL-3.0-or-later": "LGPL-3", "GPL-2.0-only": "GPL-2",
               "GPL-2.0-or-later": "GPL-2", "GPL-3.0-only": "GPL-3", "GPL-3.0-or-later": "GPL-3",
               "Apache-2.0": "Apache-2.0", "MPL-2.0": "MPL-2.0", "LGPL-2.1-only": "LGPL-2.1",
               "LGPL-2.1-or-later": "LGPL-2.1", "BSD-3-Clause": "BSD"}
# The words older metadata uses instead of an SPDX id (its License field or classifier), lower case.
_WORDS_SPDX = {"apache license, version 2.0": "Apache-2.0", "apache software license": "Apache-2.0",
               "apache 2.0": "Apache-2.0", "bsd": "BSD-3-Clause", "bsd license": "BSD-3-Clause"}
_FILE_NAMES = re.compile(r"(LICEN[CS]E|COPYING|NOTICE|AUTHORS|COPYRIGHT)", re.IGNORECASE)
_TEXT_SUFFIXES = ("", ".txt", ".md", ".rst", ".TXT")


@dataclass
class Licence:
    name: str  # the distribution's name, e.g. "PySide6_Essentials"
    version: str
    licence: str  # the SPDX expression or the metadata's words, e.g. "LGPL-3.0-only OR GPL-2.0-only OR …"
    texts: dict[str, str] = field(default_factory=dict)  # file name → its text

    @property
    def folder(self) -> str:
        return f"{self.name}-{self.version}"


def _norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _licence_words(dist: metadata.Distribution) -> str:
    meta = dist.metadata
    expression = meta.get("License-Expression")
    if expression:
        return expression.strip()
    text = (meta.get("License") or "").strip()
    if text and "\n" not in text and len(text) <= 80:
        return text
    classifiers = [c.split(" :: ")[-1] for c in meta.get_all("Classifier") or [] if c.startswith("License ::")]
    return "; ".join(classifiers) or (text.splitlines()[0][:80] if text else "not stated")


def _texts(dist: metadata.Distribution, words: str) -> dict[str, str]:
    texts: dict[str, str] = {}
    for f in dist.files or []:
        name = Path(str(f)).name
        # The dist-info's own licence files (PEP 639 puts them in licenses/), not a package's source files.
        in_dist_info = ".dist-info/" in str(f).replace("\\", "/")
        if in_dist_info and _FILE_NAMES.search(name) and Path(name).suffix in _TEXT_SUFFIXES:
            try:
                text = Path(str(f.locate())).read_text(encoding="utf-8", errors="replace")
            except OSError:
                continue
            key = str(f).split(".dist-info/", 1)[1].removeprefix("licenses/")
            texts[key] = text
    full = dist.metadata.get("License") or ""
    if not texts and "\n" in full.strip():
        texts["LICENSE (from the metadata)"] = full
    if not texts:  # only an id in the metadata (PySide6, shiboken6): the full texts it names, from Debian
        ids = re.findall(r"[A-Za-z0-9.+-]+", words) + [_WORDS_SPDX.get(w.strip().lower(), "")
                                                       for w in words.split(";")]
        holder = dist.metadata.get("Author") or dist.metadata.get("Author-email") or ""
        for spdx in ids:
            debian = _SPDX_TEXTS.get(spdx)
            if debian and (COMMON_LICENSES / debian).is_file() and debian not in texts:
                text = (COMMON_LICENSES / debian).read_text(encoding="utf-8", errors="replace")
                if spdx == "BSD-3-Clause":  # Debian's copy names its own holder: say whose this is
                    text = (f"{dist.metadata['Name']} is under the BSD 3-clause licence; copyright holder as the "
                            f"package names it: {holder or 'not stated'}. The licence's terms:\n\n{text}")
                texts[debian] = text
    return texts


def requirement_closure(root: str = "sitroom") -> list[metadata.Distribution]:
    """``root`` and every distribution it requires, recursively (extras left out), as installed here."""
    seen: dict[str, metadata.Distribution] = {}
    todo = [root]
    while todo:
        name = _norm(todo.pop())
        if name in seen:
            continue
        try:
            dist = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            continue
        seen[name] = dist
        for req in dist.requires or []:
            if "extra ==" in req.replace(" ", "").replace("extra==", "extra =="):
                continue
            todo.append(re.split(r"[\s;<>=!~\[(]", req.strip(), maxsplit=1)[0])
    return sorted(seen.values(), key=lambda d: _norm(d.metadata["Name"]))


def of_distributions(dists: list[metadata.Distribution]) -> list[Licence]:
    out = []
    for d in dists:
        words = _licence_words(d)
        out.append(Licence(d.metadata["Name"], d.version, words, _texts(d, words)))
    return out


def python_licence() -> Licence:
    """The interpreter's own licence (PSF), from its standard library folder."""
    import sysconfig

    texts = {}
    for candidate in (Path(sysconfig.get_paths()["stdlib"]) / "LICENSE.txt", Path(sys.base_prefix) / "LICENSE.txt"):
        if candidate.is_file():
            texts["LICENSE.txt"] = candidate.read_text(encoding="utf-8", errors="replace")
            break
    return Licence("Python", sys.version.split()[0], "PSF-2.0", texts)


def installed(root: str = "sitroom") -> list[Licence]:
    """What the running SitRoom is made of: the installed build's ``licenses/``, else this environment's."""
    bundled = bundled_dir()
    if bundled is not None:
        return read_tree(bundled)
    return [*of_distributions(requirement_closure(root)), python_licence()]


def bundled_dir() -> Path | None:
    """``licenses/`` beside an installed build's binary (None in a venv)."""
    if not getattr(sys, "frozen", False):
        return None
    folder = Path(sys.executable).resolve().parent / "licenses"
    return folder if folder.is_dir() else None


def write_tree(licences: list[Licence], out: Path) -> None:
    """``out/<name>-<version>/<file>`` for each text and ``out/index.json`` listing them, in a fixed order
    (the build is reproducible)."""
    out.mkdir(parents=True, exist_ok=True)
    index = []
    for lic in sorted(licences, key=lambda x: _norm(x.name)):
        files = []
        for key in sorted(lic.texts):
            target = out / lic.folder / key
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(lic.texts[key], encoding="utf-8")
            files.append(key)
        index.append({"name": lic.name, "version": lic.version, "licence": lic.licence, "files": files})
    (out / INDEX).write_text(json.dumps(index, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


def read_tree(folder: Path) -> list[Licence]:
    """The licences a :func:`write_tree` folder holds; a missing or damaged one gives what can be read."""
    try:
        index = json.loads((folder / INDEX).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    out = []
    for entry in index if isinstance(index, list) else []:
        try:
            lic = Licence(str(entry["name"]), str(entry["version"]), str(entry["licence"]))
            for key in entry["files"]:
                try:
                    lic.texts[key] = (folder / lic.folder / key).read_text(encoding="utf-8", errors="replace")
                except OSError:
                    lic.texts[key] = f"(missing from this installation: {folder / lic.folder / key})"
        except (KeyError, TypeError):
            continue
        out.append(lic)
    return out


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m sitroom.services.licences",
                                description="Write the licences of SitRoom's dependencies to a folder.")
    p.add_argument("--out", type=Path, required=True)
    p.add_argument("--also", action="append", default=[], metavar="DIST",
                   help="another installed distribution to include (e.g. pyinstaller, for its bootloader)")
    p.add_argument("--text", action="append", default=[], metavar="DIST=FILE",
                   help="the licence text of a distribution whose metadata carries none (e.g. sitroom=LICENSE)")
    p.add_argument("--add", action="append", default=[], metavar="NAME:VERSION:LICENCE:FILE[,FILE…]",
                   help="something bundled that is no Python distribution (fonts, native libraries)")
    args = p.parse_args(argv)
    dists = requirement_closure()
    names = {_norm(d.metadata["Name"]) for d in dists}
    dists += [metadata.distribution(n) for n in args.also if _norm(n) not in names]
    licences = [*of_distributions(dists), python_licence()]
    for spec in args.text:
        name, _, file = spec.partition("=")
        for lic in licences:
            if _norm(lic.name) == _norm(name):
                lic.texts[Path(file).name] = Path(file).read_text(encoding="utf-8")
    for spec in args.add:
        name, version, words, files = spec.split(":", 3)
        licences.append(Licence(name, version, words, {Path(f).name: Path(f).read_text(encoding="utf-8")
                                                       for f in files.split(",")}))
    write_tree(licences, args.out)
    missing = [lic.name for lic in licences if not lic.texts]
    print(f"{len(licences)} licences → {args.out}" + (f"; no text found for {', '.join(missing)}" if missing else ""))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
