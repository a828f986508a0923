# Roundtable: the two commands are `make run` and `make test`.
# Everything else (lint, format, build) is a piece of those or of the deploy.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

VENV := .venv
PY := $(VENV)/bin/python
VENV_STAMP := $(VENV)/.installed
RUN_STAMP := $(VENV)/.installed-run
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

.PHONY: help venv run frontend test lint lint-imports format typecheck pytest cfn-lint frontend-test e2e build sam-venv clean lock

help:
	@echo "make run     start the local stack on http://127.0.0.1:8000 (ARGS='--port 8001 ...')"
	@echo "make test    lint, format check, mypy, pytest, cfn-lint, frontend unit tests and client check"
	@echo "make e2e     the browser journey in headless Chromium against a fresh local stack"
	@echo "make build   sam build, then each function's unzipped size with its layers"
	@echo "make lock    re-resolve the deployables' requirements.lock files"
	@echo "make lint | format | venv | clean"

venv: $(VENV_STAMP)

# A Python 3.12 .venv (a venv of another Python is replaced).
define make_venv
python312="$$($(find_python312))"; \
if [ -x $(PY) ] && ! $(PY) -c 'import sys; sys.exit(sys.version_info[:2] != (3, 12))'; then \
  echo "$(VENV) is not Python 3.12: recreating it"; rm -rf $(VENV); \
fi; \
[ -x $(PY) ] || { echo "creating $(VENV) with $$python312"; "$$python312" -m venv $(VENV); }; \
$(PY) -m pip install --quiet --disable-pip-version-check --upgrade pip
endef

# `make test`'s venv: everything, the test tools included. Re-installs when pyproject.toml changes.
$(VENV_STAMP): pyproject.toml
	@$(make_venv)
	@echo "installing Python packages into $(VENV) from pyproject.toml (about a minute the first time)"
	@$(PY) -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	@touch $@ $(RUN_STAMP)

# `make run`'s venv: the runtime and the local stack's own needs, not the test tools (faster
# the first time); a venv `make test` installed already has them.
$(RUN_STAMP): pyproject.toml
	@if [ -f $(VENV_STAMP) ] && [ $(VENV_STAMP) -nt pyproject.toml ]; then touch $@; exit 0; fi; \
	$(make_venv); \
	echo "installing the Python packages the local stack needs into $(VENV) (about a minute the first time)"; \
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[local]'; \
	touch $@

# The Python packages and the single-page app are made side by side (two jobs): on a
# first run that halves the wait before the stack starts.
run:
	@$(MAKE) --no-print-directory -j2 $(RUN_STAMP) frontend
	@echo "starting the local stack: Postgres (embedded unless DATABASE_URL is set), migrations, the gateway"
	@$(PY) -m devserver $(ARGS)

# Built once; after frontend changes run `cd web_frontend && npm run build` (or delete dist).
frontend:
	@if [ -f $(FRONTEND)/package.json ] && [ ! -d $(FRONTEND)/dist ]; then \
	  if command -v npm >/dev/null; then \
	    sh $(FRONTEND)/scripts/ensure-node-modules.sh; \
	    echo "building the single-page app ($(FRONTEND)/dist)"; \
	    cd $(FRONTEND) && npm run build:app --silent; \
	  else \
	    echo "warning: npm not found; serving the API without the frontend (install Node.js to build it)"; \
	  fi; \
	fi

test: venv lint lint-imports typecheck pytest cfn-lint frontend-test

# The SPA's unit tests, and a check that its generated API client matches the
# backend's OpenAPI document (regenerate with `cd web_frontend && npm run generate-client`).
frontend-test: venv
	sh $(FRONTEND)/scripts/ensure-node-modules.sh
	cd $(FRONTEND) && npm run check-client && npm test

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

# The rule of imports: pyproject.toml's [tool.importlinter] contracts (import
# cycles and functions/: tests/unit/test_architecture.py). docs/architecture.md.
lint-imports: venv
	$(VENV)/bin/lint-imports

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
# Every function and layer is built here (`BuildMethod: makefile`): SAM's
# own Python builder unzips wheels and copies sources without compiling them.
# `sam build` calls build-<LogicalId> in a scratch copy of the function's (or
# layer's) folder, with ARTIFACTS_DIR set.
LAMBDA_ARCH ?= aarch64
# Installs a deployable's requirements.lock (tools/lock.py, `make lock`): exact
# versions and wheel hashes, nothing resolved at build time (--no-deps).
LAMBDA_PIP := python3.12 -m pip install --quiet --no-compile --no-deps --require-hashes \
	--disable-pip-version-check --only-binary=:all: --implementation cp --python-version 3.12 \
	--platform manylinux2014_$(LAMBDA_ARCH) --platform manylinux_2_28_$(LAMBDA_ARCH)
