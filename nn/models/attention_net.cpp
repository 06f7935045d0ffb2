// nn/models/attention_net.cpp: the document's four classes, line for line
// (the PyTorch line each step mirrors is in the comment beside it).
#include "nn/models/attention_net.h"

#include "core/ops/elementwise.h"
#include "core/ops/matmul.h"
#include "core/ops/pool.h"
#include "core/ops/shape.h"
#include "core/ops/softmax.h"

namespace ag::nn {

static Conv2dOptions pad(int64_t p) { return Conv2dOptions().padding(p); }

// ---------------------------------------------------------------- ConvBlock
ConvBlock::ConvBlock(int64_t in, int64_t out) : UnaryModule("ConvBlock") {
  conv = register_module("conv", std::make_shared<Conv2d>(in, out, 3, pad(1)));
  bn = register_module("bn", std::make_shared<BatchNorm2d>(out));
  relu = register_module("relu", std::make_shared<ReLU>(/*inplace=*/true));
}

Tensor ConvBlock::forward(const Tensor& x) {
  Tensor out = conv(x);  // out = self.conv(x)
  out = bn(out);         // out = self.bn(out)
  return relu(out);      // out = self.relu(out)
}

// ---------------------------------------------------------------- ResBlock
ResBlock::ResBlock(int64_t in, int64_t out, bool projection_shortcut) : UnaryModule("ResBlock") {
  conv1 = register_module("conv1", std::make_shared<Conv2d>(in, out, 3, pad(1)));
  bn1 = register_module("bn1", std::make_shared<BatchNorm2d>(out));
  relu = register_module("relu", std::make_shared<ReLU>(/*inplace=*/true));
  conv2 = register_module("conv2", std::make_shared<Conv2d>(out, out, 3, pad(1)));
  bn2 = register_module("bn2", std::make_shared<BatchNorm2d>(out));
  // Fault 1's fix: bring x to `out` channels before adding it. No bias on the
  // conv: the BatchNorm right after it would cancel any constant anyway.
  if (projection_shortcut && in != out)
    shortcut = register_module("shortcut", std::make_shared<Sequential>(std::initializer_list<std::shared_ptr<UnaryModule>>{
                                               std::make_shared<Conv2d>(in, out, 1, Conv2dOptions(), /*bias=*/false),
                                               std::make_shared<BatchNorm2d>(out)}));
}

Tensor ResBlock::forward(const Tensor& x) {
  Tensor residual = shortcut ? shortcut(x) : x;  // residual = x   (the printed code)
  Tensor out = conv1(x);                         // out = self.conv1(x)
  out = bn1(out);                                // out = self.bn1(out)
  out = relu(out);                               // out = self.relu(out)
  out = conv2(out);                              // out = self.conv2(out)
  out = bn2(out);                                // out = self.bn2(out)
  // out += residual. Written out of place: attograd's add_ computes the sum
  // out of place anyway, and this keeps bn2's output untouched for backward.
  // Without the shortcut this is the line that fails for in != out (fault 1).
  out = add(out, residual);
  return relu(out);  // out = self.relu(out)
}

// ---------------------------------------------------------------- SelfAttention
SelfAttention::SelfAttention(int64_t c) : UnaryModule("SelfAttention"), in_channels(c) {
  if (c < 8) fail("SelfAttention: in_channels must be at least 8 (query and key have in_channels/8), got ", c);
  query = register_module("query", std::make_shared<Conv2d>(c, c / 8, 1));
  key = register_module("key", std::make_shared<Conv2d>(c, c / 8, 1));
  value = register_module("value", std::make_shared<Conv2d>(c, c, 1));
  gamma = register_parameter("gamma", zeros({1}));  // nn.Parameter(torch.zeros(1))
}

Tensor SelfAttention::forward(const Tensor& x) {
  if (x.dim() != 4 || x.size(1) != in_channels)
    fail("SelfAttention(", in_channels, "): expected input (N, ", in_channels, ", H, W), got ", x.shape());
  const int64_t N = x.size(0), C = x.size(1), H = x.size(2), W = x.size(3), P = H * W;
  // The document permutes query to (N, P, C/8) and attention to its
  // transpose; bmm reads both transposed in place instead (BmmOptions), so
  // neither is copied.
  Tensor q = query(x).reshape({N, -1, P});                      // (N, C/8, P)
  Tensor k = key(x).reshape({N, -1, P});                        // (N, C/8, P)
  Tensor energy = bmm(q, k, {.transpose_a = true});             // (N, P, P): energy[i][j] = q_i·k_j
  Tensor attention = softmax_(energy, -1);                      // each row i sums to 1 over j (in place)
  if (keep_attention) last_attention = attention.detach();
  Tensor v = value(x).reshape({N, -1, P});                      // (N, C, P)
  // out = self.gamma * out + x, with out[c][i] = sum_j v[c][j] · attention[i][j]
  // (value times attentionᵀ): one baddbmm adds gamma·v·attentionᵀ onto x.
  return baddbmm(x.reshape({N, C, P}), v, attention, gamma, {.transpose_b = true}).reshape({N, C, H, W});
}

// ---------------------------------------------------------------- AttentionNet
AttentionNet::AttentionNet(const AttentionNetOptions& opts) : UnaryModule("AttentionNet"), options(opts) {
  if (opts.in_channels <= 0 || opts.num_classes <= 0 || opts.image_size < 4)
    fail("AttentionNet: in_channels ", opts.in_channels, " and num_classes ", opts.num_classes,
         " must be > 0 and image_size ", opts.image_size, " at least 4");
  const bool projection = !(opts.as_printed || opts.printed_shortcut);
  conv1 = register_module("conv1", std::make_shared<ConvBlock>(opts.in_channels, 64));
  res1 = register_module("res1", std::make_shared<ResBlock>(64, 128, projection));
  res2 = register_module("res2", std::make_shared<ResBlock>(128, 256, projection));
  attention = register_module("attention", std::make_shared<SelfAttention>(256));
  fc = register_module("fc", std::make_shared<Linear>(256 * 4 * 4, opts.num_classes));
}

Tensor AttentionNet::forward(const Tensor& x) {
  const int64_t S = options.image_size;
  if (x.dim() != 4 || x.size(1) != options.in_channels || x.size(2) != S || x.size(3) != S)
    fail("AttentionNet: expected input [N, ", options.in_channels, ", ", S, ", ", S, "] (in_channels ",
         options.in_channels, ", image_size ", S, "), got ", x.shape());
  Tensor out = conv1(x);  // out = self.conv1(x)
  out = res1(out);        // out = self.res1(out)
  out = res2(out);        // out = self.res2(out)
  out = attention(out);   // out = self.attention(out)
  out = options.as_printed || options.printed_pool
            ? avg_pool2d(out, Pool2dOptions(4))   // F.avg_pool2d(out, 4): H/4 × W/4 (fault 2)
            : adaptive_avg_pool2d(out, 4, 4);     // fault 2's fix: always 4 × 4
  out = out.reshape({out.size(0), -1});           // out = out.view(out.size(0), -1)
  return fc(out);                                 // out = self.fc(out)
}

}  // namespace ag::nn
