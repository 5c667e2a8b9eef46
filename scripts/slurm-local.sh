#!/usr/bin/env bash
# A single-node Slurm cluster on this machine, without systemd, for the `slurm` tests (and to try
# `lossbench slurm --submit` on a laptop). Needs the Debian packages slurmctld slurmd slurm-client
# munge (scripts/install-deps.sh --dev) and root (or sudo).
#   scripts/slurm-local.sh start   write slurm.conf, start munged, slurmctld, slurmd; wait for idle
#   scripts/slurm-local.sh stop    stop them by their pid files
# Writes /etc/slurm/slurm.conf only when it is missing or one this script wrote.
set -euo pipefail
sudo=""
[[ $(id -u) -eq 0 ]] || sudo="sudo"
conf=/etc/slurm/slurm.conf
state=/var/lib/lossbench-slurm
marker="# written by lossbench scripts/slurm-local.sh"

start() {
  for d in munged slurmctld slurmd sinfo; do
    command -v "$d" >/dev/null || [[ -x /usr/sbin/$d ]] ||
      { echo "slurm-local: $d is not installed (scripts/install-deps.sh --dev installs it)" >&2; exit 1; }
  done
  if sinfo -h -o %T 2>/dev/null | grep -q idle; then echo "slurm-local: already running"; return; fi
  local host cpus
  host=$(hostname -s)
  cpus=$(nproc)
  if [[ -f $conf ]] && ! grep -q "^$marker" "$conf"; then
    echo "slurm-local: $conf exists and was not written by this script; not touching it" >&2
    exit 1
  fi
  $sudo mkdir -p "$state/ctld" "$state/d" /run/munge /var/log/slurm
  $sudo chown munge:munge /run/munge
  # cred_expire=10: a requeued job restarts after about 11 s instead of about 120 s.
  $sudo tee "$conf" >/dev/null <<CONF
$marker
ClusterName=lossbench
SlurmctldHost=$host(127.0.0.1)
SlurmUser=root
AuthType=auth/munge
AuthInfo=cred_expire=10
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
StateSaveLocation=$state/ctld
SlurmdSpoolDir=$state/d
SlurmctldPidFile=/run/slurmctld.pid
SlurmdPidFile=/run/slurmd.pid
SlurmctldLogFile=/var/log/slurm/slurmctld.log
SlurmdLogFile=/var/log/slurm/slurmd.log
ReturnToService=2
NodeName=$host NodeAddr=127.0.0.1 CPUs=$cpus State=UNKNOWN
PartitionName=debug Nodes=$host Default=YES MaxTime=INFINITE State=UP
CONF
  if ! { [[ -f /run/munge/munged.pid ]] && kill -0 "$(cat /run/munge/munged.pid)" 2>/dev/null; }; then
    $sudo runuser -u munge -- /usr/sbin/munged
  fi
  $sudo /usr/sbin/slurmctld
  $sudo /usr/sbin/slurmd
  for _ in $(seq 60); do
    if sinfo -h -o %T 2>/dev/null | grep -q idle; then echo "slurm-local: up ($host, $cpus CPUs)"; return; fi
    sleep 1
  done
  echo "slurm-local: the node did not become idle in 60 s; see /var/log/slurm/" >&2
  exit 1
}

stop() {
  for pidfile in /run/slurmd.pid /run/slurmctld.pid /run/munge/munged.pid; do
    [[ -f $pidfile ]] || continue
    pid=$(cat "$pidfile")
    $sudo kill "$pid" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  done
  echo "slurm-local: stopped"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  *) echo "usage: scripts/slurm-local.sh start|stop" >&2; exit 2 ;;
esac
