"""One SANE explanation of a match: saliency maps + the ranked explaining attributes.

:class:`SelectionModel` holds what the attribute choice learns (calibration, prior, weights); it is
fitted by ``evaluate-explanations`` and saved as JSON, and falls back to untuned defaults.
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import numpy as np
import torch
from torch import Tensor

from sane_desktop.catalogue.jsonfile import load_json_strict
from sane_desktop.errors import InputError
from sane_desktop.explain.attribute_choice import (
    PairParts,
    PlattCalibration,
    RankedAttribute,
    SelectionWeights,
    candidate_attributes,
    finer_indices,
    map_match,
    rank_attributes,
)
from sane_desktop.explain.base import Explainer, PairSaliency, SimilarityModel, model_device, upsample
from sane_desktop.explain.registry import get_explainer

logger = logging.getLogger(__name__)
DEFAULT_WEIGHTS = SelectionWeights(1.0, 1.0, 0.0)  # untuned: no prior without oracle answers
SELECTION_FILE = "explain_selection.json"  # in index/<NAME>/, written by evaluate-explanations
# 1: weights + calibration + prior; 2 (issue 17): + the shared-first gate and the abstain threshold
# (a format-1 file still loads: the old rule, never abstaining on evidence); 3: + the attributes'
# base rates, the specificity weight and the curated-first gate (older files: neither, as before);
# 4: + the finer attributes that imply each coarser one (older files: no finer-first rule); 5: + the
# labelled kinds the model cannot recognise, never named (older files: every kind may be)
SELECTION_FORMAT = 5


def check_selection_output(path: Path | str) -> Path:
    """``path`` as a place to write an explanation selection: a new file, or a selection file (JSON
    with its ``attributes`` and ``calibration``) it replaces. Raises InputError for a folder or any
    other existing file: a trial's ``--out`` beside a catalogue's JSON would have replaced it, and
    for a file inside the installed package (:func:`sane_desktop.paths.check_outside_package`)."""
    from sane_desktop import paths

    target = paths.check_outside_package(path)
    if target.is_dir():
        raise InputError(f"{target} is a folder: give the selection file to write (e.g. {target / 'selection.json'})")
    if target.exists():
        try:  # a pipe or a device is read as no file (reading a FIFO to tell blocked: trial BO)
            data = json.loads(target.read_text(encoding="utf-8")) if target.is_file() else None
        except (OSError, ValueError):
            data = None
        if not (isinstance(data, dict) and "attributes" in data and "calibration" in data):
            raise InputError(f"{target} exists and is not an explanation selection file: it is left as it is; "
                             "give a new file name")
    return target


@dataclass
class SelectionModel:
    attributes: list[str]
    calibration: PlattCalibration
    prior: list[float]
    weights: SelectionWeights
    tuned: bool = False
    model_hash: str | None = None  # the checkpoint it was fitted for (``train`` records it), None: any
    # evidence (q's × r's probability of the first attribute) below which no attribute is named,
    # fitted on validation pairs; 0: only flat maps and empty rankings abstain (files before format 2)
    abstain_below: float = 0.0
    # share of the training items labelled with each attribute (the specificity part); None: unknown
    base_rate: list[float] | None = None
    # coarser attribute -> the finer ones that imply it (attribute_choice.finer_attributes); None: unknown
    finer: dict[str, list[str]] | None = None
    # labelled kinds the attribute network cannot tell apart on validation items
    # (attribute_choice.unrecognised_kinds): their values are never candidates; None: unknown (all may be)
    unseen_kinds: list[str] | None = None
    # why fitted files were passed over for this one (:func:`find_selection`), one sentence each; said
    # beside an explanation, never saved (trial AS: said in the log alone, the choice read as fitted)
    passed_over: tuple[str, ...] = ()
    # the file it was read from ("" for the untuned defaults): named beside an explanation (trial CH)
    source: str = ""

    @classmethod
    def default(cls, attributes: list[str]) -> SelectionModel:
        n = len(attributes)
        return cls(list(attributes), PlattCalibration.identity(n), [1.0 / max(1, n)] * n, DEFAULT_WEIGHTS)

    def as_dict(self) -> dict[str, Any]:
        return {"attributes": self.attributes, "calibration": {"scale": self.calibration.scale,
                "bias": self.calibration.bias}, "prior": self.prior, "weights": self.weights.as_dict(),
                "tuned": self.tuned, **({"model_hash": self.model_hash} if self.model_hash else {}),
                "format": SELECTION_FORMAT, "abstain_below": self.abstain_below,
                **({"base_rate": self.base_rate} if self.base_rate is not None else {}),
                **({"finer": self.finer} if self.finer is not None else {}),
                **({"unseen_kinds": self.unseen_kinds} if self.unseen_kinds is not None else {}),
                # said in the file too: a rule resting on one part only (issue 17)
                "degenerate": self.weights.degenerate()}

    def save(self, path: Path | str) -> Path:
        """Write the selection to ``path`` (atomically). Raises InputError when ``path`` holds
        something else (:func:`check_selection_output`)."""
        from sane_desktop.paths import temporary_sibling

        path = check_selection_output(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = temporary_sibling(path)
        try:
            temporary.write_text(json.dumps(self.as_dict(), indent=1), encoding="utf-8")
            temporary.replace(path)
        finally:
            temporary.unlink(missing_ok=True)
        return path

    @classmethod
    def load(cls, path: Path | str, attributes: list[str]) -> SelectionModel:
        """Read a file written by :meth:`save` for the model with these ``attributes``. Raises
        :class:`StaleSelection` when it was fitted for another attribute vocabulary (a catalogue's
        selection left from an earlier model: passed over by :func:`find_selection`), and
        InputError naming the file for anything else: unreadable, not JSON, a newer format, or a
        value out of range (a base rate outside (0, 1], a non-finite weight) — such a file would
        name attributes by numbers nobody fitted."""
        try:  # a weight written twice would be read as its last value without a word: refused
            data = load_json_strict(Path(path), str(path))  # regular files only: a pipe blocked (trial BO)
        except InputError as error:
            raise InputError(f"not a readable selection file: {error}") from None
        if not isinstance(data, dict):
            raise InputError(f"{path}: not a selection file (a JSON object is expected)")
        lacking = [key for key in ("attributes", "calibration", "prior", "weights") if key not in data]
        if lacking:  # trial Y's "{}" read "fitted for another attribute vocabulary"
            raise InputError(f"{path}: not a selection file (no {', '.join(lacking)})")
        if data.get("attributes") != list(attributes):
            raise StaleSelection(f"{path} was fitted for another attribute vocabulary")
        try:
            version = int(data.get("format", 1))
            if version > SELECTION_FORMAT:
                raise InputError(f"{path} was written by a newer version (selection format {version})")
            n = len(attributes)
            scale, bias = _numbers(data["calibration"]["scale"], n), _numbers(data["calibration"]["bias"], n)
            prior = _numbers(data["prior"], n, low=0.0)
            weights = dict(data["weights"])
            # an older file lacks newer weights (they keep their defaults), but no weight was ever renamed or
            # removed: a name not known is a typo in a hand-edited file, dropped without a word until stop 66
            unknown = sorted(set(weights) - set(SelectionWeights.__dataclass_fields__))
            if unknown:
                raise ValueError(f"weight {unknown[0]!r} is none of {', '.join(SelectionWeights.__dataclass_fields__)}")
            gates = {name for name, f in SelectionWeights.__dataclass_fields__.items() if f.type in (bool, "bool")}
            for name, value in weights.items():
                if name in gates:  # a gate is on or off: 0.5 or "yes" would be read as something nobody fitted
                    if not isinstance(value, bool):
                        raise ValueError(f"gate {name} = {value!r} (true or false)")
                elif isinstance(value, bool) or not (isinstance(value, (int, float)) and np.isfinite(value)
                                                     and value >= 0):
                    raise ValueError(f"weight {name} = {value!r}")
            base_rate = data.get("base_rate")
            rates = None if base_rate is None else _numbers(base_rate, n, low=0.0, high=1.0, open_low=True)
            finer = _finer_table(data.get("finer"), attributes)
            unseen = _unseen_kinds(data.get("unseen_kinds"), attributes)
            abstain_below = float(data.get("abstain_below", 0.0))
            if not np.isfinite(abstain_below):
                raise ValueError(f"abstain_below = {abstain_below!r}")
            model_hash = data.get("model_hash")
            return cls(list(attributes), PlattCalibration(scale, bias), prior, SelectionWeights(**weights),
                       bool(data.get("tuned", False)), model_hash if isinstance(model_hash, str) else None,
                       abstain_below, rates, finer, unseen)
        except InputError:
            raise
        except (KeyError, TypeError, ValueError, AttributeError) as error:
            raise InputError(f"{path}: not a valid selection file ({error})") from None

    def base_rates(self) -> np.ndarray | None:
        """(A,) the base rates as an array, None when unknown."""
        return None if self.base_rate is None else np.asarray(self.base_rate, dtype=np.float64)

    def finer_indices(self) -> list[list[int]] | None:
        """Per attribute, the vocabulary indices of the finer ones that imply it; None when unknown."""
        return finer_indices(self.finer, self.attributes)

    def explainable(self) -> np.ndarray | None:
        """(A,) bool: the attributes that may explain a match — all but the values of the kinds the
        model cannot recognise (``unseen_kinds``); None when every attribute may, or when the unseen
        kinds are the whole vocabulary (a barely trained model: leaving nothing would leave the
        ranking, the oracle and the outfit's reason no candidate, so nothing is left out)."""
        if not self.unseen_kinds:
            return None
        unseen = set(self.unseen_kinds)
        mask = np.array([not (":" in name and name.split(":", 1)[0] in unseen) for name in self.attributes])
        return mask if mask.any() else None

    def candidates(self, confidence: np.ndarray) -> list[int]:
        """The attributes a ranking considers for an image with these calibrated probabilities (A,)."""
        return candidate_attributes(confidence, allowed=self.explainable())


def _finer_table(finer: Any, attributes: list[str]) -> dict[str, list[str]] | None:
    """The selection file's ``finer`` table checked: a mapping of vocabulary names to lists of
    other vocabulary names (None when absent). ValueError names what is wrong."""
    if finer is None:
        return None
    if not isinstance(finer, dict):
        raise ValueError(f"finer must map attributes to lists of finer ones, not a {type(finer).__name__}")
    known = set(attributes)
    for coarse, fine in finer.items():
        if coarse not in known:
            raise ValueError(f"finer names {coarse!r}, which is not in the vocabulary")
        if not isinstance(fine, list) or not all(isinstance(f, str) for f in fine):
            raise ValueError(f"finer[{coarse!r}] must be a list of attribute names")
        if coarse in fine:
            raise ValueError(f"finer[{coarse!r}] names the attribute itself")
        unknown = [f for f in fine if f not in known]
        if unknown:
            raise ValueError(f"finer[{coarse!r}] names {unknown[0]!r}, which is not in the vocabulary")
    return {k: list(v) for k, v in finer.items()}


def _unseen_kinds(kinds: Any, attributes: list[str]) -> list[str] | None:
    """The selection file's ``unseen_kinds`` checked: a list of labelled kinds of the vocabulary
    (None when absent). ValueError names what is wrong."""
    if kinds is None:
        return None
    if not isinstance(kinds, list) or not all(isinstance(k, str) for k in kinds):
        raise ValueError("unseen_kinds must be a list of attribute kinds")
    known = {name.split(":", 1)[0] for name in attributes if ":" in name}
    unknown = [k for k in kinds if k not in known]
    if unknown:
        raise ValueError(f"unseen_kinds names {unknown[0]!r}, which is no kind of the vocabulary")
    return list(kinds)


class StaleSelection(InputError):
    """A selection file fitted for another attribute vocabulary (another model's): not this one's."""


def _numbers(values: Any, n: int, low: float | None = None, high: float | None = None,
             open_low: bool = False) -> list[float]:
    """``values`` as ``n`` finite floats within [low, high] ((low, high] with ``open_low``); ValueError else."""
    if not isinstance(values, list) or len(values) != n:
        raise ValueError(f"{len(values) if isinstance(values, list) else type(values).__name__} values "
                         f"for {n} attributes")
    out = [float(v) for v in values]
    for v in out:
        if not np.isfinite(v) or (low is not None and (v <= low if open_low else v < low)) or \
                (high is not None and v > high):
            raise ValueError(f"value {v!r} out of range")
    return out


def not_fitted_for(found: SelectionModel, path: Path, model_hash: str) -> str:
    """"" when the selection ``found`` (read from ``path``) records that it was fitted for the checkpoint
    ``model_hash``; else why it cannot be taken as this model's, in words. A file that records no model
    (an earlier version's ``evaluate-explanations`` wrote none) cannot be told from another model's: its
    calibration, prior and weights are of logits it cannot vouch for (trial CA: a demo model's selection
    named "motif:diamond" for a model that cannot tell motifs apart)."""
    if found.model_hash == model_hash:
        return ""
    if found.model_hash is None:
        return f"{path} records no model it was fitted for (an earlier version wrote it)"
    return f"{path} was fitted for another model ({found.model_hash[:12]}, not {model_hash[:12]})"


def load_selection_for(path: Path, attributes: list[str], model_hash: str) -> SelectionModel:
    """A selection file the user named, for the model ``model_hash``: InputError naming the file when it is
    broken, of another vocabulary, or not recorded as fitted for this model (:func:`not_fitted_for`)."""
    found = SelectionModel.load(path, attributes)
    why = not_fitted_for(found, Path(path), model_hash)
    if why:
        raise InputError(f"{why}: fit a selection for this model, or leave the file out")
    found.source = str(path)
    return found


def find_selection(attributes: list[str], index_dir: Path | None, model_path: Path | None,
                   model_hash: str | None = None) -> SelectionModel:
    """The fitted selection for this vocabulary: the catalogue's own (``index/<NAME>/{SELECTION_FILE}``),
    else the one shipped beside the model (``<model>.selection.json``), else untuned defaults.
    A file fitted for another vocabulary, or not recorded as fitted for the checkpoint ``model_hash``
    (a model file replaced by hand beside its old selection; a file that records no model), is passed over; a
    broken one (not JSON, a newer format, values out of range) raises InputError naming it rather
    than being silently replaced by another selection."""
    paths = []
    if index_dir is not None:
        paths.append(Path(index_dir) / SELECTION_FILE)
    if model_path is not None:
        paths.append(Path(model_path).with_suffix(".selection.json"))
    passed: list[str] = []
    for path in paths:
        if attributes and path.is_file():
            try:
                found = SelectionModel.load(path, attributes)
            except StaleSelection:
                passed.append(f"{path} was fitted for another attribute vocabulary: not used")
                logger.warning("%s", passed[-1])
                continue
            why = "" if model_hash is None else not_fitted_for(found, path, model_hash)
            if not why:
                # the catalogue's own passed over for the model's: said all the same (trial CB read no note, the
                # bundled models each shipping a selection)
                found.passed_over = tuple(passed)
                found.source = str(path)
                return found
            # a model file replaced beside its old selection, or a catalogue re-indexed with another model beside
            # the selection fitted for the first: said why the choice is untuned
            passed.append(f"{why}: not used")
            logger.warning("%s", passed[-1])
    default = SelectionModel.default(attributes)
    default.passed_over = tuple(passed)
    return default


def attribute_outputs(attribute_net: torch.nn.Module, images: Tensor) -> tuple[Tensor, Tensor]:
    """(logits (B, A), maps (B, A, h, w)) on the CPU, float32."""
    device = model_device(attribute_net)
    with torch.inference_mode():
        logits, maps = attribute_net(images.to(device))
    return logits.float().cpu(), maps.float().cpu()


def drawn_activation_maps(maps: Tensor, columns: list[int], size: tuple[int, int]) -> Tensor:
    """Attribute activation maps (B, A, h, w) of the chosen vocabulary columns, upsampled to the
    image size (bilinear, aligned with the saliency maps) for drawing: (B, len(columns), H, W)."""
    return upsample(maps[:, columns].float(), size, "bilinear")


def pair_parts(logits: Tensor, maps: Tensor, saliency: np.ndarray | Tensor, selection: SelectionModel,
               partner_logits: Tensor | None = None) -> PairParts:
    """Confidence, match and prior of every attribute for one image (logits (A,), maps (A, h, w)),
    and the partner part from the other image's logits (A,) when given."""
    confidence = selection.calibration.probabilities(logits[None])[0].numpy()
    match = map_match(maps, torch.as_tensor(np.asarray(saliency, dtype=np.float32))).numpy()
    partner = None if partner_logits is None else selection.calibration.probabilities(partner_logits[None])[0].numpy()
    return PairParts(confidence, match, np.asarray(selection.prior), selection.candidates(confidence), partner,
                     selection.base_rates(), selection.finer_indices())


@dataclass
class MatchExplanation:
    saliency: PairSaliency
    attributes: list[RankedAttribute]
    seconds: float
    # the explaining attribute's activation map on q and on r (logits, upsampled to the image
    # size, aligned with the saliency maps); None without an attribute net
    attribute_maps: tuple[np.ndarray, np.ndarray] | None = None

    @property
    def attribute(self) -> str | None:
        return self.attributes[0].name if self.attributes else None


def explain_match(
    compatibility: torch.nn.Module,
    attribute_net: torch.nn.Module | None,
    query_image: Tensor,
    candidate_image: Tensor,
    space: int,
    method: str = "fast",
    selection: SelectionModel | None = None,
    explainer: Explainer[Any] | None = None,
) -> MatchExplanation:
    """Saliency of both images and, when there is an attribute net, the ranked attributes of q (one
    attribute pass over both images: r's probabilities are the partner part)."""
    start = time.perf_counter()
    explainer = explainer or get_explainer(method, cast(SimilarityModel, compatibility))
    saliency = explainer.explain(query_image, candidate_image, space)
    ranked: list[RankedAttribute] = []
    attribute_maps = None
    if attribute_net is not None:
        names = [str(name) for name in cast(list[str], attribute_net.attributes)]
        selection = selection or SelectionModel.default(names)
        logits, maps = attribute_outputs(attribute_net, torch.stack([query_image, candidate_image]))
        parts = pair_parts(logits[0], maps[0], saliency.query_map, selection, partner_logits=logits[1])
        ranked = rank_attributes(parts, selection.weights, names)
        if ranked:
            drawn = drawn_activation_maps(maps, [ranked[0].index], (query_image.shape[-2], query_image.shape[-1]))[:, 0].numpy()
            attribute_maps = (drawn[0], drawn[1])
    return MatchExplanation(saliency, ranked, time.perf_counter() - start, attribute_maps)
