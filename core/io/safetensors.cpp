// core/io/safetensors.cpp: encode/decode the safetensors layout described in the header.
//
// Decoding is two passes. Pass 1 reads the header and checks every entry
// against the bytes actually present (dtype known, shape sane, sizes agree,
// offsets in bounds, together tiling the data buffer) without allocating
// tensor memory. Pass 2 converts the data. A corrupt file therefore fails in
// pass 1, before a single large allocation, and a successful pass 1
// guarantees pass 2 reads only in bounds.
#include "core/io/safetensors.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "core/io/atomic_file.h"
#include "core/io/dtype.h"
#include "core/io/json.h"

namespace ag::io {

namespace {

constexpr const char* kMetadataKey = "__metadata__";

// ---------------------------------------------------------------- writing
void append_u64_le(std::string& out, uint64_t value) {
  for (int i = 0; i < 8; ++i) out += static_cast<char>((value >> (8 * i)) & 0xFF);
}

// Check everything about the caller's tensors before any byte is produced.
void check_save_arguments(const TensorMap& tensors, const std::set<std::string>& int64_names) {
  const char* op = "save_safetensors";
  std::set<std::string> seen;
  for (const auto& [name, t] : tensors) {
    if (name == kMetadataKey)
      fail(op, ": a tensor cannot be named \"", kMetadataKey, "\" (reserved for metadata)");
    if (!seen.insert(name).second) fail(op, ": duplicate tensor name \"", name, "\"");
    if (!t.defined()) fail(op, ": tensor \"", name, "\" is undefined");
  }
  for (const std::string& name : int64_names) {
    auto it = std::find_if(tensors.begin(), tensors.end(),
                           [&](const auto& e) { return e.first == name; });
    if (it == tensors.end()) fail(op, ": int64 name \"", name, "\" is not among the tensors");
    const Tensor& t = it->second;
    for (int64_t i = 0; i < t.numel(); ++i) {
      float v = t.data()[i];
      // 2^63 is exactly representable as a float; int64 holds [-2^63, 2^63).
      if (v != std::nearbyint(v) || !(v >= -9223372036854775808.0f && v < 9223372036854775808.0f))
        fail(op, ": tensor \"", name, "\" ", t.shape(), " cannot be stored as I64: element ", i,
             " is ", v, ", not a whole number in int64 range");
    }
  }
}

// ---------------------------------------------------------------- reading
// One header entry after validation: where its bytes are and what they hold.
struct Entry {
  std::string name;
  const DTypeInfo* dtype;
  Shape shape;
  int64_t begin, end;  // within the data buffer
};

class Decoder {
 public:
  Decoder(std::string_view bytes, const std::string& source) : bytes_(bytes), source_(source) {}

  SafetensorsFile decode() {
    if (bytes_.size() < 8)
      error("file is ", bytes_.size(), " bytes, too short for the 8-byte header length");
    uint64_t header_length = 0;
    for (int i = 0; i < 8; ++i)
      header_length |= static_cast<uint64_t>(static_cast<unsigned char>(bytes_[i])) << (8 * i);
    if (header_length > bytes_.size() - 8)
      error("header length ", header_length, " goes past the end of the file (", bytes_.size(),
            " bytes)");
    if (header_length > kMaxSafetensorsHeader)
      error("header of ", header_length, " bytes is larger than the limit of ",
            kMaxSafetensorsHeader, " bytes (a real header takes about 80 bytes per tensor)");
    std::string_view header_text = bytes_.substr(8, header_length);
    data_ = bytes_.substr(8 + header_length);

    // Pass 1, while the header is parsed: each tensor entry is checked
    // against the data buffer and kept as a small Entry as soon as its JSON
    // is read (take_root_member), so the header's JSON tree (about 1 KB per
    // tensor) is never held whole. The schema check also counts the tensors.
    SafetensorsFile file;
    std::vector<Entry> entries;
    int64_t tensor_count = 0;
    std::string refusal;      // set when the schema check, not the JSON grammar, stopped the parse
    std::string entry_error;  // set when an entry failed its checks: already the whole message
    JsonLimits limits;
    limits.check = [&](const JsonPath& path, JsonValue::Kind kind) {
      refusal = schema_problem(path, kind);
      if (refusal.empty() && path.size() == 1 && path[0].key != kMetadataKey &&
          ++tensor_count > kMaxSafetensorsTensors)
        refusal = message(
            "header has more than ", kMaxSafetensorsTensors,
            " tensors, the limit of this reader (each costs about 1 KB loaded, whatever its size)");
      if (!refusal.empty()) throw Error(refusal);
    };
    limits.take_root_member = [&](std::string key, JsonValue value) {
      try {
        if (key == kMetadataKey)
          file.metadata = read_metadata(value);
        else
          entries.push_back(read_entry(std::move(key), value));
      } catch (const Error& e) {
        entry_error = e.what();
        throw;
      }
    };
    try {
      parse_json(header_text, limits);
    } catch (const Error& e) {
      if (!entry_error.empty()) throw;
      if (!refusal.empty()) error(refusal);
      error("header is not valid JSON: ", e.what(), " of the header");
    }
    check_tiling(entries);

    // Pass 2: convert. Every range was checked above.
    file.tensors.reserve(entries.size());
    for (Entry& e : entries) {
      std::vector<float> values(static_cast<size_t>(numel_of(e.shape)));
      if (!values.empty())
        decode_to_float(e.dtype->dtype, data_.data() + e.begin, numel_of(e.shape), values.data());
      file.dtypes[e.name] = e.dtype->safetensors_name;
      file.tensors.emplace_back(std::move(e.name), from_vector(std::move(values), e.shape));
    }
    return file;
  }

