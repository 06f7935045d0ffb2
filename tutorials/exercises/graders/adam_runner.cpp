// The student's side of assignment F6's grader (adam_grader.cpp is the judge's).
//
// One entry, "steps": a parameter p starting at the judge's p0, and an
// optimizer ("Adam" or "AdamW", with the judge's lr, weight_decay and eps)
// over it; for each row g of the judge's gradients, zero_grad(), backward of
// sum(p * g) (so dloss/dp is exactly g) and step(), the region
// "ASSIGNMENT adam/step" of optim/adam.cpp. Sends p after every step, one row each.
#include <memory>

#include "core/ag.h"
#include "optim/optimizer.h"
#include "tutorials/exercises/graders/runner.h"

const std::map<std::string, runner::Entry>& runner::entries() {
  static const std::map<std::string, Entry> table = {
      {"steps",
       [](const wire::Record& in, Outputs& out) {
         const std::vector<float>& p0 = in.floats("p0").values;
         const wire::Floats& gradients = in.floats("gradients");  // (steps, n)
         const int64_t n = static_cast<int64_t>(p0.size()), steps = gradients.shape[0];
         ag::optim::AdamOptions options;
         options.lr = in.floats("lr").values[0];
         options.weight_decay = in.floats("weight_decay").values[0];
         options.eps = in.floats("eps").values[0];
         ag::Tensor p = ag::from_vector(p0, {n}, /*requires_grad=*/true);
         std::unique_ptr<ag::optim::Optimizer> optimizer;
         if (in.text("optimizer") == "AdamW")
           optimizer = std::make_unique<ag::optim::AdamW>(std::vector<ag::Tensor>{p}, options);
         else
           optimizer = std::make_unique<ag::optim::Adam>(std::vector<ag::Tensor>{p}, options);
         float* after = out.make("p", {steps, n});  // NaN until a step is done
         for (int64_t step = 0; step < steps; ++step) {
           const std::vector<float> g(gradients.values.begin() + step * n,
                                      gradients.values.begin() + (step + 1) * n);
           optimizer->zero_grad();
           (p * ag::from_vector(g, {n})).sum().backward();
           optimizer->step();
           const std::vector<float> now = p.detach().to_vector();
           std::copy(now.begin(), now.end(), after + step * n);
         }
       }},
  };
  return table;
}
