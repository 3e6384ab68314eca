// Validation messages (exact text), normalisation, defaults and updates.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "core/manifest/validate.hpp"

// Print string lists in failure messages.
namespace doctest {
template <>
struct StringMaker<std::vector<std::string>> {
  static String convert(const std::vector<std::string>& v) {
    std::string s = "{";
    for (const auto& x : v) s += "\n  " + x;
    return (s + "\n}").c_str();
  }
};
}  // namespace doctest

using namespace zonekit::manifest;
using json = nlohmann::json;

namespace {

std::vector<std::string> strs(const std::vector<Diagnostic>& d) {
  std::vector<std::string> out;
  for (const auto& x : d) out.push_back(x.str());
  return out;
}
std::vector<std::string> create_errors(const std::string& text) { return strs(validate_create(json::parse(text))); }

const std::string kNic = R"("nic_tag": "demo")";

struct Case {
  std::string doc;
  std::vector<std::string> expect;
};

// One bad input per row; each must produce exactly these messages.
const std::vector<Case> kBadCreates = {
    {R"({"max_phisical_memory": 512})",
     {R"(max_phisical_memory: unknown property (did you mean "max_physical_memory"?))"}},
    {R"({"frobnicate": "x"})", {"frobnicate: unknown property"}},
    {R"({"max_physical_memory": -5})", {"max_physical_memory: -5 is below the minimum 1"}},
    {R"({"max_physical_memory": 256.5})", {"max_physical_memory: 256.5 is not an integer"}},
    {R"({"max_physical_memory": 256.0})", {"max_physical_memory: 256.0 is not an integer"}},
    {R"({"max_physical_memory": "512M"})",
     {R"(max_physical_memory: "512M" is not an integer (max_physical_memory is in MiB: write 512))"}},
    {R"({"max_physical_memory": "2GiB"})",
     {R"(max_physical_memory: "2GiB" is not an integer (max_physical_memory is in MiB: write 2048))"}},
    {R"({"max_physical_memory": 18446744073709551616})",
     {"max_physical_memory: 1.8446744073709552e+19 is above the maximum 16777216"}},
    {R"({"max_lwps": 18446744073709551615})", {"max_lwps: 18446744073709551615 is above the maximum 4194304"}},
    {R"({"quota": "20"})", {R"(quota: "20" is not an integer (write 20 without quotes))"}},
    {R"({"cpu_cap": -1})", {"cpu_cap: -1 is below the minimum 0"}},
    {R"({"max_swap": 100})", {"max_swap: 100 is below the minimum 256"}},
    {R"({"max_physical_memory": 512, "max_locked_memory": 1024})",
     {"max_locked_memory: 1024 is above max_physical_memory (512)"}},
    {R"({"max_physical_memory": 512, "max_swap": 300})", {"max_swap: 300 is below max_physical_memory (512)"}},
    {R"({"autoboot": "true"})", {R"(autoboot: "true" is not a boolean (write true without quotes))"}},
    {R"({"autoboot": "no"})", {R"(autoboot: "no" is not a boolean (write false without quotes))"}},
    {R"({"restart_init": 1})", {"restart_init: 1 is not a boolean"}},
    {R"({"brand": "kvm"})", {R"(brand: "kvm" is not supported: zonekit runs OS containers, not hardware VMs)"}},
    {R"({"brand": "bhyve"})", {R"(brand: "bhyve" is not supported: zonekit runs OS containers, not hardware VMs)"}},
    {R"({"brand": "solaris10"})", {R"(brand: "solaris10" is not one of sparse or image)"}},
    {R"({"brand": "joyent"})", {R"(image_uuid: is required for brand "joyent")"}},
    {R"({"brand": "sparse", "image_uuid": "47e6af92-daf0-11e0-ac11-473ca1173ab0"})",
     {R"(image_uuid: is not used by brand "sparse" (use brand "image", or remove image_uuid))"}},
    {R"({"image_uuid": "47e6af92-daf0-11e0-ac11"})",
     {R"(image_uuid: "47e6af92-daf0-11e0-ac11" is not a UUID)"}},
    {R"({"uuid": 42})", {"uuid: 42 is not a string"}},
    {R"({"alias": "-web"})", {R"(alias: "-web" must not start with '-')"}},
    {R"({"alias": "web 01"})", {R"(alias: "web 01" may contain only A-Z, a-z, 0-9, '.', '_' and '-')"}},
    {R"({"alias": "6f1c5b22-0c3e-4e0a-9d57-3d0f3a1c2b4e"})",
     {R"(alias: "6f1c5b22-0c3e-4e0a-9d57-3d0f3a1c2b4e" looks like a UUID, which an alias must not)"}},
    {R"({"alias": ""})", {"alias: must not be empty"}},
    {R"({"alias": ")" + std::string(65, 'a') + R"("})",
     {R"(alias: ")" + std::string(65, 'a') + R"(" is longer than 64 characters)"}},
    {R"({"alias": "a\u0000b"})", {R"(alias: "a\u0000b" contains a NUL character)"}},
    {R"({"hostname": "web\n01"})", {R"(hostname: "web\n01" contains a line break)"}},
    {R"({"hostname": "web\u001b[31m"})", {R"(hostname: "web\u001b[31m" contains a control character)"}},
    {R"({"filesystems": [{"source": "/srv\tx", "target": "/srv"}]})",
     {R"(filesystems[0].source: "/srv\tx" contains a control character)"}},
    {R"({"tags": {"a\u001bb": 1}})", {R"(tags["a\u001bb"]: keys must be 1 to 128 characters on one line)"}},
    {R"({"max_physical_memory": "99999999999999999999999M"})",
     {R"(max_physical_memory: "99999999999999999999999M" is not an integer)"}},
    {R"({"hostname": "-web"})", {R"(hostname: "-web" is not a valid host name (RFC 1123))"}},
    {R"({"hostname": "web_01"})", {R"(hostname: "web_01" is not a valid host name (RFC 1123))"}},
    {R"({"hostname": ")" + std::string(40, 'a') + "." + std::string(30, 'b') + R"("})",
     {R"(hostname: ")" + std::string(40, 'a') + "." + std::string(30, 'b') + R"(" is longer than 64 characters)"}},
    {R"({"dns_domain": ")" + std::string(64, 'x') + R"(.com"})",
     {R"(dns_domain: ")" + std::string(64, 'x') + R"(.com" is not a valid domain name (RFC 1123))"}},
    {R"({"resolvers": "8.8.8.8"})", {R"(resolvers: "8.8.8.8" is not a list)"}},
    {R"({"resolvers": ["8.8.8.8", "1.1.1.999"]})", {R"(resolvers[1]: "1.1.1.999" is not an IPv4 or IPv6 address)"}},
    {R"({"resolvers": ["8.8.08.8"]})", {R"(resolvers[0]: "8.8.08.8" is not an IPv4 or IPv6 address)"}},
    {R"({"resolvers": ["8.8.8.8", "8.8.8.8"]})", {R"(resolvers[1]: "8.8.8.8" repeats resolvers[0])"}},
    {R"({"routes": {"10.0.0.0/33": "10.0.0.1"}})",
     {R"(routes["10.0.0.0/33"]: "10.0.0.0/33" is not an IPv4 or IPv6 address or CIDR)"}},
    {R"({"routes": {"10.1.0.0/16": "gw"}})", {R"(routes["10.1.0.0/16"]: "gw" is not a gateway address or nics[N])"}},
    {R"({"nics": [{"nic_tag": "demo"}], "routes": {"10.1.0.0/16": "nics[2]"}})",
     {R"(routes["10.1.0.0/16"]: "nics[2]" names a nic that does not exist)"}},
    {R"({"init_name": "sbin/init"})", {R"(init_name: "sbin/init" must start with the absolute path of a program)"}},
    {R"({"init_name": "/sbin/../bin/sh -c x"})", {R"(init_name: "/sbin/../bin/sh -c x" must not contain "..")"}},
    {R"({"init_name": "/bin/sh -c 'echo a b'"})",
     {R"(init_name: "/bin/sh -c 'echo a b'" is split on blanks without quoting; give it as a list instead, e.g. ["/bin/sh","-c","echo a b"])"}},
    {R"({"init_name": "/bin/echo a\\ b"})",
     {R"(init_name: "/bin/echo a\\ b" is split on blanks without quoting; give it as a list instead, e.g. ["/bin/echo","a\\ b"])"}},
    {R"({"init_name": []})", {R"(init_name: must not be empty (give at least the program's absolute path))"}},
    {R"({"init_name": ["sh", "-c", "x"]})", {R"(init_name[0]: "sh" is not the absolute path of a program)"}},
    {R"({"init_name": ["/bin/sh", 1]})", {R"(init_name[1]: 1 is not a string)"}},
    {R"({"tags": {"a": {"b": 1}}})", {R"(tags.a: {"b":1} is not a string, number or boolean)"}},
    {R"({"customer_metadata": "x"})", {R"(customer_metadata: "x" is not an object)"}},
    {R"({"internal_metadata": {"": "x"}})", {R"(internal_metadata[""]: keys must be 1 to 128 characters on one line)"}},
    // nics
    {R"({"nics": {}})", {"nics: {} is not a list"}},
    {R"({"nics": ["x"]})", {R"(nics[0]: "x" is not an object)"}},
    {R"({"nics": [{"ips": ["10.0.0.5/24"]}]})", {"nics[0].nic_tag: is required"}},
    {R"({"nics": [{"nic_tag": "demo", "ipz": []}]})", {R"(nics[0].ipz: unknown property (did you mean "ips"?))"}},
    {R"({"nics": [{"nic_tag": "demo", "ips": ["10.0.0.300/24"]}]})",
     {R"(nics[0].ips[0]: "10.0.0.300/24" is not an IPv4 or IPv6 CIDR)"}},
    {R"({"nics": [{"nic_tag": "demo", "ips": ["10.0.0.5"]}]})",
     {R"(nics[0].ips[0]: "10.0.0.5" is not an IPv4 or IPv6 CIDR (the /prefix is missing))"}},
    {R"({"nics": [{"nic_tag": "demo", "ips": ["10.0.0.5/33"]}]})",
     {R"(nics[0].ips[0]: "10.0.0.5/33" is not an IPv4 or IPv6 CIDR)"}},
    {R"({"nics": [{"nic_tag": "demo", "ips": ["10.0.0.05/24"]}]})",
     {R"(nics[0].ips[0]: "10.0.0.05/24" is not an IPv4 or IPv6 CIDR)"}},
    {R"({"nics": [{"nic_tag": "demo", "ips": ["10.0.0.5/024"]}]})",
     {R"(nics[0].ips[0]: "10.0.0.5/024" is not an IPv4 or IPv6 CIDR)"}},
    {R"({"nics": [{"nic_tag": "demo", "ips": ["fd00::5/129"]}]})",
     {R"(nics[0].ips[0]: "fd00::5/129" is not an IPv4 or IPv6 CIDR)"}},
    {R"({"nics": [{"nic_tag": "demo", "ips": ["fd00::5%eth0/64"]}]})",
     {R"(nics[0].ips[0]: "fd00::5%eth0/64" is not an IPv4 or IPv6 CIDR)"}},
    {R"({"nics": [{"nic_tag": "demo", "ips": ["dhcp"]}]})",
     {R"(nics[0].ips[0]: "dhcp" is not supported: zonekit has no DHCP; omit ips to allocate an address from the nic tag's pool)"}},
    {R"({"nics": [{"nic_tag": "demo", "ips": ["addrconf"]}]})",
     {R"(nics[0].ips[0]: "addrconf" is not supported: zonekit configures addresses statically; omit ips to allocate one from the nic tag's pool)"}},
    {R"({"nics": [{"nic_tag": "demo", "ips": []}]})", {"nics[0].ips: must have at least 1 entry"}},
    {R"({"nics": [{"nic_tag": "demo", "ips": ["fd00::5/64", "fd00::5/48"]}]})",
     {R"(nics[0].ips[1]: "fd00::5/48" repeats nics[0].ips[0])"}},
    {R"({"nics": [{"nic_tag": "demo", "mac": "zz:00:00:00:00:00"}]})",
     {R"(nics[0].mac: "zz:00:00:00:00:00" is not a MAC address)"}},
    {R"({"nics": [{"nic_tag": "demo", "mac": "02:00:00:00:00"}]})",
     {R"(nics[0].mac: "02:00:00:00:00" is not a MAC address)"}},
    {R"({"nics": [{"nic_tag": "demo", "mac": "01:00:5e:00:00:01"}]})",
     {R"(nics[0].mac: "01:00:5e:00:00:01" is a multicast MAC address)"}},
    {R"({"nics": [{"nic_tag": "demo", "ip": "10.0.0.5", "netmask": "255.255.255.0"},
                  {"nic_tag": "demo", "ip": "10.0.0.300", "netmask": "255.255.255.0"}]})",
     {R"(nics[1].ip: "10.0.0.300" is not an IPv4 address)"}},
    {R"({"nics": [{"nic_tag": "demo", "ip": "dhcp"}]})",
     {R"(nics[0].ip: "dhcp" is not supported: zonekit has no DHCP; omit ips to allocate an address from the nic tag's pool)",
      "nics[0].netmask: is required with ip"}},
    {R"({"nics": [{"nic_tag": "demo", "ip": "10.0.0.5"}]})", {"nics[0].netmask: is required with ip"}},
    {R"({"nics": [{"nic_tag": "demo", "ip": "10.0.0.5", "netmask": "255.255.255.0", "ips": ["10.0.0.6/24"]}]})",
     {"nics[0].ip: cannot be combined with ips"}},
    {R"({"nics": [{"nic_tag": "demo", "ip": "10.0.0.5", "netmask": "255.0.255.0"}]})",
     {R"(nics[0].netmask: "255.0.255.0" is not an IPv4 netmask)"}},
    {R"({"nics": [{"nic_tag": "demo", "gateway": "10.0.0.1", "gateways": ["10.0.0.1"]}]})",
     {"nics[0].gateway: cannot be combined with gateways"}},
    {R"({"nics": [{"nic_tag": "demo", "gateways": ["10.0.0.1/24"]}]})",
     {R"(nics[0].gateways[0]: "10.0.0.1/24" is not an IPv4 or IPv6 address)"}},
    {R"({"nics": [{"nic_tag": "demo", "primary": true}, {"nic_tag": "demo", "primary": true}]})",
     {"nics[1].primary: only one nic may be primary (nics[0] is too)"}},
    {R"({"nics": [{"nic_tag": "demo", "mac": "02:00:00:00:00:01"}, {"nic_tag": "demo", "mac": "02:00:00:00:00:01"}]})",
     {R"(nics[1].mac: "02:00:00:00:00:01" is also used by nics[0])"}},
    {R"({"nics": [{"nic_tag": "demo", "ips": ["10.0.0.5/24"]}, {"nic_tag": "demo", "ips": ["10.0.0.5/16"]}]})",
     {R"(nics[1].ips[0]: "10.0.0.5/16" is also used by nics[0])"}},
    {R"({"nics": [{"nic_tag": "demo", "interface": "net0"}, {"nic_tag": "demo", "interface": "net0"}]})",
     {R"(nics[1].interface: "net0" is also used by nics[0])"}},
    {R"({"nics": [{"nic_tag": "demo", "interface": "eth0"}]})",
     {R"(nics[0].interface: "eth0" is not an interface name (net0 to net99))"}},
    {R"({"nics": [{"nic_tag": "demo", "mtu": 100}]})", {"nics[0].mtu: 100 is below the minimum 576"}},
    {R"({"nics": [{"nic_tag": "demo", "vlan_id": 4095}]})", {"nics[0].vlan_id: 4095 is above the maximum 4094"}},
    {R"({"nics": [{"nic_tag": "de mo"}]})",
     {R"(nics[0].nic_tag: "de mo" is not a valid name (use A-Z, a-z, 0-9, '.', '_' and '-'))"}},
    {R"({"nics": [{"nic_tag": "demo", "allowed_ips": ["10.0.0.0/40"]}]})",
     {R"(nics[0].allowed_ips[0]: "10.0.0.0/40" is not an IPv4 or IPv6 address or CIDR)"}},
    {R"({"nics": [{"nic_tag": "demo", "allow_ip_spoofing": "yes"}]})",
     {R"(nics[0].allow_ip_spoofing: "yes" is not a boolean (write true without quotes))"}},
    // filesystems
    {R"({"filesystems": [{"source": "/srv", "target": "/proc/foo"}]})",
     {R"(filesystems[0].target: "/proc/foo" is under /proc, which zonekit manages)"}},
    {R"({"filesystems": [{"source": "/srv", "target": "//dev//pts/"}]})",
     {R"(filesystems[0].target: "//dev//pts/" is under /dev, which zonekit manages)"}},
    {R"({"filesystems": [{"source": "/srv", "target": "/sys"}]})",
     {R"(filesystems[0].target: "/sys" is under /sys, which zonekit manages)"}},
    {R"({"filesystems": [{"source": "/srv", "target": "/."}]})",
     {R"(filesystems[0].target: "/." cannot be a mount target)"}},
    {R"({"filesystems": [{"source": "/srv", "target": "/srv/../etc"}]})",
     {R"(filesystems[0].target: "/srv/../etc" must not contain "..")"}},
    {R"({"filesystems": [{"source": "relative/dir", "target": "/srv"}]})",
     {R"(filesystems[0].source: "relative/dir" is not an absolute path)"}},
    {R"({"filesystems": [{"target": "/srv"}]})", {"filesystems[0].source: is required"}},
    {R"({"filesystems": [{"type": "nfs", "source": "/srv", "target": "/srv"}]})",
     {R"(filesystems[0].type: "nfs" is not lofs)"}},
    {R"({"filesystems": [{"source": "/srv", "target": "/srv", "options": ["ro", "rw"]}]})",
     {R"(filesystems[0].options: "ro" and "rw" cannot both be given)"}},
    {R"({"filesystems": [{"source": "/srv", "target": "/srv", "options": ["suid"]}]})",
     {R"(filesystems[0].options[0]: "suid" is not one of ro, rw, nodevice, nosuid or noexec)"}},
    {R"({"filesystems": [{"source": "/a", "target": "/srv"}, {"source": "/b", "target": "/srv/"}]})",
     {R"(filesystems[1].target: "/srv/" is also used by filesystems[0])"}},
    // read-only values are still type-checked
    {R"({"pid": -1})", {"pid: -1 is below the minimum 0"}},
    {R"([1, 2])", {"the manifest must be an object, not a list"}},
    {R"("web")", {"the manifest must be an object, not a string"}},
};

}  // namespace

TEST_CASE("bad create payloads give exact messages naming path and value") {
  CHECK(kBadCreates.size() >= 40);
  for (const auto& c : kBadCreates) {
    CAPTURE(c.doc);
    CHECK(create_errors(c.doc) == c.expect);
  }
}

TEST_CASE("good create payloads have no errors") {
  for (const char* doc : {
           R"({})",
           R"({"brand": "joyent", "image_uuid": "47e6af92-daf0-11e0-ac11-473ca1173ab0"})",
           R"({"brand": "lx", "image_uuid": "47E6AF92-DAF0-11E0-AC11-473CA1173AB0"})",
           R"({"alias": "web.01_a-b", "hostname": "web01.example.com", "max_physical_memory": 1})",
           R"({"nics": [{"nic_tag": "demo", "ips": ["10.0.0.5/24", "fd00::5/64"], "gateways": ["10.0.0.1", "fd00::1"],
                        "mac": "02:AB:cd:00:00:01", "mtu": 9000, "vlan_id": 4094}]})",
           R"({"nics": [{"nic_tag": "demo", "ip": "10.0.0.5", "netmask": "255.255.255.0", "gateway": "10.0.0.1"}]})",
           R"({"nics": [{"nic_tag": "demo"}], "routes": {"10.1.0.0/16": "nics[0]", "192.0.2.7": "10.0.0.1"}})",
           R"({"filesystems": [{"type": "bind", "source": "/usr/share/doc", "target": "/srv/doc", "options": ["ro", "nodev"]}]})",
           R"({"tags": {"env": "prod", "n": 3, "on": true}, "customer_metadata": {"user-script": "#!/bin/sh\necho hi\n"}})",
           R"({"cpu_cap": null, "init_name": "/sbin/init --log-level=debug"})",
           // What `zoneadm get` prints: read-only properties re-validate.
           R"({"uuid": "6f1c5b22-0c3e-4e0a-9d57-3d0f3a1c2b4e", "state": "running", "zone_state": "running",
               "zonepath": "/var/lib/zonekit/zones/6f1c5b22-0c3e-4e0a-9d57-3d0f3a1c2b4e", "pid": 4242,
               "create_timestamp": "2026-11-28T08:00:00Z", "last_modified": "2026-11-28T08:00:00Z",
               "boot_timestamp": "2026-11-28T08:00:01Z", "exit_status": -1, "uid_base": 100000})",
       }) {
    CAPTURE(doc);
    CHECK(create_errors(doc).empty());
  }
}

