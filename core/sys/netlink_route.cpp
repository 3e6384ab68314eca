#include "core/sys/netlink_route.hpp"

#include <libmnl/libmnl.h>
#include <linux/if.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <sched.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <system_error>
#include <thread>
#include <utility>

namespace zonekit::netlink {

namespace {

// Requests are built on the stack (each is well under 1 KiB); replies are
// read into the socket's heap buffer, so that a zoneadmd idle for months
// does not keep a deep stack of touched pages.
constexpr size_t kReqSize = 4096;
constexpr size_t kRecvSize = 32768;

// libmnl's iteration macros assign void* and do not compile as C++.
#define ZK_ATTR_FOR_EACH(attr, nlh, offset)                                                   \
  for (attr = static_cast<const nlattr*>(mnl_nlmsg_get_payload_offset(nlh, offset));          \
       mnl_attr_ok(attr, int(static_cast<const char*>(mnl_nlmsg_get_payload_tail(nlh)) -      \
                             reinterpret_cast<const char*>(attr)));                          \
       attr = mnl_attr_next(attr))
#define ZK_ATTR_FOR_EACH_NESTED(pos, nest)                                                     \
  for (pos = static_cast<const nlattr*>(mnl_attr_get_payload(nest));                          \
       mnl_attr_ok(pos, int(static_cast<const char*>(mnl_attr_get_payload(nest)) +            \
                            mnl_attr_get_payload_len(nest) - reinterpret_cast<const char*>(pos))); \
       pos = mnl_attr_next(pos))

nlmsghdr* start(char* buf, uint16_t type, uint16_t flags) {
  std::memset(buf, 0, kReqSize);
  nlmsghdr* nlh = mnl_nlmsg_put_header(buf);
  nlh->nlmsg_type = type;
  nlh->nlmsg_flags = NLM_F_REQUEST | flags;
  return nlh;
}

ifinfomsg* put_ifinfo(nlmsghdr* nlh, int index = 0) {
  auto* ifi = static_cast<ifinfomsg*>(mnl_nlmsg_put_extra_header(nlh, sizeof(ifinfomsg)));
  ifi->ifi_family = AF_UNSPEC;
  ifi->ifi_index = index;
  return ifi;
}

std::string family_prefix(const WireAddr& a) {
  char buf[64];
  // Only for messages; core/net formats addresses for users.
  if (a.family == AF_INET)
    std::snprintf(buf, sizeof buf, "%u.%u.%u.%u/%d", a.bytes[0], a.bytes[1], a.bytes[2], a.bytes[3], a.prefix);
  else
    std::snprintf(buf, sizeof buf, "ipv6/%d", a.prefix);
  return buf;
}

LinkInfo parse_link(const nlmsghdr* nlh) {
  LinkInfo info;
  if (mnl_nlmsg_get_payload_len(nlh) < sizeof(ifinfomsg)) return info;  // truncated: no link
  auto* ifi = static_cast<const ifinfomsg*>(mnl_nlmsg_get_payload(nlh));
  info.index = ifi->ifi_index;
  info.flags = ifi->ifi_flags;
  const nlattr* attr;
  ZK_ATTR_FOR_EACH(attr, nlh, sizeof(ifinfomsg)) {
    switch (mnl_attr_get_type(attr)) {
      case IFLA_IFNAME:
        if (mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) >= 0) info.name = mnl_attr_get_str(attr);
        break;
      case IFLA_MTU:
        if (mnl_attr_validate(attr, MNL_TYPE_U32) >= 0) info.mtu = mnl_attr_get_u32(attr);
        break;
      case IFLA_MASTER:
        if (mnl_attr_validate(attr, MNL_TYPE_U32) >= 0) info.master = int(mnl_attr_get_u32(attr));
        break;
      case IFLA_STATS64: {
        // The struct grows with kernels; its first four fields never move.
        uint64_t first[4]{};
        size_t n = std::min<size_t>(mnl_attr_get_payload_len(attr), sizeof first);
        memcpy(first, mnl_attr_get_payload(attr), n);
        info.stats = {first[0], first[1], first[2], first[3]};
        break;
      }
      case IFLA_LINKINFO: {
        const nlattr* inner;
        ZK_ATTR_FOR_EACH_NESTED(inner, attr) {
          if (mnl_attr_get_type(inner) == IFLA_INFO_KIND &&
              mnl_attr_validate(inner, MNL_TYPE_STRING) >= 0)
            info.kind.assign(static_cast<const char*>(mnl_attr_get_payload(inner)),
                             strnlen(static_cast<const char*>(mnl_attr_get_payload(inner)),
                                     mnl_attr_get_payload_len(inner)));
        }
        break;
      }
      default:
        break;
    }
  }
  return info;
}

constexpr int kDumpAttempts = 20;

int collect_cb(const nlmsghdr* nlh, void* data) {
  (*static_cast<const std::function<void(const nlmsghdr*)>*>(data))(nlh);
  return MNL_CB_OK;
}

}  // namespace

