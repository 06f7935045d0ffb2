// Grader of framework assignment F6, the Adam and AdamW step (optim/adam.cpp,
// the region marked "ASSIGNMENT adam/..."): the judge's side. Each check
// sends p0, one gradient per step and the options to adam_runner.cpp, which
// runs the optimizer, and compares p after every step.
//
// Source of truth: steps worked out by hand from the equations at the top of
// optim/adam.cpp (lr 0.1, betas 0.9 and 0.999, eps 1e-8 unless a check says
// otherwise). The gradient of each step is made exact: loss = sum(p * g)
// has d loss / d p = g.
#include <string>

#include "core/ag.h"
#include "tutorials/exercises/graders/judge.h"

namespace {

struct Options {
  float lr, weight_decay = 0.0f, eps = 1e-8f;
};

Options with(float lr, float weight_decay = 0.0f, float eps = 1e-8f) {
  return {lr, weight_decay, eps};
}

// One optimizer step per entry of gradients on p (starting at p0); p after
// every step must match `expected` (one vector per step).
judge::Check run(const std::string& name, int points, const std::string& optimizer,
                 const std::vector<float>& p0, const std::vector<std::vector<float>>& gradients,
                 Options options, const std::vector<std::vector<float>>& expected,
                 double atol = 1e-6, double rtol = 1e-5) {
  const int64_t n = static_cast<int64_t>(p0.size()), steps = static_cast<int64_t>(gradients.size());
  std::vector<float> all;
  for (const std::vector<float>& g : gradients) all.insert(all.end(), g.begin(), g.end());
  wire::Record in = judge::call("steps");
  in.put_text("optimizer", optimizer);
  in.put_floats("p0", {n}, p0);
  in.put_floats("gradients", {steps, n}, all);
  in.put_floats("lr", {1}, {options.lr});
  in.put_floats("weight_decay", {1}, {options.weight_decay});
  in.put_floats("eps", {1}, {options.eps});
  return {name, points, in, [=](const wire::Record&, const wire::Record& out) {
            judge::Got p(out, "p", {steps, n});
            for (int64_t step = 0; step < steps; ++step)
              grade::expect_close("p after step " + std::to_string(step + 1), {n},
                                  p.data() + step * n, expected[step].data(), atol, rtol);
          }};
}

// The visible checks, worth 100: they ship in a hand-out, for self-testing.
std::vector<judge::Check> visible_checks() {
  return {
      // Step 1: m = 0.1 g, v = 0.001 g^2; the bias corrections divide them by
      // 1 - 0.9 and 1 - 0.999, giving back g and g^2: the step is
      // lr * g / (|g| + eps) = lr * sign(g) (0.0999995 for g = 2e-3).
      // Without them it would be 0.1 g / sqrt(0.001 g^2) = 3.16 lr.
      run("Adam, first step: the bias corrections make it lr * sign(g)", 15, "Adam", {1, -2, 0.5f},
          {{0.5f, -3, 2e-3f}}, with(0.1f), {{0.9f, -1.9f, 0.4000005f}}),
      // A constant gradient keeps m_hat = g and v_hat = g^2 at every step.
      run("Adam, three steps of a constant gradient: lr * sign(g) each", 15, "Adam", {1, 0.5f},
          {{0.5f, 2e-3f}, {0.5f, 2e-3f}, {0.5f, 2e-3f}}, with(0.1f),
          {{0.9f, 0.4000005f}, {0.8f, 0.300001f}, {0.7f, 0.2000015f}}),
      // g = 1 then -1. Step 2: m = 0.9 * 0.1 - 0.1 = -0.01, v = 0.999 * 0.001
      // + 0.001 = 0.001999; corrections 1 - 0.81 = 0.19 and 1 - 0.998001 =
      // 0.001999: m_hat = -0.0526316, v_hat = 1, p = 0.9 + 0.1 * 0.0526316.
      run("Adam, a gradient that flips sign: 0.9 then 0.905263", 20, "Adam", {1}, {{1}, {-1}},
          with(0.1f), {{0.9f}, {0.9052632f}}),
      // Adam's weight decay is L2 in the gradient: g' = 0.5 + 0.1 p.
      // Step 1: g' = 0.7, p = 2 - 0.1 = 1.9. Step 2: g' = 0.69, m = 0.132,
      // v = 0.00097461; m_hat / sqrt(v_hat) = 0.694737 / 0.698248: p = 1.8000401.
      run("Adam with weight_decay 0.1: the decay is added to the gradient", 15, "Adam", {2},
          {{0.5f}, {0.5f}}, with(0.1f, 0.1f), {{1.9f}, {1.8000401f}}),
      // AdamW's decay is decoupled: p *= 1 - lr * wd first (2 * 0.99 = 1.98),
      // then the Adam step of the plain gradient (lr * sign(g)): 1.88; then
      // 1.88 * 0.99 - 0.1 = 1.7612.
      run("AdamW with weight_decay 0.1: p shrinks by lr * wd * p, apart from the gradient", 20,
          "AdamW", {2}, {{0.5f}, {0.5f}}, with(0.1f, 0.1f), {{1.88f}, {1.7612f}}),
      // g = 1e-10 is smaller than eps: m_hat = 1e-10, sqrt(v_hat) = 1e-10,
      // step = 0.1 * 1e-10 / (1e-10 + 1e-8) = 0.1 / 101.
      run("Adam, a gradient far below eps: the step is lr * g / (|g| + eps), not lr", 15, "Adam",
          {1}, {{1e-10f}}, with(0.1f), {{0.9990099f}}),
  };
}

}  // namespace

// The hidden checks (tests/exercise_hidden/, never in a hand-out) continue this
// file; mk/exercises.mk defines AG_HIDDEN_CHECKS where they exist.
#ifdef AG_HIDDEN_CHECKS
#include "tests/exercise_hidden/adam_hidden.h"
#define HIDDEN_CHECKS hidden_checks
#else
#define HIDDEN_CHECKS nullptr
#endif

int main(int argc, char** argv) {
  return judge::main(argc, argv,
                     {"Assignment F6: the Adam and AdamW step", "optim/adam.cpp (region: adam)",
                      visible_checks(), HIDDEN_CHECKS});
}
