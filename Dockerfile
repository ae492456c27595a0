# syntax=docker/dockerfile:1
# One image for the API (`mediasift serve --no-workers --host 0.0.0.0`) and the workers
# (`mediasift worker`); deploy/terraform runs it on ECS Fargate. Models ship inside pip packages,
# so nothing is downloaded at run time. The default target (the last stage) is that CPU image; the
# `gpu` target is the worker for deploy/terraform's optional GPU instances.
#
#   docker build -t mediasift:0.1.0 .
#   docker run -p 8000:8000 -e MEDIASIFT_ALLOW_OPEN_REMOTE=true mediasift:0.1.0
#   docker build --target gpu -t mediasift-gpu:0.1.0 .

# ---- build: resolve and install the package into a self-contained virtual environment -------
FROM python:3.11-slim AS build

ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH

WORKDIR /src
COPY pyproject.toml README.md ./
COPY src ./src
# otel: the OTLP exporter the AWS deployment's MEDIASIFT_OTLP_ENDPOINT sends traces through
RUN pip install ".[scale,otel]"

# ---- base: what both runtime images share ------------------------------------------------------
FROM python:3.11-slim AS base

# ffmpeg: media probing and decoding fallbacks; tesseract: the second OCR engine (EN + ES).
RUN apt-get update \
    && apt-get install -y --no-install-recommends ffmpeg tesseract-ocr tesseract-ocr-spa \
    && rm -rf /var/lib/apt/lists/*

# /var/cache/mediasift: where compose mounts the model cache the replicas share; a volume takes its
# owner from the image's directory, so it is the service user's, not root's.
RUN groupadd --system --gid 10001 mediasift \
    && useradd --system --uid 10001 --gid mediasift --home-dir /var/lib/mediasift --create-home mediasift \
    && install -d -o mediasift -g mediasift /var/cache/mediasift

COPY --from=build /opt/venv /opt/venv

ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    MEDIASIFT_HOME=/var/lib/mediasift \
    OMP_THREAD_LIMIT=1

WORKDIR /var/lib/mediasift

# ---- gpu: the worker with CUDA speech recognition (`docker build --target gpu`) -----------------
# The CTranslate2 4.x wheels that faster-whisper runs are built for CUDA 12 and cuDNN 9 but ship
# neither: they load libcublas.so.12 (and, in some 4.x releases, libcudnn*.so.9) at run time. Those
# come from NVIDIA's PyPI wheels; the driver (libcuda.so.1) comes from the host, through the NVIDIA
# container runtime of the ECS GPU AMI, so no CUDA base image is needed.
FROM base AS gpu

RUN PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1 \
    pip install "nvidia-cublas-cu12==12.8.4.1" "nvidia-cudnn-cu12==9.10.2.21"

# The pip wheels put the libraries where the dynamic loader does not look.
ENV LD_LIBRARY_PATH=/opt/venv/lib/python3.11/site-packages/nvidia/cublas/lib:/opt/venv/lib/python3.11/site-packages/nvidia/cudnn/lib \
    MEDIASIFT_ASR_DEVICE=cuda \
    MEDIASIFT_ASR_COMPUTE_TYPE=float16

# Fail the build, not the first job, if the path above is wrong: both libraries load without a GPU.
RUN python -c "import ctypes; ctypes.CDLL('libcublas.so.12'); ctypes.CDLL('libcudnn.so.9')"

USER 10001:10001
CMD ["mediasift", "worker"]

# ---- runtime (the default target): the API and the CPU workers ---------------------------------
FROM base AS runtime

USER 10001:10001
EXPOSE 8000

# Liveness of the API process. Worker containers serve no HTTP: their orchestrator should not use
# this check (ECS task definitions set their own; compose: `healthcheck: disable: true`).
HEALTHCHECK --interval=30s --timeout=5s --start-period=120s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/health', timeout=4)"]

CMD ["mediasift", "serve", "--no-workers", "--host", "0.0.0.0"]
