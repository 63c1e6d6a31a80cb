#!/usr/bin/env bash
# Install exactly the Debian packages bontot needs (idempotent: skips what is
# present) and make the vi_VN.UTF-8 locale. Run as root, or with sudo available.
set -euo pipefail
pkgs=(build-essential cmake pkg-config
      libsqlite3-dev libssl-dev zlib1g-dev libjansson-dev libutf8proc-dev
      libmicrohttpd-dev libcurl4-openssl-dev curl openssl
      libcunit1-dev sqlite3 locales gettext clang libclang-rt-14-dev
      groff-base man-db)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"
fi
if ! locale -a 2>/dev/null | grep -qi '^vi_VN\.utf-\?8$'; then
  echo "setup: creating locale vi_VN.UTF-8"
  $SUDO localedef -i vi_VN -f UTF-8 vi_VN.UTF-8 || echo "setup: warning: could not create vi_VN.UTF-8" >&2
fi
