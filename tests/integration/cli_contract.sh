#!/usr/bin/env bash
# The CLI contract scripts rely on (issue: every rough edge a new admin hit):
# help and version everywhere, usage errors that name the program and the
# word, exit codes, wait states, dotted map updates, init_name as a list,
# update messages, validate against the host, autoboot and shutdown --all.
. "$(dirname "$0")/../lib/harness.sh"

# -h, --help, -V, --version: every tool, exit 0, on stdout.
for tool in zoneadm zonecfg zlogin nicadm imgadm; do
  for f in -h --help; do
    out=$("$tool" "$f") || zk_fail "$tool $f exited $?"
    case "$out" in *"$tool"*) ;; *) zk_fail "$tool $f does not name the tool: $out" ;; esac
  done
  for f in -V --version; do
    expect_eq "$("$tool" "$f")" "$tool (zonekit) 0.1.0" "$tool $f"
  done
done

# Unknown subcommands: the program, the word, the nearest verb; exit 2.
expect_rc 2 zoneadm start web
expect_eq "$(head -1 "$ZK_TMP/err")" "zoneadm: unknown subcommand 'start' (did you mean 'boot'?)" "zoneadm start"
expect_rc 2 imgadm avail
expect_eq "$(head -1 "$ZK_TMP/err")" "imgadm: unknown subcommand 'avail' (did you mean 'list'?)" "imgadm avail"
expect_rc 2 nicadm lst
expect_eq "$(head -1 "$ZK_TMP/err")" "nicadm: unknown subcommand 'lst' (did you mean 'list'?)" "nicadm lst"
expect_rc 2 zonecfg verify x.json
expect_eq "$(head -1 "$ZK_TMP/err")" "zonecfg: unknown subcommand 'verify' (did you mean 'validate'?)" "zonecfg verify"
# A missing operand names the command it belongs to.
expect_rc 2 zoneadm get
expect_eq "$(cat "$ZK_TMP/err")" "zoneadm get: zone is required; see 'zoneadm get --help'" "zoneadm get"
expect_rc 2 zoneadm boot --bogus
expect_eq "$(cat "$ZK_TMP/err")" "zoneadm boot: unexpected argument --bogus; see 'zoneadm boot --help'" "bad flag"
expect_rc 2 zlogin -x z
expect_eq "$(head -1 "$ZK_TMP/err")" "zlogin: unknown option '-x'" "zlogin -x"
# A missing manifest file is a failure (1), never "no such zone" (3).
expect_rc 1 zoneadm create -f /nonexistent.json
expect_contains "$ZK_TMP/err" "zoneadm: open /nonexistent.json: No such file or directory"
expect_rc 1 zoneadm validate -f /nonexistent.json

# wait: an unknown state is a usage error naming the valid ones.
zoneadm create -f - >/dev/null <<'YAML'
alias: web
max_physical_memory: 128
YAML
for bad in bogus Running; do
  expect_rc 2 timeout 5 zoneadm wait web --state "$bad"
  expect_contains "$ZK_TMP/err" "zoneadm: wait: --state $bad: unknown state"
  expect_contains "$ZK_TMP/err" "one of stopped, ready, running, shutting_down, down, incomplete, failed, corrupt, unknown, deleted"
done
expect_contains "$ZK_TMP/err" "(did you mean running?)"
expect_rc 0 zoneadm wait web --state installed --timeout 1

# Dotted map updates: one key set, KEY= removes it, the rest kept.
zoneadm update web 'customer_metadata={"keep": "1", "old": "2"}' tags.env=prod 2>/dev/null
expect_rc 0 zoneadm update web customer_metadata.role='web server' customer_metadata.old= tags.port=8080
expect_eq "$(zoneadm get web | jq -c .customer_metadata)" '{"keep":"1","role":"web server"}' "customer_metadata"
expect_eq "$(zoneadm get web | jq -c .tags)" '{"env":"prod","port":8080}' "tags"
expect_eq "$(cat "$ZK_TMP/err")" "zoneadm: zone web: updated customer_metadata, tags" "update note, stopped zone"
# A whole map replaces the map, and says what it dropped.
expect_rc 0 zoneadm update web 'customer_metadata={"foo": "bar"}'
expect_contains "$ZK_TMP/err" "zoneadm: zone web: customer_metadata was replaced as a whole, dropping keep, role (customer_metadata.KEY=VALUE sets one key)"
expect_rc 2 zoneadm update web tags.a=1 tags.a=2
expect_contains "$ZK_TMP/err" "tags.a: is given twice"

# init_name: a list keeps arguments with spaces; a quoted string is refused.
expect_rc 2 zoneadm validate --offline -f - <<'JSON'
{"init_name": "/bin/sh -c 'echo a b; exec sleep 1000'"}
JSON
expect_contains "$ZK_TMP/err" "is split on blanks without quoting; give it as a list instead"
zoneadm create -f - >/dev/null <<'JSON'
{"alias": "argv", "init_name": ["/bin/sh", "-c", "echo 'two words' > /tmp/said; exec sleep 1000"]}
JSON
zoneadm boot argv
for i in $(seq 50); do zlogin argv test -s /tmp/said && break; sleep 0.1; done
expect_eq "$(zlogin argv cat /tmp/said)" "two words" "init argv with spaces"

