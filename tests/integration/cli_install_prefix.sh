#!/usr/bin/env bash
# `cmake --install --prefix P` lays out P/bin and P/libexec/zonekit, and the
# installed zoneadm finds its zoneadmd relative to itself (any prefix).
. "$(dirname "$0")/../lib/harness.sh"
prefix="$ZK_TMP/prefix with space"
zk_writable_build
cmake --install "$ZK_BUILD" --prefix "$prefix" >/dev/null
for t in zoneadm zonecfg zlogin nicadm imgadm; do [ -x "$prefix/bin/$t" ] || zk_fail "bin/$t not installed"; done
[ -x "$prefix/libexec/zonekit/zoneadmd" ] || zk_fail "libexec/zonekit/zoneadmd not installed"
[ ! -e "$prefix/bin/zoneadmd" ] || zk_fail "zoneadmd must not be in bin"
[ ! -e "$prefix/bin/zonectl" ] || zk_fail "the test driver must not be installed"
export PATH="$prefix/bin:/usr/sbin:/usr/bin:/sbin:/bin"
echo '{"alias": "inst"}' | zoneadm create -f - >/dev/null
zoneadm boot inst
expect_eq "$(zlogin inst hostname)" inst "hostname"
# The built-in init is the static zkinit from libexec, and the zone cannot
# look at it through /proc/1.
[ -x "$prefix/libexec/zonekit/zkinit" ] || zk_fail "libexec/zonekit/zkinit not installed"
pid=$(zoneadm list -H -o pid alias=inst)
expect_eq "$(readlink /proc/$pid/exe)" "$prefix/libexec/zonekit/zkinit" "init's executable"
expect_eq "$(zlogin inst cat /proc/1/cmdline | tr '\0' ' ')" "init " "init's cmdline in the zone"
if zlogin inst readlink /proc/1/exe >/dev/null 2>&1; then zk_fail "the zone can read /proc/1/exe"; fi
zoneadm delete inst
