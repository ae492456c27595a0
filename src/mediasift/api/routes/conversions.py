"""/v1/media/{id}/conversions: ask for a media in another format, follow it, download it."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response, status
from fastapi.responses import JSONResponse

from mediasift.api.deps import RuntimeDep, TenantDep

# The media routes' download (Range requests, presigned redirects), shared rather than copied.
from mediasift.api.head import is_head
from mediasift.api.routes.jobs import media_filename
from mediasift.api.routes.media import _object_response
from mediasift.api.schemas import (
    ConversionListOut,
    ConversionOut,
    ConversionRequest,
    ErrorOut,
    error_responses,
    file_responses,
)
from mediasift.services import conversions

router = APIRouter(prefix="/v1/media/{media_id}/conversions", tags=["conversions"])
ERRORS = error_responses(404)
REQUEST_ERRORS = {
    **error_responses(400, 404),
    409: {
        "model": ErrorOut,
        "description": "Not yet possible: the media is not probed or ready, has no "
        "transcript, or retention deleted its original",
    },
    422: {"model": ErrorOut, "description": "A target this kind of media has none of, or bad options"},
    501: {"model": ErrorOut, "description": "`converter_unavailable`: LibreOffice is not installed"},
}


@router.post(
    "",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=ConversionOut,
    responses={
        **REQUEST_ERRORS,
        200: {"model": ConversionOut, "description": "The same conversion exists: it is returned"},
    },
    summary="Convert a media to another format; a job makes the file",
)
def request_conversion(rt: RuntimeDep, tenant: TenantDep, media_id: str, body: ConversionRequest) -> Response:
    made = conversions.request(rt, tenant, media_id, body.to, body.options)
    named = media_filename(rt, media_id)
    out = ConversionOut.of(made.conversion, made.job, duplicate=made.duplicate, filename=named)
    code = status.HTTP_200_OK if made.duplicate else status.HTTP_202_ACCEPTED
    return JSONResponse(out.model_dump(mode="json"), status_code=code)


@router.get(
    "", response_model=ConversionListOut, responses=ERRORS, summary="A media's conversions, newest first"
)
def list_conversions(rt: RuntimeDep, tenant: TenantDep, media_id: str) -> ConversionListOut:
    found = conversions.list_conversions(rt, tenant, media_id)
    named = media_filename(rt, media_id)
    return ConversionListOut(conversions=[ConversionOut.of(c, job, filename=named) for c, job in found])


@router.get(
    "/{conversion_id}", response_model=ConversionOut, responses=ERRORS, summary="A conversion and its job"
)
def get_conversion(rt: RuntimeDep, tenant: TenantDep, media_id: str, conversion_id: str) -> ConversionOut:
    conversion, job = conversions.get_conversion(rt, tenant, media_id, conversion_id)
    return ConversionOut.of(conversion, job, filename=media_filename(rt, media_id))


@router.get(
    "/{conversion_id}/file",
    response_class=Response,
    responses={
        **ERRORS,
        **file_responses("*/*", ranged=True),
        409: {"model": ErrorOut, "description": "The conversion's job has not written the file"},
    },
    summary="Download a conversion's file (Range requests work)",
)
def conversion_file(
    request: Request, rt: RuntimeDep, tenant: TenantDep, media_id: str, conversion_id: str
) -> Response:
    found = conversions.output(rt, tenant, media_id, conversion_id)
    return _object_response(
        rt, found.key, found.mime, found.filename, request.headers.get("range"), head=is_head(request)
    )
