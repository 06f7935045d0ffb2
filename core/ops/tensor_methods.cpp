// core/ops/tensor_methods.cpp: the member spellings t.reshape(...), t.sum(), ...
// Each forwards to the free function that does the work.
#include "core/ops/matmul.h"
#include "core/ops/reduce.h"
#include "core/ops/shape.h"

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

}  // namespace ag

// ---- indexing and splitting (core/ops/index.h, core/ops/split.cpp)
#include "core/ops/index.h"

namespace ag {

std::vector<Tensor> Tensor::chunk(int64_t chunks, int64_t dim) const { return ag::chunk(*this, chunks, dim); }
std::vector<Tensor> Tensor::split(int64_t split_size, int64_t dim) const { return ag::split(*this, split_size, dim); }
std::vector<Tensor> Tensor::split(const std::vector<int64_t>& split_sizes, int64_t dim) const {
  return ag::split(*this, split_sizes, dim);
}
Tensor Tensor::index_select(int64_t dim, const Tensor& index) const { return ag::index_select(*this, dim, index); }
Tensor Tensor::gather(int64_t dim, const Tensor& index) const { return ag::gather(*this, dim, index); }
Tensor Tensor::repeat(const std::vector<int64_t>& repeats) const { return ag::repeat(*this, repeats); }
Tensor Tensor::flip(const std::vector<int64_t>& dims) const { return ag::flip(*this, dims); }
Tensor Tensor::squeeze() const { return ag::squeeze(*this); }

}  // namespace ag
