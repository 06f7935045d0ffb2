// tutorials/exercises/graders/wire.cpp: encoding and checked decoding of a Record (wire.h).
#include "tutorials/exercises/graders/wire.h"

#include <cstring>

namespace wire {
namespace {

// Bounds a decoder keeps to, so a hostile length cannot make the judge
// allocate gigabytes: a name is short, a tensor has at most 8 dims.
constexpr uint32_t kMaxNameLength = 256;
constexpr uint32_t kMaxRank = 8;
constexpr uint32_t kMaxFields = 4096;

template <class T>
void append(std::string& out, const T& value) {
  char bytes[sizeof(T)];
  std::memcpy(bytes, &value, sizeof(T));
  out.append(bytes, sizeof(T));
}

// Reads from a byte string, refusing to go past its end.
class Reader {
 public:
  explicit Reader(const std::string& bytes) : bytes_(bytes) {}

  template <class T>
  T read(const char* what) {
    need(sizeof(T), what);
    T value;
    std::memcpy(&value, bytes_.data() + at_, sizeof(T));
    at_ += sizeof(T);
    return value;
  }
  std::string read_bytes(uint64_t n, const char* what) {
    need(n, what);
    std::string text = bytes_.substr(at_, n);
    at_ += n;
    return text;
  }
  size_t left() const { return bytes_.size() - at_; }

 private:
  void need(uint64_t n, const char* what) const {
    if (n > left())
      throw Malformed(std::string("it ends in the middle of ") + what + " (" +
                      std::to_string(left()) + " bytes left, " + std::to_string(n) + " needed)");
  }
  const std::string& bytes_;
  size_t at_ = 0;
};

Record::Field read_field(Reader& in) {
  Record::Field field;
  field.kind = in.read<char>("a field's kind");
  const uint32_t name_length = in.read<uint32_t>("a field's name length");
  if (name_length > kMaxNameLength)
    throw Malformed("a field name of " + std::to_string(name_length) + " bytes");
  field.name = in.read_bytes(name_length, "a field's name");
  const std::string where = "field '" + field.name + "'";
  if (field.kind == 'i') {
    field.integer = in.read<int64_t>("an integer");
  } else if (field.kind == 's') {
    const uint32_t length = in.read<uint32_t>("a string's length");
    field.text = in.read_bytes(length, "a string");
  } else if (field.kind == 'f') {
    const uint32_t rank = in.read<uint32_t>("a tensor's rank");
    if (rank > kMaxRank) throw Malformed(where + " has " + std::to_string(rank) + " dims");
    uint64_t numel = 1;
    for (uint32_t d = 0; d < rank; ++d) {
      const int64_t size = in.read<int64_t>("a tensor's shape");
      if (size < 0 || (size > 0 && numel > in.left() / static_cast<uint64_t>(size)))
        throw Malformed(where + " has a shape that does not fit in the record");
      field.floats.shape.push_back(size);
      numel *= static_cast<uint64_t>(size);
    }
    if (numel > in.left() / sizeof(float))
      throw Malformed(where + " holds fewer values than its shape says (" +
                      std::to_string(in.left() / sizeof(float)) + " of " + std::to_string(numel) +
                      ")");
    const std::string bytes = in.read_bytes(numel * sizeof(float), "a tensor's values");
    field.floats.values.resize(numel);
    std::memcpy(field.floats.values.data(), bytes.data(), bytes.size());
  } else {
    throw Malformed("a field of unknown kind " + std::to_string(static_cast<int>(field.kind)));
  }
  return field;
}

}  // namespace

void Record::add(Field field) {
  for (Field& existing : fields_)
    if (existing.name == field.name) {
      existing = std::move(field);  // put() again replaces the value
      return;
    }
  fields_.push_back(std::move(field));
}

void Record::put_floats(const std::string& name, std::vector<int64_t> shape,
                        std::vector<float> values) {
  Field field;
  field.kind = 'f';
  field.name = name;
  field.floats = {std::move(shape), std::move(values)};
  add(std::move(field));
}

void Record::put_int(const std::string& name, int64_t value) {
  Field field;
  field.kind = 'i';
  field.name = name;
  field.integer = value;
  add(std::move(field));
}

void Record::put_text(const std::string& name, std::string text) {
  Field field;
  field.kind = 's';
  field.name = name;
  field.text = std::move(text);
  add(std::move(field));
}

bool Record::has(const std::string& name) const {
  for (const Field& field : fields_)
    if (field.name == name) return true;
  return false;
}

const Record::Field& Record::find(const std::string& name, char kind) const {
  static const char* kinds[] = {"floats", "an integer", "a string"};
  const char* wanted = kind == 'f' ? kinds[0] : kind == 'i' ? kinds[1] : kinds[2];
  for (const Field& field : fields_)
    if (field.name == name) {
      if (field.kind != kind) throw Malformed("field '" + name + "' is not " + wanted);
      return field;
    }
  throw Malformed("it has no field '" + name + "'");
}

const Floats& Record::floats(const std::string& name) const { return find(name, 'f').floats; }
int64_t Record::integer(const std::string& name) const { return find(name, 'i').integer; }
const std::string& Record::text(const std::string& name) const { return find(name, 's').text; }

std::string Record::encode() const {
  std::string out = "AGW";
  append(out, kVersion);
  append(out, static_cast<uint32_t>(fields_.size()));
  for (const Field& field : fields_) {
    append(out, field.kind);
    append(out, static_cast<uint32_t>(field.name.size()));
    out += field.name;
    if (field.kind == 'i') {
      append(out, field.integer);
    } else if (field.kind == 's') {
      append(out, static_cast<uint32_t>(field.text.size()));
      out += field.text;
    } else {
      append(out, static_cast<uint32_t>(field.floats.shape.size()));
      for (int64_t size : field.floats.shape) append(out, size);
      out.append(reinterpret_cast<const char*>(field.floats.values.data()),
                 field.floats.values.size() * sizeof(float));
    }
  }
  return out;
}

Record Record::decode(const std::string& bytes) {
  Reader in(bytes);
  if (bytes.size() < 3 || bytes.compare(0, 3, "AGW") != 0)
    throw Malformed("it does not start with a record header");
  in.read_bytes(3, "the header");
  const uint8_t version = in.read<uint8_t>("the version");
  if (version != kVersion)
    throw Malformed("record version " + std::to_string(version) + ", expected " +
                    std::to_string(kVersion));
  const uint32_t count = in.read<uint32_t>("the field count");
  if (count > kMaxFields) throw Malformed(std::to_string(count) + " fields");
  Record record;
  for (uint32_t i = 0; i < count; ++i) {
    Field field = read_field(in);
    if (record.has(field.name)) throw Malformed("field '" + field.name + "' appears twice");
    record.fields_.push_back(std::move(field));
  }
  if (in.left() != 0) throw Malformed(std::to_string(in.left()) + " bytes after the last field");
  return record;
}

}  // namespace wire
