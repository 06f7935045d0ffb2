// tests/core/test_einsum_ellipsis.cpp: einsum with "..." (PyTorch's ellipsis
// broadcasting) against plain loops written from the definition, gradcheck,
// and the text of its errors.
#include "tests/helpers/test_util.h"

using namespace ag;

namespace {
using Inputs = std::vector<Tensor>;
}  // namespace

TEST_SUITE("core.einsum") {
TEST_CASE("...ij,...jk->...ik: batched matrix products, the '...' dims broadcast") {
  manual_seed(31);
  Tensor a = randn({2, 3, 4, 5}),
         b = randn({3, 5, 2});  // '...' = (2, 3) and (3): broadcast to (2, 3)
  Tensor got = einsum("...ij,...jk->...ik", a, b);
  REQUIRE(got.shape() == Shape{2, 3, 4, 2});
  std::vector<float> expected;
  for (int64_t p = 0; p < 2; ++p)
    for (int64_t q = 0; q < 3; ++q)
      for (int64_t i = 0; i < 4; ++i)
        for (int64_t k = 0; k < 2; ++k) {
          double dot = 0.0;
          for (int64_t j = 0; j < 5; ++j) dot += double(a.at({p, q, i, j})) * b.at({q, j, k});
          expected.push_back(static_cast<float>(dot));
        }
  ag_test::check_close(got, expected, 1e-4);
}

TEST_CASE("b...d,b...d->b...: a size-1 dimension under '...' stretches") {
  manual_seed(32);
  Tensor a = randn({2, 3, 4, 5}), b = randn({2, 1, 4, 5});
  Tensor got = einsum("b...d,b...d->b...", a, b);
  REQUIRE(got.shape() == Shape{2, 3, 4});
  std::vector<float> expected;
  for (int64_t n = 0; n < 2; ++n)
    for (int64_t x = 0; x < 3; ++x)
      for (int64_t y = 0; y < 4; ++y) {
        double dot = 0.0;
        for (int64_t d = 0; d < 5; ++d) dot += double(a.at({n, x, y, d})) * b.at({n, 0, y, d});
        expected.push_back(static_cast<float>(dot));
      }
  ag_test::check_close(got, expected, 1e-4);
}

TEST_CASE(
    "'...' by hand: in one operand only, covering nothing, and left out of the output (summed)") {
  Tensor m = tensor({{{1, 2}, {3, 4}}, {{5, 6}, {7, 8}}});  // (2, 2, 2)
  Tensor w = tensor({{1, 0}, {1, 1}});
  // each batch times w: [[1+2, 2], [3+4, 4]] and [[5+6, 6], [7+8, 8]]
  ag_test::check_close(einsum("...ij,jk->...ik", m, w), {3, 2, 7, 4, 11, 6, 15, 8});
  // '...' covering no dimension: a plain dot product, 1·3 + 2·4 = 11
  Tensor dot = einsum("...i,...i->...", tensor({1, 2}), tensor({3, 4}));
  CHECK(dot.shape() == Shape{});
  CHECK(dot.item() == 11.0f);
  // '...' not in the output: summed. out[i] = Σ_x u[i][x]·v[i][x] = [1·1 + 2·1, 3·2 + 4·0]
  ag_test::check_close(einsum("i...,i...->i", tensor({{1, 2}, {3, 4}}), tensor({{1, 1}, {2, 0}})),
                       {3, 6});
  // '...' in the middle, moved to the front; k is in w only, so summed first (row sums [1, 2]):
  // out[x][a] = m[a][x][0]·1 + m[a][x][1]·2
  ag_test::check_close(einsum("a...c,ck->...a", m, w),
                       {1 + 2 * 2, 5 + 6 * 2, 3 + 4 * 2, 7 + 8 * 2});
}

TEST_CASE("gradcheck through '...': broadcast, stretched size-1 and summed dimensions") {
  manual_seed(33);
  CHECK_GRADCHECK([](const Inputs& v) { return einsum("...ij,...jk->...ik", v[0], v[1]); },
                  {randn({2, 3, 2, 3}, true), randn({3, 3, 2}, true)});
  CHECK_GRADCHECK([](const Inputs& v) { return einsum("b...d,b...d->b...", v[0], v[1]); },
                  {randn({2, 3, 2, 4}, true), randn({2, 1, 2, 4}, true)});
  CHECK_GRADCHECK([](const Inputs& v) { return einsum("i...,i...->i", v[0], v[1]); },
                  {randn({3, 2, 2}, true), randn({3, 2, 1}, true)});
}

TEST_CASE("the gradient of a stretched operand has its own shape") {
  Tensor a = ones({2, 3, 4}, true), b = ones({1, 4, 5}, true);
  einsum("...ij,...jk->...ik", a, b).backward(ones({2, 3, 5}));
  CHECK(b.grad().shape() == Shape{1, 4, 5});
  // db[0][j][k] = Σ over both batches and the 3 rows of a[n][i][j] · dout[n][i][k] = 2 · 3
  ag_test::check_close(b.grad(), std::vector<float>(20, 6.0f));
  ag_test::check_close(a.grad(), std::vector<float>(24, 5.0f));  // Σ_k b = 5
}

TEST_CASE("'...' errors name the operand, its shape and the rule") {
  CHECK_THROWS_WITH_AS(
      einsum("...ij,jk->...ik", zeros({3}), zeros({3, 2})),
      "einsum: operand 0 has shape [3] (1 dimensions) but \"...ij\" names 2 besides '...'", Error);
  CHECK_THROWS_WITH_AS(
      einsum("...ij,...jk->...ik", zeros({2, 3, 4}), zeros({5, 4, 6})),
      "einsum: the dimensions under '...' do not broadcast: [2] in operand 0 [2, 3, 4] and [5] in "
      "operand 1 [5, 4, 6] (2 vs 5)",
      Error);
  CHECK_THROWS_WITH_AS(einsum("...i...,i->i", zeros({2, 2}), zeros({2})),
                       "einsum: \"...i...\" in equation \"...i...,i->i\" has more than one '...'",
                       Error);
  CHECK_THROWS_WITH_AS(
      einsum("i.j,jk->ik", zeros({2, 2}), zeros({2, 2})),
      "einsum: found '.' for operand 0 that is not part of any ellipsis (equation \"i.j,jk->ik\"); "
      "write '...' for several dimensions at once",
      Error);
  CHECK_THROWS_WITH_AS(
      einsum("ij,jk->i..k", zeros({2, 2}), zeros({2, 2})),
      doctest::Contains("einsum: found '.' for the output that is not part of any ellipsis"),
      Error);
}
}  // TEST_SUITE("core.einsum")
