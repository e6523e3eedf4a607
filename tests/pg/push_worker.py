"""Sends a replica's queue to the school database, slowly, to be killed with SIGKILL part-way
(test_pg_offline's kill -9 test). Usage: push_worker.py URL REPLICA ACTOR_JSON PAUSE_S"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path


def main(url: str, replica_file: str, actor_json: str, pause: float) -> None:
    from tracker.domain.enums import Role
    from tracker.domain.policy import Actor
    from tracker.offline.replica import open_replica
    from tracker.offline.sync import push
    from tracker.services import Services
    from tracker.services.bootstrap import open_database

    server_db, _ = open_database(url)
    replica = open_replica(Path(replica_file))
    who = json.loads(actor_json)
    actor = Actor(who["id"], who["username"], who["display_name"], Role(who["role"]))
    print("PUSHING", flush=True)
    report = push(Services(server_db), replica, actor, progress=lambda done, total, text: time.sleep(pause))
    print(f"DONE {report.applied}", flush=True)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4]))
