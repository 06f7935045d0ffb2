// tests/core/test_index.cpp: index_select, gather, scatter_add (core/ops/index.cpp),
// chunk/split, repeat, flip (core/ops/split.cpp), squeeze() and masked_fill
// with a broadcast mask. Values by hand (x = arange, so x's value is its flat
// index) or by a plain loop; gradients by finite differences; error texts.
#include "core/ops/index.h"
#include "core/ops/split.h"
#include "tests/helpers/test_util.h"

using namespace ag;

namespace {
Tensor grid(int64_t rows, int64_t cols) {
  return reshape(arange(rows * cols), {rows, cols});
}  // x[r, c] = r*cols + c
Tensor smooth(const Shape& s) { return randn(s).requires_grad_(); }
}  // namespace

TEST_SUITE("core.index") {
TEST_CASE("index_select picks whole slices; a repeated index gets both gradients") {
  Tensor x = grid(3, 4);
  Tensor cols = index_select(x, 1, tensor({3.0f, 0.0f, 3.0f}));
  CHECK(cols.shape() == Shape{3, 3});
  ag_test::check_close(cols, {3, 0, 3, 7, 4, 7, 11, 8, 11});
  ag_test::check_close(index_select(x, 0, tensor({2.0f})), {8, 9, 10, 11});
  CHECK(index_select(x, -2, scalar(1.0f)).shape() ==
        Shape{1, 4});  // a 0-d index keeps the dimension
  Tensor w = zeros({3, 4}, true);
  sum(index_select(w, 1, tensor({3.0f, 0.0f, 3.0f}))).backward();
  ag_test::check_close(w.grad(), {1, 0, 0, 2, 1, 0, 0, 2, 1, 0, 0, 2});
  Tensor v = smooth({3, 4});
  CHECK_GRADCHECK(
      [](const std::vector<Tensor>& in) {
        return index_select(in[0], 0, tensor({2.0f, 0.0f, 2.0f}));
      },
      {v});
  CHECK_THROWS_WITH_AS(
      index_select(x, 1, tensor({1.0f, 4.0f})),
      "index_select: index 4 at [1] is out of range for dimension 1 of size 4 (input [3, 4])",
      Error);
  CHECK_THROWS_WITH_AS(index_select(x, 0, tensor({0.5f})),
                       "index_select: index 0.5 at [0] is not a whole number", Error);
  CHECK_FAILS_WITH(index_select(x, 0, tensor({-1.0f})),
                   "index -1 at [0] is out of range for dimension 0 of size 3");
  CHECK_FAILS_WITH(index_select(x, 0, zeros({1, 1})),
                   "index_select: index must be 1-D (or 0-d), got shape [1, 1]");
}

TEST_CASE("gather reads x[.., index, ..] along dim; its backward scatters back") {
  Tensor x = grid(3, 4);
  ag_test::check_close(gather(x, 1, tensor({{3.0f, 3.0f}, {0.0f, 1.0f}, {2.0f, 0.0f}})),
                       {3, 3, 4, 5, 10, 8});
  Tensor rows = tensor({{2.0f, 0.0f, 1.0f, 0.0f}, {0.0f, 1.0f, 2.0f, 2.0f}});
  Tensor picked = gather(x, 0, rows);
  ag_test::check_close(picked, {8, 1, 6, 3, 0, 5, 10, 11});
  // A plain loop: out[a][c] = x[rows[a][c]][c].
  for (int64_t a = 0; a < 2; ++a)
    for (int64_t c = 0; c < 4; ++c)
      CHECK(picked.at({a, c}) == x.at({static_cast<int64_t>(rows.at({a, c})), c}));
  Tensor w = zeros({3, 4}, true);
  sum(gather(w, 1, tensor({{3.0f, 3.0f}, {0.0f, 1.0f}, {2.0f, 0.0f}}))).backward();
  ag_test::check_close(w.grad(), {0, 0, 0, 2, 1, 1, 0, 0, 1, 0, 1, 0});
  Tensor v = smooth({3, 4});
  CHECK_GRADCHECK([&](const std::vector<Tensor>& in) { return gather(in[0], 0, rows); }, {v});
  CHECK_THROWS_WITH_AS(
      gather(x, 1, from_vector({4.0f}, {1, 1})),
      "gather: index 4 at [0, 0] is out of range for dimension 1 of size 4 (input [3, 4])", Error);
  CHECK_THROWS_WITH_AS(gather(x, 1, zeros({4, 1})),
                       "gather: index [4, 1] is larger than the input [3, 4] at dimension 0 (4 > "
                       "3); only dimension 1 "
                       "may differ",
                       Error);
  CHECK_FAILS_WITH(gather(x, 1, zeros({3})),
                   "gather: index [3] must have as many dimensions as the input [3, 4]");
}

TEST_CASE("scatter_add adds src into x at the indexed places, differentiable in both") {
  Tensor index = tensor({{2.0f, 0.0f, 1.0f, 0.0f}, {2.0f, 1.0f, 2.0f, 0.0f}});
  Tensor out = scatter_add(zeros({3, 4}), 0, index, ones({2, 4}));
  ag_test::check_close(out, {0, 1, 0, 2, 0, 1, 1, 0, 2, 0, 1, 0});
  ag_test::check_close(scatter_add(ones({2}), 0, tensor({1.0f, 1.0f}), tensor({5.0f, 7.0f})),
                       {1, 13});
  Tensor x = smooth({3, 4}),
         src = smooth({2, 5});  // src larger than index: its last column gets no gradient
  CHECK_GRADCHECK(
      [&](const std::vector<Tensor>& in) { return scatter_add(in[0], 0, index, in[1]); }, {x, src});
  Tensor s = zeros({2, 5}, true);
  sum(mul(scatter_add(zeros({3, 4}), 0, index, s), grid(3, 4))).backward();
  ag_test::check_close(s.grad(),
                       {8, 1, 6, 3, 0, 8, 5, 10, 3, 0});  // dsrc = gather(dout, 0, index), 0 beyond
  CHECK_THROWS_WITH_AS(scatter_add(zeros({3, 4}), 0, index, ones({2, 3})),
                       "scatter_add: index [2, 4] is larger than src [2, 3] at dimension 1 (4 > 3)",
                       Error);
  CHECK_FAILS_WITH(scatter_add(zeros({3, 4}), 0, from_vector({3.0f}, {1, 1}), ones({1, 1})),
                   "scatter_add: index 3 at [0, 0] is out of range for dimension 0 of size 3");
}

TEST_CASE("chunk and split follow PyTorch's last-piece rules") {
  auto sizes = [](const std::vector<Tensor>& pieces, int64_t dim) {
    std::vector<int64_t> n;
    for (const Tensor& t : pieces) n.push_back(t.size(dim));
    return n;
  };
  Tensor x = arange(5);
  CHECK(sizes(chunk(x, 3), 0) == std::vector<int64_t>{2, 2, 1});
  CHECK(sizes(chunk(arange(6), 4), 0) == std::vector<int64_t>{2, 2, 2});  // fewer pieces than asked
  CHECK(sizes(chunk(zeros({0}), 3), 0) == std::vector<int64_t>{0, 0, 0});
  CHECK(sizes(split(x, 2), 0) == std::vector<int64_t>{2, 2, 1});
  CHECK(sizes(split(x, 7), 0) == std::vector<int64_t>{5});
  CHECK(sizes(split(zeros({0}), 2), 0) == std::vector<int64_t>{0});
  CHECK(sizes(split(x, std::vector<int64_t>{1, 0, 4}), 0) == std::vector<int64_t>{1, 0, 4});
  auto qkv = grid(2, 6).chunk(3, -1);  // the attention idiom
  REQUIRE(qkv.size() == 3);
  ag_test::check_close(qkv[1], {2, 3, 8, 9});
  Tensor w = smooth({2, 6});
  CHECK_GRADCHECK(
      [](const std::vector<Tensor>& in) {
        auto p = split(in[0], std::vector<int64_t>{1, 3, 2}, 1);
        return add(mul(p[0], sum(p[1], 1, true)), p[2]);
      },
      {w});
  CHECK_THROWS_WITH_AS(chunk(x, 0), "chunk: chunks must be greater than 0, got 0", Error);
  CHECK_THROWS_WITH_AS(split(x, -1), "split: split_size must be non-negative, got -1", Error);
  CHECK_FAILS_WITH(split(x, 0),
                   "split: split_size can only be 0 if dimension 0 has size 0, but it has size 5");
  CHECK_THROWS_WITH_AS(split(x, std::vector<int64_t>{1, 2}),
                       "split: split_sizes [1, 2] add up to 3 but dimension 0 of [5] has size 5",
                       Error);
  CHECK_FAILS_WITH(chunk(x, 2, 1), "chunk: dimension 1 out of range");
}

TEST_CASE("repeat tiles; its gradient sums the copies") {
  Tensor x = grid(2, 3);
  Tensor r = repeat(x, {2, 1, 2});
  CHECK(r.shape() == Shape{2, 2, 6});
  for (int64_t a = 0; a < 2; ++a)  // plain loop: r[a][b][c] = x[b % 2][c % 3]
    for (int64_t b = 0; b < 2; ++b)
      for (int64_t c = 0; c < 6; ++c) CHECK(r.at({a, b, c}) == x.at({b % 2, c % 3}));
  CHECK(repeat(x, {0, 1}).shape() == Shape{0, 3});
  Tensor w = zeros({2, 3}, true);
  sum(mul(repeat(w, {1, 2}), grid(2, 6))).backward();  // each w[r, c] meets 6r + c and 6r + c + 3
  ag_test::check_close(w.grad(), {3, 5, 7, 15, 17, 19});
  Tensor v = smooth({2, 3});
  CHECK_GRADCHECK([](const std::vector<Tensor>& in) { return repeat(in[0], {3, 1, 2}); }, {v});
  CHECK_THROWS_WITH_AS(
      repeat(x, {2}),
      "repeat: 1 repeats [2] for a tensor of shape [2, 3] (need at least one per dimension, 2)",
      Error);
  CHECK_FAILS_WITH(repeat(x, {1, -1}), "repeat: repeats [1, -1] must not be negative");
}

TEST_CASE("flip reverses the listed dimensions; squeeze() drops every size 1") {
  Tensor x = grid(2, 3);
  ag_test::check_close(flip(x, {0, 1}), {5, 4, 3, 2, 1, 0});
  ag_test::check_close(x.flip({-1}), {2, 1, 0, 5, 4, 3});
  ag_test::check_close(flip(x, {}), {0, 1, 2, 3, 4, 5});
  Tensor v = smooth({2, 3, 2});
  CHECK_GRADCHECK([](const std::vector<Tensor>& in) { return flip(in[0], {0, 2}); }, {v});
  CHECK_THROWS_WITH_AS(flip(x, {1, -1}), "flip: dim 1 appears more than once in dims [1, -1]",
                       Error);
  CHECK_FAILS_WITH(flip(x, {2}), "flip: dimension 2 out of range");

  CHECK(squeeze(zeros({1, 3, 1, 2})).shape() == Shape{3, 2});
  CHECK(zeros({1, 1}).squeeze().shape() == Shape{});
  Tensor s = smooth({1, 2, 1});
  CHECK_GRADCHECK([](const std::vector<Tensor>& in) { return squeeze(in[0]); }, {s});
}

TEST_CASE("masked_fill broadcasts the mask to x, as PyTorch") {
  Tensor x = grid(2, 3);
  Tensor causal = tensor({{0.0f, 1.0f, 1.0f}});  // [1, 3] over both rows
  ag_test::check_close(masked_fill(x, causal, -1.0f), {0, -1, -1, 3, -1, -1});
  Tensor w = zeros({2, 3}, true);
  sum(masked_fill(w, tensor({1.0f, 0.0f, 0.0f}), 5.0f)).backward();
  ag_test::check_close(w.grad(), {0, 1, 1, 0, 1, 1});
  CHECK_FAILS_WITH(
      masked_fill(x, zeros({2, 1, 3}), 0.0f),
      "masked_fill: mask of shape [2, 1, 3] does not broadcast to the input's shape [2, 3]");
}
}  // TEST_SUITE("core.index")
