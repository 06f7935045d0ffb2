// nn/layers/linear.cpp: Linear and Embedding, thin wrappers over core ops.
#include "nn/layers/linear.h"

#include <algorithm>

#include "core/ops/embedding.h"
#include "core/ops/matmul.h"
#include "nn/init.h"

namespace ag::nn {

Linear::Linear(int64_t in, int64_t out, bool with_bias)
    : UnaryModule("Linear"), in_features(in), out_features(out) {
  if (in < 0 || out < 0)
    fail("Linear: in_features ", in, " and out_features ", out, " must be >= 0");
  weight = register_parameter("weight", empty({out, in}));
  if (with_bias) bias = register_parameter("bias", empty({out}));
  reset_parameters();
}

void Linear::reset_parameters() { init::reset_linear_like(weight, bias); }

Tensor Linear::forward(const Tensor& x) {
  // Checked here so the message names the layer, not only the op.
  if (x.dim() < 1 || x.size(-1) != in_features)
    fail("Linear(in_features=", in_features, ", out_features=", out_features, "): input ",
         x.shape(), " must end in ", in_features, " features");
  return linear(x, weight, bias);
}

std::string Linear::extra_repr() const {
  return message("in_features=", in_features, ", out_features=", out_features,
                 ", bias=", py_bool(bias.defined()));
}

Embedding::Embedding(int64_t v, int64_t d, std::optional<int64_t> padding)
    : UnaryModule("Embedding"), num_embeddings(v), embedding_dim(d) {
  if (v <= 0 || d <= 0)
    fail("Embedding: num_embeddings ", v, " and embedding_dim ", d, " must be > 0");
  if (padding) padding_idx = normalized_padding_idx("Embedding", *padding, v);
  Tensor table = randn({v, d});  // N(0, 1), PyTorch's default
  if (padding_idx)
    std::fill(table.data() + *padding_idx * d, table.data() + (*padding_idx + 1) * d, 0.0f);
  weight = register_parameter("weight", table);
}

Tensor Embedding::forward(const Tensor& ids) { return embedding(weight, ids, padding_idx); }

std::string Embedding::extra_repr() const {
  return message(num_embeddings, ", ", embedding_dim,
                 padding_idx ? ", padding_idx=" + std::to_string(*padding_idx) : "");
}

}  // namespace ag::nn
