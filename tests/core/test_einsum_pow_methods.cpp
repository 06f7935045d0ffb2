// tests/core/test_einsum_pow_methods.cpp: einsum's two-operand equations against
// plain loops, pow with a tensor exponent or a scalar base, and the member
// spellings (x.relu(), x.pow(3), ...) against the free functions.
#include "tests/helpers/test_util.h"

#include <cmath>

using namespace ag;

namespace {
Tensor counting(const Shape& shape, float scale, float offset, bool requires_grad = false) {
  const int64_t n = numel_of(shape);
  std::vector<float> v(n);
  for (int64_t i = 0; i < n; ++i) v[i] = offset + scale * static_cast<float>((i * 7) % 11 - 5);
  return from_vector(v, shape, requires_grad);
}
}  // namespace

TEST_SUITE("core.einsum") {
TEST_CASE("attention's scores and mixing, against plain loops") {
  const int64_t B = 2, H = 2, Q = 3, K = 4, D = 5;
  Tensor q = counting({B, H, Q, D}, 0.1f, 0.2f), k = counting({B, H, K, D}, 0.2f, -0.1f);
  Tensor scores = einsum("bhqd,bhkd->bhqk", q, k);
  REQUIRE(scores.shape() == Shape{B, H, Q, K});
  std::vector<float> expected;
  for (int64_t b = 0; b < B; ++b)
    for (int64_t h = 0; h < H; ++h)
      for (int64_t i = 0; i < Q; ++i)
        for (int64_t j = 0; j < K; ++j) {
          double s = 0;
          for (int64_t d = 0; d < D; ++d) s += double(q.at({b, h, i, d})) * k.at({b, h, j, d});
          expected.push_back(static_cast<float>(s));
        }
  ag_test::check_close(scores, expected);
  Tensor v = counting({B, H, K, D}, 0.3f, 0.05f);
  Tensor mixed = einsum("bhqk,bhkd->bhqd", scores, v);
  REQUIRE(mixed.shape() == Shape{B, H, Q, D});
  expected.clear();
  for (int64_t b = 0; b < B; ++b)
    for (int64_t h = 0; h < H; ++h)
      for (int64_t i = 0; i < Q; ++i)
        for (int64_t d = 0; d < D; ++d) {
          double s = 0;
          for (int64_t j = 0; j < K; ++j) s += double(scores.at({b, h, i, j})) * v.at({b, h, j, d});
          expected.push_back(static_cast<float>(s));
        }
  ag_test::check_close(mixed, expected, 1e-4);
}

TEST_CASE("matrix product, batched product, row dot products, outer product, transposed output") {
  Tensor a = tensor({{1, 2, 3}, {4, 5, 6}}), b = tensor({{1, 0}, {0, 1}, {2, -1}});
  ag_test::check_close(einsum("ij,jk->ik", a, b), {7, -1, 16, -1});  // by hand
  ag_test::check_close(einsum("ij,jk->ki", a, b), {7, 16, -1, -1});
  ag_test::check_close(einsum("bi,bi->b", a, tensor({{1, 1, 1}, {0, 1, 2}})), {6, 17});
  ag_test::check_close(einsum("i,j->ij", tensor({1, 2}), tensor({3, 4, 5})), {3, 4, 5, 6, 8, 10});
  ag_test::check_close(einsum("ij,k->i", a, tensor({1, 1})), {12, 30});  // j and k summed out alone
  Tensor x = counting({2, 3, 4}, 0.5f, 0.0f), y = counting({2, 4, 2}, 0.25f, 1.0f);
  ag_test::check_close(einsum("bij,bjk->bik", x, y), bmm(x, y));
}

TEST_CASE("gradcheck through einsum") {
  Tensor q = counting({1, 2, 3, 2}, 0.1f, 0.3f, true),
         k = counting({1, 2, 2, 2}, 0.2f, -0.4f, true);
  CHECK_GRADCHECK(
      [](const std::vector<Tensor>& v) { return einsum("bhqd,bhkd->bhqk", v[0], v[1]); }, {q, k});
  Tensor a = counting({3, 2}, 0.3f, 0.1f, true), b = counting({3, 2}, 0.2f, 0.5f, true);
  CHECK_GRADCHECK([](const std::vector<Tensor>& v) { return einsum("bi,bi->b", v[0], v[1]); },
                  {a, b});
}

TEST_CASE("unsupported equations and mismatched sizes name the letter and both sizes") {
  CHECK_THROWS_WITH_AS(
      einsum("ij,jk->ik", zeros({2, 3}), zeros({4, 5})),
      "einsum: letter 'j' has size 3 in operand 0 [2, 3] but size 4 in operand 1 [4, 5]", Error);
  CHECK_THROWS_WITH_AS(einsum("ij,jk->ik", zeros({2, 3, 1}), zeros({3, 5})),
                       "einsum: operand 0 has shape [2, 3, 1] (3 dimensions) but \"ij\" names 2",
                       Error);
  CHECK_THROWS_WITH_AS(einsum("ii,ij->j", zeros({2, 2}), zeros({2, 2})),
                       doctest::Contains("einsum: letter 'i' appears twice in \"ii\""), Error);
  CHECK_THROWS_WITH_AS(einsum("ij,jk", zeros({2, 2}), zeros({2, 2})),
                       doctest::Contains("einsum: equation \"ij,jk\" is not supported"), Error);
  CHECK_THROWS_WITH_AS(
      einsum("...ij,...jk->...ik", zeros({2, 2}), zeros({3, 2})),
      "einsum: letter 'j' has size 2 in operand 0 [2, 2] but size 3 in operand 1 [3, 2]", Error);
  CHECK_THROWS_WITH_AS(einsum("ij,jk->iz", zeros({2, 2}), zeros({2, 2})),
                       doctest::Contains("einsum: output letter 'z'"), Error);
}
}  // TEST_SUITE("core.einsum")

