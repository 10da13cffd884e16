"""A minimal TLS-terminating reverse proxy for tests, in front of a local gunicorn.

It does what nginx's usual `proxy_pass` setup does and nothing more: it decrypts,
appends the peer's address to X-Forwarded-For, sets X-Forwarded-Proto: https,
keeps the Host header, and relays one request per connection.
"""

from __future__ import annotations

import socket
import socketserver
import ssl
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def self_signed_certificate(directory: Path, hostname: str) -> tuple[Path, Path]:
    """A throw-away certificate for `hostname` and 127.0.0.1, made with the openssl CLI."""
    cert, key = directory / "cert.pem", directory / "key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            f"/CN={hostname}",
            "-addext",
            f"subjectAltName=DNS:{hostname},IP:127.0.0.1",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )
    return cert, key


def _read_request(stream) -> tuple[list[bytes], bytes]:
    """The request line and header lines (without CRLF), and the body (Content-Length only)."""
    lines = []
    while (line := stream.readline(65537)) not in (b"\r\n", b"\n", b""):
        lines.append(line.rstrip(b"\r\n"))
    length = 0
    for line in lines[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    return lines, stream.read(length) if length else b""


def _forwarded(lines: list[bytes], peer: str) -> list[bytes]:
    """Append the peer to X-Forwarded-For, set X-Forwarded-Proto, close after one response."""
    forwarded_for, kept = None, [lines[0]]
    for line in lines[1:]:
        name = line.partition(b":")[0].strip().lower()
        if name == b"x-forwarded-for":
            forwarded_for = line.partition(b":")[2].strip()
        elif name not in (b"x-forwarded-proto", b"connection"):
            kept.append(line)
    chain = (forwarded_for + b", " if forwarded_for else b"") + peer.encode()
    return [*kept, b"X-Forwarded-For: " + chain, b"X-Forwarded-Proto: https", b"Connection: close"]


@contextmanager
def tls_proxy(*, upstream: tuple[str, int], cert: Path, key: Path) -> Iterator[int]:
    """Listen with TLS on a free port of 127.0.0.1 and relay to `upstream`; yields the port."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)

    class Handler(socketserver.StreamRequestHandler):
        def setup(self) -> None:
            try:
                self.request = context.wrap_socket(self.request, server_side=True)
            except (ssl.SSLError, OSError):  # a client that gave up on the handshake
                self.request = None
                return
            super().setup()

        def finish(self) -> None:
            if self.request is not None:
                super().finish()

        def handle(self) -> None:
            if self.request is None:
                return
            lines, body = _read_request(self.rfile)
            if not lines:
                return
            with socket.create_connection(upstream, timeout=30) as backend:
                backend.sendall(b"\r\n".join(_forwarded(lines, self.client_address[0])) + b"\r\n\r\n" + body)
                while chunk := backend.recv(65536):
                    self.wfile.write(chunk)

    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()
