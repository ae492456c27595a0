"""SQLAlchemy 2 models of the catalog: the source of truth (the index is a projection of it).

Every table and column the migrations create is declared here (a test compares the two); queries
over them live in the repository modules beside this one.

Times that the queue compares (``lease_until``, ``run_after``) are epoch seconds (float) so the
same comparisons work on SQLite and PostgreSQL; other timestamps are timezone-aware datetimes.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    false,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


def utcnow() -> datetime:
    return datetime.now(UTC)


class UtcDateTime(TypeDecorator[datetime]):
    """A moment in UTC, read back with its zone on every catalog: SQLite keeps none and handed back
    naive datetimes, which the API then wrote without a zone ("2026-12-07T09:25:05" where
    PostgreSQL gave "…Z"), and a browser's ``new Date()`` reads those as local time."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is not None and value.tzinfo is not None:
            value = value.astimezone(UTC)
        return value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value


class Base(DeclarativeBase):
    pass


class Tenant(Base):
    __tablename__ = "tenant"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)


class ApiKey(Base):
    __tablename__ = "api_key"
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenant.id"), index=True)
    hash: Mapped[str] = mapped_column(String(128), unique=True)
    scopes: Mapped[str] = mapped_column(String(200))  # comma-separated: read,write,admin
    name: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    # The user of the tenant the key belongs to (personalization); None: the key acts for the
    # tenant and may name a user with X-Mediasift-User.
    user_id: Mapped[str | None] = mapped_column(String(64))


class Media(Base):
    __tablename__ = "media"
    __table_args__ = (
        UniqueConstraint("tenant_id", "sha256", name="uq_media_tenant_sha256"),
        # bucket events find the media of an object by its key (removed, or a new version of it)
        Index("ix_media_tenant_source", "tenant_id", "source_uri"),
    )
    id: Mapped[str] = mapped_column(String(26), primary_key=True)  # ULID
    tenant_id: Mapped[str] = mapped_column(String(64), index=True)
    collection: Mapped[str] = mapped_column(String(200), default="default")
    filename: Mapped[str] = mapped_column(String(500))
    kind: Mapped[str | None] = mapped_column(String(16))  # set by the probe stage
    mime: Mapped[str | None] = mapped_column(String(200))
    bytes: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    source_uri: Mapped[str | None] = mapped_column(Text)
    original_key: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    duration_s: Mapped[float | None] = mapped_column(Float)
    width: Mapped[int | None] = mapped_column(Integer)
    height: Mapped[int | None] = mapped_column(Integer)
    pages: Mapped[int | None] = mapped_column(Integer)
    language: Mapped[str | None] = mapped_column(String(16))
    meta: Mapped[dict[str, Any]] = mapped_column("metadata", JSON, default=dict)
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow, onupdate=utcnow)
    # set once retention deleted the original (services/retention.py); derived data stays
    original_deleted_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    # quality assessment (quality.Quality.to_json() plus "version"); null until measured
    quality: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # the version of its collection's workflow its steps were planned from; null: the default
    workflow_version: Mapped[int | None] = mapped_column(Integer)


class Job(Base):
    __tablename__ = "job"
    __table_args__ = (Index("ix_job_deliverable", "status", "run_after"),)
    id: Mapped[str] = mapped_column(String(26), primary_key=True)
    media_id: Mapped[str] = mapped_column(ForeignKey("media.id", ondelete="CASCADE"), index=True)
    tenant_id: Mapped[str] = mapped_column(String(64), index=True)
    type: Mapped[str] = mapped_column(String(16), default="ingest")
    status: Mapped[str] = mapped_column(String(16), default="queued")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    max_attempts: Mapped[int] = mapped_column(Integer, default=3)
    lease_token: Mapped[str | None] = mapped_column(String(32))
    lease_until: Mapped[float | None] = mapped_column(Float)
    lease_holder: Mapped[str | None] = mapped_column(String(255))  # queue/holder.py
    run_after: Mapped[float] = mapped_column(Float, default=0.0)
    stage: Mapped[str | None] = mapped_column(String(32))
    progress: Mapped[float] = mapped_column(Float, default=0.0)
    error: Mapped[str | None] = mapped_column(Text)
    error_code: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow, onupdate=utcnow)
    # W3C traceparent of the request that queued the job, so the worker continues its trace
    traceparent: Mapped[str | None] = mapped_column(String(64))


