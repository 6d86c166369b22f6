#include "lib/valkey/stream_codec.hpp"

#include "lib/remote/write_request.hpp"

#include <zstd.h>

#include <algorithm>
#include <cstring>
#include <unordered_map>
#include <vector>

namespace nodepulse::valkey {

namespace {

constexpr char magic[4] = {'N', 'P', 'B', '1'};
constexpr char remote_write_magic[4] = {'N', 'P', 'W', '1'};
constexpr unsigned char flag_zstd = 1;
// Decoding never inflates a body beyond this, whatever its header claims.
constexpr uint64_t max_body_bytes = 256ull << 20;

// zstd contexts cost far more to create than a scrape costs to compress:
// keep one of each per thread (encode and decode run on worker threads).
struct zstd_contexts {
  ZSTD_CCtx* compress = ZSTD_createCCtx();
  ZSTD_DCtx* decompress = ZSTD_createDCtx();
  ~zstd_contexts() {
    ZSTD_freeCCtx(compress);
    ZSTD_freeDCtx(decompress);
  }
};

zstd_contexts& thread_zstd() {
  thread_local zstd_contexts contexts;
  return contexts;
}

// -- writing ------------------------------------------------------------------

void put_varint(std::string& out, uint64_t v) {
  while (v >= 0x80) {
    out += static_cast<char>(static_cast<unsigned char>(v) | 0x80);
    v >>= 7;
  }
  out += static_cast<char>(v);
}

uint64_t zigzag(int64_t v) {
  return (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63);
}

int64_t unzigzag(uint64_t v) {
  return static_cast<int64_t>(v >> 1) ^ -static_cast<int64_t>(v & 1);
}

// Every distinct string once; records refer to it by index.
class string_table {
public:
  uint64_t ref(std::string_view s) {
    auto [it, added] = index_.try_emplace(s, strings_.size());
    if (added)
      strings_.push_back(s);
    return it->second;
  }

  void write(std::string& out) const {
    put_varint(out, strings_.size());
    for (auto s : strings_) {
      put_varint(out, s.size());
      out.append(s);
    }
  }

private:
  std::unordered_map<std::string_view, uint64_t> index_;
  std::vector<std::string_view> strings_;
};

void encode_body(const prom::sample_batch& batch, int64_t received_at_ms, std::string& out) {
  string_table strings;
  std::string records;
  records.reserve(batch.samples.size() * 16);
  put_varint(records, batch.families.size());
  for (const auto& f : batch.families) {
    put_varint(records, strings.ref(f.name));
    records += static_cast<char>(static_cast<unsigned char>(f.type) | (f.has_type ? 0x80 : 0));
    put_varint(records, f.has_help ? strings.ref(f.help) + 1 : 0);
    put_varint(records, f.has_unit ? strings.ref(f.unit) + 1 : 0);
  }
  put_varint(records, batch.samples.size());
  for (const auto& s : batch.samples) {
    put_varint(records, s.family);
    put_varint(records, strings.ref(s.name));
    put_varint(records, s.labels.count);
    for (const auto& l : batch.labels_of(s.labels)) {
      put_varint(records, strings.ref(l.name));
      put_varint(records, strings.ref(l.value));
    }
    char value[8];
    std::memcpy(value, &s.value, 8); // IEEE 754, little-endian on our targets
    records.append(value, 8);
    int64_t ts = s.has_timestamp ? s.timestamp_ms : received_at_ms;
    put_varint(records, zigzag(ts - received_at_ms));
  }
  strings.write(out);
  out += records;
}

// -- reading ------------------------------------------------------------------

class reader {
public:
  explicit reader(std::string_view in) : p_(in.data()), end_(in.data() + in.size()) {}

  bool varint(uint64_t& v) {
    v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (p_ == end_)
        return false;
      auto byte = static_cast<unsigned char>(*p_++);
      v |= static_cast<uint64_t>(byte & 0x7f) << shift;
      if ((byte & 0x80) == 0)
        return true;
    }
    return false;
  }

  // A count of items that take at least `min_bytes` each: never more than
  // the bytes left could hold, so a forged count cannot make us allocate.
  bool count(uint64_t& n, size_t min_bytes) { return varint(n) && n <= remaining() / min_bytes; }

  bool bytes(size_t n, std::string_view& out) {
    if (remaining() < n)
      return false;
    out = {p_, n};
    p_ += n;
    return true;
  }

