#!/usr/bin/env bash
# Runs the whole test suite: unit tests, integration tests against the simulator, against a real
# llama.cpp server with SmolLM2, the OpenAI Python SDK against the simulator, and MLflow tracking
# against a real MLflow tracking server.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

ensure_apt_packages libedit-dev tmux chromium fonts-noto-cjk
ensure_venv
ensure_mlflow
log "building (debug) and the tests"
swift build --build-tests
trap 'stop_llama_server; stop_mlflow_server' EXIT
start_llama_server 4
start_mlflow_server

export LLM_CLIENT_LLAMA_URL="$LLAMA_URL"
export LLM_CLIENT_MLFLOW_URL="$MLFLOW_URL"
export LLM_CLIENT_PYTHON="$PY"
export LLM_CLIENT_REQUIRE_REAL_SERVERS=1
log "running swift test"
swift test --skip-build "$@"
