/* Run inside a zone by tests/integration/sec_zlogin_stdio.sh. On each of
 * its fds 0-2 it does what a hostile process would do to a host file it
 * was handed: fstat, readlink of /proc/self/fd/N, lseek, ftruncate(fd, 15),
 * fchmod, and reopens through /proc/self/fd/N for reading and for writing.
 * Every attempt is made before anything is printed; then one line per fd
 * goes to fd 1 (or to fd 2 with the argument "stderr"):
 *   fd1 type=fifo link=pipe:[123] lseek=ESPIPE ftruncate=EINVAL fchmod=EPERM reopen_r=fifo reopen_w=fifo
 * "ok" (or a file type for a reopen) when the call worked, else the errno
 * name. Raw syscalls; nothing is read from or written to the reopened fds. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char* err(void) {
  const char* n = strerrorname_np(errno);
  return n ? n : "?";
}

static const char* kind(mode_t m) {
  if (S_ISFIFO(m)) return "fifo";
  if (S_ISCHR(m)) return "chr";
  if (S_ISREG(m)) return "reg";
  if (S_ISSOCK(m)) return "sock";
  if (S_ISDIR(m)) return "dir";
  return "other";
}

static void reopen(const char* path, int flags, char* out, size_t len) {
  int fd = open(path, flags | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
  if (fd < 0) {
    snprintf(out, len, "%s", err());
    return;
  }
  struct stat st;
  snprintf(out, len, "%s", fstat(fd, &st) == 0 ? kind(st.st_mode) : err());
  close(fd);
}

int main(int argc, char** argv) {
  char lines[3][1024];
  for (int fd = 0; fd < 3; ++fd) {
    char path[64], link[512] = "", type[16], seek[32], trunc[32], chmod_r[32], rr[32], rw[32];
    struct stat st;
    snprintf(type, sizeof type, "%s", fstat(fd, &st) == 0 ? kind(st.st_mode) : err());
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    ssize_t n = readlink(path, link, sizeof link - 1);
    if (n < 0) snprintf(link, sizeof link, "%s", err());
    snprintf(seek, sizeof seek, "%s", lseek(fd, 0, SEEK_SET) == 0 ? "ok" : err());
    snprintf(trunc, sizeof trunc, "%s", ftruncate(fd, 15) == 0 ? "ok" : err());
    snprintf(chmod_r, sizeof chmod_r, "%s", fchmod(fd, 0666) == 0 ? "ok" : err());
    reopen(path, O_RDONLY, rr, sizeof rr);
    reopen(path, O_WRONLY, rw, sizeof rw);
    snprintf(lines[fd], sizeof lines[fd], "fd%d type=%s link=%s lseek=%s ftruncate=%s fchmod=%s reopen_r=%s reopen_w=%s\n",
             fd, type, link, seek, trunc, chmod_r, rr, rw);
  }
  int out = argc > 1 && strcmp(argv[1], "stderr") == 0 ? 2 : 1;
  for (int fd = 0; fd < 3; ++fd)
    if (write(out, lines[fd], strlen(lines[fd])) < 0) return 1;
  return 0;
}
