// tests/helpers/nn_test_util.h: gradient checks for modules.
//
// ag::gradcheck copies its inputs into fresh leaves, which suits a function of
// tensors but not a module, whose forward reads the parameters it owns. This
// helper checks the module's own tensors in place instead: one backward gives
// the analytic gradients, then each element of each checked tensor is nudged
// by ±eps (grad mode off) and the central difference of
//   L = sum(out * r),  r fixed in [0.5, 1.5)
// (accumulated in double) must agree within atol + rtol·|numeric|.
#pragma once

#include <doctest/doctest.h>

#include <cmath>
#include <functional>
#include <sstream>
#include <string>
#include <vector>

#include "core/ag.h"
#include "nn/nn.h"
#include "tests/helpers/test_util.h"  // CHECK_FAILS_WITH

namespace nn_test {

struct Checked {
  std::string name;
  ag::Tensor tensor;  // a leaf that requires grad: an input or a parameter
};

// Returns "" when every element agrees, else a readable list of mismatches.
inline std::string check_gradients(const std::function<ag::Tensor()>& forward,
                                   std::vector<Checked> checked, double eps = 1e-3,
                                   double atol = 2e-3, double rtol = 2e-2) {
  for (auto& c : checked) c.tensor.zero_grad();
  ag::Tensor out = forward();
  ag::Generator gen(99);
  std::vector<float> r(out.numel());
  for (float& w : r) w = 0.5f + gen.uniform();
  out.backward(ag::from_vector(r, out.shape()));
  auto loss = [&] {
    ag::NoGradGuard no_grad;
    ag::Tensor o = forward();
    double total = 0.0;
    for (size_t i = 0; i < r.size(); ++i) total += static_cast<double>(o.data()[i]) * r[i];
    return total;
  };
  std::ostringstream report;
  int failures = 0;
  for (auto& c : checked) {
    ag::Tensor g = c.tensor.grad();
    float* p = c.tensor.data();
    for (int64_t i = 0; i < c.tensor.numel(); ++i) {
      const float original = p[i];
      p[i] = original + static_cast<float>(eps);
      const double plus = loss();
      p[i] = original - static_cast<float>(eps);
      const double minus = loss();
      p[i] = original;
      const double h = static_cast<double>(original + static_cast<float>(eps)) -
                       static_cast<double>(original - static_cast<float>(eps));
      const double numeric = (plus - minus) / h;
      const double analytic = g.defined() ? g.data()[i] : 0.0;
      if (!(std::fabs(analytic - numeric) <= atol + rtol * std::fabs(numeric)) && ++failures <= 5)
        report << c.name << " element " << i << ": analytic " << analytic << " vs numeric "
               << numeric << "\n";
    }
    c.tensor.zero_grad();
  }
  if (failures > 5) report << "... and " << failures - 5 << " more\n";
  return report.str();
}

// The names of a named_parameters()/named_buffers() list, in order.
inline std::vector<std::string> names(const ag::nn::NamedTensors& list) {
  std::vector<std::string> out;
  for (auto& e : list) out.push_back(e.first);
  return out;
}

// The input x (made a leaf that requires grad) plus every parameter of m.
inline std::vector<Checked> input_and_parameters(ag::nn::Module& m, ag::Tensor& x) {
  x.requires_grad_(true);
  std::vector<Checked> out{{"input", x}};
  for (auto& [name, t] : m.named_parameters()) out.push_back({name, t});
  return out;
}

}  // namespace nn_test
