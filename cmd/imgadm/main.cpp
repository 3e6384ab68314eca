// imgadm: import, list, inspect and delete zone images. Argument parsing
// and printing only; the work is in core/image.
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <iostream>

#include "core/image/image_list.hpp"
#include "core/image/image_store.hpp"
#include "core/image/import_request.hpp"
#include "core/ops/cli_parse.hpp"
#include "core/ops/complete.hpp"

namespace img = zonekit::image;
using zonekit::Error;
using zonekit::ErrorKind;

namespace {

constexpr int kExitOk = 0, kExitFail = 1, kExitUsage = 2, kExitNoImage = 3;

std::string store_root() {
  const char* env = std::getenv("ZONEKIT_ROOT");
  return env && *env ? env : "/var/lib/zonekit";
}

int report(const Error& e) {
  std::cerr << "imgadm: " << e.message() << "\n";
  switch (e.kind) {
    case ErrorKind::NotFound: return kExitNoImage;
    case ErrorKind::Invalid: return kExitUsage;
    default: return kExitFail;
  }
}

// "\rimgadm: importing 12.3M of 40.0M (30%)", at most 5 times a second.
struct ProgressLine {
  std::chrono::steady_clock::time_point last{};
  bool shown = false;
  void operator()(const img::ImportProgress& p) {
    auto now = std::chrono::steady_clock::now();
    if (shown && now - last < std::chrono::milliseconds(200)) return;
    last = now;
    shown = true;
    std::string line = "\rimgadm: importing " + img::human_size(p.done);
    if (p.total > 0) line += " of " + img::human_size(p.total) + " (" + std::to_string(p.done * 100 / p.total) + "%)";
    std::cerr << line << "\033[K" << std::flush;
  }
  void end() {
    if (shown) std::cerr << "\r\033[K" << std::flush;
  }
};

struct ImportArgs {
  std::string source, name, version, sha256, cacert, max_size;
  int timeout_s = 30;
};

int do_import(const ImportArgs& a) {
  img::ImportOptions opts;
  opts.name = a.name;
  opts.version = a.version;
  opts.sha256 = a.sha256;
  opts.fetch.cacert = a.cacert;
  opts.fetch.timeout_s = a.timeout_s;
  if (!a.max_size.empty()) {
    auto max = img::parse_size(a.max_size);
    if (!max) {
      std::cerr << "imgadm: import: --max-size: " << max.error().message() << "\n";
      return kExitUsage;
    }
    opts.max_source_bytes = *max;
  }
  auto spec = img::check_import(a.source, opts);
  if (!spec) {
    std::cerr << "imgadm: import " << img::shown_source(a.source) << ": " << spec.error().message() << "\n";
    return kExitUsage;
  }
  ProgressLine line;
  if (isatty(STDERR_FILENO)) {
    opts.progress = true;
    opts.on_progress = [&](const img::ImportProgress& p) { line(p); };
  }
  auto r = img::import(store_root(), a.source, opts);
  line.end();
  if (!r) {
    report(r.error());
    return kExitFail;  // a bad source is a failed import, not a usage error
  }
  if (r->existing) {
    std::string label = r->name + (r->version.empty() ? "" : " " + r->version);
    std::cerr << "imgadm: " << spec->shown << ": already imported as " << r->uuid << " (" << label << ")";
    if ((!a.name.empty() && a.name != r->name) || (!a.version.empty() && a.version != r->version))
      std::cerr << "; --name and --version do not rename it (delete it and import again for that)";
    std::cerr << "\n";
  } else {
    for (const auto& w : r->warnings) std::cerr << "imgadm: warning: " << w << "\n";
  }
  std::cout << r->uuid << "\n";
  return kExitOk;
}

int do_list(bool no_header, bool parsable, bool json, const std::string& fields_csv) {
  std::vector<std::string> fields;
  if (!fields_csv.empty()) {
    auto f = img::parse_list_fields(fields_csv);
    if (!f) return report(std::move(f.error()).wrap("list -o"));
    fields = *f;
  }
  auto images = img::list(store_root());
  if (!images) return report(images.error());
  if (json) {
    std::cout << img::format_json(*images, fields);
  } else if (parsable) {
    std::cout << img::format_parsable(*images, fields.empty() ? img::default_list_fields() : fields);
  } else {
    std::cout << img::format_table(*images, fields.empty() ? img::default_list_fields() : fields, !no_header);
  }
  return kExitOk;
}

int do_get(const std::string& key) {
  auto r = img::get(store_root(), key);
  if (!r) return report(r.error());
  std::cout << img::to_json(*r) << "\n";
  return kExitOk;
}

int do_delete(const std::string& key) {
  auto r = img::remove(store_root(), key);
  if (!r) return report(r.error());
  return kExitOk;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"imgadm: manage zone images (store: $ZONEKIT_ROOT, default /var/lib/zonekit)", "imgadm"};
  app.set_version_flag("--version,-V", std::string("imgadm (zonekit) ") + ZONEKIT_VERSION);
  app.require_subcommand(1);

