#include "core/image/image_list.hpp"

#include <algorithm>
#include <cstdio>
#include <nlohmann/json.hpp>

namespace zonekit::image {

namespace {

std::string raw_value(const ImageInfo& i, const std::string& f) {
  if (f == "uuid") return i.uuid;
  if (f == "name") return i.name;
  if (f == "version") return i.version;
  if (f == "type") return i.type;
  if (f == "size") return std::to_string(i.size_bytes);
  if (f == "created") return i.created;
  if (f == "source") return i.source;
  if (f == "source_digest") return i.source_digest;
  return "";
}

std::string escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == ':' || c == '\\') out += '\\';
    out += c;
  }
  return out;
}

}  // namespace

const std::vector<std::string>& list_fields() {
  static const std::vector<std::string> f = {"uuid",    "name",   "version",      "type", "size",
                                             "created", "source", "source_digest"};
  return f;
}

const std::vector<std::string>& default_list_fields() {
  static const std::vector<std::string> f = {"uuid", "name", "version", "type", "size", "created"};
  return f;
}

Result<std::vector<std::string>> parse_list_fields(const std::string& csv) {
  std::vector<std::string> out;
  size_t pos = 0;
  while (pos <= csv.size()) {
    size_t comma = csv.find(',', pos);
    if (comma == std::string::npos) comma = csv.size();
    std::string f = csv.substr(pos, comma - pos);
    pos = comma + 1;
    if (f.empty()) continue;
    if (std::find(list_fields().begin(), list_fields().end(), f) == list_fields().end()) {
      std::string valid;
      for (const auto& v : list_fields()) valid += (valid.empty() ? "" : ", ") + v;
      return fail("unknown field '" + f + "' (valid: " + valid + ")", ErrorKind::Invalid);
    }
    out.push_back(f);
  }
  if (out.empty()) return fail("no fields given", ErrorKind::Invalid);
  return out;
}

std::string human_size(uint64_t bytes) {
  if (bytes < 1024) return std::to_string(bytes) + "B";
  const char* units = "KMGTP";
  double v = static_cast<double>(bytes) / 1024;
  int u = 0;
  while (v >= 1024 && u < 4) {
    v /= 1024;
    ++u;
  }
  char buf[32];
  snprintf(buf, sizeof buf, "%.1f%c", v, units[u]);
  return buf;
}

std::string format_table(const std::vector<ImageInfo>& images, const std::vector<std::string>& fields, bool header) {
  std::vector<std::vector<std::string>> rows;
  if (header) {
    std::vector<std::string> h;
    for (auto f : fields) {
      std::transform(f.begin(), f.end(), f.begin(), ::toupper);
      h.push_back(f);
    }
    rows.push_back(std::move(h));
  }
  for (const auto& i : images) {
    std::vector<std::string> r;
    for (const auto& f : fields) {
      std::string v = f == "size" ? human_size(i.size_bytes) : raw_value(i, f);
      r.push_back(v.empty() ? "-" : v);
    }
    rows.push_back(std::move(r));
  }
  std::vector<size_t> width(fields.size(), 0);
  for (const auto& r : rows)
    for (size_t c = 0; c < r.size(); ++c) width[c] = std::max(width[c], r[c].size());
  std::string out;
  for (const auto& r : rows) {
    std::string line;
    for (size_t c = 0; c < r.size(); ++c) {
      line += r[c];
      if (c + 1 < r.size()) line += std::string(width[c] - r[c].size() + 2, ' ');
    }
    out += line + "\n";
  }
  return out;
}

std::string format_parsable(const std::vector<ImageInfo>& images, const std::vector<std::string>& fields) {
  std::string out;
  for (const auto& i : images) {
    std::string line;
    for (size_t c = 0; c < fields.size(); ++c) line += (c ? ":" : "") + escape(raw_value(i, fields[c]));
    out += line + "\n";
  }
  return out;
}

std::string format_json(const std::vector<ImageInfo>& images, const std::vector<std::string>& fields) {
  auto arr = nlohmann::ordered_json::array();
  for (const auto& i : images) {
    auto full = nlohmann::ordered_json::parse(to_json(i));
    if (fields.empty()) {
      arr.push_back(std::move(full));
      continue;
    }
    nlohmann::ordered_json o;
    for (const auto& f : fields) {
      std::string key = f == "size" ? "size_bytes" : f;
      o[key] = full[key];
    }
    arr.push_back(std::move(o));
  }
  return arr.dump(2) + "\n";
}

}  // namespace zonekit::image