TEST_CASE("every problem is collected, in a stable order") {
  auto errs = create_errors(R"({
    "alias": "-x", "max_physical_memory": 0, "brand": "kvm", "bogus": 1,
    "nics": [{"ips": ["10.0.0.300/24"], "mac": "zz:00:00:00:00:00"}, {"nic_tag": "a", "mtu": 10}],
    "filesystems": [{"source": "/a", "target": "/proc"}]})");
  CHECK(errs == std::vector<std::string>{
                    R"(alias: "-x" must not start with '-')",
                    R"(brand: "kvm" is not supported: zonekit runs OS containers, not hardware VMs)",
                    "max_physical_memory: 0 is below the minimum 1",
                    R"(nics[0].ips[0]: "10.0.0.300/24" is not an IPv4 or IPv6 CIDR)",
                    R"(nics[0].mac: "zz:00:00:00:00:00" is not a MAC address)",
                    "nics[0].nic_tag: is required",
                    "nics[1].mtu: 10 is below the minimum 576",
                    "bogus: unknown property",
                    R"(filesystems[0].target: "/proc" is under /proc, which zonekit manages)",
                });
}

TEST_CASE("normalize_create materialises vmadm's defaults") {
  json out = normalize_create(json::object());
  CHECK(out == json::parse(R"({
    "autoboot": false, "brand": "sparse", "cpu_shares": 100, "dns_domain": "local",
    "max_locked_memory": 256, "max_lwps": 2000, "max_physical_memory": 256, "max_swap": 256,
    "restart_init": true, "tmpfs": 256, "zfs_io_priority": 100})"));

  json small = normalize_create(json::parse(R"({"max_physical_memory": 128})"));
  CHECK(small["max_locked_memory"] == 128);
  CHECK(small["max_swap"] == 256);  // never below its minimum
  CHECK(small["tmpfs"] == 128);

  json big = normalize_create(json::parse(R"({"max_physical_memory": 4096, "max_swap": 8192, "tmpfs": 0})"));
  CHECK(big["max_locked_memory"] == 4096);
  CHECK(big["max_swap"] == 8192);
  CHECK(big["tmpfs"] == 0);
}

