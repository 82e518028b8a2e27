"""Fifty commenters posting at once, and an exact count of what they were told.

wrk drops the requests in flight when its time is up, so the server may store a
comment whose answer wrk never counted. Here each commenter (a keep-alive
connection of its own) posts distinct comments until the deadline, then waits for
its last answer: every comment the server stored has a counted answer, and the
latencies are those of POSTs alone.

One thread drives all fifty connections (selectors), each request written as
ready-made bytes: the load generator shares the machine's two cores with the
server and PostgreSQL, and fifty Python threads cost it a third of a core
(0.6 ms of CPU per POST, against about 0.1 ms here).
"""

import selectors
import socket
import statistics
import time
from urllib.parse import urlsplit

HEADERS_END = b"\r\n\r\n"
ANSWER_SECONDS = 60  # an answer not read whole by then counts as a socket error


class _Commenter:
    """One connection: sends its bodies one at a time, reads each answer whole."""

    def __init__(self, address, requests):
        self.address = address
        self.requests = iter(requests)
        self.socket = None
        self.received = b""
        self.sent_at = 0.0

    def connect(self):
        self.socket = socket.create_connection(self.address, timeout=ANSWER_SECONDS)
        self.socket.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.socket.setblocking(False)

    def send_next(self) -> bool:
        request = next(self.requests, None)
        if request is None:
            return False
        self.sent_at = time.perf_counter()  # a refused connection counts from here too
        if self.socket is None:
            self.connect()
        self.received = b""
        self.socket.settimeout(ANSWER_SECONDS)  # a request fits the socket buffer: sent whole
        self.socket.sendall(request)
        self.socket.setblocking(False)
        return True

    def answer(self) -> tuple[int, bool] | None:
        """(status, whether the server closes the connection) once an answer is read
        whole; None while it is incomplete. ConnectionError if the server closed the
        connection mid-answer."""
        chunk = self.socket.recv(65536)
        if not chunk:
            raise ConnectionError("closed by the server")
        self.received += chunk
        head, found, body = self.received.partition(HEADERS_END)
        if not found:
            return None
        lines = head.split(b"\r\n")
        length = 0
        closing = False
        for line in lines[1:]:
            name, _, value = line.partition(b":")
            name = name.strip().lower()
            if name == b"content-length":
                length = int(value)
            elif name == b"connection" and value.strip().lower() == b"close":
                closing = True
        if len(body) < length:
            return None
        return int(lines[0].split()[1]), closing

    def close(self):
        if self.socket is not None:
            self.socket.close()
            self.socket = None


def post_comments(url: str, bodies: list[str], cookie: str, commenters: int, seconds: float):
    """POST bodies (each used once) to url from `commenters` connections; count every answer."""
    parts = urlsplit(url)
    head = (
        f"POST {parts.path} HTTP/1.1\r\nHost: {parts.netloc}\r\nCookie: {cookie}\r\n"
        "Content-Type: application/x-www-form-urlencoded\r\n"
    )
    requests = [
        f"{head}Content-Length: {len(body.encode())}\r\n\r\n{body}".encode() for body in bodies
    ]
    address = (parts.hostname, parts.port)
    selector = selectors.DefaultSelector()
    statuses: dict[int, int] = {}
    latencies: list[float] = []
    started = time.monotonic()
    deadline = started + seconds

    def count(commenter, status: int) -> None:
        """One answer (0: a socket error, a garbled or a missing answer) and its latency."""
        statuses[status] = statuses.get(status, 0) + 1
        latencies.append((time.perf_counter() - commenter.sent_at) * 1000)

    def start(commenter) -> None:
        """Send the next request, unless time is up; a refused send counts as a socket error."""
        while time.monotonic() < deadline:
            try:
                if not commenter.send_next():
                    return
            except OSError:
                count(commenter, 0)
                commenter.close()
                continue
            selector.register(commenter.socket, selectors.EVENT_READ, commenter)
            return

    def finish(commenter, status: int, closing: bool) -> None:
        """Count an answer, then send the commenter's next request."""
        count(commenter, status)
        selector.unregister(commenter.socket)
        if closing:
            commenter.close()
        start(commenter)

    for n in range(commenters):
        start(_Commenter(address, requests[n::commenters]))
    while selector.get_map():
        for key, _ in selector.select(timeout=1):
            commenter = key.data
            try:
                answer = commenter.answer()
            except (OSError, ValueError, IndexError):
                answer = (0, True)  # a socket error or a garbled answer: counted, never dropped
            if answer is not None:
                finish(commenter, *answer)
        late = time.perf_counter() - ANSWER_SECONDS
        for key in list(selector.get_map().values()):
            if key.data.sent_at < late:  # a server that stopped answering: counted, not awaited
                finish(key.data, 0, True)
    selector.close()
    elapsed = time.monotonic() - started
    ordered = sorted(latencies) or [0.0]

    def percentile(p: float) -> float:
        return ordered[min(len(ordered) - 1, int(len(ordered) * p))]

    return {
        "requests": len(latencies),
        "seconds": elapsed,
        "rps": len(latencies) / elapsed,
        "p50_ms": statistics.median(ordered),
        "p95_ms": percentile(0.95),
        "p99_ms": percentile(0.99),
        "ok": sum(n for s, n in statuses.items() if 200 <= s < 300),
        "redirects": sum(n for s, n in statuses.items() if 300 <= s < 400),
        "client_errors": sum(n for s, n in statuses.items() if 400 <= s < 500),
        "server_errors": sum(n for s, n in statuses.items() if s >= 500),
        "socket_errors": statuses.get(0, 0),
    }
