"""SANE explanations: saliency maps for a similarity score and the attribute that explains a match.

Core package: plain torch/numpy, never Qt. As pytorch-grad-cam: a template (:mod:`.base`), one
small module per saliency method (:mod:`.fast`, :mod:`.rise`, :mod:`.sliding`,
:mod:`.random_baseline`), each registering itself by name (:mod:`.registry`), and a small target
object saying what is explained (:mod:`.targets`).

The names below load on first use, so that ``sane_desktop.explain.overlay`` (numpy + PIL) stays
cheap to import for the GUI.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sane_desktop.lazy import lazy_getattr

if TYPE_CHECKING:
    from sane_desktop.explain.base import Explainer, MethodSettings, PairSaliency, SimilarityModel
    from sane_desktop.explain.registry import get_explainer, list_methods, register_method
    from sane_desktop.explain.targets import OutfitScore, PairScore, Target

_EXPORTS = {
    "Explainer": "base", "MethodSettings": "base", "PairSaliency": "base", "SimilarityModel": "base",
    "get_explainer": "registry", "list_methods": "registry", "register_method": "registry",
    "OutfitScore": "targets", "PairScore": "targets", "Target": "targets",
}
__all__ = sorted(_EXPORTS)


__getattr__ = lazy_getattr(__name__, _EXPORTS)
