"""The loopback mirror: serves the artifact cache over HTTP on 127.0.0.1 to image builds."""

from __future__ import annotations

import functools
import html
import os
import subprocess
import threading
import time
import urllib.parse
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

AUTOINDEX = "/autoindex/"


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - signature fixed by the base class
        pass


class _MirrorHandler(_QuietHandler):
    """Static files, and git's smart HTTP protocol for the bare repositories under ``git/``
    (answered by ``git http-backend``, as a git server would): a shallow clone (``git clone
    --depth 1``, which asdf 0.20 runs for plugins) cannot use the dumb protocol."""

    def do_GET(self):
        if self._smart_git():
            return
        if self.path.startswith(AUTOINDEX):
            self._autoindex()
            return
        super().do_GET()

    def _autoindex(self) -> None:
        """``/autoindex/<dir>/``: an nginx-style listing of the mirror's ``<dir>`` (the ``<pre>``
        block some managers read as a download page, e.g. voidint/g's autoindex collector);
        ``/autoindex/<dir>/<file>`` is that file."""
        path = urllib.parse.unquote(urllib.parse.urlsplit(self.path).path)
        parts = [p for p in path[len(AUTOINDEX):].split("/") if p]
        if not parts or any(p in (".", "..") for p in parts):
            self.send_error(404)
            return
        target = Path(self.directory).joinpath(*parts)
        if target.is_file():
            self.path = "/" + "/".join(parts)
            super().do_GET()
            return
        if not target.is_dir() or not path.endswith("/"):
            self.send_error(404)
            return
        lines = ['<a href="../">../</a>']
        for entry in sorted(target.iterdir()):
            if entry.is_file() and not entry.name.startswith("."):
                stamp = time.strftime("%d-%b-%Y %H:%M", time.gmtime(entry.stat().st_mtime))
                name = html.escape(entry.name, quote=True)
                lines.append(f'<a href="{name}">{name}</a>{" " * max(1, 51 - len(entry.name))}'
                             f"{stamp} {entry.stat().st_size:>20}")
        body = (f"<html>\n<head><title>Index of {html.escape(path)}</title></head>\n<body>\n"
                f"<h1>Index of {html.escape(path)}</h1><hr><pre>" + "\n".join(lines)
                + "\n</pre><hr></body>\n</html>\n").encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self):
        if not self._smart_git():
            self.send_error(405)

    def _smart_git(self) -> bool:
        url = urllib.parse.urlsplit(self.path)
        path = urllib.parse.unquote(url.path)
        wanted = (url.query == "service=git-upload-pack" and path.endswith("/info/refs")) or \
            path.endswith("/git-upload-pack")
        if not (path.startswith("/git/") and wanted) or ".." in path.split("/"):
            return False
        body = self._body()
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "GIT_PROJECT_ROOT": self.directory, "GIT_HTTP_EXPORT_ALL": "1",
            "PATH_INFO": path, "QUERY_STRING": url.query, "REQUEST_METHOD": self.command,
            "CONTENT_TYPE": self.headers.get("Content-Type", ""),
            "CONTENT_LENGTH": str(len(body)), "REMOTE_ADDR": self.client_address[0],
            "GIT_PROTOCOL": self.headers.get("Git-Protocol", ""),
            "HTTP_CONTENT_ENCODING": self.headers.get("Content-Encoding", ""),
        }
        try:
            proc = subprocess.run(["git", "http-backend"], input=body, env=env,
                                  capture_output=True, timeout=300)
        except (OSError, subprocess.TimeoutExpired) as exc:
            self.send_error(500, f"git http-backend: {exc}")
            return True
        head, sep, payload = proc.stdout.partition(b"\r\n\r\n")
        if not sep:
            head, sep, payload = proc.stdout.partition(b"\n\n")
        status, headers = 200, []
        for line in head.decode("latin-1").splitlines():
            name, _, value = line.partition(":")
            if name.lower() == "status":
                status = int(value.split()[0])
            elif name:
                headers.append((name, value.strip()))
        if proc.returncode != 0 and status == 200:
            status = 500
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)
        return True

    def _body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    self.rfile.readline()
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))


class ServedFolder:
    """A server answering from a daemon thread for as long as the context lasts."""

    _server = None
    _thread: threading.Thread | None = None
    _starting = threading.Lock()

    def _make_server(self):
        raise NotImplementedError

    def start(self):
        with self._starting:  # image builds at once each ask for the one server
            if self._server is None:
                self._server = self._make_server()
                self._thread = threading.Thread(target=self._server.serve_forever,
                                                daemon=True, name=type(self).__name__)
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
        handler = functools.partial(_MirrorHandler, directory=str(self.root))
        server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        server.daemon_threads = True
        return server
