#!/usr/bin/env bash
# Streaming with curl: server-sent events, one JSON chunk per "data:" line, then "data: [DONE]".
set -euo pipefail
ENDPOINT=${ENDPOINT:-http://127.0.0.1:8000}
MODEL=${MODEL:-tiny}
curl -sSN "${ENDPOINT}/v1/chat/completions" -H 'Content-Type: application/json' -d @- <<JSON
{"model": "${MODEL}", "messages": [{"role": "user", "content": "Tell me about the oceans."}],
 "max_tokens": 64, "stream": true, "stream_options": {"include_usage": true}}
JSON
