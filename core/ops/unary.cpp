// core/ops/unary.cpp: pointwise math of one tensor, each with its derivative.
//
// y = f(x) elementwise, so dx = dy * f'(x). Where f' is cheaper written with
// the output (exp: f' = y; sigmoid: f' = y(1-y); tanh: f' = 1-y²) the node
// saves y instead of x. Every op here is its Node struct, the forward
// function, then the Node's apply (the backward).
#include <cmath>

#include "core/autograd.h"
#include "core/ops/elementwise.h"
#include "core/ops/map.h"
#include "core/ops/unary.h"

namespace ag {

// dx[i] = dout[i] * g(saved[i]): the backward of every op in this file.
template <class G>
static Tensor times_derivative(const Tensor& dout, const Tensor& saved, G g) {
  Tensor dx = empty(dout.shape());
  const float *d = dout.data(), *s = saved.data();
  float* o = dx.data();
  for (int64_t i = 0, n = dout.numel(); i < n; ++i) o[i] = d[i] * g(s[i]);
  return dx;
}

// A node that saves one tensor (the input or the output) for its derivative.
struct UnaryNode : Node {
  SavedTensor saved;
  void release_saved() override { saved.reset(); }
};

template <class NodeT>
static Tensor record(Tensor out, const Tensor& x, const Tensor& to_save,
                     std::shared_ptr<NodeT> node) {
  if (needs_grad({x})) {
    node->saved = SavedTensor(to_save);
    attach(out, node, {x});
  }
  return out;
}

// ---- neg:  y = -x,  dx = -dy
struct NegBackward : Node {
  std::string name() const override { return "NegBackward"; }
  std::vector<Tensor> apply(const Tensor& dout) override;
};
Tensor neg(const Tensor& x) {
  Tensor out = map_elements(x, [](float v) { return -v; });
  if (needs_grad({x})) attach(out, std::make_shared<NegBackward>(), {x});
  return out;
}

std::vector<Tensor> NegBackward::apply(const Tensor& dout) { return {neg(dout)}; }

// ---- pow:  y = x^p,  dx = dy * p * x^(p-1)
struct PowBackward : UnaryNode {
  float exponent = 1.0f;
  std::string name() const override { return "PowBackward"; }
  std::vector<Tensor> apply(const Tensor& dout) override;
};
Tensor pow(const Tensor& x, float exponent) {
  auto node = std::make_shared<PowBackward>();
  node->exponent = exponent;
  return record(map_elements(x, [exponent](float v) { return std::pow(v, exponent); }), x, x, node);
}

std::vector<Tensor> PowBackward::apply(const Tensor& dout) {
  float p = exponent;
  return {times_derivative(dout, saved.unpack(*this),
                           [p](float x) { return p == 0.0f ? 0.0f : p * std::pow(x, p - 1.0f); })};
}

// ---- exp:  y = e^x,  dx = dy * y
struct ExpBackward : UnaryNode {
  std::string name() const override { return "ExpBackward"; }
  std::vector<Tensor> apply(const Tensor& dout) override;
};
Tensor exp(const Tensor& x) {
  Tensor out = map_elements(x, [](float v) { return std::exp(v); });
  return record(out, x, out, std::make_shared<ExpBackward>());
}

std::vector<Tensor> ExpBackward::apply(const Tensor& dout) {
  return {times_derivative(dout, saved.unpack(*this), [](float y) { return y; })};
}

// ---- log:  y = ln x,  dx = dy / x
struct LogBackward : UnaryNode {
  std::string name() const override { return "LogBackward"; }
  std::vector<Tensor> apply(const Tensor& dout) override;
};
Tensor log(const Tensor& x) {
  return record(map_elements(x, [](float v) { return std::log(v); }), x, x,
                std::make_shared<LogBackward>());
}

std::vector<Tensor> LogBackward::apply(const Tensor& dout) {
  return {times_derivative(dout, saved.unpack(*this), [](float x) { return 1.0f / x; })};
}

// ---- sqrt:  y = √x,  dx = dy / (2y)
struct SqrtBackward : UnaryNode {
  std::string name() const override { return "SqrtBackward"; }
  std::vector<Tensor> apply(const Tensor& dout) override;
};
Tensor sqrt(const Tensor& x) {
  Tensor out = map_elements(x, [](float v) { return std::sqrt(v); });
  return record(out, x, out, std::make_shared<SqrtBackward>());
}

std::vector<Tensor> SqrtBackward::apply(const Tensor& dout) {
  return {times_derivative(dout, saved.unpack(*this), [](float y) { return 0.5f / y; })};
}

// ---- abs:  y = |x|,  dx = dy * sign(x)   (sign(0) = 0, as PyTorch)
struct AbsBackward : UnaryNode {
  std::string name() const override { return "AbsBackward"; }
  std::vector<Tensor> apply(const Tensor& dout) override;
};
Tensor abs(const Tensor& x) {
  return record(map_elements(x, [](float v) { return std::fabs(v); }), x, x,
                std::make_shared<AbsBackward>());
}

std::vector<Tensor> AbsBackward::apply(const Tensor& dout) {
  return {times_derivative(dout, saved.unpack(*this),
                           [](float x) { return x > 0.0f ? 1.0f : (x < 0.0f ? -1.0f : 0.0f); })};
}

// ---- relu:  y = max(x, 0),  dx = dy * [not y <= 0]   (0 at x = 0; NaN passes through
//      forward and lets the gradient through backward, as PyTorch's threshold)
struct ReluBackward : UnaryNode {
  std::string name() const override { return "ReluBackward"; }
  std::vector<Tensor> apply(const Tensor& dout) override;
};
Tensor relu(const Tensor& x) {
  Tensor out = map_elements(x, [](float v) { return v <= 0.0f ? 0.0f : v; });
  return record(out, x, out, std::make_shared<ReluBackward>());
}

std::vector<Tensor> ReluBackward::apply(const Tensor& dout) {
  return {
      times_derivative(dout, saved.unpack(*this), [](float y) { return y <= 0.0f ? 0.0f : 1.0f; })};
}

// ---- sigmoid:  y = 1 / (1 + e^-x),  dx = dy * y * (1 - y)
struct SigmoidBackward : UnaryNode {
  std::string name() const override { return "SigmoidBackward"; }
  std::vector<Tensor> apply(const Tensor& dout) override;
};
Tensor sigmoid(const Tensor& x) {
  // Two branches so that e^-x never overflows for very negative x.
  Tensor out = map_elements(x, [](float v) {
    if (v >= 0.0f) return 1.0f / (1.0f + std::exp(-v));
    float e = std::exp(v);
    return e / (1.0f + e);
  });
  return record(out, x, out, std::make_shared<SigmoidBackward>());
}

std::vector<Tensor> SigmoidBackward::apply(const Tensor& dout) {
  return {times_derivative(dout, saved.unpack(*this), [](float y) { return y * (1.0f - y); })};
}

// ---- tanh:  dx = dy * (1 - y²)
struct TanhBackward : UnaryNode {
  std::string name() const override { return "TanhBackward"; }
  std::vector<Tensor> apply(const Tensor& dout) override;
};
Tensor tanh(const Tensor& x) {
  Tensor out = map_elements(x, [](float v) { return std::tanh(v); });
  return record(out, x, out, std::make_shared<TanhBackward>());
}

std::vector<Tensor> TanhBackward::apply(const Tensor& dout) {
  return {times_derivative(dout, saved.unpack(*this), [](float y) { return 1.0f - y * y; })};
}

// ---- clamp:  dx = dy where min <= x <= max, else 0
struct ClampBackward : UnaryNode {
  float lo = 0.0f, hi = 0.0f;
  std::string name() const override { return "ClampBackward"; }
  std::vector<Tensor> apply(const Tensor& dout) override;
};
Tensor clamp(const Tensor& x, float min, float max) {
  if (min > max) fail("clamp: min ", min, " is greater than max ", max);
  auto node = std::make_shared<ClampBackward>();
  node->lo = min;
  node->hi = max;
  return record(
      map_elements(x, [min, max](float v) { return v < min ? min : (v > max ? max : v); }), x, x,
      node);
}

std::vector<Tensor> ClampBackward::apply(const Tensor& dout) {
  float a = lo, b = hi;
  return {times_derivative(dout, saved.unpack(*this),
                           [a, b](float x) { return (x >= a && x <= b) ? 1.0f : 0.0f; })};
}

// ---- tensor-scalar arithmetic: the scalar is a constant, not an input.
// y = x + c  or  y = c - x:  dx = ±dy
struct AddScalarBackward : Node {
  float sign = 1.0f;
  std::string name() const override { return sign > 0 ? "AddBackward" : "RsubBackward"; }
  std::vector<Tensor> apply(const Tensor& dout) override;
};
static Tensor add_scalar(const Tensor& x, float c, float sign) {
  Tensor out = map_elements(x, [c, sign](float v) { return sign * v + c; });
  if (needs_grad({x})) {
    auto node = std::make_shared<AddScalarBackward>();
    node->sign = sign;
    attach(out, node, {x});
  }
  return out;
}

std::vector<Tensor> AddScalarBackward::apply(const Tensor& dout) {
  return {sign > 0 ? dout : neg(dout)};
}
Tensor add(const Tensor& a, float b) { return add_scalar(a, b, 1.0f); }
Tensor sub(const Tensor& a, float b) { return add_scalar(a, -b, 1.0f); }
Tensor rsub(float a, const Tensor& b) { return add_scalar(b, a, -1.0f); }

// y = x * c:  dx = dy * c
struct MulScalarBackward : Node {
  float factor = 1.0f;
  std::string name() const override { return "MulBackward"; }
  std::vector<Tensor> apply(const Tensor& dout) override;
};
Tensor mul(const Tensor& a, float b) {
  Tensor out = map_elements(a, [b](float v) { return v * b; });
  if (needs_grad({a})) {
    auto node = std::make_shared<MulScalarBackward>();
    node->factor = b;
    attach(out, node, {a});
  }
  return out;
}
// y = x / c:  dx = dy / c. A node of its own, so a graph drawing of scores / √d
// says DivBackward, as the text does, and not MulBackward.
struct DivScalarBackward : Node {
  float divisor = 1.0f;
  std::string name() const override { return "DivBackward"; }
  std::vector<Tensor> apply(const Tensor& dout) override;
};
Tensor div(const Tensor& a, float b) {
  // Written as a true division (not a * (1/b)) so results match PyTorch bit for bit.
  Tensor out = map_elements(a, [b](float v) { return v / b; });
  if (needs_grad({a})) {
    auto node = std::make_shared<DivScalarBackward>();
    node->divisor = b;
    attach(out, node, {a});
  }
  return out;
}

std::vector<Tensor> MulScalarBackward::apply(const Tensor& dout) { return {mul(dout, factor)}; }
std::vector<Tensor> DivScalarBackward::apply(const Tensor& dout) { return {div(dout, divisor)}; }

// y = c / x:  dx = -dy * c / x²
struct RdivBackward : UnaryNode {
  float numerator = 1.0f;
  std::string name() const override { return "RdivBackward"; }
  std::vector<Tensor> apply(const Tensor& dout) override;
};
Tensor rdiv(float a, const Tensor& b) {
  auto node = std::make_shared<RdivBackward>();
  node->numerator = a;
  return record(map_elements(b, [a](float v) { return a / v; }), b, b, node);
}

std::vector<Tensor> RdivBackward::apply(const Tensor& dout) {
  float c = numerator;
  return {times_derivative(dout, saved.unpack(*this), [c](float x) { return -c / (x * x); })};
}

}  // namespace ag
