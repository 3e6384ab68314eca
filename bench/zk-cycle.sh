#!/bin/sh
# One full zonekit cycle with a network: create a zone with one NIC, boot
# it, run /bin/true in it, halt it, delete it. Manifest: $BENCH_ZK_MANIFEST.
set -e
zoneadm create -f "$BENCH_ZK_MANIFEST" >/dev/null
zoneadm boot cyc
zlogin cyc true
zoneadm halt cyc
zoneadm delete cyc
