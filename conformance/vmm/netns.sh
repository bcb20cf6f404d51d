#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# netns.sh - two hosts: source and destination migctl-vmm in two network namespaces.
#
# Makes two network namespaces joined by a veth pair (10.77.N.1 and
# 10.77.N.2), impairs the link with delay and loss, runs the sev-sim
# migration workload's source in one and the destination in the other,
# migrates it once over TCP and records total time, downtime and bytes.
# The migration must complete with 0 corrupted pages, or fail cleanly with
# the source still running (and then migrate without the impairment).
# The namespaces, and with them every rule and process in them, are
# removed on exit, also on failure or interrupt.
#
# The impairment is tc netem on both ends where the kernel has sch_netem
# (scripts/kvm-run's VM has it). Without it (tc's own message is shown)
# the impaired-link case emulates it: in each namespace iptables-legacy drops incoming veth
# packets with the statistic match (each way, MIGCTL_NETNS_LOSS), the
# veth sends no GSO packets so a packet is one segment, and faultproxy
# --delay-ms in the destination namespace delays the stream each way
# (MIGCTL_NETNS_DELAY) between the veth address and the destination VMM
# on 127.0.0.1. The root namespace's tables are never touched. Only when
# iptables-legacy or the proxy cannot be used does that case skip, saying
# why, and a tbf rate limit (MIGCTL_NETNS_RATE) shapes the link instead.
# Skips as a whole only when ip or network namespaces are unavailable
# (needs root). KTAP on stdout, kselftest exit codes.
#
# Environment: MIGCTL_NETNS_DELAY (default 20ms; whole ms for the proxy),
# MIGCTL_NETNS_LOSS (default 1%), MIGCTL_NETNS_RATE (tbf rate when neither
# impairment works, default 500mbit; "none": no shaping),
# MIGCTL_FAULTPROXY, and those of lib.sh.
#
# Covers: V-9

set -u
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

DELAY=${MIGCTL_NETNS_DELAY:-20ms}
LOSS=${MIGCTL_NETNS_LOSS:-1%}
RATE=${MIGCTL_NETNS_RATE:-500mbit}
PROXY=${MIGCTL_FAULTPROXY:-$O/conformance/vmm/faultproxy}
id=$(($$ % 250 + 1))
NS_SRC=migctl-src-$$ NS_DST=migctl-dst-$$
VETH_SRC=mcs$$ VETH_DST=mcd$$
IP_SRC=10.77.$id.1 IP_DST=10.77.$id.2

netns_cleanup() {
	ip netns pids "$NS_SRC" 2>/dev/null | xargs -r kill 2>/dev/null
	ip netns pids "$NS_DST" 2>/dev/null | xargs -r kill 2>/dev/null
	ip netns del "$NS_SRC" 2>/dev/null
	ip netns del "$NS_DST" 2>/dev/null
}
lib_cleanup_hooks+=(netns_cleanup)

# Why the namespaces cannot be made here, or nothing.
netns_unavailable() {
	command -v ip >/dev/null || { echo "no ip (Debian package iproute2)"; return; }
	[ "$(id -u)" = 0 ] || { echo "network namespaces need root"; return; }
	ip netns add "$NS_SRC" 2>"$tmp/ns.err" || { echo "ip netns add: $(cat "$tmp/ns.err")"; return; }
	ip netns add "$NS_DST" 2>"$tmp/ns.err" || { echo "ip netns add: $(cat "$tmp/ns.err")"; return; }
}

netns_setup() {
	ip link add "$VETH_SRC" type veth peer name "$VETH_DST" &&
	ip link set "$VETH_SRC" netns "$NS_SRC" &&
	ip link set "$VETH_DST" netns "$NS_DST" &&
	ip -n "$NS_SRC" addr add "$IP_SRC/24" dev "$VETH_SRC" &&
	ip -n "$NS_DST" addr add "$IP_DST/24" dev "$VETH_DST" &&
	ip -n "$NS_SRC" link set lo up && ip -n "$NS_DST" link set lo up &&
	ip -n "$NS_SRC" link set "$VETH_SRC" up && ip -n "$NS_DST" link set "$VETH_DST" up
}

# netem on both ends (delay each way); on failure its message in $netem_err.
netem_setup() {
	netem_err=""
	ip netns exec "$NS_SRC" tc qdisc add dev "$VETH_SRC" root netem delay "$DELAY" loss "$LOSS" \
		2>"$tmp/tc.err" &&
	ip netns exec "$NS_DST" tc qdisc add dev "$VETH_DST" root netem delay "$DELAY" loss "$LOSS" \
		2>"$tmp/tc.err" && return 0
	netem_err=$(tr '\n' ' ' <"$tmp/tc.err")
	return 1
}