RouteSocket::RouteSocket(mnl_socket* s) : sock_(s), seq_(uint32_t(time(nullptr))) {}
RouteSocket::RouteSocket(RouteSocket&& o) noexcept
    : sock_(std::exchange(o.sock_, nullptr)), seq_(o.seq_) {}
RouteSocket& RouteSocket::operator=(RouteSocket&& o) noexcept {
  if (this != &o) {
    if (sock_) mnl_socket_close(sock_);
    sock_ = std::exchange(o.sock_, nullptr);
    seq_ = o.seq_;
  }
  return *this;
}
RouteSocket::~RouteSocket() {
  if (sock_) mnl_socket_close(sock_);
}

Result<RouteSocket> RouteSocket::from_fd(int fd) {
  mnl_socket* s = mnl_socket_fdopen(fd);
  if (!s) {
    int err = errno;
    ::close(fd);
    return sys_error("netlink", "socket", err);
  }
  if (mnl_socket_bind(s, 0, MNL_SOCKET_AUTOPID) < 0) {
    int err = errno;
    mnl_socket_close(s);
    return sys_error("bind", "netlink socket", err);
  }
  int one = 1;
  // Strict acks for dumps and errors with the kernel's extended message are
  // nice to have; ignore failure on old kernels.
  setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof one);
  return RouteSocket(s);
}

Result<RouteSocket> RouteSocket::open() {
  int fd = ::socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
  if (fd < 0) return sys_error("socket", "NETLINK_ROUTE");
  return from_fd(fd);
}

Result<RouteSocket> RouteSocket::open_in_netns(int netns_fd) {
  int fd = -1, err = 0;
  const char* what = "";
  // setns(CLONE_NEWNET) only affects the thread that calls it; the socket
  // keeps the namespace it was created in after the thread is gone.
  // std::thread reports failure to start by throwing; nothing may throw
  // out of core/, so that becomes an error here.
  try {
    std::thread t([&] {
      if (::setns(netns_fd, CLONE_NEWNET) < 0) {
        err = errno;
        what = "setns";
        return;
      }
      fd = ::socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
      if (fd < 0) {
        err = errno;
        what = "socket";
      }
    });
    t.join();
  } catch (const std::system_error& e) {
    return sys_error("start thread", "for netlink socket in zone netns", e.code().value());
  }
  if (fd < 0) return sys_error(what, "netlink socket in zone netns", err);
  return from_fd(fd);
}

char* RouteSocket::recv_buf() {
  if (!recv_) recv_ = std::make_unique<char[]>(kRecvSize);
  return recv_.get();
}

Result<void> RouteSocket::request(nlmsghdr* nlh, const std::string& op, const std::string& object) {
  nlh->nlmsg_flags |= NLM_F_ACK;
  nlh->nlmsg_seq = ++seq_;
  if (mnl_socket_sendto(sock_, nlh, nlh->nlmsg_len) < 0) return sys_error(op, object);
  char* buf = recv_buf();
  unsigned portid = mnl_socket_get_portid(sock_);
  while (true) {
    ssize_t n = mnl_socket_recvfrom(sock_, buf, kRecvSize);
    if (n < 0) return sys_error(op, object);
    int r = mnl_cb_run(buf, size_t(n), nlh->nlmsg_seq, portid, nullptr, nullptr);
    if (r < 0) return sys_error(op, object);
    if (r == MNL_CB_STOP) return {};
  }
}

