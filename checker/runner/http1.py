"""A minimal HTTP/1.1 client, for the Docker Engine API on its unix socket (engine_api.py) and
the RIE on 127.0.0.1 (rie.py).

Stdlib `socket` only: http.client pulls in the email package (~20 ms of import), and both
need little: one request per connection (`Connection: close`, so any number of threads can
call at once), bodies framed by Content-Length, chunked transfer encoding or the end of the
connection, and request bodies sent whole or chunked from a stream. No proxy is ever used.

Failures are OSError: the socket's own (refused, reset, timed out) and ProtocolError for an
answer that is not HTTP. A status >= 400 is not an error here: the caller reads it.
"""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterable, Iterator
from typing import IO, TYPE_CHECKING

if TYPE_CHECKING:  # typing.Self is 3.11's; annotations are not evaluated here
    from typing import Self

CHUNK = 1 << 20
_MAX_LINE = 1 << 16
_MAX_HEADERS = 200
_SEND_PIECE = 1 << 20


class ProtocolError(OSError):
    """The other end's answer is not well-formed HTTP/1.1."""


class Response:
    """A response: status, reason, headers (lower-case names) and the body, read once. Owns
    the connection: close() (or reading to the end) releases it."""

    def __init__(self, sock: socket.socket, method: str) -> None:
        self._sock = sock
        self._file = sock.makefile("rb")
        try:
            self.status, self.reason = _status_line(self._line())
            while 100 <= self.status < 200 and self.status != 101:  # 100 Continue and friends
                self._headers()
                self.status, self.reason = _status_line(self._line())
            self.headers = self._headers()
        except BaseException:
            self._file.close()  # the socket's owner closes the socket
            raise
        self._chunked = "chunked" in self.headers.get("transfer-encoding", "").lower()
        self._left: int | None = None  # bytes left in the body (or the current chunk)
        self._done = False
        if method == "HEAD" or self.status in (204, 304):
            self._done = True
        elif not self._chunked and "content-length" in self.headers:
            try:
                self._left = int(self.headers["content-length"])
            except ValueError as error:
                raise ProtocolError(f"bad Content-Length {self.headers['content-length']!r}"
                                    ) from error
            self._done = self._left == 0

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def close(self) -> None:
        self._done = True
        self._file.close()
        self._sock.close()

    def settimeout(self, timeout: float | None) -> None:
        self._sock.settimeout(timeout)

    def read_some(self, limit: int = CHUNK) -> bytes:
        """The next piece of the body as it arrives (at most `limit` bytes, at most the rest
        of a chunk); b"" at its end."""
        if self._done:
            return b""
        if self._chunked:
            if not self._left:
                self._left = self._chunk_size()
                if self._left == 0:
                    self._finish_chunked()
                    return b""
            data = self._file.read1(min(limit, self._left))
            if not data:
                raise ProtocolError("the engine closed the connection inside a chunk")
            self._left -= len(data)
            if self._left == 0:
                self._crlf()
            return data
        if self._left is None:  # the body runs to the end of the connection
            data = self._file.read1(limit)
            self._done = not data
            return data
        data = self._file.read1(min(limit, self._left))
        if not data:
            raise ProtocolError(f"the engine closed the connection {self._left} bytes short")
        self._left -= len(data)
        self._done = self._left == 0
        return data

    def read(self, size: int = -1) -> bytes:
        """Up to `size` bytes of the body (all of it when negative): fewer only at its end."""
        pieces: list[bytes] = []
        have = 0
        while size < 0 or have < size:
            piece = self.read_some(CHUNK if size < 0 else size - have)
            if not piece:
                break
            pieces.append(piece)
            have += len(piece)
        return b"".join(pieces)

    def iter_chunks(self, size: int = CHUNK) -> Iterator[bytes]:
        """The body in pieces of `size` bytes (the last one shorter); closes at the end."""
        try:
            while piece := self.read(size):
                yield piece
        finally:
            self.close()

    def iter_arrivals(self) -> Iterator[bytes]:
        """The body as it arrives (for streams of events); closes at the end."""
        try:
            while piece := self.read_some():
                yield piece
        finally:
            self.close()

    def _line(self) -> bytes:
        line = self._file.readline(_MAX_LINE + 1)
        if len(line) > _MAX_LINE:
            raise ProtocolError("a header line of the answer is too long")
        if not line:
            raise ProtocolError("the other end closed the connection without an answer")
        return line

    def _headers(self) -> dict[str, str]:
        headers: dict[str, str] = {}
        for _ in range(_MAX_HEADERS):
            line = self._line()
            if line in (b"\r\n", b"\n"):
                return headers
            name, colon, value = line.decode("latin-1").partition(":")
            if not colon:
                raise ProtocolError(f"bad header line {line[:80]!r}")
            key = name.strip().lower()
            text = value.strip()
            headers[key] = f"{headers[key]}, {text}" if key in headers else text
        raise ProtocolError("too many headers in the answer")

    def _chunk_size(self) -> int:
        line = self._line().split(b";", 1)[0].strip()
        try:
            return int(line, 16)
        except ValueError as error:
            raise ProtocolError(f"bad chunk size {line[:40]!r}") from error

    def _crlf(self) -> None:
        if self._line() not in (b"\r\n", b"\n"):
            raise ProtocolError("a chunk does not end with CRLF")

    def _finish_chunked(self) -> None:
        while self._line() not in (b"\r\n", b"\n"):  # trailers
            pass
        self._done = True


