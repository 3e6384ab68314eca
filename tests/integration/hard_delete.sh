#!/usr/bin/env bash
# zoneadm delete of a tree a zone built to defeat it (issue 19):
#  1. a 5000-deep chain, a wide directory, directories of mode 000, names
#     with newlines, fifos and symlinks to host paths, all written from
#     inside the zone, go with `ulimit -n 64`; nothing outside is touched;
#     the zone cannot set immutable or append-only attributes itself.
#  2. 10^5 files: timed; 3 x 10^5: a terminal sees a progress line, a
#     pipe nothing.
#  3. what cannot be removed (an immutable file host root set at the bottom
#     of a deep tree, a mount point inside the tree) fails the delete with
#     exit 1 naming it, the zone is gone from the store, the mount's files
#     are untouched, and `zoneadm recover` (again with ulimit -n 64)
#     finishes once the obstacle is gone.
. "$(dirname "$0")/../lib/harness.sh"

create() { printf '%s\n' "$1" | zoneadm create -f -; }
zp() { zoneadm list -H -p -o zonepath alias="$1"; }
uuid_of() { zoneadm list -H -p -o uuid alias="$1"; }
graves() { ls -A "$ZONEKIT_ROOT/zones" | grep '^\.del-' || true; }
# low_fds CMD...: run with 64 fds at most, output to $ZK_TMP/out and err
low_fds() {
  local rc=0
  (ulimit -n 64 && exec "$@") >"$ZK_TMP/out" 2>"$ZK_TMP/err" || rc=$?
  return $rc
}
# at_depth DIR DEPTH CMD...: run CMD (from the host) in DIR/d/d/... DEPTH
# levels down, creating what is missing (the path is longer than PATH_MAX).
at_depth() {
  perl -e 'my ($dir, $n, @cmd) = @ARGV; chdir $dir or die "$dir: $!";
    for (1 .. $n) { mkdir "d"; chdir "d" or die "$!" } exec @cmd or die "$cmd[0]: $!"' "$@"
}

outside=$ZK_TMP/outside
mkdir -p "$outside"
echo keep >"$outside/keep"

# --- 1. a hostile tree, built by the zone -------------------------------------
create '{"alias": "z1"}' >/dev/null
zoneadm boot z1
z1=$(zp z1)
zlogin z1 sh -c 'echo x > /root/f'
# chattr +i/+a need CAP_LINUX_IMMUTABLE in the host's user namespace.
expect_rc 1 zlogin z1 chattr +i /root/f
expect_rc 1 zlogin z1 chattr +a /root/f
if lsattr "$z1/root/root/f" | awk '{print $1}' | grep -q '[ia]'; then zk_fail "the zone set an attribute"; fi
zlogin z1 perl -e '
  use POSIX qw(mkfifo);
  my $out = $ARGV[0];
  chdir "/var" or die;
  mkdir "deep" or die;
  chdir "deep" or die;
  for (1 .. 5000) { mkdir "d" or die "mkdir: $!"; chdir "d" or die "chdir: $!" }
  open(my $f, ">", "bottom") or die; close $f;
  mkdir "locked" or die; open($f, ">", "locked/f") or die; close $f; chmod 0, "locked";
  chdir "/var" or die;
  mkdir "wide" or die;
  for my $i (1 .. 20000) { open(my $g, ">", "wide/$i") or die "$!"; close $g }
  mkdir "odd" or die;
  mkdir "odd/new\nline" or die;
  open($f, ">", "odd/new\nline/\n") or die; close $f;
  mkdir "odd/\x01\x7f" or die;
  mkfifo("odd/fifo", 0600) or die;
  symlink "/", "odd/root" or die;
  symlink "$out/keep", "odd/host" or die;
  symlink $out, "odd/hostdir" or die;
  mkdir "odd/nomode", 0 or die;
  chmod 0, "/var/odd";
' "$outside"
[ "$(stat -c %a "$z1/root/var/odd")" == 0 ] || zk_fail "the zone's mode 000 directory"
zoneadm halt z1
low_fds zoneadm delete z1 || { cat "$ZK_TMP/err" >&2; zk_fail "delete z1 with ulimit -n 64"; }
[ ! -s "$ZK_TMP/err" ] || zk_fail "delete z1 printed: $(cat "$ZK_TMP/err")"
[ ! -e "$z1" ] || zk_fail "z1's directory remains"
expect_eq "$(graves)" "" "graveyards after deleting z1"
expect_eq "$(cat "$outside/keep")" keep "host file behind the zone's symlink"
[ -d / ] && [ -e "$ZK_SOURCE/README.md" ] || zk_fail "a host path went missing"

