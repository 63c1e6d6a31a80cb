#!/usr/bin/env bash
# The end-to-end demo: install what is missing, build, generate a commune of a
# dozen cells with a year of records, import it into a fresh store, and print
# the evaluation report (Vietnamese). Then the office serves HTTPS on 127.0.0.1,
# a tablet enrolls with a one-time code that carries the fingerprint of the
# office's TLS key (checked before the code is sent), receives the commune's
# records, records
# a meeting and a month of dues offline while the office transfers one of its
# members, and syncs: nothing is refused, and the disagreement becomes a finding
# on both sides (docs/offline.md). Last, the office exports the auditors' bundle
# and it is verified offline (docs/audit.md).
# Output files go to ./demo/.
set -euo pipefail
cd "$(dirname "$0")/.."
# C.UTF-8 until setup.sh has made vi_VN.UTF-8: on a first run it does not exist
# yet, and every program started under LC_ALL=vi_VN.UTF-8 would warn about it.
export LC_ALL=C.UTF-8
bash scripts/setup.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DBT_TESTS=OFF >/dev/null
cmake --build build -j"$(nproc)" >/dev/null
mkdir -p demo
rm -f demo/commune.db* demo/tablet.db* demo/serve.*
B=./build/bontot
export BONTOT_DB=demo/commune.db
# Messages in Vietnamese (the locale is made by setup.sh, above); LC_ALL=C.UTF-8 gives English.
export LC_ALL=vi_VN.UTF-8
$B init --log-id office-demo
$B sample --cells 12 --members 15-40 --year 2025 --seed 1 > demo/commune-2025.jsonl
$B import demo/commune-2025.jsonl
echo "Nhập lại cùng tệp (không thay đổi gì):"
$B import demo/commune-2025.jsonl
$B evaluate --year 2025 --as-of 2025-12-31 | tee demo/report-2025.txt
$B evaluate --year 2025 --as-of 2025-12-31 --json > demo/evaluation-2025.json
$B rebuild

echo
echo "== Đồng bộ: văn phòng xã và máy tính bảng của chi bộ CB-0001 =="
$B office init
code=$($B office enroll-code --cell CB-0001 --role secretary | tail -1 | tr -d ' ')
$B serve --listen 127.0.0.1:0 >demo/serve.out 2>demo/serve.log &
server=$!
trap 'kill $server 2>/dev/null || true' EXIT
for _ in $(seq 50); do grep -q 'https://' demo/serve.out 2>/dev/null && break; sleep 0.1; done
url=$(grep -o 'https://[0-9.:]*' demo/serve.out)
T="$B --db demo/tablet.db"
$T init --log-id tablet-cb0001
$T enroll --server "$url" --code "$code"
$T sync
echo
echo "== Máy tính bảng ngoại tuyến ghi buổi sinh hoạt tháng 1; cùng lúc văn phòng chuyển DV-0001-02 sang CB-0002 =="
$B member transfer DV-0001-02 --to CB-0002 --from 2026-01-05
$T meeting record --cell CB-0001 --date 2026-01-08 --start 19:30 --end 21:05 \
   --regular --thematic --prepared --resolution --minutes --spoke DV-0001-01,DV-0001-02
$T dues month --cell CB-0001 --month 2026-01 --amount 20000 --paid-on 2026-01-08
# Nothing is refused: the meeting is taken, and where it disagrees with the transfer, a finding says so.
$T sync
$T status --cell CB-0001 --date 2026-01-20
$T findings --cell CB-0001
kill -TERM $server && wait $server || true
trap - EXIT
echo "Văn phòng đã nhận (nhật ký của văn phòng, mới nhất trước):"
$B log -n 2
echo
echo "== Kiểm tra: văn phòng xuất tệp cho Ủy ban kiểm tra; tệp được xác minh ngoại tuyến, kết quả đánh giá được tính lại từ các sự kiện =="
rm -f demo/kiemtra-2025.tar
$B audit export demo/kiemtra-2025.tar --year 2025 --as-of 31/12/2025
$B audit verify demo/kiemtra-2025.tar --vkey "$($B office vkey | tail -n 1)"
echo
echo "Báo cáo: demo/report-2025.txt; JSON: demo/evaluation-2025.json; kho: demo/commune.db, demo/tablet.db; nhật ký máy chủ: demo/serve.log"
