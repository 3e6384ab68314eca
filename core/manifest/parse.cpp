#include "core/manifest/parse.hpp"

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/exceptions.h>
#include <yaml-cpp/mark.h>
#include <yaml-cpp/parser.h>

#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <regex>
#include <set>
#include <sstream>

#include "core/manifest/syntax.hpp"

namespace zonekit::manifest {

using json = nlohmann::json;

std::string Diagnostic::str() const {
  std::string out;
  if (!source.empty()) {
    out = source;
    if (line > 0) out += ":" + std::to_string(line) + ":" + std::to_string(column);
    out += ": ";
  } else if (line > 0) {
    out = std::to_string(line) + ":" + std::to_string(column) + ": ";
  }
  if (!path.empty()) out += path + ": ";
  return out + message;
}

std::string format_diagnostics(const std::vector<Diagnostic>& diags) {
  std::string out;
  for (const auto& d : diags) out += d.str() + "\n";
  return out;
}

std::string quote(const json& value) {
  std::string s = value.dump(-1, ' ', false, json::error_handler_t::replace);
  constexpr size_t kMax = 80;
  if (s.size() > kMax) {
    s.resize(kMax);
    s += value.is_string() ? "...\"" : "...";
  }
  return s;
}

namespace {

std::string child_path(const std::string& parent, const std::string& key) {
  return parent.empty() ? key : parent + "." + key;
}
std::string index_path(const std::string& parent, size_t i) {
  return parent + "[" + std::to_string(i) + "]";
}

// ---- JSON: a SAX handler that builds the document and refuses duplicate
// keys and deep nesting, keeping track of the path for messages.
class JsonBuilder {
 public:
  json root;
  std::optional<Diagnostic> error;

  bool null() { return put(json(nullptr)); }
  bool boolean(bool v) { return put(json(v)); }
  bool number_integer(json::number_integer_t v) { return put(json(v)); }
  bool number_unsigned(json::number_unsigned_t v) { return put(json(v)); }
  bool number_float(json::number_float_t v, const std::string&) { return put(json(v)); }
  bool string(std::string& v) { return put(json(std::move(v))); }
  bool binary(json::binary_t&) { return put(json(nullptr)); }
  bool start_object(std::size_t) { return open(json::object()); }
  bool start_array(std::size_t) { return open(json::array()); }
  bool end_object() { return close(); }
  bool end_array() { return close(); }
  bool key(std::string& k) {
    Frame& f = stack_.back();
    if (!f.keys.insert(k).second) {
      error = Diagnostic{child_path(f.path, k), "duplicate key"};
      return false;
    }
    f.key = k;
    return true;
  }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception& ex) {
    // "[json.exception.parse_error.101] parse error at line 3, column 7: syntax error ..."
    static const std::regex re(R"(at line (\d+), column (\d+): (.*))");
    std::string what = ex.what();
    if (what.size() > 200) what = what.substr(0, 200) + "...'";  // the last token may be huge
    std::smatch m;
    Diagnostic d;
    if (std::regex_search(what, m, re)) {
      d.line = std::stoi(m[1]);
      d.column = std::stoi(m[2]);
      d.message = "invalid JSON: " + m[3].str();
    } else {
      d.message = "invalid JSON: " + what;
    }
    error = d;
    return false;
  }

 private:
  struct Frame {
    json value;
    std::string path;
    std::string key;
    std::set<std::string> keys;
  };
  std::vector<Frame> stack_;

