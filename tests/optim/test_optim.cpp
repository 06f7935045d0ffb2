// tests/optim/test_optim.cpp: optimizer steps against numbers worked out by hand.
//
// The test problem is L(p) = p²/2 from p = 1, so the gradient is g = p and
// each step can be followed on paper; the derivations are in the comments.
#include "optim/optimizer.h"
#include "optim/scheduler.h"
#include "tests/helpers/test_util.h"

using namespace ag;
using namespace ag::optim;

namespace {
// Runs `steps` steps of L = p²/2 and returns p after each.
std::vector<float> trajectory(Optimizer& opt, Tensor& p, int steps) {
  std::vector<float> out;
  for (int i = 0; i < steps; ++i) {
    opt.zero_grad();
    (p * p * 0.5f).sum().backward();
    opt.step();
    out.push_back(p.at({0}));
  }
  return out;
}
}  // namespace

TEST_SUITE("optim") {
TEST_CASE("SGD with momentum 0.9, lr 0.1") {
  // t=1: g=1,    b=1,                p = 1    - 0.1*1    = 0.9
  // t=2: g=0.9,  b=0.9*1 + 0.9 = 1.8, p = 0.9  - 0.1*1.8  = 0.72
  // t=3: g=0.72, b=0.9*1.8+0.72=2.34, p = 0.72 - 0.1*2.34 = 0.486
  Tensor p = ones({1}, true);
  SGD opt({p}, {.lr = 0.1f, .momentum = 0.9f});
  auto traj = trajectory(opt, p, 3);
  CHECK(traj[0] == doctest::Approx(0.9f));
  CHECK(traj[1] == doctest::Approx(0.72f));
  CHECK(traj[2] == doctest::Approx(0.486f));
}

TEST_CASE("SGD nesterov and weight decay") {
  // nesterov t=1: g=1, b=1, g'=1+0.9*1=1.9, p=1-0.19=0.81
  //          t=2: g=0.81, b=0.9+0.81=1.71, g'=0.81+0.9*1.71=2.349, p=0.81-0.2349=0.5751
  Tensor p = ones({1}, true);
  SGD nesterov({p}, {.lr = 0.1f, .momentum = 0.9f, .nesterov = true});
  auto traj = trajectory(nesterov, p, 2);
  CHECK(traj[0] == doctest::Approx(0.81f));
  CHECK(traj[1] == doctest::Approx(0.5751f));
  // weight decay 0.1, no momentum: g = p + 0.1p, so p shrinks by 1 - 0.1*1.1 = 0.89 per step
  Tensor q = ones({1}, true);
  SGD decay({q}, {.lr = 0.1f, .weight_decay = 0.1f});
  auto traj2 = trajectory(decay, q, 2);
  CHECK(traj2[0] == doctest::Approx(0.89f));
  CHECK(traj2[1] == doctest::Approx(0.7921f));
  CHECK_THROWS_WITH_AS(SGD({q}, {.lr = 0.1f, .nesterov = true}),
                       doctest::Contains("nesterov momentum requires a momentum"), Error);
}

TEST_CASE("Adam, lr 0.1: bias correction makes the first step exactly lr") {
  // t=1: m=0.1, v=0.001; m̂ = 0.1/0.1 = 1, v̂ = 0.001/0.001 = 1 → p = 1 - 0.1 = 0.9
  // t=2: g=0.9, m = 0.09 + 0.09 = 0.18, v = 0.000999 + 0.00081 = 0.001809,
  //      m̂ = 0.18/0.19 = 0.947368, v̂ = 0.001809/0.001999 = 0.904952, √v̂ = 0.951290
  //      p = 0.9 - 0.1 * 0.947368 / 0.951290 = 0.800412
  Tensor p = ones({1}, true);
  Adam opt({p}, {.lr = 0.1f});
  auto traj = trajectory(opt, p, 3);
  CHECK(traj[0] == doctest::Approx(0.9f));
  CHECK(traj[1] == doctest::Approx(0.800412f).epsilon(1e-5));
  CHECK(traj[2] == doctest::Approx(0.701586f).epsilon(1e-5));
}

TEST_CASE("AdamW decays the weights directly, not through the gradient") {
  // t=1: p = 1 * (1 - 0.1*0.1) = 0.99, then the Adam step of size 0.1 → 0.89
  Tensor p = ones({1}, true);
  AdamW opt({p}, {.lr = 0.1f, .weight_decay = 0.1f});
  auto traj = trajectory(opt, p, 3);
  CHECK(traj[0] == doctest::Approx(0.89f));
  CHECK(traj[1] == doctest::Approx(0.781572f).epsilon(1e-5));
  CHECK(traj[2] == doctest::Approx(0.675101f).epsilon(1e-5));
}

TEST_CASE("amsgrad keeps the largest second moment") {
  // One large gradient, then small ones: with beta2 = 0.5, Adam's v decays
  // quickly and its steps grow again; amsgrad's v_max remembers the large
  // gradient, so its later steps stay small.
  Tensor a = ones({1}, true), b = ones({1}, true);
  Adam adam({a}, {.lr = 0.1f, .beta2 = 0.5f}),
      ams({b}, {.lr = 0.1f, .beta2 = 0.5f, .amsgrad = true});
  for (int step = 0; step < 6; ++step) {
    float g = step == 0 ? 10.0f : 0.1f;
    a.set_grad(tensor({g}));
    b.set_grad(tensor({g}));
    adam.step();
    ams.step();
    if (step == 0) CHECK(a.item() == doctest::Approx(b.item()));  // identical first step
  }
  float adam_moved = 1.0f - a.item(), ams_moved = 1.0f - b.item();
  CHECK(ams_moved < adam_moved);
  // By hand, step 1 moves both by lr = 0.1 (bias-corrected m̂/√v̂ = 10/10).
  CHECK(ams_moved > 0.1f);
}

TEST_CASE("each optimizer fits a small linear regression") {
  // y = 2x - 1 on 16 points; model y = w x + b.
  Tensor x = arange(-1.0f, 1.0f, 0.125f);
  Tensor y = x * 2.0f - 1.0f;
  for (int which = 0; which < 3; ++which) {
    CAPTURE(which);
    Tensor w = zeros({1}, true), b = zeros({1}, true);
    std::unique_ptr<Optimizer> opt;
    if (which == 0)
      opt = std::make_unique<SGD>(std::vector<Tensor>{w, b},
                                  SGDOptions{.lr = 0.1f, .momentum = 0.9f});
    if (which == 1)
      opt = std::make_unique<Adam>(std::vector<Tensor>{w, b}, AdamOptions{.lr = 0.05f});
    if (which == 2)
      opt = std::make_unique<AdamW>(std::vector<Tensor>{w, b},
                                    AdamOptions{.lr = 0.05f, .weight_decay = 1e-4f});
    float loss_value = 0;
    for (int step = 0; step < 300; ++step) {
      opt->zero_grad();
      Tensor loss = mse_loss(x * w + b, y);
      loss.backward();
      opt->step();
      loss_value = loss.item();
    }
    CHECK(loss_value < 1e-4f);
    CHECK(w.item() == doctest::Approx(2.0f).epsilon(0.01));
    CHECK(b.item() == doctest::Approx(-1.0f).epsilon(0.01));
  }
}

TEST_CASE("state round trip: a restored optimizer continues identically") {
  Tensor p = ones({2}, true), q = ones({2}, true);
  Adam a({p}, {.lr = 0.1f});
  trajectory(a, p, 2);
  StateDict saved = a.state_dict();
  CHECK(saved.size() == 4);  // step, lr, 0.exp_avg, 0.exp_avg_sq
  {
    NoGradGuard no_grad;
    copy_(q, p);
  }
  Adam b({q}, {.lr = 0.1f});
  b.load_state_dict(saved);
  CHECK(b.step_count() == 2);
  auto ta = trajectory(a, p, 2), tb = trajectory(b, q, 2);
  CHECK(ta == tb);
  StateDict bad = saved;
  bad.back().second = zeros({3});
  CHECK_THROWS_WITH_AS(
      b.load_state_dict(bad),
      doctest::Contains("'0.exp_avg_sq' has shape [3] but parameter 0 has shape [2]"), Error);
  bad = saved;
  bad.emplace_back("7.exp_avg", zeros({2}));
  CHECK_THROWS_WITH_AS(b.load_state_dict(bad), doctest::Contains("unexpected key '7.exp_avg'"),
                       Error);
}

TEST_CASE(
    "a checkpoint's step must be a whole number >= 0 (no float-to-int64 undefined behaviour)") {
  Tensor p = ones({2}, true);
  Adam a({p}, {.lr = 0.1f});
  trajectory(a, p, 3);
  const StateDict saved = a.state_dict();
  auto with_step = [&](float step) {
    StateDict changed = saved;
    changed[0].second = scalar(step);  // saved[0] is "step"
    return changed;
  };
  Adam b({p}, {.lr = 0.1f});
  const std::string want = ", expected a whole number from 0 to 9007199254740992";
  CHECK_THROWS_WITH_AS(b.load_state_dict(with_step(NAN)),
                       ("optimizer load_state_dict: 'step' is nan" + want).c_str(), Error);
  CHECK_THROWS_WITH_AS(b.load_state_dict(with_step(1e30f)),
                       ("optimizer load_state_dict: 'step' is 1e+30" + want).c_str(), Error);
  CHECK_THROWS_WITH_AS(b.load_state_dict(with_step(-5.0f)),
                       ("optimizer load_state_dict: 'step' is -5" + want).c_str(), Error);
  CHECK_THROWS_WITH_AS(b.load_state_dict(with_step(2.5f)),
                       ("optimizer load_state_dict: 'step' is 2.5" + want).c_str(), Error);
  CHECK(b.step_count() == 0);  // every refusal changed nothing
  StateDict no_step(saved.begin() + 1, saved.end());
  CHECK_THROWS_WITH_AS(b.load_state_dict(no_step), "optimizer load_state_dict: missing key 'step'",
                       Error);
  StateDict bad_lr = saved;
  bad_lr[1].second = scalar(NAN);
  CHECK_THROWS_WITH_AS(
      b.load_state_dict(bad_lr),
      "optimizer load_state_dict: 'lr' is nan, expected a finite learning rate >= 0", Error);
  StateDict long_index = saved;
  long_index.emplace_back("99999999999999999999999.exp_avg", zeros({2}));
  CHECK_THROWS_WITH_AS(b.load_state_dict(long_index),
                       doctest::Contains("unexpected key '99999999999999999999999.exp_avg'"),
                       Error);
  b.load_state_dict(with_step(3.0f));
  CHECK(b.step_count() == 3);
}

TEST_CASE("hyperparameters a float cannot hold are refused (the steps round each to float)") {
  Tensor p = ones({1}, true);
  CHECK_THROWS_WITH_AS(
      SGD({p}, {.lr = 1e39}),
      "optimizer: invalid learning rate 1e+39 (expected a number from 0 to 3.40282e+38)", Error);
  CHECK_THROWS_WITH_AS(
      SGD({p}, {.lr = -0.1}),
      "optimizer: invalid learning rate -0.1 (expected a number from 0 to 3.40282e+38)", Error);
  CHECK_THROWS_WITH_AS(SGD({p}, {.weight_decay = 1e300}), "SGD: invalid weight_decay 1e+300",
                       Error);
  CHECK_THROWS_WITH_AS(Adam({p}, {.eps = 1e40}), "Adam: invalid epsilon 1e+40", Error);
  SGD ok({p}, {.lr = kFloatMax});
  CHECK_THROWS_WITH_AS(
      ok.set_lr(std::nan("")),
      "optimizer: invalid learning rate nan (expected a number from 0 to 3.40282e+38)", Error);
}

TEST_CASE("clip_grad_norm_ scales to the max norm and reports the old norm") {
  Tensor p = ones({2}, true);
  p.set_grad(tensor({3.0f, 4.0f}));
  float norm = clip_grad_norm_({p}, 1.0f);
  CHECK(norm == doctest::Approx(5.0f));
  CHECK(p.grad().at({0}) == doctest::Approx(0.6f).epsilon(1e-5));
  CHECK(p.grad().at({1}) == doctest::Approx(0.8f).epsilon(1e-5));
}

TEST_CASE("schedulers follow their formulas") {
  Tensor p = ones({1}, true);
  SGD opt({p}, {.lr = 1.0f});
  StepLR step_lr(opt, 2, 0.5f);
  std::vector<float> lrs;
  for (int i = 0; i < 5; ++i) {
    step_lr.step();
    lrs.push_back(opt.lr());
  }
  CHECK(lrs == std::vector<float>{1.0f, 0.5f, 0.5f, 0.25f, 0.25f});

  SGD opt2({p}, {.lr = 1.0f});
  CosineAnnealingLR cosine(opt2, 4, 0.0f);
  cosine.step();
  CHECK(opt2.lr() == doctest::Approx((1 + std::cos(M_PI / 4)) / 2));  // 0.853553
  cosine.step();
  CHECK(opt2.lr() == doctest::Approx(0.5f));
  cosine.set_step(4);
  CHECK(opt2.lr() == doctest::Approx(0.0f));

  SGD opt3({p}, {.lr = 1.0f});
  WarmupCosineLR warm(opt3, 4, 8);
  CHECK(opt3.lr() == doctest::Approx(0.0f));
  warm.step();
  CHECK(opt3.lr() == doctest::Approx(0.25f));
  warm.set_step(4);
  CHECK(opt3.lr() == doctest::Approx(1.0f));
  warm.set_step(6);
  CHECK(opt3.lr() == doctest::Approx(0.5f));
  CHECK_THROWS_WITH_AS(StepLR(opt3, 0), doctest::Contains("step_size must be positive, got 0"),
                       Error);
}
}  // TEST_SUITE("optim")
