// core/ops/matmul.cpp: matmul, bmm, baddbmm and linear, forward and backward, on the one sgemm.
//
// Shape legend:
//   M rows of a (and of the result)       B  batch of matrices (possibly broadcast)
//   K the size that is summed over        in / out  features of linear
//   N columns of b (and of the result)    R  rows of linear's input, all leading dims flattened
//
// The chain rule for C = A·B (one matrix each; batches repeat it):
//   dA = dC · Bᵀ      [M, N]·[N, K] = [M, K]
//   dB = Aᵀ · dC      [K, M]·[M, N] = [K, N]
// No transpose is ever materialised: sgemm reads the stored matrix through its
// trans flag. A batch operand that was broadcast (one matrix used by several
// products) gets the SUM of the gradients of every product that used it.
//
// This file checks shapes, allocates, and says which matrices each product
// reads and writes (a GemmBatch); the products, and how they share the
// threads, are core/kernels/gemm_batched.cpp's.
#include "core/ops/matmul.h"

#include <algorithm>

#include "core/autograd.h"
#include "core/kernels/gemm.h"
#include "core/kernels/gemm_batched.h"
#include "core/kernels/kernel_mode.h"
#include "core/ops/broadcast.h"
#include "core/ops/elementwise.h"
#include "core/reference/gemm_batched_naive.h"
#include "core/reference/gemm_naive.h"

