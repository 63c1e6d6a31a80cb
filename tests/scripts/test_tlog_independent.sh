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
# Plain HTTP (--plain-http): what is checked here is the log's format, by Go's net/http and curl;
# the link's TLS is tested in tests/e2e/test_sync.c.
"$B" --db "$d/o.db" serve --plain-http --listen 127.0.0.1:0 > "$d/serve.out" 2> "$d/serve.err" &
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
# What the office publishes comes with a signed receipt: openssl verifies its Ed25519 signature with
# the office's public key, sha256sum gives the hash it names, and it names the tree it was computed from.
curl -sf -D "$d/h.txt" -o "$d/eval.json" -H @"$d/auth.hdr" "$url/v1/evaluation?year=2025&as_of=2025-12-31"
tr -d '\r' < "$d/h.txt" | sed -n 's/^X-Bontot-Receipt: //Ip' | base64 -d > "$d/receipt.txt"
n=$(grep -n '^$' "$d/receipt.txt" | head -n 1 | cut -d: -f1)
head -n $((n - 1)) "$d/receipt.txt" > "$d/receipt.text"
tail -n 1 "$d/receipt.txt" | sed 's/^— [^ ]* //' | base64 -d | tail -c 64 > "$d/receipt.sig"
openssl pkey -in "$d/o.db.key.pem" -pubout > "$d/office.pub"
openssl pkeyutl -verify -pubin -inkey "$d/office.pub" -rawin -in "$d/receipt.text" -sigfile "$d/receipt.sig" >/dev/null ||
  { echo "tlog_independent: openssl does not verify the receipt"; cat "$d/receipt.txt"; exit 1; }
grep -qx "sha256 $(sha256sum "$d/eval.json" | cut -c1-64)" "$d/receipt.text" ||
  { echo "tlog_independent: the receipt does not name the evaluation it came with"; exit 1; }
sed -n 2,4p "$d/receipt.text" | cmp -s - <(head -n 3 "$d/old.ckpt") ||
  { echo "tlog_independent: the receipt does not name the log's tree"; exit 1; }
sed 's/^year 2025$/year 2024/' "$d/receipt.text" > "$d/receipt.forged"
if openssl pkeyutl -verify -pubin -inkey "$d/office.pub" -rawin -in "$d/receipt.forged" -sigfile "$d/receipt.sig" >/dev/null 2>&1; then
  echo "tlog_independent: a changed receipt still verifies"; exit 1
fi
# The log grows; the new checkpoint is consistent with the old one.
"$B" sample --cells 3 --members 5-8 --year 2026 --seed 2 --until 2026-11-30 > "$d/b.jsonl"
"$B" --db "$d/o.db" import "$d/b.jsonl" >/dev/null
out=$("$CHECK" -old "$d/old.ckpt" "$url" "$d/auth.hdr" "$vkey")
case $out in "ok "*) ;; *) echo "tlog_independent: $out"; exit 1;; esac
# A tablet witnesses and cosigns the checkpoint at its sync; the cosignature verifies with its key.
code=$("$B" --db "$d/o.db" office enroll-code --cell CB-0001 --role secretary | tail -n 1 | tr -d ' ' | cut -c1-14) # without the TLS fingerprint: plain HTTP
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
echo "tlog_independent: Go's sumdb/note, sumdb/tlog and crypto/ed25519 accept the checkpoint, the tiles, the entries, the consistency proof and a tablet's cosignature ($out), openssl and sha256sum a signed evaluation receipt; a wrong key, a forged checkpoint and receipt, and a stranger's cosignature are refused"
