"""Work out the .deb's ``Depends`` from the bundle itself, the way dpkg-shlibdeps would.

    python3 build/linux/deb_depends.py dist/otj-desktop

Prints one line: the ``Depends`` value. Every shared library a bundled ELF file links against
(DT_NEEDED) that is not in the bundle is looked up on this (Debian or Ubuntu) build machine and
mapped to the package that owns it. The build fails, naming the library, if one cannot be found.

Why computed rather than written by hand: the bundle deliberately leaves out system libraries
(see build/bundle_rules.py), so the package must depend on exactly what Qt and Python link
against, and that changes with every Qt release. On top of what is computed, the package always
depends on build/linux/runtime-packages.txt, which starts with the list measured on a fresh
Debian 12 (minbase) with a real window, including libraries Chromium only opens at run time.

Two portability rules:
* ``libc6 (>= X)`` where X is this machine's glibc: a bundle runs on the glibc it was built
  against or newer. Build releases on the oldest distribution you support (CI: Ubuntu 22.04).
* Ubuntu 24.04's 64-bit-time packages (``libasound2t64`` ...) provide the old names on 64-bit
  architectures, so the old name is used and the package installs on Debian 12, Ubuntu 22.04
  and Ubuntu 24.04 alike.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import bundle_rules

# The packages known to be needed, including ones only dlopen()ed at run time (see the file).
PACKAGES_FILE = Path(__file__).with_name("runtime-packages.txt")


def listed_packages() -> set[str]:
    lines = PACKAGES_FILE.read_text(encoding="utf-8").splitlines()
    return {line.strip() for line in lines if line.strip() and not line.startswith("#")}


# Optional plugins: Qt loads them only when the desktop has what they need, and carries on
# without them otherwise, so their libraries (GTK for the GTK look) are not dependencies.
OPTIONAL = {"libqgtk3.so"}
# Everything has these; listing them adds nothing.
IMPLICIT = {"libc6", "libgcc-s1", "libstdc++6"}


def external_sonames(bundle: Path) -> dict[str, str]:
    """``{soname: a bundled file that needs it}`` for libraries the bundle does not contain."""
    files = [p for p in bundle.rglob("*") if p.is_file() and not p.is_symlink()]
    present = {p.name for p in bundle.rglob("*")}
    wanted: dict[str, str] = {}
    for path in files:
        if path.name in OPTIONAL or not bundle_rules.is_elf(path):
            continue
        for soname in bundle_rules.needed(str(path)):
            if soname not in present:
                wanted.setdefault(soname, str(path.relative_to(bundle)))
    return wanted


def library_paths() -> dict[str, str]:
    """The dynamic linker's cache: ``{soname: path}`` for this machine's architecture."""
    out = subprocess.run(
        ["/sbin/ldconfig", "-p"], capture_output=True, text=True, check=True
    ).stdout
    arch = "x86-64" if os.uname().machine == "x86_64" else "AArch64"
    found: dict[str, str] = {}
    for line in out.splitlines():
        match = re.match(r"\s*(\S+) \(([^)]*)\) => (\S+)", line)
        if match and arch in match[2]:
            found.setdefault(match[1], match[3])
    return found


def owning_package(path: str) -> str | None:
    real = os.path.realpath(path)
    candidates = {path, real}
    for p in list(candidates):  # merged /usr: dpkg may know either spelling
        if p.startswith("/usr/lib/"):
            candidates.add(p.removeprefix("/usr"))
        elif p.startswith("/lib/"):
            candidates.add("/usr" + p)
    for candidate in sorted(candidates):
        done = subprocess.run(["dpkg", "-S", candidate], capture_output=True, text=True)
        if done.returncode == 0:
            return done.stdout.split(":", 1)[0].split(",")[0].strip()
    return None


def portable_name(package: str) -> str:
    return package.removesuffix("t64")


def glibc_version() -> str:
    out = subprocess.run(
        ["dpkg-query", "-W", "-f=${Version}", "libc6"], capture_output=True, text=True, check=True
    ).stdout
    return re.match(r"(?:\d+:)?(\d+\.\d+)", out)[1]


def depends(bundle: Path) -> list[str]:
    paths = library_paths()
    packages = listed_packages()
    missing = []
    for soname, needed_by in sorted(external_sonames(bundle).items()):
        path = paths.get(soname)
        package = owning_package(path) if path else None
        if package is None:
            missing.append(f"{soname} (needed by {needed_by})")
        else:
            packages.add(portable_name(package))
    if missing:
        raise SystemExit(
            "These libraries are not installed on the build machine, so the .deb cannot name "
            "their packages; install them and build again: " + ", ".join(missing)
        )
    return [f"libc6 (>= {glibc_version()})", *sorted(packages - IMPLICIT)]


def main() -> None:
    if len(sys.argv) != 2:
        raise SystemExit(__doc__.strip().splitlines()[2].strip())
    print(", ".join(depends(Path(sys.argv[1]))))


if __name__ == "__main__":
    main()
