#!/usr/bin/env bash
# `hyc up HOSTS.yaml` time against the number of hosts. Each host is a network namespace made here, with its own
# sshd, Unix user and home (as in the end-to-end test); hyc runs in a control namespace holding the bridge. For each
# host count: a cold `up` (agent bundle uploaded, Redis and agents started, all joined), a warm `up` (nothing to do),
# then `down --purge`. Needs root, iproute2, openssh-server, redis-server. Usage: bench/up-hosts.sh [COUNTS...]
set -euo pipefail
cd "$(dirname "$0")/.."
counts=("${@:-1 3}")
read -r -a counts <<< "${counts[*]}"
dotnet build cli/Hunyuan.Cli -c Release -v q -nologo >/dev/null
hyc="$PWD/cli/Hunyuan.Cli/bin/Release/net10.0/linux-x64/hyc.dll"
id=$(head -c3 /dev/urandom | od -An -tx1 | tr -d ' \n')
lab=$(mktemp -d /tmp/hyc-benchlab-XXXXXX)
chmod 755 "$lab"
ctl="hyc-bctl-$id"
users=(); namespaces=(); sshd_pids=()
cleanup() {
  for p in "${sshd_pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for u in "${users[@]}"; do pkill -KILL -u "$u" 2>/dev/null || true; userdel "$u" 2>/dev/null || true; done
  for n in "${namespaces[@]}"; do ip netns del "$n" 2>/dev/null || true; done
  rm -rf "$lab"
}
trap cleanup EXIT
ssh-keygen -q -t ed25519 -N '' -f "$lab/operator" -C operator@bench
ip netns add "$ctl"; namespaces+=("$ctl")
ip -n "$ctl" link set lo up
ip -n "$ctl" link add br0 type bridge && ip -n "$ctl" link set br0 up && ip -n "$ctl" addr add 10.213.9.254/24 dev br0
max=0; for c in "${counts[@]}"; do (( c > max )) && max=$c; done
mkdir -p /run/sshd
for i in $(seq 1 "$max"); do
  ns="hyc-b$i-$id"; user="hycb${id}u$i"; home="$lab/home$i"
  ip netns add "$ns"; namespaces+=("$ns"); ip -n "$ns" link set lo up
  ip link add "b$i$id" netns "$ctl" type veth peer name eth0 netns "$ns"
  ip -n "$ctl" link set "b$i$id" master br0 up
  ip -n "$ns" addr add "10.213.9.$i/24" dev eth0 && ip -n "$ns" link set eth0 up
  useradd --home-dir "$home" --create-home --shell /bin/sh --password '*' "$user"; users+=("$user")
  mkdir -p "$home/.ssh" && cp "$lab/operator.pub" "$home/.ssh/authorized_keys" && chown -R "$user:" "$home/.ssh" && chmod 700 "$home/.ssh"
  ssh-keygen -q -t ed25519 -N '' -f "$lab/host$i" -C "host$i"
  printf 'Port 22\nListenAddress 10.213.9.%s\nHostKey %s\nPidFile %s\nSubsystem sftp internal-sftp\nPasswordAuthentication no\nUsePAM no\nAllowUsers %s\n' \
    "$i" "$lab/host$i" "$lab/sshd$i.pid" "$user" > "$lab/sshd$i.conf"
  ip netns exec "$ns" /usr/sbin/sshd -D -f "$lab/sshd$i.conf" & sshd_pids+=($!)
done
sleep 1
now() { date +%s.%N; }
printf '%-6s %-10s %-10s %-10s\n' hosts "cold up s" "warm up s" "down s"
for c in "${counts[@]}"; do
  {
    printf 'cluster: bench%s\nssh:\n  identity_file: %s\n  accept_new_host_keys: true\nruntime:\n  kind: process\nhosts:\n' "$c" "$lab/operator"
    for i in $(seq 1 "$c"); do printf '  - address: 10.213.9.%s\n    user: hycb%su%s\n    virtual_gpus: {count: 2, memory: 2GiB}\n' "$i" "$id" "$i"; done
  } > "$lab/hosts$c.yaml"
  export HYC_HOME="$lab/hyc-home"
  t0=$(now); ip netns exec "$ctl" dotnet "$hyc" up "$lab/hosts$c.yaml" --min-free-disk 1GiB > /dev/null 2> "$lab/up$c.log" || { cat "$lab/up$c.log"; exit 1; }
  t1=$(now); ip netns exec "$ctl" dotnet "$hyc" up "$lab/hosts$c.yaml" --min-free-disk 1GiB > /dev/null 2>> "$lab/up$c.log" || { cat "$lab/up$c.log"; exit 1; }
  t2=$(now); ip netns exec "$ctl" dotnet "$hyc" down "$lab/hosts$c.yaml" --purge > /dev/null 2>> "$lab/up$c.log" || { cat "$lab/up$c.log"; exit 1; }
  t3=$(now)
  grep -q "no changes" "$lab/up$c.log" || { echo "the warm up changed something:"; cat "$lab/up$c.log"; exit 1; }
  awk -v c="$c" -v a="$t0" -v b="$t1" -v d="$t2" -v e="$t3" 'BEGIN { printf "%-6s %-10.1f %-10.1f %-10.1f\n", c, b - a, d - b, e - d }'
done