# --- 2. 10^5 files: time, and progress on a terminal only ---------------------
many() {  # many ALIAS N: a stopped zone holding N thousand files in N directories
  create "{\"alias\": \"$1\"}" >/dev/null
  local root
  root=$(zp "$1")/root/var
  mkdir -p "$root"
  perl -e 'for my $d (1 .. $ARGV[1]) { mkdir "$ARGV[0]/$d" or die; for my $i (1 .. 1000) { open(my $f, ">", "$ARGV[0]/$d/$i") or die; close $f } }' "$root" "$2"
}
many z2 100
start=$(date +%s%N)
expect_rc 0 zoneadm delete z2
ms=$(( ($(date +%s%N) - start) / 1000000 ))
echo "hard_delete.sh: deleting 10^5 files took $ms ms" >&2
[ "$ms" -lt 60000 ] || zk_fail "deleting 10^5 files took $ms ms"
# 3 x 10^5 files: long enough for the progress line.
many z3 300
script -qefc "zoneadm delete z3" /dev/null >"$ZK_TMP/tty" </dev/null
expect_contains "$ZK_TMP/tty" "zoneadm: deleting z3: "
expect_contains "$ZK_TMP/tty" " files removed"
many z3 300
expect_rc 0 zoneadm delete z3
[ ! -s "$ZK_TMP/err" ] || zk_fail "delete without a terminal printed: $(cat "$ZK_TMP/err")"
expect_eq "$(graves)" "" "graveyards after deleting z2, z3"

# --- 3. what cannot go: exit 1, named; recover finishes ------------------------
create '{"alias": "z4"}' >/dev/null
u4=$(uuid_of z4)
mkdir -p "$(zp z4)/root/var"
at_depth "$(zp z4)/root/var" 3000 sh -c 'echo s > stuck && chattr +i stuck' ||
  zk_fail "no immutable attribute on the test's tmpfs"
expect_rc 1 low_fds zoneadm delete z4
grave=$ZONEKIT_ROOT/zones/.del-$u4
expect_contains "$ZK_TMP/err" "zoneadm: zone z4: delete: its files are left in $grave (zoneadm recover removes them): unlink $grave/[2"
expect_contains "$ZK_TMP/err" "levels]/d/d/"
expect_contains "$ZK_TMP/err" "/d/d/stuck: immutable or append-only (see lsattr): Operation not permitted"
expect_eq "$(zoneadm list -H -o alias)" "" "zones after a failed delete"
expect_eq "$(graves)" ".del-$u4" "graveyard after a failed delete"
expect_rc 1 low_fds zoneadm recover
expect_contains "$ZK_TMP/err" "immutable or append-only"
at_depth "$grave/root/var" 3000 chattr -i stuck
expect_rc 0 low_fds zoneadm recover
expect_contains "$ZK_TMP/out" "finish interrupted delete .del-$u4"
expect_eq "$(graves)" "" "graveyard after recover"
[ ! -e "$ZONEKIT_ROOT/locks/zone-$u4.lock" ] || zk_fail "z4's lock file remains"

create '{"alias": "z5"}' >/dev/null
u5=$(uuid_of z5)
mkdir -p "$(zp z5)/root/var/mnt/sub"
mount -t tmpfs -o size=1m zk-inner "$(zp z5)/root/var/mnt"
echo inner >"$(zp z5)/root/var/mnt/inner"
expect_rc 1 zoneadm delete z5
grave=$ZONEKIT_ROOT/zones/.del-$u5
expect_eq "$(cat "$ZK_TMP/err")" "zoneadm: zone z5: delete: its files are left in $grave (zoneadm recover removes them): refusing to remove across a mount point: $grave/root/var/mnt" "delete across a mount"
expect_eq "$(cat "$grave/root/var/mnt/inner")" inner "the mounted file"
expect_rc 1 zoneadm recover
umount "$grave/root/var/mnt"
expect_rc 0 zoneadm recover
expect_eq "$(graves)" "" "graveyard after recover"
expect_eq "$(ls -A "$ZONEKIT_ROOT/zones")" "" "zones dir at the end"
