// UrlSource: an http(s) download as a ByteSource, through libcurl's multi
// interface so that the extractor pulls the body as it goes (one thread,
// at most one socket read of ~16 KiB x 100 buffered; nothing on disk).
// The only file that includes curl.h: tools that never import do not load
// libcurl.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "core/image/byte_source.hpp"
#include "core/image/image_store.hpp"

namespace zonekit::image {

class UrlSource final : public ByteSource {
 public:
  // shown names the URL in messages (without credentials). Nothing is sent
  // before the first read.
  static Result<std::unique_ptr<UrlSource>> open(const std::string& url, const std::string& shown,
                                                 const FetchOptions& opts, uint64_t max_bytes);
  ~UrlSource() override;
  UrlSource(const UrlSource&) = delete;
  UrlSource& operator=(const UrlSource&) = delete;

  Result<size_t> read(char* buf, size_t n) override;
  uint64_t size_hint() const override { return length_; }

 private:
  UrlSource(std::string shown, const FetchOptions& opts, uint64_t max_bytes)
      : shown_(std::move(shown)), opts_(opts), max_(max_bytes) {}
  static size_t on_body(char* data, size_t size, size_t nmemb, void* self);
  static size_t on_header(char* data, size_t size, size_t nmemb, void* self);
  Error failure() const;

  void* easy_ = nullptr;   // CURL*
  void* multi_ = nullptr;  // CURLM*
  std::string shown_;
  FetchOptions opts_;
  uint64_t max_, received_ = 0, length_ = 0;
  uint64_t announced_ = 0;  // Content-Length of the last response's headers
  std::string pending_;  // body bytes delivered by libcurl, not yet read
  size_t offset_ = 0;
  bool done_ = false, too_large_ = false, stalled_ = false;
  std::chrono::steady_clock::time_point last_data_{};  // when a byte last arrived (or the transfer began)
  int result_ = 0;  // CURLcode once done_
  char errbuf_[256] = {};
};

}  // namespace zonekit::image
