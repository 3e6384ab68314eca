#include "core/ops/output.hpp"

#include <algorithm>
#include <regex>

#include <fmt/format.h>

namespace zonekit::ops {

using nlohmann::json;

std::vector<std::string> split_list(const std::vector<std::string>& values) {
  std::vector<std::string> out;
  for (const auto& v : values) {
    size_t pos = 0;
    while (pos <= v.size()) {
      size_t comma = v.find(',', pos);
      if (comma == std::string::npos) comma = v.size();
      if (comma > pos) out.push_back(v.substr(pos, comma - pos));
      pos = comma + 1;
    }
  }
  return out;
}

std::string escape_parseable(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    if (c == '\\') out += "\\\\";
    else if (c == ':') out += "\\:";
    else if (c == '\n') out += "\\n";
    else out += c;
  }
  return out;
}

std::string cell_text(const json& v, bool parseable) {
  std::string s;
  if (v.is_null()) return parseable ? "" : "-";
  if (v.is_string()) s = v.get<std::string>();
  else s = v.dump();
  if (parseable) return escape_parseable(s);
  // Tables stay one line per row whatever a value holds, and a value never
  // drives the admin's terminal: other C0 controls, DEL and the UTF-8 C1
  // controls (U+0080..U+009F: 0x9b is CSI on some terminals) become '?'.
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c == '\n' || c == '\t' || c == '\r') out += ' ';
    else if (c < 0x20 || c == 0x7f) out += '?';
    else if (c == 0xc2 && i + 1 < s.size() && static_cast<unsigned char>(s[i + 1]) >= 0x80 &&
             static_cast<unsigned char>(s[i + 1]) <= 0x9f) {
      out += '?';
      ++i;
    } else out += static_cast<char>(c);
  }
  return out.empty() ? "-" : out;
}

namespace {

const FieldInfo* find_field(const std::vector<FieldInfo>& known, const std::string& name) {
  for (const auto& f : known) {
    if (f.name == name) return &f;
    if (!f.name.empty() && f.name.back() == '.' && name.size() > f.name.size() &&
        name.compare(0, f.name.size(), f.name) == 0)
      return &f;
  }
  return nullptr;
}

std::string header_of(const std::vector<FieldInfo>& known, const std::string& name) {
  const FieldInfo* f = find_field(known, name);
  if (f && f->name == name) return f->header;
  std::string h = name;
  for (auto& c : h) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return h;
}

struct Filter {
  std::string field;
  std::string value;
  bool regex = false;
  std::regex re;
};

int compare_values(const json& a, const json& b, bool numeric) {
  if (numeric || (a.is_number() && b.is_number())) {
    double x = a.is_number() ? a.get<double>() : -1e300;
    double y = b.is_number() ? b.get<double>() : -1e300;
    return x < y ? -1 : x > y ? 1 : 0;
  }
  std::string x = cell_text(a, true), y = cell_text(b, true);
  return x.compare(y) < 0 ? -1 : x.compare(y) > 0 ? 1 : 0;
}

}  // namespace

Result<void> check_fields(const std::vector<std::string>& fields, const std::vector<FieldInfo>& known) {
  for (const auto& f : fields) {
    if (!find_field(known, f)) {
      std::string names;
      for (const auto& k : known) names += (names.empty() ? "" : ", ") + k.name + (k.name.back() == '.' ? "KEY" : "");
      return fail(fmt::format("unknown field \"{}\" (known: {})", f, names), ErrorKind::Invalid);
    }
  }
  return {};
}

