// core/tensor.h: ag::Tensor, the handle every part of attograd passes around.
//
// A Tensor is a cheap handle to a TensorImpl, like torch::Tensor: copying a
// Tensor aliases the same data, it does not copy it. The data is always a
// row-major, contiguous float32 buffer (a Storage). reshape() of a tensor
// shares its Storage; permute()/transpose() copy. Having no strided views keeps
// every kernel a plain loop over contiguous memory, which is what a student
// wants to step through.
//
// Autograd state lives here too: requires_grad, the accumulated grad, and
// grad_fn, the Node that produced this tensor (see core/autograd.h).
#pragma once

#include <cstdint>
#include <functional>
#include <initializer_list>
#include <iosfwd>
#include <memory>
#include <string>
#include <vector>

#include "core/allocator.h"
#include "core/error.h"

namespace ag {

struct Node;
class Tensor;

int64_t numel_of(const Shape& shape);  // product of sizes; 1 for a scalar shape []

// The most elements one float buffer can hold (2^61 - 1: its size in bytes fits in int64).
constexpr int64_t kMaxNumel = INT64_MAX / sizeof(float);
// numel of a shape that a new tensor is about to take, checked first: no
// negative size, and the product of the non-zero sizes at most kMaxNumel
// (so numel, and every partial product of sizes an op computes, fits in
// int64). Otherwise ag::Error naming `op` and the shape. Every factory and
// every view checks its shape this way before any memory is touched.
int64_t checked_numel(const char* op, const Shape& shape);

// The float buffer behind one or more tensors (reshape shares it), a block
// from the caching allocator (core/allocator.h). version counts in-place
// writes: a tensor saved for backward remembers the version it was saved at,
// and backward refuses to use it if the data changed since.
struct Storage;
// Set on the memory of a copy that PyTorch would have returned as a view
// (narrow, select, chunk, transpose, ...): in-place writes into it are
// refused while the source lives (core/ops/view_copies.h says why).
struct CopyOfView {
  const char* op = nullptr;       // "narrow", "chunk", ...: the op that copied
  std::weak_ptr<Storage> source;  // the memory it was copied from
  Shape source_shape;             // the source's shape, for the message
  // PyTorch's view of the same shape: the copy's shape when it was marked and
  // the strides (in elements) PyTorch's view would have. reshape and
  // contiguous() decide by them whether PyTorch would copy (view_copies.h).
  Shape shape;
  std::vector<int64_t> strides;
};
struct Storage {
  FloatBuffer data;
  uint64_t version = 0;
  std::unique_ptr<CopyOfView> copy_of_view;  // null for all other memory
};
// A Storage of numel_of(shape) floats, uninitialised: the one place tensor
// memory is asked for. Out of memory is an ag::Error naming `op`, the shape
// and the bytes, never a bare std::bad_alloc.
std::shared_ptr<Storage> new_storage(const char* op, const Shape& shape);

struct TensorImpl {
  Shape shape;
  std::shared_ptr<Storage> storage;
  bool requires_grad = false;
  std::shared_ptr<TensorImpl> grad;  // accumulated by backward(); null until then
  std::shared_ptr<Node> grad_fn;     // the op that made this tensor; null for leaves
  std::string name;                  // optional, used by printing and error messages
  // Gradient hooks of a leaf: called on each incoming gradient before it is
  // accumulated; a hook may return a replacement (or an undefined Tensor to keep it).
  std::vector<std::function<Tensor(const Tensor&)>> grad_hooks;
  // A view (reshape and friends, made with grad enabled) remembers the tensor
  // that owns its storage (always the root: a view of a view points at the
  // first base) and the storage version its grad_fn was made at. An in-place
  // op on the view rebases the base's history; an in-place op on the base (or
  // a sibling view) bumps the version, and the stale view rebuilds its
  // grad_fn as a reshape of the base's new history on next use (PyTorch does
  // the same with _base and its version counter).
  std::shared_ptr<TensorImpl> view_base;
  uint64_t view_version = 0;

  TensorImpl();
  ~TensorImpl();
  TensorImpl(const TensorImpl&) = delete;
  TensorImpl& operator=(const TensorImpl&) = delete;

