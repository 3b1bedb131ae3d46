"""Why no attribute is named for a match: the kinds of abstention and their sentences (issue 17).

:func:`sane_desktop.explain.attribute_choice.abstention` writes a reason as one of these sentences
(with numbers after it); the reason travels as text (the explanation cache, the CLI's JSON), and
:func:`abstention_kind` reads the kind back here, beside the sentences, so the GUI's words never
depend on the core's wording. Imports nothing: the GUI loads it before torch.
"""

from __future__ import annotations

from typing import Literal

AbstentionKind = Literal["", "no_attribute", "flat_map", "weak_evidence", "foreign_model", "common_label",
                         "labels_contradict"]

NO_ATTRIBUTE = "no attribute to name"
FLAT_MAP = "the saliency map is flat"
WEAK_EVIDENCE = "no attribute is likely on both items"
# the same for the outfit's reason, where the other side is the outfit (trial AS read "both items" of three)
WEAK_EVIDENCE_OUTFIT = "no attribute is likely on both the item and its outfit"
# the model's attribute head was fitted on another catalogue (the bundled general model's on drawn
# garments): its names (wavy, heart) and its confidence mean nothing on these photos
FOREIGN_MODEL = "the model learnt its attributes on another catalogue"

# the only attributes left are labels nearly every item of the catalogue carries (MANGO's line:she on
# 96 % of items): they cannot tell why these two match rather than any two
COMMON_LABEL = "only labels nearly every item carries fit this match"

# the model has attributes, but every one it would consider for this item is one the item's own
# catalogue labels contradict (a trial's model, of 8 colours, saw none it could name on a yellow-labelled
# item): an empty ranking that once read as "no attribute net"
LABELS_CONTRADICT = "the item's own labels rule out every attribute the model sees on it"

_SENTENCES: dict[str, AbstentionKind] = {NO_ATTRIBUTE: "no_attribute", FLAT_MAP: "flat_map",
                                         WEAK_EVIDENCE: "weak_evidence", WEAK_EVIDENCE_OUTFIT: "weak_evidence",
                                         FOREIGN_MODEL: "foreign_model",
                                         COMMON_LABEL: "common_label", LABELS_CONTRADICT: "labels_contradict"}


def abstention_kind(reason: str) -> AbstentionKind:
    """The kind of a reason written by ``abstention`` ("" for no reason). A reason of another kind
    (written by a newer version) reads as ``weak_evidence``: no attribute is named either way."""
    if not reason:
        return ""
    return next((kind for sentence, kind in _SENTENCES.items() if reason.startswith(sentence)), "weak_evidence")


def ranking_withheld(reason: str) -> bool:
    """Whether an explanation with this abstention reason lists no attribute ranking at all: a model
    whose attributes were learnt on another catalogue (its "motif:moon 1.00" for a plain sweater
    reads as a reason). The window's Details and the CLI's JSON both ask this."""
    return abstention_kind(reason) == "foreign_model"


def of_outfit(reason: str) -> str:
    """``reason`` as said of a candidate and its whole outfit: the weak-evidence sentence names the
    outfit, not "both items" (the kind is unchanged)."""
    if reason.startswith(WEAK_EVIDENCE):
        reason = WEAK_EVIDENCE_OUTFIT + reason[len(WEAK_EVIDENCE):]
        return reason.replace("one of the two items does not show it", "the item or its outfit does not show it")
    return reason
