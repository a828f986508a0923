# Roundtable: the two commands are `make run` and `make test`.
# Everything else (lint, format, build) is a piece of those or of the deploy.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

VENV := .venv
PY := $(VENV)/bin/python
VENV_STAMP := $(VENV)/.installed
SAM_VENV := .venv-sam
SAM := $(SAM_VENV)/bin/sam
SAM_STAMP := $(SAM_VENV)/.installed
FRONTEND := web_frontend
# Lambda's limit for a function plus its layers, unzipped.
MAX_UNZIPPED_MB := 250

# A working Python 3.12: $(PYTHON) if given, python3.12 on PATH if it runs
# (a pyenv shim may exist without the version being active), pyenv's 3.12,
# or python3 when it is 3.12.
define find_python312
for candidate in "$${PYTHON:-}" python3.12 \
    $$(ls -d "$$(pyenv root 2>/dev/null || echo $$HOME/.pyenv)"/versions/3.12*/bin/python3.12 2>/dev/null | sort -V -r) \
    python3; do \
  [ -n "$$candidate" ] || continue; \
  if "$$candidate" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 12))' 2>/dev/null; then \
    "$$candidate" -c 'import sys; print(sys.executable)'; exit 0; \
  fi; \
done; \
echo "error: Python 3.12 not found. Install it (e.g. 'pyenv install 3.12') or run 'make PYTHON=/path/to/python3.12 ...'." >&2; \
exit 1
endef

.PHONY: help venv run frontend test lint format typecheck pytest cfn-lint frontend-test e2e build sam-venv clean

help:
	@echo "make run     start the local stack on http://127.0.0.1:8000 (ARGS='--port 8001 ...')"
	@echo "make test    lint, format check, mypy, pytest, cfn-lint, frontend unit tests and client check"
	@echo "make e2e     the browser journey in headless Chromium against a fresh local stack"
	@echo "make build   sam build, then each function's unzipped size with its layers"
	@echo "make lint | format | venv | clean"

venv: $(VENV_STAMP)

# Re-installs when pyproject.toml changes; a venv of another Python is replaced.
$(VENV_STAMP): pyproject.toml
	@python312="$$($(find_python312))"; \
	if [ -x $(PY) ] && ! $(PY) -c 'import sys; sys.exit(sys.version_info[:2] != (3, 12))'; then \
	  echo "$(VENV) is not Python 3.12: recreating it"; rm -rf $(VENV); \
	fi; \
	[ -x $(PY) ] || "$$python312" -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	@touch $@

run: venv frontend
	$(PY) -m devserver $(ARGS)

# Built once; after frontend changes run `cd web_frontend && npm run build` (or delete dist).
frontend:
	@if [ -f $(FRONTEND)/package.json ] && [ ! -d $(FRONTEND)/dist ]; then \
	  if command -v npm >/dev/null; then \
	    echo "building the frontend ($(FRONTEND)/dist)"; \
	    cd $(FRONTEND) && { [ -d node_modules ] || npm ci --no-audit --no-fund; } && npm run build; \
	  else \
	    echo "warning: npm not found; serving the API without the frontend (install Node.js to build it)"; \
	  fi; \
	fi

test: venv lint typecheck pytest cfn-lint frontend-test

# The SPA's unit tests, and a check that its generated API client matches the
# backend's OpenAPI document (regenerate with `cd web_frontend && npm run generate-client`).
frontend-test: venv
	cd $(FRONTEND) && npm ci --no-audit --no-fund --loglevel=error && npm run check-client && npm test

# The browser journey in headless Chromium (Debian's package, installed when
# missing) against a fresh local stack; artifacts in web_frontend/test-results/.
e2e: venv
	cd $(FRONTEND) && sh scripts/e2e.sh

lint: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: venv
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

typecheck: venv
	$(VENV)/bin/mypy

pytest: venv
	$(VENV)/bin/pytest -q -p no:cacheprovider $(PYTEST_ARGS)

cfn-lint: venv
	$(VENV)/bin/cfn-lint template.yaml

# aws-sam-cli lives in its own venv: its pins clash with the app's dependencies.
sam-venv: $(SAM_STAMP)

$(SAM_STAMP):
	@python312="$$($(find_python312))"; [ -x $(SAM_VENV)/bin/python ] || "$$python312" -m venv $(SAM_VENV)
	$(SAM_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(SAM_VENV)/bin/python -m pip install --quiet aws-sam-cli
	@touch $@

# SAM's Python builder runs `python3.12` from PATH: the SAM venv provides it.
build: venv sam-venv
	SAM_CLI_TELEMETRY=0 AWS_DEFAULT_REGION=$${AWS_DEFAULT_REGION:-us-east-1} $(SAM) validate --lint --template-file template.yaml
	PATH="$(CURDIR)/$(SAM_VENV)/bin:$$PATH" SAM_CLI_TELEMETRY=0 $(SAM) build --template-file template.yaml
	$(PY) bench/artifact_sizes.py --build-dir .aws-sam/build --template template.yaml --limit-mb $(MAX_UNZIPPED_MB)

clean:
	rm -rf .aws-sam build

# --- Lambda packaging ------------------------------------------------------
# `sam build` calls build-<LogicalId> for functions with `BuildMethod: makefile`,
# in a scratch copy of the function's folder, with ARTIFACTS_DIR set.
LAMBDA_ARCH ?= aarch64
LAMBDA_PIP := python3.12 -m pip install --quiet --no-compile --disable-pip-version-check \
	--only-binary=:all: --implementation cp --python-version 3.12 \
	--platform manylinux2014_$(LAMBDA_ARCH) --platform manylinux_2_28_$(LAMBDA_ARCH)
# googleapiclient ships ~600 discovery documents (110 MB); Roundtable calls
# only Calendar v3. Add a document here before using another Google API.
GOOGLE_DISCOVERY_KEEP := calendar.v3.json

build-WorkerFunction build-SyncRsvpsFunction:
	$(LAMBDA_PIP) --target "$(ARTIFACTS_DIR)" -r requirements.txt
	cp -R . "$(ARTIFACTS_DIR)/"
	rm -f "$(ARTIFACTS_DIR)/requirements.txt"
	find "$(ARTIFACTS_DIR)" -name __pycache__ -type d -prune -exec rm -rf {} +
	find "$(ARTIFACTS_DIR)/googleapiclient/discovery_cache/documents" -type f \
		! -name $(GOOGLE_DISCOVERY_KEEP) -delete

# litellm (~135 MB built) leaves the tutor little room under the limit. Dropped:
# boto3/botocore/s3transfer (the Lambda Python runtime provides them, as it does
# for every other function) and LiteLLM's proxy admin UI (static files the
# library never loads). docs/tutor.md, "Packaging and streaming".
TUTOR_PRUNE := boto3 boto3-*.dist-info botocore botocore-*.dist-info \
	s3transfer s3transfer-*.dist-info litellm/proxy/_experimental

build-TutorChatFunction:
	$(LAMBDA_PIP) --target "$(ARTIFACTS_DIR)" -r requirements.txt
	cp -R . "$(ARTIFACTS_DIR)/"
	rm -f "$(ARTIFACTS_DIR)/requirements.txt"
	find "$(ARTIFACTS_DIR)" -name __pycache__ -type d -prune -exec rm -rf {} +
	cd "$(ARTIFACTS_DIR)" && rm -rf $(TUTOR_PRUNE)
