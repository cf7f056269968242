"""SitRoom's installed builds: the PyInstaller one-folder app and the .deb that installs it under /opt/sitroom.

Run by ``packaging/build`` (which checks the tools and sets up the venv first)::

    packaging/build                      # dist/sitroom-VERSION-linux-ARCH/ and dist/sitroom_VERSION_ARCH.deb
    packaging/build --check-reproducible # twice, then compare the .deb checksums (and say what differs)

Steps: stage a plain install of SitRoom (the venv's is editable, which PyInstaller cannot follow), cut the
Hangul font, render the icon's PNG sizes, run PyInstaller (``packaging/sitroom.spec``), collect the licences,
give every file the time of ``SOURCE_DATE_EPOCH`` (the last commit's when unset), lay out the package tree and
build the .deb with dpkg-deb. The pure parts (control file, desktop entry, Depends, normalisation) are functions
that ``tests/packaging`` calls.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import shutil
import stat
import subprocess
import sys
import time
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ICON_SIZES = (16, 24, 32, 48, 64, 128, 256, 512)
NOTO_DIR = Path("/usr/share/fonts/opentype/noto")
NOTO_FACES = {"Regular": "NotoSansCJK-Regular.ttc", "Bold": "NotoSansCJK-Bold.ttc"}
NOTO_COPYRIGHT = Path("/usr/share/doc/fonts-noto-cjk/copyright")
# What Korean text of the interface and of Korean map data needs: Latin, punctuation and symbols, Hangul
# (syllables, jamo, compatibility jamo), CJK punctuation, full-width forms and the KS X 1001 hanja block is left
# out (rare in road and place names; the system's font covers them where present).
FONT_UNICODES = ("U+0020-007E,U+00A0-024F,U+02B0-02FF,U+0300-036F,U+0370-03FF,U+2000-206F,U+2070-209F,"
                 "U+20A0-20CF,U+2100-214F,U+2150-218F,U+2190-21FF,U+2200-22FF,U+2300-23FF,U+2460-24FF,"
                 "U+2500-257F,U+25A0-25FF,U+2600-26FF,U+3000-303F,U+3130-318F,U+3200-32FF,U+1100-11FF,"
                 "U+A960-A97F,U+D7B0-D7FF,U+AC00-D7A3,U+FF00-FFEF")
# The Debian packages of ./dev's list that the installed app needs at run time (Qt's xcb platform, EGL/GL,
# fonts, D-Bus, PulseAudio); the rest of that list is for development and tests (Xvfb, strace, GStreamer, …).
RECOMMENDS = ("iproute2",)  # `sitroom drill link-cut` (ip, nsenter, unshare)


def say(msg: str) -> None:
    print(f"== {msg}", flush=True)


def run(cmd: list[str], **kw) -> subprocess.CompletedProcess:
    done = subprocess.run(cmd, text=True, **kw)
    if done.returncode != 0:
        raise SystemExit(f"packaging/build: {' '.join(map(str, cmd[:4]))} … failed (exit {done.returncode})"
                         + (f": {done.stderr.strip()[-2000:]}" if isinstance(done.stderr, str) else ""))
    return done


# ---------------------------------------------------------------- metadata


def read_project(pyproject: Path = ROOT / "pyproject.toml") -> dict:
    """Name, version, description, licence and maintainer: pyproject.toml holds them once."""
    project = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]
    people = project.get("maintainers") or project.get("authors") or []
    maintainer = next((f"{p['name']} <{p['email']}>" for p in people if p.get("name") and p.get("email")), None)
    return {"name": project["name"], "version": project["version"], "description": project["description"],
            "licence": project.get("license", ""), "maintainer": maintainer or "SitRoom maintainers <root@localhost>"}


def _dev_array(name: str, dev_script: Path) -> list[str]:
    text = dev_script.read_text(encoding="utf-8")
    m = re.search(rf"^{name}=\(([^)]*)\)", text, re.MULTILINE)
    if not m:
        raise SystemExit(f"{dev_script}: {name}=( … ) not found")
    return m.group(1).split()


def dev_packages(dev_script: Path = ROOT / "dev") -> list[str]:
    """Every Debian package ``./dev`` installs: the run-time libraries and the development and test tools."""
    return _dev_array("RUNTIME_PACKAGES", dev_script) + _dev_array("DEV_PACKAGES", dev_script)


def runtime_packages(dev_script: Path = ROOT / "dev") -> list[str]:
    """The libraries Qt needs at run time (``./dev``'s RUNTIME_PACKAGES): one list for both."""
    return _dev_array("RUNTIME_PACKAGES", dev_script)


def control_text(project: dict, *, arch: str, installed_kib: int, depends: list[str],
                 recommends: list[str] = list(RECOMMENDS)) -> str:  # noqa: B006 (read only)
    """DEBIAN/control: one paragraph, the long description's lines indented by one space."""
    long = ["SitRoom shows a whole city on one map, live: vehicles, incidents, cameras and facility sensors",
            "stream in over ZeroMQ; every feed shows whether it is healthy, and anything that stops reporting",
            "is greyed out as stale. Dispatch with response plans and road ETAs, offline map kits built from",
            "OpenStreetMap or GIS files, journals replayed on a timeline.",
            ".",
            "This package is a self-contained build (Python, Qt and the libraries inside /opt/sitroom);",
            "the first start opens a demo city with simulated feeds."]
    fields = [("Package", project["name"]), ("Version", project["version"]), ("Architecture", arch),
              ("Maintainer", project["maintainer"]), ("Installed-Size", str(installed_kib)),
              ("Depends", ", ".join(depends)), ("Recommends", ", ".join(recommends)),
              ("Section", "science"), ("Priority", "optional"),
              ("Description", project["description"] + "\n" + "\n".join(f" {line}" for line in long))]
    return "".join(f"{k}: {v}\n" for k, v in fields if v)


def desktop_entry(template: str) -> str:
    """The desktop entry as installed: the menu entry of /usr/bin/sitroom with its icon."""
    lines = [line for line in template.splitlines() if not line.startswith(("Icon=", "StartupWMClass=", "TryExec="))]
    out = []
    for line in lines:
        out.append(line)
        if line.startswith("Exec="):
            out += ["TryExec=sitroom", "Icon=sitroom", "StartupWMClass=sitroom"]
    return "\n".join(out) + "\n"


# ---------------------------------------------------------------- reproducibility


def normalise_tree(root: Path, epoch: int) -> None:
    """Every file, folder and link of ``root``: mtime ``epoch``; modes 0755 (folders and executables) or 0644.
    Owners are set by dpkg-deb --root-owner-group, the order of entries by dpkg-deb's sorting."""
    for path in sorted(root.rglob("*"), reverse=True):  # children before their folder
        if path.is_symlink():
            os.utime(path, (epoch, epoch), follow_symlinks=False)
            continue
        mode = path.stat().st_mode
        if path.is_dir():
            path.chmod(0o755)
        else:
            path.chmod(0o755 if mode & stat.S_IXUSR else 0o644)
        os.utime(path, (epoch, epoch))
    root.chmod(0o755)
    os.utime(root, (epoch, epoch))


def source_date_epoch() -> int:
    """SOURCE_DATE_EPOCH, else the last commit's time (so two builds of one commit agree), else now."""
    if os.environ.get("SOURCE_DATE_EPOCH"):
        return int(os.environ["SOURCE_DATE_EPOCH"])
    try:
        out = subprocess.run(["git", "-C", str(ROOT), "log", "-1", "--format=%ct"], capture_output=True, text=True,
                             timeout=30)
        if out.returncode == 0 and out.stdout.strip():
            return int(out.stdout.strip())
    except (OSError, ValueError, subprocess.TimeoutExpired):
        pass
    return int(time.time())


def md5sums(root: Path) -> str:
    """DEBIAN/md5sums: every regular file, sorted (dpkg --verify reads it)."""
    lines = []
    for path in sorted(p for p in root.rglob("*") if p.is_file() and not p.is_symlink()):
        rel = path.relative_to(root).as_posix()
        if rel.startswith("DEBIAN/"):
            continue
        lines.append(f"{hashlib.md5(path.read_bytes()).hexdigest()}  {rel}\n")
    return "".join(lines)


# ---------------------------------------------------------------- dependencies


def _is_elf(path: Path) -> bool:
    try:
        with open(path, "rb") as f:
            return f.read(4) == b"\x7fELF"
    except OSError:
        return False


def needed_libraries(app: Path) -> tuple[set[str], set[str], str]:
    """(sonames the bundle's ELF files need, sonames the bundle carries, the newest GLIBC_ symbol version)."""
    elves = sorted(p for p in app.rglob("*") if p.is_file() and not p.is_symlink() and _is_elf(p))
    carried = {p.name for p in app.rglob("*") if ".so" in p.name}
    needed: set[str] = set()
    glibc = (2, 17)
    for i in range(0, len(elves), 64):
        chunk = [str(p) for p in elves[i:i + 64]]
        out = run(["objdump", "-p", "-T", *chunk], capture_output=True).stdout
        needed |= set(re.findall(r"^\s+NEEDED\s+(\S+)", out, re.M))
        for major, minor in re.findall(r"GLIBC_(\d+)\.(\d+)", out):
            glibc = max(glibc, (int(major), int(minor)))
    return needed, carried, f"{glibc[0]}.{glibc[1]}"


def _ldconfig() -> dict[str, str]:
    out = run(["/sbin/ldconfig", "-p"], capture_output=True).stdout
    libs: dict[str, str] = {}
    for name, flags, path in re.findall(r"^\s+(\S+) \(([^)]*)\) => (\S+)", out, re.M):
        if "x86-64" in flags or "64bit" in flags or "AArch64" in flags:
            libs.setdefault(name, path)
    return libs


def _find_library(soname: str, libs: dict[str, str]) -> str | None:
    """Where the system has ``soname``: ldconfig's cache, else the folder of the C library (a soname may exist
    as a file without its own cache entry, as Debian's libbz2.so.1 does)."""
    if soname in libs:
        return libs[soname]
    libc = libs.get("libc.so.6")
    folders = [os.path.dirname(libc)] if libc else []
    for folder in [*folders, "/lib64", "/usr/lib64", "/lib", "/usr/lib"]:
        if os.path.exists(os.path.join(folder, soname)):
            return os.path.join(folder, soname)
    return None


def _owner(path: str) -> str | None:
    candidates = [path, os.path.realpath(path)]
    for p in list(candidates):  # merged /usr: dpkg may know /lib/… where ldconfig says /usr/lib/…, or back
        candidates.append(p.removeprefix("/usr") if p.startswith("/usr/lib") else "/usr" + p)
    for p in candidates:
        done = subprocess.run(["dpkg-query", "-S", p], capture_output=True, text=True)
        if done.returncode == 0 and done.stdout:
            return done.stdout.split(":", 1)[0].split(",")[0].strip()
    return None


def system_depends(app: Path) -> tuple[list[str], list[str]]:
    """The Debian packages of the system libraries the bundle needs and does not carry (libc6 versioned by
    the newest glibc symbol used), and the sonames no package of this machine provides."""
    needed, carried, glibc = needed_libraries(app)
    libs = _ldconfig()
    packages, unknown = set(), []
    for soname in sorted(needed - carried):
        path = _find_library(soname, libs)
        owner = _owner(path) if path else None
        if owner is None:
            unknown.append(soname)
        else:
            packages.add(owner)
    packages.discard("libc6")
    return [f"libc6 (>= {glibc})", *sorted(packages)], unknown


# ---------------------------------------------------------------- assets


def subset_fonts(out: Path) -> list[Path]:
    """Noto Sans CJK KR, Regular and Bold, cut to FONT_UNICODES (a few MB instead of 40)."""
    from fontTools import subset
    from fontTools.ttLib import TTCollection

    out.mkdir(parents=True, exist_ok=True)
    made = []
    for weight, file in NOTO_FACES.items():
        collection = TTCollection(str(NOTO_DIR / file))
        font = next(f for f in collection.fonts if "KR" in f["name"].getDebugName(1))
        options = subset.Options()
        options.layout_features = ["*"]
        options.name_IDs = ["*"]
        options.name_languages = ["*"]
        options.notdef_outline = True
        options.drop_tables += ["DSIG"]
        subsetter = subset.Subsetter(options)
        subsetter.populate(unicodes=subset.parse_unicodes(FONT_UNICODES))
        subsetter.subset(font)
        target = out / f"NotoSansCJKkr-{weight}-subset.otf"
        font.save(str(target), reorderTables=True)
        made.append(target)
    return made


def render_icons(svg: Path, out: Path) -> dict[int, Path]:
    """The icon's PNG sizes, drawn from its SVG by Qt offscreen (no display needed)."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6 import QtCore, QtGui, QtSvg

    app = QtGui.QGuiApplication.instance() or QtGui.QGuiApplication(["render-icons"])  # noqa: F841
    renderer = QtSvg.QSvgRenderer(str(svg))
    if not renderer.isValid():
        raise SystemExit(f"packaging/build: {svg} is not an SVG Qt can draw")
    out.mkdir(parents=True, exist_ok=True)
    made = {}
    for size in ICON_SIZES:
        image = QtGui.QImage(size, size, QtGui.QImage.Format.Format_ARGB32)
        image.fill(QtCore.Qt.GlobalColor.transparent)
        painter = QtGui.QPainter(image)
        painter.setRenderHint(QtGui.QPainter.RenderHint.Antialiasing)
        renderer.render(painter)
        painter.end()
        target = out / f"sitroom-{size}.png"
        # No text chunks (no time, no software name): the same picture gives the same bytes.
        writer = QtGui.QImageWriter(str(target), b"png")
        if not writer.write(image):
            raise SystemExit(f"packaging/build: cannot write {target}: {writer.errorString()}")
        made[size] = target
    return made


# ---------------------------------------------------------------- the build


class Build:
    def __init__(self, work: Path, dist: Path, *, strip: bool, compression: str = "zstd") -> None:
        self.work, self.dist, self.strip, self.compression = work, dist, strip, compression
        self.project = read_project()
        self.version = self.project["version"]
        self.arch = run(["dpkg", "--print-architecture"], capture_output=True).stdout.strip()
        self.epoch = source_date_epoch()
        # For the tools that run in this process too: fontTools stamps a font's "modified" time with it.
        os.environ["SOURCE_DATE_EPOCH"] = str(self.epoch)
        self.times: dict[str, float] = {}

    def step(self, name: str, fn, *args):
        say(name)
        t0 = time.monotonic()
        result = fn(*args)
        self.times[name] = round(time.monotonic() - t0, 1)
        return result

    @property
    def app_name(self) -> str:
        machine = os.uname().machine
        return f"sitroom-{self.version}-linux-{machine}"

    @property
    def deb_name(self) -> str:
        return f"sitroom_{self.version}_{self.arch}.deb"

    def env(self) -> dict[str, str]:
        return dict(os.environ, SOURCE_DATE_EPOCH=str(self.epoch), PYTHONHASHSEED="0", QT_QPA_PLATFORM="offscreen")

    def stage(self) -> Path:
        """A plain install of the working tree (the files git would commit, untracked ones included)."""
        src, stage = self.work / "src", self.work / "stage"
        for d in (src, stage):
            shutil.rmtree(d, ignore_errors=True)
        try:
            listed = run(["git", "-C", str(ROOT), "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                         capture_output=True).stdout.split("\0")
            files = [f for f in listed if f and (ROOT / f).is_file()]
        except (SystemExit, OSError):  # not a git checkout (an unpacked source tarball)
            files = [str(p.relative_to(ROOT)) for p in ROOT.rglob("*") if p.is_file() and not any(
                part in (".git", ".venv", "build", "dist", "__pycache__") for part in p.relative_to(ROOT).parts)]
        for f in files:
            (src / f).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / f, src / f)
        run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--no-build-isolation", "--no-compile",
             "--target", str(stage), str(src)], env=self.env(), capture_output=True)
        for junk in stage.glob("*.dist-info/direct_url.json"):  # the build folder's path: not the program's
            junk.unlink()
        shutil.rmtree(stage / "bin", ignore_errors=True)
        return stage

    def pyinstaller(self, stage: Path, fonts: Path) -> Path:
        out = self.work / "pyinstaller"
        shutil.rmtree(out, ignore_errors=True)
        env = self.env() | {"SITROOM_STAGE": str(stage), "SITROOM_FONTS": str(fonts)}
        log = self.work / "pyinstaller.log"
        with open(log, "w") as f:
            done = subprocess.run([sys.executable, "-m", "PyInstaller", "--noconfirm", "--clean", "--log-level",
                                   "WARN", "--distpath", str(out / "dist"), "--workpath", str(out / "work"),
                                   str(ROOT / "packaging" / "sitroom.spec")], env=env, stdout=f, stderr=f)
        if done.returncode != 0:
            raise SystemExit(f"packaging/build: PyInstaller failed; see {log}")
        app = self.dist / self.app_name
        shutil.rmtree(app, ignore_errors=True)
        shutil.move(str(out / "dist" / "sitroom"), app)
        return app

    def strip_libraries(self, app: Path) -> int:
        """Strip the symbol tables of the libraries that carry them, but never one that auditwheel grafted into
        a wheel (its ``*.libs`` folder, names like libfoo-1a2b3c4d.so: patchelf renamed them and moved their
        segments, and strip makes such a library unloadable). Returns the bytes saved (libpython: 17 MB).
        ``sitroom _check-imports`` then proves every library still loads."""
        internal = app / "_internal"
        grafted = re.compile(r"-[0-9a-f]{8}(\.|-)")  # auditwheel's names: libfoo-1a2b3c4d.so.1
        saved = 0
        for path in sorted(p for p in internal.rglob("*.so*") if p.is_file() and not p.is_symlink()):
            rel = path.relative_to(internal)
            if rel.parts[0].endswith(".libs") or grafted.search(path.name) or not _is_elf(path):
                continue
            sections = run(["objdump", "-h", str(path)], capture_output=True).stdout
            if ".symtab" not in sections and ".debug_info" not in sections:
                continue
            before = path.stat().st_size
            run(["strip", "--strip-unneeded", str(path)], capture_output=True)
            saved += before - path.stat().st_size
        return saved

    def check_runs(self, app: Path) -> None:
        """The app starts and says its version (a damaged library would stop it here, not on a user's desk)."""
        env = {"PATH": "/usr/bin:/bin", "HOME": str(self.work), "QT_QPA_PLATFORM": "offscreen"}
        done = subprocess.run([str(app / "sitroom"), "--version"], capture_output=True, text=True, timeout=120,
                              env=env)
        if done.returncode != 0 or self.version not in done.stdout:
            raise SystemExit(f"packaging/build: {app / 'sitroom'} --version failed: {done.stderr[-3000:]}")
        done = subprocess.run([str(app / "sitroom"), "_check-imports"], capture_output=True, text=True, timeout=300,
                              env=env)
        if done.returncode != 0:
            raise SystemExit(f"packaging/build: the app cannot load all it needs:\n{done.stderr[-3000:]}")
        say(f"  {done.stdout.strip()}")

    def licences(self, app: Path) -> None:
        pyogrio = Path(run([sys.executable, "-c", "import pyogrio, os; print(os.path.dirname(pyogrio.__file__))"],
                           capture_output=True).stdout.strip())
        def ffmpeg(folder: Path) -> str:  # FFmpeg's major version from libavcodec's (61: FFmpeg 7, 62: FFmpeg 8)
            majors = [int(m.group(1)) for p in folder.glob("libavcodec*.so.*")
                      if (m := re.search(r"\.so\.(\d+)", p.name))]
            return f"{max(majors) - 54}.x" if majors else "unknown"

        internal = app / "_internal"
        adds = [f"Noto Sans CJK KR (subset):2.004:OFL-1.1:{NOTO_COPYRIGHT}",
                f"FFmpeg (inside PyAV's av.libs, built with x264 and x265):{ffmpeg(internal / 'av.libs')}:"
                "GPL-2.0-or-later:/usr/share/common-licenses/GPL-2",
                f"FFmpeg (inside Qt Multimedia):{ffmpeg(internal / 'PySide6' / 'Qt' / 'lib')}:LGPL-2.1-or-later:"
                "/usr/share/common-licenses/LGPL-2.1"]
        gdal = pyogrio / "gdal_data" / "LICENSE.TXT"
        if gdal.is_file():
            adds.append(f"GDAL (inside pyogrio's pyogrio.libs):3:MIT:{gdal}")
        run([sys.executable, "-m", "sitroom.services.licences", "--out", str(app / "licenses"), "--also",
             "pyinstaller", "--text", f"sitroom={ROOT / 'LICENSE'}", *(x for a in adds for x in ("--add", a))],
            env=self.env(), capture_output=True)
        (app / "licenses" / "README.txt").write_text(LICENCES_README.format(version=self.version), encoding="utf-8")

    def deb(self, app: Path, icons: dict[int, Path]) -> Path:
        root = self.work / "deb"
        shutil.rmtree(root, ignore_errors=True)
        shutil.copytree(app, root / "opt" / "sitroom", symlinks=True)
        (root / "usr" / "bin").mkdir(parents=True)
        (root / "usr" / "bin" / "sitroom").symlink_to("../../opt/sitroom/sitroom")
        apps = root / "usr" / "share" / "applications"
        apps.mkdir(parents=True)
        template = (ROOT / "packaging" / "sitroom.desktop").read_text(encoding="utf-8")
        (apps / "sitroom.desktop").write_text(desktop_entry(template), encoding="utf-8")
        hicolor = root / "usr" / "share" / "icons" / "hicolor"
        for size, png in icons.items():
            target = hicolor / f"{size}x{size}" / "apps" / "sitroom.png"
            target.parent.mkdir(parents=True)
            shutil.copyfile(png, target)
        (hicolor / "scalable" / "apps").mkdir(parents=True)
        shutil.copyfile(ROOT / "resources" / "icons" / "sitroom.svg", hicolor / "scalable" / "apps" / "sitroom.svg")
        doc = root / "usr" / "share" / "doc" / "sitroom"
        doc.mkdir(parents=True)
        (doc / "copyright").write_text(DEB_COPYRIGHT, encoding="utf-8")
        depends, unknown = system_depends(app)
        if unknown:  # the app would fail to load them on the target too
            raise SystemExit(f"packaging/build: the bundle needs {', '.join(unknown)}, which it does not carry "
                             "and no package of this machine provides (see packaging/sitroom.spec's KEEP_PLUGINS "
                             "and DROP_QT_LIBS)")
        base = runtime_packages()
        depends = [depends[0], *sorted(set(base) | set(depends[1:]))]
        installed_kib = sum(p.lstat().st_size for p in root.rglob("*") if not p.is_dir()) // 1024
        (root / "DEBIAN").mkdir()
        control = control_text(self.project, arch=self.arch, installed_kib=installed_kib, depends=depends)
        (root / "DEBIAN" / "control").write_text(control, encoding="utf-8")
        (root / "DEBIAN" / "md5sums").write_text(md5sums(root), encoding="utf-8")
        normalise_tree(root, self.epoch)
        self.dist.mkdir(parents=True, exist_ok=True)
        deb = self.dist / self.deb_name
        deb.unlink(missing_ok=True)
        # zstd -9: seconds where xz takes ten minutes on two cores, for a .deb about 15% larger; dpkg reads
        # it since Debian 12 and Ubuntu 21.10, older than any system whose glibc this build's Python accepts.
        run(["dpkg-deb", "--root-owner-group", f"-Z{self.compression}", "-z9" if self.compression == "zstd" else
             "-z6", "--build", str(root), str(deb)], env=self.env(), capture_output=True)
        return deb

    def run(self) -> dict:
        say(f"SitRoom {self.version} ({self.arch}), SOURCE_DATE_EPOCH={self.epoch}")
        self.work.mkdir(parents=True, exist_ok=True)
        stage = self.step("staging a plain install of SitRoom", self.stage)
        fonts = self.step("cutting the Hangul font (Noto Sans CJK KR)", subset_fonts, self.work / "fonts")
        icons = self.step("drawing the icon's PNG sizes", render_icons, ROOT / "resources" / "icons" / "sitroom.svg",
                          self.work / "icons")
        app = self.step("PyInstaller: the one-folder app", self.pyinstaller, stage, fonts[0].parent)
        if self.strip:
            saved = self.step("stripping symbol tables", self.strip_libraries, app)
            say(f"  {saved / 1e6:.0f} MB less")
        self.step("checking that it starts and loads every module", self.check_runs, app)
        self.step("collecting the licences", self.licences, app)
        self.step("normalising times and modes", normalise_tree, app, self.epoch)
        deb = self.step("the .deb", self.deb, app, icons)
        sha = hashlib.sha256(deb.read_bytes()).hexdigest()
        figures = {"version": self.version, "app": str(app), "deb": str(deb), "deb_sha256": sha,
                   "deb_mb": round(deb.stat().st_size / 1e6, 1),
                   "installed_mb": round(sum(p.lstat().st_size for p in app.rglob("*") if not p.is_dir()) / 1e6, 1),
                   "source_date_epoch": self.epoch, "seconds": self.times}
        say(f"{deb} ({figures['deb_mb']} MB, installs {figures['installed_mb']} MB), sha256 {sha}")
        return figures


LICENCES_README = """\
SitRoom {version} — licences of this installed build

SitRoom itself: GPL-3.0-or-later (sitroom-{version}/LICENSE).

Each folder here holds the licence texts of one component bundled in /opt/sitroom, as its package metadata
ships them; index.json lists every component, its version and its licence. Help → About SitRoom → Licences…
shows the same list.

Qt and PySide6 (LGPL-3.0) are bundled as separate shared libraries in _internal/PySide6: you may replace them
with your own build of the same version. PyAV's wheel carries FFmpeg built with x264 and x265
(GPL-2.0-or-later) and Qt Multimedia carries its own FFmpeg (LGPL-2.1-or-later). The source of every bundled
Python package is its source distribution of the version listed in index.json; the source of SitRoom is the
repository this build came from, at the commit of its version.
"""

DEB_COPYRIGHT = """\
Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
Upstream-Name: sitroom
Comment: SitRoom is GPL-3.0-or-later. The components bundled under /opt/sitroom keep their own licences,
 listed in /opt/sitroom/licenses/index.json with their texts beside it.

Files: *
Copyright: SitRoom maintainers
License: GPL-3.0-or-later
 On Debian systems, the complete text of the GNU General Public License version 3 can be found in
 /usr/share/common-licenses/GPL-3.
"""


def compare_debs(a: Path, b: Path, work: Path) -> list[str]:
    """The files whose content differs between two .debs (after unpacking both), or the members that do."""
    out = []
    for name, deb in (("a", a), ("b", b)):
        shutil.rmtree(work / name, ignore_errors=True)
        (work / name).parent.mkdir(parents=True, exist_ok=True)
        run(["dpkg-deb", "-R", str(deb), str(work / name)], capture_output=True)
    files_a = {p.relative_to(work / "a"): p for p in (work / "a").rglob("*") if p.is_file()}
    files_b = {p.relative_to(work / "b"): p for p in (work / "b").rglob("*") if p.is_file()}
    for rel in sorted(set(files_a) | set(files_b)):
        pa, pb = files_a.get(rel), files_b.get(rel)
        if pa is None or pb is None or pa.read_bytes() != pb.read_bytes():
            out.append(str(rel))
    if not out:
        out.append("(every file is the same: the difference is in the archive itself)")
    return out


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="packaging/build", description=__doc__.split("\n\n")[0])
    p.add_argument("--work", type=Path, default=ROOT / "build" / "pkg", help="scratch folder (build/pkg)")
    p.add_argument("--dist", type=Path, default=ROOT / "dist", help="where the app and the .deb go (dist)")
    p.add_argument("--no-strip", dest="strip", action="store_false",
                   help="keep the symbol tables of the bundled libraries (stripped by default where safe: -40 MB)")
    p.add_argument("--compression", choices=("zstd", "xz"), default="zstd",
                   help="of the .deb (zstd; xz is about 10%% smaller and ten times slower to build)")
    p.add_argument("--check-reproducible", action="store_true",
                   help="build twice and compare the .deb checksums; lists what differs")
    args = p.parse_args(argv)
    t0 = time.monotonic()
    build = Build(args.work, args.dist, strip=args.strip, compression=args.compression)
    figures = build.run()
    if args.check_reproducible:
        first = args.work / "first.deb"
        shutil.copyfile(figures["deb"], first)
        say("building again, to compare")
        again = Build(args.work, args.dist, strip=args.strip, compression=args.compression).run()
        figures["reproducible"] = again["deb_sha256"] == figures["deb_sha256"]
        if not figures["reproducible"]:
            figures["differs"] = compare_debs(first, Path(again["deb"]), args.work / "compare")
            say("the two .debs differ in: " + ", ".join(figures["differs"][:20]))
        else:
            say("the two builds gave the same .deb")
    figures["build_s"] = round(time.monotonic() - t0, 1)
    print(json.dumps(figures), flush=True)
    return 0 if figures.get("reproducible", True) else 1


if __name__ == "__main__":
    raise SystemExit(main())
