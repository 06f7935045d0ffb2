// tests/tutorials/test_tutorials_images.cpp: tutorials 08 (the document's SelfAttention
// on a feature map) and 09 (the document's AttentionNet), checked with plain
// loops: the forward line by line, the gamma = 0 identity, every gradient norm
// (query.weight's by finite differences), the error messages, the parameter
// counts, and a loss that falls.
#include <doctest/doctest.h>

#include <cmath>
#include <vector>

#include "core/ag.h"
#include "tests/helpers/tutorial_test_util.h"
#include "tutorials/common/heatmap.h"
#include "tutorials/common/lesson08.h"
#include "tutorials/common/lesson09.h"

using namespace tut_test;

namespace {

// The document's SelfAttention forward in doubles, pixel by pixel.
// x: C × N; 1×1 convs as (out, C) matrices and biases.
struct PlainBlock {
  Mat Wq, Wk, Wv;
  std::vector<double> bq, bk, bv;
};
struct PlainForward {
  Mat query, key, energy, attention, value, out;  // query N×C/8, key C/8×N, value and out C×N
};

Mat conv1x1(const Mat& W, const std::vector<double>& b, const Mat& x) {
  Mat y = mat_mul(W, x);
  for (size_t o = 0; o < y.size(); ++o)
    for (double& v : y[o]) v += b[o];
  return y;
}

PlainForward plain_forward(const PlainBlock& p, const Mat& x) {
  PlainForward f;
  f.query = mat_t(conv1x1(p.Wq, p.bq, x));
  f.key = conv1x1(p.Wk, p.bk, x);
  f.energy = mat_mul(f.query, f.key);
  f.attention = softmax_rows(f.energy);
  f.value = conv1x1(p.Wv, p.bv, x);
  f.out = mat_mul(f.value, mat_t(f.attention));
  return f;
}

// mse(gamma·out + x, x + g0·out0) = mean((gamma·out - g0·out0)²)
double plain_loss(const Mat& out, double gamma, const Mat& out0, double g0) {
  double sum = 0.0, n = 0.0;
  for (size_t c = 0; c < out.size(); ++c)
    for (size_t i = 0; i < out[c].size(); ++i, ++n)
      sum += std::pow(gamma * out[c][i] - g0 * out0[c][i], 2);
  return sum / n;
}

// The gradients of plain_loss with respect to the block's convolutions, by
// hand: out = value·attentionᵀ, attention = softmax(energy), energy = query·key.
struct PlainGrads {
  Mat dWq, dWk, dWv;
  std::vector<double> dbq, dbk, dbv;
};
double frobenius(const Mat& m) {
  double s = 0;
  for (const auto& r : m)
    for (double v : r) s += v * v;
  return std::sqrt(s);
}
double norm2(const std::vector<double>& v) { return frobenius({v}); }
PlainGrads plain_backward(const PlainForward& f, const Mat& x, double gamma, const Mat& out0,
                          double g0) {
  const size_t C = f.value.size(), N = x[0].size();
  Mat dout = f.out;  // dloss/dout = 2 (gamma·out - g0·out0) gamma / n
  for (size_t c = 0; c < C; ++c)
    for (size_t i = 0; i < N; ++i)
      dout[c][i] = 2.0 * (gamma * f.out[c][i] - g0 * out0[c][i]) * gamma / double(C * N);
  const Mat dvalue = mat_mul(dout, f.attention);         // (C, N)
  const Mat dattention = mat_mul(mat_t(dout), f.value);  // dA[i][j] = Σ_c dout[c][i] v[c][j]
  Mat denergy = dattention;                              // softmax backward, row by row
  // ASSIGNMENT softmax_backward/denergy: begin
  for (size_t i = 0; i < N; ++i) {
    double dot = 0;
    for (size_t j = 0; j < N; ++j) dot += dattention[i][j] * f.attention[i][j];
    for (size_t j = 0; j < N; ++j) denergy[i][j] = f.attention[i][j] * (dattention[i][j] - dot);
  }
  // ASSIGNMENT softmax_backward/denergy: end
  const Mat dquery = mat_mul(denergy, mat_t(f.key));  // (N, C/8)
  const Mat dkey = mat_mul(mat_t(f.query), denergy);  // (C/8, N)
  auto row_sums_of = [](const Mat& m) { return row_sums(m); };
  PlainGrads g;
  g.dWq = mat_mul(mat_t(dquery), mat_t(x));
  g.dbq = row_sums_of(mat_t(dquery));
  g.dWk = mat_mul(dkey, mat_t(x));
  g.dbk = row_sums_of(dkey);
  g.dWv = mat_mul(dvalue, mat_t(x));
  g.dbv = row_sums_of(dvalue);
  return g;
}

Mat weight_mat(const ag::Tensor& w) { return to_mat(w.reshape({w.size(0), w.size(1)})); }
std::vector<double> vec(const ag::Tensor& t) {
  return std::vector<double>(t.data(), t.data() + t.numel());
}
PlainBlock plain_block(const ag::nn::SelfAttention& b) {
  return {weight_mat(b.query->weight), weight_mat(b.key->weight), weight_mat(b.value->weight),
          vec(b.query->bias),          vec(b.key->bias),          vec(b.value->bias)};
}

}  // namespace

