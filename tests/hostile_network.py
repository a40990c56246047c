"""Another host, and a guard that no test ever reaches one: for tests of redirects."""

from __future__ import annotations

import socket
import threading

import pytest


class AttemptedConnections:
    """Every TCP connection the client tries; only 127.0.0.1 may be reached at all."""

    def __init__(self, monkeypatch):
        self.addresses: list[tuple[str, int]] = []
        real = socket.create_connection

        def guarded(address, *args, **kwargs):
            self.addresses.append(address)
            if address[0] != "127.0.0.1":
                raise ConnectionRefusedError(f"test guard: no connection to {address[0]}")
            return real(address, *args, **kwargs)

        monkeypatch.setattr(socket, "create_connection", guarded)

    def hosts(self) -> set[str]:
        return {host for host, _ in self.addresses}


@pytest.fixture(name="other_host")
def other_host_fixture():
    """A listener on 127.0.0.2, standing in for another host: it counts who calls."""
    listener = socket.socket()
    listener.bind(("127.0.0.2", 0))
    listener.listen()
    listener.settimeout(0.1)
    accepted = []
    stop = threading.Event()

    def accept():
        while not stop.is_set():
            try:
                accepted.append(listener.accept()[0])
            except TimeoutError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield listener.getsockname()[1], accepted
    stop.set()
    thread.join()
    listener.close()
