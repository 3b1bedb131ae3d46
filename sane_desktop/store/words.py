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


# letters no Unicode decomposition turns into their plain Latin ones ("œuvre" is looked for as "oeuvre",
# as "straße" is as "strasse" by case folding; trial AE)
FOLDED_LETTERS = str.maketrans({"œ": "oe", "æ": "ae", "ø": "o", "ł": "l", "đ": "d", "ð": "d", "þ": "th", "ı": "i"})


def sort_key(text: str) -> str:
    """``text`` as the catalogue's lists sort it: case folded, "œ"/"æ"/"ø"/"ł"/"ı" as "oe"/"ae"/"o"/"l"/"i" and
    the accents that stack on a letter set aside, so "Écharpe" sorts among the e's and "Öğle" among the o's
    (code points put every accented letter after z: trials CP and CQ). The database's order by title, the
    window's and the category lists all use it (``store.folding`` registers it with SQLite)."""
    decomposed = unicodedata.normalize("NFKD", text.casefold().translate(FOLDED_LETTERS))
    return "".join(char for char in decomposed if not unicodedata.combining(char))
