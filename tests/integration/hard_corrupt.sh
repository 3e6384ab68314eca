#!/usr/bin/env bash
# Corrupt and hostile state: a truncated zone.json, wrong types, symlinks as
# zone.json / state.json / spec.json, garbage in a nic tag file. The one
# zone (or tag) refuses with a clear error; every other zone and command
# keeps working, and `list` shows the broken zone as "corrupt".
# Then disk full: an update on a full filesystem fails cleanly and leaves
# zone.json byte-identical, with no zero-length or temporary files.
. "$(dirname "$0")/../lib/harness.sh"

cat > "$ZONEKIT_CONFIG" <<'TOML'
[nic_tags.lan]
bridge = "zkbr0"
subnet = "10.81.0.0/24"
gateway = "10.81.0.1"
TOML
mk() { echo "{\"alias\": \"$1\", \"brand\": \"sparse\", \"nics\": [{\"nic_tag\": \"${2:-lan}\"}]}" | zoneadm create -f - ; }
uuid_of() { zoneadm list -H -p -o uuid alias="$1"; }
zfile() { echo "$ZONEKIT_ROOT/zones/$1/zone.json"; }

good=$(mk good)
expect_rc 0 zoneadm boot good
expect_eq "$(zoneadm list -H -p -o state alias=good)" running "good zone boots"

# broken_case NAME: zone NAME was just made corrupt. Its uuid refuses with
# an error naming zone.json, list shows it "corrupt", the good zone and the
# other commands still work, and delete removes it.
broken_case() {
  local what=$1 u=$2
  expect_rc 0 zoneadm list -H -p -o uuid,state
  expect_contains "$ZK_TMP/out" "$u:corrupt"
  expect_contains "$ZK_TMP/out" "$good:running"
  expect_rc 0 zoneadm list -j
  expect_rc 0 zoneadm list
  expect_rc 1 zoneadm get "$u"
  expect_contains "$ZK_TMP/err" "zones/$u/zone.json"
  expect_rc 1 zoneadm boot "$u"
  expect_contains "$ZK_TMP/err" "zone.json"
  expect_rc 0 zoneadm get good
  expect_rc 0 zoneadm info good
  expect_rc 0 zoneadm update good cpu_cap=150
  expect_rc 0 zoneadm halt good
  expect_rc 0 zoneadm boot good
  expect_eq "$(zlogin good echo ok)" ok "$what: zlogin into the good zone"
  expect_rc 0 zoneadm recover -n
  # Identity cannot be allocated while a record is unreadable: refused, named.
  expect_rc 1 mk other
  expect_contains "$ZK_TMP/err" "$u cannot be read"
  expect_rc 0 zoneadm delete "$u"
  [ ! -e "$ZONEKIT_ROOT/zones/$u" ] || zk_fail "$what: corrupt zone not deleted"
  echo "ok $what"
}

# truncated JSON
u=$(mk t1); head -c 40 "$(zfile "$u")" > "$ZK_TMP/x"; cat "$ZK_TMP/x" > "$(zfile "$u")"
broken_case truncated "$u"
# not an object
u=$(mk t2); echo '[1,2,3]' > "$(zfile "$u")"
broken_case array "$u"
# wrong types everywhere
u=$(mk t3)
echo '{"uuid": 7, "alias": ["x"], "nics": "eth0", "max_physical_memory": "lots", "tags": 3, "autoboot": "yes"}' > "$(zfile "$u")"
broken_case wrong-types "$u"
# empty file
u=$(mk t4); : > "$(zfile "$u")"
broken_case empty "$u"
# zone.json a symlink to the good zone's (identity theft) and to /etc/passwd
u=$(mk t5); ln -sf "$(zfile "$good")" "$(zfile "$u")"
broken_case symlink-to-zone "$u"
u=$(mk t6); ln -sf /etc/passwd "$(zfile "$u")"
broken_case symlink-to-passwd "$u"
# zone.json a directory
u=$(mk t7); rm "$(zfile "$u")"; mkdir "$(zfile "$u")"
broken_case directory "$u"