TEST_SUITE("tutorials") {

// ================================================================ 08
TEST_CASE("08 the document's SelfAttention, line by line, against loops") {
  const tut::ImageAttentionLesson R = tut::lesson08_image_attention();
  const int64_t C = tut::kMapChannels, S = tut::kMapSide, N = S * S;
  double object_pixels = 0;
  for (int64_t p = 0; p < N; ++p) object_pixels += R.map.objects.data()[p];
  CHECK(object_pixels == 5 * 5 + 3 * 8);  // the square and the bar
  const tut::SelfAttentionLines& L = R.lines;
  CHECK(L.query.shape() == ag::Shape{1, N, C / 8});
  CHECK(L.key.shape() == ag::Shape{1, C / 8, N});
  CHECK(L.energy.shape() == ag::Shape{1, N, N});
  CHECK(L.attention.shape() == ag::Shape{1, N, N});
  CHECK(L.value.shape() == ag::Shape{1, C, N});
  CHECK(L.out_flat.shape() == ag::Shape{1, C, N});
  CHECK(L.out.shape() == ag::Shape{1, C, S, S});
  CHECK(L.result.shape() == ag::Shape{1, C, S, S});

  const PlainBlock p = plain_block(*R.block);
  const Mat x = to_mat(R.map.x.reshape({C, N}));
  const PlainForward f = plain_forward(p, x);
  check_mat(L.query.reshape({N, C / 8}), f.query);
  check_mat(L.key.reshape({C / 8, N}), f.key);
  check_mat(L.energy.reshape({N, N}), f.energy, 1e-4);
  check_mat(L.attention.reshape({N, N}), f.attention, 1e-4);
  check_mat(L.value.reshape({C, N}), f.value);
  check_mat(L.out_flat.reshape({C, N}), f.out, 1e-4);

  // The drawn map: row (4, 4) of attention, and its mean on objects and background.
  const size_t row = size_t(tut::kQueryRow * S + tut::kQueryCol);
  check_vec(R.query_map, f.attention[row], 1e-4);
  double on = 0, off = 0;
  for (int64_t q = 0; q < N; ++q) (R.map.objects.data()[q] > 0 ? on : off) += f.attention[row][q];
  CHECK(R.object_weight == doctest::Approx(on / object_pixels).epsilon(1e-4));
  CHECK(R.background_weight == doctest::Approx(off / (N - object_pixels)).epsilon(1e-4));
}

TEST_CASE("08 gamma = 0: identity, only gamma gets a gradient; then one SGD step") {
  const tut::ImageAttentionLesson R = tut::lesson08_image_attention();
  const int64_t C = tut::kMapChannels, N = tut::kMapSide * tut::kMapSide;
  REQUIRE(R.module_out.numel() == C * N);
  CHECK(R.identical == C * N);
  for (int64_t k = 0; k < C * N; ++k) REQUIRE(R.module_out.data()[k] == R.map.x.data()[k]);

  // The SGD step left the convolutions alone (their gradients were 0).
  PlainBlock p = plain_block(*R.block);
  const Mat x = to_mat(R.map.x.reshape({C, N}));
  const Mat out = plain_forward(p, x).out;
  const double g0 = tut::kGammaTarget, n = double(C * N);
  double mean_sq = 0;
  for (const auto& r : out)
    for (double v : r) mean_sq += v * v / n;
  // loss(gamma) = (gamma - g0)² mean(out²); dloss/dgamma = 2 (gamma - g0) mean(out²).
  CHECK(R.loss_before == doctest::Approx(g0 * g0 * mean_sq).epsilon(1e-4));
  CHECK(R.dgamma == doctest::Approx(-2 * g0 * mean_sq).epsilon(1e-4));
  REQUIRE(R.grads_before.names == std::vector<std::string>{"gamma", "query.weight", "query.bias",
                                                           "key.weight", "key.bias", "value.weight",
                                                           "value.bias"});
  CHECK(R.grads_before.norms[0] == doctest::Approx(std::fabs(R.dgamma)));
  for (size_t k = 1; k < 7; ++k) CHECK(R.grads_before.norms[k] == 0.0f);  // exactly

  const double gamma = -tut::kGammaLr * R.dgamma;
  CHECK(R.gamma_after == doctest::Approx(gamma).epsilon(1e-5));
  CHECK(R.loss_after == doctest::Approx(plain_loss(out, gamma, out, g0)).epsilon(1e-4));
  const double dgamma_after = 2 * (gamma - g0) * mean_sq;
  CHECK(R.grads_after.norms[0] == doctest::Approx(std::fabs(dgamma_after)).epsilon(1e-4));

  // query.weight's gradient by central differences of the plain forward.
  const ag::Tensor& dWq = R.dquery_weight;
  double norm = 0;
  for (int64_t o = 0; o < C / 8; ++o)
    for (int64_t i = 0; i < C; ++i) {
      const double h = 1e-4, w = p.Wq[o][i];
      p.Wq[o][i] = w + h;
      const double up = plain_loss(plain_forward(p, x).out, gamma, out, g0);
      p.Wq[o][i] = w - h;
      const double down = plain_loss(plain_forward(p, x).out, gamma, out, g0);
      p.Wq[o][i] = w;
      const double numeric = (up - down) / (2 * h);
      CHECK(dWq.data()[o * C + i] == doctest::Approx(numeric).epsilon(2e-3).scale(1e-3));
      norm += double(dWq.data()[o * C + i]) * dWq.data()[o * C + i];
    }
  CHECK(R.grads_after.norms[1] == doctest::Approx(std::sqrt(norm)).epsilon(1e-5));
  // Every printed norm, against the backward worked by hand.
  const PlainGrads g = plain_backward(plain_forward(p, x), x, gamma, out, g0);
  check_mat(dWq.reshape({C / 8, C}), g.dWq, 1e-4);
  const double want[] = {frobenius(g.dWq), norm2(g.dbq), frobenius(g.dWk), frobenius(g.dWv),
                         norm2(g.dbv)};
  const size_t index[] = {1, 2, 3, 5, 6};
  for (size_t k = 0; k < 5; ++k) {
    CHECK(R.grads_after.norms[index[k]] == doctest::Approx(want[k]).epsilon(1e-3));
    CHECK(R.grads_after.norms[index[k]] > 1e-4f);
  }
  // key.bias shifts a whole row of energies, which softmax ignores: rounding only.
  CHECK(R.grads_after.norms[4] < 1e-5f * R.grads_after.norms[3]);
}

TEST_CASE("08 shade_grid: two characters per pixel, the query pixel marked") {
  const ag::Tensor w = ag::tensor({{0.0f, 0.5f}, {1.0f, 0.1f}});
  CHECK(tut::shade_grid(w, 0, 1) == "     0 1\n  0 ··[]\n  1 ██··\n");
  CHECK(tut::shade_grid(w) == "     0 1\n  0 ··▒▒\n  1 ██··\n");  // 0.5 of the largest: ▒
  CHECK_THROWS_WITH_AS(tut::shade_grid(ag::tensor({1.0f, 2.0f})),
                       "shade_grid: expected a 2-D grid of weights, got shape [2]", ag::Error);
}

// ================================================================ 09
TEST_CASE("09 the document's two faults as attograd reports them, and the fix") {
  const tut::FaultLesson F = tut::lesson09_faults();
  CHECK(F.as_printed.error ==
        "add: shapes [2, 128, 16, 16] and [2, 64, 16, 16] cannot be broadcast together "
        "(128 vs 64 at dimension 1 of the result)");
  CHECK(F.pool_32.error ==
        "Linear(in_features=4096, out_features=10): input [2, 16384] must end in 4096 features");
  CHECK(F.fixed_16.error.empty());
  CHECK(F.fixed_32.error.empty());
  CHECK(F.fixed_16.output == ag::Shape{2, 10});
  CHECK(F.fixed_32.output == ag::Shape{2, 10});
  // Parameters, layer by layer: conv (k·k·in·out + out), BatchNorm (2·C), ...
  auto conv = [](int64_t in, int64_t out, int64_t k, bool bias) {
    return k * k * in * out + (bias ? out : 0);
  };
  auto res = [&](int64_t in, int64_t out) {
    return conv(in, out, 3, true) + 2 * out + conv(out, out, 3, true) + 2 * out;
  };
  const int64_t printed = conv(3, 64, 3, true) + 2 * 64 + res(64, 128) + res(128, 256) +
                          2 * conv(256, 32, 1, true) + conv(256, 256, 1, true) + 1 + 4096 * 10 + 10;
  const int64_t shortcuts = conv(64, 128, 1, false) + 2 * 128 + conv(128, 256, 1, false) + 2 * 256;
  CHECK(F.as_printed.parameters == printed);
  CHECK(F.fixed_16.parameters == printed + shortcuts);
  CHECK(shortcuts == 41728);
}

TEST_CASE("09 the corrected AttentionNet trains: the loss falls") {
  tut::NetTrainConfig c;
  c.train_images = 16;  // one batch, seen again every epoch
  c.test_images = 10;
  c.batch = 16;
  c.epochs = 6;
  const tut::NetTraining R = tut::lesson09_train(c);
  CHECK(R.steps_per_epoch == 1);
  REQUIRE(R.step_loss.size() == 6);
  CHECK(R.epoch_train_loss.size() == 6);
  CHECK(R.epoch_test_accuracy.size() == 6);
  CHECK(std::fabs(R.before_test_loss - std::log(10.0)) < 0.5);  // about a uniform guess
  CHECK(R.step_loss.back() < 0.7 * R.step_loss.front());
  CHECK(R.gamma != 0.0f);  // the attention block was switched on
}

}  // TEST_SUITE("tutorials")