  std::string next_path() const {
    if (stack_.empty()) return "";
    const Frame& f = stack_.back();
    return f.value.is_object() ? child_path(f.path, f.key) : index_path(f.path, f.value.size());
  }
  bool put(json v) {
    if (stack_.empty()) {
      root = std::move(v);
    } else if (Frame& f = stack_.back(); f.value.is_object()) {
      f.value[f.key] = std::move(v);
    } else {
      f.value.push_back(std::move(v));
    }
    return true;
  }
  bool open(json v) {
    if (stack_.size() >= size_t(kMaxDepth)) {
      error = Diagnostic{next_path(), "nesting deeper than " + std::to_string(kMaxDepth) + " levels"};
      return false;
    }
    std::string p = next_path();
    stack_.push_back(Frame{std::move(v), std::move(p), {}, {}});
    return true;
  }
  bool close() {
    json v = std::move(stack_.back().value);
    stack_.pop_back();
    return put(std::move(v));
  }
};

// ---- YAML: an event handler with the same duties, plus positions.
struct YamlAbort {
  Diagnostic diag;
};

// A float, or the text itself when it does not fit a double (1e999).
json to_float(const std::string& digits, const std::string& text) {
  errno = 0;
  double d = std::strtod(digits.c_str(), nullptr);
  if (errno == ERANGE || !std::isfinite(d)) return text;
  return d;
}

// Plain (unquoted) scalar -> JSON value, YAML 1.2 core schema made strict.
json resolve_plain(const std::string& s) {
  if (s.empty() || s == "~" || s == "null" || s == "Null" || s == "NULL") return nullptr;
  if (s == "true" || s == "True" || s == "TRUE") return true;
  if (s == "false" || s == "False" || s == "FALSE") return false;
  if (s.size() > 64) return s;  // no number is this long; and std::regex recurses per character
  static const std::regex int_re(R"([-+]?(0|[1-9][0-9]*))");
  static const std::regex float_re(R"([-+]?(\.[0-9]+|(0|[1-9][0-9]*)(\.[0-9]*)?)([eE][-+]?[0-9]+)?)");
  if (std::regex_match(s, int_re)) {
    std::string_view digits = s;
    if (digits.front() == '+') digits.remove_prefix(1);
    int64_t i;
    auto [p, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), i);
    if (ec == std::errc() && p == digits.data() + digits.size()) return i;
    uint64_t u;
    auto [p2, ec2] = std::from_chars(digits.data(), digits.data() + digits.size(), u);
    if (ec2 == std::errc() && p2 == digits.data() + digits.size()) return u;
    return to_float(std::string(digits), s);  // beyond 64 bits: a float, as JSON does
  }
  if (std::regex_match(s, float_re)) return to_float(s, s);
  return s;
}

class YamlBuilder : public YAML::EventHandler {
 public:
  json root;
  std::map<std::string, std::pair<int, int>>* positions = nullptr;
  int documents = 0;

  void OnDocumentStart(const YAML::Mark&) override { ++documents; }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark& mark, YAML::anchor_t) override { value(mark, nullptr, true, ""); }
  void OnAlias(const YAML::Mark& mark, YAML::anchor_t) override {
    fail(mark, "YAML aliases (*name) are not supported; write the value out");
  }
  void OnScalar(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t,
                const std::string& v) override {
    if (!is_valid_utf8(v)) fail(mark, "text is not valid UTF-8");
    json j;
    if (tag == "?") {
      j = resolve_plain(v);
    } else if (tag == "!" || tag == "tag:yaml.org,2002:str") {
      j = v;
    } else if (tag == "tag:yaml.org,2002:int" || tag == "tag:yaml.org,2002:bool" ||
               tag == "tag:yaml.org,2002:null" || tag == "tag:yaml.org,2002:float") {
      j = resolve_plain(v);
    } else {
      fail(mark, "YAML tag \"" + tag + "\" is not supported");
    }
    value(mark, std::move(j), true, v);
  }
  void OnSequenceStart(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t,
                       YAML::EmitterStyle::value) override {
    check_tag(mark, tag, "tag:yaml.org,2002:seq");
    open(mark, json::array());
  }
  void OnSequenceEnd() override { close(); }
  void OnMapStart(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t,
                  YAML::EmitterStyle::value) override {
    check_tag(mark, tag, "tag:yaml.org,2002:map");
    open(mark, json::object());
  }
  void OnMapEnd() override { close(); }

 private:
  struct Frame {
    json value;
    std::string path;
    bool have_key = false;
    std::string key;
    std::set<std::string> keys;
  };
  std::vector<Frame> stack_;

  [[noreturn]] void fail(const YAML::Mark& mark, std::string msg, std::string path = "") {
    throw YamlAbort{Diagnostic{std::move(path), std::move(msg), mark.line + 1, mark.column + 1}};
  }
  void check_tag(const YAML::Mark& mark, const std::string& tag, const std::string& own) {
    if (tag != "?" && tag != "!" && tag != own && !tag.empty())
      fail(mark, "YAML tag \"" + tag + "\" is not supported");
  }
  void remember(const std::string& path, const YAML::Mark& mark) {
    if (positions) positions->emplace(path, std::pair{mark.line + 1, mark.column + 1});
  }
  // Returns the path the next value gets, or consumes a map key.
  bool take_key(const YAML::Mark& mark, const json& v, bool scalar) {
    if (stack_.empty()) return false;
    Frame& f = stack_.back();
    if (!f.value.is_object() || f.have_key) return false;
    if (!scalar) fail(mark, "mapping keys must be plain strings", f.path);
    std::string k = v.is_string() ? v.get<std::string>() : v.dump();
    if (!f.keys.insert(k).second) fail(mark, "duplicate key", child_path(f.path, k));
    f.key = k;
    f.have_key = true;
    remember(child_path(f.path, k), mark);
    return true;
  }
  std::string next_path(const YAML::Mark& mark) {
    if (stack_.empty()) return "";
    Frame& f = stack_.back();
    if (f.value.is_object()) return child_path(f.path, f.key);
    std::string p = index_path(f.path, f.value.size());
    remember(p, mark);
    return p;
  }
  void value(const YAML::Mark& mark, json v, bool scalar, const std::string&) {
    if (take_key(mark, v, scalar)) return;
    next_path(mark);
    put(std::move(v));
  }
  void put(json v) {
    if (stack_.empty()) {
      root = std::move(v);
      return;
    }
    Frame& f = stack_.back();
    if (f.value.is_object()) {
      f.value[f.key] = std::move(v);
      f.have_key = false;
    } else {
      f.value.push_back(std::move(v));
    }
  }
  void open(const YAML::Mark& mark, json v) {
    if (!stack_.empty() && stack_.back().value.is_object() && !stack_.back().have_key)
      fail(mark, "mapping keys must be plain strings", stack_.back().path);
    std::string p = next_path(mark);
    if (stack_.size() >= size_t(kMaxDepth))
      fail(mark, "nesting deeper than " + std::to_string(kMaxDepth) + " levels", p);
    stack_.push_back(Frame{std::move(v), std::move(p), false, {}, {}});
  }
  void close() {
    json v = std::move(stack_.back().value);
    stack_.pop_back();
    put(std::move(v));
  }
};

