# mk/flags.mk: how every object is compiled (the Makefile includes it first).
#
#   make MODE=debug ...   one of release (the default), debug, asan, fuzz
#   make CXX=clang++ ...  another compiler: its own folder, build/clang/
#   make CXX=clang++ STDLIB=libc++ ...   clang with LLVM's libc++ (as Apple's): build/clang-libc++/
#   make CXXFLAGS=-DX ... your flags, added in front of ours
#   cat build/flags.txt   the compiler and flags this folder was built with

# Plain POSIX sh and tools only (getconf, not GNU's nproc; no sed -i): the
# same Makefile runs on macOS, whose make is GNU make 3.81 (so nothing newer
# than 3.81 either: no `private`, `$(file ...)`, `!=`; tests/house/ checks).
#
# Build in parallel on every core unless the caller chose (-j1 keeps it serial).
# Only the top-level make decides: a sub-make ($(MAKE) in grade, debug, gdb)
# shares its parent's jobserver, and forcing -j there makes make warn
# "-jN forced in makefile: resetting jobserver mode".
ifeq ($(MAKELEVEL)$(filter -j%,$(MAKEFLAGS)),0)
  MAKEFLAGS += -j$(shell getconf _NPROCESSORS_ONLN 2>/dev/null || echo 2)
endif

CXX    ?= g++
MODE   ?= release
STDLIB ?=

quote = '$(subst ','\'',$(1))'

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
# STDLIB=libc++ (clang only) adds -libc++: build/clang-libc++/.
build_dir = $(if $(filter fuzz,$(1)),build/fuzz,build$(if $(filter clang,$(COMPILER)),/clang)$(if $(STDLIB),-$(STDLIB))$(if $(filter-out release,$(1)),/$(1)))
BUILD := $(call build_dir,$(MODE))
ifneq ($(filter-out libc++,$(STDLIB)),)
  $(error STDLIB=$(STDLIB): the one choice is STDLIB=libc++ (with CXX=clang++))
endif
ifeq ($(STDLIB)$(COMPILER),libc++gcc)
  $(error STDLIB=libc++ needs clang: make CXX=clang++ STDLIB=libc++ ...)
endif
STDLIB_FLAGS := $(if $(STDLIB),-stdlib=$(STDLIB))

# Goals that compile nothing here: no flags file, no doctest probe.
NO_BUILD_GOALS := help clean lint lines handout doctest libcxx train-dataset compile_commands.json \
                  debug asan gdb fuzz test-arm64 test-arm64-ci

# "Optimise for this machine": g++ and x86 clang say -march=native; clang for
# arm64 (Apple's older ones above all) rejects that and says -mcpu=native. Try
# the first, then the second, once per build folder: the answer is kept in
# $(BUILD)/native_flag.txt beside flags.txt, with the compiler it was asked of.
# A cross build passes NATIVE_FLAG= (empty: the target is not this machine).
ifeq ($(origin NATIVE_FLAG),undefined)
  NATIVE_CACHE := $(BUILD)/native_flag.txt
  NATIVE_FLAG  := $(shell if [ "$$(head -n 1 $(NATIVE_CACHE) 2>/dev/null)" = $(call quote,$(CXX_VERSION)) ]; \
    then sed -n 2p $(NATIVE_CACHE); exit; fi; \
    for f in -march=native -mcpu=native; do \
      if echo 'int main() {}' | $(CXX) $$f -x c++ -fsyntax-only - >/dev/null 2>&1; then \
        mkdir -p $(BUILD) && printf '%s\n' $(call quote,$(CXX_VERSION)) "$$f" > $(NATIVE_CACHE).$$$$ && \
        mv $(NATIVE_CACHE).$$$$ $(NATIVE_CACHE); echo "$$f"; exit; fi; done)
endif

