"""About box: what the app is, versions of the pieces it runs on, the device."""

from __future__ import annotations

import platform

from PySide6.QtWidgets import QMessageBox, QWidget


def versions() -> dict[str, str]:
    import faiss
    import PySide6
    import sqlalchemy
    import torch

    from sane_desktop import __version__

    return {"SANE Desktop": __version__, "Python": platform.python_version(), "PySide6": PySide6.__version__,
            "PyTorch": torch.__version__, "FAISS": getattr(faiss, "__version__", "?"),
            "SQLAlchemy": sqlalchemy.__version__}


def show_about(parent: QWidget, device: str) -> None:
    rows = "".join(f"<tr><td>{k}</td><td>{v}</td></tr>" for k, v in versions().items())
    QMessageBox.about(parent, "About SANE Desktop", (
        "<h3>SANE Desktop</h3><p>Why do these match? Type-aware outfit compatibility search "
        "(Vasileva et al., ECCV 2018) with SANE explanations (Plummer et al., ECCV 2020).</p>"
        f"<table>{rows}<tr><td>Device</td><td>{device}</td></tr></table>"))
