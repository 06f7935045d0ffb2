// tests/core/test_matmul.cpp: matmul, bmm and linear against hand values and plain
// loops, their gradients by gradcheck, fast vs naive kernels, and shape errors.
#include <string>
#include <vector>

#include "core/kernels/kernel_mode.h"
#include "tests/helpers/test_util.h"

using namespace ag;

namespace {

// One output matrix [M, N] of a·b, by the definition: c[i][j] = Σ_k a[i][k] b[k][j].
// a_off/b_off are where the [M, K] and [K, N] matrices start inside a and b.
std::vector<float> product_by_loops(const std::vector<float>& a, int64_t a_off,
                                    const std::vector<float>& b, int64_t b_off, int64_t M,
                                    int64_t K, int64_t N) {
  std::vector<float> c(M * N, 0.0f);
  for (int64_t i = 0; i < M; ++i)
    for (int64_t j = 0; j < N; ++j) {
      double dot = 0.0;
      for (int64_t k = 0; k < K; ++k) dot += double(a[a_off + i * K + k]) * b[b_off + k * N + j];
      c[i * N + j] = static_cast<float>(dot);
    }
  return c;
}

std::vector<float> slice_of(const Tensor& t, int64_t begin, int64_t count) {
  std::vector<float> all = t.to_vector();
  return std::vector<float>(all.begin() + begin, all.begin() + begin + count);
}

// Runs fn on copies of the inputs in Fast and in Naive mode, then backward with
// the same dout; the outputs and every gradient must agree.
void check_fast_matches_naive(const std::function<Tensor(const std::vector<Tensor>&)>& fn,
                              const std::vector<Shape>& shapes) {
  std::vector<Tensor> results[2];
  for (int mode = 0; mode < 2; ++mode) {
    KernelsGuard guard(mode == 0 ? Kernels::Fast : Kernels::Naive);
    manual_seed(7);
    std::vector<Tensor> inputs;
    for (const Shape& s : shapes) inputs.push_back(randn(s, true));
    Tensor out = fn(inputs);
    manual_seed(8);
    out.backward(randn(out.shape()));
    results[mode].push_back(out.detach());
    for (Tensor& in : inputs) results[mode].push_back(in.grad());
  }
  for (size_t i = 0; i < results[0].size(); ++i) {
    CAPTURE(i);  // 0 = output, then the gradient of each input in order
    ag_test::check_close(results[0][i], results[1][i], 1e-4);
  }
}

using Inputs = std::vector<Tensor>;

}  // namespace