Result<void> RouteSocket::dump(nlmsghdr* nlh, const std::string& op,
                               const std::function<void(const nlmsghdr*)>& on_msg) {
  // NLM_F_DUMP_INTR: the table changed while the kernel dumped it (other
  // zones booting at the same time). Read that dump to its end, then ask
  // again; on_msg only ever sees a consistent dump.
  const unsigned portid = mnl_socket_get_portid(sock_);
  for (int attempt = 0; attempt < kDumpAttempts; ++attempt) {
    nlh->nlmsg_seq = ++seq_;
    if (mnl_socket_sendto(sock_, nlh, nlh->nlmsg_len) < 0) return sys_error(op, "");
    std::vector<std::vector<char>> msgs;
    bool interrupted = false, done = false;
    char* buf = recv_buf();
    while (!done) {
      ssize_t n = mnl_socket_recvfrom(sock_, buf, kRecvSize);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return sys_error(op, "");
      auto* m = reinterpret_cast<const nlmsghdr*>(buf);
      int left = static_cast<int>(n);
      for (; !done && mnl_nlmsg_ok(m, left); m = mnl_nlmsg_next(m, &left)) {
        if (m->nlmsg_seq != nlh->nlmsg_seq || (m->nlmsg_pid != 0 && m->nlmsg_pid != portid)) continue;
        if (m->nlmsg_flags & NLM_F_DUMP_INTR) interrupted = true;
        if (m->nlmsg_type == NLMSG_DONE) {
          done = true;
        } else if (m->nlmsg_type == NLMSG_ERROR) {
          if (m->nlmsg_len < mnl_nlmsg_size(sizeof(nlmsgerr))) return sys_error(op, "", EBADMSG);
          int err = -static_cast<const nlmsgerr*>(mnl_nlmsg_get_payload(m))->error;
          if (err != 0) return sys_error(op, "", err);
          done = true;
        } else if (m->nlmsg_type >= NLMSG_MIN_TYPE) {
          const char* p = reinterpret_cast<const char*>(m);
          msgs.emplace_back(p, p + m->nlmsg_len);
        }
      }
    }
    if (interrupted) continue;
    for (const auto& msg : msgs) on_msg(reinterpret_cast<const nlmsghdr*>(msg.data()));
    return {};
  }
  return sys_error(op, "", EINTR);
}

Result<std::optional<LinkInfo>> RouteSocket::find_link(const std::string& name) {
  char buf[kReqSize];
  nlmsghdr* nlh = start(buf, RTM_GETLINK, 0);
  put_ifinfo(nlh);
  mnl_attr_put_strz(nlh, IFLA_IFNAME, name.c_str());
  nlh->nlmsg_seq = ++seq_;
  if (mnl_socket_sendto(sock_, nlh, nlh->nlmsg_len) < 0) return sys_error("get link", name);
  char* rbuf = recv_buf();
  ssize_t n = mnl_socket_recvfrom(sock_, rbuf, kRecvSize);
  if (n < 0) return sys_error("get link", name);
  std::optional<LinkInfo> found;
  std::function<void(const nlmsghdr*)> cb = [&](const nlmsghdr* m) {
    if (m->nlmsg_type == RTM_NEWLINK) found = parse_link(m);
  };
  int r = mnl_cb_run(rbuf, size_t(n), nlh->nlmsg_seq, mnl_socket_get_portid(sock_), collect_cb, &cb);
  if (r < 0) {
    if (errno == ENODEV) return std::optional<LinkInfo>{};
    return sys_error("get link", name);
  }
  return found;
}

Result<std::vector<LinkInfo>> RouteSocket::list_links() {
  char buf[kReqSize];
  nlmsghdr* nlh = start(buf, RTM_GETLINK, NLM_F_DUMP);
  put_ifinfo(nlh);
  std::vector<LinkInfo> out;
  ZK_TRYV(dump(nlh, "list links", [&](const nlmsghdr* m) {
    if (m->nlmsg_type == RTM_NEWLINK) out.push_back(parse_link(m));
  }));
  return out;
}

