"""Make every platform icon from the one source image, ``assets/icon-source.png``.

Writes to ``assets/icons/``:

- ``otj-desktop-<N>.png`` for N in 16, 24, 32, 48, 64, 128, 256, 512 (Linux
  ``hicolor/<N>x<N>/apps/``, window icons, and the web favicon);
- ``otj-desktop.ico``: Windows icon with 16–256 px entries, each PNG-compressed
  (supported by Windows Vista and later);
- ``otj-desktop.icns``: macOS icon with 16 px to 512@2x entries. The artwork is
  shrunk onto Apple's icon grid first (an 824 px tile on a 1024 px canvas),
  so it sits at the same size as other macOS app icons in the Dock.

Every PNG (including those inside the .ico and .icns) is saved with Pillow's
``optimize`` flag. Files are rewritten only when their bytes change.

Usage::

    python build/make_icons.py            # write the icons, then verify them
    python build/make_icons.py --verify   # only verify the existing icons
"""

from __future__ import annotations

import argparse
import io
import struct
import sys
from collections.abc import Iterable
from pathlib import Path

from PIL import Image

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SOURCE = REPO_ROOT / "assets" / "icon-source.png"
DEFAULT_OUT_DIR = REPO_ROOT / "assets" / "icons"
BASENAME = "otj-desktop"

SOURCE_SIZE = 1024
PNG_SIZES = (16, 24, 32, 48, 64, 128, 256, 512)
ICO_SIZES = (16, 24, 32, 48, 64, 128, 256)  # 256 is the largest an ICO entry can be
# (OSType, pixel size) in the order iconutil writes them; @2x entries share pixel sizes.
ICNS_ENTRIES = (
    (b"icp4", 16),
    (b"icp5", 32),
    (b"ic11", 32),  # 16@2x
    (b"ic12", 64),  # 32@2x
    (b"ic07", 128),
    (b"ic13", 256),  # 128@2x
    (b"ic08", 256),
    (b"ic14", 512),  # 256@2x
    (b"ic09", 512),
    (b"ic10", 1024),  # 512@2x
)
MACOS_TILE = 824  # Apple's icon grid: the tile's edge on a 1024 px canvas


class IconError(Exception):
    """The source image or an output icon is not as expected."""


# --------------------------------------------------------------------------- images


def load_source(path: Path) -> Image.Image:
    """Open the source PNG and check it is a SOURCE_SIZE square with alpha."""
    with Image.open(path) as image:
        if image.size != (SOURCE_SIZE, SOURCE_SIZE):
            raise IconError(f"{path}: expected {SOURCE_SIZE}×{SOURCE_SIZE}, got {image.size}")
        if "A" not in image.getbands():
            raise IconError(f"{path}: needs an alpha channel (RGBA)")
        return image.convert("RGBA")


def resized(image: Image.Image, size: int) -> Image.Image:
    """Return ``image`` scaled to ``size``×``size`` with a Lanczos filter."""
    if image.size == (size, size):
        return image.copy()
    return image.resize((size, size), Image.Resampling.LANCZOS)


def on_macos_grid(source: Image.Image) -> Image.Image:
    """Return the artwork scaled so its opaque tile is MACOS_TILE px, centred on the canvas."""
    bbox = source.getchannel("A").getbbox()
    if bbox is None:
        raise IconError("source image is fully transparent")
    tile = max(bbox[2] - bbox[0], bbox[3] - bbox[1])
    scale = min(1.0, MACOS_TILE / tile)
    edge = round(SOURCE_SIZE * scale)
    canvas = Image.new("RGBA", source.size, (0, 0, 0, 0))
    offset = (SOURCE_SIZE - edge) // 2
    canvas.alpha_composite(resized(source, edge), (offset, offset))
    return canvas


def png_bytes(image: Image.Image) -> bytes:
    """Encode ``image`` as an optimised PNG."""
    buffer = io.BytesIO()
    image.save(buffer, "PNG", optimize=True)
    return buffer.getvalue()


def renditions(source: Image.Image, sizes: Iterable[int]) -> dict[int, bytes]:
    """Return optimised PNG bytes of ``source`` at each size."""
    return {size: png_bytes(resized(source, size)) for size in sorted(set(sizes))}


# --------------------------------------------------------------------------- containers


def ico_bytes(pngs: dict[int, bytes]) -> bytes:
    """Pack square PNG images into a Windows .ico (ICONDIR + entries + data)."""
    count = len(pngs)
    header = struct.pack("<HHH", 0, 1, count)
    offset = len(header) + 16 * count
    entries, blobs = [], []
    for size, data in sorted(pngs.items()):
        dim = size % 256  # 0 means 256
        entries.append(struct.pack("<BBBBHHII", dim, dim, 0, 0, 1, 32, len(data), offset))
        blobs.append(data)
        offset += len(data)
    return header + b"".join(entries) + b"".join(blobs)


