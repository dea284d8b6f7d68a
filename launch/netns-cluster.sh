#!/usr/bin/env bash
# A cluster of N test hosts on this machine: Linux network namespaces on a bridge, so Open MPI
# runs across real TCP links (veth pairs, shaped with tc) instead of shared memory.
#
#   launch/netns-cluster.sh up N [--rate 1gbit] [--delay 0.1ms] [--dir DIR] [--prefix gl] [--net 0]
#                                                   # prints the hostfile
#   launch/gnnpipe-hostfile.sh DIR/hostfile 4 train graphs/cora             # works unchanged
#   launch/netns-cluster.sh counters [--dir DIR]    # bytes each host sent and received
#   launch/netns-cluster.sh down [--dir DIR]        # removes hosts, links, bridge and their processes
#
# Hosts are namespaces glhost1 … glhostN with addresses 198.18.0.1 … 198.18.0.N (the RFC 2544
# benchmarking range) on a bridge glbr0 (198.18.0.254). Host i reaches the bridge through a veth
# pair: glvI in this namespace, eth0 inside the host. (--prefix renames gl…, --net K uses
# 198.18.K.0/24: two clusters can coexist, e.g. the tests' and yours.) mpirun itself runs in a
# head namespace glhead (198.18.0.253), as on a login node, where TCP gives up on an unanswered connection
# after about 13 s (net.ipv4.tcp_retries2 = 5, set in every cluster namespace): so when a host's
# link goes down, mpirun notices and ends the job instead of retransmitting for 15 minutes.
# --rate limits both directions of every host's link with a token bucket (tbf), in tc's units
# (100mbit, 1gbit, 10gbit); --delay adds a one-way delay with netem where the kernel has it.
#
# DIR (default /tmp/graphlearning-cluster) gets:
#   hostfile   one line per host, `glhostI slots=1`
#   agent.sh   Open MPI's launch agent (plm_rsh_agent): starts its command inside the host's
#              namespace with GRAPHLEARNING_HOST set (hosts share the kernel's host name)
#   mpi.env    the MCA settings that make mpirun use the agent and TCP over 198.18.0.0/24 only
#              (btl tcp,self: no shared memory) and MPIRUN_NETNS=glhead, sourced by
#              launch/gnnpipe-hostfile.sh (which then starts mpirun in the head namespace);
#              its TCP part is mpi-tcp.env, which launch/netns-slurm.sh sources too
# Needs root (ip netns, tc). `down` also works after a crash: it removes whatever is left.
set -euo pipefail

usage() { echo "usage: netns-cluster.sh up N [--rate RATE] [--delay DELAY] [--dir DIR] [--prefix P] [--net K] | down [--dir DIR] [--prefix P] | counters [--dir DIR] [--prefix P]" >&2; exit 64; }
command=${1:-}
[ -n "$command" ] || usage
shift
count=""
if [ "$command" = up ]; then
    count=${1:-}
    [[ "$count" =~ ^[0-9]+$ ]] && [ "$count" -ge 1 ] && [ "$count" -le 200 ] || { echo "error: up needs a host count in 1...200, got '${count}'" >&2; exit 64; }
    shift
fi
rate="" delay="" dir=/tmp/graphlearning-cluster prefix=gl net=0
# `need OPTION [VALUE] WHAT`: the option's value is there (a usage error, exit 64, if not).
need() { [ $# -ge 3 ] && [ -n "$2" ] || { echo "error: $1 needs ${*: -1}" >&2; usage; }; }
while [ $# -gt 0 ]; do
    case "$1" in
        --prefix) need "$@" "a name"; prefix=$2; shift 2 ;;
        --net) need "$@" "a number 0-255"; net=$2; shift 2 ;;
        --rate) need "$@" "a value like 1gbit"; rate=$2; shift 2 ;;
        --delay) need "$@" "a value like 0.1ms"; delay=$2; shift 2 ;;
        --dir) need "$@" "a folder"; dir=$2; shift 2 ;;
        *) echo "error: unknown option '$1'" >&2; usage ;;
    esac
done
[ "$(id -u)" -eq 0 ] || { echo "error: network namespaces need root" >&2; exit 1; }
[[ "$prefix" =~ ^[a-z][a-z0-9]{0,5}$ ]] || { echo "error: --prefix takes 1 to 6 lowercase letters or digits, got '$prefix'" >&2; exit 64; }
[[ "$net" =~ ^[0-9]+$ ]] && [ "$net" -le 255 ] || { echo "error: --net takes 0...255, got '$net'" >&2; exit 64; }
bridge=${prefix}br0
base=198.18.$net
subnet=$base.0/24

