"""File → Open shared catalogue… (issue 19, point 2): a catalogue on a PostgreSQL server (rows and
pgvector tables), opened by host, port, database, user and password.

"Connect" lists the catalogues that database holds, "Open" opens the one chosen; both run on the
worker (the service's ``list_shared``/``open_shared``, :mod:`sane_desktop.service.shared`), never
on the GUI thread, and a failure is one line under the form (wrong password, server down, no such
database or catalogue, no pgvector), never a class name.

What is remembered: host, port, database, user, catalogue name and the box's state in the settings
file — never the password. The password is kept only in the system keyring, only when the box is
ticked and the keyring is a secure one (:func:`~sane_desktop.service.shared.keyring_status`; the
note under the box says which, or why not). Left empty, libpq's ``PGPASSWORD``, ``~/.pgpass`` or
``PGPASSFILE`` (or the keyring's remembered one) is used.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox, QComboBox, QDialogButtonBox, QFormLayout, QHBoxLayout, QLineEdit, QPushButton, QSpinBox,
    QVBoxLayout, QWidget,
)

from sane_desktop.gui.settings import Settings
from sane_desktop.gui.tasks import Channel, TaskRunner
from sane_desktop.gui.text import as_sentence, isolated, left_to_right, plain_label
from sane_desktop.gui.screen_fit import ScreenFittedDialog
from sane_desktop.gui.side_thread import SideChannel
from sane_desktop.service.titles import counted
from sane_desktop.service.shared import (
    DEFAULT_PORT, KeyringStatus, ServerAddress, SharedCatalogue, forget_password, keyring_status, list_on_server,
    password_for, remember_password,
)

if TYPE_CHECKING:
    from sane_desktop.service import CatalogueService, OpenedCatalogue

# settings key -> what it remembers (the password is not among them, by design)
# what an empty password field uses, as its placeholder says it
PASSWORD_HINT = "leave empty to use the remembered one, PGPASSWORD or ~/.pgpass"
PASSWORD_HINT_NO_KEYRING = "leave empty to use PGPASSWORD or ~/.pgpass"
REMEMBERED = ("shared_host", "shared_port", "shared_database", "shared_user", "shared_catalogue", "shared_remember")


logger = logging.getLogger(__name__)

class SharedCatalogueDialog(ScreenFittedDialog):
    """The dialog. ``opened(OpenedCatalogue, where)`` once the worker has opened the chosen catalogue
    (the service then has it open: the window shows it as it shows a local one); ``where`` is
    ``user@host:port/database``, without the password."""

    opened = Signal(object, str)  # OpenedCatalogue, where

    def __init__(self, tasks: TaskRunner[CatalogueService], settings: Settings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Open shared catalogue")
        self.setObjectName("shared-catalogue-dialog")
        self.setMinimumWidth(520)  # the notes and the error line wrap at most once
        self.settings = settings
        self.channel: Channel[CatalogueService] = tasks.channel()  # one connect or open at a time
        self.keyring: KeyringStatus | None = None  # asked on the worker: a keyring may take a while
        self.catalogues: list[SharedCatalogue] = []
        self.password_stored = False  # whether the last Open put the password in the keyring

        self.host = QLineEdit(str(settings.get("shared_host") or ""))
        self.host.setPlaceholderText("db.example.org, 10.0.0.5 or a socket folder")
        self.port = QSpinBox()
        self.port.setRange(1, 65535)
        self.port.setValue(int(settings.get("shared_port") or DEFAULT_PORT))
        self.database = QLineEdit(str(settings.get("shared_database") or ""))
        self.user = QLineEdit(str(settings.get("shared_user") or ""))
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setPlaceholderText(PASSWORD_HINT_NO_KEYRING)  # until the keyring is known
        self.remember = QCheckBox("Remember password in the system keyring")
        self.remember.setChecked(bool(settings.get("shared_remember")))
        self.remember.setEnabled(False)  # until the worker says whether the keyring is a secure one
        self.remember.toggled.connect(self._password_hint)
        self.keyring_note = plain_label("Checking the system keyring…")
        self.keyring_note.setWordWrap(True)
        self.keyring_note.setObjectName("keyring-note")
        self.connect_button = QPushButton("Connect")
        self.connect_button.setToolTip("List the catalogues in this database")
        self.connect_button.clicked.connect(self.connect_to_server)
        self.catalogue = QComboBox()
        self.catalogue.setAccessibleName("Catalogue")  # its form label names the row it shares with Connect
        self.catalogue.setEnabled(False)
        self.catalogue.setMinimumContentsLength(16)
        self.status = plain_label("Type the server's address, then Connect.")
        self.status.setWordWrap(True)  # the whole line: it names the server and what to do
        self.status.setObjectName("shared-status")
        for label in (self.keyring_note, self.status):  # room for two lines: the dialog never re-lays out
            label.setMinimumHeight(2 * label.fontMetrics().lineSpacing() + 2)

        form = QFormLayout()
        form.addRow("Host", self.host)
        form.addRow("Port", self.port)
        form.addRow("Database", self.database)
        form.addRow("User", self.user)
        form.addRow("Password", self.password)
        form.addRow("", self.remember)
        form.addRow("", self.keyring_note)
        row = QHBoxLayout()
        row.addWidget(self.catalogue, 1)
        row.addWidget(self.connect_button)
        form.addRow("Catalogue", row)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Open | QDialogButtonBox.StandardButton.Cancel)
        self.open_button = self.buttons.button(QDialogButtonBox.StandardButton.Open)
        self.open_button.setEnabled(False)
        self.open_button.clicked.connect(self.open_chosen)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.status)
        layout.addWidget(self.buttons)
        for field in (self.host, self.database, self.user):
            field.textEdited.connect(self._address_changed)
        self.port.valueChanged.connect(self._address_changed)
        # neither needs the models: on a thread of their own, so that a search never waits behind a keyring or a
        # server that does not answer (trial EC: a silent server's Connect held a search for 10 s on the worker)
        self.side = SideChannel()
        self.keyring_check = SideChannel()
        self.keyring_check.start(lambda _progress, _stop: keyring_status(), "Checking the system keyring…",
                                 on_done=self._show_keyring, on_failed=lambda _message: None)

    # --- what the form says ------------------------------------------------------------------
    def address(self) -> ServerAddress:
        return ServerAddress(self.host.text(), self.port.value(), self.database.text(), self.user.text())

    def _show_keyring(self, status: KeyringStatus) -> None:
        self.keyring = status
        self.keyring_note.setText(status.note)
        self.remember.setEnabled(status.secure)
        if not status.secure:
            self.remember.setChecked(False)
        self._password_hint()

    def _password_hint(self, *_args: object) -> None:
        """What an empty password field uses: the keyring's only where one is read (a secure keyring, the box
        ticked: trial DV read "the keyring's" where there was none)."""
        self.password.setPlaceholderText(PASSWORD_HINT if self._keyring_allowed() else PASSWORD_HINT_NO_KEYRING)

    def _address_changed(self, *_args: object) -> None:
        """Another server or user: the catalogues listed were another database's."""
        if self.side.busy:  # a Connect to the address before: its list would be taken for this one's
            self.side.discard()
            self.status.setText("")
            self.connect_button.setEnabled(True)
        self.catalogue.clear()
        self.catalogue.setEnabled(False)
        self.open_button.setEnabled(False)

    def _busy(self, text: str) -> None:
        self.status.setText(text)
        self.connect_button.setEnabled(False)
        self.open_button.setEnabled(False)

    def _failed(self, message: str) -> None:
        self.status.setText(as_sentence(message))  # plain text: one line from the service
        self.connect_button.setEnabled(True)
        self.open_button.setEnabled(self.catalogue.count() > 0)

    # --- Connect ---------------------------------------------------------------------------------
    def connect_to_server(self) -> None:
        """List the catalogues of the typed database, on a thread of its own (:class:`SideChannel`)."""
        address, typed, use_keyring = self.address(), self.password.text(), self._keyring_allowed()
        self._busy(f"Connecting to {address.host}:{address.port}…")
        self.side.start(lambda _progress, _stop: list_on_server(address, password_for(address, typed, use_keyring)),
                        "Connecting to the shared catalogue's server…",
                        on_done=self._listed, on_failed=self._connect_failed)

    def _connect_failed(self, message: str) -> None:
        """A Connect that failed: the list of an earlier one goes (trial DE: it stayed choosable, Open on, after
        the server had stopped or the address changed)."""
        self.catalogues = []
        self.catalogue.clear()
        self.catalogue.setEnabled(False)
        self._failed(message)

    def _keyring_allowed(self) -> bool:
        return self.remember.isChecked() and self.keyring is not None and self.keyring.secure

    def _listed(self, catalogues: list[SharedCatalogue]) -> None:
        self.catalogues = catalogues
        self.catalogue.clear()
        for entry in catalogues:
            # a catalogue the server holds no index of yet opens to "not indexed": said before it is chosen
            unindexed = "" if entry.indexed else ", not indexed yet"
            self.catalogue.addItem(left_to_right(f"{isolated(entry.name)} — {counted(entry.items, 'item')}{unindexed}"),
                                   entry.name)
        wanted = [index for index, entry in enumerate(catalogues) if entry.name == self.settings.get("shared_catalogue")]
        if wanted:
            self.catalogue.setCurrentIndex(wanted[0])
        self.catalogue.setEnabled(bool(catalogues))
        self.connect_button.setEnabled(True)
        self.open_button.setEnabled(bool(catalogues))
        self.status.setText(f"{len(catalogues)} catalogue(s) on {self.address().display()}" if catalogues
                            else f"No catalogue in {self.address().display()} yet")
        if catalogues:
            self.open_button.setDefault(True)

    # --- Open ------------------------------------------------------------------------------------
    def open_chosen(self) -> None:
        """Open the chosen catalogue on the worker; the password goes to the keyring only once it
        opened (a wrong one is never remembered), and is forgotten there when the box is unticked."""
        name = str(self.catalogue.currentData() or "")
        address, typed, use_keyring = self.address(), self.password.text(), self._keyring_allowed()

        def open_it(service: CatalogueService, _state: object) -> tuple[OpenedCatalogue, bool]:
            opened = service.open_shared(address, password_for(address, typed, use_keyring), name)
            if use_keyring:
                stored = remember_password(address, typed) if typed else False
            else:
                forget_password(address)
                stored = False
            return opened, stored

        self._busy(f"Opening “{isolated(name)}” on {address.host}:{address.port}…")
        self.channel.start(open_it, "Opening the shared catalogue…").on_done(self._opened).on_failed(self._failed)

    def _opened(self, outcome: tuple[OpenedCatalogue, bool]) -> None:
        opened, self.password_stored = outcome
        address = self.address()
        for key, value in (("shared_host", address.host.strip()), ("shared_port", address.port),
                           ("shared_database", address.database.strip()), ("shared_user", address.user.strip()),
                           ("shared_catalogue", opened.info.name), ("shared_remember", int(self._keyring_allowed()))):
            self.settings.set(key, value)
        if problem := self.settings.sync():
            logger.warning("%s", problem)  # the server's address is not remembered: the log says why
        self.password.clear()  # it is not kept in the dialog either
        self.opened.emit(opened, address.display())
        self.accept()
