#!/usr/bin/env bash
# The end-to-end demo: install what is missing, build, generate a commune of a
# dozen cells with a year of records, import it into a fresh store, and print
# the evaluation report (Vietnamese). Output files go to ./demo/.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DBT_TESTS=OFF >/dev/null
cmake --build build -j"$(nproc)" >/dev/null
mkdir -p demo
rm -f demo/commune.db demo/commune.db-wal demo/commune.db-shm
B=./build/bontot
export BONTOT_DB=demo/commune.db
# Messages in Vietnamese (the locale is made by setup.sh); LC_ALL=C.UTF-8 gives English.
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
echo "Báo cáo: demo/report-2025.txt; JSON: demo/evaluation-2025.json; kho: demo/commune.db"
