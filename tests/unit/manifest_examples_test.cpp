// Every example in manifests/ parses, validates and normalises cleanly.
#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/manifest/parse.hpp"
#include "core/manifest/validate.hpp"

using namespace zonekit::manifest;
namespace stdfs = std::filesystem;

TEST_CASE("every file in manifests/ validates") {
  stdfs::path dir = stdfs::path(ZONEKIT_SOURCE_DIR) / "manifests";
  std::vector<stdfs::path> files;
  for (const auto& e : stdfs::directory_iterator(dir))
    if (e.is_regular_file()) files.push_back(e.path());
  std::sort(files.begin(), files.end());
  CHECK(files.size() >= 4);
  bool have_json = false, have_yaml = false;
  for (const auto& f : files) {
    CAPTURE(f.string());
    std::ifstream in(f);
    std::stringstream text;
    text << in.rdbuf();
    Parsed p = parse(text.str(), f.filename().string());
    CHECK(format_diagnostics(p.errors) == "");
    if (!p.errors.empty()) continue;
    (p.format == Format::Json ? have_json : have_yaml) = true;
    auto diags = validate_create(p.doc);
    locate(diags, p);
    CHECK(format_diagnostics(diags) == "");
    auto normal = normalize_create(p.doc);
    CHECK(format_diagnostics(validate_create(normal)) == "");
    CHECK(normalize_create(normal) == normal);
  }
  CHECK(have_json);
  CHECK(have_yaml);
}

TEST_CASE("the vmadm example payload is taken as an image zone") {
  std::ifstream in(std::string(ZONEKIT_SOURCE_DIR) + "/manifests/vmadm-joyent.json");
  std::stringstream text;
  text << in.rdbuf();
  auto doc = normalize_create(parse(text.str(), "vmadm-joyent.json").doc);
  CHECK(doc["brand"] == "image");
  CHECK(doc["nics"][0]["interface"] == "net0");
  CHECK(doc["max_locked_memory"] == 256);
}
