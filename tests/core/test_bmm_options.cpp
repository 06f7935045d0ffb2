// tests/core/test_bmm_options.cpp: bmm with transposed operands (BmmOptions) and
// baddbmm, against plain loops on explicitly transposed copies, their
// gradients by gradcheck, fast vs naive kernels, and shape errors.
#include <vector>

#include "core/kernels/kernel_mode.h"
#include "tests/helpers/test_util.h"

using namespace ag;

namespace {

using Inputs = std::vector<Tensor>;

// op(x)[n][i][j] for a stored (B, R, S) tensor: x itself, or its transpose
// (B, S, R), written out by loops (independently of permute).
std::vector<float> op_of(const Tensor& x, bool transpose) {
  const int64_t B = x.size(0), R = x.size(1), S = x.size(2);
  const std::vector<float> v = x.to_vector();
  if (!transpose) return v;
  std::vector<float> t(v.size());
  for (int64_t n = 0; n < B; ++n)
    for (int64_t r = 0; r < R; ++r)
      for (int64_t s = 0; s < S; ++s) t[(n * S + s) * R + r] = v[(n * R + r) * S + s];
  return t;
}

// c[n] = op(a)[n] · op(b)[n], M×K times K×N, by the definition, in double.
std::vector<float> product_by_loops(const Tensor& a, const Tensor& b, const BmmOptions& o) {
  const int64_t B = a.size(0);
  const int64_t M = o.transpose_a ? a.size(2) : a.size(1),
                K = o.transpose_a ? a.size(1) : a.size(2);
  const int64_t N = o.transpose_b ? b.size(1) : b.size(2);
  const std::vector<float> A = op_of(a, o.transpose_a), Bv = op_of(b, o.transpose_b);
  std::vector<float> c(B * M * N);
  for (int64_t n = 0; n < B; ++n)
    for (int64_t i = 0; i < M; ++i)
      for (int64_t j = 0; j < N; ++j) {
        double dot = 0.0;
        for (int64_t k = 0; k < K; ++k)
          dot += double(A[(n * M + i) * K + k]) * Bv[(n * K + k) * N + j];
        c[(n * M + i) * N + j] = static_cast<float>(dot);
      }
  return c;
}

// Stored shapes for op(a) [2, 3, 4] times op(b) [2, 4, 5].
Shape a_shape(const BmmOptions& o) { return o.transpose_a ? Shape{2, 4, 3} : Shape{2, 3, 4}; }
Shape b_shape(const BmmOptions& o) { return o.transpose_b ? Shape{2, 5, 4} : Shape{2, 4, 5}; }

const BmmOptions kAllOptions[] = {{false, false}, {true, false}, {false, true}, {true, true}};

}  // namespace

