#!/usr/bin/env bash
# Per-user kernel counters (inotify instances, POSIX message queue bytes,
# queued real-time signals) are charged up the user namespace chain to the
# namespace's owner. A zone that takes all it can must spend its own
# budget: host root and another zone can still get each of them.
. "$(dirname "$0")/../lib/harness.sh"
command -v python3 >/dev/null || { echo "SKIP: python3 is not installed" >&2; exit 77; }

max=$(cat /proc/sys/fs/inotify/max_user_instances)
[ "$max" -le 100000 ] || { echo "SKIP: fs.inotify.max_user_instances=$max is too high to exhaust" >&2; exit 77; }
probe=$ZK_SOURCE/tests/lib/counters.py
mkdir -p "$ZK_TMP/share" && cp "$probe" "$ZK_TMP/share/"
for z in hog peer; do
  printf '{"alias": "%s", "filesystems": [{"source": "%s", "target": "/srv/t", "options": ["ro"]}]}\n' \
    "$z" "$ZK_TMP/share" | zoneadm create -f - >/dev/null
  zoneadm boot "$z"
done

# Zone hog takes everything it can and holds it (until fd 8 closes).
mkfifo "$ZK_TMP/hold"
zlogin hog python3 /srv/t/counters.py hog $((max + 16)) <"$ZK_TMP/hold" >"$ZK_TMP/hog" &
hog=$!
exec 8>"$ZK_TMP/hold"
for i in $(seq 300); do [ -s "$ZK_TMP/hog" ] && break; sleep 0.1; done
read -r got <"$ZK_TMP/hog" || zk_fail "the hog reported nothing"
echo "the hog holds: $got"
case "$got" in inotify=0\ *|*mqueue=0\ *|*sigpending=0) zk_fail "the hog got nothing of one counter: $got" ;; esac

expect_eq "$(python3 "$probe" probe)" "inotify=OK mqueue=OK sigqueue=OK" "host root while the hog holds its counters"
expect_eq "$(zlogin peer python3 /srv/t/counters.py probe)" "inotify=OK mqueue=OK sigqueue=OK" \
  "another zone while the hog holds its counters"
# The hog itself is at the end of its budget.
case "$(zlogin hog python3 /srv/t/counters.py probe)" in
  *inotify=OK*) zk_fail "the hog was not at its inotify limit" ;;
esac
exec 8>&-
wait "$hog"
