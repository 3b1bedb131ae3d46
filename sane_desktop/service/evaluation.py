"""Measuring a model on a catalogue, the research use cases: retrieval figures (FITB, compatibility
AUC, attribute mAP, with their baselines) and explanation figures (insertion/deletion AUC against
RISE, attribute accuracy against the removal oracle, pointing game). The CLI's ``evaluate`` and
``evaluate-explanations`` are thin clients of these."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sane_desktop.errors import InputError
from sane_desktop.progress import Progress, no_progress
from sane_desktop.service.values import FEW_QUESTIONS

if TYPE_CHECKING:  # loads torch: only the type is needed here
    from sane_desktop.explain.pipeline import SelectionModel


@dataclass(frozen=True)
class EvaluationReport:
    """A model's figures on one catalogue; ``figures`` is the core's JSON-able report."""

    model: Path
    model_hash: str
    figures: dict[str, Any]


def evaluate_model(root: Path | str, model: Path | str, split: str = "test", *, seed: int = 0,
                   mapping: Path | str | None = None, progress: Progress = no_progress) -> EvaluationReport:
    """FITB, compatibility AUC and attribute mAP of ``model`` on a split of a catalogue, with the
    baselines run on the same questions (``training.report.evaluate``), for every outfit protocol
    of the catalogue (``figures["protocols"]``, keyed by name) with the headline one — the
    item-disjoint ``generated-disjoint`` where the catalogue has it — repeated at the top level,
    each with its sizes and leakage. ``seed`` also seeds the generated splits, as in ``train``. A
    catalogue with ground truth (the demo) also gets FITB per theme kind."""
    from sane_desktop.service.sources import read_source
    from sane_desktop.catalogue.ground_truth import read_ground_truth, theme_kinds
    from sane_desktop.models import load_checkpoint
    from sane_desktop.training.report import evaluate, refuse_learnt_split

    bundle = load_checkpoint(Path(model))
    catalogue = read_source(root, mapping, progress=progress, seed=seed)
    refuse_learnt_split(catalogue, bundle, split)  # before minutes of embedding
    kinds = theme_kinds(read_ground_truth(Path(root)))
    figures = evaluate(catalogue, bundle, split, seed=seed, progress=progress, outfit_kinds=kinds)
    return EvaluationReport(Path(model), bundle.content_hash, figures)


@dataclass(frozen=True)
class ExplanationEvaluation:
    """Explanation figures of a model on a catalogue's test pairs, and the attribute selection
    fitted on its validation pairs (None when a fixed one was given or there is no attribute net)."""

    model: Path
    model_hash: str
    figures: dict[str, Any]
    selection: SelectionModel | None


def evaluate_explanation_methods(root: Path | str, model: Path | str, pairs: int, methods: tuple[str, ...], *,
                                 seed: int = 0, rise_masks: int = 2000, selection: Path | None = None,
                                 mapping: Path | str | None = None,
                                 progress: Progress = no_progress,
                                 on_cost: Callable[[int, int], None] = lambda _passes, _pairs: None,
                                 fit_wanted: bool = False) -> ExplanationEvaluation:
    """Insertion/deletion AUC, attribute accuracy and pointing game of each method over ``pairs``
    test pairs (``explain.evaluation``; Petsiuk et al. 2018 for the curves, Plummer et al. 2020
    for the attribute choice). ``selection``: a fitted selection file to use instead of fitting.
    ``on_cost(passes, pairs)``: the images each pair's maps pass through the model, said before any.
    ``fit_wanted``: the fitted selection is to be kept; InputError before any work for a model with no
    attribute network, which has none to fit (its run ended without one, unsaid: trial CU)."""
    from sane_desktop.service.sources import read_source
    from sane_desktop.catalogue.ground_truth import read_ground_truth
    from sane_desktop.explain.evaluation import evaluate_explanations
    from sane_desktop.explain.pipeline import load_selection_for
    from sane_desktop.models import load_checkpoint
    from sane_desktop.training.report import refuse_learnt_split

    if pairs <= 0 or rise_masks <= 0:
        raise InputError("the pair count and RISE masks must be positive")
    bundle = load_checkpoint(Path(model))
    if fit_wanted and bundle.attributes is None and selection is None:
        raise InputError("no selection can be fitted: the model has no attribute network (a selection chooses "
                         "among its attributes)")
    catalogue = read_source(root, mapping, progress=progress)
    refuse_learnt_split(catalogue, bundle, "test")  # its pairs are the test split's
    fixed = None
    if selection is not None:
        if bundle.attributes is None:
            raise InputError("a selection needs a model with an attribute network")
        # InputError naming the file, also when it is not this model's
        fixed = load_selection_for(selection, list(bundle.attributes.attributes), bundle.content_hash)
    figures, fitted = evaluate_explanations(catalogue, bundle, pairs, methods, seed, rise_masks,
                                            read_ground_truth(Path(root)), progress, fixed_selection=fixed,
                                            on_cost=on_cost)
    return ExplanationEvaluation(Path(model), bundle.content_hash, figures, fitted)


MIN_SHARED_QUESTIONS = FEW_QUESTIONS  # fewer common validation questions: no comparison (too little to tell)


def _labelled(progress: Progress, prefix: str, done: int, total: int, message: str = "") -> None:
    progress(done, total, prefix + message)


def shares_apart(first: float, second: float) -> tuple[str, str]:
    """Two shares as percentages with as few decimals (0–2) as tell them apart: "50%" and "50%" for one
    question in 200 read as a tie that kept the current model (trial AN); equal shares stay "50%"."""
    for digits in range(3):
        a, b = f"{first:.{digits}%}", f"{second:.{digits}%}"
        if a != b or abs(first - second) <= 1e-9:
            return a, b
    return a, b


def checked_on_validation(bundle: Any) -> bool:
    """Whether any epoch of ``bundle``'s training was scored on validation data (FITB questions or
    labelled items): False when its best epoch is merely the last one, chosen on nothing (a model
    without a recorded history, trained before it was kept, counts as checked)."""
    history = bundle.config.get("history")
    if not isinstance(history, list) or not history:
        return True
    return any(isinstance(entry, dict) and (entry.get("valid_fitb") is not None or entry.get("valid_map") is not None)
               for entry in history)


def valid_questions(catalogue: Any) -> int | None:
    """How many validation FITB questions the catalogue's headline protocol asks (None: it has no
    outfit splits, so no questions)."""
    from sane_desktop.catalogue.splits import questions_in_split

    if not catalogue.splits:
        return None
    return len(questions_in_split(catalogue, "valid")[0])


def compare_on_valid(catalogue: Any, current: Any, candidate: Any, *, seed: int = 0,
                     progress: Progress = no_progress) -> tuple[float, float, int] | None:
    """(current FITB, candidate FITB, questions) of two model bundles on the *same* validation FITB
    questions of the catalogue's headline protocol: those both models can answer (a model lacking a
    category is asked only the questions of its categories, so each is scored on the common ones).
    None when the catalogue has no outfit questions or fewer than :data:`MIN_SHARED_QUESTIONS` are
    common. The core's :func:`~sane_desktop.training.report.evaluate`, its per-question answers.
    ``progress`` hears each model's steps as "current model, <step>" then "new model, <step>"."""
    from sane_desktop.training.report import NothingToEvaluate, evaluate, refuse_learnt_split

    # the current model learnt from these questions if the split was drawn again since: no fair comparison
    refuse_learnt_split(catalogue, current, "valid")
    asked = valid_questions(catalogue)
    if asked is None or asked < MIN_SHARED_QUESTIONS:  # too few to tell, whatever both answer: nothing embedded
        return None  # (trial I watched "Checking the new model…" run on 2 questions for nothing)
    answers = []
    for which, bundle in (("current", current), ("new", candidate)):
        said = partial(_labelled, progress, f"{which} model, ")
        try:
            figures = evaluate(catalogue, bundle, "valid", seed=seed, progress=said, keep_answers=True,
                               baselines=False)  # the two models alone: no baseline is compared here
        except NothingToEvaluate:  # a model knowing none of the questions' categories: nothing common
            return None
        answers.append(figures["protocols"][figures["headline"]].get("fitb_answers") or {})
    common = sorted(set(answers[0]) & set(answers[1]))
    if len(common) < MIN_SHARED_QUESTIONS:
        return None
    return (sum(answers[0][key] for key in common) / len(common),
            sum(answers[1][key] for key in common) / len(common), len(common))