class SegmentRow(Base):
    __tablename__ = "segment"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    media_id: Mapped[str] = mapped_column(ForeignKey("media.id", ondelete="CASCADE"), index=True)
    tenant_id: Mapped[str] = mapped_column(String(64), index=True)
    modality: Mapped[str] = mapped_column(String(16))
    text: Mapped[str] = mapped_column(Text, default="")
    start_s: Mapped[float | None] = mapped_column(Float)
    end_s: Mapped[float | None] = mapped_column(Float)
    page: Mapped[int | None] = mapped_column(Integer)
    frame_key: Mapped[str | None] = mapped_column(Text)
    language: Mapped[str | None] = mapped_column(String(16))
    confidence: Mapped[float | None] = mapped_column(Float)
    meta: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    ordinal: Mapped[int] = mapped_column(Integer, default=0)  # order within the media, for display
    # Each sentence of a prose segment embedded alone (``services/sentence_vectors.py``): float16,
    # n_sentences × dim, row-major; None for tags, pictures, code and rows from before 0015.
    # Deferred: only search's second stage and ask read it, through their own query.
    sentence_vectors: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)


class Chat(Base):
    """A conversation of one tenant with its media (``/v1/chats``); messages hold the turns."""

    __tablename__ = "chat"
    id: Mapped[str] = mapped_column(String(26), primary_key=True)  # ULID
    tenant_id: Mapped[str] = mapped_column(String(64), index=True)
    # The user whose chat it is: only they read, continue, list or delete it. None: a chat of no
    # user (open mode, a key without one), for requests that name no user.
    user_id: Mapped[str | None] = mapped_column(String(64))
    title: Mapped[str | None] = mapped_column(String(200))
    filters: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # default narrowing of every turn
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow, onupdate=utcnow)

    __table_args__ = (Index("ix_chat_tenant_user", "tenant_id", "user_id"),)


class ChatMessage(Base):
    __tablename__ = "chat_message"
    id: Mapped[str] = mapped_column(String(26), primary_key=True)  # ULID
    chat_id: Mapped[str] = mapped_column(ForeignKey("chat.id", ondelete="CASCADE"), index=True)
    tenant_id: Mapped[str] = mapped_column(String(64), index=True)
    role: Mapped[str] = mapped_column(String(16))  # user | assistant
    content: Mapped[str] = mapped_column(Text, default="")
    rewritten: Mapped[str | None] = mapped_column(Text)  # the standalone question retrieval used
    citations: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    model: Mapped[str | None] = mapped_column(String(200))
    # A user's turn: the narrowing it gave itself, as written (None: the chat's alone)
    filters: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)


class Webhook(Base):
    """A tenant's subscription: POST signed event payloads to ``url``."""

    __tablename__ = "webhook"
    id: Mapped[str] = mapped_column(String(26), primary_key=True)  # ULID
    tenant_id: Mapped[str] = mapped_column(String(64), index=True)
    url: Mapped[str] = mapped_column(Text)
    events: Mapped[list[str]] = mapped_column(JSON, default=list)
    secret: Mapped[str] = mapped_column(String(128))  # HMAC key; the receiver holds it too
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    # what a workflow's notify step calls it (unique per tenant); null: unnamed
    name: Mapped[str | None] = mapped_column(String(100))


