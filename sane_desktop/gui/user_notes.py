"""Log records meant for the person (``logs.TELL_USER``), brought to the window from any thread.

The command line shows them as ``note:`` lines; the window showed them only in its log, so a catalogue
database upgraded past an older build's reach, with a copy of it kept, went unsaid there (trial CA's
leftover). A logging handler emits a Qt signal: a connection to a widget of the GUI thread is queued,
so a record logged by the worker thread reaches the window on its own thread.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QObject, Signal

from sane_desktop import logs


class UserNotes(QObject):
    """Emits :attr:`said` with each record for the person logged while it is installed."""

    said = Signal(str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._handler = _Handler(self)
        logging.getLogger().addHandler(self._handler)
        self.destroyed.connect(lambda _obj=None, handler=self._handler: logging.getLogger().removeHandler(handler))

    def uninstall(self) -> None:
        logging.getLogger().removeHandler(self._handler)


class _Handler(logging.Handler):
    def __init__(self, notes: UserNotes) -> None:
        super().__init__(logging.WARNING)
        self.notes: UserNotes | None = notes

    def emit(self, record: logging.LogRecord) -> None:
        if self.notes is not None and logs.for_user(record):
            try:
                self.notes.said.emit(logs.user_words(record))
            except RuntimeError:  # the window is gone (its C++ object deleted): nobody to tell
                self.notes = None
