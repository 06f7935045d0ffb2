// tutorials/exercises/graders/wire.h: what the judge and the runner send each other.
//
// The judge (the teacher's program) and the runner (the student's code, in a
// confined process) are two programs. The judge writes one Record of inputs
// to the runner's stdin; the runner writes one Record of outputs to fd 3. A
// Record is a list of named fields, each a float tensor (shape + values), an
// integer or a string:
//
//   record  = "AGW" version(u8) field_count(u32) field*
//   field   = kind(u8: 'f' floats, 'i' integer, 's' string) name_len(u32) name
//             then for 'f': rank(u32) dims(i64 * rank) values(f32 * numel)
//                  for 'i': value(i64)
//                  for 's': length(u32) bytes
//   (little-endian, as the machine writes them: both programs run on it)
//
// The runner's output is untrusted input to the judge: the student's code
// may have written anything to fd 3, or stopped half-way. decode() checks
// every length against the bytes that are left and throws wire::Malformed,
// naming what is wrong, instead of reading past the end.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace wire {

// A record that is not what the other side should have written: the reason
// reads "the runner's output is malformed: <what>" in the judge's report.
class Malformed : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct Floats {
  std::vector<int64_t> shape;
  std::vector<float> values;  // numel(shape) of them, row-major
};

class Record {
 public:
  void put_floats(const std::string& name, std::vector<int64_t> shape, std::vector<float> values);
  void put_int(const std::string& name, int64_t value);
  void put_text(const std::string& name, std::string text);

  bool has(const std::string& name) const;
  // Each throws Malformed when the field is missing or of another kind.
  const Floats& floats(const std::string& name) const;
  int64_t integer(const std::string& name) const;
  const std::string& text(const std::string& name) const;

  std::string encode() const;
  // Throws Malformed (never reads past the end of bytes).
  static Record decode(const std::string& bytes);

  struct Field {
    char kind = 0;  // 'f', 'i' or 's'
    std::string name;
    Floats floats;
    int64_t integer = 0;
    std::string text;
  };
  const std::vector<Field>& fields() const { return fields_; }

 private:
  const Field& find(const std::string& name, char kind) const;
  void add(Field field);
  std::vector<Field> fields_;
};

// The version this build writes and reads; a record of another version is Malformed.
constexpr uint8_t kVersion = 1;

}  // namespace wire