tbf_setup() {
	[ "$RATE" = none ] && return 1
	ip netns exec "$NS_SRC" tc qdisc add dev "$VETH_SRC" root tbf rate "$RATE" burst 256kb \
		latency 100ms 2>"$tmp/tc.err" &&
	ip netns exec "$NS_DST" tc qdisc add dev "$VETH_DST" root tbf rate "$RATE" burst 256kb \
		latency 100ms 2>>"$tmp/tc.err"
}

ipt() {	# ipt NS ARGS...: iptables-legacy in namespace NS, never in the root one
	ip netns exec "$1" iptables-legacy -w "${@:2}"
}

# Why the emulated impairment cannot be used, or nothing.
impaired_unavailable() {
	command -v iptables-legacy >/dev/null ||
		{ echo "no iptables-legacy (Debian package iptables; scripts/deps.sh installs it)"; return; }
	[ -x "$PROXY" ] || { echo "no faultproxy at $PROXY (make)"; return; }
	case "${DELAY%ms}" in
	'' | *[!0-9]*) echo "MIGCTL_NETNS_DELAY=$DELAY is not whole milliseconds"; return ;;
	esac
	case "${LOSS%\%}" in
	'' | *[!0-9.]*) echo "MIGCTL_NETNS_LOSS=$LOSS is not a percentage"; return ;;
	esac
}

# Loss on what each namespace receives over the veth: a counting rule, then
# the random drop. No GSO, so the match sees each segment. Errors in $imp_err.
impaired_setup() {
	local p ns dev
	p=$(awk -v l="${LOSS%\%}" 'BEGIN { printf "%.6f", l / 100 }')
	for ns in "$NS_SRC:$VETH_SRC" "$NS_DST:$VETH_DST"; do
		dev=${ns#*:} ns=${ns%%:*}
		ip -n "$ns" link set "$dev" gso_max_segs 1 2>"$tmp/ipt.err" &&
		ipt "$ns" -A INPUT -i "$dev" 2>"$tmp/ipt.err" &&
		ipt "$ns" -A INPUT -i "$dev" -m statistic --mode random \
			--probability "$p" -j DROP 2>"$tmp/ipt.err" && continue
		imp_err="in $ns: $(tr '\n' ' ' <"$tmp/ipt.err")"
		return 1
	done
}

# Packets NS received over the veth and dropped of them, as "dropped of received".
impaired_drops() {
	ipt "$1" -L INPUT -v -n -x 2>/dev/null |
		awk 'NR == 3 { all = $1 } NR == 4 { drop = $1 } END { print drop " of " all }'
}

tcp_retrans() {	# segments TCP retransmitted in namespace $1
	# shellcheck disable=SC2016
	ip netns exec "$1" awk '/^Tcp:/ { if (n++) print $13 }' /proc/net/snmp
}

# Takes the impairment off the link, whichever it is.
unimpair() {
	local ns
	ip netns exec "$NS_SRC" tc qdisc del dev "$VETH_SRC" root 2>/dev/null
	ip netns exec "$NS_DST" tc qdisc del dev "$VETH_DST" root 2>/dev/null
	for ns in "$NS_SRC" "$NS_DST"; do
		command -v iptables-legacy >/dev/null && ipt "$ns" -F INPUT 2>/dev/null
	done
	via=direct
}

# nsproxy TAG PORT: the delay line from $IP_DST:PORT to the destination on 127.0.0.1:PORT.
nsproxy() {
	ip netns exec "$NS_DST" timeout -k 5 "$LIMIT" "$PROXY" --listen "$IP_DST:$2" \
		--to "127.0.0.1:$2" --delay-ms "${DELAY%ms}" 2>"$tmp/$1-proxy.err" &
	proxy=$!
	pids+=("$proxy")
	wait_grep "$tmp/$1-proxy.err" listening 50
}

# nsvmm NAME NS ARGS...: a VMM inside namespace NS; pid in $last.
nsvmm() {
	local name=$1 ns=$2; shift 2
	: >"$tmp/$name.out"; : >"$tmp/$name.err"
	ip netns exec "$ns" timeout -k 5 "$LIMIT" "$VMM" "${KEY[@]}" "$@" >"$tmp/$name.out" 2>"$tmp/$name.err" &
	last=$!
	pids+=("$last")
}

# One migration src -> dst across the namespaces, through the delay line
# when $via is proxy; sets why, stats.
ns_migrate() {
	local tag=$1 dst listen
	next_port
	listen=$IP_DST
	[ "$via" = proxy ] && listen=127.0.0.1
	nsvmm "$tag-dst" "$NS_DST" --incoming "tcp:$listen:$port" "${SEVSIM[@]}" --memory "$MEM" \
		--cpus "$CPUS" --control "$tmp/$tag-dst.sock"
	dst=$last
	wait_listen "$tag-dst" || { why="the destination does not listen"; return 1; }
	if [ "$via" = proxy ] && ! nsproxy "$tag" "$port"; then
		why="faultproxy: $(tr '\n' ' ' <"$tmp/$tag-proxy.err")"
		kill "$dst"
		return 1
	fi
	migrate "$sock" "tcp:$IP_DST:$port" || { why="$reply"; kill "$dst" "$proxy" 2>/dev/null; return 1; }
	stats=$(echo "$reply" | sed 's/.*"stats"://; s/}}$/}/')
	wait_exit "$dst" 90
	c=$(corrupted "$tmp/$tag-dst.out")
	if [ "$rc" != 0 ] || [ "$c" != 0 ]; then
		why="destination guest: exit $rc, corrupted pages: $c"
		return 2
	fi
}

# ns_report TAG LINK: the figures of a completed migration as diagnostics.
ns_report() {
	diag "migration across the namespaces ($2): $stats"
	diag "total $(json_num total_ms "$stats") ms, downtime $(json_num downtime_ms "$stats") ms, $(json_num bytes "$stats") bytes, $(json_num rounds "$stats") rounds, $c corrupted pages"
	[ "$via" = proxy ] || return 0
	diag "packets dropped of received: source $(impaired_drops "$NS_SRC"), destination $(impaired_drops "$NS_DST"); TCP segments retransmitted: source $(tcp_retrans "$NS_SRC"), destination $(tcp_retrans "$NS_DST")"
	diag "$(tail -n1 "$tmp/$1-proxy.err")"
}

planned=(netns-veth impaired-link netns-migrate netns-removed)
echo "KTAP version 1"
reason=$(need_image migrate) || skip_all "$reason" "${planned[@]}"
reason=$(netns_unavailable)
[ -n "$reason" ] && skip_all "$reason" "${planned[@]}"
echo "1..${#planned[@]}"
diag "$CPUS vCPUs, $MEM, $CONVERSIONS conversions per vCPU before the migration, time limits x$SLOW"
if netns_setup 2>"$tmp/setup.err"; then
	ok netns-veth
	diag "$NS_SRC ($IP_SRC) <-> $NS_DST ($IP_DST)"
else
	notok netns-veth "$(tr '\n' ' ' <"$tmp/setup.err")"
	finish
fi
via=direct
# One case, whichever way the link is impaired: netem, or its emulation.
if netem_setup; then
	ok impaired-link
	shaping="netem delay $DELAY loss $LOSS each way"
else
	case "$netem_err" in *unknown*) netem_err+="(no sch_netem in this kernel)" ;; esac
	diag "no netem: tc qdisc add ... netem delay $DELAY loss $LOSS: $netem_err; emulating it"
	imp_err=$(impaired_unavailable)
	if [ -z "$imp_err" ] && impaired_setup; then
		ok impaired-link
		via=proxy
		shaping="iptables-legacy statistic loss $LOSS and faultproxy delay $DELAY, each way"
	else
		ok impaired-link "neither netem ($netem_err) nor its emulation: $imp_err"
		if tbf_setup; then shaping="tbf rate $RATE each way"; else shaping="none"; fi
	fi
