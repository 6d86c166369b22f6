#define CAF_SUITE actors.child_slot
#include "unit/test_support.hpp"

#include "actors/child_slot.hpp"

#include <caf/typed_event_based_actor.hpp>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

using namespace nodepulse;
using std::chrono::milliseconds;

namespace {

// A child that notes its end in a shared log. With `linger`, an exit makes
// it finish what it is doing first (a pusher with a push in flight): it
// quits 100 ms later.
using child_actor = caf::typed_actor<caf::reacts_to<poll_atom>>;

struct child_state {
  static inline constexpr const char* name = "test_child";
};

child_actor::behavior_type child(child_actor::stateful_pointer<child_state> self, std::string name,
                                 std::shared_ptr<std::vector<std::string>> log, bool linger) {
  self->attach_functor([name, log] { log->push_back(name); });
  if (linger)
    self->set_exit_handler(
      [self](caf::exit_msg&) { self->delayed_send(self, milliseconds{100}, poll_atom::value); });
  return {
    [self](poll_atom) { self->quit(caf::exit_reason::user_shutdown); },
  };
}

// The smallest supervisor: its slots, the backoff, the ordered stop; and
// two test-only messages: stop (ack_atom) or remove (tick_atom) a slot.
using supervisor_actor =
  caf::typed_actor<caf::reacts_to<respawn_atom, uint32_t>, caf::reacts_to<ack_atom, uint32_t>,
                   caf::reacts_to<tick_atom, uint32_t>>;

struct supervisor_state {
  static inline constexpr const char* name = "test_supervisor";
  child_slots children;
};

struct child_spec {
  std::string name;
  bool linger = false;
};

supervisor_actor::behavior_type
supervisor(supervisor_actor::stateful_pointer<supervisor_state> self, std::vector<child_spec> specs,
           std::shared_ptr<std::vector<std::string>> log) {
  for (const auto& spec : specs)
    self->state.children.add<child_actor>(spec.name, [spec, log](caf::local_actor* self) {
      return self->spawn(child, spec.name, log, spec.linger);
    });
  self->state.children.start_all(self);
  self->state.children.stop_with_supervisor(self);
  self->set_down_handler([self](caf::down_msg& msg) {
    if (auto* slot = self->state.children.on_down(msg))
      self->delayed_send(self, child_slots::backoff(*slot), respawn_atom::value, slot->id);
  });
  return {
    [self](respawn_atom, uint32_t id) { self->state.children.respawn(self, id); },
    [self](ack_atom, uint32_t id) { self->state.children.stop(self, id); },
    [self](tick_atom, uint32_t id) { self->state.children.remove(self, id); },
  };
}

struct fixture : test_coordinator_fixture<test::system_config> {
  std::shared_ptr<std::vector<std::string>> ended = std::make_shared<std::vector<std::string>>();
  supervisor_actor sup;

  void start(std::vector<child_spec> specs) {
    sup = sys.spawn(supervisor, std::move(specs), ended);
    sched.run();
  }

  ~fixture() {
    if (sup)
      caf::anon_send_exit(sup, caf::exit_reason::kill);
    sched.run();
  }

  child_slots& slots() {
    return deref<supervisor_actor::stateful_base<supervisor_state>>(sup).state.children;
  }

  child_actor running(uint32_t id) { return slots().get<child_actor>(id); }

  void advance(milliseconds d) {
    sched.clock().advance_time(d);
    sched.run();
  }

