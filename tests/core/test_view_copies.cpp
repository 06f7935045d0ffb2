// tests/core/test_view_copies.cpp: in-place writes into the copies that
// PyTorch would have returned as views are refused, the mark is
// not inherited where PyTorch's result is a fresh tensor, and the route the
// message recommends gives PyTorch's numbers. Expected values by hand.
#include <functional>
#include <string>
#include <vector>

#include "tests/helpers/test_util.h"

using namespace ag;

namespace {

// y = [[1, 2, 3, 4], [5, 6, 7, 8], [9, 10, 11, 12]]
Tensor twelve() { return from_vector({1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}, {3, 4}); }

struct CopyingOp {
  const char* name;
  std::function<Tensor(const Tensor&)> apply;
};

// Every op that copies where PyTorch returns a view, on a [3, 4] input.
const std::vector<CopyingOp>& copying_ops() {
  static const std::vector<CopyingOp> ops = {
      {"narrow", [](const Tensor& y) { return narrow(y, 1, 0, 2); }},
      {"select", [](const Tensor& y) { return select(y, 0, 1); }},
      {"slice", [](const Tensor& y) { return slice(y, 1, 1, 4, 2); }},
      {"chunk", [](const Tensor& y) { return chunk(y, 2, 1)[1]; }},
      {"split", [](const Tensor& y) { return split(y, 2, 0)[0]; }},
      {"split",
       [](const Tensor& y) {
         return split(y, std::vector<int64_t>{1, 3}, 1)[1];
       }},
      {"chunk", [](const Tensor& y) { return y.chunk(3, 0)[2]; }},
      {"permute",
       [](const Tensor& y) {
         return permute(y, {1, 0});
       }},
      {"transpose", [](const Tensor& y) { return y.transpose(0, 1); }},
      {"expand",
       [](const Tensor& y) {
         return expand(y, {2, 3, 4});
       }},
  };
  return ops;
}

struct InplaceOp {
  const char* name;
  std::function<void(Tensor&)> apply;
};

const std::vector<InplaceOp>& inplace_ops() {
  static const std::vector<InplaceOp> ops = {
      {"mul_", [](Tensor& t) { mul_(t, 3.0f); }},
      {"mul_", [](Tensor& t) { mul_(t, ones(t.shape())); }},
      {"add_", [](Tensor& t) { add_(t, 1.0f); }},
      {"add_", [](Tensor& t) { add_(t, ones(t.shape()), 2.0f); }},
      {"copy_", [](Tensor& t) { copy_(t, zeros(t.shape())); }},
      {"fill_", [](Tensor& t) { fill_(t, 7.0f); }},
      {"fill_", [](Tensor& t) { zero_(t); }},
      {"relu_", [](Tensor& t) { relu_(t); }},
      {"softmax_", [](Tensor& t) { softmax_(t, -1); }},
      {"add_", [](Tensor& t) { t += ones(t.shape()); }},
      {"mul_", [](Tensor& t) { t *= 2.0f; }},
  };
  return ops;
}

const std::vector<float> kTwelve = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};

}  // namespace

