#!/usr/bin/env bash
# zonestat: a CPU burner capped at 50% shows near its cap, an idle zone near
# 0; a memory hog shows its usage; traffic from one zone to another shows as
# matching bytes out and in; -j carries every field; the Prometheus output
# parses; a zone whose supervisor is gone is shown without usage.
. "$(dirname "$0")/../lib/harness.sh"
PY=/usr/bin/python3

nicadm add lan --bridge zkst0 --subnet 10.67.0.0/24 --gateway 10.67.0.1 >/dev/null
zoneadm create -f - >/dev/null <<'JSON'
{"alias": "burner", "cpu_cap": 50, "init_name": ["/bin/sh", "-c", "while :; do :; done"],
 "nics": [{"nic_tag": "lan"}]}
JSON
zoneadm create -f - >/dev/null <<'JSON'
{"alias": "idle", "max_physical_memory": 256, "nics": [{"nic_tag": "lan"}]}
JSON
zoneadm boot burner
zoneadm boot idle

# CPU: over 2 s, the burner at most its 50% cap and as much as the kernel
# counted for it over the same time (on a busy host it gets less than its
# cap), the idle zone near 0.
buuid=$(zoneadm get burner | jq -r .uuid)
usage_ns() {  # the burner's CPU time as the kernel counts it
  local d
  for d in /sys/fs/cgroup/cpu,cpuacct /sys/fs/cgroup/cpuacct; do
    [ -f "$d/$ZONEKIT_CGROUP_PARENT/$buuid/cpuacct.usage" ] && { cat "$d/$ZONEKIT_CGROUP_PARENT/$buuid/cpuacct.usage"; return; }
  done
  echo $(( $(sed -n 's/^usage_usec //p' "/sys/fs/cgroup/$ZONEKIT_CGROUP_PARENT/$buuid/cpu.stat") * 1000 ))
}
u0=$(usage_ns); t0=$(date +%s%N)
zonestat -j 2 1 >"$ZK_TMP/cpu.json"
u1=$(usage_ns); t1=$(date +%s%N)
truth=$(awk -v u=$((u1 - u0)) -v t=$((t1 - t0)) 'BEGIN { printf "%.1f", u * 100 / t }')
field() { jq -r --arg z "$1" ".[] | select(.zone == \$z) | .$2" "$3"; }
burn=$(field burner cpu "$ZK_TMP/cpu.json")
cap=$(field burner cpu_cap "$ZK_TMP/cpu.json")
idle=$(field idle cpu "$ZK_TMP/cpu.json")
echo "burner ${burn}% (${cap}% of its cap; the kernel counted ${truth}% around it), idle ${idle}%"
awk -v b="$burn" -v c="$cap" -v i="$idle" -v t="$truth" \
  'BEGIN { exit !(b >= 5 && b <= 60 && (c - 2 * b) <= 0.2 && (2 * b - c) <= 0.2 && i < 5 && b >= t * 0.7 && b <= t * 1.4 + 2) }' ||
  zk_fail "cpu figures: burner $burn% ($cap% of cap; kernel $truth%), idle $idle%"

