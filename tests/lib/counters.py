#!/usr/bin/env python3
"""Per-user kernel counters, for sec_kernel_counters.sh.

  counters.py hog N      take N inotify instances, every POSIX message queue
                         and every queued real-time signal it can get; print
                         "inotify=A mqueue=B sigpending=C", then hold them
                         until stdin closes
  counters.py probe      try one of each; print "inotify=OK mqueue=OK
                         sigqueue=OK" (or the errno name instead of OK)
"""
import ctypes
import errno
import os
import signal
import sys

libc = ctypes.CDLL("libc.so.6", use_errno=True)
libc.mq_open.argtypes = [ctypes.c_char_p, ctypes.c_int, ctypes.c_uint, ctypes.c_void_p]
libc.sigqueue.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_void_p]


def err():
    return errno.errorcode.get(ctypes.get_errno(), str(ctypes.get_errno()))


def queue_name(tag, i):
    return f"/zk-counters-{os.getpid()}-{tag}{i}".encode()


def hog(n):
    inotify = [fd for fd in (libc.inotify_init1(0) for _ in range(n)) if fd >= 0]
    queues = []
    for i in range(1024):
        fd = libc.mq_open(queue_name("h", i), os.O_CREAT | os.O_RDWR, 0o600, None)
        if fd < 0:
            break
        queues.append(i)
    signal.pthread_sigmask(signal.SIG_BLOCK, [signal.SIGRTMIN])
    pending = 0
    while pending < 10_000_000 and libc.sigqueue(os.getpid(), signal.SIGRTMIN, None) == 0:
        pending += 1
    print(f"inotify={len(inotify)} mqueue={len(queues)} sigpending={pending}", flush=True)
    sys.stdin.read()
    for i in queues:
        libc.mq_unlink(queue_name("h", i))


def probe():
    out = []
    fd = libc.inotify_init1(0)
    out.append("inotify=" + ("OK" if fd >= 0 else err()))
    fd = libc.mq_open(queue_name("p", 0), os.O_CREAT | os.O_RDWR, 0o600, None)
    out.append("mqueue=" + ("OK" if fd >= 0 else err()))
    if fd >= 0:
        libc.mq_unlink(queue_name("p", 0))
    signal.pthread_sigmask(signal.SIG_BLOCK, [signal.SIGRTMIN])
    rc = libc.sigqueue(os.getpid(), signal.SIGRTMIN, None)
    out.append("sigqueue=" + ("OK" if rc == 0 else err()))
    print(" ".join(out), flush=True)


if __name__ == "__main__":
    if sys.argv[1] == "hog":
        hog(int(sys.argv[2]))
    else:
        probe()