TEST_CASE("normalize_create rewrites deprecated and alias forms") {
  json in = json::parse(R"({
    "brand": "joyent", "image_uuid": "47E6AF92-DAF0-11E0-AC11-473CA1173AB0", "alias": "zone70",
    "uuid": "6F1C5B22-0C3E-4E0A-9D57-3D0F3A1C2B4E", "state": "running", "uid_base": 5, "cpu_cap": null,
    "nics": [
      {"nic_tag": "external", "ip": "10.2.121.70", "netmask": "255.255.0.0", "gateway": "10.2.121.1",
       "mac": "02:AB:CD:EF:00:01", "interface": "net1"},
      {"nic_tag": "external", "ips": ["fd00::7/64"]},
      {"nic_tag": "internal"}
    ],
    "filesystems": [{"type": "bind", "source": "/usr/share/doc", "target": "//srv/./doc/", "options": ["nodev", "ro"]}]
  })");
  REQUIRE(validate_create(in).empty());
  json out = normalize_create(in);
  CHECK(out["brand"] == "image");
  CHECK(out["image_uuid"] == "47e6af92-daf0-11e0-ac11-473ca1173ab0");
  CHECK(out["uuid"] == "6f1c5b22-0c3e-4e0a-9d57-3d0f3a1c2b4e");
  CHECK(out["hostname"] == "zone70");
  CHECK_FALSE(out.contains("state"));
  CHECK_FALSE(out.contains("uid_base"));
  CHECK_FALSE(out.contains("cpu_cap"));
  CHECK(out["nics"][0] == json::parse(R"({
    "nic_tag": "external", "ips": ["10.2.121.70/16"], "gateways": ["10.2.121.1"], "mac": "02:ab:cd:ef:00:01",
    "interface": "net1", "primary": true, "vlan_id": 0,
    "allow_ip_spoofing": false, "allow_mac_spoofing": false, "allow_dhcp_spoofing": false})"));
  CHECK(out["nics"][1]["interface"] == "net0");
  CHECK(out["nics"][1]["primary"] == false);
  CHECK(out["nics"][2]["interface"] == "net2");
  CHECK_FALSE(out["nics"][2].contains("ips"));  // the store allocates
  CHECK_FALSE(out["nics"][2].contains("mac"));
  CHECK(out["filesystems"][0] == json::parse(R"({
    "type": "lofs", "source": "/usr/share/doc", "target": "/srv/doc", "options": ["nodevice", "ro"]})"));
  // A normalised manifest validates and normalises to itself.
  CHECK(validate_create(out).empty());
  CHECK(normalize_create(out) == out);
}

