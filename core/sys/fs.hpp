// File helpers for the store: atomic replacement, bounded reads that never
// follow a final symlink, directory creation and symlink-safe tree removal.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "core/sys/result.hpp"

namespace zonekit::fs {

// Write temp file beside path, fsync it, rename over path, fsync the
// directory. A crash at any instant leaves either the old or the new file.
Result<void> write_file_atomic(const std::string& path, std::string_view data, mode_t mode = 0644);

// Write temp file beside path and rename it over path, with no fsync: a
// reader sees the old or the new file, never a partial one, but a crash
// may lose the write. Only for scratch files a crash makes moot or the
// next command writes again (the run dir, results, logs): see "Crash
// safety and fsync" in zoneadm(8) for the budget.
Result<void> replace_file(const std::string& path, std::string_view data, mode_t mode = 0644);

// Read a regular file (refusing symlinks and anything larger than max_bytes).
Result<std::string> read_file(const std::string& path, size_t max_bytes = 16 << 20);
// The same for rel under dirfd (no walk of the directory's path per file);
// errors name shown.
Result<std::string> read_file_at(int dirfd, const std::string& rel, size_t max_bytes, const std::string& shown);

// Read fd to its end; more than max_bytes is an error "<shown>: file too
// large" (errno 0), a failed read an error with its errno.
Result<std::string> read_fd(int fd, size_t max_bytes, const std::string& shown);

// True if path exists (lstat, no symlink following).
bool exists(const std::string& path);

// Entry names of dir, sorted, without "." and ".."; empty if it cannot be read.
std::vector<std::string> list_dir(const std::string& dir);

// mkdir -p; existing directories are fine, an existing non-directory is not.
Result<void> mkdir_p(const std::string& path, mode_t mode = 0755);

Result<void> fsync_dir(const std::string& path);

// Called with the number of entries removed so far, every 1024 and at the end.
using RemoveProgress = std::function<void(uint64_t removed)>;

// rm -rf for trees a zone built (tree_remove.cpp). Never follows a symlink
// and never crosses a mount point (one inside the tree is an error, its
// contents untouched). Iterative, with at most a quarter of RLIMIT_NOFILE
// (2..32) directories open and a few bytes of memory per level, so trees of
// any depth and width go. Stops at the first entry it cannot remove and
// names it (an immutable file, a mount point); what is left can be removed
// by calling again. A missing path is success.
Result<void> remove_tree(const std::string& path, const RemoveProgress& progress = {});

// Remove stale temp files ("*.tmp.*") left in dir by a killed writer.
void remove_stale_temps(const std::string& dir);

}  // namespace zonekit::fs
