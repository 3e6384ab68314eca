// Helpers for the image unit tests: tarballs built in memory with
// libarchive's writer, temp dirs, directory listings.
#pragma once

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <doctest/doctest.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "core/sys/fs.hpp"

namespace zk_test {

struct TarEntry {
  std::string path;
  mode_t type = AE_IFREG;
  mode_t perm = 0644;
  std::string data;      // regular file content
  std::string link;      // symlink target
  std::string hardlink;  // hardlink target
  std::string xattr;     // name of an extended attribute to attach ("" none)
  int64_t uid = 0, gid = 0;
  std::string uname;     // a user name that must be ignored (numeric ids win)
};

inline la_ssize_t append_cb(struct archive*, void* client, const void* buf, size_t n) {
  static_cast<std::string*>(client)->append(static_cast<const char*>(buf), n);
  return static_cast<la_ssize_t>(n);
}

// filter: "none", "gzip", "xz", "zstd"
inline std::string build_tar(const std::vector<TarEntry>& entries, const std::string& filter = "none") {
  std::string out;
  struct archive* a = archive_write_new();
  archive_write_set_format_pax_restricted(a);
  if (filter == "gzip") archive_write_add_filter_gzip(a);
  if (filter == "xz") archive_write_add_filter_xz(a);
  if (filter == "zstd") archive_write_add_filter_zstd(a);
  archive_write_set_bytes_in_last_block(a, 1);
  REQUIRE(archive_write_open(a, &out, nullptr, append_cb, nullptr) == ARCHIVE_OK);
  for (const auto& t : entries) {
    struct archive_entry* e = archive_entry_new();
    archive_entry_set_pathname(e, t.path.c_str());
    archive_entry_set_filetype(e, t.type);
    archive_entry_set_perm(e, t.perm);
    archive_entry_set_mtime(e, 1700000000, 0);
    archive_entry_set_uid(e, t.uid);
    archive_entry_set_gid(e, t.gid);
    if (!t.uname.empty()) archive_entry_set_uname(e, t.uname.c_str());
    if (t.type == AE_IFCHR) archive_entry_set_rdev(e, makedev(1, 3));
    if (!t.link.empty()) archive_entry_set_symlink(e, t.link.c_str());
    if (!t.hardlink.empty()) archive_entry_set_hardlink(e, t.hardlink.c_str());
    if (!t.xattr.empty()) archive_entry_xattr_add_entry(e, t.xattr.c_str(), "\x01\x00\x00\x02", 4);
    if (t.type == AE_IFREG && t.hardlink.empty()) archive_entry_set_size(e, static_cast<la_int64_t>(t.data.size()));
    REQUIRE(archive_write_header(a, e) == ARCHIVE_OK);
    if (!t.data.empty()) archive_write_data(a, t.data.data(), t.data.size());
    archive_entry_free(e);
  }
  archive_write_close(a);
  archive_write_free(a);
  return out;
}

inline std::string make_temp_dir() {
  char tmpl[] = "/tmp/zk-image-unit-XXXXXX";
  REQUIRE(mkdtemp(tmpl) != nullptr);
  return tmpl;
}

inline void write_file(const std::string& path, const std::string& data) {
  REQUIRE(zonekit::fs::write_file_atomic(path, data, 0644));
}

inline std::vector<std::string> names_in(const std::string& dir) {
  std::vector<std::string> out;
  DIR* d = opendir(dir.c_str());
  if (!d) return out;
  while (struct dirent* ent = readdir(d))
    if (strcmp(ent->d_name, ".") && strcmp(ent->d_name, "..")) out.emplace_back(ent->d_name);
  closedir(d);
  std::sort(out.begin(), out.end());
  return out;
}

// Every path under dir, relative, sorted ("a", "a/b", ...).
inline void walk(const std::string& dir, const std::string& rel, std::vector<std::string>& out) {
  for (const auto& n : names_in(dir + (rel.empty() ? "" : "/" + rel))) {
    std::string r = rel.empty() ? n : rel + "/" + n;
    out.push_back(r);
    struct stat st;
    if (lstat((dir + "/" + r).c_str(), &st) == 0 && S_ISDIR(st.st_mode)) walk(dir, r, out);
  }
}
inline std::vector<std::string> tree(const std::string& dir) {
  std::vector<std::string> out;
  walk(dir, "", out);
  std::sort(out.begin(), out.end());
  return out;
}

inline bool lexists(const std::string& p) {
  struct stat st;
  return lstat(p.c_str(), &st) == 0;
}

}  // namespace zk_test
