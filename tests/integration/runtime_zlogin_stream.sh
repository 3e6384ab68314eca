#!/usr/bin/env bash
# zlogin's relay (issue 17): end of input and output pass both ways, 2>&1
# keeps the command's order, a closed reader ends the command with SIGPIPE,
# a background process that keeps the output does not keep zlogin (the
# 2-second rule of zlogin(1)), input the command did not read goes back to a
# regular-file stdin, and 1 GB streams through at pipe speed in bounded
# memory.
. "$(dirname "$0")/../lib/harness.sh"
. "$ZK_SOURCE/tests/lib/zonectl.sh"

U=eeeeeeee-0000-4000-8000-000000000002
run=$(ZK_MEM=536870912 zk_write_spec $U 12)
expect_rc 0 zonectl boot "$run"
ms() { date +%s%3N; }

# EOF both ways: cat ends at the end of its input; exit status comes back.
printf 'one\ntwo\n' >"$ZK_TMP/small"
expect_eq "$(timeout 10 zlogin $U cat <"$ZK_TMP/small")" "$(printf 'one\ntwo')" "cat < file"
expect_eq "$(timeout 10 zlogin $U sh -c 'cat; exit 3' </dev/null; echo "rc=$?")" "rc=3" "empty stdin"
# 2>&1: one pipe for both, so the lines keep their order.
timeout 10 zlogin $U sh -c 'for i in 1 2 3 4 5 6; do echo out$i; echo err$i >&2; done' >"$ZK_TMP/both" 2>&1
expect_eq "$(tr '\n' ' ' <"$ZK_TMP/both")" "out1 err1 out2 err2 out3 err3 out4 err4 out5 err5 out6 err6 " "2>&1 order"
# A reader that goes away: the command gets SIGPIPE, zlogin reports it.
set +o pipefail
timeout 10 zlogin $U yes 2>/dev/null | head -1 >/dev/null
rc=${PIPESTATUS[0]}
set -o pipefail
expect_eq "$rc" 141 "zlogin yes | head -1"

# A daemon left holding stdout: zlogin returns after at most 2 s; what it
# wrote within them is passed on, and it gets EPIPE after.
t0=$(ms)
out=$(timeout 20 zlogin $U sh -c '(sleep 0.3; echo late; sleep 3; echo too-late) & echo early')
t1=$(ms)
expect_eq "$out" "$(printf 'early\nlate')" "output of the daemon within the grace"
[ $((t1 - t0)) -lt 4000 ] || zk_fail "zlogin waited $((t1 - t0)) ms for a background daemon"
t0=$(ms)
expect_rc 0 timeout 20 zlogin $U sh -c 'sleep 100 &'
t1=$(ms)
[ $((t1 - t0)) -lt 4000 ] || zk_fail "zlogin z sh -c 'sleep 100 &' took $((t1 - t0)) ms"
[ $((t1 - t0)) -ge 1500 ] || zk_fail "zlogin z sh -c 'sleep 100 &' returned after $((t1 - t0)) ms: the 2 s grace was not kept"
# zlogin only let go of the daemon's output; the daemon itself runs on.
expect_eq "$(zlogin $U sh -c 'for p in /proc/[0-9]*; do tr "\0" " " <$p/cmdline; echo; done 2>/dev/null' | grep -c '^sleep 100 $')" 1 "the daemon still runs"

# Input not read by the command goes back to a regular-file stdin.
printf 'a\nb\nc\n' >"$ZK_TMP/list"
n=0
while read -r _; do zlogin $U true; n=$((n + 1)); done <"$ZK_TMP/list"
expect_eq "$n" 3 "while read; zlogin true; done < list"
n=$( { zlogin $U sh -c 'read l; echo "$l"'; cat; } <"$ZK_TMP/list" | tr '\n' ' ')
expect_eq "$n" "a b c " "the command read one line, the next reader the rest"

# 1 GB through zlogin z cat: same bytes, zlogin's memory does not grow.
head -c 1G /dev/urandom >"$ZK_TMP/big"
want=$(sha256sum <"$ZK_TMP/big" | cut -d' ' -f1)
zlogin $U cat <"$ZK_TMP/big" > >(sha256sum | cut -d' ' -f1 >"$ZK_TMP/big.sum") &
zl=$!
peak=0
while kill -0 $zl 2>/dev/null; do
  kb=$(sed -n 's/^VmHWM:[^0-9]*\([0-9]*\).*/\1/p' /proc/$zl/status 2>/dev/null || true)
  [ -n "$kb" ] && [ "$kb" -gt "$peak" ] && peak=$kb
  sleep 0.2
done
wait $zl || zk_fail "zlogin cat of 1 GB failed"
for _ in $(seq 600); do [ -s "$ZK_TMP/big.sum" ] && break; sleep 0.1; done
expect_eq "$(cat "$ZK_TMP/big.sum")" "$want" "sha256 of 1 GB through zlogin"
# Speed, for the log only (a shared machine is too noisy to assert on).
t0=$(ms); zlogin $U cat <"$ZK_TMP/big" >/dev/null; t1=$(ms)
cat "$ZK_TMP/big" | cat >/dev/null; t2=$(ms)
echo "1 GB: zlogin z cat <f >/dev/null $((t1 - t0)) ms, cat f | cat >/dev/null $((t2 - t1)) ms; zlogin peak RSS ${peak} kB"
[ "$peak" -lt 32768 ] || zk_fail "zlogin's peak RSS was $peak kB streaming 1 GB"
rm -f "$ZK_TMP/big"

expect_rc 0 zonectl halt "$run"
zk_assert_clean $U "$run"