TEST_SUITE("core.view_copies") {
TEST_CASE("the issue's example: mul_ on a narrow is refused, with the way into the original") {
  Tensor y = twelve();
  Tensor piece = narrow(y, 1, 0, 2);
  CHECK_THROWS_WITH_AS(
      mul_(piece, 3.0f),
      "mul_: this tensor (shape [3, 2]) is a copy made by narrow (attograd's narrow copies; "
      "PyTorch's returns "
      "a view), so writing into it would not change the tensor it came from (shape [3, 4]), as it "
      "would in "
      "PyTorch. To change that tensor, write the new values into it with slice_scatter: y = "
      "slice_scatter(y, "
      "new_values, dim, start, end) (PyTorch's y[:, start:end] = new_values along dim 1), or "
      "copy_(y, "
      "slice_scatter(y, ...)) to keep y's memory; to change only this copy, clone() it first",
      Error);
  ag_test::check_close(y, kTwelve);  // nothing was written anywhere
  ag_test::check_close(piece, {1, 2, 5, 6, 9, 10});
}

TEST_CASE("every copying op times every in-place op is refused, with and without grad") {
  for (bool with_grad : {false, true}) {
    for (const CopyingOp& op : copying_ops())
      for (const InplaceOp& write : inplace_ops()) {
        CAPTURE(with_grad);
        CAPTURE(op.name);
        CAPTURE(write.name);
        Tensor leaf = twelve().requires_grad_(with_grad);
        Tensor y = with_grad ? leaf * 1.0f : leaf;
        Tensor piece = op.apply(y);
        const std::vector<float> before = piece.to_vector();
        const std::string message = ag_test::error_of([&] { write.apply(piece); });
        CHECK(message.rfind(std::string(write.name) + ": this tensor (shape " +
                                shape_str(piece.shape()) + ") is a copy made by " + op.name +
                                " (attograd's " + op.name + " copies",
                            0) == 0);
        CHECK(message.find("(shape [3, 4])") != std::string::npos);  // the tensor it came from
        CHECK(message.find("clone() it first") != std::string::npos);
        ag_test::check_close(y, kTwelve);
        ag_test::check_close(piece, before);  // refused before anything was written
      }
  }
}

TEST_CASE("each op's message names its own way into the original") {
  Tensor y = twelve();
  Tensor row = select(y, 0, 1), cols = permute(y, {1, 0}), t = transpose(y, 0, 1),
         big = expand(y, {2, 3, 4});
  CHECK_FAILS_WITH(add_(row, 1.0f),
                   "write the new values into it with select_scatter: "
                   "y = select_scatter(y, new_values, dim, index)");
  CHECK_FAILS_WITH(add_(cols, 1.0f), "copy_(y, permute(new_values, inverse_dims))");
  CHECK_FAILS_WITH(add_(t, 1.0f), "copy_(y, transpose(new_values, dim0, dim1))");
  CHECK_FAILS_WITH(add_(big, 1.0f),
                   "PyTorch's returns a view whose repeated elements share memory, and "
                   "refuses in-place writes into it");
  Tensor piece = chunk(y, 2, 1)[0];
  CHECK_FAILS_WITH(add_(piece, 1.0f),
                   "a copy made by chunk (attograd's chunk copies; PyTorch's returns a view)");
}

TEST_CASE("tensors sharing the copy's memory are refused too: reshape, view, squeeze, detach") {
  Tensor y = twelve();
  Tensor piece = narrow(y, 0, 1, 1);  // [1, 4]
  std::vector<Tensor> aliases = {reshape(piece, {4}), piece.view({2, 2}), squeeze(piece),
                                 unsqueeze(piece, 0), flatten(piece),     piece.detach()};
  for (Tensor& alias : aliases) CHECK_FAILS_WITH(mul_(alias, 2.0f), "is a copy made by narrow");
  ag_test::check_close(y, kTwelve);
}

TEST_CASE("the mark is not inherited: clone and out-of-place results may be written in place") {
  Tensor y = twelve();
  Tensor piece = narrow(y, 1, 0, 2);
  Tensor cloned = piece.clone();
  mul_(cloned, 3.0f);
  ag_test::check_close(cloned, {3, 6, 15, 18, 27, 30});
  for (Tensor fresh :
       {piece * 1.0f, relu(piece), piece + piece, contiguous(clone(piece)), sum(piece, 0)}) {
    add_(fresh, 1.0f);  // no throw
  }
  ag_test::check_close(y, kTwelve);
  ag_test::check_close(piece, {1, 2, 5, 6, 9, 10});
}

TEST_CASE(
    "ops that copy in PyTorch too are not refused: index_select, gather, repeat, flip, cat, "
    "stack") {
  Tensor y = twelve();
  Tensor idx = tensor({2, 0});
  std::vector<Tensor> copies = {
      index_select(y, 0, idx), gather(y, 1, from_vector({0, 1, 2}, {3, 1})),
      repeat(y, {1, 2}),       flip(y, {0}),
      cat({y, y}, 0),          stack({y, y}, 0)};
  for (Tensor& c : copies) mul_(c, 2.0f);
  ag_test::check_close(copies[0], {18, 20, 22, 24, 2, 4, 6, 8});
  ag_test::check_close(y, kTwelve);  // as in PyTorch: these never shared y's memory
}

TEST_CASE("once the source is gone, no one can see the difference: the copy may be written") {
  Tensor piece;
  {
    Tensor y = twelve();
    piece = narrow(y, 1, 2, 2);
    CHECK_FAILS_WITH(mul_(piece, 2.0f), "is a copy made by narrow");
  }
  mul_(piece, 2.0f);  // y is gone
  ag_test::check_close(piece, {6, 8, 14, 16, 22, 24});
  // einsum permutes its own intermediate result (bmm gives j before i here):
  // its output is a plain tensor. out[i][j] = a[i][j] · Σ_k b[k][j], and the
  // column sums of b are [15, 18, 21, 24].
  Tensor a = twelve(), b = twelve();
  Tensor product = einsum("ij,kj->ij", a, b);
  add_(product, -100.0f);
  ag_test::check_close(product, {-85, -64, -37, -4, -25, 8, 47, 92, 35, 80, 131, 188});
}

TEST_CASE(
    "expand to the same shape returns its input, so a write changes it, as PyTorch's view does") {
  Tensor y = twelve();
  Tensor same = expand(y, {3, 4});
  CHECK(same.same(y));
  mul_(same, 2.0f);
  CHECK(y.at({2, 3}) == 24.0f);
}

TEST_CASE(
    "a copy of a copy points at the first source, as PyTorch's view of a view writes into its "
    "base") {
  Tensor y = twelve();
  Tensor t = transpose(narrow(y, 1, 0, 2), 0, 1);  // the narrow itself is gone at once
  CHECK_FAILS_WITH(mul_(t, 2.0f), "mul_: this tensor (shape [2, 3]) is a copy made by transpose");
  CHECK_FAILS_WITH(mul_(t, 2.0f), "the tensor it came from (shape [3, 4])");
}

TEST_CASE("nn-style in-place on a copy: ReLU(inplace) and softmax_ on a transpose are refused") {
  Tensor y = twelve();
  Tensor scores = transpose(y, 0, 1);
  CHECK_FAILS_WITH(softmax_(scores, -1),
                   "softmax_: this tensor (shape [4, 3]) is a copy made by transpose");
}

TEST_CASE("PyTorch's y[:, :2] *= 3 through slice_scatter: the same 12 values and gradient") {
  // PyTorch: y = a * 1; y[:, :2] *= 3; (y * w).sum().backward()
  //   y = [[3, 6, 3, 4], [15, 18, 7, 8], [27, 30, 11, 12]], a.grad = w * [3, 3, 1, 1] per row.
  const std::vector<float> expected_y = {3, 6, 3, 4, 15, 18, 7, 8, 27, 30, 11, 12};
  Tensor w = from_vector({1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}, {3, 4});
  std::vector<float> expected_grad;
  for (int64_t r = 0; r < 3; ++r)
    for (int64_t c = 0; c < 4; ++c) expected_grad.push_back(w.at({r, c}) * (c < 2 ? 3.0f : 1.0f));
  for (bool keep_memory : {false, true}) {
    CAPTURE(keep_memory);
    Tensor a = twelve().requires_grad_();
    Tensor y = a * 1.0f;
    Tensor original = y;
    Tensor updated = slice_scatter(y, narrow(y, 1, 0, 2) * 3.0f, 1, 0, 2);
    if (keep_memory)
      copy_(y, updated);
    else
      y = updated;
    ag_test::check_close(y, expected_y);
    CHECK(original.same(y) == keep_memory);
    sum(y * w).backward();
    ag_test::check_close(a.grad(), expected_grad);
  }
}

TEST_CASE("PyTorch's y[1] += 10 and y.t().mul_(2) through select_scatter and transpose + copy_") {
  Tensor a = twelve().requires_grad_();
  Tensor y = a * 1.0f;
  y = select_scatter(y, select(y, 0, 1) + 10.0f, 0, 1);
  ag_test::check_close(y, {1, 2, 3, 4, 15, 16, 17, 18, 9, 10, 11, 12});
  copy_(y, transpose(transpose(y, 0, 1) * 2.0f, 0, 1));  // every element doubled, as y.t().mul_(2)
  ag_test::check_close(y, {2, 4, 6, 8, 30, 32, 34, 36, 18, 20, 22, 24});
  sum(y).backward();
  ag_test::check_close(a.grad(), std::vector<float>(12, 2.0f));
}
}  // TEST_SUITE("core.view_copies")
