"""Small previews of attached images, made with Pillow when the image is attached.

A thumbnail is at most 320 × 320 pixels, WebP (small, with transparency), the right way up (EXIF
orientation applied), and for an animated GIF or WebP, its first frame. Images that would take
a lot of memory to decode (over 50 megapixels: a "decompression bomb" needs no more than a few
KB of file to claim that) or that Pillow cannot read get no thumbnail; the file itself is still
attached, and the page shows its name instead. Thumbnails live in a cache folder and are made
again on demand when missing (after an import or a restore).
"""

from __future__ import annotations

import contextlib
import logging
import os
import secrets
from pathlib import Path

from PIL import Image, ImageOps

from otj_desktop.domain.attachment_types import KINDS

SIZE = (320, 320)
# Pillow's names for the image types attachments accept ("PNG", "JPEG", "GIF", "WEBP"): only
# their decoders are ever tried, whatever a file turns out to hold.
IMAGE_FORMATS = tuple(kind.key.upper() for kind in KINDS.values() if kind.image)
MAX_PIXELS = 50_000_000

log = logging.getLogger(__name__)


def make_thumbnail(source: Path, dest: Path) -> bool:
    """Write a thumbnail of the image at ``source`` to ``dest``; False when there can be none."""
    temp = dest.with_name(f".tmp-{secrets.token_hex(6)}.webp")
    try:
        dest.parent.mkdir(parents=True, exist_ok=True)
        with Image.open(source, formats=IMAGE_FORMATS) as image:
            width, height = image.size
            if width * height > MAX_PIXELS or width < 1 or height < 1:
                return False
            image.draft("RGB", SIZE)  # JPEG: decode at a fraction of the size, much faster
            frame = ImageOps.exif_transpose(image)
            frame.thumbnail(SIZE)
            if frame.mode not in ("RGB", "RGBA"):
                frame = frame.convert("RGBA" if "transparency" in frame.info else "RGB")
            frame.save(temp, "WEBP", quality=80, method=4)
        os.replace(temp, dest)
        return True
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError) as exc:
        # Pillow reports damaged or unsupported images with any of these.
        log.info("No thumbnail for %s: %s", source.name, exc)
        return False
    finally:
        with contextlib.suppress(OSError):
            temp.unlink()


def thumbnail(source: Path, dest: Path) -> Path | None:
    """The thumbnail, made now if missing (or None when the image cannot have one)."""
    if dest.is_file():
        return dest
    return dest if make_thumbnail(source, dest) else None
