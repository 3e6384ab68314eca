#!/usr/bin/env bash
# zlogin never hands a host file to a zone (issue 17). Whatever the caller's
# stdin, stdout and stderr are (regular file opened O_APPEND or not, socket,
# FIFO, /dev/null, a terminal, a closed fd), the command gets pipes that
# zlogin made: a zone process that tries fstat, lseek, ftruncate(fd, 15),
# fchmod and a reopen through /proc/self/fd on them sees pipes and no host
# path, and every host file is byte-identical afterwards (outputs: what was
# there before is intact, the command's output follows).
. "$(dirname "$0")/../lib/harness.sh"
. "$ZK_SOURCE/tests/lib/zonectl.sh"

command -v cc >/dev/null || { echo "SKIP: no C compiler for the probe" >&2; exit 77; }
mkdir -p "$ZK_TMP/probe" "$ZK_TMP/logs"
cc -O -o "$ZK_TMP/probe/stdio_probe" "$ZK_SOURCE/tests/integration/probe/stdio_probe.c"
U=eeeeeeee-0000-4000-8000-000000000001
run=$(ZK_SPEC_EXTRA="\"filesystems\":[{\"source\":\"$ZK_TMP/probe\",\"target\":\"/opt/probe\",\"read_only\":true}]," \
  zk_write_spec $U 11 /bin/sleep 1000000)
expect_rc 0 zonectl boot "$run"
P=/opt/probe/stdio_probe
L=$ZK_TMP/logs

# check_report FILE WHAT [KIND]: the probe's three lines are in FILE; each fd
# is a pipe (KIND pty: the zone's own /dev/pts/N), nothing a host file
# would allow worked, no host path showed.
check_report() {
  local f=$1 what=$2 kind=${3:-pipe} n line
  [ "$(grep -c '^fd[012] ' "$f")" = 3 ] || zk_fail "$what: no probe report in: $(cat "$f")"
  ! grep -qF -e "$ZK_TMP" -e "/tmp/" -e "/run/" "$f" || zk_fail "$what: a host path showed in the zone: $(cat "$f")"
  for n in 0 1 2; do
    line=$(grep "^fd$n " "$f")
    if [ "$kind" = pty ]; then
      echo "$line" | grep -Eq "^fd$n type=chr link=/dev/pts/[0-9]+ lseek=ESPIPE ftruncate=EINVAL .* reopen_r=(chr|E[A-Z]+) reopen_w=(chr|E[A-Z]+)$" ||
        zk_fail "$what: fd$n is not the zone's own pty: $line"
    else
      echo "$line" | grep -Eq "^fd$n type=fifo link=pipe:\[[0-9]+\] lseek=ESPIPE ftruncate=EINVAL fchmod=E[A-Z]+ reopen_r=(fifo|E[A-Z]+) reopen_w=(fifo|E[A-Z]+)$" ||
        zk_fail "$what: fd$n is not one of zlogin's pipes: $line"
    fi
  done
}

# Regular files: stdin as is, stdout appended (>>, O_APPEND), stderr not.
printf 'host input, never to be touched\n' >"$L/in"
cp "$L/in" "$L/in.orig"
printf 'admin log line 1\nadmin log line 2\n' >"$L/admin.log"
cp "$L/admin.log" "$L/admin.orig"
printf 'old errors\n' >"$L/err.log"
zlogin $U $P <"$L/in" >>"$L/admin.log" 2>"$L/err.log" || zk_fail "probe failed on regular files"
cmp -s "$L/in" "$L/in.orig" || zk_fail "stdin file changed"
expect_eq "$(head -2 "$L/admin.log")" "$(cat "$L/admin.orig")" "appended log kept its lines"
expect_eq "$(stat -c %s "$L/err.log")" 0 "stderr file (> truncates, nothing else)"
check_report "$L/admin.log" "regular files"
# The other way round: stdout without O_APPEND (a file with its own
# offset), stderr appended; the probe reports on stderr.
printf 'kept\n' >"$L/err2.log"
zlogin $U $P stderr <"$L/in" >"$L/out" 2>>"$L/err2.log" || zk_fail "probe failed, report on stderr"
expect_eq "$(head -1 "$L/err2.log")" kept "appended stderr kept its line"
expect_eq "$(stat -c %s "$L/out")" 0 "stdout file untouched by ftruncate/lseek"
check_report "$L/err2.log" "stdout file, stderr appended"
cmp -s "$L/in" "$L/in.orig" || zk_fail "stdin file changed"

# A socket as stdin and stdout (the report comes back through it).
perl -MSocket -e '
  socketpair(my $s, my $t, AF_UNIX, SOCK_STREAM, PF_UNSPEC) or die "socketpair: $!";
  my $pid = fork;
  if (!$pid) { close $s; open(STDIN, "<&", $t) or die; open(STDOUT, ">&", $t) or die; close $t; exec @ARGV or die; }
  close $t; syswrite($s, "over the socket\n"); shutdown($s, 1);
  print while <$s>; waitpid($pid, 0); exit($? >> 8);' zlogin $U $P >"$L/sock.out" || zk_fail "probe failed on a socket"
check_report "$L/sock.out" "socket"

# FIFOs: stdin from one, stdout into another.
mkfifo "$L/in.fifo" "$L/out.fifo"
(printf 'through a fifo\n' >"$L/in.fifo") &
(cat "$L/out.fifo" >"$L/fifo.out") &
zlogin $U $P <"$L/in.fifo" >"$L/out.fifo" || zk_fail "probe failed on FIFOs"
wait
check_report "$L/fifo.out" "FIFO"

# /dev/null everywhere but the report.
zlogin $U $P stderr </dev/null >/dev/null 2>"$L/null.out" || zk_fail "probe failed on /dev/null"
check_report "$L/null.out" "/dev/null"

# Closed fds: as ssh, zlogin treats them as /dev/null; still pipes inside.
zlogin $U $P <&- 2>&- >"$L/closed.out" || zk_fail "probe failed with stdin, stderr closed"
check_report "$L/closed.out" "closed stdin and stderr"
zlogin $U $P stderr >&- 2>"$L/closed1.out" || zk_fail "probe failed with stdout closed"
check_report "$L/closed1.out" "closed stdout"

# A terminal: without -t still pipes; with -t the zone's own pty.
if command -v script >/dev/null; then
  script -qec "zlogin -T $U $P" /dev/null </dev/null | tr -d '\r' >"$L/tty.out"
  check_report "$L/tty.out" "caller's terminal"
  zlogin -t $U $P </dev/null | tr -d '\r' >"$L/pty.out"
  check_report "$L/pty.out" "zlogin -t" pty
fi

# The console too: the zone's init has its /dev/console, opened in the
# zone, not a file of the host's (a host /dev/pts/N showed before).
expect_eq "$(zlogin $U readlink /proc/1/fd/0 /proc/1/fd/1 /proc/1/fd/2 | sort -u)" /dev/console "init's stdio"

# The issue's own case: a zone process truncates and rewrites its stdout.
printf 'line one of the admin log\n' >"$L/victim.log"
zlogin $U sh -c 'exec 3>&1; truncate -s 15 /proc/self/fd/1 2>/dev/null; echo appended' >>"$L/victim.log" 2>"$L/victim.err" || true
expect_eq "$(cat "$L/victim.log")" "$(printf 'line one of the admin log\nappended')" "admin log after truncate from the zone"

expect_rc 0 zonectl halt "$run"
zk_assert_clean $U "$run"
