// core/ops/outer.cpp: outer (torch.outer), declared in core/ops/outer.h.
//
// Shape legend: a (N), b (M), out (N, M).
//   out[i][j] = a[i] · b[j]        every product of one entry of a with one of b
// Each a[i] meets every b[j] once, so its gradient sums row i of dout against b:
//   da[i] = Σ_j dout[i][j] · b[j]      (dout · b)
//   db[j] = Σ_i dout[i][j] · a[i]      (doutᵀ · a)
#include "core/ops/outer.h"
#include "core/autograd.h"
#include "core/ops/elementwise.h"

namespace ag {

struct OuterBackward : Node {
  SavedTensor saved_a, saved_b;
  std::string name() const override { return "OuterBackward"; }
  std::vector<Tensor> apply(const Tensor& dout) override;
  void release_saved() override {
    saved_a.reset();
    saved_b.reset();
  }
};

Tensor outer(const Tensor& a, const Tensor& b) {
  // PyTorch names its arguments self and vec2, and so do its messages.
  if (a.dim() != 1)
    fail("outer: Expected 1-D argument self, but got ", a.dim(), "-D (shape ", a.shape(), ")");
  if (b.dim() != 1)
    fail("outer: Expected 1-D argument vec2, but got ", b.dim(), "-D (shape ", b.shape(), ")");
  const int64_t N = a.size(0), M = b.size(0);
  Tensor out = new_leaf("outer", {N, M});
  const float *pa = a.data(), *pb = b.data();
  float* po = out.data();
  for (int64_t i = 0; i < N; ++i)
    for (int64_t j = 0; j < M; ++j) po[i * M + j] = pa[i] * pb[j];
  if (needs_grad({a, b})) {
    auto node = std::make_shared<OuterBackward>();
    node->saved_a = SavedTensor(a);
    node->saved_b = SavedTensor(b);
    attach(out, node, {a, b});
  }
  return out;
}

std::vector<Tensor> OuterBackward::apply(const Tensor& dout) {
  Tensor a = saved_a.unpack(*this), b = saved_b.unpack(*this);
  const int64_t N = a.numel(), M = b.numel();
  const float *g = dout.data(), *pa = a.data(), *pb = b.data();
  Tensor da, db;
  if (next_edges[0].valid()) {
    da = zeros({N});
    float* pda = da.data();
    for (int64_t i = 0; i < N; ++i)
      for (int64_t j = 0; j < M; ++j) pda[i] += g[i * M + j] * pb[j];
  }
  if (next_edges[1].valid()) {
    db = zeros({M});
    float* pdb = db.data();
    for (int64_t i = 0; i < N; ++i)
      for (int64_t j = 0; j < M; ++j) pdb[j] += g[i * M + j] * pa[i];
  }
  return {da, db};
}

}  // namespace ag
