"""Deterministic splits and evaluation questions for catalogues that have outfits but none of their own.

Two protocols are built side by side, each seeded and independent of file order (outfits are sorted
by id before the seeded shuffle):

- ``generated``: outfits shuffled and cut 80/10/10. Items are shared between outfits (MANGO reuses
  one pair of earrings in up to 637 outfits), so valid/test questions reuse items seen in training: a
  model that memorises which items go together scores well without looking at them. Kept as it was
  (same seed, same questions) so earlier figures stay comparable, except that its wider pools are now
  sorted by id as well: a re-import of MANGO draws 4 of its 1,560 questions (3 of 782 test) otherwise.
- ``generated-disjoint`` (after the Polyvore Outfits *disjoint* protocol, Vasileva et al. ECCV 2018,
  section 5): no item of a valid or test outfit appears in any train outfit, and valid and test share
  no item either. Test outfits are drawn first, then valid outfits among those that share no item
  with the test ones, each up to 5% of all outfits (:data:`HELD_OUT_FRACTION`), drawn within each
  ``group`` (MANGO's shoot season, by an outfit's most common item group) in proportion; train is
  every remaining outfit that shares no item with valid or test. The outfits that do share one are
  *dropped* (in no split). Drawing at random drops almost everything on MANGO (a random 10% of
  outfits touches most of the reused shoes, bags and jewellery), so outfits are drawn greedily by
  how few not-yet-dropped outfits each would drop (the seeded shuffle breaks ties). The price is a
  test set of outfits that are cheap to cut off, not a uniform sample. Drawn over all outfits at
  10%/10%, MANGO's train would be 89% 2019 outfits and its test 86% 2023 ones — a test across
  studio backdrops (DATA.md), not of leakage alone — hence the per-season draw; at 5%/5% it keeps
  about 3,600 train outfits (MANGO, seed 0; README). When a catalogue is too entangled to give all
  three splits an outfit, the
  protocol is left out.

Questions, per valid/test outfit: a fill-in-the-blank question (outfits with at least 3 items; one
seeded blank; 3 wrong answers) and a compatibility pair (the outfit, label 1, and a negative with
every item replaced, label 0). Wrong answers and replacements have the same category as the item
they stand for and, where items have a ``group`` (MANGO's shoot season), the same group: otherwise
a score could win by spotting the group (DATA.md). Pools: items of the same split, then (disjoint
only) items in no train outfit, then the whole catalogue, then (only if still too few) any group of
that category. Every pool but the split's own is sorted by id and the split's follows the seeded outfit
order, so the order of the product table's rows does not matter. An outfit's items are taken in the order
its source lists them (the blank is drawn by position): shuffling an outfit table's rows does change
questions.
"""

from __future__ import annotations

import heapq
import random
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from sane_desktop.catalogue.splits import item_split_keys
from sane_desktop.catalogue.types import (
    Catalogue,
    CompatibilityQuestion,
    FitbQuestion,
    ItemRecord,
    OutfitRecord,
    SplitRecord,
)

PROTOCOL = "generated"
DISJOINT_PROTOCOL = "generated-disjoint"
WRONG_ANSWERS = 3
HELD_OUT_FRACTION = 0.05  # of all outfits (of each group), for valid and for test each, in the disjoint protocol


def _outfit_order(outfit_ids: Iterable[str], seed: int) -> list[str]:
    """Outfit ids sorted (so file order does not matter), then shuffled by ``seed``."""
    ids = sorted(set(outfit_ids), key=lambda value: (len(value), value))
    random.Random(seed).shuffle(ids)
    return ids


def assign_outfit_splits(outfit_ids: Iterable[str], seed: int = 0,
                         fractions: Sequence[float] = (0.8, 0.1, 0.1)) -> dict[str, list[str]]:
    """Assign outfit ids to splits: ``{"train": [...], "valid": [...], "test": [...]}`` by ``fractions``
    (train gets the rounding remainder), deterministic for a seed and independent of input order.

    Used to make the ``generated`` protocol; to *read* a catalogue's split, see
    :func:`sane_desktop.catalogue.splits.outfits_in_split`."""
    ids = _outfit_order(outfit_ids, seed)
    n_valid, n_test = round(fractions[1] * len(ids)), round(fractions[2] * len(ids))
    n_train = len(ids) - n_valid - n_test
    return {"train": ids[:n_train], "valid": ids[n_train : n_train + n_valid], "test": ids[n_train + n_valid :]}


