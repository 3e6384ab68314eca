#!/usr/bin/env bash
# zlogin without a pty never hands the caller's terminal to the zone: a
# terminal on stdio becomes a relayed pipe, the command has no controlling
# terminal (/dev/tty fails), and ^C-style signals are still forwarded.
. "$(dirname "$0")/../lib/harness.sh"
command -v script >/dev/null || { echo "SKIP: script(1) missing"; exit 77; }
echo '{"alias": "t"}' | zoneadm create -f - >/dev/null
zoneadm boot t
out=$(script -qec "zlogin -T t sh -c 'test -t 0 && echo IN-TTY; test -t 1 && echo OUT-TTY; cat /dev/tty </dev/null >/dev/null 2>&1 && echo CTTY; echo checked'" /dev/null </dev/null | tr -d '\r')
expect_eq "$out" checked "terminal exposure in the zone"
# Input typed on the terminal still arrives, and end of input is seen.
out=$(printf 'typed\n\004' | script -qec "zlogin -T t sh -c 'read x; echo got:\$x'" /dev/null | tr -d '\r' | grep '^got:')
expect_eq "$out" "got:typed" "input relayed through the pipe"
# Exit status passes through.
rc=0; script -qec "zlogin -T t sh -c 'exit 5'" /dev/null >/dev/null </dev/null || rc=$?
expect_eq "$rc" 5 "exit status"
# A signal to zlogin reaches the command in the zone.
zlogin t sleep 30 &
zl=$!
sleep 0.5
kill -TERM $zl
rc=0; wait $zl || rc=$?
expect_eq "$rc" 143 "exit after SIGTERM forwarded"

# With a pty: ^C typed reaches the command through the zone's terminal, and
# "~." at the start of a line hangs the session up (SIGHUP: 129).
rc=0; (sleep 1; printf '\003') | timeout 10 script -qec "zlogin -t t sleep 30" /dev/null >/dev/null || rc=$?
expect_eq "$rc" 130 "^C on the pty"
t0=$(date +%s)
rc=0; (sleep 1; printf '~.') | timeout 10 script -qec "zlogin -t t sleep 30" /dev/null >/dev/null || rc=$?
expect_eq "$rc" 129 "~. hangs the session up"
[ $(($(date +%s) - t0)) -lt 6 ] || zk_fail "~. took $(($(date +%s) - t0)) s"
