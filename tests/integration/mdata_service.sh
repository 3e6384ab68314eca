#!/usr/bin/env bash
# The metadata service in a booted zone, through zonekit's own clients:
# mdata-get/list/put/delete on /.zonecontrol/metadata.sock, writes that
# persist in the stored manifest across halt/boot, zoneadm update seen
# without a reboot, user-script once per boot (output on the console, exit
# status in zoneadm info, a failure never fails the boot) and
# root_authorized_keys installed without following a planted symlink.
. "$(dirname "$0")/../lib/harness.sh"

KEY='ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFakeKeyForTestsOnly0000000000000000000000 admin@test'
cat >"$ZK_TMP/md.json" <<JSON
{
  "alias": "md",
  "max_physical_memory": 128,
  "owner_uuid": "930896af-bf8c-48d4-885c-6573a94b1853",
  "billing_id": "00000000-0000-0000-0000-000000000000",
  "customer_metadata": {
    "role": "web",
    "user-script": "#!/bin/sh\necho user-script-ran-\$(date +%s%N) >> /root/user-script.log\necho hello-from-user-script\n",
    "root_authorized_keys": "$KEY"
  },
  "internal_metadata": {"root_pw": "s3cret", "ops:token": "t0k"},
  "internal_metadata_namespaces": ["ops"]
}
JSON
zoneadm create -f "$ZK_TMP/md.json" >"$ZK_TMP/out" 2>"$ZK_TMP/err"
expect_contains "$ZK_TMP/err" "zone md: stored but not acted on: billing_id, owner_uuid"
uuid=$(zoneadm list -H -o uuid alias=md)
zoneadm boot md

# Waits for this boot's provisioning (user-script) to finish.
wait_provisioned() {
  for _ in $(seq 100); do
    zoneadm info md >"$ZK_TMP/info"
    grep -q '"user_script_exit_status"' "$ZK_TMP/info" && return 0
    sleep 0.1
  done
  cat "$ZK_TMP/info" >&2
  zk_fail "user-script did not finish"
}
wait_provisioned
expect_contains "$ZK_TMP/info" '"user_script_exit_status": 0'

# The clients: on PATH in a sparse zone, and under /native/usr/sbin.
expect_eq "$(zlogin md sh -c 'command -v mdata-get')" /usr/local/sbin/mdata-get "mdata-get on PATH"
expect_eq "$(zlogin md mdata-get role)" web "mdata-get role"
expect_eq "$(zlogin md /native/usr/sbin/mdata-get sdc:uuid)" "$uuid" "sdc:uuid"
expect_eq "$(zlogin md mdata-get sdc:alias)" md "sdc:alias"
expect_eq "$(zlogin md mdata-get root_pw)" s3cret "_pw key from internal_metadata"
expect_eq "$(zlogin md mdata-get ops:token)" t0k "internal namespace"
expect_eq "$(zlogin md mdata-get sdc:resolvers)" "[]" "sdc:resolvers"
expect_eq "$(zlogin md mdata-list | tr '\n' ' ')" "role root_authorized_keys user-script " "mdata-list"
expect_rc 1 zlogin md mdata-get nosuchkey
expect_contains "$ZK_TMP/err" "No metadata for 'nosuchkey'"
expect_rc 3 zlogin md mdata-get
expect_rc 3 zlogin md mdata-put
expect_rc 2 zlogin md mdata-put sdc:alias other
expect_contains "$ZK_TMP/err" "Error putting metadata for key 'sdc:alias': Cannot update the \"sdc\" Namespace."
expect_rc 2 zlogin md mdata-put ops:token x
expect_rc 2 zlogin md mdata-delete root_pw
# The clients are read-only, and not in the zone's own tree.
expect_rc 1 zlogin md touch /native/usr/sbin/x
expect_rc 1 zlogin md touch /usr/local/sbin/x
[ ! -e "$ZONEKIT_ROOT/zones/$uuid/root/native" ] || zk_fail "clients were written into the zone's tree"

# Writes from the zone: stored like zoneadm update, persisted.
zlogin md mdata-put color blue
echo -n 'from stdin' | zlogin md mdata-put piped
zlogin md mdata-delete role
expect_eq "$(zlogin md mdata-get color)" blue "mdata-put"
expect_eq "$(zlogin md mdata-get piped)" "from stdin" "mdata-put from stdin"
expect_rc 1 zlogin md mdata-get role
zoneadm get md >"$ZK_TMP/get"
expect_contains "$ZK_TMP/get" '"color": "blue"'
grep -q '"role"' "$ZK_TMP/get" && zk_fail "deleted key still stored"
expect_eq "$(zoneadm list -H -o customer_metadata.color alias=md)" blue "list customer_metadata.color"

# zoneadm update reaches the running zone without a reboot.
zoneadm update md customer_metadata.fresh=yes 2>/dev/null
expect_eq "$(zlogin md mdata-get fresh)" yes "update seen at once"

# user-script: ran once this boot, output on the console.
expect_eq "$(zlogin md grep -c user-script-ran /root/user-script.log)" 1 "user-script runs once"
expect_contains "$ZONEKIT_RUN/zones/$uuid/console.log" hello-from-user-script
expect_contains "$ZONEKIT_RUN/zones/$uuid/console.log" "user-script exited with status 0"

# root_authorized_keys: the key, 0600 in a 0700 /root/.ssh, the zone root's.
expect_eq "$(zlogin md cat /root/.ssh/authorized_keys)" "$KEY" "authorized_keys"
expect_eq "$(zlogin md stat -c '%a %u %g' /root/.ssh /root/.ssh/authorized_keys | tr '\n' ' ')" \
  "700 0 0 600 0 0 " "modes and owners"
uid_base=$(zoneadm get md | sed -n 's/.*"uid_base": *\([0-9]*\).*/\1/p')
expect_eq "$(stat -c %u "$ZONEKIT_ROOT/zones/$uuid/root/root/.ssh/authorized_keys")" "$uid_base" "host owner"

# Halt and boot: what the zone wrote is still there; the script runs again.
zoneadm halt md
zoneadm boot md
wait_provisioned
expect_eq "$(zlogin md mdata-get color)" blue "after halt/boot"
expect_rc 1 zlogin md mdata-get role
expect_eq "$(zlogin md grep -c user-script-ran /root/user-script.log)" 2 "user-script once per boot"

# A failing user-script is reported, the zone runs; a symlink planted at
# /root/.ssh is not followed.
zoneadm update md 'customer_metadata.user-script=#!/bin/sh
echo failing; exit 3' 2>/dev/null
zlogin md sh -c 'rm -rf /root/.ssh && ln -s /etc /root/.ssh'
zoneadm reboot md
wait_provisioned
expect_contains "$ZK_TMP/info" '"user_script_exit_status": 3'
expect_contains "$ZK_TMP/info" '"state": "running"'
expect_contains "$ZK_TMP/info" "root_authorized_keys not installed: /root/.ssh: a symlink is in the way (not followed)"
expect_rc 1 zlogin md test -e /etc/authorized_keys
expect_eq "$(zlogin md readlink /root/.ssh)" /etc "planted symlink left alone"
zoneadm halt md
zoneadm delete md
