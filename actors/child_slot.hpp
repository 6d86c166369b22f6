// How every supervisor keeps its children (the ingest, agent and digest
// supervisors, the parser pool): one slot per child with the factory that
// spawns it, the running incarnation, how often it died and started.
//
// - A child is monitored, not linked: a link would carry a child's `kill`
//   to its supervisor, which must outlive any one child.
// - A child that dies leaves its slot empty; the supervisor asks for the
//   respawn message after restart_backoff(deaths) (lib/base/restart_backoff)
//   and the slot starts it again, unless something filled or removed it.
// - Stopping is ordered: the children go in reverse order of their slots,
//   each one's down message awaited before the next gets its exit. So a
//   supervisor that adds what others write to first (the agent's buffer)
//   stops it last, after everything that writes to it has finished.
#pragma once

#include "lib/base/restart_backoff.hpp"

#include <caf/actor_addr.hpp>
#include <caf/actor_cast.hpp>
#include <caf/actor_control_block.hpp>
#include <caf/error.hpp>
#include <caf/fwd.hpp>
#include <caf/system_messages.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace nodepulse {

struct child_slot {
  uint32_t id = 0;  // the respawn message names the slot by it
  std::string name; // for logs: "pusher", "scraper node"
  std::function<caf::strong_actor_ptr(caf::scheduled_actor*)> spawn;
  caf::strong_actor_ptr actor; // empty while waiting to restart, and once stopped
  uint32_t deaths = 0;         // in this slot, over its incarnations
  uint32_t incarnations = 0;   // starts so far
};

class child_slots {
public:
  // A slot for a child spawned by `factory` (not started yet); its id.
  template <class Handle, class Factory>
  uint32_t add(std::string name, Factory factory) {
    auto spawn = [factory = std::move(factory)](caf::scheduled_actor* self) {
      Handle handle = factory(self);
      return caf::actor_cast<caf::strong_actor_ptr>(handle);
    };
    return add_slot(std::move(name), std::move(spawn));
  }

  // Spawns and monitors the child of slot `id`.
  void start(caf::scheduled_actor* self, uint32_t id);

  // Starts every slot, in order.
  void start_all(caf::scheduled_actor* self);

  // The running child of slot `id`; an invalid handle while it is down.
  template <class Handle>
  Handle get(uint32_t id) const {
    const auto* s = find(id);
    return s ? caf::actor_cast<Handle>(s->actor) : Handle{};
  }

  const child_slot* find(uint32_t id) const;
  child_slot* find(uint32_t id);
  const std::vector<child_slot>& slots() const { return *slots_; }

  // Reads a down message: the slot whose running child died (now empty, its
  // deaths counted), or nullptr for an older incarnation, a stranger, or
  // any child while stopping (the ordered stop takes those).
  child_slot* on_down(const caf::down_msg& msg);

  // How long to wait before restarting the child of `slot`.
  static std::chrono::milliseconds backoff(const child_slot& slot) {
    return restart_backoff(slot.deaths);
  }

  // The respawn message: starts slot `id` again if it is still empty and
  // nothing is stopping; true if it did (a restart, counted).
  bool respawn(caf::scheduled_actor* self, uint32_t id);

  // Stops the child of slot `id` at once, without waiting, and leaves the
  // slot empty (start() fills it again): a pusher replaced on reload.
  void stop(caf::scheduled_actor* self, uint32_t id);

  // stop(), then forgets the slot: a scraper whose endpoint left the config.
  void remove(caf::scheduled_actor* self, uint32_t id);

  // The ordered stop: exits to the children from the last slot to the
  // first, each after the previous child's down message; then `done` (the
  // supervisor quits there). Children already down are skipped.
  void stop_all(caf::exit_reason reason, std::function<void()> done);

  // What a supervisor installs once: an exit message starts stop_all and
  // quits with its reason at the end; if the supervisor ends any other way
  // (it quit, it was killed), whatever still runs gets an exit at once.
  void stop_with_supervisor(caf::scheduled_actor* self);

  bool stopping() const { return stop_ != nullptr; }
  uint64_t restarts() const { return restarts_; }

private:
  struct ordered_stop {
    caf::exit_reason reason;
    std::function<void()> done;
    size_t next = 0;         // slots left to stop, from the end
    caf::actor_addr waiting; // the child whose down message is awaited
  };

  uint32_t add_slot(std::string name,
                    std::function<caf::strong_actor_ptr(caf::scheduled_actor*)> spawn);
  void stop_next();
  child_slot* running(const caf::actor_addr& address); // the slot running it, or nullptr

  // Shared with the functor that stops what still runs when the supervisor
  // ends, since the state is gone by then.
  std::shared_ptr<std::vector<child_slot>> slots_ = std::make_shared<std::vector<child_slot>>();
  std::unique_ptr<ordered_stop> stop_;
  uint32_t next_id_ = 0;
  uint64_t restarts_ = 0;
};

// The supervision a pool or a plain supervisor wants: its children started
// (unless `start` is off), the ordered stop installed, and a child that
// died sent back to `self` as (RespawnAtom, slot id) after its backoff.
// `slots` lives in the supervisor's state, as long as the supervisor.
template <class RespawnAtom, class Self>
void supervise(Self* self, child_slots& slots, bool start = true) {
  if (start)
    slots.start_all(self);
  slots.stop_with_supervisor(self);
  self->set_down_handler([self, &slots](caf::down_msg& msg) {
    if (auto* slot = slots.on_down(msg))
      self->delayed_send(self, child_slots::backoff(*slot), RespawnAtom::value, slot->id);
  });
}

} // namespace nodepulse
