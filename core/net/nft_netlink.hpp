// The I/O edge of nftables: nft::Table objects become nf_tables netlink
// messages (built with libnftnl) sent over libmnl in one nfnetlink batch,
// and small, targeted queries (one table, one table's counters). Nothing
// here lists or caches the whole ruleset, so the work done here does not
// grow with the number of zones; what remains is the kernel's: it finds a
// table by name in a list, once per message (about 1 ms per batch at 1000
// tables, bench/nft_scaling.sh). No policy: core/net decides what the
// tables hold.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/net/nft_model.hpp"
#include "core/sys/result.hpp"

struct mnl_socket;

namespace zonekit::net::nft {

// One transaction, built up here and sent by Socket::commit: the kernel
// applies all of it or none of it.
class Batch {
 public:
  // Delete the table; creating it first makes a missing table no error
  // (nft's "add table; delete table").
  void delete_table(Family family, const std::string& name);
  // Create the table with its counters, chains, sets and rules. The table
  // must pass check_table. exclusive: the transaction fails with EEXIST if
  // the table exists already (else it is added to).
  void add_table(const Table& table, bool exclusive = false);

  size_t messages() const { return what_.size(); }
  // Set when a message could not be built; commit reports it.
  const std::optional<Error>& error() const { return error_; }
  // The messages (without the batch begin/end), sequence numbers 1..n.
  const std::vector<char>& data() const { return buf_; }

 private:
  friend class Socket;
  template <class F>
  void put(uint16_t type, Family family, uint16_t flags, std::string what, size_t room, F&& build);

  std::vector<char> buf_;
  std::vector<std::string> what_;   // per message: "add rule bridge zk_... chain n0 rule 3", for errors
  std::optional<Error> error_;      // a message could not be built
  uint32_t next_set_id_ = 1;
};

// An nfnetlink socket in the calling thread's network namespace.
class Socket {
 public:
  static Result<Socket> open();
  Socket(Socket&& o) noexcept;
  Socket& operator=(Socket&& o) noexcept;
  Socket(const Socket&) = delete;
  Socket& operator=(const Socket&) = delete;
  ~Socket();
  int fd() const;

  // One GETTABLE for this name.
  Result<bool> table_exists(Family family, const std::string& name);
  // Names of all tables of the family (one dump).
  Result<std::vector<std::string>> table_names(Family family);
  // Packets of each counter object of the table: one dump filtered by the
  // kernel to that table. Empty when the table has none or does not exist.
  Result<std::map<std::string, uint64_t>> counters(Family family, const std::string& table);
  // Send the batch and wait for the kernel's verdict. An error names the
  // first message the kernel refused and its errno (and the kernel's own
  // text when it gives one).
  Result<void> commit(const Batch& batch);

 private:
  explicit Socket(mnl_socket* s);
  mnl_socket* sock_ = nullptr;
  uint32_t seq_ = 0;
};

}  // namespace zonekit::net::nft
