"""``python -m sane_desktop`` runs the command-line interface."""

from sane_desktop.cli import main

raise SystemExit(main())
