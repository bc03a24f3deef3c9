# Loopback test hosts for the campaign: separate sshd instances (Debian's
# openssh-server) on 127.0.0.2, 127.0.0.3, ..., each with its own port, host
# key, configuration and work directory, all accepting one key made here.
# Sourced by tests/campaign/test.sh and scripts/bench-campaign.sh:
#   hosts_start DIR N      start N hosts under DIR (DIR/h2, DIR/h3, ...)
#   hosts_kill I           stop host 127.0.0.I: its sshd and every session it forked
#   hosts_restart I        start it again (same port and keys)
#   hosts_stop             stop them all (call it from a trap)
#   hosts_inventory_vars   the inventory lines every host shares (ssh key, known_hosts)
# After hosts_start, HOST_PORT_<I> holds each host's port.

HOSTS_DIR=""
HOSTS_LIST=""

# The processes a host's sshd forked (one per connection, and theirs): found
# through /proc by parent pid, so only this test's processes are touched.
# Functions share variables in sh: print each pid before descending.
hosts_children() {
	for p in $(ps -o pid= --ppid "$1" 2>/dev/null); do
		echo "$p"
		hosts_children "$p"
	done
}

hosts_sshd() {
	i=$1
	d="$HOSTS_DIR/h$i"
	eval "port=\$HOST_PORT_$i"
	cat >"$d/sshd_config" <<CFG
ListenAddress 127.0.0.$i:$port
HostKey $d/host_ed25519
PidFile $d/sshd.pid
AuthorizedKeysFile $HOSTS_DIR/authorized_keys
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
MaxStartups 100
MaxSessions 100
Subsystem sftp internal-sftp
CFG
	rm -f "$d/sshd.pid"
	/usr/sbin/sshd -D -f "$d/sshd_config" -E "$d/sshd.log" &
	echo $! >"$d/sshd.pid.own"
	# Ready when it answers with its host key (at most 10 s).
	n=0
	while [ $n -lt 50 ]; do
		if ssh-keyscan -T 1 -p "$port" 127.0.0.$i 2>/dev/null | grep -q ssh-ed25519; then
			return 0
		fi
		kill -0 "$(cat "$d/sshd.pid.own")" 2>/dev/null || return 1
		sleep 0.2
		n=$((n + 1))
	done
	return 1
}

hosts_start() {
	HOSTS_DIR=$1
	count=$2
	# sshd's privilege separation directory; Debian creates it only when the
	# ssh service starts.
	mkdir -p /run/sshd
	chmod 0755 /run/sshd
	ssh-keygen -q -t ed25519 -N '' -C campaign-test -f "$HOSTS_DIR/id_ed25519" </dev/null
	cp "$HOSTS_DIR/id_ed25519.pub" "$HOSTS_DIR/authorized_keys"
	: >"$HOSTS_DIR/known_hosts"
	# Ports from this process's id, so that two test runs on one machine do
	# not meet; another port is tried when one is taken.
	base=$((20000 + ($$ % 2000) * 10))
	i=2
	while [ $i -lt $((count + 2)) ]; do
		mkdir -p "$HOSTS_DIR/h$i"
		ssh-keygen -q -t ed25519 -N '' -f "$HOSTS_DIR/h$i/host_ed25519" </dev/null
		tries=0
		while :; do
			eval "HOST_PORT_$i=$((base + i + tries * 7))"
			hosts_sshd $i && break
			kill "$(cat "$HOSTS_DIR/h$i/sshd.pid.own")" 2>/dev/null
			tries=$((tries + 1))
			if [ $tries -ge 5 ]; then
				echo "hosts: sshd for 127.0.0.$i did not start ($HOSTS_DIR/h$i/sshd.log):" >&2
				cat "$HOSTS_DIR/h$i/sshd.log" >&2
				return 1
			fi
		done
		eval "port=\$HOST_PORT_$i"
		echo "[127.0.0.$i]:$port $(cat "$HOSTS_DIR/h$i/host_ed25519.pub")" >>"$HOSTS_DIR/known_hosts"
		HOSTS_LIST="$HOSTS_LIST $i"
		i=$((i + 1))
	done
}

hosts_kill() {
	pidf="$HOSTS_DIR/h$1/sshd.pid.own"
	[ -f "$pidf" ] || return 0
	pid=$(cat "$pidf")
	kids=$(hosts_children "$pid")
	kill "$pid" 2>/dev/null
	# shellcheck disable=SC2086
	[ -n "$kids" ] && kill $kids 2>/dev/null
	wait "$pid" 2>/dev/null
	rm -f "$pidf"
	return 0
}

hosts_restart() {
	hosts_sshd "$1"
}

hosts_stop() {
	for i in $HOSTS_LIST; do
		hosts_kill "$i"
	done
	# Ansible's ssh connection masters (ControlPersist) under DIR/cp.
	for s in "$HOSTS_DIR"/cp/*; do
		[ -S "$s" ] && ssh -o ControlPath="$s" -O exit localhost >/dev/null 2>&1
	done
	return 0
}

hosts_inventory_vars() {
	cat <<VARS
    ansible_user: root
    ansible_python_interpreter: /usr/bin/python3
    ansible_ssh_private_key_file: $HOSTS_DIR/id_ed25519
    ansible_ssh_common_args: -o UserKnownHostsFile=$HOSTS_DIR/known_hosts -o IdentitiesOnly=yes
VARS
}
