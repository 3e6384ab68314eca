#include <doctest/doctest.h>

#include "core/runtime/zone_child.hpp"
#include "core/runtime/zone_exec.hpp"

using namespace zonekit;
using namespace zonekit::runtime;

TEST_CASE("parse_passwd_user finds the user's ids, home and shell") {
  std::string passwd =
      "root:x:0:0:root:/root:/bin/bash\n"
      "web:x:1001:1002:Web:/srv/web:\n"
      "broken:x:abc:0::/:/bin/sh\n";
  ZoneUser u;
  REQUIRE(parse_passwd_user(passwd, "web", u));
  CHECK(u.uid == 1001);
  CHECK(u.gid == 1002);
  CHECK(u.home == "/srv/web");
  CHECK(u.shell == "/bin/sh");  // empty shell means /bin/sh
  REQUIRE(parse_passwd_user(passwd, "root", u));
  CHECK(u.shell == "/bin/bash");
  CHECK_FALSE(parse_passwd_user(passwd, "broken", u));
  CHECK_FALSE(parse_passwd_user(passwd, "nobody", u));
  CHECK_FALSE(parse_passwd_user(passwd, "ro", u));  // no prefix matches
}

TEST_CASE("parse_group_members lists supplementary groups") {
  std::string group = "root:x:0:\nwheel:x:10:alice,web\nwww:x:33:web\nother:x:5:bob\n";
  CHECK(parse_group_members(group, "web") == std::vector<unsigned>{10, 33});
  CHECK(parse_group_members(group, "carol").empty());
}

TEST_CASE("etc_files: regenerated network identity, seeded accounts") {
  ZoneSpec s;
  s.hostname = "web01";
  s.dns_domain = "example.com";
  s.resolvers = {"192.0.2.1", "192.0.2.2"};
  auto files = etc_files(s);
  REQUIRE(files.size() == 6);
  CHECK(files[0].path == "/etc/hostname");
  CHECK(files[0].content == "web01\n");
  CHECK(files[0].regenerate);
  CHECK(files[1].content ==
        "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n"
        "127.0.1.1\tweb01.example.com web01\n");
  CHECK(files[2].content == "search example.com\nnameserver 192.0.2.1\nnameserver 192.0.2.2\n");
  CHECK(files[3].path == "/etc/passwd");
  CHECK_FALSE(files[3].regenerate);
  CHECK(files[3].content.rfind("root:x:0:0:root:/root:/bin/sh\n", 0) == 0);
}

TEST_CASE("init_env is fixed and minimal") {
  CHECK(init_env() == std::vector<std::string>{
                          "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                          "HOME=/root", "TERM=vt220", "container=zonekit"});
}
