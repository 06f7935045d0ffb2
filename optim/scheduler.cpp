// optim/scheduler.cpp: the schedule formulas.
#include "optim/scheduler.h"

#include <algorithm>
#include <cmath>

namespace ag::optim {

static constexpr double kPi = 3.14159265358979323846;

LRScheduler::LRScheduler(Optimizer& optimizer) : optimizer_(optimizer), base_lr_(optimizer.lr()) {}

void LRScheduler::step() { set_step(t_ + 1); }

void LRScheduler::set_step(int64_t t) {
  if (t < 0) fail("LRScheduler: step must be non-negative, got ", t);
  t_ = t;
  optimizer_.set_lr(lr_at(t_));
}

StepLR::StepLR(Optimizer& optimizer, int64_t step_size, float gamma)
    : LRScheduler(optimizer), step_size_(step_size), gamma_(gamma) {
  if (step_size <= 0) fail("StepLR: step_size must be positive, got ", step_size);
}
float StepLR::lr_at(int64_t t) const {
  return base_lr_ * static_cast<float>(std::pow(double(gamma_), double(t / step_size_)));
}

CosineAnnealingLR::CosineAnnealingLR(Optimizer& optimizer, int64_t t_max, float eta_min)
    : LRScheduler(optimizer), t_max_(t_max), eta_min_(eta_min) {
  if (t_max <= 0) fail("CosineAnnealingLR: T_max must be positive, got ", t_max);
}
float CosineAnnealingLR::lr_at(int64_t t) const {
  double progress = double(std::min(t, t_max_)) / double(t_max_);
  return eta_min_ +
         (base_lr_ - eta_min_) * static_cast<float>((1.0 + std::cos(kPi * progress)) / 2.0);
}

WarmupCosineLR::WarmupCosineLR(Optimizer& optimizer, int64_t warmup_steps, int64_t total_steps,
                               float start_factor)
    : LRScheduler(optimizer),
      warmup_(warmup_steps),
      total_(total_steps),
      start_factor_(start_factor) {
  if (warmup_steps < 0)
    fail("WarmupCosineLR: warmup_steps must be non-negative, got ", warmup_steps);
  if (!(start_factor >= 0.0f && start_factor <= 1.0f))
    fail("WarmupCosineLR: start_factor must be in [0, 1], got ", start_factor);
  optimizer.set_lr(lr_at(0));
}
float WarmupCosineLR::lr_at(int64_t t) const {
  if (t < warmup_) {
    double f = start_factor_ + (1.0 - start_factor_) * double(t) / double(warmup_);
    return base_lr_ * static_cast<float>(f);
  }
  if (total_ <= warmup_) return base_lr_;
  double progress = double(std::min(t, total_) - warmup_) / double(total_ - warmup_);
  return base_lr_ * static_cast<float>((1.0 + std::cos(kPi * progress)) / 2.0);
}

}  // namespace ag::optim
