# mk/lessons.mk: which files of tutorials/common/ each tutorial links.
#
# A tutorial uses tutorials/common/X.cpp when it includes X.h, directly or
# through another of those files: 03_decoder_masked_attention.cpp includes
# lesson03.h, lesson03.cpp includes lesson02.h, and so on. Following the
# #include lines (from the sources, so it works before anything is built)
# gives tutorial 03 its seven files; `make tutorial T=03` compiles those and
# not the other ten (lesson06's training, the trainer, ...).

# "file:included header" pairs, one per #include "tutorials/common/..." line.
COMMON_INCLUDES := $(shell awk '/^\#include "tutorials\/common\//{ print FILENAME ":" substr($$2, 2, length($$2) - 2) }' \
                     tutorials/*.cpp tutorials/common/*)

# The headers files $(1) include, each with its .cpp when there is one.
includes_of = $(foreach h,$(patsubst $(1):%,%,$(filter $(1):%,$(COMMON_INCLUDES))),$(h) $(filter $(h:.h=.cpp),$(TUT_LIB)))
used_by     = $(foreach f,$(1),$(call includes_of,$(f)))

# Every file reachable from $(2), breadth first: $(1) is what was already seen.
reachable = $(if $(2),$(call reachable,$(1) $(2),$(filter-out $(1) $(2),$(sort $(call used_by,$(2))))),$(1))

# $(call lesson_objects,tutorials/03_decoder_masked_attention.cpp): the objects it links.
lesson_objects = $(patsubst %.cpp,$(BUILD)/obj/%.o,$(filter $(TUT_LIB),$(call reachable,,$(1))))
