// core/ops/embedding.h: integer ids -> rows of a weight matrix.
#pragma once

#include <optional>

#include "core/tensor.h"

namespace ag {

// weight: (V, D); ids: any shape of whole numbers in [0, V) -> (ids..., D).
// Backward scatter-adds each output row's gradient into its id's row (an id
// used twice gets both gradients).
// With PyTorch's padding_idx, the output rows of that id get no
// gradient (its row of dweight stays zero); its forward row is whatever the
// weight holds. A negative padding_idx counts from the end (-1 is V - 1).
// (Arguments in attograd's order, weight first; PyTorch's F.embedding takes ids first.)
Tensor embedding(const Tensor& weight, const Tensor& ids,
                 std::optional<int64_t> padding_idx = std::nullopt);
// padding_idx as PyTorch stores it: in [0, V), or an error naming the op and V.
int64_t normalized_padding_idx(const char* op, int64_t padding_idx, int64_t num_embeddings);

}  // namespace ag
