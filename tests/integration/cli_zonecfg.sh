#!/usr/bin/env bash
# zonecfg: the template validates, YAML<->JSON conversion round-trips,
# `zoneadm get` output re-validates, and `zonecfg export` recreates a zone
# with the same identity (uuid, MAC, IP) after it was deleted.
. "$(dirname "$0")/../lib/harness.sh"
cat > "$ZONEKIT_CONFIG" <<'TOML'
[nic_tags.demo]
bridge = "zkbr0"
subnet = "10.88.0.0/24"
gateway = "10.88.0.1"
TOML

for b in sparse image; do
  zonecfg template --brand $b > "$ZK_TMP/t-$b.yaml"
  grep -q '^#' "$ZK_TMP/t-$b.yaml" || zk_fail "template for $b has no comments"
done
zonecfg template --brand sparse | zonecfg validate - 2>/dev/null || zk_fail "sparse template does not validate"
expect_rc 2 zonecfg template --brand kvm

zonecfg convert --to json "$ZK_SOURCE/manifests/web.yaml" > "$ZK_TMP/web.json"
zonecfg convert --to yaml "$ZK_TMP/web.json" > "$ZK_TMP/web2.yaml"
zonecfg convert --to json "$ZK_TMP/web2.yaml" > "$ZK_TMP/web2.json"
cmp -s "$ZK_TMP/web.json" "$ZK_TMP/web2.json" || zk_fail "yaml->json->yaml->json changed the document"
zonecfg validate "$ZK_SOURCE"/manifests/*.yaml "$ZK_SOURCE"/manifests/minimal.json 2>/dev/null

uuid=$(zoneadm create -f "$ZK_SOURCE/manifests/web.yaml")
zoneadm get web01 > "$ZK_TMP/get.json"
zonecfg validate "$ZK_TMP/get.json" 2>/dev/null || zk_fail "zoneadm get output does not validate"
zoneadm list -j > "$ZK_TMP/list.json"
grep -q "\"uuid\": \"$uuid\"" "$ZK_TMP/list.json" || zk_fail "list -j lacks the zone"

zonecfg export web01 > "$ZK_TMP/export.json"
zonecfg export web01 --to yaml > "$ZK_TMP/export.yaml"
before=$(zoneadm list -H -p -o uuid,alias,ip,mac,uid_base)
zoneadm delete web01
zoneadm create -f "$ZK_TMP/export.yaml" >/dev/null
after=$(zoneadm list -H -p -o uuid,alias,ip,mac)
expect_eq "$after" "${before%:*}" "identity after export+create (uid_base aside)"
expect_rc 3 zonecfg export nosuchzone
