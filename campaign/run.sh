#!/bin/sh
# make campaign INVENTORY=... [SUITES=...]: one campaign over the hosts of an
# Ansible inventory (README.md, Campaigns).
#   campaign/run.sh INVENTORY [SUITES]
# SUITES: suite names or .suite files, separated by commas or spaces; they
# replace every host's iotlbench_suites. Environment: CAMPAIGN (the id; by
# default the inventory's name and a digest of the inventory, the revision
# and SUITES, so the same command resumes the same campaign), CAMPAIGN_ROOT
# (default datasets/campaigns), ANSIBLE_ARGS (more ansible-playbook options,
# e.g. --limit).
# Pushes `git archive HEAD` of this checkout: uncommitted changes are not
# measured. Exits 0 when every cell is complete.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
inv=${1:-}
suites=${2:-}
if [ -z "$inv" ]; then
	echo "campaign: no inventory: make campaign INVENTORY=path/to/inventory.yml (campaign/inventory.example.yml shows one)" >&2
	exit 2
fi
[ -e "$inv" ] || { echo "campaign: inventory $inv does not exist" >&2; exit 2; }
inv=$(cd "$(dirname "$inv")" && pwd)/$(basename "$inv")
command -v ansible-playbook >/dev/null || { echo "campaign: ansible-playbook is missing: make deps-campaign (Debian's ansible-core)" >&2; exit 2; }
git -C "$top" rev-parse HEAD >/dev/null 2>&1 || { echo "campaign: $top is not a git checkout: the campaign pushes git archive HEAD to each host" >&2; exit 2; }
rev=$(git -C "$top" rev-parse HEAD)
if [ -n "$(git -C "$top" status --porcelain --untracked-files=no)" ]; then
	echo "campaign: warning: uncommitted changes are not pushed; the hosts build $rev" >&2
fi
# The inventory's digest: every file of it (a directory holds group_vars too).
digest=$( (if [ -d "$inv" ]; then find "$inv" -type f | LC_ALL=C sort | xargs cat; else cat "$inv"; fi) | sha256sum | cut -c1-64)
suites_list=$(echo "$suites" | tr ',' ' ')
name=$(basename "$inv" | sed 's/\.[a-z]*$//' | tr -c 'A-Za-z0-9_.\n-' '_')
id=${CAMPAIGN:-$name-$(printf '%s %s %s' "$digest" "$rev" "$suites_list" | sha256sum | cut -c1-8)}
case "$id" in */* | .* | *[!A-Za-z0-9_.-]*) echo "campaign: id '$id' may hold only letters, digits, '.', '_' and '-'" >&2; exit 2 ;; esac
root=${CAMPAIGN_ROOT:-$top/datasets/campaigns}
mkdir -p "$root"
dir=$(cd "$root" && pwd)/campaign-$id
mkdir -p "$dir/.incoming"
archive="$dir/.incoming/iotlbench-$(echo "$rev" | cut -c1-12).tar.gz"
[ -s "$archive" ] || git -C "$top" archive --format=tar.gz --prefix=iotlbench/ -o "$archive" "$rev"

json_str() { printf '"%s"' "$(printf '%s' "$1" | sed 's/\\/\\\\/g; s/"/\\"/g')"; }
vars="$dir/.incoming/vars.json"
{
	printf '{"campaign_id": %s, "campaign_dir": %s, "campaign_revision": %s,' "$(json_str "$id")" "$(json_str "$dir")" "$(json_str "$rev")"
	printf ' "campaign_archive": %s, "campaign_inventory": %s, "campaign_inventory_digest": %s,' "$(json_str "$archive")" "$(json_str "$inv")" "$(json_str "$digest")"
	printf ' "campaign_started": %s' "$(json_str "$(date -u +%Y-%m-%dT%H:%M:%SZ)")"
	if [ -n "$suites_list" ]; then
		printf ', "campaign_suites": ['
		sep=""
		for s in $suites_list; do
			# A suite file given on the controller: its absolute path, so the
			# run role can copy it to the host.
			case "$s" in */* | *.suite) [ -f "$s" ] && s=$(cd "$(dirname "$s")" && pwd)/$(basename "$s") ;; esac
			printf '%s%s' "$sep" "$(json_str "$s")"
			sep=", "
		done
		printf ']'
	fi
	printf '}\n'
} >"$vars"
echo "campaign $id: $dir (revision $(echo "$rev" | cut -c1-12))"
rc=0
# shellcheck disable=SC2086
ANSIBLE_CONFIG="$here/ansible.cfg" ANSIBLE_ROLES_PATH="$here/roles" \
	ansible-playbook -i "$inv" "$here/campaign.yml" -e "@$vars" ${ANSIBLE_ARGS:-} || rc=$?
if [ -f "$dir/summary.txt" ]; then
	cat "$dir/summary.txt"
fi
echo "campaign $id: $dir/campaign.json; report: bin/iotlbench report $dir --out $dir/report"
exit "$rc"
