// Grader of assignment A2, scaled dot-product attention (tutorials/exercises/attention.cpp).
//
// Sources of truth: the same attention composed of attograd ops (bmm,
// masked_fill, softmax) with gradients from backward(), and central
// differences of a double-precision forward written here.
// The backward checks hand the student attograd's weights, so a forward bug
// is not charged twice. The student's code runs in the runner
// (attention_runner.cpp: entries "forward" and "backward").
#include <cmath>
#include <limits>
#include <string>

#include "core/ag.h"
#include "tutorials/exercises/attention.h"
#include "tutorials/exercises/graders/judge.h"

namespace {

using ex::AttentionShape;
using judge::Got;

std::string describe(const AttentionShape& s) {
  std::string text = "B=" + std::to_string(s.B) + " Tq=" + std::to_string(s.Tq) +
                     " Tk=" + std::to_string(s.Tk) + " D=" + std::to_string(s.D) +
                     " Dv=" + std::to_string(s.Dv);
  return s.causal ? text + " causal" : text;
}

struct Inputs {
  std::vector<float> Q, K, V, dout;
};

Inputs random_inputs(const AttentionShape& s, uint64_t seed, float qk_scale = 1.0f) {
  return {grade::random_floats(s.B * s.Tq * s.D, seed, qk_scale),
          grade::random_floats(s.B * s.Tk * s.D, seed + 1, qk_scale),
          grade::random_floats(s.B * s.Tk * s.Dv, seed + 2),
          grade::random_floats(s.B * s.Tq * s.Dv, seed + 3)};
}

struct Reference {
  std::vector<float> out, weights, dQ, dK, dV;
};

// softmax(Q Kᵀ / sqrt(D), masked) V with attograd ops, then backward(dout).
Reference attograd_reference(const AttentionShape& s, const Inputs& in) {
  ag::Tensor Q = ag::from_vector(in.Q, {s.B, s.Tq, s.D}, true);
  ag::Tensor K = ag::from_vector(in.K, {s.B, s.Tk, s.D}, true);
  ag::Tensor V = ag::from_vector(in.V, {s.B, s.Tk, s.Dv}, true);
  ag::Tensor scores =
      ag::bmm(Q, ag::transpose(K, 1, 2)) * (1.0f / std::sqrt(static_cast<float>(s.D)));
  if (s.causal) {
    ag::Tensor mask = ag::zeros({s.Tq, s.Tk});  // 1 where key j is in query i's future
    for (int64_t i = 0; i < s.Tq; ++i)
      for (int64_t j = i + 1; j < s.Tk; ++j) mask.data()[i * s.Tk + j] = 1.0f;
    scores = ag::masked_fill(scores, mask, -std::numeric_limits<float>::infinity());
  }
  ag::Tensor weights = ag::softmax(scores, -1);
  ag::Tensor out = ag::bmm(weights, V);
  out.backward(ag::from_vector(in.dout, out.shape()));
  return {out.to_vector(), weights.to_vector(), Q.grad().to_vector(), K.grad().to_vector(),
          V.grad().to_vector()};
}

// Each row of weights is a softmax: it sums to 1. And the weights a forward
// without the 1/sqrt(D) would give, to recognise that bug.
grade::Diagnosis diagnose_weights(const AttentionShape& s, const Inputs& in, const Got& weights) {
  grade::Diagnosis d;
  for (int64_t row = 0; row < s.B * s.Tq; ++row) {
    double sum = 0;
    for (int64_t j = 0; j < s.Tk; ++j) sum += weights.data()[row * s.Tk + j];
    if (!(std::fabs(sum - 1) < 1e-4)) {
      d.invariant(false, "each row of weights sums to 1; row " + ag::index_str(row, {s.B, s.Tq}) +
                             " sums to " + std::to_string(sum));
      break;
    }
  }
  Inputs unscaled = in;  // Q times sqrt(D) cancels the 1/sqrt(D)
  for (float& q : unscaled.Q) q *= std::sqrt(static_cast<float>(s.D));
  std::vector<float> w = attograd_reference(s, unscaled).weights;
  bool same = true;
  for (size_t i = 0; i < w.size() && same; ++i)
    same = std::fabs(w[i] - weights.data()[i]) <= 1e-5 + 1e-3 * std::fabs(w[i]);
  if (same) d.hint("your weights are softmax(Q Kᵀ) without the 1/sqrt(D) scale of the scores");
  return d;
}

// A record of inputs for the runner's `entry`: the shape and Q, K, V.
wire::Record attention_inputs(const std::string& entry, const AttentionShape& s, const Inputs& in) {
  wire::Record r = judge::call(entry);
  for (auto [name, value] : {std::pair<const char*, int64_t>{"B", s.B},
                             {"Tq", s.Tq},
                             {"Tk", s.Tk},
                             {"D", s.D},
                             {"Dv", s.Dv},
                             {"causal", s.causal ? 1 : 0}})
    r.put_int(name, value);
  r.put_floats("Q", {s.B, s.Tq, s.D}, in.Q);
  r.put_floats("K", {s.B, s.Tk, s.D}, in.K);
  r.put_floats("V", {s.B, s.Tk, s.Dv}, in.V);
  return r;
}

judge::Check forward_check(const std::string& name, const AttentionShape& s, uint64_t seed,
                           float qk_scale = 1.0f) {
  Inputs in = random_inputs(s, seed, qk_scale);
  Reference ref = attograd_reference(s, in);
  return {
      name, 10, attention_inputs("forward", s, in),
      [=](const wire::Record&, const wire::Record& outputs) {
        Got out(outputs, "out", {s.B, s.Tq, s.Dv}), weights(outputs, "weights", {s.B, s.Tq, s.Tk});
        weights.expect_close(ref.weights, 1e-5, 1e-3, diagnose_weights(s, in, weights));
        out.expect_close(ref.out, 1e-4, 1e-3);
        if (s.causal)  // a future key must get exactly nothing, not a tiny weight
          for (int64_t b = 0; b < s.B; ++b)
            for (int64_t i = 0; i < s.Tq; ++i)
              for (int64_t j = i + 1; j < s.Tk; ++j) {
                float w = weights.data()[(b * s.Tq + i) * s.Tk + j];
                grade::expect(w == 0.0f, "weights[" + std::to_string(b) + ", " + std::to_string(i) +
                                             ", " + std::to_string(j) + "] is " +
                                             std::to_string(w) +
                                             ": a masked (future) key must get weight exactly 0");
              }
      }};
}

struct Gradients {
  Got dQ, dK, dV;
};

// The backward's inputs: the forward's, attograd's weights, and dout.
wire::Record backward_inputs(const AttentionShape& s, const Inputs& in,
                             const std::vector<float>& weights) {
  wire::Record r = attention_inputs("backward", s, in);
  r.put_floats("weights", {s.B, s.Tq, s.Tk}, weights);
  r.put_floats("dout", {s.B, s.Tq, s.Dv}, in.dout);
  return r;
}

Gradients student_gradients(const AttentionShape& s, const wire::Record& outputs) {
  return {Got(outputs, "dQ", {s.B, s.Tq, s.D}), Got(outputs, "dK", {s.B, s.Tk, s.D}),
          Got(outputs, "dV", {s.B, s.Tk, s.Dv})};
}

// A dV that used weights[j][i] where weights[i][j] belongs is weights · dout
// (when Tq = Tk): say so.
grade::Diagnosis diagnose_dV(const AttentionShape& s, const Inputs& in,
                             const std::vector<float>& weights, const Got& dV) {
  grade::Diagnosis d;
  if (s.Tq != s.Tk) return d;
  ag::Tensor untransposed = ag::bmm(ag::from_vector(weights, {s.B, s.Tq, s.Tk}),
                                    ag::from_vector(in.dout, {s.B, s.Tq, s.Dv}));
  bool same = true;
  for (int64_t i = 0; i < untransposed.numel() && same; ++i)
    same = std::fabs(untransposed.data()[i] - dV.data()[i]) <=
           1e-4 + 1e-3 * std::fabs(untransposed.data()[i]);
  if (same)
    d.hint(
        "your dV is weights · dout: it needs the transpose of weights (which index of weights does "
        "dV[j] sum over?)");
  return d;
}

// which: any of "Q", "K", "V".
judge::Check backward_check(const std::string& name, const AttentionShape& s, uint64_t seed,
                            const std::string& which) {
  Inputs in = random_inputs(s, seed);
  Reference ref = attograd_reference(s, in);
  return {name, 10, backward_inputs(s, in, ref.weights),
          [=](const wire::Record&, const wire::Record& outputs) {
            Gradients g = student_gradients(s, outputs);
            if (which.find('V') != std::string::npos)
              g.dV.expect_close(ref.dV, 1e-4, 1e-3, diagnose_dV(s, in, ref.weights, g.dV));
            if (which.find('Q') != std::string::npos) g.dQ.expect_close(ref.dQ, 1e-4, 1e-3);
            if (which.find('K') != std::string::npos) g.dK.expect_close(ref.dK, 1e-4, 1e-3);
          }};
}

// L = sum(out * dout) in double, for the finite differences.
double attention_loss(const AttentionShape& s, const std::vector<double>& q,
                      const std::vector<double>& k, const std::vector<double>& v,
                      const std::vector<float>& dout) {
  double loss = 0;
  std::vector<double> p(static_cast<size_t>(s.Tk));
  for (int64_t b = 0; b < s.B; ++b)
    for (int64_t i = 0; i < s.Tq; ++i) {
      double max = -1e300, sum = 0;
      for (int64_t j = 0; j < s.Tk; ++j) {
        double score = 0;
        for (int64_t c = 0; c < s.D; ++c)
          score += q[(b * s.Tq + i) * s.D + c] * k[(b * s.Tk + j) * s.D + c];
        p[j] = (s.causal && j > i) ? -1e300 : score / std::sqrt(static_cast<double>(s.D));
        max = std::max(max, p[j]);
      }
      for (int64_t j = 0; j < s.Tk; ++j)
        sum += (p[j] = (p[j] <= -1e299) ? 0.0 : std::exp(p[j] - max));
      for (int64_t c = 0; c < s.Dv; ++c) {
        double o = 0;
        for (int64_t j = 0; j < s.Tk; ++j) o += p[j] / sum * v[(b * s.Tk + j) * s.Dv + c];
        loss += o * dout[(b * s.Tq + i) * s.Dv + c];
      }
    }
  return loss;
}

judge::Check finite_differences_check(const std::string& name, const AttentionShape& s,
                                      uint64_t seed) {
  Inputs in = random_inputs(s, seed);
  std::vector<double> q = grade::to_doubles(in.Q), k = grade::to_doubles(in.K),
                      v = grade::to_doubles(in.V);
  auto dQ = grade::to_floats(grade::numeric_gradient(
      [&](const std::vector<double>& x) { return attention_loss(s, x, k, v, in.dout); }, q));
  auto dK = grade::to_floats(grade::numeric_gradient(
      [&](const std::vector<double>& x) { return attention_loss(s, q, x, v, in.dout); }, k));
  auto dV = grade::to_floats(grade::numeric_gradient(
      [&](const std::vector<double>& x) { return attention_loss(s, q, k, x, in.dout); }, v));
  std::vector<float> weights = attograd_reference(s, in).weights;
  return {name, 10, backward_inputs(s, in, weights),
          [=](const wire::Record&, const wire::Record& outputs) {
            Gradients g = student_gradients(s, outputs);
            g.dQ.expect_close(dQ, 1e-4, 1e-3);
            g.dK.expect_close(dK, 1e-4, 1e-3);
            g.dV.expect_close(dV, 1e-4, 1e-3, diagnose_dV(s, in, weights, g.dV));
          }};
}

const AttentionShape small{1, 4, 4, 8, 8, false};
const AttentionShape odd{3, 5, 7, 3, 2, false};  // cross-attention: Tq != Tk, D != Dv
const AttentionShape causal{2, 6, 6, 4, 5, true};
const AttentionShape loud{2, 5, 5, 4, 3, false};
const AttentionShape tiny{2, 3, 4, 2, 3, false};
const AttentionShape tiny_causal{1, 4, 4, 3, 2, true};

// The visible checks, worth 100: they ship in a hand-out, for self-testing.
std::vector<judge::Check> visible_checks() {
  return {
      forward_check("forward: out and weights, " + describe(small), small, 1),
      forward_check("forward: out and weights, " + describe(odd) + " (Tq != Tk)", odd, 2),
      forward_check("forward: out and weights, " + describe(causal) + " (future keys get weight 0)",
                    causal, 3),
      forward_check(
          "forward: large scores, " + describe(loud) + ", Q and K times 12 (subtract the row max)",
          loud, 4, 12.0f),
      backward_check("backward: dV, " + describe(small), small, 5, "V"),
      backward_check("backward: dQ and dK, " + describe(small), small, 6, "QK"),
      backward_check("backward: dQ, dK, dV, " + describe(odd) + " (Tq != Tk)", odd, 7, "QKV"),
      backward_check("backward: dQ, dK, dV, " + describe(causal), causal, 8, "QKV"),
      finite_differences_check(
          "backward vs finite differences of sum(out * dout), " + describe(tiny), tiny, 9),
      finite_differences_check(
          "backward vs finite differences of sum(out * dout), " + describe(tiny_causal),
          tiny_causal, 10),
  };
}

}  // namespace

// The hidden checks (tests/exercise_hidden/, never in a hand-out) continue this
// file; mk/exercises.mk defines AG_HIDDEN_CHECKS where they exist.
#ifdef AG_HIDDEN_CHECKS
#include "tests/exercise_hidden/attention_hidden.h"
#define HIDDEN_CHECKS hidden_checks
#else
#define HIDDEN_CHECKS nullptr
#endif

int main(int argc, char** argv) {
  return judge::main(argc, argv,
                     {"Assignment A2: scaled dot-product attention, forward and backward",
                      "tutorials/exercises/attention.cpp", visible_checks(), HIDDEN_CHECKS});
}
