// core/kernels/pad.h: padding, forward and backward (no autograd).
//
// Shape legend: P planes (the product of the sizes that are not padded), k
// padded dims, n_d an input size, m_d = n_d + before_d + after_d an output
// size. x (P, n_0, ..., n_{k-1}) -> out (P, m_0, ..., m_{k-1}); every plane is
// padded alike. The padded dims are listed outermost first (PyTorch's flat
// pad list runs the other way: (left, right, top, bottom) pads W, then H).
//
// Along one padded dim of size n with pads (before, after), output cell o
// comes from input cell i = o - before when 0 <= i < n; outside, the mode
// says where (here n = 4 holding a b c d, pads (2, 2)):
//   constant:  no cell: the fill value              v v | a b c d | v v
//   reflect:   mirrored about the edge cell,         c b | a b c d | c b
//              which is not repeated (pad < n)
//   replicate: the edge cell, repeated               a a | a b c d | d d
//   circular:  the other end, as on a ring           c d | a b c d | a b
//              (pad <= n: it wraps at most once)
// A negative pad crops: i = o - before still holds, the run just starts
// inside the input. Circular then wraps around what the crop kept, as
// PyTorch's _pad_circular does: with pads (1, -2), a b c d e -> c | a b c.
//
// Backward: the gradient of every output cell goes to its source cell (none
// for the constant fill), so reflect, replicate and circular add several
// gradients into the cells near an edge.
//
// The textbook version lives in core/reference/pad_naive.h. All functions
// overwrite their outputs and assume a valid geometry (the op checks it).
#pragma once

#include <cstdint>
#include <vector>

namespace ag {

enum class PadMode { Constant, Reflect, Replicate, Circular };

struct PadGeometry {
  int64_t planes = 1;                  // P
  std::vector<int64_t> in_sizes;       // n_d, the k >= 1 padded dims, outermost first
  std::vector<int64_t> before, after;  // the pads of those dims (negative crops)
  std::vector<int64_t> out_sizes;      // m_d = n_d + before_d + after_d
  PadMode mode = PadMode::Constant;
  float value = 0.0f;  // the constant mode's fill
};

// x (P, n...) -> out (P, m...)
void pad_forward(const PadGeometry& g, const float* x, float* out);
// dout (P, m...) -> dx (P, n...): each output cell's gradient added to its source.
void pad_backward(const PadGeometry& g, const float* dout, float* dx);

}  // namespace ag
