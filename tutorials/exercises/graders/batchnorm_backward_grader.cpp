// Grader of assignment A4, batch-norm backward (tutorials/exercises/batchnorm_backward.cpp).
//
// Sources of truth: ag::batch_norm in training mode with gradients from
// backward(), and central differences of a double-precision batch norm
// written here (which also computes the x_hat and inv_std handed to the student).
#include <cmath>
#include <string>

#include "core/ag.h"
#include "tutorials/exercises/batchnorm_backward.h"
#include "tutorials/exercises/graders/grader.h"

namespace {

using ex::BatchNormShape;
using grade::Output;

constexpr double kEps = 1e-5;  // ag::batch_norm's default, as PyTorch's

BatchNormShape shape_of(const ag::Shape& x_shape) {
  BatchNormShape s{x_shape[0], x_shape[1], 1};
  for (size_t d = 2; d < x_shape.size(); ++d) s.S *= x_shape[d];
  return s;
}

struct Case {
  ag::Shape x_shape;
  std::vector<float> x, gamma, beta, dout;
};

// Channel c gets values around mean 0.5*c - 1 with spread 1 + c/2 (times
// spread), so every channel has its own statistics.
Case make_case(const ag::Shape& x_shape, uint64_t seed, float spread = 1.0f) {
  BatchNormShape s = shape_of(x_shape);
  Case k{x_shape, grade::random_floats(s.N * s.C * s.S, seed), grade::random_floats(s.C, seed + 1),
         grade::random_floats(s.C, seed + 2), grade::random_floats(s.N * s.C * s.S, seed + 3)};
  for (int64_t n = 0; n < s.N; ++n)
    for (int64_t c = 0; c < s.C; ++c)
      for (int64_t p = 0; p < s.S; ++p) {
        float& v = k.x[(n * s.C + c) * s.S + p];
        v = 0.5f * c - 1.0f + v * spread * (1.0f + 0.5f * c);
      }
  for (float& g : k.gamma) g += 1.0f;  // around 1, as after initialization
  return k;
}

// x_hat and inv_std as the forward saves them, computed in double.
struct Saved {
  std::vector<float> x_hat, inv_std;
};

Saved normalize(const BatchNormShape& s, const std::vector<double>& x, std::vector<double>* x_hat_out = nullptr) {
  Saved saved{std::vector<float>(x.size()), std::vector<float>(static_cast<size_t>(s.C))};
  std::vector<double> x_hat(x.size());
  const double M = static_cast<double>(s.N * s.S);
  for (int64_t c = 0; c < s.C; ++c) {
    double mean = 0, var = 0;
    for (int64_t n = 0; n < s.N; ++n)
      for (int64_t p = 0; p < s.S; ++p) mean += x[(n * s.C + c) * s.S + p] / M;
    for (int64_t n = 0; n < s.N; ++n)
      for (int64_t p = 0; p < s.S; ++p) var += std::pow(x[(n * s.C + c) * s.S + p] - mean, 2) / M;
    const double inv_std = 1.0 / std::sqrt(var + kEps);
    saved.inv_std[c] = static_cast<float>(inv_std);
    for (int64_t n = 0; n < s.N; ++n)
      for (int64_t p = 0; p < s.S; ++p) {
        const int64_t at = (n * s.C + c) * s.S + p;
        x_hat[at] = (x[at] - mean) * inv_std;
        saved.x_hat[at] = static_cast<float>(x_hat[at]);
      }
  }
  if (x_hat_out) *x_hat_out = x_hat;
  return saved;
}

struct Gradients {
  Output dx, dgamma, dbeta;
};

Gradients student_backward(const Case& k) {
  BatchNormShape s = shape_of(k.x_shape);
  Saved saved = normalize(s, grade::to_doubles(k.x));
  Gradients g{Output("dx", k.x_shape), Output("dgamma", {s.C}), Output("dbeta", {s.C})};
  ex::batch_norm_backward(s, saved.x_hat.data(), saved.inv_std.data(), k.gamma.data(), k.dout.data(), g.dx.data(),
                          g.dgamma.data(), g.dbeta.data());
  return g;
}

// which: any of "x", "g" (dgamma), "b" (dbeta); atol scales with the size of dx.
void against_attograd(const Case& k, const std::string& which, double dx_atol = 1e-4) {
  const int64_t C = k.x_shape[1];
  ag::Tensor x = ag::from_vector(k.x, k.x_shape, true);
  ag::Tensor gamma = ag::from_vector(k.gamma, {C}, true), beta = ag::from_vector(k.beta, {C}, true);
  ag::Tensor out = ag::batch_norm(x, ag::Tensor(), ag::Tensor(), gamma, beta, /*training=*/true);
  out.backward(ag::from_vector(k.dout, k.x_shape));
  Gradients g = student_backward(k);
  if (which.find('x') != std::string::npos) g.dx.expect_close(x.grad().to_vector(), dx_atol, 1e-3);
  if (which.find('g') != std::string::npos) g.dgamma.expect_close(gamma.grad().to_vector(), 1e-4, 1e-3);
  if (which.find('b') != std::string::npos) g.dbeta.expect_close(beta.grad().to_vector(), 1e-4, 1e-3);
}

// L = sum((gamma * x_hat + beta) * dout) in double.
double bn_loss(const Case& k, const std::vector<double>& x, const std::vector<double>& gamma,
               const std::vector<double>& beta) {
  BatchNormShape s = shape_of(k.x_shape);
  std::vector<double> x_hat;
  normalize(s, x, &x_hat);
  double loss = 0;
  for (int64_t n = 0; n < s.N; ++n)
    for (int64_t c = 0; c < s.C; ++c)
      for (int64_t p = 0; p < s.S; ++p) {
        const int64_t at = (n * s.C + c) * s.S + p;
        loss += (gamma[c] * x_hat[at] + beta[c]) * k.dout[at];
      }
  return loss;
}

void against_finite_differences(const Case& k) {
  std::vector<double> x = grade::to_doubles(k.x), gamma = grade::to_doubles(k.gamma), beta = grade::to_doubles(k.beta);
  auto dx = grade::numeric_gradient([&](const std::vector<double>& v) { return bn_loss(k, v, gamma, beta); }, x);
  auto dgamma = grade::numeric_gradient([&](const std::vector<double>& v) { return bn_loss(k, x, v, beta); }, gamma);
  auto dbeta = grade::numeric_gradient([&](const std::vector<double>& v) { return bn_loss(k, x, gamma, v); }, beta);
  Gradients g = student_backward(k);
  g.dx.expect_close(grade::to_floats(dx), 1e-4, 1e-3);
  g.dgamma.expect_close(grade::to_floats(dgamma), 1e-4, 1e-3);
  g.dbeta.expect_close(grade::to_floats(dbeta), 1e-4, 1e-3);
}

std::string in(const ag::Shape& shape) { return ", x " + ag::shape_str(shape); }

}  // namespace

