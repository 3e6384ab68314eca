#include <doctest/doctest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "core/runtime/mount_apply.hpp"
#include "core/runtime/mount_plan.hpp"

using namespace zonekit;
using namespace zonekit::runtime;

namespace {

ZoneSpec sample_spec() {
  ZoneSpec s;
  s.zone_dir = "/zones/z1";
  s.tmpfs_bytes = 16 << 20;
  s.filesystems.push_back({"/srv/data", "/var/data", true, true, true, false});
  return s;
}

// Debian 12: /usr is a directory, /bin, /sbin, /lib, /lib64 are symlinks.
HostFacts debian_facts() {
  HostFacts f;
  f.top_dirs = {{"usr", true, ""},     {"bin", true, "usr/bin"}, {"sbin", true, "usr/sbin"},
                {"lib", true, "usr/lib"}, {"lib32", false, ""},   {"lib64", true, "usr/lib64"}};
  f.console_path = "/dev/pts/3";
  f.host_alternatives = true;
  return f;
}

std::vector<std::string> described(const std::vector<MountStep>& plan) {
  std::vector<std::string> out;
  for (const auto& s : plan) out.push_back(describe(s));
  return out;
}

}  // namespace

TEST_CASE("plan_mounts: the exact sparse zone tree") {
  const std::vector<std::string> expected{
      "mount tmpfs zkroot on / flags=0x6 data=mode=0755,size=1m",
      "mkdir /usr 0755",
      "bind /usr on /usr rec [ro,nosuid,nodev]",
      "symlink /bin -> usr/bin",
      "symlink /sbin -> usr/sbin",
      "symlink /lib -> usr/lib",
      "symlink /lib64 -> usr/lib64",
      "mkdir /etc 0755",
      "bind zone /zones/z1/root/etc on /etc [nosuid,nodev]",
      "mkdir /var 0755",
      "bind zone /zones/z1/root/var on /var [nosuid,nodev]",
      "mkdir /root 0755",
      "bind zone /zones/z1/root/root on /root [nosuid,nodev]",
      "mkdir /home 0755",
      "bind zone /zones/z1/root/home on /home [nosuid,nodev]",
      "bind filesystem /etc/alternatives on /etc/alternatives [ro,nosuid,nodev]",
      "mkdir /tmp 1777",
      "mount tmpfs tmpfs on /tmp flags=0x6 data=mode=1777,size=16777216",
      "mkdir /run 0755",
      "mount tmpfs tmpfs on /run flags=0x6 data=mode=0755,size=16m",
      "mkdir /proc 0555",
      "mount proc proc on /proc flags=0xe data=",
      "mkdir /sys 0555",
      "mount sysfs sysfs on /sys flags=0xf data=",
      "mkdir /dev 0755",
      "mount tmpfs tmpfs on /dev flags=0xa data=mode=0755,size=64k",
      "file /dev/null 0666",
      "bind /dev/null on /dev/null [nosuid,noexec]",
      "file /dev/zero 0666",
      "bind /dev/zero on /dev/zero [nosuid,noexec]",
      "file /dev/full 0666",
      "bind /dev/full on /dev/full [nosuid,noexec]",
      "file /dev/random 0666",
      "bind /dev/random on /dev/random [nosuid,noexec]",
      "file /dev/urandom 0666",
      "bind /dev/urandom on /dev/urandom [nosuid,noexec]",
      "file /dev/tty 0666",
      "bind /dev/tty on /dev/tty [nosuid,noexec]",
      "mkdir /dev/pts 0755",
      "mount devpts devpts on /dev/pts flags=0xa data=newinstance,ptmxmode=0666,mode=0620,gid=5",
      "symlink /dev/ptmx -> pts/ptmx",
      "mkdir /dev/shm 1777",
      "mount tmpfs shm on /dev/shm flags=0xe data=mode=1777,size=64m",
      "mkdir /dev/mqueue 0755",
      "mount mqueue mqueue on /dev/mqueue flags=0xe data=",
      "symlink /dev/fd -> /proc/self/fd",
      "symlink /dev/stdin -> /proc/self/fd/0",
      "symlink /dev/stdout -> /proc/self/fd/1",
      "symlink /dev/stderr -> /proc/self/fd/2",
      "file /dev/console 0600",
      "bind /dev/pts/3 on /dev/console [nosuid,noexec]",
      "bind filesystem /srv/data on /var/data [ro,nosuid,nodev]",
      "mask file /proc/kcore",
      "mask file /proc/keys",
      "mask file /proc/timer_list",
      "mask file /proc/sched_debug",
      "mask file /proc/latency_stats",
      "mask file /proc/timer_stats",
      "mask file /proc/interrupts",
      "mask file /proc/kallsyms",
      "mask dir /proc/acpi",
      "mask dir /proc/scsi",
      "mask dir /proc/asound",
      "mask dir /sys/firmware",
      "mask dir /sys/devices/virtual/powercap",
      "read-only /proc/sys",
      "read-only /proc/sysrq-trigger",
      "read-only /proc/bus",
      "read-only /proc/fs",
      "read-only /proc/irq",
      "set / [ro]"
  };
  auto got = described(plan_mounts(sample_spec(), debian_facts()));
  CHECK(got == expected);
}

