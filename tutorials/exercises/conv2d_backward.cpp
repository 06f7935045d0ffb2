// Assignment A3: conv2d backward through col2im.    grade it:  make grade EX=conv2d_backward
//
// Shape legend (see conv2d_backward.h): N batch, C/O input/output channels,
// H×W input, kh×kw kernel, OH×OW output, P = OH*OW, K = C*kh*kw.
//
// The forward pass for one image n, the way fast libraries compute it:
//   col   = im2col(x[n])            (K, P)   given in conv2d_backward.h: read it first
//   out_n = weight · col            (O, K) · (K, P) -> (O, P)
// weight is seen here as an (O, K) matrix: the same memory as (O, C, kh, kw).
//
// PART 1: col2im. im2col is linear: col = M x for some 0/1 matrix M whose
// row r copies one pixel (or nothing, for padding). Its adjoint is Mᵀ.
//   Step 1. For an entry col[(c, i, j)][(oh, ow)], which pixel of img did
//           im2col copy into it? (Read im2col's loop.) When is it padding?
//   Step 2. Mᵀ sends each col entry back to that pixel. Overlapping receptive
//           fields copy one pixel into several col entries: what must happen
//           to their values on the way back, overwrite or add?
//   Step 3. Pixels that no receptive field covers (stride > kernel) get 0.
//   The grader checks <im2col(x), c> = <x, col2im(c)> for random x and c:
//   that equality is what "adjoint" means, and why col2im is the backward.
//
// PART 2: conv2d_backward. For each image n, with dout_n (O, P):
//   Step 4. out_n = weight · col is a matrix product C = A·B. From
//           C[o][p] = sum_k A[o][k] B[k][p], derive dA and dB (as in A2).
//   Step 5. dweight: weight is shared by all N images. So dweight = sum over
//           n of which product? (dweight is (O, K): check your shapes.)
//   Step 6. dx: the gradient of col is dcol (K, P) from Step 4; col is
//           im2col(x[n]), so dx[n] = ... (Part 1).
//   Buffers: allocate col and dcol as std::vector<float>(K * P) once and
//   reuse them for each n.
#include "tutorials/exercises/conv2d_backward.h"

#include <vector>

#include "tutorials/exercises/exercise.h"

namespace ex {

void col2im(const ConvShape& s, const float* col, float* img) {
  // TODO: Steps 1-3. Delete the next line when you start.
  todo("col2im", s, col, img);
}

void conv2d_backward(const ConvShape& s, const float* x, const float* weight, const float* dout,
                     float* dx, float* dweight) {
  // TODO: Steps 4-6, using im2col and your col2im. Delete the next line when you start.
  todo("conv2d_backward", s, x, weight, dout, dx, dweight);
}

}  // namespace ex
