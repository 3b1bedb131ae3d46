"""Rendering one garment picture with PIL: silhouette, colour, pattern, motif, light.

Everything random here comes from a per-item seed, so a picture depends only on (seed, style, item)
and rendering can run in any process, in any order, with byte-identical results. Shapes are drawn at
twice the output size and box-reduced, which anti-aliases edges cheaply.
"""

from __future__ import annotations

import hashlib
import math
import random
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from PIL import Image, ImageDraw

from sane_desktop.demo.shapes import GarmentShape, Polygon, garment_shape, motif_shape
from sane_desktop.demo.styles import RGB, Style, get_style
from sane_desktop.demo.themes import NO_MOTIF

IMAGE_SIZE = 224
SCALE = 2
CANVAS = IMAGE_SIZE * SCALE
JPEG_QUALITY = 90
MOTIF_SIDE = (0.12, 0.20)  # classic and alt motif box side as a fraction of the image side (Style.motif_side)

Box = tuple[int, int, int, int]  # x0, y0, x1, y1 in output pixels, x1/y1 exclusive


@dataclass(frozen=True)
class RenderJob:
    item_id: str
    fine_category: str
    colour: str
    pattern: str
    motif: str
    style: str
    seed: int
    image_path: str
    mask_path: str = ""  # where to write the garment mask PNG ("" for none)


@dataclass(frozen=True)
class Rendered:
    item_id: str
    garment_box: Box
    motif_box: Box | None


def item_seed(seed: int, style: str, item_id: str) -> int:
    """A per-item seed that does not depend on process, order or Python's hash randomisation."""
    digest = hashlib.sha256(f"{seed}:{style}:{item_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big")


def _mix(colour: RGB, other: RGB, amount: float) -> RGB:
    return tuple(round(c + (o - c) * amount) for c, o in zip(colour, other))  # type: ignore[return-value]


