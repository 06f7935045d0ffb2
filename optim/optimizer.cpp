// optim/optimizer.cpp: the shared Optimizer bookkeeping and clip_grad_norm_.
#include "optim/optimizer.h"

#include <cctype>
#include <cmath>

#include "core/autograd.h"

namespace ag::optim {

Optimizer::Optimizer(std::vector<Tensor> params, double lr) : params_(std::move(params)), lr_(lr) {
  for (size_t i = 0; i < params_.size(); ++i) {
    if (!params_[i].defined()) fail("optimizer: parameter ", i, " is an undefined tensor");
    if (!params_[i].is_leaf())
      fail("optimizer: parameter ", i, " of shape ", params_[i].shape(),
           " is not a leaf tensor (can't optimize a computed value)");
  }
  set_lr(lr);
  buffers_.resize(params_.size());
}

// The steps round every scalar to float (as PyTorch's kernels do), and
// converting a double beyond float's range is undefined behaviour in C++:
// such a learning rate is refused here.
void Optimizer::set_lr(double lr) {
  if (!(lr >= 0.0 && lr <= kFloatMax))
    fail("optimizer: invalid learning rate ", lr, " (expected a number from 0 to ", kFloatMax, ")");
  lr_ = lr;
}

void Optimizer::zero_grad() {
  for (Tensor& p : params_) p.zero_grad();
}

Tensor& Optimizer::buffer(size_t i, const std::string& name) {
  for (auto& [key, t] : buffers_[i])
    if (key == name) return t;
  buffers_[i].emplace_back(name, zeros(params_[i].shape()));
  return buffers_[i].back().second;
}

bool Optimizer::has_buffer(size_t i, const std::string& name) const {
  for (const auto& entry : buffers_[i])
    if (entry.first == name) return true;
  return false;
}

StateDict Optimizer::state_dict() const {
  StateDict out;
  out.emplace_back("step", scalar(static_cast<float>(steps_)));
  out.emplace_back("lr", scalar(static_cast<float>(lr_)));
  for (size_t i = 0; i < buffers_.size(); ++i)
    for (const auto& [name, t] : buffers_[i])
      out.emplace_back(std::to_string(i) + "." + name, from_vector(t.to_vector(), t.shape()));
  return out;
}

namespace {

// The step count a checkpoint stores as a float, as a whole number. Checked
// before the cast: casting NaN, -5 or 1e30 to int64 is undefined behaviour.
int64_t step_from_state(const Tensor& t) {
  const char* op = "optimizer load_state_dict";
  if (t.numel() != 1) fail(op, ": 'step' must hold one number, got shape ", t.shape());
  const double step = t.item();
  constexpr double kLargest = 9007199254740992.0;  // 2^53: every whole number up to it is exact
  if (!(step >= 0.0 && step <= kLargest) || step != std::floor(step))
    fail(op, ": 'step' is ", step, ", expected a whole number from 0 to ", int64_t{1} << 53);
  return static_cast<int64_t>(step);
}

// The parameter index in front of the dot of "3.exp_avg", or -1 if there is
// none: digits only, and small enough not to overflow.
int64_t parameter_index(const std::string& key, size_t dot) {
  if (dot == std::string::npos || dot == 0 || dot > 9) return -1;
  int64_t index = 0;
  for (size_t k = 0; k < dot; ++k) {
    if (!std::isdigit(static_cast<unsigned char>(key[k]))) return -1;
    index = index * 10 + (key[k] - '0');
  }
  return index;
}

}  // namespace

std::string Optimizer::invalid_state(const std::string&, float value) const {
  return std::isfinite(value) ? "" : "expected a finite number";
}

void Optimizer::load_state_dict(const StateDict& state) {
  // Validate everything first, then apply: a bad dict changes nothing.
  std::vector<std::vector<std::pair<std::string, Tensor>>> loaded(params_.size());
  bool has_step = false;
  int64_t step = 0;
  double lr = lr_;
  for (const auto& [key, t] : state) {
    if (key == "step") {
      step = step_from_state(t);
      has_step = true;
      continue;
    }
    if (key == "lr") {
      if (t.numel() != 1)
        fail("optimizer load_state_dict: 'lr' must hold one number, got shape ", t.shape());
      lr = t.item();
      if (!(lr >= 0.0f) || !std::isfinite(lr))
        fail("optimizer load_state_dict: 'lr' is ", lr, ", expected a finite learning rate >= 0");
      continue;
    }
    const size_t dot = key.find('.');
    const int64_t index = parameter_index(key, dot);
    if (index < 0 || index >= static_cast<int64_t>(params_.size()))
      fail("optimizer load_state_dict: unexpected key '", key, "' (the optimizer has ",
           params_.size(), " parameters)");
    if (t.shape() != params_[index].shape())
      fail("optimizer load_state_dict: '", key, "' has shape ", t.shape(), " but parameter ", index,
           " has shape ", params_[index].shape());
    // A diverged run's moments (NaN) or a hand-edited one's (exp_avg_sq -1,
    // whose square root is NaN) would turn every weight into NaN at the
    // first step: refused here, naming the entry and the element.
    const std::string name = key.substr(dot + 1);
    const float* values = t.data();
    for (int64_t k = 0; k < t.numel(); ++k)
      if (const std::string why = invalid_state(name, values[k]); !why.empty())
        fail("optimizer load_state_dict: '", key, "' ", t.shape(), " holds ", values[k], " at ",
             index_str(k, t.shape()), " (", why, ")");
    loaded[index].emplace_back(name, from_vector(t.to_vector(), t.shape()));
  }
  if (!has_step) fail("optimizer load_state_dict: missing key 'step'");
  buffers_ = std::move(loaded);
  steps_ = step;
  set_lr(lr);
}

float clip_grad_norm_(const std::vector<Tensor>& params, float max_norm) {
  double total = 0.0;
  for (const Tensor& p : params) {
    Tensor g = p.grad();
    if (!g.defined()) continue;
    for (int64_t i = 0; i < g.numel(); ++i) total += double(g.data()[i]) * g.data()[i];
  }
  float norm = static_cast<float>(std::sqrt(total));
  float coef = max_norm / (norm + 1e-6f);  // PyTorch's formula, eps included
  if (coef < 1.0f) {
    for (const Tensor& p : params) {
      Tensor g = p.grad();
      if (!g.defined()) continue;
      for (int64_t i = 0; i < g.numel(); ++i) g.data()[i] *= coef;
    }
  }
  return norm;
}

}  // namespace ag::optim
