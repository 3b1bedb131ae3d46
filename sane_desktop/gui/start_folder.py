"""Where a file dialog opens: the folder the user last chose for that purpose, else their Pictures folder,
else home — never the working directory the app happened to start in (trial DN's "Add image from disk"
opened in the project's source folder, between ``bench`` and ``tests``)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QStandardPaths


def start_folder(*remembered: str) -> str:
    """The first of ``remembered`` (folders last used, most specific first; "" skipped) that is a folder
    now, else the user's Pictures folder, else home (``QStandardPaths``)."""
    for folder in (*remembered,
                   QStandardPaths.writableLocation(QStandardPaths.StandardLocation.PicturesLocation),
                   QStandardPaths.writableLocation(QStandardPaths.StandardLocation.HomeLocation)):
        if folder and Path(folder).is_dir():
            return folder
    return str(Path.home())
