#!/usr/bin/env bash
# Runs a shipped sweep on a real single-node Slurm, as docs/cluster.md describes, and checks
# that the merged result is byte-identical to one machine running the whole sweep.
#
#   scripts/slurm-ci.sh [SWEEP] [N] [ADVISE]
#   # defaults: scenarios/sweeps/conflicts-vs-rate.toml, 4, scenarios/pbs-quorum.toml
#
# It installs Slurm and MUNGE (Debian packages) if they are missing, starts munged, slurmctld
# and slurmd with a private configuration under target/ci/slurm/ (nothing in /etc/slurm is
# touched), submits scripts/slurm/sweep-array.sbatch as an array numbered from 0 with
# `--shard auto/N`, then scripts/slurm/sweep-merge.sbatch depending on it, compares, checks
# that a resubmitted single task (`--array=2`) is refused instead of running the wrong shard,
# then the same for `geosim advise ADVISE --shard auto/N` (an array of N tasks and a dependent
# `geosim merge`), and stops the daemons it started. Needs root (or sudo) for the daemons. If Slurm cannot run
# here, it prints SKIPPED with the reason and exits 0; every other failure is exit 1.
set -euo pipefail
cd "$(dirname "$0")/.."
SWEEP=${1:-scenarios/sweeps/conflicts-vs-rate.toml}
N=${2:-4}
ADVISE=${3:-scenarios/pbs-quorum.toml}
ROOT=$PWD
D=$ROOT/target/ci/slurm
skip() {
  echo "== Slurm: SKIPPED: $*"
  for f in "${D:-/nonexistent}"/slurm*.log; do [ -f "$f" ] && tail -n 5 "$f"; done
  exit 0
}

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo > /dev/null 2>&1 || skip "not root and no sudo to start the daemons"
  SUDO=sudo
fi
if ! command -v slurmctld > /dev/null 2>&1 || ! command -v munged > /dev/null 2>&1; then
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq || skip "apt-get update failed"
  $SUDO apt-get install -y -qq slurm-wlm munge > /dev/null || skip "cannot install slurm-wlm and munge"
fi

cargo build --quiet --release
export PATH="$ROOT/target/release:$PATH"

rm -rf "$D"
mkdir -p "$D/state" "$D/spool" "$D/logs" "$D/shards"
host=$(hostname -s)
mem=$(slurmd -C | sed -n 's/.*RealMemory=\([0-9]*\).*/\1/p')
cpus=$(slurmd -C | sed -n 's/.*CPUs=\([0-9]*\).*/\1/p')
cat > "$D/slurm.conf" <<CONF
ClusterName=geosim-ci
SlurmctldHost=$host
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
SlurmdParameters=config_overrides
MpiDefault=none
ReturnToService=2
StateSaveLocation=$D/state
SlurmdSpoolDir=$D/spool
SlurmctldPidFile=$D/slurmctld.pid
SlurmdPidFile=$D/slurmd.pid
SlurmctldLogFile=$D/slurmctld.log
SlurmdLogFile=$D/slurmd.log
JobCompType=jobcomp/none
AccountingStorageType=accounting_storage/none
NodeName=$host CPUs=$cpus RealMemory=$mem State=UNKNOWN
PartitionName=ci Nodes=$host Default=YES MaxTime=INFINITE State=UP
CONF
export SLURM_CONF=$D/slurm.conf

started_munge=""
stop() {
  set +e
  scancel --user="$(id -un)" > /dev/null 2>&1
  for pid in "$D/slurmd.pid" "$D/slurmctld.pid"; do
    [ -f "$pid" ] && $SUDO kill "$(cat "$pid")" 2> /dev/null
  done
  # munged forks twice: its pid file names the daemon itself.
  [ -n "$started_munge" ] && $SUDO kill "$(cat /run/munge/munged.pid 2> /dev/null)" 2> /dev/null
  sleep 1
}
trap stop EXIT

if ! pgrep -x munged > /dev/null; then
  $SUDO mkdir -p /run/munge /var/log/munge /var/lib/munge
  $SUDO chown munge:munge /run/munge /var/log/munge /var/lib/munge 2> /dev/null || true
  [ -f /etc/munge/munge.key ] || $SUDO mungekey --create 2> /dev/null \
    || skip "no MUNGE key and mungekey failed"
  $SUDO runuser -u munge -- munged || $SUDO munged --force || skip "munged does not start"
  sleep 1
  started_munge=yes
