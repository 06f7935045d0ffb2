// The student's side of assignment A5's grader (self_attention_grader.cpp is the judge's).
//
// Every entry gets x and the block's parameters (the module's values, as
// fresh leaves that require grad) and calls ex::self_attention_forward:
//   "forward"    sends back out and attention;
//   "gradients"  calls out.backward(dout) and sends back out and the gradients
//                of x and of every parameter;
//   "gradcheck"  as ag::gradcheck does: the gradients of L = sum(out * dout)
//                with respect to x, gamma and key_weight from backward()
//                ("analytic.NAME") and from central differences of the
//                student's forward ("numeric.NAME"); the judge compares them.
// A tensor the student's function left undefined is sent as "NAME.undefined".
#include "core/ag.h"
#include "tutorials/exercises/graders/runner.h"
#include "tutorials/exercises/self_attention.h"

namespace {

ag::Tensor leaf(const wire::Record& in, const std::string& name) {
  const wire::Floats& f = in.floats(name);
  return ag::from_vector(f.values, ag::Shape(f.shape.begin(), f.shape.end()), true);
}

ex::SelfAttentionParams params_of(const wire::Record& in) {
  return {leaf(in, "query_weight"), leaf(in, "query_bias"),   leaf(in, "key_weight"),
          leaf(in, "key_bias"),     leaf(in, "value_weight"), leaf(in, "value_bias"),
          leaf(in, "gamma")};
}

void put_tensor(runner::Outputs& out, const std::string& name, const ag::Tensor& t) {
  if (!t.defined()) return out.record().put_int(name + ".undefined", 1);
  out.record().put_floats(name, t.shape(), t.to_vector());
}

// L = sum(out * dout) in double, of the student's forward.
double loss(const ag::Tensor& x, const ex::SelfAttentionParams& p, const std::vector<float>& dout) {
  ag::NoGradGuard no_grad;
  const ag::Tensor out = ex::self_attention_forward(x, p).out;
  if (!out.defined() || out.numel() != static_cast<int64_t>(dout.size())) return 0;
  double total = 0;
  for (size_t i = 0; i < dout.size(); ++i) total += double(out.data()[i]) * dout[i];
  return total;
}

void gradcheck(const wire::Record& in, runner::Outputs& out) {
  ag::Tensor x = leaf(in, "x");
  ex::SelfAttentionParams p = params_of(in);
  const std::vector<float>& dout = in.floats("dout").values;
  ag::Tensor y = ex::self_attention_forward(x, p).out;
  put_tensor(out, "out", y);
  if (!y.defined() || !y.requires_grad() || y.shape() != in.floats("dout").shape) return;
  y.backward(ag::from_vector(dout, y.shape()));
  const double eps = 1e-3;
  for (auto [name, t] : {std::pair<std::string, ag::Tensor>{"x", x},
                         {"gamma", p.gamma},
                         {"key_weight", p.key_weight}}) {
    put_tensor(out, "analytic." + name, t.grad());
    std::vector<float> numeric(static_cast<size_t>(t.numel()));
    for (int64_t i = 0; i < t.numel(); ++i) {
      const float saved = t.data()[i];
      t.data()[i] = saved + static_cast<float>(eps);
      const double up = loss(x, p, dout);
      t.data()[i] = saved - static_cast<float>(eps);
      const double down = loss(x, p, dout);
      t.data()[i] = saved;
      numeric[static_cast<size_t>(i)] = static_cast<float>((up - down) / (2 * eps));
    }
    out.record().put_floats("numeric." + name, t.shape(), numeric);
  }
}

}  // namespace

const std::map<std::string, runner::Entry>& runner::entries() {
  static const std::map<std::string, Entry> table = {
      {"forward",
       [](const wire::Record& in, Outputs& out) {
         ex::SelfAttentionResult r = ex::self_attention_forward(leaf(in, "x"), params_of(in));
         put_tensor(out, "out", r.out);
         put_tensor(out, "attention", r.attention);
       }},
      {"gradients",
       [](const wire::Record& in, Outputs& out) {
         ag::Tensor x = leaf(in, "x");
         ex::SelfAttentionParams p = params_of(in);
         ag::Tensor y = ex::self_attention_forward(x, p).out;
         put_tensor(out, "out", y);
         out.record().put_int("out.requires_grad", y.defined() && y.requires_grad());
         if (!y.defined() || !y.requires_grad() || y.shape() != in.floats("dout").shape) return;
         y.backward(ag::from_vector(in.floats("dout").values, y.shape()));
         for (auto [name, t] : {std::pair<std::string, ag::Tensor>{"x", x},
                                {"gamma", p.gamma},
                                {"query_weight", p.query_weight},
                                {"key_bias", p.key_bias},
                                {"value_weight", p.value_weight},
                                {"value_bias", p.value_bias}})
           put_tensor(out, "grad." + name, t.grad());
       }},
      {"gradcheck", gradcheck},
  };
  return table;
}
