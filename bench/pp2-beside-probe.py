#!/usr/bin/python3
"""PP2 over two agents and libtorch's own PP2 pair, measured in the same window, round by round: how much of hyc's PP2
overhead the host charges before any hyc code runs, with an interval for hyc's own share.

Each round runs, in an order that alternates by round (hyc first in odd rounds, the probe first in even ones):
  hyc    `hyc bench cluster --deployment pp2 --tokens T --repeat R --threads 1 --json` against a local two-agent cluster
         (the mini model, TP1 x PP2, one rank per agent): overhead_ms_per_step (the median of R paired runs),
         data_plane_ms_per_step and same_greedy_ids;
  probe  `bench/alternating-torch.py 2 STEPS pair` (libtorch alone, the same split between two processes taking turns,
         one first then last): pair_minus_one_ms.
The cluster is made for the run in a fresh HYC_HOME (`up --local --nodes 2 --gpus-per-node 1 --detach`, the mini model
deployed as pp2 and nothing else, so no other deployment's canary runs in the agents) and taken down at the end, also
after a failure.

Usage: bench/pp2-beside-probe.py HYC [rounds=9] [tokens=64] [repeat=3] [probe_steps=200]
  HYC: the hyc executable (a Release build: cli/Hunyuan.Cli/bin/Release/net10.0/linux-x64/hyc).
Prints one JSON line per round and a summary line: per series (hyc overhead, probe pair - one, and their per-round
difference, hyc's share above the host's), the median over rounds and the sign test's interval for it ([low, high,
coverage], as hyc's bench commands report; null under 6 rounds). Runs on Debian's python3 with python3-torch.
"""
import importlib.util
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
PROBE = os.path.join(HERE, "alternating-torch.py")


def probe_module():
    """The probe as a module, for its median_interval (loaded once, at the summary: it imports torch)."""
    spec = importlib.util.spec_from_file_location("alternating_torch", PROBE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def run(args, env, what):
    done = subprocess.run(args, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"{what} failed (exit {done.returncode}): {done.stderr.strip()[-2000:]}")
    return done.stdout


def hyc_round(hyc, env, tokens, repeat):
    out = json.loads(run([hyc, "bench", "cluster", "--deployment", "pp2", "--cluster", "local", "--tokens", str(tokens),
                          "--repeat", str(repeat), "--threads", "1", "--json"], env, "hyc bench cluster"))
    return {"overhead_ms": out["overhead_ms_per_step"], "data_plane_ms": out.get("data_plane_ms_per_step"),
            "single_ms": out["single_ms_per_step"], "same_greedy_ids": out.get("same_greedy_ids")}


def probe_round(steps):
    lines = run([sys.executable, PROBE, "2", str(steps), "pair"], None, "the libtorch probe").strip().splitlines()
    summary = json.loads(lines[-1])
    return {"pair_minus_one_ms": summary["pair_minus_one_ms"]}


def stop(signum, _frame):
    raise SystemExit(f"pp2-beside-probe: stopped by signal {signum}")


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__.split("\n\n")[-1])
    hyc = os.path.abspath(sys.argv[1])
    defaults = [9, 64, 3, 200]
    given = [int(a) for a in sys.argv[2:6]]
    rounds, tokens, repeat, steps = given + defaults[len(given):]
    if rounds < 1 or tokens < 1 or repeat < 1 or steps < 10:
        sys.exit("pp2-beside-probe: rounds, tokens and repeat must be at least 1, probe_steps at least 10")
    if not os.access(hyc, os.X_OK):
        sys.exit(f"pp2-beside-probe: {hyc} is not an executable")
    # A run started in the background ignores SIGINT, and SIGTERM would skip the `finally`: both end it through the
    # `finally`, which takes the cluster down.
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, stop)
    home = tempfile.mkdtemp(prefix="hyc-pp2-window-")
    env = dict(os.environ, HYC_HOME=home)
    try:
        run([hyc, "up", "--local", "--nodes", "2", "--gpus-per-node", "1", "--gpu-memory", "8GiB", "--detach"], env, "hyc up --local")
        run([hyc, "deploy", "mini", "--variant", "bf16", "--tp", "1", "--pp", "2", "--name", "pp2", "--no-serve", "--cluster", "local"],
            env, "hyc deploy")
        rows = []
        for r in range(rounds):
            order = ("hyc", "probe") if r % 2 == 0 else ("probe", "hyc")
            row = {"round": r + 1}
            for side in order:
                row.update(hyc_round(hyc, env, tokens, repeat) if side == "hyc" else probe_round(steps))
            row["hyc_minus_probe_ms"] = round(row["overhead_ms"] - row["pair_minus_one_ms"], 3)
            rows.append(row)
            print(json.dumps(row), flush=True)
        summary = {"rounds": rounds, "tokens": tokens, "repeat": repeat, "probe_steps": steps}
        median_interval = probe_module().median_interval
        for key in ("overhead_ms", "pair_minus_one_ms", "hyc_minus_probe_ms", "data_plane_ms"):
            values = [row[key] for row in rows if row.get(key) is not None]
            if values:
                summary[key] = round(statistics.median(values), 3)
                summary[key + "_interval"] = median_interval(values)
        print(json.dumps(summary), flush=True)
    finally:
        subprocess.run([hyc, "down", "--local"], env=env, capture_output=True)
        shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    main()
