// The student's side of assignment A2's grader (attention_grader.cpp is the judge's).
//
// "forward" calls ex::attention_forward on Q, K, V and sends back out and
// weights; "backward" calls ex::attention_backward on Q, K, V, weights and
// dout and sends back dQ, dK, dV. The shape comes as the integers B, Tq, Tk,
// D, Dv and causal.
#include "tutorials/exercises/attention.h"
#include "tutorials/exercises/graders/runner.h"

namespace {

ex::AttentionShape shape_of(const wire::Record& in) {
  return {in.integer("B"), in.integer("Tq"), in.integer("Tk"),
          in.integer("D"), in.integer("Dv"), in.integer("causal") != 0};
}

const float* values(const wire::Record& in, const std::string& name) {
  return in.floats(name).values.data();
}

}  // namespace

const std::map<std::string, runner::Entry>& runner::entries() {
  static const std::map<std::string, Entry> table = {
      {"forward",
       [](const wire::Record& in, Outputs& out) {
         const ex::AttentionShape s = shape_of(in);
         float* o = out.make("out", {s.B, s.Tq, s.Dv});
         float* weights = out.make("weights", {s.B, s.Tq, s.Tk});
         ex::attention_forward(s, values(in, "Q"), values(in, "K"), values(in, "V"), o, weights);
       }},
      {"backward",
       [](const wire::Record& in, Outputs& out) {
         const ex::AttentionShape s = shape_of(in);
         float* dQ = out.make("dQ", {s.B, s.Tq, s.D});
         float* dK = out.make("dK", {s.B, s.Tk, s.D});
         float* dV = out.make("dV", {s.B, s.Tk, s.Dv});
         ex::attention_backward(s, values(in, "Q"), values(in, "K"), values(in, "V"),
                                values(in, "weights"), values(in, "dout"), dQ, dK, dV);
       }},
  };
  return table;
}
