#include <doctest/doctest.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <set>

#include "core/store/alloc.hpp"
#include "core/store/id_ranges.hpp"
#include "core/store/store.hpp"
#include "core/sys/fs.hpp"

using namespace zonekit;
using nlohmann::json;

namespace {

struct TempStore {
  std::string dir;
  store::Paths paths;
  explicit TempStore(const std::string& config = "") {
    char tmpl[] = "/tmp/zk-store-XXXXXX";
    REQUIRE(mkdtemp(tmpl));
    dir = tmpl;
    paths.root = dir + "/root";
    paths.run = dir + "/run";
    paths.config = dir + "/zonekit.toml";
    std::string cfg = config.empty() ? R"([nic_tags.lan]
bridge = "zkbr0"
subnet = "10.9.0.0/24"
gateway = "10.9.0.1"
range = "10.9.0.10-10.9.0.12"
)"
                                     : config;
    REQUIRE(fs::write_file_atomic(paths.config, cfg));
  }
  ~TempStore() { (void)fs::remove_tree(dir); }
  store::Store open() {
    auto s = store::Store::open(paths);
    REQUIRE(s);
    return std::move(*s);
  }
};

json zone(const std::string& alias) {
  return {{"alias", alias}, {"brand", "sparse"}, {"nics", json::array({{{"nic_tag", "lan"}, {"interface", "net0"}}})}};
}

}  // namespace

TEST_CASE("create allocates distinct IPs, MACs and id ranges from the pool, then runs out") {
  TempStore t;
  auto st = t.open();
  std::set<std::string> ips, macs;
  std::set<uint32_t> bases;
  for (const char* a : {"a", "b", "c"}) {
    auto doc = st.create(zone(a));
    REQUIRE(doc);
    ips.insert((*doc)["nics"][0]["ips"][0]);
    macs.insert((*doc)["nics"][0]["mac"]);
    bases.insert((*doc)["uid_base"].get<uint32_t>());
    CHECK((*doc)["nics"][0]["gateways"] == json::array({"10.9.0.1"}));
  }
  CHECK(ips == std::set<std::string>{"10.9.0.10/24", "10.9.0.11/24", "10.9.0.12/24"});
  CHECK(macs.size() == 3);
  CHECK(bases == std::set<uint32_t>{0x70000000u, 0x70000000u + 65536, 0x70000000u + 2 * 65536});
  auto full = st.create(zone("d"));
  REQUIRE_FALSE(full);
  CHECK(full.error().message() == "nics[0]: nic tag lan has no free address left in 10.9.0.10-10.9.0.12");
  CHECK(st.list()->size() == 3);
}

TEST_CASE("given identity is checked against the pool and every other zone") {
  TempStore t;
  auto st = t.open();
  json a = zone("a");
  a["nics"][0]["ips"] = json::array({"10.9.0.50/24"});
  a["nics"][0]["mac"] = "02:00:00:00:00:01";
  REQUIRE(st.create(a));

  json dup_ip = zone("b");
  dup_ip["nics"][0]["ips"] = json::array({"10.9.0.50/24"});
  CHECK(st.create(dup_ip).error().message() == "nics[0].ips[0]: 10.9.0.50 is already used by zone a (nics[0])");

  json dup_mac = zone("b");
  dup_mac["nics"][0]["mac"] = "02:00:00:00:00:01";
  CHECK(st.create(dup_mac).error().message() ==
        "nics[0].mac: \"02:00:00:00:00:01\" is already used by zone a (nics[0])");

  json outside = zone("b");
  outside["nics"][0]["ips"] = json::array({"10.8.0.5/24"});
  CHECK(st.create(outside).error().message() ==
        "nics[0].ips[0]: 10.8.0.5 is outside nic tag lan's subnet 10.9.0.0/24");

  json gw = zone("b");
  gw["nics"][0]["ips"] = json::array({"10.9.0.1/24"});
  CHECK(st.create(gw).error().message() == "nics[0].ips[0]: 10.9.0.1 is the gateway of nic tag lan");

  CHECK(st.create(zone("a")).error().message() == "alias: \"a\" is already used by zone a");

  json notag = zone("b");
  notag["nics"][0]["nic_tag"] = "wan";
  CHECK(st.create(notag).error().message() == "nics[0].nic_tag: \"wan\" is not a nic tag on this host (known: lan)");
  CHECK(st.list()->size() == 1);
}

