// core/ops/activation.cpp: gelu, leaky_relu, silu, softplus, elu, sin, cos,
// log1p, and the binary maximum/minimum, each forward then its backward.
//
// Shape legend: every op here is elementwise, x: (...) -> y: (...), so
// backward is dx = dy · f'(x) with f' written out in the comment above it.
// maximum/minimum broadcast a and b to one shape (...) like add does, and sum
// each gradient back to its input's shape.
#include "core/ops/activation.h"

#include <cmath>

#include "core/autograd.h"
#include "core/ops/broadcast.h"
#include "core/ops/elementwise.h"
#include "core/ops/map.h"

namespace ag {

namespace {

// dx[i] = dout[i] · slope(x[i]), computed in double so gradcheck sees the small terms.
template <class F>
Tensor times_slope(const Tensor& dout, const Tensor& x, F slope) {
  Tensor dx = empty(x.shape());
  const float *d = dout.data(), *in = x.data();
  float* o = dx.data();
  for (int64_t i = 0, n = x.numel(); i < n; ++i)
    o[i] = static_cast<float>(d[i] * slope(static_cast<double>(in[i])));
  return dx;
}

// The node of every op here: it saves its input x (data only) and its parameters.
struct ActivationNode : Node {
  SavedTensor input;
  void release_saved() override { input.reset(); }
};

template <class NodeT>
Tensor record(Tensor out, const Tensor& x, std::shared_ptr<NodeT> node) {
  if (needs_grad({x})) {
    node->input = SavedTensor(x);
    attach(out, node, {x});
  }
  return out;
}

constexpr double kSqrt2 = 1.41421356237309504880;
constexpr double kSqrt2OverPi = 0.79788456080286535588;  // √(2/π)
constexpr double kInvSqrt2Pi = 0.39894228040143267794;   // 1/√(2π)
constexpr double kGeluCubic = 0.044715;

}  // namespace

// ---------------------------------------------------------------- gelu
// exact:  y = x·Φ(x),  Φ(x) = (1 + erf(x/√2))/2,   dx = dy·(Φ(x) + x·φ(x)),  φ(x) = e^(-x²/2)/√(2π)
// tanh:   u = √(2/π)(x + 0.044715x³),  y = x(1 + tanh u)/2,
//         dx = dy·((1 + t)/2 + x(1 - t²)/2 · √(2/π)(1 + 3·0.044715x²)),  t = tanh u
struct GeluBackward : ActivationNode {
  bool tanh_form = false;
  std::string name() const override { return "GeluBackward"; }
  std::vector<Tensor> apply(const Tensor& dout) override;
};

Tensor gelu(const Tensor& x, const std::string& approximate) {
  if (approximate != "none" && approximate != "tanh")
    fail("gelu: approximate must be \"none\" or \"tanh\", got \"", approximate, "\"");
  auto node = std::make_shared<GeluBackward>();
  node->tanh_form = approximate == "tanh";
  Tensor out = node->tanh_form
                   ? map_elements(x,
                                  [](float v) {
                                    const double u = kSqrt2OverPi * (v + kGeluCubic * v * v * v);
                                    return static_cast<float>(0.5 * v * (1.0 + std::tanh(u)));
                                  })
                   : map_elements(x, [](float v) {
                       return static_cast<float>(0.5 * v * (1.0 + std::erf(v / kSqrt2)));
                     });
  return record(out, x, node);
}

std::vector<Tensor> GeluBackward::apply(const Tensor& dout) {
  Tensor x = input.unpack(*this);
  if (tanh_form)
    return {times_slope(dout, x, [](double v) {
      const double t = std::tanh(kSqrt2OverPi * (v + kGeluCubic * v * v * v));
      return 0.5 * (1.0 + t) +
             0.5 * v * (1.0 - t * t) * kSqrt2OverPi * (1.0 + 3.0 * kGeluCubic * v * v);
    })};
  return {times_slope(dout, x, [](double v) {
    return 0.5 * (1.0 + std::erf(v / kSqrt2)) + v * kInvSqrt2Pi * std::exp(-0.5 * v * v);
  })};
}

// ---------------------------------------------------------------- leaky_relu
// y = x > 0 ? x : s·x,   dx = dy · (x > 0 ? 1 : s)
struct LeakyReluBackward : ActivationNode {
  float slope = 0.01f;
  std::string name() const override { return "LeakyReluBackward"; }
  std::vector<Tensor> apply(const Tensor& dout) override;
};

Tensor leaky_relu(const Tensor& x, float negative_slope) {
  auto node = std::make_shared<LeakyReluBackward>();
  node->slope = negative_slope;
  return record(
      map_elements(x, [negative_slope](float v) { return v > 0.0f ? v : v * negative_slope; }), x,
      node);
}

std::vector<Tensor> LeakyReluBackward::apply(const Tensor& dout) {
  const double s = slope;
  return {times_slope(dout, input.unpack(*this), [s](double v) { return v > 0.0 ? 1.0 : s; })};
}

// ---------------------------------------------------------------- silu
// y = x·σ(x),   dx = dy · σ(x)(1 + x(1 - σ(x)))
static double sigmoid_of(double v) { return 1.0 / (1.0 + std::exp(-v)); }

struct SiluBackward : ActivationNode {
  std::string name() const override { return "SiluBackward"; }
  std::vector<Tensor> apply(const Tensor& dout) override;
};

Tensor silu(const Tensor& x) {
  return record(map_elements(x, [](float v) { return static_cast<float>(v * sigmoid_of(v)); }), x,
                std::make_shared<SiluBackward>());
}

std::vector<Tensor> SiluBackward::apply(const Tensor& dout) {
  return {times_slope(dout, input.unpack(*this), [](double v) {
    const double s = sigmoid_of(v);
    return s * (1.0 + v * (1.0 - s));
  })};
}

// ---------------------------------------------------------------- softplus
// y = log(1 + e^(βx))/β,  or x where βx > threshold (e^(βx) would overflow there,
// and the two already agree to float precision).
// dx = dy · e^(βx)/(1 + e^(βx)) = dy·σ(βx),  or dy where βx > threshold.
struct SoftplusBackward : ActivationNode {
  float beta = 1.0f, threshold = 20.0f;
  std::string name() const override { return "SoftplusBackward"; }
  std::vector<Tensor> apply(const Tensor& dout) override;
};

Tensor softplus(const Tensor& x, float beta, float threshold) {
  auto node = std::make_shared<SoftplusBackward>();
  node->beta = beta;
  node->threshold = threshold;
  return record(map_elements(x,
                             [beta, threshold](float v) {
                               const double bx = static_cast<double>(v) * beta;
                               return bx > threshold
                                          ? v
                                          : static_cast<float>(std::log1p(std::exp(bx)) / beta);
                             }),
                x, node);
}

std::vector<Tensor> SoftplusBackward::apply(const Tensor& dout) {
  const double b = beta, limit = threshold;
  return {times_slope(dout, input.unpack(*this), [b, limit](double v) {
    const double bx = v * b;
    if (bx > limit) return 1.0;
    const double z = std::exp(bx);
    return z / (z + 1.0);
  })};
}

// ---------------------------------------------------------------- elu
// y = x > 0 ? x : α(e^x - 1),   dx = dy · (x > 0 ? 1 : α·e^x)
struct EluBackward : ActivationNode {
  float alpha = 1.0f;
  std::string name() const override { return "EluBackward"; }
  std::vector<Tensor> apply(const Tensor& dout) override;
};

Tensor elu(const Tensor& x, float alpha) {
  auto node = std::make_shared<EluBackward>();
  node->alpha = alpha;
  return record(map_elements(x,
                             [alpha](float v) {
                               return v > 0.0f ? v
                                               : static_cast<float>(
                                                     alpha * std::expm1(static_cast<double>(v)));
                             }),
                x, node);
}

std::vector<Tensor> EluBackward::apply(const Tensor& dout) {
  const double a = alpha;
  return {times_slope(dout, input.unpack(*this),
                      [a](double v) { return v > 0.0 ? 1.0 : a * std::exp(v); })};
}

// ---------------------------------------------------------------- sin, cos, log1p
// sin: dx = dy·cos x     cos: dx = -dy·sin x     log1p: dx = dy / (1 + x)
struct SinBackward : ActivationNode {
  std::string name() const override { return "SinBackward"; }
  std::vector<Tensor> apply(const Tensor& dout) override;
};

Tensor sin(const Tensor& x) {
  return record(map_elements(x, [](float v) { return std::sin(v); }), x,
                std::make_shared<SinBackward>());
}

std::vector<Tensor> SinBackward::apply(const Tensor& dout) {
  return {times_slope(dout, input.unpack(*this), [](double v) { return std::cos(v); })};
}

struct CosBackward : ActivationNode {
  std::string name() const override { return "CosBackward"; }
  std::vector<Tensor> apply(const Tensor& dout) override;
};

Tensor cos(const Tensor& x) {
  return record(map_elements(x, [](float v) { return std::cos(v); }), x,
                std::make_shared<CosBackward>());
}

std::vector<Tensor> CosBackward::apply(const Tensor& dout) {
  return {times_slope(dout, input.unpack(*this), [](double v) { return -std::sin(v); })};
}

struct Log1pBackward : ActivationNode {
  std::string name() const override { return "Log1pBackward"; }
  std::vector<Tensor> apply(const Tensor& dout) override;
};

Tensor log1p(const Tensor& x) {
  return record(map_elements(x, [](float v) { return std::log1p(v); }), x,
                std::make_shared<Log1pBackward>());
}

std::vector<Tensor> Log1pBackward::apply(const Tensor& dout) {
  return {times_slope(dout, input.unpack(*this), [](double v) { return 1.0 / (1.0 + v); })};
}

// ---------------------------------------------------------------- maximum, minimum
// y = max(a, b) (NaN if either is NaN). PyTorch 1.13's gradient, for maximum:
//   da = dy where a > b (or either is NaN), dy/2 where a == b, 0 where a < b
//   db = dy where b > a (or either is NaN), dy/2 where a == b, 0 where b < a
// minimum swaps the comparisons. Each is then summed back to its input's shape.
struct MaximumBackward : Node {
  SavedTensor saved_a, saved_b;
  bool is_min = false;
  std::string name() const override { return is_min ? "MinimumBackward" : "MaximumBackward"; }
  std::vector<Tensor> apply(const Tensor& dout) override;
  void release_saved() override { saved_a.reset(), saved_b.reset(); }
};

static Tensor extremum(const char* op, const Tensor& a, const Tensor& b, bool is_min) {
  Shape shape = broadcast_shapes(op, a.shape(), b.shape());
  Tensor out = empty(shape);
  const float *pa = a.data(), *pb = b.data();
  float* o = out.data();
  for_each_broadcast(shape, a.shape(), b.shape(), [&](int64_t i, int64_t ia, int64_t ib) {
    const float x = pa[ia], y = pb[ib];
    if (std::isnan(x) || std::isnan(y))
      o[i] = std::isnan(x) ? x : y;
    else
      o[i] = (is_min ? y < x : y > x) ? y : x;
  });
  if (needs_grad({a, b})) {
    auto node = std::make_shared<MaximumBackward>();
    node->saved_a = SavedTensor(a);
    node->saved_b = SavedTensor(b);
    node->is_min = is_min;
    attach(out, node, {a, b});
  }
  return out;
}

Tensor maximum(const Tensor& a, const Tensor& b) { return extremum("maximum", a, b, false); }
Tensor minimum(const Tensor& a, const Tensor& b) { return extremum("minimum", a, b, true); }

std::vector<Tensor> MaximumBackward::apply(const Tensor& dout) {
  Tensor a = saved_a.unpack(*this), b = saved_b.unpack(*this);
  const Shape& shape = dout.shape();
  Tensor da = empty(shape), db = empty(shape);
  const float *pa = a.data(), *pb = b.data(), *g = dout.data();
  float *pda = da.data(), *pdb = db.data();
  for_each_broadcast(shape, a.shape(), b.shape(), [&](int64_t i, int64_t ia, int64_t ib) {
    const float x = pa[ia], y = pb[ib];
    if (x == y) {
      pda[i] = pdb[i] = g[i] / 2.0f;
      return;
    }
    const bool a_loses = is_min ? x > y : x < y;  // false for NaN: it wins
    const bool b_loses = is_min ? y > x : y < x;
    pda[i] = a_loses ? 0.0f : g[i];
    pdb[i] = b_loses ? 0.0f : g[i];
  });
  return {next_edges[0].valid() ? sum_to(da, a.shape()) : Tensor(),
          next_edges[1].valid() ? sum_to(db, b.shape()) : Tensor()};
}

}  // namespace ag
