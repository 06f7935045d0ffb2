// tutorials/common/lesson02.h: the computations of tutorial 02 (encoder
// self-attention, forward and backward), apart from the printing, so
// tests/tutorials/test_tutorials.cpp can check every number the program prints.
#pragma once

#include "core/tensor.h"
#include "tutorials/common/attention_steps.h"

namespace tut {

constexpr uint64_t kEncoderSeed = 2;  // seeds W_Q, W_K, W_V (kEncoderSeed, +1, +2)
constexpr float kWeightScale = 1.5f;  // std of the stand-in "learned" weights

struct EncoderLesson {
  ag::Tensor x;                  // (4, 4) the English word vectors, rows I am a student
  ag::Tensor document_scores;    // the document's step-2 table, (4, 4)
  ag::Tensor document_row_sums;  // (4): softmax rows would sum to 1; these do not
  Attention plain;               // the document's way: query = key = value = x
  ag::Tensor W_Q, W_K, W_V;      // (4, 4) seeded stand-ins for learned weights
  Attention learned;             // query = x W_Q, key = x W_K, value = x W_V
};
// weight_scale: the std of W_Q, W_K, W_V (try 5: kWeightScale's what-to-try).
EncoderLesson lesson02_encoder(float weight_scale = kWeightScale);

// Backward through the learned attention, with a made-up upstream gradient
// dout (what the layers above would send back).
struct BackwardLesson {
  ag::Tensor dout;             // (4, 4) seeded
  ag::Tensor dweights;         // dL/dweights from autograd (retain_grad)
  ag::Tensor dscaled;          // dL/dscaled from autograd: through the softmax
  ag::Tensor dscores;          // dL/dscores from autograd: through the 1/√d as well
  ag::Tensor dW_Q;             // dL/dW_Q: where training would take the gradient
  ag::Tensor jacobian_I;       // (4, 4) J = diag(p) - p pᵀ for row "I", by hand
  ag::Tensor dscaled_by_hand;  // row i = J(p_i)ᵀ · dweights row i
  float max_difference = 0;    // max |dscaled - dscaled_by_hand|
  ag::Tensor graph_root;       // out of the learned attention: ag::to_dot draws its graph
  Attention attention;         // its steps, kept alive so the drawing can show their values
};
BackwardLesson lesson02_backward(const EncoderLesson& forward);

}  // namespace tut
