"""Record in the bundled models' training records which type spaces their training outfits reached.

``demo.pt`` and ``general.pt`` were trained on the drawn demo world ("/tmp/demo4k (4,000 items, seed 0)") before
training recorded ``config["learnt_spaces"]``; without it a model's unlearnt spaces were taken to be its
same-category ones, and the search compared a dress with skirts, trousers and tops in spaces no training pair
reached (the demo world dresses never meet them: trial EU ranked a skirt first for a dress). This replays that
world's outfits (the demo planner is deterministic in its seed), takes the training split as ``train`` does, and
writes :func:`sane_desktop.type_spaces.learnt_spaces` of it into each record, where
``ModelBundle.unlearnt_spaces`` finds it by the model's content hash. Run from the repository root:

    .venv/bin/python tools/record_learnt_spaces.py [--check]

``--check`` writes nothing and exits 1 when a record differs from the replay.
"""

from __future__ import annotations

import json
import random
import sys

from sane_desktop.demo import OUTFITS_PER_ITEM
from sane_desktop.demo.questions import split_outfit_plans
from sane_desktop.demo.themes import plan_world
from sane_desktop.models.checkpoint import bundled_model_paths, load_checkpoint
from sane_desktop.type_spaces import learnt_spaces

WORLD = "/tmp/demo4k (4,000 items, seed 0)"
ITEMS, SEED = 4000, 0


def replayed(categories: list[str]) -> list[int]:
    items, outfits = plan_world(SEED, ITEMS, round(ITEMS * OUTFITS_PER_ITEM))
    category = {item.item_id: categories.index(item.category) for item in items}
    train = split_outfit_plans(outfits, random.Random(f"demo-questions:{SEED}"))["train"]
    return learnt_spaces(([category[i] for i in outfit.item_ids] for outfit in train), len(categories))


def main(argv: list[str]) -> int:
    check = "--check" in argv
    differs = 0
    for model in bundled_model_paths():
        record_path = model.with_suffix(".json")
        record = json.loads(record_path.read_text(encoding="utf-8"))
        if record.get("catalogue") != WORLD:
            print(f"{record_path.name}: trained on {record.get('catalogue')!r}, not the demo world replayed here")
            differs += 1
            continue
        bundle = load_checkpoint(model, map_location="cpu")
        assert bundle.content_hash == record["content_hash"], f"{record_path.name} is not {model.name}'s record"
        spaces = replayed(list(bundle.compatibility.categories))
        if record.get("learnt_spaces") != spaces:
            differs += 1
            print(f"{record_path.name}: learnt_spaces {record.get('learnt_spaces')} -> {spaces}")
            if not check:
                record["learnt_spaces"] = spaces
                record_path.write_text(json.dumps(record, indent=1), encoding="utf-8")  # (its layout as written)
    return 1 if check and differs else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
