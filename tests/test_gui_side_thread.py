"""Work that needs no model runs beside the worker, not on it: trial EC's Connect to a server that accepted and
never answered held the window's next search for 10 s on the worker (and trial EB's cache removal, 26 s). The
shared catalogue's Connect runs on a thread of its own; editing the address forgets a Connect still running."""

from __future__ import annotations

import os
import socket
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest  # noqa: E402

pytest.importorskip("pytestqt")
from gui_helpers import demo_world  # noqa: E402
from PySide6.QtCore import Qt  # noqa: E402
from PySide6.QtTest import QTest  # noqa: E402


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return demo_world(tmp_path_factory.mktemp("side"))


def test_a_connect_to_a_silent_server_never_holds_the_worker(world, make_window, qtbot) -> None:  # type: ignore[no-untyped-def]
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(4)  # accepts (the kernel does), never answers
    try:
        window = make_window(world, (1280, 800), open_catalogue=False)
        window.shared_action.trigger()
        dialog = window.shared_dialog
        qtbot.waitUntil(lambda: dialog.keyring is not None, timeout=20000)
        qtbot.waitUntil(lambda: window.tasks.idle(), timeout=60000)
        dialog.host.setText("127.0.0.1")
        dialog.port.setValue(silent.getsockname()[1])
        dialog.database.setText("db")
        dialog.user.setText("u")
        qtbot.mouseClick(dialog.connect_button, Qt.MouseButton.LeftButton)
        QTest.qWait(300)
        assert dialog.side.busy and not dialog.connect_button.isEnabled()
        assert window.tasks.idle()  # the worker is free for a search
        # another address: the Connect to the last one is forgotten, its answer never listed for this one
        QTest.keyClicks(dialog.host, "1")
        assert not dialog.side.busy and dialog.connect_button.isEnabled() and dialog.status.text() == ""
        dialog.close()
    finally:
        silent.close()
