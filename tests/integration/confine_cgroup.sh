#!/bin/bash
# The host's cgroup driver end to end, as root, inside the harness (private
# mount+net namespaces, unique ZONEKIT_CGROUP_PARENT): create, limit,
# attach, live update, pids and memory enforcement, kill, destroy. Then
# check that nothing of the test is left in any hierarchy.
. "$(dirname "$0")/../lib/harness.sh"

bin="$ZK_BUILD/tests/runtime_cgroup_live_test"
[ -x "$bin" ] || zk_fail "$bin is not built"
"$bin" >"$ZK_TMP/live.out" 2>&1 || { cat "$ZK_TMP/live.out" >&2; zk_fail "runtime_cgroup_live_test failed"; }
expect_contains "$ZK_TMP/live.out" "Status: SUCCESS!"
# Six cases run (none skipped for lack of root).
grep -Eq 'test cases: +6 \| +6 passed \| +0 failed' "$ZK_TMP/live.out" || zk_fail "expected 6 passing cases"
# Each case did its work (a case that returns early asserts nothing).
n=$(sed -n 's/.*assertions: *\([0-9]*\) |.*/\1/p' "$ZK_TMP/live.out")
[ "${n:-0}" -ge 90 ] || zk_fail "only ${n:-0} assertions ran"

left=$(zk_cgroup_dirs)
expect_eq "$left" "" "cgroup directories left behind"
