"""Draw the OTJ Desktop icon source image, ``assets/icon-source.png``.

Run once (or after changing the design) with ``python build/draw_icon_source.py``;
``build/make_icons.py`` then derives every platform icon from the PNG it writes.

The design is a flat rounded square with a teal-to-indigo diagonal gradient and
a white clock whose two hands form a tick: time logged, box ticked. Every stroke
is at least 1/16 of the icon wide, so the motif still reads at 16 px.

The image is drawn at four times its final size and box-filtered down (each
output pixel is the mean of 4×4 drawn pixels), which gives anti-aliased edges
without ringing; Pillow's drawing primitives have no anti-aliasing of their own.
"""

from __future__ import annotations

import argparse
import math
from pathlib import Path

from PIL import Image, ImageDraw

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUTPUT = REPO_ROOT / "assets" / "icon-source.png"

SIZE = 1024  # final edge length in pixels
SUPERSAMPLE = 4  # drawing scale factor for anti-aliasing
GRADIENT_STEPS = 256  # resolution of the gradient ramp before scaling

# Geometry, in final (1024 px) pixels.
MARGIN = 40  # transparent border around the tile
CORNER_RADIUS = 210  # tile corner radius
CENTRE = (512.0, 512.0)
RING_RADIUS = 318.0  # to the middle of the ring stroke
RING_WIDTH = 78.0
HAND_WIDTH = 92.0
HOUR_HAND = (150.0, 135.0)  # (length, angle in degrees, counter-clockwise from 3 o'clock)
MINUTE_HAND = (262.0, 52.0)
PIVOT_RADIUS = 58.0
MARK_RADIUS = 22.0  # hour marks at 12, 3, 6 and 9 o'clock
MARK_INSET = 118.0  # from the ring's middle towards the centre

TEAL = (13, 168, 160, 255)
INDIGO = (79, 70, 229, 255)
WHITE = (255, 255, 255, 255)
MARK_COLOUR = (255, 255, 255, 170)

Point = tuple[float, float]
Colour = tuple[int, int, int, int]


def scaled(value: float) -> float:
    """Convert a final-size length to drawing-canvas pixels."""
    return value * SUPERSAMPLE


def diagonal_gradient(size: int, start: Colour, end: Colour) -> Image.Image:
    """Return a square RGBA image fading from ``start`` (top left) to ``end`` (bottom right)."""
    steps = GRADIENT_STEPS
    ramp = Image.new("L", (steps, steps))
    ramp.putdata(
        [round(255 * (x + y) / (2 * (steps - 1))) for y in range(steps) for x in range(steps)]
    )
    mask = ramp.resize((size, size), Image.Resampling.BICUBIC)
    return Image.composite(
        Image.new("RGBA", (size, size), end), Image.new("RGBA", (size, size), start), mask
    )


def tile_mask(size: int) -> Image.Image:
    """Return the rounded-square tile as an L-mode mask."""
    mask = Image.new("L", (size, size), 0)
    edge = scaled(MARGIN)
    ImageDraw.Draw(mask).rounded_rectangle(
        (edge, edge, size - 1 - edge, size - 1 - edge), radius=scaled(CORNER_RADIUS), fill=255
    )
    return mask


def polar(length: float, degrees: float) -> Point:
    """Return the canvas point ``length`` from the centre at ``degrees`` (0 = 3 o'clock)."""
    angle = math.radians(degrees)
    cx, cy = (scaled(c) for c in CENTRE)
    return (cx + scaled(length) * math.cos(angle), cy - scaled(length) * math.sin(angle))


def disc(draw: ImageDraw.ImageDraw, centre: Point, radius: float, fill: Colour) -> None:
    """Draw a filled circle of canvas ``radius`` around ``centre``."""
    x, y = centre
    draw.ellipse((x - radius, y - radius, x + radius, y + radius), fill=fill)


def round_capped_line(draw: ImageDraw.ImageDraw, start: Point, end: Point, width: float) -> None:
    """Draw a white line with round caps; ``width`` is in canvas pixels."""
    draw.line((start, end), fill=WHITE, width=round(width))
    disc(draw, start, width / 2, WHITE)
    disc(draw, end, width / 2, WHITE)


def draw_clock(draw: ImageDraw.ImageDraw) -> None:
    """Draw the ring, hour marks and tick-shaped hands."""
    cx, cy = (scaled(c) for c in CENTRE)
    outer = scaled(RING_RADIUS + RING_WIDTH / 2)
    draw.ellipse(
        (cx - outer, cy - outer, cx + outer, cy + outer),
        outline=WHITE,
        width=round(scaled(RING_WIDTH)),
    )
    for degrees in (0, 90, 180, 270):
        disc(draw, polar(RING_RADIUS - MARK_INSET, degrees), scaled(MARK_RADIUS), MARK_COLOUR)
    centre = (cx, cy)
    for length, degrees in (HOUR_HAND, MINUTE_HAND):
        round_capped_line(draw, centre, polar(length, degrees), scaled(HAND_WIDTH))
    disc(draw, centre, scaled(PIVOT_RADIUS), WHITE)


def draw_icon() -> Image.Image:
    """Return the finished SIZE×SIZE RGBA icon."""
    canvas_size = SIZE * SUPERSAMPLE
    background = diagonal_gradient(canvas_size, TEAL, INDIGO)
    icon = Image.new("RGBA", (canvas_size, canvas_size), (0, 0, 0, 0))
    icon.paste(background, (0, 0), tile_mask(canvas_size))
    motif = Image.new("RGBA", (canvas_size, canvas_size), (0, 0, 0, 0))
    draw_clock(ImageDraw.Draw(motif))
    icon.alpha_composite(motif)
    return icon.resize((SIZE, SIZE), Image.Resampling.BOX)


def main(argv: list[str] | None = None) -> int:
    """Draw the icon and save it as an optimised PNG."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    args = parser.parse_args(argv)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    draw_icon().save(args.output, "PNG", optimize=True)
    print(f"wrote {args.output} ({args.output.stat().st_size} bytes)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
