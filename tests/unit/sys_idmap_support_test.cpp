#include <doctest/doctest.h>

#include "core/sys/idmap_support.hpp"

using namespace zonekit::sys;

TEST_CASE("kernel_version_code reads uname's release") {
  CHECK(kernel_version_code("6.1.0-13-amd64") == 601);
  CHECK(kernel_version_code("6.18.44-fc-v1294") == 618);
  CHECK(kernel_version_code("5.15") == 515);
  CHECK(kernel_version_code("garbage") == 0);
  CHECK(kernel_version_code("6") == 0);
}

TEST_CASE("idmap_refusal names the file system, the kernel and the fix") {
  CHECK(idmap_refusal("tmpfs", "6.1.0-13-amd64") ==
        "the store is on tmpfs, which Linux 6.1.0-13-amd64 cannot idmap (tmpfs since Linux 6.3); keep the store "
        "(ZONEKIT_ROOT, default /var/lib/zonekit) on ext4 or xfs, which Linux idmaps since 5.12");
  CHECK(idmap_refusal("nfs", "6.1.0") ==
        "the store is on nfs, which Linux 6.1.0 cannot idmap (nfs cannot be idmapped); keep the store "
        "(ZONEKIT_ROOT, default /var/lib/zonekit) on ext4 or xfs, which Linux idmaps since 5.12");
  // Supported by this kernel, and refused all the same: no false version claim.
  CHECK(idmap_refusal("tmpfs", "6.18.44") ==
        "the kernel refused to idmap tmpfs; keep the store (ZONEKIT_ROOT, default /var/lib/zonekit) on ext4 or "
        "xfs, which Linux idmaps since 5.12");
  CHECK(idmap_refusal("ext4", "5.10.0").find("(ext4 since Linux 5.12)") != std::string::npos);
}
