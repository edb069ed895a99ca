// `prrt serve`: the clinic's web server over a registry (docs/server.md).
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <memory>

#include "cli/command_support.h"
#include "cli/registry_support.h"
#include "prrt/server/server.h"

namespace prrt::cli {

void AddServeCommand(CLI::App& app, CommandContext& context) {
  auto options = std::make_shared<server::ServerOptions>();
  options->db = "prrt.db";
  auto* command =
      app.add_subcommand("serve", "the web interface and JSON API for the clinic (log-in needed)");
  command->add_option("--db", options->db, "the registry file (default prrt.db)");
  command->add_option("--port", options->port, "the port (default 8080)")->check(CLI::Range(0, 65535));
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
    (*server)->Listen();
    return kExitOk;
  });
}

}  // namespace prrt::cli
