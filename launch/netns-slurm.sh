#!/usr/bin/env bash
# A Slurm cluster on this machine, on top of launch/netns-cluster.sh's network-namespace hosts:
# so launch/gnnpipe-slurm.sbatch runs as a user submits it on a real cluster, with MPI over TCP
# between the hosts.
#
#   launch/netns-slurm.sh up N [--rate 1gbit] [--delay 0.1ms] [--dir DIR] [--prefix gl] [--net 0]
#   source DIR/slurm.env             # SLURM_CONF and the MPI settings for the test network
#   sbatch --nodes=4 --ntasks-per-node=1 --output=DIR/gnnpipe-%j.out \
#       launch/gnnpipe-slurm.sbatch train graphs/cora --parallelism graph
#   launch/netns-slurm.sh down [--dir DIR] [--prefix gl]   # daemons, jobs, hosts, links, files
#
# `up` brings up the N hosts (netns-cluster.sh up, same options), then starts, all as root:
#   munged     in this namespace, with its own key and socket under DIR/slurm/munge (the
#              namespaces share the file system, so every daemon and client reaches it);
#   slurmctld  in the head namespace PREFIXhead (198.18.K.253), with its own host name
#              (a UTS namespace), as on a head node;
#   slurmd     one per host namespace, `slurmd -N PREFIXhostI`, NodeAddr 198.18.K.I, each with
#              its own host name, spool folder and log.
# No cgroups: proctrack/linuxproc, task/none, no accounting. The configuration, state, spool
# folders, logs and pid files all live under DIR/slurm (nothing in /etc or /var). Clients find
# it through SLURM_CONF (in DIR/slurm.env, which also restricts Open MPI to btl tcp,self on the
# test network and turns off its binding, since all hosts share this machine's cores).
# `down` ends the daemons it started (by their recorded pids, checked against their command
# line), every process left in the cluster's namespaces (job steps, ranks), then the hosts;
# it works after a crash too. Needs root and Debian's slurmctld, slurmd, slurm-client, munge
# (apt-get install --no-install-recommends slurmctld slurmd slurm-client munge).
set -euo pipefail

usage() { echo "usage: netns-slurm.sh up N [--rate RATE] [--delay DELAY] [--dir DIR] [--prefix P] [--net K] | down [--dir DIR] [--prefix P]" >&2; exit 64; }
command=${1:-}
[ -n "$command" ] || usage
shift
here=$(cd "$(dirname "$0")" && pwd)
args=("$@")
count=""
[ "$command" = up ] && { count=${1:-}; shift || true; }
dir=/tmp/graphlearning-cluster prefix=gl
while [ $# -gt 0 ]; do
    case "$1" in
        --dir) dir=${2:?--dir needs a folder}; shift 2 ;;
        --prefix) prefix=${2:?--prefix needs a name}; shift 2 ;;
        --rate|--delay|--net) shift 2 ;;
        *) echo "error: unknown option '$1'" >&2; usage ;;
    esac
done
[ "$(id -u)" -eq 0 ] || { echo "error: the test cluster needs root" >&2; exit 1; }
sdir=$dir/slurm

