"""What the model will not see well of a photo, from its size alone: the model sees the centre
square of the photo with its short side resized to its input (``models.preprocess.resize_crop``), so
a long strip keeps a sliver of itself and a tiny photo is blown up with next to no detail. Import
lists such items (indexed as they are) and ``query`` says it of an outfit's photo."""

from __future__ import annotations

SMALL_SIDE = 32  # px: below this the model sees the picture blown up, with next to no detail
STRIP_RATIO = 4.0  # long side / short side beyond which the centre square keeps under a quarter of it


def framing_problem(width: int, height: int) -> str:
    """"" for an ordinary photo of ``width`` × ``height`` pixels (after EXIF orientation), else
    what the model misses, in words that follow a file name ("is 400×20 pixels: …"); "" for an
    unknown size (0)."""
    short, long = min(width, height), max(width, height)
    if short <= 0:
        return ""
    if long / short > STRIP_RATIO:
        share = 100 * short / long  # a 10000×50 strip read "0 % of it" (trial CS)
        seen = "under 1 %" if share < 1 else f"{share:.0f} %"
        return f"is {width}×{height} pixels: the model sees its centre square, {seen} of it"
    if short < SMALL_SIDE:
        return f"is only {width}×{height} pixels: the model sees it enlarged, with little detail"
    return ""
