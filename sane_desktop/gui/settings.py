"""Settings remembered between runs (QSettings): window geometry and state, theme, overlay choices,
the last catalogue."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QSettings

DEFAULTS: dict[str, Any] = {"theme": "system", "colour_map": "inferno", "opacity": 55, "catalogue": "",
                            "results_per_category": 24, "tile_overlays": 0}


class Settings:
    def __init__(self, settings: QSettings | None = None) -> None:
        self.qsettings = settings or QSettings("SANE Desktop", "sane-desktop")

    def get(self, key: str) -> Any:
        default = DEFAULTS.get(key)
        value = self.qsettings.value(key, default)
        if isinstance(default, int) and not isinstance(value, int):
            try:
                return int(str(value))  # QSettings hands back strings from INI files
            except (TypeError, ValueError):
                return default
        return value

    def set(self, key: str, value: Any) -> None:
        self.qsettings.setValue(key, value)

    def sync(self) -> None:
        self.qsettings.sync()
