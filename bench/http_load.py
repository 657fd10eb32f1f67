"""A small HTTP/1.1 load client: keep-alive connections over plain sockets, one per thread.

The request bytes are built once and the response is read only as far as its status and length, so the client
costs little beside the servers it measures on the same processor: both sides of a ratio get the same client.
"""
from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

_HEAD_END = b"\r\n\r\n"


def request_bytes(method: str, path: str, port: int, body: bytes = b"", headers: dict[str, str] | None = None) -> bytes:
    """One HTTP/1.1 request to 127.0.0.1:port, ready to send on a keep-alive connection."""
    lines = [f"{method} {path} HTTP/1.1", f"Host: 127.0.0.1:{port}", f"Content-Length: {len(body)}"]
    if body:
        lines.append("Content-Type: application/json")
    lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


def parse_head(head: bytes) -> tuple[int, int, bool]:
    """The status, Content-Length and whether the server closes the connection, from a response's head."""
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    length, closes = 0, False
    for line in lines[1:]:
        name, _, value = line.partition(":")
        name = name.strip().lower()
        if name == "content-length":
            length = int(value)
        elif name == "connection":
            closes = value.strip().lower() == "close"
        elif name == "transfer-encoding":
            raise ValueError("chunked responses are not read by this client")
    return status, length, closes


class Connection:
    """A keep-alive connection to a server on loopback, opened again when the server closes it."""

    def __init__(self, port: int, timeout: float = 30.0):
        self.port = port
        self.timeout = timeout
        self.sock: socket.socket | None = None
        self.buffer = b""

    def _open(self) -> socket.socket:
        sock = socket.create_connection(("127.0.0.1", self.port), timeout=self.timeout)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buffer = b""
        return sock

    def _read(self, sock: socket.socket) -> None:
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError("the server closed the connection")
        self.buffer += chunk

    def exchange(self, request: bytes) -> tuple[int, bytes]:
        """Send one request and read its response: the status and the body."""
        if self.sock is None:
            self.sock = self._open()
        sock = self.sock
        try:
            sock.sendall(request)
            while _HEAD_END not in self.buffer:
                self._read(sock)
            head, _, self.buffer = self.buffer.partition(_HEAD_END)
            status, length, closes = parse_head(head)
            while len(self.buffer) < length:
                self._read(sock)
            body, self.buffer = self.buffer[:length], self.buffer[length:]
        except OSError:
            self.close()
            raise
        if closes:
            self.close()
        return status, body

    def close(self) -> None:
        if self.sock is not None:
            self.sock.close()
        self.sock = None


@dataclass
class Load:
    """What a closed-loop run did: requests answered with the expected status, the others, and their latencies."""

    seconds: float
    ok: int = 0
    failed: int = 0
    latencies_ms: list[float] = field(default_factory=list)

    @property
    def per_second(self) -> float:
        return self.ok / self.seconds


def closed_loop(port: int, request: bytes, expected: int, concurrency: int, seconds: float) -> Load:
    """`concurrency` clients each sending the request again as soon as the last one is answered, for `seconds`."""
    lock = threading.Lock()
    deadline = time.perf_counter() + seconds
    load = Load(seconds)

    def client() -> None:
        connection = Connection(port)
        ok = failed = 0
        latencies = []
        while (started := time.perf_counter()) < deadline:
            try:
                status, _ = connection.exchange(request)
            except OSError:
                status = 0
            latencies.append((time.perf_counter() - started) * 1000)
            ok, failed = (ok + 1, failed) if status == expected else (ok, failed + 1)
        connection.close()
        with lock:
            load.ok += ok
            load.failed += failed
            load.latencies_ms.extend(latencies)

    threads = [threading.Thread(target=client, daemon=True) for _ in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return load


def paced(send: Callable[[int], None], rate: float, count: int, senders: int = 4) -> float:
    """Call send(i) for i in 0..count-1 at `rate` calls a second (open loop: the i-th is due at i / rate after the
    start, whether or not earlier calls have returned), from `senders` threads; the seconds it took."""
    started = time.perf_counter()
    lock = threading.Lock()
    turn = [0]

    def sender() -> None:
        while True:
            with lock:
                i = turn[0]
                turn[0] += 1
            if i >= count:
                return
            delay = started + i / rate - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            send(i)

    threads = [threading.Thread(target=sender, daemon=True) for _ in range(senders)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.perf_counter() - started
