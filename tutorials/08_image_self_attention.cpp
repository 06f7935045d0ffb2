// Tutorial 08: self-attention over an image, the document's SelfAttention block
// (section 4.3) on a 16×16 feature map.
//
//   make tutorial T=08
//   make gdb T=08               builds it at -O0 -g and opens it in gdb, then:
//   (gdb) break tut::self_attention_lines
//
// The numbers come from tutorials/common/lesson08.cpp; tests/tutorials/test_tutorials_train.cpp
// recomputes them with plain loops (and the convolutions' gradient by finite differences).
#include <cstdio>
#include <string>
#include <utility>

#include "core/ag.h"
#include "tutorials/common/article.h"
#include "tutorials/common/heatmap.h"
#include "tutorials/common/lesson08.h"
#include "tutorials/common/present.h"

using namespace tut;

namespace {

void show_shape(const char* line, const ag::Tensor& t, const char* meaning) {
  std::printf("  %-58s %-17s %s\n", line, ag::shape_str(t.shape()).c_str(), meaning);
}

void show_norms(const GradNorms& g) {
  for (size_t k = 0; k < g.names.size(); ++k)
    std::printf("  %-14s %12.4e\n", g.names[k].c_str(), static_cast<double>(g.norms[k]));
  std::fflush(stdout);
}

// "14,1" -> (14, 1).
std::pair<int64_t, int64_t> parse_pixel(const std::string& text) {
  const size_t comma = text.find(',');
  try {
    if (comma != std::string::npos)
      return {std::stoll(text.substr(0, comma)), std::stoll(text.substr(comma + 1))};
  } catch (const std::exception&) {
  }
  ag::fail("--pixel: expected ROW,COL such as 14,1, got '", text, "'");
}

void tutorial() {
  const auto [query_row, query_col] = parse_pixel(
      option_text("--pixel", std::to_string(kQueryRow) + "," + std::to_string(kQueryCol)));
  const float gamma_init = option_float("--gamma", 0.0f);
  const int64_t block_seed = option_int("--block-seed", static_cast<int64_t>(kBlockSeed));
  if (block_seed < 0) ag::fail("--block-seed: expected a seed >= 0, got ", block_seed);
  heading("Tutorial 08: self-attention over the pixels of a feature map");
  say("What you will learn: the document's SelfAttention block treats every pixel of a "
      "feature map as a token. Each pixel's query meets every pixel's key, so any pixel can "
      "draw on any other, however far apart; a convolution only sees its 3×3 neighbours. "
      "Then the odd-looking gamma: it starts at 0, which makes the block the identity and "
      "decides which parameters learn first.");
  const ImageAttentionLesson R =
      lesson08_image_attention(query_row, query_col, option_float("--noise", kNoiseScale),
                               gamma_init, static_cast<uint64_t>(block_seed));
  const SelfAttentionLines& L = R.lines;

  heading("Step 8a: a feature map");
  say("In the document's network the block gets res2's output: 256 channels on a 16×16 "
      "grid. We use 16 channels, so the query and key have 16/8 = 2. Our made-up map has "
      "two objects, a square and a bar: their pixels share one 16-number vector, the "
      "background another, each plus a little noise (█ = object):");
  std::printf("%s", shade_grid(R.map.objects).c_str());
  std::fflush(stdout);

  heading("Step 8b: the forward pass, line by line");
  quote_article("08.qkv");
  say("B = 1 image, C = 16 channels, H = W = 16, so N = H·W = 256 positions. The 1×1 "
      "convolutions act on each pixel's 16 numbers alone: a Linear layer applied per pixel.");
  show_shape("query = self.query(x).view(B, -1, H*W).permute(0, 2, 1)", L.query, "[B, N, C/8]");
  show_shape("key = self.key(x).view(B, -1, H*W)", L.key, "[B, C/8, N]");
  show_shape("energy = torch.bmm(query, key)", L.energy, "[B, N, N]");
  show_shape("attention = F.softmax(energy, dim=-1)", L.attention, "[B, N, N]");
  show_shape("value = self.value(x).view(B, -1, H*W)", L.value, "[B, C, N]");
  show_shape("out = torch.bmm(value, attention.permute(0, 2, 1))", L.out_flat, "[B, C, N]");
  show_shape("out = out.view(B, C, H, W)", L.out, "[B, C, H, W]");
  show_shape("out = self.gamma * out + x", L.result, "[B, C, H, W]");
  std::fflush(stdout);
  say("energy[i][j] = query_i · key_j for every pair of pixels: 256 × 256 = 65,536 "
      "numbers for a 16×16 map, 4.3 billion for a 256×256 one. That quadratic cost is why "
      "the document's network applies the block only after nothing is left but a 16×16 "
      "grid. The block has no √d scaling (unlike tutorial 02) and no positions: nothing in "
      "it knows where a pixel is.");
  say("out[c][i] = Σ_j value[c][j] · attention[i][j]: multiplying by attentionᵀ puts pixel "
      "i's weights in column i, so each output pixel is a weighted average of all the value "
      "vectors.");

  const std::string pixel =
      "(" + std::to_string(R.query_row) + ", " + std::to_string(R.query_col) + ")";
  const bool on_object = R.map.objects.at({R.query_row, R.query_col}) > 0;
  heading("Step 8c: where pixel " + pixel + " looks");
  say("Row " + std::to_string(R.query_row * kMapSide + R.query_col) +
      " of attention (pixel at "
      "row " +
      std::to_string(R.query_row) + ", column " + std::to_string(R.query_col) +
      (on_object ? ", on an object" : ", on the background") +
      ", marked []) laid out as the "
      "16×16 map it ranges over. The 1×1 convolutions are freshly initialised (seeded): "
      "nothing is learned yet.");
  std::printf("%s%s\n", shade_grid(R.query_map, R.query_row, R.query_col).c_str(),
              shade_legend(R.query_map).c_str());
  Labels coords;
  for (int64_t k = 0; k < kMapSide; ++k) coords.push_back(std::to_string(k));
  std::printf("  picture with numbers: %s\n",
              write_heatmap_svg(R.query_map, coords, coords,
                                "attention of pixel " + pixel + ", framed in red",
                                "08_pixel_attention", R.query_row, R.query_col, "pixel row",
                                "pixel column (the weight on each pixel)")
                  .c_str());
  save_tensor("attention of the query pixel over the map", R.query_map, coords, coords);
  std::fflush(stdout);
  const float ratio = R.object_weight / R.background_weight;
  const auto times = [](float r) { return r > 100.0f ? "over 100" : fmt(r, 1); };
  const std::string looks_at =
      ratio > 2.0f ? "mostly at the objects (" + times(ratio) + " times the weight per pixel)"
      : ratio < 0.5f
          ? "mostly at the background (" + times(1.0f / ratio) + " times the weight per pixel)"
          : "at objects and background about alike (ratio " + fmt(ratio, 2) + ")";
  say("Mean weight on an object pixel: " + fmt(R.object_weight) +
      "; on a background pixel: " + fmt(R.background_weight) +
      " (uniform would be 1/256 = 0.0039). The bar, far from the "
      "square, is shaded like the square itself: the weights depend on what a pixel holds, "
      "not on where it is: pixels with the same contents get nearly the same key. Which "
      "contents win is luck before training: with block seed " +
      std::to_string(block_seed) +
      " (kBlockSeed in lesson08.h, or --block-seed) this pixel looks " + looks_at +
      "; another seed draws other convolutions (try --block-seed 86). Learning which "
      "contents belong together is the training's job.");

  const bool gamma_zero = R.gamma_before == 0.0f;
  if (gamma_zero) {
    heading("Step 8d: gamma = 0, the block starts as the identity");
    say("gamma is a learned scalar, initialised to 0 (nn.Parameter(torch.zeros(1))). So the "
        "first output is 0 · out + x = x. Through the module's own forward:");
  } else {
    heading("Step 8d: gamma = " + fmt(R.gamma_before, 2) + " at the start (the document uses 0)");
    say("gamma is a learned scalar that the document initialises to 0; this run starts it at " +
        fmt(R.gamma_before, 2) +
        " (--gamma). The first output is gamma · out + x, which is "
        "not x. Through the module's own forward:");
  }
  std::printf("  elements of block(x) equal to x, bit for bit: %lld of %lld\n",
              static_cast<long long>(R.identical), static_cast<long long>(R.map.x.numel()));
  say("Now a loss that wants some attention mixed in: target = x + " + fmt(kGammaTarget, 1) +
      "·out (out as computed above), met exactly when gamma = " + fmt(kGammaTarget, 1) +
      ". mse_loss(block(x), target) = " + fmt(R.loss_before) +
      ". One backward; the norm of "
      "each parameter's gradient:");
  show_norms(R.grads_before);
  std::string zero_grads;  // the parameters whose gradient is exactly 0
  bool only_gamma = true;  // gamma's gradient is the only one that is not 0
  for (size_t k = 0; k < R.grads_before.names.size(); ++k) {
    const bool zero = R.grads_before.norms[k] == 0.0f;
    if (zero) zero_grads += (zero_grads.empty() ? "" : ", ") + R.grads_before.names[k];
    only_gamma = only_gamma && zero == (R.grads_before.names[k] != "gamma");
  }
  if (only_gamma)
    say("Only gamma has a gradient. result = gamma·out + x gives ∂result/∂gamma = out, which "
        "is not 0, but ∂result/∂out = gamma = 0: no gradient reaches out, so none reaches "
        "the query, key and value convolutions behind it. They are exactly 0, not small.");
  else
    say("With gamma = " + fmt(R.gamma_before, 2) +
        " the gradient ∂result/∂out = gamma is not 0, so it flows through out into the "
        "convolutions from the very first backward" +
        (zero_grads.empty() ? std::string(": every parameter has a gradient.")
                            : "; exactly 0: " + zero_grads + ".") +
        " The document's gamma = 0 start is what keeps them still.");
  say("One plain SGD step (lr " + fmt(kGammaLr, 1) + "): gamma = " + fmt(R.gamma_before) + " - " +
      fmt(kGammaLr, 1) + " · (" + fmt(R.dgamma) + ") = " + fmt(R.gamma_after) +
      ". The loss goes from " + fmt(R.loss_before) + " to " + fmt(R.loss_after) +
      ". Backward again:");
  show_norms(R.grads_after);
  say("With gamma ≠ 0 the gradient flows into out, and through the softmax and the two "
      "bmm's into the convolutions. All but key.bias: adding one vector b to every key adds "
      "the same query_i · b to a whole row of energies, and softmax ignores a constant added "
      "to its row, so key.bias's true gradient is 0 and what is printed is float rounding. "
      "(PyTorch's block has the same useless parameter.)");
  quote_article("08.gamma");
  say("That sentence says gamma·(out + x): at gamma = 0 it would output all zeros and throw "
      "the input away. The document's code, out = self.gamma * out + x, computes "
      "gamma·out + x, the identity at the start, and the code is what SAGAN means. Trust the "
      "code here, not the sentence.");
  say("This is the design (SAGAN, Zhang et al. 2018): a "
      "network that already works is not disturbed by a freshly initialised attention block; "
      "the block is blended in only as fast as gamma learns that it helps.");

  what_to_try({
      "Move the query pixel onto the background: run with --pixel 14,1 (or set kQueryRow, "
      "kQueryCol in tutorials/common/lesson08.h). Which pixels does it look at now?",
      "Run with --noise 1.0 (or set kNoiseScale in tutorials/common/lesson08.h): does pixel "
      "(4, 4) still tell object pixels from background ones (compare the two mean weights)?",
      "Initialise gamma to 1: run with --gamma 1 (the same as setting the block's gamma to 1 "
      "before the first forward). Which gradients are 0 in the first backward now?",
      "Other convolutions: run with --block-seed 86 (kBlockSeed in lesson08.h). Where does "
      "the pixel look now?",
      "Question: why does the document's block need no √d scaling with C/8 = 32 channels, "
      "or does it?",
  });
}

}  // namespace

int main(int argc, char** argv) {
  return run_tutorial(argc, argv,
                      {{"--pixel", "ROW,COL", "the query pixel (default 4,4)"},
                       {"--noise", "X", "the feature map's noise (default kNoiseScale, 0.2)"},
                       {"--gamma", "G", "the block's initial gamma (default 0, as the document)"},
                       {"--block-seed", "N", "seeds the block's convolutions (default 82)"}},
                      "Tutorial 08 needs a pixel inside the 16×16 map (row and column 0 to 15).",
                      tutorial);
}
