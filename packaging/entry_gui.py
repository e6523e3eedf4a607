"""The bundle's windowed entry (``ActivityTracker``, no console on Windows): the same program as
``activity-tracker``; with no subcommand it starts the desktop application."""

import sys

from ui.launcher import main

if __name__ == "__main__":
    sys.exit(main())
