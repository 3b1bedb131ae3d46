"""SANE Desktop: type-aware outfit compatibility search with SANE explanations.

The core (``catalogue``, ``store``, ``demo``, ``models``, ``training``, ``retrieval``, ``explain``)
never imports Qt; the GUI lives in ``sane_desktop.gui`` and talks to the core through
``sane_desktop.service``.
"""

__version__ = "0.2.0"
