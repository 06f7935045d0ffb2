// tests/exercise_hidden/adam_hidden.h: F6's hidden checks (the teacher's only).
//
// Never in a hand-out (make handout leaves tests/exercise_hidden/ out): p0,
// the gradients, lr and weight_decay are drawn from a seed of the student's
// name, the assignment and the salt below (judge::student_seed); the
// expected p after each step comes from the equations at the top of
// optim/adam.cpp, written again here in double (so the tolerance allows for
// the float rounding of the real step). adam_grader.cpp includes this file
// at its end. The points add up to 100.
#pragma once

#include <cmath>

namespace {

// p after each step, in double: Adam (L2 decay in the gradient) or AdamW (decoupled).
std::vector<std::vector<float>> adam_reference(bool decoupled, std::vector<double> p,
                                               const std::vector<std::vector<float>>& gradients,
                                               const Options& o) {
  const double beta1 = 0.9, beta2 = 0.999, lr = o.lr, wd = o.weight_decay, eps = o.eps;
  std::vector<double> m(p.size(), 0.0), v(p.size(), 0.0);
  std::vector<std::vector<float>> after;
  for (size_t t = 1; t <= gradients.size(); ++t) {
    for (size_t i = 0; i < p.size(); ++i) {
      double g = gradients[t - 1][i];
      if (decoupled)
        p[i] -= lr * wd * p[i];
      else
        g += wd * p[i];
      m[i] = beta1 * m[i] + (1 - beta1) * g;
      v[i] = beta2 * v[i] + (1 - beta2) * g * g;
      const double m_hat = m[i] / (1 - std::pow(beta1, t)), v_hat = v[i] / (1 - std::pow(beta2, t));
      p[i] -= lr * m_hat / (std::sqrt(v_hat) + eps);
    }
    after.emplace_back(p.begin(), p.end());
  }
  return after;
}

std::vector<judge::Check> hidden_checks(const std::string& student) {
  ag::Generator pick(judge::student_seed("adam", student, "F6: hidden 0c8f5a"));
  auto count = [&](int64_t low, int64_t high) { return low + pick.randint(high - low + 1); };
  auto values = [&](int64_t n, float scale) {
    std::vector<float> v(static_cast<size_t>(n));
    for (float& x : v) x = pick.normal() * scale;
    return v;
  };
  auto check = [&](const std::string& name, int points, const std::string& optimizer, int64_t steps,
                   float lr, float weight_decay) {
    const int64_t n = count(2, 8);
    const std::vector<float> p0 = values(n, 1.0f);
    std::vector<std::vector<float>> gradients;
    for (int64_t s = 0; s < steps; ++s) gradients.push_back(values(n, 0.5f));
    const Options options = with(lr, weight_decay);
    return run(name + " (" + std::to_string(n) + " values, " + std::to_string(steps) +
                   " steps from your name)",
               points, optimizer, p0, gradients, options,
               adam_reference(optimizer == "AdamW", grade::to_doubles(p0), gradients, options),
               1e-5, 1e-4);
  };
  const float lr = 0.01f * static_cast<float>(count(1, 20));
  const float wd = 0.01f * static_cast<float>(count(1, 20));
  return {
      check("Adam, random gradients", 30, "Adam", count(3, 6), lr, 0.0f),
      check("Adam with weight_decay", 35, "Adam", count(2, 5), lr, wd),
      check("AdamW with weight_decay", 35, "AdamW", count(2, 5), lr, wd),
  };
}

}  // namespace
