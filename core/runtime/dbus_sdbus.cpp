// The edge of dbus.hpp: a Bus over sd-bus (libsystemd). It marshals a Call's
// values one by one, so what goes on the wire is what render() shows.
#include <systemd/sd-bus.h>

#include <cerrno>
#include <cstring>
#include <map>

#include "core/runtime/dbus.hpp"
#include "core/sys/clock.hpp"

namespace zonekit::dbus {
namespace {

// sd-bus returns -errno.
std::unexpected<Error> bus_errno(const std::string& op, const std::string& object, int r) {
  return sys_error(op, object, -r);
}

int append(sd_bus_message* m, const Value& v) {
  switch (v.type) {
    case 's':
    case 'o':
      return sd_bus_message_append_basic(m, v.type, v.text.c_str());
    case 'b': {
      int b = v.number ? 1 : 0;
      return sd_bus_message_append_basic(m, 'b', &b);
    }
    case 'u': {
      uint32_t n = static_cast<uint32_t>(v.number);
      return sd_bus_message_append_basic(m, 'u', &n);
    }
    case 'i': {
      int32_t n = static_cast<int32_t>(v.number);
      return sd_bus_message_append_basic(m, 'i', &n);
    }
    case 't': {
      uint64_t n = v.number;
      return sd_bus_message_append_basic(m, 't', &n);
    }
    case 'v':
    case 'a':
    case '(': {
      if (v.type == 'v' && v.items.size() != 1) return -EINVAL;
      const std::string contents =
          v.type == 'v' ? signature(v.items[0]) : v.type == 'a' ? v.element : signature(v.items);
      const char kind = v.type == '(' ? 'r' : v.type;
      int r = sd_bus_message_open_container(m, kind, contents.c_str());
      if (r < 0) return r;
      for (const auto& item : v.items)
        if ((r = append(m, item)) < 0) return r;
      return sd_bus_message_close_container(m);
    }
  }
  return -EINVAL;
}

// One value of the reply: basic types, and variants holding one.
int read_value(sd_bus_message* m, Value& out) {
  char type = 0;
  const char* contents = nullptr;
  int r = sd_bus_message_peek_type(m, &type, &contents);
  if (r <= 0) return r < 0 ? r : -EBADMSG;
  switch (type) {
    case 's':
    case 'o': {
      const char* s = nullptr;
      if ((r = sd_bus_message_read_basic(m, type, &s)) < 0) return r;
      out = type == 's' ? Value::str(s) : Value::object_path(s);
      return 0;
    }
    case 'b': {
      int b = 0;
      if ((r = sd_bus_message_read_basic(m, 'b', &b)) < 0) return r;
      out = Value::boolean(b);
      return 0;
    }
    case 'u': {
      uint32_t n = 0;
      if ((r = sd_bus_message_read_basic(m, 'u', &n)) < 0) return r;
      out = Value::u32(n);
      return 0;
    }
    case 't': {
      uint64_t n = 0;
      if ((r = sd_bus_message_read_basic(m, 't', &n)) < 0) return r;
      out = Value::u64(n);
      return 0;
    }
    case 'v': {
      if ((r = sd_bus_message_enter_container(m, 'v', contents)) < 0) return r;
      Value inner;
      if ((r = read_value(m, inner)) < 0) return r;
      out = Value::variant(std::move(inner));
      return sd_bus_message_exit_container(m);
    }
    default: {
      // Not needed by zonekit: skipped, shown by its signature.
      std::string sig(1, type);
      if (contents) sig = (type == 'r' ? "(" + std::string(contents) + ")" : sig + contents);
      if ((r = sd_bus_message_skip(m, sig.c_str())) < 0) return r;
      out = Value::str("<" + sig + ">");
      return 0;
    }
  }
}

class SdBus final : public Bus {
 public:
  ~SdBus() override {
    sd_bus_slot_unref(slot_);
    sd_bus_flush_close_unref(bus_);
  }

