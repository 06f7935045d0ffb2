// core/error.h: the one way attograd reports bad input.
//
// Every user-facing check throws ag::Error with a message in PyTorch's style:
// the op's name first, then the shapes or values involved, then the rule that
// was broken, e.g.
//     matmul: shapes [4, 3] and [4, 5] cannot be multiplied (3 != 4)
// ag::fail() builds that message from any streamable pieces; a Shape prints as
// "[4, 3]". Checks run before any memory is touched, so a throw never leaves a
// half-written tensor behind.
#pragma once

#include <cmath>
#include <cstdint>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace ag {

// A tensor's shape: sizes of each dimension, outermost first (row-major).
using Shape = std::vector<int64_t>;

class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// "[2, 3, 4]"; a 0-d (scalar) shape prints as "[]".
std::string shape_str(const Shape& shape);

// Element `flat` of a row-major tensor of `shape`, as the index a reader would
// type: 7 in [2, 3, 4] is "[0, 1, 3]". Error messages and reports point at
// elements this way rather than by flat offset.
std::string index_str(int64_t flat, const Shape& shape);

namespace detail {
inline void append(std::ostringstream& os, const Shape& s) { os << shape_str(s); }
// A NaN prints as "nan" whatever its sign bit. iostream (like printf) writes
// "-nan" for a NaN whose sign bit is set, which 0 * -inf or -(0/0) produce,
// and a reader takes that for a different value: there is only one NaN.
// Infinities keep their sign: "inf" and "-inf" are two values.
template <class Float>
void append_floating(std::ostringstream& os, Float v) {
  if (std::isnan(v))
    os << "nan";
  else
    os << v;
}
inline void append(std::ostringstream& os, float v) { append_floating(os, v); }
inline void append(std::ostringstream& os, double v) { append_floating(os, v); }
inline void append(std::ostringstream& os, long double v) { append_floating(os, v); }
template <class T>
void append(std::ostringstream& os, const T& v) {
  os << v;
}
}  // namespace detail

// Concatenate the pieces into one message (Shapes print as [a, b]).
template <class... Parts>
std::string message(const Parts&... parts) {
  std::ostringstream os;
  (detail::append(os, parts), ...);
  return os.str();
}

// Throw ag::Error with the concatenated message.
template <class... Parts>
[[noreturn]] void fail(const Parts&... parts) {
  throw Error(message(parts...));
}

// The body of an assignment's region in a student's hand-out (make handout,
// tutorials/exercises/README.md): throws ag::Error naming the assignment, e.g.
//   ASSIGNMENT engine: count_dependencies (step 1) is not written yet
// The arguments are the ones the missing code would use: passing them keeps
// the hand-out free of "unused" warnings.
template <class... Unused>
[[noreturn]] void todo(const char* assignment, const char* what, const Unused&...) {
  fail("ASSIGNMENT ", assignment, ": ", what, " is not written yet");
}

}  // namespace ag