TEST_SUITE("core.matmul") {
TEST_CASE("2-D product equals the hand computation") {
  // [[1, 2, 3],      [[ 7,  8],      [[1·7+2·9+3·11, 1·8+2·10+3·12],     [[ 58,  64],
  //  [4, 5, 6]]  ·    [ 9, 10],   =   [4·7+5·9+6·11, 4·8+5·10+6·12]]  =   [139, 154]]
  //                   [11, 12]]
  Tensor a = tensor({{1, 2, 3}, {4, 5, 6}}), b = tensor({{7, 8}, {9, 10}, {11, 12}});
  Tensor c = matmul(a, b);
  CHECK(c.shape() == Shape{2, 2});
  ag_test::check_close(c, {58, 64, 139, 154});
  ag_test::check_close(a.matmul(b), {58, 64, 139, 154});
}

TEST_CASE("1-D operands: dot product, and promotion that is removed again") {
  Tensor v = tensor({1, 2, 3}), w = tensor({4, 5, 6});
  Tensor dot = matmul(v, w);  // 4 + 10 + 18
  CHECK(dot.shape() == Shape{});
  CHECK(dot.item() == doctest::Approx(32.0f));

  Tensor m = tensor({{1, 2}, {3, 4}, {5, 6}});  // [3, 2]
  Tensor vm = matmul(v, m);                     // [3]·[3, 2] -> [2]: (1+6+15, 2+8+18)
  CHECK(vm.shape() == Shape{2});
  ag_test::check_close(vm, {22, 28});
  Tensor mt = tensor({{1, 3, 5}, {2, 4, 6}});  // [2, 3]
  Tensor mv = matmul(mt, v);                   // [2, 3]·[3] -> [2]
  CHECK(mv.shape() == Shape{2});
  ag_test::check_close(mv, {22, 28});

  // A batch times a vector: [2, 2, 3]·[3] -> [2, 2]
  Tensor batch = from_vector({1, 3, 5, 2, 4, 6, 0, 0, 1, 1, 0, 0}, {2, 2, 3});
  Tensor bv = matmul(batch, v);
  CHECK(bv.shape() == Shape{2, 2});
  ag_test::check_close(bv, {22, 28, 3, 1});
  // A vector times a batch: [2]·[3, 2, 4] -> [3, 4]
  manual_seed(3);
  Tensor row = randn({2}), stack = randn({3, 2, 4});
  Tensor rs = matmul(row, stack);
  CHECK(rs.shape() == Shape{3, 4});
  for (int64_t i = 0; i < 3; ++i)
    ag_test::check_close(from_vector(slice_of(rs, i * 4, 4), {4}),
                         product_by_loops(row.to_vector(), 0, stack.to_vector(), i * 8, 1, 2, 4));
}

TEST_CASE("batch dimensions broadcast: [2,1,3,4]·[5,4,2] -> [2,5,3,2]") {
  manual_seed(11);
  Tensor a = randn({2, 1, 3, 4}), b = randn({5, 4, 2});
  Tensor c = matmul(a, b);
  REQUIRE(c.shape() == Shape{2, 5, 3, 2});
  // Output matrix (i, j) is a[i, 0] · b[j].
  for (int64_t i = 0; i < 2; ++i)
    for (int64_t j = 0; j < 5; ++j) {
      CAPTURE(i);
      CAPTURE(j);
      auto expected = product_by_loops(a.to_vector(), i * 12, b.to_vector(), j * 8, 3, 4, 2);
      ag_test::check_close(from_vector(slice_of(c, (i * 5 + j) * 6, 6), {6}), expected);
    }
}

TEST_CASE("one matrix times a batch, and a batch times one matrix") {
  manual_seed(12);
  Tensor m = randn({3, 4}), stack = randn({2, 4, 5});
  Tensor left = matmul(m, stack);  // [3, 4]·[2, 4, 5] -> [2, 3, 5]
  REQUIRE(left.shape() == Shape{2, 3, 5});
  for (int64_t i = 0; i < 2; ++i)
    ag_test::check_close(from_vector(slice_of(left, i * 15, 15), {15}),
                         product_by_loops(m.to_vector(), 0, stack.to_vector(), i * 20, 3, 4, 5));
  Tensor x = randn({2, 3, 4}), w = randn({4, 5});
  Tensor right = matmul(x, w);  // folded into one [6, 4]·[4, 5] product
  REQUIRE(right.shape() == Shape{2, 3, 5});
  ag_test::check_close(right, product_by_loops(x.to_vector(), 0, w.to_vector(), 0, 6, 4, 5));
}

TEST_CASE("gradcheck: every matmul case") {
  manual_seed(13);
  auto mm = [](const Inputs& v) { return matmul(v[0], v[1]); };
  const std::vector<std::pair<Shape, Shape>> cases = {{{3}, {3}},
                                                      {{3}, {3, 2}},
                                                      {{2, 3}, {3}},
                                                      {{2, 3}, {3, 4}},
                                                      {{2, 3, 4}, {4}},
                                                      {{2}, {3, 2, 4}},
                                                      {{2, 3, 4}, {4, 5}},
                                                      {{3, 4}, {2, 4, 5}},
                                                      {{2, 3, 4}, {2, 4, 2}},
                                                      {{2, 1, 3, 4}, {5, 4, 2}},
                                                      {{1, 2, 3}, {3, 1, 3, 2}}};
  for (const auto& shapes : cases) {
    const Shape &sa = shapes.first, &sb = shapes.second;  // (clang 14 cannot capture bindings)
    CAPTURE(shape_str(sa));
    CAPTURE(shape_str(sb));
    CHECK_GRADCHECK(mm, {randn(sa, true), randn(sb, true)});
  }
  // The same tensor on both sides: both contributions must be accumulated.
  auto square = [](const Inputs& v) { return matmul(v[0], v[0]); };
  CHECK_GRADCHECK(square, {randn({3, 3}, true)});
}

TEST_CASE("the gradient of a broadcast operand has that operand's shape") {
  manual_seed(14);
  Tensor a = randn({2, 1, 3, 4}, true), b = randn({5, 4, 2}, true);
  matmul(a, b).backward(ones({2, 5, 3, 2}));
  CHECK(a.grad().shape() == a.shape());
  CHECK(b.grad().shape() == b.shape());
  Tensor v = randn({4}, true), m = randn({4, 3}, true);
  matmul(v, m).backward(ones({3}));
  CHECK(v.grad().shape() == Shape{4});
}

TEST_CASE("bmm: values and gradcheck") {
  manual_seed(15);
  Tensor a = randn({3, 2, 4}), b = randn({3, 4, 5});
  Tensor c = bmm(a, b);
  REQUIRE(c.shape() == Shape{3, 2, 5});
  for (int64_t i = 0; i < 3; ++i)
    ag_test::check_close(from_vector(slice_of(c, i * 10, 10), {10}),
                         product_by_loops(a.to_vector(), i * 8, b.to_vector(), i * 20, 2, 4, 5));
  auto f = [](const Inputs& v) { return bmm(v[0], v[1]); };
  CHECK_GRADCHECK(f, {randn({3, 2, 4}, true), randn({3, 4, 5}, true)});
  CHECK(bmm(randn({2, 2, 2}, true), randn({2, 2, 2})).grad_fn()->name() == "BmmBackward");
}

TEST_CASE("linear: x·Wᵀ + b, with and without bias, any leading dims") {
  // x [1, 2] = [[1, 2]], W [3, 2] = [[1, 0], [0, 1], [1, 1]], b = [10, 20, 30]
  // y = [1, 2, 3] + b = [11, 22, 33]
  Tensor x = tensor({{1, 2}}), w = tensor({{1, 0}, {0, 1}, {1, 1}}), b = tensor({10, 20, 30});
  ag_test::check_close(linear(x, w, b), {11, 22, 33});
  ag_test::check_close(linear(x, w), {1, 2, 3});
  CHECK(linear(tensor({1, 2}), w).shape() == Shape{3});

  manual_seed(16);
  auto with_bias = [](const Inputs& v) { return linear(v[0], v[1], v[2]); };
  auto without_bias = [](const Inputs& v) { return linear(v[0], v[1]); };
  CHECK_GRADCHECK(with_bias, {randn({4, 3}, true), randn({5, 3}, true), randn({5}, true)});
  CHECK_GRADCHECK(with_bias, {randn({2, 3, 3}, true), randn({2, 3}, true), randn({2}, true)});
  CHECK_GRADCHECK(without_bias, {randn({3}, true), randn({4, 3}, true)});
  // y[r, o] = Σ_i x[r, i] · W[o, i] + b[o], by loops over x seen as [6, 4].
  Tensor x3 = randn({2, 3, 4}), w3 = randn({5, 4}), b3 = randn({5});
  Tensor y = linear(x3, w3, b3);
  REQUIRE(y.shape() == Shape{2, 3, 5});
  std::vector<float> xs = x3.to_vector(), ws = w3.to_vector(), bs = b3.to_vector(), expected;
  for (int64_t r = 0; r < 6; ++r)
    for (int64_t o = 0; o < 5; ++o) {
      double dot = bs[o];
      for (int64_t i = 0; i < 4; ++i) dot += double(xs[r * 4 + i]) * ws[o * 4 + i];
      expected.push_back(static_cast<float>(dot));
    }
  ag_test::check_close(y, expected);
}

TEST_CASE("fast and naive kernels agree on many shapes (odd sizes too)") {
  const std::vector<std::pair<Shape, Shape>> mm_cases = {
      {{1, 1}, {1, 1}},           {{7, 13}, {13, 5}},         {{33, 17}, {17, 31}},
      {{3, 15, 29}, {3, 29, 33}}, {{2, 1, 5, 7}, {3, 7, 9}},  {{17}, {4, 17, 3}},
      {{5, 31, 19}, {19}},        {{4, 64, 32}, {4, 32, 64}}, {{2, 3, 100, 30}, {30, 45}}};
  for (const auto& shapes : mm_cases) {
    const Shape &sa = shapes.first, &sb = shapes.second;
    CAPTURE(shape_str(sa));
    CAPTURE(shape_str(sb));
    check_fast_matches_naive([](const Inputs& v) { return matmul(v[0], v[1]); }, {sa, sb});
  }
  check_fast_matches_naive([](const Inputs& v) { return bmm(v[0], v[1]); },
                           {{9, 37, 11}, {9, 11, 23}});
  check_fast_matches_naive([](const Inputs& v) { return linear(v[0], v[1], v[2]); },
                           {{3, 21, 37}, {19, 37}, {19}});
}

TEST_CASE("empty sizes: zero batch, zero rows, and K = 0 (an empty sum is 0)") {
  CHECK(matmul(zeros({0, 3, 4}), zeros({0, 4, 5})).shape() == Shape{0, 3, 5});
  CHECK(matmul(zeros({2, 0, 4}), zeros({4, 5})).shape() == Shape{2, 0, 5});
  Tensor a = zeros({3, 0}, true), b = zeros({0, 2}, true);
  Tensor c = matmul(a, b);
  ag_test::check_close(c, std::vector<float>(6, 0.0f));
  c.backward(ones({3, 2}));
  CHECK(a.grad().shape() == Shape{3, 0});
  CHECK(b.grad().shape() == Shape{0, 2});
}

TEST_CASE("shape errors name both shapes and the broken rule") {
  CHECK_THROWS_WITH_AS(matmul(zeros({4, 3}), zeros({4, 5})),
                       "matmul: shapes [4, 3] and [4, 5] cannot be multiplied (3 != 4)", Error);
  CHECK_THROWS_WITH_AS(matmul(zeros({3}), zeros({4})),
                       "matmul: shapes [3] and [4] cannot be multiplied (3 != 4)", Error);
  CHECK_THROWS_WITH_AS(
      matmul(zeros({2, 3, 4}), zeros({5, 4, 2})),
      doctest::Contains(
          "matmul: batch dimensions of [2, 3, 4] and [5, 4, 2] cannot be broadcast (2 vs 5)"),
      Error);
  CHECK_THROWS_WITH_AS(matmul(scalar(1.0f), zeros({3})),
                       doctest::Contains("matmul: both arguments need at least 1 dimension"),
                       Error);
  CHECK_THROWS_WITH_AS(
      bmm(zeros({3, 4}), zeros({2, 4, 5})),
      doctest::Contains(
          "bmm: expected two 3-D tensors (B, M, K) and (B, K, N), got shapes [3, 4] and [2, 4, 5]"),
      Error);
  CHECK_THROWS_WITH_AS(
      bmm(zeros({2, 3, 4}), zeros({3, 4, 5})),
      doctest::Contains("bmm: shapes [2, 3, 4] and [3, 4, 5] have different batch sizes (2 != 3)"),
      Error);
  CHECK_THROWS_WITH_AS(
      bmm(zeros({2, 3, 4}), zeros({2, 5, 6})),
      doctest::Contains("bmm: shapes [2, 3, 4] and [2, 5, 6] cannot be multiplied (4 != 5)"),
      Error);
  CHECK_THROWS_WITH_AS(
      linear(zeros({4, 3}), zeros({5, 4})),
      doctest::Contains("linear: input [4, 3] has 3 features but weight [5, 4] expects 4"), Error);
  CHECK_THROWS_WITH_AS(
      linear(zeros({4, 3}), zeros({5, 3}), zeros({4})),
      doctest::Contains("linear: bias [4] does not match the 5 outputs of weight [5, 3]"), Error);
  CHECK_THROWS_WITH_AS(linear(zeros({4, 3}), zeros({3})),
                       doctest::Contains("linear: weight must be 2-D (out, in), got shape [3]"),
                       Error);
}
}  // TEST_SUITE("core.matmul")