namespace ag {
namespace {

// linear treats x (..., in) as one [R, in] matrix: R is the product of the leading sizes.
int64_t leading_rows(const Shape& shape) { return numel_of(Shape(shape.begin(), shape.end() - 1)); }

// Gradients of C = A·B for a whole batch g (A stored [M, K], B stored [K, N]);
// g's product i wrote dC's matrix i. Each gradient is a batch of its own,
// with the roles of the three stacks exchanged.
Tensor grad_of_a(const GemmBatch& g, const Tensor& dout, const Tensor& b, const Shape& a_shape) {
  // ASSIGNMENT broadcast_backward/grad_of_a: begin
  // dA_{a(i)} += dC_i · B_{b(i)}ᵀ: a matrix of A that several products used
  // gets the sum of their gradients, so dA starts at zero and every product
  // adds onto it (beta = 1).
  GemmBatch grad;
  grad.trans_b = true;
  grad.M = g.M, grad.N = g.K, grad.K = g.N;
  grad.a_index = g.c_index, grad.b_index = g.b_index, grad.c_index = g.a_index;
  Tensor da = zeros(a_shape);
  fast_or_naive(sgemm_batched, sgemm_batched_naive)(grad, 1.0f, dout.data(), b.data(), 1.0f,
                                                    da.data());
  return da;
  // ASSIGNMENT broadcast_backward/grad_of_a: end
}

Tensor grad_of_b(const GemmBatch& g, const Tensor& dout, const Tensor& a, const Shape& b_shape) {
  // ASSIGNMENT broadcast_backward/grad_of_b: begin
  // dB_{b(i)} += A_{a(i)}ᵀ · dC_i, summed over the products that shared B_{b(i)}.
  GemmBatch grad;
  grad.trans_a = true;
  grad.M = g.K, grad.N = g.N, grad.K = g.M;
  grad.a_index = g.a_index, grad.b_index = g.c_index, grad.c_index = g.b_index;
  Tensor db = zeros(b_shape);
  fast_or_naive(sgemm_batched, sgemm_batched_naive)(grad, 1.0f, a.data(), dout.data(), 1.0f,
                                                    db.data());
  return db;
  // ASSIGNMENT broadcast_backward/grad_of_b: end
}

// The same two gradients for bmm, whose operands may be stored transposed
// (no broadcasting there, so every product has its own matrices), each scaled
// by alpha (baddbmm's; 1 for bmm):
//   dA = dC·op(B)ᵀ,  or  op(B)·dCᵀ  when A is stored transposed [K, M]
//   dB = op(A)ᵀ·dC,  or  dCᵀ·op(A)  when B is stored transposed [N, K]
Tensor bmm_grad_of_a(const GemmBatch& g, const Tensor& dout, const Tensor& b, const Shape& a_shape,
                     float alpha = 1.0f) {
  const auto gemm = fast_or_naive(sgemm_batched, sgemm_batched_naive);
  Tensor da = empty(a_shape);
  if (g.trans_a)  // [K, M] = [K, N]·[N, M]
    gemm(one_to_one_batch(g.count(), g.trans_b, true, g.K, g.M, g.N), alpha, b.data(), dout.data(),
         0.0f, da.data());
  else  // [M, K] = [M, N]·[N, K]
    gemm(one_to_one_batch(g.count(), false, !g.trans_b, g.M, g.K, g.N), alpha, dout.data(),
         b.data(), 0.0f, da.data());
  return da;
}

Tensor bmm_grad_of_b(const GemmBatch& g, const Tensor& dout, const Tensor& a, const Shape& b_shape,
                     float alpha = 1.0f) {
  const auto gemm = fast_or_naive(sgemm_batched, sgemm_batched_naive);
  Tensor db = empty(b_shape);
  if (g.trans_b)  // [N, K] = [N, M]·[M, K]
    gemm(one_to_one_batch(g.count(), true, g.trans_a, g.N, g.K, g.M), alpha, dout.data(), a.data(),
         0.0f, db.data());
  else  // [K, N] = [K, M]·[M, N]
    gemm(one_to_one_batch(g.count(), !g.trans_a, false, g.K, g.N, g.M), alpha, a.data(),
         dout.data(), 0.0f, db.data());
  return db;
}

// bmm's and baddbmm's rules, checked before anything is computed; returns the
// batch of products. `op` names the caller in the messages.
GemmBatch bmm_batch(const char* op, const Tensor& a, const Tensor& b, const BmmOptions& options) {
  if (a.dim() != 3 || b.dim() != 3)
    fail(op, ": expected two 3-D tensors (B, M, K) and (B, K, N), got shapes ", a.shape(), " and ",
         b.shape());
  if (a.size(0) != b.size(0))
    fail(op, ": shapes ", a.shape(), " and ", b.shape(), " have different batch sizes (", a.size(0),
         " != ", b.size(0), ")");
  // op(a) is [M, K] and op(b) is [K, N], each read transposed if asked.
  const int64_t M = options.transpose_a ? a.size(2) : a.size(1);
  const int64_t K = options.transpose_a ? a.size(1) : a.size(2);
  const int64_t Kb = options.transpose_b ? b.size(2) : b.size(1);
  const int64_t N = options.transpose_b ? b.size(1) : b.size(2);
  if (K != Kb) {
    const char* which = options.transpose_a && options.transpose_b ? " (both transposed)"
                        : options.transpose_a                      ? " (a transposed)"
                        : options.transpose_b                      ? " (b transposed)"
                                                                   : "";
    fail(op, ": shapes ", a.shape(), " and ", b.shape(), which, " cannot be multiplied (", K,
         " != ", Kb, ")");
  }
  return one_to_one_batch(a.size(0), options.transpose_a, options.transpose_b, M, N, K);
}

}  // namespace

// ---------------------------------------------------------------- matmul, bmm
// dA = dC · Bᵀ,  dB = Aᵀ · dC   (summed over the products that shared a matrix)
struct MatmulBackward : Node {
  SavedTensor saved_a, saved_b;
  GemmBatch batch;
  std::string name() const override { return "MatmulBackward"; }
  std::vector<Tensor> apply(const Tensor& dout) override;
  void release_saved() override {
    saved_a.reset();
    saved_b.reset();
  }
};

// bmm is matmul without broadcasting, but with transposed operands; its own
// name shows up in backtraces and graphs.
struct BmmBackward : MatmulBackward {
  std::string name() const override { return "BmmBackward"; }
  std::vector<Tensor> apply(const Tensor& dout) override;
};

// Runs the batch forward and records the node (shared by matmul and bmm).
template <class NodeT>
static Tensor multiply(const Tensor& a, const Tensor& b, GemmBatch batch, const Shape& out_shape) {
  Tensor out = empty(out_shape);
  fast_or_naive(sgemm_batched, sgemm_batched_naive)(batch, 1.0f, a.data(), b.data(), 0.0f,
                                                    out.data());
  if (needs_grad({a, b})) {
    auto node = std::make_shared<NodeT>();
    node->saved_a = SavedTensor(a);
    node->saved_b = SavedTensor(b);
    node->batch = std::move(batch);
    attach(out, node, {a, b});
  }
  return out;
}

Tensor matmul(const Tensor& a, const Tensor& b) {
  if (a.dim() == 0 || b.dim() == 0)
    fail("matmul: both arguments need at least 1 dimension, got shapes ", a.shape(), " and ",
         b.shape());
  // A 1-D a is a row [1, K]; a 1-D b is a column [K, 1]. The extra dimension
  // is dropped from the result again.
  Shape a_mat = a.shape(), b_mat = b.shape();
  if (a.dim() == 1) a_mat.insert(a_mat.begin(), 1);
  if (b.dim() == 1) b_mat.push_back(1);
  const int64_t M = a_mat[a_mat.size() - 2], K = a_mat.back();
  const int64_t N = b_mat.back(), Kb = b_mat[b_mat.size() - 2];
  if (K != Kb)
    fail("matmul: shapes ", a.shape(), " and ", b.shape(), " cannot be multiplied (", K, " != ", Kb,
         ")");

  // Batch dimensions broadcast as in elementwise ops (aligned from the right).
  const Shape a_batch(a_mat.begin(), a_mat.end() - 2), b_batch(b_mat.begin(), b_mat.end() - 2);
  Shape out_batch;
  BroadcastClash clash;
  if (!try_broadcast_shapes(a_batch, b_batch, &out_batch, &clash))
    fail("matmul: batch dimensions of ", a.shape(), " and ", b.shape(), " cannot be broadcast (",
         clash.a_size, " vs ", clash.b_size, ")");
  Shape out_shape = out_batch;
  if (a.dim() > 1) out_shape.push_back(M);
  if (b.dim() > 1) out_shape.push_back(N);

  // Product i writes matrix i of the result and reads the matrices of a and
  // b that broadcasting pairs with it (the same one, again and again, along a
  // dimension that was stretched).
  GemmBatch batch;
  batch.N = N, batch.K = K;
  if (b_batch.empty()) {
    // b is one matrix: every row of every matrix of a meets the same b, so the
    // whole of a is one tall [B·M, K] matrix and the product is ONE sgemm.
    batch.M = numel_of(a_batch) * M;
    batch.a_index = batch.b_index = batch.c_index = {0};
  } else {
    batch.M = M;
    for_each_broadcast(out_batch, a_batch, b_batch, [&](int64_t i, int64_t ia, int64_t ib) {
      batch.a_index.push_back(ia);
      batch.b_index.push_back(ib);
      batch.c_index.push_back(i);
    });
  }
  return multiply<MatmulBackward>(a, b, std::move(batch), out_shape);
}

std::vector<Tensor> MatmulBackward::apply(const Tensor& dout) {
  Tensor a = saved_a.unpack(*this), b = saved_b.unpack(*this);
  Tensor da = next_edges[0].valid() ? grad_of_a(batch, dout, b, a.shape()) : Tensor();
  Tensor db = next_edges[1].valid() ? grad_of_b(batch, dout, a, b.shape()) : Tensor();
  return {da, db};
}

Tensor bmm(const Tensor& a, const Tensor& b, const BmmOptions& options) {
  GemmBatch batch = bmm_batch("bmm", a, b, options);
  const Shape out_shape{a.size(0), batch.M, batch.N};
  return multiply<BmmBackward>(a, b, std::move(batch), out_shape);
}

std::vector<Tensor> BmmBackward::apply(const Tensor& dout) {
  Tensor a = saved_a.unpack(*this), b = saved_b.unpack(*this);
  Tensor da = next_edges[0].valid() ? bmm_grad_of_a(batch, dout, b, a.shape()) : Tensor();
  Tensor db = next_edges[1].valid() ? bmm_grad_of_b(batch, dout, a, b.shape()) : Tensor();
  return {da, db};
}

// ---------------------------------------------------------------- baddbmm
// out = input + alpha · op(a)·op(b), alpha a one-element tensor (SAGAN's
// learnable gamma). The gemm does it all: C starts as a copy of input and
// the products are added on with the gemm's alpha, so the product never
// exists alone in memory. With S = op(A)·op(B):
//   dinput = dout
//   dA = alpha · (dA of bmm),  dB = alpha · (dB of bmm)
//   dalpha = Σ dout ⊙ S = <A, G>, G = dA / alpha: the sum of dout_n · op(B_n)ᵀ
//            against op(A_n), so S itself is never needed (nor is alpha != 0).
struct BaddbmmBackward : Node {
  SavedTensor saved_a, saved_b, saved_alpha;
  GemmBatch batch;
  std::string name() const override { return "BaddbmmBackward"; }
  std::vector<Tensor> apply(const Tensor& dout) override;
  void release_saved() override {
    saved_a.reset();
    saved_b.reset();
    saved_alpha.reset();
  }
};

Tensor baddbmm(const Tensor& input, const Tensor& a, const Tensor& b, const Tensor& alpha,
               const BmmOptions& options) {
  GemmBatch batch = bmm_batch("baddbmm", a, b, options);
  const Shape out_shape{a.size(0), batch.M, batch.N};
  if (!alpha.defined() || alpha.numel() != 1)
    fail("baddbmm: alpha must hold one number, got shape ",
         alpha.defined() ? alpha.shape() : Shape{0});
  Shape joint;
  BroadcastClash clash;
  if (!input.defined() || !try_broadcast_shapes(input.shape(), out_shape, &joint, &clash) ||
      joint != out_shape)
    fail("baddbmm: input ", input.defined() ? input.shape() : Shape{0},
         " must broadcast to the product's shape ", out_shape, " (of ", a.shape(), " and ",
         b.shape(), ")");
  // As PyTorch, input broadcasts (a bias (N) for every row of every batch):
  // expand copies it to (B, M, N), and expand's backward sums its gradient back.
  const Tensor full_input = input.shape() == out_shape ? input : expand(input, out_shape);
  Tensor out = empty(out_shape);
  std::copy(full_input.data(), full_input.data() + full_input.numel(), out.data());
  fast_or_naive(sgemm_batched, sgemm_batched_naive)(batch, alpha.data()[0], a.data(), b.data(),
                                                    /*beta=*/1.0f, out.data());
  if (needs_grad({full_input, a, b, alpha})) {
    auto node = std::make_shared<BaddbmmBackward>();
    node->saved_a = SavedTensor(a);
    node->saved_b = SavedTensor(b);
    node->saved_alpha = SavedTensor(alpha);
    node->batch = std::move(batch);
    attach(out, node, {full_input, a, b, alpha});
  }
  return out;
}

std::vector<Tensor> BaddbmmBackward::apply(const Tensor& dout) {
  Tensor a = saved_a.unpack(*this), b = saved_b.unpack(*this), alpha = saved_alpha.unpack(*this);
  const float scale = alpha.data()[0];
  Tensor dinput = next_edges[0].valid() ? dout : Tensor();  // passed on as it is, as add does
  Tensor da, db, dalpha;
  if (next_edges[3].valid()) {
    // G = dA of the plain product; dalpha = <A, G>, summed in double.
    Tensor grad_a = bmm_grad_of_a(batch, dout, b, a.shape());
    const float *g = grad_a.data(), *x = a.data();
    double total = 0.0;
    for (int64_t e = 0, n = a.numel(); e < n; ++e) total += double(g[e]) * x[e];
    dalpha = full(alpha.shape(), static_cast<float>(total));
    if (next_edges[1].valid()) {  // dA = alpha · G, in place: G is ours
      float* d = grad_a.data();
      for (int64_t e = 0, n = a.numel(); e < n; ++e) d[e] *= scale;
      da = grad_a;
    }
  } else if (next_edges[1].valid()) {
    da = bmm_grad_of_a(batch, dout, b, a.shape(), scale);
  }
  if (next_edges[2].valid()) db = bmm_grad_of_b(batch, dout, a, b.shape(), scale);
  return {dinput, da, db, dalpha};
}

// ---------------------------------------------------------------- linear
// y = x · Wᵀ + bias, with x seen as [R, in]:
//   dx = dy · W        [R, out]·[out, in]
//   dW = dyᵀ · x       [out, R]·[R, in]
//   dbias = column sums of dy
struct LinearBackward : Node {
  SavedTensor saved_x, saved_weight;
  std::string name() const override { return "LinearBackward"; }
  std::vector<Tensor> apply(const Tensor& dout) override;
  void release_saved() override {
    saved_x.reset();
    saved_weight.reset();
  }
};

Tensor linear(const Tensor& x, const Tensor& weight, const Tensor& bias) {
  if (weight.dim() != 2) fail("linear: weight must be 2-D (out, in), got shape ", weight.shape());
  if (x.dim() == 0 || x.size(-1) != weight.size(1))
    fail("linear: input ", x.shape(), " has ", x.dim() ? x.size(-1) : 0, " features but weight ",
         weight.shape(), " expects ", weight.size(1));
  const int64_t out_features = weight.size(0), in_features = weight.size(1);
  if (bias.defined() && (bias.dim() != 1 || bias.size(0) != out_features))
    fail("linear: bias ", bias.shape(), " does not match the ", out_features, " outputs of weight ",
         weight.shape(), " (expected [", out_features, "])");

  const int64_t rows = leading_rows(x.shape());
  Shape out_shape = x.shape();
  out_shape.back() = out_features;
  Tensor out = empty(out_shape);
  // Start from the bias in every row and let sgemm add x·Wᵀ on top (beta = 1):
  // the bias costs no second pass over the output.
  float* y = out.data();
  const float* bias_data = bias.defined() ? bias.data() : nullptr;
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t o = 0; o < out_features; ++o)
      y[r * out_features + o] = bias_data ? bias_data[o] : 0.0f;
  fast_or_naive(sgemm, sgemm_naive)(false, true, rows, out_features, in_features, 1.0f, x.data(),
                                    in_features, weight.data(), in_features, 1.0f, y, out_features);

