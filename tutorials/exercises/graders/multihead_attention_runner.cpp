// The student's side of assignment F7's grader (multihead_attention_grader.cpp
// is the judge's).
//
// Both entries build an nn::MultiheadAttention(E, H), load the parameters the
// judge sent (in_proj_weight, in_proj_bias, out_proj.weight, out_proj.bias),
// and call its forward (the regions "ASSIGNMENT multihead_attention/..." of
// nn/attention.cpp) on the judge's query, key, value and attn_mask (when
// sent). "forward" sends back the output and the weights; "backward" also
// calls output.backward(dout) and sends the gradients of query, key, value
// and in_proj_weight.
#include <algorithm>

#include "core/ag.h"
#include "nn/attention.h"
#include "tutorials/exercises/graders/runner.h"

namespace {

using runner::Outputs;

ag::Tensor input(const wire::Record& in, const std::string& name) {
  const wire::Floats& f = in.floats(name);
  return ag::from_vector(f.values, f.shape, /*requires_grad=*/true);
}

void load(ag::Tensor& parameter, const wire::Record& in, const std::string& name) {
  const std::vector<float>& values = in.floats(name).values;
  if (static_cast<int64_t>(values.size()) != parameter.numel())
    throw std::runtime_error("runner: " + name + " has the wrong size");
  std::copy(values.begin(), values.end(), parameter.data());
}

void put(Outputs& out, const std::string& name, const ag::Tensor& t) {
  if (t.defined()) out.record().put_floats(name, t.shape(), t.to_vector());
}

struct Call {
  std::shared_ptr<ag::nn::MultiheadAttention> module;
  ag::Tensor query, key, value, output, weights;
};

Call forward(const wire::Record& in, bool average) {
  Call c;
  c.module = std::make_shared<ag::nn::MultiheadAttention>(in.integer("E"), in.integer("H"));
  {
    ag::NoGradGuard no_grad;
    load(c.module->in_proj_weight, in, "in_proj_weight");
    load(c.module->in_proj_bias, in, "in_proj_bias");
    load(c.module->out_proj->weight, in, "out_proj.weight");
    load(c.module->out_proj->bias, in, "out_proj.bias");
  }
  c.query = input(in, "query"), c.key = input(in, "key"), c.value = input(in, "value");
  ag::nn::AttentionMasks masks;
  if (in.has("attn_mask")) {
    const wire::Floats& mask = in.floats("attn_mask");
    masks.attn_mask = ag::from_vector(mask.values, mask.shape);
  }
  std::tie(c.output, c.weights) =
      c.module->forward(c.query, c.key, c.value, masks, /*need_weights=*/true, average);
  return c;
}

}  // namespace

const std::map<std::string, runner::Entry>& runner::entries() {
  static const std::map<std::string, Entry> table = {
      {"forward",
       [](const wire::Record& in, Outputs& out) {
         Call c = forward(in, in.integer("average") != 0);
         put(out, "output", c.output);
         put(out, "weights", c.weights);
       }},
      {"backward",
       [](const wire::Record& in, Outputs& out) {
         Call c = forward(in, true);
         put(out, "output", c.output);
         if (!c.output.defined()) return;  // the judge says so
         const wire::Floats& dout = in.floats("dout");
         c.output.backward(ag::from_vector(dout.values, dout.shape));
         put(out, "dquery", c.query.grad());
         put(out, "dkey", c.key.grad());
         put(out, "dvalue", c.value.grad());
         put(out, "d in_proj_weight", c.module->in_proj_weight.grad());
       }},
  };
  return table;
}
