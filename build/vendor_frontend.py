"""Vendor the pinned front-end libraries into ``otj_desktop/web/static/vendor/``.

The app never fetches CSS or JavaScript at run time and never uses a CDN: every
third-party front-end file is taken from the npm registry at build time, checked
and committed. This script is the only thing that writes the vendor folder.

For each pin below it:

1. reads ``<registry>/<name>/<version>`` for ``dist.tarball`` and ``dist.integrity``;
2. checks that the registry's integrity equals the one pinned here;
3. downloads the tarball and checks its sha512 against that integrity;
4. copies only the listed files, plus the package's licence file (as ``LICENSE``),
   into ``vendor/<short-name>/``, removing anything else in that folder;
5. writes ``vendor/MANIFEST.json`` (name, version, licence, integrity and the
   sha256 of every file written).

Files are rewritten only when their bytes change, and the manifest holds no
timestamps, so running it again with the same pins changes nothing.

``--check`` needs no network: it checks that MANIFEST.json agrees with the pins
and that every committed file has the sha256 the manifest records, and exits 1
otherwise (for CI).

Usage::

    python build/vendor_frontend.py            # fetch, verify, write
    python build/vendor_frontend.py --check    # offline verification
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import io
import json
import sys
import tarfile
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DEST = REPO_ROOT / "otj_desktop" / "web" / "static" / "vendor"
DEFAULT_REGISTRY = "https://registry.npmjs.org"
MANIFEST_NAME = "MANIFEST.json"
LICENSE_NAME = "LICENSE"
TARBALL_PREFIX = "package/"
LICENSE_CANDIDATES = ("LICENSE", "LICENSE.md", "LICENSE.txt", "LICENCE", "LICENCE.md")
HTTP_TIMEOUT_S = 60


@dataclass(frozen=True)
class Pin:
    """One pinned npm package and the files to take from its tarball."""

    short_name: str
    npm_name: str
    version: str
    integrity: str
    files: tuple[str, ...]  # paths inside the tarball, relative to ``package/``


PINS: tuple[Pin, ...] = (
    Pin(
        short_name="chartjs",
        npm_name="chart.js",
        version="4.6.1",
        integrity=(
            "sha512-hJyniucsFmq//EvXYvJ6c6mahPoI3kaxdjVH8awTaJ/fDNWeSqqqArixMJWkWNN6fcYvPU3HneSANFNYtRi61g=="
        ),
        files=("dist/chart.umd.min.js",),
    ),
    # The evidence pack's PDF font (and the pack page's print font): DejaVu Sans covers
    # accented Latin, Greek, Cyrillic, dashes, arrows and many symbols, so no name crashes it.
    Pin(
        short_name="dejavu",
        npm_name="dejavu-fonts-ttf",
        version="2.37.3",
        integrity=(
            "sha512-f1hd7jJbeQa1VWcw+K2KrTXS50zTMaHpVC4XIKJpNcDeYR5ajMtj/iLlQDYNvLOKamUB3ARVVCf79lNwNVztSQ=="
        ),
        files=("ttf/DejaVuSans.ttf", "ttf/DejaVuSans-Bold.ttf"),
    ),
)


class VendorError(Exception):
    """A pin could not be fetched or verified."""


# --------------------------------------------------------------------------- helpers


def sha256_hex(data: bytes) -> str:
    """Return the hex sha256 of ``data``."""
    return hashlib.sha256(data).hexdigest()


def sri_sha512(data: bytes) -> str:
    """Return the npm/SRI style ``sha512-<base64>`` integrity of ``data``."""
    return "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode("ascii")


def http_get(url: str) -> bytes:
    """Fetch ``url`` over HTTPS and return the body."""
    if urllib.parse.urlsplit(url).scheme != "https":
        raise VendorError(f"refusing non-HTTPS URL: {url}")
    request = urllib.request.Request(url, headers={"Accept": "application/json, */*"})  # noqa: S310 - https only, checked above
    with urllib.request.urlopen(request, timeout=HTTP_TIMEOUT_S) as response:  # noqa: S310
        return response.read()


def write_if_changed(path: Path, data: bytes) -> bool:
    """Write ``data`` to ``path`` unless it already holds exactly those bytes."""
    if path.is_file() and path.read_bytes() == data:
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return True


def dest_name(tarball_path: str) -> str:
    """Name a tarball file gets in its vendor folder: its base name."""
    return tarball_path.rsplit("/", 1)[-1]


def manifest_bytes(manifest: dict[str, Any]) -> bytes:
    """Serialise the manifest deterministically."""
    return (json.dumps(manifest, indent=2, sort_keys=True) + "\n").encode("utf-8")


# --------------------------------------------------------------------------- fetch


def fetch_metadata(registry: str, pin: Pin) -> dict[str, Any]:
    """Return the registry's version document for ``pin``."""
    name = urllib.parse.quote(pin.npm_name, safe="@")
    url = f"{registry.rstrip('/')}/{name}/{urllib.parse.quote(pin.version)}"
    meta = json.loads(http_get(url))
    if meta.get("version") != pin.version:
        raise VendorError(f"{pin.npm_name}: registry answered version {meta.get('version')!r}")
    return meta


