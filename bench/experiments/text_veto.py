"""A text veto for the explanation's words, measured and not shipped: may an item's own title or description,
naming one value of a kind ("Chocolate a-line skirt with a little star print"), rule that kind's other values
out, as a label of the kind does (``service.explanation.label_contradictions``)?

Trial DK found 10 of 847 explanation sentences false on the demo with its labels removed, every one "Both have
a cross motif" of an item whose own title names another motif. The veto below (value words matched as the
catalogue search matches words, a short list of fashion synonyms, "dark blue" not ruled out by text that says
"blue") was written on the demo; the shared H&M and MANGO catalogues are held out. Each catalogue is read as if
unlabelled: an item's words are its title (and, in the first variant, its description and fine category), never
its attribute columns; the vocabulary is every ``kind:value`` the catalogue labels; a **false veto** is an item
whose own labelled value its words rule out. Per kind: the items labelled, the share whose words name a value
(coverage), the false vetoes among those and the wrong values ruled out per such item.
Writes bench/experiments/results/text_veto.json.

    .venv/bin/python bench/experiments/text_veto.py [--demo-items 300]
"""

from __future__ import annotations

import argparse
import json
import tempfile
from collections import Counter, defaultdict
from collections.abc import Collection, Iterable, Sequence
from pathlib import Path

from sane_desktop.catalogue import read_catalogue
from sane_desktop.demo import generate_demo
from sane_desktop.service.titles import UNINFORMATIVE
from sane_desktop.store.browse import search_tokens

REPO = Path(__file__).resolve().parents[2]
SHARED = REPO.parent / "shared" / "data"
RESULTS = REPO / "bench" / "experiments" / "results" / "text_veto.json"
MAPPINGS = REPO / "sane_desktop" / "resources" / "mappings"
HELD_OUT = {"hm-articles": MAPPINGS / "hm-articles.json", "mango-outfits": MAPPINGS / "mango-outfits.json"}

# other words a catalogue's text uses for an attribute value (the value's own word is always one);
# each entry is words that must all be in the text ("plus sign"); plurals are matched for every word
VALUE_SYNONYMS: dict[str, tuple[str, ...]] = {
    "checked": ("check", "chequered", "checkered", "gingham", "plaid", "tartan"),
    "dotted": ("dot", "polka", "spotted", "spot"),
    "striped": ("stripe", "stripy", "pinstripe", "pinstriped"),
    "flower": ("floral", "flowery"),
    "bolt": ("lightning",),
    "cross": ("plus sign",),
    "moon": ("crescent",),
    "zigzag": ("zig zag", "chevron"),
    "wavy": ("wave",),
    "grey": ("gray",),
}


def _plurals(token: str) -> tuple[str, ...]:
    return (token, f"{token}s", f"{token}es")


def _said(phrase: str, words: Collection[str]) -> bool:
    """Whether every word of ``phrase`` (or its plural) is one of ``words`` (search tokens)."""
    tokens = search_tokens(phrase)
    return bool(tokens) and all(any(form in words for form in _plurals(token)) for token in tokens)


def value_said(value: str, words: Collection[str]) -> bool:
    """Whether ``words`` (an item's text as search tokens) name attribute ``value`` ("star", "light blue"):
    its own words, or one of :data:`VALUE_SYNONYMS`. An uninformative value ("other") is never named."""
    folded = " ".join(search_tokens(value))
    if not folded or folded in UNINFORMATIVE:
        return False
    return _said(folded, words) or any(_said(other, words) for other in VALUE_SYNONYMS.get(folded, ()))


