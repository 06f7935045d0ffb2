// tests/core/test_loss.cpp: cross_entropy, nll_loss and mse_loss against hand
// computations, ignore_index, the (N, C, d...) layout, gradcheck, and the
// errors for bad targets and shapes.
#include <cmath>
#include <vector>

#include "tests/helpers/test_util.h"

using namespace ag;

namespace {
using Inputs = std::vector<Tensor>;

// Random class ids in [0, C) as float values, some of them replaced by `ignored`.
Tensor random_targets(const Shape& shape, int64_t C, int every_nth_ignored = 0,
                      float ignored = -100.0f) {
  std::vector<float> ids(numel_of(shape));
  for (size_t i = 0; i < ids.size(); ++i)
    ids[i] = (every_nth_ignored && i % every_nth_ignored == 1)
                 ? ignored
                 : static_cast<float>(default_generator().randint(C));
  return from_vector(ids, shape);
}
}  // namespace

TEST_SUITE("core.loss") {
// logits [[1, 2, 3], [1, 1, 1]], targets [2, 0]
//   row 0: logsumexp = 3 + log(1 + e^-1 + e^-2) = 3 + log(1.5032147) = 3.4076059
//          loss0 = 3.4076059 - x[0, 2] = 3.4076059 - 3 = 0.4076059
//   row 1: logsumexp = 1 + log 3 = 2.0986123;  loss1 = 2.0986123 - 1 = 1.0986123
//   mean = (0.4076059 + 1.0986123) / 2 = 0.7531091
// gradient (softmax - onehot) / 2:
//   row 0: softmax = [0.0900306, 0.2447285, 0.6652410] -> [0.0450153, 0.1223642, -0.1673795]
//   row 1: softmax = [1/3, 1/3, 1/3]                   -> [-1/3, 1/6, 1/6]
TEST_CASE("cross_entropy on a 2x3 example computed by hand") {
  Tensor logits = tensor({{1, 2, 3}, {1, 1, 1}}, true);
  Tensor loss = cross_entropy(logits, tensor({2, 0}));
  CHECK(loss.shape() == Shape{});
  CHECK(loss.item() == doctest::Approx(0.7531091f).epsilon(1e-6));
  loss.backward();
  ag_test::check_close(logits.grad(),
                       {0.0450153f, 0.1223642f, -0.1673795f, -1.0f / 3, 1.0f / 6, 1.0f / 6});
  CHECK(loss.grad_fn()->name() == "CrossEntropyBackward");
}

TEST_CASE("ignore_index: ignored rows add nothing and are not counted") {
  // Only row 0 counts: loss = 0.4076059 (see above), gradient of row 0 not halved.
  Tensor logits = tensor({{1, 2, 3}, {1, 1, 1}}, true);
  Tensor loss = cross_entropy(logits, tensor({2, -100}));
  CHECK(loss.item() == doctest::Approx(0.4076059f).epsilon(1e-6));
  loss.backward();
  ag_test::check_close(logits.grad(), {0.0900306f, 0.2447285f, -0.3347590f, 0, 0, 0});
  // A custom ignore_index that is also a valid class: targets equal to it are skipped.
  Tensor loss1 = cross_entropy(tensor({{1, 2, 3}, {1, 1, 1}}), tensor({2, 1}), /*ignore_index=*/1);
  CHECK(loss1.item() == doctest::Approx(0.4076059f).epsilon(1e-6));
  // Ignored targets are not range-checked (-100 is not a class).
  CHECK_NOTHROW(nll_loss(zeros({1, 3}), tensor({-100})));
}

TEST_CASE("every target ignored gives NaN, as PyTorch") {
  Tensor logits = tensor({{1, 2, 3}}, true);
  Tensor loss = cross_entropy(logits, tensor({-100}));
  CHECK(std::isnan(loss.item()));
  CHECK(std::isnan(nll_loss(tensor({{1, 2, 3}}), tensor({-100})).item()));
  CHECK(std::isnan(mse_loss(zeros({0}), zeros({0})).item()));
}

TEST_CASE("cross_entropy equals nll_loss of log_softmax, values and gradients") {
  manual_seed(31);
  for (Shape shape : {Shape{5, 7}, Shape{3, 4, 2, 3}}) {
    CAPTURE(shape_str(shape));
    Shape target_shape = shape;
    target_shape.erase(target_shape.begin() + 1);
    Tensor targets = random_targets(target_shape, shape[1], 3);
    Tensor x1 = randn(shape, true);
    Tensor x2 = x1.detach().requires_grad_();
    Tensor fused = cross_entropy(x1, targets);
    Tensor composed = nll_loss(log_softmax(x2, 1), targets);
    CHECK(fused.item() == doctest::Approx(composed.item()).epsilon(1e-5));
    fused.backward();
    composed.backward();
    ag_test::check_close(x1.grad(), x2.grad());
  }
}

TEST_CASE("(N, C, d) logits equal (N·d, C) rows with the classes gathered") {
  // logits [1, 2, 2]: position 0 has scores (1, 3), position 1 has (2, 4).
  // targets [[1, 0]]: loss = mean(logsumexp(1,3) - 3, logsumexp(2,4) - 2)
  Tensor spatial = cross_entropy(from_vector({1, 2, 3, 4}, {1, 2, 2}), from_vector({1, 0}, {1, 2}));
  Tensor rows = cross_entropy(tensor({{1, 3}, {2, 4}}), tensor({1, 0}));
  CHECK(spatial.item() == doctest::Approx(rows.item()).epsilon(1e-6));
  const double expected =
      ((3 + std::log(1 + std::exp(-2.0)) - 3) + (4 + std::log(1 + std::exp(-2.0)) - 2)) / 2;
  CHECK(spatial.item() == doctest::Approx(expected).epsilon(1e-6));
}

TEST_CASE("nll_loss and mse_loss by hand") {
  // nll: -(log_probs[0, 1] + log_probs[1, 0]) / 2 = -(-0.5 + -2) / 2 = 1.25
  Tensor log_probs = tensor({{-1.0f, -0.5f}, {-2.0f, -0.1f}}, true);
  Tensor nll = nll_loss(log_probs, tensor({1, 0}));
  CHECK(nll.item() == doctest::Approx(1.25f));
  nll.backward();
  ag_test::check_close(log_probs.grad(), {0, -0.5f, -0.5f, 0});

  // mse: ((1-1)² + (2-0)² + (3-5)²) / 3 = 8/3;  dx = 2 (x - t) / 3 = [0, 4/3, -4/3], dt = -dx
  Tensor x = tensor({1, 2, 3}, true), t = tensor({1, 0, 5}, true);
  Tensor mse = mse_loss(x, t);
  CHECK(mse.item() == doctest::Approx(8.0f / 3.0f));
  mse.backward();
  ag_test::check_close(x.grad(), {0, 4.0f / 3, -4.0f / 3});
  ag_test::check_close(t.grad(), {0, -4.0f / 3, 4.0f / 3});
}

TEST_CASE("gradcheck for every loss") {
  manual_seed(32);
  Tensor targets = random_targets({6}, 4, 4);
  auto ce = [&](const Inputs& v) { return cross_entropy(v[0], targets); };
  CHECK_GRADCHECK(ce, {randn({6, 4}, true)});
  Tensor spatial_targets = random_targets({2, 3, 2}, 5, 5);
  auto ce_spatial = [&](const Inputs& v) { return cross_entropy(v[0], spatial_targets); };
  CHECK_GRADCHECK(ce_spatial, {randn({2, 5, 3, 2}, true)});
  auto nll = [&](const Inputs& v) { return nll_loss(v[0], targets); };
  CHECK_GRADCHECK(nll, {randn({6, 4}, true)});
  auto mse = [](const Inputs& v) { return mse_loss(v[0], v[1]); };
  CHECK_GRADCHECK(mse, {randn({3, 4}, true), randn({3, 4}, true)});
}

TEST_CASE(
    "backward uses the targets forward checked, whatever happens to the targets tensor after") {
  // The backward nodes used to re-read the targets: one overwritten through
  // data() (no version bump) made nll_loss write outside dlogp, and gave
  // cross_entropy a silently wrong gradient.
  Tensor log_probs = zeros({2, 3}, true), logits = zeros({2, 3}, true);
  Tensor targets = tensor({0, 2});
  Tensor nll = nll_loss(log_probs, targets), ce = cross_entropy(logits, targets);
  targets.data()[0] = 1e6f;
  targets.data()[1] = 1.0f;
  nll.backward();
  ce.backward();
  // dlogp = -1/2 at each target; dlogits = (softmax - onehot) / 2 = (1/3 - [c == t]) / 2.
  ag_test::check_close(log_probs.grad(), {-0.5f, 0, 0, 0, 0, -0.5f});
  const float p = 1.0f / 6.0f, q = 1.0f / 6.0f - 0.5f;
  ag_test::check_close(logits.grad(), {q, p, p, p, p, q});
}

TEST_CASE("bad targets name the op, the value and its position") {
  CHECK_THROWS_WITH_AS(cross_entropy(zeros({3, 5}), tensor({0, 4, 7})),
                       "cross_entropy: target 7 at index 2 is out of range for 5 classes", Error);
  CHECK_THROWS_WITH_AS(cross_entropy(zeros({3, 5}), tensor({0, -1, 2})),
                       "cross_entropy: target -1 at index 1 is out of range for 5 classes", Error);
  CHECK_THROWS_WITH_AS(
      cross_entropy(zeros({2, 5}), tensor({1.5f, 0})),
      doctest::Contains("cross_entropy: target 1.5 at index 0 is not a whole number"), Error);
  CHECK_THROWS_WITH_AS(cross_entropy(zeros({1, 5, 2}), from_vector({0, 9}, {1, 2})),
                       "cross_entropy: target 9 at index [0, 1] is out of range for 5 classes",
                       Error);
  CHECK_THROWS_WITH_AS(nll_loss(zeros({2, 3}), tensor({3, 0})),
                       "nll_loss: target 3 at index 0 is out of range for 3 classes", Error);
}

TEST_CASE("shape errors") {
  CHECK_THROWS_WITH_AS(
      cross_entropy(zeros({4, 5}), zeros({3})),
      "cross_entropy: targets [3] do not match logits [4, 5] (expected targets of shape [4])",
      Error);
  CHECK_THROWS_WITH_AS(
      cross_entropy(zeros({}), zeros({})),
      doctest::Contains("cross_entropy: logits must have shape (N, C) or (N, C, d...), got []"),
      Error);
  CHECK_THROWS_WITH_AS(nll_loss(zeros({2, 3, 4}), zeros({2, 3})),
                       doctest::Contains("nll_loss: targets [2, 3] do not match log_probs [2, 3, "
                                         "4] (expected targets of shape [2, 4])"),
                       Error);
  CHECK_THROWS_WITH_AS(mse_loss(zeros({3, 1}), zeros({3})),
                       "mse_loss: input [3, 1] and target [3] must have the same shape", Error);
}
}  // TEST_SUITE("core.loss")
