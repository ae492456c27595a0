"""mediasift's errors: values with a stable ``code``, a human message and one HTTP status.

The tree (the API maps each class to its status in one place, ``api/errors.py``); ``*`` marks
the permanent ones (``retryable = False``)::

    MediasiftError                      500 internal
    ├── MediaRejected                 * 422 media_rejected     the bytes cannot become segments
    │   ├── UnsupportedMedia          * 415 unsupported_media  no extractor for this content
    │   ├── CorruptMedia              * 422 corrupt_media      recognised kind, undecodable bytes
    │   └── LimitExceeded             * 413 limit_exceeded     bytes / pixels / seconds / pages over a limit
    ├── NotFound                      * 404 not_found
    ├── Conflict                        409 conflict
    ├── InvalidRequest                * 400 invalid_request
    │   ├── UnknownValue              * 422 invalid_request    a status, kind or modality none allowed
    │   ├── TaxonomyInvalid           * 422 invalid_request    a taxonomy document (enrich/taxonomy.py)
    │   └── ConversionInvalid         * 422 invalid_request    a conversion's target or options
    ├── RequestTimeout                  408 request_timeout    the client stopped sending its body
    ├── Unauthorized                    401 unauthorized
    ├── Forbidden                       403 forbidden
    ├── RateLimited                     429 rate_limited
    ├── RangeNotSatisfiable             416 range_not_satisfiable  a byte range past the object's end
    ├── BackendUnavailable              503 backend_unavailable  a store/queue/index/model is down
    ├── ServerBusy                      503 server_busy        no capacity now; retry after a moment
    ├── Cancelled                       409 cancelled          the job was cancelled while it ran
    ├── ConverterUnavailable          * 501 converter_unavailable  a conversion needs a program not installed
    └── WorkerLost                    * 500 worker_lost        the job's last attempt lost its worker

A job that raises a permanent error is dead on that attempt, with the error's code: the same bytes
(an empty, unsupported, corrupt, encrypted or over-limit file) fail the same way every time.
Every other error, and any exception that is not a ``MediasiftError`` (a decoder fault, a
timeout), is transient: the job retries with backoff until ``max_attempts``. No stage raises
``WorkerLost``: the worker records it for a job delivered again after its last allowed attempt,
because that attempt's worker died (killed, out of memory, a native crash) without an outcome.
"""

from __future__ import annotations

import re


class MediasiftError(Exception):
    code = "internal"
    status = 500
    retryable = True  # may a job that failed with this error succeed if it runs again?

    def __init__(self, message: str, *, public: bool = False) -> None:
        super().__init__(message)
        self.message = message
        # The message names no file of the server's, only what the user sent (an archive member's
        # name): a job's error shows it as it is, where ``public_message`` would hide a path.
        self.public = public

    def to_dict(self) -> dict[str, str]:
        return {"code": self.code, "message": self.message}


class MediaRejected(MediasiftError):
    code = "media_rejected"
    status = 422
    retryable = False


class UnsupportedMedia(MediaRejected):
    code = "unsupported_media"
    status = 415


class CorruptMedia(MediaRejected):
    code = "corrupt_media"
    status = 422


class LimitExceeded(MediaRejected):
    code = "limit_exceeded"
    status = 413


class NotFound(MediasiftError):
    code = "not_found"
    status = 404
    retryable = False


class Conflict(MediasiftError):
    code = "conflict"
    status = 409


class InvalidRequest(MediasiftError):
    code = "invalid_request"
    status = 400
    retryable = False


class UnknownValue(InvalidRequest):
    """A query value that is none of those allowed (a status, a kind, a modality): 422, as
    FastAPI answers a parameter its type refuses, so every list's filters fail alike."""

    status = 422


class RequestTimeout(MediasiftError):
    code = "request_timeout"
    status = 408


class Unauthorized(MediasiftError):
    code = "unauthorized"
    status = 401


class Forbidden(MediasiftError):
    code = "forbidden"
    status = 403


class RateLimited(MediasiftError):
    code = "rate_limited"
    status = 429


class RangeNotSatisfiable(MediasiftError):
    code = "range_not_satisfiable"
    status = 416

    def __init__(self, message: str, size: int) -> None:
        super().__init__(message)
        self.size = size  # bytes in the object: the response's ``Content-Range: bytes */size``


class BackendUnavailable(MediasiftError):
    code = "backend_unavailable"
    status = 503


class ServerBusy(MediasiftError):
    """Every slot for this kind of request is taken; ``retry_after_s`` says when to try again."""

    code = "server_busy"
    status = 503

    def __init__(self, message: str, retry_after_s: float) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s


class Cancelled(MediasiftError):
    code = "cancelled"
    status = 409


class ConverterUnavailable(MediasiftError):
    """A conversion needs a program this server or worker does not have (LibreOffice)."""

    code = "converter_unavailable"
    status = 501
    retryable = False


class WorkerLost(MediasiftError):
    code = "worker_lost"
    status = 500
    retryable = False


# What a decoder says of a file names it by the worker's own path ("… processing input:
# '/var/lib/mediasift/objects/raw/…/original.mp4'") and an OS error number: neither means anything
# to the user who reads a job's error, and the path tells a client where the server keeps files.
_ERRNO = re.compile(r"\[Errno -?\d+\]\s*")
_NAMED_PATH = re.compile(r"""\s*:\s*(['"]?)/(?:[^\s'"/]+/)+[^\s'"]*\1(?=[\s.,;)]|$)""")
_PATH = re.compile(r"""(?<![\w:/.])(['"]?)/(?:[^\s'"/]+/)+[^\s'"]*\1""")


def public_message(message: str) -> str:
    """``message`` as a job's error shows it: without the worker's file paths or errno numbers."""
    message = _ERRNO.sub("", message)
    message = _NAMED_PATH.sub("", message)
    return _PATH.sub("the file", message)
