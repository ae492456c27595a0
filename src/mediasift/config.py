"""One ``Settings`` object: environment variables prefixed ``MEDIASIFT_`` (and a ``.env`` file).

With nothing set, everything lives under ``MEDIASIFT_HOME`` (default ``./.mediasift``): the SQLite
catalog, the local object store and the embedded index. Every backend is picked here by name and
built in one place, ``factory.py``.
"""

from __future__ import annotations

from functools import cached_property
from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="MEDIASIFT_", env_file=".env", extra="ignore")

    home: Path = Field(Path(".mediasift"), description="Data directory for the embedded defaults.")

    # -- backends -----------------------------------------------------------------------------
    catalog_url: str | None = Field(None, description="SQLAlchemy URL; default sqlite under home.")
    store: Literal["local", "s3"] = "local"
    queue: Literal["db", "sqs"] = "db"
    index: Literal["edge", "pgvector", "qdrant"] = "edge"
    cache: Literal["memory", "redis"] = "memory"

    s3_bucket: str | None = None
    s3_endpoint_url: str | None = None
    s3_region: str = "us-east-1"
    s3_sse: str | None = Field("AES256", description="Server-side encryption header; empty disables.")
    sqs_queue_url: str | None = None
    sqs_wait_s: int = 10
    s3_event_key_pattern: str = Field(
        "clients/{tenant}/products/{sku}/media/{media_type}/{filename}",
        description="How an S3 object key maps to tenant and metadata for bucket events.",
    )
    pgvector_url: str | None = Field(None, description="PostgreSQL URL for the pgvector index.")
    edge_hnsw_ef: int | None = Field(
        None, ge=10, le=1000, description="Qdrant Edge HNSW search breadth (None: the engine's default)."
    )
    pgvector_ef_search: int = Field(
        100, ge=10, le=1000, description="pgvector hnsw.ef_search: higher finds more true neighbours, slower."
    )
    qdrant_url: str | None = Field(None, description="Qdrant server URL, or 'local:PATH' / ':memory:'.")
    redis_url: str = "redis://127.0.0.1:6379/0"

    # -- API ----------------------------------------------------------------------------------
    host: str = "127.0.0.1"
    port: int = 8000
    default_tenant: str = "default"
    allow_open_remote: bool = Field(False, description="Allow binding non-loopback without API keys.")
    cors_origins: list[str] = Field(default_factory=list)

    # -- operations and security (README: Operations, Security) ---------------------------
    api_key: str | None = Field(None, description="Key the CLI sends as `Authorization: Bearer`.")
    api_key_pepper: str | None = Field(None, description="Secret mixed into key hashes (default: in home).")
    rate_limit_per_s: float = Field(20.0, description="Requests per second per API key (bucket refill).")
    rate_limit_burst: int = Field(100, description="Token bucket size: requests a key may burst.")
    webhook_allow_hosts: list[str] = Field(
        default_factory=list, description="Hosts or CIDRs webhooks may reach although private/loopback."
    )
    webhook_max_attempts: int = 8
    webhook_backoff_base_s: float = 5.0
    webhook_backoff_max_s: float = 3600.0
    webhook_timeout_s: float = 10.0
    sns_topic_arn: str | None = Field(None, description="Publish job events to this SNS topic too.")
    sns_endpoint_url: str | None = Field(None, description="SNS endpoint override (tests, LocalStack).")
    otlp_endpoint: str | None = Field(None, description="OpenTelemetry OTLP/HTTP endpoint for traces.")
    log_format: Literal["json", "console"] = "json"
    log_level: str = "INFO"
    retention_days: float | None = Field(None, description="Delete originals older than this; keep results.")
    preload_models: list[str] = Field(
        default_factory=lambda: ["text"], description="Models /ready waits for: text, image, asr, ocr."
    )

    # -- workers and jobs ---------------------------------------------------------------------
    workers: int = Field(2, description="Worker threads started by `mediasift serve`.")
    worker_metrics_port: int = Field(
        0, description="`mediasift worker` serves /metrics and /health on this port (0: off)."
    )
    worker_metrics_host: str = Field(
        "127.0.0.1", description="Address for the worker's metrics port (0.0.0.0 in containers)."
    )
    model_threads: int = Field(2, description="Intra-op threads per model (ASR, OCR, embeddings).")
    worker_niceness: int = Field(
        10,
        ge=0,
        le=19,
        description="Linux nice value added to worker threads (and the model threads they start), "
        "so API requests get the cores first while ingest runs; 0 keeps workers at the API's priority.",
    )
    max_attempts: int = 3
    visibility_timeout_s: float = 120.0
    heartbeat_s: float = 20.0
    backoff_base_s: float = 2.0
    backoff_max_s: float = 300.0
    poll_interval_s: float = 0.5
    shutdown_grace_s: float = Field(
        90.0,
        description="On SIGTERM, seconds running jobs may take to finish before their leases are released "
        "to other workers (keep it under the orchestrator's stop timeout: ECS 120 s, compose 2 min).",
    )

    # -- limits -------------------------------------------------------------------------------
    max_upload_bytes: int = 2 * 1024**3
    max_duration_s: float = 4 * 3600.0
    max_pixels: int = 80_000_000
    max_video_pixels: int = 3840 * 2160
    max_pages: int = 2000
    max_text_chars: int = 20_000_000

    # -- extraction and models ----------------------------------------------------------------
    chunk_chars: int = Field(800, description="Target characters per document text segment.")
    chunk_overlap_chars: int = 120
    text_embedder: Literal["e5-small"] = "e5-small"
    embed_batch: int = 32
    asr_model: Literal["whisper-base", "whisper-tiny.en", "whisper-dir"] = Field(
        "whisper-base", description="whisper-dir: the CTranslate2 Whisper model in MEDIASIFT_ASR_MODEL_DIR."
    )
    asr_model_dir: Path | None = Field(
        None,
        description="A local CTranslate2 Whisper model directory (e.g. large-v3) for asr_model=whisper-dir.",
    )
    asr_device: Literal["cpu", "cuda", "auto"] = Field(
        "cpu",
        description="CTranslate2 device for speech recognition (cuda needs an NVIDIA GPU and CUDA 12 libs).",
    )
    asr_compute_type: str = Field(
        "int8", description="CTranslate2 compute type: int8 on CPU; float16 or int8_float16 on a GPU."
    )
    asr_language: str | None = Field(None, description="Force one language (e.g. 'en'); default: detect.")
    asr_candidate_languages: list[str] | None = Field(
        None, description="Restrict per-chunk language detection to these (e.g. ['en','es']); default: all."
    )
    asr_beam_size: int = Field(5, description="Whisper beam size: 1 is ~40% faster, 5 is more accurate.")
    image_embedder: Literal["efficientnet-lite0", "clip"] = "efficientnet-lite0"
    clip_model_dir: Path | None = Field(
        None, description="User-supplied CLIP image tower (ONNX) directory; unverified offline."
    )
    ocr_engine: Literal["rapidocr", "tesseract"] = "rapidocr"
    ocr_languages: list[str] = Field(default_factory=lambda: ["en", "es"])
    keyframe_min_interval_s: float = 2.0
    keyframe_max_interval_s: float = 10.0
    keep_gps: bool = False

    # -- ask: answers with citations ------------------------------------------------------------
    answer_model: Literal["extractive", "openai", "gemini", "llamacpp"] = Field(
        "extractive", description="Who writes answers; 'extractive' stitches cited sentences, offline."
    )
    openai_base_url: str = Field(
        "https://api.openai.com/v1", description="Any OpenAI-compatible API (vLLM, Ollama, llama.cpp)."
    )
    openai_model: str = Field("gpt-4o-mini", description="Model name sent to the OpenAI-compatible API.")
    openai_api_key: str | None = Field(None, description="Bearer key for the OpenAI-compatible API.")
    gemini_base_url: str = Field(
        "https://generativelanguage.googleapis.com/v1beta", description="Google Gemini REST API root."
    )
    gemini_api_key: str | None = Field(None, description="Google AI Studio API key for Gemini.")
    gemini_model: str = Field("gemini-2.0-flash", description="Gemini model name.")
    llm_gguf_path: Path | None = Field(None, description="Local GGUF model file for 'llamacpp'.")
    llm_timeout_s: float = Field(60.0, description="Longest wait for an answer model's next bytes (s).")
    llm_retries: int = Field(2, description="Retries of a failed answer-model call (connect, 429, 5xx).")
    llm_max_tokens: int = Field(512, description="Most tokens an answer model may write.")
    ask_context_tokens: int = Field(3000, description="Token budget of the sources put in a prompt.")
    ask_min_relevance: float = Field(
        0.82, description="Least relevance (e5 cosine + 0.02 per shared word) for a source to count."
    )

    @cached_property
    def resolved_catalog_url(self) -> str:
        if self.catalog_url:
            return self.catalog_url
        return f"sqlite:///{(self.home / 'catalog.db').resolve()}"

    @property
    def store_dir(self) -> Path:
        return self.home / "objects"

    @property
    def index_dir(self) -> Path:
        return self.home / "index"
