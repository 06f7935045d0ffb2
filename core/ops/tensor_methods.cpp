// core/ops/tensor_methods.cpp: the member spellings t.reshape(...), t.sum(), ...
// Each forwards to the free function that does the work.
#include "core/ops/elementwise.h"
#include "core/ops/matmul.h"
#include "core/ops/outer.h"
#include "core/ops/reduce.h"
#include "core/ops/shape.h"
#include "core/ops/softmax.h"

namespace ag {

Tensor Tensor::reshape(const Shape& s) const { return ag::reshape(*this, s); }
Tensor Tensor::permute(const std::vector<int64_t>& dims) const { return ag::permute(*this, dims); }
Tensor Tensor::transpose(int64_t d0, int64_t d1) const { return ag::transpose(*this, d0, d1); }
Tensor Tensor::sum() const { return ag::sum(*this); }
Tensor Tensor::sum(int64_t dim, bool keepdim) const { return ag::sum(*this, dim, keepdim); }
Tensor Tensor::mean() const { return ag::mean(*this); }
Tensor Tensor::mean(int64_t dim, bool keepdim) const { return ag::mean(*this, dim, keepdim); }
Tensor Tensor::matmul(const Tensor& other) const { return ag::matmul(*this, other); }
Tensor Tensor::clone() const { return ag::clone(*this); }
Tensor Tensor::add(const Tensor& other, float alpha) const { return ag::add(*this, other, alpha); }
Tensor Tensor::sub(const Tensor& other, float alpha) const { return ag::sub(*this, other, alpha); }
Tensor Tensor::outer(const Tensor& other) const { return ag::outer(*this, other); }

Tensor Tensor::relu() const { return ag::relu(*this); }
Tensor Tensor::sigmoid() const { return ag::sigmoid(*this); }
Tensor Tensor::tanh() const { return ag::tanh(*this); }
Tensor Tensor::exp() const { return ag::exp(*this); }
Tensor Tensor::log() const { return ag::log(*this); }
Tensor Tensor::sqrt() const { return ag::sqrt(*this); }
Tensor Tensor::abs() const { return ag::abs(*this); }
Tensor Tensor::neg() const { return ag::neg(*this); }
Tensor Tensor::pow(float exponent) const { return ag::pow(*this, exponent); }
Tensor Tensor::pow(const Tensor& exponent) const { return ag::pow(*this, exponent); }
Tensor Tensor::clamp(float min, float max) const { return ag::clamp(*this, min, max); }
Tensor Tensor::softmax(int64_t dim) const { return ag::softmax(*this, dim); }
Tensor Tensor::log_softmax(int64_t dim) const { return ag::log_softmax(*this, dim); }
Tensor Tensor::max() const { return ag::max(*this); }
Tensor Tensor::max(int64_t dim, bool keepdim) const { return ag::max(*this, dim, keepdim); }
Tensor Tensor::min() const { return ag::min(*this); }
Tensor Tensor::min(int64_t dim, bool keepdim) const { return ag::min(*this, dim, keepdim); }
Tensor Tensor::argmax(int64_t dim, bool keepdim) const { return ag::argmax(*this, dim, keepdim); }
Tensor Tensor::bmm(const Tensor& other) const { return ag::bmm(*this, other); }
Tensor Tensor::flatten(int64_t start_dim, int64_t end_dim) const {
  return ag::flatten(*this, start_dim, end_dim);
}
Tensor Tensor::squeeze(int64_t dim) const { return ag::squeeze(*this, dim); }
Tensor Tensor::unsqueeze(int64_t dim) const { return ag::unsqueeze(*this, dim); }
Tensor Tensor::masked_fill(const Tensor& mask, float value) const {
  return ag::masked_fill(*this, mask, value);
}

}  // namespace ag

// ---- indexing and splitting (core/ops/index.h, core/ops/split.cpp)
#include "core/ops/index.h"
#include "core/ops/split.h"

namespace ag {

std::vector<Tensor> Tensor::chunk(int64_t chunks, int64_t dim) const {
  return ag::chunk(*this, chunks, dim);
}
std::vector<Tensor> Tensor::split(int64_t split_size, int64_t dim) const {
  return ag::split(*this, split_size, dim);
}
std::vector<Tensor> Tensor::split(const std::vector<int64_t>& split_sizes, int64_t dim) const {
  return ag::split(*this, split_sizes, dim);
}
Tensor Tensor::index_select(int64_t dim, const Tensor& index) const {
  return ag::index_select(*this, dim, index);
}
Tensor Tensor::gather(int64_t dim, const Tensor& index) const {
  return ag::gather(*this, dim, index);
}
Tensor Tensor::repeat(const std::vector<int64_t>& repeats) const {
  return ag::repeat(*this, repeats);
}
Tensor Tensor::flip(const std::vector<int64_t>& dims) const { return ag::flip(*this, dims); }
Tensor Tensor::squeeze() const { return ag::squeeze(*this); }

}  // namespace ag
