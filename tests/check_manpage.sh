#!/bin/sh
# check_manpage.sh - the manual page read by readers other than its writer.
#
#   sh tests/check_manpage.sh page BONTOT PAGE
#       groff (-ww) and man -l read PAGE without a warning; it has the usual
#       sections; every command `BONTOT --help` lists has its subsection,
#       with the usage line its own --help prints.
#   sh tests/check_manpage.sh escaping MANPAGE_SH
#       scripts/manpage.sh run on a stand-in command whose help has what roff
#       would take for requests and escapes (leading dots and apostrophes,
#       backslashes, hyphens, non-ASCII) and a command it has never seen:
#       the page reads without a warning and shows that text as printed.
set -eu
LC_ALL=C.UTF-8
export LC_ALL
unset LANGUAGE MANPAGER PAGER MAN_KEEP_FORMATTING || true
MANWIDTH=100
export MANWIDTH

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failed=0
fail() {
	printf 'FAIL: %s\n' "$*"
	failed=1
}

# PAGE -> $tmp/page.txt, failing on any warning of groff or man.
read_page() {
	if ! groff -man -Tutf8 -ww -z "$1" 2>"$tmp/groff.err" || [ -s "$tmp/groff.err" ]; then
		fail "groff -man -Tutf8 -ww -z $1:"
		cat "$tmp/groff.err"
	fi
	if ! man --warnings=w -l "$1" >"$tmp/man.out" 2>"$tmp/man.err" || [ -s "$tmp/man.err" ]; then
		fail "man -l $1:"
		cat "$tmp/man.err"
	fi
	# Plain text, whatever man does about bold and underline off a terminal;
	# and all of it on one line with single spaces, for finding a text that
	# the page wraps.
	sed 's/.\x08//g' "$tmp/man.out" >"$tmp/page.txt"
	tr '\n' ' ' <"$tmp/page.txt" | squeeze >"$tmp/page.flat"
}

# The lines "  NAME  summary" under "Commands:" (read here, not by the writer).
commands_of() {
	LC_ALL=C "$1" --help | sed -n '/^Commands:/,/^$/p' | sed -n 's/^  \([^ ][^ ]*\).*/\1/p'
}

squeeze() { tr -s ' ' | sed 's/^ //; s/ $//'; }

case ${1:-} in
page)
	bin=$2 page=$3
	[ -s "$page" ] || { echo "FAIL: no page $page"; exit 1; }
	read_page "$page"
	for s in NAME SYNOPSIS DESCRIPTION COMMANDS "EXIT STATUS" ENVIRONMENT FILES "SEE ALSO"; do
		grep -qx "$s" "$tmp/page.txt" || fail "no section $s"
	done
	for v in BONTOT_DB BONTOT_AUTHOR BONTOT_LOCALEDIR LC_ALL; do
		sed -n '/^ENVIRONMENT$/,/^FILES$/p' "$tmp/page.txt" | grep -q "$v" || fail "ENVIRONMENT does not name $v"
	done
	n=0
	for c in $(commands_of "$bin"); do
		n=$((n + 1))
		grep -qx "   $c" "$tmp/page.txt" || fail "no subsection for the command $c"
		grep -qx '\.SS '"$c" "$page" || fail "no .SS $c in the roff"
		# The command's first usage line, as it prints it, is in the page.
		usage=$(LC_ALL=C "$bin" "$c" --help | grep -m1 'bontot' | squeeze)
		grep -qF -- "$usage" "$tmp/page.flat" || fail "the page does not show \"$usage\""
	done
	[ "$n" -gt 0 ] || fail "$bin --help lists no command"
	[ "$failed" -ne 0 ] || echo "bontot.1: $n commands, each with its subsection; groff and man report no warning"
	;;
escaping)
	gen=$2
	cat >"$tmp/bontot" <<'EOF'
#!/bin/sh
case "$1 ${2:-}" in
"--help ")
	cat <<'HELP'
Usage: bontot [--db FILE] COMMAND [OPTIONS...]

Records of "Chi bộ bốn tốt" and a \backslash.

Commands:
  tricky     .a summary that starts with a dot
  brand-new  'one that starts with an apostrophe
             and goes on

Global options:
  --db FILE    the store
  -q           quiet

Exit codes: 0 success, 1 failure.
HELP
	;;
"--version ") echo "bontot 9.8.7" ;;
"tricky --help")
	cat <<'HELP'
Usage: bontot tricky [--dry-run] FILE

.TH NOT A REQUEST
'br not a request either
A backslash \fB stays \\ as typed, and so does \- or \(em.
Tết Nguyên đán, Đảng ủy, naïve — “quoted” 日本.
  indented . line
  'indented apostrophe

  --dry-run     do nothing; -x is not an option here
  -n, --count N
                a description on the next line
HELP
	;;
"brand-new --help") printf 'Usage: bontot brand-new\n\n- a line that starts with a hyphen\n' ;;
*) exit 2 ;;
esac
EOF
	chmod +x "$tmp/bontot"
	sh "$gen" "$tmp/bontot" "$tmp/test.1" "" /opt/share/locale
	read_page "$tmp/test.1"
	for text in 'Records of "Chi bộ bốn tốt" and a \backslash' '.TH NOT A REQUEST' "'br not a request either" \
		'A backslash \fB stays \\ as typed, and so does \- or \(em.' 'Tết Nguyên đán, Đảng ủy, naïve — “quoted” 日本.' \
		'indented . line' "'indented apostrophe" '--dry-run' 'do nothing; -x is not an option here' '-n, --count N' \
		'a description on the next line' '.a summary that starts with a dot' "'one that starts with an apostrophe and goes on" \
		'- a line that starts with a hyphen' 'Usage: bontot tricky [--dry-run] FILE' '--db FILE' 'bontot 9.8.7' \
		'/opt/share/locale'; do
		grep -qF -- "$text" "$tmp/page.flat" || fail "the page does not show: $text"
	done
	for c in tricky brand-new; do
		grep -qx "   $c" "$tmp/page.txt" || fail "no subsection for the command $c"
	done
	# Every hyphen is a minus (\-) in the roff, so options copy as typed.
	if grep -v '^\.\\"' "$tmp/test.1" | grep -n '\(^\|[^\\]\)-' | grep -v '^[0-9]*:\.'; then
		fail "a bare hyphen in the roff (above)"
	fi
	[ "$failed" -ne 0 ] || echo "manpage.sh escapes what roff would read as requests or escapes"
	;;
*)
	echo "usage: sh check_manpage.sh page BONTOT PAGE | escaping MANPAGE_SH" >&2
	exit 2
	;;
esac
exit "$failed"