hosts() { ip netns list 2>/dev/null | awk '{print $1}' | grep -E "^${prefix}host[0-9]+\$" || true; }
namespaces() { ip netns list 2>/dev/null | awk '{print $1}' | grep -E "^(${prefix}host[0-9]+|${prefix}head)\$" || true; }

down() {
    for h in $(namespaces); do
        # Processes started inside the namespace (mpirun, orted, ranks): ours, since it is ours.
        for pid in $(ip netns pids "$h" 2>/dev/null); do kill -9 "$pid" 2>/dev/null || true; done
        ip netns delete "$h" 2>/dev/null || true   # deleting the namespace removes its veth pair
    done
    for link in $(ip -o link show 2>/dev/null | awk -F': ' '{print $2}' | sed 's/@.*//' | grep -E "^${prefix}v([0-9]+|h)\$" || true); do
        ip link delete "$link" 2>/dev/null || true
    done
    ip link delete "$bridge" 2>/dev/null || true
    rm -f "$dir/hostfile" "$dir/agent.sh" "$dir/mpi.env" "$dir/mpi-tcp.env"; rm -rf "$dir/session"
}

no_netem="error: --delay needs the kernel's netem queueing discipline, which this kernel does not have (rate shaping uses tbf and works)"

# Token-bucket shaping of one interface; `ns` empty for this namespace.
shape() {
    local ns=$1 dev=$2
    local -a run=()
    [ -n "$ns" ] && run=(ip netns exec "$ns")
    if [ -n "$delay" ]; then
        if ! "${run[@]}" tc qdisc add dev "$dev" root handle 1: netem delay "$delay" 2>/dev/null; then
            echo "$no_netem" >&2
            return 1
        fi
        [ -n "$rate" ] && "${run[@]}" tc qdisc add dev "$dev" parent 1: handle 2: tbf rate "$rate" burst "$burst" latency 100ms
    elif [ -n "$rate" ]; then
        "${run[@]}" tc qdisc add dev "$dev" root tbf rate "$rate" burst "$burst" latency 100ms
    fi
}

case "$command" in
up)
    if [ -n "$rate" ]; then
        # tc rates: NUMBER[k|m|g]bit; the bucket holds 10 ms of traffic (at least 64 KiB).
        [[ "$rate" =~ ^([0-9]+)(k|m|g)?bit$ ]] || { echo "error: --rate takes tc's units, e.g. 100mbit, 1gbit, 10gbit; got '$rate'" >&2; exit 64; }
        bits=${BASH_REMATCH[1]}
        case "${BASH_REMATCH[2]}" in k) bits=$((bits * 1000)) ;; m) bits=$((bits * 1000000)) ;; g) bits=$((bits * 1000000000)) ;; esac
        burst=$(( bits / 8 / 100 )); [ "$burst" -lt 65536 ] && burst=65536
    fi
    if [ -n "$delay" ]; then
        [[ "$delay" =~ ^[0-9]+(\.[0-9]+)?(us|ms|s)$ ]] || { echo "error: --delay takes tc's units, e.g. 0.1ms, 50us; got '$delay'" >&2; exit 64; }
        # Before anything is removed or made: can this kernel delay packets (netem)?
        ip link delete "${prefix}nt0" 2>/dev/null || true   # left by an interrupted check
        ip link add "${prefix}nt0" type veth peer name "${prefix}nt1"
        netem=yes
        tc qdisc add dev "${prefix}nt0" root netem delay "$delay" 2>/dev/null || netem=no
        ip link delete "${prefix}nt0"
        [ "$netem" = yes ] || { echo "$no_netem" >&2; exit 1; }
    fi
    down
    mkdir -p "$dir"
    trap 'echo "error: netns-cluster.sh up failed; removing what it made" >&2; down' ERR
    ip link add "$bridge" type bridge
    ip addr add "$base.254/24" dev "$bridge"
    ip link set "$bridge" up
    # One namespace with its address on the bridge; TCP gives up after ~13 s of silence.
    attach() {
        local ns=$1 veth=$2 address=$3
        ip netns add "$ns"
        ip link add "$veth" type veth peer name eth0 netns "$ns"
        ip link set "$veth" master "$bridge" up
        ip -n "$ns" addr add "$address/24" dev eth0
        ip -n "$ns" link set lo up
        ip -n "$ns" link set eth0 up
        ip netns exec "$ns" sysctl -qw net.ipv4.tcp_retries2=5
    }
    attach "${prefix}head" "${prefix}vh" "$base.253"
    : > "$dir/hostfile"
    for i in $(seq 1 "$count"); do
        h=${prefix}host$i
        attach "$h" "${prefix}v$i" "$base.$i"
        shape "" "${prefix}v$i"
        shape "$h" eth0
        echo "$h slots=1" >> "$dir/hostfile"
    done
    cat > "$dir/agent.sh" <<'AGENT'
