"""How large a demo catalogue may be asked for, checked before anything is written: a count of 20
digits planned outfits until the machine ran out of memory (trial BO: 18.8 GB), and too few outfits
for the items asked for gave fewer items without a word ("items: 3" for 30)."""

from __future__ import annotations

import math

MIN_ITEMS = 30  # fewer leave a split without questions
MAX_ITEMS = 200_000  # hours of drawing on a laptop already; ids are drawn from 900 million
MIN_OUTFIT_SIZE = 3  # an outfit holds 3-5 items (themes._outfit_categories)
MAX_OUTFITS_PER_ITEM = 20  # each item in about 80 outfits at most
MAX_WORKERS = 64  # render processes


def check_demo_size(items: int, outfits: int, workers: int) -> None:
    """InputError (one line) when the counts cannot make the demo asked for: ``items`` outside
    :data:`MIN_ITEMS`–:data:`MAX_ITEMS`; ``outfits`` too few to hold every item (each holds at least
    :data:`MIN_OUTFIT_SIZE`, so fewer than a third of the items would leave some undrawn) or more than
    :data:`MAX_OUTFITS_PER_ITEM` per item; ``workers`` outside 1–:data:`MAX_WORKERS`."""
    from sane_desktop.errors import InputError

    if not MIN_ITEMS <= items <= MAX_ITEMS:
        raise InputError(f"a demo catalogue has {MIN_ITEMS} to {MAX_ITEMS:,} items, not {items:,}")
    least = math.ceil(items / MIN_OUTFIT_SIZE)
    if not least <= outfits <= items * MAX_OUTFITS_PER_ITEM:
        raise InputError(f"{items:,} items need {least:,} to {items * MAX_OUTFITS_PER_ITEM:,} outfits, not {outfits:,} "
                         f"(each outfit holds {MIN_OUTFIT_SIZE}-5 items; by default there are 0.7 per item)")
    if not 1 <= workers <= MAX_WORKERS:
        raise InputError(f"render processes are 1 to {MAX_WORKERS}, not {workers:,}")
