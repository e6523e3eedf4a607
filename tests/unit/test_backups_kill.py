"""kill -9 in the middle of a backup (issue 15): the previous backups and the live database are
intact, no half file carries a backup name, and the next backup sweeps the temporary file away."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from tracker.db import sqlite_backup
from tracker.services.bootstrap import open_database

pytestmark = pytest.mark.skipif(os.name != "posix", reason="SIGKILL is POSIX")

#: a backup that reports each step and then dawdles, so the test can kill it half-way
SLOW_BACKUP = """
import sys, time
from pathlib import Path
from tracker.db import sqlite_backup

def progress(done, total):
    print(f"copied {done} of {total}", flush=True)
    time.sleep(30)

sqlite_backup.back_up(Path(sys.argv[1]), "manual", progress=progress)
"""


def _largish_database(path: Path) -> None:
    db, _ = open_database(path)
    db.dispose()
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE filler (blob BLOB)")
    conn.executemany("INSERT INTO filler VALUES (randomblob(65536))", [()] * 320)  # about 20 MB
    conn.commit()
    conn.close()


def test_kill_9_during_a_backup_leaves_everything_intact(tmp_path: Path) -> None:
    live = tmp_path / "school.db"
    _largish_database(live)
    previous = sqlite_backup.back_up(live, "daily")
    root = Path(__file__).resolve().parents[2]
    child = subprocess.Popen([sys.executable, "-c", SLOW_BACKUP, str(live)], cwd=root, stdout=subprocess.PIPE,
                             text=True, env={**os.environ, "PYTHONPATH": str(root)})
    try:
        assert child.stdout is not None
        line = child.stdout.readline()
        assert line.startswith("copied "), line  # half-way: some pages copied, not all
        done, _, total = line.split()[1:4]
        assert 0 < int(done) < int(total)
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait(30)
    assert child.returncode == -signal.SIGKILL

    folder = previous.path.parent
    left = [p for p in folder.iterdir() if p.name.startswith(".")]
    assert left and all(".tmp" in p.name for p in left)  # the half copy (and its journal): temporary names only
    assert [b.path for b in sqlite_backup.list_backups(folder)] == [previous.path]
    assert sqlite_backup.integrity_problem(previous.path) is None
    assert sqlite_backup.integrity_problem(live) is None

    made = sqlite_backup.back_up(live, "manual")  # the next run sweeps what the killed one left
    assert not [p for p in folder.iterdir() if p.name.startswith(".")]
    assert {b.path for b in sqlite_backup.list_backups(folder)} == {previous.path, made.path}
