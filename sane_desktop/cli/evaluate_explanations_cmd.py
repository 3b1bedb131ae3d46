"""``sane-desktop evaluate-explanations CATALOGUE --model CKPT``: how good are the explanations?

Insertion/deletion AUC (METHOD.md §5) for fast, rise, sliding and a random map on the same pairs,
explanation accuracy against the removal oracle for each attribute-selection rule, and on
catalogues with ``ground_truth.json`` (the demo) the true-theme accuracy and the pointing game.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from sane_desktop.cli import (
    MAX_COUNT, MAX_RISE_MASKS, CliError, add_json_flag, file_arg, os_error_line, path_arg, print_result, seed_arg,
    whole_number,
)
from sane_desktop.errors import SaneError
from sane_desktop.service.values import FEW_QUESTIONS

METHODS = ("fast", "fast_detail", "rise", "sliding", "random")  # fast_detail: + gradient × input detail


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "evaluate-explanations", help="insertion/deletion AUC, explanation accuracy, pointing game",
        description="Scores saliency methods and the attribute choice on seeded test pairs (half positive, "
        "half negative). The attribute choice is fitted on validation/training pairs only.")
    parser.add_argument("catalogue", type=path_arg, help="catalogue folder")
    parser.add_argument("--model", type=path_arg, required=True, help="checkpoint file")
    parser.add_argument("--pairs", type=whole_number(1, MAX_COUNT), default=10, help="test pairs (default 10)")
    parser.add_argument("--method", action="append", choices=METHODS,
                        help="saliency method to score (repeatable; default all five)")
    parser.add_argument("--rise-masks", type=whole_number(1, MAX_RISE_MASKS), default=2000,
                        help=f"RISE masks (default 2000, as the paper; at most {MAX_RISE_MASKS:,})")
    parser.add_argument("--seed", type=seed_arg, default=0)
    parser.add_argument("--mapping", type=path_arg, help="mapping file for a manifest catalogue")
    parser.add_argument("--save-selection", type=file_arg("selection.json"),
                        help="write the fitted attribute selection (calibration, prior, weights) here; "
                        "copy it to <index home>/<NAME>/explain_selection.json for `explain`")
    parser.add_argument("--selection", type=path_arg,
                        help="score this fitted attribute selection as it is (e.g. one fitted on another "
                        "catalogue) instead of fitting one here")
    parser.add_argument("--curves", action="store_true", help="include the mean curves in the output")
    parser.add_argument("--weak-truth", metavar="KINDS",
                        help="instead: weak ground truth on a real catalogue — held-out pairs sharing exactly "
                        "one labelled value of these attribute kinds (e.g. colour,pattern); scores how often "
                        "the explaining attribute is the shared value, for the model's selection and one "
                        "fitted on the valid split (--save-selection writes that one)")
    parser.add_argument("--weak-truth-oracle", action="store_true",
                        help="with --weak-truth: also run the removal oracle (one pass per candidate attribute)")
    add_json_flag(parser)
    parser.set_defaults(handler=run, render=render)


def _strip_curves(report: dict[str, Any]) -> None:
    for figures in report["saliency"].values():
        for kind in ("insertion", "deletion"):
            figures[kind].pop("mean_curve", None)
            figures[kind].pop("raw_mean_curve", None)


def run(args: argparse.Namespace) -> dict[str, Any]:
    # options that would be ignored are refused, not dropped without a word (trial Y)
    if args.weak_truth_oracle and not args.weak_truth:
        raise CliError("--weak-truth-oracle goes with --weak-truth KINDS (the oracle scores that weak ground truth)")
    if args.save_selection and args.selection and not args.weak_truth:
        raise CliError("--save-selection writes the selection fitted here, and --selection scores a given one "
                       "instead of fitting: give one of them")
    if args.weak_truth is not None:
        return _run_weak_truth(args)
    from sane_desktop.service.evaluation import evaluate_explanation_methods

    methods = tuple(dict.fromkeys(args.method or METHODS))
    report = _evaluated(args, lambda progress: evaluate_explanation_methods(
        args.catalogue, args.model, args.pairs, methods, seed=args.seed, rise_masks=args.rise_masks,
        selection=args.selection, mapping=args.mapping, progress=progress, on_cost=_say_cost,
        fit_wanted=bool(args.save_selection)),
        rise_masks=args.rise_masks)
    if not args.curves:
        _strip_curves(report)
    return report


def _say_cost(passes: int, pairs: int) -> None:
    """Say before the maps how many images they pass through the model, when that is many (trial H:
    RISE and the sliding window on the ImageNet trunk ran 8 minutes without a word on a CPU)."""
    from sane_desktop.cli.explain_cmd import MANY_PASSES

    if passes >= MANY_PASSES:
        print(f"note: the maps of each of the {pairs} test pairs pass {passes:,} images through the model "
              f"({passes * pairs:,} in all, the insertion/deletion curves on top); on a CPU this can take hours: "
              "--method fast --method random, fewer --pairs or --rise-masks make it minutes", file=sys.stderr,
              flush=True)


def _run_weak_truth(args: argparse.Namespace) -> dict[str, Any]:
    from sane_desktop.service.weak_truth import evaluate_weak_truth_explanations

    kinds = [k.strip() for k in args.weak_truth.split(",") if k.strip()]
    if not kinds:
        raise CliError("--weak-truth needs attribute kinds, e.g. colour,pattern")
    return _evaluated(args, lambda progress: evaluate_weak_truth_explanations(
        args.catalogue, args.model, args.pairs, kinds, seed=args.seed, selection=args.selection,
        mapping=args.mapping, oracle=args.weak_truth_oracle, progress=progress))


def _evaluated(args: argparse.Namespace, evaluate: Callable[[Any], Any], **extra: Any) -> dict[str, Any]:
    """Run one evaluation with a progress bar, save the selection it fitted when asked, and add what
    was run (catalogue, model, seed, seconds) to its figures."""
    from sane_desktop.progress import TqdmProgress

    if args.save_selection:  # before the evaluation: a RISE run takes hours, and was lost to it (trial V)
        from sane_desktop.paths import check_outside_package, check_writable_folder

        target = check_outside_package(args.save_selection, "--save-selection")
        if target.is_dir():
            raise CliError(f"--save-selection {target} is a folder: give the file to write (e.g. "
                           f"{target / 'model.selection.json'})")
        check_writable_folder(target.parent, f"--save-selection {target}")
        # and a file there that is no selection, refused now, not after the hours (trial BO)
        from sane_desktop.explain.pipeline import check_selection_output

        check_selection_output(target)
    progress = TqdmProgress()
    start = time.perf_counter()
    try:
        outcome = evaluate(progress)
    finally:
        progress.close()
    report: dict[str, Any] = outcome.figures
    # the folder and the model file as evaluate names them, whole (trial DM read "catalogue": "shop", the folder as
    # typed under the word every other command gives a catalogue's name by, and the model's relative path)
    report.update(catalogue_folder=str(Path(args.catalogue).expanduser().resolve()),
                  model=str(Path(args.model).expanduser().resolve()), model_hash=outcome.model_hash,
                  seed=args.seed, **extra, seconds=round(time.perf_counter() - start, 2))
    if outcome.selection is not None and args.save_selection:
        try:
            report["selection_file"] = str(outcome.selection.save(args.save_selection))
        except (OSError, SaneError) as error:  # a disk filled during the run: its figures are printed all the
            # same, then the failure (trial CU: "error: the disk is full", the hours' figures lost)
            why = os_error_line(error) if isinstance(error, OSError) else str(error)
            report["selection_not_saved"] = why
            with contextlib.suppress(OSError):  # stdout itself failing: the error line below still says it
                print_result(args, report)
            raise CliError(f"the figures above are whole, but the selection could not be written to "
                           f"{args.save_selection} ({why})") from None
    return report


def _render_weak_truth(result: dict[str, Any]) -> str:
    truth = result["weak_truth"]
    lines = [f"{truth['pairs']} held-out pairs sharing exactly one {' or '.join(truth['kinds'])} value "
             f"({', '.join(f'{k} {n}' for k, n in truth['pairs_by_kind'].items())}), seed {result['seed']}; "
             f"most frequent answer {truth['majority_answer']['name']} ({truth['majority_answer']['share']:.2f})"]
    for label, fig in truth["selections"].items():
        named = "n/a" if fig["named"] is None else f"{fig['named']:.3f}"
        lines.append(f"{label} selection ({fig['source']}): the shared value named {fig['all']:.3f} of all pairs, "
                     f"{named} of the {fig['pairs'] - fig['abstained']} named; abstained {fig['abstained']}")
        for kind, per in fig["by_kind"].items():
            lines.append(f"  {kind} pairs ({per['pairs']}): {per['all']:.3f}")
        if fig["named_instead"]:
            lines.append("  named instead: " + ", ".join(f"{k} {v}" for k, v in fig["named_instead"].items()))
    if 0 < truth["pairs"] < FEW_QUESTIONS:  # trial AN read 0.000 on 2 pairs as a measurement
        lines.append(f"only {truth['pairs']} held-out pair{'' if truth['pairs'] == 1 else 's'} (the test split holds "
                     "no more that share exactly one value): these figures stand on too few to read or compare")
    return "\n".join(lines)


LOWER_IS_BETTER = ("deletion",)  # the score falls fastest when the most salient pixels go first


def _better(kind: str, difference: float, interval: Sequence[float] = ()) -> str:
    """Whether a method's difference from RISE on the ``kind`` curve is better, worse or level for it; "level
    within noise" when its 95 % ``interval`` holds 0 (trial CJ read "sliding better" of +0.015 [-0.077, +0.108])."""
    if abs(difference) < 5e-4:
        return "level"
    if len(interval) == 2 and interval[0] <= 0 <= interval[1]:
        return "level within noise"
    lower = kind.split("_")[0] in LOWER_IS_BETTER
    return "better" if (difference < 0) == lower else "worse"


