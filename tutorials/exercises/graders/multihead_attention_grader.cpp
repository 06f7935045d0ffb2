// Grader of framework assignment F7, multi-head attention forward and backward
// (nn/attention.cpp, the regions marked "ASSIGNMENT multihead_attention/..."):
// the judge's side. Each check makes the parameters and the inputs, sends
// them to multihead_attention_runner.cpp (which loads them into an
// nn::MultiheadAttention and calls its forward, and backward), and compares
// what comes back.
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
#include "tutorials/exercises/graders/judge.h"

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

// A check's inputs, made here: the module's parameters (nonzero biases, so a
// bias in the wrong place shows), query, key, value, and dout for backward.
struct Setup {
  Sizes z;
  Params params;
  Values query, key, value;
  std::vector<float> dout;
  wire::Record record(const std::string& entry) const;
};

Setup make_setup(const Sizes& z, uint64_t seed) {
  Setup s{z, {}, {}, {}, {}, grade::random_floats(z.B * z.L * z.E, seed + 4)};
  s.params = {grade::to_doubles(grade::random_floats(3 * z.E * z.E, seed + 5, 0.3f)),
              grade::to_doubles(grade::random_floats(3 * z.E, seed + 7, 0.5f)),
              grade::to_doubles(grade::random_floats(z.E * z.E, seed + 6, 0.3f)),
              grade::to_doubles(grade::random_floats(z.E, seed + 8, 0.5f))};
  s.query = grade::to_doubles(grade::random_floats(z.B * z.L * z.E, seed + 1));
  s.key = grade::to_doubles(grade::random_floats(z.B * z.S * z.E, seed + 2));
  s.value = grade::to_doubles(grade::random_floats(z.B * z.S * z.E, seed + 3));
  return s;
}

wire::Record Setup::record(const std::string& entry) const {
  wire::Record in = judge::call(entry);
  in.put_int("E", z.E);
  in.put_int("H", z.H);
  in.put_floats("in_proj_weight", {3 * z.E, z.E}, grade::to_floats(params.in_w));
  in.put_floats("in_proj_bias", {3 * z.E}, grade::to_floats(params.in_b));
  in.put_floats("out_proj.weight", {z.E, z.E}, grade::to_floats(params.out_w));
  in.put_floats("out_proj.bias", {z.E}, grade::to_floats(params.out_b));
  in.put_floats("query", {z.B, z.L, z.E}, grade::to_floats(query));
  in.put_floats("key", {z.B, z.S, z.E}, grade::to_floats(key));
  in.put_floats("value", {z.B, z.S, z.E}, grade::to_floats(value));
  if (z.causal) {  // -inf above the diagonal: query i sees keys 0..i
    std::vector<float> mask(static_cast<size_t>(z.L * z.S), 0.0f);
    for (int64_t i = 0; i < z.L; ++i)
      for (int64_t j = i + 1; j < z.S; ++j)
        mask[i * z.S + j] = -std::numeric_limits<float>::infinity();
    in.put_floats("attn_mask", {z.L, z.S}, mask);
  }
  return in;
}