  size_t remaining() const { return static_cast<size_t>(end_ - p_); }

private:
  const char* p_;
  const char* end_;
};

std::string decode_body(std::string_view body, int64_t received_at_ms, prom::sample_batch& out) {
  reader in{body};
  uint64_t n;
  if (!in.count(n, 1))
    return "string table: bad count";
  std::vector<std::string_view> strings(n);
  for (auto& s : strings) {
    uint64_t len;
    if (!in.varint(len) || !in.bytes(len, s))
      return "string table: truncated";
  }
  auto string_at = [&](uint64_t i, std::string_view& s) {
    if (i >= strings.size())
      return false;
    s = strings[i];
    return true;
  };

  if (!in.count(n, 4))
    return "families: bad count";
  out.families.resize(n);
  for (auto& f : out.families) {
    uint64_t name, help, unit;
    std::string_view type;
    if (!in.varint(name) || !in.bytes(1, type) || !in.varint(help) || !in.varint(unit))
      return "families: truncated";
    auto t = static_cast<unsigned char>(type[0]);
    if ((t & 0x7f) > static_cast<unsigned char>(prom::metric_type::unknown))
      return "families: unknown type " + std::to_string(t & 0x7f);
    f.type = static_cast<prom::metric_type>(t & 0x7f);
    f.has_type = (t & 0x80) != 0;
    f.has_help = help != 0;
    f.has_unit = unit != 0;
    if (!string_at(name, f.name) || (f.has_help && !string_at(help - 1, f.help))
        || (f.has_unit && !string_at(unit - 1, f.unit)))
      return "families: string index out of range";
  }

  if (!in.count(n, 12))
    return "samples: bad count";
  out.samples.resize(n);
  for (auto& s : out.samples) {
    uint64_t family, name, labels;
    if (!in.varint(family) || !in.varint(name) || !in.count(labels, 2))
      return "samples: truncated";
    if (family >= out.families.size())
      return "samples: family index out of range";
    s.family = static_cast<uint32_t>(family);
    if (!string_at(name, s.name))
      return "samples: string index out of range";
    s.labels = {static_cast<uint32_t>(out.labels.size()), static_cast<uint32_t>(labels)};
    for (uint64_t k = 0; k < labels; ++k) {
      uint64_t lname, lvalue;
      prom::label l;
      if (!in.varint(lname) || !in.varint(lvalue))
        return "labels: truncated";
      if (!string_at(lname, l.name) || !string_at(lvalue, l.value))
        return "labels: string index out of range";
      out.labels.push_back(l);
    }
    std::string_view value;
    uint64_t ts;
    if (!in.bytes(8, value) || !in.varint(ts))
      return "samples: truncated";
    std::memcpy(&s.value, value.data(), 8);
    s.has_timestamp = true;
    s.timestamp_ms = static_cast<int64_t>(static_cast<uint64_t>(received_at_ms)
                                          + static_cast<uint64_t>(unzigzag(ts)));
    s.exemplar = prom::no_exemplar;
    out.families[s.family].sample_count++;
  }
  if (in.remaining() != 0)
    return "trailing bytes after the samples";
  return "";
}

} // namespace

void encode_payload(const prom::sample_batch& batch, int64_t received_at_ms,
                    const encode_options& opts, std::string& out) {
  const size_t start = out.size();
  out.append(magic, sizeof magic);
  if (opts.zstd_level > 0) {
    std::string body;
    encode_body(batch, received_at_ms, body);
    out += static_cast<char>(flag_zstd);
    put_varint(out, body.size());
    size_t header = out.size();
    out.resize(header + ZSTD_compressBound(body.size()));
    size_t n = ZSTD_compressCCtx(thread_zstd().compress, out.data() + header, out.size() - header,
                                 body.data(), body.size(), opts.zstd_level);
    if (!ZSTD_isError(n)) {
      out.resize(header + n);
      return;
    }
    // Cannot happen with a compressBound-sized buffer; store it plain.
    out.resize(start);
    out.append(magic, sizeof magic);
  }
  out += static_cast<char>(0);
  encode_body(batch, received_at_ms, out);
}

