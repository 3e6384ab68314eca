// zonestat: what each zone uses, from what the kernel already counts (the
// zone's cgroup through the cgroup driver, the netlink counters of its
// host-side veths) and the host's totals (/proc). No agent in the zone.
//
// sample() reads (I/O); rows() turns two samples into rates (pure); the
// rest formats. The first interval is a real one: rates need two samples.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/ops/output.hpp"
#include "core/runtime/cgroup.hpp"
#include "core/store/store.hpp"
#include "core/sys/netlink_route.hpp"
#include "core/sys/result.hpp"

namespace zonekit::ops::zonestat {

struct ZoneSample {
  std::string uuid, alias, state;
  bool measured = false;             // its cgroup could be read (the zone runs)
  cgroup::Stats cg;
  netlink::LinkStats net;            // summed over its host-side veths, zone's view (rx = received)
  // Limits from the manifest; 0 = none.
  uint64_t mem_limit = 0, swap_limit = 0, lwps_limit = 0, cpu_cap_pct = 0;
};

struct HostSample {
  uint64_t cpu_busy_ns = 0, cpu_total_ns = 0;  // all CPUs, from /proc/stat
  unsigned cpus = 1;
  uint64_t mem_total = 0, mem_used = 0, swap_total = 0, swap_used = 0;
  uint64_t lwps = 0;                            // threads on the host (/proc/loadavg)
  netlink::LinkStats net;                       // every link but lo and zonekit's own
  uint64_t disk_read = 0, disk_write = 0;       // bytes, whole disks (/proc/diskstats)
};

struct Sample {
  double at = 0;  // CLOCK_MONOTONIC seconds
  std::vector<ZoneSample> zones;
  HostSample host;
};

// zones: aliases, uuids or uuid prefixes to keep (empty: every zone).
Result<Sample> sample(const store::Store& st, const std::vector<std::string>& zones);

// Pure parsers of the host files, for tests.
void parse_proc_stat(const std::string& text, HostSample& h);
void parse_meminfo(const std::string& text, HostSample& h);
void parse_loadavg(const std::string& text, HostSample& h);
// /proc/diskstats, counting only the devices named in whole_disks.
void parse_diskstats(const std::string& text, const std::vector<std::string>& whole_disks, HostSample& h);

// One row per zone, then "total" (the zones summed) and "host", as JSON
// objects with the fields below; null where a figure does not apply (a zone
// that does not run, a limit that is not set). Pure.
std::vector<nlohmann::json> rows(const Sample& before, const Sample& after);

// The fields, their headers, and the default columns.
const std::vector<FieldInfo>& fields();
const std::vector<std::string>& default_columns();

// A field's text in the table: sizes and rates in K/M/G, percentages with
// one decimal; raw numbers with `raw`.
std::string cell(const nlohmann::json& row, const std::string& field, bool raw);

// For zoneadm info: what one zone uses now, as counters and gauges
// (cpu_seconds, memory_bytes, swap_bytes, lwps, net_* and disk_* totals);
// nothing when it does not run. Rates need zonestat's interval.
std::optional<nlohmann::json> usage_of(const store::Store& st, const std::string& uuid);

// The Prometheus text exposition of the last sample and the interval's
// rates: counters (cpu seconds, bytes and packets) and gauges, each zone
// labelled zone (alias, or uuid), alias and uuid.
std::string prometheus(const Sample& before, const Sample& after);

}  // namespace zonekit::ops::zonestat
