"""SANE explanations: saliency maps for a similarity score and the attribute that explains a match.

Core package: plain torch/numpy, never Qt. One module per saliency method over :mod:`.base`.
"""

from sane_desktop.explain.base import Explainer, PairSaliency, SimilarityModel, get_explainer

__all__ = ["Explainer", "PairSaliency", "SimilarityModel", "get_explainer"]