class WebhookDelivery(Base):
    """One event for one webhook: pending until delivered or out of attempts (then failed)."""

    __tablename__ = "webhook_delivery"
    __table_args__ = (Index("ix_webhook_delivery_due", "status", "next_attempt_at"),)
    id: Mapped[str] = mapped_column(String(26), primary_key=True)  # ULID, also the delivery header
    webhook_id: Mapped[str] = mapped_column(ForeignKey("webhook.id", ondelete="CASCADE"), index=True)
    tenant_id: Mapped[str] = mapped_column(String(64), index=True)
    event: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(16), default="pending")  # pending | delivered | failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[float] = mapped_column(Float, default=0.0)  # epoch seconds, as job.run_after
    lease_until: Mapped[float | None] = mapped_column(Float)  # a dispatcher is sending it until then
    last_status_code: Mapped[int | None] = mapped_column(Integer)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    delivered_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class MediaEnrichment(Base):
    """What one media is about (``enrich/media.py``): one row per media, replaced whenever it is
    enriched again (ingest, relabel, ``reindex --enrich``). ``error`` is set, and the rest empty,
    when its enrichment failed: the media itself is still ready."""

    __tablename__ = "media_enrichment"
    media_id: Mapped[str] = mapped_column(ForeignKey("media.id", ondelete="CASCADE"), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(String(64), index=True)
    summary: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    keywords: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    entities: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    labels: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    # segment id → its labels [{taxonomy, label, score}]
    segment_labels: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    languages: Mapped[list[str]] = mapped_column(JSON, default=list)
    notes: Mapped[list[str]] = mapped_column(JSON, default=list)  # "read 400,000 of … characters"
    models: Mapped[list[str]] = mapped_column(JSON, default=list)
    error: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow, onupdate=utcnow)


class TaxonomyRow(Base):
    """A tenant's taxonomy: the validated document of ``PUT /v1/taxonomies/{name}``."""

    __tablename__ = "taxonomy"
    tenant_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    document: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow, onupdate=utcnow)


class FoodRow(Base):
    """One row of the nutrition food table (``mediasift.nutrition.table``), shared by every tenant:
    public reference data, seeded from the packages by ``foods.seed_foods`` and replaced whole
    when their ``table_version`` changes. ``search_text`` holds the folded names (English,
    Spanish, synonyms) that ``foods.search_foods`` matches by word prefix."""

    __tablename__ = "food"
    food_id: Mapped[str] = mapped_column(String(120), primary_key=True)  # astra:egg, ofc:riz-blanc-cru
    name: Mapped[str] = mapped_column(String(300))
    name_es: Mapped[str | None] = mapped_column(String(300))
    search_text: Mapped[str] = mapped_column(Text, default="")
    nutrients: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # per 100 g; null = unknown
    source_table: Mapped[str] = mapped_column(String(200))
    source_row: Mapped[str] = mapped_column(String(200))
    provenance: Mapped[str | None] = mapped_column(Text)  # "USDA SR Legacy, fdc_id 171287"
    table_version: Mapped[str] = mapped_column(String(300))


class Conversion(Base):
    """A media written in another format (``services/conversions.py``): made by the convert job
    ``job_id``, whose status is the conversion's. ``cache_key`` is the sha256 of (the source's
    sha256, target, options), unique per tenant: the same request again finds this row."""

    __tablename__ = "conversion"
    __table_args__ = (UniqueConstraint("tenant_id", "cache_key", name="uq_conversion_tenant_cache_key"),)
    id: Mapped[str] = mapped_column(String(26), primary_key=True)  # ULID
    tenant_id: Mapped[str] = mapped_column(String(64), index=True)
    media_id: Mapped[str] = mapped_column(ForeignKey("media.id", ondelete="CASCADE"), index=True)
    job_id: Mapped[str] = mapped_column(String(26), index=True)
    target: Mapped[str] = mapped_column(String(32))
    options: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    cache_key: Mapped[str] = mapped_column(String(64))
    mime: Mapped[str] = mapped_column(String(100))
    key: Mapped[str | None] = mapped_column(Text)  # the output's object key, once written
    bytes: Mapped[int | None] = mapped_column(BigInteger)
    info: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # what the output holds
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class MediaNutrition(Base):
    """A media's nutrition (``mediasift.nutrition``): the last analysis's results JSON as analysed
    (replaced by each analysis) and the user's corrections (kept across analyses, applied on top
    when read). ``status``: ``ready`` once an analysis succeeded; ``failed`` when the first one
    died (``error`` says why; a later failure keeps the earlier results and only sets ``error``)."""

    __tablename__ = "media_nutrition"
    media_id: Mapped[str] = mapped_column(ForeignKey("media.id", ondelete="CASCADE"), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(String(64), index=True)
    status: Mapped[str] = mapped_column(String(16), default="ready")
    results: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # row key → {"food_id"?, "amount_g"?, "removed"?, "at"}; "servings" → {"servings", "at"}
    corrections: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    model_versions: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    error: Mapped[str | None] = mapped_column(Text)
    analysed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow, onupdate=utcnow)