# Ends recorded daemons ("PID MARKER" lines) whose command line still holds MARKER (our
# configuration's path): SIGTERM to all, then SIGKILL to any still there after 3 s.
stop_pids() {
    local pid marker alive=()
    while read -r pid marker; do
        [ -n "$pid" ] && [ -r "/proc/$pid/cmdline" ] || continue
        tr '\0' ' ' < "/proc/$pid/cmdline" | grep -qF -- "$marker" || continue
        kill "$pid" 2>/dev/null && alive+=("$pid")
    done
    [ ${#alive[@]} -gt 0 ] || return 0
    for _ in $(seq 1 30); do
        local left=()
        for pid in "${alive[@]}"; do [ -d "/proc/$pid" ] && left+=("$pid"); done
        [ ${#left[@]} -gt 0 ] || return 0
        sleep 0.1
    done
    kill -9 "${left[@]}" 2>/dev/null || true
}

slurm_down() {
    # The pids `up` recorded, and those in the daemons' own pid files (in case `up` died before
    # recording one): slurmd and slurmctld first, munged last (they talk to it while stopping).
    local recorded
    recorded=$({
        [ -f "$sdir/pids" ] && cat "$sdir/pids"
        for f in "$sdir"/slurmd-*.pid "$sdir/slurmctld.pid"; do [ -f "$f" ] && echo "$(cat "$f") slurm"; done
        [ -f "$sdir/munge/munged.pid" ] && echo "$(cat "$sdir/munge/munged.pid") munged"
        true
    } 2>/dev/null | sort -u)
    awk -v m="$sdir/slurm.conf" '$2 != "munged" {print $1, m}' <<< "$recorded" | stop_pids || true
    awk -v m="$sdir/munge/munge.socket" '$2 == "munged" {print $1, m}' <<< "$recorded" | stop_pids || true
    # Job steps and ranks left inside the cluster's namespaces are ours; netns-cluster.sh down
    # kills them with the namespaces.
    "$here/netns-cluster.sh" down --dir "$dir" --prefix "$prefix" 2>/dev/null || true
    rm -rf "$sdir"
    rm -f "$dir/slurm.env"
    rmdir "$dir" 2>/dev/null || true
}

# Waits until a file exists (a socket, a log line), or fails with the log's end.
wait_for() {
    local what=$1 log=$2 seconds=$3
    for _ in $(seq 1 $((seconds * 10))); do eval "$what" && return 0; sleep 0.1; done
    echo "error: timed out waiting for: $what; end of $log:" >&2
    tail -n 20 "$log" "${log%.log}.out" >&2 || true
    return 1
}

case "$command" in
up)
    [ -n "$count" ] || usage
    for tool in munged slurmctld slurmd sbatch; do
        command -v "$tool" > /dev/null || { echo "error: $tool not found; apt-get install --no-install-recommends slurmctld slurmd slurm-client munge" >&2; exit 1; }
    done
    slurm_down
    hostfile=$("$here/netns-cluster.sh" up "${args[@]}")
    trap 'echo "error: netns-slurm.sh up failed; removing what it made" >&2; slurm_down' ERR
    mkdir -p "$sdir"/{munge,state,log,spool}
    chmod 700 "$sdir/munge"
    : > "$sdir/pids"
    head=${prefix}head
    head_addr=$(ip -n "$head" -o -4 addr show dev eth0 | awk '{print $4}' | cut -d/ -f1)
    subnet=${head_addr%.*}.0/24

    # munged: its own key, socket, pid, log and seed file.
    mungekey --create --keyfile "$sdir/munge/munge.key" --force 2>/dev/null \
        || head -c 1024 /dev/urandom > "$sdir/munge/munge.key"
    chmod 600 "$sdir/munge/munge.key"
    munged --foreground --force --key-file="$sdir/munge/munge.key" --socket="$sdir/munge/munge.socket" \
        --pid-file="$sdir/munge/munged.pid" --log-file="$sdir/munge/munged.log" \
        --seed-file="$sdir/munge/munged.seed" > /dev/null 2>&1 &
    echo "$! munged" >> "$sdir/pids"
    wait_for "[ -S '$sdir/munge/munge.socket' ]" "$sdir/munge/munged.log" 10

    # The hardware slurmd sees (every namespace sees this machine's cores).
    hw=$(slurmd -C | head -n 1 | sed 's/^NodeName=[^ ]* //; s/ RealMemory=.*//')
    {
        echo "# Slurm on the network-namespace test hosts (written by launch/netns-slurm.sh)."
        echo "ClusterName=${prefix}cluster"
        echo "SlurmctldHost=$head($head_addr)"
        echo "SlurmUser=root"
        echo "SlurmdUser=root"
        echo "AuthType=auth/munge"
        echo "CredType=cred/munge"
        echo "AuthInfo=socket=$sdir/munge/munge.socket"
        echo "StateSaveLocation=$sdir/state"
        echo "SlurmdSpoolDir=$sdir/spool/%n"
        echo "SlurmctldPidFile=$sdir/slurmctld.pid"
        echo "SlurmdPidFile=$sdir/slurmd-%n.pid"
        echo "SlurmctldLogFile=$sdir/log/slurmctld.log"
        echo "SlurmdLogFile=$sdir/log/slurmd-%n.log"
        echo "SlurmctldDebug=info"
        echo "SlurmdDebug=info"
        echo "# Each host's own temporary folder (bind-mounted per slurmd, see below): PMIx puts its"
        echo "# client folders there under names that are the same on every node."
        echo "TmpFS=$sdir/tmp"
        echo "MailProg=/bin/true"
        echo "# No cgroups: processes tracked by parent pid, no task binding, no accounting."
        echo "ProctrackType=proctrack/linuxproc"
        echo "TaskPlugin=task/none"
        echo "JobAcctGatherType=jobacct_gather/none"
        echo "AccountingStorageType=accounting_storage/none"
        echo "JobCompType=jobcomp/none"
        echo "SchedulerType=sched/backfill"
        echo "SelectType=select/cons_tres"
        echo "SelectTypeParameters=CR_Core"
        echo "MpiDefault=none"
        echo "ReturnToService=2"
        echo "SlurmdTimeout=60"
        echo "InactiveLimit=0"
        echo "KillWait=5"
        echo "MinJobAge=300"
        while read -r host _; do
            addr=$(ip -n "$host" -o -4 addr show dev eth0 | awk '{print $4}' | cut -d/ -f1)
            echo "NodeName=$host NodeAddr=$addr $hw State=UNKNOWN"
        done < "$hostfile"
        echo "PartitionName=${prefix}part Nodes=ALL Default=YES MaxTime=INFINITE State=UP"
    } > "$sdir/slurm.conf"
    # slurmd always loads a cgroup plugin; autodetection fails inside `ip netns exec`, which
    # mounts a fresh /sys without /sys/fs/cgroup. Naming v1 loads it without using any cgroup
    # (nothing above asks for one).
    printf '%s\n' "CgroupPlugin=cgroup/v1" "CgroupAutomount=no" > "$sdir/cgroup.conf"

    # slurmctld in the head namespace; slurmd in each host's. `ip netns exec` and `unshare`
    # without --fork exec in place, so $! is the daemon's pid.
    ip netns exec "$head" unshare --uts /bin/sh -c "hostname $head && exec slurmctld -D -f '$sdir/slurm.conf'" \
        > "$sdir/log/slurmctld.out" 2>&1 &
    echo "$! slurmctld" >> "$sdir/pids"
    export SLURM_CONF=$sdir/slurm.conf
    wait_for "scontrol ping 2>/dev/null | grep -q UP" "$sdir/log/slurmctld.log" 30
    while read -r host _; do
        mkdir -p "$sdir/spool/$host" "$sdir/tmp" "$sdir/tmp-$host"
        # `ip netns exec` gives the command its own mount namespace (mounts stay inside it), so
        # each host sees its own DIR/slurm/tmp-HOST at DIR/slurm/tmp, like a node's local /tmp.
        ip netns exec "$host" unshare --uts /bin/sh -c "hostname $host && mount --bind '$sdir/tmp-$host' '$sdir/tmp' && exec slurmd -D -N $host -f '$sdir/slurm.conf'" \
            > "$sdir/log/slurmd-$host.out" 2>&1 &
        echo "$! slurmd" >> "$sdir/pids"
    done < "$hostfile"
    wait_for "[ \"\$(sinfo -h -N -t idle -o %N | wc -l)\" -eq $count ]" "$sdir/log/slurmd-${prefix}host1.log" 60

    cat > "$dir/slurm.env" <<ENV
# Slurm and Open MPI settings for the namespace test cluster (written by launch/netns-slurm.sh);
# source it before sbatch/srun/sinfo. sbatch passes the environment on to the job.
export SLURM_CONF=$sdir/slurm.conf
# MPI over TCP on the test network only, never shared memory (netns-cluster.sh's settings).
. $dir/mpi-tcp.env
# All hosts share this machine's cores: Open MPI's default binding would stack every host's
# first rank on core 0.
export OMPI_MCA_hwloc_base_binding_policy=none
# The fallback launcher (mpirun inside the allocation) runs as root here.
export OMPI_ALLOW_RUN_AS_ROOT=1
export OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
ENV
    trap - ERR
    sinfo >&2
    echo "Slurm up on $count hosts; source this before sbatch:" >&2
    echo "$dir/slurm.env"
    ;;
down)
    slurm_down
    echo "slurm cluster removed" >&2
    ;;
*) usage ;;
esac