def text_contradictions(names: Sequence[str], words: Collection[str], kinds: Iterable[str] | None = None) -> set[str]:
    """The attribute names of ``names`` (a model's vocabulary, ``kind:value``; bare words are not
    ``kind:value`` and are left alone) that ``words`` (the item's own text as search tokens) rule out:
    of each kind whose values the text names at least one of, the values it does not name, but for a
    finer one of a value named ("dark blue" where the text says "blue"). ``kinds``:
    only these kinds (casefolded); None, every kind. Text naming two values of a kind ("black and
    white") rules out neither; text naming none of a kind's values says nothing of it."""
    by_kind: dict[str, list[tuple[str, str]]] = {}
    allowed = None if kinds is None else {kind.casefold() for kind in kinds}
    for name in names:
        kind, sep, value = name.partition(":")
        kind = kind.strip().casefold()
        if sep and kind and (allowed is None or kind in allowed):
            by_kind.setdefault(kind, []).append((name, value))
    vetoed: set[str] = set()
    if not words:
        return vetoed
    for values in by_kind.values():
        said = [set(search_tokens(value)) for _name, value in values if value_said(value, words)]
        if not said or len(values) == 1:
            continue
        said = [tokens for tokens in said if not any(tokens < other for other in said)]  # "light blue", not "blue" too
        for name, value in values:
            own = set(search_tokens(value))
            # "dark blue" is no contradiction of text that says "blue": the text is less precise, not other
            if not value_said(value, words) and not any(tokens <= own for tokens in said):
                vetoed.add(name)
    return vetoed


def measure(root: Path, mapping: Path | None, with_description: bool, examples_kept: bool) -> dict[str, object]:
    catalogue = read_catalogue(root, mapping, validate_images=False)
    names = sorted({f"{kind}:{value}" for item in catalogue.items for kind, value in item.attributes.items() if value})
    kinds: dict[str, Counter[str]] = defaultdict(Counter)
    examples: dict[str, list[str]] = defaultdict(list)
    for item in catalogue.items:
        text = (item.title, item.description, item.fine_category) if with_description else (item.title,)
        words = set(search_tokens(" ".join(text)))
        vetoed = text_contradictions(names, words)
        for kind, value in item.attributes.items():
            if not value:
                continue
            counts = kinds[kind]
            counts["labelled"] += 1
            ruled = {name for name in vetoed if name.partition(":")[0] == kind}
            if not ruled:
                continue
            counts["named"] += 1
            counts["ruled_out"] += len(ruled)
            if f"{kind}:{value}" in ruled:
                counts["false_veto"] += 1
                if examples_kept and len(examples[kind]) < 5:  # the shared data is never committed, its titles neither
                    examples[kind].append(f"{value!r}: {item.title or item.description[:80]!r}")
    figures: dict[str, object] = {"items": len(catalogue.items)}
    for kind, counts in sorted(kinds.items()):
        named = counts["named"]
        figures[kind] = {
            "labelled": counts["labelled"], "values": sum(1 for name in names if name.startswith(f"{kind}:")),
            "words_name_a_value": named, "coverage": round(named / max(1, counts["labelled"]), 4),
            "false_vetoes": counts["false_veto"],
            "false_veto_rate_of_named": round(counts["false_veto"] / max(1, named), 4),
            "wrong_values_ruled_out_per_named_item": round((counts["ruled_out"] - counts["false_veto"]) / max(1, named), 2),
            "false_veto_examples": examples[kind],
        }
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--demo-items", type=int, default=300)
    args = parser.parse_args()
    results: dict[str, object] = {}
    with tempfile.TemporaryDirectory() as tmp:
        demo = Path(tmp) / "demo"
        generate_demo(demo, seed=0, items=args.demo_items)
        for variant, described in (("title, description", True), ("title only", False)):
            results[f"demo (tuned on), {variant}"] = measure(demo, None, described, True)
    for name, mapping in HELD_OUT.items():
        root = SHARED / name
        if not root.is_dir():
            print(f"{name}: not found under {SHARED}, skipped")
            continue
        for variant, described in (("title, description", True), ("title only", False)):
            results[f"{name} (held out), {variant}"] = measure(root, mapping, described, False)
    for name, figures in results.items():
        print(name, json.dumps(figures, indent=1))
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")
    print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()