# Every documented field, in -j, for every row (zones, total, host).
for f in zone uuid alias state cpu cpu_cap mem mem_pct swap swap_pct lwps lwps_pct net_in net_out pkt_in pkt_out \
         disk_read disk_write; do
  expect_eq "$(jq "[.[] | has(\"$f\")] | all" "$ZK_TMP/cpu.json")" true "field $f in every row"
done
expect_eq "$(jq -r '[.[].zone] | join(" ")' "$ZK_TMP/cpu.json")" "burner idle total host" "rows"

# Memory: 64 MiB written to the idle zone's /tmp (tmpfs) is counted.
zlogin idle sh -c 'head -c 67108864 /dev/zero > /tmp/fill'
zonestat -j 1 1 >"$ZK_TMP/mem.json"
mem=$(field idle mem "$ZK_TMP/mem.json")
pct=$(field idle mem_pct "$ZK_TMP/mem.json")
[ "$mem" -ge $((64 << 20)) ] || zk_fail "idle zone mem $mem < 64 MiB"
awk -v p="$pct" 'BEGIN { exit !(p >= 25 && p <= 60) }' || zk_fail "idle zone mem_pct $pct (of 256 MiB)"

# Network: 20 MB from a third zone to idle, inside one interval of 4 s (30
# under emulation, ZK_SLOW: qemu's TCG moves ~2 MB/s) (the burner's own cap
# would slow its sender). busybox nc ends with its stdin: the listener's is
# held open by a sleep.
echo '{"alias": "peer", "nics": [{"nic_tag": "lan"}]}' | zoneadm create -f - >/dev/null
zoneadm boot peer
ip=$(zoneadm list -H -o ip alias=idle)
iv=4; [ "${ZK_SLOW:-0}" = 1 ] && iv=30
zlogin idle sh -c "sleep $((iv + 6)) | busybox nc -l -p 9000 > /dev/null" &
lst=$!
sleep 0.5
zonestat -j $iv 1 >"$ZK_TMP/net.json" &
zst=$!
sleep 0.5
zlogin peer sh -c "head -c 20000000 /dev/zero | busybox nc -w 1 $ip 9000"
wait "$zst"
wait "$lst" || true
out=$(field peer net_out "$ZK_TMP/net.json")
in=$(field idle net_in "$ZK_TMP/net.json")
echo "peer sent $out B/s, idle received $in B/s"
awk -v o="$out" -v i="$in" -v t=$iv 'BEGIN { exit !(o * t >= 19000000 && i * t >= 19000000 && o <= i * 1.1 && i <= o * 1.1) }' ||
  zk_fail "network figures: out $out B/s, in $in B/s"

# Prometheus: parses with Debian's prometheus_client, carries the labels.
zonestat --prometheus 1 >"$ZK_TMP/metrics.prom"
expect_eq "$(zonestat -o prometheus 1 | grep -c '^zonekit_zone_running{')" 3 "zones in -o prometheus"
$PY - "$ZK_TMP/metrics.prom" <<'PYEOF' || zk_fail "Prometheus output does not parse"
import sys
from prometheus_client.parser import text_string_to_metric_families
text = open(sys.argv[1]).read()
names = set()
for fam in text_string_to_metric_families(text):
    for s in fam.samples:
        names.add(s.name)
        if s.name.startswith("zonekit_zone_"):
            assert set(s.labels) == {"zone", "alias", "uuid"}, s
for want in ["zonekit_zone_cpu_seconds_total", "zonekit_zone_memory_bytes", "zonekit_zone_running",
             "zonekit_zone_network_transmit_bytes_total", "zonekit_host_cpus"]:
    assert want in names, want
PYEOF
grep -q '^zonekit_zone_cpu_cap_percent{zone="burner",alias="burner",uuid="[0-9a-f-]*"} 50$' "$ZK_TMP/metrics.prom" ||
  zk_fail "cpu_cap metric of burner"

# -p: every field, colon-separated, a missing value empty.
zonestat -p -o zone,cpu_cap 1 1 >"$ZK_TMP/p"
expect_eq "$(grep '^idle:' "$ZK_TMP/p")" "idle:" "-p of a figure that does not apply"

# On a terminal: redrawn in place every interval, 'm' sorts by memory, 'q'
# quits.
(sleep 1.6; printf m; sleep 1.2; printf q) | timeout 20 script -qfc "zonestat 1" /dev/null >"$ZK_TMP/live" ||
  zk_fail "the live view did not quit on q"
[ "$(grep -c $'\e\[H\e\[2J' "$ZK_TMP/live")" -ge 1 ] || zk_fail "the live view never drew"
grep -q 'sort mem' "$ZK_TMP/live" || zk_fail "'m' did not sort by memory"
grep -q 'ZONE *CPU%' "$ZK_TMP/live" || zk_fail "live view has no table"

# A zone whose supervisor died still runs, and its usage is still shown.
pid=$(sed -n 's/.*"zoneadmd_pid": *\([0-9]*\).*/\1/p' "$ZONEKIT_RUN/zones/$(zoneadm get idle | jq -r .uuid)/state.json")
kill -KILL "$pid"
for i in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
expect_eq "$(zoneadm list -H -p -o state,supervisor alias=idle)" "running:none" "idle after its zoneadmd died"
zonestat -j 1 1 >"$ZK_TMP/down.json"
[ "$(field idle mem "$ZK_TMP/down.json")" != null ] || zk_fail "no usage for a zone running unsupervised"
expect_rc 2 zonestat -o bogus 1 1
expect_contains "$ZK_TMP/err" 'zonestat: -o: unknown field "bogus"'
expect_rc 3 zonestat -z nosuch 1 1
