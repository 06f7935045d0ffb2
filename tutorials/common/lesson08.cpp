// tutorials/common/lesson08.cpp: the document's SelfAttention on a feature map.
#include "tutorials/common/lesson08.h"

#include <cmath>

#include "core/ag.h"
#include "optim/optimizer.h"
#include "tutorials/common/attention_steps.h"

namespace tut {

using ag::Tensor;

FeatureMap lesson08_feature_map(float noise_scale) {
  const int64_t C = kMapChannels, S = kMapSide;
  // Activations deep in a conv net are often several units large; with
  // entries of about 3 the energies differ by a few units and the softmax
  // makes a clear choice (entries of about 1 would give a nearly flat map).
  const Tensor background = seeded_matrix(1, C, kMapSeed, kFeatureScale);
  const Tensor object = seeded_matrix(1, C, kMapSeed + 1, kFeatureScale);
  const Tensor noise = seeded_matrix(C, S * S, kMapSeed + 2, noise_scale);
  FeatureMap m;
  m.objects = ag::zeros({S, S});
  for (int64_t y = 0; y < S; ++y)
    for (int64_t x = 0; x < S; ++x) {
      const bool square = y >= 2 && y <= 6 && x >= 2 && x <= 6;  // a 5×5 square, top left
      const bool bar = y >= 10 && y <= 12 && x >= 7 && x <= 14;  // a 3×8 bar, bottom right
      m.objects.data()[y * S + x] = square || bar ? 1.0f : 0.0f;
    }
  m.x = ag::empty({1, C, S, S});
  for (int64_t c = 0; c < C; ++c)
    for (int64_t p = 0; p < S * S; ++p) {
      const float base = m.objects.data()[p] > 0 ? object.data()[c] : background.data()[c];
      m.x.data()[c * S * S + p] = base + noise.data()[c * S * S + p];
    }
  return m;
}

SelfAttentionLines self_attention_lines(ag::nn::SelfAttention& block, const Tensor& x) {
  const int64_t B = x.size(0), C = x.size(1), H = x.size(2), W = x.size(3);
  SelfAttentionLines L;
  L.query = block.query(x).view({B, -1, H * W}).permute({0, 2, 1});
  L.key = block.key(x).view({B, -1, H * W});
  L.energy = ag::bmm(L.query, L.key);
  L.attention = ag::softmax(L.energy, -1);
  L.value = block.value(x).view({B, -1, H * W});
  L.out_flat = ag::bmm(L.value, L.attention.permute({0, 2, 1}));
  L.out = L.out_flat.view({B, C, H, W});
  L.result = block.gamma * L.out + x;
  return L;
}

namespace {

GradNorms grad_norms(const ag::nn::Module& m) {
  GradNorms g;
  for (const auto& [name, p] : m.named_parameters()) {
    double sum = 0.0;
    const Tensor grad = p.grad();
    if (grad.defined())
      for (int64_t k = 0; k < grad.numel(); ++k) sum += double(grad.data()[k]) * grad.data()[k];
    g.names.push_back(name);
    g.norms.push_back(static_cast<float>(std::sqrt(sum)));
  }
  return g;
}

}  // namespace

ImageAttentionLesson lesson08_image_attention(int64_t query_row, int64_t query_col,
                                              float noise_scale, float gamma_init,
                                              uint64_t block_seed) {
  if (query_row < 0 || query_row >= kMapSide || query_col < 0 || query_col >= kMapSide)
    ag::fail("lesson08_image_attention: pixel (", query_row, ", ", query_col, ") is outside the ",
             kMapSide, "x", kMapSide, " map");
  ImageAttentionLesson R;
  ag::manual_seed(block_seed);
  R.block = std::make_shared<ag::nn::SelfAttention>(kMapChannels);
  R.block->gamma.data()[0] = gamma_init;  // a leaf's value, set before any graph uses it
  R.gamma_before = gamma_init;
  R.map = lesson08_feature_map(noise_scale);
  const Tensor& x = R.map.x;
  const int64_t S = kMapSide, N = S * S;

  {
    ag::NoGradGuard no_grad;  // looking only
    R.lines = self_attention_lines(*R.block, x);
  }
  R.query_row = query_row;
  R.query_col = query_col;
  const int64_t row = query_row * S + query_col;
  R.query_map = ag::select(ag::select(R.lines.attention, 0, 0), 0, row).reshape({S, S});
  double on = 0, off = 0, n_on = 0;
  for (int64_t p = 0; p < N; ++p) {
    const bool object = R.map.objects.data()[p] > 0;
    (object ? on : off) += R.query_map.data()[p];
    n_on += object;
  }
  R.object_weight = static_cast<float>(on / n_on);
  R.background_weight = static_cast<float>(off / (N - n_on));

  // gamma = 0: the block returns its input, exactly.
  // A target the block meets exactly when gamma = kGammaTarget: x plus that
  // much of the attention output it computes now.
  R.target = x + kGammaTarget * R.lines.out;
  R.module_out = R.block(x);
  for (int64_t k = 0; k < x.numel(); ++k) R.identical += R.module_out.data()[k] == x.data()[k];
  Tensor loss = ag::mse_loss(R.module_out, R.target);
  R.loss_before = loss.item();
  loss.backward();
  R.grads_before = grad_norms(*R.block);
  R.dgamma = R.block->gamma.grad().item();

  // One plain SGD step: p -= lr · grad. Only gamma has a gradient that is not 0.
  ag::optim::SGDOptions sgd;
  sgd.lr = kGammaLr;
  ag::optim::SGD optimizer(R.block->parameters(), sgd);
  optimizer.step();
  R.gamma_after = R.block->gamma.item();

  optimizer.zero_grad();
  loss = ag::mse_loss(R.block(x), R.target);
  R.loss_after = loss.item();
  loss.backward();
  R.grads_after = grad_norms(*R.block);
  R.dquery_weight = R.block->query->weight.grad().clone();
  return R;
}

}  // namespace tut