TEST_SUITE("core.pow") {
TEST_CASE("pow with a tensor exponent broadcasts, by hand") {
  Tensor a = tensor({{2, 3}, {4, 0.5f}}), b = tensor({3, -1});
  ag_test::check_close(pow(a, b), {8, 1.0f / 3, 64, 2});
  ag_test::check_close(pow(2.0f, tensor({0, 1, 3, -1})), {1, 2, 8, 0.5f});
}

TEST_CASE("d/da = b a^(b-1), d/db = a^b log a, summed over the broadcast") {
  Tensor a = tensor({2.0f, 3.0f}, true),
         b = from_vector({2.0f, 1.0f}, {2, 1}, true);  // result [[4, 9], [2, 3]]
  sum(pow(a, b)).backward();
  // da = 2a + 1 = [5, 7];  db = [4 log 2 + 9 log 3, 2 log 2 + 3 log 3]
  ag_test::check_close(a.grad(), {5, 7});
  ag_test::check_close(b.grad(), {static_cast<float>(4 * std::log(2.0) + 9 * std::log(3.0)),
                                  static_cast<float>(2 * std::log(2.0) + 3 * std::log(3.0))});
  Tensor x = tensor({0.5f, 1.5f, 2.0f}, true), y = tensor({1.2f, -0.7f, 2.5f}, true);
  CHECK_GRADCHECK([](const std::vector<Tensor>& v) { return pow(v[0], v[1]); }, {x, y});
  CHECK_GRADCHECK([](const std::vector<Tensor>& v) { return pow(3.0f, v[0]); }, {y});
}

TEST_CASE("pow at a zero base: the exponent's gradient is 0 there, as PyTorch") {
  Tensor a = tensor({0.0f, 2.0f, 0.0f}, true), b = tensor({2.0f, 0.0f, 0.0f}, true);
  sum(pow(a, b)).backward();
  ag_test::check_close(a.grad(), {0, 0, 0});
  ag_test::check_close(b.grad(), {0, static_cast<float>(std::log(2.0)), 0});
  Tensor e = tensor({1.0f, 2.0f}, true);
  sum(pow(0.0f, e)).backward();
  ag_test::check_close(e.grad(), {0, 0});
}

TEST_CASE("pow's shape error names both shapes") {
  CHECK_THROWS_WITH_AS(pow(zeros({2, 3}), zeros({2})),
                       "pow: shapes [2, 3] and [2] cannot be broadcast together (3 vs 2 at "
                       "dimension 1 of the result)",
                       Error);
}
}  // TEST_SUITE("core.pow")

TEST_SUITE("core.tensor") {
TEST_CASE("member spellings give the free functions' values and graphs") {
  Tensor x = tensor({{0.5f, -1.0f}, {2.0f, 0.25f}}, true);
  ag_test::check_close(x.relu(), relu(x));
  ag_test::check_close(x.pow(3), {0.125f, -1.0f, 8.0f, 0.015625f});  // cubes by hand
  ag_test::check_close(x.exp(), exp(x));
  ag_test::check_close(x.abs().log(), log(abs(x)));
  ag_test::check_close(x.abs().sqrt(), sqrt(abs(x)));
  ag_test::check_close(x.neg(), {-0.5f, 1.0f, -2.0f, -0.25f});
  ag_test::check_close(x.sigmoid(), sigmoid(x));
  ag_test::check_close(x.tanh(), tanh(x));
  ag_test::check_close(x.clamp(0.0f, 1.0f), {0.5f, 0.0f, 1.0f, 0.25f});
  ag_test::check_close(x.softmax(-1), softmax(x, -1));
  ag_test::check_close(x.log_softmax(0), log_softmax(x, 0));
  CHECK(x.max().item() == 2.0f);
  CHECK(x.min().item() == -1.0f);
  ag_test::check_close(x.max(1), {0.5f, 2.0f});
  ag_test::check_close(x.min(0, true), {0.5f, -1.0f});
  ag_test::check_close(x.argmax(1), {0, 0});
  ag_test::check_close(x.pow(tensor({2, 1})), {0.25f, -1.0f, 4.0f, 0.25f});
  CHECK(x.unsqueeze(0).shape() == Shape{1, 2, 2});
  CHECK(x.unsqueeze(0).squeeze(0).shape() == Shape{2, 2});
  CHECK(x.flatten().shape() == Shape{4});
  ag_test::check_close(x.masked_fill(tensor({1, 0}), 9.0f), {9.0f, -1.0f, 9.0f, 0.25f});
  ag_test::check_close(x.unsqueeze(0).bmm(x.unsqueeze(0)), matmul(x, x).unsqueeze(0));
  x.pow(3).sum().backward();  // 3x²
  ag_test::check_close(x.grad(), {0.75f, 3.0f, 12.0f, 0.1875f});
}
}  // TEST_SUITE("core.tensor")
