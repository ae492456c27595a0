"""The extractor for kind "image": OCR text, an image vector, searchable tags, EXIF, phash, thumbnail.

Segments, by stage (ids are deterministic per stage, so a re-run replaces them):

- ``ocr``   (modality ocr):   what is written in the image; boxes in original-image pixels.
- ``image`` (modality image): empty text; its id keys the image vector in ``image_vectors``
  (image→image search) and its meta holds the top ImageNet labels.
- ``tag``   (modality tag):   one per kept label, text = label + synonyms + hypernyms
  (``enrich/tags.py``), confidence = the label's probability; the pipeline embeds it with the
  multilingual text model so "a cup of coffee" or "una taza de café" find an espresso photo.
"""

from __future__ import annotations

from mediasift.domain import Modality
from mediasift.embed.image.factory import get_image_embedder
from mediasift.enrich.tags import tags_for
from mediasift.extract.base import ExtractContext, Extraction
from mediasift.extract.ocr_text import ocr_segments
from mediasift.extract.ocr_tiles import read_picture
from mediasift.media.images import (
    THUMB_SIDE,
    bounded,
    decode_image,
    exif_facts,
    is_flat,
    jpeg_bytes,
    perceptual_hash,
)
from mediasift.ocr.factory import get_ocr_engine

# RapidOCR reads at most 2000 px on the long side anyway; scaling first bounds memory and time
# (a long picture is read in tiles of this size instead: extract/ocr_tiles.py).
OCR_MAX_SIDE = 2000
TOP_LABELS = 5


def extract_image(ctx: ExtractContext) -> Extraction:
    """Decode (bounded by ``settings.max_pixels``), read, embed and tag one still image.

    Raises ``LimitExceeded`` for too many pixels and ``CorruptMedia`` for undecodable bytes.
    ``info``: width, height (pixels, after EXIF rotation) and metadata {exif facts, phash, tags;
    ``flat`` for a picture of one flat colour, which is neither read nor tagged}.
    """
    image = decode_image(ctx.path, ctx.settings.max_pixels)
    ctx.progress("decode", 1.0)
    extraction = Extraction(
        picture=image,
        info={
            "width": image.width,
            "height": image.height,
            "metadata": {**exif_facts(image, ctx.settings.keep_gps), "phash": perceptual_hash(image)},
        },
    )
    thumb = bounded(image, THUMB_SIDE)
    ctx.artifact("thumb.jpg", jpeg_bytes(thumb), "image/jpeg")
    # A picture of one flat colour holds no text, and the image model's labels for it are noise
    # ("velvet", "window shade") that ranked a swatch among the photos for many descriptions.
    flat = is_flat(thumb)
    if flat:
        extraction.info["metadata"]["flat"] = True

    if ctx.ocr and not flat:
        engine = get_ocr_engine(ctx.models, ctx.settings)
        lines = read_picture(engine, image, OCR_MAX_SIDE)  # long screenshots are read in tiles
        extraction.segments += ocr_segments(ctx, "ocr", lines, engine.id)
        ctx.progress("ocr", 1.0)

    embedder = get_image_embedder(ctx.models, ctx.settings)
    vectors, (labels,) = embedder.embed_and_label([image], k=TOP_LABELS)
    image_segment = ctx.segment(
        "image",
        Modality.IMAGE,
        "",
        meta={"image_model": embedder.id, "labels": [[name, round(p, 4)] for name, p in labels]},
    )
    extraction.segments.append(image_segment)
    extraction.image_vectors[image_segment.id] = vectors[0].tolist()
    tags = [] if flat else tags_for(labels)
    # The library lists a media's tags without reading its segments: keep their names in its info.
    extraction.info["metadata"]["tags"] = [tag.label for tag in tags]
    for tag in tags:
        extraction.segments.append(
            ctx.segment(
                "tag",
                Modality.TAG,
                tag.text,
                confidence=tag.probability,
                meta={"label": tag.label, "image_model": embedder.id},
            )
        )
    ctx.progress("embed", 1.0)
    return extraction
