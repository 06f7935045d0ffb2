// tutorials/exercises/graders/grader.h: comparisons, inputs and references every grader uses.
//
// A grader is a list of checks worth points that add up to 100. A check runs
// the student's code on one input and compares it with an independent source
// of truth (finite differences of a double-precision forward written in the
// grader, values worked by hand, or attograd's own op). It fails by throwing
// grade::Wrong with the reason, written for the student: which input and
// shape, which element, expected vs got.
//
// Every grader runs the student's code in a separate, confined program and
// judges its outputs in its own: judge.h (the teacher's side) and runner.h
// (the student's side); the comparisons below are the judge's.
#pragma once

#include <cstdint>
#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/tensor.h"
#include "tutorials/exercises/graders/diagnose.h"

namespace grade {

// A wrong answer (as opposed to the student's code throwing or crashing).
class Wrong : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// ---- comparisons: each throws Wrong with a readable reason ----
// |got - expected| <= atol + rtol * |expected| for every element; NaN and Inf
// are never close. The reason counts the wrong elements, says where they are
// when they form a pattern (diagnose.h), shows the first three by their index
// in `shape`, and ends with the broken invariants and hints of `diagnosis`:
//   dx [5, 13]: 13 of 65 elements wrong; every element of row 2 is wrong, every other row is right
//     at [2, 0]: expected 0.01234, got 0.04561
//     ...
//   invariant broken: rows of dx sum to 0: row 2 sums to 0.0456
void expect_close(const std::string& what, const ag::Shape& shape, const float* got,
                  const float* expected, double atol = 1e-4, double rtol = 1e-3,
                  const Diagnosis& diagnosis = {});
// For tensors: also checks that got is defined and has expected's shape.
void expect_close(const std::string& what, const ag::Tensor& got, const ag::Tensor& expected,
                  double atol = 1e-4, double rtol = 1e-3, const Diagnosis& diagnosis = {});
void expect(bool ok, const std::string& reason);

// ---- inputs ----
// n floats, normal(0, 1) times scale, from a fixed seed: every run grades the same inputs.
std::vector<float> random_floats(int64_t n, uint64_t seed, float scale = 1.0f);

// The central-difference gradient of a scalar function f at x, in double:
//   df/dx_i = (f(x + eps e_i) - f(x - eps e_i)) / (2 eps).
// The graders' own double-precision forwards make this an independent check
// of the student's backward (independent of attograd too).
std::vector<double> numeric_gradient(const std::function<double(const std::vector<double>&)>& f,
                                     std::vector<double> x, double eps = 1e-5);

std::vector<float> to_floats(const std::vector<double>& v);
std::vector<double> to_doubles(const std::vector<float>& v);

}  // namespace grade
