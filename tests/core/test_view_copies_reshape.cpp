// tests/core/test_view_copies_reshape.cpp: reshape, view, flatten and
// contiguous() of a marked copy follow PyTorch's rule (core/ops/view_copies.h):
// where PyTorch's result is a fresh copy (its strides do not allow a view),
// in-place writes are allowed and leave the source as it was; where PyTorch's
// result is still a view of the source, they stay refused. The stride rules
// are checked on cases worked by hand.
#include <optional>
#include <vector>

#include "core/ops/view_copies.h"
#include "tests/helpers/test_util.h"

using namespace ag;

namespace {

// y = [[1, -2, 3], [-4, 5, -6]]; PyTorch's y.t() has strides [1, 3].
Tensor two_by_three() { return from_vector({1, -2, 3, -4, 5, -6}, {2, 3}); }
const std::vector<float> kSix = {1, -2, 3, -4, 5, -6};

// y (4, 3, 2) holding 0..23; narrow(y, 1, 0, 2) is, in PyTorch, a view with
// sizes [4, 2, 2] and strides [6, 2, 1].
Tensor four_three_two() { return reshape(arange(24), {4, 3, 2}); }

using Strides = std::vector<int64_t>;

// In-place writes into a temporary (a handle: the write reaches its memory).
void times_two(Tensor t) { mul_(t, 2.0f); }
void relu_in_place(Tensor t) { relu_(t); }

}  // namespace

