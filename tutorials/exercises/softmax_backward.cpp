// Assignment A1: softmax backward.            grade it:  make grade EX=softmax_backward
//
// Shape legend: R rows, D entries per row (softmax runs along each row).
//
// The forward pass, for one row x (D values):
//   y_i = exp(x_i) / S,    S = sum_k exp(x_k)
// The backward pass gets y (the forward's output, saved) and dy = dL/dy, and
// must produce dx = dL/dx. Derive it before you write it:
//
//   Step 1. The Jacobian. Differentiate y_i with respect to x_j with the
//           quotient rule. There are two cases, i == j and i != j; note that
//           dS/dx_j = exp(x_j). Write both results using only y (no exp, no S).
//           Check: the two cases fit one expression if you use the Kronecker
//           delta d_ij (1 when i == j, else 0).
//
//   Step 2. The chain rule. dL/dx_j = sum_i dL/dy_i * dy_i/dx_j. Put your
//           Jacobian in and split the sum into the d_ij part and the rest.
//
//   Step 3. Make it cheap. Written naively, Step 2 costs D*D per row (the whole
//           Jacobian). One sum in it does not depend on j: compute it once per
//           row, then each dx_j costs O(1). Your row should cost O(D).
//
//   Sanity checks for your formula (the grader tests them, among others):
//   - if dy is the same number in every entry of a row, dx of that row is 0
//     (adding a constant to every x_i does not change the softmax);
//   - the entries of each dx row add up to 0.
//
// Rows are independent: the backward of row r uses only row r of y and dy.
// Memory layout: row-major, element (r, i) is at index r * cols + i.
#include "tutorials/exercises/softmax_backward.h"

#include "tutorials/exercises/exercise.h"

namespace ex {

void softmax_backward(const float* y, const float* dy, float* dx, int64_t rows, int64_t cols) {
  // TODO: for each row r, compute the one per-row sum of Step 3, then every
  // dx[r * cols + j]. Delete the next line when you start.
  todo("softmax_backward (Steps 1-3 above)", y, dy, dx, rows, cols);
}

}  // namespace ex
