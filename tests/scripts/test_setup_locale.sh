#!/usr/bin/env bash
# Nothing warns that it "cannot change locale (vi_VN.UTF-8)" on a machine that
# does not have the locale yet, the first run of scripts/demo.sh or test.sh:
#  1. demo.sh and test.sh run setup.sh (which makes the locale) under C.UTF-8
#     and set LC_ALL=vi_VN.UTF-8 only after it;
#  2. setup.sh runs what it starts (apt-get, localedef) under C.UTF-8 even when
#     called with LC_ALL=vi_VN.UTF-8, and afterwards the locale works. This part
#     needs root and a private mount namespace (unshare), where /usr/lib/locale
#     is a copy without vi_VN; nothing outside the namespace changes. apt-get is
#     a fake that records its LC_ALL and runs `locale`, which warns on stderr
#     under a locale that does not exist, as apt's and debconf's programs do.
# Usage: test_setup_locale.sh SOURCE_DIR
set -euo pipefail
src=$(cd "$1" && pwd)
fail() { echo "FAIL: $*"; exit 1; }

for s in demo.sh test.sh; do
  awk -v s="$s" '
    /^[[:space:]]*#/ { next }
    /export LC_ALL=C\.UTF-8/ && !setup { c = 1 }
    /LC_ALL=vi_VN/ && !setup { print s ": sets LC_ALL=vi_VN.UTF-8 before setup.sh has made the locale"; bad = 1 }
    /scripts\/setup\.sh/ && !setup { setup = 1; if (!c) { print s ": runs setup.sh without LC_ALL=C.UTF-8 first"; bad = 1 } }
    END { if (!setup) { print s ": does not run setup.sh"; bad = 1 } exit bad }' "$src/scripts/$s" ||
    fail "scripts/$s"
done
echo "ok: demo.sh and test.sh run setup.sh under C.UTF-8 and use vi_VN.UTF-8 only after it"

if [ "$(id -u)" -ne 0 ] || ! unshare -m --propagation private true 2>/dev/null; then
  echo "skipped part 2: needs root and unshare -m"
  echo "setup_locale: 1 passed, 0 failed"
  exit 0
fi
T=$(mktemp -d /tmp/bt-setup-locale.XXXXXX)
trap 'rm -rf "$T"' EXIT
mkdir "$T/bin" "$T/locale"
cp -a /usr/lib/locale/. "$T/locale/"
printf '#!/bin/sh\nexit 1\n' >"$T/bin/dpkg-query"
cat >"$T/bin/apt-get" <<EOF
#!/bin/sh
echo "LC_ALL=\$LC_ALL" >>"$T/apt-env"
locale >/dev/null
EOF
chmod +x "$T/bin/"*
# shellcheck disable=SC2016
unshare -m --propagation private bash -c '
  set -e
  mount --bind "$1/locale" /usr/lib/locale
  LC_ALL=C localedef --delete-from-archive vi_VN.utf8 2>/dev/null || true
  if LC_ALL=C locale -a | grep -qi "^vi_VN"; then echo "vi_VN still there after deleting it" >&2; exit 1; fi
  PATH="$1/bin:$PATH" BT_SETUP_APT="$1/bin/apt-get" BT_SETUP_APT_LOCKS="$1/no-lock" LC_ALL=vi_VN.UTF-8 \
    bash "$2/scripts/setup.sh" >"$1/out" 2>"$1/err"
  LC_ALL=C locale -a >"$1/after"
  LC_ALL=vi_VN.UTF-8 bash -c true 2>"$1/err-after"
' _ "$T" "$src" || { cat "$T/out" "$T/err" 2>/dev/null; fail "setup.sh in a namespace without vi_VN"; }
# bash itself prints one warning for the LC_ALL it was started with, before the
# script runs: that line is the caller's. Nothing after it may warn.
sed '1{/^bash: warning: setlocale: LC_ALL: cannot change locale (vi_VN.UTF-8)$/d}' "$T/err" >"$T/err-rest"
if grep -qi 'locale' "$T/err-rest"; then cat "$T/err-rest"; fail "setup.sh or a program it ran warned about the locale"; fi
grep -qx 'LC_ALL=C.UTF-8' "$T/apt-env" || { cat "$T/apt-env"; fail "apt-get did not run under C.UTF-8"; }
grep -qi '^vi_VN\.utf-\?8$' "$T/after" || fail "setup.sh did not make vi_VN.UTF-8"
[ ! -s "$T/err-after" ] || { cat "$T/err-after"; fail "vi_VN.UTF-8 does not work after setup.sh"; }
echo "ok: setup.sh runs apt-get and localedef under C.UTF-8 and makes a working vi_VN.UTF-8"
echo "setup_locale: 2 passed, 0 failed"