class FoodNameVector(Base):
    """The text embedding of one food name, by model and the name's sha256: the nutrition matcher
    embeds the table's names once per model for every process and tenant (public reference data),
    not once per process. ``vector``: little-endian float32 bytes."""

    __tablename__ = "food_name_vector"
    model_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    text_sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    vector: Mapped[bytes] = mapped_column(LargeBinary)


class DirectUpload(Base):
    """A direct upload (``services/direct_uploads.py``): the client sends the bytes straight to
    storage at ``key`` (a presigned S3 POST/PUT or multipart upload, or the embedded store's signed
    URL), and the bucket event or the local upload handler then makes the media. ``multipart_id``
    is S3's UploadId; ``status`` goes pending -> completed (``media_id`` set) or aborted/failed."""

    __tablename__ = "direct_upload"
    id: Mapped[str] = mapped_column(String(26), primary_key=True)  # ULID
    tenant_id: Mapped[str] = mapped_column(String(64), index=True)
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(255))
    bytes: Mapped[int] = mapped_column(BigInteger)
    collection: Mapped[str] = mapped_column(String(200), default="default")
    meta: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    bucket: Mapped[str | None] = mapped_column(String(255))  # None: the embedded store
    key: Mapped[str] = mapped_column(Text)
    multipart_id: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    error: Mapped[str | None] = mapped_column(Text)
    media_id: Mapped[str | None] = mapped_column(String(26))
    job_id: Mapped[str | None] = mapped_column(String(26))
    duplicate: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    # What the media follows (``services/versions.py``), in the client's terms; None: nothing.
    source: Mapped[str | None] = mapped_column(Text)
    # a new version of the source's media; the server default fills rows made before the column
    replaced: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class Feedback(Base):
    """One signal of one user of a tenant about a media (``POST /v1/feedback``): ``open``,
    ``play`` (``value``: seconds watched), ``like`` or ``hide``. Kept as a log: recommendations
    read which media a user liked, hid or finished; the profile is folded from it as it arrives."""

    __tablename__ = "feedback"
    __table_args__ = (Index("ix_feedback_tenant_user", "tenant_id", "user_id", "created_at"),)
    id: Mapped[str] = mapped_column(String(26), primary_key=True)  # ULID
    tenant_id: Mapped[str] = mapped_column(String(64))
    user_id: Mapped[str] = mapped_column(String(64))
    media_id: Mapped[str] = mapped_column(ForeignKey("media.id", ondelete="CASCADE"), index=True)
    segment_id: Mapped[str | None] = mapped_column(String(36))
    signal: Mapped[str] = mapped_column(String(16))
    value: Mapped[float | None] = mapped_column(Float)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)


class UserProfile(Base):
    """What one user of a tenant prefers, folded from their signals as they arrive
    (``services/profiles.py``): ``vector`` is the time-decayed weighted sum of the text vectors of
    the media they liked, watched and opened, minus those they hid (little-endian float32 bytes of
    ``model_id``'s size); ``collections`` and ``labels`` map a name to its decayed weight."""

    __tablename__ = "user_profile"
    tenant_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    model_id: Mapped[str | None] = mapped_column(String(200))
    vector: Mapped[bytes | None] = mapped_column(LargeBinary)
    collections: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    labels: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    events: Mapped[int] = mapped_column(Integer, default=0)
    updated_at_s: Mapped[float] = mapped_column(Float, default=0.0)  # epoch seconds: decay reads it