Result<void> RouteSocket::create_bridge(const std::string& name, uint32_t mtu,
                                        const std::optional<MacBytes>& mac) {
  char buf[kReqSize];
  nlmsghdr* nlh = start(buf, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL);
  put_ifinfo(nlh);
  mnl_attr_put_strz(nlh, IFLA_IFNAME, name.c_str());
  if (mtu) mnl_attr_put_u32(nlh, IFLA_MTU, mtu);
  if (mac) mnl_attr_put(nlh, IFLA_ADDRESS, mac->size(), mac->data());
  nlattr* li = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
  mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "bridge");
  mnl_attr_nest_end(nlh, li);
  return request(nlh, "create bridge", name);
}

Result<void> RouteSocket::create_veth(const std::string& name, uint32_t mtu, const VethPeer& peer) {
  char buf[kReqSize];
  nlmsghdr* nlh = start(buf, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL);
  put_ifinfo(nlh);
  mnl_attr_put_strz(nlh, IFLA_IFNAME, name.c_str());
  if (mtu) mnl_attr_put_u32(nlh, IFLA_MTU, mtu);
  nlattr* li = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
  mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "veth");
  nlattr* data = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
  nlattr* p = mnl_attr_nest_start(nlh, VETH_INFO_PEER);
  // The peer is described by its own ifinfomsg followed by link attributes.
  auto* pifi = static_cast<ifinfomsg*>(mnl_nlmsg_put_extra_header(nlh, sizeof(ifinfomsg)));
  std::memset(pifi, 0, sizeof *pifi);
  pifi->ifi_family = AF_UNSPEC;
  mnl_attr_put_strz(nlh, IFLA_IFNAME, peer.name.c_str());
  if (peer.mtu) mnl_attr_put_u32(nlh, IFLA_MTU, peer.mtu);
  if (peer.mac) mnl_attr_put(nlh, IFLA_ADDRESS, peer.mac->size(), peer.mac->data());
  if (peer.netns_fd >= 0) mnl_attr_put_u32(nlh, IFLA_NET_NS_FD, uint32_t(peer.netns_fd));
  mnl_attr_nest_end(nlh, p);
  mnl_attr_nest_end(nlh, data);
  mnl_attr_nest_end(nlh, li);
  return request(nlh, "create veth", name + " (peer " + peer.name + ")");
}

Result<void> RouteSocket::delete_link(const std::string& name) {
  char buf[kReqSize];
  nlmsghdr* nlh = start(buf, RTM_DELLINK, 0);
  put_ifinfo(nlh);
  mnl_attr_put_strz(nlh, IFLA_IFNAME, name.c_str());
  auto r = request(nlh, "delete link", name);
  if (!r && r.error().code == ENODEV) r.error().kind = ErrorKind::NotFound;
  return r;
}

Result<void> RouteSocket::change_link(int index, const std::string& name_for_errors,
                                      const LinkChange& c) {
  char buf[kReqSize];
  nlmsghdr* nlh = start(buf, RTM_NEWLINK, 0);
  ifinfomsg* ifi = put_ifinfo(nlh, index);
  if (c.up) {
    ifi->ifi_change = IFF_UP;
    ifi->ifi_flags = *c.up ? IFF_UP : 0;
  }
  if (c.master) mnl_attr_put_u32(nlh, IFLA_MASTER, uint32_t(*c.master));
  if (c.mtu) mnl_attr_put_u32(nlh, IFLA_MTU, *c.mtu);
  if (c.mac) mnl_attr_put(nlh, IFLA_ADDRESS, c.mac->size(), c.mac->data());
  if (c.name) mnl_attr_put_strz(nlh, IFLA_IFNAME, c.name->c_str());
  if (c.ipv6_addr_gen_mode) {
    nlattr* spec = mnl_attr_nest_start(nlh, IFLA_AF_SPEC);
    nlattr* v6 = mnl_attr_nest_start(nlh, AF_INET6);
    mnl_attr_put_u8(nlh, IFLA_INET6_ADDR_GEN_MODE, *c.ipv6_addr_gen_mode);
    mnl_attr_nest_end(nlh, v6);
    mnl_attr_nest_end(nlh, spec);
  }
  return request(nlh, "set link", name_for_errors);
}

