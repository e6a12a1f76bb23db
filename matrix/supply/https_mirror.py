"""The HTTPS mirror: the artifact cache served as the download hosts that managers hard-code.

Some managers download from fixed https URLs with no mirror setting (asdf-golang from
``dl.google.com``, SDKMAN's installer from its own servers). During the build of such a manager's
layer those hosts resolve to 127.0.0.1 and this server answers for them on 127.0.0.1:443, with a
certificate for those host names signed by a certificate authority generated for the run. The
layer trusts that CA (``ca_pem``) only for the duration of its install step.

A request for host H and path P is answered with the file ``mirror/hosts/H/P`` if it exists,
else ``mirror/P``: ``https://dl.google.com/go/go1.21.13.linux-amd64.tar.gz`` is the cache's
``mirror/go/go1.21.13.linux-amd64.tar.gz``. A path naming a directory is answered with its
``index.html``. The query string is ignored, as a static server does; directories are never
listed.
"""

from __future__ import annotations

import errno
import posixpath
import socket
import ssl
import threading
import urllib.parse
from collections.abc import Iterable
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import trustme

from ..core.errors import EXIT_ENVIRONMENT, MatrixError
from .mirror import ServedFolder

DEFAULT_PORT = 443
HOSTS_DIR = "hosts"
_LOG_LIMIT = 1000


def _parts(url_path: str) -> list[str]:
    """The safe components of a request path: no query, no '.', '..' or empty parts."""
    path = urllib.parse.unquote(urllib.parse.urlsplit(url_path).path)
    return [p for p in posixpath.normpath("/" + path).split("/") if p not in ("", ".", "..")]


def resolve(root: Path, host: str, url_path: str) -> Path:
    """The file (or directory) that answers ``url_path`` asked of ``host``: the host's own copy
    under ``hosts/<host>/`` when there is one, else the shared one."""
    parts = _parts(url_path)
    host = host.split(":", 1)[0].strip().lower().rstrip(".")
    if host and host not in (".", ".."):
        own = root.joinpath(HOSTS_DIR, host, *parts)
        if own.exists():
            return own
    return root.joinpath(*parts)


class _Handler(SimpleHTTPRequestHandler):
    server: _TLSServer

    def translate_path(self, path: str) -> str:
        return str(resolve(self.server.root, self.headers.get("Host", ""), path))

    def list_directory(self, path):  # noqa: ANN001 - signature fixed by the base class
        self.send_error(404, "Not found")
        return None

    def log_request(self, code="-", size="-") -> None:  # noqa: ANN001 - fixed by the base
        self.server.note(self.headers.get("Host", ""), self.path, code)

    def log_message(self, format, *args) -> None:  # noqa: A002 - fixed by the base class
        pass


class _TLSServer(ThreadingHTTPServer):
    """A threading HTTP server that does each TLS handshake in the request's own thread, so a
    client that stalls in the handshake holds up nobody else."""

    daemon_threads = True

    def __init__(self, address: tuple[str, int], context: ssl.SSLContext, root: Path) -> None:
        self.context = context
        self.root = root
        self.requests: list[tuple[str, str, str]] = []
        self._lock = threading.Lock()
        super().__init__(address, _Handler)

    def finish_request(self, request, client_address) -> None:  # noqa: ANN001 - base signature
        try:
            tls = self.context.wrap_socket(request, server_side=True)
        except (ssl.SSLError, OSError):
            return  # a client that does not trust us, or went away: nothing to answer
        try:
            super().finish_request(tls, client_address)
        finally:
            try:
                tls.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            tls.close()

    def note(self, host: str, path: str, code) -> None:  # noqa: ANN001 - int or HTTPStatus
        with self._lock:
            if len(self.requests) < _LOG_LIMIT:
                self.requests.append((host, path, str(getattr(code, "value", code))))


class HttpsMirror(ServedFolder):
    """Serves ``root`` over HTTPS on ``bind``:``port`` as every host in ``hosts``, for as long
    as the context lasts. ``ca_pem`` is the PEM text of the CA that signed its certificate."""

    def __init__(self, root: Path, hosts: Iterable[str], port: int = DEFAULT_PORT,
                 bind: str = "127.0.0.1") -> None:
        self.root = Path(root)
        self.hosts = tuple(dict.fromkeys(h.strip().lower() for h in hosts if h.strip()))
        if not self.hosts:
            raise ValueError("an HTTPS mirror needs at least one host name")
        self.bind = bind
        self._port = port
        self._ca = trustme.CA(organization_name="govm-matrix mirror CA")

    @property
    def ca_pem(self) -> str:
        """The CA certificate (PEM) that an image must trust to accept this mirror."""
        return self._ca.cert_pem.bytes().decode()

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("HTTPS mirror not started")
        return self._server.server_address[1]

    @property
    def requests(self) -> list[tuple[str, str, str]]:
        """(host, path, status) of each request answered so far, oldest first."""
        return list(self._server.requests) if self._server else []

    def extra_hosts(self) -> dict[str, str]:
        """The host-name mapping a build needs so that its downloads reach this mirror."""
        return {host: self.bind for host in self.hosts}

    def _make_server(self) -> _TLSServer:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        self._ca.issue_cert(*self.hosts).configure_cert(context)
        try:
            return _TLSServer((self.bind, self._port), context, self.root)
        except OSError as exc:
            raise MatrixError(_bind_error(self.bind, self._port, exc), EXIT_ENVIRONMENT) from None


def _bind_error(bind: str, port: int, exc: OSError) -> str:
    where = f"{bind}:{port}"
    if exc.errno in (errno.EACCES, errno.EPERM):
        return (f"cannot listen on {where} for the HTTPS mirror ({exc.strerror}): binding a "
                f"port below 1024 such as {port} needs root; run as root (as CI does)")
    if exc.errno == errno.EADDRINUSE:
        return (f"cannot listen on {where} for the HTTPS mirror: the port is in use; stop "
                "what listens there (e.g. another govm-matrix run) and retry")
    return f"cannot listen on {where} for the HTTPS mirror: {exc.strerror or exc}"
