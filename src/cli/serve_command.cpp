// `prrt serve`: the clinic's web server over a registry (docs/server.md).
#include <fmt/format.h>
#include <pthread.h>

#include <CLI/CLI.hpp>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstring>
#include <memory>
#include <string>
#include <thread>

#include "cli/command_support.h"
#include "cli/registry_support.h"
#include "cli/signals.h"
#include "prrt/server/server.h"

namespace prrt::cli {

namespace {

// SIGINT (Ctrl-C), SIGTERM (a service manager stopping the server) and SIGHUP (its terminal closed) end
// `prrt serve` as Server::Stop() does: the requests under way are answered, and the server, destroyed,
// removes the files it wrote for itself (the study's, with data of each patient). Left to their default
// action, they ended the process at once and left those files behind. A signal ignored when prrt starts
// (SIGHUP under nohup) stays ignored. Made before the server starts a thread: the signals are blocked in this
// thread and so in every thread started after it, and taken by one thread of this class, waiting for them.
class StopOnSignal {
 public:
  StopOnSignal() : signals_(StopSignals()) { pthread_sigmask(SIG_BLOCK, &signals_, &before_); }
  ~StopOnSignal() { pthread_sigmask(SIG_SETMASK, &before_, nullptr); }
  StopOnSignal(const StopOnSignal&) = delete;
  StopOnSignal& operator=(const StopOnSignal&) = delete;

  // Serves until a signal (or the server stops otherwise); returns the signal's name, if one came.
  std::string Listen(server::Server& server) {
    std::atomic<bool> listened{false};
    std::atomic<int> signal{0};
    std::thread waiter([&] {
      const timespec a_while{0, 100'000'000};  // to see that the server stopped otherwise
      while (!listened) {
        const int received = sigtimedwait(&signals_, nullptr, &a_while);
        if (received <= 0) continue;
        signal = received;
        // A signal that came while the server was starting finds it not yet listening, when Stop() does
        // nothing: asked again until it has stopped.
        while (!listened) {
          server.Stop();
          std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
      }
    });
    server.Listen();
    listened = true;
    waiter.join();
    return signal == 0 ? "" : sigabbrev_np(signal);
  }

 private:
  sigset_t signals_, before_;
};

}  // namespace

void AddServeCommand(CLI::App& app, CommandContext& context) {
  auto options = std::make_shared<server::ServerOptions>();
  options->db = "prrt.db";
  auto* command =
      app.add_subcommand("serve", "the web interface and JSON API for the clinic (log-in needed)");
  command->add_option("--db", options->db, "the registry file (default prrt.db)");
  command->add_option("--port", options->port, "the port (default 8080)")
      ->transform(WholeNumber(0, 65535, "a port from 0 to 65535 (0: any free port)"));
  command->add_option(
      "--host", options->host,
      "the address to listen on (default 127.0.0.1: this machine only; 0.0.0.0 for every network)");
  auto* cert = command->add_option("--tls-cert", options->tls_cert,
                                   "serve HTTPS with this certificate (PEM, intermediate certificates after "
                                   "the server's own); needs --tls-key");
  auto* key = command->add_option("--tls-key", options->tls_key, "the certificate's private key (PEM)");
  cert->needs(key);
  key->needs(cert);
  OnRun(command, context, [&context, options]() -> int {
    StopOnSignal stop_on_signal;
    if (Result<registry::Store> exists = OpenRegistry(options->db); !exists.ok())
      return ReportError(context, exists.status());
    Result<std::unique_ptr<server::Server>> server = server::Server::Create(*options);
    if (!server.ok()) return ReportError(context, server.status());
    Result<int> port = (*server)->Bind();
    if (!port.ok()) return ReportError(context, port.status());
    const bool https = !options->tls_cert.empty();
    context.err << fmt::format("prrt serve: {} on {}://{}:{}/ (Ctrl-C stops)\n", options->db,
                               https ? "https" : "http", options->host, *port);
    for (const std::string& warning : (*server)->Warnings())
      context.err << "prrt serve: warning: " << warning << "\n";
    if (const std::string signal = stop_on_signal.Listen(**server); !signal.empty())
      context.err << fmt::format("prrt serve: stopped (SIG{})\n", signal);
    return kExitOk;
  });
}

}  // namespace prrt::cli
