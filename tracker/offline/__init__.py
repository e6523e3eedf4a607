"""Offline work on a shared school database (issue 17).

A workstation whose database is the school's PostgreSQL server keeps a *replica*: an SQLite file
in the per-user data folder with what its user may need offline (their activities' rosters,
sessions, statuses, milestones and current marks), refreshed whenever the server is reachable.

* :mod:`tracker.offline.replica` builds, opens and wipes the replica;
* :mod:`tracker.offline.queue` records each change made offline (a mark, a tick) in the replica's
  ``sync_queue`` in the same transaction as the change itself;
* :mod:`tracker.offline.sync` sends the queue to the server, each entry as the same domain
  operation with the version it was based on and an idempotency key, and keeps what someone else
  changed meanwhile as a decision for the user;
* :mod:`tracker.offline.router` is the ``Services`` the GUI holds: the server's while it answers,
  the replica's (with the queue) while it does not.
"""