int main(int argc, char** argv) {
  const ag::Shape flat{8, 3}, image{4, 5, 3, 3}, one_image{1, 2, 5, 5}, pairs{2, 3}, big{64, 4}, tiny{3, 2, 2, 2};
  std::vector<grade::Check> checks = {
      {"dx vs attograd's batch_norm backward" + in(flat) + " (N, C)", 10,
       [=] { against_attograd(make_case(flat, 1), "x"); }},
      {"dgamma and dbeta vs attograd" + in(flat), 10, [=] { against_attograd(make_case(flat, 2), "gb"); }},
      {"dx vs attograd" + in(image) + " (N, C, H, W)", 10, [=] { against_attograd(make_case(image, 3), "x"); }},
      {"dgamma and dbeta vs attograd" + in(image), 10, [=] { against_attograd(make_case(image, 4), "gb"); }},
      {"dx, dgamma, dbeta vs attograd" + in(one_image) + " (batch 1: statistics over positions)", 10,
       [=] { against_attograd(make_case(one_image, 5), "xgb"); }},
      {"dx, dgamma, dbeta vs attograd" + in(pairs) + " (two values per channel: x_hat = +-1, dx ~ 0)", 10,
       [=] { against_attograd(make_case(pairs, 6), "xgb"); }},
      {"dx, dgamma, dbeta vs attograd" + in(big) + " (a batch of 64)", 10,
       [=] { against_attograd(make_case(big, 7), "xgb"); }},
      {"dx vs attograd" + in(image) + ", values within ~1e-3 (eps matters, inv_std ~ 300)", 10,
       [=] { against_attograd(make_case(image, 8, 1e-3f), "x", 1e-2); }},
      {"dx, dgamma, dbeta vs finite differences of sum(batch_norm(x) * dout)" + in(tiny), 20,
       [=] { against_finite_differences(make_case(tiny, 9)); }},
  };
  // argv[1], when given, names the graded file in the report (make grade SRC=...).
  const char* student_file = argc > 1 ? argv[1] : "tutorials/exercises/batchnorm_backward.cpp";
  return grade::run_checks("Assignment A4: batch-norm backward", student_file, checks);
}
