// Grader of assignment A5, the SAGAN self-attention block (tutorials/exercises/self_attention.cpp).
//
// Source of truth: attograd's nn::SelfAttention (nn/models/attention_net.h):
// its output, its attention map (keep_attention) and the gradients backward()
// finds through it; then ag::gradcheck (finite differences) of the student's
// composition.
#include <cmath>
#include <memory>
#include <string>

#include "core/ag.h"
#include "nn/models/attention_net.h"
#include "tutorials/exercises/graders/grader.h"
#include "tutorials/exercises/self_attention.h"

namespace {

using ag::nn::SelfAttention;

// A fresh leaf holding t's values (requires grad): the student's copy of a
// parameter, so the module's and the student's gradients never mix.
ag::Tensor leaf_copy(const ag::Tensor& t) {
  return ag::from_vector(t.to_vector(), t.shape(), true);
}

struct Setup {
  ag::nn::ModuleHolder<SelfAttention> module;
  ag::Tensor x;                    // the module's input (a leaf that requires grad)
  ex::SelfAttentionParams params;  // copies of the module's parameters
  ag::Tensor x_copy;               // the student's input
};

// Module weights from a fixed seed, gamma set (0 would hide the attention
// path entirely), x random times x_scale.
Setup make_setup(const ag::Shape& x_shape, uint64_t seed, float gamma, float x_scale = 1.0f) {
  ag::manual_seed(seed);
  Setup s;
  s.module = std::make_shared<SelfAttention>(x_shape[1]);
  s.module->gamma.data()[0] = gamma;
  s.module->keep_attention = true;
  s.x = ag::from_vector(grade::random_floats(ag::numel_of(x_shape), seed + 100, x_scale), x_shape,
                        true);
  const SelfAttention& m = *s.module;
  s.params = {leaf_copy(m.query->weight), leaf_copy(m.query->bias),   leaf_copy(m.key->weight),
              leaf_copy(m.key->bias),     leaf_copy(m.value->weight), leaf_copy(m.value->bias),
              leaf_copy(m.gamma)};
  s.x_copy = leaf_copy(s.x);
  return s;
}

std::string in(const ag::Shape& x_shape) { return "x " + ag::shape_str(x_shape); }

void check_attention(const ag::Shape& x_shape, uint64_t seed) {
  Setup s = make_setup(x_shape, seed, 0.7f);
  s.module(s.x);
  ex::SelfAttentionResult mine = ex::self_attention_forward(s.x_copy, s.params);
  grade::Diagnosis d;  // each row i is a softmax over positions j: it sums to 1
  if (mine.attention.defined() && mine.attention.dim() == 3) {
    const int64_t rows = mine.attention.size(0) * mine.attention.size(1),
                  P = mine.attention.size(2);
    for (int64_t row = 0; row < rows; ++row) {
      double sum = 0;
      for (int64_t j = 0; j < P; ++j) sum += mine.attention.data()[row * P + j];
      if (!(std::fabs(sum - 1) < 1e-4)) {
        d.invariant(false, "each row of attention sums to 1; row " + std::to_string(row) +
                               " sums to " + std::to_string(sum) +
                               " (a softmax over the wrong dim, or a transposed bmm?)");
        break;
      }
    }
  }
  grade::expect_close("attention", mine.attention, s.module->last_attention, 1e-5, 1e-3, d);
}

void check_out(const ag::Shape& x_shape, uint64_t seed, float gamma, float x_scale = 1.0f) {
  Setup s = make_setup(x_shape, seed, gamma, x_scale);
  ag::Tensor expected = s.module(s.x);
  ex::SelfAttentionResult mine = ex::self_attention_forward(s.x_copy, s.params);
  grade::expect_close("out", mine.out, expected, 1e-4, 1e-3);
}

void expect_gradient(const std::string& what, const ag::Tensor& mine, const ag::Tensor& expected) {
  grade::expect(mine.grad().defined(),
                what +
                    " got no gradient from backward(): is every step an attograd op "
                    "(no values copied out through data())?");
  grade::expect_close("gradient of " + what, mine.grad(), expected.grad(), 1e-4, 1e-3);
}

// backward(dout) through the module and through the student's composition.
void check_gradients(const ag::Shape& x_shape, uint64_t seed) {
  Setup s = make_setup(x_shape, seed, 0.7f);
  ag::Tensor expected = s.module(s.x);
  ag::Tensor dout =
      ag::from_vector(grade::random_floats(expected.numel(), seed + 200), expected.shape());
  expected.backward(dout);
  ex::SelfAttentionResult mine = ex::self_attention_forward(s.x_copy, s.params);
  grade::expect(mine.out.defined() && mine.out.shape() == expected.shape(),
                "out: expected shape " + ag::shape_str(expected.shape()) + ", got " +
                    (mine.out.defined() ? ag::shape_str(mine.out.shape())
                                        : std::string("an undefined tensor")));
  grade::expect(mine.out.requires_grad(),
                "out does not require grad: backward() cannot reach x or the parameters");
  mine.out.backward(dout);
  const SelfAttention& m = *s.module;
  expect_gradient("x", s.x_copy, s.x);
  expect_gradient("gamma", s.params.gamma, m.gamma);
  expect_gradient("query_weight", s.params.query_weight, m.query->weight);
  expect_gradient("key_bias", s.params.key_bias, m.key->bias);
  expect_gradient("value_weight", s.params.value_weight, m.value->weight);
  expect_gradient("value_bias", s.params.value_bias, m.value->bias);
}

// ag::gradcheck of the student's out with respect to x, gamma and key_weight.
void check_gradcheck(const ag::Shape& x_shape, uint64_t seed) {
  Setup s = make_setup(x_shape, seed, 0.7f);
  ex::SelfAttentionParams params = s.params;
  auto fn = [&params](const std::vector<ag::Tensor>& inputs) {
    ex::SelfAttentionParams p = params;
    p.gamma = inputs[1];
    p.key_weight = inputs[2];
    return ex::self_attention_forward(inputs[0], p).out;
  };
  ag::GradcheckResult result = ag::gradcheck(fn, {s.x_copy, params.gamma, params.key_weight});
  grade::expect(result.ok, result.report);
}

}  // namespace

