#!/usr/bin/env bash
# `cmake --install --prefix P` lays out P/bin and P/libexec/zonekit, and the
# installed zoneadm finds its zoneadmd relative to itself (any prefix).
. "$(dirname "$0")/../lib/harness.sh"
prefix="$ZK_TMP/prefix with space"
cmake --install "$ZK_BUILD" --prefix "$prefix" >/dev/null
for t in zoneadm zonecfg zlogin nicadm imgadm; do [ -x "$prefix/bin/$t" ] || zk_fail "bin/$t not installed"; done
[ -x "$prefix/libexec/zonekit/zoneadmd" ] || zk_fail "libexec/zonekit/zoneadmd not installed"
[ ! -e "$prefix/bin/zoneadmd" ] || zk_fail "zoneadmd must not be in bin"
[ ! -e "$prefix/bin/zonectl" ] || zk_fail "the test driver must not be installed"
export PATH="$prefix/bin:/usr/sbin:/usr/bin:/sbin:/bin"
echo '{"alias": "inst"}' | zoneadm create -f - >/dev/null
zoneadm boot inst
expect_eq "$(zlogin inst hostname)" inst "hostname"
zoneadm delete inst
