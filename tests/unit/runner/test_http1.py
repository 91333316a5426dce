"""checker.runner.http1: the moment `sent` is called. A real unix-socket server on a thread:
it reads the whole request, and answers only once the client's `sent` has been called."""

from __future__ import annotations

import socket
import threading
from pathlib import Path

from checker.runner import http1


def test_sent_is_called_after_the_whole_request_and_before_the_answer(tmp_path: Path) -> None:
    path = str(tmp_path / "engine.sock")
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path)
    listener.listen(1)
    body = b'{"x": 1}'
    received = threading.Event()  # the server has the whole request
    called = threading.Event()  # the client's sent() ran
    waited: list[bool] = []

    def serve() -> None:
        connection, _ = listener.accept()
        with connection:
            data = b""
            while not data.endswith(body):
                chunk = connection.recv(4096)
                if not chunk:
                    break
                data += chunk
            received.set()
            waited.append(called.wait(5))  # no answer before sent()
            connection.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")

    server = threading.Thread(target=serve)
    server.start()
    order: list[str] = []

    def sent() -> None:
        order.append("sent, whole request received: " + str(received.wait(5)))
        called.set()

    try:
        with http1.request(path, "POST", "/containers/x/start", timeout=10, body=body,
                           sent=sent) as response:
            order.append("answered")
            assert response.read() == b"ok"
    finally:
        server.join(10)
        listener.close()
    assert order == ["sent, whole request received: True", "answered"]
    assert waited == [True]