bool ends_with_icase(std::string_view s, std::string_view suffix) {
  if (s.size() < suffix.size()) return false;
  for (size_t i = 0; i < suffix.size(); ++i)
    if (std::tolower((unsigned char)s[s.size() - suffix.size() + i]) != suffix[i]) return false;
  return true;
}

Parsed parse_json(std::string_view text) {
  Parsed out;
  out.format = Format::Json;
  JsonBuilder b;
  bool ok = json::sax_parse(text.begin(), text.end(), &b, json::input_format_t::json, true);
  if (!ok || b.error) {
    out.errors.push_back(b.error.value_or(Diagnostic{"", "invalid JSON"}));
    return out;
  }
  out.doc = std::move(b.root);
  return out;
}

Parsed parse_yaml(std::string_view text) {
  Parsed out;
  out.format = Format::Yaml;
  YamlBuilder b;
  b.positions = &out.positions;
  try {
    std::istringstream in{std::string(text)};
    YAML::Parser parser(in);
    parser.HandleNextDocument(b);
    if (b.documents > 0) {
      YamlBuilder rest;
      if (parser.HandleNextDocument(rest))
        out.errors.push_back(Diagnostic{"", "more than one YAML document"});
    }
  } catch (const YamlAbort& a) {
    out.errors.push_back(a.diag);
  } catch (const YAML::Exception& e) {
    out.errors.push_back(Diagnostic{"", "invalid YAML: " + e.msg, e.mark.line + 1, e.mark.column + 1});
  } catch (const std::exception& e) {
    out.errors.push_back(Diagnostic{"", std::string("invalid YAML: ") + e.what()});
  }
  if (out.errors.empty()) out.doc = std::move(b.root);
  else out.positions.clear();
  return out;
}

}  // namespace

