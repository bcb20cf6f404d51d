#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# ctlsock-hostile.sh - 50 misbehaving control-socket clients at once; a well-behaved one is still served.
#
# A migctl-vmm runs the memloop test image with --control and
# --control-idle 2 (times MIGCTL_SLOW). A driver (python3) keeps 50 misbehaving clients on its
# socket: slow readers that flood requests and never read, garbage bytes,
# lines longer than the bound without a newline, half-open ones (a request,
# then shutdown), idle ones, clients that send a request and close at
# once, and one that sends a byte at a time. Meanwhile a well-behaved
# client, on two connections made before the others came, sends
# query-status N times on each; each reply must be right and come within
# 1 s (times MIGCTL_SLOW): a server that waits on any one client waits
# for as long as that client does not read, far longer. The worst reply
# and how many took over 100 ms are printed: that figure depends on how
# busy the machine is, so it is measured in bench/ctlsock-latency.sh
# (docs/reliability.adoc), not judged here. Then, with the 50
# still there, it asks for a migration (memloop, over a unix: socket, held
# to 1 MiB/s) with "wait" on one connection and keeps asking query-status
# on both: both are answered while the migration runs, the waiting reply
# comes when it completed, and the source exits at once. The
# destination refuses the 65th client at once and serves 64, and exits
# promptly on quit with stalled readers connected; a third VMM does on
# SIGTERM.
# KTAP on stdout, kselftest exit codes. Needs python3 and /dev/kvm.
#
# Environment: MIGCTL_CTL_PROBES (query-status probes, default 100),
# MIGCTL_CTL_LAT_MS (the bound, default 1000, times MIGCTL_SLOW), and
# those of lib.sh.

set -u
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

PROBES=${MIGCTL_CTL_PROBES:-100}
LAT_MS=$(scaled "${MIGCTL_CTL_LAT_MS:-1000}")
EXIT_MS=$(scaled 2000)
HOSTILE=50
IDLE=$(scaled 2)	# --control-idle: a starved client on a slow platform is no idle one
MEMLOOP=$O/vmm/tests/images/memloop.elf
HANG=$O/vmm/tests/images/hang.elf

now_ms() { echo $(($(date +%s%N) / 1000000)); }

# driver SOCK N STOPFILE OUT: N misbehaving clients on SOCK until STOPFILE
# exists; then what happened to them, one "key value" a line, into OUT.
driver() {
	python3 - "$@" <<'PY'
import errno, os, random, socket, sys, time
path, n, stop, out = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
KINDS = ["flood", "garbage", "huge", "halfopen", "idle", "hitrun", "byte"]
st = {k: 0 for k in ["connects", "flood_dropped", "garbage_errors", "huge_refused",
                     "idle_closed", "hitrun", "byte_replies", "refused"]}
rnd = random.Random(1)
REQ = b'{"cmd":"query-status"}\n'

class C:
    def __init__(self, kind):
        self.kind = kind
        self.open()

    def open(self):
        self.s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.s.connect(path)
        self.s.setblocking(False)
        st["connects"] += 1
        self.buf, self.i, self.sent = b"", 0, False
        if self.kind == "halfopen":
            self.s.send(REQ)
            self.s.shutdown(socket.SHUT_WR)

    def reopen(self):
        self.s.close()
        self.open()

    def read(self):
        try:
            d = self.s.recv(65536)
        except BlockingIOError:
            return None
        except OSError:
            return b""
        if d:
            self.buf += d
            if b"too many control clients" in d:
                st["refused"] += 1
        return d

    def send(self, data):
        try:
            return self.s.send(data)
        except BlockingIOError:
            return 0
        except OSError:
            return -1

    def step(self):
        k = self.kind
        if k == "flood":		# never reads: must be dropped, not waited for
            while True:
                r = self.send(REQ * 64)
                if r < 0:
                    st["flood_dropped"] += 1
                    self.reopen()
                    return
                if r == 0:
                    return
        elif k == "garbage":
            junk = bytes(rnd.randrange(256) for _ in range(200)) + b"\n"
            self.send(junk)
            d = self.read()
            st["garbage_errors"] = st.get("garbage_errors", 0) + (d or b"").count(b'{"error"')
            if d == b"":
                self.reopen()
        elif k == "huge":		# a line without end: an error, then closed
            self.send(b"x" * 8192)
            d = self.read()
            if d == b"":
                if b"longer than" in self.buf:
                    st["huge_refused"] += 1
                self.reopen()
        elif k == "halfopen":		# a request, shut down, never read
            pass
        elif k == "idle":		# closed after --control-idle
            if self.read() == b"":
                if b"no request for" in self.buf:
                    st["idle_closed"] += 1
                self.reopen()
        elif k == "hitrun":		# a request (or half of one), then gone
            self.send(REQ[: rnd.choice([len(REQ), 7])])
            st["hitrun"] += 1
            self.reopen()
        elif k == "byte":		# one byte at a time
            self.send(REQ[self.i % len(REQ):self.i % len(REQ) + 1])
            self.i += 1
            d = self.read() or b""
            st["byte_replies"] += d.count(b"\n")

cs = [C(KINDS[i % len(KINDS)]) for i in range(n)]
open(out + ".up", "w").close()
while not os.path.exists(stop):
    for c in cs:
        try:
            c.step()
        except OSError as e:	# the VMM closed it first: counted, connected again
            k = "oserror_" + errno.errorcode.get(e.errno, "other")
            st[k] = st.get(k, 0) + 1
            try:
                c.reopen()
            except OSError:
                pass
    time.sleep(0.005)
with open(out, "w") as f:
    for k, v in sorted(st.items()):
        f.write("%s %d\n" % (k, v))
PY
}

