// core/gradcheck.cpp: finite differences against backward().
#include "core/gradcheck.h"

#include <cmath>
#include <sstream>

#include "core/autograd.h"

namespace ag {

// L = sum(out * weights), accumulated in double so the finite difference is not
// drowned in float rounding. A perturbed input must give an output of the
// unperturbed shape (one weight per element), or there is nothing to compare.
static double project(const Tensor& out, const std::vector<float>& weights, const Shape& shape) {
  if (!out.defined() || out.shape() != shape)
    fail("gradcheck: with an input perturbed by eps the function returned ",
         out.defined() ? shape_str(out.shape()) : std::string("an undefined tensor"),
         " instead of ", shape);
  double total = 0.0;
  const float* p = out.data();
  for (size_t i = 0; i < weights.size(); ++i) total += static_cast<double>(p[i]) * weights[i];
  return total;
}

GradcheckResult gradcheck(const GradcheckFn& fn, const std::vector<Tensor>& inputs, double eps,
                          double atol, double rtol) {
  // Fresh leaves with copies of the inputs' data, so the caller's tensors and
  // their .grad() stay untouched.
  std::vector<Tensor> leaves;
  for (const Tensor& in : inputs) {
    if (!in.defined()) {
      leaves.push_back(in);
      continue;
    }
    Tensor leaf = from_vector(in.to_vector(), in.shape(), in.requires_grad());
    leaf.set_name(in.name());  // so the report can say which input failed
    leaves.push_back(leaf);
  }

  Tensor out = fn(leaves);
  if (!out.defined()) return {false, "gradcheck: the function returned an undefined tensor"};
  // Fixed pseudo-random weights in [0.5, 1.5): every output element counts, none cancels.
  Generator weights_gen(1234);
  std::vector<float> weights(out.numel());
  for (float& w : weights) w = 0.5f + weights_gen.uniform();

  if (!out.requires_grad())
    return {false, "gradcheck: the output does not require grad (no input requires grad?)"};
  out.backward(from_vector(weights, out.shape()));

  std::ostringstream report;
  int failures = 0;
  for (size_t k = 0; k < leaves.size(); ++k) {
    Tensor x = leaves[k];
    if (!x.defined() || !x.requires_grad()) continue;
    Tensor analytic = x.grad();
    for (int64_t i = 0; i < x.numel(); ++i) {
      float* p = x.data();
      const float original = p[i];
      double plus, minus;
      {
        NoGradGuard no_grad;
        p[i] = original + static_cast<float>(eps);
        plus = project(fn(leaves), weights, out.shape());
        p[i] = original - static_cast<float>(eps);
        minus = project(fn(leaves), weights, out.shape());
        p[i] = original;
      }
      // The perturbation actually applied, as a float, may differ from eps.
      double h = (static_cast<double>(original + static_cast<float>(eps)) -
                  static_cast<double>(original - static_cast<float>(eps)));
      double numeric = (plus - minus) / h;
      double got = analytic.defined() ? analytic.data()[i] : 0.0;
      double error = std::fabs(got - numeric);
      if (!(error <= atol + rtol * std::fabs(numeric))) {  // also catches NaN
        if (++failures <= 5) {
          report << "gradcheck: input " << k;
          if (!x.name().empty()) report << " '" << x.name() << "'";
          report << " of shape " << shape_str(x.shape()) << ", element " << index_str(i, x.shape())
                 << ": analytic " << got << " vs numeric " << numeric << " (error " << error
                 << ", allowed " << atol + rtol * std::fabs(numeric) << ")"
                 << (analytic.defined() ? "" : " [backward gave this input no gradient]") << "\n";
        }
      }
    }
  }
  if (failures > 5)
    report << "gradcheck: ... and " << failures - 5 << " more mismatching elements\n";
  return {failures == 0, report.str()};
}

}  // namespace ag
