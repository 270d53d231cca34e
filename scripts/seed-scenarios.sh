#!/usr/bin/env bash
# The seed's three scenarios against the real local model server (llama.cpp's llama-server with
# SmolLM2-135M-Instruct), as shown in the README: a consistency test (--repeat 10 --temperature 0.0),
# a low vs high temperature comparison (one run of --temperature 0.1,0.9, then `compare`), and a
# benchmark to CSV. Outputs go to runs/scenarios-<time>/.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

start_client_and_llama_server 4

out="runs/scenarios-$(date +%Y%m%d-%H%M%S)"
mkdir -p "$out"
export OPENAI_BASE_URL="$LLAMA_URL"
run() { printf '\n$ %s\n' "${*/#$BIN/llm-client}"; "$@"; }

# 1. Consistency: the same prompt ten times at temperature 0.
run "$BIN" --prompt "한국의 수도는 어디인가요? 한 문장으로 답하세요." --api chat --repeat 10 --temperature 0.0 \
    --max-tokens 32 --expect-contains 서울 --output "$out/consistency.json" 2>&1
# 2. Low against high temperature on the same prompts, then the two settings compared.
run "$BIN" --prompt-file examples/prompts.txt --api chat --temperature 0.1,0.9 --repeat 3 --max-tokens 48 \
    --concurrent 4 --quiet --output "$out/temperatures.json"
run "$BIN" compare "$out/temperatures.json" --max-prompts 2 --report "$out/temperatures.html"
# 3. A benchmark of the prompt file, every result to CSV.
run "$BIN" --prompt-file examples/prompts.txt --concurrent 5 --max-tokens 64 --quiet --output "$out/benchmark.csv"
run head -n 3 "$out/benchmark.csv"
log "outputs in $out"
