"""Issue 19, point 2 (GUI): File → Open shared catalogue… against a real PostgreSQL + pgvector server
(PyPI's ``pgserver``; skipped, with the reason, where it cannot run).

The server asks for a password (scram-sha-256 on its socket) of user ``alice``, owner of database
``shared``, into which a tiny demo catalogue "shop" is indexed with the pgvector backend. The dialog
is driven by key and mouse clicks on its widgets:

- a wrong password gives one clear line in the dialog (no class name, no password);
- Connect lists "shop", Open opens it, the window browses, searches and explains it;
- the settings file holds host, port, database, user and name, and no password anywhere;
- the password goes to a secure keyring only when the box is ticked (keyring's own backend API with
  an in-memory backend: the container has no OS keyring), and is found there on the next Connect;
  without a secure keyring the box cannot be ticked and the note says so;
- switching to a local catalogue, and quitting, end the server sessions (pgvector searcher closed);
- service-level lines: server down, no such database or catalogue, a database without pgvector.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest  # noqa: E402

pytest.importorskip("pytestqt")
psycopg = pytest.importorskip("psycopg", reason="psycopg not installed (pip install -e '.[test]')")
keyring = pytest.importorskip("keyring", reason="keyring not installed (pip install -e .)")

from keyring.backend import KeyringBackend  # noqa: E402
from PySide6.QtCore import QSettings, Qt  # noqa: E402
from PySide6.QtTest import QTest  # noqa: E402

from pg_helpers import answering_port, pg_server  # noqa: E402
from sane_desktop.errors import NotFound, StoreError  # noqa: E402
from sane_desktop.gui.app import create_window  # noqa: E402
from sane_desktop.gui.screenshots import build_outfit, explain_first_result, wait_results  # noqa: E402
from sane_desktop.gui.settings import Settings  # noqa: E402
from sane_desktop.gui.shared_catalogue_dialog import REMEMBERED, SharedCatalogueDialog  # noqa: E402
from sane_desktop.service import CatalogueService  # noqa: E402
from sane_desktop.service.shared import (  # noqa: E402
    KEYRING_SERVICE, ServerAddress, connection_message, keyring_status, list_on_server, open_shared,
)

PASSWORD = "s3cr:et@/pw#1"  # URL syntax in it: the URL must escape it
USER, DATABASE, CATALOGUE = "alice", "shared", "shop"
ITEMS = 40


class MemoryKeyring(KeyringBackend):
    """A keyring backend kept in memory, through keyring's own backend API (priority as an OS one)."""

    priority = 5  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.entries: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.entries.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.entries[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        from keyring.errors import PasswordDeleteError

        if self.entries.pop((service, username), None) is None:
            raise PasswordDeleteError("not there")


class WeakKeyring(MemoryKeyring):
    priority = 0.5  # type: ignore[assignment]  # keyring's "not recommended" (plaintext files rank so)


@pytest.fixture(scope="module")
def server() -> Iterator[dict[str, Any]]:
    """pgserver with a password-protected user ``alice`` owning database ``shared`` (pgvector on)."""
    with pg_server("sane-shared-") as pg:
        with psycopg.connect(pg.get_uri(), autocommit=True) as admin:
            admin.execute(f"CREATE ROLE {USER} LOGIN PASSWORD '{PASSWORD}'")
            admin.execute(f"CREATE DATABASE {DATABASE} OWNER {USER}")
            admin.execute(f"CREATE DATABASE plain OWNER {USER}")
            host, port = str(admin.info.host), int(admin.info.port)
            # alice must give her password; the superuser stays trusted for the test's own checks
            (pg.pgdata / "pg_hba.conf").write_text("local all postgres trust\nlocal all all scram-sha-256\n")
            admin.execute("SELECT pg_reload_conf()")
        with psycopg.connect(pg.get_uri(DATABASE), autocommit=True) as admin:
            admin.execute("CREATE EXTENSION IF NOT EXISTS vector")
        yield {"pg": pg, "host": host, "port": port, "address": ServerAddress(host, port, DATABASE, USER)}


def sessions(server: dict[str, Any]) -> int:
    """alice's open sessions on the shared database (the superuser's view of pg_stat_activity)."""
    with psycopg.connect(server["pg"].get_uri(DATABASE), autocommit=True) as admin:
        row = admin.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND usename = %s",
                            (DATABASE, USER)).fetchone()
    return int(row[0])


