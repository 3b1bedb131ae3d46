"""Settings remembered between runs (QSettings): window geometry and state, the catalogue column's width,
theme, overlay choices, whether the explanation's Details are open, the thumbnail size, the grids'
orders, "hide matches below", the folder explanations were last exported to, the folder images were last
added from (its own: a trial's "Add image" opened in the export folder), the last catalogue, the outfit
being built in each catalogue (``outfit/<uid>``, :mod:`sane_desktop.gui.outfit_memory`), the last shared
catalogue's server, database, user and name (never a password). By default an INI file, ``settings.ini``
in the per-user config folder (:func:`sane_desktop.paths.user_config_dir`), the same on every platform
and isolated by a test's HOME (or ``SANE_CONFIG_HOME``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QByteArray, QSettings

from sane_desktop import paths

SETTINGS_FILE = "settings.ini"

DEFAULTS: dict[str, Any] = {"theme": "system", "colour_map": "inferno", "opacity": 55,
                            # the last catalogue, and its database's token (found again after a rename elsewhere)
                            "catalogue": "", "catalogue_uid": "",
                            "results_per_category": 24, "tile_overlays": 0, "explanation_details": 0,
                            "export_folder": "", "image_folder": "", "catalogue_folder": "",
                            # issue 18, points 13 and 16: tile size, the grids' orders ("hide matches below" is
                            # each catalogue's: outfit_memory.remembered_min_match)
                            "tile_size": 136, "catalogue_sort": "title", "results_sort": "score",
                            # issue 19 point 2: the last shared catalogue's server (never its password:
                            # that goes to the system keyring, or nowhere)
                            "shared_host": "", "shared_port": 5432, "shared_database": "", "shared_user": "",
                            "shared_catalogue": "", "shared_remember": 0}


def default_settings_file() -> Path:
    return paths.user_config_dir() / SETTINGS_FILE


def set_aside_unreadable(path: Path) -> str:
    """Move a settings file that is no text (NUL bytes, not UTF-8: overwritten, or another program's
    file) to ``<name>.unreadable`` beside it and say so in one line; "" when it reads (or is absent).
    QSettings read trial U's 3 kB of random bytes as nothing, without a word, and wrote over them."""
    try:
        data = path.read_bytes()
    except OSError:
        return ""
    try:
        data.decode("utf-8")
        if b"\x00" not in data:
            return ""
    except UnicodeDecodeError:
        pass
    aside = path.with_name(path.name + ".unreadable")
    try:
        path.replace(aside)
    except OSError as error:
        return f"The remembered settings ({path}) could not be read, nor set aside ({error.strerror}): defaults are used"
    return f"The remembered settings could not be read: the window starts with its defaults (the file is kept as {aside})"


class Settings:
    def __init__(self, settings: QSettings | None = None) -> None:
        # what was wrong with the remembered settings, for the window to say at start ("" when nothing)
        self.problem = "" if settings is not None else set_aside_unreadable(default_settings_file())
        self.qsettings = settings or QSettings(str(default_settings_file()), QSettings.Format.IniFormat)
        self.ignored: set[str] = set()  # keys whose value could not be read: their defaults were used
        self.unwritten = ""  # why the last sync() could not write the file ("" when it did)

    def ignored_words(self) -> str:
        """One line naming the settings read as their defaults, "" when none (trial W's "opacity=banana"
        was dropped without a word)."""
        if not self.ignored:
            return ""
        return (f"Remembered settings that could not be read were left at their defaults: {', '.join(sorted(self.ignored))}")

    def get(self, key: str) -> Any:
        """``key``'s value, of its default's type (:data:`DEFAULTS`): a value of another type, as a
        settings file edited by hand holds ("theme=a, b" reads as a list), reads as the default."""
        default = DEFAULTS.get(key)
        value = self.qsettings.value(key, default)
        if isinstance(default, int) and not isinstance(value, int):
            try:
                return int(str(value))  # QSettings hands back strings from INI files
            except (TypeError, ValueError):
                self.ignored.add(key)
                return default
        if isinstance(value, list):  # an unquoted "a, b" in the file
            value = ", ".join(str(part) for part in value)
        if isinstance(default, str) and not isinstance(value, str):
            self.ignored.add(key)
            return default
        return value

    def get_bytes(self, key: str) -> QByteArray | None:
        """``key``'s value when it is bytes (the window's geometry and layout), else None: trial U's
        "geometry=hello" was handed to restoreGeometry, whose TypeError stopped every start."""
        value = self.qsettings.value(key)
        if isinstance(value, QByteArray):
            return value
        if isinstance(value, (bytes, bytearray)):
            return QByteArray(bytes(value))
        if value is not None:
            self.ignored.add(key)
        return None

    def set(self, key: str, value: Any) -> None:
        self.qsettings.setValue(key, value)

    def remove(self, key: str) -> None:
        self.qsettings.remove(key)

    def sync(self) -> str:
        """Write the settings to their file now; "" when written, else one line saying they could not be and
        why. QSettings says nothing of a write that failed (trial DI's full disk lost the outfit being built,
        its target and the layout at the next start without a word): its status is read here."""
        if self.unwritten:  # a QSettings keeps its first error for ever: a fresh one (the file's pending
            # changes are shared by every QSettings of that file) says whether this write passes
            self.qsettings = QSettings(self.qsettings.fileName(), self.qsettings.format())
        self.qsettings.sync()
        if self.qsettings.status() == QSettings.Status.NoError:
            self.unwritten = ""
            return ""
        where = Path(self.qsettings.fileName())
        self.unwritten = f"Your settings could not be written to {where}: {paths.why_not_written(where)}"
        return self.unwritten
