// What kinde-claims-shim exits with, so a script can act on it (the values of sysexits.h).
#pragma once

namespace kinde_claims::shim {

inline constexpr int kExitOk = 0;
inline constexpr int kExitUsage = 64;        // bad flags or arguments, missing configuration
inline constexpr int kExitRejected = 65;     // the input was refused: by our rules or a 4xx
inline constexpr int kExitUnavailable = 69;  // network error, timeout, 5xx, cannot listen
inline constexpr int kExitInternal = 70;     // an answer that makes no sense (not PostgREST?)
inline constexpr int kExitConfig = 78;       // sync --once: a failure retrying cannot fix (a key, a grant)

}  // namespace kinde_claims::shim
