#!/usr/bin/env bash
# A real Lethe cluster on this machine: Redis (clustering, grain state, reminders), Azurite (the artifact store) and N
# lethe-silo processes in the Cluster profile on loopback, configured the way the cluster tests start them.
#
#   scripts/cluster.sh up [N]     start Redis, Azurite and N silos (default 3); waits until every silo is ready
#   scripts/cluster.sh add        start one more silo
#   scripts/cluster.sh kill I     SIGKILL silo I (a crash: no handover); `scripts/cluster.sh start I` brings it back
#   scripts/cluster.sh status     what runs, with each silo's HTTP port (/metrics, /health/ready, the API)
#   scripts/cluster.sh down       stop everything and delete the cluster's data
#
# Then point the CLI at it:  export LETHE_CLUSTER=127.0.0.1:$LETHE_CLUSTER_REDIS_PORT  (printed by `up`)
# Each silo gets nproc/N torch threads (at least 1; LETHE_TORCH_THREADS overrides), so N silos share the cores.
# Ports (override with env): Redis 6390, Azurite 10100, silo I: silo port 11200+I, gateway 30200+I, HTTP 18200+I.
# Everything lives under .lethe/cluster (or $LETHE_CLUSTER_DIR): pids, logs, Azurite's blobs; `down` removes it.
set -euo pipefail
cd "$(dirname "$0")/.."
root="$PWD"
dir="${LETHE_CLUSTER_DIR:-$root/.lethe/cluster}"
redis_port="${LETHE_CLUSTER_REDIS_PORT:-6390}"
azurite_port="${LETHE_CLUSTER_AZURITE_PORT:-10100}"
silo_base="${LETHE_CLUSTER_SILO_PORT:-11200}"
gateway_base="${LETHE_CLUSTER_GATEWAY_PORT:-30200}"
http_base="${LETHE_CLUSTER_HTTP_PORT:-18200}"
# The documented Azurite development account (public, fixed in Azurite itself).
azurite_key="Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
silo_dll="$root/silo/bin/Release/net10.0/lethe-silo.dll"

