#!/usr/bin/env bash
# Two zones: each reads its own metadata and nothing of the other's, by any
# path; a hostile zone (huge lines, malformed frames, a connection flood, a
# client that never reads, a request flood) leaves its zoneadmd responsive
# and bounded, and the other zone unaffected. Prints zoneadmd's memory idle
# and under the flood.
. "$(dirname "$0")/../lib/harness.sh"
[ -x /usr/bin/python3 ] || { echo "SKIP: needs /usr/bin/python3 (shared into sparse zones)" >&2; exit 77; }

for z in za zb; do
  zoneadm create -f - >/dev/null <<JSON
{"alias": "$z", "max_physical_memory": 128, "customer_metadata": {"secret": "secret-of-$z"}}
JSON
  zoneadm boot $z
done
ua=$(zoneadm list -H -o uuid alias=za)
ub=$(zoneadm list -H -o uuid alias=zb)

expect_eq "$(zlogin za mdata-get secret)" secret-of-za "za reads its own"
expect_eq "$(zlogin zb mdata-get secret)" secret-of-zb "zb reads its own"
expect_eq "$(zlogin za mdata-get sdc:uuid)" "$ua" "za's uuid"
# Any door za can see is za's: its socket, its serial port; zb's socket and
# pty are not in za's mount namespace or devpts instance.
for p in "$ZONEKIT_RUN/zones/$ub/zonecontrol/metadata.sock" "$ZONEKIT_ROOT/zones/$ub/zone.json"; do
  expect_rc 1 zlogin za test -e "$p"
done
expect_eq "$(zlogin za sh -c 'ls /dev/pts | grep -v ptmx | wc -l')" 0 "no host ptys in za"
expect_eq "$(zlogin za sh -c 'ls -a /.zonecontrol | tr "\n" " "')" ". .. metadata.sock " "only za's socket"
if zlogin za mdata-get secret-of-zb >/dev/null 2>&1; then zk_fail "za read a key of zb"; fi
# Keys naming another zone do not reach it either.
expect_rc 1 zlogin za mdata-get "$ub:secret"

zpid() { sed -n 's/.*"zoneadmd_pid": *\([0-9]*\).*/\1/p' "$ZONEKIT_RUN/zones/$1/state.json"; }
rss() { awk '/VmRSS/ {print $2}' "/proc/$1/status"; }
pa=$(zpid "$ua")
idle=$(rss "$pa")
echo "zoneadmd of za, idle: VmRSS ${idle} KiB"

# The hostile client runs in za, as za's root, for a bounded time.
cat >"$ZK_TMP/hostile.py" <<'PY'
import base64, os, socket, sys, time, zlib
S = "/.zonecontrol/metadata.sock"
def conn():
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(S)
    return s
def frame(cmd, payload=""):
    body = "0000abcd " + cmd + (" " + base64.b64encode(payload.encode()).decode() if payload else "")
    return ("V2 %d %08x %s\n" % (len(body), zlib.crc32(body.encode()) & 0xffffffff, body)).encode()
kind = sys.argv[1]
try:
    if kind == "huge":        # 100 MB without a newline, then one
        s = conn()
        chunk = b"A" * (1 << 20)
        for _ in range(100):
            s.sendall(chunk)
        s.sendall(b"\n")
        print(s.recv(100).decode().strip())
    elif kind == "malformed":
        s = conn()
        s.sendall(b"V2 5 00000000 hello\nV2 999999999 ffffffff x\n\x00\xff\xfe garbage\n")
        time.sleep(0.5)
        print(s.recv(1000).decode().count("invalid command"))
    elif kind == "conns":     # as many connections as it can get, never read
        held = []
        for _ in range(200):
            try:
                c = conn()
                c.sendall(frame("GET", "secret") * 50)
                held.append(c)
            except OSError:
                pass
        time.sleep(float(sys.argv[2]))
        print("connections", len(held))
    elif kind == "flood":     # requests as fast as it can for N seconds
        s = conn()
        s.setblocking(False)
        end = time.time() + float(sys.argv[2])
        sent = got = 0
        data = frame("GET", "secret") * 100
        while time.time() < end:
            try:
                sent += s.send(data)
            except BlockingIOError:
                time.sleep(0.001)
            try:
                got += len(s.recv(1 << 20))
            except BlockingIOError:
                pass
        print("sent", sent, "bytes, answered", got, "bytes")
except OSError as e:
    print(kind, "stopped:", e)
PY
hostile() { zlogin za /usr/bin/python3 - "$@" <"$ZK_TMP/hostile.py"; }

expect_eq "$(hostile huge)" "invalid command" "100 MB line"
expect_eq "$(hostile malformed)" 3 "malformed frames each answered"
ctl_status() {
  /usr/bin/python3 -c 'import socket,sys; s=socket.socket(socket.AF_UNIX); s.settimeout(5); s.connect(sys.argv[1]); s.sendall(b"ZONEKIT1 STATUS\n"); print(s.recv(100).decode().split()[1])' "$ZONEKIT_RUN/zones/$1/ctl.sock"
}
peak=$(rss "$pa")
sample() { local r; r=$(rss "$pa"); [ "$r" -gt "$peak" ] && peak=$r; true; }
# A request flood, then a connection flood, each while the other zone and
# za's control socket are checked.
for attack in flood conns; do
  hostile $attack 5 >"$ZK_TMP/$attack" &
  apid=$!
  sleep 2
  start=$(date +%s%N)
  expect_eq "$(zlogin zb mdata-get secret)" secret-of-zb "zb during za's $attack"
  took=$((($(date +%s%N) - start) / 1000000))
  [ "$took" -lt 3000 ] || zk_fail "zb's mdata-get took ${took} ms during za's $attack"
  expect_eq "$(ctl_status "$ua")" running "za's zoneadmd answers its control socket during the $attack"
  for _ in 1 2 3; do sample; sleep 0.5; done
  wait $apid
  echo "za $attack: $(cat "$ZK_TMP/$attack")"
done
echo "zoneadmd of za, under the floods: peak VmRSS ${peak} KiB"
[ "$peak" -lt $((idle + 16384)) ] || zk_fail "zoneadmd grew from ${idle} to ${peak} KiB under the floods"
# After the storm, za is served again.
expect_eq "$(zlogin za mdata-get secret)" secret-of-za "za after its own flood"
zoneadm halt za
zoneadm halt zb
