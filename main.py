"""Start Activity Tracker: the same program as the `activity-tracker` command."""

import sys

from ui.launcher import main

if __name__ == "__main__":
    sys.exit(main())
