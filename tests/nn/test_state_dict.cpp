// tests/nn/test_state_dict.cpp: state_dict / load_state_dict, in memory and
// through .safetensors files, with every error case.
#include <doctest/doctest.h>

#include <unistd.h>
#include <cstdio>
#include <fstream>

#include "core/io/safetensors.h"
#include "tests/helpers/nn_test_util.h"
#include "tests/helpers/test_util.h"

using namespace ag;
using namespace ag::nn;

namespace {

// A small model with every kind of entry: parameters, a BatchNorm's buffers, a child.
struct Small : UnaryModule {
  ModuleHolder<Linear> fc;
  ModuleHolder<BatchNorm1d> bn;
  explicit Small(int64_t out = 2) : UnaryModule("Small") {
    fc = register_module("fc", std::make_shared<Linear>(3, out));
    bn = register_module("bn", std::make_shared<BatchNorm1d>(out));
  }
  Tensor forward(const Tensor& x) override { return bn(fc(x)); }
};

// A path of our own under /tmp, removed at the end of the test.
struct TempFile {
  std::string path;
  explicit TempFile(const std::string& name)
      : path("/tmp/attograd_test_" + std::to_string(getpid()) + "_" + name + ".safetensors") {}
  ~TempFile() { std::remove(path.c_str()); }
};

bool same_values(const StateDict& a, const StateDict& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (a[i].first != b[i].first || a[i].second.to_vector() != b[i].second.to_vector())
      return false;
  return true;
}

}  // namespace