# Update messages: each key once, live or at next boot.
zoneadm boot web
# zoneadm(8)'s recipe for reading -p with ':' inside values.
got=$(zoneadm list -p -o alias,boot_timestamp alias=web | sed 's/\\:/\x01/g' | while IFS=: read -r alias booted; do
  booted=$(printf '%s' "$booted" | tr '\001' :); echo "$alias $booted"; done)
expect_eq "$got" "$(zoneadm list -j -o alias,boot_timestamp alias=web | jq -r '.[] | "\(.alias) \(.boot_timestamp)"')" "-p recipe"
case "$got" in *:*:*) ;; *) zk_fail "boot_timestamp without colons: $got" ;; esac
expect_rc 0 zoneadm update web max_physical_memory=512
expect_eq "$(cat "$ZK_TMP/err")" "$(printf 'zoneadm: zone web: applied live: max_physical_memory, max_swap\nzoneadm: zone web: at next boot: max_locked_memory, tmpfs')" "update note, running zone"

# validate checks the host (unknown tag, missing image) and lists every
# problem; create lists the same and changes nothing.
bad='{"alias": "bad", "image_uuid": "11111111-2222-4333-8444-555555555555", "nics": [{"nic_tag": "nosuch"}]}'
for cmd in validate create; do
  echo "$bad" > "$ZK_TMP/bad.json"
  expect_rc 2 zoneadm $cmd -f "$ZK_TMP/bad.json"
  expect_contains "$ZK_TMP/err" "zoneadm: $ZK_TMP/bad.json: nics[0].nic_tag: \"nosuch\" is not a nic tag on this host"
  expect_contains "$ZK_TMP/err" "zoneadm: $ZK_TMP/bad.json: image_uuid: image 11111111-2222-4333-8444-555555555555 is not imported"
done
expect_rc 0 zoneadm validate --offline -f "$ZK_TMP/bad.json"
expect_eq "$(zoneadm list -H -o alias | tr '\n' ' ')" "argv web " "zones after refused create"
expect_rc 2 zoneadm validate -f - <<<'{"alias": "web"}'
expect_contains "$ZK_TMP/err" 'alias: "web" is already used by zone web'

# boot --autoboot takes no zone name; it says what it did.
expect_rc 2 zoneadm boot --autoboot web
expect_contains "$ZK_TMP/err" "takes no zone name"
zoneadm update web autoboot=true 2>/dev/null
zoneadm update argv autoboot=true 2>/dev/null
zoneadm halt argv
expect_rc 0 zoneadm boot --autoboot
expect_contains "$ZK_TMP/err" "zoneadm: autoboot: 1 booted (argv), 1 already running (web)"

# shutdown --all: graceful, in parallel, halt after the timeout.
zoneadm create -f - >/dev/null <<'JSON'
{"alias": "stubborn", "init_name": ["/bin/sh", "-c", "trap '' TERM; while :; do sleep 1; done"], "restart_init": false}
JSON
zoneadm boot stubborn
start=$(date +%s)
expect_rc 0 zoneadm shutdown --all -t 2
took=$(( $(date +%s) - start ))
expect_contains "$ZK_TMP/err" "zoneadm: shutdown: 3 stopped (argv, stubborn, web)"
[ "$took" -lt 15 ] || zk_fail "shutdown --all -t 2 took $took s"
expect_eq "$(zoneadm list -H -o state | sort -u)" stopped "states after shutdown --all"
expect_rc 0 zoneadm shutdown --all
expect_contains "$ZK_TMP/err" "zoneadm: shutdown: no zone is running"
expect_rc 2 zoneadm shutdown web --all

# A store whose parent the zone's ids cannot search: refused at create and
# boot, naming the directory and the fix, and the zone is not left failed.
priv=$ZK_TMP/private
mkdir -p "$priv" && chmod 0700 "$priv"
( export ZONEKIT_ROOT=$priv/root ZONEKIT_RUN=$priv/run
  expect_rc 1 zoneadm create -f - <<<'{"alias": "deep"}'
  expect_contains "$ZK_TMP/err" "$priv (mode 0700) is not searchable by others"
  expect_contains "$ZK_TMP/err" "chmod o+x $priv"
  chmod 0711 "$priv"
  zoneadm create -f - <<<'{"alias": "deep"}' >/dev/null
  chmod 0700 "$priv"
  expect_rc 1 zoneadm boot deep
  expect_contains "$ZK_TMP/err" "zone deep: boot: $priv (mode 0700) is not searchable by others"
  expect_eq "$(zoneadm list -H -o state)" stopped "state after a refused boot"
  chmod 0711 "$priv"
  zoneadm boot deep
  zoneadm delete deep )