void encode_remote_write_payload(const prom::sample_batch& batch, std::string_view snappy_body,
                                 std::string& out) {
  out.append(remote_write_magic, sizeof remote_write_magic);
  out += static_cast<char>(0);
  auto described = [](const prom::family& f) { return f.has_type || f.has_help || f.has_unit; };
  put_varint(out, static_cast<uint64_t>(
                    std::count_if(batch.families.begin(), batch.families.end(), described)));
  auto put_string = [&](std::string_view s) {
    put_varint(out, s.size());
    out.append(s);
  };
  for (const auto& f : batch.families) {
    if (!described(f))
      continue;
    put_string(f.name);
    out += static_cast<char>(static_cast<unsigned char>(f.type) | (f.has_type ? 0x80 : 0));
    put_string(f.has_help ? f.help : std::string_view{});
    put_string(f.has_unit ? f.unit : std::string_view{});
  }
  out.append(snappy_body);
}

namespace {

// The metadata section of a remote write payload becomes a cache the
// decoder types the request's families from, as the ingest's did.
std::string decode_remote_write(std::string_view body, prom::sample_batch& out,
                                std::string& scratch) {
  reader in{body};
  uint64_t n;
  if (!in.count(n, 4))
    return "metadata: bad count";
  remote::metadata_cache known{static_cast<size_t>(n)};
  for (uint64_t i = 0; i < n; ++i) {
    uint64_t len;
    std::string_view name, type, help, unit;
    if (!in.varint(len) || !in.bytes(len, name) || !in.bytes(1, type) || !in.varint(len)
        || !in.bytes(len, help) || !in.varint(len) || !in.bytes(len, unit))
      return "metadata: truncated";
    auto t = static_cast<unsigned char>(type[0]) & 0x7f;
    if (t > static_cast<unsigned char>(prom::metric_type::unknown))
      return "metadata: unknown type " + std::to_string(t);
    known.put("", name, {static_cast<prom::metric_type>(t), std::string{help}, std::string{unit}});
  }
  std::string_view snappy_body = body.substr(body.size() - in.remaining());
  size_t length = 0;
  std::string error;
  switch (remote::snappy_uncompress(snappy_body, max_body_bytes, scratch, length, error)) {
    case remote::snappy_outcome::ok:
      break;
    case remote::snappy_outcome::too_large:
      return "bad uncompressed size";
    case remote::snappy_outcome::invalid:
      return "corrupt snappy body: " + error;
  }
  // The ingest held the request to its limits; here nothing is refused
  // that it accepted.
  remote::write_limits limits;
  limits.max_inflated_bytes = max_body_bytes;
  limits.limits.max_labels_per_sample = SIZE_MAX - 1;
  limits.limits.max_name_bytes = SIZE_MAX;
  limits.limits.max_label_value_bytes = SIZE_MAX;
  thread_local remote::write_decoder decoder;
  auto res = decoder.decode_plain(scratch, "", &known, limits, out);
  if (!res.ok)
    return "remote write request: " + res.error;
  return "";
}

} // namespace

std::string decode_payload(std::string_view payload, int64_t received_at_ms,
                           prom::sample_batch& out, std::string& scratch) {
  out.clear();
  if (payload.size() >= 5 && std::memcmp(payload.data(), remote_write_magic, 4) == 0) {
    if (payload[4] != 0)
      return "unknown flags " + std::to_string(static_cast<unsigned char>(payload[4]));
    auto err = decode_remote_write(payload.substr(5), out, scratch);
    if (!err.empty())
      out.clear();
    return err;
  }
  if (payload.size() < 5 || std::memcmp(payload.data(), magic, 4) != 0)
    return "not a nodepulse batch (bad magic)";
  auto flags = static_cast<unsigned char>(payload[4]);
  std::string_view body = payload.substr(5);
  if (flags & ~flag_zstd)
    return "unknown flags " + std::to_string(flags);
  std::string err;
  if (flags & flag_zstd) {
    reader in{body};
    uint64_t size;
    if (!in.varint(size) || size > max_body_bytes)
      return "bad uncompressed size";
    std::string_view frame = body.substr(body.size() - in.remaining());
    scratch.resize(size);
    size_t n = ZSTD_decompressDCtx(thread_zstd().decompress, scratch.data(), scratch.size(),
                                   frame.data(), frame.size());
    if (ZSTD_isError(n) || n != size)
      return std::string{"corrupt zstd body: "}
             + (ZSTD_isError(n) ? ZSTD_getErrorName(n) : "size mismatch");
    err = decode_body(scratch, received_at_ms, out);
  } else {
    err = decode_body(body, received_at_ms, out);
  }
  if (!err.empty())
    out.clear();
  return err;
}

} // namespace nodepulse::valkey
