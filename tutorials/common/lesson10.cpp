// tutorials/common/lesson10.cpp: a custom differentiable op, checked.
#include "tutorials/common/lesson10.h"

namespace tut {

ag::Tensor Swish::forward(ag::FunctionCtx& ctx, const std::vector<ag::Tensor>& inputs) {
  const ag::Tensor& x = inputs[0];
  ctx.save_for_backward({x});  // backward needs x (and recomputes σ(x) from it)
  return x * ag::sigmoid(x);
}

std::vector<ag::Tensor> Swish::backward(ag::FunctionCtx& ctx, const ag::Tensor& dout) {
  ag::Tensor x = ctx.saved()[0];
  ag::Tensor s = ag::sigmoid(x);
  ag::Tensor dydx = s + x * s * (1.0f - s);  // σ + x σ (1 − σ)
  return {dout * dydx};                      // chain rule: one gradient per input
}

ag::Tensor SwishForgotProductRule::forward(ag::FunctionCtx& ctx,
                                           const std::vector<ag::Tensor>& inputs) {
  ctx.save_for_backward({inputs[0]});
  return inputs[0] * ag::sigmoid(inputs[0]);
}

std::vector<ag::Tensor> SwishForgotProductRule::backward(ag::FunctionCtx& ctx,
                                                         const ag::Tensor& dout) {
  return {dout * ag::sigmoid(ctx.saved()[0])};  // wrong: the x σ (1 − σ) term is missing
}

ag::Tensor swish(const ag::Tensor& x) { return ag::apply_function<Swish>({x}); }
ag::Tensor swish_composed(const ag::Tensor& x) { return x * ag::sigmoid(x); }
ag::Tensor swish_forgot_product_rule(const ag::Tensor& x) {
  return ag::apply_function<SwishForgotProductRule>({x});
}

// Backward nodes reachable from t (each counted once), walked without recursion.
static int count_nodes(const ag::Tensor& t) {
  std::vector<ag::Node*> stack, seen;
  if (t.grad_fn()) stack.push_back(t.grad_fn().get());
  while (!stack.empty()) {
    ag::Node* n = stack.back();
    stack.pop_back();
    bool visited = false;
    for (ag::Node* s : seen) visited = visited || s == n;
    if (visited) continue;
    seen.push_back(n);
    for (const ag::Edge& e : n->next_edges)
      if (e.fn) stack.push_back(e.fn.get());
  }
  return static_cast<int>(seen.size());
}

CustomOpLesson lesson10_custom_op() {
  CustomOpLesson L;
  L.x = ag::tensor({-2.0f, -0.5f, 0.0f, 1.0f, 3.0f});
  L.x.set_name("x");

  ag::Tensor x1 = L.x.detach().requires_grad_();
  x1.set_name("x");
  L.y = swish(x1);
  L.nodes_custom = count_nodes(L.y);
  L.dot_custom = ag::to_dot(L.y);
  ag::sum(L.y).backward();
  L.dx = x1.grad();

  ag::Tensor x2 = L.x.detach().requires_grad_();
  x2.set_name("x");
  L.y_composed = swish_composed(x2);
  L.nodes_composed = count_nodes(L.y_composed);
  L.dot_composed = ag::to_dot(L.y_composed);
  ag::sum(L.y_composed).backward();
  L.dx_composed = x2.grad();

  // Swish's derivative on a fine grid, by our backward: where is it negative?
  const int64_t points = 6001;
  ag::Tensor grid = ag::mul(ag::arange(points), -0.001f).detach().requires_grad_();  // 0 .. -6
  ag::sum(swish(grid)).backward();
  const float* slope = grid.grad().data();
  const float* at = grid.data();
  int64_t lowest = 0;
  for (int64_t i = 0; i < points; ++i) {
    if (slope[i] < slope[lowest]) lowest = i;
    if (i > 0 && slope[i - 1] > 0 && slope[i] <= 0)  // x falls with i: the sign flips here
      L.derivative_zero_x =
          at[i - 1] + (at[i] - at[i - 1]) * slope[i - 1] / (slope[i - 1] - slope[i]);
  }
  L.derivative_min_x = at[lowest];
  L.derivative_min = slope[lowest];

  ag::manual_seed(10);
  ag::Tensor probe = ag::randn({3, 4}, true);
  probe.set_name("x");
  L.check_good =
      ag::gradcheck([](const std::vector<ag::Tensor>& in) { return swish(in[0]); }, {probe});
  L.check_broken = ag::gradcheck(
      [](const std::vector<ag::Tensor>& in) { return swish_forgot_product_rule(in[0]); }, {probe});
  return L;
}

}  // namespace tut
