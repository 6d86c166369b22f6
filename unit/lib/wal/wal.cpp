#define CAF_SUITE lib.wal.wal
#include <caf/test/unit_test.hpp>

#include "lib/wal/wal.hpp"

#include <sys/resource.h>
#include <unistd.h>

#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

using namespace nodepulse;
namespace fs = std::filesystem;

namespace {

constexpr int64_t t0 = 1764194400000; // 2025-11-26 22:00 UTC

// A WAL directory of its own, removed afterwards.
struct fixture {
  std::string dir;
  wal::options opts;

  fixture() {
    char tmpl[] = "/tmp/nodepulse-wal-XXXXXX";
    if (::mkdtemp(tmpl) == nullptr)
      CAF_FAIL("mkdtemp failed");
    dir = tmpl;
    opts.dir = dir;
  }

  ~fixture() { fs::remove_all(dir); }

  std::unique_ptr<wal::write_ahead_log> open() {
    std::string error;
    auto l = wal::write_ahead_log::open(opts, error);
    if (!l)
      CAF_FAIL("open: " << error);
    return l;
  }

  std::vector<std::string> segments() const {
    std::vector<std::string> out;
    for (const auto& f : fs::directory_iterator{dir})
      if (f.path().extension() == ".wal")
        out.push_back(f.path().string());
    std::sort(out.begin(), out.end());
    return out;
  }
};

// A scrape-sized text that does not compress away.
std::string noise(size_t n, unsigned seed) {
  std::mt19937 gen{seed};
  std::string s(n, ' ');
  for (auto& c : s)
    c = static_cast<char>('a' + gen() % 26);
  return s;
}

std::vector<uint64_t> sequences(const std::vector<wal::record>& rs) {
  std::vector<uint64_t> out;
  for (const auto& r : rs)
    out.push_back(r.sequence);
  return out;
}

uint64_t append(wal::write_ahead_log& l, int64_t t, const std::string& data) {
  std::string error;
  auto seq = l.append(t, data, error);
  if (seq == 0)
    CAF_FAIL("append: " << error);
  return seq;
}

} // namespace

CAF_TEST_FIXTURE_SCOPE(wal_tests, fixture)