TEST_CASE("brand follows image_uuid and the primary nic is kept") {
  json out = normalize_create(json::parse(R"({"image_uuid": "47e6af92-daf0-11e0-ac11-473ca1173ab0",
    "nics": [{"nic_tag": "a"}, {"nic_tag": "b", "primary": true}]})"));
  CHECK(out["brand"] == "image");
  CHECK(out["nics"][0]["primary"] == false);
  CHECK(out["nics"][1]["primary"] == true);
  CHECK(normalize_create(json::object())["brand"] == "sparse");
}

TEST_CASE("default_hostname: alias when it is a host name, else uuid") {
  CHECK(default_hostname(json::parse(R"({"alias": "web01", "uuid": "6f1c5b22-0c3e-4e0a-9d57-3d0f3a1c2b4e"})")) == "web01");
  CHECK(default_hostname(json::parse(R"({"alias": "web_01", "uuid": "6f1c5b22-0c3e-4e0a-9d57-3d0f3a1c2b4e"})")) ==
        "6f1c5b22-0c3e-4e0a-9d57-3d0f3a1c2b4e");
  CHECK(default_hostname(json::parse(R"({"alias": "web_01"})")) == "");
  CHECK_FALSE(normalize_create(json::parse(R"({"alias": "web_01"})")).contains("hostname"));
}