TEST_CASE("resolve by alias, uuid and unique uuid prefix") {
  TempStore t;
  auto st = t.open();
  json a = {{"alias", "web"}, {"uuid", "aaaaaaaa-0000-4000-8000-000000000001"}};
  json b = {{"alias", "db"}, {"uuid", "aaaaaaab-0000-4000-8000-000000000002"}};
  REQUIRE(st.create(a));
  REQUIRE(st.create(b));
  CHECK(*st.resolve("web") == "aaaaaaaa-0000-4000-8000-000000000001");
  CHECK(*st.resolve("aaaaaaab-0000-4000-8000-000000000002") == "aaaaaaab-0000-4000-8000-000000000002");
  CHECK(*st.resolve("aaaaaaab") == "aaaaaaab-0000-4000-8000-000000000002");
  auto amb = st.resolve("aaaa");
  REQUIRE_FALSE(amb);
  CHECK(amb.error().kind == ErrorKind::Invalid);
  CHECK(amb.error().message() ==
        "aaaa: ambiguous zone name, matches aaaaaaaa-0000-4000-8000-000000000001, "
        "aaaaaaab-0000-4000-8000-000000000002");
  auto none = st.resolve("nope");
  CHECK(none.error().kind == ErrorKind::NotFound);
  CHECK(none.error().message() == "nope: No such zone");
}

TEST_CASE("a corrupt zone record affects only that zone") {
  TempStore t;
  auto st = t.open();
  auto good = st.create(zone("good"));
  REQUIRE(good);
  std::string bad_uuid = "bbbbbbbb-0000-4000-8000-000000000009";
  REQUIRE(fs::mkdir_p(t.paths.zone_dir(bad_uuid)));
  REQUIRE(fs::write_file_atomic(t.paths.zone_file(bad_uuid), "{\"uuid\": \"bbbb"));
  auto all = st.list();
  REQUIRE(all);
  REQUIRE(all->size() == 2);
  CHECK(*st.resolve("good") == (*good)["uuid"].get<std::string>());
  auto bad = st.load(bad_uuid);
  REQUIRE_FALSE(bad);
  CHECK(bad.error().message() == "zone " + bad_uuid + ": " + t.paths.zone_file(bad_uuid) +
                                     ": not a JSON object (corrupt zone record)");
  // A symlinked record is refused, not followed.
  std::string link_uuid = "cccccccc-0000-4000-8000-000000000009";
  REQUIRE(fs::mkdir_p(t.paths.zone_dir(link_uuid)));
  REQUIRE(symlink(t.paths.zone_file((*good)["uuid"]).c_str(), t.paths.zone_file(link_uuid).c_str()) == 0);
  CHECK_FALSE(st.load(link_uuid));
  // New identity is refused while a record cannot be read (it may hold IPs).
  CHECK_FALSE(st.create(zone("other")));
}

TEST_CASE("remove deletes the zone in one step; leftovers of killed creates are swept") {
  TempStore t;
  auto st = t.open();
  auto z = st.create(zone("a"));
  REQUIRE(z);
  std::string uuid = (*z)["uuid"];
  REQUIRE(fs::mkdir_p(t.paths.zones_dir() + "/.new-dead"));
  REQUIRE(st.remove(uuid));
  CHECK_FALSE(fs::exists(t.paths.zone_dir(uuid)));
  CHECK(st.list()->empty());
  REQUIRE(st.create(zone("a")));  // the name is free again, and sweeping ran
  CHECK_FALSE(fs::exists(t.paths.zones_dir() + "/.new-dead"));
}

TEST_CASE("config errors name the file and the problem") {
  auto bad = store::parse_config("[nic_tags.x]\nbridge = \"br0\"\nsubnet = \"10.0.0.0/33\"\n", "z.toml");
  REQUIRE_FALSE(bad);
  CHECK(bad.error().message().rfind("z.toml: nic tag x: ", 0) == 0);
  auto badbr = store::parse_config("[nic_tags.x]\nbridge = \"a bridge\"\nsubnet = \"10.0.0.0/24\"\n", "z.toml");
  REQUIRE_FALSE(badbr);
  CHECK(badbr.error().message() ==
        "z.toml: nic tag x: bridge: \"a bridge\" is not a valid interface name (1-15 characters of [A-Za-z0-9._-])");
  auto ok = store::parse_config("[ids]\nfirst = 2000000\n[cgroup]\nparent = \"zk\"\n", "z.toml");
  REQUIRE(ok);
  CHECK(ok->id_first == 2000000);
  CHECK(ok->cgroup_parent == "zk");
  CHECK(ok->quota_allow_unenforced);
}

TEST_CASE("config: [quota] allow_unenforced is a boolean") {
  auto yes = store::parse_config("[quota]\nallow_unenforced = true\n", "z.toml");
  REQUIRE(yes);
  CHECK(yes->quota_allow_unenforced);
  auto bad = store::parse_config("[quota]\nallow_unenforced = \"yes\"\n", "z.toml");
  REQUIRE_FALSE(bad);
  CHECK(bad.error().kind == ErrorKind::Invalid);
}

