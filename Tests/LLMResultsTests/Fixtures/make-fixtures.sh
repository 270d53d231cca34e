#!/bin/bash
# Usage: make-fixtures.sh LLM_CLIENT_BINARY OUTPUT_DIR PROMPT_FILE (these files: llm-client 95f41dd, examples/prompts.txt)
# Writes result files with the current release of llm-client against its simulator.
set -euo pipefail
BIN="$1"; OUT="$2"; PROMPTS="$3"
mkdir -p "$OUT"; cd "$OUT"
head -3 "$PROMPTS" > prompts.txt
"$BIN" serve-sim --port 0 --output-tokens 6 --ttft-ms 5 --itl-ms 2 > sim.log 2>&1 &
SIM=$!
trap 'kill $SIM' EXIT
for i in $(seq 50); do grep -q listening sim.log && break; sleep 0.2; done
URL="$(grep -o 'http://[0-9.:]*' sim.log | head -1)/v1"
echo "simulator at $URL"
"$BIN" --base-url "$URL" --prompt-file prompts.txt --max-tokens 6 --concurrent 2 --quiet --output run.json --output run.jsonl
"$BIN" bench --base-url "$URL" --prompt-file prompts.txt --max-tokens 6 --concurrent 1,2 --num-requests 4 --quiet --output bench-sweep.json
"$BIN" bench --base-url "$URL" --prompt-file prompts.txt --max-tokens 6 --concurrent 2 --num-requests 4 --shard 0/2 --quiet --output bench-shard-0.json
"$BIN" bench --base-url "$URL" --prompt-file prompts.txt --max-tokens 6 --concurrent 2 --num-requests 4 --shard 1/2 --quiet --output bench-shard-1.json
"$BIN" merge bench-shard-0.json bench-shard-1.json -o bench-merged.json
"$BIN" --base-url "$URL" --prompt-file prompts.txt --max-tokens 6 --concurrent 2 --shard 0/2 --quiet --output run-shard-0.json
"$BIN" --base-url "$URL" --prompt-file prompts.txt --max-tokens 6 --concurrent 2 --shard 1/2 --quiet --output run-shard-1.json
"$BIN" merge run-shard-0.json run-shard-1.json -o run-merged.json
rm -f sim.log
ls -la
