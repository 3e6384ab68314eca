/* Escape probe run inside a zone by tests/integration/runtime_escape.sh.
 * Usage: escape_probe ATTEMPT [ARG]. Prints "blocked: <errno name>" and
 * exits 0 when the kernel refused, prints "ESCAPED" and exits 1 when the
 * attempt worked. Raw syscalls on purpose: no libc wrapper may paper over. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <linux/perf_event.h>
#include <linux/reboot.h>
#include <sched.h>
#include <signal.h>
#include <sys/sysmacros.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/ptrace.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static int result(long r) {
  if (r < 0) {
    printf("blocked: %s\n", strerrorname_np(errno) ? strerrorname_np(errno) : "?");
    return 0;
  }
  printf("ESCAPED\n");
  return 1;
}

int main(int argc, char** argv) {
  if (argc < 2) return 2;
  const char* a = argv[1];
  const char* arg = argc > 2 ? argv[2] : "";
  if (!strcmp(a, "keyctl")) return result(syscall(SYS_keyctl, 0 /*KEYCTL_GET_KEYRING_ID*/, -3, 0));
  if (!strcmp(a, "add_key"))
    return result(syscall(SYS_add_key, "user", "zk", "x", 1, -3 /*KEY_SPEC_USER_KEYRING*/));
  if (!strcmp(a, "init_module")) return result(syscall(SYS_init_module, "\0\0\0\0", 4, ""));
  if (!strcmp(a, "finit_module")) {
    int fd = open("/dev/null", O_RDONLY);
    return result(syscall(SYS_finit_module, fd, "", 0));
  }
  if (!strcmp(a, "bpf")) {
    union bpf_attr attr;
    memset(&attr, 0, sizeof attr);
    attr.map_type = BPF_MAP_TYPE_ARRAY;
    attr.key_size = 4;
    attr.value_size = 4;
    attr.max_entries = 1;
    return result(syscall(SYS_bpf, BPF_MAP_CREATE, &attr, sizeof attr));
  }
  if (!strcmp(a, "perf_event_open")) {
    struct perf_event_attr pe;
    memset(&pe, 0, sizeof pe);
    pe.type = PERF_TYPE_SOFTWARE;
    pe.size = sizeof pe;
    pe.config = PERF_COUNT_SW_CPU_CLOCK;
    return result(syscall(SYS_perf_event_open, &pe, -1, 0, -1, 0));
  }
  if (!strcmp(a, "open_by_handle_at")) {
    struct { unsigned int bytes; int type; unsigned char h[128]; } fh;
    memset(&fh, 0, sizeof fh);
    fh.bytes = 8;
    fh.type = 1;
    ((unsigned*)fh.h)[0] = 2; /* inode 2: the root of most file systems */
    return result(syscall(SYS_open_by_handle_at, AT_FDCWD, &fh, O_RDONLY));
  }
  if (!strcmp(a, "reboot"))
    return result(syscall(SYS_reboot, LINUX_REBOOT_MAGIC1, LINUX_REBOOT_MAGIC2,
                          LINUX_REBOOT_CMD_CAD_OFF, 0));
  if (!strcmp(a, "kexec_load")) return result(syscall(SYS_kexec_load, 0, 0, 0, 0));
  if (!strcmp(a, "swapon")) return result(syscall(SYS_swapon, "/tmp/swap", 0));
  if (!strcmp(a, "acct")) return result(syscall(SYS_acct, "/tmp/acct"));
  if (!strcmp(a, "iopl")) return result(syscall(SYS_iopl, 3));
  if (!strcmp(a, "userfaultfd")) return result(syscall(SYS_userfaultfd, 0));
  if (!strcmp(a, "settimeofday")) {
    struct timeval tv = {86400 * 365, 0};
    return result(syscall(SYS_settimeofday, &tv, 0));
  }
  if (!strcmp(a, "clock_settime")) {
    struct timespec ts = {86400 * 365, 0};
    return result(syscall(SYS_clock_settime, CLOCK_REALTIME, &ts));
  }
  if (!strcmp(a, "sethostname")) return result(syscall(SYS_sethostname, "escaped", 7));
  if (!strcmp(a, "ptrace")) return result(ptrace(PTRACE_ATTACH, atoi(arg), 0, 0));
  if (!strcmp(a, "kill")) return result(kill(atoi(arg), SIGKILL));
  if (!strcmp(a, "mknod")) return result(mknod("/tmp/zk-sda", S_IFBLK | 0600, makedev(8, 0)));
  if (!strcmp(a, "mount_proc")) {
    mkdir("/tmp/zk-proc", 0700);
    return result(mount("proc", "/tmp/zk-proc", "proc", 0, 0));
  }
  if (!strcmp(a, "mount_sysfs")) {
    mkdir("/tmp/zk-sys", 0700);
    return result(mount("sysfs", "/tmp/zk-sys", "sysfs", 0, 0));
  }
  if (!strcmp(a, "mount_cgroup")) {
    mkdir("/tmp/zk-cg", 0700);
    return result(mount("cgroup2", "/tmp/zk-cg", "cgroup2", 0, 0));
  }
  if (!strcmp(a, "bind_root")) {
    mkdir("/tmp/zk-root", 0700);
    return result(mount("/", "/tmp/zk-root", 0, MS_BIND | MS_REC, 0));
  }
  if (!strcmp(a, "remount_usr_rw"))
    return result(mount(0, "/usr", 0, MS_REMOUNT | MS_BIND, 0));
  if (!strcmp(a, "umount")) return result(umount2(arg, MNT_DETACH));
  if (!strcmp(a, "pivot_root")) return result(syscall(SYS_pivot_root, "/tmp", "/tmp"));
  if (!strcmp(a, "unshare_mount")) {
    /* A fresh user namespace (if allowed at all) grants no way out: try to
     * mount proc from inside it. */
    if (unshare(CLONE_NEWUSER | CLONE_NEWNS) < 0) return result(-1);
    mkdir("/tmp/zk-proc2", 0700);
    return result(mount("proc", "/tmp/zk-proc2", "proc", 0, 0));
  }
  if (!strcmp(a, "setns")) {
    int fd = open(arg, O_RDONLY);
    if (fd < 0) return result(-1);
    return result(setns(fd, 0));
  }
  if (!strcmp(a, "chroot_escape")) {
    /* The classic: chroot into a subdir, walk up, chroot there; then look
     * for the host-only file named by arg. */
    mkdir("/tmp/zk-jail", 0700);
    if (chroot("/tmp/zk-jail") < 0) return result(-1);
    for (int i = 0; i < 64; ++i) (void)!chdir("..");
    (void)!chroot(".");
    return result(open(arg, O_RDONLY));
  }
  if (!strcmp(a, "open")) return result(open(arg, O_RDONLY));
  if (!strcmp(a, "open_write")) return result(open(arg, O_WRONLY | O_APPEND));
  if (!strcmp(a, "tiocsti")) {
    /* Push input into a terminal (the zlogin caller's, in real life): try
     * it on a pty of the zone's own, where nothing else stands in the way. */
    int m = open("/dev/ptmx", O_RDWR | O_NOCTTY);
    int unlock = 0;
    if (m < 0 || ioctl(m, TIOCSPTLCK, &unlock) < 0) return 3;
    int s = ioctl(m, TIOCGPTPEER, O_RDWR | O_NOCTTY);
    if (s < 0) return 3;
    char c = 'x';
    return result(ioctl(s, TIOCSTI, &c));
  }
  return 2;
}
