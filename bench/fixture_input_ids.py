#!/usr/bin/python3
"""Prints a golden fixture's prompt (the int64 tensor `input_ids` of its expected.safetensors) as comma-separated ids,
the form `hyc model run --ids` takes. Used by gpu-check.sh and gpu-on-device.sh; needs only the standard library."""
import json
import struct
import sys

with open(sys.argv[1], "rb") as f:
    n = struct.unpack("<Q", f.read(8))[0]
    meta = json.loads(f.read(n))["input_ids"]
    if meta["dtype"] != "I64":
        sys.exit(f"{sys.argv[1]}: input_ids is {meta['dtype']}, expected I64")
    start, end = meta["data_offsets"]
    f.seek(8 + n + start)
    raw = f.read(end - start)
print(",".join(str(x) for x in struct.unpack("<%dq" % (len(raw) // 8), raw)))