Result<std::string> render_list(std::vector<json> rows, const ListOptions& opt,
                                const std::vector<FieldInfo>& known, const FieldFn& field) {
  ZK_TRYV(check_fields(opt.fields, known));
  std::vector<Filter> filters;
  for (const auto& f : opt.filters) {
    auto eq = f.find('=');
    if (eq == std::string::npos || eq == 0)
      return fail(fmt::format("filter \"{}\": expected key=value or key=~regex", f), ErrorKind::Invalid);
    Filter flt;
    flt.field = f.substr(0, eq);
    flt.value = f.substr(eq + 1);
    if (!flt.value.empty() && flt.value[0] == '~') {
      flt.regex = true;
      try {
        flt.re = std::regex(flt.value.substr(1), std::regex::extended);
      } catch (const std::regex_error& e) {
        return fail(fmt::format("filter \"{}\": bad regex: {}", f, e.what()), ErrorKind::Invalid);
      }
    }
    ZK_TRYV(check_fields({flt.field}, known));
    filters.push_back(std::move(flt));
  }
  std::vector<std::pair<std::string, bool>> sort_keys;  // field, descending
  for (const auto& s : opt.sort) {
    bool desc = !s.empty() && s[0] == '-';
    std::string name = (!s.empty() && (s[0] == '-' || s[0] == '+')) ? s.substr(1) : s;
    ZK_TRYV(check_fields({name}, known));
    sort_keys.emplace_back(name, desc);
  }

  std::vector<json> kept;
  for (auto& row : rows) {
    bool ok = true;
    for (const auto& f : filters) {
      std::string text = cell_text(field(row, f.field), true);
      json raw = field(row, f.field);
      if (raw.is_string()) text = raw.get<std::string>();
      ok = f.regex ? std::regex_search(text, f.re) : text == f.value;
      if (!ok) break;
    }
    if (ok) kept.push_back(std::move(row));
  }
  // Sort keys are computed once per row, not once per comparison.
  std::vector<bool> numeric;
  for (const auto& [name, desc] : sort_keys) {
    const FieldInfo* fi = find_field(known, name);
    numeric.push_back(fi && fi->numeric);
  }
  std::vector<std::pair<std::vector<json>, size_t>> keyed;
  keyed.reserve(kept.size());
  for (size_t i = 0; i < kept.size(); ++i) {
    std::vector<json> keys;
    for (const auto& sk : sort_keys) keys.push_back(field(kept[i], sk.first));
    keyed.emplace_back(std::move(keys), i);
  }
  std::stable_sort(keyed.begin(), keyed.end(), [&](const auto& a, const auto& b) {
    for (size_t k = 0; k < sort_keys.size(); ++k) {
      int c = compare_values(a.first[k], b.first[k], numeric[k]);
      if (c != 0) return sort_keys[k].second ? c > 0 : c < 0;
    }
    return false;
  });
  std::vector<json> sorted;
  sorted.reserve(kept.size());
  for (auto& [keys, i] : keyed) sorted.push_back(std::move(kept[i]));
  kept = std::move(sorted);

  if (opt.json) {
    json arr = json::array();
    for (const auto& row : kept) {
      if (opt.fields.empty()) {
        arr.push_back(row);
      } else {
        json o = json::object();
        for (const auto& f : opt.fields) o[f] = field(row, f);
        arr.push_back(o);
      }
    }
    return arr.dump(2) + "\n";
  }

  std::vector<std::vector<std::string>> cells;
  for (const auto& row : kept) {
    std::vector<std::string> line;
    for (const auto& f : opt.fields) line.push_back(cell_text(field(row, f), opt.parseable));
    cells.push_back(std::move(line));
  }
  std::string out;
  if (opt.parseable) {
    for (const auto& line : cells) {
      for (size_t i = 0; i < line.size(); ++i) out += (i ? ":" : "") + line[i];
      out += "\n";
    }
    return out;
  }
  std::vector<size_t> width(opt.fields.size(), 0);
  std::vector<std::string> headers;
  for (size_t i = 0; i < opt.fields.size(); ++i) {
    headers.push_back(header_of(known, opt.fields[i]));
    if (opt.header) width[i] = headers[i].size();
    for (const auto& line : cells) width[i] = std::max(width[i], line[i].size());
  }
  auto emit = [&](const std::vector<std::string>& line) {
    std::string l;
    for (size_t i = 0; i < line.size(); ++i) {
      const FieldInfo* fi = find_field(known, opt.fields[i]);
      bool right = fi && fi->numeric;
      if (i) l += "  ";
      if (right) l += std::string(width[i] - line[i].size(), ' ') + line[i];
      else l += line[i] + std::string(width[i] - line[i].size(), ' ');
    }
    while (!l.empty() && l.back() == ' ') l.pop_back();
    out += l + "\n";
  };
  if (opt.header) emit(headers);
  for (const auto& line : cells) emit(line);
  return out;
}

}  // namespace zonekit::ops
