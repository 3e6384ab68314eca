#!/usr/bin/env bash
# The serial door on its own: inside the zone, a client written here (not
# zonekit's) opens /dev/ttyS1 as the reference Linux client does (exclusive
# open, lock, raw mode, stale input flushed, a blank line answered by
# "invalid command"), negotiates version 2 and frames every request itself:
# CRC-32 and base64 by Python's zlib and base64 modules.
. "$(dirname "$0")/../lib/harness.sh"
[ -x /usr/bin/python3 ] || { echo "SKIP: needs /usr/bin/python3 (shared into sparse zones)" >&2; exit 77; }

zoneadm create -f - >/dev/null <<'JSON'
{"alias": "serial", "max_physical_memory": 128,
 "customer_metadata": {"role": "db", "multi": "line one\n.line two\n"}}
JSON
uuid=$(zoneadm list -H -o uuid alias=serial)
zoneadm boot serial

cat >"$ZK_TMP/client.py" <<'PY'
import base64, fcntl, os, random, select, sys, termios, tty, zlib

fd = os.open("/dev/ttyS1", os.O_RDWR | os.O_NOCTTY | os.O_EXCL)
fcntl.lockf(fd, fcntl.LOCK_EX)
tty.setraw(fd)
attrs = termios.tcgetattr(fd)
attrs[6][termios.VMIN] = 0
attrs[6][termios.VTIME] = 1
termios.tcsetattr(fd, termios.TCSAFLUSH, attrs)
while os.read(fd, 512):
    pass
buf = b""

def line(timeout=6.0):
    global buf
    while b"\n" not in buf:
        r, _, _ = select.select([fd], [], [], timeout)
        if not r:
            raise SystemExit("timeout waiting for the host")
        buf += os.read(fd, 4096)
    l, buf = buf.split(b"\n", 1)
    return l.decode()

def send(s):
    os.write(fd, s.encode())

send("\n")
assert line() == "invalid command", "reset probe"
send("NEGOTIATE V2\n")
assert line() == "V2_OK"

def b64(s):
    return base64.b64encode(s.encode()).decode()

def v2(cmd, payload=None):
    rid = "%08x" % random.getrandbits(32)
    body = rid + " " + cmd + ("" if payload is None else " " + b64(payload))
    send("V2 %d %08x %s\n" % (len(body), zlib.crc32(body.encode()) & 0xffffffff, body))
    while True:
        f = line(45)
        parts = f.split(" ", 3)
        assert parts[0] == "V2", f
        n, crc, rest = int(parts[1]), int(parts[2], 16), parts[3]
        assert len(rest) == n and zlib.crc32(rest.encode()) & 0xffffffff == crc, "bad frame " + f
        fields = rest.split(" ")
        if fields[0] != rid:
            continue
        data = base64.b64decode(fields[2]).decode() if len(fields) > 2 else ""
        return fields[1], data

for arg in sys.argv[1:]:
    cmd, _, rest = arg.partition(":")
    if cmd == "GET":
        code, data = v2("GET", rest)
    elif cmd == "KEYS":
        code, data = v2("KEYS")
    elif cmd == "PUT":
        k, _, v = rest.partition("=")
        code, data = v2("PUT", b64(k) + " " + b64(v))
    elif cmd == "DELETE":
        code, data = v2("DELETE", rest)
    elif cmd == "V1GET":
        # Version 1 on the same port: SUCCESS, dot-stuffed lines, "."
        send("GET " + rest + "\n")
        code, lines = line(), []
        if code == "SUCCESS":
            while True:
                l = line()
                if l == ".":
                    break
                lines.append(l[1:] if l.startswith(".") else l)
        data = "\n".join(lines)
    print(code + " " + data.replace("\n", "|"))
PY
zone_py() { zlogin serial /usr/bin/python3 - "$@" <"$ZK_TMP/client.py"; }

expect_eq "$(zone_py GET:sdc:uuid)" "SUCCESS $uuid" "GET sdc:uuid over ttyS1"
expect_eq "$(zone_py GET:role GET:nope KEYS:)" "$(printf 'SUCCESS db\nNOTFOUND \nSUCCESS multi|role')" "GET and KEYS"
expect_eq "$(zone_py PUT:from-serial=yes GET:from-serial)" "$(printf 'SUCCESS \nSUCCESS yes')" "PUT over ttyS1"
expect_eq "$(zone_py DELETE:role GET:role)" "$(printf 'SUCCESS \nNOTFOUND ')" "DELETE over ttyS1"
expect_eq "$(zone_py PUT:sdc:uuid=x | cut -d' ' -f1)" FAILURE "sdc: is read-only"
expect_eq "$(zone_py V1GET:multi)" "SUCCESS line one|.line two|" "version 1 GET with dot-stuffing"
zoneadm get serial >"$ZK_TMP/get"
expect_contains "$ZK_TMP/get" '"from-serial": "yes"'
# Only root in the zone may open the port.
expect_eq "$(zlogin serial stat -c '%a %u' /dev/ttyS1)" "600 0" "ttyS1 mode and owner"
zoneadm halt serial
