#!/usr/bin/env bash
# The harness itself: private namespaces, temp store, nothing leaks.
. "$(dirname "$0")/../lib/harness.sh"
[ -n "$ZONEKIT_ROOT" ] && [ -d "$ZONEKIT_ROOT" ] || zk_fail "no temp store"
[ "$(readlink /proc/self/ns/net)" != "$(readlink /proc/1/ns/net)" ] || zk_fail "not in a private netns"
expect_rc 3 sh -c 'exit 3'
