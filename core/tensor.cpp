// core/tensor.cpp: the Tensor handle and its factories.
// The random generator lives in core/random.cpp, printing in core/print.cpp, the ops in core/ops/.
#include "core/tensor.h"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstring>
#include <limits>
#include <new>

#include "core/autograd.h"
#include "core/inplace_history.h"

namespace ag {

std::string shape_str(const Shape& shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i) s += ", ";
    s += std::to_string(shape[i]);
  }
  return s + "]";
}

std::string index_str(int64_t flat, const Shape& shape) {
  Shape index(shape.size());
  for (size_t d = shape.size(); d-- > 0;) {
    index[d] = shape[d] ? flat % shape[d] : 0;  // a 0-size dimension has no elements
    flat = shape[d] ? flat / shape[d] : 0;
  }
  return shape_str(index);
}

int64_t numel_of(const Shape& shape) {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  return n;
}

int64_t checked_numel(const char* op, const Shape& shape) {
  int64_t nonzero = 1;  // the product of the non-zero sizes: [0, 2^40, 2^40] holds no
  bool empty = false;   // elements, yet an op splitting it at dim 0 would multiply 2^40 * 2^40
  for (int64_t d : shape) {
    if (d < 0) fail(op, ": negative dimension ", d, " in shape ", shape);
    if (d == 0)
      empty = true;
    else if (nonzero > kMaxNumel / d)
      fail(op, ": shape ", shape, " is too large (the product of its non-zero sizes exceeds ",
           kMaxNumel, ", the most elements a float buffer can hold)");
    else
      nonzero *= d;
  }
  return empty ? 0 : nonzero;
}

// ---------------------------------------------------------------- TensorImpl
static std::atomic<int64_t> g_live_impls{0};

TensorImpl::TensorImpl() { g_live_impls.fetch_add(1, std::memory_order_relaxed); }
TensorImpl::~TensorImpl() { g_live_impls.fetch_sub(1, std::memory_order_relaxed); }
int64_t TensorImpl::live_count() { return g_live_impls.load(); }

// ---------------------------------------------------------------- Tensor
void Tensor::check_defined(const char* what) const {
  if (!impl_) fail(what, ": called on an undefined tensor");
}

const Shape& Tensor::shape() const {
  check_defined("shape");
  return impl_->shape;
}

int64_t Tensor::size(int64_t d) const {
  int64_t rank = dim();
  if (rank == 0)  // not "expected to be in [0, -1]"
    fail("size: dimension ", d, " specified, but a 0-d tensor (shape []) has no dimensions");
  if (d < -rank || d >= rank)
    fail("size: dimension ", d, " out of range for a tensor of shape ", shape(),
         " (expected to be in [", -rank, ", ", rank - 1, "])");
  return shape()[d < 0 ? d + rank : d];
}

float* Tensor::data() {
  check_defined("data");
  return impl_->storage->data.data();
}
const float* Tensor::data() const {
  check_defined("data");
  return impl_->storage->data.data();
}

float Tensor::at(std::initializer_list<int64_t> index) const {
  check_defined("at");
  const Shape& s = shape();
  if (static_cast<int64_t>(index.size()) != dim())
    fail("at: tensor of shape ", s, " needs ", dim(), " indices, got ", index.size());
  int64_t offset = 0, d = 0;
  for (int64_t i : index) {
    if (i < 0 || i >= s[d])
      fail("at: index ", i, " is out of bounds for dimension ", d, " with size ", s[d], " (shape ",
           s, ")");
    offset = offset * s[d] + i;
    ++d;
  }
  return data()[offset];
}

float Tensor::item() const {
  check_defined("item");
  if (numel() != 1)
    fail("item: a tensor with ", numel(), " elements (shape ", shape(),
         ") cannot be converted to a scalar");
  return data()[0];
}

std::vector<float> Tensor::to_vector() const {
  check_defined("to_vector");
  return std::vector<float>(data(), data() + numel());
}

bool Tensor::requires_grad() const {
  if (impl_ && impl_->view_base && impl_->view_version != impl_->storage->version)
    refresh_view_history(impl_);
  return impl_ && impl_->requires_grad;
}

Tensor& Tensor::requires_grad_(bool on) {
  check_defined("requires_grad_");
  if (!is_leaf())
    fail("requires_grad_: can only change requires_grad of a leaf tensor; this one was made by ",
         grad_fn()->name(), " (use detach() to get a leaf)");
  impl_->requires_grad = on;
  // A leaf of its own from now on: its history no longer follows its base's
  // (and the base's graph may come to point at this leaf: no cycle back).
  if (on) impl_->view_base.reset();
  return *this;
}

Tensor Tensor::grad() const {
  check_defined("grad");
  return Tensor(impl_->grad);
}

