// TreeWriter: writes archive entries (from a hostile tarball, an OCI layer
// or a directory walk) into a rootfs directory and never outside it.
//
// Every path is resolved from a directory fd, one component at a time with
// O_NOFOLLOW|O_DIRECTORY. A symlink met on the way is resolved with
// openat2(RESOLVE_IN_ROOT), so it is clamped to the rootfs, as inside the
// zone; the final component is never followed. Hardlinks may only name
// entries already in the rootfs. Device nodes and sockets are dropped,
// setuid/setgid bits on files are dropped, sizes are capped; each drop is
// recorded as a warning.
#pragma once

#include <fcntl.h>
#include <sys/types.h>
#include <unistd.h>

#include <cstdint>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "core/image/entry_path.hpp"
#include "core/sys/fd.hpp"
#include "core/sys/result.hpp"

struct archive;
struct archive_entry;

namespace zonekit::image {

struct Limits {
  uint64_t max_file_bytes = 8ULL << 30;   // one file
  uint64_t max_total_bytes = 8ULL << 30;  // the whole image
  uint64_t max_entries = 4'000'000;
};

// Warnings grouped by kind, a few example paths each, so a Debian tree with
// hundreds of device nodes gives one line, not hundreds.
class Warnings {
 public:
  void add(const std::string& kind, const std::string& path);
  std::vector<std::string> lines() const;

 private:
  struct Group {
    uint64_t count = 0;
    std::vector<std::string> examples;
  };
  std::vector<std::string> order_;
  std::map<std::string, Group> groups_;
};

class TreeWriter {
 public:
  // root_dir must exist and be empty (or hold lower layers).
  static Result<TreeWriter> open(const std::string& root_dir, Limits limits);

  // Extract every entry of a libarchive reader. layer: interpret OCI
  // whiteouts (.wh.*) against what lower layers wrote; they never appear
  // in the tree. shown: the archive's name for messages ("": none).
  Result<void> extract(struct archive* a, bool layer, const std::string& shown,
                       const std::function<void()>& tick = {});
  // Write one entry whose header was just read from a (archive_read_*).
  Result<void> write_entry(struct archive* a, struct archive_entry* e, bool layer);
  // Apply directory timestamps deferred until their content is written.
  Result<void> finish();

  uint64_t bytes() const { return bytes_; }  // regular-file bytes written
  uint64_t entries() const { return entries_; }
  Warnings& warnings() { return warnings_; }

 private:
  TreeWriter(UniqueFd root, Limits limits) : root_(std::move(root)), limits_(limits), chown_(geteuid() == 0) {}
  int chown_fd(int fd, uid_t uid, gid_t gid) const { return chown_ ? fchown(fd, uid, gid) : 0; }
  int chown_at(int dirfd, const char* name, uid_t uid, gid_t gid) const {
    return chown_ ? fchownat(dirfd, name, uid, gid, AT_SYMLINK_NOFOLLOW) : 0;
  }
  Result<UniqueFd> open_dir(const std::vector<std::string>& parts, size_t count, bool create);
  Result<void> apply_whiteout(const Whiteout& w);
  Result<void> apply_opaque(int dirfd, const std::string& path);
  Result<void> write_data(struct archive* a, int fd, const std::string& name, int64_t declared);

  UniqueFd root_;
  Limits limits_;
  bool chown_;  // keep archive ownership (as root); others get their own, like tar
  uint64_t bytes_ = 0;
  uint64_t declared_total_ = 0;
  uint64_t entries_ = 0;
  Warnings warnings_;
  std::set<std::string> written_this_layer_;
  struct DirTimes {
    std::vector<std::string> parts;
    struct timespec times[2];
  };
  std::vector<DirTimes> dir_times_;
};

// Remove name inside dirfd, recursively, never following symlinks and never
// crossing into another filesystem.
Result<void> remove_at(int dirfd, const std::string& name, const std::string& shown);

}  // namespace zonekit::image