def icns_bytes(entries: Iterable[tuple[bytes, bytes]]) -> bytes:
    """Pack (OSType, PNG bytes) pairs into a macOS .icns with a table of contents."""
    items = list(entries)
    body = b"".join(kind + struct.pack(">I", 8 + len(data)) + data for kind, data in items)
    toc_rows = b"".join(kind + struct.pack(">I", 8 + len(data)) for kind, data in items)
    toc = b"TOC " + struct.pack(">I", 8 + len(toc_rows)) + toc_rows
    return b"icns" + struct.pack(">I", 8 + len(toc) + len(body)) + toc + body


# --------------------------------------------------------------------------- build


def build_outputs(source: Image.Image, out_dir: Path) -> dict[Path, bytes]:
    """Return every output file's path and bytes."""
    flat = renditions(source, set(PNG_SIZES) | set(ICO_SIZES))
    mac = renditions(on_macos_grid(source), {size for _, size in ICNS_ENTRIES})
    outputs = {out_dir / f"{BASENAME}-{size}.png": flat[size] for size in PNG_SIZES}
    outputs[out_dir / f"{BASENAME}.ico"] = ico_bytes({size: flat[size] for size in ICO_SIZES})
    outputs[out_dir / f"{BASENAME}.icns"] = icns_bytes(
        (kind, mac[size]) for kind, size in ICNS_ENTRIES
    )
    return outputs


def write_if_changed(path: Path, data: bytes) -> bool:
    """Write ``data`` to ``path`` unless it already holds exactly those bytes."""
    if path.is_file() and path.read_bytes() == data:
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return True


# --------------------------------------------------------------------------- verify


def verify_pngs(out_dir: Path) -> list[str]:
    """Check each PNG exists and has its stated size."""
    problems = []
    for size in PNG_SIZES:
        path = out_dir / f"{BASENAME}-{size}.png"
        if not path.is_file():
            problems.append(f"{path.name}: missing")
            continue
        with Image.open(path) as image:
            if image.size != (size, size) or image.mode != "RGBA":
                problems.append(f"{path.name}: {image.size} {image.mode}, want {size}² RGBA")
    return problems


def verify_ico(path: Path) -> list[str]:
    """Check the .ico opens with Pillow and holds every size in ICO_SIZES."""
    if not path.is_file():
        return [f"{path.name}: missing"]
    with Image.open(path) as image:
        found = set(image.info.get("sizes", set()))
        image.load()
    wanted = {(size, size) for size in ICO_SIZES}
    return [] if found == wanted else [f"{path.name}: sizes {sorted(found)}, want {sorted(wanted)}"]


def verify_icns(path: Path) -> list[str]:
    """Check the .icns opens with Pillow, decodes at 1024 px and lists the expected sizes."""
    if not path.is_file():
        return [f"{path.name}: missing"]
    with Image.open(path) as image:
        found = set(image.info.get("sizes", []))
        image.size = (512, 512)  # Pillow names the 1024 px entry 512@2x
        image.load(scale=2)
        decoded = image.size
    problems = []
    wanted = {(16, 16, 1), (32, 32, 1), (16, 16, 2), (32, 32, 2), (128, 128, 1), (128, 128, 2),
              (256, 256, 1), (256, 256, 2), (512, 512, 1), (512, 512, 2)}  # fmt: skip
    if not wanted <= found:
        problems.append(f"{path.name}: missing sizes {sorted(wanted - found)}")
    if decoded != (SOURCE_SIZE, SOURCE_SIZE):
        problems.append(f"{path.name}: largest entry decodes to {decoded}")
    return problems


def verify_all(out_dir: Path) -> list[str]:
    """Run every output check; return the problems found."""
    return (
        verify_pngs(out_dir)
        + verify_ico(out_dir / f"{BASENAME}.ico")
        + verify_icns(out_dir / f"{BASENAME}.icns")
    )


# --------------------------------------------------------------------------- main


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """Parse the command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, default=DEFAULT_SOURCE)
    parser.add_argument("--out-dir", type=Path, default=DEFAULT_OUT_DIR)
    parser.add_argument("--verify", action="store_true", help="only verify the existing icons")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns the process exit code."""
    args = parse_args(argv)
    try:
        if not args.verify:
            for path, data in build_outputs(load_source(args.source), args.out_dir).items():
                state = "wrote" if write_if_changed(path, data) else "unchanged"
                print(f"{state:9} {path.name} ({len(data)} bytes)")
        problems = verify_all(args.out_dir)
    except (IconError, OSError) as exc:
        problems = [str(exc)]
    for problem in problems:
        print(f"icons: {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
