"""/v1/search: text (GET), image or image + text (POST multipart); both take the same filters,
and ``group_by`` (a metadata key such as sku) to answer in groups: one per product."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Literal

from fastapi import APIRouter, File, Form, Query, UploadFile

from mediasift.api.answers import ENTITIES, KEYWORDS, LABELS
from mediasift.api.deps import OptionalUserDep, RuntimeDep, TenantDep
from mediasift.api.schemas import HitGroupOut, HitOut, SearchOut, error_responses
from mediasift.domain import Filters
from mediasift.errors import InvalidRequest, LimitExceeded
from mediasift.services import feedback, grouping
from mediasift.services import search as search_service

router = APIRouter(prefix="/v1/search", tags=["search"])
ERRORS = error_responses(400, 413, 422)
MAX_QUERY_IMAGE_BYTES = 20 * 1024 * 1024
ADDED_AFTER = "Only media added at or after this ISO 8601 date or date-time (UTC unless it has an offset)"
ADDED_BEFORE = "Only media added at or before this date (inclusive: the whole day) or date-time"
KINDS = "video, audio, image, document, text, code"
PATHS = (
    "Code only: files under a folder (src/*), of an extension (*.py), both (src/*.py), or one file "
    "or folder by its path; repeat the parameter for more"
)
LANGUAGES = "Language of the text (en, es) or of the code (python, javascript, go, sql…)"
PERSONALIZE = (
    "Reorder for the user (the key's, or X-Mediasift-User) by their profile: "
    "docs/personalization.md; false: the same order for everyone"
)
MODALITIES = "speech, ocr, text, frame, image, tag, note, code"
META = "Metadata filter key=value, e.g. sku=SKU-1; repeat for more (all must match)"
GROUP_BY = (
    "Answer in groups, one per value of this metadata key (e.g. sku: one group per product), "
    "ranked by each group's best hit; limit then counts groups"
)
GROUP_SIZE = "With group_by: the best hits kept per group"
MIN_QUALITY = (
    "Only media whose overall quality score (0–1, docs/quality.md) is at least this; "
    "media whose quality was never measured are left out"
)


def filters_from(
    kind: list[str] | None,
    collection: list[str] | None,
    modality: list[str] | None,
    language: list[str] | None,
    media_id: list[str] | None,
    meta: list[str] | None,
    added_after: str | None = None,
    added_before: str | None = None,
    label: list[str] | None = None,
    entity: list[str] | None = None,
    keyword: list[str] | None = None,
    path: list[str] | None = None,
    min_quality: float | None = None,
) -> Filters | None:
    metadata = {}
    for item in meta or []:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise InvalidRequest("meta filters are key=value")
        metadata[key] = value
    f = Filters(
        kinds=kind or None,
        collections=collection or None,
        modalities=modality or None,
        languages=language or None,
        media_ids=media_id or None,
        metadata=metadata or None,
        added_after=added_after or None,
        added_before=added_before or None,
        labels=label or None,
        entities=entity or None,
        keywords=keyword or None,
        paths=path or None,
        min_quality=min_quality,
    )
    return f if any(v is not None for v in asdict(f).values()) else None


@router.get("", response_model=SearchOut, responses=ERRORS, summary="Search by text (hybrid by default)")
def search_get(
    rt: RuntimeDep,
    tenant: TenantDep,
    q: Annotated[
        str, Query(min_length=1, max_length=search_service.MAX_QUERY_CHARS, description="What to look for")
    ],
    kind: Annotated[list[str] | None, Query(description=KINDS)] = None,
    collection: Annotated[list[str] | None, Query()] = None,
    modality: Annotated[list[str] | None, Query(description=MODALITIES)] = None,
    language: Annotated[list[str] | None, Query(description=LANGUAGES)] = None,
    media_id: Annotated[list[str] | None, Query()] = None,
    meta: Annotated[list[str] | None, Query(description=META)] = None,
    added_after: Annotated[str | None, Query(max_length=40, description=ADDED_AFTER)] = None,
    added_before: Annotated[str | None, Query(max_length=40, description=ADDED_BEFORE)] = None,
    label: Annotated[list[str] | None, Query(description=LABELS + "; repeat the parameter for more")] = None,
    entity: Annotated[
        list[str] | None, Query(description=ENTITIES + "; repeat the parameter for more")
    ] = None,
    keyword: Annotated[
        list[str] | None, Query(description=KEYWORDS + "; repeat the parameter for more")
    ] = None,
    path: Annotated[list[str] | None, Query(description=PATHS)] = None,
    min_quality: Annotated[float | None, Query(ge=0, le=1, description=MIN_QUALITY)] = None,
    limit: Annotated[int, Query(ge=1, le=search_service.MAX_LIMIT)] = 10,
    mode: Literal["hybrid", "keyword", "vector"] = "hybrid",
    personalize: Annotated[bool, Query(description=PERSONALIZE)] = True,
    user: OptionalUserDep = None,
    group_by: Annotated[
        str | None, Query(min_length=1, max_length=grouping.MAX_KEY_LENGTH, description=GROUP_BY)
    ] = None,
    group_size: Annotated[
        int, Query(ge=1, le=grouping.MAX_GROUP_SIZE, description=GROUP_SIZE)
    ] = grouping.DEFAULT_GROUP_SIZE,
) -> SearchOut:
    filters = filters_from(
        kind,
        collection,
        modality,
        language,
        media_id,
        meta,
        added_after,
        added_before,
        label,
        entity,
        keyword,
        path,
        min_quality,
    )
    if group_by:
        # groups rank products by their best hit: the same for every user
        groups = grouping.search_groups(
            rt, tenant, q, group_by, filters=filters, limit=limit, group_size=group_size, mode=mode
        )
        if user is not None:
            feedback.record_search(rt, tenant, user, q)
        return grouped(q, group_by, groups)
    hits = search_service.search(
        rt, tenant, q, filters=filters, limit=limit, mode=mode, user_id=user, personalize=personalize
    )
    # Recorded once answered: the profile a search is ordered by is what the user did before it,
    # not this very query (a new user's first search had been reordered by itself).
    if user is not None:
        feedback.record_search(rt, tenant, user, q)
    return SearchOut.of(q, hits)


@router.post("", response_model=SearchOut, responses=ERRORS, summary="Search by image (and optional text)")
def search_post(
    rt: RuntimeDep,
    tenant: TenantDep,
    image: Annotated[
        UploadFile | None, File(description="Find visually similar images and keyframes")
    ] = None,
    q: Annotated[str | None, Form(max_length=search_service.MAX_QUERY_CHARS)] = None,
    kind: Annotated[list[str] | None, Form(description=KINDS)] = None,
    collection: Annotated[list[str] | None, Form()] = None,
    modality: Annotated[list[str] | None, Form(description=MODALITIES)] = None,
    language: Annotated[list[str] | None, Form(description=LANGUAGES)] = None,
    media_id: Annotated[list[str] | None, Form()] = None,
    meta: Annotated[list[str] | None, Form(description=META)] = None,
    added_after: Annotated[str | None, Form(max_length=40, description=ADDED_AFTER)] = None,
    added_before: Annotated[str | None, Form(max_length=40, description=ADDED_BEFORE)] = None,
    label: Annotated[list[str] | None, Form(description=LABELS + "; repeat the field for more")] = None,
    entity: Annotated[list[str] | None, Form(description=ENTITIES + "; repeat the field for more")] = None,
    keyword: Annotated[list[str] | None, Form(description=KEYWORDS + "; repeat the field for more")] = None,
    path: Annotated[list[str] | None, Form(description=PATHS)] = None,
    min_quality: Annotated[float | None, Form(ge=0, le=1, description=MIN_QUALITY)] = None,
    limit: Annotated[int, Form(ge=1, le=search_service.MAX_LIMIT)] = 10,
    personalize: Annotated[bool, Form(description=PERSONALIZE)] = True,
    user: OptionalUserDep = None,
    group_by: Annotated[
        str | None, Form(min_length=1, max_length=grouping.MAX_KEY_LENGTH, description=GROUP_BY)
    ] = None,
    group_size: Annotated[
        int, Form(ge=1, le=grouping.MAX_GROUP_SIZE, description=GROUP_SIZE)
    ] = grouping.DEFAULT_GROUP_SIZE,
) -> SearchOut:
    data = None
    if image is not None:
        data = image.file.read(MAX_QUERY_IMAGE_BYTES + 1)
        if len(data) > MAX_QUERY_IMAGE_BYTES:
            raise LimitExceeded("query image is larger than 20 MiB")
    filters = filters_from(
        kind, collection, modality, language, media_id, meta, added_after, added_before, label,
        entity, keyword, path, min_quality,
    )  # fmt: skip
    if group_by:
        groups = grouping.search_groups(
            rt, tenant, q, group_by, image=data, filters=filters, limit=limit, group_size=group_size
        )
        return grouped(q, group_by, groups)
    hits = search_service.search(
        rt, tenant, q, image=data, filters=filters, limit=limit, user_id=user, personalize=personalize
    )
    return SearchOut.of(q, hits)


def grouped(query: str | None, key: str, groups: list[grouping.HitGroup]) -> SearchOut:
    out = [
        HitGroupOut(key=g.key, value=g.value, score=g.score, hits=[HitOut.of(h) for h in g.hits])
        for g in groups
    ]
    return SearchOut(query=query, hits=[h for g in out for h in g.hits], group_by=key, groups=out)