def _jitter(colour: RGB, rng: random.Random, spread: int = 10) -> RGB:
    shift = rng.randint(-spread, spread)
    return tuple(max(0, min(255, c + shift + rng.randint(-spread, spread) // 2)) for c in colour)  # type: ignore[return-value]


def _secondary(colour: RGB) -> RGB:
    """Pattern ink: a tint of dark colours, a shade of light ones, so the named colour still rules."""
    luminance = 0.299 * colour[0] + 0.587 * colour[1] + 0.114 * colour[2]
    return _mix(colour, (255, 255, 255), 0.5) if luminance < 115 else _mix(colour, (0, 0, 0), 0.38)


def _chaikin(points: Polygon, closed: bool, rounds: int = 1) -> Polygon:
    for _ in range(rounds):
        pairs = zip(points, points[1:] + points[:1]) if closed else zip(points, points[1:])
        smoothed: Polygon = [] if closed else [points[0]]
        for (x0, y0), (x1, y1) in pairs:
            smoothed += [(0.75 * x0 + 0.25 * x1, 0.75 * y0 + 0.25 * y1),
                         (0.25 * x0 + 0.75 * x1, 0.25 * y0 + 0.75 * y1)]
        points = smoothed if closed else smoothed + [points[-1]]
    return points


class _Placement:
    """Maps unit-box outlines onto the canvas: scale, shift, rotate (and the alt style's wobble)."""

    def __init__(self, shape: GarmentShape, style: Style, rng: random.Random) -> None:
        scale = rng.uniform(0.86, 1.04)
        self.width = shape.box[0] * style.aspect * scale * CANVAS
        self.height = shape.box[1] * scale * CANVAS
        self.width = min(self.width, 0.92 * CANVAS)
        self.cx = CANVAS / 2 + rng.uniform(-0.05, 0.05) * CANVAS
        self.cy = CANVAS / 2 + rng.uniform(-0.05, 0.05) * CANVAS
        angle = math.radians(rng.uniform(-style.rotation, style.rotation))
        self.cos, self.sin = math.cos(angle), math.sin(angle)
        self.style = style
        self.rng = rng
        # drawn only for styles that use them, so classic and alt keep their random sequence (bytes)
        self.taper = rng.uniform(-style.taper, style.taper) if style.taper else 0.0
        self.shear = rng.uniform(-style.shear, style.shear) if style.shear else 0.0

    def __call__(self, points: Polygon, closed: bool = True) -> Polygon:
        if self.style.smooth:
            points = [(x + self.rng.uniform(-0.012, 0.012), y + self.rng.uniform(-0.012, 0.012))
                      for x, y in points]
            points = _chaikin(points, closed)
        placed = []
        for u, v in points:
            # taper: width grows (or shrinks) downwards; shear: the garment leans sideways
            u = 0.5 + (u - 0.5) * (1.0 + self.taper * (2 * v - 1))
            x, y = (u - 0.5) * self.width + self.shear * (v - 0.5) * self.height, (v - 0.5) * self.height
            placed.append((self.cx + x * self.cos - y * self.sin, self.cy + x * self.sin + y * self.cos))
        return placed


def _draw_pattern(layer: Image.Image, pattern: str, ink: RGB, base: RGB, style: Style,
                  rng: random.Random) -> None:
    if pattern == "solid":
        return
    draw = ImageDraw.Draw(layer)
    period = rng.uniform(34, 54)
    phase = rng.uniform(0, period)
    steps = [phase - period + k * period for k in range(int(2 * CANVAS / period) + 3)]
    if pattern == "striped":
        for s in steps:
            if style.diagonal_patterns:
                draw.line([(s, 0), (s - CANVAS, CANVAS)], fill=ink, width=round(period / 2))
            else:
                draw.rectangle([0, s, CANVAS, s + period / 2], fill=ink)
    elif pattern == "dotted":
        radius = period * (0.28 if style.diagonal_patterns else 0.2)
        for row, y in enumerate(steps[: int(CANVAS / period) + 3]):
            offset = period / 2 if row % 2 else 0.0
            for x in steps[: int(CANVAS / period) + 3]:
                draw.ellipse([x + offset - radius, y - radius, x + offset + radius, y + radius], fill=ink)
    elif pattern == "checked":
        cells = steps[: int(CANVAS / period) + 3]
        if style.diagonal_patterns:  # gingham: translucent bands both ways, darker crossings
            middle = _mix(base, ink, 0.5)
            for s in cells:
                draw.rectangle([s, 0, s + period / 2, CANVAS], fill=middle)
            for s in cells:
                draw.rectangle([0, s, CANVAS, s + period / 2], fill=middle)
                for t in cells:
                    draw.rectangle([t, s, t + period / 2, s + period / 2], fill=ink)
        else:
            for i, y in enumerate(cells):
                for j, x in enumerate(cells):
                    if (i + j) % 2 == 0:
                        draw.rectangle([x, y, x + period, y + period], fill=ink)
    elif pattern == "zigzag":
        width = round(period / (4 if style.diagonal_patterns else 6))
        for y in steps:
            points = [(x, y + (period / 3 if k % 2 else 0.0))
                      for k, x in enumerate(np.arange(-period, CANVAS + period, period / 2))]
            draw.line(points, fill=ink, width=width, joint="curve")
    elif pattern == "wavy":
        width = round(period / (4 if style.diagonal_patterns else 6))
        wavelength = period * 1.6
        for y in steps:
            points = [(x, y + period / 4 * math.sin(2 * math.pi * x / wavelength + phase))
                      for x in range(0, CANVAS + 8, 8)]
            draw.line(points, fill=ink, width=width)  # dense points: no joints needed
    else:
        raise ValueError(f"unknown pattern: {pattern}")


def _coverage_table(body: Image.Image) -> np.ndarray:
    """Summed-area table of the fabric mask at output resolution (cheap, and precise enough)."""
    fabric = np.asarray(body.reduce(SCALE)) > 127
    table = np.zeros((IMAGE_SIZE + 1, IMAGE_SIZE + 1), dtype=np.int32)
    table[1:, 1:] = fabric.cumsum(0, dtype=np.int32).cumsum(1, dtype=np.int32)
    return table


def _motif_position(table: np.ndarray, side: int, rng: np.random.Generator) -> tuple[int, int] | None:
    """Top-left corner (canvas pixels) of a random side×side square on the fabric (≥97% covered)."""
    cells = math.ceil(side / SCALE)
    sums = table[cells:, cells:] - table[:-cells, cells:] - table[cells:, :-cells] + table[:-cells, :-cells]
    valid = np.flatnonzero(sums >= 0.97 * cells * cells)
    if valid.size == 0:
        return None
    y, x = divmod(int(valid[rng.integers(valid.size)]), sums.shape[1])
    return x * SCALE, y * SCALE


def _draw_motif(canvas: Image.Image, body: Image.Image, motif: str, style: Style,
                rng: random.Random, nprng: np.random.Generator) -> Box | None:
    coverage = _coverage_table(body)
    angle = math.radians(rng.uniform(-15, 15))
    cos, sin = math.cos(angle), math.sin(angle)
    # a rotated outline of side `fit` spans a square of side fit * (|cos| + |sin|): that square, the
    # motif's box, is what must be 10-20% of the image side and lie on the fabric
    spread = abs(cos) + abs(sin)
    smallest = style.motif_side[0] * CANVAS
    side = rng.uniform(*style.motif_side) * CANVAS
    corner = None
    while corner is None:
        corner = _motif_position(coverage, round(side), nprng)
        if corner is None:
            if side <= smallest:
                return None
            side = max(smallest, side * 0.9)
    fit = side / spread
    cx, cy = corner[0] + round(side) / 2, corner[1] + round(side) / 2
    points = [(cx + ((u - 0.5) * cos - (v - 0.5) * sin) * fit, cy + ((u - 0.5) * sin + (v - 0.5) * cos) * fit)
              for u, v in motif_shape(motif)]
    ImageDraw.Draw(canvas).polygon(points, fill=style.motif_fill, outline=style.motif_outline,
                                   width=3 if style.outline_width < 5 else 4)
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    return (math.floor(min(xs) / SCALE), math.floor(min(ys) / SCALE),
            math.ceil(max(xs) / SCALE), math.ceil(max(ys) / SCALE))


def _finish(image: Image.Image, mask: Image.Image, style: Style, nprng: np.random.Generator) -> Image.Image:
    """Directional light on the garment, a slight global exposure change and the backdrop texture."""
    # float32 throughout at run time; numpy's stubs widen float32 · Python float to float64
    pixels: npt.NDArray[np.floating] = np.asarray(image, dtype=np.float32)
    alpha = np.asarray(mask, dtype=np.float32)[..., None] / 255.0
    direction = nprng.uniform(0, 2 * math.pi)
    strength = nprng.uniform(0.05, 0.14)
    ramp = np.linspace(-1.0, 1.0, IMAGE_SIZE, dtype=np.float32)
    light = 1.0 + strength * (ramp[None, :] * math.cos(direction) + ramp[:, None] * math.sin(direction))
    pixels = pixels * (1.0 + (light[..., None] - 1.0) * alpha)
    if style.textured_background:
        coarse = nprng.normal(0.0, 7.0, (IMAGE_SIZE // 8, IMAGE_SIZE // 8)).astype(np.float32)
        texture = np.asarray(Image.fromarray(coarse, mode="F").resize((IMAGE_SIZE, IMAGE_SIZE),
                                                                       Image.Resampling.BILINEAR))
        texture = texture + nprng.normal(0.0, 3.0, (IMAGE_SIZE, IMAGE_SIZE)).astype(np.float32)
        pixels = pixels + texture[..., None] * (1.0 - alpha)
    pixels = pixels * nprng.uniform(0.97, 1.02)
    return Image.fromarray(np.clip(pixels + 0.5, 0, 255).astype(np.uint8), mode="RGB")


def draw_item(job: RenderJob) -> tuple[Image.Image, Image.Image, Box, Box | None]:
    """The picture, its garment mask (mode "L", 255 = garment) and the garment and motif boxes."""
    style = get_style(job.style)
    rng = random.Random(job.seed)
    nprng = np.random.default_rng(job.seed)
    shape = garment_shape(job.fine_category)
    place = _Placement(shape, style, rng)
    base = _jitter(style.palette[job.colour], rng)
    background = _jitter(style.background, rng, spread=3)
    body_polygons = [place(p) for p in shape.body]
    strokes = [place(p, closed=False) for p in shape.strokes]
    trims = [place(p) for p in shape.trims]
    seams = [place(p, closed=False) for p in shape.seams]
    stroke_width = round(0.045 * CANVAS)

    mask = Image.new("L", (CANVAS, CANVAS), 0)
    mask_draw = ImageDraw.Draw(mask)
    for polygon in body_polygons + trims:
        mask_draw.polygon(polygon, fill=255)
    for line in strokes:
        mask_draw.line(line, fill=255, width=stroke_width, joint="curve")

    canvas = Image.new("RGB", (CANVAS, CANVAS), background)
    if style.backdrop_shade:  # a studio backdrop: lighter at the top, shaded towards the floor
        ramp = 1.0 - style.backdrop_shade * np.linspace(0.0, 1.0, CANVAS, dtype=np.float32)
        shaded = np.asarray(background, dtype=np.float32)[None, None, :] * ramp[:, None, None]
        canvas = Image.fromarray(np.broadcast_to(shaded, (CANVAS, CANVAS, 3)).round().astype(np.uint8), mode="RGB")
    layer = Image.new("RGB", (CANVAS, CANVAS), base)
    _draw_pattern(layer, job.pattern, _secondary(base), base, style, rng)
    canvas.paste(layer, mask=mask)
    draw = ImageDraw.Draw(canvas)
    dark = style.outline_colour or _mix(base, (0, 0, 0), 0.55)
    for polygon in trims:
        draw.polygon(polygon, fill=_mix(base, (0, 0, 0), 0.55), outline=dark, width=2)
    for line in seams:
        draw.line(line, fill=dark, width=max(2, style.outline_width - 2))
    for polygon in body_polygons if style.outline_width > 0 else []:
        draw.line(polygon + polygon[:1], fill=dark, width=style.outline_width, joint="curve")

    motif_box = None
    if job.motif != NO_MOTIF:
        # motifs sit on the main fabric, not on soles, bands or handles
        body = Image.new("L", (CANVAS, CANVAS), 0)
        body_draw = ImageDraw.Draw(body)
        for polygon in body_polygons:
            body_draw.polygon(polygon, fill=255)
        for polygon in trims:
            body_draw.polygon(polygon, fill=0)
        motif_box = _draw_motif(canvas, body, job.motif, style, rng, nprng)
        if motif_box is None:
            raise RuntimeError(f"no room for a motif on item {job.item_id} ({job.fine_category})")

    small_mask = mask.reduce(SCALE)
    image = _finish(canvas.reduce(SCALE), small_mask, style, nprng)
    garment_mask = small_mask.point(lambda value: 255 if value >= 128 else 0)
    garment_box = garment_mask.getbbox()
    assert garment_box is not None
    return image, garment_mask, garment_box, motif_box


def render_item(job: RenderJob) -> Rendered:
    """Draw one item and write its JPEG (and mask PNG): fixed encoder settings, no metadata."""
    image, mask, garment_box, motif_box = draw_item(job)
    image.save(job.image_path, format="JPEG", quality=JPEG_QUALITY, subsampling="4:2:0",
               optimize=False, progressive=False)
    if job.mask_path:
        mask.convert("1").save(job.mask_path, format="PNG", optimize=False)
    return Rendered(item_id=job.item_id, garment_box=garment_box, motif_box=motif_box)


def render_many(jobs: list[RenderJob]) -> list[Rendered]:
    """A batch for one worker process (fewer round trips than one job per task)."""
    return [render_item(job) for job in jobs]
