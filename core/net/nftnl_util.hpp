// Shared by nft_batch.cpp and nft_socket.cpp: owning libnftnl objects and
// the family ids. Internal to core/net.
#pragma once

#include <libnftnl/chain.h>
#include <libnftnl/expr.h>
#include <libnftnl/object.h>
#include <libnftnl/rule.h>
#include <libnftnl/set.h>
#include <libnftnl/table.h>
#include <linux/netfilter.h>

#include <memory>
#include <string>

#include "core/net/nft_model.hpp"

namespace zonekit::net::nft {

struct Deleter {
  void operator()(nftnl_table* p) const { nftnl_table_free(p); }
  void operator()(nftnl_chain* p) const { nftnl_chain_free(p); }
  void operator()(nftnl_obj* p) const { nftnl_obj_free(p); }
  void operator()(nftnl_set* p) const { nftnl_set_free(p); }
  void operator()(nftnl_rule* p) const { nftnl_rule_free(p); }
  void operator()(nftnl_expr* p) const { nftnl_expr_free(p); }
};
template <class T>
using Owned = std::unique_ptr<T, Deleter>;

inline uint16_t nfproto(Family f) {
  switch (f) {
    case Family::Ip: return NFPROTO_IPV4;
    case Family::Bridge: return NFPROTO_BRIDGE;
    case Family::Inet: return NFPROTO_INET;
    case Family::Netdev: return NFPROTO_NETDEV;
  }
  return NFPROTO_UNSPEC;
}
inline std::string family_name(Family f) {
  switch (f) {
    case Family::Ip: return "ip";
    case Family::Bridge: return "bridge";
    case Family::Inet: return "inet";
    case Family::Netdev: return "netdev";
  }
  return "?";
}

}  // namespace zonekit::net::nft
