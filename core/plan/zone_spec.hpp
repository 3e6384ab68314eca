// ZoneSpec: everything the runtime and network layers need to boot one zone,
// computed purely from the stored manifest and host configuration by
// core/plan. zoneadm writes it as JSON into the zone's run directory and
// zoneadmd boots from it, so runtime code never reads manifests itself.
//
// Run directory layout (<run> is ZONEKIT_RUN, default /run/zonekit):
//   <run>/zones/<uuid>/spec.json      this struct, written by zoneadm boot
//   <run>/zones/<uuid>/state.json     RunState, written by zoneadmd (atomic)
//   <run>/zones/<uuid>/zoneadmd.lock  flock held by zoneadmd for its life
//   <run>/zones/<uuid>/ctl.sock       zoneadmd control socket (halt, console)
//   <run>/zones/<uuid>/console.log    size-capped console output
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace zonekit {

struct IdRange {
  uint32_t host_base = 0;    // first host uid/gid; zone id 0 maps here
  uint32_t count = 65536;
};

struct FilesystemSpec {      // a bind mount from the host into the zone
  std::string source;        // host path (absolute)
  std::string target;        // path inside the zone (absolute, no "..")
  bool read_only = false;
  bool nosuid = true;
  bool nodev = true;
  bool noexec = false;
};

struct CgroupLimits {
  uint64_t memory_bytes = 256ull << 20;   // max_physical_memory
  uint64_t swap_bytes = 256ull << 20;     // max_swap: memory+swap ceiling (vmadm meaning)
  uint64_t locked_bytes = 256ull << 20;   // max_locked_memory -> RLIMIT_MEMLOCK
  uint64_t pids_max = 2000;               // max_lwps
  uint32_t cpu_cap_percent = 0;           // cpu_cap: 100 = one CPU, 0 = uncapped
  uint32_t cpu_shares = 100;              // cpu_shares (vmadm), relative weight
  uint32_t io_priority = 100;             // zfs_io_priority, relative weight
};

struct NicSpec {
  uint32_t index = 0;
  std::string zone_ifname;               // net0, net1 ...
  std::string host_ifname;               // stable, <= 15 chars (see host_ifname())
  std::string bridge;                    // host bridge of the nic tag
  std::string nic_tag;
  std::string mac;                       // "aa:bb:cc:dd:ee:ff", lower case
  uint32_t mtu = 1500;
  uint16_t vlan_id = 0;                  // 0 = untagged
  std::vector<std::string> ips;          // CIDRs, "10.0.0.5/24", "fd00::5/64"
  std::vector<std::string> gateways;     // plain addresses
  bool primary = false;
  bool allow_ip_spoofing = false;
  bool allow_mac_spoofing = false;
  bool allow_dhcp_spoofing = false;      // DHCP server replies / RAs from the zone
  std::vector<std::string> allowed_ips;  // extra source addresses/CIDRs
  uint32_t broadcast_rate = 300;         // broadcast+multicast frames/s the zone may send; 0 = no limit
};

struct RouteSpec {
  std::string destination;               // CIDR, or "default"
  std::string gateway;                   // address
};

struct ZoneSpec {
  std::string uuid;
  std::string name;                      // alias if set, else uuid (for messages)
  std::string hostname;
  std::string dns_domain;
  std::string brand;                     // "sparse" or "image"
  std::string zone_dir;                  // <root>/zones/<uuid>: persistent zone data
  std::string run_dir;                   // <run>/zones/<uuid>
  std::string image_rootfs;              // image brand: read-only lower layer
  std::string cgroup_path;               // relative to each hierarchy, "zonekit/<uuid>"
  // Under systemd: the zone's transient scope, "zonekit-<uuid>.scope", and
  // cgroup_path "machine.slice/zonekit-<uuid>.scope/zone" inside it
  // (core/runtime/cgroup_systemd.hpp). Empty: cgroupfs.
  std::string cgroup_unit;
  IdRange ids;
  CgroupLimits limits;
  uint64_t tmpfs_bytes = 256ull << 20;   // size of /tmp; 0 = /tmp on disk
  uint64_t quota_bytes = 0;              // writable layer limit, 0 = none
  std::vector<std::string> init_argv;    // empty = built-in init
  bool restart_init = true;
  std::vector<FilesystemSpec> filesystems;
  std::vector<NicSpec> nics;
  std::vector<RouteSpec> routes;
  std::vector<std::string> resolvers;
  uint64_t console_log_max = 1 << 20;   // console.log rotates at this size (and keeps one .0)
};

// Host end of a zone's veth: "zk" + 10 hex digits of the uuid + "n" + index.
// Stable for the life of the zone and at most 15 characters (IFNAMSIZ-1).
std::string host_ifname(const std::string& uuid, uint32_t nic_index);

// What zoneadmd records about a running (or stopped) zone.
struct RunState {
  std::string state;                     // ready, running, shutting_down, down, failed, stopped
  int zoneadmd_pid = 0;
  uint64_t zoneadmd_start_time = 0;      // /proc/<pid>/stat field 22, for liveness
  int init_pid = 0;                      // host pid of the zone's init
  uint64_t init_start_time = 0;
  std::string boot_timestamp;            // ISO 8601 UTC
  int exit_status = -1;                  // last init exit: code, or 128+signal
  int exit_code = -1;                    // last init exit: its code (-1: killed by a signal)
  int exit_signal = 0;                   // or the signal that killed it
  std::string exit_timestamp;
  std::string error;                     // why the last boot failed
  bool network_clean = false;            // teardown removed the zone's veths and table
  int64_t boot_ms = -1;                  // zoneadmd start to init started, last boot
  int restarts = 0;                      // init restarts (restart_init) since zoneadm boot
  int keeper_pid = 0;                    // the fd keeper (core/runtime/fd_keeper.hpp)
  uint64_t keeper_start_time = 0;
  int adoptions = 0;                     // zoneadmds that adopted the running zone since its boot
};

void to_json(nlohmann::json& j, const IdRange& v);
void from_json(const nlohmann::json& j, IdRange& v);
void to_json(nlohmann::json& j, const FilesystemSpec& v);
void from_json(const nlohmann::json& j, FilesystemSpec& v);
void to_json(nlohmann::json& j, const CgroupLimits& v);
void from_json(const nlohmann::json& j, CgroupLimits& v);
void to_json(nlohmann::json& j, const NicSpec& v);
void from_json(const nlohmann::json& j, NicSpec& v);
void to_json(nlohmann::json& j, const RouteSpec& v);
void from_json(const nlohmann::json& j, RouteSpec& v);
void to_json(nlohmann::json& j, const ZoneSpec& v);
void from_json(const nlohmann::json& j, ZoneSpec& v);
void to_json(nlohmann::json& j, const RunState& v);
void from_json(const nlohmann::json& j, RunState& v);

}  // namespace zonekit