TEST_SUITE("core.view_copies") {
TEST_CASE("PyTorch's rules on hand-worked strides: contiguous_strides and is_contiguous") {
  CHECK(contiguous_strides({2, 3, 4}) == Strides{12, 4, 1});
  CHECK(contiguous_strides({}).empty());
  CHECK(contiguous_strides({2, 0, 3}) == Strides{3, 3, 1});  // an empty dim counts as 1
  CHECK(is_contiguous({3, 2}, {2, 1}));
  CHECK_FALSE(is_contiguous({3, 2}, {1, 3}));  // y.t() of a [2, 3] y
  CHECK(is_contiguous({1, 4}, {99, 1}));       // a size-1 dim's stride is never used
  CHECK(is_contiguous({2, 1, 3}, {3, 7, 1}));
  CHECK_FALSE(is_contiguous({2, 3}, {0, 1}));        // expand of a [3]: row 1 repeats row 0
  CHECK_FALSE(is_contiguous({4, 2, 2}, {6, 2, 1}));  // narrow along dim 1: a gap after each row
  CHECK(is_contiguous({2, 3, 2}, {6, 2, 1}));        // narrow along dim 0: no gap
  CHECK(is_contiguous({0, 5}, {1, 1}));              // no elements
  CHECK(is_contiguous({1}, {5}));                    // one element
}

TEST_CASE("PyTorch's rules on hand-worked strides: view_strides") {
  // [4, 2, 2] at [6, 2, 1]: dims 1 and 2 form one run (2 == 1 * 2), dim 0
  // another (6 != 2 * 2). New dims may cut a run but never join two.
  CHECK(view_strides({4, 2, 2}, {6, 2, 1}, {4, 4}) == Strides{6, 1});
  CHECK(view_strides({4, 2, 2}, {6, 2, 1}, {2, 2, 2, 2}) == Strides{12, 6, 2, 1});
  CHECK(view_strides({4, 2, 2}, {6, 2, 1}, {2, 8}) == std::nullopt);
  CHECK(view_strides({4, 2, 2}, {6, 2, 1}, {16}) == std::nullopt);
  // y.t() ([3, 2] at [1, 3]): each dim is its own run; size-1 dims fit anywhere.
  CHECK(view_strides({3, 2}, {1, 3}, {6}) == std::nullopt);
  CHECK(view_strides({3, 2}, {1, 3}, {3, 2, 1}) == Strides{1, 3, 3});
  CHECK(view_strides({3, 2}, {1, 3}, {3, 2}) == Strides{1, 3});
  // expand of a [3] to [2, 3]: stride 0 on the repeating dim.
  CHECK(view_strides({2, 3}, {0, 1}, {1, 2, 3}) == Strides{0, 0, 1});
  CHECK(view_strides({2, 3}, {0, 1}, {6}) == std::nullopt);
  // A contiguous tensor views any shape with row-major strides.
  CHECK(view_strides({2, 6}, {6, 1}, {3, 2, 2}) == Strides{4, 2, 1});
  CHECK(view_strides({}, {}, {1, 1}) == Strides{1, 1});          // a 0-d tensor
  CHECK(view_strides({0, 3}, {3, 1}, {3, 0}) == Strides{1, 1});  // no elements
}

TEST_CASE("the issue's four cases: PyTorch copies, so the write is allowed and y is unchanged") {
  Tensor y = two_by_three();
  Tensor flat = reshape(transpose(y, 0, 1), {6});  // y.t() in memory order: [1, -4, -2, 5, 3, -6]
  relu_(flat);
  ag_test::check_close(flat, {1, 0, 0, 5, 3, 0});
  Tensor transposed = transpose(y, 0, 1);
  Tensor independent = contiguous(transposed);  // PyTorch's y.t().contiguous()
  CHECK_FALSE(independent.same(transposed));
  relu_(independent);
  ag_test::check_close(independent, {1, 0, 0, 5, 3, 0});
  Tensor doubled = flatten(permute(y, {1, 0}));
  mul_(doubled, 2.0f);
  ag_test::check_close(doubled, {2, -8, -4, 10, 6, -12});
  Tensor row = from_vector({1, -2, 3}, {3});
  Tensor rows = contiguous(expand(row, {2, 3}));
  relu_(rows);
  ag_test::check_close(rows, {1, 0, 3, 1, 0, 3});
  ag_test::check_close(y, kSix);  // as in PyTorch: every write went into a fresh copy
  ag_test::check_close(row, {1, -2, 3});
  // The transposed copy itself is still PyTorch's view of y: refused, untouched.
  CHECK_FAILS_WITH(relu_(transposed), "relu_: this tensor (shape [3, 2]) is a copy made by");
  ag_test::check_close(transposed, {1, -4, -2, 5, 3, -6});
}

TEST_CASE("a reshape PyTorch can view still writes through in PyTorch: refused") {
  Tensor y = four_three_two();
  Tensor band = narrow(y, 1, 0, 2);  // [4, 2, 2] at PyTorch strides [6, 2, 1]
  Tensor square = reshape(band, {4, 4});
  CHECK(square.impl()->storage == band.impl()->storage);  // shared, as PyTorch's view
  CHECK_FAILS_WITH(mul_(square, 2.0f), "mul_: this tensor (shape [4, 4]) is a copy made by narrow");
  CHECK_FAILS_WITH(times_two(view(band, {2, 2, 2, 2})), "is a copy made by narrow");
  CHECK_FAILS_WITH(times_two(flatten(band, 1)), "is a copy made by narrow");  // [4, 4] again
  // [16] would join the rows' runs: PyTorch's reshape copies, so may this one.
  Tensor line = reshape(band, {16});
  mul_(line, 10.0f);
  ag_test::check_close(line,
                       {0, 10, 20, 30, 60, 70, 80, 90, 120, 130, 140, 150, 180, 190, 200, 210});
  ag_test::check_close(y, arange(24).to_vector());
  ag_test::check_close(band, {0, 1, 2, 3, 6, 7, 8, 9, 12, 13, 14, 15, 18, 19, 20, 21});
}

TEST_CASE("a reshape of a shared reshape is judged by strides derived from the mark") {
  Tensor y = four_three_two();
  Tensor square = reshape(narrow(y, 1, 0, 2), {4, 4});  // PyTorch strides [6, 1]
  CHECK_FAILS_WITH(times_two(reshape(square, {2, 2, 4})), "is a copy made by narrow");
  Tensor independent = contiguous(square);  // [6, 1] is not row-major for [4, 4]: a copy
  mul_(independent, -1.0f);
  ag_test::check_close(independent,
                       {0, -1, -2, -3, -6, -7, -8, -9, -12, -13, -14, -15, -18, -19, -20, -21});
  Tensor line = flatten(square);  // [16] joins runs: a copy again
  add_(line, 1.0f);
  ag_test::check_close(y, arange(24).to_vector());
}

TEST_CASE("view refuses what PyTorch's view refuses, naming the shapes and strides") {
  Tensor y = two_by_three();
  CHECK_THROWS_WITH_AS(view(transpose(y, 0, 1), {6}),
                       "view: shape [6] is not compatible with this tensor's size and stride: it "
                       "is a copy made by transpose (shape [3, 2]), which PyTorch has as a view "
                       "with strides [1, 3], and a dimension of the new shape would span two "
                       "separate runs of its memory. Use reshape(...) instead, which copies",
                       Error);
  Tensor band = narrow(four_three_two(), 1, 0, 2);  // its source is gone: a plain tensor now
  CHECK(view(band, {16}).numel() == 16);
  Tensor z = four_three_two();
  CHECK_FAILS_WITH(view(narrow(z, 1, 1, 2), {-1}),
                   "view: shape [16] is not compatible with this tensor's size and stride: it is "
                   "a copy made by narrow (shape [4, 2, 2]), which PyTorch has as a view with "
                   "strides [6, 2, 1]");
}

TEST_CASE("contiguous() of a view PyTorch has contiguous returns it: still refused") {
  Tensor y = four_three_two();
  Tensor rows = narrow(y, 0, 1, 2);  // strides [6, 2, 1]: row-major for [2, 3, 2]
  Tensor same = contiguous(rows);
  CHECK(same.same(rows));
  CHECK_FAILS_WITH(mul_(same, 2.0f),
                   "mul_: this tensor (shape [2, 3, 2]) is a copy made by narrow");
  Tensor first = select(y, 0, 0);  // [3, 2] at [2, 1]
  CHECK(contiguous(first).same(first));
  // y.t().t() has y's strides again: contiguous, so a view, so refused.
  Tensor m = two_by_three();
  Tensor back = transpose(transpose(m, 0, 1), 0, 1);
  CHECK_FAILS_WITH(relu_in_place(contiguous(back)), "is a copy made by transpose");
  // A column (select along the last dim, stride 3) and a stepped slice are not.
  Tensor column = contiguous(select(m, 1, 0));
  mul_(column, 2.0f);
  ag_test::check_close(column, {2, -8});
  Tensor every_other = contiguous(slice(m, 1, 0, 3, 2));
  mul_(every_other, 2.0f);
  ag_test::check_close(every_other, {2, 6, -8, -12});
  ag_test::check_close(m, kSix);
}

TEST_CASE("copies of copies compose PyTorch's strides: permute of a narrow, chunk, expand") {
  Tensor y = four_three_two();
  // narrow(y, 0, 0, 1) is contiguous ([1, 3, 2] at [6, 2, 1]); its permute
  // (2, 1, 0) is [2, 3, 1] at [1, 2, 6]: not contiguous, so contiguous() copies.
  Tensor turned = contiguous(permute(narrow(y, 0, 0, 1), {2, 1, 0}));
  add_(turned, 100.0f);
  ag_test::check_close(turned, {100, 102, 104, 101, 103, 105});
  // chunk along dim 0 keeps y's strides: contiguous, so the piece itself.
  Tensor piece = chunk(y, 2, 0)[1];
  CHECK_FAILS_WITH(times_two(contiguous(piece)), "is a copy made by chunk");
  CHECK_FAILS_WITH(times_two(reshape(piece, {12})), "is a copy made by chunk");
  // an expand along a new leading dim of size 1 repeats nothing: contiguous.
  Tensor once = expand(select(y, 0, 0), {1, 3, 2});
  CHECK_FAILS_WITH(times_two(contiguous(once)), "is a copy made by expand");
  ag_test::check_close(y, arange(24).to_vector());
}

TEST_CASE("values and gradients through the copies: by hand and by gradcheck") {
  // out = 2 * reshape(x^T, [6]) * w, summed: x[i][j] sits at out[2j + i],
  // so dx[i][j] = 2 * w[2j + i].
  const std::vector<float> w_values = {1, 2, 3, 4, 5, 6};
  Tensor x = two_by_three().requires_grad_();
  Tensor y = x * 1.0f;
  Tensor flat = reshape(transpose(y, 0, 1), {6});
  mul_(flat, 2.0f);
  sum(flat * from_vector(w_values, {6})).backward();
  std::vector<float> expected(6);
  for (int i = 0; i < 2; ++i)
    for (int j = 0; j < 3; ++j) expected[i * 3 + j] = 2.0f * w_values[2 * j + i];
  ag_test::check_close(x.grad(), expected);
  ag_test::check_close(y, kSix);
  Tensor u = two_by_three().requires_grad_();
  CHECK_GRADCHECK(
      [](const std::vector<Tensor>& in) {
        Tensor source = in[0] * 1.0f;  // alive while the copies are made: they are marked
        Tensor a = contiguous(transpose(source, 0, 1));
        relu_(a);
        Tensor b = flatten(permute(source, {1, 0}));
        mul_(b, 3.0f);
        return sum(a * a) + sum(b * from_vector({1, 2, 3, 4, 5, 6}, {6}));
      },
      {u});
}
}  // TEST_SUITE("core.view_copies")
