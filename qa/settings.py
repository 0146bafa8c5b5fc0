"""One Settings object for the whole project, built by a function and passed down."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import Field, SecretStr, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

from index.store import ChromaMode
from qa.errors import BadInputError

__all__ = ["Backend", "ChromaMode", "Settings", "get_settings"]

Backend = Literal["local", "openai", "extractive"]

_ENV_PREFIX = "QA_"


class Settings(BaseSettings):
    """Configuration, read from `QA_*` environment variables and an optional `.env` file.

    Every number has bounds, so a bad value fails at start with the variable's name
    (`get_settings`). Paths derived from `data_dir` are properties.
    """

    model_config = SettingsConfigDict(env_prefix=_ENV_PREFIX, env_file=".env", extra="ignore")

    # Data
    seeds_dir: Path = Path("seeds")
    data_dir: Path = Path("data")
    store_dir: Path | None = Field(
        default=None, description="Chroma folder in embedded mode (default: DATA_DIR/chroma)"
    )
    collection: str = Field(default="articles", min_length=1)
    # The article library: files larger than this are refused (uploads) or skipped (folder).
    max_article_bytes: int = Field(default=2 * 1024 * 1024, ge=1024, le=1024**3)
    # Articles whose whole-text embeddings are at least this similar (cosine) are versions of
    # one story (measured on the seeds and related stories: versions 0.86+, others 0.76-).
    version_similarity: float = Field(default=0.82, ge=0.0, le=1.0)
    # While `qa serve` runs, watch the seeds folder and index added, changed and removed files.
    watch: bool = True

    # Chroma
    chroma_mode: ChromaMode = "embedded"
    chroma_host: str = "127.0.0.1"
    chroma_port: int = Field(default=8000, ge=1, le=65535)

    # Chunking (in tokens of the embedding model)
    chunk_tokens: int = Field(default=90, ge=16, le=250)
    chunk_overlap_tokens: int = Field(default=30, ge=0, le=120)

    # Retrieval
    k: int = Field(default=4, ge=1, le=20)
    fetch_k: int = Field(default=20, ge=1, le=200)
    mmr_lambda: float = Field(default=0.7, ge=0.0, le=1.0)
    rrf_k: int = Field(default=60, ge=1, le=1000)
    # Context compaction: sentences scoring below this share of the best are cut from the
    # prompt (0 keeps whole passages).
    context_keep_ratio: float = Field(default=0.6, ge=0.0, le=1.0)
    # Refusal: below this best dense cosine similarity, no generator is called. Calibrated by
    # `qa calibrate` on eval/qa.jsonl (midpoint of the gap below every answerable item).
    min_relevance: float = Field(default=0.20, ge=-1.0, le=1.0)

    # Generation
    backend: Backend = "local"
    model_path: Path | None = Field(
        default=None, description="A .gguf file; default: the assembled Qwen2.5-Coder model"
    )
    # llama.cpp rounds smaller contexts up to 256 but llama-cpp-python would not follow.
    n_ctx: int = Field(default=2048, ge=256, le=32768)
    n_threads: int = Field(default=2, ge=1, le=256)
    max_tokens: int = Field(default=160, ge=1, le=4096)
    temperature: float = Field(default=0.0, ge=0.0, le=2.0)
    # Answer check: also ask the chat model a yes/no question about each claim naming several
    # entities (list items, who did what to whom) before keeping it.
    judge: bool = False
    # Answer check: when a claim answers a who/which question with one of several names its
    # cited sentences give, ask the chat model which of them the sentences answer with (its
    # pick, if another, becomes the answer).
    choose: bool = True
    # When the model finds no answer in the context (or the check keeps none of it, or it
    # lacks the asked time or amount), ask once more with only the context's most relevant
    # sentences (the same check follows).
    retry_focused: bool = True
    # When no generated answer passes the check, quote the context's sentence that holds
    # every content word of the question (if it passes the check).
    quote_fallback: bool = True
    openai_base_url: str | None = None
    openai_model: str = "gpt-4o-mini"
    openai_api_key: SecretStr | None = None

    # Serving
    host: str = "127.0.0.1"
    port: int = Field(default=7860, ge=1, le=65535)
    api_key: SecretStr | None = None
    # Bytes a request body may carry (routes may declare their own: `qa.serving.limits`).
    max_body_bytes: int = Field(default=256 * 1024, ge=1024, le=64 * 1024 * 1024)
    # Questions that may wait for the model (beyond them: 503 with Retry-After at once).
    max_queue: int = Field(default=8, ge=0, le=10_000)

    @property
    def chroma_path(self) -> Path:
        """Folder of the embedded Chroma store."""
        return self.store_dir if self.store_dir is not None else self.data_dir / "chroma"

    @property
    def models_dir(self) -> Path:
        """Where assembled model files are cached."""
        return self.data_dir / "models"

    @property
    def bm25_path(self) -> Path:
        """The saved BM25 index (a cache of the store's passages, rebuilt when they differ)."""
        return self.data_dir / "bm25.json"

    @property
    def lock_path(self) -> Path:
        """The lock file a running server holds on the embedded store (beside its folder)."""
        return self.chroma_path.with_name(self.chroma_path.name + ".lock")

    @property
    def feedback_path(self) -> Path:
        """Where thumbs up/down are appended (JSON Lines)."""
        return self.data_dir / "feedback.jsonl"

    @property
    def eval_dir(self) -> Path:
        """Where `qa eval` writes its reports unless told otherwise."""
        return self.data_dir / "eval"


def get_settings(**overrides: Any) -> Settings:
    """Build the settings (environment, `.env`, then explicit overrides).

    Raises:
        BadInputError: a value is missing its type or bounds; the message names the
            environment variable (`QA_N_CTX`, ...) and what is accepted.
    """
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        problems = "; ".join(
            f"{_ENV_PREFIX}{'_'.join(str(p) for p in err['loc']).upper()}: {err['msg']}"
            f" (got {err.get('input')!r})"
            for err in exc.errors()
        )
        raise BadInputError(f"bad setting: {problems}") from None
