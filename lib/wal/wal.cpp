#include "lib/wal/wal.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>

namespace nodepulse::wal {

namespace fs = std::filesystem;

struct write_ahead_log::segment {
  uint64_t first_sequence = 0;
  uint64_t last_sequence = 0; // 0: no record yet
  int64_t newest_time_ms = 0;
  uint64_t size = 0;
  std::string path;
};

struct write_ahead_log::entry {
  uint64_t sequence = 0;
  int64_t time_ms = 0;
  uint64_t segment_first = 0; // which segment
  uint64_t offset = 0;        // of the frame
  uint32_t length = 0;        // of the payload
  uint64_t key = 0;           // the key record it is compressed against; 0: none
};

namespace {

constexpr size_t header_bytes = 32;

void put_u32(char* p, uint32_t v) {
  for (int i = 0; i < 4; ++i)
    p[i] = static_cast<char>(v >> (8 * i));
}
void put_u64(char* p, uint64_t v) {
  for (int i = 0; i < 8; ++i)
    p[i] = static_cast<char>(v >> (8 * i));
}
uint32_t get_u32(const char* p) {
  uint32_t v = 0;
  for (int i = 3; i >= 0; --i)
    v = (v << 8) | static_cast<unsigned char>(p[i]);
  return v;
}
uint64_t get_u64(const char* p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i)
    v = (v << 8) | static_cast<unsigned char>(p[i]);
  return v;
}

// CRC-32 of a frame after its length and CRC fields.
uint32_t frame_crc(const char* frame, size_t payload_length) {
  auto crc = crc32(0, reinterpret_cast<const Bytef*>(frame + 8),
                   static_cast<uInt>(header_bytes - 8 + payload_length));
  return static_cast<uint32_t>(crc);
}

std::string segment_name(uint64_t first_sequence) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%016llx.wal", static_cast<unsigned long long>(first_sequence));
  return buf;
}

bool write_all(int fd, const char* p, size_t n) {
  while (n > 0) {
    ssize_t w = ::write(fd, p, n);
    if (w < 0 && errno == EINTR)
      continue;
    if (w <= 0)
      return false;
    p += w;
    n -= static_cast<size_t>(w);
  }
  return true;
}

bool read_file(const std::string& path, std::string& out) {
  std::ifstream in{path, std::ios::binary};
  if (!in)
    return false;
  out.assign(std::istreambuf_iterator<char>{in}, std::istreambuf_iterator<char>{});
  return true;
}

int64_t steady_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
           std::chrono::steady_clock::now().time_since_epoch())
    .count();
}

} // namespace

write_ahead_log::write_ahead_log(options opts) : opts_(std::move(opts)) {
  // A segment is the unit dropped for the size cap: keep it a small part.
  opts_.segment_bytes =
    std::max<uint64_t>(64 * 1024, std::min(opts_.segment_bytes, opts_.max_bytes / 8));
}

write_ahead_log::~write_ahead_log() {
  if (fd_ >= 0) {
    // A clean stop (SIGTERM) leaves nothing in the page cache only.
    if (opts_.fsync != fsync_policy::never)
      ::fdatasync(fd_);
    ::close(fd_);
  }
  ZSTD_freeCCtx(compressor_);
  ZSTD_freeDCtx(decompressor_);
}

std::unique_ptr<write_ahead_log> write_ahead_log::open(const options& opts, std::string& error) {
  std::unique_ptr<write_ahead_log> l{new write_ahead_log(opts)};
  l->compressor_ = ZSTD_createCCtx();
  l->decompressor_ = ZSTD_createDCtx();
  if (l->compressor_ == nullptr || l->decompressor_ == nullptr) {
    error = "cannot allocate zstd contexts";
    return nullptr;
  }
  std::error_code ec;
  fs::create_directories(opts.dir, ec);
  if (ec) {
    error = "cannot make " + opts.dir + ": " + ec.message();
    return nullptr;
  }
  if (!l->recover(error))
    return nullptr;
  return l;
}