# state.json / spec.json in the run dir as symlinks or garbage: that zone
# reports an error (or boots afresh), the others are untouched.
s=$(mk s1)
expect_rc 0 zoneadm boot s1
expect_rc 0 zoneadm halt s1
run="$ZONEKIT_RUN/zones/$s"
ln -sf /etc/passwd "$run/state.json"
expect_rc 0 zoneadm list -H -p -o alias,state
expect_contains "$ZK_TMP/out" "good:running"
grep -q '^s1:running$' "$ZK_TMP/out" && zk_fail "s1 with a symlinked state.json listed as running"
expect_contains "$ZK_TMP/out" "s1:unknown"
expect_rc 0 zoneadm info s1
expect_contains "$ZK_TMP/out" "state.json: Too many levels of symbolic links"
expect_rc 1 zoneadm boot s1
expect_contains "$ZK_TMP/err" "state.json"
expect_rc 0 zoneadm get good
expect_rc 0 zoneadm recover
expect_eq "$(grep -v '^keep zone good ' "$ZK_TMP/out")" "reset run state of zone s1 (state.json unreadable)" "recover of a symlinked state.json"
[ -e /etc/passwd ] || zk_fail "recover followed the symlink"
expect_rc 0 zoneadm boot s1
expect_rc 0 zoneadm halt s1
printf '{"state": "running", "zoneadmd_pid": "x"' > "$run/state.json.new" && mv "$run/state.json.new" "$run/state.json"
expect_rc 0 zoneadm list -H -p -o alias,state
expect_contains "$ZK_TMP/out" "good:running"
expect_contains "$ZK_TMP/out" "s1:unknown"
expect_rc 0 zoneadm recover
expect_rc 0 zoneadm list -H -p -o alias,state
expect_contains "$ZK_TMP/out" "s1:stopped"
ln -sf /etc/shadow "$run/spec.json"
expect_rc 0 zoneadm boot s1          # boot writes a fresh spec.json (never through a link)
[ ! -L "$run/spec.json" ] || zk_fail "spec.json still a symlink after boot"
expect_eq "$(head -c 5 /etc/shadow | wc -c)" 5 "/etc/shadow intact"
expect_rc 0 zoneadm halt s1
expect_rc 0 zoneadm delete s1
echo "ok run-dir symlinks"

# garbage in a nic tag file: that tag refuses, the others still work
expect_rc 0 nicadm add other --bridge zkbr1 --subnet 10.82.0.0/24 --gateway 10.82.0.1
printf '{"bridge": "zkbr1", "subnet": ' > "$ZONEKIT_ROOT/tags/other.json"
expect_rc 1 nicadm list
expect_contains "$ZK_TMP/err" "other.json"
expect_rc 0 zoneadm list
expect_rc 0 zoneadm halt good
expect_rc 0 zoneadm boot good
t=$(mk t8)                        # creates on other tags still allocate
expect_rc 2 mk t9 other           # the broken tag is unknown, by name
expect_contains "$ZK_TMP/err" "other"
echo '{"name": 5, "bridge": ["x"], "subnet": {}, "mtu": "big"}' > "$ZONEKIT_ROOT/tags/other.json"
expect_rc 1 nicadm list           # wrong types: an error, not an exception
expect_contains "$ZK_TMP/err" "other.json: corrupt nic tag record"
expect_rc 0 zoneadm boot t8
expect_rc 0 zoneadm halt t8
expect_rc 0 zoneadm delete t8
rm -f "$ZONEKIT_ROOT/tags/other.json"
echo "ok nic tag garbage"
expect_rc 0 zoneadm halt good
expect_rc 0 zoneadm delete good

# --- disk full ----------------------------------------------------------------
full="$ZK_TMP/full"
mkdir -p "$full"
mount -t tmpfs -o size=1m,mode=0755 zk-full "$full"
ZK_EXTRA_CLEANUP="umount -l $full"
export ZONEKIT_ROOT="$full"
z=$(mk z)
before=$(sha256sum < "$(zfile "$z")")
dd if=/dev/zero of="$full/filler" bs=4k 2>/dev/null || true
[ "$(df --output=avail "$full" | tail -1)" -eq 0 ] || zk_fail "filesystem not full"
expect_rc 1 zoneadm update z max_physical_memory=512
expect_contains "$ZK_TMP/err" "No space left on device"
expect_eq "$(sha256sum < "$(zfile "$z")")" "$before" "zone.json after a failed update"
expect_eq "$(find "$full" -path "$full/locks" -prune -o -type f -size 0 -print | wc -l)" 0 "zero-length files"
expect_eq "$(find "$full" -name '.*.tmp.*' | wc -l)" 0 "temporary files"
expect_rc 0 zoneadm list -H -p -o alias,ram
expect_contains "$ZK_TMP/out" "z:256"
# a create on the full disk fails cleanly too, and leaves no staging dir
expect_rc 1 mk z2
if ls -a "$full/zones" | grep -q '^\.new-'; then zk_fail "staging dir left by a failed create"; fi
rm -f "$full/filler"
expect_rc 0 zoneadm update z max_physical_memory=512
expect_contains "$(zfile "$z")" '"max_physical_memory": 512'
echo "ok disk full"
