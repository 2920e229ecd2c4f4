#!/usr/bin/env bash
# A one-node Slurm cluster on this very machine, for tests and CI inside a container (no systemd:
# the daemons are started directly). Needs root and Debian (apt-get).
#
# Usage: scripts/slurm/local-cluster.sh up|down|status
#   up      install slurm-wlm and munge if missing, write /etc/slurm/slurm.conf, start munged,
#           slurmctld and slurmd, and wait (at most SEQTRAIN_SLURM_WAIT seconds, default 60) until
#           the node is idle. Does nothing but say so when the cluster already answers.
#   down    stop the daemons that `up` started (pidfiles under /tmp/seqtrain-slurm/run); exits 0
#           even when nothing runs. Leaves the state, logs and job records in /tmp/seqtrain-slurm.
#   status  print sinfo and squeue; exit 0 when the node is usable, 1 otherwise.
# See scripts/slurm/README.md for the configuration it writes and how to tell a job's final state.
set -euo pipefail

export PATH="/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:$PATH"

root=/tmp/seqtrain-slurm                # everything the cluster writes: state, spool, logs, pidfiles
conf_dir=/etc/slurm                     # where Debian's Slurm 22.05 reads slurm.conf
conf=$conf_dir/slurm.conf
marker="# Written by seqtrain scripts/slurm/local-cluster.sh"
wait_seconds=${SEQTRAIN_SLURM_WAIT:-60}
node=$(hostname -s)
munge_log=/var/log/munge/munged.log