// ------------------------------------------------------------------ updates

namespace {
json stored_zone() {
  json doc = normalize_create(json::parse(R"({
    "uuid": "6f1c5b22-0c3e-4e0a-9d57-3d0f3a1c2b4e", "alias": "web01", "max_physical_memory": 512,
    "tags": {"env": "prod", "tier": "web"},
    "nics": [{"nic_tag": "demo", "mac": "02:00:00:00:00:01", "ips": ["10.0.0.5/24"], "gateways": ["10.0.0.1"]}],
    "filesystems": [{"source": "/usr/share/doc", "target": "/srv/doc", "options": ["ro"]}]})"));
  doc["uid_base"] = 100000;
  doc["create_timestamp"] = "2026-11-28T08:00:00Z";
  return doc;
}
std::vector<std::string> update_errors(const std::string& payload) {
  return strs(validate_update(stored_zone(), json::parse(payload)));
}
}  // namespace

TEST_CASE("bad update payloads give exact messages") {
  const std::vector<Case> cases = {
      {R"({"brand": "image"})", {"brand: cannot be changed after create"}},
      {R"({"uuid": "6f1c5b22-0c3e-4e0a-9d57-3d0f3a1c2b4f"})", {"uuid: cannot be changed after create"}},
      {R"({"state": "running"})", {"state: is read-only (zonekit sets it)"}},
      {R"({"max_phisical_memory": 1024})",
       {R"(max_phisical_memory: unknown property (did you mean "max_physical_memory"?))"}},
      {R"({"set_tag": {"a": "b"}})", {R"(set_tag: unknown property (did you mean "set_tags"?))"}},
      {R"({"nics": []})", {"nics: cannot be replaced by an update; use add_nics, update_nics or remove_nics"}},
      {R"({"max_physical_memory": "1G"})",
       {R"(max_physical_memory: "1G" is not an integer (max_physical_memory is in MiB: write 1024))"}},
      {R"({"max_locked_memory": 2048})", {"max_locked_memory: 2048 is above max_physical_memory (512)"}},
      {R"({"set_tags": "x"})", {R"(set_tags: "x" is not an object)"}},
      {R"({"remove_tags": "env"})", {R"(remove_tags: "env" is not a list of keys)"}},
      {R"({"set_routes": {"10.9.0.0/16": "nics[1]"}})", {R"(routes["10.9.0.0/16"]: "nics[1]" names a nic that does not exist)"}},
      {R"({"update_nics": [{"ips": ["10.0.0.6/24"]}]})", {"update_nics[0].mac: is required (it names the nic to update)"}},
      {R"({"update_nics": [{"mac": "02:00:00:00:00:99", "mtu": 1400}]})",
       {R"(update_nics[0].mac: no nic has mac "02:00:00:00:00:99")"}},
      {R"({"update_nics": [{"mac": "02:00:00:00:00:01", "interface": "net5"}]})",
       {"update_nics[0].interface: cannot be changed after create"}},
      {R"({"update_nics": [{"mac": "02:00:00:00:00:01", "ips": ["10.0.0.300/24"]}]})",
       {R"(update_nics[0].ips[0]: "10.0.0.300/24" is not an IPv4 or IPv6 CIDR)"}},
      {R"({"remove_nics": ["02:00:00:00:00:99"]})", {R"(remove_nics[0]: no nic has mac "02:00:00:00:00:99")"}},
      {R"({"remove_nics": ["nope"]})", {R"(remove_nics[0]: "nope" is not a MAC address)"}},
      {R"({"add_nics": [{"ips": ["10.0.0.7/24"]}]})", {"add_nics[0].nic_tag: is required"}},
      {R"({"add_nics": [{"nic_tag": "demo", "mac": "02:00:00:00:00:01"}]})",
       {R"(nics[1].mac: "02:00:00:00:00:01" is also used by nics[0])"}},
      {R"({"add_filesystems": [{"source": "/a", "target": "/dev/x"}]})",
       {R"(filesystems[1].target: "/dev/x" is under /dev, which zonekit manages)"}},
      {R"({"remove_filesystems": ["/srv/nope"]})", {R"(remove_filesystems[0]: no filesystem has target "/srv/nope")"}},
      {R"({"update_filesystems": [{"target": "/srv/doc", "options": ["ro", "rw"]}]})",
       {R"(filesystems[0].options: "ro" and "rw" cannot both be given)"}},
      {R"({"update_nics": [{"mac": "02:00:00:00:00:01", "ip": "10.0.0.9"}]})",
       {"update_nics[0].netmask: is required with ip"}},
      {R"({"add_nics": [{"nic_tag": "demo", "ip": "10.0.0.9", "ips": ["10.0.0.9/24"], "netmask": "255.255.255.0"}]})",
       {"add_nics[0].ip: cannot be combined with ips"}},
      {R"({"hostname": "bad_name"})", {R"(hostname: "bad_name" is not a valid host name (RFC 1123))"}},
      {R"([])", {"the update must be an object"}},
  };
  for (const auto& c : cases) {
    CAPTURE(c.doc);
    CHECK(update_errors(c.doc) == c.expect);
  }
}

