"""/v1/media/{id}/nutrition: a media's foods, amounts and nutrients, with evidence to the second.

``POST`` queues an analysis (a ``nutrition`` job on the queue: 202 and the job), ``GET`` answers
the results (schema version 1, docs/nutrition.md), ``PATCH`` records a user's correction of one
row or of the servings and answers the corrected results. Corrections are kept apart from the
analysis: a re-analysis (a reprocessed video, a new food table) replaces the results, and the
corrections apply again to the rows they name.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, status
from pydantic import BaseModel, Field, model_validator

from mediasift.api.deps import RuntimeDep, TenantDep
from mediasift.api.routes.jobs import job_out
from mediasift.api.schemas import ErrorOut, JobOut, error_responses
from mediasift.nutrition.corrections import FoodCorrection
from mediasift.services import nutrition

router = APIRouter(prefix="/v1/media", tags=["nutrition"])
ERRORS = error_responses(400, 401, 403, 404, 422)
RUNNING = {"model": ErrorOut, "description": "An analysis of this media is queued or running"}
MAX_GRAMS = 5000.0


class NutrientsOut(BaseModel):
    """Nutrients of an amount of food (per 100 g in the food table); null: the table does not say."""

    kcal: float | None = Field(None, description="Energy, kilocalories")
    protein_g: float | None = None
    fat_g: float | None = None
    carbs_g: float | None = Field(None, description="Carbohydrate, grams")
    fiber_g: float | None = None
    sugar_g: float | None = None
    sodium_mg: float | None = None


class EvidenceOut(BaseModel):
    source: Literal["speech", "ocr", "text", "frame"] = Field(
        description="speech: said; ocr: on screen; text: a document's text; frame: seen by the image model"
    )
    start_s: float | None = Field(description="Second where it is said, shown or seen (null: a still image)")
    end_s: float | None
    text: str = Field(description="The words said or shown, or the image model's label")
    frame_key: str | None = Field(None, description="The keyframe or image it was seen in (artifact key)")


class DetectedOut(BaseModel):
    food_id: str | None
    name: str | None
    amount_g: float | None


class FoodResultOut(BaseModel):
    key: str = Field(description="Names the row across analyses: a correction (PATCH) is keyed by it")
    food_id: str | None = Field(description="The food table row (GET /v1/foods/{food_id}); null: unmatched")
    name: str
    name_es: str | None
    status: Literal["matched", "unmatched"]
    amount_g: float | None = Field(description="Grams counted")
    amount_text: str = Field(description="The amount as said or written, e.g. '200 gramos'")
    amount_basis: str = Field(
        description="stated mass | food unit weight | volume x density | household unit | "
        "default portion | user | unknown"
    )
    confidence: float
    matched_by: str = Field(description="exact | stemmed | synonym | embedding | image | user | unmatched")
    flags: list[str] = Field(description="default_portion, seen_only, clamped, density_assumed…")
    nutrients: NutrientsOut | None = Field(description="Table value × amount_g / 100; null when unmatched")
    evidence: list[EvidenceOut]
    source_table: str | None
    source_row: str | None
    corrected: bool = Field(False, description="A user corrected this row")
    detected: DetectedOut | None = Field(None, description="What the analysis had found, on a corrected row")
    removed: bool = Field(False, description="A user removed this row (it is in removed_foods)")


class CorrectionOut(BaseModel):
    key: str = Field(description="The row corrected, or 'servings'")
    food_id: str | None = None
    amount_g: float | None = None
    removed: bool | None = None
    servings: int | None = None
    at: str = Field(description="When, ISO 8601")
    applied: bool = Field(description="False when the latest analysis no longer has that row")


class NutritionOut(BaseModel):
    schema_version: int = Field(description="1: this document")
    media_id: str | None
    status: Literal["ready"]
    servings: int = Field(description="Stated by the media ('para 4 personas'), corrected by a user, or 1")
    servings_stated: bool
    foods: list[FoodResultOut]
    removed_foods: list[FoodResultOut] = Field(default_factory=list)
    totals: NutrientsOut
    per_serving: NutrientsOut
    model_versions: dict[str, str] = Field(description="Food table, parser, matcher, units, image model")
    corrections: list[CorrectionOut] = Field(default_factory=list)
    analysed_at: str | None
    updated_at: str | None
    error: str | None = Field(None, description="Why the latest re-analysis failed (these results stayed)")


class NutritionPatch(BaseModel):
    """One correction: of a row (``key`` and what it is instead) or of the servings."""

    key: str | None = Field(None, max_length=300, description="The row to correct (its `key`)")
    food_id: str | None = Field(None, max_length=120, description="It is this food of the table instead")
    name: str | None = Field(
        None, max_length=200, description="It is the food of this name (English or Spanish) instead"
    )
    amount_g: float | None = Field(None, gt=0, le=MAX_GRAMS, description="It weighs this many grams")
    removed: bool | None = Field(None, description="true: it is not in this media; false: it is after all")
    reset: bool = Field(False, description="Drop every correction of this row")
    servings: int | None = Field(None, ge=1, le=100, description="The media makes this many servings")
    reset_servings: bool = Field(False, description="Back to the servings the media states (or 1)")

    @model_validator(mode="after")
    def _one_thing(self) -> NutritionPatch:
        row_change = any(v is not None for v in (self.food_id, self.name, self.amount_g, self.removed))
        if self.food_id is not None and self.name is not None:
            raise ValueError("give food_id or name, not both")
        if (row_change or self.reset) and not self.key:
            raise ValueError("a correction of a row needs its key")
        if self.key and not (row_change or self.reset):
            raise ValueError("say what to correct: food_id, name, amount_g, removed or reset")
        if not self.key and self.servings is None and not self.reset_servings:
            raise ValueError("nothing to correct: give a row's key, or servings")
        return self


EXAMPLES = {
    "amount": {"summary": "A row's amount", "value": {"key": "astra:egg", "amount_g": 120}},
    "food": {
        "summary": "A row is another food",
        "value": {"key": "astra:egg", "food_id": "ofc:oeuf-de-caille"},
    },
    "name": {"summary": "…named in words", "value": {"key": "unmatched:quinotto", "name": "quinoa"}},
    "removed": {"summary": "Not in the media", "value": {"key": "astra:sugar", "removed": True}},
    "servings": {"summary": "Servings", "value": {"servings": 4}},
}


@router.post(
    "/{media_id}/nutrition",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=JobOut,
    responses={**ERRORS, 409: {"model": ErrorOut, "description": "The media is not ready"}},
    summary="Analyse (or re-analyse) a media's nutrition: a job",
    description="A job already waiting for this media is answered instead of a second one. The job "
    "reads the media's stored speech, text and keyframes; it never runs speech or text recognition "
    "again. `media.nutrition_ready` fires when it succeeds.",
)
def analyse(rt: RuntimeDep, tenant: TenantDep, media_id: str) -> JobOut:
    return job_out(rt, nutrition.request_analysis(rt, tenant, media_id))


@router.get(
    "/{media_id}/nutrition",
    response_model=NutritionOut,
    responses={**ERRORS, 409: RUNNING},
    summary="A media's foods, amounts and nutrients, with evidence to the second",
    description="Corrections applied. 404: never analysed (or its only analysis failed); 409: an "
    "analysis is queued or running.",
)
def results(rt: RuntimeDep, tenant: TenantDep, media_id: str) -> dict[str, Any]:
    return nutrition.get_results(rt, tenant, media_id)


@router.patch(
    "/{media_id}/nutrition",
    response_model=NutritionOut,
    responses={**ERRORS, 409: RUNNING},
    summary="Correct a food, an amount or the servings; totals recompute",
    description="The correction is kept across re-analyses and reprocessing, applied to the row of "
    "the same `key`.",
)
def correct(
    rt: RuntimeDep,
    tenant: TenantDep,
    media_id: str,
    patch: Annotated[NutritionPatch, Body(openapi_examples=EXAMPLES)],
) -> dict[str, Any]:
    fix = None
    if patch.key:
        fix = FoodCorrection(patch.key, patch.food_id, patch.amount_g, patch.removed, patch.reset)
    return nutrition.correct(
        rt,
        tenant,
        media_id,
        fix,
        name=patch.name,
        servings=patch.servings,
        reset_servings=patch.reset_servings,
    )
