#include "core/image/tree_writer.hpp"

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstring>

namespace zonekit::image {

namespace {

constexpr size_t kExamplesPerWarning = 5;

std::string join_prefix(const std::vector<std::string>& parts, size_t count) {
  std::string out;
  for (size_t i = 0; i < count; ++i) {
    if (i) out += '/';
    out += parts[i];
  }
  return out.empty() ? "." : out;
}

Result<void> write_all_at(int fd, const char* p, size_t n, uint64_t off, const std::string& name) {
  while (n > 0) {
    ssize_t w = ::pwrite(fd, p, n, static_cast<off_t>(off));
    if (w < 0) {
      if (errno == EINTR) continue;
      return sys_error("write", name);
    }
    p += w;
    n -= static_cast<size_t>(w);
    off += static_cast<uint64_t>(w);
  }
  return {};
}

struct timespec entry_time(bool is_set, time_t sec, long nsec) {
  struct timespec ts{};
  if (!is_set) {
    ts.tv_nsec = UTIME_OMIT;
  } else {
    ts.tv_sec = sec;
    ts.tv_nsec = nsec;
  }
  return ts;
}

}  // namespace

void Warnings::add(const std::string& kind, const std::string& path) {
  auto [it, inserted] = groups_.try_emplace(kind);
  if (inserted) order_.push_back(kind);
  ++it->second.count;
  if (it->second.examples.size() < kExamplesPerWarning) it->second.examples.push_back(path);
}

std::vector<std::string> Warnings::lines() const {
  std::vector<std::string> out;
  for (const auto& kind : order_) {
    const Group& g = groups_.at(kind);
    std::string line = kind + " (" + std::to_string(g.count) + "): ";
    for (size_t i = 0; i < g.examples.size(); ++i) line += (i ? ", " : "") + g.examples[i];
    if (g.count > g.examples.size()) line += ", ...";
    out.push_back(std::move(line));
  }
  return out;
}

Result<void> remove_at(int dirfd, const std::string& name, const std::string& shown) {
  struct stat st;
  if (fstatat(dirfd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) < 0) {
    if (errno == ENOENT) return {};
    return sys_error("stat", shown);
  }
  if (!S_ISDIR(st.st_mode)) {
    if (unlinkat(dirfd, name.c_str(), 0) < 0 && errno != ENOENT) return sys_error("unlink", shown);
    return {};
  }
  struct stat parent_st;
  if (fstat(dirfd, &parent_st) < 0) return sys_error("stat", shown);
  if (parent_st.st_dev != st.st_dev) return fail("refusing to remove across a mount point: " + shown);
  int fd = openat(dirfd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) return sys_error("open", shown);
  DIR* d = fdopendir(fd);
  if (!d) {
    int e = errno;
    ::close(fd);
    return sys_error("opendir", shown, e);
  }
  std::vector<std::string> children;
  while (struct dirent* ent = readdir(d)) {
    if (strcmp(ent->d_name, ".") && strcmp(ent->d_name, "..")) children.emplace_back(ent->d_name);
  }
  Result<void> r;
  for (const auto& c : children) {
    r = remove_at(::dirfd(d), c, shown + "/" + c);
    if (!r) break;
  }
  closedir(d);
  if (!r) return r;
  if (unlinkat(dirfd, name.c_str(), AT_REMOVEDIR) < 0 && errno != ENOENT) return sys_error("rmdir", shown);
  return {};
}

Result<TreeWriter> TreeWriter::open(const std::string& root_dir, Limits limits) {
  UniqueFd fd(::open(root_dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd) return sys_error("open", root_dir);
  return TreeWriter(std::move(fd), limits);
}

Result<UniqueFd> TreeWriter::open_dir(const std::vector<std::string>& parts, size_t count, bool create) {
  UniqueFd cur(fcntl(root_.get(), F_DUPFD_CLOEXEC, 3));
  if (!cur) return sys_error("dup", "rootfs");
  for (size_t i = 0; i < count; ++i) {
    const char* comp = parts[i].c_str();
    int fd = openat(cur.get(), comp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0 && errno == ENOENT && create) {
      // A parent the archive did not list: root-owned 0755, like tar does.
      if (mkdirat(cur.get(), comp, 0700) < 0 && errno != EEXIST) return sys_error("mkdir", join_prefix(parts, i + 1));
      fd = openat(cur.get(), comp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      if (fd >= 0 && fchmod(fd, 0755) < 0) {
        ::close(fd);
        return sys_error("chmod", join_prefix(parts, i + 1));
      }
    }
    if (fd < 0 && (errno == ELOOP || errno == ENOTDIR)) {
      struct stat st;
      std::string prefix = join_prefix(parts, i + 1);
      if (fstatat(cur.get(), comp, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode)) {
        // Follow the symlink the way the zone will see it: clamped to the
        // rootfs, so "/etc" or "../../.." can never lead outside.
        struct open_how how{};
        how.flags = O_RDONLY | O_DIRECTORY | O_CLOEXEC;
        how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV;
        fd = static_cast<int>(syscall(SYS_openat2, root_.get(), prefix.c_str(), &how, sizeof how));
        if (fd < 0) return sys_error("resolve symlink inside the image", prefix);
      } else {
        return fail(prefix + ": not a directory");
      }
    }
    if (fd < 0) return sys_error("open", join_prefix(parts, i + 1));
    cur.reset(fd);
  }
  return cur;
}

Result<void> TreeWriter::write_data(struct archive* a, int fd, const std::string& name, int64_t declared) {
  const void* buf;
  size_t size;
  la_int64_t offset;
  for (;;) {
    int r = archive_read_data_block(a, &buf, &size, &offset);
    if (r == ARCHIVE_EOF) break;
    if (r < ARCHIVE_WARN) {
      const char* msg = archive_error_string(a);
      return fail(name + ": " + (msg ? msg : "read error"));
    }
    if (offset < 0 || static_cast<uint64_t>(offset) + size > static_cast<uint64_t>(declared))
      return fail(name + ": data runs past the entry's declared size");
    ZK_TRYV(write_all_at(fd, static_cast<const char*>(buf), size, static_cast<uint64_t>(offset), name));
  }
  if (ftruncate(fd, declared) < 0) return sys_error("truncate", name);
  return {};
}

Result<void> TreeWriter::apply_opaque(int dirfd, const std::string& path) {
  int dup_fd = fcntl(dirfd, F_DUPFD_CLOEXEC, 3);
  if (dup_fd < 0) return sys_error("dup", path);
  DIR* d = fdopendir(dup_fd);
  if (!d) {
    ::close(dup_fd);
    return sys_error("opendir", path);
  }
  std::vector<std::string> children;
  while (struct dirent* ent = readdir(d)) {
    if (strcmp(ent->d_name, ".") && strcmp(ent->d_name, "..")) children.emplace_back(ent->d_name);
  }
  closedir(d);
  for (const auto& name : children) {
    std::string child = path == "." ? name : path + "/" + name;
    struct stat st;
    if (fstatat(dirfd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) < 0) return sys_error("stat", child);
    switch (opaque_action(child, S_ISDIR(st.st_mode), written_this_layer_)) {
      case OpaqueAction::Keep:
        break;
      case OpaqueAction::Remove:
        ZK_TRYV(remove_at(dirfd, name, child));
        break;
      case OpaqueAction::Descend: {
        UniqueFd sub(openat(dirfd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
        if (!sub) return sys_error("open", child);
        ZK_TRYV(apply_opaque(sub.get(), child));
        break;
      }
    }
  }
  return {};
}

Result<void> TreeWriter::apply_whiteout(const Whiteout& w) {
  if (w.kind == WhiteoutKind::Remove) {
    if (w.target.empty()) return {};
    auto parent = open_dir(w.target, w.target.size() - 1, false);
    if (!parent) return {};  // nothing below to hide
    EntryPath p{w.target, false};
    return remove_at(parent->get(), w.target.back(), p.str());
  }
  auto dir = open_dir(w.target, w.target.size(), false);
  if (!dir) return {};
  EntryPath p{w.target, false};
  return apply_opaque(dir->get(), p.str());
}

Result<void> TreeWriter::write_entry(struct archive* a, struct archive_entry* e, bool layer) {
  const char* raw = archive_entry_pathname(e);
  if (!raw) raw = archive_entry_pathname_utf8(e);
  if (!raw) return fail("archive entry without a name");
  EntryPath path = ZK_TRY(sanitize_entry_path(raw));
  if (++entries_ > limits_.max_entries)
    return fail("more than " + std::to_string(limits_.max_entries) + " entries");
  const std::string shown = path.str();
  if (path.was_absolute) warnings_.add("stripped leading '/'", shown);
  // File capabilities and other xattrs are privileges too: not carried over.
  if (archive_entry_xattr_count(e) > 0) warnings_.add("dropped extended attributes", shown);

  if (layer) {
    Whiteout w = classify_whiteout(path);
    if (w.kind != WhiteoutKind::None) return context(apply_whiteout(w), "whiteout " + shown);
  }

  const mode_t type = archive_entry_filetype(e);
  mode_t perm = archive_entry_perm(e) & 07777;
  const uid_t uid = static_cast<uid_t>(archive_entry_uid(e));
  const gid_t gid = static_cast<gid_t>(archive_entry_gid(e));
  const char* hardlink = archive_entry_hardlink(e);
  struct timespec times[2] = {
      entry_time(archive_entry_atime_is_set(e), archive_entry_atime(e), archive_entry_atime_nsec(e)),
      entry_time(archive_entry_mtime_is_set(e), archive_entry_mtime(e), archive_entry_mtime_nsec(e))};
  if (times[0].tv_nsec == UTIME_OMIT) times[0] = times[1];

  if (path.parts.empty()) {  // "." or "/": the rootfs directory itself
    if (hardlink || type != AE_IFDIR) return fail("entry '" + std::string(raw) + "' names the root but is not a directory");
    if (chown_fd(root_.get(), uid, gid) < 0) return sys_error("chown", shown);
    if (fchmod(root_.get(), perm & ~S_ISUID) < 0) return sys_error("chmod", shown);
    dir_times_.push_back({{}, {times[0], times[1]}});
    return {};
  }
  if (layer) written_this_layer_.insert(shown);

  UniqueFd parent = ZK_TRYC(open_dir(path.parts, path.parts.size() - 1, true), "entry " + shown);
  const int pfd = parent.get();
  const char* base = path.parts.back().c_str();
  struct stat st;
  const bool exists = fstatat(pfd, base, &st, AT_SYMLINK_NOFOLLOW) == 0;
  auto clear = [&]() -> Result<void> {
    if (!exists) return {};
    return remove_at(pfd, base, shown);
  };

  if (hardlink) {
    auto target = sanitize_entry_path(hardlink);
    if (!target) return context(Result<void>(std::unexpected(target.error())), "hardlink " + shown);
    if (target->parts.empty()) return fail("hardlink " + shown + ": target is the root directory");
    if (target->parts == path.parts) return {};
    auto tparent = open_dir(target->parts, target->parts.size() - 1, false);
    struct stat tst;
    if (!tparent || fstatat(tparent->get(), target->parts.back().c_str(), &tst, AT_SYMLINK_NOFOLLOW) < 0)
      return fail("hardlink " + shown + ": target '" + std::string(hardlink) + "' is not in the image");
    if (S_ISDIR(tst.st_mode)) return fail("hardlink " + shown + ": target '" + target->str() + "' is a directory");
    ZK_TRYV(clear());
    if (linkat(tparent->get(), target->parts.back().c_str(), pfd, base, 0) < 0)
      return sys_error("link", shown + " -> " + target->str());
    return {};
  }

  switch (type) {
    case AE_IFDIR: {
      if (exists && !S_ISDIR(st.st_mode)) ZK_TRYV(clear());
      if ((!exists || !S_ISDIR(st.st_mode)) && mkdirat(pfd, base, 0700) < 0) return sys_error("mkdir", shown);
      UniqueFd d(openat(pfd, base, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
      if (!d) return sys_error("open", shown);
      if (chown_fd(d.get(), uid, gid) < 0) return sys_error("chown", shown);
      // setgid and sticky on directories are ordinary (/var/mail, /tmp).
      if (fchmod(d.get(), perm & ~S_ISUID) < 0) return sys_error("chmod", shown);
      dir_times_.push_back({path.parts, {times[0], times[1]}});
      return {};
    }
    case AE_IFREG: {
      const int64_t declared = archive_entry_size_is_set(e) ? archive_entry_size(e) : 0;
      if (declared < 0) return fail(shown + ": negative size");
      if (static_cast<uint64_t>(declared) > limits_.max_file_bytes)
        return fail(shown + ": declares " + std::to_string(declared) + " bytes, over the per-file limit of " +
                    std::to_string(limits_.max_file_bytes));
      declared_total_ += static_cast<uint64_t>(declared);
      if (declared_total_ > limits_.max_total_bytes)
        return fail(shown + ": image exceeds the size limit of " + std::to_string(limits_.max_total_bytes) + " bytes");
      ZK_TRYV(clear());
      UniqueFd f(openat(pfd, base, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
      if (!f) return sys_error("create", shown);
      ZK_TRYV(write_data(a, f.get(), shown, declared));
      if (chown_fd(f.get(), uid, gid) < 0) return sys_error("chown", shown);
      if (perm & (S_ISUID | S_ISGID)) {
        warnings_.add("dropped setuid/setgid bits", shown);
        perm &= ~(S_ISUID | S_ISGID);
      }
      if (fchmod(f.get(), perm) < 0) return sys_error("chmod", shown);
      if (futimens(f.get(), times) < 0) return sys_error("utimes", shown);
      bytes_ += static_cast<uint64_t>(declared);
      return {};
    }
    case AE_IFLNK: {
      const char* target = archive_entry_symlink(e);
      if (!target) target = archive_entry_symlink_utf8(e);
      if (!target || !*target) return fail(shown + ": symlink without a target");
      ZK_TRYV(clear());
      if (symlinkat(target, pfd, base) < 0) return sys_error("symlink", shown);
      if (chown_at(pfd, base, uid, gid) < 0) return sys_error("chown", shown);
      if (utimensat(pfd, base, times, AT_SYMLINK_NOFOLLOW) < 0) return sys_error("utimes", shown);
      return {};
    }
    case AE_IFIFO: {
      ZK_TRYV(clear());
      if (mknodat(pfd, base, S_IFIFO | 0600, 0) < 0) return sys_error("mkfifo", shown);
      // Just created by us, nothing can have replaced it: safe to address by name.
      if (chown_at(pfd, base, uid, gid) < 0) return sys_error("chown", shown);
      if (fchmodat(pfd, base, perm & 0777, 0) < 0) return sys_error("chmod", shown);
      if (utimensat(pfd, base, times, AT_SYMLINK_NOFOLLOW) < 0) return sys_error("utimes", shown);
      return {};
    }
    case AE_IFCHR:
    case AE_IFBLK:
      warnings_.add("dropped device nodes", shown);
      return {};
    case AE_IFSOCK:
      warnings_.add("dropped sockets", shown);
      return {};
    default:
      return fail(shown + ": unsupported entry type " + std::to_string(type));
  }
}

Result<void> TreeWriter::extract(struct archive* a, bool layer, const std::string& shown,
                                 const std::function<void()>& tick) {
  written_this_layer_.clear();
  struct archive_entry* e;
  for (;;) {
    int r = archive_read_next_header(a, &e);
    if (r == ARCHIVE_EOF) break;
    if (r < ARCHIVE_WARN) {
      const char* msg = archive_error_string(a);
      return fail((shown.empty() ? "" : shown + ": ") + (msg ? msg : "cannot read archive"));
    }
    if (r == ARCHIVE_WARN) {
      const char* msg = archive_error_string(a);
      warnings_.add("archive warnings", msg ? msg : "unknown");
    }
    if (shown.empty())
      ZK_TRYV(write_entry(a, e, layer));
    else
      ZK_TRYVC(write_entry(a, e, layer), shown);
    if (tick) tick();
  }
  return {};
}

Result<void> TreeWriter::finish() {
  for (auto it = dir_times_.begin(); it != dir_times_.end(); ++it) {  // later layers win
    auto d = open_dir(it->parts, it->parts.size(), false);
    if (!d) continue;  // replaced by a later entry or whited out
    if (futimens(d->get(), it->times) < 0) return sys_error("utimes", EntryPath{it->parts, false}.str());
  }
  dir_times_.clear();
  return {};
}

}  // namespace zonekit::image
