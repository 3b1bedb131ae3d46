"""The one training-loop skeleton shared by the outfit trainer (``trainer.py``) and the attribute-only
trainer (``attribute_trainer.py``).

The shape follows torchvision's reference scripts (``references/classification/train.py``): an epoch
is :func:`train_one_epoch` (forward/backward/step over the batches) followed by :func:`evaluate` (the
validation figure), and :func:`fit` runs epochs, keeping the best one as in Vasileva et al. (ECCV
2018, section 5: the epoch with the best validation score is the model reported). Written once here:

- seeding (torch's global generator for weight init, a numpy generator for batch order, a torch
  generator for augmentation), so the same seed gives the same weights and history on the CPU;
- the optimiser (Adam) and its per-epoch exponential learning-rate decay;
- cancel checks before every step (raising :class:`~sane_desktop.errors.Cancelled`), progress per
  step, the wall-clock time budget (checked after each step; the epoch is then validated and the
  loop stops), the history entry, the ``on_epoch`` callback, the log line;
- the best-epoch rule: the highest validation score wins, ties keep the earlier epoch; an epoch
  without a validation score scores its own number (so with no validation data the last one wins);
  the best weights are restored at the end.

A trainer supplies a :class:`TrainingTask`: how to start an epoch, one optimisation step, and its
validation figures.
"""

from __future__ import annotations

import copy
import math
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np
import torch

from sane_desktop.errors import Cancelled, InputError
from sane_desktop.models import ModelBundle
from sane_desktop.progress import CancelCheck, Progress, never_cancel, no_progress
from sane_desktop.training.budget import CUT_SHORT
from sane_desktop.training.presets import TrainConfig

HistoryEntry = dict[str, Any]
"""One epoch: ``epoch``, ``loss`` (mean over its steps, None when no step ran), the task's step
metrics (means), its validation figures (None when not measurable), ``seconds`` since training began."""


def _ignore_entry(_: HistoryEntry) -> None:
    return None


def _ignore_line(_: str) -> None:
    return None


@dataclass(frozen=True)
class TrainResult:
    """What :func:`sane_desktop.training.trainer.train` returns: the trained ``bundle`` (best epoch's
    weights, on the CPU, in eval mode; ``bundle.config`` records the run), the per-epoch ``history``,
    the 1-based ``best_epoch``, the wall-clock ``seconds`` of the whole run, and, for heads on a frozen trunk,
    how many photos it put through the trunk (``features_computed``; the others came from the feature cache)."""

    bundle: ModelBundle
    history: list[HistoryEntry] = field(default_factory=list)
    best_epoch: int = 0
    seconds: float = 0.0
    features_computed: int | None = None


@dataclass(frozen=True)
class Hooks:
    """The caller's side of a run: ``progress(done, total, label)`` per step, ``should_stop()`` before
    each step (True raises ``Cancelled``), ``log(line)`` per epoch, ``on_epoch(entry)`` with a copy of
    each history entry as it lands (the GUI's live learning curve)."""

    progress: Progress = no_progress
    should_stop: CancelCheck = never_cancel
    log: Callable[[str], None] = _ignore_line
    on_epoch: Callable[[HistoryEntry], None] = _ignore_entry


@dataclass(frozen=True)
class RandomSources:
    """Seeded generators: ``order`` draws batch order and triplets, ``augment`` the augmentations."""

    order: np.random.Generator
    augment: torch.Generator


def seed_everything(seed: int) -> RandomSources:
    """Seed torch's global generator (weight initialisation, dropout) and make the two others.

    Call it before building the networks: their initial weights come from the global generator."""
    torch.manual_seed(seed)
    return RandomSources(np.random.default_rng(seed), torch.Generator().manual_seed(seed))


@contextmanager
def deterministic_algorithms() -> Iterator[None]:
    """torch's deterministic kernels for the block, as they were after it. With two CPU threads some kernel
    summed in another order from run to run: one seed gave weights up to 2e-6 apart and three runs three content
    hashes (trial EB), so a selection fitted for one model was refused for its twin, against the README's "--seed
    makes a CPU run repeat exactly". ``warn_only``: a kernel with no deterministic form (CUDA's cuBLAS without
    ``CUBLAS_WORKSPACE_CONFIG``) warns rather than stopping the run; a GPU run is not promised to repeat."""
    enabled, warn_only = torch.are_deterministic_algorithms_enabled(), torch.is_deterministic_algorithms_warn_only_enabled()
    torch.use_deterministic_algorithms(True, warn_only=True)
    try:
        yield
    finally:
        torch.use_deterministic_algorithms(enabled, warn_only=warn_only)


