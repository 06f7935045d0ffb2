// tests/core/test_embedding_padding.cpp: embedding's padding_idx (that row gets no
// gradient; a negative index counts from the end) and nn::Embedding's
// padding_idx (that row starts at zero), by hand, gradcheck and errors.
#include <vector>

#include "nn/nn.h"
#include "tests/helpers/test_util.h"

using namespace ag;

TEST_SUITE("core.embedding") {
TEST_CASE("padding_idx: the padding row's gradient stays zero, the others add up") {
  // ids [1, 0, 1, 2] with padding_idx 0 and dout rows [1, 2], [3, 4], [5, 6], [7, 8]:
  //   dweight[1] = [1, 2] + [5, 6] = [6, 8];  dweight[2] = [7, 8];  row 0 (padding) stays 0.
  for (int64_t padding_idx : {0, -3}) {  // -3 is row 0 of 3
    CAPTURE(padding_idx);
    Tensor weight = tensor({{0.5f, 0.25f}, {1, 2}, {3, 4}}, true);
    Tensor out = embedding(weight, tensor({1, 0, 1, 2}), padding_idx);
    // Forward still reads the padding row as it is (PyTorch: it is only excluded from the
    // gradient).
    ag_test::check_close(out, {1, 2, 0.5f, 0.25f, 1, 2, 3, 4});
    out.backward(tensor({{1, 2}, {3, 4}, {5, 6}, {7, 8}}));
    ag_test::check_close(weight.grad(), {0, 0, 6, 8, 7, 8});
  }
  // -1 is the last row.
  Tensor weight = zeros({3, 1}, true);
  embedding(weight, tensor({2, 1, 2}), -1).backward(from_vector({1, 10, 100}, {3, 1}));
  ag_test::check_close(weight.grad(), {0, 10, 0});
}

TEST_CASE("padding_idx: gradcheck where the padding positions do not reach the output") {
  // The op declares the padding row's gradient zero although the forward
  // reads it; masking the padding positions out makes that the true
  // derivative, so finite differences check every row, padding included.
  manual_seed(43);
  Tensor ids = from_vector({0, 2, 2, 4, 0, 3}, {2, 3});
  Tensor keep = from_vector({1, 1, 1, 0, 1, 1}, {2, 3, 1});  // id 4 is the padding
  auto f = [&](const std::vector<Tensor>& v) { return embedding(v[0], ids, -1) * keep; };
  CHECK_GRADCHECK(f, {randn({5, 3}, true)});
}

TEST_CASE("padding_idx out of range says so") {
  CHECK_THROWS_WITH_AS(embedding(zeros({5, 3}), tensor({1}), 5),
                       "embedding: padding_idx 5 must be within num_embeddings 5 (in [-5, 4])",
                       Error);
  CHECK_THROWS_WITH_AS(embedding(zeros({5, 3}), tensor({1}), -6),
                       "embedding: padding_idx -6 must be within num_embeddings 5 (in [-5, 4])",
                       Error);
  CHECK_THROWS_WITH_AS(nn::Embedding(4, 2, 4),
                       "Embedding: padding_idx 4 must be within num_embeddings 4 (in [-4, 3])",
                       Error);
}
}  // TEST_SUITE("core.embedding")

TEST_SUITE("nn.layers") {
TEST_CASE(
    "nn::Embedding(padding_idx): that row starts at zero, stays untrained, prints as PyTorch") {
  manual_seed(44);
  nn::Embedding table(5, 3, -1);  // stored as PyTorch does: 4
  REQUIRE(table.padding_idx.has_value());
  CHECK(*table.padding_idx == 4);
  CHECK(table.str() == "Embedding(5, 3, padding_idx=4)");
  CHECK(nn::Embedding(5, 3).str() == "Embedding(5, 3)");
  const std::vector<float> w = table.weight.to_vector();
  for (int64_t d = 0; d < 3; ++d) CHECK(w[4 * 3 + d] == 0.0f);
  int nonzero = 0;  // the other rows are N(0, 1) draws
  for (int64_t i = 0; i < 4 * 3; ++i) nonzero += w[i] != 0.0f;
  CHECK(nonzero == 12);
  auto state = table.state_dict();
  REQUIRE(state.size() == 1);
  CHECK(state[0].first == "weight");
  CHECK(state[0].second.shape() == Shape{5, 3});
  // Forward is the functional op; the padding row gets no gradient.
  Tensor ids = tensor({4, 1, 4});
  Tensor out = table(ids);
  ag_test::check_close(out, embedding(table.weight, ids, 4));
  out.sum().backward();
  ag_test::check_close(table.weight.grad(), {0, 0, 0, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0});
}
}  // TEST_SUITE("nn.layers")
