// tests/core/test_autograd_views.cpp: in-place writes through views keep every
// history right, and a leaf's hook sees its gradient
// once. Expected gradients are worked by hand in the comments.
#include "tests/helpers/test_util.h"

using namespace ag;

TEST_SUITE("core.autograd") {
TEST_CASE("in place through a view of a non-leaf rebases the base's history") {
  Tensor a = tensor({1.0f, 2.0f}, true);
  Tensor x = a * 2.0f;
  Tensor y = reshape(x, {2, 1});  // shares x's storage
  mul_(y, 3.0f);                  // x is now 6a
  ag_test::check_close(x, {6.0f, 12.0f});
  sum(x * a).backward();  // d/da sum(6a * a) = 12a
  ag_test::check_close(a.grad(), {12.0f, 24.0f});
  CHECK(x.grad_fn()->name() == "ReshapeBackward");  // the base now reads through the view's history
}

TEST_CASE("two in-place writes through a view both reach the base") {
  Tensor a = tensor({1.0f, 2.0f}, true);
  Tensor x = a * 2.0f;
  Tensor y = reshape(x, {2, 1});
  mul_(y, 3.0f);
  add_(y, 1.0f);          // x = 6a + 1
  sum(x * a).backward();  // d/da sum(6a² + a) = 12a + 1
  ag_test::check_close(a.grad(), {13.0f, 25.0f});
}

TEST_CASE("a view made before an in-place write on its base follows the base's new history") {
  Tensor a = tensor({1.0f, 2.0f}, true);
  Tensor x = a * 2.0f;
  Tensor y = reshape(x, {2, 1});
  mul_(x, 3.0f);  // y reads 6a now
  sum(reshape(y, {2}) * a).backward();
  ag_test::check_close(a.grad(), {12.0f, 24.0f});
}

TEST_CASE("views of views and sibling views: a write through one reaches all") {
  Tensor a = tensor({1.0f, 2.0f}, true);
  Tensor x = a * 2.0f;
  Tensor y = reshape(x, {2, 1});
  Tensor z = reshape(y, {1, 2});  // a view of a view: its base is x
  Tensor sibling = reshape(x, {1, 2, 1});
  mul_(z, 3.0f);  // x = y = sibling = 6a
  Tensor loss = sum(reshape(y, {2}) * a) + sum(reshape(sibling, {2}) * a) + sum(x * a);
  loss.backward();  // three times 12a
  ag_test::check_close(a.grad(), {36.0f, 72.0f});
}

TEST_CASE(
    "copy_ of a gradient-carrying value into a view of a plain tensor gives the base a history") {
  Tensor w = tensor({1.0f, 3.0f}, true);
  Tensor x = zeros({2});
  Tensor y = reshape(x, {2, 1});
  copy_(y, reshape(w, {2, 1}) * 1.0f);  // x = w
  REQUIRE(x.requires_grad());
  sum(x * x).backward();  // d/dw sum(w²) = 2w
  ag_test::check_close(w.grad(), {2.0f, 6.0f});
}

TEST_CASE("fill_ through a view leaves the base a constant") {
  Tensor a = tensor({1.0f, 2.0f}, true);
  Tensor x = a * 2.0f;
  Tensor y = reshape(x, {2, 1});
  fill_(y, 5.0f);
  sum(x * a).backward();  // x no longer depends on a: d/da sum(5a) = 5
  ag_test::check_close(a.grad(), {5.0f, 5.0f});
}

TEST_CASE("an in-place write through a view still trips a saved base's version check") {
  Tensor a = tensor({1.0f, 2.0f}, true);
  Tensor x = a * 2.0f;
  Tensor product = x * a;  // saves x at version 0
  Tensor y = reshape(x, {2, 1});
  mul_(y, 3.0f);
  CHECK_FAILS_WITH(sum(product).backward(), "has been modified by an inplace operation");
}

TEST_CASE("a write under NoGradGuard through a view changes the data, not the history") {
  Tensor a = tensor({1.0f, 2.0f}, true);
  Tensor x = a * 2.0f;
  Tensor y = reshape(x, {2, 1});
  {
    NoGradGuard no_grad;
    mul_(y, 3.0f);
  }
  ag_test::check_close(x, {6.0f, 12.0f});
  sum(x).backward();  // the history still says x = 2a
  ag_test::check_close(a.grad(), {2.0f, 2.0f});
}

TEST_CASE("a stale view asked for its history under NoGradGuard still takes the base's new one") {
  Tensor a = tensor({1.0f, 2.0f}, true);
  Tensor x = a * 2.0f;
  Tensor y = reshape(x, {2, 1});
  mul_(x, 3.0f);  // y is stale: it reads 6a, its grad_fn still says 2a
  {
    NoGradGuard no_grad;
    REQUIRE(y.requires_grad());  // the refresh runs here, recording despite the guard
    CHECK(y.grad_fn()->name() == "ReshapeBackward");
    CHECK_FALSE(grad_enabled());  // and the guard is in force again after it
  }
  sum(reshape(y, {2}) * a).backward();  // d/da sum(6a * a) = 12a
  ag_test::check_close(a.grad(), {12.0f, 24.0f});
}

TEST_CASE("views made while rebasing leave nothing alive behind them") {
  const int64_t before = TensorImpl::live_count();
  {
    Tensor a = tensor({1.0f, 2.0f, 3.0f}, true);
    Tensor x = a * 2.0f;
    Tensor y = reshape(x, {3, 1});
    mul_(y, 3.0f);
    sum(x * a).backward();
  }
  CHECK(TensorImpl::live_count() == before);
}

TEST_CASE("a leaf's hook fires once, with the gradient summed over every use (x * x)") {
  Tensor x = tensor({1.0f, 2.0f}, true);
  std::vector<std::vector<float>> seen;
  x.register_hook([&](const Tensor& g) {
    seen.push_back(g.to_vector());
    return Tensor();
  });
  sum(x * x).backward();  // d/dx sum(x²) = 2x
  REQUIRE(seen.size() == 1);
  CHECK(seen[0] == std::vector<float>{2.0f, 4.0f});
  ag_test::check_close(x.grad(), {2.0f, 4.0f});
}

TEST_CASE("a leaf's hook that replaces the summed gradient replaces all of it") {
  Tensor x = tensor({1.0f, 2.0f}, true);
  x.register_hook([](const Tensor& g) { return g * 10.0f; });
  sum(x * x + x).backward();  // (2x + 1) * 10
  ag_test::check_close(x.grad(), {30.0f, 50.0f});
}
}  // TEST_SUITE("core.autograd")