def make_optimiser(parameters: Sequence[torch.nn.Parameter], config: TrainConfig
                   ) -> tuple[torch.optim.Optimizer, torch.optim.lr_scheduler.LRScheduler]:
    """Adam at ``config.learning_rate`` (L2 ``config.weight_decay``), decayed by ``config.lr_decay``
    per epoch (as in the paper)."""
    optimiser = torch.optim.Adam(parameters, lr=config.learning_rate, weight_decay=config.weight_decay)
    return optimiser, torch.optim.lr_scheduler.ExponentialLR(optimiser, gamma=config.lr_decay)


def unique_parameters(*modules: torch.nn.Module | None) -> list[torch.nn.Parameter]:
    """The parameters of ``modules``, each once (a trunk shared by two networks is optimised once)."""
    seen: dict[int, torch.nn.Parameter] = {}
    for module in modules:
        if module is not None:
            for parameter in module.parameters():
                seen.setdefault(id(parameter), parameter)
    return list(seen.values())


def release(*modules: torch.nn.Module | None) -> None:
    """Hand trained networks over: contiguous memory format, on the CPU, in eval mode."""
    for module in modules:
        if module is not None:
            module.to(memory_format=torch.contiguous_format).cpu().eval()


@dataclass(frozen=True)
class StepOutput:
    """One step's scalar ``loss`` (a tensor with grad) and figures averaged over the epoch
    (``metrics``: name -> 0-d tensor or float, read after the optimiser step)."""

    loss: torch.Tensor
    metrics: Mapping[str, torch.Tensor | float] = field(default_factory=dict)


class TrainingTask(Protocol):
    """What a trainer supplies to the skeleton."""

    steps_per_epoch: int
    step_metrics: tuple[str, ...]
    """Names of :attr:`StepOutput.metrics`, in history order (e.g. ``("triplet_accuracy",)``)."""
    score_key: str
    """The validation figure that ranks epochs (``"valid_fitb"``, ``"valid_map"``)."""
    log_fields: tuple[tuple[str, str], ...]
    """(label, history key) pairs printed after the loss in each epoch's log line."""
    kept: tuple[torch.nn.Module, ...]
    """The networks whose state is kept for the best epoch and restored at the end."""

    def begin_epoch(self) -> None:
        """Put the networks in training mode and draw this epoch's order."""

    def step(self, index: int) -> StepOutput | None:
        """Forward pass and loss of step ``index`` of the epoch; None when the batch is empty (skipped)."""

    def validate(self) -> dict[str, float | None]:
        """The validation figures of the current weights, in history order (includes :attr:`score_key`)."""


@dataclass(frozen=True)
class EpochStats:
    """:func:`train_one_epoch`'s result: the mean ``loss`` and ``metrics`` over the steps that ran
    (None when none ran) and whether the time budget ran out during the epoch."""

    loss: float | None
    metrics: dict[str, float | None]
    out_of_time: bool
    steps: int  # steps run (of ``steps_per_epoch``): fewer when the budget stopped the epoch part-way
    updates: int = 0  # optimiser steps taken: a step whose batch held nothing to learn from takes none


@dataclass(frozen=True)
class Clock:
    """The run's start (``time.perf_counter()`` seconds) and its budget in seconds (None: unlimited)."""

    started: float
    budget_s: float | None

    def elapsed(self) -> float:
        return time.perf_counter() - self.started

    def out_of_time(self) -> bool:
        return self.budget_s is not None and self.budget_s > 0 and self.elapsed() > self.budget_s


def train_one_epoch(task: TrainingTask, optimiser: torch.optim.Optimizer, epoch: int, epochs: int,
                    clock: Clock, hooks: Hooks) -> EpochStats:
    """One pass over ``task``'s batches: zero grads, backward, optimiser step per step.

    Raises ``Cancelled`` when ``hooks.should_stop()`` before a step. Stops after the step that
    exhausts the time budget (``EpochStats.out_of_time``)."""
    task.begin_epoch()
    losses: list[float] = []
    metrics: dict[str, list[float]] = {name: [] for name in task.step_metrics}
    out_of_time, steps, updates = False, task.steps_per_epoch, 0
    for index in range(task.steps_per_epoch):
        if hooks.should_stop():
            raise Cancelled()
        output = task.step(index)
        if output is None:
            continue
        optimiser.zero_grad(set_to_none=True)
        output.loss.backward()
        optimiser.step()
        updates += 1
        losses.append(float(output.loss.detach()))
        for name in task.step_metrics:
            metrics[name].append(float(output.metrics[name]))
        hooks.progress(index + 1, task.steps_per_epoch, f"epoch {epoch}/{epochs}")
        if clock.out_of_time():
            out_of_time, steps = True, index + 1
            break
    return EpochStats(float(np.mean(losses)) if losses else None,
                      {name: float(np.mean(values)) if values else None for name, values in metrics.items()},
                      out_of_time, steps, updates)


