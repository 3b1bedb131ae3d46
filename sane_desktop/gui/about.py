"""About box: what the app is, versions of the pieces it runs on, the device."""

from __future__ import annotations

from PySide6.QtWidgets import QMessageBox, QWidget

from sane_desktop.gui.text import escape


def versions() -> dict[str, str]:
    """The app's and its pieces' versions (the core's from the service: the GUI never imports them)."""
    import PySide6

    from sane_desktop.service import library_versions

    return {**library_versions(), "PySide6": PySide6.__version__}


def show_about(parent: QWidget, device: str) -> None:
    rows = "".join(f"<tr><td>{escape(k)}</td><td>{escape(v)}</td></tr>" for k, v in versions().items())
    QMessageBox.about(parent, "About SANE Desktop", (
        "<h3>SANE Desktop</h3><p>Why do these match? Type-aware outfit compatibility search "
        "(Vasileva et al., ECCV 2018) with SANE explanations (Plummer et al., ECCV 2020).</p>"
        f"<table>{rows}<tr><td>Device</td><td>{escape(device)}</td></tr></table>"))
