"""What the log says for the person reaches the window (trial CA's leftover): a catalogue database
upgraded in place past an older build's reach, its copy kept, was said on the command line and only in
the window's log."""

from __future__ import annotations

import os
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest  # noqa: E402

pytest.importorskip("pytestqt")
from gui_helpers import demo_world  # noqa: E402
from PySide6.QtWidgets import QApplication, QMessageBox  # noqa: E402
from sqlalchemy import create_engine, text  # noqa: E402

from sane_desktop.store import migrations  # noqa: E402


def message_boxes() -> list[QMessageBox]:
    return [w for w in QApplication.topLevelWidgets() if isinstance(w, QMessageBox) and w.isVisible()]


def test_an_upgraded_catalogue_database_is_said_in_the_window(make_window, qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    world = demo_world(tmp_path / "world", 30)
    database = world["index"] / "demo" / "catalogue.db"
    older = create_engine(f"sqlite:///{database}")
    with older.begin() as connection:  # 0013 refills derived words only: a database at 0012 has these tables
        connection.execute(text(f"UPDATE {migrations.VERSION_TABLE} SET version_num = '0012'"))
    older.dispose()
    window = make_window(world, settings_file=tmp_path / "s.ini")
    qtbot.waitUntil(lambda: any("upgraded the catalogue database" in box.text().lower() for box in message_boxes()),
                    timeout=30000)
    boxes = [box for box in message_boxes() if "upgraded the catalogue database" in box.text().lower()]
    assert len(boxes) == 1, [box.text() for box in boxes]  # once, however many opens read the file
    said = boxes[0].text()
    kept = database.with_name("catalogue.db.rev0012.bak")
    assert said.startswith("Upgraded the catalogue database") and "no longer open it" in said and str(kept) in said
    assert kept.is_file() and boxes[0].parentWidget() is window
    boxes[0].accept()
    # a window closed says nothing more: its handler is gone from the log
    window.close()
    import logging

    from sane_desktop import logs

    logging.getLogger("sane_desktop.store.db").warning("upgraded X", extra={logs.TELL_USER: True})
    qtbot.wait(400)
    assert not [box for box in message_boxes() if "X" in box.text()]
