# PGXS build of the kinde_claims extension. The sources are listed once, in
# src/extension/sources.list, which CMakeLists.txt reads too.
EXTENSION = kinde_claims
MODULE_big = kinde_claims
EXTENSION_SOURCES := $(shell cat src/extension/sources.list)
OBJS = $(EXTENSION_SOURCES:.cpp=.o)
# sql/ holds what a user installs: the released scripts, frozen, and the generated ones
# (scripts/gen-sql writes them from src/sql/; docs/layout.md#sql-scripts).
DATA = $(sort $(wildcard sql/kinde_claims--*.sql))

# The tests live under test/ (one --inputdir): every test/sql/*.sql is a pg_regress test that sets
# up what it needs, every test/specs/*.spec an isolation test (concurrent sessions); the expected
# output of both is in test/expected/. Helpers they share are in test/lib/ (pg_temp.try, \i from PG_ABS_SRCDIR).
REGRESS = $(sort $(basename $(notdir $(wildcard test/sql/*.sql))))
REGRESS_OPTS = --inputdir=test --outputdir=build/regress
ISOLATION = $(sort $(basename $(notdir $(wildcard test/specs/*.spec))))
ISOLATION_OPTS = --inputdir=test --outputdir=build/isolation

PG_CONFIG ?= pg_config
PG_INCLUDE_SERVER := $(shell $(PG_CONFIG) --includedir-server)
PG_CPPFLAGS = -Isrc/rules -Isrc/extension -isystem $(PG_INCLUDE_SERVER)
PG_CXXFLAGS = -std=c++17 -Wall -Wextra
SHLIB_LINK = -lstdc++
EXTRA_CLEAN = build/regress build/isolation

PGXS := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)

# PGXS also compiles each .cpp to LLVM bitcode for JIT inlining, without PG_CXXFLAGS.
BITCODE_CXXFLAGS += -std=c++17

installcheck: | build/regress build/isolation
build/regress build/isolation:
	mkdir -p $@

.PHONY: shim
shim:
	cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo
	cmake --build build --target kinde-claims-shim
