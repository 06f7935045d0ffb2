// tests/core/test_baddbmm_broadcast.cpp: baddbmm with an input that
// broadcasts to the product's (B, N, M), as PyTorch's: values against plain
// loops, the input's gradient summed back to its shape (by hand and by
// gradcheck), and the error for an input that does not broadcast.
#include "tests/helpers/test_util.h"

using namespace ag;

namespace {

using Inputs = std::vector<Tensor>;

// out[n][i][j] = input[.. broadcast ..] + alpha · Σ_k a[n][i][k] · b[n][k][j], in double.
std::vector<float> baddbmm_by_loops(const Tensor& input, const Tensor& a, const Tensor& b,
                                    float alpha) {
  const int64_t B = a.size(0), N = a.size(1), K = a.size(2), M = b.size(2);
  Shape padded(3 - input.dim(), 1);  // input's shape aligned from the right
  padded.insert(padded.end(), input.shape().begin(), input.shape().end());
  const std::vector<float> in = input.to_vector();
  std::vector<float> out;
  for (int64_t n = 0; n < B; ++n)
    for (int64_t i = 0; i < N; ++i)
      for (int64_t j = 0; j < M; ++j) {
        const int64_t at =
            ((padded[0] == 1 ? 0 : n) * padded[1] + (padded[1] == 1 ? 0 : i)) * padded[2] +
            (padded[2] == 1 ? 0 : j);
        double dot = 0.0;
        for (int64_t k = 0; k < K; ++k) dot += double(a.at({n, i, k})) * b.at({n, k, j});
        out.push_back(static_cast<float>(in[at] + alpha * dot));
      }
  return out;
}

}  // namespace

TEST_SUITE("core.matmul") {
TEST_CASE("baddbmm broadcasts its input: (M), (N, M), (B, 1, M), (1, N, 1), (1) and a 0-d scalar") {
  manual_seed(41);
  Tensor a = randn({2, 3, 4}), b = randn({2, 4, 5}), alpha = tensor({0.5f});
  for (const Shape& shape :
       {Shape{5}, Shape{3, 5}, Shape{2, 1, 5}, Shape{1, 3, 1}, Shape{1}, Shape{}}) {
    CAPTURE(shape_str(shape));
    Tensor input = randn(shape);
    Tensor out = baddbmm(input, a, b, alpha);
    REQUIRE(out.shape() == Shape{2, 3, 5});
    ag_test::check_close(out, baddbmm_by_loops(input, a, b, 0.5f), 1e-4);
  }
}

TEST_CASE("the broadcast input's gradient is summed back to its own shape") {
  Tensor bias = zeros({5}, true), a = ones({2, 3, 4}), b = ones({2, 4, 5});
  baddbmm(bias, a, b, tensor({1.0f})).backward(ones({2, 3, 5}));
  ag_test::check_close(bias.grad(), std::vector<float>(5, 6.0f));  // every (n, i): 2 · 3
  Tensor rows = zeros({2, 1, 5}, true);
  baddbmm(rows, a, b, tensor({1.0f}))
      .backward(from_vector(std::vector<float>(30, 1.0f), {2, 3, 5}) * 2.0f);
  ag_test::check_close(rows.grad(), std::vector<float>(10, 6.0f));  // 3 rows of 2 each
}

TEST_CASE("gradcheck with a broadcast input, a, b and alpha together") {
  manual_seed(42);
  for (const Shape& shape : {Shape{4}, Shape{2, 1, 4}, Shape{3, 1}}) {
    CAPTURE(shape_str(shape));
    CHECK_GRADCHECK(
        [](const Inputs& v) { return baddbmm(v[0], v[1], v[2], v[3]); },
        {randn(shape, true), randn({2, 3, 2}, true), randn({2, 2, 4}, true), randn({1}, true)});
  }
  CHECK_GRADCHECK(
      [](const Inputs& v) {
        return baddbmm(v[0], v[1], v[2], v[3], {.transpose_a = true, .transpose_b = true});
      },
      {randn({4}, true), randn({2, 2, 3}, true), randn({2, 4, 2}, true), randn({1}, true)});
}

TEST_CASE("an input that does not broadcast to the product is refused, naming all three shapes") {
  CHECK_THROWS_WITH_AS(baddbmm(zeros({3, 4}), zeros({2, 3, 6}), zeros({2, 6, 5}), tensor({1.0f})),
                       "baddbmm: input [3, 4] must broadcast to the product's shape [2, 3, 5] (of "
                       "[2, 3, 6] and [2, 6, 5])",
                       Error);
  CHECK_THROWS_WITH_AS(  // larger than the product: broadcasting may not grow the output
      baddbmm(zeros({4, 2, 3, 5}), zeros({2, 3, 6}), zeros({2, 6, 5}), tensor({1.0f})),
      "baddbmm: input [4, 2, 3, 5] must broadcast to the product's shape [2, 3, 5] (of [2, 3, 6] "
      "and [2, 6, 5])",
      Error);
}
}  // TEST_SUITE("core.matmul")
