#!/usr/bin/env bash
# The zonekit.zones collection provisions three hosts at once: three
# inventory hosts with ansible_connection=local, each with its own store,
# run dir and nic tag bridge inside this test's namespaces. --check --diff
# reports the changes and changes nothing; the real run converges; a rerun
# reports changed=0 on every host; teardown (absent) works the same way.
. "$(dirname "$0")/../lib/harness.sh"
. "$ZK_SOURCE/tests/lib/store_snapshot.sh"
command -v ansible-playbook >/dev/null || { echo "SKIP: ansible-playbook is not installed (apt-get install ansible-core)" >&2; exit 77; }

HOSTS="h1 h2 h3"
PLAYBOOK=zonekit.zones.provision   # the collection's playbook, by name as the README runs it
export HOME=$ZK_TMP/home ANSIBLE_COLLECTIONS_PATH=$ZK_SOURCE/contrib/ansible
export ANSIBLE_CONFIG=$ZK_TMP/ansible.cfg ANSIBLE_LOCAL_TEMP=$ZK_TMP/ansible-local ANSIBLE_REMOTE_TEMP=$ZK_TMP/ansible-remote
export ANSIBLE_NOCOLOR=1 ANSIBLE_RETRY_FILES_ENABLED=0 ANSIBLE_FORKS=3 ANSIBLE_DEPRECATION_WARNINGS=0
mkdir -p "$HOME"
: >"$ANSIBLE_CONFIG"

# Per host: a store under the harness's, a run dir under the harness's (so
# its cleanup finds any zoneadmd left), its own bridge and subnet.
host_env() { echo "ZONEKIT_ROOT=$ZK_TMP/hosts/$1/root ZONEKIT_RUN=$ZONEKIT_RUN/$1 ZONEKIT_CONFIG=$ZK_TMP/hosts/$1/zonekit.toml"; }
on() { local h=$1; shift; env $(host_env "$h") "$@"; }
fleet_cleanup() { for h in $HOSTS; do on $h zoneadm halt --all >/dev/null 2>&1; done; }
ZK_EXTRA_CLEANUP=fleet_cleanup

printf 'alias: db01\nmax_physical_memory: 128\nnics:\n  - nic_tag: lan\ncustomer_metadata:\n  user-script: "#!/bin/sh\\necho db-token-42"\n' >"$ZK_TMP/db01.yaml"
{
  echo "zonehosts:"
  echo "  vars:"
  echo "    ansible_connection: local"
  echo "    ansible_python_interpreter: /usr/bin/python3"
  echo "    zonekit_db_manifest: $ZK_TMP/db01.yaml"
  echo "    zonekit_root_pw: web-secret-42"
  echo "  hosts:"
  n=0
  for h in $HOSTS; do
    n=$((n + 1))
    mkdir -p "$ZK_TMP/hosts/$h/root"
    echo "    $h:"
    echo "      zonekit_bridge: zkfleet$n"
    echo "      zonekit_subnet: 10.71.$n.0/24"
    echo "      zonekit_gateway: 10.71.$n.1"
    echo "      zonekit_web_memory: $((n * 128))"
    echo "      zonekit_env:"
    for kv in $(host_env $h); do echo "        ${kv%%=*}: ${kv#*=}"; done
  done
} >"$ZK_TMP/inventory.yml"

stores() { for h in $HOSTS; do echo "== $h"; store_snapshot "$ZK_TMP/hosts/$h/root"; done; }
recap() {  # recap FILE HOST -> "ok=N changed=N failed=N"
  sed -n "s/^$2 *: ok=\([0-9]*\) *changed=\([0-9]*\) .*failed=\([0-9]*\).*/ok=\1 changed=\2 failed=\3/p" "$1"
}
play() {  # play NAME ARGS...: run the playbook, keep its output in $ZK_TMP/NAME.log
  local name=$1 rc=0; shift
  ansible-playbook -i "$ZK_TMP/inventory.yml" "$@" >"$ZK_TMP/$name.log" 2>&1 || rc=$?
  [ $rc -eq 0 ] || { cat "$ZK_TMP/$name.log" >&2; zk_fail "ansible-playbook $name exited $rc"; }
}

