// What zonekit says to systemd over D-Bus, as data: a call is a member of
// systemd's Manager (or a unit's Properties) with typed arguments, built by
// pure functions and rendered as text for tests (tests/unit/golden/), and
// sent by one small edge (sd-bus) that marshals exactly those values. A Bus
// is that edge; tests put a recording fake in its place.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/sys/result.hpp"

namespace zonekit::dbus {

// A D-Bus value, enough of the type system for systemd's API: the basic
// types s o b u t i, variants, arrays and structs.
struct Value {
  char type = 's';          // 's' 'o' 'b' 'u' 't' 'i' 'v' 'a', '(' for a struct
  std::string text;         // s, o
  uint64_t number = 0;      // b u t (i: two's complement)
  std::string element;      // a: the element signature (an empty array needs it)
  std::vector<Value> items;  // a: elements; '(': fields; v: the one value inside

  static Value str(std::string s);
  static Value object_path(std::string s);
  static Value boolean(bool b);
  static Value u32(uint32_t n);
  static Value u64(uint64_t n);
  static Value variant(Value inner);
  static Value array(std::string element, std::vector<Value> items);
  static Value tuple(std::vector<Value> fields);
  bool operator==(const Value&) const = default;
};

// "s", "a(sv)", "(sv)" ...
std::string signature(const Value& v);
std::string signature(const std::vector<Value>& args);
// GVariant-like text: "text" (escaped), /object/path, true, uint32 5,
// uint64 5, <"in a variant">, [a, b], ("a", <true>).
std::string render(const Value& v);

inline constexpr const char* kSystemd = "org.freedesktop.systemd1";
inline constexpr const char* kManagerPath = "/org/freedesktop/systemd1";
inline constexpr const char* kManager = "org.freedesktop.systemd1.Manager";

struct Call {
  std::string destination = kSystemd;
  std::string path = kManagerPath;
  std::string interface = kManager;
  std::string member;
  std::vector<Value> args;
};

// "> org.freedesktop.systemd1.Manager.StartTransientUnit(ssa(sv)a(sa(sv)))"
// then one argument a line (a non-empty array one element a line), and for
// a call on another object its path: the text the golden files hold.
std::string render(const Call& c);

// D-Bus errors come back as an Error whose detail is
// "<error name>: <message>"; this tells one name from another.
bool is_bus_error(const Error& e, std::string_view name);
Error bus_error(std::string name, std::string message);

class Bus {
 public:
  virtual ~Bus() = default;
  // Send and wait for the reply: its values (basic types and variants of
  // them), or the D-Bus error.
  virtual Result<std::vector<Value>> call(const Call& c) = 0;
  // Wait for systemd's JobRemoved signal of job (an object path a call
  // returned) and return its result: "done", "failed", "canceled",
  // "timeout", "dependency", "skipped". The bus watches for JobRemoved
  // from its start, so a job that ended before the wait is seen.
  virtual Result<std::string> wait_job(const std::string& job, int timeout_ms) = 0;
};

// The system bus (dbus-daemon); where that does not answer, systemd's own
// socket (/run/systemd/private, root only), as systemctl does.
Result<std::unique_ptr<Bus>> connect_system();

}  // namespace zonekit::dbus