  std::vector<Tensor> inputs = {x, weight};
  if (bias.defined()) inputs.push_back(bias);
  if (needs_grad(inputs)) {
    auto node = std::make_shared<LinearBackward>();
    node->saved_x = SavedTensor(x);
    node->saved_weight = SavedTensor(weight);
    attach(out, node, inputs);
  }
  return out;
}

std::vector<Tensor> LinearBackward::apply(const Tensor& dout) {
  Tensor x = saved_x.unpack(*this), weight = saved_weight.unpack(*this);
  const int64_t out_features = weight.size(0), in_features = weight.size(1);
  const int64_t rows = leading_rows(x.shape());
  const auto gemm = fast_or_naive(sgemm, sgemm_naive);
  Tensor dx, dweight, dbias;
  if (next_edges[0].valid()) {
    dx = empty(x.shape());
    gemm(false, false, rows, in_features, out_features, 1.0f, dout.data(), out_features,
         weight.data(), in_features, 0.0f, dx.data(), in_features);
  }
  if (next_edges[1].valid()) {
    dweight = empty(weight.shape());
    gemm(true, false, out_features, in_features, rows, 1.0f, dout.data(), out_features, x.data(),
         in_features, 0.0f, dweight.data(), in_features);
  }
  if (next_edges.size() > 2 && next_edges[2].valid()) {
    dbias = zeros({out_features});
    float* db = dbias.data();
    const float* dy = dout.data();
    for (int64_t r = 0; r < rows; ++r)
      for (int64_t o = 0; o < out_features; ++o) db[o] += dy[r * out_features + o];
  }
  if (next_edges.size() == 2) return {dx, dweight};  // linear was called without a bias
  return {dx, dweight, dbias};
}

}  // namespace ag
