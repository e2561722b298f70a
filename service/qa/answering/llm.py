"""Chat models through LangChain, chosen by settings: an OpenAI-compatible endpoint or a local GGUF file."""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class LLMSettings:
    """KAZDE_LLM_*: a base URL (+ model, key) for an OpenAI-compatible server, or a GGUF path."""

    base_url: str = ""
    model: str = ""
    api_key: str = ""
    model_path: str = ""
    timeout_s: float = 60.0
    max_tokens: int = 160

    @property
    def configured(self) -> bool:
        """Whether a generative backend is set (else the extractive default answers)."""
        return bool(self.base_url or self.model_path)

    def describe(self) -> str:
        """For notices and logs: which backend, without the key."""
        if self.base_url:
            return f"{self.model or 'default model'} at {self.base_url}"
        return f"local model {self.model_path}"


def chat_model(settings: LLMSettings) -> Any:
    """A LangChain chat model for the settings (the client is cheap; a local model loads on first use)."""
    if settings.base_url:
        from langchain_openai import ChatOpenAI

        # ChatOpenAI sends the limit as `max_completion_tokens`, which OpenAI's own API wants; the local servers
        # (llama.cpp's, vLLM, Ollama) read `max_tokens`, so they get that too.
        hosted_openai = "api.openai.com" in settings.base_url
        return ChatOpenAI(
            base_url=settings.base_url,
            model=settings.model or "default",
            api_key=settings.api_key or "not-needed",
            timeout=settings.timeout_s,
            max_retries=0,
            temperature=0,
            max_completion_tokens=settings.max_tokens,
            extra_body=None if hosted_openai else {"max_tokens": settings.max_tokens},
        )
    return LocalChat(settings)


class LocalChat:
    """A GGUF model run in-process by llama-cpp-python through LangChain's ChatLlamaCpp (loaded once)."""

    def __init__(self, settings: LLMSettings) -> None:
        self.settings = settings
        self._model: Any = None

    def _load(self) -> Any:
        if self._model is None:
            try:
                import llama_cpp  # noqa: F401  (the `llm` extra)
            except ImportError as exc:
                raise RuntimeError("llama-cpp-python is not installed: run `make local-llm`") from exc
            with warnings.catch_warnings():
                # The package announces its sunset at import; ChatLlamaCpp is still its LangChain home.
                warnings.filterwarnings("ignore", message=".*langchain-community.*", category=DeprecationWarning)
                from langchain_community.chat_models import ChatLlamaCpp
            self._model = ChatLlamaCpp(
                model_path=self.settings.model_path,
                n_ctx=2048,
                n_threads=2,
                n_batch=256,
                temperature=0,
                max_tokens=self.settings.max_tokens,
                verbose=False,
            )
        return self._model

    def stream(self, messages: list[Any]) -> Any:
        """Chunks of the reply, as LangChain's chat models stream them."""
        return self._load().stream(messages)

    def invoke(self, messages: list[Any]) -> Any:
        """The whole reply."""
        return self._load().invoke(messages)
