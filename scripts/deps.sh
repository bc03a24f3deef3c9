#!/bin/sh
# Installs the Debian 12 packages iotlbench needs to build, test and run.
# As root it runs apt-get itself; otherwise it prints the exact command and
# fails, so a build never half-works with a missing library.
#   sh scripts/deps.sh [PACKAGE...]   only those packages (make deps-campaign)
set -eu
# R and the CRAN packages as Debian builds them, for analysis/ (nothing is
# downloaded at run time).
RPKGS="r-base-core r-cran-ggplot2 r-cran-data.table r-cran-jsonlite r-cran-testthat r-cran-scales"
PKGS="$RPKGS gcc clang make bmake pkg-config libcmocka-dev libnvme-dev libinih-dev libjson-c-dev libcsv-dev libblkid-dev liburing-dev systemtap-sdt-dev libbpf-dev bpftool libelf-dev zlib1g-dev libpfm4-dev e2fsprogs gdisk lvm2 valgrind libclang-rt-14-dev clang-format help2man chromium"
[ $# -gt 0 ] && PKGS="$*"
missing=""
for p in $PKGS; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed"; then
		missing="$missing $p"
	fi
done
[ -z "$missing" ] && exit 0
cmd="apt-get install -y --no-install-recommends$missing"
if [ "$(id -u)" != 0 ]; then
	echo "iotlbench: missing Debian packages:$missing" >&2
	echo "run as root:  apt-get update && $cmd" >&2
	exit 1
fi
echo "iotlbench: installing$missing"
export DEBIAN_FRONTEND=noninteractive
# A fresh machine has empty package lists; update once, then install.
if ! $cmd >/dev/null 2>&1; then
	apt-get update -q >/dev/null
	$cmd
fi
