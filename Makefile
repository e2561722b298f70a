# The front door. Every target installs what it needs into .venv on a fresh machine.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
KAZDE := $(VENV)/bin/kazde
STAMP := $(VENV)/.installed
PYTEST := $(PY) -m pytest

.DEFAULT_GOAL := help
.PHONY: help lock venv models reader run serve ingest test test-fast lint format bench bench-retrieval bench-generative clean browser-deps local-llm serve-prod reliability screenshots fixtures ocr-deps

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	@# The CPU build of torch first: without it pip pulls a CUDA build of several GB.
	$(PY) -m pip install --quiet torch==2.13.0
	$(PY) -m pip install --quiet -c constraints.txt -e '.[dev]'
	touch $(STAMP)

venv: $(STAMP) ## Install the project and its tools into .venv

LOCK_VENV := .lock-venv
lock: ## Regenerate constraints.txt from pyproject.toml in a fresh venv: registry names and versions only, checked
	rm -rf $(LOCK_VENV)
	$(PYTHON) -m venv $(LOCK_VENV)
	$(LOCK_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(LOCK_VENV)/bin/python -m pip install --quiet torch==2.13.0
	$(LOCK_VENV)/bin/python -m pip install --quiet '.[dev,llm,bench]'
	@# `pip list --format=freeze` writes name==version for every package, never the file or URL it came from
	@# (`pip freeze` writes `name @ file:///...` for a wheel installed from a path). torch is installed by name first.
	{ echo "# Made by \`make lock\` (pip list --format=freeze of a fresh venv); edit pyproject.toml, not this file."; \
	  $(LOCK_VENV)/bin/python -m pip list --format=freeze --exclude-editable \
	    --exclude pip --exclude torch --exclude kazde; } > constraints.txt
	rm -rf $(LOCK_VENV)
	$(MAKE) venv
	$(PYTEST) -q tests/test_packaging.py -k "lock_line or requirement or checker"

LLM_STAMP := $(VENV)/.installed-llm
MODEL ?= 1.5b
# llama.cpp built for AVX2, not for the build machine (-march=native): on a CPU with AMX (Sapphire Rapids, as
# on this project's machines), native ggml runs its AMX kernels and segfaults in the first decode.
LLAMA_CMAKE_ARGS := -DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON
$(LLM_STAMP): $(STAMP)
	@# llama-cpp-python exists only as a source package: pip compiles it (about 6 minutes). --no-cache-dir:
	@# pip's wheel cache keys a built wheel by the source package, not by CMAKE_ARGS, so it would hand back
	@# a wheel built with other flags.
	CMAKE_ARGS="$(LLAMA_CMAKE_ARGS)" $(PY) -m pip install --quiet --no-cache-dir -c constraints.txt \
	  'llama-cpp-python[server]'
	$(PY) -m pip install --quiet -c constraints.txt -e '.[dev,llm]'
	touch $(LLM_STAMP)

BENCH_STAMP := $(VENV)/.installed-bench
$(BENCH_STAMP): $(STAMP)
	@# The plain LangChain pipeline that the benchmarks compare Kazde with: not a dependency of the service.
	$(PY) -m pip install --quiet -c constraints.txt -e '.[dev,bench]'
	touch $(BENCH_STAMP)

models: venv ## Build e5's serving graph into the models folder now (else built on first use, about 10 s); prints its path
	@$(PY) -c "from service.settings import Settings; from vectorstore import ensure_onnx; print(ensure_onnx(Settings.from_env().models_dir))"

reader: venv ## Retrain the reader (service/qa/reader.json): XQuAD/KazQAD train splits, calibrated on the question set (~35 min)
	$(PY) bench/reader.py collect
	$(PY) bench/reader.py train
	$(PY) bench/reader.py calibrate

local-llm: $(LLM_STAMP) ## llama-cpp-python plus the local model (MODEL=1.5b or 0.5b), sha256-checked; prints its path last
	@$(PY) -m service.tools.local_model $(MODEL)

ingest: venv ## Index the bundled corpus (incremental)
	$(KAZDE) ingest

run: venv ## Index the bundled corpus if needed, then serve the web chat on http://127.0.0.1:8000 (KAZDE_PORT)
	$(KAZDE) ingest
	@# 60 questions a minute per client unless KAZDE_RATE_LIMIT says otherwise (0: off).
	KAZDE_RATE_LIMIT="$${KAZDE_RATE_LIMIT:-60}" $(KAZDE) serve

serve-prod: venv ## Production topology on loopback: a Chroma server, an ingest, gunicorn workers (KAZDE_PORT)
	$(PY) -m service.tools.prod

reliability: venv ocr-deps ## The full reliability suite (load, reindex under load, kill -9, real PDFs, schemathesis, Chroma restart) -> docs/reliability.md
	$(PY) -m reliability

OCR_PACKAGES := tesseract-ocr tesseract-ocr-deu tesseract-ocr-rus tesseract-ocr-kaz tesseract-ocr-eng
ocr-deps: ## Tesseract and its German, Russian, Kazakh and English data for OCR (apt-get when root, else says what to install)
	@if command -v tesseract >/dev/null && for l in deu rus kaz eng; do tesseract --list-langs 2>/dev/null | grep -qx $$l || exit 1; done; then \
		:; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		echo "kazde: installing Tesseract for OCR" >&2; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $(OCR_PACKAGES); \
	else \
		echo "kazde: OCR needs Tesseract. Install it as root:" >&2; \
		echo "  apt-get install -y $(OCR_PACKAGES)   (Debian/Ubuntu)" >&2; \
		echo "  until then scanned pages are reported, not read, and tests/test_ocr.py fails saying so." >&2; \
	fi

browser-deps: ## Chromium and its driver for the browser tests (apt-get when root, else says what to install)
	@if command -v chromium >/dev/null && command -v chromedriver >/dev/null; then \
		:; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		echo "kazde: installing chromium and chromium-driver for the browser tests" >&2; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver; \
	else \
		echo "kazde: the browser tests need Chromium and chromedriver. Install them as root:" >&2; \
		echo "  apt-get install -y chromium chromium-driver   (Debian/Ubuntu)" >&2; \
		echo "  or run 'sudo make browser-deps'; until then tests/test_browser.py fails saying so." >&2; \
	fi

test: venv browser-deps ocr-deps $(LLM_STAMP) ## The whole suite, every tier (the real-LLM tier with the 0.5B model)
	@git status --porcelain > $(VENV)/.status-before 2>/dev/null || true
	KAZDE_TEST_LLM_MODEL_PATH="$$($(PY) -m service.tools.local_model 0.5b | tail -n 1)" $(PYTEST) -q
	@# Tests write under temp folders only: the checkout is as it was (git status before and after).
	@git status --porcelain 2>/dev/null | diff -u $(VENV)/.status-before - >&2 \
	  || { echo "kazde: make test changed the checkout (diff of git status above)" >&2; exit 1; }

screenshots: venv browser-deps ## Retake the README's screenshots (the upload and theme browser tests) into docs/screenshots/
	KAZDE_SCREENSHOTS_DIR="$(CURDIR)/docs/screenshots" $(PYTEST) -q tests/test_page.py -k "upload_a_pdf or themes"

OFFICE := tests/fixtures/office
fixtures: ## Remake the Word, OpenDocument and EPUB test files from their source ($(OFFICE)/*.fodt) with LibreOffice
	@command -v soffice >/dev/null || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null \
	  && apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
	     libreoffice-writer-nogui; } || { echo "kazde: install LibreOffice: apt-get install libreoffice-writer-nogui" >&2; exit 1; }
	cd $(OFFICE) && for format in 'docx:MS Word 2007 XML' odt epub; do \
	  soffice --headless --convert-to "$$format" *.fodt >/dev/null || exit 1; done

test-fast: venv ocr-deps ## The quick tier for the edit loop (no slow, server or bench-data tests)
	$(PYTEST) -q -m "not slow and not server and not llm"

lint: venv ## ruff: lint and format check
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: venv ## ruff: fix imports and format
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

bench: $(BENCH_STAMP) $(LLM_STAMP) ## Benchmarks; figures written to docs/benchmarks.md (the local 1.5B model's answers included)
	$(PY) bench/ingest.py
	$(PY) bench/chunk_size.py
	$(PY) bench/language_pairs.py
	$(PY) bench/ask.py
	$(PY) bench/reader.py figures
	$(PY) bench/generative.py

bench-retrieval: $(BENCH_STAMP) ## The slower retrieval benchmarks (XQuAD matrix, fusion weights, 100k-chunk scale; ~1 h)
	$(PY) bench/xquad.py
	$(PY) bench/fusion_weights.py
	$(PY) bench/scale.py

bench-generative: $(LLM_STAMP) ## Generated answers by the local 1.5B model against the extractive default (~10 min)
	$(PY) bench/generative.py

clean: ## Remove the virtual environment and the local index
	rm -rf $(VENV) .kazde
