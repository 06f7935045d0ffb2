// tutorials/exercises/graders/runner_main.cpp: the runner program's main (runner.h).
//
// Reads one check's inputs (a wire::Record, from the judge) on stdin, runs the
// entry they name, and writes the outputs to fd 3, the result channel the
// judge reads. The student's stdout and stderr go to the judge's log, so a
// student's prints cannot be mistaken for a result.
//
// By hand, to step through your code in gdb (tutorials/exercises/README.md):
//   build/exercises/NAME_judge --save-inputs /tmp/in      one file per check
//   gdb --args build/exercises/NAME_runner_skeleton /tmp/in/01-dx.in
// Given a file name (or with no fd 3 open), the runner reads that file and
// prints the outputs as text instead.
#include <fcntl.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <exception>
#include <fstream>
#include <iostream>
#include <iterator>
#include <limits>
#include <sstream>

#include "tutorials/exercises/graders/runner.h"

namespace runner {
namespace {

// A value no correct kernel writes by accident: the guard zone's contents.
constexpr float kGuardValue = -7.7777e33f;
constexpr int64_t kGuardSize = 16;

int64_t numel_of(const std::vector<int64_t>& shape) {
  int64_t n = 1;
  for (int64_t size : shape) n *= size;
  return n;
}

std::string read_all(std::istream& in) {
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

bool write_all(int fd, const std::string& bytes) {
  for (size_t sent = 0; sent < bytes.size();) {
    const ssize_t n = write(fd, bytes.data() + sent, bytes.size() - sent);
    if (n <= 0) return false;
    sent += static_cast<size_t>(n);
  }
  return true;
}

// The outputs as a person reads them: each field, the first values of a tensor.
void print_record(const wire::Record& record) {
  for (const wire::Record::Field& field : record.fields()) {
    std::printf("%s = ", field.name.c_str());
    if (field.kind == 'i') std::printf("%lld\n", static_cast<long long>(field.integer));
    if (field.kind == 's') std::printf("\"%s\"\n", field.text.c_str());
    if (field.kind != 'f') continue;
    std::printf("[");
    for (size_t d = 0; d < field.floats.shape.size(); ++d)
      std::printf("%s%lld", d ? ", " : "", static_cast<long long>(field.floats.shape[d]));
    std::printf("]:");
    const std::vector<float>& v = field.floats.values;
    for (size_t i = 0; i < v.size() && i < 12; ++i) std::printf(" %.6g", v[i]);
    std::printf("%s\n", v.size() > 12 ? " ..." : "");
  }
}

}  // namespace

float* Outputs::make(const std::string& name, const std::vector<int64_t>& shape) {
  const int64_t n = numel_of(shape);
  Buffer& buffer = buffers_.emplace_back(Buffer{name, shape, {}});
  buffer.values.assign(static_cast<size_t>(n), std::numeric_limits<float>::quiet_NaN());
  buffer.values.resize(static_cast<size_t>(n + kGuardSize), kGuardValue);
  return buffer.values.data();
}

wire::Record Outputs::finish() const {
  wire::Record out;
  for (const Buffer& buffer : buffers_) {
    const int64_t n = numel_of(buffer.shape);
    int64_t past_end = -1;
    for (int64_t k = 0; k < kGuardSize && past_end < 0; ++k)
      if (std::memcmp(&buffer.values[static_cast<size_t>(n + k)], &kGuardValue, sizeof(float)))
        past_end = n + k;
    out.put_floats(buffer.name, buffer.shape,
                   std::vector<float>(buffer.values.begin(), buffer.values.begin() + n));
    out.put_int(buffer.name + ".past_end", past_end);
  }
  for (const wire::Record::Field& field : record_.fields()) {
    if (field.kind == 'f') out.put_floats(field.name, field.floats.shape, field.floats.values);
    if (field.kind == 'i') out.put_int(field.name, field.integer);
    if (field.kind == 's') out.put_text(field.name, field.text);
  }
  return out;
}

}  // namespace runner

int main(int argc, char** argv) {
  std::string bytes;
  if (argc > 1) {
    std::ifstream file(argv[1], std::ios::binary);
    if (!file) {
      std::fprintf(stderr, "runner: cannot read %s\n", argv[1]);
      return 2;
    }
    bytes = runner::read_all(file);
  } else {
    bytes = runner::read_all(std::cin);
  }
  wire::Record inputs;
  try {
    inputs = wire::Record::decode(bytes);
  } catch (const wire::Malformed& e) {
    std::fprintf(stderr, "runner: the inputs are not a record: %s\n", e.what());
    return 2;
  }
  const std::string entry = inputs.has("entry") ? inputs.text("entry") : "";
  const auto found = runner::entries().find(entry);
  if (found == runner::entries().end()) {
    std::fprintf(stderr, "runner: no entry '%s' in this runner\n", entry.c_str());
    return 2;
  }
  runner::Outputs outputs;
  try {
    found->second(inputs, outputs);
  } catch (const std::exception& e) {
    outputs.record().put_text("threw", e.what());
  } catch (...) {
    outputs.record().put_text("threw", "something that is not a std::exception");
  }
  const wire::Record result = outputs.finish();
  std::fflush(stdout);
  // fd 3 is the judge's result channel; without it (by hand, in gdb) print the outputs.
  const bool judged = argc == 1 && fcntl(3, F_GETFD) != -1;
  if (judged) {
    if (!runner::write_all(3, result.encode())) return 3;
  } else {
    runner::print_record(result);
  }
  std::fflush(stdout);
  _exit(0);  // the hand-in's static destructors have nothing to add to the result
}
