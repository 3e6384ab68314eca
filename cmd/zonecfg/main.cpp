// zonecfg: manifests without touching the host (except export, which reads
// the store).
#include <iostream>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "core/manifest/docs.hpp"
#include "core/manifest/parse.hpp"
#include "core/manifest/schema.hpp"
#include "core/manifest/validate.hpp"
#include "core/ops/cli_parse.hpp"
#include "core/ops/cli_util.hpp"
#include "core/ops/complete_live.hpp"
#include "core/ops/zones.hpp"
#include "core/store/store.hpp"

using namespace zonekit;
using nlohmann::json;

namespace {

const char* kTool = "zonecfg";

int report(const Error& e) {
  cli::print_error(kTool, e);
  return cli::exit_code(e);
}


}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"zonecfg: write, check and convert zone manifests.\n"
               "Exit status: 0 ok, 1 failure, 2 usage or invalid manifest, 3 no such zone.",
               "zonecfg"};
  app.set_version_flag("--version,-V", std::string("zonecfg (zonekit) ") + ZONEKIT_VERSION);
  app.require_subcommand(1);

  std::string brand = "sparse", to = "json", file, name;
  std::vector<std::string> files;
  auto* tmpl = app.add_subcommand("template", "print a commented YAML manifest to start from");
  tmpl->add_option("--brand", brand, "sparse or image")->capture_default_str();
  auto* validate = app.add_subcommand("validate", "check manifests (each FILE, '-' for stdin)");
  validate->add_option("file", files, "manifest files")->required();
  auto* convert = app.add_subcommand("convert", "convert a manifest between YAML and JSON");
  convert->add_option("--to", to, "json or yaml")->check(CLI::IsMember({"json", "yaml"}))->required();
  convert->add_option("file", file, "manifest file ('-' for stdin)")->required();
  auto* exp = app.add_subcommand("export", "print a manifest that recreates a zone (same identity)");
  exp->add_option("zone", name, "alias, uuid or unique uuid prefix")->required();
  exp->add_option("--to", to, "json or yaml")->check(CLI::IsMember({"json", "yaml"}));

  if (ops::is_complete_request(argc, argv)) return ops::run_complete(app, argc, argv, ops::store_live());
  if (auto rc = cli::parse(app, {argv + 1, argv + argc}, kTool, {{"check", "validate"}, {"verify", "validate"}}))
    return *rc;

  if (tmpl->parsed()) {
    if (brand != "sparse" && brand != "image")
      return report(fail("--brand: \"" + brand + "\" is not sparse or image", ErrorKind::Invalid).error());
    std::cout << manifest::template_yaml(brand);
    return 0;
  }
  if (validate->parsed()) {
    int rc = 0;
    for (const auto& f : files) {
      auto text = cli::read_input(f);
      if (!text) {
        rc = std::max(rc, report(text.error()));
        continue;
      }
      auto doc = ops::load_manifest(*text, f == "-" ? "<stdin>" : f);
      if (!doc) {
        rc = std::max(rc, report(doc.error()));
        continue;
      }
      cli::print_note(kTool, (f == "-" ? std::string("<stdin>") : f) + ": valid");
    }
    return rc;
  }
  if (convert->parsed()) {
    auto text = cli::read_input(file);
    if (!text) return report(text.error());
    auto parsed = manifest::parse(*text, file == "-" ? "<stdin>" : file);
    if (!parsed.errors.empty()) {
      Error e;
      e.kind = ErrorKind::Invalid;
      for (const auto& d : parsed.errors) e.detail += (e.detail.empty() ? "" : "\n") + d.str();
      return report(e);
    }
    std::cout << (to == "json" ? parsed.doc.dump(2) + "\n" : manifest::to_yaml(parsed.doc));
    return 0;
  }
  if (exp->parsed()) {
    auto st = store::Store::open(store::Paths::from_env());
    if (!st) return report(st.error());
    auto uuid = st->resolve(name);
    if (!uuid) return report(uuid.error());
    auto rec = st->load(*uuid);
    if (!rec) return report(rec.error());
    json doc = manifest::export_manifest(rec->doc);
    std::cout << (to == "json" ? doc.dump(2) + "\n" : manifest::to_yaml(doc));
    return 0;
  }
  return cli::kUsage;
}