# client SOCK N LIMIT_MS URI READY GO: the well-behaved client. Two
# connections, made before the misbehaving clients come (64 slots: those
# may take all the others); creates READY, waits for GO. Then N rounds of
# query-status on both, 20 ms apart: "worst MS", "slow K" (replies over
# LIMIT_MS), "bad REPLY". Then migrate to URI with "wait" on the first and
# query-status on both meanwhile: "answered A B" (replies while the
# migration was active, per connection), "final REPLY" (the waiting one).
client() {
	python3 - "$@" <<'PY'
import os, socket, sys, time
path, n, limit, uri, ready, go = sys.argv[1:7]
n, limit = int(n), int(limit)
def conn():
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(60)
    s.connect(path)
    return s.makefile("rwb", buffering=0)
cs = [conn(), conn()]
open(ready, "w").close()
while not os.path.exists(go):
    for f in cs:	# not idle meanwhile (--control-idle)
        f.write(b'{"cmd":"query-status"}\n')
        f.readline()
    time.sleep(0.1)
worst, slow, over100, rid = 0.0, 0, 0, 0
for i in range(n):
    for f in cs:
        rid += 1
        t0 = time.monotonic()
        f.write(b'{"id":%d,"cmd":"query-status"}\n' % rid)
        line = f.readline().decode(errors="replace").strip()
        ms = (time.monotonic() - t0) * 1000
        worst = max(worst, ms)
        slow += ms > limit
        over100 += ms > 100
        if not line.startswith('{"id":%d,"status":"running",' % rid):
            print("bad", line or "(no reply)")
            sys.exit(1)
    time.sleep(0.02)
print("worst %.1f" % worst)
print("over100", over100)
print("slow", slow, flush=True)
# 1 MiB/s: memloop's few hundred KiB take long enough to be asked about.
cs[0].write(b'{"cmd":"set-parameters","max_bandwidth_mib":1}\n')
if b'"return"' not in cs[0].readline():
    print("bad set-parameters")
cs[0].write(b'{"id":"mig","cmd":"migrate","uri":"%s","wait":true}\n' % uri.encode())
active, final, done = [0, 0], None, False
while not done:	# until the VMM closes: after a migration it ends
    for k, f in enumerate(cs):
        rid += 1
        try:
            f.write(b'{"id":%d,"cmd":"query-status"}\n' % rid)
            line = f.readline().decode(errors="replace").strip()
            if line.startswith('{"id":"mig",'):	# the waiting reply may come first
                final = line
                line = f.readline().decode(errors="replace").strip()
        except OSError:
            line = ""
        if not line:
            done = True
            break
        if '"migration":"active"' in line:
            active[k] += 1
    time.sleep(0.01)
if final is None:
    final = cs[0].readline().decode(errors="replace").strip()
print("answered", active[0], active[1])
print("final", final or "(no waiting reply)")
PY
}

