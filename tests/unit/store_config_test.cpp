// zonekit.toml keys of the store's bounds: [quota] default, [store] reserve.
#include <doctest/doctest.h>

#include "core/store/config.hpp"

using namespace zonekit;

TEST_CASE("config: [quota] default and [store] reserve, with their built-in values") {
  auto none = store::parse_config("", "z.toml");
  REQUIRE(none);
  CHECK(none->quota_default_gib == 10);  // vmadm's default quota
  CHECK(none->store_reserve_percent == 5);

  auto set = store::parse_config("[quota]\ndefault = 0\n[store]\nreserve = 20\n", "z.toml");
  REQUIRE(set);
  CHECK(set->quota_default_gib == 0);
  CHECK(set->store_reserve_percent == 20);

  auto neg = store::parse_config("[quota]\ndefault = -1\n", "z.toml");
  REQUIRE_FALSE(neg);
  CHECK(neg.error().kind == ErrorKind::Invalid);
  CHECK(neg.error().message() == "z.toml: quota.default: -1 is outside 0..1048576 (GiB)");
  auto big = store::parse_config("[store]\nreserve = 51\n", "z.toml");
  REQUIRE_FALSE(big);
  CHECK(big.error().message() == "z.toml: store.reserve: 51 is outside 0..50 (percent)");
  auto text = store::parse_config("[store]\nreserve = \"5%\"\n", "z.toml");
  REQUIRE_FALSE(text);
  CHECK(text.error().kind == ErrorKind::Invalid);
}
