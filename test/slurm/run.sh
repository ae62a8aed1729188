#!/usr/bin/env bash
# End-to-end test of `lcl run --executor slurm` against a real single-node SLURM (Debian's
# slurm-wlm + munge), started here on localhost and torn down afterwards. Installs nothing:
# .ci/run installs the packages. Runs the toy demo-sweep through SLURM in a temp workspace and
# checks that every stage's fingerprint and output hashes equal those of a local run.
#
#   test/slurm/run.sh            # needs root (SlurmUser=root) and munged, slurmctld, slurmd, sbatch on PATH
#
# Exit 0: passed; 1: failed; 77: a prerequisite is missing (the message says which).
set -uo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
start=$(date +%s)
say() { printf '[slurm-test %3ss] %s\n' "$(( $(date +%s) - start ))" "$*"; }

PATH="$PATH:/usr/sbin:/sbin"
for b in munged slurmctld slurmd sbatch squeue scancel scontrol; do
  command -v "$b" >/dev/null || { echo "slurm-test: prerequisite missing: $b (apt-get install slurm-wlm munge)"; exit 77; }
done
[ "$(id -u)" = 0 ] || { echo "slurm-test: must run as root (the test cluster uses SlurmUser=root)"; exit 77; }

T="$(mktemp -d /tmp/lcl-slurm-test.XXXXXX)"
chmod 755 "$T"
host="$(hostname -s)"
cpus="$(nproc)"
mem_mb=$(( $(awk '/MemTotal/ {print $2}' /proc/meminfo) / 1024 - 512 ))
# Ports nobody else on this machine is likely to use (two engineers may run this at once).
port=$(( 20000 + RANDOM % 20000 ))

