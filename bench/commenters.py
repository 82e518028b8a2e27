"""Fifty commenters posting at once, and an exact count of what they were told.

wrk drops the requests in flight when its time is up, so the server may store a
comment whose answer wrk never counted. Here each commenter (a thread with its
own keep-alive connection) posts distinct comments until the deadline, then
waits for its last answer: every comment the server stored has a counted answer,
and the latencies are those of POSTs alone.
"""

import http.client
import statistics
import threading
import time
from urllib.parse import urlsplit


def post_comments(url: str, bodies: list[str], cookie: str, commenters: int, seconds: float):
    """POST bodies (each used once) to url from `commenters` threads; count every answer."""
    parts = urlsplit(url)
    deadline = time.monotonic() + seconds
    statuses: dict[int, int] = {}
    latencies: list[float] = []
    lock = threading.Lock()

    def commenter(first: int) -> None:
        connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
        headers = {"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie}
        for index in range(first, len(bodies), commenters):
            if time.monotonic() >= deadline:
                break
            sent = time.perf_counter()
            try:
                connection.request("POST", parts.path, body=bodies[index], headers=headers)
                response = connection.getresponse()
                response.read()
                status = response.status
            except (OSError, http.client.HTTPException):
                status = 0  # a socket error: counted, never dropped
                connection.close()
            with lock:
                statuses[status] = statuses.get(status, 0) + 1
                latencies.append((time.perf_counter() - sent) * 1000)
        connection.close()

    started = time.monotonic()
    threads = [threading.Thread(target=commenter, args=(n,)) for n in range(commenters)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
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
