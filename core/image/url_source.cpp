#include "core/image/url_source.hpp"

#include <curl/curl.h>
#include <strings.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string_view>

#include "core/image/image_list.hpp"
#include "core/image/import_request.hpp"

namespace zonekit::image {

namespace {

Result<void> global_init() {
  static const CURLcode rc = curl_global_init(CURL_GLOBAL_DEFAULT);
  if (rc != CURLE_OK) return fail(std::string("libcurl: ") + curl_easy_strerror(rc));
  return {};
}

// The CA bundle: --cacert, else what the curl tool would use from the
// environment, else libcurl's built-in (the system's).
std::string ca_bundle(const FetchOptions& opts) {
  if (!opts.cacert.empty()) return opts.cacert;
  for (const char* var : {"CURL_CA_BUNDLE", "SSL_CERT_FILE"})
    if (const char* v = std::getenv(var); v && *v) return v;
  return "";
}

}  // namespace

Result<std::unique_ptr<UrlSource>> UrlSource::open(const std::string& url, const std::string& shown,
                                                    const FetchOptions& opts, uint64_t max_bytes) {
  ZK_TRYV(global_init());
  std::unique_ptr<UrlSource> s(new UrlSource(shown, opts, max_bytes));
  CURL* easy = curl_easy_init();
  s->easy_ = easy;
  s->multi_ = curl_multi_init();
  if (!easy || !s->multi_) return fail("libcurl: cannot start a transfer (out of memory)");
  bool set = true;
  auto opt = [&](CURLoption o, auto value) { set = set && curl_easy_setopt(easy, o, value) == CURLE_OK; };
  // https never falls back to http on a redirect; http (allowed only with
  // --sha256) may go either way.
  const char* protocols = strncasecmp(url.c_str(), "https:", 6) == 0 ? "https" : "http,https";
  opt(CURLOPT_URL, url.c_str());
  opt(CURLOPT_PROTOCOLS_STR, protocols);
  opt(CURLOPT_REDIR_PROTOCOLS_STR, protocols);
  opt(CURLOPT_FOLLOWLOCATION, 1L);
  opt(CURLOPT_MAXREDIRS, static_cast<long>(opts.max_redirects));
  opt(CURLOPT_FAILONERROR, 1L);
  opt(CURLOPT_NOSIGNAL, 1L);
  opt(CURLOPT_CONNECTTIMEOUT, static_cast<long>(opts.timeout_s));
  opt(CURLOPT_LOW_SPEED_LIMIT, 1024L);
  opt(CURLOPT_LOW_SPEED_TIME, static_cast<long>(opts.timeout_s));
  opt(CURLOPT_MAXFILESIZE_LARGE, static_cast<curl_off_t>(std::min<uint64_t>(max_bytes, INT64_MAX)));
  // One stream: HTTP/2 gains nothing and would let the server push a
  // whole flow-control window into our buffer at once.
  opt(CURLOPT_HTTP_VERSION, static_cast<long>(CURL_HTTP_VERSION_1_1));
  opt(CURLOPT_USERAGENT, "zonekit-imgadm");
  opt(CURLOPT_ERRORBUFFER, s->errbuf_);
  opt(CURLOPT_WRITEFUNCTION, &UrlSource::on_body);
  opt(CURLOPT_WRITEDATA, static_cast<void*>(s.get()));
  opt(CURLOPT_HEADERFUNCTION, &UrlSource::on_header);
  opt(CURLOPT_HEADERDATA, static_cast<void*>(s.get()));
  if (std::string ca = ca_bundle(opts); !ca.empty()) opt(CURLOPT_CAINFO, ca.c_str());
  if (!set) return fail("libcurl lacks an option imgadm needs (it needs 7.85 or later)");
  if (curl_multi_add_handle(s->multi_, easy) != CURLM_OK) return fail("libcurl: cannot start a transfer");
  return s;
}

UrlSource::~UrlSource() {
  if (multi_ && easy_) curl_multi_remove_handle(multi_, easy_);
  if (easy_) curl_easy_cleanup(easy_);
  if (multi_) curl_multi_cleanup(multi_);
}

size_t UrlSource::on_body(char* data, size_t size, size_t nmemb, void* self) {
  auto* s = static_cast<UrlSource*>(self);
  size_t n = size * nmemb;
  if (s->received_ == 0) {
    curl_off_t length = -1;
    if (curl_easy_getinfo(s->easy_, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &length) == CURLE_OK && length > 0)
      s->length_ = static_cast<uint64_t>(length);
  }
  s->received_ += n;
  s->last_data_ = std::chrono::steady_clock::now();
  if (s->received_ > s->max_) {  // a server that sent no length, or a wrong one
    s->too_large_ = true;
    return 0;  // aborts the transfer (CURLE_WRITE_ERROR)
  }
  s->pending_.append(data, n);
  return n;
}

// Only to name the announced size when libcurl refuses it (it does not
// report Content-Length then).
size_t UrlSource::on_header(char* data, size_t size, size_t nmemb, void* self) {
  auto* s = static_cast<UrlSource*>(self);
  size_t n = size * nmemb;
  std::string_view line(data, n);
  constexpr std::string_view kLength = "content-length:";
  if (line.starts_with("HTTP/")) {
    s->announced_ = 0;  // a new response (after a redirect)
  } else if (line.size() > kLength.size() && strncasecmp(line.data(), kLength.data(), kLength.size()) == 0) {
    std::string value(line.substr(kLength.size()));
    s->announced_ = std::strtoull(value.c_str(), nullptr, 10);
  }
  return n;
}

Result<size_t> UrlSource::read(char* buf, size_t n) {
  if (last_data_ == std::chrono::steady_clock::time_point{}) last_data_ = std::chrono::steady_clock::now();
  while (offset_ == pending_.size()) {
    pending_.clear();
    offset_ = 0;
    if (done_) {
      if (result_ != CURLE_OK) return fail(failure());
      return 0;
    }
    int running = 0;
    CURLMcode mc = curl_multi_perform(multi_, &running);
    if (mc != CURLM_OK) return fail(std::string("download: ") + curl_multi_strerror(mc));
    int left = 0;
    while (CURLMsg* m = curl_multi_info_read(multi_, &left)) {
      if (m->msg == CURLMSG_DONE) {
        done_ = true;
        result_ = m->data.result;
      }
    }
    if (pending_.empty() && !done_) {
      // libcurl's low-speed check averages over several seconds, so after
      // a burst it would wait that much longer: a silent server is timed
      // here, from its last byte.
      if (std::chrono::steady_clock::now() - last_data_ >= std::chrono::seconds(opts_.timeout_s)) {
        curl_off_t connected = 0;
        curl_easy_getinfo(easy_, CURLINFO_CONNECT_TIME_T, &connected);
        if (connected > 0) {
          stalled_ = true;
          return fail(failure());
        }
      }
      mc = curl_multi_poll(multi_, nullptr, 0, 200, nullptr);
      if (mc != CURLM_OK) return fail(std::string("download: ") + curl_multi_strerror(mc));
    }
  }
  size_t k = std::min(n, pending_.size() - offset_);
  memcpy(buf, pending_.data() + offset_, k);
  offset_ += k;
  return k;
}

Error UrlSource::failure() const {
  auto rc = static_cast<CURLcode>(result_);
  std::string detail = errbuf_[0] ? errbuf_ : curl_easy_strerror(rc);
  const std::string secs = std::to_string(opts_.timeout_s) + " s";
  std::string msg;
  if (stalled_) return fail("download stalled: nothing received for " + secs + "; try again, or raise --timeout").error();
  switch (rc) {
    case CURLE_WRITE_ERROR:
      if (too_large_) return too_large("download", max_);
      break;
    case CURLE_FILESIZE_EXCEEDED:
      msg = "download: the server announces " + (announced_ > 0 ? human_size(announced_) : "a size") + ", more than the " +
            human_size(max_) + " limit; raise --max-size";
      break;
    case CURLE_HTTP_RETURNED_ERROR: {
      long code = 0;
      curl_easy_getinfo(easy_, CURLINFO_RESPONSE_CODE, &code);
      msg = "server answered HTTP " + std::to_string(code) + "; check the URL";
      break;
    }
    case CURLE_OPERATION_TIMEDOUT: {
      curl_off_t connected = 0;
      curl_easy_getinfo(easy_, CURLINFO_CONNECT_TIME_T, &connected);
      msg = connected == 0 ? "no connection within " + secs + " (" + detail + "); raise --timeout on a slow network"
                           : "download too slow: under 1 KiB/s for " + secs + "; try again, or raise --timeout";
      break;
    }
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CACERT_BADFILE:
      msg = "server certificate not trusted (" + detail + "); give its CA with --cacert FILE";
      break;
    case CURLE_TOO_MANY_REDIRECTS:
      msg = "more than " + std::to_string(opts_.max_redirects) + " redirects";
      break;
    case CURLE_UNSUPPORTED_PROTOCOL:
      msg = "redirected to a URL imgadm does not fetch (" + detail + "); https:// redirects only to https://";
      break;
    default:
      break;
  }
  if (msg.empty()) msg = "download failed: " + detail;
  char* effective = nullptr;
  long redirects = 0;
  curl_easy_getinfo(easy_, CURLINFO_REDIRECT_COUNT, &redirects);
  if (redirects > 0 && rc != CURLE_TOO_MANY_REDIRECTS && rc != CURLE_UNSUPPORTED_PROTOCOL &&
      curl_easy_getinfo(easy_, CURLINFO_EFFECTIVE_URL, &effective) == CURLE_OK && effective)
    msg += " (after redirects, at " + shown_source(effective) + ")";  // without credentials or query
  return fail(msg).error();
}

}  // namespace zonekit::image
