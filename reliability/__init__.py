"""The reliability suite: the server topology under load, a reindex, kills, real PDFs, fuzzing, a Chroma restart.

    python -m reliability            # the full run; writes docs/reliability.md (`make reliability`)
    python -m reliability --short    # the short run CI makes through tests/test_reliability.py

Everything runs for real on loopback: a `chroma run` server, the web service in gunicorn workers
(service/tools/prod.py), `kazde ingest` processes, the real embedders, the real PDFs of ../shared/bench/pdfs.
"""