  void crash(uint32_t id) {
    caf::anon_send_exit(running(id), caf::exit_reason::kill);
    sched.run();
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(child_slot_tests, fixture)

CAF_TEST(every slot is started once in order) {
  start({{"a"}, {"b"}, {"c"}});
  CAF_REQUIRE_EQUAL(slots().slots().size(), 3u);
  for (uint32_t id = 0; id < 3; ++id) {
    CAF_CHECK(running(id));
    CAF_CHECK_EQUAL(slots().find(id)->incarnations, 1u);
    CAF_CHECK_EQUAL(slots().find(id)->deaths, 0u);
  }
  CAF_CHECK_EQUAL(slots().slots()[1].name, "b");
  CAF_CHECK(running(0) != running(1));
}

CAF_TEST(a dead child is restarted in its slot after the backoff) {
  start({{"a"}, {"b"}});
  auto old = running(1);
  crash(1);
  CAF_CHECK(!running(1));
  CAF_CHECK(running(0)); // the others carry on
  CAF_CHECK_EQUAL(slots().find(1)->deaths, 1u);
  advance(milliseconds{49});
  CAF_CHECK(!running(1));
  advance(milliseconds{1});
  CAF_REQUIRE(running(1));
  CAF_CHECK(running(1) != old);
  CAF_CHECK_EQUAL(slots().find(1)->incarnations, 2u);
  CAF_CHECK_EQUAL(slots().restarts(), 1u);
}

CAF_TEST(the backoff doubles with each death in a slot) {
  start({{"a"}});
  for (uint32_t death = 1; death <= 4; ++death) {
    crash(0);
    auto wait = milliseconds{50 << (death - 1)};
    advance(wait - milliseconds{1});
    CAF_CHECK(!running(0));
    advance(milliseconds{1});
    CAF_CHECK(running(0));
  }
  CAF_CHECK_EQUAL(slots().restarts(), 4u);
  CAF_CHECK_EQUAL(child_slots::backoff(*slots().find(0)), milliseconds{400});
}

CAF_TEST(a child stopped on purpose is not restarted) {
  start({{"a"}, {"b"}});
  self->send(sup, ack_atom::value, uint32_t{0});
  sched.run();
  CAF_CHECK(!running(0));
  advance(milliseconds{20'000});
  CAF_CHECK(!running(0));
  CAF_CHECK_EQUAL(slots().find(0)->deaths, 0u);
  CAF_CHECK_EQUAL(*ended, (std::vector<std::string>{"a"}));
}

CAF_TEST(a removed slot is gone with its child) {
  start({{"a"}, {"b"}, {"c"}});
  self->send(sup, tick_atom::value, uint32_t{1});
  sched.run();
  CAF_CHECK_EQUAL(slots().slots().size(), 2u);
  CAF_CHECK(slots().find(1) == nullptr);
  CAF_CHECK_EQUAL(*ended, (std::vector<std::string>{"b"}));
}

CAF_TEST(stopping waits for each child before stopping the one before it) {
  // "b" lingers 100 ms after its exit, like a pusher finishing a push: "a"
  // (the buffer it writes to) must not get its exit before "b" is gone.
  start({{"a"}, {"b", true}, {"c"}});
  self->monitor(sup);
  caf::anon_send_exit(sup, caf::exit_reason::user_shutdown);
  sched.run();
  CAF_CHECK_EQUAL(*ended, (std::vector<std::string>{"c"}));
  CAF_CHECK(slots().stopping());
  advance(milliseconds{99});
  CAF_CHECK_EQUAL(*ended, (std::vector<std::string>{"c"}));
  advance(milliseconds{1});
  CAF_CHECK_EQUAL(*ended, (std::vector<std::string>{"c", "b", "a"}));
  // Then the supervisor quits, with the reason it was given.
  bool down = false;
  self->receive([&](caf::down_msg& msg) {
    down = true;
    CAF_CHECK_EQUAL(msg.reason, caf::exit_reason::user_shutdown);
  });
  CAF_CHECK(down);
  sup = nullptr;
}

CAF_TEST(a child dying while others stop is not restarted) {
  start({{"a"}, {"b", true}});
  caf::anon_send_exit(sup, caf::exit_reason::user_shutdown);
  sched.run();
  crash(0); // "a" dies on its own while "b" lingers
  advance(milliseconds{100});
  CAF_CHECK_EQUAL(*ended, (std::vector<std::string>{"a", "b"}));
  sup = nullptr;
}

CAF_TEST(a killed supervisor still stops every child) {
  start({{"a"}, {"b"}});
  caf::anon_send_exit(sup, caf::exit_reason::kill);
  sched.run();
  sup = nullptr;
  CAF_CHECK_EQUAL(ended->size(), 2u);
}

CAF_TEST_FIXTURE_SCOPE_END()
