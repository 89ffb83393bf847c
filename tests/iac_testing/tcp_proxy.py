"""A loopback TCP proxy that fails a connection at the moment a test chooses.

``TcpProxy(port)`` forwards ``127.0.0.1:<proxy.port>`` to ``127.0.0.1:<port>``. When a client
sends bytes containing the ``trigger`` (e.g. the text of one SQL statement, which PostgreSQL's
protocol carries in clear on loopback), the proxy does not forward them, and instead:

* ``"cut"``: closes both sides, as a network failure or a server restart would;
* ``"stall"``: holds that connection silently, as a hung network would, until the client
  goes away; then closes the server side too (as the kernel would for a dead process);
* ``"drop_answer"``: forwards the request, so the server carries it out, then closes the
  connection instead of passing the server's answer back: an answer lost on the way.

``triggered`` is set then, so a test waits on it rather than sleeping.
"""

from __future__ import annotations

import contextlib
import socket
import threading
from types import TracebackType
from typing import Literal

Mode = Literal["cut", "stall", "drop_answer"]


class TcpProxy:
    def __init__(self, target_port: int, trigger: bytes, mode: Mode = "cut") -> None:
        self.target_port = target_port
        self.trigger = trigger
        self.mode = mode
        self.triggered = threading.Event()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port: int = self._listener.getsockname()[1]
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return  # closed
            server = socket.create_connection(("127.0.0.1", self.target_port))
            with self._lock:
                self._sockets += [client, server]
            dropping = threading.Event()  # this connection's next answer is to be lost
            upstream = threading.Thread(
                target=self._client_to_server, args=(client, server, dropping)
            )
            downstream = threading.Thread(target=self._pump, args=(server, client, dropping))
            for thread in (upstream, downstream):
                thread.daemon = True
                thread.start()

    def _client_to_server(
        self, client: socket.socket, server: socket.socket, dropping: threading.Event
    ) -> None:
        tail = b""
        stalled = False
        while data := _recv(client):
            seen = tail + data
            tail = seen[-len(self.trigger) :]
            if stalled:
                continue  # swallowed: the server never hears from this client again
            if not self.triggered.is_set() and self.trigger in seen:
                self.triggered.set()
                if self.mode == "drop_answer":
                    dropping.set()
                    with contextlib.suppress(OSError):
                        server.sendall(data)
                    continue
                if self.mode == "cut":
                    break
                stalled = True
                continue
            with contextlib.suppress(OSError):
                server.sendall(data)
        _close(client, server)

    def _pump(self, source: socket.socket, sink: socket.socket, dropping: threading.Event) -> None:
        while data := _recv(source):
            if dropping.is_set():
                break  # the answer is lost: the client sees the connection close
            try:
                sink.sendall(data)
            except OSError:
                break
        _close(source, sink)

    def close(self) -> None:
        self._listener.close()
        with self._lock:
            _close(*self._sockets)

    def __enter__(self) -> TcpProxy:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def _recv(sock: socket.socket) -> bytes:
    try:
        return sock.recv(65536)
    except OSError:
        return b""


def _close(*sockets: socket.socket) -> None:
    for sock in sockets:
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)
        with contextlib.suppress(OSError):
            sock.close()
