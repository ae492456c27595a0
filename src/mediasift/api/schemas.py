"""Response bodies of the HTTP API (the CLI's ``--json`` prints the same objects)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, Field

from mediasift.catalog.sources import source_of
from mediasift.domain import Hit, code_reference

if TYPE_CHECKING:
    from mediasift.catalog.jobs import StepRef
    from mediasift.catalog.models import Conversion, Job, Media, MediaEnrichment, MediaStep, SegmentRow


class ErrorOut(BaseModel):
    code: str = Field(description="Stable machine-readable error code, e.g. not_found, limit_exceeded.")
    message: str


# What a route passes as FastAPI's ``responses=``: the documented answers by status code.
ErrorResponses = dict[int | str, dict[str, Any]]


def error_responses(*codes: int) -> ErrorResponses:
    """``responses=`` for errors that answer with an ``ErrorOut`` body under these status codes."""
    return {code: {"model": ErrorOut} for code in codes}


def file_responses(*media_types: str, ranged: bool = False) -> ErrorResponses:
    """``responses=`` of a route answering a file's bytes (with ``response_class=Response``, so
    that no JSON body is claimed): 200 the file in one of ``media_types``; with ``ranged``, 206
    the part a ``Range`` header asks for and 416 one outside it; 307 to the object where the store
    serves it itself (S3: a presigned URL)."""
    binary = {kind: {"schema": {"type": "string", "format": "binary"}} for kind in media_types}
    out: ErrorResponses = {
        200: {"description": "The file", "content": binary},
        307: {"description": "With an S3 store: where to fetch it (a presigned URL)"},
    }
    if ranged:
        out[206] = {"description": "The bytes a `Range` header asked for", "content": binary}
        out[416] = {"model": ErrorOut, "description": "The range is outside the file"}
    return out


class TranscriptWordOut(BaseModel):
    start_s: float
    end_s: float
    word: str
    probability: float | None = None


class TranscriptSegmentOut(BaseModel):
    start_s: float
    end_s: float
    text: str
    language: str | None = Field(None, description="ISO 639-1, as heard (or the subtitle track's)")
    confidence: float | None = None
    words: list[TranscriptWordOut] = Field(description="Each word's seconds; empty for a subtitle track")


class TranscriptOut(BaseModel):
    """``transcript.json``: what was said, a segment a sentence or cue, each word timed."""

    model: str = Field(description="What made it: the ASR model, or the subtitle track read")
    duration_s: float | None
    language: str | None = Field(description="The language heard most")
    languages: list[str] = Field(description="Every language heard, most-spoken first")
    segments: list[TranscriptSegmentOut]


def transcript_responses() -> ErrorResponses:
    """``responses=`` of the transcript route: the JSON described, the other formats as text."""
    out = file_responses("application/json", "application/x-subrip", "text/vtt", "text/plain")
    content = dict(out[200]["content"])
    content.pop("application/json")
    out[200] = {
        "model": TranscriptOut,
        "description": "The transcript in the format asked for",
        "content": content,
    }
    return out


class JobOut(BaseModel):
    id: str
    media_id: str
    filename: str | None = None
    type: str
    step: str | None = Field(
        default=None,
        description="For a `step` job, the workflow step it runs (`nutrition`, `convert.mp3`: the "
        "media's `steps[].key`); null for other jobs, and for a step job a re-run has replaced",
    )
    status: str = Field(description="queued | running | succeeded | failed (will retry) | dead | cancelled")
    step_status: str | None = Field(
        default=None,
        description="For a `step` job, its step's own status (`steps[].status`): `skipped` where the "
        "job succeeded but a `when` did not hold; null for other jobs",
    )
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
    def of(cls, job: Job, filename: str | None = None, step: StepRef | None = None) -> JobOut:
        return cls(
            id=job.id,
            media_id=job.media_id,
            filename=filename,
            type=job.type,
            step=step.key if step else None,
            status=job.status,
            step_status=step.status if step else None,
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
    cite: str | None = Field(
        default=None, description="Code: where it is as people cite it, path:line_start-line_end"
    )

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
            cite=code_reference(seg.meta),
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
    kind: str | None = Field(description="video | audio | image | document | text | code; null until probed")
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
    workflow_version: int | None = Field(
        default=None,
        description="The version of its collection's workflow its steps were planned from; null: the "
        "default workflow (docs/workflows.md)",
    )
    source: str | None = Field(
        default=None,
        description="What the media follows: the `source` its upload named (`mediasift ingest`: "
        "`file://host/path`) or its bucket object (`s3://bucket/key`); an upload or object event "
        "from there is a new version of it. Null for an upload that named none",
    )
    original_deleted_at: datetime | None = Field(
        default=None,
        description="When retention deleted its original (GET …/original is then a 404, reprocess and "
        "conversions from it a 409, until the same file is uploaded again); null while it is kept",
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
            workflow_version=m.workflow_version,
            source=source_of(m),
            original_deleted_at=m.original_deleted_at,
        )


class MediaStepOut(BaseModel):
    """One step of a media's workflow and how it went."""

    key: str = Field(description="The step's key: ingest, enrich, classify.temas, convert.mp3, when.1…")
    name: str = Field(description="The kind of step")
    status: str = Field(
        description="waiting | queued | running | failed (will retry) | succeeded | skipped | dead | "
        "cancelled | blocked (its ingest did not succeed)"
    )
    config_hash: str = Field(description="Identifies its config: a change re-runs it (apply --rerun-changed)")
    workflow_version: int = Field(description="The workflow version it was planned from")
    job_id: str | None = Field(description="The job that runs it (GET /v1/jobs/{id}); null while waiting")
    needs: list[str] = Field(description="The steps it waits for")
    result: dict[str, Any] = Field(description="What it found: a conversion id, a condition's outcome…")
    error: str | None = Field(description="Its job's error, when it failed")
    updated_at: datetime

    @classmethod
    def of(cls, row: MediaStep) -> MediaStepOut:
        return cls(
            key=row.step_key,
            name=row.name,
            status=row.status,
            config_hash=row.config_hash,
            workflow_version=row.workflow_version,
            job_id=row.job_id,
            needs=list(row.needs or []),
            result=dict(row.result or {}),
            error=row.error,
            updated_at=row.updated_at,
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
    score: float = Field(
        description="Zero-shot score in (0, 1); at or above the taxonomy's threshold (1 for a rule's)"
    )
    by: str | None = Field(
        default=None,
        description="The workflow step that added it (a `when` rule: `when.1`); null for the classifier's",
    )


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
    steps: list[MediaStepOut] = Field(
        default_factory=list,
        description="Its workflow's steps, each with its status and job; empty on the default workflow",
    )
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
    nutrition: str = Field(
        default="none",
        description="none | analysing | analysed | failed: where its nutrition stands (GET "
        "/v1/media/{id}/nutrition answers 404 for none and failed, 409 while analysing)",
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
    replaced: bool = Field(
        default=False,
        description="True when the upload was a new version of the media from the same `source`: "
        "its bytes were replaced and it is processed again",
    )


class HitOut(BaseModel):
    media_id: str
    segment_id: str
    filename: str
    kind: str
    modality: str = Field(description="speech | ocr | text | frame | image | tag | note | code")
    text: str
    start_s: float | None = Field(description="Second where the match is heard or shown (audio/video)")
    end_s: float | None
    page: int | None = Field(description="Page or slide number (documents)")
    score: float = Field(
        description="Relevance within this search, higher first: relative to its other hits (the "
        "scale differs between modes and with personalization; it can pass 1), not comparable "
        "between searches"
    )
    collection: str
    language: str | None = Field(
        description="Language of the text (en, es), or of the code (python, go, sql…) for code"
    )
    frame_key: str | None
    thumbnail_url: str | None = Field(
        default=None,
        description="JPEG of the moment: the hit's keyframe, or for speech the keyframe on screen at start_s",
    )
    meta: dict[str, Any]
    path: str | None = Field(
        default=None, description="Code: the file's path in its repository (or the file's name)"
    )
    line_start: int | None = Field(
        default=None,
        description="Code: the hit's first line (1-based; in a notebook, of its cell)",
    )
    line_end: int | None = Field(default=None, description="Code: the hit's last line, included")
    symbol: str | None = Field(
        default=None, description="Code: the function, method, class or section, e.g. Queue.push"
    )
    cite: str | None = Field(
        default=None, description="Code: where it is as people cite it, path:line_start-line_end"
    )
    affinity: float | None = Field(
        default=None,
        description="How well the hit's media fits the user's profile (0-1), when the search was "
        "personalized (docs/personalization.md)",
    )
    media_meta: dict[str, Any] = Field(
        default_factory=dict,
        description=(
            "The media's own metadata, as given at upload or taken from its bucket key "
            "(sku, client, s3_key, media_type…); `meta` is the segment's"
        ),
    )

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
            path=hit.meta.get("path"),
            line_start=hit.meta.get("line_start"),
            line_end=hit.meta.get("line_end"),
            symbol=hit.meta.get("symbol"),
            cite=code_reference(hit.meta),
            affinity=hit.affinity,
            media_meta=hit.media_meta,
        )


class HitGroupOut(BaseModel):
    """The hits of one value of the ``group_by`` metadata key: one product, say."""

    key: str = Field(description="The metadata key grouped by, e.g. sku")
    value: str = Field(description="Its value shared by the group's media, e.g. SKU-1")
    score: float = Field(description="The group's best hit's score: groups are ranked by it")
    hits: list[HitOut] = Field(description="The group's best hits, best first (images, frames, text)")


class SearchOut(BaseModel):
    query: str | None
    hits: list[HitOut] = Field(
        description="Best first; with group_by, the hits of the groups, in the groups' order"
    )
    personalized: bool = Field(
        default=False, description="Whether the hits are in the user's order (docs/personalization.md)"
    )
    group_by: str | None = Field(default=None, description="The metadata key the hits are grouped by")
    groups: list[HitGroupOut] | None = Field(
        default=None,
        description=(
            "With group_by: one group per value of that key (one per product for sku), ranked by "
            "its best hit; media without the key are left out. Null without group_by"
        ),
    )

    @classmethod
    def of(cls, query: str | None, hits: list[Hit]) -> SearchOut:
        return cls(
            query=query,
            hits=[HitOut.of(h) for h in hits],
            personalized=any(h.affinity is not None for h in hits),
        )


CURSOR_HELP = "A page's `next_cursor`: the page after it (not with `offset`)"
_NEXT = (
    "Pass as `cursor` for the next page (the rows after this page's last, whatever was added or "
    "deleted meanwhile); null on a page that was not full: there is no next page"
)


class JobListOut(BaseModel):
    jobs: list[JobOut]
    next_cursor: str | None = Field(None, description=_NEXT)


class MediaListOut(BaseModel):
    media: list[MediaOut]
    next_cursor: str | None = Field(None, description=_NEXT)


class ConversionRequest(BaseModel):
    to: str = Field(
        description="The target: mp4, webm, mp3, wav, opus, m4a, gif, webp, contact-sheet (video); mp3, wav, "
        "opus, m4a (audio); srt, vtt, txt, json, docx (a video's or audio's transcript); jpeg, png, webp, "
        "avif (image); txt, md, json (a document's text and structure); png (a PDF or office page); "
        "pdf (DOCX, PPTX, ODT).",
        max_length=32,
    )
    options: dict[str, Any] = Field(
        default_factory=dict,
        description='The target\'s options, e.g. {"start": 12.5, "end": 20, "bitrate": "128k"} '
        "(docs/conversions.md lists them); unknown or out-of-range options are a 422.",
    )


class ConversionOut(BaseModel):
    id: str
    media_id: str
    target: str
    options: dict[str, Any] = Field(description="The options in canonical form (defaults filled in).")
    status: str = Field(
        description="Its job's: queued | running | succeeded | failed (will retry) | dead | cancelled"
    )
    mime: str = Field(description="Content type of the output file.")
    bytes: int | None = Field(description="Size of the output file, once written.")
    info: dict[str, Any] = Field(
        description="What the output holds: duration_s, width, height, fps, codecs, sample_rate, channels, "
        "pages, frames… as the target has them."
    )
    file_url: str | None = Field(
        description="Where to download the output (Range requests work), once written."
    )
    job: JobOut | None
    duplicate: bool = Field(False, description="True when the same conversion had been asked for before.")
    created_at: datetime
    finished_at: datetime | None

    @classmethod
    def of(
        cls, conversion: Conversion, job: Job | None, duplicate: bool = False, filename: str | None = None
    ) -> ConversionOut:
        url = f"/v1/media/{conversion.media_id}/conversions/{conversion.id}/file" if conversion.key else None
        return cls(
            id=conversion.id,
            media_id=conversion.media_id,
            target=conversion.target,
            options=conversion.options or {},
            status=job.status if job is not None else "dead",
            mime=conversion.mime,
            bytes=conversion.bytes,
            info=conversion.info or {},
            file_url=url,
            job=JobOut.of(job, filename) if job is not None else None,
            duplicate=duplicate,
            created_at=conversion.created_at,
            finished_at=conversion.finished_at,
        )


class ConversionListOut(BaseModel):
    conversions: list[ConversionOut]