TEST_CASE("apply_update: memory-derived limits follow, clamp, and reset") {
  json s = stored_zone();
  json up = apply_update(s, json::parse(R"({"max_physical_memory": 1024})"));
  CHECK(up["max_locked_memory"] == 1024);
  CHECK(up["max_swap"] == 1024);
  CHECK(up["tmpfs"] == 1024);
  CHECK(changed_keys(s, up) ==
        std::vector<std::string>{"max_locked_memory", "max_physical_memory", "max_swap", "tmpfs"});
  CHECK(reboot_keys(changed_keys(s, up)) == std::vector<std::string>{"max_locked_memory", "tmpfs"});

  json pinned = apply_update(s, json::parse(R"({"max_locked_memory": 128, "max_swap": 4096})"));
  json lower = apply_update(pinned, json::parse(R"({"max_physical_memory": 256})"));
  CHECK(lower["max_locked_memory"] == 128);  // explicit value kept
  CHECK(lower["max_swap"] == 4096);
  CHECK(lower["tmpfs"] == 256);  // was at its default: follows
  json higher = apply_update(pinned, json::parse(R"({"max_physical_memory": 8192})"));
  CHECK(higher["max_swap"] == 8192);  // raised to stay >= max_physical_memory
  CHECK(validate_create(higher).empty());

  json renamed = apply_update(s, json::parse(R"({"alias": "web02", "hostname": null})"));
  CHECK(renamed["hostname"] == "web02");  // back to its default
  json reset = apply_update(apply_update(s, json::parse(R"({"max_lwps": 50, "cpu_cap": 200})")),
                            json::parse(R"({"max_lwps": null, "cpu_cap": null})"));
  CHECK(reset["max_lwps"] == 2000);
  CHECK_FALSE(reset.contains("cpu_cap"));
  CHECK(changed_keys(s, reset).empty());
}

