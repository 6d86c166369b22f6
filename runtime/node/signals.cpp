#include "runtime/node/signals.hpp"

#include <pthread.h>
#include <signal.h>

namespace nodepulse::node {

namespace {

// SIGUSR2 is how wake() ends the wait; it is blocked like the others.
sigset_t waited_signals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGHUP);
  sigaddset(&set, SIGUSR2);
  return set;
}

} // namespace

void block_termination_signals() {
  sigset_t set = waited_signals();
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

signal_waiter::signal_waiter(std::function<void(int)> on_signal)
  : thread_([on_signal = std::move(on_signal)] {
      sigset_t set = waited_signals();
      int sig = 0;
      while (sigwait(&set, &sig) == 0 && sig != SIGUSR2) {
        on_signal(sig);
        if (sig != SIGHUP) // SIGHUP asks for a reload: keep waiting
          return;
      }
    }) {}

signal_waiter::~signal_waiter() {
  wake();
  thread_.join();
}

void signal_waiter::wake() {
  pthread_kill(thread_.native_handle(), SIGUSR2);
}

} // namespace nodepulse::node