#!/usr/bin/env bash
# Open MPI's launch agent for the namespace hosts: `agent.sh [options] HOST COMMAND...` runs
# COMMAND inside namespace HOST (the options are ssh's and mean nothing here).
while [ $# -gt 0 ] && [ "${1#-}" != "$1" ]; do shift; done
host=$1
shift
# Every host has this machine's host name, so Open MPI would give the daemons of all hosts one
# session directory (<base>/ompi.<hostname>.<uid>/jf.<job>/...), and one daemon's set-up or
# clean-up removed a folder another was creating in (orte_init failed in orte_session_dir,
# about 1 launch in 30). Each host gets its own base, in the environment and wherever mpirun
# put the base on the daemon's command line.
base=$OMPI_MCA_orte_tmpdir_base
command="$*"
if [ -n "$base" ]; then
    mkdir -p "$base/$host"
    command=${command//"$base"/"$base/$host"}
    export OMPI_MCA_orte_tmpdir_base="$base/$host"
fi
exec ip netns exec "$host" env GRAPHLEARNING_HOST="$host" /bin/bash -c "$command"
AGENT
    chmod +x "$dir/agent.sh"
    cat > "$dir/mpi-tcp.env" <<ENV
# Open MPI over TCP on the test network of the namespace hosts (sourced by mpi.env here and by
# launch/netns-slurm.sh's slurm.env): never shared memory.
export OMPI_MCA_btl=tcp,self
export OMPI_MCA_btl_tcp_if_include=$subnet
export OMPI_MCA_oob_tcp_if_include=$subnet
# orted shares its hwloc topology through a file mapped at a fixed address of a "VM hole"; with
# address randomisation that address is sometimes taken and orted dies in
# hwloc_shmem_topology_write (seen once in about 30 launches). No sharing: each rank reads it.
export OMPI_MCA_rtc_hwloc_vmhole=none
ENV
    cat > "$dir/mpi.env" <<ENV
# Open MPI settings for the namespace hosts (sourced by launch/gnnpipe-hostfile.sh).
. $dir/mpi-tcp.env
export OMPI_MCA_plm_rsh_agent=$dir/agent.sh
# Session directories of this cluster's jobs under its own folder: jobs of two clusters (or a
# local mpirun) share the host name and user, and one job's clean-up of /tmp/ompi.<host>.<uid>
# made another's orted fail in orte_session_dir.
mkdir -p $dir/session
export OMPI_MCA_orte_tmpdir_base=$dir/session
# mpirun runs in the head namespace (see netns-cluster.sh). An idle control connection to a host
# whose link went down is noticed in about 20 + 3·5 s (TCP keepalive) instead of Open MPI's
# default 8 minutes; a busy one by the namespaces' short retransmission limit.
export MPIRUN_NETNS=${prefix}head
export OMPI_MCA_oob_tcp_keepalive_time=20
export OMPI_MCA_oob_tcp_keepalive_intvl=5
export OMPI_MCA_oob_tcp_keepalive_probes=3
# The hosts share this machine's cores: binding each host's first rank to "core 0" would stack them.
export BIND_TO=none
ENV
    trap - ERR
    echo "$count hosts up (${rate:-unshaped}${delay:+, delay $delay}); hostfile:" >&2
    echo "$dir/hostfile"
    ;;
down)
    down
    echo "cluster removed" >&2
    ;;
counters)
    # Bytes through each host's link since it came up (the root end of the veth pair: what it
    # transmits went to the host, what it receives came from the host).
    printf "host\tsent_bytes\treceived_bytes\n"
    for h in $(hosts | sort -V); do
        i=${h#"${prefix}host"}
        rx=$(cat "/sys/class/net/${prefix}v$i/statistics/rx_bytes") tx=$(cat "/sys/class/net/${prefix}v$i/statistics/tx_bytes")
        printf "%s\t%s\t%s\n" "$h" "$rx" "$tx"
    done
    ;;
*) usage ;;
esac
