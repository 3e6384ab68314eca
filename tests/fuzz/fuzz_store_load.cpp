// The store loader: a store whose only zone's zone.json is the input.
// Store::list, load, resolve and the ops listing over it must never crash
// or throw; an unreadable record is reported as an error ("corrupt").
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <string>

#include "core/ops/output.hpp"
#include "core/ops/zone_fields.hpp"
#include "core/ops/zones.hpp"
#include "core/store/store.hpp"

using namespace zonekit;

namespace {

const char* kUuid = "0123abcd-ef01-4234-8567-89abcdef0123";

const store::Paths& paths() {
  static const store::Paths p = [] {
    char tmpl[] = "/tmp/zk-fuzz-store-XXXXXX";
    if (!mkdtemp(tmpl)) abort();
    store::Paths p;
    p.root = std::string(tmpl) + "/root";
    p.run = std::string(tmpl) + "/run";
    p.config = std::string(tmpl) + "/none.toml";
    mkdir(p.root.c_str(), 0700);
    mkdir(p.zones_dir().c_str(), 0700);
    mkdir(p.zone_dir(kUuid).c_str(), 0700);
    mkdir(p.run.c_str(), 0700);
    return p;
  }();
  return p;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const auto& p = paths();
  int fd = open(p.zone_file(kUuid).c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  if (fd < 0) abort();
  if (size && write(fd, data, size) != static_cast<ssize_t>(size)) abort();
  close(fd);

  auto st = store::Store::open(p);
  if (!st) abort();
  auto recs = st->list();
  if (!recs || recs->size() != 1) abort();
  (void)(*recs)[0].name();
  (void)st->load(kUuid);
  (void)st->resolve("web01");
  (void)st->resolve("0123");
  auto views = ops::list(*st);
  if (!views) return 0;
  std::vector<nlohmann::json> rows;
  for (auto& v : *views) {
    v.doc["state"] = v.state;
    rows.push_back(v.doc);
  }
  for (bool parseable : {false, true}) {
    ops::ListOptions opt;
    opt.fields = ops::default_zone_columns();
    opt.parseable = parseable;
    (void)ops::render_list(rows, opt, ops::zone_fields(), ops::zone_field);
  }
  ops::ListOptions j;
  j.json = true;
  (void)ops::render_list(rows, j, ops::zone_fields(), ops::zone_field);
  return 0;
}