Parsed parse(std::string_view text, std::string_view source_name) {
  Parsed out;
  if (text.size() > kMaxInputBytes) {
    out.errors.push_back(Diagnostic{"", "manifest is larger than 1 MiB (" + std::to_string(text.size()) +
                                            " bytes)"});
  } else if (ends_with_icase(source_name, ".json")) {
    out = parse_json(text);
  } else if (ends_with_icase(source_name, ".yaml") || ends_with_icase(source_name, ".yml")) {
    out = parse_yaml(text);
  } else {
    size_t first = text.find_first_not_of(" \t\r\n");
    bool looks_json = first != std::string_view::npos && (text[first] == '{' || text[first] == '[');
    if (looks_json) {
      out = parse_json(text);
      if (!out.errors.empty()) {
        // Flow-style YAML also starts with '{': accept it if it is valid YAML.
        Parsed y = parse_yaml(text);
        if (y.errors.empty()) out = std::move(y);
      }
    } else {
      out = parse_yaml(text);
    }
  }
  if (out.errors.empty() && out.doc.is_null())
    out.errors.push_back(Diagnostic{"", "manifest is empty"});
  out.source = std::string(source_name);
  for (auto& e : out.errors) e.source = out.source;
  if (!out.errors.empty()) out.doc = nullptr;
  return out;
}

void locate(std::vector<Diagnostic>& diags, const Parsed& parsed) {
  for (auto& d : diags) {
    d.source = parsed.source;
    if (d.line > 0) continue;
    std::string p = d.path;
    while (!p.empty()) {
      if (auto it = parsed.positions.find(p); it != parsed.positions.end()) {
        d.line = it->second.first;
        d.column = it->second.second;
        break;
      }
      size_t cut = p.find_last_of(".[");
      if (cut == std::string::npos) break;
      p.resize(cut);
    }
  }
}

// ---- YAML output.
namespace {
bool plain_safe(const std::string& s) {
  if (s.empty() || s.size() > 200) return false;
  if (!resolve_plain(s).is_string()) return false;
  // YAML 1.1 readers take these for booleans: quote them for their sake.
  std::string l;
  for (char c : s) l += char(std::tolower(static_cast<unsigned char>(c)));
  for (const char* b : {"yes", "no", "on", "off", "y", "n"})
    if (l == b) return false;
  static const std::regex safe(R"([A-Za-z0-9_./@+][A-Za-z0-9_./@+:-]*)");
  if (!std::regex_match(s, safe) || s.back() == ':') return false;
  return true;
}

std::string scalar_yaml(const json& v) {
  if (v.is_string()) {
    const auto& s = v.get_ref<const std::string&>();
    return plain_safe(s) ? s : v.dump(-1, ' ', false, json::error_handler_t::replace);
  }
  return v.dump();
}

void emit(std::string& out, const json& v, int indent, bool inline_first) {
  std::string pad(size_t(indent), ' ');
  if (v.is_object()) {
    if (v.empty()) {
      out += "{}\n";
      return;
    }
    bool first = true;
    for (auto it = v.begin(); it != v.end(); ++it) {
      if (!(first && inline_first)) out += pad;
      first = false;
      json key = it.key();
      out += scalar_yaml(key) + ":";
      const json& c = it.value();
      if ((c.is_object() || c.is_array()) && !c.empty()) {
        out += "\n";
        emit(out, c, c.is_array() ? indent : indent + 2, false);
      } else {
        out += " ";
        emit(out, c, indent + 2, true);
      }
    }
  } else if (v.is_array()) {
    if (v.empty()) {
      out += "[]\n";
      return;
    }
    bool first = true;
    for (const auto& c : v) {
      if (!(first && inline_first)) out += pad;
      first = false;
      out += "- ";
      if ((c.is_object() || c.is_array()) && !c.empty()) emit(out, c, indent + 2, true);
      else emit(out, c, indent + 2, true);
    }
  } else {
    out += scalar_yaml(v) + "\n";
  }
}
}  // namespace

std::string yaml_flow(const json& v) {
  if (v.is_array()) {
    std::string s = "[";
    for (size_t i = 0; i < v.size(); ++i) s += (i ? ", " : "") + yaml_flow(v[i]);
    return s + "]";
  }
  if (v.is_object()) {
    std::string s = "{";
    bool first = true;
    for (auto it = v.begin(); it != v.end(); ++it, first = false)
      s += (first ? "" : ", ") + scalar_yaml(json(it.key())) + ": " + yaml_flow(it.value());
    return s + "}";
  }
  return scalar_yaml(v);
}

std::string to_yaml(const json& doc) {
  std::string out;
  emit(out, doc, 0, false);
  return out;
}

}  // namespace zonekit::manifest