TEST_CASE("uuids sharing the 10 hex digits of host names are refused") {
  TempStore t;
  auto st = t.open();
  REQUIRE(st.create({{"alias", "victim"}, {"uuid", "abcdef01-2300-4000-8000-000000000001"}}));
  auto evil = st.create({{"alias", "evil"}, {"uuid", "abcdef01-2399-4000-8000-000000000002"}});
  REQUIRE_FALSE(evil);
  CHECK(evil.error().message() ==
        "uuid: \"abcdef01-2399-4000-8000-000000000002\" shares its first 10 hex digits with zone victim");
}

TEST_CASE("an alias that is another zone's uuid prefix is ambiguous, not a takeover") {
  TempStore t;
  auto st = t.open();
  REQUIRE(st.create({{"alias", "victim"}, {"uuid", "22222222-0000-4000-8000-000000000001"}}));
  REQUIRE(st.create({{"alias", "22222222"}, {"uuid", "33333333-0000-4000-8000-000000000002"}}));
  auto r = st.resolve("22222222");
  REQUIRE_FALSE(r);
  CHECK(r.error().kind == ErrorKind::Invalid);
  CHECK(*st.resolve("victim") == "22222222-0000-4000-8000-000000000001");
  CHECK(*st.resolve("33333333") == "33333333-0000-4000-8000-000000000002");
}

TEST_CASE("alias hints: a stale, forged or missing hint never names the wrong zone") {
  TempStore t;
  auto st = t.open();
  const std::string a = "aaaaaaaa-0000-4000-8000-000000000001", b = "bbbbbbbb-0000-4000-8000-000000000002";
  REQUIRE(st.create({{"alias", "web"}, {"uuid", a}}));
  REQUIRE(st.create({{"alias", "db"}, {"uuid", b}}));
  const std::string hint = t.paths.aliases_dir() + "/a-web";
  auto target = [&] {
    char buf[128];
    ssize_t n = readlink(hint.c_str(), buf, sizeof buf);
    return n > 0 ? std::string(buf, static_cast<size_t>(n)) : std::string();
  };
  CHECK(target() == a);
  CHECK(*st.resolve("web") == a);

  // A hint pointing at another zone is checked against that zone's manifest.
  REQUIRE(unlink(hint.c_str()) == 0);
  REQUIRE(symlink(b.c_str(), hint.c_str()) == 0);
  CHECK(*st.resolve("web") == a);
  CHECK(target() == a);  // repaired by the lookup

  // A renamed zone: the old name's hint is stale, the new one is written.
  auto doc = st.load(a)->doc;
  doc["alias"] = "www";
  REQUIRE(st.write(a, doc));
  CHECK(*st.resolve("www") == a);
  CHECK(st.resolve("web").error().kind == ErrorKind::NotFound);

  // No hints at all: lookups fall back to reading every zone.
  REQUIRE(fs::remove_tree(t.paths.aliases_dir()));
  CHECK(*st.resolve("db") == b);
  CHECK(*st.resolve("www") == a);
}

TEST_CASE("zone id ranges stay clear of host accounts, subordinate ranges and systemd's") {
  using store::Config;
  store::HostIds ids;
  ids.used = store::systemd_ranges();
  store::add_subordinate_ranges(ids, "# comment\nalice:100000:65536\nbad line\nbob:1879048192:65536\n", "/etc/subuid");
  store::add_account_ids(ids, "root:x:0:0::/root:/bin/sh\nweird:x:1879113728:100::/:/bin/false\n", "/etc/passwd",
                         "user");
  // The default range runs into bob's subordinate range here.
  auto r = store::check_id_config(Config{}, ids);
  REQUIRE_FALSE(r);
  CHECK(r.error().message() ==
        "[ids] first = 1879048192, ranges = 4094 (ids 1879048192-2147352575) overlap /etc/subuid: "
        "bob:1879048192:65536: a host account or range sharing a zone's ids can read its files and signal its "
        "processes; choose ids outside it (the default is first = 1879048192, ranges = 4094)");
  // Without bob, the default is clear of systemd's ranges and 2^31.
  store::HostIds clean;
  clean.used = store::systemd_ranges();
  CHECK(store::check_id_config(Config{}, clean));
  Config old;
  old.id_first = 1u << 20;  // zonekit's first default: inside systemd's container range
  auto o = store::check_id_config(old, clean);
  REQUIRE_FALSE(o);
  CHECK(o.error().message().find("overlap systemd's container id range (524288-1879048191)") != std::string::npos);
  Config high;
  high.id_first = 0x7fff0000;
  high.id_ranges = 2;
  CHECK(store::check_id_config(high, clean).error().message().find("past 2^31 - 1") != std::string::npos);
  // A zone's own range against accounts added later.
  CHECK(store::check_zone_ids(1879048192 + 65536, 65536, ids).error().message() ==
        "the zone's ids 1879113728-1879179263 include host user weird (uid 1879113728 in /etc/passwd), which could "
        "read the zone's files and signal its processes; remove that account or range (or recreate the zone)");
  CHECK(store::check_zone_ids(1879048192 + 2 * 65536, 65536, ids));
}
