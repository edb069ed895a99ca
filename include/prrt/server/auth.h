// prrt/server/auth.h — who may use `prrt serve`: passwords as slow salted hashes (libsodium's Argon2id),
// roles, sessions that expire, a token per session against cross-site request forgery, and a growing delay
// after wrong passwords.
#pragma once

#include <chrono>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "prrt/common/result.h"

namespace prrt::server {

enum class Role { kViewer, kClinician, kAdmin };
std::optional<Role> ParseRole(std::string_view text);  // viewer|clinician|admin
const char* ToString(Role role);
//! Clinicians and admins may record data; viewers only read.
inline bool MayWrite(Role role) {
  return role != Role::kViewer;
}

//! At least 8 characters (NIST SP 800-63B's minimum); an error in words otherwise.
Status CheckPassword(const std::string& password);
//! An Argon2id string with a random salt (libsodium's interactive limits: about 64 MB and 0.1 s a hash).
Result<std::string> HashPassword(const std::string& password);
bool VerifyPassword(const std::string& hash, const std::string& password);

//! A random token of 32 bytes, as 64 hex digits.
std::string RandomToken();

struct Session {
  std::string user;
  Role role = Role::kViewer;
  std::string csrf_token;  //!< sent back by the client with every write (X-CSRF-Token)
  std::chrono::steady_clock::time_point expires;
};

//! The logged-in sessions, in memory (a restart logs everyone out). Thread-safe.
class Sessions {
 public:
  explicit Sessions(std::chrono::seconds idle_timeout) : idle_timeout_(idle_timeout) {}
  //! A new session; returns its token (the cookie's value).
  std::string Create(const std::string& user, Role role);
  //! The session of a token that has not expired, its expiry pushed back by the idle timeout.
  std::optional<Session> Find(const std::string& token);
  void Remove(const std::string& token);

 private:
  std::chrono::seconds idle_timeout_;
  std::mutex mutex_;
  std::map<std::string, Session> sessions_;
};

//! The delay before answering a log-in attempt for a user name: 0 at first, then doubling from 250 ms with
//! each consecutive wrong password, up to 8 s; a right password resets it. Thread-safe.
class LoginThrottle {
 public:
  std::chrono::milliseconds DelayFor(const std::string& user);
  void Failed(const std::string& user);
  void Succeeded(const std::string& user);

 private:
  std::mutex mutex_;
  std::map<std::string, int> failures_;
};

}  // namespace prrt::server
