#!/usr/bin/python3
"""Eager PyTorch reference for `hyc bench decode`: the HunYuan architecture (hunyuan-spec section 2) written the
plain way a user would, on the same safetensors checkpoint, batch-1 greedy decode with a KV cache. Prints one JSON
object with tokens/s. A benchmark baseline, not part of hyc: nothing here is tuned.

Spec points it follows: CLA (a cross layer reuses the previous self layer's pre-RoPE K/V), RoPE with the NTK-alpha
base, QK-norm after RoPE (each layer its own key_layernorm), RMSNorm statistics in float32, float32 router softmax,
top-1 weight not renormalised (top-k > 1 renormalised), shared expert added with weight 1. The cache is HF's: every
layer keeps its K (after RoPE and norm) and V.
"""
import argparse
import json
import math
import os
import random
import time

import torch
import torch.nn.functional as F


DTYPES = {"BF16": torch.bfloat16, "F32": torch.float32, "F16": torch.float16}


def load_safetensors(path, dtype):
    with open(path, "rb") as f:
        header_len = int.from_bytes(f.read(8), "little")
        header = json.loads(f.read(header_len))
        data = bytearray(f.read())
    tensors = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        start, end = info["data_offsets"]
        kind = DTYPES.get(info["dtype"])
        if kind is None:
            raise SystemExit(f"{name}: dtype {info['dtype']} is not handled by this reference")
        size = torch.tensor([], dtype=kind).element_size()
        t = torch.frombuffer(data, dtype=kind, count=(end - start) // size, offset=start).clone() if end > start else torch.empty(0, dtype=kind)
        tensors[name] = t.reshape(info["shape"]).to(dtype)
    return tensors


def load_model(directory, dtype):
    index = os.path.join(directory, "model.safetensors.index.json")
    weights = {}
    if os.path.exists(index):
        with open(index) as f:
            files = sorted(set(json.load(f)["weight_map"].values()))
        for name in files:
            weights.update(load_safetensors(os.path.join(directory, name), dtype))
    else:
        weights.update(load_safetensors(os.path.join(directory, "model.safetensors"), dtype))
    with open(os.path.join(directory, "config.json")) as f:
        config = json.load(f)
    return config, weights


def rms_norm(x, weight, eps):
    variance = x.float().pow(2).mean(-1, keepdim=True)
    return weight * (x.float() * torch.rsqrt(variance + eps)).to(x.dtype)


def rotate_half(x):
    half = x.shape[-1] // 2
    return torch.cat((-x[..., half:], x[..., :half]), dim=-1)


class Model:
    def __init__(self, config, weights, dtype):
        self.c = config
        self.w = weights
        self.dtype = dtype
        self.layers = config["num_hidden_layers"]
        self.heads = config["num_attention_heads"]
        self.kv_heads = config["num_key_value_heads"]
        self.head_dim = config["hidden_size"] // self.heads
        self.eps = config["rms_norm_eps"]
        self.cla = config.get("cla_share_factor", 1) if config.get("use_cla", False) else 1
        self.topk = config.get("moe_topk", 1)
        if isinstance(self.topk, list):
            self.topk = self.topk[0]
        self.experts = config.get("num_experts", 1)
        if isinstance(self.experts, list):
            self.experts = self.experts[0]
        base = config["rope_theta"]
        scaling = config.get("rope_scaling")
        if scaling and scaling.get("alpha"):
            base = base * scaling["alpha"] ** (self.head_dim / (self.head_dim - 2))
        self.inv_freq = 1.0 / (base ** (torch.arange(0, self.head_dim, 2, dtype=torch.int64).float() / self.head_dim))
        tied = config.get("tie_word_embeddings", True) or "lm_head.weight" not in weights
        self.lm_head = weights["model.embed_tokens.weight"] if tied else weights["lm_head.weight"]
        for name in list(weights):
            if name.endswith("mlp.gate.wg.weight"):
                weights[name] = weights[name].float()

    def p(self, layer, suffix):
        return self.w[f"model.layers.{layer}.{suffix}"]

    def rope(self, positions):
        freqs = positions.float()[:, None] * self.inv_freq[None, :]
        emb = torch.cat((freqs, freqs), dim=-1)
        return emb.cos().to(self.dtype), emb.sin().to(self.dtype)

    def mlp(self, x, prefix):
        gate = F.linear(x, self.w[prefix + ".gate_proj.weight"])
        up = F.linear(x, self.w[prefix + ".up_proj.weight"])
        return F.linear(F.silu(gate) * up, self.w[prefix + ".down_proj.weight"])

    def moe(self, x, layer):
        prefix = f"model.layers.{layer}.mlp"
        if self.experts <= 1:
            return self.mlp(x, prefix)
        out = self.mlp(x, prefix + ".shared_mlp") if f"{prefix}.shared_mlp.gate_proj.weight" in self.w else torch.zeros_like(x)
        probs = F.softmax(F.linear(x.float(), self.w[prefix + ".gate.wg.weight"]), dim=-1)
        values, indices = probs.topk(self.topk, dim=-1)
        if self.topk > 1:
            values = values / values.sum(-1, keepdim=True).clamp_min(torch.finfo(torch.float32).eps)
        for t in range(x.shape[0]):
            for j in range(self.topk):
                e = int(indices[t, j])
                y = self.mlp(x[t:t + 1], f"{prefix}.experts.{e}")
                out[t:t + 1] = out[t:t + 1] + values[t, j].to(x.dtype) * y
        return out

    def attention(self, h, layer, cos, sin, kv_states, cache):
        t = h.shape[0]
        d = self.head_dim
        q = F.linear(h, self.p(layer, "self_attn.q_proj.weight")).view(t, self.heads, d).transpose(0, 1)
        if kv_states is None:
            k = F.linear(h, self.p(layer, "self_attn.k_proj.weight")).view(t, self.kv_heads, d).transpose(0, 1)
            v = F.linear(h, self.p(layer, "self_attn.v_proj.weight")).view(t, self.kv_heads, d).transpose(0, 1)
        else:
            k, v = kv_states
        orig = (k, v)
        q = q * cos + rotate_half(q) * sin
        k = k * cos + rotate_half(k) * sin
        qn = f"model.layers.{layer}.self_attn.query_layernorm.weight"
        if qn in self.w:
            q = rms_norm(q, self.w[qn], self.eps)
            k = rms_norm(k, self.p(layer, "self_attn.key_layernorm.weight"), self.eps)
        if cache[layer] is not None:
            k = torch.cat((cache[layer][0], k), dim=1)
            v = torch.cat((cache[layer][1], v), dim=1)
        cache[layer] = (k, v)
        groups = self.heads // self.kv_heads
        k = k.repeat_interleave(groups, dim=0)
        v = v.repeat_interleave(groups, dim=0)
        scores = torch.matmul(q, k.transpose(1, 2)) / math.sqrt(d)
        if t > 1:
            s = k.shape[1]
            mask = torch.ones(t, s, dtype=torch.bool, device=scores.device).triu(s - t + 1)
            scores = scores.masked_fill(mask, float("-inf"))
        probs = F.softmax(scores, dim=-1, dtype=torch.float32).to(q.dtype)
        o = torch.matmul(probs, v).transpose(0, 1).reshape(t, self.heads * d)
        return F.linear(o, self.p(layer, "self_attn.o_proj.weight")), orig

    def forward(self, ids, start, cache):
        x = self.w["model.embed_tokens.weight"][ids]
        cos, sin = self.rope(torch.arange(start, start + ids.shape[0], device=ids.device))
        kv = None
        for layer in range(self.layers):
            h = rms_norm(x, self.p(layer, "input_layernorm.weight"), self.eps)
            a, orig = self.attention(h, layer, cos, sin, kv if layer % self.cla != 0 else None, cache)
            if layer % self.cla == 0:
                kv = orig
            x = x + a
            h2 = rms_norm(x, self.p(layer, "post_attention_layernorm.weight"), self.eps)
            x = x + self.moe(h2, layer)
        x = rms_norm(x, self.w["model.norm.weight"], self.eps)
        return F.linear(x[-1:], self.lm_head).float()


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", required=True)
    ap.add_argument("--dtype", default="bfloat16", choices=["bfloat16", "float32"])
    ap.add_argument("--prompt", type=int, default=32)
    ap.add_argument("--prompt-ids", default="", help="comma-separated prompt ids (else --prompt random ids)")
    ap.add_argument("--steps", type=int, default=64)
    ap.add_argument("--warmup", type=int, default=8)
    ap.add_argument("--threads", type=int, default=0)
    ap.add_argument("--device", default="cpu", help="cpu or cuda[:N]; every weight and activation lives there")
    args = ap.parse_args()
    if args.threads > 0:
        torch.set_num_threads(args.threads)
    dtype = torch.bfloat16 if args.dtype == "bfloat16" else torch.float32
    device = torch.device(args.device)
    config, weights = load_model(args.model, dtype)
    weights = {name: t.to(device) for name, t in weights.items()}
    model = Model(config, weights, dtype)
    model.inv_freq = model.inv_freq.to(device)
    if args.prompt_ids:
        prompt = [int(i) for i in args.prompt_ids.split(",")]
    else:
        prompt = [random.Random(0).randrange(config["vocab_size"]) for _ in range(args.prompt)]
    with torch.no_grad():
        cache = [None] * model.layers
        logits = model.forward(torch.tensor(prompt, device=device), 0, cache)
        nxt = int(logits[0].argmax())
        generated = [nxt]
        times = []
        pos = len(prompt)
        for step in range(args.warmup + args.steps):
            t0 = time.perf_counter()
            logits = model.forward(torch.tensor([nxt], device=device), pos, cache)
            nxt = int(logits[0].argmax())  # the host read ends the step, so the time includes the device's work
            if step >= args.warmup:
                times.append(time.perf_counter() - t0)
            generated.append(nxt)
            pos += 1
    times.sort()
    mean = sum(times) / len(times)
    median = times[len(times) // 2]
    print(json.dumps({
        "impl": "eager-pytorch", "torch": torch.__version__, "device": str(device), "dtype": args.dtype, "threads": torch.get_num_threads(),
        "tokens_per_s": round(1.0 / mean, 2), "mean_step_ms": round(mean * 1e3, 3), "median_step_ms": round(median * 1e3, 3),
        "host_us_per_layer_step": round(median * 1e6 / model.layers, 1), "generated_ids": generated[:16],
    }))


if __name__ == "__main__":
    main()
