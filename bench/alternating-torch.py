#!/usr/bin/python3
"""What libtorch and this machine charge for splitting a decode step between two processes that take turns (PP2), with
no hyc and no .NET in it: the companion of alternating-compute.c, which measures the same with plain C loops.

A decode step of the built-in "mini" model's shapes (hidden 800, 8 layers, 20 query and 2 key/value heads of 40, 16
experts of 640 with top-1 routing and one shared expert, 96 cached tokens, bfloat16, one torch thread) is computed
up to five ways (one and the chosen ways):
  one       one process computes all 8 layers;
  pair      process A computes layers 0-3, sends the hidden state (1,600 bytes) over a socketpair, process B computes
            layers 4-7 and sends it back; each blocks in recv while the other computes, as a hyc rank thread does;
  spin_pin  the same pair, each process pinned to its own core and polling its socket instead of blocking;
  same_core the same pair, both processes pinned to one core (the last), blocking: whether the first layer after a
            wait is slow because the core it resumes on sat idle or ran elsewhere meanwhile, or because of the
            switch between processes alone;
  tp_pair   two processes each computing half of every layer (half the heads, half of each expert's width: TP2),
            summing their partial outputs after attention and after the MLP by exchanging them (1,600 bytes each way,
            twice a layer), blocking in recv as hyc's TCP collectives do;
  ep_pair   the same with hyc's default expert placement on CPU hosts (expert-parallel): each process half the heads,
            half of the shared expert's width and 8 whole experts, so the one routed expert of a layer is computed by
            the process that holds it while the other waits in the collective.
Every layer is timed alone, so the report shows what the first layer after a wait costs against the stage's other
layers ("first_layer_extra_us", against "later_layer_us": the median of the stage's other layers), the effect hyc's per-layer timings found (BENCHMARKS.md, session 11).
Usage: bench/alternating-torch.py [rounds=6] [steps=400] [ways=pair,spin_pin,same_core,tp_pair,ep_pair]; runs on Debian's python3 with python3-torch (any python3 with torch
will do: PYTHON=... $PYTHON bench/alternating-torch.py).
Each round runs one and the chosen ways, one first in odd rounds and last in even ones. Prints one JSON line per round and
a summary line: per way, the median over rounds of (way - one) in ms per step and, from 6 rounds on, a 95% or wider
interval for that median ([low, high, coverage]; null with fewer rounds), as hyc's bench commands report theirs.
"""
import json
import math
import os
import socket
import statistics
import sys
import time

import torch
import torch.nn.functional as F

HIDDEN, HEADS, KV_HEADS, HEAD_DIM, INTERMEDIATE, EXPERTS, LAYERS, CONTEXT = 800, 20, 2, 40, 640, 16, 8, 96
HALF = LAYERS // 2
WAYS = ("pair", "spin_pin", "same_core", "tp_pair", "ep_pair")
HIDDEN_BYTES = HIDDEN * 2


