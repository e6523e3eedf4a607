"""The bundle's console entry (``activity-tracker``): the command line, and the GUI when run
without a subcommand."""

import sys

from ui.launcher import main

if __name__ == "__main__":
    sys.exit(main())
