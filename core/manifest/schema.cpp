#include "core/manifest/schema.hpp"

#include <algorithm>
#include <cctype>

namespace zonekit::manifest {

namespace {

using json = nlohmann::json;
using enum Type;

constexpr int64_t kMaxMiB = int64_t{1} << 24;  // 16 TiB: far above any host

std::vector<Property> build() {
  const std::string no_dhcp =
      "is not supported: zonekit has no DHCP; omit ips to allocate an address from the nic tag's pool";
  return {
      // Identity.
      {.path = "uuid", .type = Uuid, .update = Update::CreateOnly,
       .doc = "Zone identifier; generated at create when absent",
       .default_doc = "generated at create",
       .example = "6f1c5b22-0c3e-4e0a-9d57-3d0f3a1c2b4e"},
      {.path = "alias", .type = Alias, .update = Update::Live,
       .doc = "Short unique name for the zone, usable wherever a zone is named", .min = 1, .max = 64,
       .example = "web01", .in_template = true},
      {.path = "hostname", .type = Hostname, .update = Update::NextBoot,
       .doc = "Host name inside the zone", .min = 1, .max = 64,
       .default_doc = "the alias when it is a valid host name, else the uuid", .example = "web01"},
      {.path = "dns_domain", .type = DomainName, .default_value = "local", .update = Update::NextBoot,
       .doc = "DNS domain written to the zone's /etc/hosts", .min = 1, .max = 253,
       .example = "example.com"},
      {.path = "brand", .type = Enum, .update = Update::CreateOnly,
       .doc = "Zone type: sparse shares the host's /usr read-only, image runs an imported root file system",
       .choices = {"sparse", "image"},
       .aliases = {{"joyent", "image"}, {"joyent-minimal", "image"}, {"lx", "image"}},
       .refused = {{"kvm", "is not supported: zonekit runs OS containers, not hardware VMs"},
                   {"bhyve", "is not supported: zonekit runs OS containers, not hardware VMs"}},
       .default_doc = "image when image_uuid is set, else sparse", .example = "sparse",
       .in_template = true},
      {.path = "image_uuid", .type = Uuid, .update = Update::CreateOnly,
       .doc = "Image holding the root file system (required for the image brand)",
       .example = "47e6af92-daf0-11e0-ac11-473ca1173ab0"},
      {.path = "autoboot", .type = Bool, .default_value = false, .update = Update::Live,
       .doc = "Boot the zone when the host starts (zoneadm boot --autoboot); boot and halt leave it as written",
       .example = true},

      // Resource limits.
      {.path = "max_physical_memory", .type = Int, .unit = "MiB", .default_value = 256,
       .update = Update::Live, .doc = "Memory limit", .min = 1, .max = kMaxMiB, .example = 512,
       .in_template = true},
      {.path = "max_locked_memory", .type = Int, .unit = "MiB", .update = Update::NextBoot,
       .doc = "Locked (mlock) memory limit, at most max_physical_memory", .min = 1, .max = kMaxMiB,
       .default_ref = "max_physical_memory", .at_most = "max_physical_memory",
       .default_doc = "max_physical_memory", .example = 512},
      {.path = "max_swap", .type = Int, .unit = "MiB", .update = Update::Live,
       .doc = "Memory plus swap limit, at least max_physical_memory", .min = 256, .max = kMaxMiB,
       .default_ref = "max_physical_memory", .at_least = "max_physical_memory",
       .default_doc = "the larger of max_physical_memory and 256", .example = 1024},
      {.path = "max_lwps", .type = Int, .default_value = 2000, .update = Update::Live,
       .doc = "Maximum number of processes and threads", .min = 1, .max = 4194304, .example = 2000},
      {.path = "cpu_cap", .type = Int, .unit = "%", .update = Update::Live,
       .doc = "CPU limit in percent of one CPU (300 = three CPUs); absent or 0 = no cap", .min = 0,
       .max = 409600, .example = 100},
      {.path = "cpu_shares", .type = Int, .default_value = 100, .update = Update::Live,
       .doc = "Relative CPU weight against other zones", .min = 1, .max = 65535, .example = 100},
      {.path = "zfs_io_priority", .type = Int, .default_value = 100, .update = Update::Live,
       .doc = "Relative disk I/O weight against other zones", .min = 1, .max = 10000, .example = 100},
      {.path = "quota", .type = Int, .unit = "GiB", .update = Update::Live,
       .doc = "Size limit of what the zone writes to disk: a sparse zone's /etc, /var, /root, /home "
              "(and /tmp when tmpfs is 0), an image zone's changes to its root; host directories in "
              "filesystems do not count; 0 = none. "
              "It is enforced with the project quotas of the store's filesystem, ext4 with the quota and "
              "project features mounted with prjquota or XFS mounted with prjquota: writes past it fail "
              "with EDQUOT (on XFS ENOSPC), and the zone may hold the same share of the filesystem's "
              "inodes as of its space. "
              "tmpfs, btrfs, overlayfs, NFS and ZFS cannot enforce it, nor can a kernel built without "
              "quota support; there the zone runs without the limit (boot warns about a quota the "
              "manifest sets, info shows quota_enforced false), or is refused if zonekit.toml sets "
              "[quota] allow_unenforced = false",
       .min = 0, .max = 1048576,
       .default_doc = "[quota] default of zonekit.toml(5), 10 unless set there; not stored, so a zone "
                      "without quota follows that setting at each boot",
       .example = 10},
      {.path = "tmpfs", .type = Int, .unit = "MiB", .update = Update::NextBoot,
       .doc = "Size of the tmpfs on /tmp; 0 = /tmp on the zone's disk", .min = 0, .max = kMaxMiB,
       .default_ref = "max_physical_memory", .default_doc = "max_physical_memory", .example = 256},

      // Name service, routes, boot.
      {.path = "resolvers", .type = List, .item = Ip, .update = Update::NextBoot,
       .doc = "DNS servers written to the zone's /etc/resolv.conf", .min = 0, .max = 16,
       .example = json::array({"192.0.2.53"})},
      {.path = "routes", .type = RouteMap, .update = Update::NextBoot,
       .doc = "Static routes: destination CIDR or address -> gateway address or \"nics[N]\" (on-link)",
       .min = 0, .max = 256, .example = {{"198.51.100.0/24", "10.0.0.254"}}},
      {.path = "init_name", .type = Command, .update = Update::NextBoot,
       .doc = "Program the zone boots as its init: a list (argv, the first an absolute path), or a string "
              "split on blanks (no quoting: a string with quotes or backslashes is refused)",
       .min = 1, .max = 1024, .default_doc = "zonekit's built-in init", .example = "/sbin/init"},
      {.path = "restart_init", .type = Bool, .default_value = true, .update = Update::NextBoot,
       .doc = "Restart the zone's init when it exits, instead of halting the zone", .example = true},
      {.path = "zlog_max_size", .type = Int, .unit = "bytes", .update = Update::NextBoot,
       .doc = "Size at which the zone's console log rotates (one older file is kept), as vmadm's",
       .min = 4096, .max = int64_t{1} << 30, .default_doc = "zonekit.toml [console] log_max_size, 1 MiB",
       .example = 1048576},

      // Metadata.
      {.path = "customer_metadata", .type = Map, .update = Update::Live,
       .doc = "Key/value data for the zone's owner: the zone reads it with mdata-get and changes it with "
              "mdata-put (zoneadmd(8)); at each boot root_authorized_keys becomes /root/.ssh/authorized_keys "
              "and user-script runs once",
       .min = 0, .max = 1024,
       .example = {{"role", "web"}}},
      {.path = "internal_metadata", .type = Map, .update = Update::Live,
       .doc = "Key/value data for the operator; the zone reads keys ending in _pw and those of "
              "internal_metadata_namespaces, read-only",
       .min = 0, .max = 1024,
       .example = {{"backup", "nightly"}}},
      {.path = "tags", .type = Map, .update = Update::Live,
       .doc = "Key/value labels for finding zones (zoneadm list tags.K=V)", .min = 0, .max = 1024,
       .example = {{"env", "prod"}}},

      // File systems.
      {.path = "filesystems", .type = ObjectList, .update = Update::NextBoot,
       .doc = "Host directories mounted into the zone", .min = 0, .max = 64},
      {.path = "filesystems[].type", .type = Enum, .default_value = "lofs", .update = Update::NextBoot,
       .doc = "Mount type: lofs (a bind mount)", .choices = {"lofs"}, .aliases = {{"bind", "lofs"}},
       .example = "lofs"},
      {.path = "filesystems[].source", .type = AbsPath, .update = Update::NextBoot,
       .doc = "Host directory or file to mount; must exist at boot", .min = 1, .max = 4096,
       .example = "/usr/share/doc", .required = true},
      {.path = "filesystems[].target", .type = AbsPath, .update = Update::CreateOnly,
       .doc = "Where it appears in the zone (not /, nor under /proc, /sys or /dev); the key for update",
       .min = 1, .max = 4096, .example = "/srv/doc", .required = true},
      {.path = "filesystems[].options", .type = List, .item = Enum, .update = Update::NextBoot,
       .doc = "Mount options; nosuid and nodevice are always applied", .min = 0, .max = 8,
       .choices = {"ro", "rw", "nodevice", "nosuid", "noexec"}, .aliases = {{"nodev", "nodevice"}},
       .example = json::array({"ro"})},

      // Network interfaces.
      {.path = "nics", .type = ObjectList, .update = Update::NextBoot,
       .doc = "Network interfaces, each a veth on the bridge of its nic tag", .min = 0, .max = 32},
      {.path = "nics[].interface", .type = Interface, .update = Update::CreateOnly,
       .doc = "Interface name inside the zone", .min = 4, .max = 15,
       .default_doc = "net0, net1, ... in array order", .example = "net0"},
      {.path = "nics[].nic_tag", .type = Name, .update = Update::NextBoot,
       .doc = "Host network (nic tag) the interface joins", .min = 1, .max = 31, .example = "demo",
       .in_template = true, .required = true},
      {.path = "nics[].mac", .type = Mac, .update = Update::CreateOnly,
       .doc = "MAC address; the key for update_nics and remove_nics",
       .default_doc = "generated at create (locally administered)", .example = "02:08:20:aa:bb:cc"},
      {.path = "nics[].ips", .type = List, .item = Cidr, .update = Update::NextBoot,
       .doc = "Addresses with prefix length (IPv4 or IPv6 CIDR)", .min = 1, .max = 20,
       .refused = {{"dhcp", no_dhcp}, {"addrconf", "is not supported: zonekit configures addresses "
                                                   "statically; omit ips to allocate one from the nic "
                                                   "tag's pool"}},
       .default_doc = "one address allocated from the nic tag's pool at create",
       .example = json::array({"10.0.0.5/24"})},
      {.path = "nics[].gateways", .type = List, .item = Ip, .update = Update::NextBoot,
       .doc = "Default gateways (used from the primary nic)", .min = 0, .max = 4,
       .default_doc = "the nic tag's gateway when the address is allocated",
       .example = json::array({"10.0.0.1"})},
      {.path = "nics[].ip", .type = Ipv4, .update = Update::NextBoot,
       .doc = "Old form of ips: one IPv4 address, with netmask", .refused = {{"dhcp", no_dhcp}},
       .example = "10.0.0.5", .deprecated = true},
      {.path = "nics[].netmask", .type = Netmask, .update = Update::NextBoot,
       .doc = "Old form: netmask for ip", .example = "255.255.255.0", .deprecated = true},
      {.path = "nics[].gateway", .type = Ipv4, .update = Update::NextBoot,
       .doc = "Old form of gateways: one gateway", .example = "10.0.0.1", .deprecated = true},
      {.path = "nics[].primary", .type = Bool, .default_value = false, .update = Update::NextBoot,
       .doc = "The nic whose gateways give the default route; the first nic when none is marked",
       .example = true},
      {.path = "nics[].mtu", .type = Int, .update = Update::NextBoot, .doc = "Link MTU", .min = 576,
       .max = 9000, .default_doc = "the MTU of the nic tag's bridge", .example = 1500},
      {.path = "nics[].vlan_id", .type = Int, .default_value = 0, .update = Update::NextBoot,
       .doc = "802.1Q VLAN id; 0 = untagged", .min = 0, .max = 4094, .example = 0},
      {.path = "nics[].allow_ip_spoofing", .type = Bool, .default_value = false,
       .update = Update::NextBoot, .doc = "Let the zone send from addresses other than its own",
       .example = false},
      {.path = "nics[].allow_mac_spoofing", .type = Bool, .default_value = false,
       .update = Update::NextBoot, .doc = "Let the zone send from MAC addresses other than its own",
       .example = false},
      {.path = "nics[].allow_dhcp_spoofing", .type = Bool, .default_value = false,
       .update = Update::NextBoot, .doc = "Let the zone act as a DHCP server or send router adverts",
       .example = false},
      {.path = "nics[].allowed_ips", .type = List, .item = IpOrCidr, .update = Update::NextBoot,
       .doc = "Extra source addresses or CIDRs the zone may send from", .min = 0, .max = 64,
       .example = json::array({"10.0.0.64/28"})},


      // vmadm(8) properties stored verbatim and shown by get, not acted on.
      {.path = "internal_metadata_namespaces", .type = List, .item = String, .update = Update::Live,
       .doc = "Key prefixes (\"NS\" for keys \"NS:...\") that zones read from internal_metadata, read-only",
       .min = 0, .max = 64, .example = json::array({"ops"})},
      {.path = "archive_on_delete", .type = Bool, .update = Update::Live,
       .doc = "Keep a copy of the zone's configuration when it is deleted (SmartOS)", .stored_only = true},
      {.path = "billing_id", .type = String, .update = Update::Live,
       .doc = "Billing identifier for external bookkeeping", .min = 0, .max = 4096, .stored_only = true},
      {.path = "bhyve_extra_opts", .type = String, .update = Update::Live,
       .doc = "Extra bhyve arguments of a hardware VM (bhyve)", .min = 0, .max = 4096, .stored_only = true},
      {.path = "boot", .type = String, .update = Update::Live,
       .doc = "Boot order of a hardware VM (kvm)", .min = 0, .max = 4096, .stored_only = true},
      {.path = "bootrom", .type = String, .update = Update::Live,
       .doc = "Boot ROM of a hardware VM (bhyve)", .min = 0, .max = 4096, .stored_only = true},
      {.path = "cpu_type", .type = String, .update = Update::Live,
       .doc = "Emulated CPU of a hardware VM (kvm)", .min = 0, .max = 4096, .stored_only = true},
      {.path = "datasets", .type = Any, .update = Update::Live,
       .doc = "ZFS datasets delegated to the zone", .stored_only = true},
      {.path = "delegate_dataset", .type = Bool, .update = Update::CreateOnly,
       .doc = "Delegate a ZFS dataset to the zone (zonekit has no ZFS)", .stored_only = true},
      {.path = "disks", .type = Any, .update = Update::Live,
       .doc = "Virtual disks of a hardware VM (kvm, bhyve)", .stored_only = true},
      {.path = "disk_driver", .type = String, .update = Update::Live,
       .doc = "Default disk model of a hardware VM (kvm)", .min = 0, .max = 4096, .stored_only = true},
      {.path = "do_not_inventory", .type = Bool, .update = Update::Live,
       .doc = "Hide the zone from external management tools", .stored_only = true},
      {.path = "docker", .type = Bool, .update = Update::Live,
       .doc = "Docker semantics for the zone (SmartOS lx)", .stored_only = true},
      {.path = "firewall_enabled", .type = Bool, .update = Update::Live,
       .doc = "Apply fwadm(8) firewall rules to the zone (SmartOS)", .stored_only = true},
      {.path = "flexible_disk_size", .type = Int, .update = Update::Live,
       .doc = "Space limit of a hardware VM's disks (bhyve)", .min = 0, .max = int64_t{1} << 40, .stored_only = true},
      {.path = "fs_allowed", .type = String, .update = Update::NextBoot,
       .doc = "File system types the zone may mount (illumos zone.fs-allowed)", .min = 0, .max = 4096, .stored_only = true},
      {.path = "indestructible_delegated", .type = Bool, .update = Update::Live,
       .doc = "ZFS hold on the delegated dataset (SmartOS)", .stored_only = true},
      {.path = "indestructible_zoneroot", .type = Bool, .update = Update::Live,
       .doc = "ZFS hold on the zone root (SmartOS)", .stored_only = true},
      {.path = "kernel_version", .type = String, .update = Update::Live,
       .doc = "Linux version an lx zone emulates (SmartOS)", .min = 0, .max = 4096, .stored_only = true},
      {.path = "limit_priv", .type = String, .update = Update::NextBoot,
       .doc = "illumos privileges of the zone (zonekit uses its own capability set)", .min = 0, .max = 4096, .stored_only = true},
      {.path = "maintain_resolvers", .type = Bool, .update = Update::Live,
       .doc = "Rewrite resolv.conf when resolvers change (zonekit rewrites it at every boot)", .stored_only = true},
      {.path = "max_msg_ids", .type = Int, .update = Update::Live,
       .doc = "illumos System V message queue limit", .min = 0, .max = int64_t{1} << 40, .stored_only = true},
      {.path = "max_sem_ids", .type = Int, .update = Update::Live,
       .doc = "illumos System V semaphore limit", .min = 0, .max = int64_t{1} << 40, .stored_only = true},
      {.path = "max_shm_ids", .type = Int, .update = Update::Live,
       .doc = "illumos System V shared memory segment limit", .min = 0, .max = int64_t{1} << 40, .stored_only = true},
      {.path = "max_shm_memory", .type = Int, .update = Update::Live,
       .doc = "illumos System V shared memory limit in MiB", .min = 0, .max = int64_t{1} << 40, .stored_only = true},
      {.path = "mdata_exec_timeout", .type = Int, .update = Update::CreateOnly,
       .doc = "Timeout of SmartOS's user-script service in seconds (zonekit's user-script runs until it exits)", .min = 0, .max = int64_t{1} << 40, .stored_only = true},
      {.path = "nic_driver", .type = String, .update = Update::Live,
       .doc = "Default nic model of a hardware VM (kvm)", .min = 0, .max = 4096, .stored_only = true},
      {.path = "nowait", .type = Bool, .update = Update::CreateOnly,
       .doc = "Consider provisioning done at first boot (SmartOS)", .stored_only = true},
      {.path = "owner_uuid", .type = Uuid, .update = Update::Live,
       .doc = "Owner for external bookkeeping", .stored_only = true},
      {.path = "package_name", .type = String, .update = Update::Live,
       .doc = "Package name for external bookkeeping (Triton)", .min = 0, .max = 4096, .stored_only = true},
      {.path = "package_version", .type = String, .update = Update::Live,
       .doc = "Package version for external bookkeeping (Triton)", .min = 0, .max = 4096, .stored_only = true},
      {.path = "qemu_extra_opts", .type = String, .update = Update::Live,
       .doc = "Extra qemu arguments of a hardware VM (kvm)", .min = 0, .max = 4096, .stored_only = true},
      {.path = "qemu_opts", .type = String, .update = Update::Live,
       .doc = "qemu arguments of a hardware VM (kvm)", .min = 0, .max = 4096, .stored_only = true},
      {.path = "ram", .type = Int, .update = Update::Live,
       .doc = "Memory of a hardware VM in MiB (zonekit uses max_physical_memory; list shows it as ram)", .min = 0, .max = int64_t{1} << 40, .stored_only = true},
      {.path = "server_uuid", .type = Uuid, .update = Update::CreateOnly,
       .doc = "Compute node the zone was placed on (Triton)", .stored_only = true},
      {.path = "spice_opts", .type = String, .update = Update::Live,
       .doc = "SPICE options of a hardware VM (kvm)", .min = 0, .max = 4096, .stored_only = true},
      {.path = "spice_password", .type = String, .update = Update::Live,
       .doc = "SPICE password of a hardware VM (kvm)", .min = 0, .max = 4096, .stored_only = true},
      {.path = "spice_port", .type = Int, .update = Update::Live,
       .doc = "SPICE port of a hardware VM (kvm)", .min = 0, .max = int64_t{1} << 40, .stored_only = true},
      {.path = "vcpus", .type = Int, .update = Update::Live,
       .doc = "Virtual CPUs of a hardware VM", .min = 0, .max = int64_t{1} << 40, .stored_only = true},
      {.path = "vga", .type = String, .update = Update::Live,
       .doc = "Emulated graphics of a hardware VM (kvm)", .min = 0, .max = 4096, .stored_only = true},
      {.path = "virtio09", .type = Bool, .update = Update::Live,
       .doc = "Show virtio 0.9 devices to a hardware VM (bhyve)", .stored_only = true},
      {.path = "virtio1", .type = Bool, .update = Update::Live,
       .doc = "Show virtio 1.0 devices to a hardware VM (bhyve)", .stored_only = true},
      {.path = "virtio_txburst", .type = Int, .update = Update::Live,
       .doc = "virtio tx burst of a hardware VM (kvm)", .min = 0, .max = int64_t{1} << 40, .stored_only = true},
      {.path = "virtio_txtimer", .type = Int, .update = Update::Live,
       .doc = "virtio tx timer of a hardware VM (kvm)", .min = 0, .max = int64_t{1} << 40, .stored_only = true},
      {.path = "vnc_password", .type = String, .update = Update::Live,
       .doc = "VNC password of a hardware VM", .min = 0, .max = 4096, .stored_only = true},
      {.path = "vnc_port", .type = Int, .update = Update::Live,
       .doc = "VNC port of a hardware VM", .min = 0, .max = int64_t{1} << 40, .stored_only = true},
      {.path = "zfs_data_compression", .type = String, .update = Update::Live,
       .doc = "Compression of the delegated dataset (ZFS)", .min = 0, .max = 4096, .stored_only = true},
      {.path = "zfs_data_recsize", .type = Int, .update = Update::Live,
       .doc = "Record size of the delegated dataset (ZFS)", .min = 0, .max = int64_t{1} << 40, .stored_only = true},
      {.path = "zfs_filesystem_limit", .type = Int, .update = Update::Live,
       .doc = "Limit on ZFS file systems under the zone", .min = 0, .max = int64_t{1} << 40, .stored_only = true},
      {.path = "zfs_root_compression", .type = String, .update = Update::Live,
       .doc = "Compression of the zone root (ZFS)", .min = 0, .max = 4096, .stored_only = true},
      {.path = "zfs_root_recsize", .type = Int, .update = Update::Live,
       .doc = "Record size of the zone root (ZFS)", .min = 0, .max = int64_t{1} << 40, .stored_only = true},
      {.path = "zfs_snapshot_limit", .type = Int, .update = Update::Live,
       .doc = "Limit on ZFS snapshots of the zone", .min = 0, .max = int64_t{1} << 40, .stored_only = true},
      {.path = "zonename", .type = String, .update = Update::CreateOnly,
       .doc = "illumos zone name (zonekit names zones by uuid and alias)", .min = 0, .max = 4096, .stored_only = true},
      {.path = "zpool", .type = String, .update = Update::CreateOnly,
       .doc = "ZFS pool of the zone (zonekit uses its store directory)", .min = 0, .max = 4096, .stored_only = true},
      {.path = "nics[].allow_restricted_traffic", .type = Bool, .update = Update::Live,
       .doc = "Let the nic send traffic other than IPv4, IPv6 and ARP (SmartOS)", .stored_only = true},
      {.path = "nics[].allow_unfiltered_promisc", .type = Bool, .update = Update::Live,
       .doc = "Let a hardware VM's nic use several MAC addresses", .stored_only = true},
      {.path = "nics[].allowed_dhcp_cids", .type = Any, .update = Update::Live,
       .doc = "DHCP client identifiers the nic may use", .stored_only = true},
      {.path = "nics[].blocked_outgoing_ports", .type = Any, .update = Update::Live,
       .doc = "Ports the nic may not send to (SmartOS)", .stored_only = true},
      {.path = "nics[].dhcp_server", .type = Bool, .update = Update::Live,
       .doc = "Old form of allow_dhcp_spoofing (SmartOS)", .stored_only = true},
      {.path = "nics[].model", .type = String, .update = Update::Live,
       .doc = "Emulated nic of a hardware VM (kvm)", .min = 0, .max = 4096, .stored_only = true},
      {.path = "nics[].network_uuid", .type = Uuid, .update = Update::Live,
       .doc = "Network for external bookkeeping (Triton)", .stored_only = true},
      {.path = "nics[].vrrp_primary_ip", .type = String, .update = Update::Live,
       .doc = "VRRP source address (SmartOS)", .min = 0, .max = 4096, .stored_only = true},
      {.path = "nics[].vrrp_vrid", .type = Int, .update = Update::Live,
       .doc = "VRRP virtual router id (SmartOS)", .min = 0, .max = 255, .stored_only = true},
      {.path = "filesystems[].raw", .type = String, .update = Update::Live,
       .doc = "Raw device of a mounted file system (illumos)", .min = 0, .max = 4096, .stored_only = true},

      // Read-only: assigned or derived by zonekit, shown by `zoneadm get`.
      {.path = "create_timestamp", .type = Timestamp, .update = Update::ReadOnly,
       .doc = "When the zone was created (ISO 8601 UTC)", .min = 1, .max = 64},
      {.path = "last_modified", .type = Timestamp, .update = Update::ReadOnly,
       .doc = "When the zone's manifest last changed (ISO 8601 UTC)", .min = 1, .max = 64},
      {.path = "state", .type = String, .update = Update::ReadOnly,
       .doc = "Zone state as zoneadm list shows it", .min = 1, .max = 32},
      {.path = "zone_state", .type = String, .update = Update::ReadOnly,
       .doc = "Lower-level zone state", .min = 1, .max = 32},
      {.path = "zonepath", .type = AbsPath, .update = Update::ReadOnly,
       .doc = "Directory holding the zone's data on the host", .min = 1, .max = 4096},
      {.path = "pid", .type = Int, .update = Update::ReadOnly,
       .doc = "Host pid of the zone's init while it runs", .min = 0, .max = 4194304},
      {.path = "boot_timestamp", .type = Timestamp, .update = Update::ReadOnly,
       .doc = "When the zone last booted (ISO 8601 UTC)", .min = 1, .max = 64},
      {.path = "exit_status", .type = Int, .update = Update::ReadOnly,
       .doc = "Exit status of the zone's last init (128+N for signal N)", .min = -1, .max = 255},
      {.path = "exit_timestamp", .type = Timestamp, .update = Update::ReadOnly,
       .doc = "When the zone's init last exited (ISO 8601 UTC)", .min = 1, .max = 64},
      {.path = "hvm", .type = Bool, .update = Update::ReadOnly,
       .doc = "Whether the zone is a hardware VM (vmadm; always false here)"},
      {.path = "type", .type = String, .update = Update::ReadOnly,
       .doc = "vmadm's zone type: OS for every zonekit zone", .min = 1, .max = 8},
      {.path = "zoneid", .type = Any, .update = Update::ReadOnly, .doc = "illumos zone id (vmadm; not kept)"},
      {.path = "zonedid", .type = Any, .update = Update::ReadOnly, .doc = "illumos zone debug id (vmadm; not kept)"},
      {.path = "snapshots", .type = Any, .update = Update::ReadOnly, .doc = "ZFS snapshots of the zone (vmadm; not kept)"},
      {.path = "free_space", .type = Any, .update = Update::ReadOnly, .doc = "Unallocated disk space of a bhyve VM (vmadm; not kept)"},
      {.path = "transition_to", .type = Any, .update = Update::ReadOnly, .doc = "State a zone is moving to (vmadm; not kept)"},
      {.path = "transition_expire", .type = Any, .update = Update::ReadOnly, .doc = "When a transition times out (vmadm; not kept)"},
      {.path = "platform_buildstamp", .type = Any, .update = Update::ReadOnly, .doc = "SmartOS platform build (vmadm; not kept)"},
      {.path = "zlog_mode", .type = Any, .update = Update::ReadOnly, .doc = "Log mode of a docker zone (vmadm; not kept)"},
      {.path = "v", .type = Any, .update = Update::ReadOnly, .doc = "vmadm object version (not kept)"},
      {.path = "user_script_exit_status", .type = Int, .update = Update::ReadOnly,
       .doc = "Exit status of this boot's user-script (absent while it runs or when there is none)",
       .min = -1, .max = 255},
      {.path = "provision_error", .type = String, .update = Update::ReadOnly,
       .doc = "Why root_authorized_keys or user-script could not be applied at this boot", .min = 0, .max = 65536},
      {.path = "uid_base", .type = Int, .update = Update::ReadOnly,
       .doc = "First host uid and gid of the zone's 65536-id range", .min = 0,
       .max = int64_t{4294967295} - 65536},
  };
}

std::string canonical(std::string_view path) {
  // "nics.0.ips" / "nics[0].ips" / "nics.ips" -> "nics[].ips"
  std::string out;
  std::string_view rest = path;
  bool first = true;
  while (!rest.empty()) {
    size_t dot = rest.find('.');
    std::string_view seg = rest.substr(0, dot);
    rest = dot == std::string_view::npos ? std::string_view{} : rest.substr(dot + 1);
    if (!seg.empty() && std::all_of(seg.begin(), seg.end(), [](char c) { return std::isdigit((unsigned char)c); })) {
      if (!out.ends_with("[]")) out += "[]";
      continue;
    }
    if (size_t br = seg.find('['); br != std::string_view::npos) seg = seg.substr(0, br);
    if (!first) {
      if (!out.ends_with("[]")) out += "[]";
      out += '.';
    }
    out += seg;
    first = false;
  }
  return out;
}

}  // namespace

const std::vector<Property>& schema() {
  static const std::vector<Property> table = build();
  return table;
}

std::string schema_path(std::string_view path) { return canonical(path); }

const Property* find_property(std::string_view path) {
  std::string want = canonical(path);
  if (want.ends_with("[]")) want.resize(want.size() - 2);
  for (const auto& p : schema())
    if (p.path == want) return &p;
  return nullptr;
}

std::vector<const Property*> children(std::string_view parent) {
  std::vector<const Property*> out;
  std::string prefix = parent.empty() ? "" : std::string(parent) + "[].";
  for (const auto& p : schema()) {
    if (!p.path.starts_with(prefix)) continue;
    std::string_view rest = std::string_view(p.path).substr(prefix.size());
    if (rest.find('.') == std::string_view::npos) out.push_back(&p);
  }
  return out;
}

std::vector<std::string> property_names(bool include_read_only) {
  std::vector<std::string> out;
  for (const auto& p : schema())
    if (include_read_only || p.update != Update::ReadOnly) out.push_back(p.path);
  return out;
}

std::string_view update_name(Update u) {
  switch (u) {
    case Update::CreateOnly: return "create only";
    case Update::Live: return "live";
    case Update::NextBoot: return "next boot";
    case Update::ReadOnly: return "read only";
  }
  return "";
}

namespace {
std::string scalar_type_name(Type t, const Property& p) {
  switch (t) {
    case String: return "string";
    case Bool: return "boolean";
    case Int: return "integer";
    case Uuid: return "UUID";
    case Alias: return "alias";
    case Hostname: return "host name";
    case DomainName: return "domain name";
    case Name: return "name";
    case Interface: return "interface name (netN)";
    case Enum: {
      std::string s = "one of ";
      for (size_t i = 0; i < p.choices.size(); ++i) s += (i ? ", " : "") + p.choices[i];
      return s;
    }
    case Mac: return "MAC address";
    case Ip: return "IPv4 or IPv6 address";
    case Ipv4: return "IPv4 address";
    case Netmask: return "IPv4 netmask";
    case Cidr: return "IPv4 or IPv6 CIDR";
    case IpOrCidr: return "IPv4 or IPv6 address or CIDR";
    case AbsPath: return "absolute path";
    case Command: return "command (list of words, or a string split on blanks)";
    case Timestamp: return "timestamp";
    case List: return "list";
    case Map: return "object of string keys to strings, numbers or booleans";
    case RouteMap: return "object of destination to gateway";
    case ObjectList: return "list of objects";
    case Any: return "any JSON value";
  }
  return "value";
}
}  // namespace

std::string type_name(const Property& p) {
  if (p.type == List && p.item == Enum) {
    std::string s = "list of ";
    for (size_t i = 0; i < p.choices.size(); ++i)
      s += (i == 0 ? "" : i + 1 == p.choices.size() ? " or " : ", ") + p.choices[i];
    return s;
  }
  if (p.type == List) {
    std::string s = scalar_type_name(p.item, p);
    if (p.item == IpOrCidr) return "list of IPv4 or IPv6 addresses or CIDRs";
    if (s.ends_with("address")) return "list of " + s + "es";
    return "list of " + s + "s";
  }
  return scalar_type_name(p.type, p);
}

std::vector<std::string> stored_only_keys(const nlohmann::json& doc) {
  std::vector<std::string> out;
  if (!doc.is_object()) return out;
  for (const auto& p : schema()) {
    if (!p.stored_only) continue;
    size_t br = p.path.find("[].");
    if (br == std::string::npos) {
      if (doc.contains(p.path) && !doc[p.path].is_null()) out.push_back(p.path);
      continue;
    }
    std::string list = p.path.substr(0, br), leaf = p.path.substr(br + 3);
    auto it = doc.find(list);
    if (it == doc.end() || !it->is_array()) continue;
    for (const auto& item : *it)
      if (item.is_object() && item.contains(leaf) && !item[leaf].is_null()) {
        out.push_back(p.path);
        break;
      }
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::string nearest(std::string_view name, const std::vector<std::string>& candidates) {
  auto distance = [](std::string_view a, std::string_view b) {
    // Optimal string alignment distance (Levenshtein plus transpositions).
    std::vector<std::vector<size_t>> d(a.size() + 1, std::vector<size_t>(b.size() + 1));
    for (size_t i = 0; i <= a.size(); ++i) d[i][0] = i;
    for (size_t j = 0; j <= b.size(); ++j) d[0][j] = j;
    for (size_t i = 1; i <= a.size(); ++i)
      for (size_t j = 1; j <= b.size(); ++j) {
        size_t cost = std::tolower((unsigned char)a[i - 1]) == std::tolower((unsigned char)b[j - 1]) ? 0 : 1;
        d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
        if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
          d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
      }
    return d[a.size()][b.size()];
  };
  if (name.size() > 256) return "";
  std::string best;
  size_t best_d = SIZE_MAX;
  for (const auto& c : candidates) {
    size_t dd = distance(name, c);
    if (dd < best_d) best_d = dd, best = c;
  }
  size_t allowed = std::max<size_t>(2, name.size() / 3);
  return best_d <= allowed && best_d < name.size() ? best : "";
}

}  // namespace zonekit::manifest
