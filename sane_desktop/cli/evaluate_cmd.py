"""``sane-desktop evaluate CATALOGUE --model CKPT``: FITB, compatibility AUC and attribute mAP of a
model and of its baselines on one split of every outfit protocol of the catalogue, the item-disjoint
one first where there is one (``--json``: keyed by protocol under ``protocols``)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from sane_desktop.catalogue.splits import DISJOINT_MEANING, ITEM_PROTOCOL
from sane_desktop.cli import add_json_flag, seed_arg
from sane_desktop.service.values import FEW_QUESTIONS

RANDOM_FEATURES = "random_features"  # training.report.RANDOM_FEATURES (not imported: it loads torch)


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "evaluate", help="FITB, compatibility AUC and attribute mAP of a model and baselines",
        description="Scores the model, a head trained on random per-item features (random_features: what "
        "remembering which items went together scores), the untrained network (same architecture, seeded), a colour histogram "
        "(HSV 16x4x4, chi-square) and random on the same questions, for every outfit protocol of the catalogue: "
        "the headline is the item-disjoint one where the catalogue has it (no item of a valid/test outfit in any "
        "training outfit), each with its sizes and leakage. A catalogue without outfits gets attribute "
        "mAP only (model, untrained network, random) on its 80/10/10 item split (crc32 of the product, or of the id); FITB and AUC "
        "are then null.")
    parser.add_argument("catalogue", help="catalogue folder")
    parser.add_argument("--model", required=True, help="checkpoint file")
    parser.add_argument("--split", default="test", choices=("train", "valid", "test"))
    parser.add_argument("--seed", type=seed_arg, default=0, help="seed of generated questions and baselines")
    parser.add_argument("--mapping", help="mapping file for a manifest catalogue")
    add_json_flag(parser)
    parser.set_defaults(handler=run, render=render)


def run(args: argparse.Namespace) -> dict[str, Any]:
    from sane_desktop.progress import TqdmProgress
    from sane_desktop.service.evaluation import evaluate_model

    progress = TqdmProgress()
    try:
        figures = with_warnings(evaluate_model(args.catalogue, args.model, args.split, seed=args.seed,
                                               mapping=args.mapping, progress=progress).figures)
    finally:
        progress.close()
    # what the figures were taken on (trial DE: the JSON named no catalogue, nor the model's file)
    return {"catalogue_folder": str(Path(args.catalogue).expanduser().resolve()),
            "model": str(Path(args.model).expanduser().resolve()), "seed": args.seed,
            "mapping": str(Path(args.mapping).expanduser().resolve()) if args.mapping else None, **figures}


def with_warnings(result: dict[str, Any]) -> dict[str, Any]:
    """``result`` with ``warnings`` beside each protocol's figures (and the headline's at the top): the lines the
    text says of figures that stand on too few questions, outfits or items, with the Wilson interval (trial
    CH: ``--json`` gave 16-digit figures from 4 questions and no word)."""
    for entry in (result.get("protocols") or {}).values():
        counts, model = entry["counts"], entry["methods"]["model"]
        found = [_few_questions(counts["fitb"], model.get("fitb")),
                 _few_scored(counts["compatibility"], model.get("auc"), "compatibility outfit", "AUC"),
                 _few_scored(counts["attribute_items"], model.get("attribute_map"), "item", "attribute mAP")]
        by_kind = counts.get("fitb_by_kind") or {}
        few = [kind for kind in (model.get("fitb_by_kind") or {}) if 0 < by_kind.get(kind, FEW_QUESTIONS) < FEW_QUESTIONS]
        if few:
            found.append(f"under {FEW_QUESTIONS} questions for {', '.join(few)}: too few to read")
        entry["warnings"] = [line for line in found if line]
    headline = (result.get("protocols") or {}).get(result.get("headline"))
    result["warnings"] = list(headline["warnings"]) if headline else []
    return result


def _fmt(value: float | None) -> str:
    return "  n/a " if value is None else f"{value:6.3f}"


def _share(value: float | None) -> str:
    """A share as a whole percentage that never rounds a leak away or makes one whole (trial AN: 0.004 read
    "0%"): "under 1%" and "over 99%" at the ends."""
    if value is None:
        return "n/a"
    return "under 1%" if 0 < value < 0.005 else "over 99%" if 0.995 <= value < 1 else f"{value:.0%}"


def _table(methods: dict[str, dict[str, Any]], keys: list[str], counts_by_kind: dict[str, int] | None = None
           ) -> list[str]:
    # the model first, then the reserved random-features row when present, then the other baselines
    order = sorted(methods, key=lambda name: (name != "model", name != RANDOM_FEATURES))
    lines = [f"{'method':18s}" + "".join(f"{k:>22s}" for k in keys)]
    for name in order:
        lines.append(f"{name:18s}" + "".join(f"{_fmt(methods[name].get(k)):>22s}" for k in keys))
    by_kind = methods["model"].get("fitb_by_kind")
    if by_kind:
        asked = counts_by_kind or {}
        parts = [f"{k} {_fmt(v).strip()}" + (f" ({asked[k]} q.)" if k in asked else "") for k, v in by_kind.items()]
        lines.append("model FITB by theme kind: " + ", ".join(parts))
        few = [k for k in by_kind if 0 < asked.get(k, FEW_QUESTIONS) < FEW_QUESTIONS]
        if few:  # the whole run may have enough while a kind has a handful (trial AN: 1.000 on 6)
            lines.append(f"  (under {FEW_QUESTIONS} questions for {', '.join(few)}: too few to read)")
    return lines


def _model_saw(leakage: dict[str, Any], split: str) -> str:
    """", and the model trained on X of them" when what the model trained on (its record) differs from
    the catalogue's current split (trial AN: the text said 90 %, the model had seen 92 %, only --json
    told); "" when they agree or it is not known."""
    seen, now = leakage.get("items_in_model_training"), leakage.get("items_in_train")
    if seen is None or now is None or _share(seen) == _share(now):
        return ""
    return f" as the catalogue splits them now; the model trained on {_share(seen)} of these {split} items"


def _protocol_lines(name: str, entry: dict[str, Any], split: str, headline: bool) -> list[str]:
    counts, leakage = entry["counts"], entry["leakage"] or {}
    outfits = counts["outfits"]
    why = " (a disjoint split leaves out outfits sharing an item with a valid/test one)" if entry["disjoint"] else ""
    dropped = f", {outfits['unassigned']} in no split{why}" if outfits.get("unassigned") else ""
    lines = [f"== {name}{' (headline)' if headline else ''}{' - disjoint' if entry['disjoint'] else ''} ==",
             f"outfits: train {outfits.get('train', 0)}, valid {outfits.get('valid', 0)}, test {outfits.get('test', 0)}"
             f"{dropped}; scored on {split}: {counts['fitb']} FITB questions, {counts['compatibility']} compatibility "
             f"outfits, {counts['attribute_items']} items",
             f"leakage: {_share(leakage.get('fitb_answer_with_question_item_in_train'))} of FITB right answers share "
             f"a training outfit with a question item; {_share(leakage.get('items_in_train'))} of {split} items are "
             "in training outfits" + _model_saw(leakage, split)]
    if split == "train" and not counts["fitb"] and not counts["compatibility"]:  # trial AP read a table of n/a
        lines.append("the train split has no questions: a catalogue's generated questions are drawn for its valid "
                     "and test splits only")
    notes = [note for note in entry["notes"].split("; ") if note and note != DISJOINT_MEANING]  # said once, above
    if notes:
        lines.append("notes: " + "; ".join(notes))
    methods = entry["methods"]
    keys = [k for k in ("fitb", "fitb_group_unmatched", "auc", "attribute_map") if k in methods["model"]]
    lines += _table(methods, keys, counts.get("fitb_by_kind"))
    few = [_few_questions(counts["fitb"], methods["model"].get("fitb")),
           _few_scored(counts["compatibility"], methods["model"].get("auc"), "compatibility outfit", "AUC"),
           _few_scored(counts["attribute_items"], methods["model"].get("attribute_map"), "item", "attribute mAP")]
    return lines + [line for line in few if line]


def _few_scored(scored: int, value: float | None, what: str, figure: str) -> str:
    """A line when a figure stands on fewer than :data:`FEW_QUESTIONS` outfits or items (trial AL read
    AUC 0.000 beside random 1.000 on 2 outfits, with nothing said): "" otherwise."""
    if value is None or not 0 < scored < FEW_QUESTIONS:
        return ""
    return (f"only {scored} {what}{'' if scored == 1 else 's'}: the {figure} figures stand on too few to read or "
            "compare (a random score can reach 0 or 1 there)")


# the table's names, said once under it (trial H found them in no help text)
LEGEND = ("methods: model (the one evaluated), random_features (a head trained on random per-item features: what remembering "
          "which items went together scores), untrained (the same network, seeded, never trained), colour_histogram "
          "(HSV 16x4x4, chi-square), random; columns: fitb (fill-in-the-blank accuracy, 1 of 4), fitb_group_unmatched "
          "(the same questions with wrong answers from any season: the unfair variant), auc (compatibility AUC), "
          "attribute_map (attribute mAP)")
GROUP_COLUMN = ("fitb_group_unmatched (the same questions with wrong answers from any season: the unfair variant), ")


def legend(columns: set[str]) -> str:
    """:data:`LEGEND` naming only the columns the table has (trial Y read fitb_group_unmatched explained
    under a demo's table, which has no seasons and no such column)."""
    return LEGEND if "fitb_group_unmatched" in columns else LEGEND.replace(GROUP_COLUMN, "")


def _few_questions(questions: int, fitb: float | None) -> str:
    """A line when ``questions`` FITB questions are too few to read the figure as it stands: its 95 %
    Wilson interval (trial H read three-decimal figures from 4 questions)."""
    if fitb is None or not 0 < questions < FEW_QUESTIONS:
        return ""
    z = 1.96
    centre = (fitb + z * z / (2 * questions)) / (1 + z * z / questions)
    half = z * ((fitb * (1 - fitb) + z * z / (4 * questions)) / questions) ** 0.5 / (1 + z * z / questions)
    return (f"only {questions} FITB question{'' if questions == 1 else 's'}: the model's FITB {fitb:.3f} has a 95 % "
            f"interval of [{max(0.0, centre - half):.2f}, {min(1.0, centre + half):.2f}] (Wilson): too few to compare "
            "methods")


def render(result: dict[str, Any]) -> str:
    """Text report: the headline protocol first (the item-disjoint one where the catalogue has it),
    then every other protocol, each with its sizes, leakage and a table of methods."""
    if result["protocol"] == ITEM_PROTOCOL:  # no outfits: FITB and AUC are None for every method
        counts = result["counts"]
        known = counts.get("attributes_known_to_model", counts["attributes"])
        lines = [f"{result['split']} split (no outfits: items): {counts['attribute_items']} items, "
                 f"{counts['attributes']} attributes, {known} of them known to the model, "
                 f"{counts['attributes_scored']} scored (a positive and a negative item in the split)"]
        if not known:
            lines.append("no attribute mAP: the model learnt its attributes on another catalogue "
                         "(train one on this catalogue: sane-desktop train)")
        # what is known of the model beyond the split (adapted, trained on another folder): said, not only in --json
        lines += [f"note: {note}" for note in result.get("notes", "").split("; ")[1:]
                  if note and not note.startswith("the model knows none")]  # that one is said above
        few = _few_scored(counts["attribute_items"], result["methods"]["model"].get("attribute_map"), "item",
                          "attribute mAP")
        return "\n".join([*lines, *_table(result["methods"], ["attribute_map"]), *([few] if few else [])])
    headline, split = result["headline"], result["split"]
    model = result["methods"]["model"]
    season = " (same-season wrong answers)" if "fitb_group_unmatched" in model else ""
    trained = f"; model trained on {result['trained_protocol']}" if result.get("trained_protocol") else ""
    counts = result["protocols"][headline]["counts"]

    def too_few(scored: int, value: float | None, what: str) -> str:
        """The headline's own word on a figure standing on too few (trial CS read "AUC 1.000" from 2 outfits
        there, the warning ten lines below)."""
        return f" (only {scored} {what}{'' if scored == 1 else 's'}: too few to read)" \
            if value is not None and 0 < scored < FEW_QUESTIONS else ""

    lines = [f"{headline} {split}: model FITB {_fmt(model['fitb']).strip()}{season}"
             f"{too_few(counts['fitb'], model['fitb'], 'question')}, "
             f"AUC {_fmt(model['auc']).strip()}{too_few(counts['compatibility'], model['auc'], 'outfit')}{trained}"]
    if any(entry["disjoint"] for entry in result["protocols"].values()):
        lines.append(DISJOINT_MEANING)
    for name, entry in result["protocols"].items():
        lines += ["", *_protocol_lines(name, entry, split, name == headline)]
    return "\n".join([*lines, "", legend(set(model))])
