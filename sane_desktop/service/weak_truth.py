"""The explaining attribute against weak ground truth on a real catalogue (issue 17): held-out
pairs sharing exactly one labelled value (``explain.weak_truth``). The CLI's
``evaluate-explanations --weak-truth KINDS`` is a thin client of this."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from sane_desktop.errors import InputError
from sane_desktop.progress import Progress, no_progress
from sane_desktop.service.evaluation import ExplanationEvaluation


def evaluate_weak_truth_explanations(root: Path | str, model: Path | str, pairs: int, kinds: Sequence[str], *,
                                     seed: int = 0, selection: Path | None = None,
                                     mapping: Path | str | None = None, fit: bool = True, oracle: bool = False,
                                     progress: Progress = no_progress) -> ExplanationEvaluation:
    """The chip's accuracy on ``pairs`` test pairs sharing exactly one value of ``kinds`` (e.g.
    ``("colour", "pattern")``): for the selection the app uses with ``model`` (``selection``, else
    the one saved beside the model, else untuned defaults) and, with ``fit``, for one fitted on
    the valid split (returned as ``selection`` of the result). ``oracle``: also the removal oracle
    (one forward pass per candidate attribute). Raises InputError on bad arguments or files."""
    from sane_desktop.service.sources import read_source
    from sane_desktop.explain.metrics import white_background
    from sane_desktop.explain.pipeline import find_selection, load_selection_for
    from sane_desktop.explain.weak_truth import evaluate_weak_truth
    from sane_desktop.models import load_checkpoint
    from sane_desktop.explain.weak_truth import held_out_items
    from sane_desktop.training.report import refuse_learnt_items, refuse_learnt_split

    if pairs <= 0:
        raise InputError("the pair count must be positive")
    bundle = load_checkpoint(Path(model))
    if bundle.attributes is None:
        raise InputError("the weak ground truth scores the explaining attribute: the model has no attribute network")
    names = list(bundle.attributes.attributes)
    if selection is not None:
        shipped = load_selection_for(selection, names, bundle.content_hash)  # InputError naming the file
        source = f"given: {selection}"
    else:
        shipped = find_selection(names, None, Path(model), bundle.content_hash)
        beside = Path(model).with_suffix(".selection.json")
        source = f"beside the model: {beside.name}" if shipped.tuned or shipped.model_hash else "untuned defaults"
    # generated splits at their default seed, as ``train`` drew them: ``seed`` draws the pairs only
    catalogue = read_source(root, mapping, progress=progress)
    refuse_learnt_split(catalogue, bundle, "test")  # its pairs are the test split's
    refuse_learnt_items(catalogue, bundle, held_out_items(catalogue, "test"))  # "held out" of this model
    prep = bundle.preprocessing
    figures, fitted = evaluate_weak_truth(catalogue, bundle, kinds, pairs, seed, shipped, source, fit, oracle,
                                          white_background(prep.mean, prep.std), progress)
    return ExplanationEvaluation(Path(model), bundle.content_hash, {"weak_truth": figures}, fitted)
