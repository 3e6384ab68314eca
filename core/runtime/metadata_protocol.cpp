#include "core/runtime/metadata_protocol.hpp"

#include <cstdio>

#include "core/runtime/metadata_codec.hpp"

namespace zonekit::runtime {

namespace {

constexpr std::string_view kTooLong = "\x01toolong";

bool is_hex(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

// Strictly decimal, no sign, no leading zero, at most 7 digits.
bool parse_len(std::string_view s, size_t* out) {
  if (s.empty() || s.size() > 7 || (s[0] == '0' && s.size() > 1)) return false;
  size_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + size_t(c - '0');
  }
  *out = v;
  return true;
}

bool parse_hex32(std::string_view s, uint32_t* out) {
  if (s.empty() || s.size() > 8) return false;
  uint32_t v = 0;
  for (char c : s) {
    if (!is_hex(c)) return false;
    v = v * 16 + uint32_t(c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10);
  }
  *out = v;
  return true;
}

std::string_view next_word(std::string_view& s) {
  size_t sp = s.find(' ');
  std::string_view w = s.substr(0, sp);
  s = sp == std::string_view::npos ? std::string_view{} : s.substr(sp + 1);
  return w;
}

MdRequest parse_v2(std::string_view line) {
  MdRequest r;
  r.op = MdOp::Invalid;
  std::string_view rest = line.substr(3);
  size_t len = 0;
  uint32_t crc = 0;
  if (!parse_len(next_word(rest), &len) || !parse_hex32(next_word(rest), &crc)) return r;
  if (rest.size() != len || mdcodec::crc32(rest.data(), rest.size()) != crc) return r;
  std::string_view reqid = next_word(rest);
  if (reqid.empty() || reqid.size() > 32) return r;
  for (char c : reqid)
    if (!is_hex(c)) return r;
  std::string_view cmd = next_word(rest);
  r.v2 = true;
  r.reqid = std::string(reqid);
  std::string payload;
  if (!unbase64(rest, &payload)) {
    r.op = MdOp::Unknown;  // answered FAILURE: the request id is known
    return r;
  }
  if (cmd == "GET" || cmd == "DELETE") {
    r.op = cmd == "GET" ? MdOp::Get : MdOp::Delete;
    r.key = std::move(payload);
  } else if (cmd == "KEYS") {
    r.op = MdOp::Keys;
  } else if (cmd == "PUT") {
    std::string_view p = payload;
    size_t sp = p.find(' ');
    if (sp == std::string_view::npos || !unbase64(p.substr(0, sp), &r.key) ||
        !unbase64(p.substr(sp + 1), &r.value)) {
      r.op = MdOp::Unknown;
      r.key.clear();
      r.value.clear();
      return r;
    }
    r.op = MdOp::Put;
  } else {
    r.op = MdOp::Unknown;
  }
  return r;
}

}  // namespace

MdRequest parse_request_line(std::string_view line) {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  MdRequest r;
  if (line == kTooLong) {
    r.op = MdOp::TooLong;
    return r;
  }
  if (line.empty()) {
    r.op = MdOp::Empty;
    return r;
  }
  if (line.starts_with("V2 ")) return parse_v2(line);
  if (line == "NEGOTIATE V2") {
    r.op = MdOp::Negotiate;
    return r;
  }
  if (line == "KEYS") {
    r.op = MdOp::Keys;
    return r;
  }
  if (line.starts_with("GET ") && line.size() > 4) {
    r.op = MdOp::Get;
    r.key = std::string(line.substr(4));
    return r;
  }
  r.op = MdOp::Invalid;
  return r;
}

bool MdLineSplitter::feed(std::string_view data, size_t* consumed, std::string* out) {
  size_t nl = data.find('\n');
  size_t take = nl == std::string_view::npos ? data.size() : nl + 1;
  *consumed = take;
  std::string_view part = data.substr(0, nl == std::string_view::npos ? data.size() : nl);
  if (!discarding_) {
    if (buf_.size() + part.size() > max_) {
      discarding_ = true;
      buf_.clear();
      buf_.shrink_to_fit();
    } else {
      buf_.append(part);
    }
  }
  if (nl == std::string_view::npos) return false;
  if (discarding_) {
    *out = std::string(kTooLong);
    discarding_ = false;
  } else {
    *out = std::move(buf_);
    buf_.clear();
    if (buf_.capacity() > 4096) buf_.shrink_to_fit();
  }
  return true;
}

std::string format_v1(MdCode code, std::string_view data) {
  if (code == MdCode::NotFound) return "NOTFOUND\n";
  if (code == MdCode::Failure) return "FAILURE\n";
  std::string out = "SUCCESS\n";
  size_t start = 0;
  // An empty value sends no data lines; otherwise every line, a leading
  // '.' doubled so that "." alone only ever ends the answer.
  while (!data.empty() && start <= data.size()) {
    size_t nl = data.find('\n', start);
    std::string_view l = data.substr(start, nl == std::string_view::npos ? std::string_view::npos : nl - start);
    if (!l.empty() && l[0] == '.') out += '.';
    out.append(l);
    out += '\n';
    if (nl == std::string_view::npos) break;
    start = nl + 1;
  }
  out += ".\n";
  return out;
}

std::string base64(std::string_view data) {
  std::string out(mdcodec::base64_encoded_len(data.size()), '\0');
  mdcodec::base64_encode(data.data(), data.size(), out.data());
  return out;
}

bool unbase64(std::string_view text, std::string* out) {
  out->assign(text.size() / 4 * 3, '\0');
  long n = mdcodec::base64_decode(text.data(), text.size(), out->data());
  if (n < 0) {
    out->clear();
    return false;
  }
  out->resize(size_t(n));
  return true;
}

std::string make_v2_frame(std::string_view reqid, std::string_view command, std::string_view payload) {
  std::string body = std::string(reqid) + " " + std::string(command);
  if (!payload.empty()) body += " " + base64(payload);
  char head[40];
  snprintf(head, sizeof head, "V2 %zu %08x ", body.size(), mdcodec::crc32(body.data(), body.size()));
  return head + body + "\n";
}

std::string format_v2(std::string_view reqid, MdCode code, std::string_view payload) {
  const char* name = code == MdCode::Success ? "SUCCESS" : code == MdCode::NotFound ? "NOTFOUND" : "FAILURE";
  return make_v2_frame(reqid, name, payload);
}

std::string format_invalid() { return "invalid command\n"; }
std::string format_v2_ok() { return "V2_OK\n"; }

bool parse_v2_frame(std::string_view line, MdFrame* out) {
  if (!line.empty() && line.back() == '\n') line.remove_suffix(1);
  if (!line.starts_with("V2 ")) return false;
  std::string_view rest = line.substr(3);
  size_t len = 0;
  uint32_t crc = 0;
  if (!parse_len(next_word(rest), &len) || !parse_hex32(next_word(rest), &crc)) return false;
  if (rest.size() != len || mdcodec::crc32(rest.data(), rest.size()) != crc) return false;
  out->reqid = std::string(next_word(rest));
  out->code = std::string(next_word(rest));
  return !out->reqid.empty() && !out->code.empty() && unbase64(rest, &out->payload);
}

}  // namespace zonekit::runtime
