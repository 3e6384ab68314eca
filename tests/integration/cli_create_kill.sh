#!/usr/bin/env bash
# A create killed with SIGKILL at random moments never leaves an unreadable
# store or a leaked IP: every address in use belongs to a listed zone, and
# the next create still works.
. "$(dirname "$0")/../lib/harness.sh"

cat > "$ZONEKIT_CONFIG" <<'TOML'
[nic_tags.lan]
bridge = "zkbr0"
subnet = "10.78.0.0/16"
gateway = "10.78.0.1"
TOML

trials=${ZK_KILL_TRIALS:-60}
for i in $(seq 1 "$trials"); do
  printf '{"alias": "k%s", "nics": [{"nic_tag": "lan"}, {"nic_tag": "lan"}]}\n' "$i" > "$ZK_TMP/m.json"
  zoneadm create -f "$ZK_TMP/m.json" >/dev/null 2>&1 &
  pid=$!
  # Random delay of 0-6 ms: lands anywhere from exec to the final rename.
  sleep "0.00$((RANDOM % 7))"
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  # The store must stay readable by the next command, every time.
  zoneadm list -H -p -o uuid,state >"$ZK_TMP/list" || zk_fail "trial $i: list failed after kill"
  if grep -q ':corrupt$' "$ZK_TMP/list"; then zk_fail "trial $i: a corrupt zone record"; fi
done

# No half-made zone and no leaked address: every IP in any zone.json is in a
# listed zone, and no staging directory survives the next create.
echo '{"alias": "after", "nics": [{"nic_tag": "lan"}]}' | zoneadm create -f - >/dev/null || zk_fail "create after kills"
listed=$(zoneadm list -H -o uuid | sort)
ondisk=$(ls "$ZONEKIT_ROOT/zones" | grep -v '^\.' | sort)
expect_eq "$ondisk" "$listed" "zone dirs vs listed zones"
if ls -a "$ZONEKIT_ROOT/zones" | grep -q '^\.new-'; then zk_fail "staging dir left after the next create"; fi
ips=$(cat "$ZONEKIT_ROOT"/zones/*/zone.json | grep -o '"10\.78\.[0-9.]*/16"' | sort)
expect_eq "$(echo "$ips" | uniq -d | wc -l)" 0 "duplicate IPs"
made=$(zoneadm list -H -o alias | wc -l)
echo "$trials kills: $((made - 1)) creates completed, no leaks"
