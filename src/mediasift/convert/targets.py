"""What a media can be converted to, and the options each target takes.

``resolve(kind, mime, to, options)`` returns the ``Target`` and the options in canonical form
(defaults filled in, ``None`` left out), or raises ``ConversionInvalid`` (422) naming what is
wrong: a target this kind of media has none of, an unknown option, a value out of range. The same
name can mean different things for different kinds: ``webp`` of an image is a still image, of a
video an animated preview; ``txt`` of a video is its transcript, of a document its text.

Units: seconds for ``start``/``end``, pixels for ``width``/``height``, Hz for ``sample_rate``.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from mediasift.errors import InvalidRequest


class ConversionInvalid(InvalidRequest):
    code = "invalid_request"
    status = 422


# -- options, by family ------------------------------------------------------------------------


class _Options(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ClipOptions(_Options):
    start: float | None = Field(
        None, ge=0, description="Seconds from the start of the media where the output begins."
    )
    end: float | None = Field(
        None, gt=0, description="Seconds from the start of the media where the output ends."
    )

    @model_validator(mode="after")
    def _end_after_start(self) -> ClipOptions:
        if self.end is not None and self.end <= (self.start or 0.0):
            raise ValueError("end must be after start")
        return self


BITRATE = r"^[1-9][0-9]{0,5}[kKmM]?$"  # 128k, 2M, 96000
SAMPLE_RATES = (8000, 11025, 12000, 16000, 22050, 24000, 32000, 44100, 48000)


class AudioOptions(ClipOptions):
    bitrate: str | None = Field(None, pattern=BITRATE, description="Audio bitrate, e.g. 128k.")
    sample_rate: int | None = Field(None, description=f"Output sample rate in Hz: one of {SAMPLE_RATES}.")
    channels: Literal[1, 2] | None = Field(
        None, description="1 (mono) or 2 (stereo); default: the source's, at most 2."
    )

    @model_validator(mode="after")
    def _known_rate(self) -> AudioOptions:
        if self.sample_rate is not None and self.sample_rate not in SAMPLE_RATES:
            raise ValueError(f"sample_rate must be one of {', '.join(map(str, SAMPLE_RATES))}")
        return self


class VideoOptions(AudioOptions):
    width: int | None = Field(
        None, ge=16, le=7680, description="Output width; alone, the height follows the aspect."
    )
    height: int | None = Field(
        None, ge=16, le=4320, description="Output height; alone, the width follows the aspect."
    )
    fps: float | None = Field(None, gt=0, le=120, description="Frames per second; default: the source's.")
    video_bitrate: str | None = Field(
        None, pattern=BITRATE, description="Video bitrate, e.g. 1M; default: constant quality."
    )


class PreviewOptions(ClipOptions):
    width: int = Field(
        320, ge=16, le=480, description="Width of the animation; the height follows the aspect."
    )
    fps: float = Field(10.0, gt=0, le=15, description="Frames per second of the animation.")


class ContactSheetOptions(_Options):
    count: int = Field(12, ge=1, le=100, description="How many frames, evenly spaced over the video.")
    columns: int = Field(4, ge=1, le=10, description="Frames per row.")
    width: int = Field(320, ge=32, le=1024, description="Width of one frame on the sheet.")


class ImageOptions(_Options):
    width: int | None = Field(None, ge=1, le=20000, description="Output width (with height: the box to fit).")
    height: int | None = Field(
        None, ge=1, le=20000, description="Output height (with width: the box to fit)."
    )
    fit: Literal["contain", "cover", "fill"] = Field(
        "contain",
        description="With width and height: contain (inside the box, aspect kept), cover (fills the box, "
        "cropped) or fill (stretched).",
    )
    quality: int = Field(85, ge=1, le=100, description="Encoder quality (jpeg, webp, avif).")
    strip_exif: bool = Field(False, description="Leave EXIF (camera, time, GPS) out of the output.")


class TranscriptOptions(ClipOptions):
    """Only the cues of [start, end), their times counted from ``start``."""


class NoOptions(_Options):
    pass


class PageOptions(_Options):
    page: int = Field(1, ge=1, description="The 1-based page (or slide) to render.")
    width: int = Field(1240, ge=16, le=10000, description="Width of the picture.")


# -- targets -----------------------------------------------------------------------------------

VIDEO, AUDIO, IMAGE, DOCUMENT, TEXT = "video", "audio", "image", "document", "text"
OFFICE_MIMES = {
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": ".docx",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": ".pptx",
    "application/vnd.oasis.opendocument.text": ".odt",
    "application/vnd.oasis.opendocument.presentation": ".odp",
    "application/rtf": ".rtf",
    "application/msword": ".doc",
    "application/vnd.ms-powerpoint": ".ppt",
}
PDF_MIME = "application/pdf"


@dataclass(frozen=True, slots=True)
class Target:
    name: str  # what the request's "to" says
    family: str  # av | preview | contact_sheet | image | transcript | text | page | pdf
    ext: str  # of the output file
    mime: str
    options: type[_Options]

    @property
    def reads_original(self) -> bool:
        """Made from the original's bytes (else from the catalog: segments or the transcript)."""
        return self.family not in ("transcript", "text")


def _av(name: str, ext: str, mime: str, options: type[_Options]) -> Target:
    return Target(name, "av", ext, mime, options)


