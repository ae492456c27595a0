"""Response bodies of the HTTP API (the CLI's ``--json`` prints the same objects)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, Field

from mediasift.domain import Hit

if TYPE_CHECKING:
    from mediasift.catalog.models import Job, Media, MediaEnrichment, SegmentRow


class ErrorOut(BaseModel):
    code: str = Field(description="Stable machine-readable error code, e.g. not_found, limit_exceeded.")
    message: str


# What a route passes as FastAPI's ``responses=``: the documented answers by status code.
ErrorResponses = dict[int | str, dict[str, Any]]


def error_responses(*codes: int) -> ErrorResponses:
    """``responses=`` for errors that answer with an ``ErrorOut`` body under these status codes."""
    return {code: {"model": ErrorOut} for code in codes}


class JobOut(BaseModel):
    id: str
    media_id: str
    filename: str | None = None
    type: str
    status: str = Field(description="queued | running | succeeded | failed (will retry) | dead | cancelled")
    stage: str | None
    progress: float = Field(description="0..1 within the current stage")
    attempts: int
    max_attempts: int
    error: str | None
    error_code: str | None
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None

    @classmethod
    def of(cls, job: Job, filename: str | None = None) -> JobOut:
        return cls(
            id=job.id,
            media_id=job.media_id,
            filename=filename,
            type=job.type,
            status=job.status,
            stage=job.stage,
            progress=job.progress or 0.0,
            attempts=job.attempts or 0,
            max_attempts=job.max_attempts,
            error=job.error,
            error_code=job.error_code,
            created_at=job.created_at,
            started_at=job.started_at,
            finished_at=job.finished_at,
        )


class SegmentOut(BaseModel):
    id: str
    modality: str
    text: str
    start_s: float | None
    end_s: float | None
    page: int | None
    frame_key: str | None
    language: str | None
    confidence: float | None
    meta: dict[str, Any]

    @classmethod
    def of(cls, seg: SegmentRow) -> SegmentOut:
        return cls(
            id=seg.id,
            modality=seg.modality,
            text=seg.text,
            start_s=seg.start_s,
            end_s=seg.end_s,
            page=seg.page,
            frame_key=seg.frame_key,
            language=seg.language,
            confidence=seg.confidence,
            meta=seg.meta or {},
        )


class QualityReasonOut(BaseModel):
    measure: str = Field(description="The measure that lowered the score (a key of `measures`)")
    value: Any = Field(description="Its value")
    message: str = Field(description="What is wrong, in words (e.g. 'blurred: variance of the Laplacian 7')")


class QualityOut(BaseModel):
    """A media's quality assessment (docs/quality.md)."""

    overall: float = Field(ge=0, le=1, description="0 (unusable) to 1 (no defect found)")
    reasons: list[QualityReasonOut] = Field(description="What lowered the score, worst first")
    measures: dict[str, Any] = Field(
        description="Every measure taken, by name (units in docs/quality.md); stretches as [[start_s, end_s]]"
    )
    version: int | None = Field(default=None, description="Version of the measures and thresholds")
    measured_at: str | None = Field(default=None, description="When it was measured (ISO 8601)")


class MediaOut(BaseModel):
    id: str
    filename: str
    collection: str
    kind: str | None = Field(description="video | audio | image | document | text; null until probed")
    mime: str | None
    bytes: int
    sha256: str
    status: str = Field(description="pending | processing | ready | failed")
    duration_s: float | None
    width: int | None
    height: int | None
    pages: int | None
    language: str | None
    metadata: dict[str, Any]
    error: str | None
    created_at: datetime
    updated_at: datetime
    quality: QualityOut | None = Field(
        default=None, description="Quality assessment: overall 0–1, reasons, measures; null until measured"
    )

    @classmethod
    def of(cls, m: Media) -> MediaOut:
        return cls(
            id=m.id,
            filename=m.filename,
            collection=m.collection,
            kind=m.kind,
            mime=m.mime,
            bytes=m.bytes,
            sha256=m.sha256,
            status=m.status,
            duration_s=m.duration_s,
            width=m.width,
            height=m.height,
            pages=m.pages,
            language=m.language,
            metadata=m.meta or {},
            error=m.error,
            created_at=m.created_at,
            updated_at=m.updated_at,
            quality=QualityOut.model_validate(m.quality) if m.quality else None,
        )


class WhereOut(BaseModel):
    """Where in the media something is: a segment, at a second (audio/video) or on a page."""

    segment_id: str = Field(description="The segment (see `segments`) it comes from")
    start_s: float | None = Field(description="Second where it is said or shown (audio/video), else null")
    page: int | None = Field(description="Page or slide number (documents), else null")


class SummarySentenceOut(WhereOut):
    text: str = Field(description="A sentence of the media itself (extractive summary), in its language")


