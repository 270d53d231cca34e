#!/usr/bin/env bash
# Runs one closed-loop workload through vLLM's own load generator (`vllm bench serve`) and through
# `llm-client bench`, against the same vLLM server, and prints both tools' numbers side by side:
# request throughput, output tok/s, TTFT, ITL, TPOT, E2E (mean, p50, p99), and each tool's CPU time
# and peak memory (/usr/bin/time -v).
#
# Usage: scripts/compare-vllm-bench.sh [CONCURRENCY] [REQUESTS] [INPUT_TOKENS] [OUTPUT_TOKENS]
#   (defaults 4 32 128 64). Both tools send random prompts of about INPUT_TOKENS tokens and
#   ask for exactly OUTPUT_TOKENS (ignore_eos) at temperature 0, one warm-up request first (vLLM's
#   "initial test run"), CONCURRENCY in flight.
#   ROUNDS=N runs the pair N times, alternating which tool goes first. LLM_CLIENT_VLLM_URL=…/v1
#   uses a running server instead of starting one; LLM_CLIENT_BIN=PATH a built llm-client.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

concurrency="${1:-4}"
requests="${2:-32}"
input_tokens="${3:-128}"
output_tokens="${4:-64}"
rounds="${ROUNDS:-1}"

ensure_vllm
if [ -n "${LLM_CLIENT_BIN:-}" ]; then BIN="$LLM_CLIENT_BIN"; else build_release_client; fi
trap stop_vllm_server EXIT
if [ -n "${LLM_CLIENT_VLLM_URL:-}" ]; then
    VLLM_URL="$LLM_CLIENT_VLLM_URL"
else
    start_vllm_server
fi
server_root="${VLLM_URL%/v1}"
work="$(mktemp -d "${TMPDIR:-/tmp}/llm-client-compare.XXXXXX")"
trap 'stop_vllm_server; rm -rf "$work"' EXIT

run_vllm_bench() {
    log "vllm bench serve: $requests requests, $concurrency in flight, $input_tokens → $output_tokens tokens"
    HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 VLLM_TARGET_DEVICE=cpu VLLM_NO_USAGE_STATS=1 \
        /usr/bin/time -v -o "$work/time-vllm-$1.txt" "$VLLM_VENV/bin/vllm" bench serve \
        --backend openai --base-url "$server_root" --endpoint /v1/completions \
        --model "$VLLM_MODEL_NAME" --tokenizer "$VLLM_MODEL_DIR" \
        --dataset-name random --random-input-len "$input_tokens" --random-output-len "$output_tokens" \
        --num-prompts "$requests" --max-concurrency "$concurrency" --ignore-eos --seed 1 \
        --percentile-metrics ttft,tpot,itl,e2el --metric-percentiles 50,99 \
        --temperature 0 --save-result --result-dir "$work" --result-filename "vllm-$1.json" >"$work/vllm-$1.log" 2>&1 || true
    # Its exit status is 1 even after a good run (nanobind reports leaks at exit): the result file tells.
    [ -s "$work/vllm-$1.json" ] || { cat "$work/vllm-$1.log" >&2; return 1; }
}

run_llm_client() {
    log "llm-client bench: $requests requests, $concurrency in flight, $input_tokens → $output_tokens tokens"
    /usr/bin/time -v -o "$work/time-client-$1.txt" "$BIN" bench --base-url "$VLLM_URL" --model "$VLLM_MODEL_NAME" \
        --concurrent "$concurrency" --num-requests "$requests" --warmup 1 --temperature 0 \
        --synthetic-input-tokens "$input_tokens" --synthetic-output-tokens "$output_tokens" --synthetic-language en \
        --extra-body '{"ignore_eos":true}' --quiet --output "$work/client-$1.json" >"$work/client-$1.log" 2>&1 \
        || { cat "$work/client-$1.log" >&2; return 1; }
}

for round in $(seq 1 "$rounds"); do
    if [ $((round % 2)) -eq 1 ]; then run_vllm_bench "$round"; run_llm_client "$round"
    else run_llm_client "$round"; run_vllm_bench "$round"; fi
    "$VLLM_PY" - "$work" "$round" "$concurrency" "$requests" "$input_tokens" "$output_tokens" <<'PYTHON'
import json, re, sys
work, round_, concurrency, requests, input_tokens, output_tokens = sys.argv[1:]
vllm = json.load(open(f"{work}/vllm-{round_}.json"))
client = json.load(open(f"{work}/client-{round_}.json"))["levels"][0]["summary"]

def usage(path):
    text = open(path).read()
    def number(label):
        return float(re.search(rf"{re.escape(label)}: ([0-9.]+)", text).group(1))
    return number("User time (seconds)") + number("System time (seconds)"), number("Maximum resident set size (kbytes)") / 1024

def ms(value):
    return "n/a" if value is None else f"{value:.1f}"

rows = [
    ("requests completed", str(vllm["completed"]), str(client["successful"])),
    ("input tokens (server's count)", str(vllm["total_input_tokens"]), str(client["input_tokens"])),
    ("output tokens", str(vllm["total_output_tokens"]), str(client["output_tokens"])),
    ("duration (s)", f'{vllm["duration"]:.2f}', f'{client["duration_s"]:.2f}'),
    ("request throughput (req/s)", f'{vllm["request_throughput"]:.2f}', f'{client["request_throughput"]:.2f}'),
    ("output throughput (tok/s)", f'{vllm["output_throughput"]:.1f}', f'{client["output_token_throughput"]:.1f}'),
]
for name, key in [("TTFT", "ttft"), ("ITL", "itl"), ("TPOT", "tpot"), ("E2E", "e2el")]:
    ours = client.get({"ttft": "ttft_s", "itl": "itl_s", "tpot": "tpot_s", "e2el": "e2e_s"}[key]) or {}
    for stat, theirs, mine in [("mean", "mean", "mean"), ("p50", "p50", "p50"), ("p99", "p99", "p99")]:
        their = vllm.get(f"{theirs}_{key}_ms")
        mine_value = ours.get(mine)
        rows.append((f"{name} {stat} (ms)", ms(their), ms(None if mine_value is None else mine_value * 1000)))
vllm_cpu, vllm_mem = usage(f"{work}/time-vllm-{round_}.txt")
client_cpu, client_mem = usage(f"{work}/time-client-{round_}.txt")
rows.append(("tool's CPU time (s)", f"{vllm_cpu:.2f}", f"{client_cpu:.2f}"))
rows.append(("tool's peak memory (MB)", f"{vllm_mem:.0f}", f"{client_mem:.0f}"))

print(f"\nRound {round_}: {requests} requests, {concurrency} in flight, ~{input_tokens} input and {output_tokens} output tokens (ignore_eos), against vLLM")
print(f"| {'metric':<30} | {'vllm bench serve':>17} | {'llm-client bench':>17} |")
print(f"|{'-' * 32}|{'-' * 18}:|{'-' * 18}:|")
for name, theirs, ours in rows:
    print(f"| {name:<30} | {theirs:>17} | {ours:>17} |")
PYTHON
done
