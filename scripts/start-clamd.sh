#!/usr/bin/env bash
# Starts a clamd for `npm run test:services` (run as root by .ci/run; works as a plain user too).
#
# - Its signature database is ONLY the project's test signatures (test/fixtures/clamav/*.hdb,
#   *.ndb: EICAR by md5 and as a byte string, so it is found alone and inside larger streams).
#   No official database, no freshclam, no network.
# - Listens on TCP 127.0.0.1:3310 and on a unix socket in the run directory; StreamMaxLength
#   100M (Portcullis's scan.clamav.maxBytes must stay at or under it).
# - Runs as a daemon (Foreground no); waits until PING answers PONG (at most ~60 s).
# - Idempotent: if the clamd it started earlier still runs with the same configuration and
#   answers, nothing is done; a changed configuration restarts it. Refuses to start when port
#   3310 already belongs to another process.
#
# Environment: PORTCULLIS_CLAMD_DIR (run directory; default /run/portcullis-clamd as root, else
# a directory under ${TMPDIR:-/tmp}), PORTCULLIS_CLAMD_PORT (default 3310).
set -euo pipefail
cd "$(dirname "$0")/.."

PORT=${PORTCULLIS_CLAMD_PORT:-3310}
if [ "$(id -u)" -eq 0 ]; then
  RUN_DIR=${PORTCULLIS_CLAMD_DIR:-/run/portcullis-clamd}
else
  RUN_DIR=${PORTCULLIS_CLAMD_DIR:-${TMPDIR:-/tmp}/portcullis-clamd-$(id -u)}
fi
CONF=$RUN_DIR/clamd.conf
PIDFILE=$RUN_DIR/clamd.pid
SOCKET=$RUN_DIR/clamd.sock
DB_DIR=$RUN_DIR/db
LOG=$RUN_DIR/clamd.log
WAIT_SECONDS=60

CLAMD=$(command -v clamd || echo /usr/sbin/clamd)
[ -x "$CLAMD" ] || { echo "start-clamd: clamd is not installed (apt-get install clamav-daemon)" >&2; exit 1; }

# Answers 0 when clamd at 127.0.0.1:$PORT replies PONG to zPING.
ping_clamd() {
  timeout 3 bash -c '
    exec 3<>"/dev/tcp/127.0.0.1/$1" || exit 1
    printf "zPING\0" >&3
    IFS= read -r -d "" reply <&3 || exit 1
    [ "$reply" = PONG ]' _ "$PORT" 2>/dev/null
}

running_pid() {
  [ -s "$PIDFILE" ] || return 1
  local pid
  pid=$(cat "$PIDFILE")
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && [ "$(readlink "/proc/$pid/exe" 2>/dev/null || true)" = "$(readlink -f "$CLAMD")" ] || return 1
  echo "$pid"
}

RUN_AS=
if [ "$(id -u)" -eq 0 ] && id clamav >/dev/null 2>&1; then RUN_AS=clamav; fi

desired_config() {
  cat <<EOF
# Written by scripts/start-clamd.sh for Portcullis's services tests: test signatures only.
LogFile $LOG
LogTime yes
PidFile $PIDFILE
DatabaseDirectory $DB_DIR
LocalSocket $SOCKET
LocalSocketMode 666
TCPSocket $PORT
TCPAddr 127.0.0.1
Foreground no
StreamMaxLength 100M
MaxThreads 4
ReadTimeout 30
CommandReadTimeout 30
Bytecode no
${RUN_AS:+User $RUN_AS}
EOF
}

mkdir -p "$RUN_DIR"
NEW_CONF=$(desired_config)
signatures=(test/fixtures/clamav/*.hdb test/fixtures/clamav/*.ndb)
same_signatures() {
  local f
  for f in "${signatures[@]}"; do cmp -s "$f" "$DB_DIR/$(basename "$f")" || return 1; done
  [ "$(find "$DB_DIR" -type f | wc -l)" -eq "${#signatures[@]}" ]
}

if pid=$(running_pid); then
  if [ "$(cat "$CONF" 2>/dev/null)" = "$NEW_CONF" ] && same_signatures && ping_clamd; then
    echo "start-clamd: clamd (pid $pid) already runs with $CONF on 127.0.0.1:$PORT and $SOCKET; nothing to do"
    exit 0
  fi
  echo "start-clamd: clamd (pid $pid) runs with another configuration or database; stopping it"
  kill "$pid"
  for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
fi

if ping_clamd || (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; then
  echo "start-clamd: port 127.0.0.1:$PORT is already in use by a process this script did not start; stop it first" >&2
  exit 1
fi

# The database directory holds the project's test signatures and nothing else.
rm -rf "$DB_DIR"
mkdir -p "$DB_DIR"
cp "${signatures[@]}" "$DB_DIR/"
printf '%s\n' "$NEW_CONF" > "$CONF"
rm -f "$SOCKET" "$PIDFILE"
if [ -n "$RUN_AS" ]; then chown -R "$RUN_AS" "$RUN_DIR"; fi

echo "start-clamd: starting $CLAMD --config-file=$CONF (database: ${signatures[*]}; TCP 127.0.0.1:$PORT; socket $SOCKET${RUN_AS:+; user $RUN_AS})"
"$CLAMD" --config-file="$CONF"

for ((i = 0; i < WAIT_SECONDS * 2; i++)); do
  if ping_clamd; then
    echo "start-clamd: clamd (pid $(cat "$PIDFILE" 2>/dev/null || echo '?')) answers PONG on 127.0.0.1:$PORT after ~$((i / 2)) s; log: $LOG"
    exit 0
  fi
  sleep 0.5
done
echo "start-clamd: clamd did not answer PING within ${WAIT_SECONDS} s; last log lines:" >&2
tail -n 20 "$LOG" >&2 || true
exit 1
