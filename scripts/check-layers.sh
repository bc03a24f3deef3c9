#!/bin/sh
# Checks the include graph against the layering the tree promises
# (HACKING.md): data flows driver -> micro -> datasets -> analysis, bpf
# observes from the side, and no two folders include each other. Prints
# every include that breaks a rule and exits 1; quiet otherwise but for one
# summary line.
set -eu
cd "$(dirname "$0")/.."
bad=0
# rule FILES-GLOB FORBIDDEN-PREFIX WHY
rule() {
	files=$(git ls-files "$1" 2>/dev/null | grep -E '\.(c|h)$' || true)
	[ -n "$files" ] || return 0
	# shellcheck disable=SC2086
	hits=$(grep -nE "^[[:space:]]*#[[:space:]]*include[[:space:]]+\"$2" $files || true)
	if [ -n "$hits" ]; then
		echo "check-layers: $3:"
		echo "$hits" | sed 's/^/    /'
		bad=1
	fi
}
rule '*' '\.\./' 'includes are written from the repository root, never "../"'
rule 'driver/*' '(micro|bpf|tools|tests|analysis)/' 'driver/ is the bottom of the pipeline'
rule 'driver/util/*' 'driver/(nvme|backend|host|emu|iommu|mem)/' 'driver/util depends on nothing above it'
rule 'driver/nvme/*' 'driver/(backend|host|emu|iommu|mem)/' 'the NVMe core needs only driver/dma.h and driver/transport.h'
rule 'driver/mem/*' 'driver/(backend|host|emu|nvme)/' 'backing memory knows no backend'
rule 'driver/iommu/*' 'driver/(backend|host|emu|nvme|mem)/' 'the IOMMU model stands alone'
rule 'driver/kio/*' 'driver/(backend|emu|iommu|mem)/' 'the kernel I/O path knows no backend (the NVMe core only for struct nvme_ns)'
rule 'driver/host/*' 'driver/(backend|emu|nvme)/' 'host probing knows no backend'
rule 'bpf/*' '(micro|tools|tests)/' 'bpf/ observes from the side'
rule 'bpf/*' 'driver/(backend|emu|nvme|mem|iommu)/' 'bpf/ reads no driver internals (only driver/util and kernel ABI in driver/host/uapi)'
rule 'micro/*' '(tools|tests)/' 'the program does not include developer tools or tests'
rule 'micro/measure/*' 'micro/(cli|run|kinds|dataset)/' 'micro/measure is below every other part of micro/'
rule 'micro/dataset/*' 'micro/(cli|run|kinds)/' 'micro/dataset owns the formats and is written to, not calling up'
rule 'micro/kinds/*' 'micro/(cli|run)/' 'kinds see the run only through struct bench_env (kinds/kind.h)'
rule 'micro/run/*' 'micro/cli/' 'the runner does not know the command line'
if [ "$bad" = 0 ]; then
	echo "check-layers: include graph follows the layering"
fi
exit "$bad"