  // How many TensorImpls are alive right now: tests use it to prove that a
  // forward/backward in a scope leaves nothing behind (no reference cycles).
  static int64_t live_count();
};

class Tensor {
 public:
  Tensor() = default;  // an undefined tensor (like a null torch::Tensor)
  explicit Tensor(std::shared_ptr<TensorImpl> impl) : impl_(std::move(impl)) {}

  bool defined() const { return impl_ != nullptr; }
  TensorImpl* impl() const { return impl_.get(); }
  const std::shared_ptr<TensorImpl>& impl_ptr() const { return impl_; }
  bool same(const Tensor& other) const { return impl_ == other.impl_; }

  // ---- shape ----
  const Shape& shape() const;
  int64_t dim() const { return static_cast<int64_t>(shape().size()); }
  int64_t size(int64_t d) const;  // negative d counts from the end
  int64_t numel() const { return numel_of(shape()); }

  // ---- data ----
  float* data();
  const float* data() const;
  float at(std::initializer_list<int64_t> index) const;  // bounds-checked read
  float item() const;                                    // the value of a 1-element tensor
  std::vector<float> to_vector() const;

  // ---- autograd ----
  bool requires_grad() const;
  Tensor& requires_grad_(bool on = true);  // only on leaves, like PyTorch
  Tensor grad() const;                     // undefined until a backward reaches it
  void set_grad(const Tensor& g);          // replace (or clear, with Tensor{}) the grad
  void zero_grad();                        // clears the grad, as PyTorch's set_to_none
  const std::shared_ptr<Node>& grad_fn() const;
  bool is_leaf() const { return !grad_fn(); }
  // Backpropagate from this tensor. A scalar needs no dout; a non-scalar needs
  // dout of its shape. The graph is freed afterwards unless retain_graph.
  void backward(const Tensor& dout = Tensor(), bool retain_graph = false) const;
  Tensor detach() const;  // same data, no history
  void retain_grad();     // keep .grad() on a non-leaf after backward (tutorials use it)
  // Called with this tensor's gradient during backward; may return a replacement.
  void register_hook(std::function<Tensor(const Tensor&)> hook);

  // ---- in-place support (optimizers, buffers) ----
  uint64_t version() const;
  void bump_version();  // call after writing data() of a tensor that may be saved for backward

  // ---- naming and printing ----
  Tensor& set_name(std::string name);
  const std::string& name() const;
  std::string str() const;  // PyTorch-style: tensor([[0.1000, ...]], grad_fn=<MulBackward>)

  // ---- member spellings of common ops (defined in core/ops/*) ----
  Tensor reshape(const Shape& shape) const;
  Tensor view(const Shape& shape) const { return reshape(shape); }
  Tensor permute(const std::vector<int64_t>& dims) const;
  Tensor transpose(int64_t d0, int64_t d1) const;
  Tensor sum() const;
  Tensor sum(int64_t dim, bool keepdim = false) const;
  Tensor mean() const;
  Tensor mean(int64_t dim, bool keepdim = false) const;
  Tensor matmul(const Tensor& other) const;
  Tensor add(const Tensor& other,
             float alpha = 1.0f) const;  // this + alpha·other (PyTorch's alpha=)
  Tensor sub(const Tensor& other, float alpha = 1.0f) const;  // this - alpha·other
  Tensor outer(const Tensor& other) const;                    // 1-D ⊗ 1-D -> 2-D
  Tensor clone() const;  // a copy with its own storage, differentiable
  // indexing and splitting (core/ops/index.h, shape.h): auto qkv = x.chunk(3, -1);
  std::vector<Tensor> chunk(int64_t chunks, int64_t dim = 0) const;
  std::vector<Tensor> split(int64_t split_size, int64_t dim = 0) const;
  std::vector<Tensor> split(const std::vector<int64_t>& split_sizes, int64_t dim = 0) const;
  Tensor index_select(int64_t dim, const Tensor& index) const;
  Tensor gather(int64_t dim, const Tensor& index) const;
  Tensor repeat(const std::vector<int64_t>& repeats) const;
  Tensor flip(const std::vector<int64_t>& dims) const;
  Tensor squeeze() const;
  // The same ops as the free functions, spelled as PyTorch tutorials write
  // them: x.relu(), x.pow(3), scores.softmax(-1), q.matmul(k.transpose(-2, -1)).
  Tensor relu() const;
  Tensor sigmoid() const;
  Tensor tanh() const;
  Tensor exp() const;
  Tensor log() const;
  Tensor sqrt() const;
  Tensor abs() const;
  Tensor neg() const;
  Tensor pow(float exponent) const;
  Tensor pow(const Tensor& exponent) const;
  Tensor clamp(float min, float max) const;
  Tensor softmax(int64_t dim) const;
  Tensor log_softmax(int64_t dim) const;
  Tensor max() const;
  Tensor max(int64_t dim, bool keepdim = false) const;
  Tensor min() const;
  Tensor min(int64_t dim, bool keepdim = false) const;
  Tensor argmax(int64_t dim, bool keepdim = false) const;
  Tensor bmm(const Tensor& other) const;
  Tensor flatten(int64_t start_dim = 0, int64_t end_dim = -1) const;
  Tensor squeeze(int64_t dim) const;
  Tensor unsqueeze(int64_t dim) const;
  Tensor masked_fill(const Tensor& mask, float value) const;

