"""Cutting the school database off mid-test, and bringing it back (issue 17's offline tests).

:class:`ClusterSwitch` stops and starts the real PostgreSQL cluster that ``.ci/start-postgres.sh``
started in ``$TRACKER_PG_DIR`` (``pg_ctl -m fast -w stop`` / ``start`` with the options it was
started with, as the postgres user when root): clients see exactly what a school sees when its
server goes down — connections dropped, new ones refused — and the port stays the same.

Without ``$TRACKER_PG_DIR`` (a database given only by its URL), or under pytest-xdist (stopping
the cluster would cut the other workers off too), :class:`ProxySwitch` puts a small loopback TCP
forwarder between the program and the server and cuts that instead: every forwarded connection
is closed and the port refuses new ones until it is restored.
"""

from __future__ import annotations

import os
import shlex
import shutil
import socket
import subprocess
import threading
from pathlib import Path
from typing import Protocol

from sqlalchemy import make_url


class Switch(Protocol):
    url: str  # what the program under test connects to

    def stop(self) -> None: ...

    def start(self) -> None: ...


def pg_bin() -> Path:
    """The newest installed PostgreSQL's bin folder (as .ci/start-postgres.sh picks it)."""
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"),
                   key=lambda p: [int(x) if x.isdigit() else 0 for x in p.parent.parent.name.split(".")])
    if not found:
        raise RuntimeError("pg_ctl is not installed under /usr/lib/postgresql")
    return found[-1].parent


def as_postgres(args: list[str]) -> list[str]:
    """The cluster belongs to the postgres user when the tests run as root (see start-postgres.sh)."""
    if os.geteuid() != 0:
        return args
    if shutil.which("runuser"):
        return ["runuser", "-u", "postgres", "--", *args]
    return ["su", "postgres", "-s", "/bin/sh", "-c", shlex.join(args)]


class ClusterSwitch:
    """Stops and starts the cluster in ``pg_dir`` (its data in ``pg_dir/data``)."""

    def __init__(self, url: str, pg_dir: str) -> None:
        self.url = url
        self.data = Path(pg_dir) / "data"
        self.log = Path(pg_dir) / "server.log"
        # the options the server was started with (host, port, socket folder, fsync…), to start it alike
        words = shlex.split((self.data / "postmaster.opts").read_text())
        options = words[1:]
        if "-D" in options:
            at = options.index("-D")
            del options[at:at + 2]
        self.options = shlex.join(options)
        self.pg_ctl = str(pg_bin() / "pg_ctl")
        self.running = True

    def _pg_ctl(self, *args: str) -> None:
        subprocess.run(as_postgres([self.pg_ctl, "-D", str(self.data), *args]), check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=120)

    def stop(self) -> None:
        self._pg_ctl("-m", "fast", "-w", "stop")
        self.running = False

    def start(self) -> None:
        self._pg_ctl("-l", str(self.log), "-w", "-t", "60", "-o", self.options, "start")
        self.running = True

    def ensure_running(self) -> None:
        """At teardown: whatever the test did, the next test finds the server up."""
        status = subprocess.run(as_postgres([self.pg_ctl, "-D", str(self.data), "status"]),
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        if status.returncode != 0:
            self.start()


class ProxySwitch:
    """A loopback TCP forwarder to the server that can be cut (every connection closed, new ones
    refused) and restored on the same port."""

    def __init__(self, url: str) -> None:
        parsed = make_url(url)
        self.target = (parsed.host or "127.0.0.1", parsed.port or 5432)
        self._lock = threading.Lock()
        self._sockets: set[socket.socket] = set()
        self._listener: socket.socket | None = None
        self.port = 0
        self.start()
        self.url = parsed.set(host="127.0.0.1", port=self.port).render_as_string(hide_password=False)

    def start(self) -> None:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        self.port = listener.getsockname()[1]
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return  # cut
            if self._listener is not listener:  # cut while this one was arriving
                client.close()
                return
            try:
                upstream = socket.create_connection(self.target, timeout=5)
                upstream.settimeout(None)
            except OSError:
                client.close()
                continue
            with self._lock:
                self._sockets.update((client, upstream))
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    def _pipe(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            self._close(source)
            self._close(sink)

    def _close(self, sock: socket.socket) -> None:
        with self._lock:
            self._sockets.discard(sock)
        try:
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        sock.close()

    def stop(self) -> None:
        if self._listener is not None:
            try:  # wakes the thread blocked in accept() (a bare close() would not, on Linux)
                self._listener.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            self._listener.close()
            self._listener = None
        with self._lock:
            open_now = list(self._sockets)
        for sock in open_now:
            self._close(sock)

    def ensure_running(self) -> None:
        if self._listener is None:
            self.start()

    def close(self) -> None:
        self.stop()


def make_switch(url: str) -> ClusterSwitch | ProxySwitch:
    """The real cluster when we own it and nobody else uses it; otherwise the proxy."""
    pg_dir = os.environ.get("TRACKER_PG_DIR", "").strip()
    alone = os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1") == "1"
    if pg_dir and alone and (Path(pg_dir) / "data" / "postmaster.opts").is_file():
        return ClusterSwitch(url, pg_dir)
    return ProxySwitch(url)
