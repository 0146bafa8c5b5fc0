"""One Settings object for the whole project, built by a function and passed down."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

Backend = Literal["local", "openai", "extractive"]
ChromaMode = Literal["embedded", "server"]


class Settings(BaseSettings):
    """Configuration, read from `QA_*` environment variables and an optional `.env` file."""

    model_config = SettingsConfigDict(env_prefix="QA_", env_file=".env", extra="ignore")

    # Data
    seeds_dir: Path = Path("seeds")
    data_dir: Path = Path("data")
    store_dir: Path | None = Field(
        default=None, description="Chroma folder in embedded mode (default: DATA_DIR/chroma)"
    )
    collection: str = "articles"

    # Chroma
    chroma_mode: ChromaMode = "embedded"
    chroma_host: str = "127.0.0.1"
    chroma_port: int = 8000

    # Chunking (in tokens of the embedding model)
    chunk_tokens: int = Field(default=90, ge=16, le=250)
    chunk_overlap_tokens: int = Field(default=30, ge=0, le=120)

    # Retrieval
    k: int = Field(default=4, ge=1, le=20)
    fetch_k: int = Field(default=20, ge=1, le=200)
    mmr_lambda: float = Field(default=0.7, ge=0.0, le=1.0)
    rrf_k: int = 60
    # Context compaction: sentences scoring below this share of the best are cut from the
    # prompt (0 keeps whole passages).
    context_keep_ratio: float = Field(default=0.6, ge=0.0, le=1.0)
    # Refusal: below this best dense cosine similarity, no generator is called. Calibrated by
    # `qa calibrate` on eval/qa.jsonl (midpoint of the gap below every answerable item).
    min_relevance: float = 0.20

    # Generation
    backend: Backend = "local"
    model_path: Path | None = Field(
        default=None, description="A .gguf file; default: the assembled Qwen2.5-Coder model"
    )
    n_ctx: int = 2048
    n_threads: int = 2
    max_tokens: int = 160
    temperature: float = 0.0
    openai_base_url: str | None = None
    openai_model: str = "gpt-4o-mini"
    openai_api_key: SecretStr | None = None

    # Serving
    host: str = "127.0.0.1"
    port: int = 7860
    api_key: SecretStr | None = None

    @property
    def chroma_path(self) -> Path:
        """Folder of the embedded Chroma store."""
        return self.store_dir if self.store_dir is not None else self.data_dir / "chroma"

    @property
    def models_dir(self) -> Path:
        """Where assembled model files are cached."""
        return self.data_dir / "models"


def get_settings(**overrides: object) -> Settings:
    """Build the settings (environment, `.env`, then explicit overrides)."""
    return Settings(**overrides)  # type: ignore[arg-type]
