"""A small closed-loop HTTP/1.1 load generator (a stand-in for wrk, which is not installed).

`run_load()` starts `workers` worker processes (`python bench/loadgen.py`, stdlib only);
each opens its share of `connections` keep-alive sockets to a loopback server and runs a
closed loop on each (send a request, read the whole response, send the next) from a
common start time for `duration` seconds, timing every request. The parent merges the
latencies into requests/s and percentiles. Requests are pre-built raw HTTP/1.1 bytes,
taken round-robin per connection; a response must carry Content-Length (no chunking).
"""

from __future__ import annotations

import base64
import json
import os
import selectors
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field


def http_request(method: str, path: str, host: str, headers: dict[str, str] | None = None,
                 body: bytes = b"") -> bytes:
    """Raw HTTP/1.1 request bytes (keep-alive, Content-Length when there is a body)."""
    lines = [f"{method} {path} HTTP/1.1", f"Host: {host}", "Connection: keep-alive"]
    lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
    if body or method in ("POST", "PUT", "PATCH"):
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


@dataclass
class _Connection:
    sock: socket.socket
    requests: list[bytes]
    next_index: int = 0
    started_ns: int = 0
    buffer: bytearray = field(default_factory=bytearray)
    expected: int | None = None  # total bytes of the current response once headers are in
    status: int = 0
    headers: bytes = b""


def _parse_head(conn: _Connection) -> None:
    end = conn.buffer.find(b"\r\n\r\n")
    if end < 0:
        return
    head = bytes(conn.buffer[:end])
    conn.status = int(head.split(b" ", 2)[1])
    length = None
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    if length is None:
        raise RuntimeError(f"response without Content-Length: {head[:200]!r}")
    conn.headers = head
    conn.expected = end + 4 + length


def _worker(config: dict) -> dict:
    """One worker process: its connections in a closed loop; latencies in µs."""
    selector = selectors.DefaultSelector()
    conns = []
    for index in range(config["connections"]):
        sock = socket.create_connection((config["host"], config["port"]))
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        requests = [base64.b64decode(r) for r in config["requests"]]
        conn = _Connection(sock, requests, next_index=index * 7919 % len(requests))
        conns.append(conn)
    start = config["start_at"]
    while time.time() < start:
        time.sleep(min(0.01, max(0.0, start - time.time())))
    deadline_ns = time.perf_counter_ns() + int(config["duration"] * 1e9)
    latencies: list[int] = []
    statuses: dict[str, int] = {}
    sample_headers: str | None = None

    def send(conn: _Connection) -> None:
        request = conn.requests[conn.next_index % len(conn.requests)]
        conn.next_index += 1
        conn.buffer.clear()
        conn.expected = None
        conn.started_ns = time.perf_counter_ns()
        conn.sock.sendall(request)

    for conn in conns:
        send(conn)
        selector.register(conn.sock, selectors.EVENT_READ, conn)
    open_count = len(conns)
    while open_count:
        for key, _ in selector.select(timeout=1.0):
            conn = key.data
            chunk = conn.sock.recv(262_144)
            if not chunk:
                raise RuntimeError("server closed a keep-alive connection")
            conn.buffer += chunk
            if conn.expected is None:
                _parse_head(conn)
            if conn.expected is None or len(conn.buffer) < conn.expected:
                continue
            now = time.perf_counter_ns()
            if now < deadline_ns:  # requests finishing after the deadline are not counted
                latencies.append((now - conn.started_ns) // 1000)
                statuses[str(conn.status)] = statuses.get(str(conn.status), 0) + 1
            if sample_headers is None:
                sample_headers = conn.headers.decode("latin-1")
            if now >= deadline_ns:
                selector.unregister(conn.sock)
                conn.sock.close()
                open_count -= 1
            else:
                send(conn)
    return {"latencies_us": latencies, "statuses": statuses, "sample_headers": sample_headers}


@dataclass(frozen=True)
class LoadResult:
    """Merged figures of one load run."""

    requests: int
    seconds: float
    rps: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    mean_ms: float
    statuses: dict[str, int]
    sample_headers: str
    connections: int
    workers: int
    latencies_ms: list[float] = field(default_factory=list, repr=False)  # sorted

    def figures(self) -> dict:
        """The JSON-able figures (without the sample headers)."""
        return {"requests": self.requests, "seconds": round(self.seconds, 2),
                "rps": round(self.rps, 1), "p50_ms": round(self.p50_ms, 2),
                "p90_ms": round(self.p90_ms, 2), "p99_ms": round(self.p99_ms, 2),
                "mean_ms": round(self.mean_ms, 2), "statuses": self.statuses}


def percentile(sorted_values: list[float], q: float) -> float:
    """Linearly interpolated percentile (numpy's default) of already sorted values."""
    if not sorted_values:
        return float("nan")
    position = (len(sorted_values) - 1) * q
    low = int(position)
    high = min(low + 1, len(sorted_values) - 1)
    return sorted_values[low] + (sorted_values[high] - sorted_values[low]) * (position - low)


def run_load(host: str, port: int, requests: list[bytes], *, connections: int, workers: int,
             duration: float) -> LoadResult:
    """Closed-loop load on `host:port` (see the module docstring); raises RuntimeError
    when a worker fails."""
    workers = max(1, min(workers, connections))
    shares = [connections // workers + (i < connections % workers) for i in range(workers)]
    start_at = time.time() + 1.0 + 0.2 * workers  # time for the workers to start and connect
    encoded = [base64.b64encode(r).decode() for r in requests]
    procs = []
    for share in shares:
        config = {"host": host, "port": port, "connections": share, "requests": encoded,
                  "start_at": start_at, "duration": duration}
        proc = subprocess.Popen([sys.executable, os.path.abspath(__file__)],
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)
        proc.stdin.write(json.dumps(config))
        proc.stdin.close()
        procs.append(proc)
    latencies: list[int] = []
    statuses: dict[str, int] = {}
    sample = ""
    for proc in procs:
        out = proc.stdout.read()
        err = proc.stderr.read()
        if proc.wait() != 0:
            raise RuntimeError(f"load worker failed:\n{err}")
        part = json.loads(out)
        latencies += part["latencies_us"]
        for status, count in part["statuses"].items():
            statuses[status] = statuses.get(status, 0) + count
        sample = sample or part["sample_headers"] or ""
    latencies.sort()
    ms = [v / 1000 for v in latencies]
    return LoadResult(
        requests=len(ms), seconds=duration, rps=len(ms) / duration,
        p50_ms=percentile(ms, 0.5), p90_ms=percentile(ms, 0.9), p99_ms=percentile(ms, 0.99),
        mean_ms=sum(ms) / len(ms) if ms else float("nan"), statuses=statuses,
        sample_headers=sample, connections=connections, workers=workers, latencies_ms=ms)


if __name__ == "__main__":
    # Worker mode: the config arrives as JSON on stdin, the result leaves as JSON on stdout.
    json.dump(_worker(json.loads(sys.stdin.read())), sys.stdout)
