// Grader of assignment A5, the SAGAN self-attention block (tutorials/exercises/self_attention.cpp).
//
// Source of truth: attograd's nn::SelfAttention (nn/models/attention_net.h):
// its output, its attention map (keep_attention) and the gradients backward()
// finds through it; then a gradcheck (finite differences) of the student's
// composition. The student's code runs in the runner (self_attention_runner.cpp:
// entries "forward", "gradients" and "gradcheck"), which sends back tensors.
#include <cmath>
#include <memory>
#include <string>

#include "core/ag.h"
#include "nn/models/attention_net.h"
#include "tutorials/exercises/graders/judge.h"

namespace {

using ag::nn::SelfAttention;

struct Setup {
  ag::nn::ModuleHolder<SelfAttention> module;
  ag::Tensor x;       // the module's input (a leaf that requires grad)
  wire::Record call;  // x and the module's parameters, for the student's copy
};

// Module weights from a fixed seed, gamma set (0 would hide the attention
// path entirely), x random times x_scale.
Setup make_setup(const std::string& entry, const ag::Shape& x_shape, uint64_t seed, float gamma,
                 float x_scale = 1.0f) {
  ag::manual_seed(seed);
  Setup s;
  s.module = std::make_shared<SelfAttention>(x_shape[1]);
  s.module->gamma.data()[0] = gamma;
  s.module->keep_attention = true;
  s.x = ag::from_vector(grade::random_floats(ag::numel_of(x_shape), seed + 100, x_scale), x_shape,
                        true);
  const SelfAttention& m = *s.module;
  s.call = judge::call(entry);
  for (auto [name, t] : {std::pair<const char*, ag::Tensor>{"x", s.x},
                         {"query_weight", m.query->weight},
                         {"query_bias", m.query->bias},
                         {"key_weight", m.key->weight},
                         {"key_bias", m.key->bias},
                         {"value_weight", m.value->weight},
                         {"value_bias", m.value->bias},
                         {"gamma", m.gamma}})
    s.call.put_floats(name, t.shape(), t.to_vector());
  return s;
}

std::string in(const ag::Shape& x_shape) { return "x " + ag::shape_str(x_shape); }

judge::Check attention_check(const std::string& name, int points, const ag::Shape& x_shape,
                             uint64_t seed) {
  Setup s = make_setup("forward", x_shape, seed, 0.7f);
  s.module(s.x);
  const ag::Tensor expected = s.module->last_attention;
  return {name, points, s.call, [=](const wire::Record&, const wire::Record& outputs) {
            const ag::Tensor mine = judge::got_tensor(outputs, "attention");
            grade::Diagnosis d;  // each row i is a softmax over positions j: it sums to 1
            if (mine.dim() == 3) {
              const int64_t rows = mine.size(0) * mine.size(1), P = mine.size(2);
              for (int64_t row = 0; row < rows; ++row) {
                double sum = 0;
                for (int64_t j = 0; j < P; ++j) sum += mine.data()[row * P + j];
                if (!(std::fabs(sum - 1) < 1e-4)) {
                  d.invariant(false, "each row of attention sums to 1; row " + std::to_string(row) +
                                         " sums to " + std::to_string(sum) +
                                         " (a softmax over the wrong dim, or a transposed bmm?)");
                  break;
                }
              }
            }
            grade::expect_close("attention", mine, expected, 1e-5, 1e-3, d);
          }};
}

judge::Check out_check(const std::string& name, int points, const ag::Shape& x_shape, uint64_t seed,
                       float gamma, float x_scale = 1.0f) {
  Setup s = make_setup("forward", x_shape, seed, gamma, x_scale);
  const ag::Tensor expected = s.module(s.x);
  return {name, points, s.call, [=](const wire::Record&, const wire::Record& outputs) {
            grade::expect_close("out", judge::got_tensor(outputs, "out"), expected, 1e-4, 1e-3);
          }};
}

// backward(dout) through the module, and through the student's composition in the runner.
judge::Check gradients_check(const std::string& name, int points, const ag::Shape& x_shape,
                             uint64_t seed) {
  Setup s = make_setup("gradients", x_shape, seed, 0.7f);
  ag::Tensor expected = s.module(s.x);
  ag::Tensor dout =
      ag::from_vector(grade::random_floats(expected.numel(), seed + 200), expected.shape());
  expected.backward(dout);
  s.call.put_floats("dout", dout.shape(), dout.to_vector());
  const SelfAttention& m = *s.module;
  std::vector<std::pair<std::string, ag::Tensor>> grads;
  for (auto [what, t] : {std::pair<const char*, ag::Tensor>{"x", s.x},
                         {"gamma", m.gamma},
                         {"query_weight", m.query->weight},
                         {"key_bias", m.key->bias},
                         {"value_weight", m.value->weight},
                         {"value_bias", m.value->bias}})
    grads.push_back({what, t.grad()});
  const ag::Shape out_shape = expected.shape();
  return {name, points, s.call, [=](const wire::Record&, const wire::Record& outputs) {
            const bool defined = !outputs.has("out.undefined");
            const ag::Tensor out = defined ? judge::got_tensor(outputs, "out") : ag::Tensor();
            grade::expect(
                defined && out.shape() == out_shape,
                "out: expected shape " + ag::shape_str(out_shape) + ", got " +
                    (defined ? ag::shape_str(out.shape()) : std::string("an undefined tensor")));
            grade::expect(outputs.integer("out.requires_grad") != 0,
                          "out does not require grad: backward() cannot reach x or the parameters");
            for (const auto& [what, expected_grad] : grads) {
              grade::expect(!outputs.has("grad." + what + ".undefined"),
                            what +
                                " got no gradient from backward(): is every step an attograd op "
                                "(no values copied out through data())?");
              grade::expect_close("gradient of " + what, judge::got_tensor(outputs, "grad." + what),
                                  expected_grad, 1e-4, 1e-3);
            }
          }};
}

// As ag::gradcheck: the gradients backward() gives the student's out with
// respect to x, gamma and key_weight against central differences of the
// student's forward (the runner measures both; the comparison is here).
judge::Check gradcheck_check(const std::string& name, int points, const ag::Shape& x_shape,
                             uint64_t seed) {
  Setup s = make_setup("gradcheck", x_shape, seed, 0.7f);
  ag::Tensor out = s.module(s.x);
  std::vector<float> r(static_cast<size_t>(out.numel()));  // fixed weights in [0.5, 1.5)
  ag::Generator weights(seed + 300);
  for (float& v : r) v = 0.5f + weights.uniform();
  s.call.put_floats("dout", out.shape(), r);
  return {name, points, s.call, [=](const wire::Record&, const wire::Record& outputs) {
            const ag::Tensor mine = judge::got_tensor(outputs, "out");
            grade::expect(mine.shape() == out.shape(), "out: expected shape " +
                                                           ag::shape_str(out.shape()) + ", got " +
                                                           ag::shape_str(mine.shape()));
            for (const char* what : {"x", "gamma", "key_weight"}) {
              const std::string analytic = std::string("analytic.") + what;
              grade::expect(outputs.has(analytic) && !outputs.has(analytic + ".undefined"),
                            std::string("gradcheck: ") + what +
                                " got no gradient from backward() (does out require grad?)");
              const ag::Tensor a = judge::got_tensor(outputs, analytic),
                               n = judge::got_tensor(outputs, std::string("numeric.") + what);
              grade::expect_close(std::string("gradcheck: d sum(out * r) / d ") + what +
                                      " from backward() vs central differences",
                                  a, n, 1e-3, 1e-2);
            }
          }};
}

const ag::Shape square{2, 8, 4, 4}, wide{1, 16, 3, 5}, c24{3, 24, 2, 2}, grads{2, 16, 3, 3},
    tiny{1, 8, 2, 3}, single{2, 8, 1, 1}, loud{2, 8, 3, 3};

// The visible checks, worth 100: they ship in a hand-out, for self-testing.
std::vector<judge::Check> visible_checks() {
  return {
      attention_check("attention map (N, P, P) vs nn::SelfAttention's, " + in(square), 15, square,
                      1),
      out_check("out vs nn::SelfAttention, " + in(square) + ", gamma 0.7", 15, square, 2, 0.7f),
      out_check("out vs nn::SelfAttention, " + in(wide) + " (batch 1, a 3x5 map)", 10, wide, 3,
                -1.3f),
      out_check("out vs nn::SelfAttention, " + in(c24) + " (C/8 = 3)", 10, c24, 4, 0.5f),
      out_check("out vs nn::SelfAttention, " + in(single) + " (one position: attention is [[1]])",
                10, single, 5, 2.0f),
      out_check("out vs nn::SelfAttention, " + in(loud) +
                    " times 20 (large energies: the softmax saturates)",
                10, loud, 6, 0.7f, 20.0f),
      gradients_check(
          "gradients of x, gamma, query_weight, key_bias, value_weight, value_bias vs the "
          "module's, " +
              in(grads),
          20, grads, 7),
      gradcheck_check("ag::gradcheck of out with respect to x, gamma and key_weight, " + in(tiny),
                      10, tiny, 8),
  };
}

}  // namespace

// The hidden checks (tests/exercise_hidden/, never in a hand-out) continue this
// file; mk/exercises.mk defines AG_HIDDEN_CHECKS where they exist.
#ifdef AG_HIDDEN_CHECKS
#include "tests/exercise_hidden/self_attention_hidden.h"
#define HIDDEN_CHECKS hidden_checks
#else
#define HIDDEN_CHECKS nullptr
#endif

int main(int argc, char** argv) {
  return judge::main(argc, argv,
                     {"Assignment A5: the SAGAN self-attention block",
                      "tutorials/exercises/self_attention.cpp", visible_checks(), HIDDEN_CHECKS});
}
