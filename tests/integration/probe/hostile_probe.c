/* Hostile daemons run inside a zone by tests/integration/sec_zlogin_hold.sh,
 * as the zone's root, spinning as fast as they can. Each logs one line per
 * event to stdout.
 *
 * hostile_probe stopper
 *   Sends SIGSTOP to every new process called "zlogin" (zlogin's child
 *   before it execs the command), retrying until the kernel accepts it:
 *   "sent PID". A stop that instead hit the command after its execve is
 *   outside zlogin's contract (the command is then the zone's own process)
 *   and is undone with SIGCONT: "undone PID".
 * hostile_probe ptsgrab
 *   Opens every new /dev/pts/N as soon as the kernel lets it and keeps it
 *   open: "held N after F failed opens". Being a session leader without a
 *   terminal, it then tries to make it its controlling terminal, which only
 *   works if no session owns the pty yet: "STOLE N". */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#define MAX_PID (1 << 22)
#define MAX_PTS 4096

static void say(const char* fmt, long a, long b) {
  char line[128];
  int n = snprintf(line, sizeof line, fmt, a, b);
  if (write(1, line, (size_t)n) < 0) exit(1);
}

/* comm and state of pid, from /proc/PID/stat; 0 when gone. */
static int comm_state(int pid, char* comm, size_t len, char* state) {
  char path[64], buf[512];
  snprintf(path, sizeof path, "/proc/%d/stat", pid);
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return 0;
  ssize_t n = read(fd, buf, sizeof buf - 1);
  close(fd);
  if (n <= 0) return 0;
  buf[n] = 0;
  char* l = strchr(buf, '(');
  char* r = strrchr(buf, ')');
  if (!l || !r || r[1] != ' ') return 0;
  size_t c = (size_t)(r - l - 1) < len - 1 ? (size_t)(r - l - 1) : len - 1;
  memcpy(comm, l + 1, c);
  comm[c] = 0;
  *state = r[2];
  return 1;
}

static int stopper(void) {
  static unsigned char done[MAX_PID];  /* 1: not a target or sent; 2: sent */
  static int sent[256];
  int nsent = 0;
  const int self = getpid();
  for (;;) {
    DIR* d = opendir("/proc");
    if (!d) return 1;
    struct dirent* e;
    while ((e = readdir(d))) {
      int pid = atoi(e->d_name);
      if (pid <= 1 || pid >= MAX_PID || pid == self || done[pid]) continue;
      char comm[64], state;
      if (!comm_state(pid, comm, sizeof comm, &state)) continue;
      if (strcmp(comm, "zlogin") != 0) {
        done[pid] = 1;
        continue;
      }
      if (kill(pid, SIGSTOP) == 0) {
        done[pid] = 2;
        sent[nsent++ % 256] = pid;
        say("sent %ld\n", pid, 0);
      }
    }
    closedir(d);
    for (int i = 0; i < nsent && i < 256; ++i) {
      char comm[64], state;
      if (sent[i] && comm_state(sent[i], comm, sizeof comm, &state) && state == 'T' &&
          strcmp(comm, "zlogin") != 0) {
        kill(sent[i], SIGCONT);
        say("undone %ld\n", sent[i], 0);
        sent[i] = 0;
      }
    }
  }
}

static int ptsgrab(void) {
  static int held[MAX_PTS];
  static long failed[MAX_PTS];
  signal(SIGHUP, SIG_IGN);  /* giving a stolen terminal back hangs us up */
  setsid();
  for (;;) {
    DIR* d = opendir("/dev/pts");
    if (!d) return 1;
    struct dirent* e;
    while ((e = readdir(d))) {
      if (e->d_name[0] < '0' || e->d_name[0] > '9') continue;
      int n = atoi(e->d_name);
      if (n < 0 || n >= MAX_PTS || held[n]) continue;
      char path[64];
      snprintf(path, sizeof path, "/dev/pts/%d", n);
      int fd = open(path, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
      if (fd < 0) {
        failed[n]++;
        continue;
      }
      held[n] = fd;
      say("held %ld after %ld failed opens\n", n, failed[n]);
      if (ioctl(fd, TIOCSCTTY, 0) == 0) {
        say("STOLE %ld%c", n, '\n');
        ioctl(fd, TIOCNOTTY);
      }
    }
    closedir(d);
  }
}

int main(int argc, char** argv) {
  if (argc < 2) return 2;
  if (!strcmp(argv[1], "stopper")) return stopper();
  if (!strcmp(argv[1], "ptsgrab")) return ptsgrab();
  return 2;
}