@dataclass
class DisjointSplit:
    """Outfit ids of the ``generated-disjoint`` protocol; ``dropped``: outfits in no split, because
    they share an item with a valid/test outfit while not being one."""

    train: list[str] = field(default_factory=list)
    valid: list[str] = field(default_factory=list)
    test: list[str] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)

    def splits(self) -> dict[str, list[str]]:
        return {"train": self.train, "valid": self.valid, "test": self.test}

    def complete(self) -> bool:
        """Whether every split holds an outfit (else the protocol is not worth offering)."""
        return bool(self.train and self.valid and self.test)


def _draw_held_out(order: Sequence[str], members: Mapping[str, Sequence[str]], target: int) -> list[str]:
    """Up to ``target`` outfits of ``order`` for one held-out split, each drawn as the one that drops
    the fewest other outfits (those sharing an item with the split that are not in it), ties broken
    by position in ``order``.

    Lazy greedy: an outfit's cost only falls as the split grows (its items get taken, its neighbours
    get dropped, it may become dropped itself: -1), so a popped key is an upper bound; it is
    recomputed, pushed back if it fell, taken if not. The outfits holding a newly taken item are
    re-keyed at once; farther changes are caught when popped. About 0.2 s on MANGO."""
    position = {outfit_id: k for k, outfit_id in enumerate(order)}
    by_item: dict[str, list[str]] = defaultdict(list)
    for outfit_id in order:
        for item_id in members[outfit_id]:
            by_item[item_id].append(outfit_id)
    taken: set[str] = set()
    chosen: set[str] = set()
    dropped: set[str] = set()
    gone: set[str] = set()  # chosen | dropped: one set, so a cost is one set difference

    def cost(outfit_id: str) -> int:
        lists = [by_item[item_id] for item_id in members[outfit_id] if item_id not in taken]
        touched = set().union(*lists).difference(gone) if lists else set()
        touched.discard(outfit_id)
        return len(touched) - (outfit_id in dropped)

    # first keys: an upper bound (the outfits of each item, counted once per item), refined when popped
    key = {outfit_id: sum(len(by_item[i]) - 1 for i in members[outfit_id]) for outfit_id in order}
    heap = [(key[outfit_id], position[outfit_id], outfit_id) for outfit_id in order]
    heapq.heapify(heap)
    out: list[str] = []
    while heap and len(out) < target:
        stored, _, outfit_id = heapq.heappop(heap)
        if outfit_id in chosen or stored != key[outfit_id]:
            continue  # a stale entry: a lower key for it was pushed since
        now = cost(outfit_id)
        if now < stored:
            key[outfit_id] = now
            heapq.heappush(heap, (now, position[outfit_id], outfit_id))
            continue
        out.append(outfit_id)
        chosen.add(outfit_id)
        dropped.discard(outfit_id)
        gone.add(outfit_id)
        changed: set[str] = set()
        for item_id in members[outfit_id]:
            if item_id in taken:
                continue
            taken.add(item_id)
            for other in by_item[item_id]:
                if other not in chosen:
                    dropped.add(other)
                    gone.add(other)
                    changed.add(other)
        for other in sorted(changed, key=position.__getitem__):
            key[other] = cost(other)
            heapq.heappush(heap, (key[other], position[other], other))
    return sorted(out, key=position.__getitem__)


def _draw_per_group(order: Sequence[str], members: Mapping[str, Sequence[str]], fraction: float, total: int,
                    groups: Mapping[str, str] | None) -> list[str]:
    """:func:`_draw_held_out` within each group of outfits (``groups``: outfit id -> its main group),
    each group giving its share of ``fraction * total``; one draw over all when there are no groups."""
    if not groups:
        return _draw_held_out(order, members, max(1, round(fraction * total)))
    count: dict[str, int] = defaultdict(int)
    for outfit_id in members:
        count[groups.get(outfit_id, "")] += 1
    drawn: list[str] = []
    for group in sorted(count):
        within = [o for o in order if groups.get(o, "") == group]
        drawn += _draw_held_out(within, members, max(1, round(fraction * count[group])))
    return drawn


