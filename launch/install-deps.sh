#!/usr/bin/env bash
# Installs the Debian 12 packages GraphLearning builds against (only those missing).
# Uses sudo when not root. --slurm adds Slurm and MUNGE (about 13 MB) for the Slurm test
# cluster on network namespaces (launch/netns-slurm.sh); off by default, since installing them
# enables their system services (slurmctld, slurmd, munge), which the test cluster does not use.
set -euo pipefail
packages=(libopenblas-dev libmetis-dev libopenmpi-dev openmpi-bin pkg-config zlib1g-dev python3 time)
[ "${1:-}" = --slurm ] && packages+=(slurmctld slurmd slurm-client munge)
missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
    echo "install-deps: all system packages present" >&2
    exit 0
fi
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
echo "install-deps: installing ${missing[*]}" >&2
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