fi
diag "link shaping: $shaping"

why=""
sock=$tmp/src.sock
# shellcheck disable=SC2046
nsvmm src "$NS_SRC" "${SEVSIM[@]}" --memory "$MEM" --cpus "$CPUS" --control "$sock" "$IMAGE" -- \
	$(workload migrate.count=1)
if ! wait_sock "$sock"; then
	notok netns-migrate "the source has no control socket: $(tail -n1 "$tmp/src.err")"
elif ! wait_converted src "$last"; then
	notok netns-migrate "$why"
else
	ns_migrate m1
	r=$?
	if [ "$r" = 0 ]; then
		ns_report m1 "$shaping"
		ok netns-migrate
	elif [ "$r" = 1 ] && running "$sock"; then
		# A clean failure: the source runs; unimpaired, the same VM must migrate.
		diag "failed cleanly with $shaping: $why; the source runs"
		unimpair
		if ns_migrate m2; then
			ns_report m2 "no impairment, after the failure"
			ok netns-migrate
		else
			notok netns-migrate "retry: $why"
		fi
	else
		notok netns-migrate "$why"
	fi
fi
netns_cleanup
if ip netns list | grep -q -e "$NS_SRC" -e "$NS_DST"; then
	notok netns-removed "$(ip netns list | grep -e "$NS_SRC" -e "$NS_DST" | tr '\n' ' ')"
else
	ok netns-removed
fi
finish
