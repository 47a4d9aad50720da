// The commands. Each returns the process exit code (exit_codes.hpp).
#pragma once

#include <signal.h>

#include <iosfwd>

#include "common/config.hpp"

namespace kinde_claims::shim {

int run_claims(const Invocation &invocation, std::ostream &out, std::ostream &err);
int run_upsert(const Invocation &invocation, std::ostream &out, std::ostream &err);
// Serves until SIGINT or SIGTERM, which the caller has blocked in every thread.
int run_serve(const Invocation &invocation, std::ostream &out, std::ostream &err);
// Pushes changes to Kinde until SIGINT or SIGTERM, which the caller has blocked in every thread.
int run_sync(const Invocation &invocation, std::ostream &out, std::ostream &err);

// The signals that stop `serve` and `sync`: SIGINT and SIGTERM. main() blocks them in every
// thread; the command takes them with sigwait.
sigset_t stop_signals();

// Runs the command an invocation names (one that is not `--help`).
int run_command(const Invocation &invocation, std::ostream &out, std::ostream &err);

}  // namespace kinde_claims::shim