def evaluate(task: TrainingTask) -> dict[str, float | None]:
    """The task's validation figures for the current weights (no gradients)."""
    with torch.no_grad():
        return task.validate()


def epoch_score(entry: HistoryEntry, score_key: str) -> float:
    """The best-epoch rule's score: the validation figure, or the epoch number when there is none
    (no validation data: the last epoch wins)."""
    value = entry[score_key]
    return float(value) if value is not None else float(entry["epoch"])


def _log_line(entry: HistoryEntry, task: TrainingTask) -> str:
    def figure(key: str, digits: int) -> str:
        value = entry[key]
        if value is None:  # no step ran: no loss; no validation data: no figure (trial AL read Python's "None")
            return "n/a" if key == "loss" or key in task.step_metrics else "n/a (no validation data)"
        return f"{value:.{digits}f}"

    fields = " ".join(f"{label} {figure(key, 3)}" for label, key in task.log_fields)
    return f"epoch {entry['epoch']}: loss {figure('loss', 4)} {fields} ({entry['seconds']} s)"


@dataclass(frozen=True)
class FitOutcome:
    """The per-epoch ``history`` and the 1-based ``best_epoch`` (whose weights ``kept`` now hold)."""

    history: list[HistoryEntry]
    best_epoch: int


def fit(task: TrainingTask, optimiser: torch.optim.Optimizer,
        scheduler: torch.optim.lr_scheduler.LRScheduler, config: TrainConfig, clock: Clock,
        hooks: Hooks) -> FitOutcome:
    """Up to ``config.epochs`` epochs of :func:`train_one_epoch` + :func:`evaluate`, then restore the
    best epoch's weights into ``task.kept``.

    Raises ``Cancelled`` as :func:`train_one_epoch`; ``InputError`` when ``config.epochs < 1``, or when no
    step of any epoch took an optimiser step (nothing was learnt: no untrained weights are handed over)."""
    if config.epochs < 1:
        raise InputError(f"training needs at least one epoch (got epochs={config.epochs})")
    history: list[HistoryEntry] = []
    best_score, best_epoch = -math.inf, 0
    best_state: list[dict[str, Any]] | None = None
    updates = 0
    for epoch in range(1, config.epochs + 1):
        stats = train_one_epoch(task, optimiser, epoch, config.epochs, clock, hooks)
        if stats.updates:  # an epoch with no update (nothing to learn from) leaves the rate: torch warns otherwise
            scheduler.step()
        updates += stats.updates
        entry: HistoryEntry = {"epoch": epoch, "loss": stats.loss, **stats.metrics, **evaluate(task),
                               "seconds": round(clock.elapsed(), 1)}
        if stats.steps < task.steps_per_epoch:  # no epoch count repeats a part of one (training.budget)
            entry[CUT_SHORT] = [stats.steps, task.steps_per_epoch]
        history.append(entry)
        hooks.on_epoch(dict(entry))
        hooks.log(_log_line(entry, task))
        score = epoch_score(entry, task.score_key)
        if score > best_score:  # strictly better: a tie keeps the earlier epoch
            best_score, best_epoch = score, epoch
            best_state = [copy.deepcopy(module.state_dict()) for module in task.kept]
        if stats.out_of_time:
            hooks.log(f"time budget of {config.time_budget_s} s reached; stopping")
            break
    if not updates:  # untrained networks are never handed over as trained ones (trial CS: saved, exit 0)
        raise InputError("no training step was taken: no batch held anything to learn from (each step's outfits "
                         "gave no triplet)")
    if best_state is None:  # every score was NaN
        raise InputError("no epoch gave a comparable validation score (NaN)")
    for module, state in zip(task.kept, best_state):
        module.load_state_dict(state)
    return FitOutcome(history, best_epoch)
