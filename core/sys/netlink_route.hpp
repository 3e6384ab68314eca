// Thin rtnetlink client over libmnl: links (bridge, veth), addresses and
// routes, in the calling thread's network namespace or in another one given
// as an fd. Every request waits for the kernel's ack, so an error names the
// operation, the object and the errno. No policy here: core/net decides.
#pragma once

#include <sys/socket.h>
#include <sys/types.h>

#include <array>
#include <cstdint>
#include <functional>
#include <optional>
#include <memory>
#include <string>
#include <vector>

#include "core/sys/result.hpp"

struct mnl_socket;
struct nlmsghdr;

namespace zonekit::netlink {

using MacBytes = std::array<uint8_t, 6>;

// The kernel's counters of a link (IFLA_STATS64), from the link's side:
// on a zone's host-side veth, rx is what the zone sent.
struct LinkStats {
  uint64_t rx_packets = 0, tx_packets = 0, rx_bytes = 0, tx_bytes = 0;
};

struct LinkInfo {
  int index = 0;
  std::string name;
  std::string kind;     // "bridge", "veth", "" for plain devices
  int master = 0;       // ifindex of the bridge it is enslaved to, 0 if none
  uint32_t mtu = 0;
  unsigned flags = 0;   // IFF_*
  LinkStats stats;
};

// An address or prefix in wire form: family AF_INET/AF_INET6 and 4/16 bytes.
struct WireAddr {
  int family = 0;
  std::array<uint8_t, 16> bytes{};
  int prefix = 0;       // ignored where a plain address is meant
  size_t size() const { return family == AF_INET ? 4 : 16; }
};

struct VethPeer {
  std::string name;
  std::optional<MacBytes> mac;
  uint32_t mtu = 0;     // 0: kernel default
  int netns_fd = -1;    // create the peer directly in this netns; -1 = same netns
};

struct LinkChange {
  std::optional<int> master;          // ifindex of a bridge, 0 = no master
  std::optional<uint32_t> mtu;
  std::optional<bool> up;
  std::optional<MacBytes> mac;
  std::optional<std::string> name;
  std::optional<uint8_t> ipv6_addr_gen_mode;   // IN6_ADDR_GEN_MODE_*
};

class RouteSocket {
 public:
  // A socket in the calling thread's network namespace.
  static Result<RouteSocket> open();
  // A socket in the network namespace netns_fd refers to. A short-lived
  // thread does the setns, so the calling thread never changes namespace.
  static Result<RouteSocket> open_in_netns(int netns_fd);

  RouteSocket(RouteSocket&& o) noexcept;
  RouteSocket& operator=(RouteSocket&& o) noexcept;
  RouteSocket(const RouteSocket&) = delete;
  RouteSocket& operator=(const RouteSocket&) = delete;
  ~RouteSocket();

  // nullopt if no such link.
  Result<std::optional<LinkInfo>> find_link(const std::string& name);
  Result<std::vector<LinkInfo>> list_links();

  // Errors with code EEXIST when the name is taken.
  Result<void> create_bridge(const std::string& name, uint32_t mtu, const std::optional<MacBytes>& mac);
  Result<void> create_veth(const std::string& name, uint32_t mtu, const VethPeer& peer);
  // NotFound (code ENODEV) when there is no such link.
  Result<void> delete_link(const std::string& name);
  Result<void> change_link(int index, const std::string& name_for_errors, const LinkChange& change);

  // Errors with code EEXIST when the address is already there. v6 addresses
  // are added without duplicate address detection (IFA_F_NODAD): they are
  // ours by allocation and usable at once.
  Result<void> add_address(int index, const std::string& ifname, const WireAddr& addr);
  // dst nullopt: default route. gateway nullopt: on-link via oif.
  Result<void> add_route(int family, const std::optional<WireAddr>& dst,
                         const std::optional<WireAddr>& gateway, int oif = 0);
  // Addresses (with prefix) on a link, both families.
  Result<std::vector<WireAddr>> list_addresses(int index);

 private:
  explicit RouteSocket(mnl_socket* s);
  static Result<RouteSocket> from_fd(int fd);  // takes ownership
  // Send one request with NLM_F_ACK and wait for the ack (or error).
  Result<void> request(nlmsghdr* nlh, const std::string& op, const std::string& object);
  // Send a dump request; call on_msg for every reply message.
  Result<void> dump(nlmsghdr* nlh, const std::string& op,
                    const std::function<void(const nlmsghdr*)>& on_msg);

  char* recv_buf();
  mnl_socket* sock_ = nullptr;
  uint32_t seq_ = 0;
  std::unique_ptr<char[]> recv_;
};

}  // namespace zonekit::netlink