TEST_SUITE("core.matmul") {
TEST_CASE("bmm with transposed operands: values and gradcheck, each combination") {
  manual_seed(21);
  for (const BmmOptions& o : kAllOptions) {
    CAPTURE(o.transpose_a);
    CAPTURE(o.transpose_b);
    Tensor a = randn(a_shape(o)), b = randn(b_shape(o));
    Tensor c = bmm(a, b, o);
    REQUIRE(c.shape() == Shape{2, 3, 5});
    ag_test::check_close(c, product_by_loops(a, b, o));
    auto f = [o](const Inputs& v) { return bmm(v[0], v[1], o); };
    CHECK_GRADCHECK(f, {randn(a_shape(o), true), randn(b_shape(o), true)});
    CHECK(bmm(randn(a_shape(o), true), randn(b_shape(o)), o).grad_fn()->name() == "BmmBackward");
  }
}

TEST_CASE("bmm with transposed operands equals bmm of the permuted copies, gradients too") {
  manual_seed(22);
  Tensor q = randn({3, 6, 17}, true),
         k = randn({3, 6, 17}, true);  // (N, C/8, P) as in SelfAttention
  Tensor fused = bmm(q, k, {.transpose_a = true});
  Tensor q2 = q.detach().requires_grad_(), k2 = k.detach().requires_grad_();
  Tensor plain = bmm(permute(q2, {0, 2, 1}), k2);
  ag_test::check_close(fused, plain, 1e-5);
  Tensor dout = randn(fused.shape());
  fused.backward(dout);
  plain.backward(dout);
  ag_test::check_close(q.grad(), q2.grad(), 1e-5);
  ag_test::check_close(k.grad(), k2.grad(), 1e-5);
}

TEST_CASE("bmm and baddbmm options: fast and naive kernels agree (odd sizes, several tiles)") {
  for (const BmmOptions& o : kAllOptions) {
    CAPTURE(o.transpose_a);
    CAPTURE(o.transpose_b);
    Tensor results[2][5];
    for (int mode = 0; mode < 2; ++mode) {
      KernelsGuard guard(mode == 0 ? Kernels::Fast : Kernels::Naive);
      manual_seed(23);
      Tensor a = randn(o.transpose_a ? Shape{4, 37, 29} : Shape{4, 29, 37}, true);
      Tensor b = randn(o.transpose_b ? Shape{4, 45, 37} : Shape{4, 37, 45}, true);
      Tensor input = randn({4, 29, 45}, true), alpha = full({1}, 0.75f, true);
      Tensor out = baddbmm(input, a, b, alpha, o) + bmm(a, b, o);
      out.backward(randn(out.shape()));
      results[mode][0] = out.detach();
      results[mode][1] = a.grad(), results[mode][2] = b.grad();
      results[mode][3] = input.grad(), results[mode][4] = alpha.grad();
    }
    for (int i = 0; i < 5; ++i) {
      CAPTURE(i);  // 0 output, then the gradients of a, b, input, alpha
      ag_test::check_close(results[0][i], results[1][i], 1e-4);
    }
  }
}

TEST_CASE("baddbmm: input + alpha·op(a)·op(b), and its gradients") {
  manual_seed(24);
  for (const BmmOptions& o : kAllOptions) {
    CAPTURE(o.transpose_a);
    CAPTURE(o.transpose_b);
    Tensor a = randn(a_shape(o)), b = randn(b_shape(o)), input = randn({2, 3, 5});
    Tensor c = baddbmm(input, a, b, full({1}, -0.5f), o);
    std::vector<float> expected = product_by_loops(a, b, o), x = input.to_vector();
    for (size_t e = 0; e < expected.size(); ++e) expected[e] = x[e] - 0.5f * expected[e];
    ag_test::check_close(c, expected);
    auto f = [o](const Inputs& v) { return baddbmm(v[0], v[1], v[2], v[3], o); };
    CHECK_GRADCHECK(f, {randn({2, 3, 5}, true), randn(a_shape(o), true), randn(b_shape(o), true),
                        full({1}, 0.3f, true)});
  }
  CHECK(baddbmm(zeros({2, 3, 5}), randn({2, 3, 4}), randn({2, 4, 5}), full({1}, 1.0f, true))
            .grad_fn()
            ->name() == "BaddbmmBackward");
}

TEST_CASE("baddbmm with alpha = 0 (gamma's initial value): dalpha is still sum(dout * a·b)") {
  manual_seed(25);
  Tensor a = randn({2, 3, 4}, true), b = randn({2, 5, 4}, true), input = randn({2, 3, 5}, true);
  Tensor alpha = zeros({1}, true);
  Tensor out = baddbmm(input, a, b, alpha, {.transpose_b = true});
  ag_test::check_close(out, input.detach());  // nothing added yet
  Tensor dout = randn(out.shape());
  out.backward(dout);
  const std::vector<float> product =
      product_by_loops(a.detach(), b.detach(), {.transpose_b = true});
  const std::vector<float> d = dout.to_vector();
  double expected = 0.0;
  for (size_t e = 0; e < d.size(); ++e) expected += double(d[e]) * product[e];
  CHECK(alpha.grad().item() == doctest::Approx(expected).epsilon(1e-5));
  ag_test::check_close(input.grad(), dout);
  ag_test::check_close(a.grad(), std::vector<float>(a.numel(), 0.0f));  // alpha · (...) = 0
  ag_test::check_close(b.grad(), std::vector<float>(b.numel(), 0.0f));
}

TEST_CASE("bmm options and baddbmm: shape errors name the shapes and the broken rule") {
  const Tensor a = zeros({2, 3, 4}), b = zeros({2, 5, 6});
  CHECK_THROWS_WITH_AS(
      bmm(a, b, {.transpose_a = true}),
      "bmm: shapes [2, 3, 4] and [2, 5, 6] (a transposed) cannot be multiplied (3 != 5)", Error);
  CHECK_THROWS_WITH_AS(
      bmm(a, b, {.transpose_b = true}),
      "bmm: shapes [2, 3, 4] and [2, 5, 6] (b transposed) cannot be multiplied (4 != 6)", Error);
  CHECK_THROWS_WITH_AS(
      bmm(a, b, {.transpose_a = true, .transpose_b = true}),
      "bmm: shapes [2, 3, 4] and [2, 5, 6] (both transposed) cannot be multiplied (3 != 6)", Error);
  CHECK_THROWS_WITH_AS(
      baddbmm(zeros({2, 3, 5}), zeros({2, 3, 4}), zeros({3, 4, 5}), zeros({1})),
      "baddbmm: shapes [2, 3, 4] and [3, 4, 5] have different batch sizes (2 != 3)", Error);
  CHECK_THROWS_WITH_AS(baddbmm(zeros({2, 3, 5}), zeros({2, 3, 4}), zeros({2, 4, 5}), zeros({2})),
                       "baddbmm: alpha must hold one number, got shape [2]", Error);
  CHECK_THROWS_WITH_AS(baddbmm(zeros({2, 3, 4}), zeros({2, 3, 4}), zeros({2, 4, 5}), zeros({1})),
                       "baddbmm: input [2, 3, 4] must broadcast to the product's shape [2, 3, 5] "
                       "(of [2, 3, 4] and [2, 4, 5])",
                       Error);
}
}  // TEST_SUITE("core.matmul")