now_ms() { local t=${EPOCHREALTIME//[.,]/}; echo $((t / 1000)); }
elapsed() { local ms=$(($(now_ms) - $1)); printf '%d.%d s' $((ms / 1000)) $((ms % 1000 / 100)); }

say() { printf 'local-cluster: %s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }

usage() {
  echo "usage: $0 up|down|status" >&2
  exit 2
}

# The pid in pidfile $1 if that process is alive and named $2 (so a reused pid is never taken).
live_pid() {
  local pid
  [ -s "$1" ] || return 1
  pid=$(tr -d '[:space:]' < "$1")
  [[ $pid =~ ^[0-9]+$ ]] || return 1
  [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = "$2" ] || return 1
  echo "$pid"
}

# State of our node as sinfo sees it ("idle", "mixed", "down*", ...), empty if the controller does
# not answer. Bounded: sinfo retries for a while when no slurmctld listens.
node_state() {
  command -v sinfo >/dev/null 2>&1 || return 0
  [ -f "$conf" ] || return 0
  pgrep -x slurmctld >/dev/null || return 0 # the controller is this machine's: no need to ask
  timeout 15 sinfo -h -N -n "$node" -o %T 2>/dev/null | head -n 1 || true
}

usable() {
  case $1 in
    idle | mixed | allocated | completing) return 0 ;;
    *) return 1 ;;
  esac
}

munge_works() {
  command -v munge >/dev/null 2>&1 && timeout 10 munge -n 2>/dev/null | timeout 10 unmunge >/dev/null 2>&1
}

install_packages() {
  local missing=()
  local cmd
  for cmd in munged munge unmunge slurmctld slurmd sinfo squeue sbatch scontrol; do
    command -v "$cmd" >/dev/null 2>&1 || missing+=("$cmd")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  command -v apt-get >/dev/null 2>&1 || die "missing ${missing[*]} and no apt-get to install slurm-wlm and munge"
  say "installing slurm-wlm and munge (missing: ${missing[*]})"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update >&2 || die "apt-get update failed"
  # Without recommends: 9 packages instead of 43 (no HDF5, ROCm, IPMI, InfluxDB... plugins).
  apt-get install -y --no-install-recommends slurm-wlm munge >&2 \
    || die "apt-get install slurm-wlm munge failed"
  for cmd in "${missing[@]}"; do
    command -v "$cmd" >/dev/null 2>&1 || die "$cmd still missing after installing slurm-wlm and munge"
  done
}

real_memory_mib() {
  # What slurmd itself detects, so the node never drains for "Low RealMemory"; /proc as fallback.
  local mem
  mem=$(slurmd -C 2>/dev/null | tr ' ' '\n' | sed -n 's/^RealMemory=//p' | head -n 1)
  if ! [[ $mem =~ ^[0-9]+$ ]]; then
    mem=$(awk '/^MemTotal:/ { printf "%d", $2 / 1024 }' /proc/meminfo)
  fi
  echo "$mem"
}

write_config() {
  local cpus mem def_mem tmp
  cpus=$(nproc)
  mem=$(real_memory_mib)
  def_mem=$((mem / cpus))
  tmp=$(mktemp)
  cat > "$tmp" <<EOF
$marker
# A one-node cluster for tests and CI; see scripts/slurm/README.md. Rewritten by every
# 'local-cluster.sh up' that has to start the cluster.
ClusterName=seqtrain
SlurmctldHost=$node(127.0.0.1)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CryptoType=crypto/munge
MpiDefault=none
SwitchType=switch/none
# No cgroups in these containers: processes are tracked through /proc, tasks are not confined.
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
# No slurmdbd: sacct does not work. Each finished job (and array task) gets one line here instead.
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/filetxt
JobCompLoc=$root/jobcomp.log
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
DefMemPerCPU=$def_mem
# A job asking for more than the node has (say --cpus-per-task=4 on 2 CPUs) is refused by sbatch
# instead of pending for ever with reason PartitionConfig.
EnforcePartLimits=ALL
# Sweeps may have up to 10,000 runs: one array can hold them all.
MaxArraySize=10001
MaxJobCount=100000
# Finished jobs stay visible to 'scontrol show job' for an hour.
MinJobAge=3600
KillWait=5
InactiveLimit=0
SlurmctldTimeout=30
SlurmdTimeout=60
ReturnToService=2
MailProg=/bin/true
StateSaveLocation=$root/state
SlurmdSpoolDir=$root/spool
SlurmctldPidFile=$root/run/slurmctld.pid
SlurmdPidFile=$root/run/slurmd.pid
SlurmctldLogFile=$root/log/slurmctld.log
SlurmdLogFile=$root/log/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
NodeName=$node NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$mem State=UNKNOWN
PartitionName=debug Nodes=$node Default=YES MaxTime=INFINITE State=UP
EOF
  mkdir -p "$conf_dir"
  if [ -f "$conf" ] && ! grep -qxF "$marker" "$conf" && [ ! -e "$conf.before-seqtrain" ]; then
    cp -p "$conf" "$conf.before-seqtrain"
    say "kept the former $conf as $conf.before-seqtrain"
  fi
  if [ -f "$conf" ] && cmp -s "$tmp" "$conf"; then
    rm -f "$tmp"
    return 1 # unchanged
  fi
  install -m 0644 "$tmp" "$conf"
  rm -f "$tmp"
  say "wrote $conf (node $node, CPUs=$cpus, RealMemory=$mem MiB)"
  return 0
}

start_munge() {
  if munge_works; then
    return 0
  fi
  if [ ! -s /etc/munge/munge.key ]; then
    say "creating /etc/munge/munge.key"
    install -d -o munge -g munge -m 0700 /etc/munge
    mungekey --create --keyfile=/etc/munge/munge.key
    chown munge:munge /etc/munge/munge.key
    chmod 0400 /etc/munge/munge.key
  fi
  install -d -o munge -g munge -m 0755 /run/munge
  install -d -o munge -g munge -m 0700 /var/lib/munge /var/log/munge
  say "starting munged"
  # setpriv execs munged as the munge user without a process of its own in between; munged then
  # daemonises and writes its pidfile, which we copy to our run folder so that 'down' stops it.
  without_inherited_fds setpriv --reuid=munge --regid=munge --init-groups /usr/sbin/munged --force \
    --pid-file=/run/munge/munged.pid
  for _ in $(seq 1 50); do
    munge_works && break
    sleep 0.2
  done
  munge_works || { show_logs; die "munged does not answer"; }
  cp /run/munge/munged.pid "$root/run/munged.pid"
}

start_slurmctld() {
  if live_pid "$root/run/slurmctld.pid" slurmctld >/dev/null; then
    return 0
  fi
  if pgrep -x slurmctld >/dev/null; then
    die "a slurmctld that this script did not start is running (pid $(pgrep -x slurmctld | tr '\n' ' ')); stop it first"
  fi
  say "starting slurmctld"
  without_inherited_fds slurmctld || { show_logs; die "slurmctld did not start"; }
}

start_slurmd() {
  if live_pid "$root/run/slurmd.pid" slurmd >/dev/null; then
    return 0
  fi
  if pgrep -x slurmd >/dev/null; then
    die "a slurmd that this script did not start is running (pid $(pgrep -x slurmd | tr '\n' ' ')); stop it first"
  fi
  say "starting slurmd"
  without_inherited_fds slurmd || { show_logs; die "slurmd did not start"; }
}

# Runs "$@" (a daemon) without the file descriptors this script inherited beyond 0, 1 and 2. A daemon
# keeps what it inherits, so a caller that waits for its pipes to close, or for the socket that Swift's
# Foundation.Process watches to learn that its child ended, would otherwise wait for the daemon to stop.
without_inherited_fds() {
  (
    for fd in "/proc/$BASHPID/fd"/*; do
      fd=${fd##*/}
      if [ "$fd" -gt 2 ]; then eval "exec $fd>&-" 2>/dev/null; fi
    done
    exec "$@"
  )
}