cleanup() {
  local rc=$?
  say "tearing down"
  [ -n "${driver_pid:-}" ] && kill "$driver_pid" 2>/dev/null
  # Jobs first, while slurmd is there to end them; a job step left behind would outlive the test.
  SLURM_CONF="$T/slurm.conf" scancel --quiet --user=root --partition=lcltest 2>/dev/null
  for i in $(seq 1 50); do
    [ -z "$(SLURM_CONF="$T/slurm.conf" squeue -h -p lcltest 2>/dev/null)" ] && break
    sleep 0.2
  done
  for p in slurmd slurmctld munged; do
    [ -f "$T/$p.pid" ] && kill "$(cat "$T/$p.pid")" 2>/dev/null
  done
  sleep 1
  for p in slurmd slurmctld munged; do
    [ -f "$T/$p.pid" ] && kill -9 "$(cat "$T/$p.pid")" 2>/dev/null
  done
  # Any job step of this test cluster still around (it has files under $T open): ours to end.
  for pid in $(pgrep -x slurmstepd); do
    ls -l "/proc/$pid/fd" 2>/dev/null | grep -q "$T" && kill -9 "$pid" 2>/dev/null
  done
  if [ "$rc" != 0 ] && [ "$rc" != 77 ]; then
    for f in slurmctld.log slurmd.log munged.log; do echo "--- $f (tail)"; tail -n 30 "$T/$f" 2>/dev/null; done
    for f in "$T"/ws/artifacts/jobs/*/slurm-*.out; do [ -f "$f" ] && { echo "--- $f"; tail -n 30 "$f"; }; done
  fi
  [ -z "${KEEP:-}" ] && rm -rf "$T"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- munge: our own key and socket, nothing shared with a system munged ------------------------
mkdir -p "$T/munge" "$T/state" "$T/spool"
chmod 700 "$T/munge"
dd if=/dev/urandom of="$T/munge/munge.key" bs=1024 count=1 status=none
chmod 400 "$T/munge/munge.key"
munged --force --socket="$T/munge/munge.sock" --key-file="$T/munge/munge.key" --pid-file="$T/munged.pid" \
  --log-file="$T/munged.log" --seed-file="$T/munge/seed" || { echo "slurm-test: munged did not start"; cat "$T/munged.log"; exit 1; }

# --- a minimal single-node cluster ------------------------------------------------------------
cat > "$T/slurm.conf" <<EOF
ClusterName=lcltest
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=$port
SlurmdPort=$((port + 1))
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$T/munge/munge.sock
StateSaveLocation=$T/state
SlurmdSpoolDir=$T/spool
SlurmctldPidFile=$T/slurmctld.pid
SlurmdPidFile=$T/slurmd.pid
SlurmctldLogFile=$T/slurmctld.log
SlurmdLogFile=$T/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
MpiDefault=none
ReturnToService=2
SchedulerParameters=sched_interval=1
MessageTimeout=10
NodeName=$host NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$mem_mb State=UNKNOWN
PartitionName=lcltest Nodes=$host Default=YES MaxTime=INFINITE State=UP
EOF
export SLURM_CONF="$T/slurm.conf"

slurmctld -f "$SLURM_CONF" -i || { echo "slurm-test: slurmctld did not start"; cat "$T/slurmctld.log"; exit 1; }
slurmd -f "$SLURM_CONF" -N "$host" || { echo "slurm-test: slurmd did not start"; cat "$T/slurmd.log"; exit 1; }
for i in $(seq 1 60); do
  state="$(sinfo -h -n "$host" -o %T 2>/dev/null | head -1)"
  case "$state" in idle|mixed|allocated) break ;; esac
  sleep 0.5
done
say "cluster up: node $host ($cpus CPUs) is ${state:-unreachable}"
case "$state" in idle|mixed|allocated) ;; *) echo "slurm-test: node never became idle"; exit 1 ;; esac

# --- a workspace with the toy pipeline --------------------------------------------------------
ws="$T/ws"
mkdir -p "$ws/pipelines" "$ws/node_modules"
ln -s "$repo" "$ws/node_modules/lcl"
cp "$repo/pipelines/demo.yaml" "$ws/pipelines/"
# Resource hints in YAML (never part of the fingerprint): the summary gets its own time limit.
sed -i 's/^  summary:$/  summary:\n    resources: { time: "5", mem: 200M }/' "$ws/pipelines/demo.yaml"
cat > "$ws/experiments.yaml" <<'EOF'
default: demo-sweep
experiments:
  demo-sweep:
    pipeline: demo
    params:
      scale: { factor: 2 }
    matrix:
      scale: { factor: [0.5, 1, 2] }
      numbers: { offset: [0, 10] }
EOF
lcl() { node "$repo/bin/lcl.js" "$@"; }

# Local reference run, in its own store.
LCL_STORE="$T/store-local" lcl run -C "$ws" -q || { echo "slurm-test: local run failed"; exit 1; }
say "local run done"

# The same through SLURM: the driver submits each ready stage; the store is $ws/artifacts.
# Poll fast: the stages take milliseconds.
LCL_SLURM_POLL_MS=200 lcl run -C "$ws" --executor slurm --mem 256M --time 5 > "$T/driver.log" 2>&1 &
driver_pid=$!
# While it runs, `lcl status` must show SLURM job ids for stages not done yet.
for i in $(seq 1 100); do
  lcl status -C "$ws" > "$T/status.txt" 2>&1 && grep -q "slurm job" "$T/status.txt" && break
  kill -0 "$driver_pid" 2>/dev/null || break
  sleep 0.2
done
wait "$driver_pid"; rc=$?; driver_pid=
cat "$T/driver.log"
[ "$rc" = 0 ] || { echo "slurm-test: FAILED: lcl run --executor slurm exited $rc"; exit 1; }
grep -q "submitted as slurm job" "$T/driver.log" || { echo "slurm-test: FAILED: no stage went through sbatch"; exit 1; }
if grep -q "slurm job" "$T/status.txt"; then say "lcl status during the run showed: $(grep -m1 'slurm job' "$T/status.txt" | sed 's/^ *//')"
else say "note: the run finished before lcl status saw a queued job"; fi
say "slurm run done"

# Compare: every stage's fingerprint and every output's object and logical hash.
node --input-type=module - "$ws/artifacts" "$T/store-local" <<'EOF' || exit 1
import { existsSync, readdirSync, readFileSync } from "node:fs";
const [slurmStore, localStore] = process.argv.slice(2);
// Refs are per workspace (refs/<workspace>/<experiment>.json); each store here has one workspace.
const refPath = (s) => readdirSync(`${s}/refs`).map((w) => `${s}/refs/${w}/demo-sweep.json`).find((f) => existsSync(f)) ?? `${s}/refs/demo-sweep.json`;
const ref = (s) => JSON.parse(readFileSync(refPath(s), "utf8")).stages;
const a = ref(slurmStore), b = ref(localStore);
const record = (s, fp) => JSON.parse(readFileSync(`${s}/stages/${fp.slice(0, 2)}/${fp}.json`, "utf8"));
let bad = 0, n = 0, hosts = new Set();
for (const id of Object.keys(b).sort()) {
  n++;
  const x = a[id], y = b[id];
  if (!x || x.fingerprint !== y.fingerprint) { console.log(`MISMATCH ${id}: fingerprint ${x?.fingerprint} vs ${y.fingerprint}`); bad++; continue; }
  const rx = record(slurmStore, x.fingerprint), ry = record(localStore, y.fingerprint);
  hosts.add(`${rx.host} pid ${rx.pid}`);
  for (const [k, o] of Object.entries(ry.outputs)) {
    const p = rx.outputs[k];
    if (!p || p.object !== o.object || p.logical !== o.logical) { console.log(`MISMATCH ${id}.${k}: ${p?.object} vs ${o.object}`); bad++; }
  }
  console.log(`  ${bad ? "?" : "="} ${id.padEnd(34)} ${x.fingerprint.slice(0, 12)} ${Object.values(rx.outputs).map((o) => o.object.slice(0, 12)).join(" ")}`);
}
const pids = new Set([...hosts].map((h) => h.split(" pid ")[1]));
if (pids.size < 2) { console.log("FAILED: every record came from one process — the stages did not run as separate jobs"); process.exit(1); }
if (bad) { console.log(`FAILED: ${bad} difference(s)`); process.exit(1); }
console.log(`slurm-test: ${n} stages — fingerprints and output hashes equal to the local run (${pids.size} job processes)`);
EOF

# --batch: the six scale variants (numbers is cached) become ready together and go as one job;
# rerun with --force, their outputs must come out identical (no nondeterminism warning).
LCL_SLURM_POLL_MS=200 lcl run -C "$ws" --executor slurm --batch 6 --force scale > "$T/batch.log" 2>&1 \
  || { cat "$T/batch.log"; echo "slurm-test: FAILED: --batch run"; exit 1; }
batched="$(grep -c "with 5 other stage(s)" "$T/batch.log")"
[ "$batched" = 6 ] || { cat "$T/batch.log"; echo "slurm-test: FAILED: expected the 6 scale variants in one job, saw $batched"; exit 1; }
! grep -q "not deterministic" "$T/batch.log" || { cat "$T/batch.log"; echo "slurm-test: FAILED: a batched stage gave different outputs"; exit 1; }
say "--batch 6: the 6 scale variants ran as one job ($(grep -m1 -o 'in slurm job [0-9]*' "$T/batch.log")), outputs unchanged"

# Ctrl-C cancels the driver's jobs: slow scale variants (60 s each), two running on the two CPUs and
# the rest queued; interrupt once one runs. Queued jobs must vanish, running ones must stop cleanly
# (SIGTERM from scancel → the stage aborts → its result file says "interrupted").
cat >> "$ws/experiments.yaml" <<'EOF'
  slow:
    extends: demo-sweep
    params:
      scale: { work_ms: 60000 }
EOF
# Job control on: a background job of a script otherwise starts with SIGINT ignored, unlike a terminal's Ctrl-C.
set -m
LCL_SLURM_POLL_MS=200 lcl run slow -C "$ws" --executor slurm > "$T/cancel.log" 2>&1 &
driver_pid=$!
set +m
# Running means the stage has started inside the job (its first line), not only that SLURM launched it.
for i in $(seq 1 150); do grep -qs "lcl exec-stage:" "$ws"/artifacts/jobs/*/slurm-*.out && break; sleep 0.2; done
ours="$(squeue -h -o '%i %j' | grep 'lcl:slow' | awk '{print $1}' | tr '\n' ' ')"
grep -qs "lcl exec-stage:" "$ws"/artifacts/jobs/*/slurm-*.out && [ -n "$ours" ] || { cat "$T/cancel.log"; echo "slurm-test: FAILED: no job of the slow run started"; exit 1; }
# Like a terminal's Ctrl-C: SIGINT to the driver's whole process group.
kill -INT -- "-$driver_pid"
wait "$driver_pid"; rc=$?; driver_pid=
cat "$T/cancel.log"
[ "$rc" = 130 ] || { echo "slurm-test: FAILED: interrupted driver exited $rc (expected 130)"; exit 1; }
for i in $(seq 1 50); do
  left="$(squeue -h -o '%i %j %T' | grep 'lcl:slow' || true)"
  [ -z "$left" ] && break
  sleep 0.2
done
[ -z "$left" ] || { echo "slurm-test: FAILED: jobs left after Ctrl-C: $left"; exit 1; }
stopped="$(grep -l '"interrupted": true' "$ws"/artifacts/jobs/*/result-*.json 2>/dev/null | wc -l)"
[ "$stopped" -ge 1 ] || { echo "slurm-test: FAILED: no running job reported a clean stop (result file with interrupted: true)"; exit 1; }
say "Ctrl-C cancelled job(s) $ours— none left in the queue, $stopped running stage(s) stopped cleanly, exit 130"

say "PASSED in $(( $(date +%s) - start )) s"
