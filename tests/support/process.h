// Test support: the real `prrt` binary started as a process of its own, for what only a process shows (two
// processes on one registry file, a signal's effect).
#pragma once

#include <sys/types.h>

#include <string>

namespace prrt::testing {

//! Starts `sh -c command` with no signal blocked and the default action for those a test runner or a shell
//! may have set to be ignored (SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGPIPE), whatever the test's own; returns
//! its pid, or -1 when it could not be started.
pid_t StartShell(const std::string& command);

}  // namespace prrt::testing
