#include "actors/child_slot.hpp"

#include <caf/exit_reason.hpp>
#include <caf/scheduled_actor.hpp>
#include <caf/send.hpp>
#include <caf/system_messages.hpp>

#include <algorithm>

namespace nodepulse {

uint32_t child_slots::add_slot(std::string name,
                               std::function<caf::strong_actor_ptr(caf::scheduled_actor*)> spawn) {
  child_slot slot;
  slot.id = next_id_++;
  slot.name = std::move(name);
  slot.spawn = std::move(spawn);
  slots_->push_back(std::move(slot));
  return slots_->back().id;
}

const child_slot* child_slots::find(uint32_t id) const {
  for (const auto& s : *slots_)
    if (s.id == id)
      return &s;
  return nullptr;
}

child_slot* child_slots::find(uint32_t id) {
  return const_cast<child_slot*>(static_cast<const child_slots*>(this)->find(id));
}

void child_slots::start(caf::scheduled_actor* self, uint32_t id) {
  auto* s = find(id);
  if (s == nullptr || stopping())
    return;
  s->actor = s->spawn(self);
  ++s->incarnations;
  if (s->actor)
    self->monitor(s->actor);
}

void child_slots::start_all(caf::scheduled_actor* self) {
  // By index: a factory that adds a slot grows the vector, which would
  // leave an iterator dangling.
  for (size_t i = 0; i < slots_->size(); ++i)
    start(self, (*slots_)[i].id);
}

child_slot* child_slots::running(const caf::actor_addr& address) {
  for (auto& s : *slots_)
    if (s.actor && s.actor->address() == address)
      return &s;
  return nullptr;
}

child_slot* child_slots::on_down(const caf::down_msg& msg) {
  auto* s = running(msg.source);
  if (stop_) {
    if (msg.source == stop_->waiting)
      stop_next();
    else if (s != nullptr)
      s->actor = nullptr; // died while another was stopping: nothing to send it
    return nullptr;
  }
  if (s == nullptr)
    return nullptr;
  s->actor = nullptr;
  ++s->deaths;
  return s;
}

bool child_slots::respawn(caf::scheduled_actor* self, uint32_t id) {
  auto* s = find(id);
  if (s == nullptr || s->actor || stopping())
    return false;
  start(self, id);
  ++restarts_;
  return true;
}

void child_slots::stop(caf::scheduled_actor* self, uint32_t id) {
  auto* s = find(id);
  if (s == nullptr || !s->actor)
    return;
  self->demonitor(s->actor->address());
  caf::anon_send_exit(s->actor, caf::exit_reason::user_shutdown);
  s->actor = nullptr;
}

void child_slots::remove(caf::scheduled_actor* self, uint32_t id) {
  stop(self, id);
  slots_->erase(std::remove_if(slots_->begin(), slots_->end(),
                               [id](const child_slot& s) { return s.id == id; }),
                slots_->end());
}

void child_slots::stop_all(caf::exit_reason reason, std::function<void()> done) {
  if (stop_)
    return; // already on its way
  stop_ = std::make_unique<ordered_stop>();
  stop_->reason = reason;
  stop_->done = std::move(done);
  stop_->next = slots_->size();
  stop_next();
}

void child_slots::stop_next() {
  auto& st = *stop_;
  st.waiting = caf::actor_addr{};
  while (st.next > 0) {
    auto& s = (*slots_)[--st.next];
    if (!s.actor)
      continue;
    st.waiting = s.actor->address();
    caf::anon_send_exit(s.actor, st.reason);
    s.actor = nullptr;
    return; // on_down calls again when this one is gone
  }
  auto done = std::move(st.done);
  if (done)
    done();
}

void child_slots::stop_with_supervisor(caf::scheduled_actor* self) {
  self->set_exit_handler([this, self](caf::exit_msg& msg) {
    auto reason = msg.reason;
    auto code = reason.category() == caf::atom("exit")
                  ? static_cast<caf::exit_reason>(reason.code())
                  : caf::exit_reason::user_shutdown;
    stop_all(code, [self, reason] { self->quit(reason); });
  });
  self->attach_functor([slots = slots_] {
    for (auto it = slots->rbegin(); it != slots->rend(); ++it)
      if (it->actor)
        caf::anon_send_exit(it->actor, caf::exit_reason::user_shutdown);
  });
}

} // namespace nodepulse
