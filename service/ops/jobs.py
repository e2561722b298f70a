"""Reindex jobs: run `ingest` in a background thread of the service, their state kept as files.

A job's state is one JSON file under KAZDE_DATA_DIR/jobs, replaced atomically at every step, so any worker
of a deployment can report on a job another one runs. The ingest's writer lock (ingest/lock.py) keeps one
writer at a time across processes: a job started while another process writes fails at once with that
process's pid in its reason. Within one process a second request while a job runs gets the running job.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from service.resources import BUNDLED_CORPUS
from service.settings import Settings

log = logging.getLogger(__name__)
_ID_CHARS = frozenset("0123456789abcdef")


@dataclass
class Job:
    """What GET /api/jobs/<id> returns."""

    job_id: str
    state: str = "queued"  # queued | running | done | failed
    progress: dict[str, Any] = field(default_factory=lambda: {"done": 0, "total": 0, "doc_id": None})
    summary: dict[str, Any] = field(default_factory=dict)
    error: str | None = None
    created_at: float = field(default_factory=time.time)
    finished_at: float | None = None

    def to_json(self) -> dict[str, Any]:
        """The API's job object."""
        return asdict(self)


class JobStore:
    """Job files under one folder; a write replaces the whole file, so a reader never sees half of one."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def save(self, job: Job) -> None:
        """Write the job's current state."""
        self.folder.mkdir(parents=True, exist_ok=True)
        tmp = self.folder / f".{job.job_id}.{os.getpid()}.{threading.get_ident()}.tmp"
        tmp.write_text(json.dumps(job.to_json(), ensure_ascii=False), encoding="utf-8")
        os.replace(tmp, self.folder / f"{job.job_id}.json")

    def get(self, job_id: str) -> Job | None:
        """The job with this id (None when unknown or not an id at all)."""
        if len(job_id) != 32 or not set(job_id) <= _ID_CHARS:
            return None
        try:
            raw = json.loads((self.folder / f"{job_id}.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        return Job(**raw)


def reindex_targets(settings: Settings) -> list[Path]:
    """What a reindex walks: every folder or file the index was built from that still exists, and uploads."""
    from ingest import load_manifest

    roots = {Path(e.root) for e in load_manifest(settings.manifest_path).docs.values() if e.root}
    if not roots:
        roots = {BUNDLED_CORPUS}
    uploads = settings.uploads_path
    uploads.mkdir(parents=True, exist_ok=True)
    roots.add(uploads.resolve())
    return sorted(r for r in roots if r.exists())


def _without_paths(value: Any, folders: dict[str, str]) -> Any:
    """`value` (a string, or JSON made of them) with each of `folders`' paths replaced by its label."""
    if isinstance(value, str):
        for path in sorted(folders, key=len, reverse=True):
            value = value.replace(path, folders[path])
        return value
    if isinstance(value, list):
        return [_without_paths(v, folders) for v in value]
    if isinstance(value, dict):
        return {k: _without_paths(v, folders) for k, v in value.items()}
    return value


class Reindexer:
    """Starts reindex jobs in this process, one at a time."""

    def __init__(self, settings: Settings, on_done: Callable[[], None] | None = None) -> None:
        self.settings = settings
        self.jobs = JobStore(settings.data_dir / "jobs")
        self.on_done = on_done
        self._lock = threading.Lock()
        self._running: Job | None = None

    def start(self) -> Job:
        """A new job, running in the background; the running one if there is one."""
        with self._lock:
            if self._running is not None:
                return self._running
            job = Job(job_id=uuid.uuid4().hex)
            self.jobs.save(job)
            self._running = job
        threading.Thread(target=self._run, args=(job,), name=f"reindex-{job.job_id[:8]}", daemon=True).start()
        return job

    def _run(self, job: Job) -> None:
        from ingest import IngestError, WriterBusy
        from service.qa import ingest_index
        from vectorstore import StoreError

        s = self.settings
        last = [0.0]

        def progress(done: int, total: int, doc_id: str, detail: str = "") -> None:
            job.progress = {"done": done, "total": total, "doc_id": doc_id}
            if detail:
                job.progress["detail"] = detail
            now = time.monotonic()
            if now - last[0] > 0.2 or done == total or detail:
                last[0] = now
                self.jobs.save(job)

        targets: list[Path] = []
        try:
            job.state = "running"
            self.jobs.save(job)
            targets = reindex_targets(s)
            report = ingest_index(s, targets, progress=progress)
            job.summary = report.as_json()
            job.state = "done"
        except (IngestError, WriterBusy, StoreError, ValueError, OSError) as exc:
            job.state, job.error = "failed", str(exc)
        except Exception as exc:  # a job must end in a state, whatever went wrong
            log.exception("reindex job %s failed", job.job_id)
            job.state, job.error = "failed", f"unexpected error: {exc}"
        finally:
            # A job is shown to clients: the server's folders appear by name, never by path.
            folders = {str(t): f"<{t.name}>" for t in targets} | {str(s.data_dir): "<data>"}
            job.error = _without_paths(job.error, folders) if job.error else job.error
            job.summary = _without_paths(job.summary, folders)
            job.finished_at = time.time()
            with self._lock:
                # Cleared before the final state is saved: a client that reads "done" or "failed" and asks again
                # gets a new job, never this finished one.
                self._running = None
            self.jobs.save(job)
            from service.ops.metrics import record_ingest

            record_ingest(job.summary, job.state)
            if self.on_done is not None:
                self.on_done()
