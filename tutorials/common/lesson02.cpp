// tutorials/common/lesson02.cpp: encoder self-attention, forward and backward.
#include "tutorials/common/lesson02.h"

#include <algorithm>
#include <cmath>

#include "core/ag.h"
#include "tutorials/common/sentence.h"

namespace tut {

EncoderLesson lesson02_encoder(float weight_scale) {
  EncoderLesson encoder;
  encoder.x = english_word_vectors();
  encoder.document_scores = document_encoder_scores();
  encoder.document_row_sums = ag::sum(encoder.document_scores, -1);
  encoder.plain = attend(encoder.x, encoder.x, encoder.x);
  encoder.W_Q = seeded_matrix(kWidth, kWidth, kEncoderSeed, weight_scale);
  encoder.W_K = seeded_matrix(kWidth, kWidth, kEncoderSeed + 1, weight_scale);
  encoder.W_V = seeded_matrix(kWidth, kWidth, kEncoderSeed + 2, weight_scale);
  encoder.learned = attend(ag::matmul(encoder.x, encoder.W_Q), ag::matmul(encoder.x, encoder.W_K),
                           ag::matmul(encoder.x, encoder.W_V));
  return encoder;
}

BackwardLesson lesson02_backward(const EncoderLesson& forward) {
  BackwardLesson backward_lesson;
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
  backward_lesson.graph_root = a.out;
  backward_lesson.attention = a;
  // Intermediate tensors drop their gradient after backward unless asked to keep it.
  a.scores.retain_grad();
  a.scaled.retain_grad();
  a.weights.retain_grad();
  backward_lesson.dout = seeded_matrix(a.out.size(0), a.out.size(1), 7, 1.0f);
  a.out.backward(backward_lesson.dout);
  backward_lesson.dweights = a.weights.grad();
  backward_lesson.dscaled = a.scaled.grad();
  backward_lesson.dscores = a.scores.grad();
  backward_lesson.dW_Q = W_Q.grad();

  // By hand: the softmax maps one row x to p, so dL/dx = Jᵀ dL/dp row by row.
  const int64_t T = a.weights.size(0);
  backward_lesson.dscaled_by_hand = ag::empty({T, T});
  for (int64_t i = 0; i < T; ++i) {
    ag::Tensor p = ag::select(a.weights, 0, i).detach();
    ag::Tensor J = softmax_jacobian(p);
    if (i == 0) backward_lesson.jacobian_I = J;
    ag::Tensor dp = ag::select(backward_lesson.dweights, 0, i).reshape({T, 1});
    ag::Tensor dx = ag::matmul(ag::transpose(J, 0, 1), dp);  // (T, 1)
    std::copy(dx.data(), dx.data() + T, backward_lesson.dscaled_by_hand.data() + i * T);
  }
  for (int64_t k = 0; k < T * T; ++k)
    backward_lesson.max_difference = std::max(
        backward_lesson.max_difference,
        std::fabs(backward_lesson.dscaled.data()[k] - backward_lesson.dscaled_by_hand.data()[k]));
  return backward_lesson;
}

}  // namespace tut
