#!/usr/bin/env bash
# Runs the whole test suite: unit tests, integration tests against the simulator, against a real
# llama.cpp server with SmolLM2, against a real vLLM server (CPU) with the same model, the OpenAI
# Python SDK against the simulator, and MLflow tracking against a real MLflow tracking server.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

ensure_apt_packages libedit-dev tmux chromium fonts-noto-cjk
ensure_venv
ensure_mlflow
ensure_vllm
trap 'stop_vllm_server; stop_llama_server; stop_mlflow_server' EXIT
# vLLM takes 40-60 s to come up: start it first, build meanwhile, and wait for it after.
VLLM_WAIT_LATER=1 start_vllm_server
log "building (debug) and the tests"
swift build --build-tests
start_llama_server 4
start_mlflow_server
wait_for_vllm_server

export LLM_CLIENT_LLAMA_URL="$LLAMA_URL"
export LLM_CLIENT_VLLM_URL="$VLLM_URL"
export LLM_CLIENT_MLFLOW_URL="$MLFLOW_URL"
export LLM_CLIENT_PYTHON="$PY"
export LLM_CLIENT_REQUIRE_REAL_SERVERS=1
# At most 8 tests at a time. Swift Testing otherwise starts all 300 at once in one process: on 2
# cores its cooperative threads then ran a new task 18 s late, and the in-process simulators of
# timing tests (TLS, connect and idle timeouts) answered after the clients had given up.
export SWT_EXPERIMENTAL_MAXIMUM_PARALLELIZATION_WIDTH="${SWT_EXPERIMENTAL_MAXIMUM_PARALLELIZATION_WIDTH:-8}"
if [ $# -gt 0 ]; then
    log "running swift test $*"
    exec swift test --skip-build "$@"
fi
# Three groups run after the main pass, each with the machine to itself:
# - the timing suites, one test at a time: timeouts, stalls, TLS and connection errors against in-process simulators,
#   which must answer within the clients' limits, and the capacity searches, whose simulator's capacity holds
#   only when its timings do. Among 300 other tests in one process the
#   simulators' tasks and event loops were seconds late (measured: 18 s on the cooperative pool,
#   7 s on an event loop), and the clients gave up first.
# - the 24,000-request memory test, which keeps both cores busy for minutes.
# - the vLLM suites, one test at a time: they read vLLM's own counters per benchmark level, which
#   other tests' requests would change.
timing_suites='ReliabilityTests|ClientSimulatorTests|ReliabilityCommandTests|CapacitySearchCommandTests'
load_test='peakMemoryDoesNotGrowWithTheNumberOfRequests'
vllm_suites='VLLMServerTests|VLLMCommandTests'
status=0
log "running swift test (all but the groups below)"
swift test --skip-build --skip "$timing_suites|$load_test|$vllm_suites" || status=$?
log "running the timing suites alone, one test at a time"
swift test --skip-build --no-parallel --filter "$timing_suites" || status=$?
log "running the 24,000-request memory test alone"
swift test --skip-build --filter "$load_test" || status=$?
log "running the vLLM suites alone"
swift test --skip-build --no-parallel --filter "$vllm_suites" || status=$?
# Last, with the machine to itself (it compares timed percentiles; the real servers are no longer
# needed): three workers in network namespaces of their own against the simulator in a fourth,
# merged. Needs root (skipped otherwise, except under CI=true).
stop_vllm_server; stop_llama_server; stop_mlflow_server
log "running the sharded bench across network namespaces (scripts/netns-shard-test.sh)"
bash scripts/netns-shard-test.sh || status=$?
exit "$status"
