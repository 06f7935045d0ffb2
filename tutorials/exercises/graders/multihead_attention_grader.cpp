// Grader of framework assignment F7, multi-head attention forward and backward
// (nn/attention.cpp, the regions marked "ASSIGNMENT multihead_attention/...").
//
// Source of truth: the same attention written here as plain loops in double
// (per head h, columns [h d, (h+1) d) of the projections: scores = q kᵀ / sqrt(d)
// plus the mask, softmax over the keys, times v, heads joined, out_proj), and
// central differences of it for the gradients: backward() of the student's
// composition must agree with them.
#include <cmath>
#include <limits>
#include <string>

#include "core/ag.h"
#include "nn/attention.h"
#include "tutorials/exercises/graders/grader.h"

namespace {

using Values = std::vector<double>;

struct Sizes {
  int64_t B, L, S, E, H;
  bool causal;
};

struct Params {  // the module's parameters, in double
  Values in_w, in_b, out_w, out_b;
};

// output (B, L, E) and per-head weights (B, H, L, S) of inputs query (B, L, E),
// key and value (B, S, E).
struct Result {
  Values out, weights;
};

// The reference can also make a classic mistake on purpose: when a student's
// output equals the reference computed with that mistake, the report names it.
enum class Bug { none, no_scale, transposed_in_proj, no_mask };

Result reference(const Sizes& z, const Params& p, const Values& query, const Values& key,
                 const Values& value, Bug bug = Bug::none) {
  const int64_t d = z.E / z.H;
  auto project = [&](const Values& x, int64_t T, int64_t part) {  // x (B, T, E) -> (B, T, E)
    Values y(static_cast<size_t>(z.B * T * z.E));
    for (int64_t r = 0; r < z.B * T; ++r)
      for (int64_t o = 0; o < z.E; ++o) {
        double acc = p.in_b[part * z.E + o];
        for (int64_t i = 0; i < z.E; ++i)  // linear: x Wᵀ, W's rows are the outputs
          acc += x[r * z.E + i] * (bug == Bug::transposed_in_proj
                                       ? p.in_w[(part * z.E + i) * z.E + o]
                                       : p.in_w[(part * z.E + o) * z.E + i]);
        y[r * z.E + o] = acc;
      }
    return y;
  };
  Values q = project(query, z.L, 0), k = project(key, z.S, 1), v = project(value, z.S, 2);
  Values joined(static_cast<size_t>(z.B * z.L * z.E), 0.0);
  Result result{Values(static_cast<size_t>(z.B * z.L * z.E)),
                Values(static_cast<size_t>(z.B * z.H * z.L * z.S))};
  for (int64_t b = 0; b < z.B; ++b)
    for (int64_t h = 0; h < z.H; ++h)
      for (int64_t i = 0; i < z.L; ++i) {
        double* w = &result.weights[((b * z.H + h) * z.L + i) * z.S];
        double max = -std::numeric_limits<double>::infinity(), sum = 0;
        for (int64_t j = 0; j < z.S; ++j) {
          double score = 0;
          for (int64_t c = 0; c < d; ++c)
            score += q[(b * z.L + i) * z.E + h * d + c] * k[(b * z.S + j) * z.E + h * d + c];
          const bool masked = z.causal && j > i && bug != Bug::no_mask;
          w[j] = masked ? -std::numeric_limits<double>::infinity()
                        : score / (bug == Bug::no_scale ? 1.0 : std::sqrt(double(d)));
          max = std::max(max, w[j]);
        }
        for (int64_t j = 0; j < z.S; ++j) sum += (w[j] = std::exp(w[j] - max));
        for (int64_t j = 0; j < z.S; ++j) w[j] /= sum;
        for (int64_t c = 0; c < d; ++c)
          for (int64_t j = 0; j < z.S; ++j)
            joined[(b * z.L + i) * z.E + h * d + c] += w[j] * v[(b * z.S + j) * z.E + h * d + c];
      }
  for (int64_t r = 0; r < z.B * z.L; ++r)
    for (int64_t o = 0; o < z.E; ++o) {
      double acc = p.out_b[o];
      for (int64_t i = 0; i < z.E; ++i) acc += joined[r * z.E + i] * p.out_w[o * z.E + i];
      result.out[r * z.E + o] = acc;
    }
  return result;
}

struct Setup {
  std::shared_ptr<ag::nn::MultiheadAttention> module;
  ag::Tensor query, key, value, mask;
  Params params;
};

Setup make_setup(const Sizes& z, uint64_t seed) {
  ag::manual_seed(seed);
  Setup s;
  s.module = std::make_shared<ag::nn::MultiheadAttention>(z.E, z.H);
  {  // nonzero biases: a bias in the wrong place must show
    ag::NoGradGuard no_grad;
    std::vector<float> in_b = grade::random_floats(3 * z.E, seed + 7, 0.5f),
                       out_b = grade::random_floats(z.E, seed + 8, 0.5f);
    std::copy(in_b.begin(), in_b.end(), s.module->in_proj_bias.data());
    std::copy(out_b.begin(), out_b.end(), s.module->out_proj->bias.data());
  }
  s.query = ag::from_vector(grade::random_floats(z.B * z.L * z.E, seed + 1), {z.B, z.L, z.E}, true);
  s.key = ag::from_vector(grade::random_floats(z.B * z.S * z.E, seed + 2), {z.B, z.S, z.E}, true);
  s.value = ag::from_vector(grade::random_floats(z.B * z.S * z.E, seed + 3), {z.B, z.S, z.E}, true);
  if (z.causal) {
    s.mask = ag::zeros({z.L, z.S});
    for (int64_t i = 0; i < z.L; ++i)
      for (int64_t j = i + 1; j < z.S; ++j)
        s.mask.data()[i * z.S + j] = -std::numeric_limits<float>::infinity();
  }
  const auto& m = *s.module;
  s.params = {grade::to_doubles(m.in_proj_weight.to_vector()),
              grade::to_doubles(m.in_proj_bias.to_vector()),
              grade::to_doubles(m.out_proj->weight.to_vector()),
              grade::to_doubles(m.out_proj->bias.to_vector())};
  return s;
}

std::pair<ag::Tensor, ag::Tensor> run(Setup& s, bool average) {
  ag::nn::AttentionMasks masks;
  masks.attn_mask = s.mask;
  return s.module->forward(s.query, s.key, s.value, masks, /*need_weights=*/true, average);
}

bool all_close(const std::vector<float>& got, const Values& expected) {
  if (got.size() != expected.size()) return false;
  for (size_t i = 0; i < got.size(); ++i)
    if (!(std::fabs(got[i] - expected[i]) <= 1e-4 + 1e-3 * std::fabs(expected[i]))) return false;
  return true;
}

// A wrong output that equals the reference computed with one classic mistake
// gets that mistake named (the element-wise report alone would only say
// "every element is wrong"). A mistake that changes nothing on this input (no
// mask to ignore) is skipped.
void name_the_bug(const Sizes& z, const Params& p, const Values& q, const Values& k,
                  const Values& v, const std::vector<float>& got) {
  const int64_t d = z.E / z.H;
  const std::string shape = ag::shape_str({z.B, z.L, z.E});
  const std::pair<Bug, std::string> known[] = {
      {Bug::no_scale,
       "equals multi-head attention without the 1/sqrt(d) scale (d = E / H = " + std::to_string(d) +
           "): divide the scores q kᵀ by sqrt(d) (or scale q "
           "by 1/sqrt(d)) before the softmax"},
      {Bug::transposed_in_proj,
       "equals multi-head attention with each in-projection weight transposed: linear(x, W) "
       "computes x Wᵀ, rows [part·E, (part+1)·E) of in_proj_weight are the q, k or v outputs; "
       "yours multiplies by the block itself"},
      {Bug::no_mask,
       "equals multi-head attention without attn_mask: the causal mask (-inf above the diagonal) "
       "was ignored; add it to the scores (or masked_fill them, for a bool mask) before the "
       "softmax"},
  };
  const Values correct = reference(z, p, q, k, v).out;
  for (const auto& [bug, what] : known) {
    const Values with_bug = reference(z, p, q, k, v, bug).out;
    if (all_close(grade::to_floats(with_bug), correct)) continue;
    if (all_close(got, with_bug)) throw grade::Wrong("output " + shape + ": " + what);
  }
}

// Every row of weights is a softmax over the keys: it sums to 1. Checked
// before anything is compared, so it shows under whichever comparison fails.
grade::Diagnosis rows_sum_to_one(const ag::Tensor& weights, int64_t S) {
  grade::Diagnosis d;
  if (!weights.defined()) return d;
  for (int64_t row = 0; row < weights.numel() / S; ++row) {
    double sum = 0;
    for (int64_t j = 0; j < S; ++j) sum += weights.data()[row * S + j];
    if (!(std::fabs(sum - 1) < 1e-4)) {
      d.invariant(false, "each row of weights sums to 1; row " + std::to_string(row) + " sums to " +
                             std::to_string(sum));
      d.hint("a softmax over the wrong dim, or weights taken before the softmax?");
      break;
    }
  }
  return d;
}

void check_forward(const Sizes& z, uint64_t seed, bool average) {
  Setup s = make_setup(z, seed);
  auto [out, weights] = run(s, average);
  const Values q = grade::to_doubles(s.query.to_vector()), k = grade::to_doubles(s.key.to_vector()),
               v = grade::to_doubles(s.value.to_vector());
  Result ref = reference(z, s.params, q, k, v);
  const grade::Diagnosis rows = rows_sum_to_one(weights, z.S);
  const ag::Tensor expected_out = ag::from_vector(grade::to_floats(ref.out), {z.B, z.L, z.E});
  if (out.defined() && out.shape() == expected_out.shape())
    name_the_bug(z, s.params, q, k, v, out.to_vector());
  grade::expect_close("output", out, expected_out, 1e-4, 1e-3, rows);
  grade::expect(weights.defined(), "weights: need_weights is true, but no weights came back");
  Values expected = ref.weights;
  ag::Shape shape{z.B, z.H, z.L, z.S};
  if (average) {  // the mean over the heads
    expected.assign(static_cast<size_t>(z.B * z.L * z.S), 0.0);
    for (int64_t b = 0; b < z.B; ++b)
      for (int64_t h = 0; h < z.H; ++h)
        for (int64_t r = 0; r < z.L * z.S; ++r)
          expected[b * z.L * z.S + r] += ref.weights[(b * z.H + h) * z.L * z.S + r] / z.H;
    shape = {z.B, z.L, z.S};
  }
  grade::expect_close("weights", weights, ag::from_vector(grade::to_floats(expected), shape), 1e-5,
                      1e-3, rows);
}

// Gradients of query, key, value and in_proj_weight, through backward().
void check_backward(const Sizes& z, uint64_t seed) {
  Setup s = make_setup(z, seed);
  std::vector<float> dout = grade::random_floats(z.B * z.L * z.E, seed + 4);
  ag::Tensor out = run(s, true).first;
  out.backward(ag::from_vector(dout, {z.B, z.L, z.E}));
  Values q = grade::to_doubles(s.query.to_vector()), k = grade::to_doubles(s.key.to_vector()),
         v = grade::to_doubles(s.value.to_vector());
  // A forward mistake makes every gradient wrong: name it rather than the gradients.
  if (out.shape() == ag::Shape{z.B, z.L, z.E}) name_the_bug(z, s.params, q, k, v, out.to_vector());
  auto loss = [&](const Params& p, const Values& qv, const Values& kv, const Values& vv) {
    Values out = reference(z, p, qv, kv, vv).out;
    double total = 0;
    for (size_t i = 0; i < out.size(); ++i) total += out[i] * dout[i];
    return total;
  };
  auto compare = [](const std::string& name, const ag::Tensor& t, const Values& expected) {
    grade::expect(t.grad().defined(), name + ": no gradient arrived");
    grade::expect_close(name, t.grad(), ag::from_vector(grade::to_floats(expected), t.shape()),
                        1e-4, 1e-3);
  };
  compare("dquery", s.query,
          grade::numeric_gradient([&](const Values& x) { return loss(s.params, x, k, v); }, q));
  compare("dkey", s.key,
          grade::numeric_gradient([&](const Values& x) { return loss(s.params, q, x, v); }, k));
  compare("dvalue", s.value,
          grade::numeric_gradient([&](const Values& x) { return loss(s.params, q, k, x); }, v));
  compare("d in_proj_weight", s.module->in_proj_weight,
          grade::numeric_gradient(
              [&](const Values& w) {
                Params p = s.params;
                p.in_w = w;
                return loss(p, q, k, v);
              },
              s.params.in_w));
}

std::string describe(const Sizes& z) {
  return "B=" + std::to_string(z.B) + " L=" + std::to_string(z.L) + " S=" + std::to_string(z.S) +
         " E=" + std::to_string(z.E) + " H=" + std::to_string(z.H) + (z.causal ? " causal" : "");
}

}  // namespace

