# mk/flags.mk: how every object is compiled (the Makefile includes it first).
#
#   make MODE=debug ...   one of release (the default), debug, asan, fuzz
#   make CXX=clang++ ...  another compiler: its own folder, build/clang/
#   make CXXFLAGS=-DX ... your flags, added in front of ours
#   cat build/flags.txt   the compiler and flags this folder was built with

# Build in parallel on every core unless the caller chose (-j1 keeps it serial).
# Only the top-level make decides: a sub-make ($(MAKE) in grade, debug, gdb)
# shares its parent's jobserver, and forcing -j there makes make warn
# "-jN forced in makefile: resetting jobserver mode".
ifeq ($(MAKELEVEL)$(filter -j%,$(MAKEFLAGS)),0)
  MAKEFLAGS += -j$(shell nproc 2>/dev/null || echo 2)
endif

CXX  ?= g++
MODE ?= release

# Which compiler: the first line of `$(CXX) --version` names it
# ("g++ (Debian 12.2.0-14) 12.2.0", "Debian clang version 14.0.6").
CXX_VERSION := $(shell $(CXX) --version 2>/dev/null | head -n 1)
COMPILER    := $(if $(findstring clang,$(CXX_VERSION)),clang,gcc)

# Each compiler and mode has its own folder, so switching CXX or MODE never
# links one build's objects into another's, and switching back rebuilds
# nothing: build/, build/debug/, build/asan/ for g++; build/clang/,
# build/clang/debug/, ... for clang. Fuzzing is clang-only: build/fuzz/.
# Within a folder, flags.txt (below) catches the rest: another g++ version,
# other CXXFLAGS.
build_dir = $(if $(filter fuzz,$(1)),build/fuzz,build$(if $(filter clang,$(COMPILER)),/clang)$(if $(filter-out release,$(1)),/$(1)))
BUILD := $(call build_dir,$(MODE))

# The optimisation of each mode: OPT for the library (and the trainer),
# TEST_OPT for the suite's own files, the tutorials' and the graders'.
# In release those are compiled at -Og rather than -O3: they spend their time
# in the library, and -Og compiles doctest's many small functions in about 60%
# of the time, which on 2 cores was 50 s of a fresh `make test` (measured: the
# tests' objects took 124 s at -O3, 72 s at -Og, and the suite ran no slower;
# the tutorials' outputs are byte-identical). -Og is also what g++ recommends
# for code one steps through. (g++ 12 at -Og warns "may be used uninitialized"
# inside <regex>'s own std::function, a false positive: that one warning is
# off for these files. clang has no such option and would warn about it.)
GCC_OG_FIX := $(if $(filter gcc,$(COMPILER)),-Wno-maybe-uninitialized)
ifeq ($(MODE),release)
  OPT      := -O3 -march=native -DNDEBUG
  TEST_OPT := -Og $(GCC_OG_FIX) -march=native -DNDEBUG
else ifeq ($(MODE),debug)
  OPT      := -O0 -g3 -march=native
  TEST_OPT := $(OPT)
else ifeq ($(MODE),asan)
  OPT      := -O1 -g -march=native -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
  TEST_OPT := $(OPT)
else ifeq ($(MODE),fuzz)
  # clang only: coverage for libFuzzer in every object, sanitizers on.
  OPT      := -O1 -g -march=native -fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer \
              -fno-sanitize-recover=undefined -DAG_LIBFUZZER
  TEST_OPT := $(OPT)
else
  $(error MODE=$(MODE) is not one of release, debug, asan, fuzz)
endif

# Yours first (make CXXFLAGS=... or the environment), then ours.
CXXFLAGS      ?=
LIB_CXXFLAGS  := $(CXXFLAGS) -std=c++20 -Wall -Wextra -pthread -I. $(OPT) -MMD -MP
TEST_CXXFLAGS := $(CXXFLAGS) -std=c++20 -Wall -Wextra -pthread -I. $(TEST_OPT) -MMD -MP
LDFLAGS       += -pthread $(filter -fsanitize=%,$(OPT))

# $(BUILD)/flags.txt: the compiler and both flag sets. Every object depends
# on it, and it is rewritten (atomically) only when its text changes, so a
# new flag or compiler version rebuilds everything and nothing else does.
# It is written as the Makefile is read, not by a rule: `make -n` then shows
# exactly what would be rebuilt. Targets that build nothing skip it.
FLAGS_FILE  := $(BUILD)/flags.txt
quote        = '$(subst ','\'',$(1))'
FLAGS_LINES := $(call quote,compiler: $(CXX_VERSION)) $(call quote,library: $(strip $(LIB_CXXFLAGS))) \
               $(call quote,suite and tutorials: $(strip $(TEST_CXXFLAGS)))
# (debug, asan, gdb and fuzz build in a sub-make, which writes its own folder's.)
NO_BUILD_GOALS := help clean lint lines handout doctest train-dataset compile_commands.json debug asan gdb fuzz
ifneq ($(filter-out $(NO_BUILD_GOALS),$(or $(MAKECMDGOALS),all)),)
  $(shell mkdir -p $(BUILD) && printf '%s\n' $(FLAGS_LINES) > $(FLAGS_FILE).$$$$ && \
    if cmp -s $(FLAGS_FILE).$$$$ $(FLAGS_FILE); then rm $(FLAGS_FILE).$$$$; else mv $(FLAGS_FILE).$$$$ $(FLAGS_FILE); fi)
endif

# g++ only: the standard headers of core/std_headers.h, parsed once into a
# precompiled header that every object of this build then loads (about a third
# less compile time). The copy of the header beside the .gch is what g++ reads
# instead if it finds the .gch unusable. clang builds go without it.
ifeq ($(COMPILER),gcc)
  PCH       := $(BUILD)/pch/std_headers.h.gch
  PCH_FLAGS := -include $(BUILD)/pch/std_headers.h
  # ccache caches objects built with a precompiled header only when told to.
  export CCACHE_SLOPPINESS := pch_defines,time_macros
$(PCH): core/std_headers.h $(FLAGS_FILE)
	@mkdir -p $(dir $@)
	cp $< $(BUILD)/pch/std_headers.h
	$(CXX) $(LIB_CXXFLAGS) -x c++-header $< -o $@
endif