class MediaVector(Base):
    """One text vector per media for personalization: the normalised mean of its first text
    segments' vectors (``services/media_vectors.py``). Derived data, recomputed when the media
    changed after it (``media_updated_at``) or the embedding model is another."""

    __tablename__ = "media_vector"
    media_id: Mapped[str] = mapped_column(ForeignKey("media.id", ondelete="CASCADE"), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(String(64), index=True)
    model_id: Mapped[str] = mapped_column(String(200))
    vector: Mapped[bytes | None] = mapped_column(LargeBinary)  # None: the media has no text
    media_updated_at: Mapped[datetime] = mapped_column(UtcDateTime())


class SearchHistory(Base):
    """A query one user of a tenant searched (text only), newest kept (``feedback.MAX_HISTORY``)."""

    __tablename__ = "search_history"
    __table_args__ = (Index("ix_search_history_tenant_user", "tenant_id", "user_id", "created_at"),)
    id: Mapped[str] = mapped_column(String(26), primary_key=True)  # ULID
    tenant_id: Mapped[str] = mapped_column(String(64))
    user_id: Mapped[str] = mapped_column(String(64))
    query: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)


class SavedSearch(Base):
    """A query and filters one user of a tenant saved: newly ingested media that match it raise an
    alert (``saved_search_alert``) and the ``saved_search.matched`` webhook event."""

    __tablename__ = "saved_search"
    __table_args__ = (Index("ix_saved_search_tenant_user", "tenant_id", "user_id"),)
    id: Mapped[str] = mapped_column(String(26), primary_key=True)  # ULID
    tenant_id: Mapped[str] = mapped_column(String(64))
    user_id: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    query: Mapped[str] = mapped_column(Text)
    filters: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # as Filters' fields
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)


class SavedSearchAlert(Base):
    """A media that matched a saved search when it was ingested; unseen until the user says so."""

    __tablename__ = "saved_search_alert"
    __table_args__ = (UniqueConstraint("saved_search_id", "media_id", name="uq_saved_search_alert_media"),)
    id: Mapped[str] = mapped_column(String(26), primary_key=True)  # ULID
    saved_search_id: Mapped[str] = mapped_column(
        ForeignKey("saved_search.id", ondelete="CASCADE"), index=True
    )
    tenant_id: Mapped[str] = mapped_column(String(64))
    user_id: Mapped[str] = mapped_column(String(64))
    media_id: Mapped[str] = mapped_column(ForeignKey("media.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    seen_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class WorkflowRow(Base):
    """One version of a collection's workflow (``PUT /v1/collections/{name}/workflow``). Every put
    adds a version; a delete adds one with no document (the collection is back on the default), so
    versions only grow. The current one is the highest."""

    __tablename__ = "workflow"
    tenant_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    collection: Mapped[str] = mapped_column(String(200), primary_key=True)
    version: Mapped[int] = mapped_column(Integer, primary_key=True)
    document: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # null: deleted, the default applies
    source: Mapped[str | None] = mapped_column(Text)  # the text as put (YAML keeps its comments)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)


class MediaStep(Base):
    """One step of a media's workflow (``workflow/plan.py``): what it is (``config``, its hash), the
    job that runs it and how that went. ``status``: waiting (for the steps in ``needs``), queued,
    running, failed (will retry), succeeded, skipped (its condition or the media's kind ruled it
    out), dead, cancelled, blocked (its ingest died)."""

    __tablename__ = "media_step"
    media_id: Mapped[str] = mapped_column(ForeignKey("media.id", ondelete="CASCADE"), primary_key=True)
    step_key: Mapped[str] = mapped_column(String(120), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(String(64), index=True)
    name: Mapped[str] = mapped_column(String(32))
    config: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    config_hash: Mapped[str] = mapped_column(String(16))
    needs: Mapped[list[str]] = mapped_column(JSON, default=list)
    workflow_version: Mapped[int] = mapped_column(Integer)
    job_id: Mapped[str | None] = mapped_column(String(26), index=True)
    status: Mapped[str] = mapped_column(String(16), default="waiting")
    result: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # e.g. {"matched": true}
    error: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow, onupdate=utcnow)