  Result<void> open(const char* address) {
    int r = sd_bus_new(&bus_);
    if (r < 0) return bus_errno("sd_bus_new", "", r);
    if ((r = sd_bus_set_address(bus_, address)) < 0) return bus_errno("connect", address, r);
    // The system bus: a client of dbus-daemon. systemd's private socket:
    // a direct peer connection.
    const bool direct = std::string_view(address).find("/run/systemd/private") != std::string_view::npos;
    if ((r = sd_bus_set_bus_client(bus_, !direct)) < 0) return bus_errno("connect", address, r);
    if ((r = sd_bus_start(bus_)) < 0) return bus_errno("connect", address, r);
    // Before any call: a job may end before the caller waits for it.
    // (A direct peer's messages carry no sender to match.)
    r = sd_bus_match_signal(bus_, &slot_, direct ? nullptr : kSystemd, kManagerPath, kManager, "JobRemoved",
                            on_job_removed, this);
    if (r < 0) return bus_errno("watch JobRemoved", address, r);
    return {};
  }

  Result<std::vector<Value>> call(const Call& c) override {
    sd_bus_message* m = nullptr;
    int r = sd_bus_message_new_method_call(bus_, &m, c.destination.c_str(), c.path.c_str(), c.interface.c_str(),
                                           c.member.c_str());
    if (r < 0) return bus_errno("D-Bus message", c.member, r);
    for (const auto& a : c.args)
      if (r >= 0) r = append(m, a);
    if (r < 0) {
      sd_bus_message_unref(m);
      return bus_errno("D-Bus message", c.member, r);
    }
    sd_bus_error err = SD_BUS_ERROR_NULL;
    sd_bus_message* reply = nullptr;
    r = sd_bus_call(bus_, m, 30 * 1000 * 1000ULL, &err, &reply);
    sd_bus_message_unref(m);
    if (r < 0) {
      Error e = sd_bus_error_is_set(&err) ? bus_error(err.name, err.message ? err.message : "")
                                          : bus_error("errno", std::string(strerror(-r)));
      sd_bus_error_free(&err);
      return std::unexpected(std::move(e));
    }
    std::vector<Value> out;
    while ((r = sd_bus_message_at_end(reply, 0)) == 0) {
      Value v;
      if ((r = read_value(reply, v)) < 0) break;
      out.push_back(std::move(v));
    }
    sd_bus_message_unref(reply);
    if (r < 0) return bus_errno("D-Bus reply", c.member, r);
    return out;
  }

  Result<std::string> wait_job(const std::string& job, int timeout_ms) override {
    const int64_t deadline = sys::mono_ms() + timeout_ms;
    for (;;) {
      if (auto it = removed_.find(job); it != removed_.end()) return it->second;
      int r = sd_bus_process(bus_, nullptr);
      if (r < 0) return bus_errno("D-Bus wait for", job, r);
      if (r > 0) continue;
      const int64_t left = deadline - sys::mono_ms();
      if (left <= 0) return fail("D-Bus: no JobRemoved for " + job + " within " + std::to_string(timeout_ms) + " ms");
      if ((r = sd_bus_wait(bus_, static_cast<uint64_t>(left) * 1000)) < 0) return bus_errno("D-Bus wait for", job, r);
    }
  }

 private:
  static int on_job_removed(sd_bus_message* m, void* self, sd_bus_error*) {
    uint32_t id = 0;
    const char *job = nullptr, *unit = nullptr, *result = nullptr;
    if (sd_bus_message_read(m, "uoss", &id, &job, &unit, &result) >= 0 && job && result)
      static_cast<SdBus*>(self)->removed_[job] = result;
    return 0;
  }

  sd_bus* bus_ = nullptr;
  sd_bus_slot* slot_ = nullptr;
  std::map<std::string, std::string> removed_;  // job path -> result
};

}  // namespace

Result<std::unique_ptr<Bus>> connect_system() {
  auto bus = std::make_unique<SdBus>();
  auto r = bus->open("unix:path=/run/dbus/system_bus_socket");
  if (r) return std::unique_ptr<Bus>(std::move(bus));
  auto direct = std::make_unique<SdBus>();
  if (direct->open("unix:path=/run/systemd/private")) return std::unique_ptr<Bus>(std::move(direct));
  return std::unexpected(std::move(r.error()).wrap("systemd"));
}

}  // namespace zonekit::dbus
