// nft::Socket: the nfnetlink socket that sends batches and asks small,
// targeted questions (one table, one table's counters).
#include <libmnl/libmnl.h>
#include <libnftnl/common.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netlink.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>
#include <functional>
#include <utility>

#include "core/net/nft_netlink.hpp"
#include "core/net/nftnl_util.hpp"

namespace zonekit::net::nft {

namespace {

constexpr size_t kRecvSize = 65536;

// libmnl's iteration macros assign void* and do not compile as C++.
template <class F>
void for_each_attr(const void* start, size_t len, F&& f) {
  auto* a = static_cast<const nlattr*>(start);
  int left = int(len);
  while (mnl_attr_ok(a, left)) {
    f(a);
    left -= int(NLA_ALIGN(a->nla_len));
    a = mnl_attr_next(a);
  }
}

// The kernel's own text from an extended ack, if any.
std::string extack_message(const nlmsghdr* nlh) {
  if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS)) return {};
  auto* err = static_cast<const nlmsgerr*>(mnl_nlmsg_get_payload(nlh));
  size_t off = sizeof(nlmsgerr);
  if (!(nlh->nlmsg_flags & NLM_F_CAPPED)) off += err->msg.nlmsg_len - sizeof(nlmsghdr);
  size_t payload = mnl_nlmsg_get_payload_len(nlh);
  if (off >= payload) return {};
  std::string msg;
  for_each_attr(reinterpret_cast<const char*>(err) + off, payload - off, [&](const nlattr* a) {
    if (mnl_attr_get_type(a) == NLMSGERR_ATTR_MSG && mnl_attr_validate(a, MNL_TYPE_NUL_STRING) == 0)
      msg = mnl_attr_get_str(a);
  });
  return msg;
}

}  // namespace

Socket::Socket(mnl_socket* s) : sock_(s) {}
Socket::Socket(Socket&& o) noexcept : sock_(std::exchange(o.sock_, nullptr)), seq_(o.seq_) {}
Socket& Socket::operator=(Socket&& o) noexcept {
  if (this != &o) {
    if (sock_) mnl_socket_close(sock_);
    sock_ = std::exchange(o.sock_, nullptr);
    seq_ = o.seq_;
  }
  return *this;
}
Socket::~Socket() {
  if (sock_) mnl_socket_close(sock_);
}

int Socket::fd() const { return sock_ ? mnl_socket_get_fd(sock_) : -1; }

Result<Socket> Socket::open() {
  mnl_socket* s = mnl_socket_open2(NETLINK_NETFILTER, SOCK_CLOEXEC);
  if (!s) return sys_error("socket", "netlink netfilter");
  Socket sock(s);
  if (mnl_socket_bind(s, 0, MNL_SOCKET_AUTOPID) < 0) return sys_error("bind", "netlink netfilter");
  // Errors without a copy of the request, with the kernel's text if any.
  int on = 1;
  (void)mnl_socket_setsockopt(s, NETLINK_CAP_ACK, &on, sizeof on);
  (void)mnl_socket_setsockopt(s, NETLINK_EXT_ACK, &on, sizeof on);
  return sock;
}