usage() { sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'; }
die() { echo "error: $*" >&2; exit 2; }
# A pid file's process runs (a killed process not yet reaped, a zombie, does not).
alive() { [[ -f "$1" ]] && kill -0 "$(cat "$1")" 2>/dev/null && [[ "$(awk '{print $3}' "/proc/$(cat "$1")/stat" 2>/dev/null)" != Z ]]; }
listening() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

wait_for() { # name seconds command...
    local name="$1" seconds="$2"; shift 2
    for _ in $(seq 1 $((seconds * 4))); do
        if "$@"; then return 0; fi
        sleep 0.25
    done
    die "$name did not come up within ${seconds}s; see its log in $dir/logs"
}

ready() { curl -fs -o /dev/null "http://127.0.0.1:$1/health/ready"; }

start_silo() {
    local i="$1"
    alive "$dir/silo-$i.pid" && die "silo $i is already running (pid $(cat "$dir/silo-$i.pid"))"
    mkdir -p "$dir/silo-$i"
    env -i PATH="$PATH" HOME="$HOME" DOTNET_ROOT="${DOTNET_ROOT:-}" \
        ASPNETCORE_URLS="http://127.0.0.1:$((http_base + i))" \
        POD_NAME="silo-$i" \
        Lethe__Profile=Cluster \
        Lethe__Redis="127.0.0.1:$redis_port" \
        Lethe__SiloPort="$((silo_base + i))" \
        Lethe__GatewayPort="$((gateway_base + i))" \
        Lethe__Accelerator="${LETHE_ACCELERATOR:-auto}" \
        Lethe__Compute__TorchThreads="$(cat "$dir/torch-threads")" \
        Lethe__Artifacts__BlobConnectionString="DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=$azurite_key;BlobEndpoint=http://127.0.0.1:$azurite_port/devstoreaccount1;" \
        Lethe__Artifacts__BlobContainer=lethe \
        Lethe__Hypernet__WorkPath="$dir/silo-$i/scratch" \
        Orleans__ClusterId=lethe Orleans__ServiceId=lethe \
        Orleans__Membership__ProbeTimeout=00:00:02 \
        Orleans__Membership__NumMissedProbesLimit=2 \
        Orleans__Membership__NumVotesForDeathDeclaration=1 \
        Logging__LogLevel__Default=Warning Logging__LogLevel__Lethe=Information \
        Logging__Console__TimestampFormat="HH:mm:ss.fff " \
        setsid dotnet "$silo_dll" >>"$dir/logs/silo-$i.log" 2>&1 &
    echo $! >"$dir/silo-$i.pid"
    wait_for "silo $i" 120 ready "$((http_base + i))"
    echo "silo $i ready: gateway 127.0.0.1:$((gateway_base + i)), http://127.0.0.1:$((http_base + i)) (/metrics, /health/ready), log $dir/logs/silo-$i.log"
}

silos() { ls "$dir"/silo-*.pid 2>/dev/null | sed -E 's/.*silo-([0-9]+)\.pid/\1/' | sort -n; }

up() {
    local n="${1:-3}"
    [[ "$n" =~ ^[1-9][0-9]*$ ]] || die "N must be a whole number of silos, at least 1; got '$n'"
    alive "$dir/redis.pid" && die "a cluster is already up ($dir); 'scripts/cluster.sh down' first, or 'add' a silo"
    scripts/install-deps.sh
    [[ -f "$silo_dll" ]] || dotnet build silo -c Release --nologo -v quiet
    mkdir -p "$dir/logs" "$dir/redis" "$dir/azurite"
    # The silos share this machine's cores: each gets its share of torch threads (at least one), since libtorch threads
    # spinning against each other's make every silo many times slower (LETHE_TORCH_THREADS overrides).
    echo "${LETHE_TORCH_THREADS:-$(( $(nproc) / n > 0 ? $(nproc) / n : 1 ))}" >"$dir/torch-threads"
    listening "$redis_port" && die "port $redis_port is taken; set LETHE_CLUSTER_REDIS_PORT"
    listening "$azurite_port" && die "port $azurite_port is taken; set LETHE_CLUSTER_AZURITE_PORT"
    setsid redis-server --bind 127.0.0.1 --port "$redis_port" --save "" --appendonly no --dir "$dir/redis" >"$dir/logs/redis.log" 2>&1 &
    echo $! >"$dir/redis.pid"
    setsid "$root/.lethe/tools/node_modules/.bin/azurite-blob" --blobHost 127.0.0.1 --blobPort "$azurite_port" \
        --location "$dir/azurite" --skipApiVersionCheck --loose --disableTelemetry >"$dir/logs/azurite.log" 2>&1 &
    echo $! >"$dir/azurite.pid"
    wait_for Redis 30 listening "$redis_port"
    wait_for Azurite 30 listening "$azurite_port"
    echo "Redis 127.0.0.1:$redis_port, Azurite blob 127.0.0.1:$azurite_port"
    for i in $(seq 1 "$n"); do start_silo "$i"; done
    echo
    echo "The cluster is up. Use it with:"
    echo "  export LETHE_CLUSTER=127.0.0.1:$redis_port"
    echo "  dotnet client/bin/Release/net10.0/lethe.dll status"
}

stop_pid() {
    local file="$1" signal="${2:-TERM}"
    if alive "$file"; then
        kill "-$signal" "$(cat "$file")" 2>/dev/null || true
        for _ in $(seq 1 120); do alive "$file" || break; sleep 0.25; done
        alive "$file" && kill -KILL "$(cat "$file")" 2>/dev/null || true
    fi
    rm -f "$file"
}

down() {
    [[ -d "$dir" ]] || { echo "no cluster is up"; return 0; }
    for i in $(silos); do stop_pid "$dir/silo-$i.pid"; done
    stop_pid "$dir/azurite.pid"
    stop_pid "$dir/redis.pid"
    rm -rf "$dir"
    echo "cluster stopped; its data is deleted"
}

status() {
    alive "$dir/redis.pid" || { echo "no cluster is up"; return 0; }
    echo "Redis   127.0.0.1:$redis_port (pid $(cat "$dir/redis.pid"))"
    alive "$dir/azurite.pid" && echo "Azurite 127.0.0.1:$azurite_port (pid $(cat "$dir/azurite.pid"))"
    for i in $(silos); do
        if alive "$dir/silo-$i.pid"; then
            state=$(ready "$((http_base + i))" && echo ready || echo "not ready")
            echo "silo $i  pid $(cat "$dir/silo-$i.pid"), gateway $((gateway_base + i)), http $((http_base + i)): $state"
        else
            echo "silo $i  stopped"
        fi
    done
    echo "LETHE_CLUSTER=127.0.0.1:$redis_port"
}

case "${1:-}" in
    up) up "${2:-3}" ;;
    add) alive "$dir/redis.pid" || die "no cluster is up"; last=$(silos | tail -1); start_silo "$(( ${last:-0} + 1 ))" ;;
    start) [[ "${2:-}" =~ ^[0-9]+$ ]] || die "which silo? e.g. 'start 2'"; start_silo "$2" ;;
    kill) [[ -f "$dir/silo-${2:-x}.pid" ]] || die "no silo '${2:-}'; 'status' lists them"
          kill -KILL "$(cat "$dir/silo-$2.pid")" 2>/dev/null || true
          for _ in $(seq 1 40); do alive "$dir/silo-$2.pid" || break; sleep 0.25; done
          echo "silo $2 killed (SIGKILL)" ;;
    status) status ;;
    down) down ;;
    -h|--help|help) usage ;;
    *) usage; exit 2 ;;
esac
