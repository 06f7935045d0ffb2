// core/ops/pow.cpp: pow with a tensor exponent (broadcast) and with a scalar base.
// (pow(Tensor, float), the scalar exponent, is a unary op in unary.cpp.)
//
// z = a^b:  da = dz * b * a^(b-1)   (0 where b = 0, as PyTorch)
//           db = dz * a^b * log a   (0 where a = 0 and b >= 0: the limit there, as PyTorch)
// each summed back to its input's shape when it was broadcast.
#include <cmath>

#include "core/autograd.h"
#include "core/ops/broadcast.h"
#include "core/ops/elementwise.h"
#include "core/ops/pow.h"

namespace ag {

namespace {
float dpow_dbase(float a, float b) { return b == 0.0f ? 0.0f : b * std::pow(a, b - 1.0f); }
float dpow_dexponent(float a, float b, float z) {
  return a == 0.0f && b >= 0.0f ? 0.0f : z * std::log(a);
}
}  // namespace

// ---------------------------------------------------------------- pow(Tensor, Tensor)
struct PowTensorBackward : Node {
  SavedTensor base, exponent;
  std::string name() const override { return "PowBackward"; }
  std::vector<Tensor> apply(const Tensor& dout) override;
  void release_saved() override {
    base.reset();
    exponent.reset();
  }
};

Tensor pow(const Tensor& a, const Tensor& b) {
  const Shape shape = broadcast_shapes("pow", a.shape(), b.shape());
  Tensor out = empty(shape);
  float* z = out.data();
  const float *pa = a.data(), *pb = b.data();
  for_each_broadcast(shape, a.shape(), b.shape(),
                     [&](int64_t i, int64_t ia, int64_t ib) { z[i] = std::pow(pa[ia], pb[ib]); });
  if (needs_grad({a, b})) {
    auto node = std::make_shared<PowTensorBackward>();
    node->base = SavedTensor(a);
    node->exponent = SavedTensor(b);
    attach(out, node, {a, b});
  }
  return out;
}

std::vector<Tensor> PowTensorBackward::apply(const Tensor& dout) {
  Tensor a = base.unpack(*this), b = exponent.unpack(*this);
  const Shape& shape = dout.shape();
  Tensor da = empty(shape), db = empty(shape);  // in the broadcast shape, then summed down
  const float *pa = a.data(), *pb = b.data(), *g = dout.data();
  float *pda = da.data(), *pdb = db.data();
  for_each_broadcast(shape, a.shape(), b.shape(), [&](int64_t i, int64_t ia, int64_t ib) {
    const float z = std::pow(pa[ia], pb[ib]);
    pda[i] = g[i] * dpow_dbase(pa[ia], pb[ib]);
    pdb[i] = g[i] * dpow_dexponent(pa[ia], pb[ib], z);
  });
  return {next_edges[0].valid() ? sum_to(da, a.shape()) : Tensor(),
          next_edges[1].valid() ? sum_to(db, b.shape()) : Tensor()};
}

// ---------------------------------------------------------------- pow(float, Tensor)
// z = s^b:  db = dz * z * log s  (0 where s = 0 and b >= 0)
struct PowScalarBaseBackward : Node {
  float scalar_base = 0.0f;
  SavedTensor exponent;
  std::string name() const override { return "PowBackward"; }
  std::vector<Tensor> apply(const Tensor& dout) override;
  void release_saved() override { exponent.reset(); }
};

Tensor pow(float a, const Tensor& b) {
  Tensor out = empty(b.shape());
  float* z = out.data();
  const float* pb = b.data();
  for (int64_t i = 0; i < b.numel(); ++i) z[i] = std::pow(a, pb[i]);
  if (needs_grad({b})) {
    auto node = std::make_shared<PowScalarBaseBackward>();
    node->scalar_base = a;
    node->exponent = SavedTensor(b);
    attach(out, node, {b});
  }
  return out;
}

std::vector<Tensor> PowScalarBaseBackward::apply(const Tensor& dout) {
  Tensor b = exponent.unpack(*this);
  Tensor db = empty(b.shape());
  const float *pb = b.data(), *g = dout.data();
  float* d = db.data();
  for (int64_t i = 0; i < b.numel(); ++i)
    d[i] = g[i] * dpow_dexponent(scalar_base, pb[i], std::pow(scalar_base, pb[i]));
  return {db};
}

}  // namespace ag
