"""Every message of the core and the service that names a terminal command as the way out is said
in the window's words (``gui/text.window_words``), or is one whose way out only a terminal has.

Trial H read "re-index it (sane-desktop index)" in the explanation panel; ``window_words`` rewrites
such endings by pattern, so a new message worded another way would reach the window as it is. This
test reads the package's string literals (not docstrings, not the command line's own modules) and
fails on any command left in them after ``window_words``."""

from __future__ import annotations

import re

from sane_desktop.gui.text import window_words
from tests.package_strings import message_literals

COMMAND = re.compile(r"sane-desktop (index|train|adapt|evaluate|evaluate-explanations|query|explain|import|demo)\b")
# ways out that only a terminal has (a shared PostgreSQL catalogue is indexed with --db, which the
# window does not offer), and texts that are no message (the demo's marker file, its ground truth's
# generator field, both written by the command that made it)
TERMINAL_ONLY = ("sane-desktop index --db URL", "written by sane-desktop demo")
NOT_MESSAGES = {"sane-desktop demo"}


def test_every_message_naming_a_command_is_worded_for_the_window() -> None:
    left = []
    for relative, line, text in message_literals():
        if relative.as_posix() == "gui/text.py" or text in NOT_MESSAGES:  # the patterns themselves; no messages
            continue
        if COMMAND.search(text) and not any(words in text for words in TERMINAL_ONLY) \
                and COMMAND.search(window_words(text)):
            left.append(f"{relative}:{line}: {text.strip()[:100]!r}")
    assert not left, "\n".join(left)


def test_the_window_words_for_each_kind_of_ending() -> None:
    assert window_words("out of date: re-run sane-desktop index") == \
        "out of date: re-index it (File → Manage catalogues… → Re-sync)"
    assert window_words("no index yet (run `sane-desktop index` first)") == \
        "no index yet (File → Index catalogue folder… first)"
    assert "sane-desktop" not in window_words("train it again with sane-desktop train, or choose another model")


def test_model_hashes_are_left_out_of_the_windows_words() -> None:
    """Trial H read "(e7273268e9a9, now 06742562b464)"; trial R "(258d87a0cae3; opened with
    03f03d71b695)" from a shared catalogue re-indexed on its server."""
    assert window_words("the index of 'shop' was built with another model (e7273268e9a9, now 06742562b464): "
                        "re-index it") == "the index of 'shop' was built with another model: re-index it"
    assert window_words("catalogue 'pgshop' was re-indexed on its server with another model (258d87a0cae3; "
                        "opened with 03f03d71b695): open it again") == (
        "catalogue 'pgshop' was re-indexed on its server with another model: open it again "
        "(File → Open shared catalogue…)")
    assert window_words("the model (0a1b2c3d4e5f) gives non-finite embeddings") == "the model gives non-finite embeddings"
    # an item's code in brackets is kept, even 12 digits long
    assert window_words("photo changed (item 081234567890)") == "photo changed (item 081234567890)"


def test_a_sentence_on_several_photos_agrees_with_them() -> None:
    """Trial T read "The photo of “exif orient6”, “falda midi” is no longer …" for two items."""
    from sane_desktop.gui.text import photos_of

    assert photos_of(["falda midi"]) == ("The photo of “falda midi”", False)
    assert photos_of(["a", "b", "c"]) == ("The photos of “a”, “b” and “c”", True)