# burst SOCK N: N clients at once; prints "accepted A refused R served S".
burst() {
	python3 - "$@" <<'PY'
import select, socket, sys, time
path, n = sys.argv[1], int(sys.argv[2])
cs = []
for _ in range(n):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(path)
    cs.append(s)
time.sleep(0.5)
refused, acc = 0, []
for s in cs:
    r, _, _ = select.select([s], [], [], 0)
    if r and b"too many control clients" in s.recv(4096):
        refused += 1
    else:
        acc.append(s)
served = 0
for s in acc:
    s.sendall(b'{"cmd":"query-status"}\n')
for s in acc:
    s.settimeout(5)
    try:
        served += s.recv(4096).startswith(b'{"status":')
    except OSError:
        pass
print("accepted %d refused %d served %d" % (len(acc), refused, served))
PY
}

# stall SOCK N: N clients that flood requests and never read, until killed.
stall() {
	python3 - "$@" <<'PY'
import socket, sys, time
path, n = sys.argv[1], int(sys.argv[2])
cs = []
for _ in range(n):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(path)
    s.setblocking(False)
    cs.append(s)
print("up", flush=True)
while True:
    for s in cs:
        try:
            s.send(b'{"cmd":"query-status"}\n' * 64)
        except OSError:
            pass
    time.sleep(0.01)
PY
}

# exits_within PID MS: PID (a child) ends within MS; its time in $took.
exits_within() {
	local t0 end
	t0=$(now_ms)
	end=$((t0 + $2))
	while kill -0 "$1" 2>/dev/null && [ "$(now_ms)" -lt "$end" ]; do sleep 0.01; done
	took=$(($(now_ms) - t0))
	! kill -0 "$1" 2>/dev/null
}

planned=(ctl-hostile-latency ctl-hostile-treatment ctl-wait-answers ctl-source-exit ctl-clients-bound
	ctl-quit-prompt ctl-sigterm-prompt)
echo "KTAP version 1"
command -v python3 >/dev/null || skip_all "no python3 (scripts/deps.sh installs it)" "${planned[@]}"
reason=$(vmm_unusable) && [ -n "$reason" ] && skip_all "$reason" "${planned[@]}"
for f in "$MEMLOOP" "$HANG"; do
	[ -e "$f" ] || skip_all "no image $f (make)" "${planned[@]}"
done
echo "1..${#planned[@]}"
diag "$HOSTILE misbehaving clients, $PROBES probes, bound ${LAT_MS} ms (x$SLOW)"

sock=$tmp/src.sock
vmm src --memory 64M --control "$sock" --control-idle "$IDLE" "$MEMLOOP"
src=$last
next_port
muri=unix:$tmp/mig-$port.sock
vmm dst --incoming "$muri" --memory 64M --control "$tmp/dst.sock"
dst=$last
if ! wait_sock "$sock" || ! wait_sock "$tmp/dst.sock"; then
	for c in "${planned[@]}"; do notok "$c" "no control socket: $(tail -n 2 "$tmp/src.err" "$tmp/dst.err")"; done
	finish
fi

client "$sock" "$PROBES" "$LAT_MS" "$muri" "$tmp/client.up" "$tmp/go" >"$tmp/client" 2>&1 &
cl=$!
pids+=("$cl")
wait_until 100 test -e "$tmp/client.up"
driver "$sock" "$HOSTILE" "$tmp/stop" "$tmp/drv" 2>"$tmp/drv.err" &
drv=$!
pids+=("$drv")
wait_until 100 test -e "$tmp/drv.up"
# Long enough for every kind to have acted: the idle limit passed once.
sleep "$IDLE.5"
: >"$tmp/go"
wait_until $((PROBES / 2 + 100)) grep -q "^slow\|^bad" "$tmp/client"
worst=$(sed -n 's/^worst //p' "$tmp/client")
slow=$(sed -n 's/^slow //p' "$tmp/client")
over100=$(sed -n 's/^over100 //p' "$tmp/client")
diag "query-status with $HOSTILE misbehaving clients: worst of $((2 * PROBES)) replies ${worst:-?} ms, ${over100:-?} over 100 ms, ${slow:-?} over the bound of ${LAT_MS} ms"
if grep -q "^bad" "$tmp/client" || [ -z "$worst" ]; then
	notok ctl-hostile-latency "$(head -n 3 "$tmp/client" | tr '\n' ' ')"