namespace {

struct Reply {
  int code = 0;          // errno, 0 for an ack
  std::string message;   // extended ack text
};

// Receive until on_msg says stop. Messages of other sequence numbers (late
// replies to an earlier request) are skipped.
Result<void> receive(mnl_socket* sock, uint32_t lo, uint32_t hi, const std::string& what,
                     const std::function<bool(const nlmsghdr*)>& on_msg) {
  std::vector<char> buf(kRecvSize);
  const unsigned portid = mnl_socket_get_portid(sock);
  for (;;) {
    ssize_t n = mnl_socket_recvfrom(sock, buf.data(), buf.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return sys_error("nft receive", what);
    auto* nlh = reinterpret_cast<const nlmsghdr*>(buf.data());
    int left = int(n);
    while (mnl_nlmsg_ok(nlh, left)) {
      if (nlh->nlmsg_seq >= lo && nlh->nlmsg_seq <= hi && (nlh->nlmsg_pid == 0 || nlh->nlmsg_pid == portid))
        if (!on_msg(nlh)) return {};
      nlh = mnl_nlmsg_next(nlh, &left);
    }
  }
}

Reply reply_of(const nlmsghdr* nlh) {
  Reply r;
  if (nlh->nlmsg_len < mnl_nlmsg_size(sizeof(nlmsgerr))) {
    r.code = EBADMSG;
    return r;
  }
  r.code = -static_cast<const nlmsgerr*>(mnl_nlmsg_get_payload(nlh))->error;
  if (r.code) r.message = extack_message(nlh);
  return r;
}

// Send one request and collect the messages of the reply: a dump up to
// NLMSG_DONE, or a get up to its ack. NotFound (code ENOENT) when the
// kernel says the object does not exist. A dump the kernel marks
// NLM_F_DUMP_INTR (the ruleset changed meanwhile: other zones booting) is
// read to its end and asked again; on_msg only sees a consistent one.
Result<void> request(mnl_socket* sock, uint32_t& seq, nlmsghdr* nlh, const std::string& what,
                     const std::function<void(const nlmsghdr*)>& on_msg) {
  constexpr int kDumpAttempts = 20;
  for (int attempt = 0; attempt < kDumpAttempts; ++attempt) {
    nlh->nlmsg_seq = ++seq;
    if (mnl_socket_sendto(sock, nlh, nlh->nlmsg_len) < 0) return sys_error("nft send", what);
    Reply failed;
    bool interrupted = false;
    std::vector<std::vector<char>> msgs;
    auto r = receive(sock, seq, seq, what, [&](const nlmsghdr* m) {
      if (m->nlmsg_flags & NLM_F_DUMP_INTR) interrupted = true;
      if (m->nlmsg_type == NLMSG_DONE) return false;
      if (m->nlmsg_type == NLMSG_ERROR) {
        failed = reply_of(m);
        return false;
      }
      const char* p = reinterpret_cast<const char*>(m);
      msgs.emplace_back(p, p + m->nlmsg_len);
      return true;
    });
    if (!r) return r;
    if (failed.code) {
      Error e;
      e.op = "nft";
      e.object = what;
      e.code = failed.code;
      e.detail = failed.message;
      if (failed.code == ENOENT) e.kind = ErrorKind::NotFound;
      return fail(std::move(e));
    }
    if (interrupted) continue;
    for (const auto& m : msgs) on_msg(reinterpret_cast<const nlmsghdr*>(m.data()));
    return {};
  }
  return sys_error("nft", what + ": the dump kept changing", EINTR);
}

}  // namespace

Result<bool> Socket::table_exists(Family family, const std::string& name) {
  if (!valid_name(name)) return fail("nft: \"" + name + "\" is not a table name", ErrorKind::Invalid);
  std::vector<char> buf(MNL_SOCKET_BUFFER_SIZE);
  nlmsghdr* nlh = nftnl_nlmsg_build_hdr(buf.data(), NFT_MSG_GETTABLE, nfproto(family), NLM_F_ACK, 0);
  mnl_attr_put_strz(nlh, NFTA_TABLE_NAME, name.c_str());
  auto r = request(sock_, seq_, nlh, "get table " + family_name(family) + " " + name, [](const nlmsghdr*) {});
  if (!r) {
    if (r.error().code == ENOENT) return false;
    return std::unexpected(std::move(r.error()));
  }
  return true;
}

Result<std::vector<std::string>> Socket::table_names(Family family) {
  std::vector<char> buf(MNL_SOCKET_BUFFER_SIZE);
  nlmsghdr* nlh = nftnl_nlmsg_build_hdr(buf.data(), NFT_MSG_GETTABLE, nfproto(family), NLM_F_DUMP, 0);
  std::vector<std::string> out;
  bool bad = false;
  ZK_TRYV(request(sock_, seq_, nlh, "list tables " + family_name(family), [&](const nlmsghdr* m) {
    Owned<nftnl_table> t(nftnl_table_alloc());
    if (!t || nftnl_table_nlmsg_parse(m, t.get()) < 0 || !nftnl_table_is_set(t.get(), NFTNL_TABLE_NAME)) {
      bad = true;
      return;
    }
    out.emplace_back(nftnl_table_get_str(t.get(), NFTNL_TABLE_NAME));
  }));
  if (bad) return sys_error("nft parse", "list tables " + family_name(family), EBADMSG);
  return out;
}

Result<std::map<std::string, uint64_t>> Socket::counters(Family family, const std::string& table) {
  if (!valid_name(table)) return fail("nft: \"" + table + "\" is not a table name", ErrorKind::Invalid);
  std::vector<char> buf(MNL_SOCKET_BUFFER_SIZE);
  nlmsghdr* nlh = nftnl_nlmsg_build_hdr(buf.data(), NFT_MSG_GETOBJ, nfproto(family), NLM_F_DUMP, 0);
  Owned<nftnl_obj> filter(nftnl_obj_alloc());
  if (!filter) return sys_error("nft build", "list counters", ENOMEM);
  // The kernel walks only this table's objects of this type.
  nftnl_obj_set_str(filter.get(), NFTNL_OBJ_TABLE, table.c_str());
  nftnl_obj_set_u32(filter.get(), NFTNL_OBJ_TYPE, NFT_OBJECT_COUNTER);
  nftnl_obj_nlmsg_build_payload(nlh, filter.get());
  std::string what = "list counters table " + family_name(family) + " " + table;
  std::map<std::string, uint64_t> out;
  bool bad = false;
  ZK_TRYV(request(sock_, seq_, nlh, what, [&](const nlmsghdr* m) {
    Owned<nftnl_obj> o(nftnl_obj_alloc());
    if (!o || nftnl_obj_nlmsg_parse(m, o.get()) < 0 || !nftnl_obj_is_set(o.get(), NFTNL_OBJ_NAME)) {
      bad = true;
      return;
    }
    // Filtered by the kernel already; checked again all the same.
    const char* in = nftnl_obj_get_str(o.get(), NFTNL_OBJ_TABLE);
    if (nftnl_obj_get_u32(o.get(), NFTNL_OBJ_TYPE) != NFT_OBJECT_COUNTER || !in || table != in) return;
    out[nftnl_obj_get_str(o.get(), NFTNL_OBJ_NAME)] = nftnl_obj_get_u64(o.get(), NFTNL_OBJ_CTR_PKTS);
  }));
  if (bad) return sys_error("nft parse", what, EBADMSG);
  return out;
}

Result<void> Socket::commit(const Batch& batch) {
  if (batch.error_) return fail(*batch.error_);
  const size_t n = batch.what_.size();
  if (n == 0) return {};
  const uint32_t begin = ++seq_;
  const uint32_t last = begin + uint32_t(n);
  seq_ = last + 1;   // the batch end
  std::vector<char> out(batch.buf_.size() + 2 * NLMSG_ALIGN(sizeof(nlmsghdr) + sizeof(nfgenmsg)));
  char* p = out.data();
  p += nftnl_batch_begin(p, begin)->nlmsg_len;
  std::memcpy(p, batch.buf_.data(), batch.buf_.size());
  // Renumber; only the last message asks for an ack. Failing messages are
  // answered anyway, in order, so the reply to the last one ends the batch.
  char* m = p;
  for (size_t i = 0; i < n; ++i) {
    auto* nlh = reinterpret_cast<nlmsghdr*>(m);
    nlh->nlmsg_seq = begin + 1 + uint32_t(i);
    if (i + 1 == n) nlh->nlmsg_flags |= NLM_F_ACK;
    m += NLMSG_ALIGN(nlh->nlmsg_len);
  }
  p += batch.buf_.size();
  p += nftnl_batch_end(p, seq_)->nlmsg_len;
  out.resize(size_t(p - out.data()));
  // Large batches (many allowed_ips) need a larger send buffer than the
  // default; as root the limit does not apply.
  if (out.size() > 128 * 1024) {
    int size = int(out.size() * 2), fd = mnl_socket_get_fd(sock_);
    if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &size, sizeof size) < 0)
      (void)setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof size);
  }
  auto split = [](const std::string& what) {
    auto bar = what.find('|');
    return std::pair{what.substr(0, bar), bar == std::string::npos ? std::string() : what.substr(bar + 1)};
  };
  const std::string first_obj = split(batch.what_.front()).second;
  if (mnl_socket_sendto(sock_, out.data(), out.size()) < 0) return sys_error("nft send", "batch for " + first_obj);

  std::optional<std::pair<uint32_t, Reply>> first_error;
  auto r = receive(sock_, begin, last, "batch for " + first_obj, [&](const nlmsghdr* nlh) {
    if (nlh->nlmsg_type != NLMSG_ERROR) return true;
    Reply rep = reply_of(nlh);
    if (rep.code && !first_error) first_error = {nlh->nlmsg_seq, rep};
    // The batch as a whole refused (bad header, no memory): nothing follows.
    if (nlh->nlmsg_seq == begin) return false;
    return nlh->nlmsg_seq != last;
  });
  // Replies can be lost when a failing batch answers every message and
  // overflows the socket; the first error is still the cause.
  if (!r && !(first_error && r.error().code == ENOBUFS)) return r;
  if (!first_error) return {};
  auto [seq, rep] = *first_error;
  Error e;
  e.code = rep.code;
  e.detail = rep.message;
  if (seq == begin) {
    e.op = "nft batch";
    e.object = first_obj;
  } else {
    auto [op, obj] = split(batch.what_[seq - begin - 1]);
    e.op = "nft " + op;
    e.object = obj;
  }
  return fail(std::move(e));
}

}  // namespace zonekit::net::nft
