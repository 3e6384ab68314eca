#!/usr/bin/env bash
# Records antispoof_bytecode.txt: nft's own compilation (--debug=netlink:
# rules and anonymous sets) of each table listing in
# tests/unit/net_antispoof_golden_test.cpp, and checks that nft lists each
# table exactly as written. Run as root; everything happens in a private
# network namespace (the netdev chains need their host ports, made there).
#   tests/unit/golden/record_antispoof_bytecode.sh > tests/unit/golden/antispoof_bytecode.txt
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
src=$here/../net_antispoof_golden_test.cpp
if [ -z "${RECORD_IN_NS:-}" ]; then
  RECORD_IN_NS=1 exec unshare --net -- "$0" "$@"
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# {"name", spec,\n     R"NFT(listing)NFT"}: one file per listing
awk -v dir="$tmp" '
  /^    \{"[a-z0-9_]+", / { match($0, /"[a-z0-9_]+"/); name = substr($0, RSTART + 1, RLENGTH - 2); next }
  /R"NFT\(/ { sub(/.*R"NFT\(/, ""); out = dir "/" name ".nft"; printf "%s\n", $0 > out; inside = 1; next }
  inside && /\)NFT"/ { inside = 0; close(out); next }
  inside { print > out }
' "$src"
for port in zk1b2e4f8a0cn0 zk1b2e4f8a0cn1; do ip link add "$port" type veth peer name "p${port: -1}"; done
cat <<'EOF'
# nft 1.0.6's --debug=netlink output (rules and anonymous sets) for each
# anti-spoofing table listed in tests/unit/net_antispoof_golden_test.cpp,
# one section per spec of tests/unit/net_test_specs.hpp, recorded by
# tests/unit/golden/record_antispoof_bytecode.sh; net_antispoof_test checks
# the netlink batch built from antispoof_table prints the same, expression
# by expression.
EOF
for name in one_nic two_nics ip_spoofing mac_spoofing dhcp_spoofing ipv6_cidrs ipv6_only trusted no_nics; do
  f=$tmp/$name.nft
  [ -s "$f" ] || { echo "record: no listing for $name" >&2; exit 1; }
  echo "=== $name"
  # Table, chain and counter objects print as "(null)" lines: only rules and sets stay.
  nft --debug=netlink -f "$f" | grep -v '^netdev (null)\|^table (null)' || true
  nft list table netdev zk_1b2e4f8a0c | diff -u "$f" - >&2 || { echo "record: nft lists $name differently" >&2; exit 1; }
  nft delete table netdev zk_1b2e4f8a0c
done