int main(int argc, char** argv) {
  const Sizes self{2, 3, 3, 8, 2, false}, causal{2, 4, 4, 8, 4, true}, cross{1, 2, 5, 6, 3, false};
  const Sizes tiny{1, 3, 3, 4, 2, false}, tiny_causal{1, 3, 3, 4, 2, true},
      tiny_cross{1, 2, 3, 4, 2, false};
  std::vector<grade::Check> checks = {
      {"forward: output and head-averaged weights, " + describe(self), 20,
       [=] { check_forward(self, 1, true); }},
      {"forward: per-head weights (B, H, L, S), " + describe(self), 10,
       [=] { check_forward(self, 2, false); }},
      {"forward with a causal mask (-inf above the diagonal), " + describe(causal), 15,
       [=] { check_forward(causal, 3, true); }},
      {"forward, cross-attention (L != S), " + describe(cross), 10,
       [=] { check_forward(cross, 4, false); }},
      {"backward: dquery, dkey, dvalue, d in_proj_weight vs finite differences, " + describe(tiny),
       20, [=] { check_backward(tiny, 5); }},
      {"backward with the causal mask, " + describe(tiny_causal), 15,
       [=] { check_backward(tiny_causal, 6); }},
      {"backward, cross-attention, " + describe(tiny_cross), 10,
       [=] { check_backward(tiny_cross, 7); }},
  };
  const char* student_file = argc > 1 ? argv[1] : "nn/attention.cpp (regions: multihead_attention)";
  return grade::run_checks("Assignment F7: multi-head attention, forward and backward",
                           student_file, checks);
}