stop_pidfile() { # pidfile name
  local pid
  if pid=$(live_pid "$1" "$2"); then
    say "stopping $2 (pid $pid)"
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 100); do
      [ -d "/proc/$pid" ] || break
      sleep 0.1
    done
    if [ -d "/proc/$pid" ]; then
      say "$2 (pid $pid) still runs after 10 s: killing it"
      kill -KILL "$pid" 2>/dev/null || true
    fi
  fi
  rm -f "$1"
}

show_logs() {
  local f
  for f in "$root/log/slurmctld.log" "$root/log/slurmd.log" "$munge_log"; do
    if [ -f "$f" ]; then
      echo "----- last 40 lines of $f -----" >&2
      tail -n 40 "$f" >&2
    fi
  done
}

cmd_up() {
  [ "$(id -u)" -eq 0 ] || die "must run as root (installs packages, writes $conf)"
  local state start
  start=$(now_ms)
  state=$(node_state)
  if usable "$state"; then
    say "cluster already up: node $node is $state"
    return 0
  fi
  install_packages
  mkdir -p "$root/state" "$root/spool" "$root/log" "$root/run"
  if write_config; then
    # A new configuration: daemons of ours that still run with the old one start again.
    stop_pidfile "$root/run/slurmd.pid" slurmd
    stop_pidfile "$root/run/slurmctld.pid" slurmctld
  fi
  start_munge
  start_slurmctld
  start_slurmd
  local resumed=0
  while :; do
    state=$(node_state)
    if usable "$state"; then
      break
    fi
    case $state in
      down | drained | draining | drain | fail | failing)
        # Responding (no '*') yet down or drained, e.g. after a restart: put it back in service.
        if [ $resumed -eq 0 ]; then
          say "node $node is $state: resuming it"
          scontrol update nodename="$node" state=resume || true
          resumed=1
        fi
        ;;
    esac
    if [ $(($(now_ms) - start)) -ge $((wait_seconds * 1000)) ]; then
      show_logs
      die "node $node is not idle after ${wait_seconds} s (state: ${state:-no answer from slurmctld})"
    fi
    sleep 0.25
  done
  say "cluster up in $(elapsed "$start"): node $node is $state"
}

cmd_down() {
  mkdir -p "$root/run"
  local any=0
  for pair in slurmd:slurmd slurmctld:slurmctld munged:munged; do
    if live_pid "$root/run/${pair%%:*}.pid" "${pair#*:}" >/dev/null; then any=1; fi
    stop_pidfile "$root/run/${pair%%:*}.pid" "${pair#*:}"
  done
  [ $any -eq 1 ] || say "nothing of ours was running"
  return 0
}

cmd_status() {
  local state
  state=$(node_state)
  if [ -z "$state" ]; then
    say "no answer from slurmctld (cluster down?)"
    return 1
  fi
  timeout 15 sinfo || true
  timeout 15 squeue || true
  if usable "$state"; then
    return 0
  fi
  say "node $node is $state"
  return 1
}

[ $# -eq 1 ] || usage
case $1 in
  up) cmd_up ;;
  down) cmd_down ;;
  status) cmd_status ;;
  *) usage ;;
esac