TEST_CASE("plan_mounts: host dirs that are real directories are bound read-only") {
  HostFacts f;
  f.top_dirs = {{"usr", true, ""}, {"bin", true, ""}, {"lib32", false, ""}};
  auto got = described(plan_mounts(sample_spec(), f));
  CHECK(got[3] == "mkdir /bin 0755");
  CHECK(got[4] == "bind /bin on /bin rec [ro,nosuid,nodev]");
  for (const auto& line : got) CHECK(line.find("lib32") == std::string::npos);
  // no console: no /dev/console
  for (const auto& line : got) CHECK(line.find("/dev/console") == std::string::npos);
}

TEST_CASE("plan_mounts: tmpfs 0 puts /tmp on disk with the zone's other dirs") {
  auto spec = sample_spec();
  spec.tmpfs_bytes = 0;
  auto got = described(plan_mounts(spec, debian_facts()));
  CHECK(std::find(got.begin(), got.end(), "bind zone /zones/z1/root/tmp on /tmp [nosuid,nodev]") !=
        got.end());
  for (const auto& line : got) CHECK(line.find("mount tmpfs tmpfs on /tmp") == std::string::npos);
  CHECK(persistent_dirs(spec) == std::vector<std::string>{"etc", "var", "root", "home", "tmp"});
}

TEST_CASE("plan_mounts: the root is made read-only last, after every bind") {
  auto plan = plan_mounts(sample_spec(), debian_facts());
  CHECK(plan.front().kind == MountKind::Fresh);
  CHECK(plan.front().target == "/");
  CHECK(plan.back().kind == MountKind::SetAttr);
  CHECK(plan.back().attrs == kRdonly);
}

TEST_CASE("apply_mounts: exact syscall order, masks skipped when the path is absent") {
  const std::vector<std::string> expected{
      "mount tmpfs zkroot /r 0x6 mode=0755,size=1m",
      "mkdir /r/usr 0755",
      "bind /usr /r/usr rec ro,nosuid,nodev",
      "symlink /r/bin -> usr/bin",
      "symlink /r/sbin -> usr/sbin",
      "symlink /r/lib -> usr/lib",
      "symlink /r/lib64 -> usr/lib64",
      "mkdir /r/etc 0755",
      "bind_beneath /zones/z1/root etc /r/etc nosuid,nodev",
      "mkdir /r/var 0755",
      "bind_beneath /zones/z1/root var /r/var nosuid,nodev",
      "mkdir /r/root 0755",
      "bind_beneath /zones/z1/root root /r/root nosuid,nodev",
      "mkdir /r/home 0755",
      "bind_beneath /zones/z1/root home /r/home nosuid,nodev",
      "bind_in_root /etc/alternatives /r /etc/alternatives ro,nosuid,nodev",
      "mkdir /r/tmp 1777",
      "mount tmpfs tmpfs /r/tmp 0x6 mode=1777,size=16777216",
      "mkdir /r/run 0755",
      "mount tmpfs tmpfs /r/run 0x6 mode=0755,size=16m",
      "mkdir /r/proc 0555",
      "mount proc proc /r/proc 0xe ",
      "mkdir /r/sys 0555",
      "mount sysfs sysfs /r/sys 0xf ",
      "mkdir /r/dev 0755",
      "mount tmpfs tmpfs /r/dev 0xa mode=0755,size=64k",
      "mkfile /r/dev/null 0666",
      "bind /dev/null /r/dev/null nosuid,noexec",
      "mkfile /r/dev/zero 0666",
      "bind /dev/zero /r/dev/zero nosuid,noexec",
      "mkfile /r/dev/full 0666",
      "bind /dev/full /r/dev/full nosuid,noexec",
      "mkfile /r/dev/random 0666",
      "bind /dev/random /r/dev/random nosuid,noexec",
      "mkfile /r/dev/urandom 0666",
      "bind /dev/urandom /r/dev/urandom nosuid,noexec",
      "mkfile /r/dev/tty 0666",
      "bind /dev/tty /r/dev/tty nosuid,noexec",
      "mkdir /r/dev/pts 0755",
      "mount devpts devpts /r/dev/pts 0xa newinstance,ptmxmode=0666,mode=0620,gid=5",
      "symlink /r/dev/ptmx -> pts/ptmx",
      "mkdir /r/dev/shm 1777",
      "mount tmpfs shm /r/dev/shm 0xe mode=1777,size=64m",
      "mkdir /r/dev/mqueue 0755",
      "mount mqueue mqueue /r/dev/mqueue 0xe ",
      "symlink /r/dev/fd -> /proc/self/fd",
      "symlink /r/dev/stdin -> /proc/self/fd/0",
      "symlink /r/dev/stdout -> /proc/self/fd/1",
      "symlink /r/dev/stderr -> /proc/self/fd/2",
      "mkfile /r/dev/console 0600",
      "bind /dev/pts/3 /r/dev/console nosuid,noexec",
      "bind_in_root /srv/data /r /var/data rec ro,nosuid,nodev",
      "bind /r/dev/null /r/proc/keys ro,nosuid,noexec",
      "bind /r/dev/null /r/proc/timer_list ro,nosuid,noexec",
      "bind /r/dev/null /r/proc/sched_debug ro,nosuid,noexec",
      "bind /r/dev/null /r/proc/latency_stats ro,nosuid,noexec",
      "bind /r/dev/null /r/proc/timer_stats ro,nosuid,noexec",
      "bind /r/dev/null /r/proc/interrupts ro,nosuid,noexec",
      "bind /r/dev/null /r/proc/kallsyms ro,nosuid,noexec",
      "mount tmpfs tmpfs /r/proc/acpi 0xf mode=0555,size=4k",
      "mount tmpfs tmpfs /r/proc/scsi 0xf mode=0555,size=4k",
      "mount tmpfs tmpfs /r/proc/asound 0xf mode=0555,size=4k",
      "mount tmpfs tmpfs /r/sys/firmware 0xf mode=0555,size=4k",
      "mount tmpfs tmpfs /r/sys/devices/virtual/powercap 0xf mode=0555,size=4k",
      "bind /r/proc/sys /r/proc/sys rec ro,nosuid,nodev,noexec",
      "bind /r/proc/sysrq-trigger /r/proc/sysrq-trigger rec ro,nosuid,nodev,noexec",
      "bind /r/proc/bus /r/proc/bus rec ro,nosuid,nodev,noexec",
      "bind /r/proc/fs /r/proc/fs rec ro,nosuid,nodev,noexec",
      "bind /r/proc/irq /r/proc/irq rec ro,nosuid,nodev,noexec",
      "setattr /r ro"
  };
  sys::RecordingMountSyscalls rec;
  rec.missing = {"/r/proc/kcore"};
  int failed = -1;
  CHECK(apply_mounts(plan_mounts(sample_spec(), debian_facts()), "/r", rec, &failed) == 0);
  CHECK(failed == -1);
  CHECK(rec.calls == expected);
}