class Layer:
    """One decoder layer; a tensor-parallel rank's share has ways=2: half the heads and half the shared expert's width, and
    either half of each routed expert's width (owned=None) or the whole experts in range owned (expert-parallel)."""

    def __init__(self, generator, ways=1, router=None, owned=None):
        def weight(*shape):
            return (torch.randn(*shape, generator=generator) * 0.02).to(torch.bfloat16)

        self.heads, kv_heads, intermediate = HEADS // ways, KV_HEADS // ways, INTERMEDIATE // ways
        self.norm1 = torch.ones(HIDDEN, dtype=torch.bfloat16)
        self.norm2 = torch.ones(HIDDEN, dtype=torch.bfloat16)
        self.qkv = weight((self.heads + 2 * kv_heads) * HEAD_DIM, HIDDEN)
        self.out = weight(HIDDEN, self.heads * HEAD_DIM)
        # Replicated on every rank (the ranks must route alike), so a rank's share takes the whole layer's.
        self.router = weight(EXPERTS, HIDDEN) if router is None else router
        self.owned = owned if owned is not None else range(EXPERTS)
        routed = INTERMEDIATE if owned is not None else intermediate
        self.gate_up = weight(len(self.owned), 2 * routed, HIDDEN)
        self.down = weight(len(self.owned), HIDDEN, routed)
        self.shared_gate_up = weight(2 * intermediate, HIDDEN)
        self.shared_down = weight(HIDDEN, intermediate)
        self.keys = weight(1, kv_heads, CONTEXT, HEAD_DIM).repeat_interleave(HEADS // KV_HEADS, 1)
        self.values = weight(1, kv_heads, CONTEXT, HEAD_DIM).repeat_interleave(HEADS // KV_HEADS, 1)

    @staticmethod
    def rms_norm(x, weight):
        x32 = x.float()
        return (x32 * torch.rsqrt(x32.pow(2).mean(-1, keepdim=True) + 1e-5)).to(torch.bfloat16) * weight

    @staticmethod
    def mlp(h, gate_up, down):
        gate, up = F.linear(h, gate_up).chunk(2, -1)
        return F.linear(F.silu(gate) * up, down)

    def __call__(self, x, all_reduce=None):
        """all_reduce sums a rank's partial output with the other rank's (tensor parallel); None for a whole layer."""
        reduce = all_reduce or (lambda partial: partial)
        h = self.rms_norm(x, self.norm1)
        q = F.linear(h, self.qkv)[:, :self.heads * HEAD_DIM].view(1, self.heads, 1, HEAD_DIM)
        scores = (q @ self.keys.transpose(-1, -2)).float() / HEAD_DIM ** 0.5
        attention = torch.softmax(scores, -1).to(torch.bfloat16) @ self.values
        x = x + reduce(F.linear(attention.reshape(1, self.heads * HEAD_DIM), self.out))
        h = self.rms_norm(x, self.norm2)
        expert = int(F.linear(h, self.router).argmax())
        partial = self.mlp(h, self.shared_gate_up, self.shared_down)
        if expert in self.owned:
            local = expert - self.owned.start
            partial = partial + self.mlp(h, self.gate_up[local], self.down[local])
        return x + reduce(partial)


def run_layers(layers, x, per_layer):
    for i, layer in enumerate(layers):
        start = time.perf_counter()
        x = layer(x)
        per_layer[i].append(time.perf_counter() - start)
    return x


def medians_us(samples, skip):
    return [statistics.median(s[skip:]) * 1e6 for s in samples]


def first_layer_extra(medians):
    return medians[0] - statistics.median(medians[1:])


def later_layers(medians):
    return statistics.median(medians[1:])


def one_process(layers, x0, steps):
    per_layer, totals = [[] for _ in layers], []
    for _ in range(steps):
        start = time.perf_counter()
        run_layers(layers, x0, per_layer)
        totals.append(time.perf_counter() - start)
    skip = steps // 5
    m = medians_us(per_layer, skip)
    return {"ms_per_step": statistics.median(totals[skip:]) * 1e3,
            "first_layer_extra_us": [first_layer_extra(m[:HALF]), first_layer_extra(m[HALF:])],
            "later_layer_us": [later_layers(m[:HALF]), later_layers(m[HALF:])]}


def receive_exact(sock):
    buffer = bytearray()
    while len(buffer) < HIDDEN_BYTES:
        try:
            chunk = sock.recv(HIDDEN_BYTES - len(buffer))
        except BlockingIOError:
            continue
        if not chunk:
            raise EOFError("peer closed")
        buffer += chunk
    return torch.frombuffer(buffer, dtype=torch.bfloat16).view(1, HIDDEN)


def as_bytes(x):
    return x.contiguous().view(torch.int16).numpy().tobytes()


def pin_to(role, pin):
    """pin: False (the scheduler's choice), "own" (role's own core) or "shared" (both roles on the last core)."""
    if pin == "own":
        os.sched_setaffinity(0, {role % os.cpu_count()})
    elif pin == "shared":
        os.sched_setaffinity(0, {os.cpu_count() - 1})


def stage(role, layers, x0, steps, sock, spin, pin, report):
    pin_to(role, pin)
    sock.setblocking(not spin)
    per_layer, totals = [[] for _ in layers], []
    for _ in range(steps):
        start = time.perf_counter()
        if role == 0:
            sock.sendall(as_bytes(run_layers(layers, x0, per_layer)))
            receive_exact(sock)
        else:
            sock.sendall(as_bytes(run_layers(layers, receive_exact(sock), per_layer)))
        totals.append(time.perf_counter() - start)
    skip = steps // 5
    m = medians_us(per_layer, skip)
    result = {"first_layer_extra_us": first_layer_extra(m), "later_layer_us": later_layers(m)}
    if role == 0:
        result["ms_per_step"] = statistics.median(totals[skip:]) * 1e3
    report.sendall(json.dumps(result).encode() + b"\n")


def tp_rank(role, layers, x0, steps, sock, spin, pin, report):
    pin_to(role, pin)
    sock.setblocking(not spin)

    def all_reduce(partial):
        sock.sendall(as_bytes(partial))
        return partial + receive_exact(sock)

    totals = []
    for _ in range(steps):
        start = time.perf_counter()
        x = x0
        for layer in layers:
            x = layer(x, all_reduce)
        totals.append(time.perf_counter() - start)
    report.sendall(json.dumps({"ms_per_step": statistics.median(totals[steps // 5:]) * 1e3}).encode() + b"\n")


def two_processes(work, shares, x0, steps, spin, pin):
    """Runs work(role, shares[role], ...) in two forked processes joined by a socketpair; returns their reports."""
    link = socket.socketpair()
    reports, children = [], []
    for role in (0, 1):
        mine, theirs = socket.socketpair()
        reports.append(mine)
        pid = os.fork()
        if pid == 0:
            try:
                work(role, shares[role], x0, steps, link[role], spin, pin, theirs)
            finally:
                os._exit(0)
        children.append(pid)
        theirs.close()
    results = [json.loads(r.makefile().readline()) for r in reports]
    for pid in children:
        os.waitpid(pid, 0)
    for s in (*link, *reports):
        s.close()
    return results


def pair(layers, x0, steps, spin, pin):
    results = two_processes(stage, [layers[:HALF], layers[HALF:]], x0, steps, spin, pin)
    return {"ms_per_step": results[0]["ms_per_step"], "first_layer_extra_us": [r["first_layer_extra_us"] for r in results],
            "later_layer_us": [r["later_layer_us"] for r in results]}


def tp_pair(shares, x0, steps, spin, pin):
    return {"ms_per_step": max(r["ms_per_step"] for r in two_processes(tp_rank, shares, x0, steps, spin, pin))}


def rounded(value):
    if isinstance(value, float):
        return round(value, 3)
    if isinstance(value, dict):
        return {k: rounded(v) for k, v in value.items()}
    if isinstance(value, list):
        return [rounded(v) for v in value]
    return value


def median_interval(values, level=0.95):
    """A distribution-free interval for the median (the sign test's order statistics, as hyc's bench commands report):
    (low, high, coverage), or None with too few values (fewer than 6 at 95%)."""
    ordered, n = sorted(values), len(values)
    k, tail = 0, 0.0
    while k < n // 2 and 2 * (tail + math.comb(n, k) / 2 ** n) <= 1 - level:
        tail += math.comb(n, k) / 2 ** n
        k += 1
    return None if k == 0 else [round(ordered[k - 1], 3), round(ordered[n - k], 3), round(1 - 2 * tail, 4)]


def main():
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 6
    steps = int(sys.argv[2]) if len(sys.argv) > 2 else 400
    ways = sys.argv[3].split(",") if len(sys.argv) > 3 else list(WAYS)
    if rounds < 1 or steps < 10:
        sys.exit("alternating-torch: rounds must be at least 1 and steps at least 10")
    if unknown := [w for w in ways if w not in WAYS]:
        sys.exit(f"alternating-torch: unknown way(s) {','.join(unknown)}; the ways are {','.join(WAYS)}")
    torch.set_num_threads(1)
    generator = torch.Generator().manual_seed(1)
    layers = [Layer(generator) for _ in range(LAYERS)]
    x0 = (torch.randn(1, HIDDEN, generator=generator) * 0.02).to(torch.bfloat16)
    # The tensor-parallel shares only when asked for: making them takes longer than a short round.
    shares = [[Layer(generator, 2, layer.router) for layer in layers] for _ in range(2)] if "tp_pair" in ways else None
    half = EXPERTS // 2
    ep_shares = ([[Layer(generator, 2, layer.router, range(r * half, (r + 1) * half)) for layer in layers] for r in range(2)]
                 if "ep_pair" in ways else None)
    run = {"pair": lambda: pair(layers, x0, steps, False, False), "spin_pin": lambda: pair(layers, x0, steps, True, "own"),
           "same_core": lambda: pair(layers, x0, steps, False, "shared"),
           "tp_pair": lambda: tp_pair(shares, x0, steps, False, False), "ep_pair": lambda: tp_pair(ep_shares, x0, steps, False, False)}
    minus_one = {w: [] for w in ways}
    for r in range(rounds):
        # One first in odd rounds and last in even ones, the ways between reversed: a steady drift favours no way.
        order = ["one", *ways] if r % 2 == 0 else [*reversed(ways), "one"]
        row = {"round": r + 1}
        for way in order:
            row[way] = one_process(layers, x0, steps) if way == "one" else run[way]()
        for w in ways:
            minus_one[w].append(row[w]["ms_per_step"] - row["one"]["ms_per_step"])
        print(json.dumps(rounded(row)), flush=True)
    summary = {"rounds": rounds, "steps": steps}
    for w in ways:
        summary[f"{w}_minus_one_ms"] = round(statistics.median(minus_one[w]), 3)
        summary[f"{w}_minus_one_interval"] = median_interval(minus_one[w])
    print(json.dumps(summary), flush=True)


if __name__ == "__main__":
    main()
