// The `--help` texts: what each command does, its options, and the exit codes.
#pragma once

#include <string>

#include "common/config.hpp"

namespace kinde_claims::shim {

// The overview: the commands, and how to get a command's options.
std::string usage_text();
// One command's options.
std::string usage_text(Command command);

}  // namespace kinde_claims::shim
