#include <doctest/doctest.h>

#include "core/plan/zone_plan.hpp"

using namespace zonekit;
using nlohmann::json;

TEST_CASE("plan_zone maps vmadm properties to kernel settings") {
  json doc = {{"uuid", "12345678-9abc-4def-8123-456789abcdef"},
              {"alias", "web"},
              {"hostname", "web01"},
              {"brand", "sparse"},
              {"uid_base", 1048576},
              {"max_physical_memory", 512},
              {"max_swap", 1024},
              {"max_locked_memory", 128},
              {"max_lwps", 300},
              {"cpu_cap", 150},
              {"cpu_shares", 50},
              {"zfs_io_priority", 10},
              {"tmpfs", 64},
              {"init_name", "/bin/sh -c sleep"},
              {"filesystems", json::array({{{"type", "lofs"}, {"source", "/srv"}, {"target", "/data"},
                                            {"options", json::array({"ro"})}}})},
              {"nics", json::array({{{"interface", "net0"}, {"nic_tag", "lan"}, {"mac", "02:aa:bb:cc:dd:ee"},
                                     {"ips", json::array({"10.0.0.5/24"})}, {"gateways", json::array({"10.0.0.1"})},
                                     {"primary", true}, {"mtu", 1400}}})},
              {"resolvers", json::array({"10.0.0.1"})}};
  HostFacts facts;
  facts.zone_dir = "/z";
  facts.run_dir = "/r";
  facts.cgroup_parent = "zonekit";
  facts.tag_bridges = {{"lan", "zkbr0"}};
  auto spec = plan_zone(doc, facts);
  REQUIRE(spec);
  CHECK(spec->name == "web");
  CHECK(spec->hostname == "web01");
  CHECK(spec->cgroup_path == "zonekit/12345678-9abc-4def-8123-456789abcdef");
  CHECK(spec->ids.host_base == 1048576);
  CHECK(spec->limits.memory_bytes == 512ull << 20);
  CHECK(spec->limits.swap_bytes == 1024ull << 20);
  CHECK(spec->limits.locked_bytes == 128ull << 20);
  CHECK(spec->limits.pids_max == 300);
  CHECK(spec->limits.cpu_cap_percent == 150);
  CHECK(spec->limits.cpu_shares == 50);
  CHECK(spec->limits.io_priority == 10);
  CHECK(spec->tmpfs_bytes == 64ull << 20);
  CHECK(spec->init_argv == std::vector<std::string>{"/bin/sh", "-c", "sleep"});
  json argv_form = doc;
  argv_form["init_name"] = json::array({"/bin/sh", "-c", "sleep 5; echo 'done'"});
  auto spec2 = plan_zone(argv_form, facts);
  REQUIRE(spec2);
  CHECK(spec2->init_argv == std::vector<std::string>{"/bin/sh", "-c", "sleep 5; echo 'done'"});
  REQUIRE(spec->filesystems.size() == 1);
  CHECK(spec->filesystems[0].read_only);
  CHECK(spec->filesystems[0].nodev);
  CHECK(spec->filesystems[0].nosuid);
  REQUIRE(spec->nics.size() == 1);
  CHECK(spec->nics[0].host_ifname == "zk123456789an0");
  CHECK(spec->nics[0].bridge == "zkbr0");
  CHECK(spec->nics[0].mtu == 1400);
  CHECK(spec->nics[0].primary);
  CHECK(json(*spec)["nics"][0]["ips"] == json::array({"10.0.0.5/24"}));
  ZoneSpec round = json(*spec).get<ZoneSpec>();
  CHECK(json(round) == json(*spec));
}

TEST_CASE("plan_zone refuses a nic on an unknown tag") {
  json doc = {{"uuid", "12345678-9abc-4def-8123-456789abcdef"}, {"uid_base", 1},
              {"nics", json::array({{{"nic_tag", "wan"}}})}};
  auto spec = plan_zone(doc, HostFacts{});
  REQUIRE_FALSE(spec);
  CHECK(spec.error().message() == "nics[0].nic_tag: \"wan\" is not a nic tag on this host");
}
