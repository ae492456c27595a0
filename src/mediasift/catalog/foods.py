"""The nutrition food table in the catalog: seeded from the packages, searched by name.

One table for every tenant: it is public reference data (the USDA-based rows and
open-food-calories, ``mediasift.nutrition.table``), not anyone's media. ``seed_foods`` writes it
when the catalog holds another version (or none) and does nothing otherwise, so every process may
call it at start-up; ``search_foods`` serves ``GET /v1/foods?q=pollo``: English and Spanish names
and synonyms, case and accents ignored ("azucar" finds "azúcar"), by word prefix.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from typing import Protocol

from sqlalchemy import case, delete, func, select
from sqlalchemy.orm import Session

from mediasift.catalog.models import FoodRow

_SEED_LOCK = 4731021  # PostgreSQL advisory lock: two workers seeding at once take turns


class FoodFacts(Protocol):
    """What seeding reads of a food (``mediasift.nutrition.table.Food`` has it)."""

    @property
    def food_id(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def name_es(self) -> str | None: ...
    @property
    def nutrients(self) -> Mapping[str, float | None]: ...
    @property
    def source_table(self) -> str: ...
    @property
    def source_row(self) -> str: ...
    @property
    def provenance(self) -> str: ...

    def search_names(self) -> tuple[str, ...]: ...


def fold(text: str) -> str:
    """Lower case, no accents, words separated by one space (as ``nutrition.table.fold``)."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(re.sub(r"[^\w%]+", " ", plain).split())


def food_table_version(s: Session) -> str | None:
    """The version of the table the catalog holds, or None when it holds none."""
    return s.scalar(select(FoodRow.table_version).limit(1))


def seed_foods(s: Session, foods: Iterable[FoodFacts], version: str) -> int:
    """Make the catalog's food table ``version``: replace every row when it holds another
    version (or none); do nothing when it already holds this one. Returns the rows written."""
    if s.get_bind().dialect.name == "postgresql":
        s.execute(select(func.pg_advisory_xact_lock(_SEED_LOCK)))
    if food_table_version(s) == version:
        return 0
    s.execute(delete(FoodRow))
    rows = [
        FoodRow(
            food_id=f.food_id,
            name=f.name,
            name_es=f.name_es,
            # "| a b | c |": "% q%" is a word start in any name, "%| q%" a name start, "%| q |%" a name
            search_text="| " + " | ".join(fold(n) for n in f.search_names()) + " |",
            nutrients=dict(f.nutrients),
            source_table=f.source_table,
            source_row=f.source_row,
            provenance=f.provenance,
            table_version=version,
        )
        for f in foods
    ]
    s.add_all(rows)
    return len(rows)


def search_foods(s: Session, q: str, limit: int = 20, offset: int = 0) -> list[FoodRow]:
    """Foods with a name, Spanish name or synonym that has a word starting with ``q`` (folded);
    a name equal to ``q`` first, then names starting with it, then the shortest."""
    term = fold(q)
    if not term:
        return []
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    rank = case(
        (FoodRow.search_text.like(f"%| {escaped} |%", escape="\\"), 0),
        (FoodRow.search_text.like(f"%| {escaped}%", escape="\\"), 1),
        else_=2,
    )
    query = (
        select(FoodRow)
        .where(FoodRow.search_text.like(f"% {escaped}%", escape="\\"))
        .order_by(rank, func.length(FoodRow.name), FoodRow.food_id)
        .limit(limit)
        .offset(offset)
    )
    return list(s.scalars(query))


def list_foods(s: Session, limit: int = 20, offset: int = 0) -> list[FoodRow]:
    """Every food, by name."""
    everything = select(FoodRow).order_by(FoodRow.name, FoodRow.food_id)
    return list(s.scalars(everything.limit(limit).offset(offset)))


def get_food(s: Session, food_id: str) -> FoodRow | None:
    return s.get(FoodRow, food_id)


def foods_by_ids(s: Session, food_ids: Iterable[str]) -> dict[str, FoodRow]:
    ids = list(set(food_ids))
    if not ids:
        return {}
    return {row.food_id: row for row in s.scalars(select(FoodRow).where(FoodRow.food_id.in_(ids)))}