CAF_TEST(records read back in order and survive a reopen) {
  {
    auto l = open();
    CAF_CHECK_EQUAL(append(*l, t0, "first scrape"), 1u);
    CAF_CHECK_EQUAL(append(*l, t0 + 15'000, "second scrape"), 2u);
    auto rs = l->read(0, 10);
    CAF_REQUIRE_EQUAL(rs.size(), 2u);
    CAF_CHECK_EQUAL(rs[0].data, "first scrape");
    CAF_CHECK_EQUAL(rs[1].time_ms, t0 + 15'000);
    CAF_CHECK_EQUAL(sequences(l->read(1, 10)), std::vector<uint64_t>{2});
    CAF_CHECK_EQUAL(l->figures().oldest_time_ms, t0);
  }
  auto l = open();
  CAF_CHECK_EQUAL(sequences(l->read(0, 10)), (std::vector<uint64_t>{1, 2}));
  CAF_CHECK_EQUAL(append(*l, t0 + 30'000, "third"), 3u); // never a sequence again
}

CAF_TEST(acknowledged records are gone for good and whole segments deleted) {
  opts.segment_bytes = 64 * 1024;
  uint64_t epoch = 0;
  {
    auto l = open();
    epoch = l->epoch();
    CAF_CHECK_NOT_EQUAL(epoch, 0u);
    for (unsigned i = 0; i < 20; ++i)
      append(*l, t0 + i * 15'000, noise(20'000, i));
    auto before = segments().size();
    CAF_CHECK_GREATER(before, 3u);
    l->acknowledge(15);
    CAF_CHECK_LESS(segments().size(), before);
    CAF_CHECK_EQUAL(l->figures().records, 5u);
  }
  auto l = open();
  CAF_CHECK_EQUAL(l->epoch(), epoch);
  CAF_CHECK_EQUAL(l->acknowledged(), 15u);
  CAF_CHECK_EQUAL(sequences(l->read(0, 100)), (std::vector<uint64_t>{16, 17, 18, 19, 20}));
}

CAF_TEST(a torn record at the end is cut off and counted) {
  uint64_t epoch = 0;
  {
    auto l = open();
    epoch = l->epoch();
    for (int i = 0; i < 3; ++i)
      append(*l, t0 + i, "scrape " + std::to_string(i));
  }
  auto seg = segments().back();
  auto size = fs::file_size(seg);
  fs::resize_file(seg, size - 5); // kill -9 in the middle of the last write
  auto l = open();
  CAF_CHECK_EQUAL(l->figures().truncated_tail, 1u);
  CAF_CHECK_EQUAL(sequences(l->read(0, 10)), (std::vector<uint64_t>{1, 2}));
  CAF_CHECK_NOT_EQUAL(l->epoch(), epoch); // sequence 3 may be handed out again
  CAF_CHECK_EQUAL(append(*l, t0 + 9, "after"), 3u);
  auto after = l->read(2, 10);
  CAF_REQUIRE_EQUAL(after.size(), 1u);
  CAF_CHECK_EQUAL(after[0].data, "after");
  // Garbage instead of a record at the end: cut off too.
  l.reset();
  std::ofstream{seg, std::ios::app | std::ios::binary} << "\x07garbage";
  l = open();
  CAF_CHECK_EQUAL(l->figures().truncated_tail, 1u);
  CAF_CHECK_EQUAL(sequences(l->read(0, 10)), (std::vector<uint64_t>{1, 2, 3}));
}

CAF_TEST(a flipped bit in the middle skips that record only) {
  {
    auto l = open();
    for (int i = 0; i < 3; ++i)
      append(*l, t0 + i, "scrape number " + std::to_string(i));
  }
  auto seg = segments().back();
  std::fstream f{seg, std::ios::in | std::ios::out | std::ios::binary};
  // The second record starts after the first frame: 32-byte header + payload.
  f.seekg(0);
  char len[4];
  f.read(len, 4);
  uint32_t first = static_cast<unsigned char>(len[0]) | static_cast<unsigned char>(len[1]) << 8;
  f.seekg(32 + first + 32 + 3);
  char c;
  f.read(&c, 1);
  c ^= 0x10;
  f.seekp(32 + first + 32 + 3);
  f.write(&c, 1);
  f.close();
  auto l = open();
  CAF_CHECK_EQUAL(l->figures().skipped_corrupt, 1u);
  CAF_CHECK_EQUAL(l->figures().truncated_tail, 0u);
  auto rs = l->read(0, 10);
  CAF_CHECK_EQUAL(sequences(rs), (std::vector<uint64_t>{1, 3}));
  CAF_CHECK_EQUAL(rs.at(1).data, "scrape number 2");
  CAF_CHECK_EQUAL(append(*l, t0 + 5, "next"), 4u);
}

CAF_TEST(a corrupt key record costs the records compressed against it only) {
  opts.key_every = 4;
  {
    auto l = open();
    for (int i = 1; i <= 8; ++i)
      append(*l, t0 + i, "node_load1 " + std::to_string(i) + "\nnode_load5 0.5\n");
  }
  auto seg = segments().back();
  std::fstream f{seg, std::ios::in | std::ios::out | std::ios::binary};
  f.seekp(32 + 2); // inside the first record's payload: the first key
  f.put('\xff');
  f.close();
  auto l = open();
  auto rs = l->read(0, 10);
  CAF_CHECK_EQUAL(sequences(rs), (std::vector<uint64_t>{5, 6, 7, 8}));
  CAF_CHECK_EQUAL(rs.at(0).data, "node_load1 5\nnode_load5 0.5\n");
  CAF_CHECK_EQUAL(l->figures().skipped_corrupt, 4u); // 1 at recovery, 3 on reading
}

CAF_TEST(records compressed against a key take a fraction of the bytes) {
  // Like a scrape: the same names and labels each time, other values.
  const std::string names = noise(20'000, 7);
  auto l = open();
  append(*l, t0, names + " 1\n");
  auto key_bytes = l->figures().bytes;
  for (int i = 2; i <= 11; ++i)
    append(*l, t0 + i, names + " " + std::to_string(i) + "\n");
  auto rest = (l->figures().bytes - key_bytes) / 10;
  CAF_MESSAGE("key record " << key_bytes << " bytes, the others " << rest << " each");
  CAF_CHECK_LESS(rest * 20, key_bytes);
  auto six = l->read(5, 1);
  CAF_REQUIRE_EQUAL(six.size(), 1u);
  CAF_CHECK_EQUAL(six[0].sequence, 6u);
  CAF_CHECK(six[0].data == names + " 6\n");
}

CAF_TEST(the size cap drops the oldest segments and counts what went) {
  opts.max_bytes = 512 * 1024; // segments of 64 KiB
  auto l = open();
  for (unsigned i = 0; i < 100; ++i)
    append(*l, t0 + i * 15'000, noise(20'000, i));
  const auto& f = l->figures();
  CAF_CHECK_LESS_OR_EQUAL(f.bytes, opts.max_bytes);
  CAF_CHECK_GREATER(f.dropped_size, 0u);
  CAF_CHECK_EQUAL(f.records + f.dropped_size, 100u);
  auto rs = l->read(0, 1000);
  CAF_REQUIRE(!rs.empty());
  CAF_CHECK_EQUAL(rs.back().sequence, 100u); // the newest stay
  CAF_CHECK_EQUAL(rs.back().sequence - rs.front().sequence + 1, rs.size());
}

CAF_TEST(the retention drops segments whose records are all too old) {
  opts.segment_bytes = 64 * 1024;
  opts.retention_ms = 3'600'000;
  auto l = open();
  for (unsigned i = 0; i < 40; ++i) // 10 minutes apart: 6.5 hours
    append(*l, t0 + i * 600'000, noise(20'000, i));
  l->enforce_limits(t0 + 40 * 600'000);
  const auto& f = l->figures();
  CAF_CHECK_GREATER(f.dropped_retention, 0u);
  CAF_CHECK_EQUAL(f.records + f.dropped_retention, 40u);
  // Every record of the last hour stays; older ones only where they share
  // a segment with a younger one (a segment goes whole).
  const int64_t cutoff = t0 + 40 * 600'000 - 3'600'000;
  size_t young = 0, old = 0;
  for (const auto& r : l->read(0, 100))
    ++(r.time_ms >= cutoff ? young : old);
  CAF_CHECK_EQUAL(young, 6u);
  CAF_CHECK_LESS(old, 64u * 1024 / 10'000); // fewer than a segment holds
}

CAF_TEST(a write that fails leaves nothing behind and is counted) {
  auto l = open();
  append(*l, t0, "before the disk filled up");
  auto seg = segments().back();
  auto size = fs::file_size(seg);
  // The disk is full: no file may grow past its size now.
  std::signal(SIGXFSZ, SIG_IGN);
  rlimit old{};
  ::getrlimit(RLIMIT_FSIZE, &old);
  rlimit full{static_cast<rlim_t>(size + 10), old.rlim_max};
  ::setrlimit(RLIMIT_FSIZE, &full);
  std::string error;
  auto seq = l->append(t0 + 1, noise(5'000, 1), error);
  ::setrlimit(RLIMIT_FSIZE, &old);
  CAF_CHECK_EQUAL(seq, 0u);
  CAF_CHECK(!error.empty());
  CAF_CHECK_EQUAL(l->figures().write_failures, 1u);
  CAF_CHECK_EQUAL(fs::file_size(seg), size);
  CAF_CHECK_EQUAL(append(*l, t0 + 2, "after"), 2u);
  l.reset();
  l = open();
  CAF_CHECK_EQUAL(l->figures().truncated_tail + l->figures().skipped_corrupt, 0u);
  CAF_CHECK_EQUAL(sequences(l->read(0, 10)), (std::vector<uint64_t>{1, 2}));
}

CAF_TEST(the highest sequence the caps dropped lasts as long as the epoch) {
  opts.max_bytes = 512 * 1024;
  uint64_t through = 0;
  {
    auto l = open();
    CAF_CHECK_EQUAL(l->figures().dropped_through, 0u);
    for (unsigned i = 0; i < 100; ++i)
      append(*l, t0 + i * 15'000, noise(20'000, i));
    through = l->figures().dropped_through;
    auto rs = l->read(0, 1000);
    CAF_REQUIRE(!rs.empty());
    // Drops go oldest first: everything below the oldest kept went.
    CAF_CHECK_EQUAL(through, rs.front().sequence - 1);
  }
  CAF_REQUIRE_GREATER(through, 0u);
  {
    auto l = open(); // a restart keeps the epoch and what it dropped
    CAF_CHECK_EQUAL(l->figures().dropped_through, through);
    CAF_CHECK_EQUAL(l->figures().dropped_size, 0u); // counters are since the start
  }
  // A torn tail starts a new epoch, which has dropped nothing yet.
  auto seg = segments().back();
  fs::resize_file(seg, fs::file_size(seg) - 3);
  auto l = open();
  CAF_CHECK_GREATER(l->figures().truncated_tail, 0u);
  CAF_CHECK_EQUAL(l->figures().dropped_through, 0u);
  l.reset();
  auto reopened = open();
  CAF_CHECK_EQUAL(reopened->figures().dropped_through, 0u);
}

CAF_TEST(a wiped directory starts a new epoch) {
  uint64_t epoch = 0;
  {
    auto l = open();
    epoch = l->epoch();
    append(*l, t0, "x");
  }
  fs::remove_all(dir);
  auto l = open();
  CAF_CHECK_NOT_EQUAL(l->epoch(), epoch);
  CAF_CHECK_EQUAL(append(*l, t0, "y"), 1u); // the same sequence, another epoch
}

CAF_TEST_FIXTURE_SCOPE_END()
