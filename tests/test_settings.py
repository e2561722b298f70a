"""Settings: every KAZDE_* variable a typed field, read only by Settings.from_env, documented from the fields."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from pydantic import ValidationError

from service.settings import Settings, SettingsError, env_name, env_table
from tests.conftest import BIN, ROOT

NAMES = {env_name(field) for field in Settings.model_fields}


def test_the_readme_table_is_the_one_the_fields_make() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"<!-- settings:[^>]*-->\n(.*?)<!-- /settings -->", readme, re.S)
    assert block, "README.md has the generated settings table between its markers"
    assert block.group(1) == env_table(), "README's table is stale: paste `python -m service.settings`"
    assert len(NAMES) == len(Settings.model_fields) == block.group(1).count("| `KAZDE_")


def test_every_variable_the_project_names_is_a_field_and_only_settings_reads_the_environment() -> None:
    named: set[str] = set()
    for path in [ROOT / "README.md", ROOT / "docker-compose.yml", *ROOT.glob("docs/*.md")]:
        named |= set(re.findall(r"\bKAZDE_[A-Z0-9_]*[A-Z0-9]\b", path.read_text(encoding="utf-8")))
    for package in ("service", "ingest", "vectorstore", "reliability", "bench"):
        for path in (ROOT / package).rglob("*.py"):
            named |= set(re.findall(r"[\"']\b(KAZDE_[A-Z0-9_]*[A-Z0-9])[\"']", path.read_text(encoding="utf-8")))
    # Knobs of the tests (KAZDE_TEST_*, the screenshots folder), the benchmarks (KAZDE_BENCH_*) and of
    # docker-compose's gunicorn command line (KAZDE_WORKERS) configure those tools, not Kazde.
    tools = {"KAZDE_SCREENSHOTS_DIR", "KAZDE_WORKERS"}
    named = {n for n in named if not n.startswith(("KAZDE_TEST_", "KAZDE_BENCH_")) and n not in tools}
    assert named - NAMES == set(), "a variable the project names that Settings does not read"

    reads = re.compile(r"(os\.environ(\.get)?\s*[\[(]\s*|getenv\(\s*)[\"']KAZDE_")
    readers = [
        str(p.relative_to(ROOT))
        for package in ("service", "ingest", "vectorstore")
        for p in (ROOT / package).rglob("*.py")
        if reads.search(p.read_text(encoding="utf-8")) and p.name != "settings.py"
    ]
    assert readers == [], "these read KAZDE_* themselves instead of through Settings"


def test_rate_limit_zero_is_off_and_seconds_may_be_fractions() -> None:
    settings = Settings.from_env({"KAZDE_RATE_LIMIT": "0", "KAZDE_PARSE_TIMEOUT": "0.5", "KAZDE_LLM_TIMEOUT": "2.5"})
    assert settings.rate_limit == 0
    assert settings.parse_timeout_s == 0.5 and settings.llm_timeout_s == 2.5
    assert Settings.from_env({"KAZDE_RATE_LIMIT": "30"}).rate_limit == 30


def test_types_flags_paths_and_blanks_from_the_environment(tmp_path: Path) -> None:
    settings = Settings.from_env(
        {
            "KAZDE_DATA_DIR": str(tmp_path / "d" / ".." / "data"),
            "KAZDE_MODELS_DIR": str(tmp_path / "models"),
            "KAZDE_CHROMA_HOST": " 127.0.0.1 ",
            "KAZDE_CHROMA_PORT": "8001",
            "KAZDE_EMBEDDING_MODEL": "",  # set but empty: the default
            "KAZDE_SENTENCE_MODEL": "  ",
            "KAZDE_METRICS_PUBLIC": "yes",
            "KAZDE_READER": "1",
            "KAZDE_WARM_UP": "true",
            "KAZDE_MODEL_THREADS": "1",
            "KAZDE_ADMIN_TOKEN": "s3cret",
            "PATH": "/usr/bin",  # other variables are not settings
        }
    )
    assert settings.data_dir == tmp_path / "data" and settings.models_dir == tmp_path / "models"
    assert settings.chroma_host == "127.0.0.1" and settings.chroma_port == 8001
    assert settings.store_location.host == "127.0.0.1"
    assert settings.embedding_model == Settings.model_fields["embedding_model"].default
    assert settings.sentence_model == "multilingual-e5-small"
    assert settings.metrics_public and settings.reader and settings.warm_up
    assert settings.model_threads == 1 and settings.admin_token == "s3cret"
    defaults = Settings.from_env({})
    assert (defaults.port, defaults.rate_limit, defaults.reader, defaults.warm_up) == (8000, 0, False, False)
    assert defaults.models_dir == defaults.data_dir / "models"


@pytest.mark.parametrize(
    ("env", "says"),
    [
        ({"KAZDE_PORT": "eighty"}, "KAZDE_PORT: input should be a valid integer"),
        ({"KAZDE_PORT": "70000"}, "KAZDE_PORT: input should be less than or equal to 65535"),
        ({"KAZDE_RATE_LIMIT": "-1"}, "KAZDE_RATE_LIMIT: input should be greater than or equal to 0"),
        ({"KAZDE_PARSE_TIMEOUT": "0"}, "KAZDE_PARSE_TIMEOUT: input should be greater than 0"),
        ({"KAZDE_LLM_TIMEOUT": "soon"}, "KAZDE_LLM_TIMEOUT: input should be a valid number"),
        ({"KAZDE_MODEL_THREADS": "0"}, "KAZDE_MODEL_THREADS: input should be greater than or equal to 1"),
        ({"KAZDE_READER": "maybe"}, "KAZDE_READER: input should be a valid boolean"),
    ],
)
def test_a_bad_value_names_its_variable(env: dict[str, str], says: str) -> None:
    with pytest.raises(SettingsError) as caught:
        Settings.from_env(env)
    assert str(caught.value).startswith(says) and repr(next(iter(env.values()))) in str(caught.value)


def test_the_command_refuses_a_bad_value_with_its_name(tmp_path: Path) -> None:
    env = {"PATH": "/usr/bin:/bin", "KAZDE_DATA_DIR": str(tmp_path), "KAZDE_RATE_LIMIT": "lots"}
    done = subprocess.run([str(BIN / "kazde"), "status"], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 2
    assert "kazde: error: KAZDE_RATE_LIMIT: input should be a valid integer" in done.stderr
    assert "Traceback" not in done.stderr


def test_code_given_settings_take_only_what_they_are_given(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.setenv("KAZDE_PORT", "9999")
    monkeypatch.setenv("KAZDE_READER", "1")
    given = Settings(data_dir=tmp_path, rate_limit=3)
    assert (given.port, given.reader, given.rate_limit) == (8000, False, 3), "the environment is not read"
    assert Settings.from_env().port == 9999, "from_env reads os.environ"
    with pytest.raises(ValidationError):
        Settings(data_dir=tmp_path, rate_limt=3)  # a misspelt setting is an error, not ignored
    with pytest.raises(ValidationError):
        given.port = 1  # frozen
    assert given.model_copy(update={"reader": True}).reader and not given.reader


def test_model_threads_reach_the_embedders(tmp_path: Path) -> None:
    from service.qa.index import sentence_index
    from vectorstore import make_embedder, make_sentence_embedder
    from vectorstore.embeddings import DEFAULT_THREADS

    assert make_embedder(threads=1)[0].threads == 1
    assert make_embedder()[0].threads == DEFAULT_THREADS
    one = Settings(data_dir=tmp_path, models_folder=tmp_path / "models", model_threads=1)
    assert sentence_index(one).embedder.threads == 1
    with pytest.raises(ValueError, match="models folder"):
        make_sentence_embedder()  # the lower layer reads no environment: the folder is given or it is an error


def test_python_m_service_settings_prints_the_table() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "service.settings"], capture_output=True, text=True, timeout=60, cwd=ROOT
    )
    assert done.returncode == 0 and done.stdout == env_table()
