"""/v1/products/{sku}: one product of the tenant (its media, labels and look-alike products)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel, Field

from mediasift.api.deps import RuntimeDep, TenantDep
from mediasift.api.schemas import error_responses
from mediasift.domain import user_metadata
from mediasift.services import products

router = APIRouter(prefix="/v1/products", tags=["products"])
ERRORS = error_responses(401, 403, 404, 422)


def _artifact_url(media_id: str, key: str | None) -> str | None:
    # artifact keys are processed/{tenant}/{media}/{name}
    return f"/v1/media/{media_id}/artifacts/{key.split('/', 3)[3]}" if key else None


class ProductMediaOut(BaseModel):
    id: str
    filename: str
    kind: str | None = Field(description="image, video…; null until probed")
    status: str = Field(description="pending | processing | ready | failed")
    collection: str
    created_at: datetime
    thumbnail_url: str | None = Field(description="JPEG thumbnail of a ready image or video, else null")
    metadata: dict[str, Any] = Field(
        description="The media's own metadata (sku, client, s3_key, media_type…)"
    )


class ProductLabelOut(BaseModel):
    taxonomy: str
    label: str
    media: int = Field(description="How many of the product's media carry the label")
    score: float = Field(description="The best score any of them has for it (0-1)")


class ProductTagOut(BaseModel):
    tag: str = Field(description="What the image classifier saw in the pictures (an ImageNet class)")
    media: int = Field(description="How many of the product's media were tagged so")


class LookAlikeOut(BaseModel):
    sku: str = Field(description="Another product of the tenant")
    score: float = Field(
        description="Cosine similarity (0-1) of its picture closest to one of this product's"
    )
    media_id: str = Field(description="The media of that closest picture")
    filename: str
    thumbnail_url: str | None = Field(description="That picture (a keyframe) or its media's thumbnail")


class ProductOut(BaseModel):
    sku: str
    media: list[ProductMediaOut] = Field(description=f"Oldest first; at most {products.MAX_MEDIA}")
    labels: list[ProductLabelOut] = Field(description="Taxonomy labels of its media, most media first")
    tags: list[ProductTagOut] = Field(description="Picture tags of its images, most media first")
    look_alikes: list[LookAlikeOut] = Field(
        description="Other products whose pictures look most alike, best first"
    )


@router.get(
    "/{sku}",
    response_model=ProductOut,
    responses=ERRORS,
    summary="A product: its media, labels and look-alike products",
)
def get_product(
    rt: RuntimeDep,
    tenant: TenantDep,
    sku: Annotated[str, Path(max_length=200, description="The product's sku metadata value")],
    look_alikes: Annotated[
        int, Query(ge=0, le=products.MAX_LOOK_ALIKES, description="How many look-alike products")
    ] = 5,
) -> ProductOut:
    found = products.product(rt, tenant, sku, look_alikes=look_alikes)
    return ProductOut(
        sku=found.sku,
        media=[
            ProductMediaOut(
                id=m.id,
                filename=m.filename,
                kind=m.kind,
                status=m.status,
                collection=m.collection,
                created_at=m.created_at,
                thumbnail_url=(
                    f"/v1/media/{m.id}/artifacts/thumb.jpg"
                    if m.kind in ("image", "video") and m.status == "ready"
                    else None
                ),
                metadata=user_metadata(m.meta),
            )
            for m in found.media
        ],
        labels=[
            ProductLabelOut(taxonomy=x.taxonomy, label=x.label, media=x.media, score=x.score)
            for x in found.labels
        ],
        tags=[ProductTagOut(tag=tag, media=count) for tag, count in found.tags],
        look_alikes=[
            LookAlikeOut(
                sku=x.sku,
                score=x.score,
                media_id=x.media_id,
                filename=x.filename,
                thumbnail_url=_artifact_url(x.media_id, x.frame_key)
                or f"/v1/media/{x.media_id}/artifacts/thumb.jpg",
            )
            for x in found.look_alikes
        ],
    )
