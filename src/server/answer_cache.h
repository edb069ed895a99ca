// Answers of the read-only API routes kept until the registry changes (GET /api/km, GET /api/worklist): the
// same question is then answered without computing it again, and compressed once for every client that
// accepts gzip. Safe to use from the server's threads at once.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>

namespace prrt::server {

struct CachedAnswer {
  std::string body;  //!< JSON
  std::string gzip;  //!< the body gzip-compressed; empty for small bodies, which are sent as they are
};

class AnswerCache {
 public:
  //! The answer kept under `key` (the route and its parameters), or null.
  std::shared_ptr<const CachedAnswer> Find(const std::string& key) const;
  //! Keeps `body` under `key` and returns it with its compressed form.
  std::shared_ptr<const CachedAnswer> Put(const std::string& key, std::string body);
  //! Forgets every answer: after a write, or when the day (and so what is due) changed.
  void Clear();

 private:
  mutable std::mutex mutex_;
  std::map<std::string, std::shared_ptr<const CachedAnswer>> answers_;
};

//! `body` as a gzip member (RFC 1952), at zlib's fastest level: a Kaplan–Meier table of 100,000 patients
//! (1.7 MB of JSON) shrinks to a third in about 20 ms.
std::string Gzip(const std::string& body);

}  // namespace prrt::server
