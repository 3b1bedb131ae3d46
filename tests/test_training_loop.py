"""The shared training skeleton (training/loop.py): the best-epoch rule, the on_epoch callback, the
time budget and cancelling, written once and used by both the outfit and the attribute-only trainer;
and the layering it rests on (no import cycle between the trainers, explain never imports training)."""

from __future__ import annotations

import ast
import time
from pathlib import Path

import pytest
import torch
from test_training_attributes import TINY, write_attribute_catalogue

import sane_desktop
from sane_desktop.catalogue import read_catalogue
from sane_desktop.errors import Cancelled, InputError, SaneError
from sane_desktop.training import loop
from sane_desktop.training.loop import Clock, Hooks, StepOutput, epoch_score, fit, make_optimiser
from sane_desktop.training.presets import preset
from sane_desktop.training.synthetic import make_synthetic_catalogue
from sane_desktop.training.trainer import train

PACKAGE = Path(sane_desktop.__file__).parent


class _ScriptedTask:
    """A one-parameter task whose validation scores follow a script, one per epoch."""

    step_metrics = ("seen",)
    score_key = "valid_score"
    log_fields = (("score", "valid_score"),)

    def __init__(self, scores: list[float | None], steps: int = 2) -> None:
        self.net = torch.nn.Linear(1, 1, bias=False)
        self.kept = (self.net,)
        self.scores, self.steps_per_epoch, self.epochs_begun = scores, steps, 0
        self.weights_at_validation: list[float] = []

    def begin_epoch(self) -> None:
        self.epochs_begun += 1

    def step(self, index: int) -> StepOutput:
        return StepOutput(self.net.weight.sum() * 1.0, {"seen": float(index)})

    def validate(self) -> dict[str, float | None]:
        self.weights_at_validation.append(self.net.weight.item())
        return {"valid_score": self.scores[self.epochs_begun - 1]}


def _fit(task: _ScriptedTask, epochs: int, **hooks: object) -> loop.FitOutcome:
    config = preset("cpu", epochs=epochs, learning_rate=0.1, time_budget_s=None)
    optimiser, scheduler = make_optimiser(list(task.net.parameters()), config)
    clock = Clock(time.perf_counter(), None)
    return fit(task, optimiser, scheduler, config, clock, Hooks(**hooks))  # type: ignore[arg-type]


def test_the_best_epoch_is_the_first_with_the_highest_score_and_its_weights_come_back():
    task = _ScriptedTask([0.2, 0.5, 0.5, 0.1])
    seen: list[dict] = []
    lines: list[str] = []
    outcome = _fit(task, 4, on_epoch=seen.append, log=lines.append)
    assert outcome.best_epoch == 2  # a tie (epoch 3) keeps the earlier epoch
    assert task.net.weight.item() == task.weights_at_validation[1] != task.weights_at_validation[3]
    assert seen == outcome.history and [h["epoch"] for h in seen] == [1, 2, 3, 4]
    assert seen[0] is not outcome.history[0]  # the callback gets copies
    assert list(seen[0]) == ["epoch", "loss", "seen", "valid_score", "seconds"]
    assert seen[0]["seen"] == 0.5  # step metrics are epoch means
    assert lines[1].startswith("epoch 2: loss ") and "score 0.500" in lines[1]


def test_without_validation_scores_the_last_epoch_wins():
    task = _ScriptedTask([None, None, None])
    assert _fit(task, 3).best_epoch == 3
    assert epoch_score({"epoch": 3, "v": None}, "v") == 3.0 and epoch_score({"epoch": 3, "v": 0.25}, "v") == 0.25


def test_the_time_budget_stops_after_one_step_and_cancel_raises():
    task = _ScriptedTask([0.1, 0.9], steps=5)
    config = preset("cpu", epochs=2)
    optimiser, scheduler = make_optimiser(list(task.net.parameters()), config)
    lines: list[str] = []
    outcome = fit(task, optimiser, scheduler, config, Clock(time.perf_counter() - 10.0, 1.0), Hooks(log=lines.append))
    assert len(outcome.history) == 1 and outcome.best_epoch == 1  # validated, then stopped
    assert "time budget" in lines[-1]
    calls: list[int] = []
    with pytest.raises(Cancelled) as raised:
        _fit(_ScriptedTask([0.1]), 1, should_stop=lambda: calls.append(1) or True)
    assert isinstance(raised.value, SaneError) and calls == [1]
    with pytest.raises(InputError):
        _fit(_ScriptedTask([]), 0)


