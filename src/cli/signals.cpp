#include "cli/signals.h"

#include <pthread.h>

#include <system_error>

namespace prrt::cli {

sigset_t StopSignals() {
  sigset_t signals;
  sigemptyset(&signals);
  for (int signal : {SIGINT, SIGTERM, SIGHUP}) {
    struct sigaction action {};
    if (sigaction(signal, nullptr, &action) == 0 && action.sa_handler != SIG_IGN) sigaddset(&signals, signal);
  }
  return signals;
}

RemoveOnSignal::RemoveOnSignal(std::filesystem::path folder) : signals_(StopSignals()) {
  pthread_sigmask(SIG_BLOCK, &signals_, &before_);
  waiter_ = std::thread([this, folder = std::move(folder)] {
    const timespec a_while{0, 20'000'000};  // to see that the command ended
    while (!done_) {
      const int received = sigtimedwait(&signals_, nullptr, &a_while);
      if (received <= 0) continue;
      // The command may still be writing into the folder: what it adds while the folder is removed is
      // removed at the next try.
      std::error_code ignored;
      for (int attempt = 0; attempt < 100 && std::filesystem::exists(folder, ignored); ++attempt)
        std::filesystem::remove_all(folder, ignored);
      // Ended as by the signal: its default action, the signal let through in this thread.
      signal(received, SIG_DFL);
      sigset_t just_this;
      sigemptyset(&just_this);
      sigaddset(&just_this, received);
      pthread_sigmask(SIG_UNBLOCK, &just_this, nullptr);
      raise(received);
    }
  });
}

RemoveOnSignal::~RemoveOnSignal() {
  done_ = true;
  waiter_.join();
  pthread_sigmask(SIG_SETMASK, &before_, nullptr);
}

}  // namespace prrt::cli
