"""The HTTPS mirror answers as the hard-coded download hosts, from the artifact cache."""

from __future__ import annotations

import errno
import socket
import ssl

import pytest

from matrix.core.errors import MatrixError
from matrix.supply.https_mirror import HttpsMirror, _bind_error, resolve


def _get(mirror: HttpsMirror, host: str, path: str, method: str = "GET",
         context: ssl.SSLContext | None = None) -> tuple[int, dict[str, str], bytes]:
    """One HTTPS request to the mirror as ``host`` (SNI, certificate check, Host header)."""
    context = context or ssl.create_default_context(cadata=mirror.ca_pem)
    with socket.create_connection(("127.0.0.1", mirror.port), timeout=10) as raw, \
            context.wrap_socket(raw, server_hostname=host) as tls:
        tls.sendall(f"{method} {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
                    .encode())
        data = b""
        while chunk := tls.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode().split("\r\n")
    headers = dict(line.split(": ", 1) for line in lines[1:])
    return int(lines[0].split()[1]), headers, body


@pytest.fixture
def root(tmp_path):
    (tmp_path / "go").mkdir()
    (tmp_path / "go" / "go1.22.10.linux-amd64.tar.gz").write_bytes(b"tarball")
    (tmp_path / "go" / "go1.22.10.linux-amd64.tar.gz.sha256").write_text("abc123")
    installer = tmp_path / "hosts" / "get.example.test"
    installer.mkdir(parents=True)
    (installer / "index.html").write_text("#!/bin/bash\necho installer\n")
    api = tmp_path / "hosts" / "api.example.test" / "2"
    api.mkdir(parents=True)
    (api / "healthcheck").write_text("OK")
    (tmp_path / "hosts" / "api.example.test" / "go").mkdir()
    (tmp_path / "hosts" / "api.example.test" / "go" / "go1.22.10.linux-amd64.tar.gz"
     ).write_bytes(b"the host's own copy")
    (tmp_path / "empty-dir").mkdir()
    return tmp_path


@pytest.fixture
def mirror(root):
    with HttpsMirror(root, ["dl.google.com", "get.example.test", "api.example.test"],
                     port=0) as running:
        yield running


def test_a_host_is_answered_from_the_shared_mirror_when_it_has_no_copy_of_its_own(mirror):
    status, headers, body = _get(mirror, "dl.google.com", "/go/go1.22.10.linux-amd64.tar.gz")
    assert (status, body) == (200, b"tarball")
    assert headers["Content-Length"] == "7"
    assert _get(mirror, "dl.google.com", "/go/go1.22.10.linux-amd64.tar.gz.sha256")[2] == b"abc123"


def test_a_host_s_own_copy_wins_over_the_shared_one(mirror):
    assert _get(mirror, "api.example.test", "/go/go1.22.10.linux-amd64.tar.gz")[2] == (
        b"the host's own copy")


def test_the_root_of_a_host_is_its_index_and_the_query_is_ignored(mirror):
    status, _, body = _get(mirror, "get.example.test", "/?rcupdate=false")
    assert (status, body) == (200, b"#!/bin/bash\necho installer\n")
    assert _get(mirror, "api.example.test", "/2/healthcheck?x=1")[2] == b"OK"


def test_head_requests_get_headers_only(mirror):
    status, headers, body = _get(mirror, "dl.google.com", "/go/go1.22.10.linux-amd64.tar.gz",
                                 method="HEAD")
    assert (status, headers["Content-Length"], body) == (200, "7", b"")


def test_missing_files_directories_and_escapes_are_not_found(mirror, root):
    (root.parent / "secret").write_text("outside the mirror")
    assert _get(mirror, "dl.google.com", "/go/go9.9.9.linux-amd64.tar.gz")[0] == 404
    assert _get(mirror, "dl.google.com", "/empty-dir/")[0] == 404  # never a listing
    assert _get(mirror, "dl.google.com", "/../secret")[0] == 404
    assert _get(mirror, "dl.google.com", "/%2e%2e/secret")[0] == 404


def test_requests_are_logged_with_host_path_and_status(mirror):
    _get(mirror, "dl.google.com", "/go/go1.22.10.linux-amd64.tar.gz")
    _get(mirror, "api.example.test", "/missing")
    assert mirror.requests == [("dl.google.com", "/go/go1.22.10.linux-amd64.tar.gz", "200"),
                               ("api.example.test", "/missing", "404")]


def test_a_client_that_does_not_trust_the_run_s_ca_is_refused_and_others_still_served(mirror):
    with pytest.raises(ssl.SSLCertVerificationError):
        _get(mirror, "dl.google.com", "/go/go1.22.10.linux-amd64.tar.gz",
             context=ssl.create_default_context())
    assert _get(mirror, "dl.google.com", "/go/go1.22.10.linux-amd64.tar.gz")[0] == 200


def test_the_certificate_covers_the_mirrored_hosts_only(mirror):
    with pytest.raises(ssl.SSLCertVerificationError, match="not-mirrored.test"):
        _get(mirror, "not-mirrored.test", "/go/go1.22.10.linux-amd64.tar.gz")


def test_each_mirror_has_its_own_ca_in_pem_and_maps_its_hosts_to_loopback(root):
    first, second = HttpsMirror(root, ["dl.google.com"], port=0), HttpsMirror(
        root, ["dl.google.com"], port=0)
    assert first.ca_pem.startswith("-----BEGIN CERTIFICATE-----")
    assert first.ca_pem != second.ca_pem
    assert first.extra_hosts() == {"dl.google.com": "127.0.0.1"}


def test_resolve_keeps_every_request_inside_the_mirror(root):
    assert resolve(root, "DL.Google.com:443", "/go/x") == root / "go" / "x"
    assert resolve(root, "api.example.test", "/go/go1.22.10.linux-amd64.tar.gz") == (
        root / "hosts" / "api.example.test" / "go" / "go1.22.10.linux-amd64.tar.gz")
    assert resolve(root, "..", "/a/../../b") == root / "b"


def test_a_port_in_use_is_a_one_line_environment_error(root):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        with pytest.raises(MatrixError, match=f"127.0.0.1:{port} .* in use") as caught:
            HttpsMirror(root, ["dl.google.com"], port=port).start()
    assert caught.value.exit_code == 3


def test_a_refused_low_port_says_that_it_needs_root():
    message = _bind_error("127.0.0.1", 443, OSError(errno.EACCES, "Permission denied"))
    assert "127.0.0.1:443" in message and "needs root" in message