void Tensor::set_grad(const Tensor& g) {
  check_defined("set_grad");
  if (g.defined() && g.shape() != shape())
    fail("set_grad: gradient of shape ", g.shape(), " does not match tensor of shape ", shape());
  impl_->grad = g.impl_ptr();
}

void Tensor::zero_grad() {
  check_defined("zero_grad");
  impl_->grad.reset();
}

const std::shared_ptr<Node>& Tensor::grad_fn() const {
  static const std::shared_ptr<Node> none;
  if (impl_ && impl_->view_base && impl_->view_version != impl_->storage->version)
    refresh_view_history(impl_);
  return impl_ ? impl_->grad_fn : none;
}

void Tensor::backward(const Tensor& dout, bool retain_graph) const {
  check_defined("backward");
  run_backward(*this, dout, retain_graph);
}

Tensor Tensor::detach() const {
  check_defined("detach");
  auto impl = std::make_shared<TensorImpl>();
  impl->shape = impl_->shape;
  impl->storage = impl_->storage;  // same data: an in-place change shows in both
  impl->name = impl_->name;
  return Tensor(std::move(impl));
}

void Tensor::retain_grad() {
  check_defined("retain_grad");
  if (is_leaf()) return;  // leaves keep their grad anyway
  // A hook on our grad_fn stores the incoming gradient into this tensor. It
  // holds a weak pointer: the node must not keep its own output alive (cycle).
  std::weak_ptr<TensorImpl> weak = impl_;
  grad_fn()->pre_hooks.push_back([weak](const Tensor& g) {
    if (auto self = weak.lock()) {
      if (!self->grad) {
        auto copy = std::make_shared<TensorImpl>();
        copy->shape = g.shape();
        copy->storage = new_storage("retain_grad", g.shape());
        std::copy(g.data(), g.data() + g.numel(), copy->storage->data.data());
        self->grad = copy;
      } else {
        float* acc = self->grad->storage->data.data();
        const float* src = g.data();
        for (int64_t i = 0, n = g.numel(); i < n; ++i) acc[i] += src[i];
      }
    }
    return Tensor();
  });
}

void Tensor::register_hook(std::function<Tensor(const Tensor&)> hook) {
  check_defined("register_hook");
  if (!requires_grad())
    fail("register_hook: cannot register a hook on a tensor that doesn't require gradient");
  if (is_leaf())
    impl_->grad_hooks.push_back(std::move(hook));
  else
    grad_fn()->pre_hooks.push_back(std::move(hook));
}

uint64_t Tensor::version() const {
  check_defined("version");
  return impl_->storage->version;
}

void Tensor::bump_version() {
  check_defined("bump_version");
  ++impl_->storage->version;
}

Tensor& Tensor::set_name(std::string name) {
  check_defined("set_name");
  impl_->name = std::move(name);
  if (impl_->grad_fn) impl_->grad_fn->output_name = impl_->name;
  return *this;
}

const std::string& Tensor::name() const {
  check_defined("name");
  return impl_->name;
}

// ---------------------------------------------------------------- factories
// The one place a tensor's memory is asked for. A shape can pass
// checked_numel and still be more than the machine has: zeros({1LL << 40})
// asks for 4 TiB. The allocator would refuse it naming only the bytes, not
// the op, and under AddressSanitizer the system would end the program. So a
// request larger than the machine's memory is refused before asking, one that
// fails anyway (after the allocator emptied its cache and retried) is caught,
// and both become an ag::Error naming the op, shape and bytes.
std::shared_ptr<Storage> new_storage(const char* op, const Shape& shape) {
  static const double machine_bytes = [] {
    const long pages = ::sysconf(_SC_PHYS_PAGES), page_size = ::sysconf(_SC_PAGE_SIZE);
    return pages > 0 && page_size > 0 ? double(pages) * double(page_size) : HUGE_VAL;
  }();
  const int64_t numel = checked_numel(op, shape);
  const double bytes = double(numel) * sizeof(float);
  if (bytes <= machine_bytes) {
    try {
      auto storage = std::make_shared<Storage>();
      storage->data = FloatBuffer(numel);
      return storage;
    } catch (
        const OutOfMemoryError&) {  // the allocator's refusal: reworded below with the op and shape
    } catch (const std::bad_alloc&) {  // the Storage itself
    }
  }
  constexpr double kGiB = double(1ULL << 30);
  fail(op, ": cannot allocate ", numel * int64_t{sizeof(float)}, " bytes (", bytes / kGiB,
       " GiB) for shape ", shape, ": out of memory (the machine has ", machine_bytes / kGiB,
       " GiB)");
}

