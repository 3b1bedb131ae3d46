"""The package's string literals that can reach a person: every ``str`` constant of its modules
outside the command line's own (``cli/``), docstrings left out. Tests read them for words a front
end must not show (``test_window_words_cover.py``, ``test_way_outs.py``)."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import sane_desktop

PACKAGE = Path(sane_desktop.__file__).parent


def _docstrings(tree: ast.AST) -> set[int]:
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                found.add(id(first.value))
    return found


def message_literals() -> Iterator[tuple[Path, int, str]]:
    """(module path relative to the package, line, text) of each string literal outside ``cli/`` that
    is no docstring, module by module in path order."""
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(PACKAGE)
        if "cli" in relative.parts:  # the command line's own words
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        docstrings = _docstrings(tree)
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings:
                yield relative, node.lineno, node.value
