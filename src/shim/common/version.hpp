// The program's version (the project's, from CMake), for --version and the build_info metric.
#pragma once

namespace kinde_claims::shim {

const char *shim_version();

}  // namespace kinde_claims::shim