# The optimisation of each mode: OPT for the library (and the trainer),
# TEST_OPT for the suite's own files, the tutorials' and the graders'.
# In release those are compiled at -Og rather than -O3: they spend their time
# in the library, and -Og compiles doctest's many small functions in about 60%
# of the time, which on 2 cores was 50 s of a fresh `make test` (measured: the
# tests' objects took 124 s at -O3, 72 s at -Og, and the suite ran no slower;
# the tutorials' outputs are byte-identical). -Og is also what g++ recommends
# for code one steps through. (g++ 12 at -Og, and at -O1 with the sanitizers,
# warns "may be used uninitialized" inside <regex>'s own std::function, a
# false positive: that one warning is off for these files, in release and
# asan. clang has no such option and would warn about it.)
GCC_OG_FIX := $(if $(filter gcc,$(COMPILER)),-Wno-maybe-uninitialized)
ifeq ($(MODE),release)
  OPT      := -O3 $(NATIVE_FLAG) -DNDEBUG
  TEST_OPT := -Og $(GCC_OG_FIX) $(NATIVE_FLAG) -DNDEBUG
else ifeq ($(MODE),debug)
  OPT      := -O0 -g3 $(NATIVE_FLAG)
  TEST_OPT := $(OPT)
else ifeq ($(MODE),asan)
  OPT      := -O1 -g $(NATIVE_FLAG) -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
  TEST_OPT := $(OPT) $(GCC_OG_FIX)
else ifeq ($(MODE),fuzz)
  # clang only: coverage for libFuzzer in every object, sanitizers on.
  OPT      := -O1 -g $(NATIVE_FLAG) -fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer \
              -fno-sanitize-recover=undefined -DAG_LIBFUZZER
  TEST_OPT := $(OPT)
else
  $(error MODE=$(MODE) is not one of release, debug, asan, fuzz)
endif

# Where doctest's header is, for the suite's files: where the compiler looks
# already (Debian's doctest-dev: nothing to add), else where pkg-config says,
# else Homebrew's prefixes (/opt/homebrew on Apple Silicon, /usr/local on
# Intel Macs). DOCTEST_FIND prints "found" and the flags, or nothing; when it
# is nothing, `make doctest` (mk/packages.mk) installs it or names the command.
DOCTEST_FIND = if printf '\043if __has_include(<doctest/doctest.h>)\nfound\n\043endif\n' | \
    $(CXX) $(STDLIB_FLAGS) -x c++ -E -P - 2>/dev/null | grep -q found; then echo found; \
  elif pkg-config --exists doctest 2>/dev/null; then echo found $$(pkg-config --cflags doctest); \
  else for d in /opt/homebrew/include /usr/local/include; do \
    if [ -f $$d/doctest/doctest.h ]; then echo found -I$$d; break; fi; done; fi
ifeq ($(origin DOCTEST_CFLAGS),undefined)
  DOCTEST_CFLAGS := $(if $(filter-out $(NO_BUILD_GOALS),$(or $(MAKECMDGOALS),all)),$(filter-out found,$(shell $(DOCTEST_FIND))))
endif

# Yours first (make CXXFLAGS=... or the environment), then ours.
CXXFLAGS      ?=
LIB_CXXFLAGS  := $(CXXFLAGS) -std=c++20 $(STDLIB_FLAGS) -Wall -Wextra -pthread -I. $(OPT) -MMD -MP
TEST_CXXFLAGS := $(CXXFLAGS) -std=c++20 $(STDLIB_FLAGS) -Wall -Wextra -pthread -I. $(DOCTEST_CFLAGS) \
                 $(TEST_OPT) -MMD -MP
LDFLAGS       += $(STDLIB_FLAGS) -pthread $(filter -fsanitize=%,$(OPT))

# $(BUILD)/flags.txt: the compiler and both flag sets. Every object depends
# on it, and it is rewritten (atomically) only when its text changes, so a
# new flag or compiler version rebuilds everything and nothing else does.
# It is written as the Makefile is read, not by a rule: `make -n` then shows
# exactly what would be rebuilt. Targets that build nothing skip it.
FLAGS_FILE  := $(BUILD)/flags.txt
FLAGS_LINES := $(call quote,compiler: $(CXX_VERSION)) $(call quote,library: $(strip $(LIB_CXXFLAGS))) \
               $(call quote,suite and tutorials: $(strip $(TEST_CXXFLAGS)))
# (debug, asan, gdb and fuzz build in a sub-make, which writes its own folder's.)
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