def request(address: str | tuple[str, int], method: str, target: str, *,
            timeout: float | None, headers: dict[str, str] | None = None,
            body: bytes | IO[bytes] | None = None,
            sent: Callable[[], None] | None = None) -> Response:
    """Send one request on a new connection to `address` (a unix socket's path, or a TCP
    (host, port)); the response with its headers read. `target` is the request target
    ("/v1.41/info?x=1"). A stream body is sent chunked. The timeout applies to each socket
    operation. `sent` is called once the whole request is sent, before its answer is waited
    for."""
    if isinstance(address, str):
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        host = "localhost"
    else:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        host = f"{address[0]}:{address[1]}"
    try:
        sock.settimeout(timeout)
        sock.connect(address)
        lines = [f"{method} {target} HTTP/1.1", f"Host: {host}", "User-Agent: lambdacheck",
                 "Connection: close"]
        lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
        if isinstance(body, bytes):
            lines.append(f"Content-Length: {len(body)}")
        elif body is not None:
            lines.append("Transfer-Encoding: chunked")
        elif method in ("POST", "PUT"):
            lines.append("Content-Length: 0")
        head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
        try:
            if isinstance(body, bytes):
                sock.sendall(head + body)
            else:
                sock.sendall(head)
                if body is not None:
                    _send_chunked(sock, _pieces(body))
        except OSError:
            # The engine may answer (an error) and close before it read the whole body:
            # its answer is the better reason, when there is one.
            try:
                return Response(sock, method)
            except OSError:
                pass
            raise
        if sent is not None:
            sent()
        return Response(sock, method)
    except BaseException:
        sock.close()
        raise


def _pieces(stream: IO[bytes]) -> Iterator[bytes]:
    while piece := stream.read(_SEND_PIECE):
        yield piece


def _send_chunked(sock: socket.socket, pieces: Iterable[bytes]) -> None:
    for piece in pieces:
        if piece:
            sock.sendall(b"%x\r\n" % len(piece) + piece + b"\r\n")
    sock.sendall(b"0\r\n\r\n")


def _status_line(line: bytes) -> tuple[int, str]:
    version, _, rest = line.decode("latin-1").strip().partition(" ")
    code, _, reason = rest.partition(" ")
    if not version.startswith("HTTP/") or not code.isdigit():
        raise ProtocolError(f"not an HTTP answer: {line[:80]!r}")
    return int(code), reason
