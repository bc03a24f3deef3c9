#!/bin/sh
# Compiles or links one build product under build/ from its source in the
# checkout, so that no object or test program lands beside the sources:
#     cc.sh obj  build/X/Y.o  CC CFLAGS...          (from X/Y.c)
#     cc.sh prog build/X/Y    CC FLAGS... -- LIBS... (from X/Y.c, a test program)
# Each compile writes its dependencies (-MMD) and refreshes build/deps.mk,
# which the Makefile includes: POSIX make has no pattern rules, so this is
# how an object learns which source and headers it was made from.
set -eu
mode=$1
out=$2
shift 2
src=${out#build/}
src=${src%.o}.c
mkdir -p "$(dirname "$out")"
case "$mode" in
obj)
	"$@" -MMD -MP -MF "$out.d" -MT "$out" -c "$src" -o "$out"
	;;
prog)
	flags=""
	while [ $# -gt 0 ] && [ "$1" != -- ]; do
		flags="$flags $1"
		shift
	done
	[ $# -gt 0 ] && shift
	# shellcheck disable=SC2086
	$flags -MMD -MP -MF "$out.d" -MT "$out" -o "$out" "$src" "$@"
	;;
*)
	echo "cc.sh: unknown mode '$mode' (obj or prog)" >&2
	exit 2
	;;
esac
tmp="build/deps.mk.$$"
find build -name '*.d' ! -path 'build/fuzz/*' -exec cat {} + >"$tmp" 2>/dev/null || true
mv "$tmp" build/deps.mk
