# The Kazde image: the web service, the `kazde` command and a Chroma server (`chroma run`) of the same version.
FROM python:3.11-slim
WORKDIR /app
ENV PIP_NO_CACHE_DIR=1 PYTHONUNBUFFERED=1
# torch's CPU build first: from PyPI's default index pip would pull a CUDA build of several GB.
RUN pip install torch==2.13.0 --index-url https://download.pytorch.org/whl/cpu
COPY pyproject.toml constraints.txt README.md ./
COPY ingest ingest
COPY vectorstore vectorstore
COPY service service
COPY prompts prompts
COPY web web
COPY data data
# Tesseract for OCR of scanned pages (German, Russian, Kazakh, English).
RUN apt-get update && apt-get install -y --no-install-recommends tesseract-ocr tesseract-ocr-deu tesseract-ocr-rus \
      tesseract-ocr-kaz tesseract-ocr-eng && rm -rf /var/lib/apt/lists/*
ARG EXTRAS=""
# The llm extra (llama-cpp-python) is compiled from source: it needs a C++ toolchain, and is built for AVX2 (as
# by the Makefile), not -march=native, whose AMX kernels segfault on CPUs that have AMX.
ENV CMAKE_ARGS="-DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON"
RUN case "$EXTRAS" in *llm*) apt-get update && apt-get install -y --no-install-recommends build-essential cmake \
      && rm -rf /var/lib/apt/lists/*;; esac \
 && pip install -c constraints.txt ".${EXTRAS}"
EXPOSE 8000
CMD ["gunicorn", "--bind", "0.0.0.0:8000", "--workers", "2", "--worker-class", "gthread", "--threads", "4", \
     "--timeout", "180", "service.wsgi:app"]
