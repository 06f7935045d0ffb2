// tutorials/common/lesson08.h: the computations of tutorial 08 (the
// document's image SelfAttention block, section 4.3), apart from the
// printing, so tests/tutorials/test_tutorials_train.cpp can check every printed number.
//
// Shape legend: B batch (1 here), C channels, H×W feature map, N = H·W pixel
// positions, C/8 the query and key width.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "nn/nn.h"

namespace tut {

constexpr int64_t kMapChannels = 16;             // C, so query and key have C/8 = 2 channels
constexpr int64_t kMapSide = 16;                 // H = W = 16: N = 256 positions
constexpr uint64_t kMapSeed = 8;                 // seeds the feature map and the target
constexpr uint64_t kBlockSeed = 82;              // seeds the block's 1×1 convolutions
constexpr int64_t kQueryRow = 4, kQueryCol = 4;  // the pixel whose attention we draw
constexpr float kFeatureScale = 3.0f;  // size of the object and background vectors' entries
constexpr float kNoiseScale = 0.2f;    // size of the per-pixel noise
constexpr float kGammaTarget = 0.5f;   // the loss of step 8d is smallest at gamma = 0.5
constexpr float kGammaLr = 0.2f;       // plain SGD's learning rate in step 8d

// A made-up feature map: every pixel of the two objects carries the same
// 16-number "object" vector, every other pixel a "background" vector, each
// plus a little noise, as if a conv net had already marked what is where.
struct FeatureMap {
  ag::Tensor x;        // (1, C, H, W)
  ag::Tensor objects;  // (H, W): 1 on object pixels, 0 on background
};
FeatureMap lesson08_feature_map(float noise_scale = kNoiseScale);

// The document's forward, one line per tensor (its variable names):
struct SelfAttentionLines {
  ag::Tensor query;      // (B, N, C/8) self.query(x).view(B, -1, H*W).permute(0, 2, 1)
  ag::Tensor key;        // (B, C/8, N) self.key(x).view(B, -1, H*W)
  ag::Tensor energy;     // (B, N, N)   torch.bmm(query, key)
  ag::Tensor attention;  // (B, N, N)   F.softmax(energy, dim=-1)
  ag::Tensor value;      // (B, C, N)   self.value(x).view(B, -1, H*W)
  ag::Tensor out_flat;   // (B, C, N)   torch.bmm(value, attention.permute(0, 2, 1))
  ag::Tensor out;        // (B, C, H, W) out.view(B, C, H, W)
  ag::Tensor result;     // (B, C, H, W) self.gamma * out + x
};
SelfAttentionLines self_attention_lines(ag::nn::SelfAttention& block, const ag::Tensor& x);

// Norm of each parameter's gradient, in named_parameters() order.
struct GradNorms {
  std::vector<std::string> names;
  std::vector<float> norms;
};

struct ImageAttentionLesson {
  ag::nn::ModuleHolder<ag::nn::SelfAttention> block;  // SelfAttention(16), seeded
  FeatureMap map;
  SelfAttentionLines lines;
  int64_t query_row = 0, query_col = 0;  // the query pixel
  ag::Tensor query_map;                  // (H, W): row (query_row·W + query_col) of attention
  float object_weight = 0;               // mean weight of that row on object pixels
  float background_weight = 0;           // ... and on background pixels
  // gamma = 0 (or gamma_init)
  float gamma_before = 0;    // gamma at the start: 0, as the document's block initialises it
  ag::Tensor module_out;     // block(x) through the module's own forward
  int64_t identical = 0;     // elements of module_out bit-equal to x (all N·C when gamma = 0)
  ag::Tensor target;         // (1, C, H, W) x + kGammaTarget · out: what the loss asks for
  float loss_before = 0;     // mse_loss(block(x), target) with gamma = 0
  GradNorms grads_before;    // after the first backward: only gamma's is not 0
  float dgamma = 0;          // gamma's gradient in that backward
  float gamma_after = 0;     // gamma after one SGD step
  float loss_after = 0;      // the loss with the new gamma
  GradNorms grads_after;     // the second backward: the convolutions get gradients
  ag::Tensor dquery_weight;  // (C/8, C, 1, 1) query.weight's gradient in that backward
};
// The lesson for the query pixel (query_row, query_col) and the map's noise;
// gamma_init replaces the block's initial gamma (0), block_seed kBlockSeed
// (tutorial 08's --gamma and --block-seed).
ImageAttentionLesson lesson08_image_attention(int64_t query_row = kQueryRow,
                                              int64_t query_col = kQueryCol,
                                              float noise_scale = kNoiseScale,
                                              float gamma_init = 0.0f,
                                              uint64_t block_seed = kBlockSeed);

}  // namespace tut
