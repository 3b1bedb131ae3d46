"""Outlines of garments and motifs as polygons in a unit box (x right, y down, both in [0, 1]).

Kept apart from the drawing code so that silhouettes can be read and tuned on their own. A garment
is a list of filled polygons plus optional thick strokes (bag handles) and trim polygons (soles,
bands) that are drawn in a darker shade.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

Point = tuple[float, float]
Polygon = list[Point]


def ellipse(cx: float, cy: float, rx: float, ry: float, start: float = 0.0, end: float = 360.0,
            steps: int = 28) -> Polygon:
    """Points along an elliptic arc (degrees; y grows downwards, so 180..360 is the upper half)."""
    return [
        (cx + rx * math.cos(math.radians(a)), cy + ry * math.sin(math.radians(a)))
        for a in (start + (end - start) * i / steps for i in range(steps + 1))
    ]


@dataclass
class GarmentShape:
    body: list[Polygon]
    strokes: list[Polygon] = field(default_factory=list)  # thick lines in the garment colour
    trims: list[Polygon] = field(default_factory=list)  # darker parts (soles, bands)
    seams: list[Polygon] = field(default_factory=list)  # thin detail lines
    box: tuple[float, float] = (0.7, 0.7)  # width, height as a fraction of the image side


def garment_shape(fine: str) -> GarmentShape:
    """The silhouette of one fine-grained product type."""
    if fine == "tee":
        return GarmentShape([[(0.30, 0.0), (0.42, 0.0), (0.5, 0.08), (0.58, 0.0), (0.70, 0.0),
                              (1.0, 0.18), (0.90, 0.38), (0.78, 0.32), (0.78, 1.0), (0.22, 1.0),
                              (0.22, 0.32), (0.10, 0.38), (0.0, 0.18)]], box=(0.78, 0.66))
    if fine == "tank top":
        return GarmentShape([[(0.22, 0.0), (0.32, 0.0), (0.36, 0.14), (0.5, 0.22), (0.64, 0.14),
                              (0.68, 0.0), (0.78, 0.0), (0.80, 0.26), (0.92, 0.40), (0.92, 1.0),
                              (0.08, 1.0), (0.08, 0.40), (0.20, 0.26)]], box=(0.56, 0.72))
    if fine == "trousers":
        return GarmentShape([[(0.10, 0.0), (0.90, 0.0), (1.0, 1.0), (0.60, 1.0), (0.5, 0.30),
                              (0.40, 1.0), (0.0, 1.0)]],
                            seams=[[(0.10, 0.08), (0.90, 0.08)]], box=(0.52, 0.84))
    if fine == "skirt":
        return GarmentShape([[(0.24, 0.0), (0.76, 0.0), (1.0, 1.0), (0.0, 1.0)]],
                            trims=[[(0.24, 0.0), (0.76, 0.0), (0.765, 0.09), (0.235, 0.09)]],
                            box=(0.66, 0.58))
    if fine == "dress":
        return GarmentShape([[(0.33, 0.0), (0.40, 0.0), (0.5, 0.07), (0.60, 0.0), (0.67, 0.0),
                              (0.70, 0.15), (0.64, 0.40), (1.0, 1.0), (0.0, 1.0), (0.36, 0.40),
                              (0.30, 0.15)]], seams=[[(0.36, 0.40), (0.64, 0.40)]], box=(0.66, 0.88))
    if fine in ("coat", "jacket"):
        body = [(0.32, 0.0), (0.68, 0.0), (0.88, 0.08), (1.0, 0.78), (0.87, 0.80), (0.80, 0.30),
                (0.80, 1.0), (0.20, 1.0), (0.20, 0.30), (0.13, 0.80), (0.0, 0.78), (0.12, 0.08)]
        seams = [[(0.5, 0.10), (0.5, 1.0)], [(0.36, 0.0), (0.5, 0.30), (0.64, 0.0)]]
        return GarmentShape([body], seams=seams, box=(0.74, 0.90) if fine == "coat" else (0.78, 0.66))
    if fine == "boots":
        return GarmentShape([[(0.12, 0.0), (0.56, 0.0), (0.58, 0.60), (0.95, 0.74), (1.0, 0.90),
                              (1.0, 1.0), (0.12, 1.0)]],
                            trims=[[(0.12, 0.90), (1.0, 0.90), (1.0, 1.0), (0.12, 1.0)]],
                            box=(0.56, 0.70))
    if fine == "sneakers":
        return GarmentShape([[(0.02, 0.40), (0.35, 0.22), (0.50, 0.0), (0.68, 0.04), (0.78, 0.42),
                              (0.98, 0.60), (1.0, 1.0), (0.0, 1.0)]],
                            trims=[[(0.0, 0.82), (1.0, 0.82), (1.0, 1.0), (0.0, 1.0)]],
                            seams=[[(0.42, 0.32), (0.62, 0.28)], [(0.45, 0.45), (0.68, 0.40)]],
                            box=(0.78, 0.46))
    if fine == "handbag":
        return GarmentShape([[(0.10, 0.36), (0.90, 0.36), (1.0, 1.0), (0.0, 1.0)]],
                            strokes=[ellipse(0.5, 0.36, 0.26, 0.32, 180, 360, 16)],
                            seams=[[(0.08, 0.50), (0.92, 0.50)]], box=(0.64, 0.64))
    if fine == "tote":
        return GarmentShape([[(0.0, 0.32), (1.0, 0.32), (0.94, 1.0), (0.06, 1.0)]],
                            strokes=[ellipse(0.30, 0.32, 0.12, 0.30, 180, 360, 12),
                                     ellipse(0.70, 0.32, 0.12, 0.30, 180, 360, 12)],
                            box=(0.58, 0.70))
    if fine == "cap":
        return GarmentShape([ellipse(0.40, 0.80, 0.40, 0.80, 180, 360),
                             [(0.55, 0.66), (1.0, 0.74), (1.0, 0.86), (0.50, 0.86)]],
                            seams=[[(0.40, 0.02), (0.40, 0.80)]], box=(0.70, 0.48))
    if fine == "beanie":
        return GarmentShape([ellipse(0.5, 0.72, 0.46, 0.62, 180, 360),
                             ellipse(0.5, 0.10, 0.11, 0.10)],
                            trims=[[(0.03, 0.70), (0.97, 0.70), (0.97, 1.0), (0.03, 1.0)]],
                            box=(0.56, 0.58))
    if fine == "sun hat":
        return GarmentShape([ellipse(0.5, 0.78, 0.5, 0.22), ellipse(0.5, 0.72, 0.27, 0.70, 180, 360)],
                            trims=[[(0.23, 0.60), (0.77, 0.60), (0.77, 0.72), (0.23, 0.72)]],
                            box=(0.84, 0.50))
    raise ValueError(f"unknown garment type: {fine}")


def motif_shape(motif: str) -> Polygon:
    """One closed outline per motif, centred in the unit box."""
    if motif == "star":
        return [(0.5 + (0.5 if i % 2 == 0 else 0.2) * math.sin(math.pi * i / 5),
                 0.53 - (0.5 if i % 2 == 0 else 0.2) * math.cos(math.pi * i / 5)) for i in range(10)]
    if motif == "heart":
        points = []
        for i in range(36):
            t = 2 * math.pi * i / 36
            x = 16 * math.sin(t) ** 3
            y = 13 * math.cos(t) - 5 * math.cos(2 * t) - 2 * math.cos(3 * t) - math.cos(4 * t)
            points.append((0.5 + x / 34, 0.45 - y / 34))
        return points
    if motif == "flower":
        return [(0.5 + r * math.cos(a), 0.5 + r * math.sin(a))
                for a in (2 * math.pi * i / 60 for i in range(60))
                for r in [0.33 + 0.17 * math.cos(5 * a)]]
    if motif == "bolt":
        return [(0.58, 0.0), (0.18, 0.56), (0.46, 0.56), (0.34, 1.0), (0.84, 0.40), (0.56, 0.40),
                (0.74, 0.0)]
    if motif == "moon":
        outer = ellipse(0.5, 0.5, 0.5, 0.5, 50, 310, 24)
        inner = ellipse(0.78, 0.5, 0.42, 0.42, 235, 125, 16)  # back along the inner edge
        return outer + inner
    if motif == "diamond":
        return [(0.5, 0.0), (0.88, 0.5), (0.5, 1.0), (0.12, 0.5)]
    if motif == "cross":
        a, b = 0.33, 0.67
        return [(a, 0.0), (b, 0.0), (b, a), (1.0, a), (1.0, b), (b, b), (b, 1.0), (a, 1.0), (a, b),
                (0.0, b), (0.0, a), (a, a)]
    raise ValueError(f"unknown motif: {motif}")
