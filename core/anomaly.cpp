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

std::string forward_op_name(const std::string& node_name) {
  std::string camel = node_name;
  const std::string suffix = "Backward";
  if (camel.size() > suffix.size() &&
      camel.compare(camel.size() - suffix.size(), suffix.size(), suffix) == 0)
    camel.resize(camel.size() - suffix.size());
  std::string snake;  // CamelCase -> snake_case: a capital after the start begins a new word
  for (size_t i = 0; i < camel.size(); ++i) {
    const char c = camel[i];
    if (c >= 'A' && c <= 'Z') {
      if (i > 0) snake += '_';
      snake += static_cast<char>(c - 'A' + 'a');
    } else {
      snake += c;
    }
  }
  return snake;
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
    fail("anomaly: ", forward_op_name(node.name()), " produced ", out.data()[bad],
         " at flat index ", bad, " of its output ", shape_str(out.shape()), "; inputs: ", listed);
}

void check_anomaly_backward(const Node& node, const std::vector<Tensor>& dinputs) {
  if (!t_anomaly) return;
  for (size_t i = 0; i < dinputs.size(); ++i) {
    if (!dinputs[i].defined()) continue;
    int64_t bad = first_non_finite(dinputs[i]);
    if (bad >= 0) {
      const std::string op = forward_op_name(node.name());
      const std::string output = node.output_name.empty() ? std::string("an unnamed tensor ")
                                                          : "'" + node.output_name + "' ";
      fail("anomaly: ", node.name(), " (the backward of ", op, ") returned ",
           dinputs[i].data()[bad], " at flat index ", bad, " in the gradient of input ", i, " ",
           shape_str(dinputs[i].shape()), "; in forward, ", op, " made ", output,
           shape_str(node.output_shape),
           node.anomaly_inputs.empty() ? std::string() : " from " + node.anomaly_inputs);
    }
  }
}

}  // namespace ag