@pytest.fixture(scope="module")
def world(server: dict[str, Any], tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """A 40-item demo catalogue and a tiny model: indexed locally as "demo" and on the server as
    "shop" (pgvector backend; its manifest in the index home's shop folder)."""
    from demo_world import build_demo_world

    from sane_desktop.retrieval.indexing import index_catalogue

    root = tmp_path_factory.mktemp("shared-gui")
    build_demo_world(root, ITEMS)
    url = server["address"].url(PASSWORD)
    index_catalogue(root / "source", CATALOGUE, root / "model.pt", db_url=url, workers=0,
                    index_dir=root / "index" / CATALOGUE, vector_backend="pgvector")
    return {"root": root, "index": root / "index", "model": root / "model.pt"}


_CLIENTS: list = []


@pytest.fixture(autouse=True)
def _stop_workers_and_keyring() -> Iterator[None]:
    """Every worker thread ends with its test; keyring's backend is set back to the one found."""
    found = keyring.get_keyring()
    yield
    while _CLIENTS:
        _CLIENTS.pop().shutdown()
    keyring.set_keyring(found)


def window_on(world: dict[str, Any], qtbot):  # type: ignore[no-untyped-def]
    """A shown window on the world's index home with fresh settings, showing "demo"; returns
    (window, runner, service): the service is the worker's (the test reads it once work is done)."""
    service = CatalogueService(world["index"], model=world["model"], rise_masks=64)
    settings = Settings(QSettings(str(world["root"] / f"settings-{time.monotonic_ns()}.ini"), QSettings.Format.IniFormat))
    window, client = create_window(service, settings, cache_dir=world["root"] / "thumbs")
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    _CLIENTS.append(client)
    window.refresh_catalogues(select="demo")
    qtbot.waitUntil(lambda: window.catalogue is not None and not window.channels.items.busy
                    and window.browser_model.rowCount() == ITEMS, timeout=60000)
    return window, client, service


def open_dialog(window, qtbot) -> SharedCatalogueDialog:  # type: ignore[no-untyped-def]
    assert window.shared_action in window.menuBar().actions()[0].menu().actions()  # File → Open shared catalogue…
    window.shared_action.trigger()
    dialog = window.shared_dialog
    assert dialog is not None and dialog.isVisible()
    qtbot.waitUntil(lambda: dialog.keyring is not None, timeout=20000)  # the worker looked at the keyring
    assert dialog.password.echoMode() == dialog.password.EchoMode.Password
    return dialog


def type_into(qtbot, field, text: str) -> None:  # type: ignore[no-untyped-def]
    """Replace a line edit's text by typing: select all, delete, type."""
    field.setFocus()
    QTest.keyClick(field, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    QTest.keyClick(field, Qt.Key.Key_Backspace)
    QTest.keyClicks(field, text)


def fill(qtbot, dialog: SharedCatalogueDialog, server: dict[str, Any], password: str) -> None:  # type: ignore[no-untyped-def]
    type_into(qtbot, dialog.host, server["host"])
    dialog.port.setFocus()
    dialog.port.selectAll()
    QTest.keyClicks(dialog.port, str(server["port"]))
    type_into(qtbot, dialog.database, DATABASE)
    type_into(qtbot, dialog.user, USER)
    type_into(qtbot, dialog.password, password)
    assert dialog.address() == server["address"]


def connect(qtbot, dialog: SharedCatalogueDialog) -> None:  # type: ignore[no-untyped-def]
    qtbot.mouseClick(dialog.connect_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.connect_button.isEnabled(), timeout=30000)


def stored_values(settings_file: Path) -> list[str]:
    settings = QSettings(str(settings_file), QSettings.Format.IniFormat)
    return [str(settings.value(key)) for key in settings.allKeys()]


def test_wrong_password_then_open_search_and_explain(server, world, qtbot) -> None:  # type: ignore[no-untyped-def]
    window, client, service = window_on(world, qtbot)
    dialog = open_dialog(window, qtbot)
    assert not dialog.remember.isEnabled()  # no secure keyring in this container: the box cannot be ticked
    assert "not remembered" in dialog.keyring_note.text()
    # and an empty password is never looked for there (trial DV read "the keyring's" with none)
    assert dialog.password.placeholderText() == "leave empty to use PGPASSWORD or ~/.pgpass"
    fill(qtbot, dialog, server, "not-the-password")
    connect(qtbot, dialog)
    line = dialog.status.text()
    assert line.startswith("Wrong password for user 'alice'"), line  # a sentence of its own (trial DO)
    assert "\n" not in line and "Error" not in line and "not-the-password" not in line
    assert dialog.catalogue.count() == 0 and not dialog.open_button.isEnabled()

    type_into(qtbot, dialog.password, PASSWORD)
    connect(qtbot, dialog)
    assert dialog.catalogue.count() == 1 and dialog.catalogue.currentData() == CATALOGUE, dialog.status.text()
    assert dialog.open_button.isEnabled()
    # a Connect that fails after one that listed: the earlier list goes, Open with it (trial DE)
    type_into(qtbot, dialog.password, "not-the-password")
    connect(qtbot, dialog)
    assert dialog.status.text().startswith("Wrong password") and dialog.catalogue.count() == 0
    assert not dialog.open_button.isEnabled()
    type_into(qtbot, dialog.password, PASSWORD)
    connect(qtbot, dialog)
    assert dialog.catalogue.count() == 1 and dialog.open_button.isEnabled()
    qtbot.mouseClick(dialog.open_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.catalogue is not None and window.catalogue.name == CATALOGUE, timeout=60000)
    assert not dialog.isVisible() and dialog.password.text() == ""
    assert window.shared == server["address"].display()
    assert window.catalogue_switcher.currentText().startswith(f"{CATALOGUE} — on {USER}@")
    assert PASSWORD not in window.windowTitle() and PASSWORD not in window.catalogue_switcher.currentText()
    # the grid shows the shared catalogue's items (its own request, started as it opened, has answered)
    qtbot.waitUntil(lambda: not window.channels.items.busy and window.browser_model.rowCount() == ITEMS, timeout=30000)

    # the window works on it as on a local one: search (pgvector on the server) and explain
    outfit = build_outfit(window, 2)
    wait_results(window, 120)
    results = window.results_model.pks()
    assert results and not set(results) & set(outfit)
    assert service.shared_address == server["address"]
    explain_first_result(window, 300)
    assert window.explanation.update_data is not None and window.explanation.update_data.final
    assert sessions(server) >= 1

    # remembered: the address and the name, never the password
    settings = window.settings
    assert settings.get("shared_host") == server["host"] and settings.get("shared_user") == USER
    assert settings.get("shared_database") == DATABASE and settings.get("shared_catalogue") == CATALOGUE
    assert int(settings.get("shared_port")) == server["port"]
    settings_file = Path(settings.qsettings.fileName())
    values = stored_values(settings_file)
    assert values and not [value for value in values if PASSWORD in value or "s3cr" in value]
    assert "s3cr" not in settings_file.read_text(encoding="utf-8", errors="replace")
    assert settings.get("catalogue") == "demo"  # the next start still opens the local catalogue
    assert not window.train_action.isEnabled() and not window.adapt_action.isEnabled()

    # switching back to a local catalogue (a key press in the switcher) closes the shared one: the
    # pgvector searcher's connection is closed, and the server's sessions end
    searcher = service.current().search._searcher  # the worker is idle: the explanation is final
    assert searcher is not None
    connections = [store.connection for store in searcher.stores.values()]
    assert connections and not any(connection.closed for connection in connections)
    assert window.catalogue_switcher.currentIndex() == 0 and window.catalogue_switcher.findData("demo") == 1
    window.catalogue_switcher.setFocus()
    QTest.keyClick(window.catalogue_switcher, Qt.Key.Key_Down)
    qtbot.waitUntil(lambda: window.catalogue is not None and window.catalogue.name == "demo", timeout=30000)
    assert window.shared == "" and service.shared_address is None
    assert all(connection.closed for connection in connections)
    qtbot.waitUntil(lambda: sessions(server) == 0, timeout=20000)
    # the switcher no longer lists the shared catalogue it cannot open again without its password
    # (trial R chose that entry: its name showed over demo's items and scores, nothing opened)
    entries = [window.catalogue_switcher.itemData(row) for row in range(window.catalogue_switcher.count())]
    assert "" not in entries and window.catalogue_switcher.currentData() == "demo", entries
    assert window.windowTitle().startswith("demo")

    # opened again (as after "re-indexed on its server … open it again"): one entry, and the outfit
    # built in it this run comes back (trial R found it emptied and the catalogue listed twice)
    dialog = open_dialog(window, qtbot)
    fill(qtbot, dialog, server, PASSWORD)
    connect(qtbot, dialog)
    qtbot.mouseClick(dialog.open_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.catalogue is not None and window.catalogue.name == CATALOGUE, timeout=60000)
    qtbot.waitUntil(lambda: window.outfit_model.pks() == outfit, timeout=30000)
    dialog = open_dialog(window, qtbot)
    fill(qtbot, dialog, server, PASSWORD)
    connect(qtbot, dialog)
    qtbot.mouseClick(dialog.open_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=60000)  # opened: its outfit is being restored
    qtbot.waitUntil(lambda: not window.channels.outfit.busy and window.outfit_model.pks() == outfit, timeout=60000)
    entries = [window.catalogue_switcher.itemData(row) for row in range(window.catalogue_switcher.count())]
    assert entries.count("") == 1 and window.catalogue_switcher.currentIndex() == 0, entries
    # … and demo's own outfit (empty) is demo's again
    window.catalogue_switcher.setFocus()
    QTest.keyClick(window.catalogue_switcher, Qt.Key.Key_Down)
    qtbot.waitUntil(lambda: window.catalogue is not None and window.catalogue.name == "demo", timeout=30000)
    qtbot.waitUntil(lambda: not window.channels.outfit.busy, timeout=30000)
    assert window.outfit_model.pks() == []


def test_keyring_remembers_the_password_and_the_next_connect_uses_it(server, world, qtbot) -> None:  # type: ignore[no-untyped-def]
    memory = MemoryKeyring()
    keyring.set_keyring(memory)
    window, client, service = window_on(world, qtbot)
    dialog = open_dialog(window, qtbot)
    assert dialog.remember.isEnabled() and "system keyring" in dialog.keyring_note.text()
    fill(qtbot, dialog, server, PASSWORD)
    if not dialog.remember.isChecked():
        assert dialog.password.placeholderText() == "leave empty to use PGPASSWORD or ~/.pgpass"
        qtbot.mouseClick(dialog.remember, Qt.MouseButton.LeftButton, pos=dialog.remember.rect().center())
    assert dialog.remember.isChecked()
    assert dialog.password.placeholderText() == "leave empty to use the remembered one, PGPASSWORD or ~/.pgpass"
    connect(qtbot, dialog)
    qtbot.mouseClick(dialog.open_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.catalogue is not None and window.catalogue.name == CATALOGUE, timeout=60000)
    assert dialog.password_stored
    assert memory.entries == {(KEYRING_SERVICE, server["address"].key): PASSWORD}
    values = stored_values(Path(window.settings.qsettings.fileName()))
    assert not [value for value in values if "s3cr" in value]
    assert set(REMEMBERED) <= set(window.settings.qsettings.allKeys())

    # next time: the form is filled from the settings, the password field is empty, the keyring answers
    second = open_dialog(window, qtbot)
    assert second.host.text() == server["host"] and second.user.text() == USER and second.password.text() == ""
    assert second.remember.isChecked()
    connect(qtbot, second)
    assert second.catalogue.currentData() == CATALOGUE, second.status.text()

    # unticked: the password is forgotten once the catalogue opened
    qtbot.mouseClick(second.remember, Qt.MouseButton.LeftButton, pos=second.remember.rect().center())
    assert not second.remember.isChecked()
    type_into(qtbot, second.password, PASSWORD)
    qtbot.mouseClick(second.open_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not second.isVisible(), timeout=60000)
    assert memory.entries == {} and not second.password_stored

    # quitting closes the open shared catalogue: the server's sessions end
    from sane_desktop.gui.startup import stop_worker

    assert service.shared_address is not None
    task = client.start(lambda owner, _state: owner.search([item.pk for item in owner.items()[:2]], "", 3),
                        "Searching…")  # on the worker, as the window does: the pgvector searcher opens
    qtbot.waitUntil(lambda: task.ended, timeout=60000)
    searcher = service.current().search._searcher
    assert searcher is not None
    connections = [store.connection for store in searcher.stores.values()]
    assert stop_worker(client, 10000)
    assert all(connection.closed for connection in connections) and service.shared_address is None
    qtbot.waitUntil(lambda: sessions(server) == 0, timeout=20000)


def test_keyring_status_refuses_weak_and_missing_backends() -> None:
    from keyring.backends import fail

    keyring.set_keyring(fail.Keyring())
    assert not keyring_status().secure
    keyring.set_keyring(WeakKeyring())
    status = keyring_status()
    assert not status.secure and "not recommended" in status.note
    keyring.set_keyring(MemoryKeyring())
    assert keyring_status().secure


def test_service_lines_for_each_failure(server, world) -> None:  # type: ignore[no-untyped-def]
    from sane_desktop.service import Catalogues
    from sane_desktop.store.db import open_store

    address = server["address"]
    assert [c.name for c in list_on_server(address, PASSWORD)] == [CATALOGUE]
    down = ServerAddress("127.0.0.1", 1, DATABASE, USER)
    with pytest.raises(StoreError, match=r"^cannot reach a PostgreSQL server at 127\.0\.0\.1:1"):
        list_on_server(down, PASSWORD)
    with pytest.raises(StoreError, match="asks for user 'alice'"):
        list_on_server(address, None)
    catalogues = Catalogues(world["index"], model=world["model"])
    with pytest.raises(NotFound, match="there is no catalogue 'nope'"):
        open_shared(catalogues, address, PASSWORD, "nope")
    with pytest.raises(StoreError, match="wrong password"):
        open_shared(catalogues, address, "bad", CATALOGUE)
    # a database with the store's tables but no pgvector: refused with what to do
    plain = ServerAddress(address.host, address.port, "plain", USER)
    with pytest.raises(NotFound, match="holds no SANE Desktop catalogue"):
        list_on_server(plain, PASSWORD)
    open_store(plain.url(PASSWORD)).dispose()
    with pytest.raises(StoreError, match="no pgvector extension"):
        list_on_server(plain, PASSWORD)
    # the URL escapes the password, and what is shown has none, even from a message that quoted the URL
    assert PASSWORD not in address.display() and "%40" in address.url(PASSWORD)
    quoted = StoreError(f"cannot use {address.url(PASSWORD)}")
    quoted.__cause__ = RuntimeError("something unforeseen")
    line = connection_message(quoted, address, PASSWORD)
    assert "s3cr" not in line and "***" in line
    opened = open_shared(catalogues, address, PASSWORD, CATALOGUE)
    try:
        assert opened.info.items == ITEMS
    finally:
        opened.close()
    deadline = time.monotonic() + 20
    while sessions(server) and time.monotonic() < deadline:  # the pool's sessions end with dispose
        time.sleep(0.1)
    assert sessions(server) == 0


def test_a_port_where_something_else_answers_is_said_plainly() -> None:
    """A web server (or anything not PostgreSQL) on the port: libpq's "invalid response to SSL
    negotiation" becomes a line a person can act on (found by a new-user trial). No PostgreSQL needed."""
    port, listener = answering_port(b"HTTP/1.0 400 Bad Request\r\n\r\n")
    try:
        with pytest.raises(StoreError, match=rf"^something answers at 127\.0\.0\.1:{port}, but it is not a PostgreSQL"):
            list_on_server(ServerAddress("127.0.0.1", port, DATABASE, USER), PASSWORD)
    finally:
        listener.close()


def test_a_shared_catalogues_local_copy_is_no_damaged_catalogue(server, world) -> None:  # type: ignore[no-untyped-def]
    """The index home keeps a shared catalogue's manifest (opened or indexed from this computer), its
    database on the server: trial R's Manage catalogues listed it as "damaged: its database
    catalogue.db is gone", and Delete… then answered "No catalogue named …". It is not a local
    catalogue, damaged or not; a local index left without its database still is."""
    import shutil

    service = CatalogueService(world["index"], model=world["model"])
    try:
        listing = service.scan_catalogues()
        assert (world["index"] / CATALOGUE / "manifest.json").is_file()
        # listed as a catalogue whose database is on its server (trial AW), never as a damaged one
        shared = [entry for entry in listing.unreadable if entry.name == CATALOGUE]
        assert shared and all(entry.on_server and "gone" not in entry.reason for entry in shared), shared
        assert [info.name for info in listing.catalogues] == ["demo"]
        left = world["root"] / "left-index"
        shutil.copytree(world["index"] / "demo", left)
        (left / "catalogue.db").unlink()
        shutil.move(left, world["index"] / "left")
        try:
            assert [entry.name for entry in service.scan_catalogues().unreadable if not entry.on_server] == ["left"]
        finally:
            shutil.rmtree(world["index"] / "left")
    finally:
        service.close()


def test_a_catalogue_the_server_holds_no_index_of_is_listed_as_such(server, world, qtbot) -> None:  # type: ignore[no-untyped-def]
    """Trial DX: a catalogue only imported on the server (its first index had failed) was listed "— 40 items", as
    if it could be searched; opening it then said it is not indexed. The listing says so first."""
    from sane_desktop.service import building

    with psycopg.connect(server["pg"].get_uri(), autocommit=True) as admin:
        admin.execute(f"CREATE DATABASE importonly OWNER {USER}")
    with psycopg.connect(server["pg"].get_uri("importonly"), autocommit=True) as admin:
        admin.execute("CREATE EXTENSION IF NOT EXISTS vector")
    address = ServerAddress(server["host"], server["port"], "importonly", USER)
    building.import_folder(world["root"] / "source", "bare", db_url=address.url(PASSWORD))
    assert [(c.name, c.items, c.indexed) for c in list_on_server(address, PASSWORD)] == [("bare", ITEMS, False)]
    assert [(c.name, c.indexed) for c in list_on_server(server["address"], PASSWORD)] == [(CATALOGUE, True)]
    from sane_desktop.service.catalogues import catalogues_in_database  # catalogues --db URL says it too

    assert catalogues_in_database(address.url(PASSWORD))[2] == {"bare": ""}
    assert catalogues_in_database(server["address"].url(PASSWORD))[2] == {CATALOGUE: "server"}
    window, _client, _service = window_on(world, qtbot)
    dialog = open_dialog(window, qtbot)  # File → Open shared catalogue…, typed and clicked as a user does
    fill(qtbot, dialog, server, PASSWORD)
    type_into(qtbot, dialog.database, "importonly")
    connect(qtbot, dialog)
    assert dialog.catalogue.count() == 1, dialog.status.text()
    assert dialog.catalogue.itemText(0).endswith(f"{ITEMS} items, not indexed yet"), dialog.catalogue.itemText(0)
