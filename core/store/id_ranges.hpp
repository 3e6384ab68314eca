// Where zones' uid/gid ranges may lie. A host account, a subordinate range
// of /etc/subuid or /etc/subgid, or a range systemd hands out must never
// share an id with a zone: whoever holds the zone's root uid on the host
// reads the zone's files, signals its processes, and owns its user
// namespace. The default (first 0x70000000, 4094 ranges of 65536) is the
// block systemd's "Users, Groups, UIDs and GIDs" leaves unused, between its
// container range (0x80000-0x6fffffff) and its foreign range
// (0x7ffe0000-0x7ffeffff), and below 2^31 where tools treating ids as
// signed still work.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/store/config.hpp"
#include "core/sys/result.hpp"

namespace zonekit::store {

struct IdSpan {
  uint64_t first = 0, last = 0;  // inclusive
  std::string what;              // "/etc/subuid: alice:100000:65536", "host user bob (uid 1001)"
};

// What the host already uses: the fixed ranges below, the entries of the
// subordinate id files, and the uids and gids of the account files.
struct HostIds {
  std::vector<IdSpan> used;
};

// The ranges systemd reserves (system, regular, homed, dynamic, nobody,
// container and foreign ids).
std::vector<IdSpan> systemd_ranges();

// Parse /etc/subuid or /etc/subgid text ("name:first:count" lines) and
// /etc/passwd or /etc/group text (the third field); `file` names them.
void add_subordinate_ranges(HostIds& ids, const std::string& text, const std::string& file);
void add_account_ids(HostIds& ids, const std::string& text, const std::string& file, const std::string& kind);

// The host's ids, read from <etc>/subuid, subgid, passwd and group (files
// that are missing count as empty), plus systemd's ranges when asked: they
// bound where new ranges go, while a zone made before (under an older
// default) only has to stay clear of real accounts.
HostIds read_host_ids(bool with_systemd_ranges, const std::string& etc = "/etc");

// Refuse to boot a zone whose range holds a host account or subordinate
// range, naming it (an account added after the zone was made).
Result<void> check_zone_ids(uint64_t base, uint64_t count, const HostIds& ids);

// The first host id span that overlaps [first, last], or nullptr.
const IdSpan* overlap(const HostIds& ids, uint64_t first, uint64_t last);

// Refuse (Invalid) an [ids] configuration whose ranges overlap what the
// host uses, naming both; and one that runs past 2^31.
Result<void> check_id_config(const Config& config, const HostIds& ids);

}  // namespace zonekit::store