def fetch_tarball(meta: dict[str, Any], pin: Pin) -> bytes:
    """Download the tarball named in ``meta`` and verify it against the pin."""
    dist = meta.get("dist") or {}
    if dist.get("integrity") != pin.integrity:
        raise VendorError(
            f"{pin.npm_name}@{pin.version}: registry integrity {dist.get('integrity')!r} "
            f"differs from the pinned {pin.integrity!r}"
        )
    data = http_get(dist["tarball"])
    actual = sri_sha512(data)
    if actual != pin.integrity:
        raise VendorError(f"{pin.npm_name}@{pin.version}: tarball sha512 mismatch ({actual})")
    return data


def read_tarball(data: bytes) -> dict[str, bytes]:
    """Return regular files of an npm tarball, keyed by path below ``package/``."""
    files: dict[str, bytes] = {}
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as archive:
        for member in archive.getmembers():
            if not member.isfile() or not member.name.startswith(TARBALL_PREFIX):
                continue
            handle = archive.extractfile(member)
            if handle is not None:
                files[member.name[len(TARBALL_PREFIX) :]] = handle.read()
    return files


def find_license(files: dict[str, bytes], pin: Pin) -> str:
    """Return the tarball path of the package's top-level licence file."""
    by_upper = {path.upper(): path for path in files if "/" not in path}
    for candidate in LICENSE_CANDIDATES:
        if candidate.upper() in by_upper:
            return by_upper[candidate.upper()]
    raise VendorError(f"{pin.npm_name}@{pin.version}: no licence file in the tarball")


def select_files(files: dict[str, bytes], pin: Pin) -> dict[str, tuple[str, bytes]]:
    """Map each vendored file name to (tarball path, bytes) for ``pin``."""
    chosen: dict[str, tuple[str, bytes]] = {}
    for path in pin.files:
        if path not in files:
            raise VendorError(f"{pin.npm_name}@{pin.version}: {path} is not in the tarball")
        chosen[dest_name(path)] = (path, files[path])
    license_path = find_license(files, pin)
    chosen[LICENSE_NAME] = (license_path, files[license_path])
    return chosen


# --------------------------------------------------------------------------- write


def install_pin(pin: Pin, registry: str, dest: Path) -> dict[str, Any]:
    """Fetch, verify and write one package; return its manifest entry."""
    meta = fetch_metadata(registry, pin)
    chosen = select_files(read_tarball(fetch_tarball(meta, pin)), pin)
    package_dir = dest / pin.short_name
    entries = []
    for name, (source, data) in sorted(chosen.items()):
        if write_if_changed(package_dir / name, data):
            print(f"  wrote {pin.short_name}/{name}")
        entries.append(
            {
                "path": f"{pin.short_name}/{name}",
                "source": source,
                "sha256": sha256_hex(data),
                "bytes": len(data),
            }
        )
    remove_stale(package_dir, set(chosen))
    return {
        "npm_name": pin.npm_name,
        "version": pin.version,
        "license": str(meta.get("license", "UNKNOWN")),
        "integrity": pin.integrity,
        "files": entries,
    }