def assign_disjoint_splits(outfits: Mapping[str, Sequence[str]], seed: int = 0,
                           fraction: float = HELD_OUT_FRACTION,
                           groups: Mapping[str, str] | None = None) -> DisjointSplit:
    """Item-disjoint train/valid/test outfits (protocol ``generated-disjoint``; see the module).

    ``outfits``: outfit id -> its item ids. Test and valid get up to ``max(1, round(fraction * n))``
    outfits each (n: all outfits), drawn per group when ``groups`` (outfit id -> its main group,
    MANGO's shoot season) is given, so every season is in train, valid and test in proportion; no
    item of a valid/test outfit is in a train outfit, valid and test share no item. Deterministic
    for a seed and independent of the mapping's order."""
    order = _outfit_order(outfits, seed)
    members = {outfit_id: list(dict.fromkeys(outfits[outfit_id])) for outfit_id in order}
    test = _draw_per_group(order, members, fraction, len(order), groups)
    test_items = {i for outfit_id in test for i in members[outfit_id]}
    rest = [o for o in order if test_items.isdisjoint(members[o])]  # the test outfits hold test items
    valid = _draw_per_group(rest, members, fraction, len(order), groups)
    held_out = test_items | {i for outfit_id in valid for i in members[outfit_id]}
    chosen = set(test) | set(valid)
    train = [o for o in order if o not in chosen and held_out.isdisjoint(members[o])]
    kept = chosen | set(train)
    return DisjointSplit(train, valid, test, [o for o in order if o not in kept])


class _Pools:
    """Candidate items by (category, group), at widening levels: ``levels`` (each a list of item ids,
    searched in turn), then any group of the category."""

    def __init__(self, items: dict[str, ItemRecord], split_item_ids: Iterable[str],
                 unseen_item_ids: Iterable[str] | None = None) -> None:
        """``unseen_item_ids`` (disjoint protocol): a level between the split and the whole catalogue,
        and every pool sorted by id (file order then never matters)."""
        self.items = items
        split = (items[i] for i in dict.fromkeys(split_item_ids) if i in items)
        # every pool wider than the split is sorted by id: shuffling a product table's rows once changed
        # 4 of MANGO's 1,560 ``generated`` questions (trial EC)
        ordered = sorted(items)
        self.any_group: dict[str, list[str]] = defaultdict(list)
        for item_id in ordered:
            self.any_group[items[item_id].category].append(item_id)
        if unseen_item_ids is None:
            self.levels = [self._index(split), self._index(items[i] for i in ordered)]
            return
        unseen = set(unseen_item_ids)
        self.levels = [self._index(sorted(split, key=lambda item: item.item_id)),
                       self._index(items[i] for i in ordered if i in unseen),
                       self._index(items[i] for i in ordered)]

    @staticmethod
    def _index(records: Iterable[ItemRecord]) -> dict[tuple[str, str], list[str]]:
        index: dict[tuple[str, str], list[str]] = defaultdict(list)
        for item in records:
            index[(item.category, item.group)].append(item.item_id)
        return index

    def draw(self, like: str, count: int, exclude: set[str], rng: random.Random) -> list[str] | None:
        """``count`` distinct items like ``like`` (same category, same group), none in ``exclude``."""
        item = self.items[like]
        key = (item.category, item.group)
        for pool in (*(level.get(key, []) for level in self.levels), self.any_group.get(item.category, [])):
            candidates = [i for i in pool if i not in exclude]
            if len(candidates) >= count:
                return rng.sample(candidates, count)
        return None


def _fitb(outfit: OutfitRecord, protocol: str, split: str, number: int, pools: _Pools,
          rng: random.Random) -> FitbQuestion | None:
    if len(outfit.item_ids) < 3:
        return None
    blank = rng.randrange(len(outfit.item_ids))
    right = outfit.item_ids[blank]
    wrong = pools.draw(right, WRONG_ANSWERS, set(outfit.item_ids), rng)
    if wrong is None:
        return None
    correct = rng.randrange(WRONG_ANSWERS + 1)
    answers = wrong[:correct] + [right] + wrong[correct:]
    question = [i for position, i in enumerate(outfit.item_ids) if position != blank]
    positions = outfit.positions or list(range(len(outfit.item_ids)))
    return FitbQuestion(protocol, split, number, outfit.outfit_id, question, answers, correct, positions[blank])


