// core/anomaly.h: anomaly mode, like torch.autograd.detect_anomaly().
//
// While a DetectAnomalyGuard is alive, every recorded op checks its output for
// NaN/Inf in forward, and the engine checks every gradient a backward node
// produces. The first non-finite value throws ag::Error naming the op, its
// inputs (names and shapes) and, for backward, the forward op whose backward
// produced it. Off by default: the checks read every element.
#pragma once

#include <string>
#include <vector>

#include "core/tensor.h"

namespace ag {

struct Node;

bool anomaly_enabled();

class DetectAnomalyGuard {
 public:
  DetectAnomalyGuard();
  ~DetectAnomalyGuard();
  DetectAnomalyGuard(const DetectAnomalyGuard&) = delete;
  DetectAnomalyGuard& operator=(const DetectAnomalyGuard&) = delete;

 private:
  bool previous_;
};

// The forward op behind a backward node, as the user wrote it: "LogBackward"
// -> "log", "LogSoftmaxBackward" -> "log_softmax", "Conv2dBackward" -> "conv2d".
std::string forward_op_name(const std::string& node_name);

// Called by attach(): with anomaly mode on, checks the op's output and records
// the input names and shapes so a later backward error can quote them.
void check_anomaly_forward(Node& node, const Tensor& out, const std::vector<Tensor>& inputs);
// Called by the engine after node.apply().
void check_anomaly_backward(const Node& node, const std::vector<Tensor>& dinputs);

}  // namespace ag
