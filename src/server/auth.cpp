#include "prrt/server/auth.h"

#include <fmt/format.h>
#include <sodium.h>

#include <algorithm>

#include "prrt/common/named_values.h"

namespace prrt::server {

namespace {

constexpr NamedValue<Role> kRoles[] = {
    {Role::kViewer, "viewer"}, {Role::kClinician, "clinician"}, {Role::kAdmin, "admin"}};

bool SodiumReady() {
  static const bool ready = sodium_init() >= 0;
  return ready;
}

}  // namespace

std::optional<Role> ParseRole(std::string_view text) {
  return ValueNamed(kRoles, text);
}

const char* ToString(Role role) {
  return NameOf(kRoles, role).data();
}

Status CheckPassword(const std::string& password) {
  if (password.size() < 8)
    return InvalidArgument("the password is too short: at least 8 characters are needed");
  return Status();
}

Result<std::string> HashPassword(const std::string& password) {
  if (!SodiumReady()) return FailedPrecondition("libsodium could not be initialised");
  char hash[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str(hash, password.data(), password.size(), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                        crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0) {
    return FailedPrecondition("hashing the password failed (out of memory)");
  }
  return std::string(hash);
}

bool VerifyPassword(const std::string& hash, const std::string& password) {
  return SodiumReady() && crypto_pwhash_str_verify(hash.c_str(), password.data(), password.size()) == 0;
}

std::string RandomToken() {
  SodiumReady();
  unsigned char bytes[32];
  randombytes_buf(bytes, sizeof bytes);
  char hex[2 * sizeof bytes + 1];
  sodium_bin2hex(hex, sizeof hex, bytes, sizeof bytes);
  return hex;
}

std::string Sessions::Create(const std::string& user, Role role) {
  const std::string token = RandomToken();
  std::lock_guard lock(mutex_);
  sessions_[token] = {user, role, RandomToken(), std::chrono::steady_clock::now() + idle_timeout_};
  return token;
}

std::optional<Session> Sessions::Find(const std::string& token) {
  std::lock_guard lock(mutex_);
  auto it = sessions_.find(token);
  if (it == sessions_.end()) return std::nullopt;
  const auto now = std::chrono::steady_clock::now();
  if (now >= it->second.expires) {
    sessions_.erase(it);
    return std::nullopt;
  }
  it->second.expires = now + idle_timeout_;
  return it->second;
}

void Sessions::Remove(const std::string& token) {
  std::lock_guard lock(mutex_);
  sessions_.erase(token);
}

std::chrono::milliseconds LoginThrottle::DelayFor(const std::string& user) {
  std::lock_guard lock(mutex_);
  auto it = failures_.find(user);
  if (it == failures_.end() || it->second == 0) return std::chrono::milliseconds(0);
  return std::chrono::milliseconds(std::min<int64_t>(8000, int64_t{250} << std::min(it->second - 1, 10)));
}

void LoginThrottle::Failed(const std::string& user) {
  std::lock_guard lock(mutex_);
  ++failures_[user];
}

void LoginThrottle::Succeeded(const std::string& user) {
  std::lock_guard lock(mutex_);
  failures_.erase(user);
}

}  // namespace prrt::server