fi
${SUDO:+$SUDO -E} slurmctld || skip "slurmctld does not start (see $D/slurmctld.log)"
${SUDO:+$SUDO -E} slurmd || skip "slurmd does not start (see $D/slurmd.log)"
for _ in $(seq 60); do
  state=$(sinfo -h -o %T 2> /dev/null | head -n 1 || true)
  [ "$state" = "idle" ] && break
  sleep 1
done
[ "$state" = "idle" ] || skip "the node never became idle (state: '${state:-none}'; logs in $D)"
sinfo

echo "== Slurm: $SWEEP as an array of $N tasks (--array=0-$((N - 1)), --shard auto/$N)"
common=(--chdir="$ROOT" --export="ALL,PATH=$PATH,SLURM_CONF=$SLURM_CONF,SWEEP=$SWEEP,N=$N,SHARDS=$D/shards,OUT=$D/merged")
array=$(sbatch --parsable "${common[@]}" --array="0-$((N - 1))" \
  --output="$D/logs/sweep-%A_%a.out" scripts/slurm/sweep-array.sbatch)
merge=$(sbatch --parsable "${common[@]}" --dependency="afterok:$array" \
  --output="$D/logs/merge-%j.out" scripts/slurm/sweep-merge.sbatch)
echo "array job $array, merge job $merge"
wait_jobs() {
  for _ in $(seq 900); do
    [ -z "$(squeue -h -j "$1" 2> /dev/null)" ] && return 0
    sleep 1
  done
  echo "Slurm jobs $1 still queued after 15 minutes:"; squeue; exit 1
}
wait_jobs "$array,$merge"
for f in "$D"/logs/*.out; do echo "-- ${f##*/}"; tail -n 3 "$f"; done
if [ ! -f "$D/merged/sweep.json" ]; then
  echo "the Slurm merge wrote no sweep.json; squeue:"; squeue; exit 1
fi

echo "== the same sweep on one machine, unsharded"
geosim sweep "$SWEEP" --quiet --out "$D/whole"
cmp "$D/merged/sweep.csv" "$D/whole/sweep.csv"
cmp "$D/merged/sweep.json" "$D/whole/sweep.json"
echo "merged Slurm array == local run: sweep.csv $(wc -c < "$D/whole/sweep.csv") bytes, sweep.json $(wc -c < "$D/whole/sweep.json") bytes, byte-identical"

echo "== a resubmitted single task (--array=2) with auto/$N is refused, not run as shard 1"
if sbatch --wait --quiet "${common[@]}" --array=2 --output="$D/logs/resubmit-%A_%a.out" \
  scripts/slurm/sweep-array.sbatch; then
  echo "a lone array task ran a shard with --shard auto/$N"; exit 1
fi
grep -h "is not $N evenly spaced tasks" "$D"/logs/resubmit-*.out
echo "== Slurm: geosim advise $ADVISE as an array of $N tasks (--array=1-$N, --shard auto/$N)"
adv=$(sbatch --parsable "${common[@]}" --array="1-$N" --output="$D/logs/advise-%A_%a.out" \
  --wrap "geosim advise $ADVISE --shard auto/$N --jobs 1 --quiet --out $D/advise-shards")
adv_merge=$(sbatch --parsable "${common[@]}" --dependency="afterok:$adv" \
  --output="$D/logs/advise-merge-%j.out" \
  --wrap "geosim merge $D/advise-shards/advise-shard-*-of-$N.json --out $D/advise-merged")
echo "array job $adv, merge job $adv_merge"
wait_jobs "$adv,$adv_merge"
for f in "$D"/logs/advise-*.out; do echo "-- ${f##*/}"; tail -n 3 "$f"; done
[ -f "$D/advise-merged/advise.json" ] || { echo "the Slurm advise merge wrote no advise.json"; exit 1; }
geosim advise "$ADVISE" --quiet --out "$D/advise-whole" > /dev/null
for f in advise.json winner.toml charts/advise.svg; do
  cmp "$D/advise-merged/$f" "$D/advise-whole/$f"
done
echo "merged Slurm advise == local run: advise.json $(wc -c < "$D/advise-whole/advise.json") bytes, winner.toml, charts/advise.svg, byte-identical"
echo "== Slurm: passed"