def _negative(outfit: OutfitRecord, pools: _Pools, rng: random.Random) -> list[str] | None:
    used = set(outfit.item_ids)
    replaced = []
    for item_id in outfit.item_ids:
        drawn = pools.draw(item_id, 1, used, rng)
        if drawn is None:
            return None
        used.add(drawn[0])
        replaced.append(drawn[0])
    return replaced


def _ask(catalogue: Catalogue, protocol: str, split: str, outfit_ids: Sequence[str],
         outfits: Mapping[str, OutfitRecord], items: dict[str, ItemRecord], pools: _Pools,
         rng: random.Random) -> None:
    """Append the FITB and compatibility questions of one valid/test split (numbered from 0)."""
    n_fitb = n_compatibility = 0
    for outfit_id in outfit_ids:
        outfit = outfits[outfit_id]
        if not all(i in items for i in outfit.item_ids):
            continue
        question = _fitb(outfit, protocol, split, n_fitb, pools, rng)
        if question is not None:
            catalogue.fitb.append(question)
            n_fitb += 1
        negative = _negative(outfit, pools, rng)
        if negative is not None:
            catalogue.compatibility += [
                CompatibilityQuestion(protocol, split, n_compatibility, 1, list(outfit.item_ids)),
                CompatibilityQuestion(protocol, split, n_compatibility + 1, 0, negative)]
            n_compatibility += 2


def _split_items(outfit_ids: Iterable[str], outfits: Mapping[str, OutfitRecord]) -> list[str]:
    return [i for outfit_id in outfit_ids for i in outfits[outfit_id].item_ids]


def _main_groups(outfits: Mapping[str, OutfitRecord], items: Mapping[str, ItemRecord]) -> dict[str, str] | None:
    """Outfit id -> the most common ``group`` of its items (ties: the first by name); None when
    items have no groups."""
    if not any(item.group for item in items.values()):
        return None
    main = {}
    for outfit_id, outfit in outfits.items():
        counts: dict[str, int] = defaultdict(int)
        for item_id in outfit.item_ids:
            if item_id in items:
                counts[items[item_id].group] += 1
        main[outfit_id] = min(counts, key=lambda g: (-counts[g], g)) if counts else ""
    return main


def generate_questions(catalogue: Catalogue, seed: int = 0) -> DisjointSplit:
    """Fill ``catalogue.splits``, ``.fitb`` and ``.compatibility`` with protocol ``generated`` and,
    when every one of its splits gets an outfit, ``generated-disjoint``. Returns the disjoint split
    (its ``dropped`` outfits are in no split of that protocol)."""
    items = catalogue.item_by_id()
    outfits = {outfit.outfit_id: outfit for outfit in catalogue.outfits}
    splits = assign_outfit_splits(outfits, seed)
    rng = random.Random(seed)
    for split, outfit_ids in splits.items():
        catalogue.splits.append(SplitRecord(PROTOCOL, split, outfit_ids))
        if split == "train":
            continue
        pools = _Pools(items, _split_items(outfit_ids, outfits))
        _ask(catalogue, PROTOCOL, split, outfit_ids, outfits, items, pools, rng)

    # one garment, one key: a photo listed under two ids (MANGO has 43 such groups) is one item to
    # the disjoint draw, so no test item's photo is a training item's under another id (trial AG found 7)
    garment = item_split_keys(catalogue)
    disjoint = assign_disjoint_splits({o: [garment.get(i, i) for i in outfits[o].item_ids] for o in outfits}, seed,
                                      groups=_main_groups(outfits, items))
    if not disjoint.complete():
        return disjoint
    seen = {garment.get(i, i) for i in _split_items(disjoint.train, outfits)}
    unseen = [i for i in items if garment.get(i, i) not in seen]
    # its own stream (a str seed is hashed with SHA-512: stable across runs), so ``generated`` is unchanged
    rng = random.Random(f"{DISJOINT_PROTOCOL}:{seed}")
    for split, outfit_ids in disjoint.splits().items():
        catalogue.splits.append(SplitRecord(DISJOINT_PROTOCOL, split, list(outfit_ids)))
        if split == "train":
            continue
        pools = _Pools(items, _split_items(outfit_ids, outfits), unseen)
        _ask(catalogue, DISJOINT_PROTOCOL, split, outfit_ids, outfits, items, pools, rng)
    return disjoint
