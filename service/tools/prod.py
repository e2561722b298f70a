"""`make serve-prod`: the server topology without Docker. A Chroma server, an ingest, gunicorn workers.

    python -m service.tools.prod [--workers 2] [--threads 4]

Everything listens on loopback. The Chroma server (`chroma run`, data under KAZDE_DATA_DIR/chroma-server) is
started unless one already answers at KAZDE_CHROMA_HOST:KAZDE_CHROMA_PORT; then `kazde ingest` brings the
index up to date (incremental: nothing is written when nothing changed); then gunicorn serves
service.wsgi:app in several worker processes (threads inside each, for streamed answers), with Prometheus'
multiprocess directory under the data directory so /metrics adds up every worker. SIGTERM or Ctrl-C stops
gunicorn, then the Chroma server this launched.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import click

BIN = Path(sys.executable).parent
DEFAULT_CHROMA_PORT = 8001


def chroma_alive(host: str, port: int) -> bool:
    """Whether a Chroma server answers its heartbeat."""
    try:
        with urllib.request.urlopen(f"http://{host}:{port}/api/v2/heartbeat", timeout=2) as res:
            return res.status == 200
    except OSError:
        return False


def start_chroma(data_dir: Path, port: int, log_path: Path) -> subprocess.Popen[bytes]:
    """`chroma run` on loopback, returned once its heartbeat answers (60 s at most)."""
    log_path.parent.mkdir(parents=True, exist_ok=True)
    cmd = [str(BIN / "chroma"), "run", "--path", str(data_dir / "chroma-server"), "--host", "127.0.0.1"]
    with log_path.open("ab") as log:
        proc = subprocess.Popen([*cmd, "--port", str(port)], stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while not chroma_alive("127.0.0.1", port):
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            raise click.ClickException(f"the Chroma server did not start; see {log_path}")
        time.sleep(0.3)
    return proc


def gunicorn_command(port: int, workers: int, threads: int) -> list[str]:
    """The gunicorn command line for the web service."""
    return [
        str(BIN / "gunicorn"),
        "--bind", f"127.0.0.1:{port}",
        "--workers", str(workers),
        "--worker-class", "gthread",
        "--threads", str(threads),
        "--timeout", "180",
        "--graceful-timeout", "20",
        "service.wsgi:app",
    ]  # fmt: skip


@click.command()
@click.option("--workers", type=int, default=2, show_default=True, help="gunicorn worker processes")
@click.option("--threads", type=int, default=4, show_default=True, help="threads per worker")
@click.option("--skip-ingest", is_flag=True, help="serve the index as it is")
def main(workers: int, threads: int, skip_ingest: bool) -> None:
    """Run the Chroma server, update the index, and serve it with gunicorn workers."""
    from service.settings import Settings

    env = dict(os.environ)
    env.setdefault("KAZDE_CHROMA_HOST", "127.0.0.1")
    env.setdefault("KAZDE_CHROMA_PORT", str(DEFAULT_CHROMA_PORT))
    settings = Settings.from_env(env)
    data_dir = settings.data_dir
    env["KAZDE_DATA_DIR"] = str(data_dir)
    chroma = None
    if not chroma_alive(settings.chroma_host, settings.chroma_port):
        if settings.chroma_host not in ("127.0.0.1", "localhost"):
            raise click.ClickException(f"no Chroma server answers at {settings.chroma_host}:{settings.chroma_port}")
        click.echo(f"kazde: starting the Chroma server on 127.0.0.1:{settings.chroma_port}", err=True)
        chroma = start_chroma(data_dir, settings.chroma_port, data_dir / "logs" / "chroma.log")
    gunicorn = None

    def stop(*_: object) -> None:
        for proc in (gunicorn, chroma):
            if proc is not None and proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    proc.kill()
        sys.exit(0)

    signal.signal(signal.SIGTERM, stop)
    try:
        if not skip_ingest:
            done = subprocess.run([str(BIN / "kazde"), "ingest"], env=env)
            if done.returncode != 0:
                raise click.ClickException("kazde ingest failed; the service was not started")
        metrics_dir = data_dir / "prometheus"
        shutil.rmtree(metrics_dir, ignore_errors=True)
        metrics_dir.mkdir(parents=True)
        env["PROMETHEUS_MULTIPROC_DIR"] = str(metrics_dir)
        env.setdefault("KAZDE_WARM_UP", "1")
        # Each worker's embedders get their share of the cores (OpenMP threads already sleep instead of
        # spinning: vectorstore sets that default in every process that loads a model).
        env.setdefault("KAZDE_MODEL_THREADS", str(max(1, (os.cpu_count() or 1) // workers)))
        click.echo(f"kazde: serving http://127.0.0.1:{settings.port} with {workers} gunicorn workers", err=True)
        gunicorn = subprocess.Popen(gunicorn_command(settings.port, workers, threads), env=env)
        gunicorn.wait()
    except KeyboardInterrupt:
        pass
    finally:
        stop()


if __name__ == "__main__":
    main()