Result<void> RouteSocket::add_address(int index, const std::string& ifname, const WireAddr& a) {
  char buf[kReqSize];
  nlmsghdr* nlh = start(buf, RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL);
  auto* ifa = static_cast<ifaddrmsg*>(mnl_nlmsg_put_extra_header(nlh, sizeof(ifaddrmsg)));
  ifa->ifa_family = uint8_t(a.family);
  ifa->ifa_prefixlen = uint8_t(a.prefix);
  ifa->ifa_index = uint32_t(index);
  ifa->ifa_scope = RT_SCOPE_UNIVERSE;
  if (a.family == AF_INET6) ifa->ifa_flags = IFA_F_NODAD;
  mnl_attr_put(nlh, IFA_LOCAL, a.size(), a.bytes.data());
  mnl_attr_put(nlh, IFA_ADDRESS, a.size(), a.bytes.data());
  if (a.family == AF_INET6) mnl_attr_put_u32(nlh, IFA_FLAGS, IFA_F_NODAD);
  return request(nlh, "add address " + family_prefix(a) + " to", ifname);
}

Result<std::vector<WireAddr>> RouteSocket::list_addresses(int index) {
  char buf[kReqSize];
  nlmsghdr* nlh = start(buf, RTM_GETADDR, NLM_F_DUMP);
  auto* ifa = static_cast<ifaddrmsg*>(mnl_nlmsg_put_extra_header(nlh, sizeof(ifaddrmsg)));
  ifa->ifa_family = AF_UNSPEC;
  std::vector<WireAddr> out;
  ZK_TRYV(dump(nlh, "list addresses", [&](const nlmsghdr* m) {
    if (m->nlmsg_type != RTM_NEWADDR) return;
    auto* a = static_cast<const ifaddrmsg*>(mnl_nlmsg_get_payload(m));
    if (int(a->ifa_index) != index) return;
    WireAddr w;
    w.family = a->ifa_family;
    w.prefix = a->ifa_prefixlen;
    const nlattr* attr;
    bool have = false;
    ZK_ATTR_FOR_EACH(attr, m, sizeof(ifaddrmsg)) {
      int t = mnl_attr_get_type(attr);
      // IFA_LOCAL is the interface's own address; IFA_ADDRESS is the peer on
      // point-to-point links, and the only one for v6.
      if ((t == IFA_LOCAL || (t == IFA_ADDRESS && !have)) && mnl_attr_get_payload_len(attr) == w.size()) {
        std::memcpy(w.bytes.data(), mnl_attr_get_payload(attr), w.size());
        have = true;
      }
    }
    if (have) out.push_back(w);
  }));
  return out;
}

Result<void> RouteSocket::add_route(int family, const std::optional<WireAddr>& dst,
                                    const std::optional<WireAddr>& gateway, int oif) {
  char buf[kReqSize];
  nlmsghdr* nlh = start(buf, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL);
  auto* rtm = static_cast<rtmsg*>(mnl_nlmsg_put_extra_header(nlh, sizeof(rtmsg)));
  rtm->rtm_family = uint8_t(family);
  rtm->rtm_dst_len = uint8_t(dst ? dst->prefix : 0);
  rtm->rtm_table = RT_TABLE_MAIN;
  rtm->rtm_protocol = RTPROT_BOOT;
  rtm->rtm_scope = gateway ? RT_SCOPE_UNIVERSE : RT_SCOPE_LINK;
  rtm->rtm_type = RTN_UNICAST;
  if (dst) mnl_attr_put(nlh, RTA_DST, dst->size(), dst->bytes.data());
  if (gateway) mnl_attr_put(nlh, RTA_GATEWAY, gateway->size(), gateway->bytes.data());
  if (oif) mnl_attr_put_u32(nlh, RTA_OIF, uint32_t(oif));
  return request(nlh, "add route", dst ? family_prefix(*dst) : std::string("default"));
}

}  // namespace zonekit::netlink
