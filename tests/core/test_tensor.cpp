// tests/core/test_tensor.cpp: the Tensor handle, factories, printing, random numbers.
#include <limits>

#include "tests/helpers/test_util.h"

using namespace ag;

TEST_SUITE("core.tensor") {
TEST_CASE("a tensor is a handle: copies alias the same data") {
  Tensor a = zeros({2, 3});
  Tensor b = a;
  b.data()[4] = 7.0f;
  CHECK(a.at({1, 1}) == 7.0f);
  CHECK(a.same(b));
  CHECK(a.shape() == Shape{2, 3});
  CHECK(a.numel() == 6);
  CHECK(a.size(-1) == 3);
}

TEST_CASE("factories fill what they say") {
  CHECK(ones({2, 2}).to_vector() == std::vector<float>{1, 1, 1, 1});
  CHECK(full({3}, 2.5f).to_vector() == std::vector<float>{2.5f, 2.5f, 2.5f});
  CHECK(arange(4).to_vector() == std::vector<float>{0, 1, 2, 3});
  CHECK(arange(1.0f, 2.0f, 0.25f).to_vector() == std::vector<float>{1.0f, 1.25f, 1.5f, 1.75f});
  Tensor m = tensor({{1, 2, 3}, {4, 5, 6}});
  CHECK(m.shape() == Shape{2, 3});
  CHECK(m.at({1, 0}) == 4.0f);
  Tensor c = tensor({{{1, 2}, {3, 4}}, {{5, 6}, {7, 8}}});
  CHECK(c.shape() == Shape{2, 2, 2});
  CHECK(c.at({1, 0, 1}) == 6.0f);
  CHECK(scalar(3.0f).dim() == 0);
  CHECK(scalar(3.0f).item() == 3.0f);
}

TEST_CASE("bad factory input and bad indexing throw with the shapes") {
  CHECK_THROWS_WITH_AS(from_vector({1, 2, 3}, {2, 2}),
                       doctest::Contains("3 values cannot fill shape [2, 2] (needs 4)"), Error);
  CHECK_THROWS_WITH_AS(tensor({{1, 2}, {3}}),
                       doctest::Contains("row 1 has 1 values but row 0 has 2"), Error);
  Tensor m = zeros({2, 3});
  CHECK_THROWS_WITH_AS(m.at({2, 0}),
                       doctest::Contains("index 2 is out of bounds for dimension 0 with size 2"),
                       Error);
  CHECK_THROWS_WITH_AS(m.at({0}), doctest::Contains("needs 2 indices, got 1"), Error);
  CHECK_THROWS_WITH_AS(
      m.item(),
      doctest::Contains("a tensor with 6 elements (shape [2, 3]) cannot be converted to a scalar"),
      Error);
  CHECK_THROWS_WITH_AS(
      m.size(2), doctest::Contains("dimension 2 out of range for a tensor of shape [2, 3]"), Error);
  CHECK_THROWS_WITH_AS(scalar(1.0f).size(0),
                       "size: dimension 0 specified, but a 0-d tensor (shape []) has no dimensions",
                       Error);
  CHECK_THROWS_WITH_AS(zeros({2, -1}), doctest::Contains("negative dimension -1 in shape [2, -1]"),
                       Error);
  CHECK_THROWS_WITH_AS(Tensor().shape(), doctest::Contains("undefined tensor"), Error);
}

TEST_CASE("a shape that fits the count but not the machine is an ag::Error, not std::bad_alloc") {
  // 2^40 floats = 4 TiB: within kMaxNumel, far beyond any test machine.
  CHECK_THROWS_WITH_AS(
      zeros({int64_t(1) << 40}),
      doctest::Contains("zeros: cannot allocate 4398046511104 bytes (4096 GiB) for shape "
                        "[1099511627776]: out of memory (the machine has "),
      Error);
  CHECK_THROWS_WITH_AS(
      empty({int64_t(1) << 20, int64_t(1) << 20}),
      doctest::Contains("empty: cannot allocate 4398046511104 bytes (4096 GiB) for shape [1048576, "
                        "1048576]: out of memory (the machine has "),
      Error);
}

TEST_CASE("a shape too large to count is an error before any allocation") {
  // numel used to overflow int64 (undefined behaviour) and the vector got a wrapped-around size.
  const int64_t huge = int64_t(1) << 40, highest = std::numeric_limits<int64_t>::max();
  const std::string too_large =
      " is too large (the product of its non-zero sizes exceeds 2305843009213693951, "
      "the most elements a float buffer can hold)";
  CHECK_THROWS_WITH_AS(zeros({huge, huge}),
                       ("zeros: shape [1099511627776, 1099511627776]" + too_large).c_str(), Error);
  CHECK_THROWS_WITH_AS(empty({highest, 2}),
                       ("empty: shape [9223372036854775807, 2]" + too_large).c_str(), Error);
  CHECK_THROWS_WITH_AS(
      rand({huge, huge}),
      doctest::Contains("uniform: shape [1099511627776, 1099511627776] is too large"), Error);
  // No elements, but an op splitting [0, 2^40, 2^40] after dim 0 would multiply 2^40 * 2^40.
  CHECK_THROWS_WITH_AS(zeros({0, huge, huge}),
                       ("zeros: shape [0, 1099511627776, 1099511627776]" + too_large).c_str(),
                       Error);
  CHECK_THROWS_WITH_AS(from_vector({}, {highest, 2, 0}),
                       ("from_vector: shape [9223372036854775807, 2, 0]" + too_large).c_str(),
                       Error);
  // empty() used to build its vector before checking, and threw std::length_error.
  CHECK_THROWS_WITH_AS(empty({-5}), "empty: negative dimension -5 in shape [-5]", Error);
  CHECK_THROWS_WITH_AS(
      arange(0.0f, 1e30f, 1e-30f),
      doctest::Contains("arange: from 0 to 1e+30 in steps of 1e-30 is 1e+60 values, more than a "
                        "tensor can hold (2305843009213693951)"),
      Error);
  CHECK(zeros({0, kMaxNumel, 0}).numel() == 0);  // the largest countable size is fine when empty
}

TEST_CASE("the same seed gives the same numbers; normals look normal") {
  manual_seed(42);
  std::vector<float> first = randn({1000}).to_vector();
  manual_seed(42);
  std::vector<float> again = randn({1000}).to_vector();
  CHECK(first == again);
  // Sample moments of 100,000 draws: mean ~ 0, variance ~ 1 (5 standard errors).
  manual_seed(7);
  Tensor big = randn({100000});
  double sum = 0, sumsq = 0;
  for (float v : big.to_vector()) {
    sum += v;
    sumsq += double(v) * v;
  }
  double mean = sum / 1e5, var = sumsq / 1e5 - mean * mean;
  CHECK(std::fabs(mean) < 5 * std::sqrt(1.0 / 1e5));
  CHECK(std::fabs(var - 1.0) < 0.03);
  Tensor u = uniform({10000}, -2.0f, 3.0f);
  for (float v : u.to_vector()) {
    REQUIRE(v >= -2.0f);
    REQUIRE(v < 3.0f);
  }
}

TEST_CASE("generator state round-trips (checkpoints resume the exact sequence)") {
  Generator g(5);
  g.normal();  // leaves a spare normal cached
  std::vector<uint64_t> saved = g.state();
  float next1 = g.normal(), next2 = g.uniform();
  Generator h(0);
  h.set_state(saved);
  CHECK(h.normal() == next1);
  CHECK(h.uniform() == next2);
  CHECK_THROWS_WITH_AS(h.set_state({1, 2}), doctest::Contains("expected 6 words"), Error);
}

TEST_CASE("printing looks like PyTorch") {
  Tensor m = tensor({{0.1f, -0.2f}, {3.0f, 4.25f}});
  CHECK(m.str() == "tensor([[ 0.1000, -0.2000],\n        [ 3.0000,  4.2500]])");
  CHECK(scalar(0.5f).str() == "tensor(0.5000)");
  Tensor w = tensor({1.0f, 2.0f}, true);
  CHECK(w.str() == "tensor([1.0000, 2.0000], requires_grad=true)");
  Tensor y = mul(w, w);
  CHECK(y.str() == "tensor([1.0000, 4.0000], grad_fn=<MulBackward>)");
  std::string big = zeros({2000}).str();
  CHECK(big.find("...") != std::string::npos);
  CHECK(big.size() < 100);
}

TEST_CASE("printing: a long number is never cut off; negative decimals or edge_items are errors") {
  // Values were formatted into a 64-byte buffer: 3e38 with 60 decimals is 100 characters.
  const std::string digits = "300000000549775575777803994281145270272." + std::string(60, '0');
  CHECK(format_matrix(full({1, 1}, 3e38f), {"r"}, {"c"}, 60) ==
        "   " + std::string(99, ' ') + "c\nr  " + digits + "\n");
  PrintOptions wide;
  wide.decimals = 60;
  CHECK(to_string(tensor({1.5f}), wide) == "tensor([1.5" + std::string(59, '0') + "])");
  PrintOptions bad;
  bad.decimals = -1;
  CHECK_THROWS_WITH_AS(to_string(tensor({1.5f}), bad), "to_string: decimals must be >= 0, got -1",
                       Error);
  bad.decimals = 4;
  bad.edge_items = -2;
  CHECK_THROWS_WITH_AS(to_string(tensor({1.5f}), bad), "to_string: edge_items must be >= 0, got -2",
                       Error);
  CHECK_THROWS_WITH_AS(format_matrix(ones({1, 1}), {}, {}, -3),
                       "format_matrix: decimals must be >= 0, got -3", Error);
}

TEST_CASE("shape_str and index_str print shapes and element indices") {
  CHECK(shape_str({2, 3, 4}) == "[2, 3, 4]");
  CHECK(shape_str({}) == "[]");
  CHECK(index_str(7, {2, 3, 4}) == "[0, 1, 3]");   // 7 = 0·12 + 1·4 + 3
  CHECK(index_str(23, {2, 3, 4}) == "[1, 2, 3]");  // the last element
  CHECK(index_str(4, {5}) == "[4]");
}

TEST_CASE("format_matrix labels rows and columns, UTF-8 aware") {
  Tensor m = tensor({{0.9f, 0.5f}, {0.4f, 0.8f}});
  std::string s = format_matrix(m, {"Je", "étudiant"}, {"I", "am"});
  CHECK(s ==
        "               I      am\n"
        "Je        0.9000  0.5000\n"
        "étudiant  0.4000  0.8000\n");
  CHECK_THROWS_WITH_AS(format_matrix(m, {"a"}, {}), doctest::Contains("1 row labels for 2 rows"),
                       Error);
}
}  // TEST_SUITE("core.tensor")
