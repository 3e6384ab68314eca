// The pure half of dbus.hpp: values, signatures and their text.
#include "core/runtime/dbus.hpp"

#include <cstdio>

namespace zonekit::dbus {

Value Value::str(std::string s) {
  Value v;
  v.type = 's';
  v.text = std::move(s);
  return v;
}

Value Value::object_path(std::string s) {
  Value v;
  v.type = 'o';
  v.text = std::move(s);
  return v;
}

Value Value::boolean(bool b) {
  Value v;
  v.type = 'b';
  v.number = b ? 1 : 0;
  return v;
}

Value Value::u32(uint32_t n) {
  Value v;
  v.type = 'u';
  v.number = n;
  return v;
}

Value Value::u64(uint64_t n) {
  Value v;
  v.type = 't';
  v.number = n;
  return v;
}

Value Value::variant(Value inner) {
  Value v;
  v.type = 'v';
  v.items.push_back(std::move(inner));
  return v;
}

Value Value::array(std::string element, std::vector<Value> items) {
  Value v;
  v.type = 'a';
  v.element = std::move(element);
  v.items = std::move(items);
  return v;
}

Value Value::tuple(std::vector<Value> fields) {
  Value v;
  v.type = '(';
  v.items = std::move(fields);
  return v;
}

std::string signature(const Value& v) {
  switch (v.type) {
    case 'a':
      return "a" + v.element;
    case '(':
      return "(" + signature(v.items) + ")";
    default:
      return std::string(1, v.type);
  }
}

std::string signature(const std::vector<Value>& args) {
  std::string out;
  for (const auto& a : args) out += signature(a);
  return out;
}

namespace {

std::string quote(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", static_cast<unsigned char>(c));
      out += buf;
    } else {
      out += c;
    }
  }
  return out + "\"";
}

std::string join(const std::vector<Value>& items) {
  std::string out;
  for (size_t i = 0; i < items.size(); ++i) out += (i ? ", " : "") + render(items[i]);
  return out;
}

}  // namespace

std::string render(const Value& v) {
  switch (v.type) {
    case 's':
      return quote(v.text);
    case 'o':
      return v.text;
    case 'b':
      return v.number ? "true" : "false";
    case 'u':
      return "uint32 " + std::to_string(v.number);
    case 't':
      return "uint64 " + std::to_string(v.number);
    case 'i':
      return "int32 " + std::to_string(static_cast<int32_t>(v.number));
    case 'v':
      return "<" + (v.items.empty() ? std::string() : render(v.items[0])) + ">";
    case 'a':
      return v.items.empty() ? "@" + signature(v) + " []" : "[" + join(v.items) + "]";
    case '(':
      return "(" + join(v.items) + ")";
  }
  return "?";
}

std::string render(const Call& c) {
  std::string out = "> " + c.interface + "." + c.member + "(" + signature(c.args) + ")";
  if (c.destination != kSystemd) out += " to " + c.destination;
  if (c.path != kManagerPath) out += " on " + c.path;
  out += "\n";
  for (const auto& a : c.args) {
    if (a.type == 'a' && !a.items.empty()) {
      out += "    [\n";
      for (const auto& item : a.items) out += "      " + render(item) + "\n";
      out += "    ]\n";
    } else {
      out += "    " + render(a) + "\n";
    }
  }
  return out;
}

bool is_bus_error(const Error& e, std::string_view name) {
  return e.detail.size() >= name.size() && std::string_view(e.detail).substr(0, name.size()) == name &&
         (e.detail.size() == name.size() || e.detail[name.size()] == ':');
}

Error bus_error(std::string name, std::string message) {
  Error e;
  e.detail = std::move(name);
  if (!message.empty()) e.detail += ": " + message;
  if (is_bus_error(e, "org.freedesktop.systemd1.NoSuchUnit")) e.kind = ErrorKind::NotFound;
  return e;
}

}  // namespace zonekit::dbus
