// Assignment A5: the SAGAN self-attention block, forward, with attograd ops.
//                                                 grade it:  make grade EX=self_attention
//
// Shape legend: N batch, C channels, H×W feature map, P = H*W positions,
// C8 = C/8. Zhang et al., "Self-Attention Generative Adversarial Networks"
// (2018): every position of a feature map looks at every other position.
//
// Here you do not write a backward: you compose attograd ops (each has its
// own), and backward() differentiates your composition. The grader compares
// your output, your attention map and the gradients backward() finds through
// them with attograd's nn::SelfAttention (nn/models/attention_net.h: read it
// after you are done, not before).
//
// The block, step by step. Work out each shape before you write the line.
//   Step 1. query = 1×1 conv of x to C8 channels, key likewise, value to C
//           channels: ag::conv2d(x, weight, bias). Shapes?
//   Step 2. A 1×1 conv treats each position separately, so flatten the map:
//           reshape each to (N, channels, P). A position is now a column.
//   Step 3. energy[n][i][j] = query at position i · key at position j, a
//           C8-long dot product, for all i, j at once: one ag::bmm. One of
//           its operands must be transposed (ag::permute or ag::transpose):
//           which, so that the result is (N, P, P) with i on rows?
//   Step 4. attention = softmax over j (the last dim): ag::softmax(energy, -1).
//           Each row i sums to 1. (SAGAN does not divide by sqrt(C8).)
//   Step 5. attended[n][c][i] = sum_j attention[n][i][j] * value[n][c][j]:
//           again one bmm, with a transpose. Result (N, C, P); reshape it
//           back to (N, C, H, W).
//   Step 6. out = gamma * attended + x. gamma has shape (1): broadcasting
//           (ag::mul, ag::add, or * and +) handles it. gamma starts at 0 in
//           training, so the block starts as the identity.
// Useful: ag::conv2d (core/ops/conv.h), Tensor::reshape, ag::permute /
// ag::transpose (core/ops/shape.h), ag::bmm (core/ops/matmul.h),
// ag::softmax (core/ops/softmax.h), * and + (core/ops/elementwise.h).
// Do not copy data out with data() and compute by hand: backward() cannot
// see through that, and the gradient checks would fail.
#include "tutorials/exercises/self_attention.h"

#include "core/ag.h"
#include "tutorials/exercises/exercise.h"

namespace ex {

SelfAttentionResult self_attention_forward(const ag::Tensor& x, const SelfAttentionParams& p) {
  // TODO: Steps 1-6; return {out, attention}. Delete the next line when you start.
  todo("self_attention_forward", x, p);
}

}  // namespace ex