elif [ "$slow" -gt 0 ]; then
	notok ctl-hostile-latency "$slow of $((2 * PROBES)) replies took over $LAT_MS ms (worst $worst ms)"
else
	ok ctl-hostile-latency
fi

# The migration, with the 50 still at it (the client went on to it).
wait "$cl"
mig_end=$(now_ms)
: >"$tmp/stop"
wait "$drv"
sed 's/^/# driver: /' "$tmp/drv"
val() { sed -n "s/^$1 //p" "$tmp/drv"; }
bad=""
for k in flood_dropped huge_refused idle_closed garbage_errors byte_replies; do
	[ "$(val $k)" -gt 0 ] 2>/dev/null || bad="$bad $k"
done
if [ -n "$bad" ] || [ -s "$tmp/drv.err" ]; then
	notok ctl-hostile-treatment "none of:$bad $(tail -n 2 "$tmp/drv.err" | tr '\n' ' ')"
else
	ok ctl-hostile-treatment
fi

read -r _ act_a act_b < <(grep "^answered" "$tmp/client")
final=$(sed -n 's/^final //p' "$tmp/client")
diag "during the migration: $act_a replies on the waiting connection, $act_b on another"
diag "waiting reply: $(echo "$final" | cut -c1-100)"
case "$final" in
'{"id":"mig","status":"completed"'*)
	if [ "${act_a:-0}" -gt 0 ] && [ "${act_b:-0}" -gt 0 ]; then
		ok ctl-wait-answers
	else
		notok ctl-wait-answers "no query-status answered while the migration was active on both connections"
	fi ;;
*) notok ctl-wait-answers "waiting reply: $final" ;;
esac

if exits_within "$src" "$EXIT_MS"; then
	wait "$src"; rc=$?
	diag "the source exited $rc, $(($(now_ms) - mig_end)) ms after the waiting reply"
	if [ "$rc" = 0 ]; then ok ctl-source-exit; else notok ctl-source-exit "exit $rc: $(tail -n 1 "$tmp/src.err")"; fi
else
	notok ctl-source-exit "still running $EXIT_MS ms after the migration"
fi

# The destination runs the guest: 70 clients at once, 64 served.
res=$(burst "$tmp/dst.sock" 70 2>&1)
diag "70 clients at once: $res"
if [ "$res" = "accepted 64 refused 6 served 64" ]; then
	ok ctl-clients-bound
else
	notok ctl-clients-bound "$res"
fi

# Quit and SIGTERM with stalled readers connected.
quit_with_stall() {	# NAME PID SOCK HOW
	local sp
	stall "$3" 20 >"$tmp/$1.stall" 2>&1 &
	sp=$!
	pids+=("$sp")
	wait_grep "$tmp/$1.stall" up 50
	sleep 0.5	# their requests pile up unread
	if [ "$4" = quit ]; then
		"$VMM" ctl "$3" quit >/dev/null 2>&1 &
	else
		kill -TERM "$(vmm_pid "$2")"
	fi
	exits_within "$2" "$EXIT_MS"
	local r=$?
	kill "$sp" 2>/dev/null
	wait "$sp" 2>/dev/null
	return $r
}
if ! running "$tmp/dst.sock"; then
	notok ctl-quit-prompt "the destination does not run the guest: $(tail -n 2 "$tmp/dst.err")"
elif quit_with_stall dst "$dst" "$tmp/dst.sock" quit; then
	diag "quit with 20 stalled readers: exited in $took ms"
	if grep -q "memloop bad" "$tmp/dst.out"; then
		notok ctl-quit-prompt "the migrated guest found its memory changed"
	else
		ok ctl-quit-prompt
	fi
else
	notok ctl-quit-prompt "not ended $EXIT_MS ms after quit"
fi

vmm term --memory 64M --control "$tmp/term.sock" "$HANG"
if ! wait_sock "$tmp/term.sock"; then
	notok ctl-sigterm-prompt "no control socket: $(tail -n 1 "$tmp/term.err")"
elif quit_with_stall term "$last" "$tmp/term.sock" term; then
	diag "SIGTERM with 20 stalled readers: exited in $took ms"
	ok ctl-sigterm-prompt
else
	notok ctl-sigterm-prompt "not ended $EXIT_MS ms after SIGTERM"
fi
finish