// The tensor `name` the runner sent, of shape `shape`, or Wrong saying what is missing.
const std::vector<float>& got(const wire::Record& out, const std::string& name,
                              const ag::Shape& shape, const std::string& missing) {
  if (!out.has(name)) throw judge::Wrong(name + ": " + missing);
  const wire::Floats& f = out.floats(name);
  grade::expect(f.shape == shape, name + ": expected shape " + ag::shape_str(shape) + ", got " +
                                      ag::shape_str(f.shape));
  return f.values;
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
grade::Diagnosis rows_sum_to_one(const wire::Record& out, int64_t S) {
  grade::Diagnosis d;
  if (!out.has("weights")) return d;
  const std::vector<float>& weights = out.floats("weights").values;
  for (size_t row = 0; row < weights.size() / S; ++row) {
    double sum = 0;
    for (int64_t j = 0; j < S; ++j) sum += weights[row * S + j];
    if (!(std::fabs(sum - 1) < 1e-4)) {
      d.invariant(false, "each row of weights sums to 1; row " + std::to_string(row) + " sums to " +
                             std::to_string(sum));
      d.hint("a softmax over the wrong dim, or weights taken before the softmax?");
      break;
    }
  }
  return d;
}

// The forward: the output, then the weights (head-averaged or per head).
judge::Check forward_check(const std::string& name, int points, const Sizes& z, uint64_t seed,
                           bool average) {
  const Setup s = make_setup(z, seed);
  wire::Record in = s.record("forward");
  in.put_int("average", average);
  return {name, points, in, [=](const wire::Record&, const wire::Record& out) {
            const Result ref = reference(z, s.params, s.query, s.key, s.value);
            const grade::Diagnosis rows = rows_sum_to_one(out, z.S);
            const ag::Shape out_shape{z.B, z.L, z.E};
            const std::vector<float>& output =
                got(out, "output", out_shape, "your forward returned an undefined tensor");
            name_the_bug(z, s.params, s.query, s.key, s.value, output);
            grade::expect_close("output", out_shape, output.data(),
                                grade::to_floats(ref.out).data(), 1e-4, 1e-3, rows);
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
            const std::vector<float>& weights =
                got(out, "weights", shape, "need_weights is true, but no weights came back");
            grade::expect_close("weights", shape, weights.data(), grade::to_floats(expected).data(),
                                1e-5, 1e-3, rows);
          }};
}

// Gradients of query, key, value and in_proj_weight, through backward(),
// against central differences of the reference.
judge::Check backward_check(const std::string& name, int points, const Sizes& z, uint64_t seed) {
  const Setup s = make_setup(z, seed);
  wire::Record in = s.record("backward");
  in.put_floats("dout", {z.B, z.L, z.E}, s.dout);
  return {
      name, points, in, [=](const wire::Record&, const wire::Record& out) {
        // A forward mistake makes every gradient wrong: name it rather than the gradients.
        name_the_bug(
            z, s.params, s.query, s.key, s.value,
            got(out, "output", {z.B, z.L, z.E}, "your forward returned an undefined tensor"));
        auto loss = [&](const Params& p, const Values& qv, const Values& kv, const Values& vv) {
          Values o = reference(z, p, qv, kv, vv).out;
          double total = 0;
          for (size_t i = 0; i < o.size(); ++i) total += o[i] * s.dout[i];
          return total;
        };
        auto compare = [&](const std::string& what, const ag::Shape& shape,
                           const Values& expected) {
          const std::vector<float>& g = got(out, what, shape, "no gradient arrived");
          grade::expect_close(what, shape, g.data(), grade::to_floats(expected).data(), 1e-4, 1e-3);
        };
        const Values &q = s.query, &k = s.key, &v = s.value;
        compare(
            "dquery", {z.B, z.L, z.E},
            grade::numeric_gradient([&](const Values& x) { return loss(s.params, x, k, v); }, q));
        compare(
            "dkey", {z.B, z.S, z.E},
            grade::numeric_gradient([&](const Values& x) { return loss(s.params, q, x, v); }, k));
        compare(
            "dvalue", {z.B, z.S, z.E},
            grade::numeric_gradient([&](const Values& x) { return loss(s.params, q, k, x); }, v));
        compare("d in_proj_weight", {3 * z.E, z.E},
                grade::numeric_gradient(
                    [&](const Values& w) {
                      Params p = s.params;
                      p.in_w = w;
                      return loss(p, q, k, v);
                    },
                    s.params.in_w));
      }};
}

std::string describe(const Sizes& z) {
  return "B=" + std::to_string(z.B) + " L=" + std::to_string(z.L) + " S=" + std::to_string(z.S) +
         " E=" + std::to_string(z.E) + " H=" + std::to_string(z.H) + (z.causal ? " causal" : "");
}

// The visible checks, worth 100: they ship in a hand-out, for self-testing.
std::vector<judge::Check> visible_checks() {
  const Sizes self{2, 3, 3, 8, 2, false}, causal{2, 4, 4, 8, 4, true}, cross{1, 2, 5, 6, 3, false};
  const Sizes tiny{1, 3, 3, 4, 2, false}, tiny_causal{1, 3, 3, 4, 2, true},
      tiny_cross{1, 2, 3, 4, 2, false};
  return {
      forward_check("forward: output and head-averaged weights, " + describe(self), 20, self, 1,
                    true),
      forward_check("forward: per-head weights (B, H, L, S), " + describe(self), 10, self, 2,
                    false),
      forward_check("forward with a causal mask (-inf above the diagonal), " + describe(causal), 15,
                    causal, 3, true),
      forward_check("forward, cross-attention (L != S), " + describe(cross), 10, cross, 4, false),
      backward_check("backward: dquery, dkey, dvalue, d in_proj_weight vs finite differences, " +
                         describe(tiny),
                     20, tiny, 5),
      backward_check("backward with the causal mask, " + describe(tiny_causal), 15, tiny_causal, 6),
      backward_check("backward, cross-attention, " + describe(tiny_cross), 10, tiny_cross, 7),
  };
}

}  // namespace

// The hidden checks (tests/exercise_hidden/, never in a hand-out) continue this
// file; mk/exercises.mk defines AG_HIDDEN_CHECKS where they exist.
#ifdef AG_HIDDEN_CHECKS
#include "tests/exercise_hidden/multihead_attention_hidden.h"
#define HIDDEN_CHECKS hidden_checks
#else
#define HIDDEN_CHECKS nullptr
#endif

int main(int argc, char** argv) {
  return judge::main(
      argc, argv,
      {"Assignment F7: multi-head attention, forward and backward",
       "nn/attention.cpp (regions: multihead_attention)", visible_checks(), HIDDEN_CHECKS});
}
