"""KAZDE_* environment variables -> one typed Settings object, read only at the entry points."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from vectorstore import DEFAULT_EMBEDDER, DEFAULT_SENTENCE_MODEL, StoreLocation
from vectorstore.defaults import sentence_stamp

_CHECKOUT = Path(__file__).resolve().parents[1]


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


@dataclass(frozen=True)
class Settings:
    """Everything the service and the `kazde` command can be configured with."""

    data_dir: Path
    chroma_host: str = ""
    chroma_port: int = 8000
    embedding_model: str = DEFAULT_EMBEDDER
    sentence_model: str = DEFAULT_SENTENCE_MODEL
    admin_token: str = ""
    port: int = 8000
    parse_timeout_s: float = 120.0
    parse_memory_mb: int = 2048
    llm_base_url: str = ""
    llm_model: str = ""
    llm_api_key: str = ""
    llm_model_path: str = ""
    llm_timeout_s: float = 60.0
    upload_max_mb: int = 50
    rate_limit: int = 0  # questions per minute per client; 0: off
    metrics_public: bool = False  # /metrics without the admin token
    models_folder: Path | None = None  # KAZDE_MODELS_DIR; None: models/ in the data folder
    reader: bool = False  # KAZDE_READER=1: the reader chooses the sentence and decides abstention (opt-in)

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

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """Read the settings from KAZDE_* variables (os.environ unless given)."""
        env = os.environ if env is None else env
        data_dir = Path(env.get("KAZDE_DATA_DIR") or default_data_dir()).expanduser().resolve()
        return cls(
            data_dir=data_dir,
            chroma_host=env.get("KAZDE_CHROMA_HOST", "").strip(),
            chroma_port=_int(env, "KAZDE_CHROMA_PORT", 8000),
            embedding_model=env.get("KAZDE_EMBEDDING_MODEL", "").strip() or DEFAULT_EMBEDDER,
            sentence_model=env.get("KAZDE_SENTENCE_MODEL", "").strip() or DEFAULT_SENTENCE_MODEL,
            admin_token=env.get("KAZDE_ADMIN_TOKEN", ""),
            port=_int(env, "KAZDE_PORT", 8000),
            parse_timeout_s=float(_int(env, "KAZDE_PARSE_TIMEOUT", 120)),
            parse_memory_mb=_int(env, "KAZDE_PARSE_MEMORY_MB", 2048),
            llm_base_url=env.get("KAZDE_LLM_BASE_URL", "").strip(),
            llm_model=env.get("KAZDE_LLM_MODEL", "").strip(),
            llm_api_key=env.get("KAZDE_LLM_API_KEY", ""),
            llm_model_path=env.get("KAZDE_LLM_MODEL_PATH", "").strip(),
            llm_timeout_s=float(_int(env, "KAZDE_LLM_TIMEOUT", 60)),
            upload_max_mb=_int(env, "KAZDE_UPLOAD_MAX_MB", 50),
            rate_limit=_int(env, "KAZDE_RATE_LIMIT", 0, minimum=0),
            metrics_public=_flag(env, "KAZDE_METRICS_PUBLIC"),
            models_folder=Path(env["KAZDE_MODELS_DIR"]).expanduser().resolve()
            if env.get("KAZDE_MODELS_DIR", "").strip()
            else None,
            reader=_flag(env, "KAZDE_READER"),
        )


def _int(env: Mapping[str, str], name: str, default: int, *, minimum: int = 1) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise SettingsError(f"{name} must be a whole number, not {raw!r}") from None
    if value < minimum:
        raise SettingsError(f"{name} must be at least {minimum}, not {value}")
    return value


def _flag(env: Mapping[str, str], name: str) -> bool:
    raw = env.get(name, "").strip().lower()
    if raw in ("", "0", "false", "no", "off"):
        return False
    if raw in ("1", "true", "yes", "on"):
        return True
    raise SettingsError(f"{name} must be 1 or 0 (true/false), not {raw!r}")
