// The mount syscalls a zone's root is built with, behind an interface so the
// order of operations is unit-tested without root (RecordingMountSyscalls)
// and carried out for real by LinuxMountSyscalls. Every call returns 0 or
// -errno and is safe in a freshly cloned child (no logging).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

namespace zonekit::sys {

// Attribute bits: 1 ro, 2 nosuid, 4 nodev, 8 noexec (runtime::MountAttr).
class MountSyscalls {
 public:
  virtual ~MountSyscalls() = default;
  virtual int make_rprivate(const char* path) = 0;
  virtual int mount_fresh(const char* fstype, const char* source, const char* target,
                          unsigned long flags, const char* data) = 0;
  // Bind a trusted path; attributes are added on the detached copy before
  // it is attached, so nothing is ever visible writable.
  virtual int bind(const char* source, const char* target, bool recursive, uint32_t attrs) = 0;
  // Bind base_dir/name where name must not be (or pass through) a symlink.
  virtual int bind_beneath(const char* base_dir, const char* name, const char* target,
                           uint32_t attrs) = 0;
  // Bind a host source onto root/target, creating target components without
  // ever following a symlink (the tree below root may be hostile).
  virtual int bind_in_root(const char* source, const char* root, const char* target,
                           bool recursive, uint32_t attrs) = 0;
  virtual int set_attr(const char* target, uint32_t attrs, bool recursive) = 0;
  virtual int mkdir(const char* path, mode_t mode) = 0;     // an existing directory is fine
  virtual int mkfile(const char* path, mode_t mode) = 0;    // an existing file is fine
  virtual int symlink(const char* contents, const char* path) = 0;
  virtual bool exists(const char* path) = 0;                // lstat
  // chdir(new_root), pivot_root(".", "."), detach the old root, chdir("/").
  virtual int pivot(const char* new_root) = 0;
};

class LinuxMountSyscalls final : public MountSyscalls {
 public:
  int make_rprivate(const char* path) override;
  int mount_fresh(const char* fstype, const char* source, const char* target, unsigned long flags,
                  const char* data) override;
  int bind(const char* source, const char* target, bool recursive, uint32_t attrs) override;
  int bind_beneath(const char* base_dir, const char* name, const char* target,
                   uint32_t attrs) override;
  int bind_in_root(const char* source, const char* root, const char* target, bool recursive,
                   uint32_t attrs) override;
  int set_attr(const char* target, uint32_t attrs, bool recursive) override;
  int mkdir(const char* path, mode_t mode) override;
  int mkfile(const char* path, mode_t mode) override;
  int symlink(const char* contents, const char* path) override;
  bool exists(const char* path) override;
  int pivot(const char* new_root) override;
};

// Records one line per call; fail_at (0-based call index) makes that call
// return fail_errno.
class RecordingMountSyscalls final : public MountSyscalls {
 public:
  std::vector<std::string> calls;
  std::vector<std::string> missing;  // paths exists() reports absent
  int fail_at = -1;
  int fail_errno = 1;

  int make_rprivate(const char* path) override;
  int mount_fresh(const char* fstype, const char* source, const char* target, unsigned long flags,
                  const char* data) override;
  int bind(const char* source, const char* target, bool recursive, uint32_t attrs) override;
  int bind_beneath(const char* base_dir, const char* name, const char* target,
                   uint32_t attrs) override;
  int bind_in_root(const char* source, const char* root, const char* target, bool recursive,
                   uint32_t attrs) override;
  int set_attr(const char* target, uint32_t attrs, bool recursive) override;
  int mkdir(const char* path, mode_t mode) override;
  int mkfile(const char* path, mode_t mode) override;
  int symlink(const char* contents, const char* path) override;
  bool exists(const char* path) override;
  int pivot(const char* new_root) override;

 private:
  int record(std::string line);
};

// Open path beneath dirfd with no symlink (nor magic link) anywhere in it.
// Returns an fd or -errno.
int open_beneath_nofollow(int dirfd, const char* path, int flags);

}  // namespace zonekit::sys