class KeywordOut(BaseModel):
    text: str = Field(description="A keyword or keyphrase as it is written in the media")
    score: float = Field(description="Relevance in [0, 1], relative to this media: its best is near 1")


class EntityOut(BaseModel):
    text: str = Field(description="The entity's most frequent spelling in the media")
    type: str = Field(description="PER | ORG | LOC | DATE | QUANTITY | PRODUCT | MISC")
    occurrences: list[WhereOut] = Field(description="Every segment where it is mentioned, in media order")


class LabelOut(BaseModel):
    taxonomy: str = Field(description="Name of the tenant's taxonomy (PUT /v1/taxonomies/{name})")
    label: str = Field(description="The label's name as the taxonomy gives it")
    score: float = Field(description="Zero-shot score in (0, 1); at or above the taxonomy's threshold")


class EnrichmentOut(BaseModel):
    """How the media's enrichment was made, for a report or a support question."""

    languages: list[str] = Field(description="Languages of its segments, most segments first")
    notes: list[str] = Field(description="What was sampled or skipped, e.g. 'read 400,000 of … characters'")
    models: list[str] = Field(description="Ids of the models that enriched it")
    error: str | None = Field(description="Why enrichment failed (the media is still ready and searchable)")
    updated_at: datetime = Field(description="When it was last enriched or relabelled")


class MediaDetailOut(MediaOut):
    segments: list[SegmentOut]
    job: JobOut | None
    artifacts: list[str] = Field(description="Artifact names under /v1/media/{id}/artifacts/")
    duplicates: list[dict[str, Any]] = Field(
        default_factory=list,
        description="Near-duplicate images of this tenant: media_id, filename, distance (pHash bits)",
    )
    summary: list[SummarySentenceOut] = Field(
        default_factory=list,
        description="3-5 sentences of the media that say what it is about, each with its segment, "
        "second or page; empty until enriched",
    )
    keywords: list[KeywordOut] = Field(
        default_factory=list, description="Keywords and keyphrases, best first"
    )
    entities: list[EntityOut] = Field(
        default_factory=list,
        description="Named entities (people, organisations, places, dates, quantities, products), "
        "most mentioned first, each with every segment where it occurs",
    )
    labels: list[LabelOut] = Field(
        default_factory=list,
        description="Labels from the tenant's taxonomies that apply to the whole media, best first",
    )
    enrichment: EnrichmentOut | None = Field(
        default=None, description="How the enrichment was made; null when the media was never enriched"
    )

    @staticmethod
    def enrichment_fields(row: MediaEnrichment | None) -> dict[str, Any]:
        """The enrichment fields of a media's detail from its stored row."""
        if row is None:
            return {}
        return {
            "summary": row.summary,
            "keywords": row.keywords,
            "entities": row.entities,
            "labels": row.labels,
            "enrichment": EnrichmentOut(
                languages=row.languages,
                notes=row.notes,
                models=row.models,
                error=row.error,
                updated_at=row.updated_at,
            ),
        }


class UploadOut(BaseModel):
    media: MediaOut
    job: JobOut | None
    duplicate: bool = Field(description="True when the same bytes were already ingested by this tenant")


class HitOut(BaseModel):
    media_id: str
    segment_id: str
    filename: str
    kind: str
    modality: str = Field(description="speech | ocr | text | frame | image | tag | note")
    text: str
    start_s: float | None = Field(description="Second where the match is heard or shown (audio/video)")
    end_s: float | None
    page: int | None = Field(description="Page or slide number (documents)")
    score: float
    collection: str
    language: str | None
    frame_key: str | None
    thumbnail_url: str | None = Field(
        default=None,
        description="JPEG of the moment: the hit's keyframe, or for speech the keyframe on screen at start_s",
    )
    meta: dict[str, Any]

    @classmethod
    def of(cls, hit: Hit) -> HitOut:
        # frame keys are processed/{tenant}/{media}/{artifact name}
        key = hit.thumbnail_key or hit.frame_key
        thumb = f"/v1/media/{hit.media_id}/artifacts/{key.split('/', 3)[3]}" if key else None
        return cls(
            media_id=hit.media_id,
            segment_id=hit.segment_id,
            filename=hit.filename,
            kind=hit.kind,
            modality=hit.modality,
            text=hit.text,
            start_s=hit.start_s,
            end_s=hit.end_s,
            page=hit.page,
            score=hit.score,
            collection=hit.collection,
            language=hit.language,
            frame_key=hit.frame_key,
            thumbnail_url=thumb,
            meta=hit.meta,
        )


class SearchOut(BaseModel):
    query: str | None
    hits: list[HitOut]


class JobListOut(BaseModel):
    jobs: list[JobOut]


class MediaListOut(BaseModel):
    media: list[MediaOut]
