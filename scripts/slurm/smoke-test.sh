#!/usr/bin/env bash
# Proves that the one-node cluster of local-cluster.sh runs what seqtrain's sweeps will need:
# a plain job, a job array with a concurrency limit, a failing job, the cancelling of a running
# array task, then down and up again. Reads every final state without slurmdbd (see README.md).
# Usage: scripts/slurm/smoke-test.sh      (root; installs Slurm if missing; leaves the cluster up)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cluster=$here/local-cluster.sh
jobcomp=/tmp/seqtrain-slurm/jobcomp.log

now_ms() { local t=${EPOCHREALTIME//[.,]/}; echo $((t / 1000)); }
since() { local ms=$(($(now_ms) - $1)); printf '%d.%d s' $((ms / 1000)) $((ms % 1000 / 100)); }
say() { printf 'smoke-test: %s\n' "$*" >&2; }
fail() { say "FAILED: $*"; "$cluster" status >&2 || true; exit 1; }

# Final state of a job or array task ("12" or "12_3") while slurmctld keeps its record
# (MinJobAge=3600 s after the end); empty for a pending array task that was cancelled.
state_of() { squeue -h -t all -j "$1" -o %T 2>/dev/null | head -n 1; }
exit_code_of() { scontrol -o show job "$1" | grep -oE '(^| )ExitCode=[0-9]+:[0-9]+' | cut -d= -f2; }

# Waits (at most $2 seconds) until none of the jobs in $1 (comma-separated) is pending or running.
wait_done() {
  for _ in $(seq 1 "$2"); do
    [ -z "$(squeue -h -j "$1" -t pending,running,completing,configuring,suspended 2>/dev/null)" ] && return 0
    sleep 1
  done
  fail "jobs $1 still queued after $2 s"
}

expect() { # what got want
  [ "$2" = "$3" ] || fail "$1: got '$2', want '$3'"
  say "ok: $1 = $3"
}

t0=$(now_ms)
"$cluster" up
say "up took $(since "$t0")"

work=$(mktemp -d /tmp/seqtrain-slurm-smoke.XXXXXX)
cd "$work"
rm -f /tmp/seqtrain-slurm-test-*

plain=$(sbatch --parsable --wrap 'hostname; sleep 2')
# shellcheck disable=SC2016 # expanded by the job's shell, not here
array=$(sbatch --parsable --array=0-3%2 \
  --wrap 'echo $SLURM_ARRAY_TASK_ID > /tmp/seqtrain-slurm-test-$SLURM_ARRAY_TASK_ID')
failing=$(sbatch --parsable --wrap 'echo failing; exit 3')
say "submitted job $plain, array $array (0-3%2), failing job $failing"
wait_done "$plain,$array,$failing" 120

expect "state of $plain" "$(state_of "$plain")" COMPLETED
expect "output of $plain" "$(cat "slurm-$plain.out")" "$(hostname)"
for task in 0 1 2 3; do
  expect "state of ${array}_$task" "$(state_of "${array}_$task")" COMPLETED
  expect "/tmp/seqtrain-slurm-test-$task" "$(cat "/tmp/seqtrain-slurm-test-$task")" "$task"
  [ -f "slurm-${array}_$task.out" ] || fail "no slurm-${array}_$task.out in the submitting folder"
done
expect "state of $failing" "$(state_of "$failing")" FAILED
expect "exit code of $failing" "$(exit_code_of "$failing")" 3:0
grep -q "JobState=FAILED .*ExitCode=3:0" <(grep "^JobId=$failing " "$jobcomp") \
  || fail "no FAILED line for $failing in $jobcomp"
say "ok: $jobcomp has the FAILED line of $failing"

# Cancelling one running task of an array; the other one goes on to the end.
cancel=$(sbatch --parsable --array=0-1 --wrap 'sleep 5')
for _ in $(seq 1 30); do
  [ "$(state_of "${cancel}_0")" = RUNNING ] && break
  sleep 1
done
expect "state of ${cancel}_0 before scancel" "$(state_of "${cancel}_0")" RUNNING
scancel "${cancel}_0"
wait_done "$cancel" 60
expect "state of ${cancel}_0" "$(state_of "${cancel}_0")" CANCELLED
expect "state of ${cancel}_1" "$(state_of "${cancel}_1")" COMPLETED
grep -q "JobState=CANCELLED .*ArrayJobId=$cancel ArrayTaskId=0 " "$jobcomp" \
  || fail "no CANCELLED line for ${cancel}_0 in $jobcomp"
say "ok: $jobcomp has the CANCELLED line of ${cancel}_0"

"$cluster" down
if "$cluster" status >/dev/null 2>&1; then fail "status exits 0 after down"; fi
say "ok: status exits 1 after down"
t0=$(now_ms)
"$cluster" up
say "up again took $(since "$t0")"
"$cluster" up # already up: says so
"$cluster" status >/dev/null || fail "status after up again"
again=$(sbatch --parsable --wrap true)
wait_done "$again" 60
expect "state of $again after down and up" "$(state_of "$again")" COMPLETED

cd /
rm -rf "$work" /tmp/seqtrain-slurm-test-*
say "all checks passed"
