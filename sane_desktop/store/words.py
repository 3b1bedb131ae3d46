"""The words of a text as the catalogue reads them: runs of letters, with the marks written inside
words. Plain Python (no database layer): the window imports it before anything heavy loads."""

from __future__ import annotations

import unicodedata


def letter_runs(text: str, digits: bool = False) -> list[str]:
    """The runs of letters of ``text`` with the marks written inside words (a Devanagari vowel sign is
    part of its word: "लाल" is one word, not "ल ल"), and digits when ``digits``; anything else
    (spaces, punctuation, "_") separates them."""
    kinds = "LMN" if digits else "LM"
    words: list[str] = []
    word: list[str] = []
    for char in text:
        if char != "_" and unicodedata.category(char)[0] in kinds:
            word.append(char)
        elif word:
            words.append("".join(word))
            word = []
    if word:
        words.append("".join(word))
    return words
