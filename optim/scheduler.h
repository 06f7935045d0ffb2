// optim/scheduler.h: learning-rate schedules.
//
// A scheduler owns no parameters: it sets optimizer.lr from a formula of the
// step (or epoch) counter. Call step() once per epoch (StepLR, cosine over
// epochs) or once per batch (warm-up, cosine over steps), as you choose.
#pragma once

#include "optim/optimizer.h"

namespace ag::optim {

class LRScheduler {
 public:
  explicit LRScheduler(Optimizer& optimizer);
  virtual ~LRScheduler() = default;
  void step();  // advance the counter and set the optimizer's lr
  int64_t last_step() const { return t_; }
  float get_last_lr() const { return optimizer_.lr(); }
  void set_step(int64_t t);  // jump (when resuming a run)

 protected:
  virtual float lr_at(int64_t t) const = 0;
  Optimizer& optimizer_;
  float base_lr_;
  int64_t t_ = 0;
};

// lr = base · gamma^floor(t / step_size)
class StepLR : public LRScheduler {
 public:
  StepLR(Optimizer& optimizer, int64_t step_size, float gamma = 0.1f);

 private:
  float lr_at(int64_t t) const override;
  int64_t step_size_;
  float gamma_;
};

// lr = eta_min + (base − eta_min) · (1 + cos(π · t / T_max)) / 2, for t ≤ T_max
class CosineAnnealingLR : public LRScheduler {
 public:
  CosineAnnealingLR(Optimizer& optimizer, int64_t t_max, float eta_min = 0.0f);

 private:
  float lr_at(int64_t t) const override;
  int64_t t_max_;
  float eta_min_;
};

// Linear warm-up from base·start_factor to base over warmup_steps, then (if
// total_steps > warmup_steps) cosine decay to 0 at total_steps; else constant.
class WarmupCosineLR : public LRScheduler {
 public:
  WarmupCosineLR(Optimizer& optimizer, int64_t warmup_steps, int64_t total_steps = 0,
                 float start_factor = 0.0f);

 private:
  float lr_at(int64_t t) const override;
  int64_t warmup_, total_;
  float start_factor_;
};

}  // namespace ag::optim