 private:
  std::string_view bytes_, data_;
  const std::string& source_;

  template <class... Parts>
  [[noreturn]] void error(const Parts&... parts) const {
    fail("load_safetensors: '", source_, "': ", parts...);
  }

  // What is wrong with a header value of `kind` at `path`, or "" if nothing.
  // Run by the parser on each value before reading its contents, so the
  // header's tree never holds more than the schema allows: an object of
  // tensor entries {dtype: string, shape: [ints], data_offsets: [ints]} and
  // "__metadata__": {string: string}. The integers themselves, the dtype
  // name and everything about sizes are checked after parsing (read_entry).
  static std::string schema_problem(const JsonPath& path, JsonValue::Kind kind) {
    using Kind = JsonValue::Kind;
    const char* got = json_kind_name(kind);
    if (path.empty())
      return kind == Kind::Object ? "" : message("header must be a JSON object, got ", got);
    const std::string_view name = path[0].key;
    if (name == kMetadataKey) {
      if (path.size() == 1 && kind != Kind::Object)
        return message("\"", kMetadataKey, "\" must be an object of strings, got ", got);
      if (path.size() == 2 && kind != Kind::String)
        return message("\"", kMetadataKey, "\" value of \"", path[1].key,
                       "\" must be a string, got ", got);
      return "";
    }
    if (path.size() == 1)
      return kind == Kind::Object ? ""
                                  : message("tensor \"", name, "\" must be an object, got ", got);
    const std::string_view key = path[1].key;
    const Kind wanted = key == "dtype" ? Kind::String : Kind::Array;
    if (key != "dtype" && key != "shape" && key != "data_offsets")
      return message("tensor \"", name, "\" has an unknown key \"", key,
                     "\" (a tensor entry has only dtype, shape and data_offsets)");
    if (path.size() == 2)
      return kind == wanted ? ""
                            : message("tensor \"", name, "\": \"", key, "\" must be ",
                                      json_kind_name(wanted), ", got ", got);
    // An element of shape or data_offsets: a number (which kind of number
    // read_sizes checks), and not too many of them.
    if (path[2].index >= kMaxSafetensorsRank)
      return message("tensor \"", name, "\": \"", key, "\" has more than ", kMaxSafetensorsRank,
                     " numbers");
    if (kind == Kind::Array || kind == Kind::Object)
      return message("tensor \"", name, "\": \"", key,
                     "\" must hold non-negative integers, got an ", got);
    return "";
  }

  std::map<std::string, std::string> read_metadata(const JsonValue& value) const {
    if (!value.is(JsonValue::Kind::Object))
      error("\"", kMetadataKey, "\" must be an object of strings, got ",
            json_kind_name(value.kind));
    std::map<std::string, std::string> metadata;
    for (const JsonMember& m : value.object) {
      if (!m.value.is(JsonValue::Kind::String))
        error("\"", kMetadataKey, "\" value of \"", m.key, "\" must be a string, got ",
              json_kind_name(m.value.kind));
      metadata[m.key] = m.value.string;
    }
    return metadata;
  }

