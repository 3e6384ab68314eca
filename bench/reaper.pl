#!/usr/bin/perl
# reaper.pl CMD ARGS...: run CMD as a child subreaper, so orphaned
# processes below it (detached crun inits, daemonised supervisors) are
# reaped at once instead of waiting for a slow pid 1. Exits with CMD's
# status as soon as CMD itself exits.
use strict;
use warnings;
use POSIX ();
syscall(157, 36, 1, 0, 0, 0) == 0 or die "reaper: prctl(PR_SET_CHILD_SUBREAPER): $!\n";  # prctl
my $pid = fork() // die "reaper: fork: $!\n";
if ($pid == 0) { exec { $ARGV[0] } @ARGV or die "reaper: exec $ARGV[0]: $!\n"; }
$SIG{$_} = sub { kill 'TERM', $pid } for qw(INT TERM);
while (1) {
  my $w = waitpid(-1, 0);
  last if $w < 0;
  next if $w != $pid;
  my $st = $?;
  exit($st & 127 ? 128 + ($st & 127) : $st >> 8);
}
exit 0;
