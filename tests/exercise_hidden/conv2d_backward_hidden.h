// tests/exercise_hidden/conv2d_backward_hidden.h: A3's hidden checks (the teacher's only).
//
// Never in a hand-out (tests/exercise_hidden/ is left out), so neither the
// shapes nor the salt are known to a student: each student's shapes and
// values come from a seed of their name, the assignment and the salt
// (judge::student_seed). Included at the end of conv2d_backward_grader.cpp,
// so the visible checks' makers are in reach. Worth 100 together.
#pragma once

namespace {

std::vector<judge::Check> hidden_checks(const std::string& student) {
  ag::Generator pick(judge::student_seed("conv2d_backward", student, "A3: hidden 5be207"));
  auto size = [&](int64_t low, int64_t high) { return low + pick.randint(high - low + 1); };
  const uint64_t seed = pick.next_u64() % 100000;
  auto shape = [&](int64_t max_n, int64_t max_hw) {
    ConvShape s;
    s.N = size(1, max_n), s.C = size(1, 3), s.O = size(1, 3);
    s.kh = size(1, 3), s.kw = size(1, 3), s.stride = size(1, 3), s.pad = size(0, 1);
    s.H = size(s.kh, max_hw), s.W = size(s.kw, max_hw);
    return s;
  };
  const ConvShape a = shape(3, 8), b = shape(3, 8), tiny = shape(2, 5);
  return {
      col2im_check("col2im vs attograd's col2im, " + describe(a, false), 20, a, seed),
      adjoint_check("col2im is im2col's adjoint, " + describe(b, false), 10, b, seed + 10),
      gradient_check("dx vs attograd's conv2d backward, " + describe(a), 20, a, seed + 20, "dx"),
      gradient_check("dweight vs attograd's conv2d backward, " + describe(b), 20, b, seed + 30,
                     "dweight"),
      finite_differences_check("dx and dweight vs finite differences, " + describe(tiny), 30, tiny,
                               seed + 40),
  };
}

}  // namespace
