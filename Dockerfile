# syntax=docker/dockerfile:1
# One image for the API (`mediasift serve --no-workers --host 0.0.0.0`) and the workers
# (`mediasift worker`); deploy/terraform runs it on ECS Fargate. Models ship inside pip packages,
# so nothing is downloaded at run time.
#
#   docker build -t mediasift:0.1.0 .
#   docker run -p 8000:8000 -e MEDIASIFT_ALLOW_OPEN_REMOTE=true mediasift:0.1.0

# ---- build: resolve and install the package into a self-contained virtual environment -------
FROM python:3.11-slim AS build

ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH

WORKDIR /src
COPY pyproject.toml README.md ./
COPY src ./src
RUN pip install ".[scale]"

# ---- runtime -----------------------------------------------------------------------------------
FROM python:3.11-slim

# ffmpeg: media probing and decoding fallbacks; tesseract: the second OCR engine (EN + ES).
RUN apt-get update \
    && apt-get install -y --no-install-recommends ffmpeg tesseract-ocr tesseract-ocr-spa \
    && rm -rf /var/lib/apt/lists/*

RUN groupadd --system --gid 10001 mediasift \
    && useradd --system --uid 10001 --gid mediasift --home-dir /var/lib/mediasift --create-home mediasift

COPY --from=build /opt/venv /opt/venv

ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    MEDIASIFT_HOME=/var/lib/mediasift \
    OMP_THREAD_LIMIT=1

USER 10001:10001
WORKDIR /var/lib/mediasift
EXPOSE 8000

# Liveness of the API process. Worker containers serve no HTTP: their orchestrator should not use
# this check (ECS task definitions set their own; compose: `healthcheck: disable: true`).
HEALTHCHECK --interval=30s --timeout=5s --start-period=120s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/health', timeout=4)"]

CMD ["mediasift", "serve", "--no-workers", "--host", "0.0.0.0"]
