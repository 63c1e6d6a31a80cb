#!/usr/bin/env bash
# Install exactly the Debian packages bontot needs (idempotent: skips what is
# present) and make the vi_VN.UTF-8 locale. Run as root, or with sudo available.
#
# When another apt or dpkg (unattended-upgrades, apt-daily, a desktop updater)
# holds apt's locks, wait for it instead of failing: up to $BT_SETUP_APT_WAIT
# seconds (default 1800). $BT_SETUP_APT_LOCKS (the lock files to watch) and
# $BT_SETUP_APT (the apt-get to run) exist for tests/scripts/test_setup_lock.sh.
set -euo pipefail
# apt, dpkg, debconf's perl and localedef run under a locale that exists:
# vi_VN.UTF-8 may not exist yet (this script makes it), and a caller's
# LC_ALL=vi_VN.UTF-8 would make each of them warn that it cannot set it.
export LC_ALL=C.UTF-8
unset LANGUAGE
pkgs=(build-essential cmake pkg-config
      libsqlite3-dev libssl-dev zlib1g-dev libjansson-dev libutf8proc-dev
      libmicrohttpd-dev libcurl4-openssl-dev curl openssl
      libcunit1-dev sqlite3 locales gettext clang libclang-rt-14-dev
      groff-base man-db golang-go golang-golang-x-mod-dev
      libxlsxwriter-dev libqrencode-dev
      chromium chromium-driver python3-selenium python3-openpyxl)
apt_get=${BT_SETUP_APT:-apt-get}
apt_wait=${BT_SETUP_APT_WAIT:-1800}
read -r -a apt_locks <<<"${BT_SETUP_APT_LOCKS:-/var/lib/dpkg/lock-frontend /var/lib/dpkg/lock /var/lib/apt/lists/lock /var/cache/apt/archives/lock}"
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"

# The processes that have one of the lock files open, as "PID (name)", like
# fuser does (fuser is in psmisc, which a fresh Debian may lack; find is always
# there). flock(1) cannot tell: apt and dpkg take fcntl locks, not flock locks.
apt_lock_holders() {
  local l pid names=() args=()
  for l in "${apt_locks[@]}"; do args+=(-lname "$l" -o); done
  unset 'args[${#args[@]}-1]'
  while read -r pid; do
    names+=("$pid ($(cat "/proc/$pid/comm" 2>/dev/null || echo '?'))")
  done < <($SUDO find /proc/[0-9]*/fd -maxdepth 1 \( "${args[@]}" \) 2>/dev/null |
             sed -n 's|^/proc/\([0-9]*\)/fd/.*|\1|p' | sort -un)
  local out=""
  for l in "${names[@]}"; do out+="${out:+, }$l"; done
  echo "$out"
}

# Return once no other process holds apt's or dpkg's locks; give up after $apt_wait seconds.
wait_for_apt() {
  local holders waited=0
  holders=$(apt_lock_holders)
  [ -n "$holders" ] || return 0
  echo "setup: đang chờ apt của tiến trình khác (${holders}) nhả khóa, tối đa ${apt_wait} giây..."
  while [ -n "$holders" ]; do
    if [ "$waited" -ge "$apt_wait" ]; then
      echo "setup: lỗi: sau ${apt_wait} giây apt vẫn bị tiến trình khác giữ (${holders}); hãy chạy lại khi nó xong" >&2
      exit 1
    fi
    sleep 1
    waited=$((waited + 1))
    holders=$(apt_lock_holders)
  done
  echo "setup: apt đã rảnh sau ${waited} giây, tiếp tục"
}

# apt-get "$@" once the locks are free. DPkg::Lock::Timeout makes apt-get wait
# for dpkg's locks itself if another apt takes them between the check and the
# command; apt-get update does not apply it to the lists lock, so a command that
# fails while another process holds a lock is tried again after waiting.
run_apt() {
  local try rc=0
  for try in 1 2 3; do
    wait_for_apt
    rc=0
    $SUDO env LC_ALL=C.UTF-8 DEBIAN_FRONTEND=noninteractive \
      "$apt_get" -o DPkg::Lock::Timeout="$apt_wait" "$@" || rc=$?
    [ "$rc" -ne 0 ] || return 0
    [ -n "$(apt_lock_holders)" ] || return "$rc"
    echo "setup: apt-get $1 không lấy được khóa (lần $try), thử lại"
  done
  return "$rc"
}

if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: đang cài ${missing[*]}"
  run_apt update -qq
  run_apt install -y -qq "${missing[@]}"
fi
if ! locale -a 2>/dev/null | grep -qi '^vi_VN\.utf-\?8$'; then
  echo "setup: đang tạo locale vi_VN.UTF-8"
  $SUDO env LC_ALL=C.UTF-8 localedef -i vi_VN -f UTF-8 vi_VN.UTF-8 ||
    echo "setup: cảnh báo: không tạo được locale vi_VN.UTF-8" >&2
fi
