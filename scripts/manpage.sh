#!/bin/sh
# manpage.sh - write the manual page bontot.1 from the help the command itself
# prints, in English: `bontot --help` gives the synopsis, the description, the
# global options, the exit codes and the list of commands, and `bontot COMMAND
# --help` each command's section, so a new command or option appears without
# editing this file. Run by the build (CMakeLists.txt), installed into
# share/man/man1, checked by tests/check_manpage.sh.
#
#   sh scripts/manpage.sh BONTOT OUT [DOCS_DIR [LOCALEDIR]]
#
# BONTOT is the built command, OUT the page to write; DOCS_DIR (docs/) lists
# the project's pages under SEE ALSO; LOCALEDIR is where the installed command
# looks for its message catalogs. The date is $SOURCE_DATE_EPOCH's when set
# (reproducible builds), else today's.
set -eu

if [ $# -lt 2 ]; then
	echo "usage: sh manpage.sh BONTOT OUT [DOCS_DIR [LOCALEDIR]]" >&2
	exit 2
fi
bin=$1 out=$2 docs=${3:-} localedir=${4:-/usr/local/share/locale}
# The C locale: the command prints its English help, and awk reads bytes.
LC_ALL=C
export LC_ALL
unset LANGUAGE || true

fail() {
	echo "manpage.sh: $*" >&2
	exit 1
}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

"$bin" --help >"$tmp/main" </dev/null || fail "\"$bin --help\" failed"
"$bin" --version >"$tmp/version" </dev/null || fail "\"$bin --version\" failed"
version=$(sed -n '1s/^[^ ]* //p' "$tmp/version")
[ -n "$version" ] || fail "\"$bin --version\" printed no version"

# The commands: the lines indented by two spaces under "Commands:", up to a
# blank line; the first word is the command, the rest its summary (a line
# indented more continues the summary above it).
awk '/^Commands:[ ]*$/ { on = 1; next }
     on && /^[ \t]*$/ { exit }
     on && /^  [^ ]/ { if (name != "") print name "\t" text; name = $1; text = $0
                       sub(/^ *[^ ]+ */, "", text); next }
     on && /^   / { t = $0; sub(/^ */, "", t); text = text " " t }
     END { if (name != "") print name "\t" text }' "$tmp/main" >"$tmp/commands"
[ -s "$tmp/commands" ] || fail "no commands found under \"Commands:\" in \"$bin --help\""

i=0
while IFS='	' read -r name summary; do
	case $name in
	*[!A-Za-z0-9_-]* | -*) fail "unexpected command name \"$name\" in \"$bin --help\"" ;;
	esac
	i=$((i + 1))
	"$bin" "$name" --help >"$tmp/help.$i" </dev/null || fail "\"$bin $name --help\" failed"
	[ -s "$tmp/help.$i" ] || fail "\"$bin $name --help\" printed nothing"
done <"$tmp/commands"

