// zoneadmd's metadata service: the two doors of one zone, served from the
// supervisor's poll loop, never blocking it.
//
//   /dev/ttyS1                  a pty whose master zoneadmd holds (the
//                               serial port of a SmartOS KVM guest)
//   /.zonecontrol/metadata.sock a UNIX socket in <run_dir>/zonecontrol,
//                               bound into the zone at boot
//
// Only the zone's own mount namespace sees either, and this zoneadmd serves
// only its zone. Each request reads the stored manifest (zone.json, parsed
// again only when its inode, size or mtime changed), so `zoneadm update
// NAME customer_metadata.K=V` shows at the next request. PUT and DELETE
// are done by a short-lived child that takes the zone lock (waiting at most
// kMetadataLockWaitMs) and rewrites zone.json atomically, as zoneadm update
// does; the loop only waits for its exit.
//
// Bounds (a hostile zone can only exhaust its own zoneadmd):
//   kMaxMetadataConns socket connections; more are closed at once;
//   one request in flight per connection, a request line of at most
//   kMaxRequestLine bytes (longer ones are dropped unread);
//   kMetadataRate requests per second (burst kMetadataBurst) and
//   kMetadataWriteRate writes per second (burst kMetadataWriteBurst) over
//   both doors: past that, input is simply not read until tokens return;
//   an answer not taken within kMetadataStallMs drops the connection (on
//   the pty: discards the answer); a connection idle for kMetadataIdleMs is
//   closed.
#pragma once

#include <poll.h>
#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/runtime/metadata_keys.hpp"
#include "core/runtime/metadata_protocol.hpp"
#include "core/sys/fd.hpp"
#include "core/sys/result.hpp"

namespace zonekit::runtime {

inline constexpr int kMaxMetadataConns = 4;
inline constexpr int kMetadataRate = 50;
inline constexpr int kMetadataBurst = 100;
inline constexpr int kMetadataWriteRate = 5;
inline constexpr int kMetadataWriteBurst = 10;
inline constexpr int kMetadataStallMs = 10 * 1000;
inline constexpr int kMetadataIdleMs = 60 * 1000;
inline constexpr int kMetadataLockWaitMs = 10 * 1000;
inline constexpr int kMetadataWriterKillMs = 20 * 1000;

struct MetadataConfig {
  std::string zone_file;   // <store>/zones/<uuid>/zone.json
  std::string lock_file;   // <store>/locks/zone-<uuid>.lock
  std::string socket_dir;  // <run_dir>/zonecontrol
  uint32_t zone_root = 0;  // host uid and gid of the zone's root
};

// The store paths of a zone, from its spec's zone_dir (<store>/zones/<uuid>).
MetadataConfig metadata_config(const std::string& zone_dir, const std::string& run_dir,
                               const std::string& uuid, uint32_t zone_root);

// The stored manifest, re-read only when the file changed.
class ManifestCache {
 public:
  explicit ManifestCache(std::string path = {}) : path_(std::move(path)) {}
  // Null when the file cannot be read or parsed.
  const nlohmann::json& get();

 private:
  std::string path_;
  nlohmann::json doc_;
  dev_t dev_ = 0;
  ino_t ino_ = 0;
  off_t size_ = -1;
  int64_t mtime_ns_ = -1;
};

class MetadataService {
 public:
  MetadataService();
  ~MetadataService();
  MetadataService(const MetadataService&) = delete;
  MetadataService& operator=(const MetadataService&) = delete;

  // Creates the socket and the pty. Nothing is served before this.
  Result<void> open(MetadataConfig cfg);
  // Serve the doors of a previous zoneadmd (fd_keeper.hpp): its listening
  // socket and its pty, master and slave.
  Result<void> adopt(MetadataConfig cfg, UniqueFd listen, UniqueFd master, UniqueFd slave);
  // The fds adopt() takes, in that order: what the keeper must hold.
  std::vector<int> door_fds() const { return {listen_.get(), master_.get(), slave_.get()}; }
  bool is_open() const { return static_cast<bool>(listen_); }
  const std::string& tty_path() const { return tty_path_; }
  const std::string& socket_dir() const { return cfg_.socket_dir; }
  ManifestCache& manifest() { return manifest_; }

  // The loop: append our fds, then hand back what poll said.
  void add_pollfds(std::vector<struct pollfd>& pfds, int64_t now_ms);
  void on_poll(const std::vector<struct pollfd>& pfds, int64_t now_ms);
  // Milliseconds until a timer of ours is due (-1: none).
  int timeout_ms(int64_t now_ms) const;
  // A child exited: true when it was one of our writers.
  bool on_child_exit(pid_t pid, int status);
  // Drop every connection and writer (the zone stopped); the doors stay.
  void reset_connections();

  struct Conn;

 private:
  void accept_all(int64_t now);
  void serve(Conn& c, int64_t now);
  void read_input(Conn& c, int64_t now);
  void answer(Conn& c, const MdRequest& r, int64_t now);
  void start_writer(Conn& c, int64_t now);
  void flush(Conn& c, int64_t now);
  void refill(int64_t now);
  void drop(Conn& c);

  MetadataConfig cfg_;
  ManifestCache manifest_;
  UniqueFd listen_, master_, slave_;
  std::string tty_path_;
  std::vector<std::unique_ptr<Conn>> conns_;  // [0] is the pty once open
  size_t poll_base_ = 0;
  size_t poll_count_ = 0;
  double tokens_ = kMetadataBurst, write_tokens_ = kMetadataWriteBurst;
  int64_t refilled_at_ = 0;
  pid_t writer_ = 0;
  int64_t writer_deadline_ = 0;
};

}  // namespace zonekit::runtime