int main(int argc, char** argv) {
  const ag::Shape square{2, 8, 4, 4}, wide{1, 16, 3, 5}, c24{3, 24, 2, 2}, grads{2, 16, 3, 3},
      tiny{1, 8, 2, 3}, single{2, 8, 1, 1}, loud{2, 8, 3, 3};
  std::vector<grade::Check> checks = {
      {"attention map (N, P, P) vs nn::SelfAttention's, " + in(square), 15,
       [=] { check_attention(square, 1); }},
      {"out vs nn::SelfAttention, " + in(square) + ", gamma 0.7", 15,
       [=] { check_out(square, 2, 0.7f); }},
      {"out vs nn::SelfAttention, " + in(wide) + " (batch 1, a 3x5 map)", 10,
       [=] { check_out(wide, 3, -1.3f); }},
      {"out vs nn::SelfAttention, " + in(c24) + " (C/8 = 3)", 10, [=] { check_out(c24, 4, 0.5f); }},
      {"out vs nn::SelfAttention, " + in(single) + " (one position: attention is [[1]])", 10,
       [=] { check_out(single, 5, 2.0f); }},
      {"out vs nn::SelfAttention, " + in(loud) +
           " times 20 (large energies: the softmax saturates)",
       10, [=] { check_out(loud, 6, 0.7f, 20.0f); }},
      {"gradients of x, gamma, query_weight, key_bias, value_weight, value_bias vs the module's, " +
           in(grads),
       20, [=] { check_gradients(grads, 7); }},
      {"ag::gradcheck of out with respect to x, gamma and key_weight, " + in(tiny), 10,
       [=] { check_gradcheck(tiny, 8); }},
  };
  // argv[1], when given, names the graded file in the report (make grade SRC=...).
  const char* student_file = argc > 1 ? argv[1] : "tutorials/exercises/self_attention.cpp";
  return grade::run_checks("Assignment A5: the SAGAN self-attention block", student_file, checks);
}
