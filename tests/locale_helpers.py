"""Locales most machines do not have compiled (CI's Debian has C.UTF-8 alone), compiled from glibc's sources
into a temporary ``LOCPATH`` with ``localedef``; a test skips where that cannot be done."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

SOURCES = Path("/usr/share/i18n/locales")


def compiled_locale(where: Path, source: str, charmap: str) -> dict[str, str]:
    """The environment of a process under ``source.charmap`` (e.g. ``tr_TR``, ``UTF-8``), that locale compiled
    into ``where``; ``pytest.skip`` where glibc's ``localedef`` or the locale's source is missing."""
    if not shutil.which("localedef") or not (SOURCES / source).exists():
        pytest.skip(f"no localedef or no {source} locale source (Debian: apt install locales)")
    name = f"{source}.{charmap}"
    made = subprocess.run(["localedef", "-i", source, "-f", charmap, str(where / name)], capture_output=True,
                          text=True, timeout=120)
    env = dict(os.environ, LOCPATH=str(where), LC_ALL=name, LANG=name)
    check = subprocess.run([sys.executable, "-c", "import locale; print(locale.setlocale(locale.LC_CTYPE, ''))"],
                           capture_output=True, text=True, env=env, timeout=60)
    if check.stdout.strip() != name:
        pytest.skip(f"{name} could not be compiled: {made.stderr.strip()[-200:]} {check.stderr.strip()[-200:]}")
    return env
