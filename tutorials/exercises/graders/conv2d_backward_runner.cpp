// The student's side of assignment A3's grader (conv2d_backward_grader.cpp is the judge's).
//
// "col2im" calls ex::col2im on col and sends back img (C, H, W); "backward"
// calls ex::conv2d_backward on x, weight and dout and sends back dx and
// dweight. The shape comes as the integers N, C, H, W, O, kh, kw, stride, pad.
#include "tutorials/exercises/conv2d_backward.h"
#include "tutorials/exercises/graders/runner.h"

namespace {

ex::ConvShape shape_of(const wire::Record& in) {
  ex::ConvShape s;
  s.N = in.integer("N"), s.C = in.integer("C"), s.H = in.integer("H"), s.W = in.integer("W");
  s.O = in.integer("O"), s.kh = in.integer("kh"), s.kw = in.integer("kw");
  s.stride = in.integer("stride"), s.pad = in.integer("pad");
  return s;
}

const float* values(const wire::Record& in, const std::string& name) {
  return in.floats(name).values.data();
}

}  // namespace

const std::map<std::string, runner::Entry>& runner::entries() {
  static const std::map<std::string, Entry> table = {
      {"col2im",
       [](const wire::Record& in, Outputs& out) {
         const ex::ConvShape s = shape_of(in);
         float* img = out.make("img", {s.C, s.H, s.W});
         ex::col2im(s, values(in, "col"), img);
       }},
      {"backward",
       [](const wire::Record& in, Outputs& out) {
         const ex::ConvShape s = shape_of(in);
         float* dx = out.make("dx", {s.N, s.C, s.H, s.W});
         float* dweight = out.make("dweight", {s.O, s.C, s.kh, s.kw});
         ex::conv2d_backward(s, values(in, "x"), values(in, "weight"), values(in, "dout"), dx,
                             dweight);
       }},
  };
  return table;
}
