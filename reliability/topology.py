"""The server topology of `make serve-prod`, started piece by piece so that the suite can break each piece."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from service.tools import chroma_alive, start_chroma

BIN = Path(sys.executable).parent
TOKEN = "reliability-admin-token"


def free_port() -> int:
    """A TCP port on loopback that nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http(
    method: str, url: str, body: dict[str, Any] | None = None, *, timeout: float = 60, token: str | None = None
) -> tuple[int, dict[str, Any]]:
    """One JSON request: the status and the JSON body ({} when there is none); status 0 when no reply came."""
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as res:
            return res.status, json.loads(res.read() or b"{}")
    except urllib.error.HTTPError as err:
        try:
            return err.code, json.loads(err.read() or b"{}")
        except ValueError:
            return err.code, {}
    except (OSError, ValueError) as exc:
        return 0, {"error": type(exc).__name__, "message": str(exc)}


class Topology:
    """A Chroma server and the web service in gunicorn workers, sharing one data directory."""

    def __init__(self, root: Path, *, workers: int = 2, threads: int = 4) -> None:
        self.root = root
        self.data = root / "data"
        self.port = free_port()
        self.chroma_port = free_port()
        self.workers = workers
        self.threads = threads
        self.chroma: subprocess.Popen[bytes] | None = None
        self.web: subprocess.Popen[bytes] | None = None
        self.env = dict(os.environ) | {
            "KAZDE_DATA_DIR": str(self.data),
            "KAZDE_CHROMA_HOST": "127.0.0.1",
            "KAZDE_CHROMA_PORT": str(self.chroma_port),
            "KAZDE_PORT": str(self.port),
            "KAZDE_ADMIN_TOKEN": TOKEN,
        }

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start_chroma(self) -> None:
        self.chroma = start_chroma(self.data, self.chroma_port, self.root / "logs" / "chroma.log")

    def stop_chroma(self) -> None:
        if self.chroma is not None and self.chroma.poll() is None:
            self.chroma.terminate()
            try:
                self.chroma.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.chroma.kill()
                self.chroma.wait()
        self.chroma = None

    def chroma_alive(self) -> bool:
        return chroma_alive("127.0.0.1", self.chroma_port)

    def ingest(self, *paths: Path, timeout: float = 1800) -> dict[str, Any]:
        """`kazde ingest --json` against the server; its summary."""
        res = subprocess.run(
            [str(BIN / "kazde"), "ingest", *map(str, paths), "--json"],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if res.returncode != 0:
            raise RuntimeError(f"kazde ingest failed: {res.stderr[-2000:]}")
        return json.loads(res.stdout.strip().splitlines()[-1])

    def start_web(self, timeout: float = 180) -> None:
        """gunicorn workers through service/tools/prod.py (which finds the Chroma server up and leaves it alone)."""
        cmd = [sys.executable, "-m", "service.tools.prod", "--skip-ingest", "--workers", str(self.workers)]
        cmd += ["--threads", str(self.threads)]
        with (self.root / "logs" / "web.log").open("ab") as log:  # the child keeps its own descriptor
            self.web = subprocess.Popen(cmd, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + timeout
        while http("GET", self.base + "/healthz", timeout=5)[0] != 200:
            if self.web.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the web service did not come up; see {self.root / 'logs' / 'web.log'}")
            time.sleep(0.5)

    def warm_up(self, question: str, rounds: int = 3) -> None:
        """Concurrent questions, so that every worker has loaded its models before anything is measured."""
        import concurrent.futures

        with concurrent.futures.ThreadPoolExecutor(self.workers * self.threads) as pool:
            for _ in range(rounds):
                list(
                    pool.map(
                        lambda _: http("POST", self.base + "/api/ask", {"question": question}, timeout=180),
                        range(self.workers * self.threads),
                    )
                )

    def stop_web(self) -> None:
        if self.web is not None and self.web.poll() is None:
            os.killpg(self.web.pid, signal.SIGTERM)
            try:
                self.web.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(self.web.pid, signal.SIGKILL)
                self.web.wait()
        self.web = None

    def web_rss_mb(self) -> float:
        """Resident memory of the web service: the launcher, gunicorn and its workers."""
        import psutil

        if self.web is None:
            return 0.0
        root = psutil.Process(self.web.pid)
        procs = [root, *root.children(recursive=True)]
        return sum(p.memory_info().rss for p in procs if p.is_running()) / 2**20

    def web_pids(self) -> set[int]:
        """The web service's processes (a worker that dies is replaced under a new pid)."""
        import psutil

        if self.web is None:
            return set()
        root = psutil.Process(self.web.pid)
        return {root.pid, *(p.pid for p in root.children(recursive=True))}

    def close(self) -> None:
        self.stop_web()
        self.stop_chroma()
