#!/usr/bin/env bash
# A local Redis Cluster of 3 masters on loopback for the cluster tests (tests marked
# redis_cluster; URL in CASINO_CORE_REDIS_CLUSTER_URL, default redis://127.0.0.1:7000/0).
#
#   tests/redis_cluster.sh [start|stop]   (start is the default)
#
# Idempotent: a cluster already answering cluster_state:ok on the first port is reused.
# Ports: REDIS_CLUSTER_PORTS (default "7000 7001 7002"); data (node configs, logs, pid
# files) in REDIS_CLUSTER_DIR (default ${TMPDIR:-/tmp}/casino-core-redis-cluster). No
# persistence: it holds test data only. `stop` shuts down the nodes this script started.
set -euo pipefail
ports=(${REDIS_CLUSTER_PORTS:-7000 7001 7002})
dir="${REDIS_CLUSTER_DIR:-${TMPDIR:-/tmp}/casino-core-redis-cluster}"

state() { redis-cli -h 127.0.0.1 -p "$1" cluster info 2>/dev/null | tr -d '\r' | grep '^cluster_state:' | cut -d: -f2; }

if [ "${1:-start}" = "stop" ]; then
  for port in "${ports[@]}"; do
    pid_file="$dir/$port/redis.pid"
    if [ -f "$pid_file" ]; then
      kill "$(cat "$pid_file")" 2>/dev/null || true
      rm -f "$pid_file"
    fi
  done
  exit 0
fi

if [ "$(state "${ports[0]}")" = "ok" ]; then
  echo "redis cluster: reusing the cluster on ports ${ports[*]}"
  exit 0
fi

for port in "${ports[@]}"; do
  if redis-cli -h 127.0.0.1 -p "$port" ping >/dev/null 2>&1; then
    continue  # a node already up (a half-made cluster from an earlier run): joined below
  fi
  mkdir -p "$dir/$port"
  rm -f "$dir/$port/nodes.conf"
  redis-server --port "$port" --bind 127.0.0.1 --cluster-enabled yes --daemonize yes \
    --save "" --appendonly no --dir "$dir/$port" --cluster-config-file nodes.conf \
    --pidfile "$dir/$port/redis.pid" --logfile "$dir/$port/redis.log"
done
for port in "${ports[@]}"; do
  for _ in $(seq 1 50); do
    redis-cli -h 127.0.0.1 -p "$port" ping >/dev/null 2>&1 && break
    sleep 0.1
  done
done

slots=$(redis-cli -h 127.0.0.1 -p "${ports[0]}" cluster info | tr -d '\r' | grep '^cluster_slots_assigned:' | cut -d: -f2)
if [ "${slots:-0}" = "0" ]; then
  nodes=()
  for port in "${ports[@]}"; do nodes+=("127.0.0.1:$port"); done
  redis-cli --cluster create "${nodes[@]}" --cluster-replicas 0 --cluster-yes >/dev/null
fi
for _ in $(seq 1 100); do
  if [ "$(state "${ports[0]}")" = "ok" ]; then
    echo "redis cluster: up on ports ${ports[*]}"
    exit 0
  fi
  sleep 0.2
done
echo "redis cluster: cluster_state is not ok on port ${ports[0]}" >&2
exit 1
