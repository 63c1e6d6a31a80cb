#!/usr/bin/env bash
# The office's transparency log checked by an implementation that is not ours
# (tests/tools/tlogcheck: Go's golang.org/x/mod/sumdb/note and sumdb/tlog):
# the signed checkpoint, every tile, every entry, and the consistency of two
# checkpoints as the log grows; a wrong key and a forged checkpoint refused.
#   test_tlog_independent.sh BONTOT TLOGCHECK
set -euo pipefail
B=$1 CHECK=$2
[ -x "$CHECK" ] || { echo "tlog_independent: no tlogcheck (Go and golang-golang-x-mod-dev missing: scripts/setup.sh installs them)"; exit 77; }
export LC_ALL=C.UTF-8
d=$(mktemp -d)
pid=
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$d"' EXIT
"$B" --db "$d/o.db" init --log-id office >/dev/null
"$B" sample --cells 3 --members 5-8 --year 2025 --seed 2 > "$d/a.jsonl"
"$B" --db "$d/o.db" import "$d/a.jsonl" >/dev/null
"$B" --db "$d/o.db" office init >/dev/null
printf 'mat-khau-kiem-tra\n' | "$B" --db "$d/o.db" office user add kiemtra --role auditor >/dev/null
"$B" --db "$d/o.db" office token kiemtra | tail -n 1 | sed 's/^/Authorization: Bearer /' > "$d/auth.hdr"
vkey=$("$B" --db "$d/o.db" office vkey | tail -n 1)
"$B" --db "$d/o.db" serve --listen 127.0.0.1:0 > "$d/serve.out" 2> "$d/serve.err" &
pid=$!
for _ in $(seq 100); do grep -q '^Serving' "$d/serve.out" 2>/dev/null && break; sleep 0.1; done
url=$(sed -n 's/^Serving .* on \(http:\/\/[0-9.:]*\)$/\1/p' "$d/serve.out")
[ -n "$url" ] || { echo "tlog_independent: the server did not start"; cat "$d/serve.err"; exit 1; }
# Without a credential: 401.
code=$(curl -s -o /dev/null -w '%{http_code}' "$url/log/checkpoint")
[ "$code" = 401 ] || { echo "tlog_independent: /log/checkpoint without a credential answered $code"; exit 1; }
curl -sf -H @"$d/auth.hdr" "$url/log/checkpoint" > "$d/old.ckpt"
out=$("$CHECK" "$url" "$d/auth.hdr" "$vkey")
[ "$out" = "ok 300" ] || { echo "tlog_independent: $out"; exit 1; }
# The log grows; the new checkpoint is consistent with the old one.
"$B" sample --cells 3 --members 5-8 --year 2026 --seed 2 --until 2026-11-30 > "$d/b.jsonl"
"$B" --db "$d/o.db" import "$d/b.jsonl" >/dev/null
out=$("$CHECK" -old "$d/old.ckpt" "$url" "$d/auth.hdr" "$vkey")
case $out in "ok "*) ;; *) echo "tlog_independent: $out"; exit 1;; esac
# A tablet witnesses and cosigns the checkpoint at its sync; the cosignature verifies with its key.
code=$("$B" --db "$d/o.db" office enroll-code --cell CB-0001 --role secretary | tail -n 1)
"$B" --db "$d/t.db" init --log-id tablet-cb0001 >/dev/null
"$B" --db "$d/t.db" enroll --server "$url" --code "$code" > "$d/enroll.out" 2>&1 || { cat "$d/enroll.out"; exit 1; }
grep -q cosigned "$d/enroll.out" || "$B" --db "$d/t.db" sync > "$d/sync.out" 2>&1 || { cat "$d/sync.out"; exit 1; }
witness=$("$B" --db "$d/t.db" vkey | tail -n 1)
curl -sf -H @"$d/auth.hdr" "$url/log/checkpoint" | grep -q '^— bontot-witness/tablet-cb0001 ' ||
  { echo "tlog_independent: the checkpoint carries no cosignature"; exit 1; }
out=$("$CHECK" -old "$d/old.ckpt" -witness "$witness" "$url" "$d/auth.hdr" "$vkey")
case $out in "ok "*) ;; *) echo "tlog_independent: $out"; exit 1;; esac
"$B" --db "$d/x.db" init --log-id office >/dev/null && "$B" --db "$d/x.db" office init >/dev/null
if "$CHECK" -witness "$("$B" --db "$d/x.db" vkey | tail -n 1)" "$url" "$d/auth.hdr" "$vkey" 2>/dev/null; then
  echo "tlog_independent: a cosignature by another key was accepted"; exit 1
fi
# Another key's verifier, and an old checkpoint with its root changed: refused.
other=$("$B" --db "$d/x.db" office vkey | tail -n 1)
if "$CHECK" "$url" "$d/auth.hdr" "$other" 2>/dev/null; then echo "tlog_independent: another key was accepted"; exit 1; fi
awk 'NR == 3 { c = substr($0, 1, 1); $0 = (c == "A" ? "B" : "A") substr($0, 2) } { print }' "$d/old.ckpt" > "$d/forged.ckpt"
if "$CHECK" -old "$d/forged.ckpt" "$url" "$d/auth.hdr" "$vkey" 2>/dev/null; then echo "tlog_independent: a forged checkpoint was accepted"; exit 1; fi
echo "tlog_independent: Go's sumdb/note, sumdb/tlog and crypto/ed25519 accept the checkpoint, the tiles, the entries, the consistency proof and a tablet's cosignature ($out); a wrong key, a forged checkpoint and a stranger's cosignature are refused"
