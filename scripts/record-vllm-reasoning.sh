#!/usr/bin/env bash
# Records the vLLM reasoning stream in Tests/LLMClientKitTests/Fixtures (vllm-reasoning-chat*.{sse,json}).
# No reasoning model is within reach offline, so SmolLM2-135M-Instruct serves it with a tokenizer
# whose "." is named "</think>" (and the unused special token <issue_closed> "<think>"): vLLM's own
# deepseek_r1 reasoning parser then sends the words before the model's first full stop as
# delta.reasoning and the rest as delta.content.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
ensure_vllm
MODEL="$STATE_DIR/models/SmolLM2-think"
rm -rf "$MODEL" && mkdir -p "$MODEL"
cp "$VLLM_MODEL_DIR"/{chat_template.jinja,config.json,generation_config.json,tokenizer_config.json} "$MODEL/"
ln -s "$VLLM_MODEL_DIR/model.safetensors" "$MODEL/model.safetensors"
"$VLLM_PY" - "$VLLM_MODEL_DIR" "$MODEL" <<'PYTHON'
import json, sys
source, target = sys.argv[1], sys.argv[2]
tokenizer = json.load(open(f"{source}/tokenizer.json"))
vocab = tokenizer["model"]["vocab"]
vocab["</think>"] = vocab.pop(".")
parts = lambda merge: merge.split(" ") if isinstance(merge, str) else merge
tokenizer["model"]["merges"] = [m for m in tokenizer["model"]["merges"] if "." not in parts(m)]
for token in tokenizer["added_tokens"]:
    if token["content"] == "<issue_closed>":
        token["content"] = "<think>"
vocab["<think>"] = vocab.pop("<issue_closed>")
json.dump(tokenizer, open(f"{target}/tokenizer.json", "w"))
config = open(f"{target}/tokenizer_config.json").read().replace("<issue_closed>", "<think>")
open(f"{target}/tokenizer_config.json", "w").write(config)
PYTHON
PORT="$(free_port)"
LOG="${TMPDIR:-/tmp}/llm-client-vllm-reasoning-$PORT.log"
VLLM_DIST_BEFORE="$(ls -d "${TMPDIR:-/tmp}"/vllm_dist_* 2>/dev/null || true)"
HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 VLLM_TARGET_DEVICE=cpu VLLM_CPU_KVCACHE_SPACE=1 VLLM_NO_USAGE_STATS=1 DO_NOT_TRACK=1 \
    VLLM_CACHE_ROOT="$STATE_DIR/vllm-cache" setsid "$VLLM_PY" -m vllm.entrypoints.openai.api_server --model "$MODEL" \
    --served-model-name reasoner --host 127.0.0.1 --port "$PORT" --max-model-len 2048 --dtype bfloat16 --enforce-eager \
    --reasoning-parser deepseek_r1 >"$LOG" 2>&1 &
VLLM_PID=$!
trap stop_vllm_server EXIT
VLLM_PORT="$PORT" VLLM_LOG="$LOG" wait_for_vllm_server
FIXTURES="$ROOT/Tests/LLMClientKitTests/Fixtures"
BODY='{"model":"reasoner","messages":[{"role":"user","content":"Name a colour"}],"max_tokens":40,"temperature":0'
curl -sS -N "http://127.0.0.1:$PORT/v1/chat/completions" -H 'Content-Type: application/json' \
    -d "$BODY"',"stream":true,"stream_options":{"include_usage":true}}' >"$FIXTURES/vllm-reasoning-chat-stream.sse"
curl -sS "http://127.0.0.1:$PORT/v1/chat/completions" -H 'Content-Type: application/json' -d "$BODY}" >"$FIXTURES/vllm-reasoning-chat.json"
log "recorded $FIXTURES/vllm-reasoning-chat-stream.sse and vllm-reasoning-chat.json"
