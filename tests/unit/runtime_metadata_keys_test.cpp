#include <doctest/doctest.h>

#include <string>

#include <nlohmann/json.hpp>

#include "core/runtime/metadata_keys.hpp"

using namespace zonekit::runtime;
using nlohmann::json;

namespace {

json zone() {
  return json::parse(R"({
    "uuid": "6f1c5b22-0c3e-4e0a-9d57-3d0f3a1c2b4e", "alias": "web01", "hostname": "web01",
    "dns_domain": "example.com", "brand": "sparse", "owner_uuid": "930896af-bf8c-48d4-885c-6573a94b1853",
    "customer_metadata": {"user-script": "#!/bin/sh\necho hi\n", "role": "web", "n": 5, "b": true},
    "internal_metadata": {"root_pw": "secret", "ops:token": "t0k", "operator-script": "echo op"},
    "internal_metadata_namespaces": ["ops"],
    "tags": {"env": "prod"}, "resolvers": ["10.0.0.1", "10.0.0.2"],
    "routes": {"10.1.0.0/16": "10.0.0.254", "192.0.2.0/24": "nics[0]"},
    "nics": [{"interface": "net0", "mac": "02:08:20:aa:bb:cc", "nic_tag": "admin",
              "ips": ["10.0.0.5/24", "fd00::5/64"], "gateways": ["10.0.0.1"], "primary": true,
              "allow_ip_spoofing": false}]
  })");
}

MdAnswer get(const std::string& k) { return metadata_get(zone(), k); }

}  // namespace

TEST_CASE("sdc: keys of the data dictionary") {
  CHECK(get("sdc:uuid").data == "6f1c5b22-0c3e-4e0a-9d57-3d0f3a1c2b4e");
  CHECK(get("sdc:zonename").data == "6f1c5b22-0c3e-4e0a-9d57-3d0f3a1c2b4e");
  CHECK(get("sdc:alias").data == "web01");
  CHECK(get("sdc:hostname").data == "web01");
  CHECK(get("sdc:dns_domain").data == "example.com");
  CHECK(get("sdc:owner_uuid").data == "930896af-bf8c-48d4-885c-6573a94b1853");
  CHECK(get("sdc:resolvers").data == R"(["10.0.0.1","10.0.0.2"])");
  CHECK(get("sdc:tags").data == R"({"env":"prod"})");
  CHECK(get("sdc:operator-script").data == "echo op");
  json nics = json::parse(get("sdc:nics").data);
  REQUIRE(nics.size() == 1);
  CHECK(nics[0]["ip"] == "10.0.0.5");
  CHECK(nics[0]["netmask"] == "255.255.255.0");
  CHECK(nics[0]["gateway"] == "10.0.0.1");
  CHECK(nics[0]["mac"] == "02:08:20:aa:bb:cc");
  CHECK(nics[0]["primary"] == true);
  CHECK_FALSE(nics[0].contains("allow_ip_spoofing"));
  json routes = json::parse(get("sdc:routes").data);
  REQUIRE(routes.size() == 2);
  CHECK(routes[0] == json::parse(R"({"linklocal":false,"dst":"10.1.0.0/16","gateway":"10.0.0.254"})"));
  CHECK(routes[1] == json::parse(R"({"linklocal":true,"dst":"192.0.2.0/24","gateway":"10.0.0.5"})"));
  // Unknown sdc: keys, and the manifest's other members, are not served.
  CHECK(get("sdc:internal_metadata").code == MdCode::NotFound);
  CHECK(get("sdc:nope").code == MdCode::NotFound);
  json bare = {{"uuid", "x"}};
  CHECK(metadata_get(bare, "sdc:resolvers").data == "[]");
  CHECK(metadata_get(bare, "sdc:tags").data == "{}");
  CHECK(metadata_get(bare, "sdc:alias").code == MdCode::NotFound);
}

