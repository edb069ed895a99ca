#include "answer_cache.h"

#include <zlib.h>

#include <stdexcept>

namespace prrt::server {

namespace {

// Below this size compressing saves less than it costs.
constexpr size_t kCompressFrom = 1024;
// Enough for every combination of endpoint, grouping and filter the pages ask; beyond it, start again
// rather than hold memory for odd queries.
constexpr size_t kMaxAnswers = 256;

}  // namespace

std::string Gzip(const std::string& body) {
  z_stream stream{};
  // 15 + 16: the largest window, with a gzip header and trailer rather than zlib's.
  if (deflateInit2(&stream, Z_BEST_SPEED, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
    throw std::runtime_error("zlib: deflateInit2 failed");
  std::string out(deflateBound(&stream, body.size()), '\0');
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(body.data()));
  stream.avail_in = static_cast<uInt>(body.size());
  stream.next_out = reinterpret_cast<Bytef*>(out.data());
  stream.avail_out = static_cast<uInt>(out.size());
  const int result = deflate(&stream, Z_FINISH);
  deflateEnd(&stream);
  if (result != Z_STREAM_END) throw std::runtime_error("zlib: deflate did not finish");
  out.resize(stream.total_out);
  return out;
}

std::shared_ptr<const CachedAnswer> AnswerCache::Find(const std::string& key) const {
  std::lock_guard lock(mutex_);
  auto found = answers_.find(key);
  return found == answers_.end() ? nullptr : found->second;
}

std::shared_ptr<const CachedAnswer> AnswerCache::Put(const std::string& key, std::string body) {
  auto answer = std::make_shared<CachedAnswer>();
  if (body.size() >= kCompressFrom) answer->gzip = Gzip(body);
  answer->body = std::move(body);
  std::lock_guard lock(mutex_);
  if (answers_.size() >= kMaxAnswers) answers_.clear();
  answers_[key] = answer;
  return answer;
}

void AnswerCache::Clear() {
  std::lock_guard lock(mutex_);
  answers_.clear();
}

}  // namespace prrt::server
