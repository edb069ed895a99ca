// prrt/server/server.h — `prrt serve`: the registry, its rules and its statistics over HTTP for the clinic,
// as a JSON API (docs/server.md) behind log-in. Bound to loopback unless told otherwise.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "prrt/common/result.h"
#include "prrt/registry/interchange.h"

namespace prrt::server {

struct ServerOptions {
  std::string db;
  std::string host = "127.0.0.1";
  int port = 8080;  //!< 0: any free port (tests)
  //! HTTPS with this certificate (PEM; any intermediate certificates after the server's) and its private key
  //! (PEM); plain HTTP when both are empty.
  std::string tls_cert, tls_key;
  std::chrono::seconds session_idle{30 * 60};
  //! How often, at most, the server looks whether another process changed the registry (then it reads the
  //! patients changed again): the worklist, cohort and study follow an import made while it serves.
  std::chrono::milliseconds external_changes_check{1000};
  //! How long a write waits for another process's write (an import) to end before it is answered 503.
  std::chrono::milliseconds registry_busy_wait{2000};
  //! The date the worklist's plans hold as of, and against which a write's dates are checked: the first
  //! request of a new day derives every plan again. Tests give other days.
  std::function<registry::Day()> today = registry::Today;
};

//! Whether only this machine can reach a server listening on `host`: 127.0.0.0/8, ::1, localhost.
bool IsLoopbackAddress(const std::string& host);

class Server {
 public:
  //! Opens the registry and derives every patient's endpoints (kept in memory for the cohort queries).
  static Result<std::unique_ptr<Server>> Create(const ServerOptions& options);
  ~Server();

  //! What the person starting the server should know, a sentence each: that passwords and patient data cross
  //! the network unencrypted (an address beyond loopback without TLS), that nobody can log in (no users).
  std::vector<std::string> Warnings() const;

  //! Binds to the host and port; returns the port bound (the free one chosen for port 0).
  Result<int> Bind();
  //! Serves until Stop(); blocks.
  void Listen();
  void Stop();

 private:
  struct Impl;
  explicit Server(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace prrt::server