TEST_CASE("apply_mounts: stops at the first failure and names the step") {
  sys::RecordingMountSyscalls rec;
  rec.fail_at = 2;  // the /usr bind
  rec.fail_errno = 13;
  int failed = -1;
  auto plan = plan_mounts(sample_spec(), debian_facts());
  CHECK(apply_mounts(plan, "/r", rec, &failed) == -13);
  CHECK(failed == 2);
  CHECK(rec.calls.size() == 3);
  CHECK(describe(plan[static_cast<size_t>(failed)]) == "bind /usr on /usr rec [ro,nosuid,nodev]");
}

TEST_CASE("plan_mounts: image brand roots the zone in an overlay over the id-shifted image") {
  auto spec = sample_spec();
  spec.brand = "image";
  spec.run_dir = "/run/zonekit/zones/z1";
  spec.image_rootfs = "/images/i1/rootfs";
  auto got = described(plan_mounts(spec, debian_facts()));
  REQUIRE(got.size() > 4);
  CHECK(got[0] ==
        "mount overlay overlay on / flags=0x6 data=lowerdir=/run/zonekit/zones/z1/lower,"
        "upperdir=/zones/z1/overlay/upper,workdir=/zones/z1/overlay/work,userxattr");
  CHECK(got[1] == "mkdir /etc 0755");
  CHECK(got[2] == "mkdir /tmp 1777");
  for (const auto& line : got) {
    CHECK(line.find("bind /usr") == std::string::npos);     // no host /usr
    CHECK(line.find("bind zone") == std::string::npos);     // no sparse dirs
    CHECK(line.find("/etc/alternatives") == std::string::npos);  // its own, from the image
    CHECK(line != "set / [ro]");                            // the overlay stays writable
  }
  CHECK(std::find(got.begin(), got.end(), "mount proc proc on /proc flags=0xe data=") != got.end());
  CHECK(image_lower_dir(spec) == "/run/zonekit/zones/z1/lower");
}

TEST_CASE("writable_layer_dir: the tree holding every on-disk write of the zone") {
  auto spec = sample_spec();
  CHECK(writable_layer_dir(spec) == "/zones/z1/root");
  for (const auto& name : persistent_dirs(spec)) {
    auto plan = plan_mounts(spec, debian_facts());
    auto it = std::find_if(plan.begin(), plan.end(), [&](const MountStep& s) {
      return s.kind == MountKind::BindZone && s.target == "/" + name;
    });
    REQUIRE(it != plan.end());
    CHECK(it->source.rfind(writable_layer_dir(spec) + "/", 0) == 0);
  }
  spec.brand = "image";
  CHECK(writable_layer_dir(spec) == "/zones/z1/overlay");
  CHECK(image_upper_dir(spec).rfind(writable_layer_dir(spec) + "/", 0) == 0);
  CHECK(image_work_dir(spec).rfind(writable_layer_dir(spec) + "/", 0) == 0);
}