# The roff writer. esc() makes a line of help text safe for roff: a backslash
# is \e, every hyphen \- (options and dates copy as typed), a line starting
# with a dot or an apostrophe gets \& before it, and any character beyond
# ASCII becomes \[uXXXX] (the page needs no input encoding). A help text is
# then cut into blocks at blank lines and at changes of indentation:
# unindented lines are prose (filled), "  -x, --long ARG   text" lines a
# list of options (.TP), other indented lines and "Usage:" blocks are kept
# line for line (.nf).
cat >"$tmp/roff.awk" <<'EOF'
BEGIN {
	blank = 1
	for (i = 128; i < 256; i++)
		byte[sprintf("%c", i)] = i
}
function esc(s,    r, i, n, c, b, k, cp, need) {
	r = ""
	n = length(s)
	for (i = 1; i <= n; i++) {
		c = substr(s, i, 1)
		if (c == "\\") { r = r "\\e"; continue }
		if (c == "-") { r = r "\\-"; continue }
		if (!(c in byte)) {
			if (c == "\t") c = " "
			else if (c < " " || c == "\177") c = ""
			r = r c
			continue
		}
		b = byte[c]
		if (b >= 240 && b < 248) { cp = b - 240; need = 3 }
		else if (b >= 224) { cp = b - 224; need = 2 }
		else if (b >= 192) { cp = b - 192; need = 1 }
		else { r = r "\\[uFFFD]"; continue }
		for (k = 1; k <= need; k++) {
			c = substr(s, i + k, 1)
			if (!(c in byte) || byte[c] < 128 || byte[c] >= 192) break
			cp = cp * 64 + byte[c] - 128
		}
		if (k <= need || cp < 128) { r = r "\\[uFFFD]"; i += k - 1; continue }
		i += need
		r = r sprintf("\\[u%04X]", cp)
	}
	if (r ~ /^[.']/)
		r = "\\&" r
	return r
}
# The options of a tag in bold, their arguments in roman:
# "-n, --count N" -> \fB\-n\fR, \fB\-\-count\fR N; "--x[=no]" -> \fB\-\-x\fR[=no].
function tag(s,    n, w, i, r, name, rest) {
	n = split(s, w, " ")
	r = ""
	for (i = 1; i <= n; i++) {
		if (i > 1)
			r = r " "
		if (w[i] !~ /^-/) {
			r = r esc(w[i])
			continue
		}
		name = w[i]
		rest = ""
		if (match(name, /[=[,]/)) {
			rest = substr(name, RSTART)
			name = substr(name, 1, RSTART - 1)
		}
		r = r "\\fB" esc(name) "\\fR" esc(rest)
	}
	return r
}
function indent(s) {
	match(s, /^ */)
	return RLENGTH
}
function close_block() {
	if (mode == "nf")
		print ".fi"
	mode = ""
}
# A new block: a paragraph break after a blank line or a list of options
# (not at the very start of a section); .nf alone breaks the line.
function start(m,    was) {
	was = mode
	close_block()
	if (m != "opt" && !fresh && (blank || was == "opt"))
		print ".PP"
	if (m == "nf")
		print ".nf"
	fresh = 0
	mode = m
}
function line(s,    n, t, d) {
	if (s ~ /^[ \t]*$/) {
		close_block()
		blank = 1
		usage = 0
		return
	}
	n = indent(s)
	if (n == 0 && s ~ /^Usage:/) {
		start("nf")
		print esc(s)
		usage = 1
	} else if (usage && n > 0) {
		print esc(s)
	} else if (n > 0 && substr(s, n + 1, 1) == "-") {
		usage = 0
		t = substr(s, n + 1)
		d = ""
		if (match(t, /   */)) {
			d = substr(t, RSTART + RLENGTH)
			t = substr(t, 1, RSTART - 1)
		}
		if (mode != "opt")
			start("opt")
		print ".TP"
		print tag(t)
		if (d != "")
			print esc(d)
		optindent = n
	} else if (mode == "opt" && n > optindent && !blank) {
		sub(/^ */, "", s)
		print esc(s)
	} else if (n > 0) {
		usage = 0
		if (mode != "nf" || blank)
			start("nf")
		print esc(s)
	} else {
		usage = 0
		if (mode != "prose" || blank)
			start("prose")
		print esc(s)
	}
	blank = 0
}
# Sections of `bontot --help`: the paragraphs after the usage (want =
# "description"), "Global options:" ("options") and "Exit codes: ..."
# ("exit"). The usage and "Commands:" are written by the caller.
function main_line(s) {
	if (s ~ /^[ \t]*$/) {
		skip = 0
		if (section == want)
			line(s)
		return
	}
	if (skip)
		return
	if (s ~ /^Usage:/ || s ~ /^Commands:[ ]*$/) {
		skip = 1
		return
	}
	if (s ~ /^Global options:[ ]*$/) {
		section = "options"
		return
	}
	if (s ~ /^Exit codes?:/)
		section = "exit"
	if (section == want)
		line(s)
}
BEGIN { section = "description" }
want == "escape" { print esc($0); next }
want == "" { line($0); next }
{ main_line($0) }
END { close_block() }
EOF

render() { # FILE [SECTION] [FRESH]: the roff of a help text, or of one section of `bontot --help`
	awk -v want="${2:-}" -v fresh="${3:-1}" -f "$tmp/roff.awk" "$1"
}
escline() { # TEXT: escaped as one line of text
	printf '%s\n' "$1" | awk -v want=escape -f "$tmp/roff.awk"
}

if [ -n "${SOURCE_DATE_EPOCH:-}" ]; then
	date=$(date -u -d "@$SOURCE_DATE_EPOCH" +%Y-%m-%d)
else
	date=$(date -u +%Y-%m-%d)
fi
# NAME: the first paragraph after the usage, as one line, without its full stop.
summary=$(awk '/^Usage:/ { u = 1; next } u && /^ / { next } /^[ \t]*$/ { u = 0; if (t != "") exit; next }
	{ t = t (t == "" ? "" : " ") $0 } END { sub(/\.$/, "", t); print t }' "$tmp/main")
[ -n "$summary" ] || fail "no description in \"$bin --help\""
synopsis=$(awk '/^Usage:/ { sub(/^Usage: */, ""); print; exit }' "$tmp/main")
[ -n "$synopsis" ] || fail "no \"Usage:\" line in \"$bin --help\""
ld=$(escline "$localedir")

{
	cat <<EOF
.\\" bontot.1 - written by scripts/manpage.sh from the command's own help; do not edit.
.TH BONTOT 1 "$date" "bontot $(escline "$version")" "User Commands"
.\" Options, ids and dates are not hyphenated, and lines are not stretched.
.nh
.ad l
.SH NAME
bontot \\- $(escline "$summary")
.SH SYNOPSIS
.nf
$(escline "$synopsis" | sed 's/^bontot/\\fBbontot\\fR/')
.fi
.SH DESCRIPTION
EOF
	render "$tmp/main" description
	printf '.SS Global options\n'
	render "$tmp/main" options
	printf '.SH COMMANDS\n'
	printf 'Each command prints its section with \\fBbontot\\fR \\fIcommand\\fR \\fB\\-\\-help\\fR.\n'
	i=0
	while IFS='	' read -r name summary; do
		i=$((i + 1))
		printf '.SS %s\n%s\n' "$(escline "$name")" "$(escline "$summary")"
		render "$tmp/help.$i" "" 0
	done <"$tmp/commands"
	printf '.SH EXIT STATUS\n'
	render "$tmp/main" exit
	cat <<EOF
.PP
A command may give more codes in its own section above.
.SH ENVIRONMENT
.TP
.B BONTOT_DB
The store when \\fB\\-\\-db\\fR is not given (else \\fI./bontot.db\\fR).
.TP
.B BONTOT_AUTHOR
The author written into each record this command records; else \\fBUSER\\fR, else
\\(lqbontot\\(rq.
.TP
.B BONTOT_LOCALEDIR
Where the message catalogs are; else \\fIlocale\\fR beside the executable (a build tree),
else \\fI$ld\\fR.
.TP
.BR LC_ALL ", " LC_MESSAGES ", " LANG
Messages are Vietnamese under a \\fBvi_VN\\fR locale (\\fBLC_ALL=vi_VN.UTF\\-8\\fR), English
under any other (\\fBLC_ALL=C.UTF\\-8\\fR).
.SH FILES
.TP
.I ./bontot.db
The store when neither \\fB\\-\\-db\\fR nor \\fBBONTOT_DB\\fR names one: an SQLite file, with its
\\fI\\-wal\\fR and \\fI\\-shm\\fR files beside it while in use.
.TP
.IR STORE .key.pem
The signing key beside the store (mode 0600): the office's, made by
\\fBbontot office init\\fR, or the tablet's device key, made by \\fBbontot enroll\\fR.
.TP
.I $ld/vi/LC_MESSAGES/bontot.mo
The Vietnamese messages.
.SH SEE ALSO
.BR sqlite3 (1),
.BR openssl (1)
EOF
	if [ -n "$docs" ] && [ -d "$docs" ]; then
		printf '.PP\nThe pages in \\fIdocs/\\fR of the source tree:\n'
		for f in "$docs"/*.md; do
			[ -f "$f" ] || continue
			title=$(sed -n '1{s/^#* *//;p;}' "$f")
			printf '.TP\n.I docs/%s\n%s\n' "$(escline "${f##*/}")" "$(escline "$title")"
		done
	fi
} >"$out.tmp"
mv "$out.tmp" "$out"
