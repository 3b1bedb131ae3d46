"""The desktop GUI (PySide6). Everything Qt lives in this package; the core never imports it."""
