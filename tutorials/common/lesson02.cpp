// tutorials/common/lesson02.cpp: encoder self-attention, forward and backward.
#include "tutorials/common/lesson02.h"

#include <algorithm>
#include <cmath>

#include "core/ag.h"
#include "tutorials/common/sentence.h"

namespace tut {

EncoderLesson lesson02_encoder() {
  EncoderLesson L;
  L.x = english_word_vectors();
  L.document_scores = document_encoder_scores();
  L.document_row_sums = ag::sum(L.document_scores, -1);
  L.plain = attend(L.x, L.x, L.x);
  L.W_Q = seeded_matrix(kWidth, kWidth, kEncoderSeed, kWeightScale);
  L.W_K = seeded_matrix(kWidth, kWidth, kEncoderSeed + 1, kWeightScale);
  L.W_V = seeded_matrix(kWidth, kWidth, kEncoderSeed + 2, kWeightScale);
  L.learned = attend(ag::matmul(L.x, L.W_Q), ag::matmul(L.x, L.W_K), ag::matmul(L.x, L.W_V));
  return L;
}

BackwardLesson lesson02_backward(const EncoderLesson& forward) {
  BackwardLesson B;
  // Fresh leaves that require grad, so this graph is ours alone.
  ag::Tensor W_Q = forward.W_Q.clone().detach().requires_grad_();
  ag::Tensor W_K = forward.W_K.clone().detach().requires_grad_();
  ag::Tensor W_V = forward.W_V.clone().detach().requires_grad_();
  W_Q.set_name("W_Q");  // names show up in the graph drawing (and in gdb)
  W_K.set_name("W_K");
  W_V.set_name("W_V");
  ag::Tensor query = ag::matmul(forward.x, W_Q).set_name("query");
  ag::Tensor key = ag::matmul(forward.x, W_K).set_name("key");
  ag::Tensor value = ag::matmul(forward.x, W_V).set_name("value");
  Attention a = attend(query, key, value);
  B.graph_root = a.out;
  // Intermediate tensors drop their gradient after backward unless asked to keep it.
  a.scores.retain_grad();
  a.scaled.retain_grad();
  a.weights.retain_grad();
  B.dout = seeded_matrix(a.out.size(0), a.out.size(1), 7, 1.0f);
  a.out.backward(B.dout);
  B.dweights = a.weights.grad();
  B.dscaled = a.scaled.grad();
  B.dscores = a.scores.grad();
  B.dW_Q = W_Q.grad();

  // By hand: the softmax maps one row x to p, so dL/dx = Jᵀ dL/dp row by row.
  const int64_t T = a.weights.size(0);
  B.dscaled_by_hand = ag::empty({T, T});
  for (int64_t i = 0; i < T; ++i) {
    ag::Tensor p = ag::select(a.weights, 0, i).detach();
    ag::Tensor J = softmax_jacobian(p);
    if (i == 0) B.jacobian_I = J;
    ag::Tensor dp = ag::select(B.dweights, 0, i).reshape({T, 1});
    ag::Tensor dx = ag::matmul(ag::transpose(J, 0, 1), dp);  // (T, 1)
    std::copy(dx.data(), dx.data() + T, B.dscaled_by_hand.data() + i * T);
  }
  for (int64_t k = 0; k < T * T; ++k)
    B.max_difference = std::max(B.max_difference,
                                std::fabs(B.dscaled.data()[k] - B.dscaled_by_hand.data()[k]));
  return B;
}

}  // namespace tut