def _minus_rise_lines(saliency: dict[str, Any], pairs: int) -> list[str]:
    """Each method's paired difference from RISE (mean and 95 % bootstrap interval over pairs), the
    figure that says whether a gap is more than noise; ``--json`` alone had it (trial AG)."""
    lines = []
    for method, fig in saliency.items():
        diff = fig.get("minus_rise")
        if not diff:
            continue
        # which way is better, said with each (trial CH read deletion +0.060 as fast's gain: it is its loss)
        parts = [f"{kind} {d['mean']:+.3f} [{d['ci95'][0]:+.3f}, {d['ci95'][1]:+.3f}]"
                 f" ({method} {_better(kind, d['mean'], d['ci95'])})" for kind, d in diff.items()]
        lines.append(f"{method} − rise, paired over pairs (95 % interval): " + ", ".join(parts))
    if lines and pairs < 2:  # one pair resampled is itself: an interval of no width says nothing
        lines.append("  (one pair: the interval has no width and says nothing; ask for more --pairs)")
    return lines


def render(result: dict[str, Any]) -> str:
    if "weak_truth" in result:
        return _render_weak_truth(result)
    pairs = result["pairs"]
    asked = pairs.get("asked")
    fewer = f" (of {asked} asked: the split holds no more)" if isinstance(asked, int) and asked > pairs["test"] else ""
    lines = [f"{pairs['test']} test pairs{fewer} ({pairs['positive']} positive), seed {result['seed']}",
             "insertion AUC: higher is better; deletion AUC: lower is better",
             f"{'method':10s}{'insertion':>11s}{'deletion':>10s}{'ins raw':>9s}{'del raw':>9s}{'s/map':>9s}{'passes':>8s}"]
    for method, fig in result["saliency"].items():
        lines.append(f"{method:10s}{fig['insertion']['auc']:11.3f}{fig['deletion']['auc']:10.3f}"
                     f"{fig['insertion']['raw_auc']:9.3f}{fig['deletion']['raw_auc']:9.3f}"
                     f"{fig['seconds_per_map']:9.3f}{fig['forward_passes_per_map']:8.0f}")
    lines += _minus_rise_lines(result["saliency"], pairs["test"])
    if "attributes" in result:
        attributes = result["attributes"]
        candidates = attributes.get("candidates_per_pair")
        # top-3 of three candidates is always right (trial AG read 1.000 for every rule): say how many
        among = f", among {candidates:.1f} candidate attributes a pair on average" if candidates else ""
        lines.append(f"explanation accuracy vs removal oracle (top-1 / top-3{among}):")
        for rule, acc in attributes["oracle_accuracy"].items():
            if acc["top1"] is None:
                lines.append(f"  {rule:11s}    n/a (no pair)")
                continue
            lines.append(f"  {rule:11s}{acc['top1']:7.3f} / {acc['top3']:.3f}")
        if "oracle_accuracy_or_abstain" in attributes:
            lines.append(f"  {'shipped':11s}{attributes['oracle_accuracy_or_abstain']['top1']:7.3f}"
                         "  (the combined rule, saying nothing where it abstains; oracle_accuracy_or_abstain in "
                         "--json)")
        # three significant digits, as every other figure here (trial CH read 0.6666666666666666)
        weights = ", ".join(f"{k} {v:.3g}" if isinstance(v, float) else f"{k} {v}"
                            for k, v in attributes["weights"].items())
        lines.append(f"weights ({attributes['weights_tuned_on']}): {weights}")
        if attributes.get("weights_degenerate"):
            lines.append(f"  degenerate: the fitted rule rests on {attributes['weights_degenerate']} alone")
        abstain = attributes.get("abstention")
        if abstain:
            lines.append(f"nothing-explains threshold {abstain['threshold']:.3f}: abstained on positive pairs "
                         f"{abstain['positive_pairs']}, negative pairs {abstain['negative_pairs']}")
    truth = result.get("ground_truth")
    if truth:
        lines.append("pointing game: " + ", ".join(f"{m} {v:.3f}" if v is not None else f"{m} n/a"
                                                   for m, v in truth["pointing_game"].items()))
        for region, per in truth.get("pointing_by_region", {}).items():
            few = " (too few to read)" if 0 < per["pairs"] < FEW_QUESTIONS else ""  # trial AN: 0.000 on 3 pairs
            lines.append(f"  {region} pairs ({per['pairs']}): " + ", ".join(
                f"{m} {v:.3f}" for m, v in per.items() if m != "pairs") + few)
        for rule, acc in truth.get("theme_accuracy", {}).items():
            if acc["top1"] is not None:
                lines.append(f"  true theme {rule:11s}{acc['top1']:7.3f} / {acc['top3']:.3f}")
    if 0 < pairs["test"] < FEW_QUESTIONS:  # trial AL read accuracies of 0.4–0.6 and top-3 1.000 on 5 pairs
        lines.append(f"only {pairs['test']} test pair{'' if pairs['test'] == 1 else 's'}: these figures stand on too "
                     "few to read or compare (one pair moves an accuracy by "
                     f"{1 / pairs['test']:.2f})")
    return "\n".join(lines)
