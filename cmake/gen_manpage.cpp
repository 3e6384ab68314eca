// zk-gen-manpage: prints zone-manifest(5), generated from the manifest
// schema, so the man page cannot drift from what the tools accept. Run at
// build time by cmake/Docs.cmake; never installed.
#include <cstdio>
#include <string>

#include "core/manifest/docs.hpp"

int main() {
  std::string page = zonekit::manifest::manpage_mdoc();
  if (std::fwrite(page.data(), 1, page.size(), stdout) != page.size() || std::fflush(stdout) != 0) return 1;
  return 0;
}
