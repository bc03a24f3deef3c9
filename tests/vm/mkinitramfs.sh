#!/bin/sh
# Builds the initramfs (gzip'd newc cpio) for the iotlbench test guest:
# busybox-static, tests/vm/init as /init, the guest tests, and every file the
# caller names, with the shared libraries that `ldd` lists for each ELF file
# plus the dynamic loader. No root needed.
#
# usage: mkinitramfs.sh -o OUT.cpio.gz [options]
#   -t FILE        a guest test: copied to /guest-tests/<name of FILE>; /init
#                  runs every executable there in name order
#   -c NAME=CMD    a guest test given as a shell command line: becomes the
#                  script /guest-tests/NAME running CMD with /bin/sh
#   -f SRC[:DEST]  any other host file or directory tree, at DEST in the guest
#                  (default: the same path as on the host); ELF files get
#                  their libraries too
# Files named with -t or -f that are scripts whose interpreter is not /bin/sh
# (e.g. #!/bin/bash) get that interpreter and its libraries as well.
#
# Example:
#   sh tests/vm/mkinitramfs.sh -o /tmp/initrd.gz -t tests/vm/guest-smoke.sh \
#       -f bin/iotlbench:/bin/iotlbench -c 'version=/bin/iotlbench version'
set -eu

here=$(cd "$(dirname "$0")" && pwd)
die() { echo "mkinitramfs: error: $*" >&2; exit 1; }
usage() { sed -n '7,17p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }

out=""
tests=""
files=""
cmds=""
nl='
'
while getopts o:t:f:c:h opt; do
	case $opt in
	o) out=$OPTARG ;;
	t) tests="$tests$OPTARG$nl" ;;
	f) files="$files$OPTARG$nl" ;;
	c) cmds="$cmds$OPTARG$nl" ;;
	*) usage ;;
	esac
done
[ -n "$out" ] || usage

busybox=/bin/busybox
# The guest has no libraries of its own, so busybox must be the static build
# (Debian's busybox-static replaces the dynamic /bin/busybox).
[ -x "$busybox" ] || die "$busybox is missing: apt-get install busybox-static"
if ldd "$busybox" >/dev/null 2>&1; then
	die "$busybox is dynamically linked: apt-get install busybox-static"
fi
command -v cpio >/dev/null || die "cpio not found: apt-get install cpio"

root=$(mktemp -d "${TMPDIR:-/tmp}/iotlb-initramfs.XXXXXX")
trap 'rm -rf "$root"' EXIT INT TERM
mkdir -p "$root/bin" "$root/sbin" "$root/usr/bin" "$root/usr/sbin" "$root/dev" \
	"$root/proc" "$root/sys" "$root/tmp" "$root/run" "$root/root" "$root/etc" \
	"$root/guest-tests" "$root/guest-out" "$root/lib/x86_64-linux-gnu" "$root/lib64"

# busybox and one symlink per applet (bin/ only; PATH covers the rest).
cp "$busybox" "$root/bin/busybox"
for a in $("$busybox" --list); do
	[ -e "$root/bin/$a" ] || ln -s busybox "$root/bin/$a"
done
cp "$here/init" "$root/init"
chmod 755 "$root/init"
# A console node lets the kernel give /init its stdio; without root we cannot
# make one, and /init reopens /dev/console from devtmpfs anyway.
mknod -m 600 "$root/dev/console" c 5 1 2>/dev/null || true
echo "root:x:0:0:root:/root:/bin/sh" >"$root/etc/passwd"
echo "root:x:0:" >"$root/etc/group"

is_elf() { [ "$(head -c 4 "$1" | od -An -c | tr -d ' ')" = '177ELF' ]; }

# copy_libs FILE: the libraries `ldd` resolves for FILE, at their host paths,
# plus the loader (the "/lib64/ld-linux-x86-64.so.2 (0x...)" line).
copy_libs() {
	is_elf "$1" || return 0
	ldd "$1" 2>/dev/null | while read -r a b c _; do
		case $a:$b:$c in
		*"=>:not") die "$1 needs $a, which ldd cannot find" ;;
		*"=>":/*) lib=$c ;;     # libfoo.so.1 => /lib/.../libfoo.so.1 (0x..)
		/*:*) lib=$a ;;          # /lib64/ld-linux-x86-64.so.2 (0x..)
		*) continue ;;           # linux-vdso.so.1, "statically linked"
		esac
		[ -e "$root$lib" ] && continue
		mkdir -p "$root$(dirname "$lib")"
		cp -L "$lib" "$root$lib"
	done
}

# add SRC DEST: copy one file (or a tree) and what it needs to run.
add() {
	src=$1 dest=$2
	[ -e "$src" ] || die "no such file: $src"
	mkdir -p "$root$(dirname "$dest")"
	if [ -d "$src" ]; then
		cp -RL "$src" "$root$dest"
		find "$src" -type f | while read -r f; do copy_libs "$f"; done
		return
	fi
	cp -L "$src" "$root$dest"
	copy_libs "$src"
	# A script with an interpreter other than busybox sh brings it along.
	interp=$(head -n 1 "$src" | sed -n 's/^#! *\([^ ]*\).*/\1/p')
	case $interp in
	"" | /bin/sh) ;;
	/usr/bin/env) die "$src uses '#!/usr/bin/env': name the interpreter by path" ;;
	*) [ -e "$root$interp" ] || add "$interp" "$interp" ;;
	esac
}

printf %s "$tests" | while IFS= read -r t; do
	[ -n "$t" ] || continue
	add "$t" "/guest-tests/${t##*/}"
	chmod 755 "$root/guest-tests/${t##*/}"
done
printf %s "$files" | while IFS= read -r f; do
	[ -n "$f" ] || continue
	case $f in
	*:*) add "${f%%:*}" "${f#*:}" ;;
	*) add "$f" "$(cd "$(dirname "$f")" && pwd)/${f##*/}" ;;
	esac
done
printf %s "$cmds" | while IFS= read -r c; do
	[ -n "$c" ] || continue
	name=${c%%=*}
	case $name in
	"" | *[!A-Za-z0-9._-]*) die "-c needs NAME=COMMAND with a plain NAME, got: $c" ;;
	esac
	printf '#!/bin/sh\n%s\n' "${c#*=}" >"$root/guest-tests/$name"
	chmod 755 "$root/guest-tests/$name"
done

# The kernel unpacks gzip (CONFIG_RD_GZIP); -1 because speed matters more here
# than a few hundred KB.
mkdir -p "$(dirname "$out")"
(cd "$root" && find . | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) | gzip -1 >"$out.tmp"
mv "$out.tmp" "$out"
echo "mkinitramfs: $out ($(du -k "$out" | cut -f1) KiB): $(ls "$root/guest-tests" | tr '\n' ' ')" >&2
