#!/bin/sh
# check-layers.sh [ROOT] - proves the sources include one way only.
#
# The layers, lowest first (README "Architecture"); a file may include its
# own layer and the layers below it, never one above:
#
#   chatbot/util  chatbot/net  chatbot/roster  chatbot/gov  chatbot/bot
#   commands  chatbot/web (the public record: renders what commands render)
#   chatbot/dispatch  chatbot/host (with adapters/adapter.h, the
#   interface the host drives)  adapters  chatbot/host/main.c (which
#   assembles everything)
#
# and no two modules (a .c with its .h, and its private NAME_int.h:
# chatbot/gov/motion.{c,h}) include each other, directly or around a loop;
# and the command handlers (commands/) hold no SQL: they parse and render,
# the governance layer reads and writes the store.
#
# Prints every offending include as FILE:LINE: ... and exits 1; prints
# "layers: ok (N includes)" and exits 0 when there is none.  Run by
# `make check`; ROOT (default .) is the tree to check (tests plant
# violations in a copy).
#
# Known exceptions, each with the work that removes it.  An exception that
# no longer occurs is reported so that it gets deleted here.
#   chatbot/roster/roster <-> chatbot/roster/lookup: a roster owns its
#     lookup index; the roster/lookup rework (issue 10) untangles them.
set -u
root=${1:-.}
cd "$root" || { echo "check-layers: cannot enter $root" >&2; exit 2; }

# one layer per word, lowest first; a layer of several paths joins them with ","
layers="chatbot/util chatbot/net chatbot/roster chatbot/gov chatbot/bot commands chatbot/web chatbot/dispatch chatbot/host,adapters/adapter.h adapters chatbot/host/main.c"
allow_include=""
allow_edge="chatbot/roster/roster>chatbot/roster/lookup"

files=$(find chatbot commands adapters \( -name '*.c' -o -name '*.h' \) -type f 2>/dev/null | sort)
[ -n "$files" ] || { echo "check-layers: no sources under $root" >&2; exit 2; }

tmp=$(mktemp -d) || exit 2
trap 'rm -rf "$tmp"' EXIT INT TERM

# FILE LINE TARGET for every #include "..."
# shellcheck disable=SC2086
grep -n '^[[:space:]]*#[[:space:]]*include[[:space:]]*"' $files /dev/null |
	sed -E 's/^([^:]+):([0-9]+):[[:space:]]*#[[:space:]]*include[[:space:]]*"([^"]+)".*/\1 \2 \3/' \
	> "$tmp/includes"

awk -v layers="$layers" -v allow="$allow_include" -v edges="$tmp/edges" '
# the layer of path: its longest matching prefix (a folder or a file)
function rank(path,   i, best, bl) {
	best = -1; bl = 0
	for (i = 1; i <= np; i++)
		if ((path == P[i] || index(path, P[i] "/") == 1) && length(P[i]) > bl) {
			best = R[i]; bl = length(P[i])
		}
	return best
}
function module(path) { sub(/\.[ch]$/, "", path); sub(/_int$/, "", path); return path }
BEGIN {
	nl = split(layers, L, " ")
	np = 0
	for (i = 1; i <= nl; i++) {
		k = split(L[i], parts, ",")
		for (j = 1; j <= k; j++) { P[++np] = parts[j]; R[np] = i }
	}
	na = split(allow, A, " ")
	for (i = 1; i <= na; i++) allowed[A[i]] = 0
	bad = 0
}
{
	file = $1; line = $2; target = $3; n++
	rf = rank(file); rt = rank(target)
	if (rf > 0 && rt > rf) {
		if ((file ">" target) in allowed) { allowed[file ">" target]++; next }
		else {
			printf "%s:%s: includes %s: layer %s is above %s\n", file, line, target, L[rt], L[rf]
			bad++
		}
	}
	if (rt > 0 && module(file) != module(target))
		print module(file), module(target) > edges
}
END {
	for (k in allowed) if (!allowed[k])
		printf "check-layers: the exception %s no longer occurs; delete it from scripts/check-layers.sh\n", k
	print n > "/dev/stderr"
	exit bad ? 1 : 0
}' "$tmp/includes" 2>"$tmp/count"
rc=$?
touch "$tmp/edges"
cp "$tmp/edges" "$tmp/edges.all"

# module loops: drop the allowed edges (both directions), then tsort
for e in $allow_edge; do
	a=${e%>*}; b=${e#*>}
	grep -v -x -e "$a $b" -e "$b $a" "$tmp/edges" > "$tmp/edges2"
	mv "$tmp/edges2" "$tmp/edges"
	if ! grep -q -x -e "$a $b" "$tmp/edges.all" || ! grep -q -x -e "$b $a" "$tmp/edges.all"; then
		echo "check-layers: the exception $a <-> $b no longer occurs; delete it from scripts/check-layers.sh"
	fi
done
sort -u "$tmp/edges" > "$tmp/edges2"
if ! tsort "$tmp/edges2" >/dev/null 2>"$tmp/loops"; then
	echo "check-layers: modules include each other in a loop:"
	grep -v 'input contains a loop' "$tmp/loops" | sed -E 's/^tsort: /  /'
	# the includes that make each loop's first edge, to fix
	rc=1
fi
# shellcheck disable=SC2046
if grep -n -E 'sqlite3_[a-z_]+\(|store_stmt\(' $(find commands -name '*.[ch]' | sort) /dev/null \
	> "$tmp/sql"; then
	sed -E 's/^([^:]+:[0-9]+):.*/\1: SQL in a command handler: move it to chatbot\/gov/' "$tmp/sql"
	rc=1
fi
if [ $rc -eq 0 ]; then
	echo "layers: ok ($(cat "$tmp/count") includes)"
fi
exit $rc
