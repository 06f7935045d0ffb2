# mk/fuzz.mk: fuzzing the file readers (tests/fuzz/fuzz_harness.h).
#
#   make fuzz       libFuzzer harnesses of the file readers into build/fuzz/bin (clang)
#
# One libFuzzer binary per file reader, built with clang, ASan and UBSan
# (MODE=fuzz in mk/flags.mk). Run one on its seeds for a minute with
#   build/fuzz/bin/json -max_total_time=60 build/fuzz/corpus/json tests/fuzz/corpus/json
# (new inputs go to the first folder; the checked-in seeds stay as they are).
FUZZ_CXX     ?= clang++
FUZZERS      := $(patsubst tests/fuzz/%_fuzz.cpp,%,$(wildcard tests/fuzz/*_fuzz.cpp))
FUZZ_BINS    := $(FUZZERS:%=build/fuzz/bin/%)
.PHONY: fuzz fuzzers
fuzz:
	@command -v $(firstword $(FUZZ_CXX)) >/dev/null 2>&1 || command -v $(lastword $(FUZZ_CXX)) >/dev/null 2>&1 || \
	  { echo "make fuzz needs clang++ with libFuzzer (apt-get install clang libclang-rt-dev)"; exit 1; }
	$(MAKE) MODE=fuzz CXX="$(FUZZ_CXX)" fuzzers
	@for f in $(FUZZERS); do mkdir -p build/fuzz/corpus/$$f; done
	@echo "built $(FUZZ_BINS)"

fuzzers: $(FUZZ_BINS)

build/fuzz/bin/%: build/fuzz/obj/tests/fuzz/%_fuzz.o $(LIB)
	@mkdir -p $(dir $@)
	$(CXX) $< $(LIB) $(LDFLAGS) -fsanitize=fuzzer -o $@
