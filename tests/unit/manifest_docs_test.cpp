// Generated docs: template, man page and explain all come from the schema.
#include <doctest/doctest.h>

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>

#include "core/manifest/docs.hpp"
#include "core/manifest/parse.hpp"
#include "core/manifest/validate.hpp"

using namespace zonekit::manifest;

TEST_CASE("the template parses and validates for each brand") {
  for (const char* brand : {"sparse", "image", "joyent", "lx", ""}) {
    CAPTURE(brand);
    std::string text = template_yaml(brand);
    REQUIRE_FALSE(text.empty());
    Parsed p = parse(text, "template.yaml");
    REQUIRE(format_diagnostics(p.errors) == "");
    CHECK(format_diagnostics(validate_create(p.doc)) == "");
    std::string want = std::string(brand).empty() || std::string(brand) == "sparse" ? "sparse" : "image";
    CHECK(normalize_create(p.doc)["brand"] == want);
    CHECK(p.doc["nics"][0]["nic_tag"] == "demo");
  }
  CHECK(template_yaml("kvm") == "");
  CHECK(template_yaml("nonsense") == "");
}

TEST_CASE("the template mentions every settable property") {
  std::string text = template_yaml("sparse");
  for (const auto& p : schema()) {
    // Stored-only vmadm keys mean nothing here: the template leaves them out.
    if (p.update == Update::ReadOnly || p.deprecated || p.stored_only) continue;
    std::string leaf = p.path.substr(p.path.rfind('.') == std::string::npos ? 0 : p.path.rfind('.') + 1);
    CAPTURE(p.path);
    CHECK(text.find(leaf + ":") != std::string::npos);
    CHECK(text.find(p.doc) != std::string::npos);
  }
  CHECK(text.find("\n# integer in MiB, 1 to 16777216; default 256; updatable, live.\nmax_physical_memory: 512\n") !=
        std::string::npos);
}

TEST_CASE("the man page documents every property") {
  std::string page = manpage_mdoc();
  for (const auto& p : schema()) {
    CAPTURE(p.path);
    CHECK(page.find(".It Sy " + p.path + "\n") != std::string::npos);
  }
  CHECK(page.find(".It Sy max_physical_memory\nMemory limit.\n.Pp\nType: integer, in MiB.\nRange: 1 to 16777216.\n"
                  "Default: 256.\nUpdatable: takes effect at once, also in a running zone.\n") != std::string::npos);
  CHECK(page.find(".It Sy brand\n") != std::string::npos);
  CHECK(page.find(".It Sy update_nics\nChanges entries of nics, each named by its mac.\n") != std::string::npos);
}

TEST_CASE("the man page passes mandoc -Tlint") {
  if (system("command -v mandoc >/dev/null 2>&1") != 0) {
    MESSAGE("mandoc not installed: lint skipped");
    return;
  }
  char path[] = "/tmp/zk-manpage-XXXXXX";
  int fd = mkstemp(path);
  REQUIRE(fd >= 0);
  std::string page = manpage_mdoc();
  REQUIRE(write(fd, page.data(), page.size()) == ssize_t(page.size()));
  close(fd);
  std::string cmd = std::string("mandoc -Tlint ") + path + " 2>&1";
  FILE* p = popen(cmd.c_str(), "r");
  REQUIRE(p != nullptr);
  std::string out;
  char buf[512];
  while (size_t n = fread(buf, 1, sizeof buf, p)) out.append(buf, n);
  int rc = pclose(p);
  unlink(path);
  CHECK(out == "");
  CHECK(rc == 0);
}

TEST_CASE("explain describes one property") {
  CHECK(explain("max_physical_memory") ==
        "max_physical_memory\n"
        "  Memory limit.\n"
        "  type: integer, in MiB\n"
        "  range: 1 to 16777216\n"
        "  default: 256\n"
        "  update: updatable, live\n"
        "  example: max_physical_memory: 512\n");
  CHECK(explain("nics.0.ips") ==
        "nics[].ips\n"
        "  Addresses with prefix length (IPv4 or IPv6 CIDR).\n"
        "  type: list of IPv4 or IPv6 CIDRs\n"
        "  default: one address allocated from the nic tag's pool at create\n"
        "  update: updatable, at next boot\n"
        "  example: ips: [10.0.0.5/24]\n");
  CHECK(explain("nics").find("  entries have: interface nic_tag mac ips gateways ip netmask gateway primary mtu "
                             "vlan_id allow_ip_spoofing allow_mac_spoofing allow_dhcp_spoofing allowed_ips\n") !=
        std::string::npos);
  CHECK(explain("nics").find("  stored, not acted on (vmadm): allow_restricted_traffic allow_unfiltered_promisc "
                             "allowed_dhcp_cids blocked_outgoing_ports dhcp_server model network_uuid "
                             "vrrp_primary_ip vrrp_vrid\n") != std::string::npos);
  CHECK(template_yaml("sparse").find("billing_id") == std::string::npos);
  CHECK(explain("nics").find("  update members: add_nics, update_nics and remove_nics\n") != std::string::npos);
  CHECK(explain("tags").find("  update members: set_tags and remove_tags\n") != std::string::npos);
  CHECK(explain("nics[].ip").find("  deprecated: normalised to the newer form at create\n") != std::string::npos);
  CHECK(explain("set_tags") == "set_tags: merges keys into tags (null removes a key)");
  CHECK(explain("remove_nics") == "remove_nics: removes the entries of nics with the listed mac values");
  CHECK(explain("bogus") == "");
  CHECK(explain("") == "");
}