def remove_stale(package_dir: Path, keep: set[str]) -> None:
    """Delete files in a managed package folder that the pin no longer lists."""
    for path in sorted(package_dir.iterdir()):
        if path.is_file() and path.name not in keep:
            path.unlink()
            print(f"  removed stale {package_dir.name}/{path.name}")


def vendor_all(registry: str, dest: Path) -> None:
    """Install every pin and write the manifest."""
    packages: dict[str, Any] = {}
    for pin in PINS:
        print(f"{pin.npm_name}@{pin.version} -> {pin.short_name}/")
        packages[pin.short_name] = install_pin(pin, registry, dest)
    manifest = {
        "generated_by": "build/vendor_frontend.py",
        "registry": registry.rstrip("/"),
        "packages": packages,
    }
    if write_if_changed(dest / MANIFEST_NAME, manifest_bytes(manifest)):
        print(f"  wrote {MANIFEST_NAME}")


# --------------------------------------------------------------------------- check


def check_pin_against_manifest(pin: Pin, entry: dict[str, Any] | None) -> list[str]:
    """Return problems where the manifest entry disagrees with ``pin``."""
    if entry is None:
        return [f"{pin.short_name}: missing from {MANIFEST_NAME}"]
    problems = []
    for key, expected in (
        ("npm_name", pin.npm_name),
        ("version", pin.version),
        ("integrity", pin.integrity),
    ):
        if entry.get(key) != expected:
            problems.append(
                f"{pin.short_name}: manifest {key} {entry.get(key)!r} != pin {expected!r}"
            )
    wanted = {f"{pin.short_name}/{dest_name(p)}" for p in pin.files}
    wanted.add(f"{pin.short_name}/{LICENSE_NAME}")
    listed = {f.get("path") for f in entry.get("files", [])}
    if listed != wanted:
        problems.append(
            f"{pin.short_name}: manifest lists {sorted(listed)}, pins need {sorted(wanted)}"
        )
    return problems


def check_files(dest: Path, entry: dict[str, Any], short_name: str) -> list[str]:
    """Return problems where committed files differ from the manifest's sha256."""
    problems = []
    listed = set()
    for item in entry.get("files", []):
        rel = str(item.get("path"))
        listed.add(Path(rel).name)
        path = dest / rel
        if not path.is_file():
            problems.append(f"{rel}: missing")
        elif sha256_hex(path.read_bytes()) != item.get("sha256"):
            problems.append(f"{rel}: sha256 differs from {MANIFEST_NAME}")
    package_dir = dest / short_name
    if package_dir.is_dir():
        extra = sorted(p.name for p in package_dir.iterdir() if p.name not in listed)
        problems.extend(f"{short_name}/{name}: not in {MANIFEST_NAME}" for name in extra)
    return problems


def check_all(dest: Path) -> list[str]:
    """Verify the committed vendor folder offline; return the problems found."""
    manifest_path = dest / MANIFEST_NAME
    if not manifest_path.is_file():
        return [f"{manifest_path}: missing"]
    packages = json.loads(manifest_path.read_text("utf-8")).get("packages", {})
    problems = []
    pinned = {pin.short_name for pin in PINS}
    problems.extend(
        f"{name}: in {MANIFEST_NAME} but not pinned" for name in sorted(set(packages) - pinned)
    )
    for pin in PINS:
        entry = packages.get(pin.short_name)
        problems.extend(check_pin_against_manifest(pin, entry))
        if entry is not None:
            problems.extend(check_files(dest, entry, pin.short_name))
    return problems


# --------------------------------------------------------------------------- main


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """Parse the command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--check",
        action="store_true",
        help="verify committed files against MANIFEST.json and the pins (offline)",
    )
    parser.add_argument("--dest", type=Path, default=DEFAULT_DEST, help="vendor folder")
    parser.add_argument("--registry", default=DEFAULT_REGISTRY, help="npm registry base URL")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns the process exit code."""
    args = parse_args(argv)
    if args.check:
        problems = check_all(args.dest)
        for problem in problems:
            print(f"vendor check: {problem}", file=sys.stderr)
        if not problems:
            print(f"vendor check: {len(PINS)} packages match {MANIFEST_NAME}")
        return 1 if problems else 0
    try:
        vendor_all(args.registry, args.dest)
    except (VendorError, OSError, ValueError) as exc:
        print(f"vendor: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
