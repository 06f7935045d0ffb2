// optim/optimizer.h: the Optimizer base class and the three optimizers.
//
// An optimizer holds handles to the parameters (Tensors alias, so updating
// them updates the model) and, per parameter, its running state (momentum
// buffer, Adam's moments). step() reads each parameter's .grad() and writes
// the parameter's floats in place through p.data(), which records no graph
// (so no NoGradGuard is needed), then bumps its version. Parameters without a
// gradient are skipped, as in PyTorch.
//
// Each optimizer writes PyTorch's exact update equations beside its step(),
// so that a run here and a run in PyTorch with the same gradients agree bit
// for bit (tests/optim/test_optim_parity.cpp). That is why the
// hyperparameters are doubles: in PyTorch they are Python floats, and
// 1 − β1, β1^t, lr / (1 − β1^t) are computed in double before a kernel rounds
// them to float32 (with floats, 1 − 0.9f is 0.100000024, not 0.1f).
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "core/tensor.h"

namespace ag::optim {

// The largest hyperparameter a step accepts: each is rounded to float.
constexpr double kFloatMax = 3.4028234663852886e38;

// Named state tensors, in a stable order (what a checkpoint stores).
using StateDict = std::vector<std::pair<std::string, Tensor>>;

class Optimizer {
 public:
  Optimizer(std::vector<Tensor> params, double lr);
  virtual ~Optimizer() = default;

  virtual void step() = 0;
  void zero_grad();  // clears every parameter's .grad() (set_to_none, PyTorch's default)

  double lr() const { return lr_; }
  void set_lr(double lr);  // schedulers call this
  const std::vector<Tensor>& params() const { return params_; }
  int64_t step_count() const { return steps_; }

  // Checkpointing: "step", "lr" and per-parameter entries such as
  // "3.exp_avg" (state of parameter 3). load checks names, shapes and values
  // (every entry finite; Adam's second moments >= 0) before changing anything.
  // "lr" is stored as a float: a resumed run's scheduler sets it again.
  StateDict state_dict() const;
  void load_state_dict(const StateDict& state);

 protected:
  // Per-parameter buffers by name ("momentum_buffer", "exp_avg", ...), created lazily.
  Tensor& buffer(size_t param_index, const std::string& name);
  bool has_buffer(size_t param_index, const std::string& name) const;
  // Why a loaded state entry ("exp_avg_sq" of parameter 3, say) cannot be
  // this optimizer's, or "" if it can. The base accepts every finite value.
  virtual std::string invalid_state(const std::string& buffer_name, float value) const;
  std::vector<std::vector<std::pair<std::string, Tensor>>> buffers_;
  std::vector<Tensor> params_;
  double lr_;
  int64_t steps_ = 0;
};

struct SGDOptions {
  double lr = 0.01;
  double momentum = 0.0;
  double dampening = 0.0;
  double weight_decay = 0.0;
  bool nesterov = false;
};

class SGD : public Optimizer {
 public:
  SGD(std::vector<Tensor> params, SGDOptions options);
  void step() override;

 private:
  SGDOptions opt_;
};

struct AdamOptions {
  double lr = 1e-3;
  double beta1 = 0.9, beta2 = 0.999;
  double eps = 1e-8;
  double weight_decay = 0.0;  // Adam: L2 added to the gradient; AdamW: decoupled
  bool amsgrad = false;
};

class Adam : public Optimizer {
 public:
  Adam(std::vector<Tensor> params, AdamOptions options);
  void step() override;

 protected:
  Adam(std::vector<Tensor> params, AdamOptions options, bool decoupled);
  std::string invalid_state(const std::string& buffer_name, float value) const override;
  AdamOptions opt_;
  bool decoupled_weight_decay_ = false;
};

// AdamW (Loshchilov & Hutter): the decay shrinks the weights directly,
// p -= lr * wd * p, instead of being added to the gradient. Default wd 0.01.
class AdamW : public Adam {
 public:
  AdamW(std::vector<Tensor> params, AdamOptions options);
};

// Scale all gradients so their global L2 norm is at most max_norm; returns the
// norm before clipping (as torch.nn.utils.clip_grad_norm_).
float clip_grad_norm_(const std::vector<Tensor>& params, float max_norm);

}  // namespace ag::optim
