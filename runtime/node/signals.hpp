// Termination signals for a node: blocked in every thread (call before the
// actor system starts its threads), then awaited by one thread.
#pragma once

#include <functional>
#include <thread>

namespace nodepulse::node {

// Blocks SIGINT, SIGTERM and SIGHUP in the calling thread and every thread
// it starts.
void block_termination_signals();

// A thread that waits for SIGINT or SIGTERM and then calls `on_signal` with
// the signal's number; SIGHUP calls it too, and the wait goes on. wake() ends the wait without a signal (for a node
// that stops by itself); the destructor joins.
class signal_waiter {
public:
  explicit signal_waiter(std::function<void(int)> on_signal);
  ~signal_waiter();
  void wake();

private:
  std::thread thread_;
};

} // namespace nodepulse::node
