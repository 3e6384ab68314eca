// Reading sources into a TreeWriter: tar streams (plain or compressed,
// hashed as they are read), directories (walked without following
// symlinks), and OCI / docker-save layouts (layers stacked in order, each
// checked against its digest).
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "core/image/byte_source.hpp"
#include "core/image/tree_writer.hpp"
#include "core/sys/result.hpp"

namespace zonekit::image {

using ByteCounter = std::function<void(uint64_t)>;  // called with bytes just read

// Extract the tar stream of src (gzip, xz, bzip2, zstd detected by magic)
// into w; return the sha256 hex of every byte of src (read to its end).
// An error of src itself (a failed download, a size limit) is returned as
// it is, not as libarchive's view of a truncated archive.
Result<std::string> extract_tar(TreeWriter& w, ByteSource& src, bool layer, const std::string& shown,
                                const ByteCounter& on_read = {});
// The same for a file or pipe.
Result<std::string> extract_tar_fd(TreeWriter& w, int fd, bool layer, const std::string& shown,
                                   const ByteCounter& on_read = {});

// Copy a directory tree with its metadata; symlinks are copied, never
// followed; other filesystems mounted inside are not entered.
Result<void> copy_directory(TreeWriter& w, const std::string& dir);

struct LayoutResult {
  std::string type;           // "oci" or "docker"
  std::string source_digest;  // OCI: the manifest digest; docker: the config (image id)
  std::string ref_name;       // OCI ref.name annotation or docker RepoTags[0]; may be ""
};

// What the directory dirfd holds: "oci" (oci-layout + index.json), "docker"
// (manifest.json in docker-save form), or "" (a plain rootfs).
std::string detect_layout(int dirfd);
// Stack the layers of the layout in dirfd into w. total_bytes (if given)
// receives the sum of layer sizes before extraction starts.
Result<LayoutResult> import_layout(TreeWriter& w, int dirfd, const std::string& type,
                                   const ByteCounter& on_read = {},
                                   const std::function<void(uint64_t)>& on_total = {});

}  // namespace zonekit::image
