// core/ops/pad.cpp: pad (PyTorch's F.pad), the autograd op over
// core/kernels/pad.h (fast) and core/reference/pad_naive.h (naive), chosen
// by kernels().
//
// Shape legend: k padded dims (the last k of x), n a padded input size, m its
// padded size n + before + after. x (..., n_0, ..., n_{k-1}) ->
// out (..., m_0, ..., m_{k-1}); the kernels see the leading dims as P planes.
//
// Backward in one line: out[o] = x[source(o)] (or the fill), so
//   dx[i] = sum of dout[o] over the output cells o with source(o) = i.
#include "core/ops/pad.h"

#include "core/autograd.h"
#include "core/kernels/kernel_mode.h"
#include "core/reference/pad_naive.h"

namespace ag {

const char* pad_mode_name(PadMode mode) {
  switch (mode) {
    case PadMode::Constant:
      return "constant";
    case PadMode::Reflect:
      return "reflect";
    case PadMode::Replicate:
      return "replicate";
    case PadMode::Circular:
      return "circular";
  }
  return "?";
}

PadMode parse_pad_mode(const std::string& mode) {
  for (PadMode m : {PadMode::Constant, PadMode::Reflect, PadMode::Replicate, PadMode::Circular})
    if (mode == pad_mode_name(m)) return m;
  fail("pad: unknown mode \"", mode,
       "\"; expected \"constant\", \"reflect\", \"replicate\" or \"circular\"");
}

namespace {

// PyTorch's rule for the modes that copy from the input: 1, 2 or 3 padded
// dims, each on an input with one or two dims in front (unbatched or batched).
void check_copying_mode_rank(const Tensor& x, size_t pairs, PadMode mode) {
  const int64_t lead = x.dim() - static_cast<int64_t>(pairs);
  if (pairs >= 1 && pairs <= 3 && (lead == 1 || lead == 2)) return;
  fail("pad: mode \"", pad_mode_name(mode),
       "\" pads the last 1, 2 or 3 dims of a 2-D/3-D, "
       "3-D/4-D or 4-D/5-D input, got ",
       pairs, pairs == 1 ? " pair" : " pairs", " of pads for input ", x.shape());
}

// One padded dim: its pads against its size n and the mode's rules (pad.h),
// in the order PyTorch checks them. Returns the padded size m.
int64_t checked_padded_size(const Tensor& x, int64_t dim, int64_t before, int64_t after,
                            PadMode mode) {
  const int64_t n = x.size(dim);
  const std::string where = message("padding (", before, ", ", after, ") at dimension ", dim,
                                    " of input ", shape_str(x.shape()));
  // |pad| <= kMaxNumel keeps n + before + after inside int64 (n is at most that too).
  if (before < -kMaxNumel || before > kMaxNumel || after < -kMaxNumel || after > kMaxNumel)
    fail("pad: ", where, " is too large");
  const char* name = pad_mode_name(mode);
  if (mode != PadMode::Constant && n == 0)
    fail("pad: mode \"", name, "\" copies from the input, but dimension ", dim, " of input ",
         x.shape(), " is empty");
  if (mode == PadMode::Reflect && (before >= n || after >= n))
    fail("pad: reflect ", where, " must be less than the dimension's size ", n,
         " (the mirror does not repeat the edge cell)");
  if (mode == PadMode::Circular && (before > n || after > n))
    fail("pad: circular ", where, " must be at most the dimension's size ", n,
         " (it wraps around once)");
  const int64_t m = n + before + after;
  const int64_t least = mode == PadMode::Reflect || mode == PadMode::Replicate ? 1 : 0;
  if (m < least) fail("pad: ", where, " gives size ", m, ", must be >= ", least);
  // Negative pads crop first, one side then the other, as PyTorch's narrows:
  // together they may not take more cells than the dimension has.
  const int64_t kept = n + std::min<int64_t>(before, 0) + std::min<int64_t>(after, 0);
  if (mode == PadMode::Constant && kept < 0)
    fail("pad: constant ", where, " crops ", n - kept, " cells of a dimension of size ", n);
  // Circular wraps around what the crops keep; a crop past the far pad keeps nothing.
  if (mode == PadMode::Circular && m > 0 && kept < 1)
    fail("pad: circular ", where, " crops every cell, leaving nothing to wrap around");
  return m;
}

}  // namespace

// ---------------------------------------------------------------- pad
struct PadBackward : Node {
  PadGeometry geometry;
  Shape input_shape;
  std::string name() const override { return "PadBackward"; }
  std::vector<Tensor> apply(const Tensor& dout) override;
};

Tensor pad(const Tensor& x, const std::vector<int64_t>& pads, PadMode mode,
           std::optional<float> value) {
  if (!x.defined()) fail("pad: input must be defined");
  if (pads.size() % 2 != 0)
    fail("pad: pads must come in (before, after) pairs, got ", pads.size(), " values");
  const size_t pairs = pads.size() / 2;
  if (static_cast<int64_t>(pairs) > x.dim())
    fail("pad: ", pairs, " pairs of pads for input ", x.shape(), " with ", x.dim(),
         x.dim() == 1 ? " dim" : " dims", "; at most one pair per dim");
  // PyTorch 1.13 lets a copying mode be given value=0 (the default fill), nothing else.
  if (mode != PadMode::Constant && value && *value != 0.0f)
    fail("pad: mode \"", pad_mode_name(mode),
         "\" takes no value (only \"constant\" fills with one), got ", *value);
  if (mode != PadMode::Constant) check_copying_mode_rank(x, pairs, mode);

  // The kernels want the padded dims outermost first; the list runs last dim first.
  PadGeometry g;
  g.mode = mode;
  g.value = value.value_or(0.0f);
  Shape out_shape = x.shape();
  const int64_t lead = x.dim() - static_cast<int64_t>(pairs);
  for (size_t j = 0; j < pairs; ++j) {  // pair j pads dim x.dim() - 1 - j
    const int64_t dim = x.dim() - 1 - static_cast<int64_t>(j);
    out_shape[dim] = checked_padded_size(x, dim, pads[2 * j], pads[2 * j + 1], mode);
  }
  for (int64_t d = lead; d < x.dim(); ++d) {
    const size_t j = static_cast<size_t>(x.dim() - 1 - d);
    g.in_sizes.push_back(x.size(d));
    g.before.push_back(pads[2 * j]);
    g.after.push_back(pads[2 * j + 1]);
    g.out_sizes.push_back(out_shape[d]);
  }
  g.planes = 1;
  for (int64_t d = 0; d < lead; ++d) g.planes *= x.size(d);
  if (pairs == 0) {  // nothing to pad: a copy, as one plane padded by (0, 0)
    g.planes = 1;
    g.in_sizes = g.out_sizes = {x.numel()};
    g.before = g.after = {0};
  }
  checked_numel("pad", out_shape);
  Tensor out = empty(out_shape);
  fast_or_naive(pad_forward, pad_forward_naive)(g, x.data(), out.data());
  if (needs_grad({x})) {
    auto node = std::make_shared<PadBackward>();
    node->geometry = std::move(g);
    node->input_shape = x.shape();
    attach(out, node, {x});
  }
  return out;
}

Tensor pad(const Tensor& x, const std::vector<int64_t>& pads, const std::string& mode,
           std::optional<float> value) {
  return pad(x, pads, parse_pad_mode(mode), value);
}

// dx[i] = sum of dout[o] over the cells o that copied x[i]; the kernel walks
// the output once and adds each dout[o] into its source (pad.h).
std::vector<Tensor> PadBackward::apply(const Tensor& dout) {
  Tensor dx = empty(input_shape);
  fast_or_naive(pad_backward, pad_backward_naive)(geometry, dout.data(), dx.data());
  return {dx};
}

}  // namespace ag