for h in $HOSTS; do on $h zoneadm list >/dev/null; done
EMPTY=$(stores)

# --- check mode: the changes are reported, nothing changes ----------------
play check --check --diff "$PLAYBOOK"
for h in $HOSTS; do expect_eq "$(recap "$ZK_TMP/check.log" $h)" "ok=3 changed=3 failed=0" "check recap $h"; done
expect_contains "$ZK_TMP/check.log" '"max_physical_memory": 384'
expect_contains "$ZK_TMP/check.log" '"root_pw": "(secret)"'
expect_contains "$ZK_TMP/check.log" '"user-script": "(secret)"'
expect_contains "$ZK_TMP/check.log" '"subnet": "10.71.2.0/24"'
grep -q "web-secret-42\|db-token-42" "$ZK_TMP/check.log" && zk_fail "check mode showed a secret"
expect_eq "$(stores)" "$EMPTY" "stores after --check"
for n in 1 2 3; do ip link show zkfleet$n >/dev/null 2>&1 && zk_fail "--check created bridge zkfleet$n"; done

# --- the real run converges ---------------------------------------------------------
play apply --diff "$PLAYBOOK"
for h in $HOSTS; do expect_eq "$(recap "$ZK_TMP/apply.log" $h)" "ok=4 changed=3 failed=0" "apply recap $h"; done
n=0
for h in $HOSTS; do
  n=$((n + 1))
  expect_eq "$(on $h zoneadm list -H -o alias,state,ram -s alias | tr -s ' ' | tr '\n' ';')" \
    "db01 stopped 128;web01 running $((n * 128));" "zones of $h"
  case $(on $h zoneadm list -H -o ip alias=web01) in 10.71.$n.*) ;; *) zk_fail "$h: web01 is not on its own subnet" ;; esac
  ip link show zkfleet$n >/dev/null || zk_fail "$h: bridge zkfleet$n missing"
  expect_eq "$(on $h zoneadm list -H -o alias tags.apply_set=ansible | sort | tr '\n' ' ')" "db01 web01 " "$h set tag"
done

# --- a rerun changes nothing, anywhere -------------------------------------------------
BEFORE=$(stores)
play rerun "$PLAYBOOK"
for h in $HOSTS; do expect_eq "$(recap "$ZK_TMP/rerun.log" $h)" "ok=4 changed=0 failed=0" "rerun recap $h"; done
expect_eq "$(stores)" "$BEFORE" "stores after the rerun"

# --- restart, absent: check mode first, then for real, then idempotent ----------
cat >"$ZK_TMP/teardown.yml" <<'EOF'
- hosts: zonehosts
  gather_facts: false
  environment: "{{ zonekit_env }}"
  tasks:
    - zonekit.zones.zone: {name: web01, state: restarted}
    - zonekit.zones.zone: {name: web01, state: absent}
    - zonekit.zones.zone: {name: db01, state: absent}
    - zonekit.zones.nictag: {name: lan, state: absent}
EOF
play teardown-check --check "$ZK_TMP/teardown.yml"
for h in $HOSTS; do expect_eq "$(recap "$ZK_TMP/teardown-check.log" $h)" "ok=4 changed=4 failed=0" "teardown --check $h"; done
expect_eq "$(stores)" "$BEFORE" "stores after teardown --check"
play teardown "$ZK_TMP/teardown.yml"
for h in $HOSTS; do
  expect_eq "$(recap "$ZK_TMP/teardown.log" $h)" "ok=4 changed=4 failed=0" "teardown $h"
  expect_eq "$(on $h zoneadm list -H | wc -l)" 0 "zones of $h after teardown"
  expect_eq "$(on $h nicadm list -H | wc -l)" 0 "tags of $h after teardown"
done
# restarted fails on a zone that is gone; absent and the tag are no-ops now
sed -i '/state: restarted/d' "$ZK_TMP/teardown.yml"
play teardown-again "$ZK_TMP/teardown.yml"
for h in $HOSTS; do expect_eq "$(recap "$ZK_TMP/teardown-again.log" $h)" "ok=3 changed=0 failed=0" "teardown again $h"; done
