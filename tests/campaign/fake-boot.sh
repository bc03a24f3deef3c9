#!/bin/sh
# Stands in for update-grub and the reboot in the campaign test's boot-config
# checks, on a fake root (ROOT/etc/default/grub, ROOT/proc/cmdline): records
# what would run in ROOT/would-run.log and plays its effect.
#   fake-boot.sh update-grub ROOT   the command line grub-mkconfig would write:
#                                   /etc/default/grub, then grub.d/*.cfg in order
#   fake-boot.sh reboot ROOT        boots it: proc/cmdline <- that command line
set -eu
cmd=$1 root=$2
case "$cmd" in
update-grub)
	mkdir -p "$root/boot/grub"
	(
		GRUB_CMDLINE_LINUX="" GRUB_CMDLINE_LINUX_DEFAULT=""
		. "$root/etc/default/grub"
		for f in "$root"/etc/default/grub.d/*.cfg; do
			[ -e "$f" ] && . "$f"
		done
		echo "BOOT_IMAGE=/boot/vmlinuz root=/dev/fake ro $GRUB_CMDLINE_LINUX $GRUB_CMDLINE_LINUX_DEFAULT" | tr -s ' ' | sed 's/ *$//'
	) >"$root/boot/grub/cmdline"
	echo "update-grub: $(cat "$root/boot/grub/cmdline")" >>"$root/would-run.log"
	;;
reboot)
	[ -f "$root/boot/grub/cmdline" ] && cp "$root/boot/grub/cmdline" "$root/proc/cmdline"
	echo "reboot: $(cat "$root/proc/cmdline")" >>"$root/would-run.log"
	;;
*)
	echo "fake-boot.sh: unknown command $cmd" >&2
	exit 2
	;;
esac
