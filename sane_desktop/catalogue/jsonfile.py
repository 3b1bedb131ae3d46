"""Reading the catalogue's JSON files without losing what a duplicate key would hide.

``json`` keeps the *last* value of a key written twice in one object, silently: an item listed twice
in ``polyvore_item_metadata.json`` would change category, a mapping naming ``category`` twice would
read another column. Every object here is a :class:`JsonObject` that keeps the *first* value (as the
manifest reader keeps the first row of a duplicate id) and remembers the keys it saw again, so a
reader can report them: as skipped entries where one entry is at fault, or as an error
(:func:`load_json_strict`) where the whole file's meaning would change.

A value of the wrong JSON type is never turned into text with ``str()`` (an object would become
``"{'x': 1}"``, a list ``"['black']"``): :func:`scalar_text` gives text only for strings and numbers,
and :func:`json_kind` names what was found instead, for the reader's one-line report.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from sane_desktop.catalogue.safepath import read_regular_file
from sane_desktop.catalogue.types import CatalogueError, not_utf8, utf8_text


class JsonObject(dict[str, Any]):
    """A JSON object that keeps the first value of a repeated key and lists the repeated keys."""

    def __init__(self, pairs: list[tuple[str, Any]]) -> None:
        super().__init__()
        self.duplicates: list[str] = []
        for key, value in pairs:
            if key in self:
                self.duplicates.append(key)
            else:
                self[key] = value


def read_json(path: Path, shown: str) -> Any:
    """Parse ``path`` (UTF-8, a byte-order mark tolerated); objects come back as :class:`JsonObject`.

    Raises:
        CatalogueError: the file is missing, unreadable, not UTF-8, not JSON, or nested too deeply.
    """
    try:
        # decoded whole (-sig: tolerate a byte-order mark), so a bad byte's line can be named
        return json.loads(utf8_text(read_regular_file(path), shown), object_pairs_hook=JsonObject)
    except json.JSONDecodeError as error:
        raise CatalogueError(f"{shown}: invalid JSON ({error.msg}: line {error.lineno}, column {error.colno})") from None
    except UnicodeDecodeError as error:
        raise not_utf8(shown, error) from None
    except RecursionError:
        raise CatalogueError(f"{shown}: JSON nested too deeply") from None
    except ValueError as error:  # a number json cannot hold (an integer of over 4,300 digits)
        raise CatalogueError(f"{shown}: invalid JSON ({error})") from None
    except FileNotFoundError:
        raise CatalogueError(f"{shown}: file not found") from None
    except OSError as error:
        raise CatalogueError(f"{shown}: cannot read file ({error.strerror or error})") from None


def read_json_lines(path: Path, shown: str) -> list[tuple[int, Any]]:
    """Parse a JSON Lines file (``.jsonl``, ``.ndjson``: one JSON value a line, blank lines skipped, UTF-8 with
    a byte-order mark tolerated; https://jsonlines.org): (1-based line number, value) pairs, objects as
    :class:`JsonObject`, a key repeated in one an error naming its line.

    Raises:
        CatalogueError: as :func:`read_json`, naming the line of the first value that is not JSON.
    """
    try:
        text = utf8_text(read_regular_file(path), shown)
    except UnicodeDecodeError as error:
        raise not_utf8(shown, error) from None
    except FileNotFoundError:
        raise CatalogueError(f"{shown}: file not found") from None
    except OSError as error:
        raise CatalogueError(f"{shown}: cannot read file ({error.strerror or error})") from None
    values = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            value = json.loads(line, object_pairs_hook=JsonObject)
        except json.JSONDecodeError as error:
            raise CatalogueError(f"{shown}: line {number} is not JSON ({error.msg}, column {error.colno}); "
                                 "a JSON Lines file holds one object a line") from None
        except (RecursionError, ValueError) as error:
            raise CatalogueError(f"{shown}: line {number} is not JSON we can read ({error or 'nested too deeply'})") \
                from None
        duplicate = first_duplicate(value)
        if duplicate is not None:
            raise CatalogueError(f"{shown}: line {number}: duplicate {duplicate} (a key may appear once in an object)")
        values.append((number, value))
    return values


def json_kind(value: Any) -> str:
    """What a JSON value is, in a message: ``an object``, ``a list``, ``true/false``, ``null``,
    ``a number``, ``NaN/Infinity`` or ``text``."""
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, bool):
        return "true/false"
    if value is None:
        return "null"
    if isinstance(value, float) and not math.isfinite(value):
        return "NaN/Infinity"
    if isinstance(value, (int, float)):
        return "a number"
    return "text" if isinstance(value, str) else type(value).__name__


def scalar_text(value: Any) -> str | None:
    """A JSON value as the text of one field: a string as it is, a number as written (``7``, ``0.5``),
    null as ``""`` (no value); None for anything else (an object, a list, true/false, NaN/Infinity),
    which the caller reports naming the field and :func:`json_kind`, never stringifies."""
    if isinstance(value, str):
        return value
    if value is None:
        return ""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return str(value)


def first_duplicate(value: Any) -> str | None:
    """Where the first repeated key in ``value`` is, as ``key 'k' in <json path>``, or None."""
    stack: list[tuple[str, Any]] = [("$", value)]
    while stack:  # iterative: a deeply nested file must not exhaust the Python stack here either
        where, node = stack.pop()
        if isinstance(node, JsonObject):
            if node.duplicates:
                return f"key {node.duplicates[0]!r} in {where}"
            stack.extend((f"{where}[{key!r}]", child) for key, child in reversed(list(node.items())))
        elif isinstance(node, list):
            stack.extend((f"{where}[{index}]", child) for index, child in reversed(list(enumerate(node))))
    return None


def load_json_strict(path: Path, shown: str) -> Any:
    """Like :func:`read_json`, but a key repeated in any object is an error naming it.

    Raises:
        CatalogueError: as :func:`read_json`, or a repeated key (``<shown>: duplicate key 'k' in $[0]``).
    """
    data = read_json(path, shown)
    duplicate = first_duplicate(data)
    if duplicate is not None:
        raise CatalogueError(f"{shown}: duplicate {duplicate} (a key may appear once in an object)")
    return data
