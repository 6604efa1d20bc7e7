#!/usr/bin/env bash
# The seed's inference/openapi.sh request, unchanged but for the address: Hunyuan-Large's own body, with vLLM's
# extensions (top_k, repetition_penalty, stop_token_ids). Our endpoint accepts the model path as the model name,
# as the seed's script sends it (edit MODEL_PATH to the path you deployed, or use the deployment's name).
set -euo pipefail
ENDPOINT=${ENDPOINT:-http://127.0.0.1:8000}
MODEL_PATH=${MODEL_PATH:-tiny}
curl -sS "${ENDPOINT}/v1/chat/completions" -H 'Content-Type: application/json' -d @- <<JSON
{
  "model": "${MODEL_PATH}",
  "messages": [
    {"role": "system", "content": "You are a helpful assistant."},
    {"role": "user", "content": "请按面积大小对四大洋进行排序，并给出面积最小的洋是哪一个？直接输出结果。"}
  ],
  "max_tokens": 2048,
  "temperature": 0.7,
  "top_p": 0.6,
  "top_k": 20,
  "repetition_penalty": 1.05,
  "stop_token_ids": [127960]
}
JSON
echo
