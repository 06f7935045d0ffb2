// tests/core/test_autograd.cpp: the engine's contract, including the classic bugs.
#include "tests/helpers/test_util.h"

using namespace ag;

TEST_SUITE("core.autograd") {
TEST_CASE("a tiny graph: y = (a*b + a) gives dy/da = b + 1, dy/db = a") {
  Tensor a = tensor({2.0f, -1.0f}, true), b = tensor({3.0f, 4.0f}, true);
  Tensor y = sum(a * b + a);
  y.backward();
  CHECK(a.grad().to_vector() == std::vector<float>{4.0f, 5.0f});
  CHECK(b.grad().to_vector() == std::vector<float>{2.0f, -1.0f});
}

TEST_CASE("a reused input accumulates its gradient (x*x, a+a)") {
  Tensor x = tensor({3.0f}, true);
  (x * x).backward(ones({1}));
  CHECK(x.grad().item() == 6.0f);  // d(x²)/dx = 2x, not x
  Tensor a = tensor({1.0f}, true);
  (a + a).backward(ones({1}));
  CHECK(a.grad().item() == 2.0f);
}

TEST_CASE("gradients accumulate across backward calls until zero_grad") {
  Tensor x = tensor({1.0f, 2.0f}, true);
  (x * 3.0f).backward(ones({2}));
  (x * 3.0f).backward(ones({2}));
  CHECK(x.grad().to_vector() == std::vector<float>{6.0f, 6.0f});
  x.zero_grad();
  CHECK_FALSE(x.grad().defined());
}

TEST_CASE("retain_graph allows a second backward, which doubles the gradient") {
  Tensor x = tensor({2.0f}, true);
  Tensor y = exp(x) * x;
  y.backward(ones({1}), /*retain_graph=*/true);
  float once = x.grad().item();
  y.backward(ones({1}));
  CHECK(x.grad().item() == doctest::Approx(2 * once));
  CHECK(once == doctest::Approx(std::exp(2.0f) * 3.0f));  // d(x e^x) = e^x (1 + x)
}

TEST_CASE("a second backward through a freed graph is a clear error") {
  Tensor x = tensor({2.0f}, true);
  Tensor y = x * x;
  y.backward(ones({1}));
  CHECK_THROWS_WITH_AS(y.backward(ones({1})),
                       doctest::Contains("backward through the graph a second time"), Error);
}

TEST_CASE("backward needs a gradient for non-scalars and a graph at all") {
  Tensor x = tensor({1.0f, 2.0f}, true);
  CHECK_THROWS_WITH_AS((x * 2.0f).backward(),
                       doctest::Contains("only for scalar outputs; this tensor has shape [2]"),
                       Error);
  CHECK_THROWS_WITH_AS(
      (x * 2.0f).backward(ones({3})),
      doctest::Contains("gradient of shape [3] does not match the tensor's shape [2]"), Error);
  CHECK_THROWS_WITH_AS(tensor({1.0f}).backward(), doctest::Contains("does not require grad"),
                       Error);
}

TEST_CASE("a broadcast input's gradient has the input's shape") {
  Tensor m = ones({3, 4}, true), row = tensor({1, 2, 3, 4}, true), col = ones({3, 1}, true);
  sum(m * row + col).backward();
  CHECK(row.grad().shape() == Shape{4});
  CHECK(row.grad().to_vector() == std::vector<float>{3, 3, 3, 3});  // summed over the 3 rows
  CHECK(col.grad().shape() == Shape{3, 1});
  CHECK(col.grad().to_vector() == std::vector<float>{4, 4, 4});
}

TEST_CASE("detach and NoGradGuard record no graph") {
  Tensor x = tensor({1.0f}, true);
  CHECK_FALSE((x.detach() * 2.0f).requires_grad());
  {
    NoGradGuard guard;
    CHECK_FALSE((x * 2.0f).requires_grad());
  }
  CHECK((x * 2.0f).requires_grad());
  CHECK(grad_enabled());
}

TEST_CASE("EnableGradGuard records a graph inside a NoGradGuard, then gives no-grad back") {
  Tensor x = tensor({1.5f}, true);
  NoGradGuard no_grad;
  {
    EnableGradGuard enable;
    CHECK(grad_enabled());
    Tensor y = x * 3.0f;
    REQUIRE(y.requires_grad());
    y.backward();  // dy/dx = 3
    CHECK(x.grad().to_vector() == std::vector<float>{3.0f});
  }
  CHECK_FALSE(grad_enabled());
  CHECK_FALSE((x * 2.0f).requires_grad());
}

TEST_CASE("backward through a 100,000-op chain does not overflow the stack") {
  Tensor x = tensor({1.0f}, true);
  Tensor y = x;
  for (int i = 0; i < 100000; ++i) y = y * 1.0f;
  y.backward(ones({1}));
  CHECK(x.grad().item() == 1.0f);
}

TEST_CASE("dropping an unused 100,000-op graph does not recurse") {
  int64_t before = TensorImpl::live_count();
  {
    Tensor x = tensor({1.0f}, true);
    Tensor y = x;
    for (int i = 0; i < 100000; ++i) y = y + 1.0f;
  }  // y's destructor frees 100,000 nodes here: iteratively, see Node::~Node
  CHECK(TensorImpl::live_count() == before);
}

TEST_CASE("no reference cycles: nothing survives a forward/backward in a scope") {
  int64_t before = TensorImpl::live_count();
  {
    Tensor w = randn({3, 3}, true), x = randn({3, 3});
    Tensor y = exp(w * x) / (w + 2.0f);
    Tensor h = tanh(sigmoid(y) * y);
    sum(h).backward(Tensor(), /*retain_graph=*/true);
    Tensor z = relu(h - 0.1f);
    z.retain_grad();
    sum(z).backward();
    CHECK(z.grad().defined());
  }
  CHECK(TensorImpl::live_count() == before);
}

TEST_CASE("an in-place change to a saved tensor is detected at backward") {
  Tensor a = tensor({1.0f, 2.0f}, true);
  Tensor b = a * 2.0f;
  Tensor c = b * b;  // saves b
  add_(b, 1.0f);     // ... which is then changed
  CHECK(b.version() == 1);
  CHECK_THROWS_WITH_AS(c.backward(ones({2})),
                       doctest::Contains("has been modified by an inplace operation"), Error);
}

TEST_CASE("in-place ops: values, history, and refusal on leaves") {
  Tensor w = tensor({1.0f, 2.0f}, true);
  CHECK_THROWS_WITH_AS(
      add_(w, 1.0f),
      doctest::Contains(
          "a leaf tensor that requires grad (shape [2]) is being used in an in-place operation"),
      Error);
  {
    NoGradGuard no_grad;  // what an optimizer step does
    add_(w, tensor({0.5f, 0.5f}), -2.0f);
  }
  CHECK(w.to_vector() == std::vector<float>{0.0f, 1.0f});
  // In place on a non-leaf keeps the chain rule: y = (2w) then y += w  =>  dy/dw = 3.
  Tensor y = w * 2.0f;
  y += w;
  sum(y).backward();
  CHECK(w.grad().to_vector() == std::vector<float>{3.0f, 3.0f});
  Tensor buf = zeros({2});
  fill_(buf, 4.0f);
  mul_(buf, 0.5f);
  CHECK(buf.to_vector() == std::vector<float>{2.0f, 2.0f});
  CHECK(buf.version() == 2);
}

TEST_CASE(
    "in place through a view of a leaf that requires grad is refused, as on the leaf itself") {
  // The view shares the leaf's storage: mul_ silently tripled the parameter.
  Tensor w = ones({4}, true);
  Tensor view = w.reshape({2, 2}).reshape({4, 1});
  CHECK_THROWS_WITH_AS(
      mul_(view, 3.0f),
      "mul_: a view (shape [4, 1]) of a leaf tensor that requires grad (shape [4]) is being used "
      "in an in-place operation; wrap the update in ag::NoGradGuard",
      Error);
  CHECK(w.to_vector() == std::vector<float>{1, 1, 1, 1});
  {
    NoGradGuard no_grad;  // an optimizer-style update through a view is fine
    mul_(view, 3.0f);
  }
  CHECK(w.to_vector() == std::vector<float>{3, 3, 3, 3});
  Tensor copy = w * 1.0f;  // not a view: its own storage
  Tensor copy_view = copy.reshape({2, 2});
  relu_(copy_view);
  CHECK(w.to_vector() == std::vector<float>{3, 3, 3, 3});
}

TEST_CASE("in-place ops: gradcheck through the history they take over, and their shape errors") {
  // Each works on a non-leaf copy y of x (in place on a leaf that requires grad is refused).
  using Fn = GradcheckFn;
  Fn f_add = [](const std::vector<Tensor>& v) {
    Tensor y = v[0] * 1.0f;
    add_(y, v[1], -2.0f);
    return y;
  };
  Fn f_mul = [](const std::vector<Tensor>& v) {
    Tensor y = v[0] * 1.0f;
    mul_(y, v[1]);
    return y;
  };
  Fn f_relu = [](const std::vector<Tensor>& v) {
    Tensor y = v[0] * 1.0f;
    relu_(y);
    return y * v[0];
  };
  Fn f_copy = [](const std::vector<Tensor>& v) {
    Tensor y = v[0] * 1.0f;
    copy_(y, v[1]);
    return y * v[0];
  };
  manual_seed(5);
  CHECK_GRADCHECK(f_add, {randn({2, 3}, true), randn({3}, true)});  // other broadcasts
  CHECK_GRADCHECK(f_mul, {randn({2, 3}, true), randn({2, 1}, true)});
  CHECK_GRADCHECK(f_relu, {tensor({-1.0f, -0.3f, 0.4f, 2.0f}, true)});  // away from the kink at 0
  CHECK_GRADCHECK(f_copy, {randn({2, 3}, true), randn({2, 3}, true)});

  Tensor target = zeros({3});
  CHECK_THROWS_WITH_AS(add_(target, zeros({2, 3})),
                       "add_: shape [2, 3] does not broadcast to the in-place target's shape [3]",
                       Error);
  CHECK_THROWS_WITH_AS(mul_(target, zeros({2, 3})),
                       "mul_: shape [2, 3] does not broadcast to the in-place target's shape [3]",
                       Error);
  CHECK_THROWS_WITH_AS(
      add_(target, zeros({2})),
      "add_: shapes [3] and [2] cannot be broadcast together (3 vs 2 at dimension 0 of the result)",
      Error);
  CHECK_THROWS_WITH_AS(copy_(target, zeros({4})),
                       "copy_: source of shape [4] does not match destination of shape [3]", Error);
  CHECK(target.version() == 0);  // nothing was written
}

TEST_CASE("hooks see and may replace gradients; retain_grad keeps a non-leaf's grad") {
  Tensor x = tensor({1.0f, 2.0f}, true);
  Tensor y = x * 3.0f;
  std::vector<float> seen;
  y.register_hook([&](const Tensor& g) {
    seen = g.to_vector();
    return g * 2.0f;
  });
  x.register_hook([](const Tensor& g) { return g + 1.0f; });
  y.retain_grad();
  sum(y).backward();
  CHECK(seen == std::vector<float>{1.0f, 1.0f});
  CHECK(x.grad().to_vector() == std::vector<float>{7.0f, 7.0f});  // (1*2)*3 + 1
}

TEST_CASE("a hook that changes the gradient's shape is an error, on a leaf and on a non-leaf") {
  // Accepted, a leaf's .grad() would take the wrong shape (or be overrun when
  // it accumulates); a non-leaf's node would read dout past its end.
  Tensor x = ones({4}, true);
  x.register_hook([](const Tensor&) { return ones({100}); });
  CHECK_THROWS_WITH_AS(
      sum(x).backward(),
      "register_hook: a hook on a tensor of shape [4] returned a gradient of shape [100] "
      "(it must keep the shape)",
      Error);
  CHECK_FALSE(x.grad().defined());
  Tensor w = ones({2, 3}, true);
  Tensor y = exp(w);
  y.register_hook([](const Tensor&) { return ones({1}); });
  CHECK_THROWS_WITH_AS(
      sum(y).backward(),
      "register_hook: a hook on a tensor of shape [2, 3] returned a gradient of shape [1] "
      "(it must keep the shape)",
      Error);
}

TEST_CASE("anomaly mode names the op that made a NaN") {
  Tensor x = tensor({0.0f, 1.0f}, true);
  x.set_name("x");
  {
    DetectAnomalyGuard anomaly;
    CHECK_THROWS_WITH_AS(
        log(x),
        doctest::Contains(
            "anomaly: log produced -inf at flat index 0 of its output [2]; inputs: 'x' [2]"),
        Error);
    Tensor s = sqrt(x);  // sqrt(0) = 0 is fine forward, its derivative 1/(2*0) is not
    s.set_name("s");
    CHECK_THROWS_WITH_AS(
        sum(s).backward(),
        doctest::Contains(
            "anomaly: SqrtBackward (the backward of sqrt) returned inf at flat index 0 in the "
            "gradient of input 0 [2]; in forward, sqrt made 's' [2] from 'x' [2]"),
        Error);
  }
}
}  // TEST_SUITE("core.autograd")

TEST_CASE("the README's first graph gives the numbers worked out by hand" *
          doctest::test_suite("core.autograd")) {
  // scores = [1, 2]·w = [0.5 + 4, -1 + 0.5] = [4.5, -0.5]; softmax = [1, e^-5] / (1 + e^-5)
  // loss = -(log p0 + log p1) / 2;  dloss/dscores = p - 1/2;  dloss/dw = xᵀ · (p - 1/2)
  Tensor w = tensor({{0.5f, -1.0f}, {2.0f, 0.25f}}, true);
  Tensor x = tensor({{1.0f, 2.0f}});
  Tensor probs = softmax(matmul(x, w), -1);
  Tensor loss = -log(probs).mean();
  loss.backward();
  const double p0 = 1.0 / (1.0 + std::exp(-5.0)), p1 = 1.0 - p0;
  CHECK(probs.at({0, 0}) == doctest::Approx(p0));
  CHECK(loss.item() == doctest::Approx(-(std::log(p0) + std::log(p1)) / 2));
  ag_test::check_close(
      w.grad(), {float(p0 - 0.5), float(p1 - 0.5), float(2 * (p0 - 0.5)), float(2 * (p1 - 0.5))});
}
