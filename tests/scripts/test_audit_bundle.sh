#!/usr/bin/env bash
# The auditors' bundle from the command line (docs/audit.md): exported at the
# office, verified offline with the office's key; a bundle unpacked and packed
# again by GNU tar still verifies, one changed date in an event is named, a
# wrong key and a cut file are refused, the export is in the access log; and
# the bundle, unpacked, is a static copy of the log that Go's sumdb/tlog
# (tests/tools/tlogcheck, an implementation that is not ours) accepts.
#   test_audit_bundle.sh BONTOT [TLOGCHECK]
set -euo pipefail
B=$1 CHECK=${2:-}
export LC_ALL=C.UTF-8
d=$(mktemp -d)
trap 'rm -rf "$d"' EXIT
fail() { echo "audit_bundle: $*"; exit 1; }
"$B" --db "$d/o.db" init --log-id office >/dev/null
"$B" sample --cells 4 --members 5-9 --year 2025 --seed 3 > "$d/a.jsonl"
"$B" --db "$d/o.db" import "$d/a.jsonl" >/dev/null
# Not an office yet: no key to sign with.
if "$B" --db "$d/o.db" audit export "$d/b.tar" 2> "$d/err"; then fail "exported without an office key"; fi
grep -q 'office init' "$d/err" || fail "no hint to office init: $(cat "$d/err")"
"$B" --db "$d/o.db" office init >/dev/null
vkey=$("$B" --db "$d/o.db" office vkey | tail -n 1)
out=$("$B" --db "$d/o.db" audit export "$d/b.tar" --year 2025 --as-of 31/12/2025)
echo "$out" | grep -q "audit verify $d/b.tar --vkey $vkey" || fail "export does not say how to verify: $out"
"$B" --db "$d/o.db" office reads | grep -q 'audit export' || fail "the export is not in the access log"
out=$("$B" audit verify "$d/b.tar" --vkey "$vkey") || fail "a true bundle does not verify: $out"
echo "$out" | grep -q '^Verified' || fail "$out"
"$B" audit verify "$d/b.tar" --vkey "$vkey" --json | grep -q '"ok": true' || fail "--json does not say ok"
# Without --vkey: verified against the bundle's own key, which it names.
"$B" audit verify "$d/b.tar" | grep -qF "$vkey" || fail "without --vkey the bundle's key is not named"
# Usage: no file is 2; a file that is not there is 1.
set +e
"$B" audit verify >/dev/null 2>&1; [ $? = 2 ] || fail "verify without a file is not a usage error"
"$B" audit verify "$d/none.tar" >/dev/null 2>&1; [ $? = 1 ] || fail "a missing file does not exit 1"
"$B" audit verfy "$d/b.tar" > "$d/out" 2>&1; grep -q verify "$d/out" || fail "a typo does not suggest verify"
set -e
# Another office's key: refused.
"$B" --db "$d/p.db" init --log-id office >/dev/null
"$B" --db "$d/p.db" office init >/dev/null
other=$("$B" --db "$d/p.db" office vkey | tail -n 1)
if "$B" audit verify "$d/b.tar" --vkey "$other" > "$d/out"; then fail "another office's key verifies"; fi
grep -q '^KEY_MISMATCH' "$d/out" || fail "no KEY_MISMATCH: $(head -3 "$d/out")"
# Cut short: refused.
head -c 20000 "$d/b.tar" > "$d/cut.tar"
if "$B" audit verify "$d/cut.tar" --vkey "$vkey" > "$d/out"; then fail "a cut bundle verifies"; fi
# A tablet's store (enrolled at an office: its setting office_log) has a key beside it too, but no bundle to export.
"$B" --db "$d/t.db" init --log-id tab >/dev/null
sqlite3 "$d/t.db" "INSERT OR REPLACE INTO meta(key, value) VALUES('office_log', 'office')"
cp "$d/p.db.key.pem" "$d/t.db.key.pem"
if "$B" --db "$d/t.db" audit export "$d/t.tar" 2> "$d/err"; then fail "a tablet exported a bundle"; fi
grep -q "tablet" "$d/err" || fail "the refusal does not say it is a tablet's store: $(cat "$d/err")"
[ ! -e "$d/t.tar" ] || fail "a refused export left a file"
# Unpacked and packed again by GNU tar (another writer): still true.
mkdir "$d/x"
tar xf "$d/b.tar" -C "$d/x"
(cd "$d/x" && tar cf "$d/again.tar" --format=ustar $(tar tf "$d/b.tar"))
"$B" audit verify "$d/again.tar" --vkey "$vkey" >/dev/null || fail "the bundle packed again by GNU tar does not verify"
# One date in one event changed (same length): named by its log and number.
f=$d/x/tile/entries/000
grep -c '"2025-' "$f" >/dev/null || fail "no date to change"
sed -i '0,/"date":"2025-/s//"date":"2024-/' "$f"
(cd "$d/x" && tar cf "$d/changed.tar" --format=ustar $(tar tf "$d/b.tar"))
if "$B" audit verify "$d/changed.tar" --vkey "$vkey" > "$d/out"; then fail "a changed event verifies"; fi
grep -Eq '^(ENTRY_CHANGED|EVENT_CHANGED): .*event [0-9]+ of office' "$d/out" || fail "the changed event is not named: $(head -5 "$d/out")"
grep -q '^NOT VERIFIED' "$d/out" || fail "no verdict line"
# The bundle as a static log, checked by Go's sumdb/tlog.
if [ -x "$CHECK" ]; then
  mkdir -p "$d/y/log"
  tar xf "$d/b.tar" -C "$d/y/log"
  out=$("$CHECK" "file://$d/y" /dev/null "$vkey") || fail "tlogcheck refuses the bundle: $out"
  n=$(tar xOf "$d/b.tar" checkpoint | sed -n 2p)
  [ "$out" = "ok $n" ] || fail "tlogcheck: $out (the checkpoint has $n)"
  echo "tlogcheck (Go sumdb/tlog) accepts the bundle: $out"
else
  echo "tlogcheck not built (Go missing): the bundle's independent check skipped"
fi
echo "audit bundle: exported, verified, tampering named"
