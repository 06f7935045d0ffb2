// Assignment A2: scaled dot-product attention, forward and backward.
//                                                   grade it:  make grade EX=attention
//
// Shape legend: B batch, Tq queries, Tk keys, D query/key width, Dv value
// width. Each batch element b is independent; below, one b, with matrices
// Q (Tq, D), K (Tk, D), V (Tk, Dv).
//
// FORWARD (four steps, as in "Attention Is All You Need", section 3.2.1)
//   scores  S[i][j] = (Q_i · K_j) / sqrt(D)                       (Tq, Tk)
//   mask    if causal: S[i][j] = -infinity wherever j > i (query i must not
//           see later keys; -inf becomes exactly 0 after the softmax)
//   weights P[i][j] = softmax over j of S[i][j]   (each row sums to 1)
//           Subtract the row max before exp, or large scores overflow to inf.
//   out     O[i][c] = sum_j P[i][j] V[j][c]                        (Tq, Dv)
// Write weights too: the backward reads it instead of recomputing it.
//
// BACKWARD: given dO = dL/dO, walk the four steps in reverse.
//   Step 1. O[i][c] = sum_j P[i][j] V[j][c]. Differentiate this sum with
//           respect to one P[i][j], then one V[j][c], and sum the chain-rule
//           contributions over every O[i][c] that element touches.
//           -> dP (Tq, Tk) and dV (Tk, Dv). Write each as a matrix product
//           of two of {dO, V, P}, with a transpose where the indices ask for it.
//   Step 2. P = softmax(S), row by row: this is assignment A1. -> dS (Tq, Tk)
//   Step 3. The mask. A masked S[i][j] was overwritten by a constant, and
//           its P[i][j] is 0. What does that make dS[i][j]? (If your A1 formula
//           is written with P, it gives the right answer on its own: check it.)
//   Step 4. S[i][j] = (Q_i · K_j) / sqrt(D). As Step 1, one element at a
//           time: which S entries does Q[i][c] touch? K[j][c]?
//           -> dQ (Tq, D) and dK (Tk, D). Do not forget the 1/sqrt(D).
//
// Check your shapes: dQ has Q's shape, dK has K's, dV has V's. With
// Tq != Tk (cross-attention) a transposed index shows up as a wrong shape.
#include "tutorials/exercises/attention.h"

#include <cmath>
#include <limits>
#include <vector>

#include "tutorials/exercises/exercise.h"

namespace ex {

void attention_forward(const AttentionShape& s, const float* Q, const float* K, const float* V,
                       float* out, float* weights) {
  // TODO: the four forward steps, for each b. Delete the next line when you start.
  todo("attention_forward", s, Q, K, V, out, weights);
}

void attention_backward(const AttentionShape& s, const float* Q, const float* K, const float* V,
                        const float* weights, const float* dout, float* dQ, float* dK, float* dV) {
  // TODO: Steps 1-4 of the backward, for each b. A scratch buffer for dP
  // (and dS) of one b: std::vector<float> dscores(s.Tq * s.Tk).
  // Delete the next line when you start.
  todo("attention_backward", s, Q, K, V, weights, dout, dQ, dK, dV);
}

}  // namespace ex