TEST_CASE("apply_update: maps, nics and filesystems in vmadm shapes") {
  json s = stored_zone();
  json t = apply_update(s, json::parse(R"({"set_tags": {"tier": "db", "new": 1}, "remove_tags": ["env", "absent"]})"));
  CHECK(t["tags"] == json::parse(R"({"tier": "db", "new": 1})"));
  CHECK(changed_keys(s, t) == std::vector<std::string>{"tags"});
  CHECK_FALSE(needs_reboot(changed_keys(s, t)));

  json n = apply_update(s, json::parse(R"({"add_nics": [{"nic_tag": "back", "ip": "192.168.1.5",
                                                           "netmask": "255.255.255.0"}]})"));
  REQUIRE(n["nics"].size() == 2);
  CHECK(n["nics"][1]["interface"] == "net1");
  CHECK(n["nics"][1]["ips"] == json::array({"192.168.1.5/24"}));
  CHECK_FALSE(n["nics"][1].contains("ip"));
  CHECK(n["nics"][0]["primary"] == true);
  CHECK(n["nics"][1]["primary"] == false);
  CHECK(needs_reboot(changed_keys(s, n)));

  json p = apply_update(n, json::parse(R"({"update_nics": [{"mac": "02:00:00:00:00:01", "ips": ["10.0.0.9/24"]}],
                                           "add_nics": [{"nic_tag": "x", "primary": true}]})"));
  CHECK(p["nics"][0]["ips"] == json::array({"10.0.0.9/24"}));
  CHECK(p["nics"][0]["primary"] == false);
  CHECK(p["nics"][2]["primary"] == true);
  CHECK(p["nics"][2]["interface"] == "net2");

  json old_form = apply_update(s, json::parse(R"({"update_nics": [{"mac": "02:00:00:00:00:01", "ip": "10.0.0.9",
                                                                     "netmask": "255.255.0.0", "gateway": "10.0.0.2"}]})"));
  CHECK(old_form["nics"][0]["ips"] == json::array({"10.0.0.9/16"}));
  CHECK(old_form["nics"][0]["gateways"] == json::array({"10.0.0.2"}));
  CHECK_FALSE(old_form["nics"][0].contains("ip"));

  json r = apply_update(n, json::parse(R"({"remove_nics": ["02:00:00:00:00:01"]})"));
  REQUIRE(r["nics"].size() == 1);
  CHECK(r["nics"][0]["nic_tag"] == "back");
  CHECK(r["nics"][0]["primary"] == true);

  json f = apply_update(s, json::parse(R"({"update_filesystems": [{"target": "/srv/doc/", "options": ["rw"]}],
                                           "add_filesystems": [{"source": "/var/log", "target": "/srv/log", "type": "bind"}]})"));
  CHECK(f["filesystems"][0]["options"] == json::array({"rw"}));
  CHECK(f["filesystems"][1] == json::parse(R"({"source": "/var/log", "target": "/srv/log", "type": "lofs"})"));
  json g = apply_update(f, json::parse(R"({"remove_filesystems": ["/srv/doc"]})"));
  CHECK(g["filesystems"].size() == 1);
  CHECK(validate_update(s, json::parse(R"({"remove_filesystems": ["/srv/doc"]})")).empty());
}

TEST_CASE("an update that changes nothing is detected") {
  json s = stored_zone();
  for (const char* payload : {R"({})", R"({"alias": "web01"})", R"({"max_physical_memory": 512})",
                              R"({"set_tags": {"env": "prod"}})", R"({"remove_tags": ["absent"]})",
                              R"({"update_nics": [{"mac": "02:00:00:00:00:01", "ips": ["10.0.0.5/24"]}]})"}) {
    CAPTURE(payload);
    REQUIRE(validate_update(s, json::parse(payload)).empty());
    CHECK(changed_keys(s, apply_update(s, json::parse(payload))).empty());
  }
}

