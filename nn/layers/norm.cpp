// nn/layers/norm.cpp: the normalization modules over ag::batch_norm / ag::layer_norm.
#include "nn/layers/norm.h"

#include <algorithm>

#include "core/autograd.h"
#include "core/ops/norm.h"

namespace ag::nn {

BatchNorm::BatchNorm(const char* type_name, int64_t c, const BatchNormOptions& opts,
                     std::vector<int64_t> accepted_ranks)
    : UnaryModule(type_name),
      num_features(c),
      options(opts),
      accepted_ranks_(std::move(accepted_ranks)) {
  if (c <= 0) fail(type_name, ": num_features must be > 0, got ", c);
  if (!(opts.eps > 0.0)) fail(type_name, ": eps must be > 0, got ", opts.eps);
  if (!(opts.momentum >= 0.0 && opts.momentum <= 1.0))
    fail(type_name, ": momentum must be in [0, 1], got ", opts.momentum);
  if (opts.affine) {
    weight = register_parameter("weight", ones({c}));
    bias = register_parameter("bias", zeros({c}));
  }
  if (opts.track_running_stats) {
    running_mean = register_buffer("running_mean", zeros({c}));
    running_var = register_buffer("running_var", ones({c}));
    // An integer count in PyTorch (int64); a whole-numbered float here, saved as I64.
    num_batches_tracked = register_buffer("num_batches_tracked", scalar(0.0f));
  }
}

Tensor BatchNorm::forward(const Tensor& x) { return normalize(x, Tensor(), /*relu=*/false); }

Tensor BatchNorm::forward_relu(const Tensor& x, const Tensor& residual) {
  return normalize(x, residual, /*relu=*/true);
}

Tensor BatchNorm::normalize(const Tensor& x, const Tensor& residual, bool relu) {
  if (std::find(accepted_ranks_.begin(), accepted_ranks_.end(), x.dim()) == accepted_ranks_.end())
    fail(type_name(), "(", num_features, "): expected ",
         accepted_ranks_.size() == 1 ? "4-D input (N, C, H, W)"
                                     : "2-D (N, C) or 3-D (N, C, L) input",
         ", got ", x.shape());
  if (x.size(1) != num_features)
    fail(type_name(), "(", num_features, "): input ", x.shape(), " has ", x.size(1),
         " channels, expected ", num_features);
  // Batch statistics in training, and always when no running stats are kept.
  const bool use_batch_stats = is_training() || !options.track_running_stats;
  // (N, C, L) is normalized as (N, C, L, 1): the same per-channel statistics.
  auto as_4d = [](const Tensor& t) {
    return t.defined() && t.dim() == 3 ? t.reshape({t.size(0), t.size(1), t.size(2), 1}) : t;
  };
  const Tensor input = as_4d(x);
  const float momentum = static_cast<float>(options.momentum),
              eps = static_cast<float>(options.eps);
  // (Without tracking, running_mean/var are undefined and batch_norm updates nothing.)
  Tensor out = relu ? batch_norm_relu(input, running_mean, running_var, weight, bias,
                                      use_batch_stats, momentum, eps, as_4d(residual))
                    : batch_norm(input, running_mean, running_var, weight, bias, use_batch_stats,
                                 momentum, eps);
  if (is_training() && options.track_running_stats) {
    NoGradGuard no_grad;
    num_batches_tracked.data()[0] += 1.0f;
    num_batches_tracked.bump_version();
  }
  return x.dim() == 3 ? out.reshape(x.shape()) : out;
}

std::string BatchNorm::extra_repr() const {
  return message(num_features, ", eps=", py_float(options.eps),
                 ", momentum=", py_float(options.momentum), ", affine=", py_bool(options.affine),
                 ", track_running_stats=", py_bool(options.track_running_stats));
}

LayerNorm::LayerNorm(Shape shape, double eps_, bool elementwise_affine)
    : UnaryModule("LayerNorm"), normalized_shape(std::move(shape)), eps(eps_) {
  if (normalized_shape.empty()) fail("LayerNorm: normalized_shape must not be empty");
  for (int64_t s : normalized_shape)
    if (s <= 0) fail("LayerNorm: normalized_shape ", normalized_shape, " must have sizes > 0");
  if (!(eps > 0.0)) fail("LayerNorm: eps must be > 0, got ", eps);
  if (elementwise_affine) {
    weight = register_parameter("weight", ones(normalized_shape));
    bias = register_parameter("bias", zeros(normalized_shape));
  }
}

Tensor LayerNorm::forward(const Tensor& x) {
  return layer_norm(x, normalized_shape, weight, bias, static_cast<float>(eps));
}

std::string LayerNorm::extra_repr() const {
  // Python's tuple: (64,) for one element, (4, 8) for two.
  std::string shape = "(";
  for (size_t i = 0; i < normalized_shape.size(); ++i)
    shape += (i ? ", " : "") + std::to_string(normalized_shape[i]);
  shape += normalized_shape.size() == 1 ? ",)" : ")";
  return message(shape, ", eps=", py_float(eps),
                 ", elementwise_affine=", py_bool(weight.defined()));
}

GroupNorm::GroupNorm(int64_t groups, int64_t channels, double eps_, bool affine_)
    : UnaryModule("GroupNorm"),
      num_groups(groups),
      num_channels(channels),
      eps(eps_),
      affine(affine_) {
  if (groups <= 0 || channels <= 0)
    fail("GroupNorm: num_groups ", groups, " and num_channels ", channels, " must be > 0");
  if (channels % groups != 0)  // PyTorch's words
    fail("GroupNorm: num_channels must be divisible by num_groups, got num_channels=", channels,
         " and num_groups=", groups);
  if (!(eps >= 0.0)) fail("GroupNorm: eps must be >= 0, got ", eps);
  if (affine) {
    weight = register_parameter("weight", ones({channels}));
    bias = register_parameter("bias", zeros({channels}));
  }
}

Tensor GroupNorm::forward(const Tensor& x) {
  // Checked here so the message names the layer, not only the op.
  if (x.dim() < 2 || x.size(1) != num_channels)
    fail("GroupNorm(", num_groups, ", ", num_channels, "): input ", x.shape(), " must be (N, ",
         num_channels, ", *)");
  return group_norm(x, num_groups, weight, bias, static_cast<float>(eps));
}

std::string GroupNorm::extra_repr() const {
  return message(num_groups, ", ", num_channels, ", eps=", py_float(eps),
                 ", affine=", py_bool(affine));
}

}  // namespace ag::nn