TEST_CASE("customer and internal metadata") {
  CHECK(get("user-script").data == "#!/bin/sh\necho hi\n");
  CHECK(get("n").data == "5");
  CHECK(get("b").data == "true");
  CHECK(get("missing").code == MdCode::NotFound);
  // _pw keys and internal namespaces read internal_metadata, only.
  CHECK(get("root_pw").data == "secret");
  CHECK(get("ops:token").data == "t0k");
  CHECK(get("operator-script").code == MdCode::NotFound);
  CHECK(metadata_keys(zone()).data == "b\nn\nrole\nuser-script");
  CHECK(metadata_keys(json{{"uuid", "x"}}).code == MdCode::Success);
  CHECK(metadata_keys(json{{"uuid", "x"}}).data.empty());
}

TEST_CASE("writes: customer_metadata only, within the limits") {
  json z = zone();
  auto ok = [&](MdWrite w) { return metadata_check_write(z, w).code == MdCode::Success; };
  CHECK(ok({"new", "value", false}));
  CHECK(ok({"role", "", true}));
  CHECK(ok({"absent", "", true}));
  CHECK_FALSE(ok({"sdc:alias", "x", false}));
  CHECK(metadata_check_write(z, {"sdc:alias", "x", false}).data == "Cannot update the \"sdc\" Namespace.");
  CHECK_FALSE(ok({"ops:token", "x", false}));
  CHECK_FALSE(ok({"ops:token", "", true}));
  CHECK_FALSE(ok({"root_pw", "x", false}));
  CHECK_FALSE(ok({"", "x", false}));
  CHECK_FALSE(ok({std::string(kMaxMetadataKey + 1, 'k'), "x", false}));
  CHECK(ok({std::string(kMaxMetadataKey, 'k'), "x", false}));
  CHECK_FALSE(ok({"a\nb", "x", false}));
  CHECK_FALSE(ok({"k", std::string(kMaxPutValue + 1, 'v'), false}));
  CHECK(ok({"k", std::string(kMaxPutValue, 'v'), false}));
  CHECK_FALSE(ok({"k", std::string("a\0b", 3), false}));
  CHECK_FALSE(ok({"k", "\xff\xfe", false}));   // not UTF-8: the store is JSON
  CHECK_FALSE(ok({"k", "\xc0\x80", false}));   // overlong
  CHECK(ok({"k", "caf\xc3\xa9", false}));

  // The total: fill up to the byte limit with 64 KiB values.
  json full = {{"uuid", "x"}, {"customer_metadata", json::object()}};
  size_t i = 0;
  for (; i < kMaxCustomerMetadata / kMaxPutValue; ++i) {
    MdWrite w{"k" + std::to_string(i), std::string(kMaxPutValue - 8, 'v'), false};
    REQUIRE(metadata_check_write(full, w).code == MdCode::Success);
    full = metadata_apply_write(full, w);
  }
  MdWrite over{"one-more", std::string(kMaxPutValue, 'v'), false};
  CHECK(metadata_check_write(full, over).code == MdCode::Failure);
  // Replacing a value counts the new size, not both.
  CHECK(metadata_check_write(full, {"k0", std::string(kMaxPutValue - 8, 'w'), false}).code == MdCode::Success);

  // The key count.
  json many = {{"uuid", "x"}, {"customer_metadata", json::object()}};
  for (size_t k = 0; k < kMaxMetadataKeys; ++k) many["customer_metadata"]["k" + std::to_string(k)] = "";
  CHECK(metadata_check_write(many, {"another", "", false}).code == MdCode::Failure);
  CHECK(metadata_check_write(many, {"k1", "x", false}).code == MdCode::Success);
}

TEST_CASE("applying a write changes customer_metadata and nothing else") {
  json z = zone();
  json after = metadata_apply_write(z, {"new", "v", false});
  CHECK(after["customer_metadata"]["new"] == "v");
  after.erase("customer_metadata");
  json before = z;
  before.erase("customer_metadata");
  CHECK(after == before);
  json del = metadata_apply_write(z, {"role", "", true});
  CHECK_FALSE(del["customer_metadata"].contains("role"));
  json none = metadata_apply_write(json{{"uuid", "x"}}, {"k", "v", false});
  CHECK(none["customer_metadata"] == json{{"k", "v"}});
}
