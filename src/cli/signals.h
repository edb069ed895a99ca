// The signals that end a command (SIGINT: Ctrl-C; SIGTERM: a service manager or `kill`; SIGHUP: its terminal
// closed), taken by a thread that waits for them so that the command can leave nothing behind.
#pragma once

#include <signal.h>

#include <atomic>
#include <filesystem>
#include <thread>

namespace prrt::cli {

//! SIGINT, SIGTERM and SIGHUP, but for one ignored when prrt started (SIGHUP under nohup), which stays so.
sigset_t StopSignals();

//! While it lives, a stop signal removes `folder` (a command's temporary files: a cohort simulated for an
//! import or a what-if, 1.5 kB a patient) and then ends the process as the signal's default action does (exit
//! status 128 + the signal). Left to that action alone, the process ended and the folder stayed in /tmp.
//! Made before the command starts a thread: the signals are blocked in this thread and so in every thread
//! started after it, and taken by a thread of this class.
class RemoveOnSignal {
 public:
  explicit RemoveOnSignal(std::filesystem::path folder);
  ~RemoveOnSignal();
  RemoveOnSignal(const RemoveOnSignal&) = delete;
  RemoveOnSignal& operator=(const RemoveOnSignal&) = delete;

 private:
  sigset_t signals_, before_;
  std::atomic<bool> done_{false};
  std::thread waiter_;
};

}  // namespace prrt::cli