// A new leaf of `shape`, uninitialised; `op` names the caller in errors.
Tensor new_leaf(const char* op, const Shape& shape, bool requires_grad) {
  auto impl = std::make_shared<TensorImpl>();
  impl->storage = new_storage(op, shape);
  impl->shape = shape;
  impl->requires_grad = requires_grad;
  return Tensor(std::move(impl));
}

// A new leaf holding a copy of `values` (the caller checked they fill `shape`).
static Tensor leaf_from(const char* op, const std::vector<float>& values, const Shape& shape,
                        bool requires_grad) {
  Tensor t = new_leaf(op, shape, requires_grad);
  std::copy(values.begin(), values.end(), t.data());
  return t;
}

Tensor empty(const Shape& shape) { return new_leaf("empty", shape, false); }

// A new leaf with every element `value`: the only factories that write memory.
static Tensor filled(const char* op, const Shape& shape, float value, bool requires_grad) {
  Tensor t = new_leaf(op, shape, requires_grad);
  std::fill_n(t.data(), t.numel(), value);
  return t;
}

Tensor full(const Shape& shape, float value, bool requires_grad) {
  return filled("full", shape, value, requires_grad);
}
Tensor zeros(const Shape& shape, bool requires_grad) {
  return filled("zeros", shape, 0.0f, requires_grad);
}
Tensor ones(const Shape& shape, bool requires_grad) {
  return filled("ones", shape, 1.0f, requires_grad);
}
Tensor zeros_like(const Tensor& t) { return zeros(t.shape()); }
Tensor ones_like(const Tensor& t) { return ones(t.shape()); }
Tensor scalar(float value, bool requires_grad) {
  return filled("scalar", {}, value, requires_grad);
}

Tensor arange(int64_t end) {
  if (end < 0) fail("arange: end must be non-negative, got ", end);
  Tensor t = new_leaf("arange", {end}, false);
  for (int64_t i = 0; i < end; ++i) t.data()[i] = static_cast<float>(i);
  return t;
}

Tensor arange(float start, float end, float step) {
  if (step == 0.0f || !std::isfinite(start) || !std::isfinite(end) || !std::isfinite(step))
    fail("arange: need finite start, end and a non-zero step, got (", start, ", ", end, ", ", step,
         ")");
  if ((end - start) / step < 0)
    fail("arange: step ", step, " does not lead from ", start, " to ", end);
  // Counted in double: (1e30 - 0) / 1e-30 is far past int64, and casting it would be undefined.
  const double count = std::ceil((double(end) - double(start)) / double(step));
  if (count > double(kMaxNumel))
    fail("arange: from ", start, " to ", end, " in steps of ", step, " is ", count,
         " values, more than a tensor can hold (", kMaxNumel, ")");
  const auto n = static_cast<int64_t>(count);
  Tensor t = new_leaf("arange", {n}, false);
  for (int64_t i = 0; i < n; ++i) t.data()[i] = start + step * static_cast<float>(i);
  return t;
}

Tensor from_vector(std::vector<float> values, const Shape& shape, bool requires_grad) {
  const int64_t n = checked_numel("from_vector", shape);
  if (static_cast<int64_t>(values.size()) != n)
    fail("from_vector: ", values.size(), " values cannot fill shape ", shape, " (needs ", n, ")");
  return leaf_from("from_vector", values, shape, requires_grad);
}

Tensor tensor(std::initializer_list<float> values, bool requires_grad) {
  return leaf_from("tensor", std::vector<float>(values), {static_cast<int64_t>(values.size())},
                   requires_grad);
}

Tensor tensor(std::initializer_list<std::initializer_list<float>> rows, bool requires_grad) {
  std::vector<float> v;
  int64_t cols = rows.size() ? static_cast<int64_t>(rows.begin()->size()) : 0, r = 0;
  for (const auto& row : rows) {
    if (static_cast<int64_t>(row.size()) != cols)
      fail("tensor: row ", r, " has ", row.size(), " values but row 0 has ", cols);
    v.insert(v.end(), row.begin(), row.end());
    ++r;
  }
  return leaf_from("tensor", v, {static_cast<int64_t>(rows.size()), cols}, requires_grad);
}

Tensor tensor(std::initializer_list<std::initializer_list<std::initializer_list<float>>> mats,
              bool requires_grad) {
  std::vector<float> v;
  Shape inner;
  for (const auto& m : mats) {
    Tensor t = tensor(m);
    if (!inner.empty() && t.shape() != inner)
      fail("tensor: inner matrices differ in shape: ", inner, " vs ", t.shape());
    inner = t.shape();
    v.insert(v.end(), t.data(), t.data() + t.numel());
  }
  if (inner.empty()) inner = {0, 0};
  return leaf_from("tensor", v, {static_cast<int64_t>(mats.size()), inner[0], inner[1]},
                   requires_grad);
}

}  // namespace ag
