// tutorials/common/lesson10.h: the computations of tutorial 10 (writing your
// own op with ag::apply_function), apart from the printing, so
// tests/tutorials/test_tutorials_custom.cpp can check every number the program prints.
#pragma once

#include <string>
#include <vector>

#include "core/ag.h"

namespace tut {

// Swish (also called SiLU): y = x · σ(x). Its derivative, by the product rule
// with σ'(x) = σ(x)(1 − σ(x)):
//   dy/dx = σ(x) + x · σ(x) · (1 − σ(x))
struct Swish {
  static constexpr const char* name = "Swish";
  static ag::Tensor forward(ag::FunctionCtx& ctx, const std::vector<ag::Tensor>& inputs);
  static std::vector<ag::Tensor> backward(ag::FunctionCtx& ctx, const ag::Tensor& dout);
};

// The classic student mistake: the product rule's second term forgotten,
// dy/dx = σ(x). Forward is right, backward is wrong; gradcheck catches it.
struct SwishForgotProductRule {
  static constexpr const char* name = "SwishForgotProductRule";
  static ag::Tensor forward(ag::FunctionCtx& ctx, const std::vector<ag::Tensor>& inputs);
  static std::vector<ag::Tensor> backward(ag::FunctionCtx& ctx, const ag::Tensor& dout);
};

ag::Tensor swish(const ag::Tensor& x);           // one node: SwishBackward
ag::Tensor swish_composed(const ag::Tensor& x);  // x * sigmoid(x): two nodes
ag::Tensor swish_forgot_product_rule(const ag::Tensor& x);

struct CustomOpLesson {
  ag::Tensor x;            // (5) sample inputs
  ag::Tensor y;            // swish(x), by our op
  ag::Tensor y_composed;   // x * sigmoid(x), by built-in ops
  ag::Tensor dx;           // d sum(swish(x)) / dx, by our backward
  ag::Tensor dx_composed;  // the same through the built-in ops' backwards
  int nodes_custom = 0;    // backward nodes in each graph
  int nodes_composed = 0;
  ag::GradcheckResult check_good;    // gradcheck of Swish on a (3, 4) input
  ag::GradcheckResult check_broken;  // ... and of the broken version
  std::string dot_custom;            // the two graphs, as DOT
  std::string dot_composed;
  // Where Swish's derivative goes negative, read off our own backward on a grid
  // x = -6, -5.999, ..., 0 (one backward of 6001 points):
  float derivative_zero_x = 0;  // dy/dx crosses 0 here (linear interpolation)
  float derivative_min_x = 0;   // the grid point where dy/dx is lowest
  float derivative_min = 0;     // dy/dx there
};
CustomOpLesson lesson10_custom_op();

}  // namespace tut
