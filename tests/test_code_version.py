"""The code fingerprint a cached explanation is keyed by (trial AR: another build's entry was served)."""

from __future__ import annotations

import shutil
from pathlib import Path

from sane_desktop.code_version import PACKAGE, code_fingerprint, fingerprint_of


def test_the_same_sources_anywhere_give_one_fingerprint_and_any_edit_another(tmp_path: Path) -> None:
    first, second = tmp_path / "a" / "sane_desktop", tmp_path / "b" / "lib" / "sane_desktop"
    for target in (first, second):
        shutil.copytree(PACKAGE, target, ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "resources"))
    assert fingerprint_of(first) == fingerprint_of(second) == code_fingerprint()
    (second / "__pycache__").mkdir(exist_ok=True)
    (second / "__pycache__" / "x.cpython-311.pyc").write_bytes(b"\0")  # compiled files are no source
    assert fingerprint_of(second) == code_fingerprint()
    rule = second / "explain" / "attribute_choice.py"
    rule.write_text(rule.read_text(encoding="utf-8") + "\n# a later rule\n", encoding="utf-8")
    assert fingerprint_of(second) != code_fingerprint()
    moved = first / "explain" / "abstain.py"
    moved.rename(first / "explain" / "abstain_moved.py")  # same bytes, another module
    assert fingerprint_of(first) != code_fingerprint()
    assert len(code_fingerprint()) == 16


def test_the_feature_cache_of_another_builds_code_is_another_folder(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Trunk features cached by a build whose embedding code differs are a miss (computed again)."""
    from sane_desktop import code_version
    from sane_desktop.retrieval.feature_cache import TrunkIdentity

    identity = TrunkIdentity("efficientnet_lite0", "abc", {"size": 224})
    ours = identity.key
    monkeypatch.setattr(code_version, "embedding_code", lambda: "another-build")
    assert identity.key != ours and identity.key.startswith("efficientnet_lite0-")
