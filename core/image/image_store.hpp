// The image store: $ZONEKIT_ROOT/images/<uuid>/{image.json,rootfs/}.
//
// Mutations hold images/.lock. An import unpacks into images/.incoming-<uuid>/
// (guarded by images/.incoming-<uuid>.lock while it runs), writes image.json
// inside, and renames the whole directory into place, so list() never sees a
// half image; leftovers of killed imports and deletes are removed by the
// next import, list or delete.
//
// One source, one image: an import whose source_digest an image already
// has writes nothing and returns that image. The check is made under
// images/.lock just before the rename, so of two concurrent imports of one
// tarball exactly one lands, and a killed import (never renamed) is never
// taken for a complete one.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "core/image/tree_writer.hpp"
#include "core/sys/lock.hpp"
#include "core/sys/result.hpp"

namespace zonekit::image {

struct ImageInfo {
  std::string uuid, name, version;
  std::string type;           // "tar", "dir", "oci", "docker"
  std::string source;         // what was imported (absolute path)
  std::string source_digest;  // "sha256:<hex>": tar/docker file bytes, OCI manifest; "" for a directory
  std::string created;        // ISO 8601 UTC, "2026-11-28T08:30:00.123Z"
  uint64_t size_bytes = 0;    // regular-file bytes in rootfs
  std::vector<std::string> warnings;
};

struct ImportProgress {
  uint64_t done = 0;   // source bytes consumed
  uint64_t total = 0;  // source bytes in all (0 when unknown, e.g. a directory)
};

// Fetching https:// (and http://) sources.
struct FetchOptions {
  std::string cacert;     // CA bundle; "": $CURL_CA_BUNDLE, else $SSL_CERT_FILE, else the system's
  int timeout_s = 30;     // to connect, to wait for the next byte, to put up with under 1 KiB/s
  int max_redirects = 5;  // https may only redirect to https
};

struct ImportOptions {
  std::string name, version;  // default: OCI ref.name / docker RepoTags "repo:tag", else the file name; version ""
  std::string sha256;         // expected sha256 (hex) of the source's bytes (file, stdin, download); "": unchecked
  uint64_t max_source_bytes = 16ULL << 30;  // the most read from a file, stdin or download
  FetchOptions fetch;
  std::string uuid;           // the image's uuid (zoneadm apply's kind: image documents); default: a random one
  bool progress = false;      // call on_progress (core never prints; imgadm prints it on a tty)
  std::function<void(const ImportProgress&)> on_progress;
  Limits limits;
};

// The image a source is in the store, and whether it was there already.
struct ImportResult : ImageInfo {
  bool existing = false;  // same source_digest as this image: nothing was written
};

// source: a file or directory path, "-" (stdin) or an http(s) URL; see
// import_request.hpp for what is accepted.
Result<ImportResult> import(const std::string& store_root, const std::string& source, const ImportOptions& opts);
Result<std::vector<ImageInfo>> list(const std::string& store_root);  // sorted by created, then name
// Exact uuid, else exact name (several images with that name: Invalid,
// naming their uuids), else a unique uuid prefix. Absent: NotFound.
Result<ImageInfo> get(const std::string& store_root, const std::string& uuid_or_name);
// Zones whose zones/<uuid>/zone.json has image_uuid == uuid: their alias,
// or uuid when they have none. A zone.json that cannot be parsed but
// mentions the uuid counts as a user (never delete what might be in use).
Result<std::vector<std::string>> users(const std::string& store_root, const std::string& uuid);
// Refused (Busy) while a zone uses the image, naming the zones.
Result<void> remove(const std::string& store_root, const std::string& uuid_or_name);
std::string rootfs_path(const std::string& store_root, const std::string& uuid);

// images/.lock. A zone create that checks image_uuid should hold it Shared
// while it verifies the image and writes zone.json, so a concurrent delete
// cannot slip between the two.
Result<FileLock> lock_store(const std::string& store_root, FileLock::Mode mode);

// image.json <-> ImageInfo.
std::string to_json(const ImageInfo& info);
Result<ImageInfo> image_from_json(const std::string& text);

bool is_uuid(const std::string& s);
std::string new_uuid();  // random (v4)

}  // namespace zonekit::image
