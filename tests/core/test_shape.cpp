// Shape ops (core/ops/shape.cpp): values against hand-written numbers or naive
// index loops, gradients against finite differences, the error messages, and
// the aliasing rules (reshape shares storage, permute/cat/slice copy).
#include <doctest/doctest.h>

#include <cstdint>
#include <limits>
#include <vector>

#include "core/autograd.h"
#include "core/gradcheck.h"
#include "core/kernels/kernel_mode.h"
#include "core/ops/elementwise.h"
#include "core/ops/shape.h"
#include "tests/helpers/shape_test_util.h"

using ag::Shape;
using ag::Tensor;

using namespace shape_test;

TEST_SUITE("core.shape") {
TEST_CASE("reshape: values, -1 inference, gradient") {
  Tensor x = counting({2, 6});
  Tensor y = ag::reshape(x, {3, -1});
  CHECK(y.shape() == Shape{3, 4});
  CHECK(y.at({2, 1}) == 9.0f);
  CHECK(ag::reshape(x, {-1}).shape() == Shape{12});
  CHECK(ag::reshape(ag::scalar(5.0f), {1, 1}).shape() == Shape{1, 1});
  CHECK(ag::reshape(ag::zeros({2, 0}), {0, 5}).shape() == Shape{0, 5});
  CHECK(x.view({4, 3}).shape() == Shape{4, 3});
  ag::manual_seed(10);
  Tensor a = ag::randn({2, 3, 2}, true);
  gradcheck_ok(
      [](const std::vector<Tensor>& in) {
        return ag::reshape(in[0], {3, -1}) * ag::arange(4);
      },
      {a});
  gradcheck_ok([](const std::vector<Tensor>& in) { return ag::view(in[0], {12}); }, {a});
}

TEST_CASE("reshape: shares storage and version with its input") {
  Tensor x = counting({3, 4});
  Tensor y = ag::reshape(x, {2, 6});
  CHECK(y.impl()->storage == x.impl()->storage);
  x.data()[7] = 100.0f;
  CHECK(y.at({1, 1}) == 100.0f);
  y.data()[0] = -1.0f;
  CHECK(x.at({0, 0}) == -1.0f);
  const uint64_t before = x.version();
  y.bump_version();
  CHECK(x.version() == before + 1);
  // A view of a saved tensor written in place is caught at backward time.
  Tensor w = ag::ones({4}, true);
  Tensor h = ag::mul(w, 2.0f);
  Tensor product = ag::mul(h, h);  // saves h
  Tensor alias = ag::reshape(h, {2, 2});
  ag::mul_(alias, 3.0f);
  CHECK_THROWS_WITH_AS(ag::sum_to(product, {}).backward(),
                       doctest::Contains("modified by an inplace operation"), ag::Error);
}

TEST_CASE("reshape and view: errors quote the shapes") {
  Tensor x = ag::zeros({3, 4});
  CHECK_THROWS_WITH_AS(ag::reshape(x, {3, 5}),
                       doctest::Contains("reshape: shape [3, 5] is invalid for input of size 12"),
                       ag::Error);
  CHECK_THROWS_WITH_AS(ag::reshape(x, {5, -1}),
                       doctest::Contains("reshape: shape [5, -1] is invalid for input of size 12"),
                       ag::Error);
  CHECK_THROWS_WITH_AS(
      ag::reshape(x, {-1, -1}),
      doctest::Contains("reshape: only one dimension can be -1, got shape [-1, -1]"), ag::Error);
  CHECK_THROWS_WITH_AS(
      ag::reshape(x, {-2, -6}),
      doctest::Contains("reshape: invalid size -2 at dimension 0 of shape [-2, -6]"), ag::Error);
  CHECK_THROWS_WITH_AS(ag::reshape(ag::zeros({0, 3}), {0, -1}),
                       doctest::Contains("reshape: cannot infer the -1 in shape [0, -1]"),
                       ag::Error);
  CHECK_THROWS_WITH_AS(ag::view(x, {7}),
                       doctest::Contains("view: shape [7] is invalid for input of size 12"),
                       ag::Error);
  const int64_t big = std::numeric_limits<int64_t>::max() / 2;
  CHECK_THROWS_WITH_AS(ag::reshape(x, {big, big, 0}), doctest::Contains("reshape: shape"),
                       ag::Error);
  // An empty tensor's view still needs countable sizes: [0, 2^40, 2^40] would
  // overflow int64 as soon as an op multiplied the sizes after dim 0.
  const int64_t huge = int64_t(1) << 40;
  CHECK_THROWS_WITH_AS(
      ag::reshape(ag::zeros({0}), {0, huge, huge}),
      "reshape: shape [0, 1099511627776, 1099511627776] is too large (the product of its non-zero "
      "sizes exceeds 2305843009213693951, the most elements a float buffer can hold)",
      ag::Error);
}

TEST_CASE("flatten: merges a range of dims") {
  Tensor x = counting({2, 3, 4, 5});
  CHECK(ag::flatten(x).shape() == Shape{120});
  CHECK(ag::flatten(x, 1).shape() == Shape{2, 60});
  CHECK(ag::flatten(x, 1, 2).shape() == Shape{2, 12, 5});
  CHECK(ag::flatten(x, -2, -1).shape() == Shape{2, 3, 20});
  CHECK(ag::flatten(ag::scalar(3.0f)).shape() == Shape{1});
  check_values(ag::flatten(grid23()), {0, 1, 2, 3, 4, 5});
  ag::manual_seed(11);
  gradcheck_ok([](const std::vector<Tensor>& in) { return ag::flatten(in[0], 1); },
               {ag::randn({2, 2, 3}, true)});
  CHECK_THROWS_WITH_AS(
      ag::flatten(x, 2, 1),
      doctest::Contains(
          "flatten: start_dim 2 comes after end_dim 1 for a tensor of shape [2, 3, 4, 5]"),
      ag::Error);
  CHECK_THROWS_WITH_AS(ag::flatten(x, 4), doctest::Contains("flatten: dimension 4 out of range"),
                       ag::Error);
}

TEST_CASE("squeeze and unsqueeze: shapes, gradient, errors") {
  Tensor x = counting({2, 1, 3});
  CHECK(ag::squeeze(x, 1).shape() == Shape{2, 3});
  CHECK(ag::squeeze(x, -2).shape() == Shape{2, 3});
  CHECK(ag::squeeze(x, 0).shape() == Shape{2, 1, 3});  // size 2: unchanged, as in PyTorch
  CHECK(ag::squeeze(x, 1).impl()->storage == x.impl()->storage);
  CHECK(ag::unsqueeze(x, 0).shape() == Shape{1, 2, 1, 3});
  CHECK(ag::unsqueeze(x, 3).shape() == Shape{2, 1, 3, 1});
  CHECK(ag::unsqueeze(x, -1).shape() == Shape{2, 1, 3, 1});
  CHECK(ag::unsqueeze(x, -4).shape() == Shape{1, 2, 1, 3});
  CHECK(ag::unsqueeze(ag::scalar(1.0f), 0).shape() == Shape{1});
  check_values(ag::unsqueeze(x, 2), x.to_vector());
  ag::manual_seed(14);
  Tensor a = ag::randn({2, 1, 3}, true);
  gradcheck_ok([](const std::vector<Tensor>& in) { return ag::squeeze(in[0], 1); }, {a});
  gradcheck_ok([](const std::vector<Tensor>& in) { return ag::unsqueeze(in[0], -1); }, {a});
  CHECK_THROWS_WITH_AS(
      ag::squeeze(x, 3),
      doctest::Contains("squeeze: dimension 3 out of range for a tensor of shape [2, 1, 3] "
                        "(expected to be in [-3, 2])"),
      ag::Error);
  CHECK_THROWS_WITH_AS(
      ag::unsqueeze(x, 4),
      doctest::Contains("unsqueeze: dimension 4 out of range for a tensor of shape [2, 1, 3] "
                        "(expected to be in [-4, 3])"),
      ag::Error);
}

TEST_CASE("cat: values along each dim") {
  Tensor a = grid23(), b = ag::tensor({{6, 7, 8}});
  Tensor rows = ag::cat({a, b}, 0);
  CHECK(rows.shape() == Shape{3, 3});
  check_values(rows, {0, 1, 2, 3, 4, 5, 6, 7, 8});
  Tensor c = ag::from_vector({10, 11}, {2, 1});
  Tensor cols = ag::cat({a, c, a}, -1);
  CHECK(cols.shape() == Shape{2, 7});
  check_values(cols, {0, 1, 2, 10, 0, 1, 2, 3, 4, 5, 11, 3, 4, 5});
  check_values(ag::cat({a}, 1), a.to_vector());
  CHECK(ag::cat({a, ag::zeros({2, 0})}, 1).shape() == Shape{2, 3});
}

TEST_CASE("cat: gradients split per input; a reused input accumulates") {
  Tensor a = ag::zeros({2, 2}, true), b = ag::zeros({2, 1}, true);
  Tensor constant = ag::zeros({2, 1});  // needs no gradient
  ag::cat({a, constant, b}, 1).backward(counting({2, 4}));
  check_values(a.grad(), {0, 1, 4, 5});
  check_values(b.grad(), {3, 7});

  Tensor x = ag::zeros({3}, true);
  ag::cat({x, x}).backward(ag::tensor({1, 2, 3, 10, 20, 30}));
  check_values(x.grad(), {11, 22, 33});

  ag::manual_seed(15);
  Tensor p = ag::randn({2, 3, 2}, true), q = ag::randn({2, 1, 2}, true),
         r = ag::randn({2, 2, 2}, true);
  gradcheck_ok([](const std::vector<Tensor>& in) { return ag::cat(in, 1); }, {p, q, r});
  gradcheck_ok([](const std::vector<Tensor>& in) { return ag::cat({in[0], in[0]}, -1); }, {p});
}

TEST_CASE("cat: errors name the tensor and both shapes") {
  Tensor a = ag::zeros({2, 3});
  CHECK_THROWS_WITH_AS(
      ag::cat({a, a, ag::zeros({3, 4})}, 1),
      doctest::Contains("cat: tensor 2 has shape [3, 4] but tensor 0 has shape [2, 3]; sizes "
                        "must match except in dimension 1 (3 vs 2 in dimension 0)"),
      ag::Error);
  CHECK_THROWS_WITH_AS(
      ag::cat({a, ag::zeros({6})}),
      doctest::Contains("cat: tensor 1 has shape [6] but tensor 0 has shape [2, 3]; all tensors "
                        "need the same number of dimensions"),
      ag::Error);
  CHECK_THROWS_WITH_AS(ag::cat({}), doctest::Contains("cat: expected a non-empty list of tensors"),
                       ag::Error);
  // Empty tensors, but their sizes along dim 1 add up past int64 (2^60 * 8 = 2^63).
  const Tensor wide_empty = ag::zeros({0, int64_t(1) << 60});
  CHECK_THROWS_WITH_AS(
      ag::cat(std::vector<Tensor>(8, wide_empty), 1),
      "cat: the sizes along dimension 1 add up to more than int64 can hold (at tensor 7 of shape "
      "[0, 1152921504606846976])",
      ag::Error);
  CHECK_THROWS_WITH_AS(ag::cat({a, Tensor()}), doctest::Contains("cat: tensor 1 is undefined"),
                       ag::Error);
  CHECK_THROWS_WITH_AS(ag::cat({ag::scalar(1.0f)}), doctest::Contains("cat: tensor 0 is 0-d"),
                       ag::Error);
  CHECK_THROWS_WITH_AS(
      ag::cat({a, a}, 2),
      doctest::Contains("cat: dimension 2 out of range for a tensor of shape [2, 3]"), ag::Error);
}

TEST_CASE("stack: new dim anywhere, gradients, errors") {
  Tensor a = grid23(), b = ag::add(grid23(), 10.0f);
  Tensor front = ag::stack({a, b});
  CHECK(front.shape() == Shape{2, 2, 3});
  check_values(front, {0, 1, 2, 3, 4, 5, 10, 11, 12, 13, 14, 15});
  Tensor middle = ag::stack({a, b}, 1);
  CHECK(middle.shape() == Shape{2, 2, 3});
  check_values(middle, {0, 1, 2, 10, 11, 12, 3, 4, 5, 13, 14, 15});
  Tensor last = ag::stack({a, b}, -1);
  CHECK(last.shape() == Shape{2, 3, 2});
  check_values(last, {0, 10, 1, 11, 2, 12, 3, 13, 4, 14, 5, 15});

  Tensor x = ag::zeros({2}, true), y = ag::zeros({2}, true);
  ag::stack({x, y, x}, 1).backward(counting({2, 3}));
  check_values(x.grad(), {0 + 2, 3 + 5});
  check_values(y.grad(), {1, 4});
  ag::manual_seed(16);
  gradcheck_ok([](const std::vector<Tensor>& in) { return ag::stack(in, 2); },
               {ag::randn({2, 3}, true), ag::randn({2, 3}, true)});

  CHECK_THROWS_WITH_AS(
      ag::stack({a, ag::zeros({2, 4})}),
      doctest::Contains("stack: all tensors must have the same shape, but tensor 0 has shape "
                        "[2, 3] and tensor 1 has shape [2, 4]"),
      ag::Error);
  CHECK_THROWS_WITH_AS(
      ag::stack({a, b}, 3),
      doctest::Contains("stack: dimension 3 out of range for a tensor of shape [2, 3] "
                        "(expected to be in [-3, 2])"),
      ag::Error);
  CHECK_THROWS_WITH_AS(ag::stack({}), doctest::Contains("stack: expected a non-empty list"),
                       ag::Error);
}

TEST_CASE("narrow: values, gradient zero outside the band, errors") {
  Tensor x = counting({3, 4});
  Tensor cols = ag::narrow(x, 1, 1, 2);
  CHECK(cols.shape() == Shape{3, 2});
  check_values(cols, {1, 2, 5, 6, 9, 10});
  check_values(ag::narrow(x, 0, -1, 1), {8, 9, 10, 11});
  CHECK(ag::narrow(x, 0, 3, 0).shape() == Shape{0, 4});

  Tensor w = ag::zeros({3, 4}, true);
  ag::narrow(w, 1, 1, 2).backward(ag::ones({3, 2}));
  check_values(w.grad(), {0, 1, 1, 0, 0, 1, 1, 0, 0, 1, 1, 0});
  ag::manual_seed(17);
  gradcheck_ok([](const std::vector<Tensor>& in) { return ag::narrow(in[0], 0, 1, 2); },
               {ag::randn({3, 4}, true)});

  CHECK_THROWS_WITH_AS(
      ag::narrow(x, 1, 3, 2),
      doctest::Contains("narrow: start 3 with length 2 does not fit in dimension 1 of size 4 "
                        "(shape [3, 4])"),
      ag::Error);
  CHECK_THROWS_WITH_AS(ag::narrow(x, 0, 0, -1),
                       doctest::Contains("narrow: length -1 must be non-negative"), ag::Error);
  CHECK_THROWS_WITH_AS(ag::narrow(ag::scalar(1.0f), 0, 0, 1),
                       doctest::Contains("narrow: cannot be applied to a 0-d tensor"), ag::Error);
}

TEST_CASE("select: removes the dim, negative index wraps, errors") {
  Tensor x = counting({3, 4});
  Tensor row = ag::select(x, 0, 1);
  CHECK(row.shape() == Shape{4});
  check_values(row, {4, 5, 6, 7});
  check_values(ag::select(x, 1, -1), {3, 7, 11});
  check_values(ag::select(x, -1, 0), {0, 4, 8});
  Tensor w = ag::zeros({3, 4}, true);
  ag::select(w, 1, 2).backward(ag::tensor({1, 2, 3}));
  check_values(w.grad(), {0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 0});
  ag::manual_seed(18);
  gradcheck_ok([](const std::vector<Tensor>& in) { return ag::select(in[0], 1, -2); },
               {ag::randn({2, 3, 2}, true)});
  CHECK_THROWS_WITH_AS(
      ag::select(x, 0, 3),
      doctest::Contains("select: index 3 is out of range for dimension 0 of size 3 (shape [3, 4])"),
      ag::Error);
  CHECK_THROWS_WITH_AS(ag::select(x, 1, -5), doctest::Contains("select: index -5 is out of range"),
                       ag::Error);
  CHECK_THROWS_WITH_AS(ag::select(x, 2, 0), doctest::Contains("select: dimension 2 out of range"),
                       ag::Error);
}

TEST_CASE("slice: Python semantics") {
  Tensor x = ag::arange(10);
  check_values(ag::slice(x, 0, 1, 8, 3), {1, 4, 7});  // x[1:8:3]
  check_values(ag::slice(x, 0, -3, 100), {7, 8, 9});  // x[-3:100]
  check_values(ag::slice(x, 0, 0, -7), {0, 1, 2});    // x[:-7]
  check_values(ag::slice(x, 0, -100, 2), {0, 1});     // x[-100:2]
  CHECK(ag::slice(x, 0, 5, 2).shape() == Shape{0});   // x[5:2] is empty
  check_values(ag::slice(x, 0, 9, 10, std::numeric_limits<int64_t>::max()), {9});
  Tensor m = counting({2, 5});
  check_values(ag::slice(m, 1, 0, 5, 2), {0, 2, 4, 5, 7, 9});  // m[:, ::2]

  Tensor w = ag::zeros({6}, true);
  ag::slice(w, 0, 1, 6, 2).backward(ag::tensor({1, 2, 3}));
  check_values(w.grad(), {0, 1, 0, 2, 0, 3});
  ag::manual_seed(19);
  gradcheck_ok([](const std::vector<Tensor>& in) { return ag::slice(in[0], 1, 1, 5, 2); },
               {ag::randn({2, 5}, true)});
  CHECK_THROWS_WITH_AS(ag::slice(x, 0, 0, 5, 0),
                       doctest::Contains("slice: step must be positive, got 0 (shape [10])"),
                       ag::Error);
  CHECK_THROWS_WITH_AS(ag::slice(x, 1, 0, 5), doctest::Contains("slice: dimension 1 out of range"),
                       ag::Error);
}

TEST_CASE("clone and contiguous") {
  Tensor x = grid23();
  Tensor c = ag::clone(x);
  CHECK(c.to_vector() == x.to_vector());
  c.data()[0] = 42.0f;
  CHECK(x.at({0, 0}) == 0.0f);  // own storage
  CHECK(x.clone().shape() == x.shape());
  Tensor w = ag::zeros({2}, true);
  ag::clone(w).backward(ag::tensor({3, 4}));
  check_values(w.grad(), {3, 4});
  ag::manual_seed(20);
  gradcheck_ok([](const std::vector<Tensor>& in) { return ag::clone(in[0]); },
               {ag::randn({2, 3}, true)});
  CHECK(ag::contiguous(x).same(x));
  CHECK_THROWS_WITH_AS(ag::clone(Tensor()), doctest::Contains("called on an undefined tensor"),
                       ag::Error);
}
}  // TEST_SUITE("core.shape")
