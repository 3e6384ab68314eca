// Internal to the cgroup drivers: file access under a cgroup root that never
// follows a symlink below the root and refuses path tricks in the relative
// paths callers pass ("..", empty components, newlines, NULs).
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "core/sys/fd.hpp"
#include "core/sys/result.hpp"

namespace zonekit::cgroup::detail {

// Split a relative cgroup path into components, refusing anything unsafe.
// An empty path is the root itself (no components).
Result<std::vector<std::string>> split_path(const std::string& rel);

// Join root and a relative path for messages and dirs().
std::string join(const std::string& root, const std::string& rel);

// Open root/rel as a directory, walking each component with O_NOFOLLOW.
Result<UniqueFd> open_dir(const std::string& root, const std::string& rel);

// mkdir each missing component of rel under root (existing ones are fine).
// Returns the relative paths of the directories it created, outermost
// first, so callers can initialise exactly those.
Result<std::vector<std::string>> make_dirs(const std::string& root, const std::string& rel);

// Write value to root/rel/file (must exist: cgroupfs creates its files).
Result<void> write_file(const std::string& root, const std::string& rel, const std::string& file,
                        const std::string& value);

// Read root/rel/file (bounded).
Result<std::string> read_file(const std::string& root, const std::string& rel, const std::string& file);

// Names of the real subdirectories of dirfd (no symlinks), sorted.
Result<std::vector<std::string>> list_subdirs(int dirfd, const std::string& shown);

bool file_exists(const std::string& root, const std::string& rel, const std::string& file);
bool dir_exists(const std::string& root, const std::string& rel);

// Pids in root/rel/cgroup.procs and every descendant cgroup, appended to
// out. A missing directory adds nothing.
Result<void> collect_procs(const std::string& root, const std::string& rel, std::vector<pid_t>& out);

// rmdir root/rel and every descendant, deepest first; missing is success.
// Retries briefly on EBUSY (the kernel frees a dead cgroup asynchronously).
Result<void> remove_tree(const std::string& root, const std::string& rel);

// Parse "key value" lines (memory.events, cgroup.events, memory.oom_control).
uint64_t keyed_value(const std::string& text, const std::string& key);

// The value of a single-number file ("123\n"); "max" reads as UINT64_MAX.
uint64_t parse_number(const std::string& text);

void sleep_ms(int ms);

// Poll pred for up to timeout_ms: after 1, 2, 4, 8 ms, then every 10 ms
// (a killed zone's cgroup empties within a few ms: a flat 10 ms step made
// every halt wait for it). True when pred held.
template <class Pred>
bool wait_for(Pred pred, int timeout_ms) {
  for (int waited = 0, step = 1;; waited += step, step = step < 8 ? step * 2 : 10) {
    if (pred()) return true;
    if (waited >= timeout_ms) return false;
    sleep_ms(step);
  }
}

}  // namespace zonekit::cgroup::detail