 private:
  void check_defined(const char* what) const;
  std::shared_ptr<TensorImpl> impl_;
};

std::ostream& operator<<(std::ostream& os, const Tensor& t);

// ---- factories ----
// All take a shape; requires_grad makes the result a leaf that collects .grad().
Tensor empty(const Shape& shape);  // uninitialised: whatever the block held (NaN under NaN fill)
// empty() for another factory: its errors (shape too large, out of memory) name `op`.
Tensor new_leaf(const char* op, const Shape& shape, bool requires_grad = false);
Tensor zeros(const Shape& shape, bool requires_grad = false);
Tensor ones(const Shape& shape, bool requires_grad = false);
Tensor full(const Shape& shape, float value, bool requires_grad = false);
Tensor zeros_like(const Tensor& t);
Tensor ones_like(const Tensor& t);
Tensor scalar(float value, bool requires_grad = false);  // a 0-d tensor
Tensor arange(int64_t end);                              // 0, 1, ..., end-1 (1-D)
Tensor arange(float start, float end, float step = 1.0f);
Tensor from_vector(std::vector<float> values, const Shape& shape, bool requires_grad = false);
// Nested braces, like torch.tensor: tensor({1, 2}), tensor({{1, 2}, {3, 4}}).
Tensor tensor(std::initializer_list<float> values, bool requires_grad = false);
Tensor tensor(std::initializer_list<std::initializer_list<float>> rows, bool requires_grad = false);
Tensor tensor(std::initializer_list<std::initializer_list<std::initializer_list<float>>> mats,
              bool requires_grad = false);

// ---- random numbers ----
// One seeded generator (xoshiro256**, with our own uniform and Box-Muller
// normal), so the same seed gives the same numbers with g++ and clang alike:
// std::normal_distribution is implementation-defined, ours is not.
class Generator {
 public:
  explicit Generator(uint64_t seed = 0) { seed_(seed); }
  void seed_(uint64_t seed);
  uint64_t next_u64();
  float uniform();             // in [0, 1)
  float normal();              // mean 0, std 1
  int64_t randint(int64_t n);  // in [0, n)
  // Full state, so a checkpoint can resume the exact random sequence.
  std::vector<uint64_t> state() const;
  void set_state(const std::vector<uint64_t>& s);

 private:
  uint64_t s_[4] = {0, 0, 0, 0};
  bool has_spare_ = false;
  float spare_ = 0.0f;
};

Generator& default_generator();
void manual_seed(uint64_t seed);

Tensor rand(const Shape& shape, bool requires_grad = false);   // uniform [0, 1)
Tensor randn(const Shape& shape, bool requires_grad = false);  // normal(0, 1)
Tensor uniform(const Shape& shape, float low, float high, bool requires_grad = false);

}  // namespace ag