bool write_ahead_log::recover(std::string& error) {
  std::string text;
  if (read_file(opts_.dir + "/acked", text))
    acked_ = std::strtoull(text.c_str(), nullptr, 10);
  std::vector<uint64_t> firsts;
  std::error_code ec;
  for (const auto& f : fs::directory_iterator{opts_.dir, ec}) {
    auto name = f.path().filename().string();
    if (name.size() == 20 && name.compare(16, 4, ".wal") == 0)
      firsts.push_back(std::strtoull(name.substr(0, 16).c_str(), nullptr, 16));
  }
  if (ec) {
    error = "cannot read " + opts_.dir + ": " + ec.message();
    return false;
  }
  std::sort(firsts.begin(), firsts.end());
  uint64_t highest = acked_;
  std::string bytes;
  for (size_t i = 0; i < firsts.size(); ++i) {
    bool newest = i + 1 == firsts.size();
    segment seg;
    seg.first_sequence = firsts[i];
    seg.path = opts_.dir + "/" + segment_name(firsts[i]);
    if (!read_file(seg.path, bytes))
      continue;
    size_t at = 0;
    while (at < bytes.size()) {
      size_t left = bytes.size() - at;
      uint32_t length = left >= header_bytes ? get_u32(bytes.data() + at) : 0;
      bool whole = left >= header_bytes && length <= left - header_bytes;
      if (!whole) { // the length cannot be trusted: the rest is lost
        ++(newest ? stats_.truncated_tail : stats_.skipped_corrupt);
        break;
      }
      const char* frame = bytes.data() + at;
      if (frame_crc(frame, length) != get_u32(frame + 4)) {
        if (newest && at + header_bytes + length == bytes.size()) {
          ++stats_.truncated_tail; // the last record, half-written
          break;
        }
        ++stats_.skipped_corrupt;
        at += header_bytes + length;
        continue;
      }
      uint64_t sequence = get_u64(frame + 8);
      int64_t time_ms = static_cast<int64_t>(get_u64(frame + 16));
      uint64_t key = get_u64(frame + 24);
      entry found{sequence, time_ms, seg.first_sequence, at, length, key};
      if (key == 0)
        keys_.push_back(found);
      seg.last_sequence = std::max(seg.last_sequence, sequence);
      seg.newest_time_ms = std::max(seg.newest_time_ms, time_ms);
      highest = std::max(highest, sequence);
      if (sequence > acked_)
        entries_.push_back(found);
      at += header_bytes + length;
    }
    if (at < bytes.size()) {
      if (newest && ::truncate(seg.path.c_str(), static_cast<off_t>(at)) != 0) {
        error = "cannot cut the torn end off " + seg.path + ": " + std::strerror(errno);
        return false;
      }
      if (newest)
        bytes.resize(at);
    }
    seg.size = newest ? at : bytes.size();
    segments_.push_back(std::move(seg));
  }
  std::sort(entries_.begin(), entries_.end(),
            [](const entry& a, const entry& b) { return a.sequence < b.sequence; });
  next_sequence_ = highest + 1;
  // Whole segments already delivered go now; the newest stays to append to.
  while (segments_.size() > 1 && segments_.front().last_sequence <= acked_) {
    forget_segment_keys(segments_.front().first_sequence);
    ::unlink(segments_.front().path.c_str());
    segments_.erase(segments_.begin());
  }
  if (!segments_.empty() && segments_.back().size < opts_.segment_bytes) {
    fd_ = ::open(segments_.back().path.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
    if (fd_ < 0) {
      error = "cannot open " + segments_.back().path + ": " + std::strerror(errno);
      return false;
    }
  }
  bool lost = stats_.truncated_tail > 0 || stats_.skipped_corrupt > 0;
  if (read_file(opts_.dir + "/epoch", text) && !lost) {
    epoch_ = std::strtoull(text.c_str(), nullptr, 16);
    if (epoch_ != 0 && read_file(opts_.dir + "/dropped_through", text))
      stats_.dropped_through = std::strtoull(text.c_str(), nullptr, 10);
  }
  if (epoch_ == 0 && !renew_epoch(error))
    return false;
  refresh_stats();
  return true;
}

bool write_ahead_log::renew_epoch(std::string& error) {
  stats_.dropped_through = 0; // of the epoch that ends
  ::unlink((opts_.dir + "/dropped_through").c_str());
  std::random_device random;
  while (epoch_ == 0)
    epoch_ = (static_cast<uint64_t>(random()) << 32) ^ random();
  char text[24];
  std::snprintf(text, sizeof text, "%016llx\n", static_cast<unsigned long long>(epoch_));
  const std::string tmp = opts_.dir + "/epoch.tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
  bool ok = fd >= 0 && write_all(fd, text, 17) && ::fdatasync(fd) == 0;
  if (fd >= 0)
    ::close(fd);
  if (!ok || ::rename(tmp.c_str(), (opts_.dir + "/epoch").c_str()) != 0) {
    error = "cannot write " + opts_.dir + "/epoch: " + std::strerror(errno);
    return false;
  }
  return true;
}

bool write_ahead_log::start_segment(uint64_t first_sequence, std::string& error) {
  if (fd_ >= 0)
    ::close(fd_);
  segment seg;
  seg.first_sequence = first_sequence;
  seg.path = opts_.dir + "/" + segment_name(first_sequence);
  fd_ = ::open(seg.path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
  if (fd_ < 0) {
    error = "cannot make " + seg.path + ": " + std::strerror(errno);
    return false;
  }
  segments_.push_back(std::move(seg));
  return true;
}

uint64_t write_ahead_log::append(int64_t time_ms, std::string_view data, std::string& error) {
  const uint64_t sequence = next_sequence_;
  std::string frame;
  // Compressed against the current key, or as a key itself.
  auto compress = [&](bool as_key) {
    frame.assign(header_bytes + ZSTD_compressBound(data.size()), '\0');
    ZSTD_CCtx_reset(compressor_, ZSTD_reset_session_only);
    ZSTD_CCtx_setParameter(compressor_, ZSTD_c_compressionLevel, opts_.zstd_level);
    if (!as_key)
      ZSTD_CCtx_refPrefix(compressor_, key_text_.data(), key_text_.size());
    size_t length = ZSTD_compress2(compressor_, frame.data() + header_bytes,
                                   frame.size() - header_bytes, data.data(), data.size());
    if (ZSTD_isError(length)) {
      error = std::string{"zstd: "} + ZSTD_getErrorName(length);
      return false;
    }
    frame.resize(header_bytes + length);
    put_u32(frame.data(), static_cast<uint32_t>(length));
    put_u64(frame.data() + 8, sequence);
    put_u64(frame.data() + 16, static_cast<uint64_t>(time_ms));
    put_u64(frame.data() + 24, as_key ? 0 : key_sequence_);
    put_u32(frame.data() + 4, frame_crc(frame.data(), length));
    return true;
  };
  bool as_key = key_sequence_ == 0 || since_key_ + 1 >= opts_.key_every;
  if (!compress(as_key)) {
    ++stats_.write_failures;
    return 0;
  }
  if (fd_ < 0 || segments_.empty()
      || (segments_.back().size > 0
          && segments_.back().size + frame.size() > opts_.segment_bytes)) {
    if (!start_segment(sequence, error)) {
      ++stats_.write_failures;
      return 0;
    }
    // A segment never refers to another one's key: each can go alone.
    if (!as_key && !compress(as_key = true)) {
      ++stats_.write_failures;
      return 0;
    }
  }
  auto& seg = segments_.back();
  if (!write_all(fd_, frame.data(), frame.size())) {
    error = "cannot write " + seg.path + ": " + std::strerror(errno);
    // Nothing half-written stays: cut back to the last whole record.
    if (::ftruncate(fd_, static_cast<off_t>(seg.size)) != 0) {
      ::close(fd_);
      fd_ = -1; // the next append starts a new segment
    }
    ++stats_.write_failures;
    return 0;
  }
  bool sync = opts_.fsync == fsync_policy::always
              || (opts_.fsync == fsync_policy::interval
                  && steady_ms() - last_fsync_ms_ >= opts_.fsync_interval_ms);
  if (sync) {
    ::fdatasync(fd_);
    last_fsync_ms_ = steady_ms();
  }
  auto length = static_cast<uint32_t>(frame.size() - header_bytes);
  entry e{sequence, time_ms, seg.first_sequence, seg.size, length, as_key ? 0 : key_sequence_};
  entries_.push_back(e);
  if (as_key) {
    keys_.push_back(e);
    key_sequence_ = sequence;
    key_text_.assign(data);
    since_key_ = 0;
  } else {
    ++since_key_;
  }
  seg.size += frame.size();
  seg.last_sequence = sequence;
  seg.newest_time_ms = std::max(seg.newest_time_ms, time_ms);
  ++next_sequence_;
  ++stats_.appended;
  enforce_limits(time_ms);
  refresh_stats();
  return sequence;
}

bool write_ahead_log::load(const entry& e, std::string& out) {
  const std::string* prefix = nullptr;
  if (e.key != 0) {
    if (cached_key_ != e.key) {
      auto key = std::find_if(keys_.begin(), keys_.end(),
                              [&](const entry& k) { return k.sequence == e.key; });
      cached_key_ = 0;
      if (key == keys_.end() || !load(*key, cached_key_text_))
        return false;
      cached_key_ = e.key;
    }
    prefix = &cached_key_text_;
  }
  auto seg = std::find_if(segments_.begin(), segments_.end(),
                          [&](const segment& s) { return s.first_sequence == e.segment_first; });
  if (seg == segments_.end())
    return false;
  std::string frame(header_bytes + e.length, '\0');
  int fd = ::open(seg->path.c_str(), O_RDONLY | O_CLOEXEC);
  bool ok = fd >= 0
            && ::pread(fd, frame.data(), frame.size(), static_cast<off_t>(e.offset))
                 == static_cast<ssize_t>(frame.size());
  if (fd >= 0)
    ::close(fd);
  if (!ok || frame_crc(frame.data(), e.length) != get_u32(frame.data() + 4))
    return false;
  auto size = ZSTD_getFrameContentSize(frame.data() + header_bytes, e.length);
  if (size == ZSTD_CONTENTSIZE_ERROR || size == ZSTD_CONTENTSIZE_UNKNOWN || size >= (1ull << 31))
    return false;
  out.resize(size);
  ZSTD_DCtx_reset(decompressor_, ZSTD_reset_session_only);
  if (prefix != nullptr)
    ZSTD_DCtx_refPrefix(decompressor_, prefix->data(), prefix->size());
  auto n = ZSTD_decompressDCtx(decompressor_, out.data(), out.size(), frame.data() + header_bytes,
                               e.length);
  return !ZSTD_isError(n) && n == size;
}

std::vector<record> write_ahead_log::read(uint64_t after, size_t max) {
  std::vector<record> out;
  std::vector<uint64_t> unreadable;
  for (const auto& e : entries_) {
    if (out.size() >= max)
      break;
    if (e.sequence <= after)
      continue;
    record r;
    if (!load(e, r.data)) {
      ++stats_.skipped_corrupt;
      unreadable.push_back(e.sequence);
      continue;
    }
    r.sequence = e.sequence;
    r.time_ms = e.time_ms;
    out.push_back(std::move(r));
  }
  if (!unreadable.empty()) {
    entries_.erase(std::remove_if(entries_.begin(), entries_.end(),
                                  [&](const entry& e) {
                                    return std::binary_search(unreadable.begin(), unreadable.end(),
                                                              e.sequence);
                                  }),
                   entries_.end());
    refresh_stats();
  }
  return out;
}

void write_ahead_log::forget_segment_keys(uint64_t segment_first) {
  keys_.erase(std::remove_if(keys_.begin(), keys_.end(),
                             [&](const entry& k) { return k.segment_first == segment_first; }),
              keys_.end());
  if (key_sequence_ != 0 && segments_.size() == 1) {
    key_sequence_ = 0; // the segment being written goes: the next record is a key
    key_text_.clear();
  }
}

void write_ahead_log::acknowledge(uint64_t sequence) {
  if (sequence <= acked_)
    return;
  acked_ = std::min(sequence, next_sequence_ - 1);
  entries_.erase(entries_.begin(),
                 std::find_if(entries_.begin(), entries_.end(),
                              [&](const entry& e) { return e.sequence > acked_; }));
  persist_number("acked", acked_);
  // Delivered segments go whole; the one being written stays.
  while (segments_.size() > 1 && segments_.front().last_sequence <= acked_) {
    forget_segment_keys(segments_.front().first_sequence);
    ::unlink(segments_.front().path.c_str());
    segments_.erase(segments_.begin());
  }
  refresh_stats();
}

// A failed write costs little: `acked` lost means batches re-sent after a
// restart (ingest and digest drop repeats); `dropped_through` lost means a
// drop the loss detector reports as lost in transit instead.
void write_ahead_log::persist_number(const char* name, uint64_t value) {
  const std::string path = opts_.dir + "/" + name;
  const std::string tmp = path + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
  if (fd < 0)
    return;
  auto text = std::to_string(value) + "\n";
  bool ok = write_all(fd, text.data(), text.size());
  if (opts_.fsync != fsync_policy::never)
    ::fdatasync(fd);
  ::close(fd);
  if (ok)
    ::rename(tmp.c_str(), path.c_str());
}

void write_ahead_log::drop_segment_front(bool count_as_size) {
  const auto& seg = segments_.front();
  auto in_segment = [&](const entry& e) { return e.segment_first == seg.first_sequence; };
  auto n = static_cast<uint64_t>(std::count_if(entries_.begin(), entries_.end(), in_segment));
  (count_as_size ? stats_.dropped_size : stats_.dropped_retention) += n;
  if (n > 0 && seg.last_sequence > stats_.dropped_through) {
    stats_.dropped_through = seg.last_sequence;
    persist_number("dropped_through", stats_.dropped_through);
  }
  entries_.erase(std::remove_if(entries_.begin(), entries_.end(), in_segment), entries_.end());
  forget_segment_keys(seg.first_sequence);
  ::unlink(seg.path.c_str());
  bool was_open = segments_.size() == 1;
  segments_.erase(segments_.begin());
  if (was_open && fd_ >= 0) {
    ::close(fd_);
    fd_ = -1;
  }
}

void write_ahead_log::enforce_limits(int64_t now_ms) {
  while (!segments_.empty() && segments_.front().last_sequence != 0
         && segments_.front().newest_time_ms < now_ms - opts_.retention_ms)
    drop_segment_front(false);
  auto total = [this] {
    uint64_t sum = 0;
    for (const auto& s : segments_)
      sum += s.size;
    return sum;
  };
  while (segments_.size() > 1 && total() > opts_.max_bytes)
    drop_segment_front(true);
  refresh_stats();
}

void write_ahead_log::refresh_stats() {
  stats_.records = entries_.size();
  stats_.bytes = 0;
  for (const auto& s : segments_)
    stats_.bytes += s.size;
  stats_.oldest_time_ms = entries_.empty() ? 0 : entries_.front().time_ms;
}

} // namespace nodepulse::wal