_AUDIO_OUT = {
    "mp3": _av("mp3", ".mp3", "audio/mpeg", AudioOptions),
    "wav": _av("wav", ".wav", "audio/wav", AudioOptions),
    "opus": _av("opus", ".opus", "audio/ogg", AudioOptions),
    "m4a": _av("m4a", ".m4a", "audio/mp4", AudioOptions),
}
_TRANSCRIPT_OUT = {
    "srt": Target("srt", "transcript", ".srt", "application/x-subrip", TranscriptOptions),
    "vtt": Target("vtt", "transcript", ".vtt", "text/vtt", TranscriptOptions),
    "txt": Target("txt", "transcript", ".txt", "text/plain; charset=utf-8", TranscriptOptions),
    "json": Target("json", "transcript", ".json", "application/json", TranscriptOptions),
    "docx": Target(
        "docx",
        "transcript",
        ".docx",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        TranscriptOptions,
    ),
}
_BY_KIND: dict[str, dict[str, Target]] = {
    VIDEO: {
        "mp4": _av("mp4", ".mp4", "video/mp4", VideoOptions),
        "webm": _av("webm", ".webm", "video/webm", VideoOptions),
        **_AUDIO_OUT,
        "gif": Target("gif", "preview", ".gif", "image/gif", PreviewOptions),
        "webp": Target("webp", "preview", ".webp", "image/webp", PreviewOptions),
        "contact-sheet": Target("contact-sheet", "contact_sheet", ".jpg", "image/jpeg", ContactSheetOptions),
        **_TRANSCRIPT_OUT,
    },
    AUDIO: {**_AUDIO_OUT, **_TRANSCRIPT_OUT},
    IMAGE: {
        "jpeg": Target("jpeg", "image", ".jpg", "image/jpeg", ImageOptions),
        "png": Target("png", "image", ".png", "image/png", ImageOptions),
        "webp": Target("webp", "image", ".webp", "image/webp", ImageOptions),
        "avif": Target("avif", "image", ".avif", "image/avif", ImageOptions),
    },
    DOCUMENT: {
        "txt": Target("txt", "text", ".txt", "text/plain; charset=utf-8", NoOptions),
        "md": Target("md", "text", ".md", "text/markdown; charset=utf-8", NoOptions),
        "json": Target("json", "text", ".json", "application/json", NoOptions),
    },
}
_BY_KIND[TEXT] = _BY_KIND[DOCUMENT]
_ALIASES = {"jpg": "jpeg", "markdown": "md", "text": "txt", "contact_sheet": "contact-sheet"}
_PAGE_PNG = Target("png", "page", ".png", "image/png", PageOptions)
_PDF = Target("pdf", "pdf", ".pdf", PDF_MIME, NoOptions)


def targets_for(kind: str, mime: str | None) -> dict[str, Target]:
    """Every target a media of this kind and MIME type can be converted to, by name."""
    found = dict(_BY_KIND.get(kind, {}))
    if mime == PDF_MIME or mime in OFFICE_MIMES:
        found["png"] = _PAGE_PNG  # a page (or slide) as a picture; office files through PDF
    if mime in OFFICE_MIMES:
        found["pdf"] = _PDF
    return found


def all_target_names() -> list[str]:
    """Every name a request may use, for the documentation and the CLI's help."""
    names = {name for by_name in _BY_KIND.values() for name in by_name} | {"png", "pdf"}
    return sorted(names)


def resolve(
    kind: str, mime: str | None, to: str, options: dict[str, Any] | None
) -> tuple[Target, dict[str, Any]]:
    """The target ``to`` names for this media and its options in canonical form."""
    name = _ALIASES.get(to.strip().lower(), to.strip().lower())
    available = targets_for(kind, mime)
    target = available.get(name)
    if target is None:
        raise ConversionInvalid(
            f"{_article(kind)} {kind} cannot be converted to {to!r}; it can be converted to: "
            f"{', '.join(sorted(available))}"
        )
    if options is not None and not isinstance(options, dict):
        raise ConversionInvalid("options must be a JSON object")
    try:
        parsed = target.options.model_validate(options or {})
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first.get("loc", ()))
        message = first.get("msg", "invalid").removeprefix("Value error, ")
        raise ConversionInvalid(f"options{'.' + where if where else ''}: {message} (target {name})") from None
    return target, parsed.model_dump(exclude_none=True)


# A family's converter, numbered when what it writes changes, so a conversion asked for again is
# made anew rather than answered from the cache with the old output (the Markdown of a document
# asked before its lists were drawn kept none). Version 1 adds nothing to a key: keys made before
# the numbering stay valid.
CONVERTER_VERSIONS = {"text": 2}  # 2: list items drawn as Markdown lists


def cache_key(source: str, target: Target, options: dict[str, Any]) -> str:
    """The conversion's identity: the same source, target, options and converter make the same
    output. ``source`` is the original's sha256, or what ``services.conversions.source_identity``
    says a target made from the catalog reads."""
    canonical = json.dumps(options, sort_keys=True, separators=(",", ":"))
    version = CONVERTER_VERSIONS.get(target.family, 1)
    made_by = f"{target.family}:{target.name}" + (f"@{version}" if version > 1 else "")
    return hashlib.sha256(f"{source}\n{made_by}\n{canonical}".encode()).hexdigest()


def _article(word: str) -> str:
    return "an" if word[:1].lower() in "aeiou" else "a"