  ImportArgs ia;
  auto* import = app.add_subcommand("import", "Import a rootfs tarball, a directory, an OCI layout or a docker save tarball");
  import->add_option("source", ia.source, "FILE, DIR, - (standard input) or https:// URL")->required();
  import->add_option("--name", ia.name, "image name (default: from the source)");
  import->add_option("--version", ia.version, "image version");
  import->add_option("--sha256", ia.sha256, "the source's expected sha256 (64 hex digits), checked before the image appears");
  import->add_option("--cacert", ia.cacert, "CA bundle to trust for https (default: $CURL_CA_BUNDLE, $SSL_CERT_FILE, the system's)");
  import->add_option("--max-size", ia.max_size, "largest source to read, e.g. 512M (default 16G)");
  import->add_option("--timeout", ia.timeout_s, "seconds to wait for a connection or for the next byte of a download (default 30)");

  bool no_header = false, parsable = false, json = false;
  std::string fields;
  auto* list = app.add_subcommand("list", "List images");
  list->add_flag("-H,--no-header", no_header, "omit the header line");
  list->add_flag("-p,--parseable", parsable, "colon-separated, ':' and '\\' escaped");
  list->add_flag("-j,--json", json, "JSON array");
  list->add_option("-o,--output", fields, "fields: uuid,name,version,type,size,created,source,source_digest");

  std::string key;
  auto* get = app.add_subcommand("get", "Print an image as JSON");
  get->add_option("image", key, "UUID or NAME")->required();
  auto* del = app.add_subcommand("delete", "Delete an image no zone uses");
  del->add_option("image", key, "UUID or NAME")->required();

  if (zonekit::ops::is_complete_request(argc, argv)) {
    zonekit::ops::Live live;
    live.images = [](const std::string&) {
      std::vector<std::string> out;
      if (auto l = img::list(store_root()))
        for (const auto& i : *l) out.push_back(i.name.empty() ? i.uuid : i.name);
      return out;
    };
    return zonekit::ops::run_complete(app, argc, argv, live);
  }
  if (auto rc = zonekit::cli::parse(app, {argv + 1, argv + argc}, "imgadm",
                                    {{"ls", "list"}, {"show", "get"}, {"info", "get"}, {"rm", "delete"},
                                     {"remove", "delete"}, {"avail", "list"}, {"install", "import"},
                                     {"create", "import"}}))
    return *rc;
  if (parsable && json) {
    std::cerr << "imgadm: list: -p and -j cannot be used together\n";
    return kExitUsage;
  }
  if (import->parsed()) return do_import(ia);
  if (list->parsed()) return do_list(no_header, parsable, json, fields);
  if (get->parsed()) return do_get(key);
  if (del->parsed()) return do_delete(key);
  return kExitUsage;
}
