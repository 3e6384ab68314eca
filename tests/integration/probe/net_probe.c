/* Network probe for the net_* integration tests, run in zones and in the
 * test's own namespaces. Numeric addresses only; IPv6 link-local ones take
 * a scope ("fe80::1%net0").
 *   net_probe connect ADDR PORT [MS]     TCP connect: "connected" (exit 0) or
 *                                        "failed: ERRNO" (exit 1), MS default 1500
 *   net_probe listen ADDR PORT SECONDS   prints "listening", accepts one TCP
 *                                        connection, prints "from PEER" (exit 0)
 *   net_probe flood ADDR PORT SECONDS    UDP datagrams of 1400 bytes as fast as
 *                                        possible (SO_BROADCAST set); prints
 *                                        "sent N"
 *   net_probe count PORT SECONDS         prints "listening", counts UDP
 *                                        datagrams to PORT, prints "got N"
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static int resolve(const char* host, const char* port, int type, struct addrinfo** out) {
  struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = type, .ai_flags = AI_NUMERICHOST | AI_PASSIVE};
  int r = getaddrinfo(host, port, &hints, out);
  if (r != 0) fprintf(stderr, "net_probe: %s: %s\n", host, gai_strerror(r));
  return r;
}

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec / 1e9;
}

static int fail_errno(void) {
  printf("failed: %s\n", strerrorname_np(errno) ? strerrorname_np(errno) : "?");
  return 1;
}

static int do_connect(const char* host, const char* port, int ms) {
  struct addrinfo* ai;
  if (resolve(host, port, SOCK_STREAM, &ai)) return 2;
  int fd = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK, 0);
  if (fd < 0) return fail_errno();
  if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0) {
    printf("connected\n");
    return 0;
  }
  if (errno != EINPROGRESS) return fail_errno();
  struct pollfd p = {.fd = fd, .events = POLLOUT};
  if (poll(&p, 1, ms) != 1) {
    errno = ETIMEDOUT;
    return fail_errno();
  }
  int err = 0;
  socklen_t len = sizeof err;
  getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
  if (err) {
    errno = err;
    return fail_errno();
  }
  printf("connected\n");
  return 0;
}

static int do_listen(const char* host, const char* port, int seconds) {
  struct addrinfo* ai;
  if (resolve(host, port, SOCK_STREAM, &ai)) return 2;
  int fd = socket(ai->ai_family, SOCK_STREAM, 0), on = 1;
  if (fd < 0) return fail_errno();
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
  if (bind(fd, ai->ai_addr, ai->ai_addrlen) < 0 || listen(fd, 4) < 0) return fail_errno();
  printf("listening\n");
  fflush(stdout);
  struct pollfd p = {.fd = fd, .events = POLLIN};
  if (poll(&p, 1, seconds * 1000) != 1) {
    printf("nobody\n");
    return 1;
  }
  struct sockaddr_storage peer;
  socklen_t len = sizeof peer;
  int c = accept(fd, (struct sockaddr*)&peer, &len);
  if (c < 0) return fail_errno();
  char name[NI_MAXHOST];
  getnameinfo((struct sockaddr*)&peer, len, name, sizeof name, NULL, 0, NI_NUMERICHOST);
  printf("from %s\n", name);
  return 0;
}

static int do_flood(const char* host, const char* port, int seconds) {
  struct addrinfo* ai;
  if (resolve(host, port, SOCK_DGRAM, &ai)) return 2;
  int fd = socket(ai->ai_family, SOCK_DGRAM, 0), on = 1;
  if (fd < 0) return fail_errno();
  setsockopt(fd, SOL_SOCKET, SO_BROADCAST, &on, sizeof on);
  static char buf[1400];
  long sent = 0;
  double end = now() + seconds;
  while (now() < end)
    for (int i = 0; i < 64; ++i)
      if (sendto(fd, buf, sizeof buf, 0, ai->ai_addr, ai->ai_addrlen) > 0) ++sent;
  printf("sent %ld\n", sent);
  return 0;
}

static int do_count(const char* port, int seconds) {
  struct addrinfo* ai;
  if (resolve("0.0.0.0", port, SOCK_DGRAM, &ai)) return 2;
  int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0), size = 8 << 20;
  if (fd < 0) return fail_errno();
  setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof size);
  if (bind(fd, ai->ai_addr, ai->ai_addrlen) < 0) return fail_errno();
  printf("listening\n");
  fflush(stdout);
  static char buf[2048];
  long got = 0;
  double end = now() + seconds;
  for (;;) {
    double left = end - now();
    if (left <= 0) break;
    struct pollfd p = {.fd = fd, .events = POLLIN};
    if (poll(&p, 1, (int)(left * 1000) + 1) != 1) continue;
    while (recv(fd, buf, sizeof buf, 0) > 0) ++got;
  }
  printf("got %ld\n", got);
  return 0;
}

int main(int argc, char** argv) {
  setvbuf(stdout, NULL, _IOLBF, 0);
  if (argc >= 4 && !strcmp(argv[1], "connect")) return do_connect(argv[2], argv[3], argc > 4 ? atoi(argv[4]) : 1500);
  if (argc == 5 && !strcmp(argv[1], "listen")) return do_listen(argv[2], argv[3], atoi(argv[4]));
  if (argc == 5 && !strcmp(argv[1], "flood")) return do_flood(argv[2], argv[3], atoi(argv[4]));
  if (argc == 4 && !strcmp(argv[1], "count")) return do_count(argv[2], atoi(argv[3]));
  fprintf(stderr, "usage: net_probe connect|listen|flood|count ...\n");
  return 2;
}