  // The format's rule, as the reference implementation checks it: sorted by
  // offsets, the tensors tile the data buffer exactly, each beginning where
  // the one before ended and the last ending at the buffer's end. So no byte
  // is read as two tensors (overlap) and no byte is read as none (a gap).
  // Zero-size tensors ([k, k]) fit anywhere on a boundary.
  void check_tiling(const std::vector<Entry>& entries) const {
    std::vector<const Entry*> order;
    order.reserve(entries.size());
    for (const Entry& e : entries) order.push_back(&e);
    std::stable_sort(order.begin(), order.end(),
                     [](const Entry* a, const Entry* b) {  // ties: header order
                       return a->begin != b->begin ? a->begin < b->begin : a->end < b->end;
                     });
    int64_t covered = 0;  // bytes [0, covered) belong to the tensors so far
    const Entry* previous = nullptr;
    for (const Entry* e : order) {
      if (e->begin < covered)
        error("tensors \"", previous->name, "\" data_offsets [", previous->begin, ", ",
              previous->end, "] and \"", e->name, "\" data_offsets [", e->begin, ", ", e->end,
              "] overlap (each byte of the data buffer "
              "belongs to one tensor)");
      if (e->begin > covered && previous == nullptr)
        error("bytes [0, ", e->begin, ") of the data buffer belong to no tensor: the first, \"",
              e->name, "\" data_offsets [", e->begin, ", ", e->end, "], does not begin at 0");
      if (e->begin > covered)
        error("bytes [", covered, ", ", e->begin, ") of the data buffer belong to no tensor: \"",
              previous->name, "\" data_offsets [", previous->begin, ", ", previous->end,
              "] ends there and \"", e->name, "\" data_offsets [", e->begin, ", ", e->end,
              "] begins after the gap");
      covered = e->end;
      previous = e;
    }
    if (static_cast<int64_t>(data_.size()) != covered)
      error("trailing garbage: ", static_cast<int64_t>(data_.size()) - covered,
            " bytes after the last tensor's data (data buffer is ", data_.size(),
            " bytes, tensors use ", covered, ")");
  }

  // A required member of a tensor entry, of the given kind.
  const JsonValue& member(const std::string& name, const JsonValue& entry, const char* key,
                          JsonValue::Kind kind) const {
    const JsonValue* v = entry.find(key);
    if (!v) error("tensor \"", name, "\" has no \"", key, "\"");
    if (!v->is(kind))
      error("tensor \"", name, "\": \"", key, "\" must be ", json_kind_name(kind), ", got ",
            json_kind_name(v->kind));
    return *v;
  }

  // Non-negative integers of a JSON array (shape dims or offsets).
  std::vector<int64_t> read_sizes(const std::string& name, const JsonValue& array,
                                  const char* key) const {
    std::vector<int64_t> sizes;
    for (const JsonValue& v : array.array) {
      if (!v.is(JsonValue::Kind::Int) || v.integer < 0)
        error("tensor \"", name, "\": \"", key, "\" must hold non-negative integers, got ",
              write_json(array));
      sizes.push_back(v.integer);
    }
    return sizes;
  }