# Ship bytecode: without it every cold start compiles each imported module
# from source (http_api: 2.5 s instead of 1.1 s). unchecked-hash, because a
# timestamp-based .pyc is checked against the source's mtime, which the zip
# round trip does not preserve exactly: Python would recompile in memory on
# every cold start and fail to rewrite it on Lambda's read-only file system.
# An unchecked-hash .pyc is used as is, and the artifact never changes after
# the build anyway. pip's own compile (--no-compile above) is timestamp-based.
LAMBDA_COMPILE := python3.12 -m compileall -q -j 0 --invalidation-mode unchecked-hash
LAMBDA_FUNCTIONS := HttpApiFunction TutorChatFunction DiscordInteractionsFunction \
	SendRemindersFunction SendBatchFunction SyncRsvpsFunction WorkerFunction MigrateFunction
# googleapiclient ships ~600 discovery documents (110 MB); Roundtable calls
# only Calendar v3. Add a document here before using another Google API.
GOOGLE_DISCOVERY_KEEP := calendar.v3.json
# boto3/botocore/s3transfer are left out of every lock (the runtime has them).
# Where this Makefile (and tools/) lives: sam build runs it from a scratch folder.
REPO_DIR := $(dir $(abspath $(lastword $(MAKEFILE_LIST))))
# What the tutor's LiteLLM never reads (docs/tutor.md, "The model client"): the
# proxy server's admin UI, Swagger UI, OpenAPI snapshot and database schema, and
# hf_xet (11 MB), huggingface_hub's optional Xet download backend, which it
# checks for by its dist-info and does without.
LITELLM_PRUNE := litellm/proxy/_experimental litellm/proxy/swagger \
	litellm/proxy/_lazy_openapi_snapshot.json litellm/proxy/schema.prisma \
	hf_xet hf_xet-*.dist-info

# Installs a lock file into a folder, unless it pins nothing.
define lambda_install
	if grep -q '^[A-Za-z0-9]' $(1); then $(LAMBDA_PIP) --target "$(2)" -r $(1); fi
endef

$(addprefix build-,$(LAMBDA_FUNCTIONS)):
	$(call lambda_install,requirements.lock,$(ARTIFACTS_DIR))
	cp -R . "$(ARTIFACTS_DIR)/"
	rm -f "$(ARTIFACTS_DIR)/requirements.txt" "$(ARTIFACTS_DIR)/requirements.lock"
	if [ -d "$(ARTIFACTS_DIR)/googleapiclient" ]; then \
	  find "$(ARTIFACTS_DIR)/googleapiclient/discovery_cache/documents" -type f \
	    ! -name $(GOOGLE_DISCOVERY_KEEP) -delete; \
	fi
	find "$(ARTIFACTS_DIR)" -name __pycache__ -type d -prune -exec rm -rf {} +
	$(LAMBDA_COMPILE) "$(ARTIFACTS_DIR)"

# The layer: its locked dependencies and both packages under python/ (on
# sys.path in Lambda). Everything in the two packages ships (migrations, YAML,
# the command set...), only the dev tree's __pycache__ is replaced.
build-CommonLayer:
	$(call lambda_install,requirements.lock,$(ARTIFACTS_DIR)/python)
	cp -R roundtable roundtable_edge "$(ARTIFACTS_DIR)/python/"
	find "$(ARTIFACTS_DIR)" -name __pycache__ -type d -prune -exec rm -rf {} +
	$(LAMBDA_COMPILE) "$(ARTIFACTS_DIR)/python"

# The optional LiteLLM layer (template parameter TutorModelLibrary=litellm): what
# LiteLLM needs beyond the common layer and the tutor (tools/lock.py), pruned, its
# packages as sourceless bytecode (tools/sourceless.py: the tutor with it is near
# 250 MB), except LiteLLM's proxy server, which the library never imports: source
# only, not compiled.
build-LiteLLMLayer:
	$(call lambda_install,requirements.lock,$(ARTIFACTS_DIR)/python)
	cd "$(ARTIFACTS_DIR)/python" && rm -rf $(LITELLM_PRUNE)
	find "$(ARTIFACTS_DIR)" -name __pycache__ -type d -prune -exec rm -rf {} +
	python3.12 "$(REPO_DIR)tools/sourceless.py" "$(ARTIFACTS_DIR)/python" --keep-source litellm/proxy
	$(LAMBDA_COMPILE) -x '/litellm/proxy/' "$(ARTIFACTS_DIR)/python"

# Re-resolve every requirements.lock (after editing a requirements.txt, or to
# upgrade): versions are those installed in .venv, i.e. the ones tests ran.
lock: venv
	$(PY) tools/lock.py