TEST_CASE("change kinds come from the schema") {
  CHECK(change_kind("max_physical_memory") == Update::Live);
  CHECK(change_kind("alias") == Update::Live);
  CHECK(change_kind("hostname") == Update::NextBoot);
  CHECK(change_kind("nics") == Update::NextBoot);
  CHECK(change_kind("brand") == Update::CreateOnly);
  CHECK(change_kind("last_modified") == Update::ReadOnly);
  CHECK(reboot_keys({"alias", "cpu_cap", "last_modified", "resolvers"}) == std::vector<std::string>{"resolvers"});
}

TEST_CASE("key=value arguments are typed by the schema") {
  json payload;
  std::vector<Diagnostic> errs;
  CHECK(add_assignment(payload, "max_physical_memory=1024", errs));
  CHECK(add_assignment(payload, "autoboot=true", errs));
  CHECK(add_assignment(payload, "resolvers=1.1.1.1,8.8.8.8", errs));
  CHECK(add_assignment(payload, "cpu_cap=null", errs));
  CHECK(add_assignment(payload, "alias=web02", errs));
  CHECK(add_assignment(payload, R"(set_tags={"a": 1})", errs));
  CHECK(add_assignment(payload, "quota=lots", errs));
  CHECK(payload == json::parse(R"({"max_physical_memory": 1024, "autoboot": true, "resolvers": ["1.1.1.1", "8.8.8.8"],
                                   "cpu_cap": null, "alias": "web02", "set_tags": {"a": 1}, "quota": "lots"})"));
  CHECK(errs.empty());
  CHECK(strs(validate_update(stored_zone(), payload)) ==
        std::vector<std::string>{R"(quota: "lots" is not an integer)"});
  CHECK_FALSE(add_assignment(payload, "noequals", errs));
  CHECK_FALSE(add_assignment(payload, "alias=again", errs));
  CHECK_FALSE(add_assignment(payload, "tags={bad", errs));
  CHECK(strs(errs) == std::vector<std::string>{"noequals: expected key=value", "alias: is given twice",
                                               R"(tags: "{bad" is not valid JSON)"});
}

TEST_CASE("MAP.KEY=VALUE sets one key, MAP.KEY= removes it") {
  json payload;
  std::vector<Diagnostic> errs;
  CHECK(add_assignment(payload, "customer_metadata.role=web server", errs));
  CHECK(add_assignment(payload, "customer_metadata.old=", errs));
  CHECK(add_assignment(payload, "tags.prod=true", errs));
  CHECK(add_assignment(payload, "tags.port=8080", errs));
  CHECK(add_assignment(payload, "tags.team=blue", errs));
  CHECK(add_assignment(payload, "internal_metadata.a.b=x=y", errs));
  CHECK(add_assignment(payload, "routes.10.1.0.0/16=10.0.0.254", errs));
  CHECK(errs.empty());
  CHECK(payload == json::parse(R"({"set_customer_metadata": {"role": "web server"}, "remove_customer_metadata": ["old"],
                                   "set_tags": {"prod": true, "port": 8080, "team": "blue"},
                                   "set_internal_metadata": {"a.b": "x=y"},
                                   "set_routes": {"10.1.0.0/16": "10.0.0.254"}})"));
  CHECK_FALSE(add_assignment(payload, "tags.team=red", errs));
  CHECK_FALSE(add_assignment(payload, "customer_metadata.old=back", errs));
  CHECK(strs(errs) == std::vector<std::string>{"tags.team: is given twice", "customer_metadata.old: is given twice"});
  // Not a map: left for validation to name.
  json other;
  std::vector<Diagnostic> errs2;
  CHECK(add_assignment(other, "alias.x=1", errs2));
  CHECK(strs(validate_update(stored_zone(), other)) == std::vector<std::string>{R"(["alias.x"]: unknown property (did you mean "alias"?))"});
  // The dotted forms apply like vmadm's set_ and remove_ members.
  json stored = stored_zone();
  stored["customer_metadata"] = {{"old", "1"}, {"keep", "2"}};
  json p2;
  CHECK(add_assignment(p2, "customer_metadata.old=", errs2));
  CHECK(add_assignment(p2, "customer_metadata.new=3", errs2));
  CHECK(validate_update(stored, p2).empty());
  CHECK(apply_update(stored, p2)["customer_metadata"] == json::parse(R"({"keep": "2", "new": "3"})"));
}

TEST_CASE("export_manifest gives a payload that recreates the zone") {
  json s = stored_zone();
  s["state"] = "running";
  json same = export_manifest(s);
  CHECK_FALSE(same.contains("uid_base"));
  CHECK_FALSE(same.contains("create_timestamp"));
  CHECK_FALSE(same.contains("state"));
  CHECK(same["uuid"] == s["uuid"]);
  CHECK(same["nics"][0]["mac"] == "02:00:00:00:00:01");
  CHECK(validate_create(same).empty());
  CHECK(normalize_create(same) == same);
  json copy = export_manifest(s, false);
  CHECK_FALSE(copy.contains("uuid"));
  CHECK_FALSE(copy["nics"][0].contains("mac"));
  CHECK(copy["nics"][0]["ips"] == json::array({"10.0.0.5/24"}));
}
