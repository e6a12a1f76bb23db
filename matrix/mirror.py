"""The loopback mirror: serves the artifact cache over HTTP on 127.0.0.1 to image builds."""

from __future__ import annotations

import functools
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - signature fixed by the base class
        pass


class ServedFolder:
    """A server answering from a daemon thread for as long as the context lasts."""

    _server = None
    _thread: threading.Thread | None = None

    def _make_server(self):
        raise NotImplementedError

    def start(self):
        if self._server is None:
            self._server = self._make_server()
            self._thread = threading.Thread(target=self._server.serve_forever, daemon=True,
                                            name=type(self).__name__)
            self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


class Mirror(ServedFolder):
    """A static file server on an ephemeral loopback port."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("mirror not started")
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def _make_server(self) -> ThreadingHTTPServer:
        self.root.mkdir(parents=True, exist_ok=True)
        handler = functools.partial(_QuietHandler, directory=str(self.root))
        server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        server.daemon_threads = True
        return server
