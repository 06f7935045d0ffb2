// tests/core/test_embedding.cpp: row lookup, scatter-add backward with repeated ids,
// gradcheck, and the errors for bad ids.
#include <vector>

#include "tests/helpers/test_util.h"

using namespace ag;

TEST_SUITE("core.embedding") {
TEST_CASE("looks up rows; output shape is ids' shape plus D") {
  // weight (V=4, D=3): row v is [10v, 10v+1, 10v+2]
  Tensor weight = tensor({{0, 1, 2}, {10, 11, 12}, {20, 21, 22}, {30, 31, 32}});
  Tensor out = embedding(weight, tensor({{1, 3}, {0, 1}}));
  CHECK(out.shape() == Shape{2, 2, 3});
  ag_test::check_close(out, {10, 11, 12, 30, 31, 32, 0, 1, 2, 10, 11, 12});
  Tensor one = embedding(weight, scalar(2.0f));  // a 0-d id gives one row
  CHECK(one.shape() == Shape{3});
  ag_test::check_close(one, {20, 21, 22});
  CHECK(embedding(weight, zeros({0})).shape() == Shape{0, 3});
}

TEST_CASE("backward adds the gradients of repeated ids") {
  // ids [1, 3, 1] with dout rows [1, 2], [3, 4], [5, 6]:
  //   dweight[1] = [1, 2] + [5, 6] = [6, 8];  dweight[3] = [3, 4];  rows 0 and 2 stay 0
  Tensor weight = zeros({4, 2}, true);
  Tensor out = embedding(weight, tensor({1, 3, 1}));
  out.backward(tensor({{1, 2}, {3, 4}, {5, 6}}));
  ag_test::check_close(weight.grad(), {0, 0, 6, 8, 0, 0, 3, 4});
  CHECK(out.grad_fn()->name() == "EmbeddingBackward");
}

TEST_CASE("gradcheck with repeated ids") {
  manual_seed(41);
  Tensor ids = from_vector({0, 2, 2, 4, 0, 2}, {2, 3});
  auto f = [&](const std::vector<Tensor>& v) { return embedding(v[0], ids); };
  CHECK_GRADCHECK(f, {randn({5, 3}, true)});
}

TEST_CASE("backward uses the ids forward checked, whatever happens to the ids tensor after") {
  // EmbeddingBackward used to re-read the ids: one overwritten (through data(),
  // no version bump) sent its gradient rows outside dweight.
  Tensor weight = zeros({4, 2}, true);
  Tensor ids = tensor({1, 3});
  Tensor out = embedding(weight, ids);
  ids.data()[0] = 1e6f;
  out.backward(tensor({{1, 2}, {3, 4}}));
  ag_test::check_close(weight.grad(), {0, 0, 1, 2, 0, 0, 3, 4});
}

TEST_CASE("the last id of a vocabulary past 2^24 is in range") {
  // V = 2^24 + 1 rounds to 2^24 as a float, which rejected the valid id 2^24. (D = 0: no memory
  // needed.)
  Tensor out = embedding(zeros({16777217, 0}), tensor({16777216.0f}));
  CHECK(out.shape() == Shape{1, 0});
  CHECK_THROWS_WITH_AS(
      embedding(zeros({16777217, 0}), tensor({16777218.0f})),
      "embedding: id 1.67772e+07 at index 0 is out of range for 16777217 embeddings (weight "
      "[16777217, 0])",
      Error);
}

TEST_CASE("bad ids and weights are errors naming the id, its position and V") {
  Tensor weight = zeros({4, 3});
  CHECK_THROWS_WITH_AS(
      embedding(weight, tensor({{0, 4}, {1, 2}})),
      "embedding: id 4 at index [0, 1] is out of range for 4 embeddings (weight [4, 3])", Error);
  CHECK_THROWS_WITH_AS(
      embedding(weight, tensor({2, -1})),
      doctest::Contains("embedding: id -1 at index 1 is out of range for 4 embeddings"), Error);
  CHECK_THROWS_WITH_AS(embedding(weight, tensor({0.5f})),
                       "embedding: id 0.5 at index 0 is not a whole number", Error);
  CHECK_THROWS_WITH_AS(embedding(zeros({4}), tensor({0})),
                       "embedding: weight must be 2-D (V, D), got shape [4]", Error);
}
}  // TEST_SUITE("core.embedding")
