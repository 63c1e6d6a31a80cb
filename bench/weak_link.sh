#!/usr/bin/env bash
# weak_link.sh - a month's sync over an emulated weak link (issue 4): 64 kbit/s,
# 300 ms added each way, 2% of connections cut mid-transfer, through
# flakyproxy on 127.0.0.1 (this kernel has no netem). Beside it, the same sync
# over plain loopback in the same run. Figures, not a test.
#
# Usage: bench/weak_link.sh [BUILD_DIR]   (default: build; needs bontot and flakyproxy)
set -euo pipefail
BUILD=${1:-build}
B=$(realpath "$BUILD/bontot")
P=$(realpath "$BUILD/flakyproxy")
W=$(mktemp -d /tmp/bontot-weak-XXXXXX)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$W"; }
trap cleanup EXIT
cd "$W"
export LC_ALL=C.UTF-8

serve() { # serve STORE: starts the server (HTTPS); its port in $port, its pid in pids
  "$B" --db "$1" serve --listen 127.0.0.1:0 >"$1.out" 2>"$1.log" &
  pids+=($!)
  for _ in $(seq 100); do grep -q http "$1.out" 2>/dev/null && break; sleep 0.05; done
  port=$(grep -o '[0-9]*$' "$1.out")
}

# The office with one 30-member cell; a tablet enrolled and up to date.
"$B" --db office.db init --log-id office >/dev/null
"$B" sample --cells 1 --members 30-30 --uniform --year 2025 --seed 11 >c.jsonl
"$B" --db office.db import c.jsonl >/dev/null
"$B" --db office.db office init >/dev/null
serve office.db
code=$("$B" --db office.db office enroll-code --cell CB-0001 --role secretary | tail -1 | tr -d ' ')
"$B" --db tablet.db init --log-id tablet-cb0001 >/dev/null
"$B" --db tablet.db enroll --server "https://127.0.0.1:$port" --code "$code" >/dev/null 2>&1
# A month offline: the meeting with its attendance, and the month's dues.
"$B" --db tablet.db meeting record --cell CB-0001 --date 2026-01-08 --start 19:30 --end 21:05 \
  --regular --prepared --resolution --minutes --excused DV-0001-07 --spoke DV-0001-01,DV-0001-02 >/dev/null
"$B" --db tablet.db dues month --cell CB-0001 --month 2026-01 --amount 20000 --paid-on 2026-01-08 >/dev/null
# The same state twice: one pair syncs over loopback, the other over the weak link.
kill "${pids[0]}"; wait "${pids[0]}" 2>/dev/null || true; pids=()
for f in office tablet; do sqlite3 "$f.db" ".backup $f-2.db"; cp "$f.db.key.pem" "$f-2.db.key.pem"; done
cp office.db.tls.pem office-2.db.tls.pem; cp office.db.tls.key.pem office-2.db.tls.key.pem # the same office, the same pin
serve office-2.db
port2=$port
serve office.db
"$P" --target "$port2" --rate-bps 64000 --delay-ms 300 --cut-percent 2 --seed 1 >proxy.out &
pids+=($!)
for _ in $(seq 100); do grep -q listening proxy.out 2>/dev/null && break; sleep 0.05; done
pport=$(grep -o '[0-9]*$' proxy.out)

t0=$(date +%s.%N)
"$B" --db tablet.db sync --server "https://127.0.0.1:$port" >direct.out 2>/dev/null
t1=$(date +%s.%N)
attempts=0 rc=1
t2=$(date +%s.%N)
while [ $rc -ne 0 ] && [ $attempts -lt 20 ]; do
  attempts=$((attempts + 1))
  rc=0
  "$B" --db tablet-2.db sync --server "https://127.0.0.1:$pport" >weak.out 2>weak.err || rc=$?
done
t3=$(date +%s.%N)
[ $rc -eq 0 ] || { echo "weak link: sync did not complete in $attempts runs"; cat weak.err; exit 1; }
direct=$(awk "BEGIN{print $t1 - $t0}")
weak=$(awk "BEGIN{print $t3 - $t2}")
echo "one month of a 30-member cell (a meeting and the month's dues: $(grep -o 'sent [0-9]* events' direct.out))"
printf '  loopback:                                %7.2f s\n' "$direct"
printf '  weak link (64 kbit/s, +300 ms each way, 2%% cuts): %7.2f s = %.0fx loopback, %d sync run(s)\n' \
  "$weak" "$(awk "BEGIN{print $weak / $direct}")" "$attempts"
echo "  $(cat weak.out)"
