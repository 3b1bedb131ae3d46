"""One SANE explanation of a match: saliency maps + the ranked explaining attributes.

:class:`SelectionModel` holds what the attribute choice learns (calibration, prior, weights); it is
fitted by ``evaluate-explanations`` and saved as JSON, and falls back to untuned defaults.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import Tensor

from sane_desktop.explain.attribute_choice import (
    AttributeScore,
    PairParts,
    PlattCalibration,
    SelectionWeights,
    candidate_attributes,
    map_match,
    rank_attributes,
)
from sane_desktop.explain.base import Explainer, PairSaliency, get_explainer, model_device

DEFAULT_WEIGHTS = SelectionWeights(1.0, 1.0, 0.0)  # untuned: no prior without oracle answers


@dataclass
class SelectionModel:
    attributes: list[str]
    calibration: PlattCalibration
    prior: list[float]
    weights: SelectionWeights
    tuned: bool = False

    @classmethod
    def default(cls, attributes: list[str]) -> SelectionModel:
        n = len(attributes)
        return cls(list(attributes), PlattCalibration.identity(n), [1.0 / max(1, n)] * n, DEFAULT_WEIGHTS)

    def as_dict(self) -> dict[str, Any]:
        return {"attributes": self.attributes, "calibration": {"scale": self.calibration.scale,
                "bias": self.calibration.bias}, "prior": self.prior, "weights": self.weights.as_dict(),
                "tuned": self.tuned}

    def save(self, path: Path | str) -> Path:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(self.as_dict(), indent=1), encoding="utf-8")
        return path

    @classmethod
    def load(cls, path: Path | str, attributes: list[str]) -> SelectionModel:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        if data.get("attributes") != list(attributes):
            raise ValueError(f"{path} was fitted for another attribute vocabulary")
        return cls(list(attributes), PlattCalibration(**data["calibration"]), list(data["prior"]),
                   SelectionWeights(**data["weights"]), bool(data.get("tuned", False)))


def attribute_outputs(attribute_net: torch.nn.Module, images: Tensor) -> tuple[Tensor, Tensor]:
    """(logits (B, A), maps (B, A, h, w)) on the CPU, float32."""
    device = model_device(attribute_net)
    with torch.inference_mode():
        logits, maps = attribute_net(images.to(device))
    return logits.float().cpu(), maps.float().cpu()


def pair_parts(logits: Tensor, maps: Tensor, saliency: np.ndarray | Tensor, selection: SelectionModel) -> PairParts:
    """Confidence, match and prior of every attribute for one image (logits (A,), maps (A, h, w))."""
    confidence = selection.calibration.probabilities(logits[None])[0].numpy()
    match = map_match(maps, torch.as_tensor(np.asarray(saliency, dtype=np.float32))).numpy()
    return PairParts(confidence, match, np.asarray(selection.prior), candidate_attributes(confidence))


@dataclass
class MatchExplanation:
    saliency: PairSaliency
    attributes: list[AttributeScore]
    seconds: float

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
    explainer: Explainer | None = None,
) -> MatchExplanation:
    """Saliency of both images and, when there is an attribute net, the ranked attributes of q."""
    start = time.perf_counter()
    explainer = explainer or get_explainer(method, compatibility)
    saliency = explainer.explain(query_image, candidate_image, space)
    ranked: list[AttributeScore] = []
    if attribute_net is not None:
        names = list(attribute_net.attributes)
        selection = selection or SelectionModel.default(names)
        logits, maps = attribute_outputs(attribute_net, query_image[None])
        parts = pair_parts(logits[0], maps[0], saliency.query_map, selection)
        ranked = rank_attributes(parts, selection.weights, names)
    return MatchExplanation(saliency, ranked, time.perf_counter() - start)
