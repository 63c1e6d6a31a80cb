#!/usr/bin/env bash
# scripts/setup.sh waits for another apt or dpkg instead of failing on its locks.
# Offline and installs nothing: a fake dpkg-query says every package is missing,
# a fake apt-get records its arguments, a fake locale says vi_VN.UTF-8 exists, and
# the "apt locks" are temporary files held open by background processes.
# Usage: test_setup_lock.sh SOURCE_DIR
set -euo pipefail
src=$(cd "$1" && pwd)
if [ "$(id -u)" -ne 0 ]; then echo "skipped: setup.sh runs apt-get through sudo when not root"; exit 77; fi
T=$(mktemp -d /tmp/bt-setup-lock.XXXXXX)
holders=()
cleanup() {
  local h
  for h in "${holders[@]}"; do kill "$h" 2>/dev/null || true; done
  rm -rf "$T"
}
trap cleanup EXIT
T=$(cd "$T" && pwd -P)
mkdir "$T/bin"
cat >"$T/bin/dpkg-query" <<'EOF'
#!/bin/sh
exit 1
EOF
cat >"$T/bin/locale" <<'EOF'
#!/bin/sh
printf 'C\nC.utf8\nPOSIX\nvi_VN.utf8\n'
EOF
# The fake apt-get: one line of arguments per call, then "held by PID" if a lock
# holder the test started still has its lock open (setup.sh must not call apt-get then).
# $FAKE_APT_GRAB=1: the first "update" acts like another apt took the lists lock
# just before it, holding it for 2 s, and fails like apt-get does.
cat >"$T/bin/apt-get" <<'EOF'
#!/bin/bash
echo "$*" >>"$T/calls"
for pid in $(cat "$T/holders" 2>/dev/null); do
  if [ -e "/proc/$pid/fd/9" ]; then echo "held by $pid" >>"$T/calls"; fi
done
if [ "${FAKE_APT_GRAB:-0}" = 1 ] && [ "$3" = update ] && [ ! -e "$T/grabbed" ]; then
  touch "$T/grabbed"
  ( exec 9>>"$T/lists-lock"; exec sleep 2 ) &
  echo $! >>"$T/holders"
  sleep 0.2
  echo "E: Could not get lock $T/lists-lock. It is held by process $! (apt-get)" >&2
  exit 100
fi
exit 0
EOF
chmod +x "$T/bin/"*
: >"$T/frontend-lock"; : >"$T/lists-lock"
export T
export BT_SETUP_APT_LOCKS="$T/frontend-lock $T/lists-lock" BT_SETUP_APT_WAIT=20
fail() { echo "FAIL: $*"; echo "--- setup output:"; cat "$T/out" 2>/dev/null; echo "--- apt-get calls:"; cat "$T/calls" 2>/dev/null; exit 1; }
run_setup() {
  rm -f "$T/calls" "$T/out" "$T/grabbed"
  PATH="$T/bin:$PATH" bash "$src/scripts/setup.sh" >"$T/out" 2>&1
}
hold() {  # hold LOCKFILE open for SECONDS in the background, like apt does
  ( exec 9>>"$1"; exec sleep "$2" ) &
  holders+=($!)
  echo $! >>"$T/holders"
  for _ in $(seq 50); do [ "$(readlink "/proc/$!/fd/9" 2>/dev/null)" = "$1" ] && return; sleep 0.05; done
}
expect_calls() {  # every call passes the lock timeout; the subcommands in order are "$@"
  local got
  grep -q 'held by' "$T/calls" && fail "apt-get ran while another process held a lock"
  grep -qv '^-o DPkg::Lock::Timeout=20 ' "$T/calls" && fail "an apt-get call lacks -o DPkg::Lock::Timeout=20"
  got=$(awk '{print $3}' "$T/calls" | tr '\n' ' ')
  [ "$got" = "$* " ] || fail "apt-get subcommands: '$got', expected '$* '"
}

# 1. Nobody holds the locks: update, then install of every missing package, no waiting.
run_setup || fail "setup.sh failed with the locks free"
expect_calls update install
grep -q -- '-y -qq build-essential cmake' "$T/calls" || fail "install does not name the missing packages"
grep -q 'đang chờ' "$T/out" && fail "setup.sh said it was waiting with the locks free"
echo "ok: locks free, no wait"

# 2. Another process holds the dpkg frontend lock for 2 s: setup.sh says so, waits, then installs.
hold "$T/frontend-lock" 2
run_setup || fail "setup.sh failed while waiting for the lock"
grep -q "setup: đang chờ apt của tiến trình khác (${holders[-1]} (sleep)) nhả khóa" "$T/out" ||
  fail "no waiting message naming the process that holds the lock"
grep -q 'setup: apt đã rảnh' "$T/out" || fail "no message when the lock is released"
expect_calls update install
echo "ok: waited for the frontend lock"

# 3. Another apt takes the lists lock just before our update (apt-get update does not wait for it): retried.
FAKE_APT_GRAB=1 run_setup || fail "setup.sh failed when apt-get update lost the race for the lists lock"
grep -q 'không lấy được khóa (lần 1), thử lại' "$T/out" || fail "no retry message"
grep -q 'setup: đang chờ apt của tiến trình khác' "$T/out" || fail "no waiting message before the retry"
expect_calls update update install
echo "ok: update retried after waiting for the lists lock"

# 4. The lock is held longer than BT_SETUP_APT_WAIT: a clear error, and apt-get is never run.
hold "$T/lists-lock" 30
if BT_SETUP_APT_WAIT=2 run_setup; then fail "setup.sh succeeded though the lock stayed held"; fi
grep -q 'setup: lỗi: sau 2 giây apt vẫn bị tiến trình khác giữ' "$T/out" || fail "no timeout message"
[ ! -e "$T/calls" ] || fail "apt-get ran though the lock stayed held"
kill "${holders[-1]}"
echo "ok: gives up after BT_SETUP_APT_WAIT seconds"
echo "setup_lock: 4 passed, 0 failed"
