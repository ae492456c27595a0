"""What the report routes share: the ``format`` parameter, the documented answers and the response.

An HTML report is served with a Content-Security-Policy that lets it show its own inline styles
and ``data:`` pictures and nothing else (no script, no fetch), so a report opened from the API's
origin cannot act as the signed-in user even if some text slipped past its escaping.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import Query, Response

from mediasift.services.reports import Rendered

ReportFormat = Annotated[
    Literal["json", "md", "html"],
    Query(
        alias="format",
        description="json (schema mediasift.report/1), md (Markdown) or html (one self-contained page)",
    ),
]
HTML_POLICY = (
    "default-src 'none'; img-src data:; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; "
    "frame-ancestors 'none'"
)
REPORT_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The report in the format asked for",
        "content": {
            "application/json": {
                "schema": {
                    "type": "object",
                    "description": "A report document: schema mediasift.report/1 (docs/reports.md)",
                }
            },
            "text/markdown": {"schema": {"type": "string"}},
            "text/html": {"schema": {"type": "string"}},
        },
    }
}


def report_response(rendered: Rendered, name: str) -> Response:
    """``rendered`` with its content type; ``name`` (without extension) names the file a browser saves."""
    headers = {
        "Content-Disposition": f'inline; filename="{name}.{rendered.fmt}"',
        "X-Content-Type-Options": "nosniff",
    }
    if rendered.fmt == "html":
        headers["Content-Security-Policy"] = HTML_POLICY
    return Response(rendered.body, media_type=rendered.media_type, headers=headers)
