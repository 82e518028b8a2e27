"""The benchmark's commenters count every answer, and never wait for ever."""

import socket
import threading
import time

import pytest

from bench import commenters


@pytest.fixture
def listening():
    """A socket that accepts connections; ``answer`` says what each request gets."""
    server = socket.create_server(("127.0.0.1", 0))
    server.settimeout(0.2)
    state = {"answer": b"", "stop": False, "requests": 0}

    def serve(conn):
        with conn:
            conn.settimeout(0.2)
            buffer = b""
            while not state["stop"]:
                try:
                    chunk = conn.recv(65536)
                except TimeoutError:
                    continue
                if not chunk:
                    return
                buffer += chunk
                while b"\r\n\r\n" in buffer:
                    head, _, rest = buffer.partition(b"\r\n\r\n")
                    length = int(head.split(b"Content-Length: ")[1].split(b"\r\n")[0])
                    if len(rest) < length:
                        break
                    buffer = rest[length:]
                    state["requests"] += 1
                    if state["answer"]:
                        conn.sendall(state["answer"])

    def accept():
        while not state["stop"]:
            try:
                conn, _ = server.accept()
            except TimeoutError:
                continue
            threading.Thread(target=serve, args=(conn,), daemon=True).start()

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.getsockname()[1]}/post/", state
    state["stop"] = True
    thread.join()
    server.close()


def test_every_post_sent_gets_one_counted_answer(listening):
    url, state = listening
    state["answer"] = b"HTTP/1.1 302 Found\r\nLocation: /c/1\r\nContent-Length: 0\r\n\r\n"

    result = commenters.post_comments(url, ["text=hi"] * 500, "c=1", 5, 0.5)

    assert result["redirects"] == result["requests"] == state["requests"] > 0
    assert result["socket_errors"] == 0


def test_a_server_that_stops_answering_is_counted_not_awaited(listening, monkeypatch):
    monkeypatch.setattr(commenters, "ANSWER_SECONDS", 0.5)
    url, state = listening  # accepts and reads, never answers

    started = time.monotonic()
    result = commenters.post_comments(url, ["text=hi"] * 10, "c=1", 3, 0.2)

    assert time.monotonic() - started < 5
    assert result["socket_errors"] == result["requests"] == state["requests"] == 3
    assert result["p99_ms"] < 5000


def test_a_refused_connection_counts_as_an_error_with_a_true_latency():
    closed = socket.create_server(("127.0.0.1", 0))
    port = closed.getsockname()[1]
    closed.close()

    result = commenters.post_comments(f"http://127.0.0.1:{port}/", ["a=1"] * 5, "c=1", 5, 0.2)

    assert result["socket_errors"] == result["requests"] > 0
    assert result["p99_ms"] < 1000
