// core/anomaly.cpp: the NaN/Inf checks of anomaly mode.
#include "core/anomaly.h"

#include <cmath>

#include "core/autograd.h"

namespace ag {

static thread_local bool t_anomaly = false;

bool anomaly_enabled() { return t_anomaly; }
DetectAnomalyGuard::DetectAnomalyGuard() : previous_(t_anomaly) { t_anomaly = true; }
DetectAnomalyGuard::~DetectAnomalyGuard() { t_anomaly = previous_; }

// Index of the first NaN or Inf, or -1.
static int64_t first_non_finite(const Tensor& t) {
  const float* p = t.data();
  for (int64_t i = 0, n = t.numel(); i < n; ++i)
    if (!std::isfinite(p[i])) return i;
  return -1;
}

static std::string describe(const Tensor& t) {
  std::string name = t.name().empty() ? "unnamed" : "'" + t.name() + "'";
  return name + " " + shape_str(t.shape());
}

void check_anomaly_forward(Node& node, const Tensor& out, const std::vector<Tensor>& inputs) {
  if (!t_anomaly) return;
  std::string listed;
  for (const Tensor& in : inputs) {
    if (!in.defined()) continue;
    listed += (listed.empty() ? "" : ", ") + describe(in);
  }
  node.anomaly_inputs = listed;
  int64_t bad = first_non_finite(out);
  if (bad >= 0)
    fail("anomaly: forward of ", node.name(), " produced ", out.data()[bad], " at flat index ", bad,
         " of its output ", shape_str(out.shape()), "; inputs: ", listed);
}

void check_anomaly_backward(const Node& node, const std::vector<Tensor>& dinputs) {
  if (!t_anomaly) return;
  for (size_t i = 0; i < dinputs.size(); ++i) {
    if (!dinputs[i].defined()) continue;
    int64_t bad = first_non_finite(dinputs[i]);
    if (bad >= 0)
      fail("anomaly: ", node.name(), " returned ", dinputs[i].data()[bad], " at flat index ", bad,
           " in the gradient of input ", i, " ", shape_str(dinputs[i].shape()),
           "; the forward op had output ",
           node.output_name.empty() ? std::string("unnamed") : "'" + node.output_name + "'", " ",
           shape_str(node.output_shape),
           node.anomaly_inputs.empty() ? std::string() : " and inputs: " + node.anomaly_inputs);
  }
}

}  // namespace ag
