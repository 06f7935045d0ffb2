// core/ops/elementwise.cpp: binary arithmetic with broadcasting, and its backward.
//
// Each op is its Node struct (what backward saves), the forward function, then
// the Node's apply (the backward), in that order. The chain rule
// for z = f(a, b) with z of the broadcast shape:
//   da = sum_to(dz * ∂f/∂a, a.shape)     db = sum_to(dz * ∂f/∂b, b.shape)
// sum_to undoes the broadcast: an input that was stretched along a dimension
// contributed to every output along it, so its gradient is the sum over it.
// Backward runs with grad mode off, so it may use the ops themselves.
#include "core/ops/elementwise.h"

#include "core/autograd.h"
#include "core/ops/broadcast.h"
#include "core/ops/view_copies.h"

namespace ag {

std::vector<int64_t> broadcast_strides(const Shape& in, const Shape& out) {
  const size_t rank = out.size(), offset = rank - in.size();
  std::vector<int64_t> strides(rank, 0);
  int64_t stride = 1;
  for (size_t d = rank; d-- > offset;) {
    int64_t size = in[d - offset];
    strides[d] = (size == 1 && out[d] != 1) ? 0 : stride;
    stride *= size;
  }
  return strides;
}

bool try_broadcast_shapes(const Shape& a, const Shape& b, Shape* out, BroadcastClash* clash) {
  const size_t rank = std::max(a.size(), b.size());
  out->assign(rank, 1);
  for (size_t i = 0; i < rank; ++i) {  // align from the right
    int64_t da = i < rank - a.size() ? 1 : a[i - (rank - a.size())];
    int64_t db = i < rank - b.size() ? 1 : b[i - (rank - b.size())];
    if (da != db && da != 1 && db != 1) {
      *clash = {static_cast<int64_t>(i), da, db};
      return false;
    }
    (*out)[i] = da == 1 ? db : da;
  }
  return true;
}

Shape broadcast_shapes(const char* op, const Shape& a, const Shape& b) {
  Shape out;
  BroadcastClash clash;
  if (!try_broadcast_shapes(a, b, &out, &clash))
    fail(op, ": shapes ", a, " and ", b, " cannot be broadcast together (", clash.a_size, " vs ",
         clash.b_size, " at dimension ", clash.dim, " of the result)");
  return out;
}

// ---------------------------------------------------------------- sum_to / expand
struct SumToBackward : Node {
  Shape input_shape;
  std::string name() const override { return "SumToBackward"; }
  std::vector<Tensor> apply(const Tensor& dout) override;
};

struct ExpandBackward : Node {
  Shape input_shape;
  std::string name() const override { return "ExpandBackward"; }
  std::vector<Tensor> apply(const Tensor& dout) override;
};

Tensor sum_to(const Tensor& t, const Shape& shape) {
  if (t.shape() == shape) return t;
  if (broadcast_shapes("sum_to", shape, t.shape()) != t.shape())
    fail("sum_to: shape ", t.shape(), " cannot be summed down to ", shape);
  // ASSIGNMENT broadcast_backward/sum_to: begin
  Tensor out = zeros(shape);
  float* o = out.data();
  const float* x = t.data();
  for_each_broadcast(t.shape(), t.shape(), shape,
                     [&](int64_t i, int64_t, int64_t j) { o[j] += x[i]; });
  // ASSIGNMENT broadcast_backward/sum_to: end
  if (needs_grad({t})) {
    auto node = std::make_shared<SumToBackward>();
    node->input_shape = t.shape();
    attach(out, node, {t});
  }
  return out;
}

std::vector<Tensor> SumToBackward::apply(const Tensor& dout) { return {expand(dout, input_shape)}; }

Tensor expand(const Tensor& t, const Shape& shape) {
  if (broadcast_shapes("expand", t.shape(), shape) != shape)
    fail("expand: shape ", t.shape(), " cannot be expanded to ", shape);
  if (t.shape() == shape) return t;
  Tensor out = empty(shape);
  float* o = out.data();
  const float* x = t.data();
  for_each_broadcast(shape, shape, t.shape(), [&](int64_t i, int64_t, int64_t j) { o[i] = x[j]; });
  // PyTorch's expand is a view: stride 0 where it repeats (new leading dims and
  // stretched size-1 dims), the input's stride elsewhere.
  std::vector<int64_t> strides(shape.size(), 0);
  const std::vector<int64_t> from = pytorch_strides(t);
  const size_t lead = shape.size() - from.size();
  for (size_t d = 0; d < from.size(); ++d)
    if (t.shape()[d] == shape[lead + d]) strides[lead + d] = from[d];
  mark_copy_of_view("expand", out, t, std::move(strides));
  if (needs_grad({t})) {
    auto node = std::make_shared<ExpandBackward>();
    node->input_shape = t.shape();
    attach(out, node, {t});
  }
  return out;
}

std::vector<Tensor> ExpandBackward::apply(const Tensor& dout) {
  return {sum_to(dout, input_shape)};
}

// Forward of every binary op: broadcast, then out[i] = f(a[ia], b[ib]).
template <class F>
static Tensor binary_forward(const char* op, const Tensor& a, const Tensor& b, F f) {
  Shape shape = broadcast_shapes(op, a.shape(), b.shape());
  Tensor out = empty(shape);
  float* o = out.data();
  const float *pa = a.data(), *pb = b.data();
  for_each_broadcast(shape, a.shape(), b.shape(),
                     [&](int64_t i, int64_t ia, int64_t ib) { o[i] = f(pa[ia], pb[ib]); });
  return out;
}

// ---------------------------------------------------------------- add
// PyTorch's alpha keyword scales the second operand: z = a + alpha·b.
struct AddBackward : Node {
  Shape a_shape, b_shape;
  float alpha = 1.0f;
  std::string name() const override { return "AddBackward"; }
  std::vector<Tensor> apply(const Tensor& dout) override;
};

Tensor add(const Tensor& a, const Tensor& b) { return add(a, b, 1.0f); }

Tensor add(const Tensor& a, const Tensor& b, float alpha) {
  Tensor out = alpha == 1.0f ? binary_forward("add", a, b, [](float x, float y) { return x + y; })
                             : binary_forward("add", a, b,
                                              [alpha](float x, float y) { return x + alpha * y; });
  if (needs_grad({a, b})) {
    auto node = std::make_shared<AddBackward>();
    node->a_shape = a.shape();
    node->b_shape = b.shape();
    node->alpha = alpha;
    attach(out, node, {a, b});
  }
  return out;
}

// z = a + alpha·b:  da = dz,  db = alpha·dz   (each summed back to its input's shape)
std::vector<Tensor> AddBackward::apply(const Tensor& dout) {
  Tensor db = sum_to(dout, b_shape);
  return {sum_to(dout, a_shape), alpha == 1.0f ? db : mul(db, alpha)};
}

// ---------------------------------------------------------------- sub
// z = a - alpha·b (alpha as in add).
struct SubBackward : Node {
  Shape a_shape, b_shape;
  float alpha = 1.0f;
  std::string name() const override { return "SubBackward"; }
  std::vector<Tensor> apply(const Tensor& dout) override;
};

Tensor sub(const Tensor& a, const Tensor& b) { return sub(a, b, 1.0f); }

Tensor sub(const Tensor& a, const Tensor& b, float alpha) {
  Tensor out = alpha == 1.0f ? binary_forward("sub", a, b, [](float x, float y) { return x - y; })
                             : binary_forward("sub", a, b,
                                              [alpha](float x, float y) { return x - alpha * y; });
  if (needs_grad({a, b})) {
    auto node = std::make_shared<SubBackward>();
    node->a_shape = a.shape();
    node->b_shape = b.shape();
    node->alpha = alpha;
    attach(out, node, {a, b});
  }
  return out;
}

// z = a - alpha·b:  da = dz,  db = -alpha·dz   (each summed back to its input's shape)
std::vector<Tensor> SubBackward::apply(const Tensor& dout) {
  Tensor db = sum_to(dout, b_shape);
  return {sum_to(dout, a_shape), alpha == 1.0f ? neg(db) : mul(db, -alpha)};
}

// ---------------------------------------------------------------- mul
// z = a * b:  da = dz * b,  db = dz * a
struct MulBackward : Node {
  SavedTensor saved_a, saved_b;
  std::string name() const override { return "MulBackward"; }
  std::vector<Tensor> apply(const Tensor& dout) override;
  void release_saved() override {
    saved_a.reset();
    saved_b.reset();
  }
};

Tensor mul(const Tensor& a, const Tensor& b) {
  Tensor out = binary_forward("mul", a, b, [](float x, float y) { return x * y; });
  if (needs_grad({a, b})) {
    auto node = std::make_shared<MulBackward>();
    node->saved_a = SavedTensor(a);
    node->saved_b = SavedTensor(b);
    attach(out, node, {a, b});
  }
  return out;
}

std::vector<Tensor> MulBackward::apply(const Tensor& dout) {
  Tensor a = saved_a.unpack(*this), b = saved_b.unpack(*this);
  Tensor da = next_edges[0].valid() ? sum_to(mul(dout, b), a.shape()) : Tensor();
  Tensor db = next_edges[1].valid() ? sum_to(mul(dout, a), b.shape()) : Tensor();
  return {da, db};
}

// ---------------------------------------------------------------- div
// z = a / b:  da = dz / b,  db = -dz * a / b²
struct DivBackward : Node {
  SavedTensor saved_a, saved_b;
  std::string name() const override { return "DivBackward"; }
  std::vector<Tensor> apply(const Tensor& dout) override;
  void release_saved() override {
    saved_a.reset();
    saved_b.reset();
  }
};

Tensor div(const Tensor& a, const Tensor& b) {
  Tensor out = binary_forward("div", a, b, [](float x, float y) { return x / y; });
  if (needs_grad({a, b})) {
    auto node = std::make_shared<DivBackward>();
    node->saved_a = SavedTensor(a);
    node->saved_b = SavedTensor(b);
    attach(out, node, {a, b});
  }
  return out;
}

std::vector<Tensor> DivBackward::apply(const Tensor& dout) {
  Tensor a = saved_a.unpack(*this), b = saved_b.unpack(*this);
  Tensor da = next_edges[0].valid() ? sum_to(div(dout, b), a.shape()) : Tensor();
  Tensor db =
      next_edges[1].valid() ? sum_to(neg(div(mul(dout, a), mul(b, b))), b.shape()) : Tensor();
  return {da, db};
}

// ---------------------------------------------------------------- masked_fill, where
// out = mask ? value : x:   dx = mask ? 0 : dout   (the mask gets no gradient)
struct MaskedFillBackward : Node {
  SavedTensor mask;
  std::string name() const override { return "MaskedFillBackward"; }
  std::vector<Tensor> apply(const Tensor& dout) override;
  void release_saved() override { mask.reset(); }
};

Tensor masked_fill(const Tensor& x, const Tensor& mask, float value) {
  if (mask.requires_grad()) fail("masked_fill: the mask ", mask.shape(), " must not require grad");
  if (broadcast_shapes("masked_fill", x.shape(), mask.shape()) != x.shape())
    fail("masked_fill: mask of shape ", mask.shape(), " does not broadcast to the input's shape ",
         x.shape());
  Tensor out = binary_forward("masked_fill", x, mask,
                              [value](float v, float k) { return k != 0.0f ? value : v; });
  if (needs_grad({x})) {
    auto node = std::make_shared<MaskedFillBackward>();
    node->mask = SavedTensor(mask);
    attach(out, node, {x});
  }
  return out;
}

std::vector<Tensor> MaskedFillBackward::apply(const Tensor& dout) {
  Tensor m = mask.unpack(*this);
  return {binary_forward("masked_fill", dout, m,
                         [](float g, float k) { return k != 0.0f ? 0.0f : g; })};
}

// out = cond ? a : b:   da = sum_to(cond ? dout : 0),  db = sum_to(cond ? 0 : dout)
struct WhereBackward : Node {
  SavedTensor cond;
  Shape a_shape, b_shape;
  std::string name() const override { return "WhereBackward"; }
  std::vector<Tensor> apply(const Tensor& dout) override;
  void release_saved() override { cond.reset(); }
};

Tensor where(const Tensor& cond, const Tensor& a, const Tensor& b) {
  if (cond.requires_grad()) fail("where: the condition ", cond.shape(), " must not require grad");
  Shape shape =
      broadcast_shapes("where", broadcast_shapes("where", cond.shape(), a.shape()), b.shape());
  Tensor c = expand(cond, shape);
  Tensor out = empty(shape);
  Tensor pick_a =
      binary_forward("where", c, a, [](float k, float v) { return k != 0.0f ? v : 0.0f; });
  Tensor pick_b =
      binary_forward("where", c, b, [](float k, float v) { return k != 0.0f ? 0.0f : v; });
  const float *pa = pick_a.data(), *pb = pick_b.data(), *pc = c.data();
  float* o = out.data();
  for (int64_t i = 0, n = out.numel(); i < n; ++i) o[i] = pc[i] != 0.0f ? pa[i] : pb[i];
  if (needs_grad({a, b})) {
    auto node = std::make_shared<WhereBackward>();
    node->cond = SavedTensor(c);
    node->a_shape = a.shape();
    node->b_shape = b.shape();
    attach(out, node, {a, b});
  }
  return out;
}

std::vector<Tensor> WhereBackward::apply(const Tensor& dout) {
  Tensor c = cond.unpack(*this);
  Tensor da =
      binary_forward("where", dout, c, [](float g, float k) { return k != 0.0f ? g : 0.0f; });
  Tensor db =
      binary_forward("where", dout, c, [](float g, float k) { return k != 0.0f ? 0.0f : g; });
  return {sum_to(da, a_shape), sum_to(db, b_shape)};
}

}  // namespace ag