TEST_SUITE("nn.state_dict") {
TEST_CASE("load_state_dict copies values into the existing tensors and bumps their versions") {
  manual_seed(31);
  Small a;
  a(randn({4, 3}));  // moves the running statistics and num_batches_tracked
  manual_seed(32);
  Small b;
  Tensor weight_before = b.fc->weight;
  const uint64_t version_before = weight_before.version();
  LoadResult result = b.load_state_dict(a.state_dict());
  CHECK(result.missing_keys.empty());
  CHECK(result.unexpected_keys.empty());
  CHECK(same_values(a.state_dict(), b.state_dict()));
  CHECK(b.fc->weight.same(weight_before));  // the same tensor, new values
  CHECK(b.fc->weight.version() > version_before);
  CHECK(b.fc->weight.requires_grad());
  CHECK(b.bn->num_batches_tracked.item() == 1.0f);
  a.eval(), b.eval();
  Tensor x = randn({5, 3});
  CHECK(a(x).to_vector() == b(x).to_vector());
}

TEST_CASE(
    "strict loading lists missing keys, unexpected keys and shape mismatches, and changes "
    "nothing") {
  manual_seed(33);
  Small target;
  const StateDict before = target.state_dict();
  std::vector<std::vector<float>> values_before;
  for (auto& e : before) values_before.push_back(e.second.to_vector());

  StateDict dict = Small().state_dict();
  dict.erase(dict.begin() + 1);               // drop fc.bias
  dict.emplace_back("fc.extra", zeros({1}));  // and add a key the model lacks
  dict[0].second = zeros({5, 3});             // fc.weight of the wrong shape
  CHECK_FAILS_WITH(
      target.load_state_dict(dict),
      "load_state_dict: Error(s) in loading state_dict for Small:\n"
      "  Missing key(s) in state_dict: \"fc.bias\".\n"
      "  Unexpected key(s) in state_dict: \"fc.extra\".\n"
      "  size mismatch for fc.weight: copying a param with shape [5, 3] from checkpoint, "
      "the shape in current model is [2, 3].");
  for (size_t i = 0; i < before.size(); ++i)
    CHECK(target.state_dict()[i].second.to_vector() == values_before[i]);

  // Non-strict: missing and unexpected keys are reported, the rest loads;
  // a shape mismatch is still an error.
  dict[0].second = zeros({2, 3});
  LoadResult result = target.load_state_dict(dict, /*strict=*/false);
  CHECK(result.missing_keys == std::vector<std::string>{"fc.bias"});
  CHECK(result.unexpected_keys == std::vector<std::string>{"fc.extra"});
  CHECK(target.fc->weight.sum().item() == 0.0f);
  dict[0].second = zeros({1});
  CHECK_FAILS_WITH(target.load_state_dict(dict, false), "size mismatch for fc.weight");

  StateDict twice = target.state_dict();
  twice.push_back(twice[0]);
  CHECK_FAILS_WITH(target.load_state_dict(twice), "key \"fc.weight\" appears more than once");
}

TEST_CASE("the printed and the corrected AttentionNet differ by exactly the shortcut keys") {
  AttentionNetOptions printed;
  printed.as_printed = true;
  AttentionNet corrected, original(printed);
  LoadResult result = corrected.load_state_dict(original.state_dict(), false);
  CHECK(result.unexpected_keys.empty());
  CHECK(result.missing_keys.size() ==
        2 * 6);  // per ResBlock: shortcut.0.weight + 5 BatchNorm entries
  CHECK(result.missing_keys.front() == "res1.shortcut.0.weight");
  CHECK_FAILS_WITH(
      original.load_state_dict(corrected.state_dict()),
      "Unexpected key(s) in state_dict: \"res1.shortcut.0.weight\", \"res1.shortcut.1.weight\"");
}

TEST_CASE("AttentionNet round trip through .safetensors is exact; num_batches_tracked is I64") {
  manual_seed(34);
  AttentionNet net;
  Tensor x = randn({4, 3, 16, 16});
  cross_entropy(net(x), tensor({1, 2, 3, 4})).backward();  // running stats and counts move
  TempFile file("round_trip");
  save_state_dict(net, file.path);

  io::SafetensorsFile raw = io::load_safetensors_file(file.path);
  CHECK(raw.metadata.at("format") == "pt");
  CHECK(raw.dtypes.at("conv1.bn.num_batches_tracked") == "I64");
  CHECK(raw.dtypes.at("res1.shortcut.1.num_batches_tracked") == "I64");
  CHECK(raw.dtypes.at("conv1.bn.running_mean") == "F32");
  CHECK(raw.dtypes.at("attention.gamma") == "F32");
  CHECK(raw.tensors.size() == net.state_dict().size());

  manual_seed(35);
  AttentionNet copy;
  CHECK_FALSE(same_values(net.state_dict(), copy.state_dict()));
  load_state_dict_file(copy, file.path);
  CHECK(same_values(net.state_dict(), copy.state_dict()));
  net.eval(), copy.eval();
  CHECK(net(x).to_vector() == copy(x).to_vector());
}

TEST_CASE("a file that does not fit the model, or is damaged, names the file and loads nothing") {
  manual_seed(36);
  Small small;
  TempFile file("small");
  save_state_dict(small, file.path);
  Small wider(4);
  const auto before = wider.fc->weight.to_vector();
  CHECK_FAILS_WITH(load_state_dict_file(wider, file.path),
                   file.path +
                       ": load_state_dict: Error(s) in loading state_dict for Small:\n"
                       "  size mismatch for fc.weight: copying a param with shape [2, 3]");
  CHECK(wider.fc->weight.to_vector() == before);

  {  // cut the file short
    std::ifstream in(file.path, std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)), {});
    std::ofstream out(file.path, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size() - 5));
  }
  Small target;
  const auto target_before = target.fc->weight.to_vector();
  CHECK_FAILS_WITH(load_state_dict_file(target, file.path), file.path);
  CHECK(target.fc->weight.to_vector() == target_before);
  CHECK_FAILS_WITH(load_state_dict_file(target, "/tmp/attograd_no_such_file.safetensors"),
                   "/tmp/attograd_no_such_file.safetensors");
}
}  // TEST_SUITE("nn.state_dict")