@pytest.mark.parametrize("kind", ["outfits", "attributes"])
def test_both_trainers_run_the_one_skeleton(tmp_path, monkeypatch, kind):
    """Swap the skeleton's ranking rule for "the first epoch wins": if a trainer kept its own loop, its
    best epoch would not follow. The on_epoch stream and the restored weights behave the same way."""
    if kind == "outfits":
        catalogue = make_synthetic_catalogue(tmp_path, n_outfits=8, size=32, seed=0)
    else:
        catalogue = read_catalogue(write_attribute_catalogue(tmp_path / "cat", n_items=30))
    config = preset("cpu", **{**TINY, "epochs": 3})
    ranked: list[int] = []

    def first_epoch_wins(entry: dict, score_key: str) -> float:
        ranked.append(entry["epoch"])
        return -float(entry["epoch"])

    monkeypatch.setattr(loop, "epoch_score", first_epoch_wins)
    seen: list[dict] = []
    result = train(catalogue, config, on_epoch=seen.append, device=torch.device("cpu"))
    assert ranked == [1, 2, 3] and result.best_epoch == 1
    assert seen == result.history and len(seen) == 3
    assert result.bundle.config["best_epoch"] == 1 and result.bundle.config["history"] == result.history
    expected = "compatibility" if kind == "outfits" else "attributes"
    assert result.bundle.config["mode"] == expected
    # epoch 1's weights came back: one more epoch-1-only run with the same seed gives the same weights
    once = train(catalogue, preset("cpu", **{**TINY, "epochs": 1}), device=torch.device("cpu"))
    net = "compatibility" if kind == "outfits" else "attributes"
    for key, value in getattr(once.bundle, net).state_dict().items():
        assert torch.equal(value, getattr(result.bundle, net).state_dict()[key]), key


def _imports(path: Path) -> list[tuple[str, bool]]:
    """(module imported, whether the import sits inside a function) for every import in ``path``."""
    tree = ast.parse(path.read_text())
    nested: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            nested.update(id(inner) for inner in ast.walk(node) if inner is not node)
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.append((node.module, id(node) in nested))
        elif isinstance(node, ast.Import):
            found.extend((alias.name, id(node) in nested) for alias in node.names)
    return found


def test_training_layering_has_no_hidden_cycles():
    training = {path.stem: _imports(path) for path in (PACKAGE / "training").glob("*.py")}
    assert not any(module.startswith("sane_desktop.") and inside
                   for imports in training.values() for module, inside in imports), "imports hidden in functions"
    assert all(module != "sane_desktop.training.trainer" for module, _ in training["attribute_trainer"])
    assert all(not module.startswith("sane_desktop.training.") or module.endswith((".presets", ".loop", ".budget"))
               for module, _ in training["loop"])  # the skeleton knows neither trainer (budget: a leaf)
    for path in (PACKAGE / "explain").glob("*.py"):  # training may use explain, never the reverse
        assert not any(module.startswith("sane_desktop.training") for module, _ in _imports(path)), path.name


class _EmptyBatchesTask(_ScriptedTask):
    """Every batch holds nothing to learn from (as one training outfit's: no negative from another)."""

    def step(self, index: int) -> StepOutput | None:  # type: ignore[override]
        return None


def test_a_run_that_took_no_optimiser_step_is_refused_not_handed_over(recwarn: pytest.WarningsRecorder) -> None:
    """Trial CS: one training outfit gave no triplet, so no step ran; `train` still saved the untrained networks
    and exited 0 (with torch's lr_scheduler warning on the terminal), and `query` ranked by them."""
    task = _EmptyBatchesTask([None, None])
    before = task.net.weight.item()
    with pytest.raises(InputError, match="^no training step was taken"):
        _fit(task, 2)
    assert task.net.weight.item() == before
    assert not [w for w in recwarn if "lr_scheduler" in str(w.message)]
