"""/v1/ask: an answer to a question, with citations, optionally streamed (``api/answers.py``)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, Field

from mediasift.api.answers import STREAMED, AskOut, FiltersIn, StreamQuery, filters, respond
from mediasift.api.deps import RuntimeDep, TenantDep
from mediasift.services import ask as rag

router = APIRouter(tags=["ask"])


class AskIn(BaseModel):
    question: str = Field(min_length=1, max_length=rag.MAX_QUESTION_CHARS)
    filters: FiltersIn | None = None


@router.post(
    "/v1/ask", response_model=AskOut, responses=STREAMED, summary="Answer a question, with citations"
)
def ask(rt: RuntimeDep, tenant: TenantDep, body: AskIn, stream: StreamQuery = False) -> Any:
    return respond(rag.ask_stream(rt, tenant, body.question, filters(body.filters)), stream)