  Entry read_entry(std::string name_taken, const JsonValue& value) const {
    Entry e;
    e.name = std::move(name_taken);
    const std::string& name = e.name;
    if (!value.is(JsonValue::Kind::Object))
      error("tensor \"", name, "\" must be an object, got ", json_kind_name(value.kind));

    const std::string& dtype_name = member(name, value, "dtype", JsonValue::Kind::String).string;
    e.dtype = dtype_from_safetensors(dtype_name);
    if (!e.dtype) error("tensor \"", name, "\": unsupported dtype '", dtype_name, "'");

    e.shape = read_sizes(name, member(name, value, "shape", JsonValue::Kind::Array), "shape");

    const JsonValue& offsets_json = member(name, value, "data_offsets", JsonValue::Kind::Array);
    std::vector<int64_t> offsets = read_sizes(name, offsets_json, "data_offsets");
    if (offsets.size() != 2)
      error("tensor \"", name, "\": \"data_offsets\" must be [begin, end], got ",
            write_json(offsets_json));
    e.begin = offsets[0];
    e.end = offsets[1];
    if (e.begin > e.end)
      error("tensor \"", name, "\": data_offsets [", e.begin, ", ", e.end,
            "] end before they begin");

    // numel * element size, refusing shapes whose byte size overflows int64,
    // or whose non-zero sizes multiply past what a tensor can hold (a zero
    // among them makes no bytes, but [0, 2^62, 2^62] is still no tensor shape).
    int64_t expected = e.dtype->size, nonzero = 1;
    for (int64_t d : e.shape)
      if (!checked_mul(expected, d, &expected) || !checked_mul(nonzero, d ? d : 1, &nonzero) ||
          nonzero > kMaxNumel)
        error("tensor \"", name, "\": shape ", e.shape, " is too large");
    if (e.end - e.begin != expected)
      error("tensor \"", name, "\": data_offsets [", e.begin, ", ", e.end, "] hold ",
            e.end - e.begin, " bytes but shape ", e.shape, " of ", dtype_name, " needs ", expected);
    if (e.end > static_cast<int64_t>(data_.size()))
      error("tensor \"", name, "\": data_offsets [", e.begin, ", ", e.end,
            "] go past the end of the data buffer (", data_.size(), " bytes)");
    return e;
  }
};

}  // namespace

std::string encode_safetensors(const TensorMap& tensors,
                               const std::map<std::string, std::string>& metadata,
                               const std::set<std::string>& int64_names) {
  check_save_arguments(tensors, int64_names);

  // Lay out the data buffer: I64 tensors first (8-byte aligned), then F32.
  std::vector<int64_t> begin(tensors.size());
  int64_t offset = 0;
  for (int pass = 0; pass < 2; ++pass) {
    const bool want_int64 = pass == 0;
    for (size_t i = 0; i < tensors.size(); ++i) {
      if (int64_names.count(tensors[i].first) != static_cast<size_t>(want_int64)) continue;
      begin[i] = offset;
      offset += tensors[i].second.numel() * (want_int64 ? 8 : 4);
    }
  }
  const int64_t data_size = offset;

  JsonValue header = JsonValue::make_object();
  if (!metadata.empty()) {
    JsonValue meta = JsonValue::make_object();
    for (const auto& [key, value] : metadata) meta.add(key, JsonValue::make_string(value));
    header.add(kMetadataKey, std::move(meta));
  }
  for (size_t i = 0; i < tensors.size(); ++i) {
    const auto& [name, t] = tensors[i];
    const bool is_int64 = int64_names.count(name) > 0;
    std::vector<JsonValue> dims;
    for (int64_t d : t.shape()) dims.push_back(JsonValue::make_int(d));
    const int64_t end = begin[i] + t.numel() * (is_int64 ? 8 : 4);
    JsonValue entry = JsonValue::make_object();
    entry.add("dtype", JsonValue::make_string(is_int64 ? "I64" : "F32"))
        .add("shape", JsonValue::make_array(std::move(dims)))
        .add("data_offsets",
             JsonValue::make_array({JsonValue::make_int(begin[i]), JsonValue::make_int(end)}));
    header.add(name, std::move(entry));
  }
  std::string header_text = write_json(header);
  header_text.append((8 - header_text.size() % 8) % 8, ' ');

  std::string out;
  out.reserve(8 + header_text.size() + static_cast<size_t>(data_size));
  append_u64_le(out, header_text.size());
  out += header_text;
  out.resize(out.size() + static_cast<size_t>(data_size));
  char* data = out.data() + 8 + header_text.size();
  for (size_t i = 0; i < tensors.size(); ++i) {
    const auto& [name, t] = tensors[i];
    const float* values = t.data();
    if (int64_names.count(name)) {
      for (int64_t k = 0; k < t.numel(); ++k) {
        auto whole = static_cast<int64_t>(values[k]);  // checked integral and in range above
        std::memcpy(data + begin[i] + 8 * k, &whole, 8);
      }
    } else if (t.numel() > 0) {
      std::memcpy(data + begin[i], values, static_cast<size_t>(t.numel()) * 4);
    }
  }
  return out;
}

SafetensorsFile decode_safetensors(std::string_view bytes, const std::string& source) {
  return Decoder(bytes, source).decode();
}

void save_safetensors(const std::string& path, const TensorMap& tensors,
                      const std::map<std::string, std::string>& metadata,
                      const std::set<std::string>& int64_names) {
  write_file_atomic(path, encode_safetensors(tensors, metadata, int64_names));
}

SafetensorsFile load_safetensors_file(const std::string& path) {
  return decode_safetensors(read_file(path), path);
}

TensorMap load_safetensors(const std::string& path) { return load_safetensors_file(path).tensors; }

}  // namespace ag::io
