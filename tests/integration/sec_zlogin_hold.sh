#!/usr/bin/env bash
# The zone cannot hold zlogin (issue 19 item 6). A hostile root in the zone
# that SIGSTOPs every new zlogin child, or opens every new /dev/pts/N and
# keeps it, does not keep `zlogin z true` or `zlogin -t z true` from
# returning promptly; no pty is opened before the command's session owns
# it; where ptrace is refused, a child stopped before its exec is killed
# with a clear error instead of waited for.
. "$(dirname "$0")/../lib/harness.sh"
. "$ZK_SOURCE/tests/lib/zonectl.sh"

command -v cc >/dev/null || { echo "SKIP: no C compiler for the probes" >&2; exit 77; }
mkdir -p "$ZK_TMP/probe"
cc -O -o "$ZK_TMP/probe/hostile_probe" "$ZK_SOURCE/tests/integration/probe/hostile_probe.c"
cc -O -o "$ZK_TMP/noptrace" "$ZK_SOURCE/tests/integration/probe/noptrace.c"
U=eeeeeeee-0000-4000-8000-000000000003
run=$(ZK_SPEC_EXTRA="\"filesystems\":[{\"source\":\"$ZK_TMP/probe\",\"target\":\"/opt/probe\",\"read_only\":true}]," \
  zk_write_spec $U 13)
expect_rc 0 zonectl boot "$run"
ms() { date +%s%3N; }

# quick LIMIT_MS CMD...: CMD exits 0 within LIMIT_MS.
quick() {
  local limit=$1 t0 t1 rc=0; shift
  t0=$(ms)
  timeout 10 "$@" </dev/null >"$ZK_TMP/out" 2>"$ZK_TMP/err" || rc=$?
  t1=$(ms)
  [ $rc = 0 ] || zk_fail "$* exited $rc after $((t1 - t0)) ms: $(cat "$ZK_TMP/err")"
  [ $((t1 - t0)) -lt "$limit" ] || zk_fail "$* took $((t1 - t0)) ms"
}

# A stop the zone could send between the child's switch to the zone's user
# namespace and its exec (made deterministic by a fault point that stops
# the child right there): traced, it is dropped; untraced, the child is
# killed with an error.
ZONEKIT_FAULT=zlogin.in_zone_userns:stop quick 3000 zlogin $U true
rc=0; ZONEKIT_FAULT=zlogin.in_zone_userns:stop timeout 10 "$ZK_TMP/noptrace" zlogin $U true 2>"$ZK_TMP/err" || rc=$?
expect_eq "$rc" 1 "untraced child stopped before exec"
expect_contains "$ZK_TMP/err" "a process in the zone stopped zlogin's child before the command started"

# A daemon that SIGSTOPs every zlogin child as soon as the kernel lets it.
stopper=$(zlogin $U sh -c '/opt/probe/hostile_probe stopper </dev/null >/tmp/stopper.log 2>&1 & echo $!')
# Until the kernel has accepted a few of its SIGSTOPs (each dropped by
# zlogin), at most 40 runs: on a loaded machine it misses some windows.
sent=0
for i in $(seq 40); do
  quick 3000 zlogin $U true
  if [ $((i % 5)) = 0 ]; then
    sent=$(zlogin $U cat /tmp/stopper.log | grep -c '^sent' || true)
    [ "$sent" -ge 3 ] && break
  fi
done
undone=$(zlogin $U cat /tmp/stopper.log | grep -c '^undone' || true)
echo "stopper: the kernel accepted $sent SIGSTOPs for zlogin children, none held zlogin ($undone hit a command after its exec)"
[ "$sent" -ge 1 ] || zk_fail "the stopper never got a SIGSTOP through: the test proves nothing"
# Without ptrace the stopped child is killed, never waited for.
for i in $(seq 4); do
  rc=0; timeout 10 "$ZK_TMP/noptrace" zlogin $U true 2>"$ZK_TMP/err" || rc=$?
  case $rc in
    0) ;;
    1) expect_contains "$ZK_TMP/err" "stopped zlogin's child before the command started" ;;
    *) zk_fail "untraced zlogin with the stopper exited $rc: $(cat "$ZK_TMP/err")" ;;
  esac
done
zlogin $U kill "$stopper"

# A daemon that opens every new pty and keeps it.
grab=$(zlogin $U sh -c '/opt/probe/hostile_probe ptsgrab </dev/null >/tmp/grab.log 2>&1 & echo $!')
for i in $(seq 4); do quick 3000 zlogin -t $U true; done
out=$(printf 'echo in-shell-$((6*7))\nexit\n' | timeout 10 zlogin -t $U sh 2>/dev/null | tr -d '\r')
echo "$out" | grep -q 'in-shell-42' || zk_fail "pty session with the grabber: $out"
zlogin $U cat /tmp/grab.log >"$ZK_TMP/grab.log"
echo "ptsgrab: $(grep -c '^held' "$ZK_TMP/grab.log") ptys opened, each only once its session owned it; first: $(head -1 "$ZK_TMP/grab.log")"
! grep -q STOLE "$ZK_TMP/grab.log" || zk_fail "a pty was taken before the command's session owned it: $(cat "$ZK_TMP/grab.log")"
grep -q '^held' "$ZK_TMP/grab.log" || zk_fail "the grabber never held a pty: the test proves nothing"
zlogin $U kill "$grab"

expect_rc 0 zonectl halt "$run"
zk_assert_clean $U "$run"
