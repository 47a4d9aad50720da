// kinde-claims-shim: see `kinde-claims-shim --help` and the README.
#include <signal.h>

#include <iostream>

#include "cli/commands.hpp"
#include "cli/usage.hpp"
#include "common/exit_codes.hpp"
#include "common/version.hpp"
#include "net/http_client.hpp"

int main(int argc, char **argv) {
    using namespace kinde_claims::shim;

    // Stop signals are taken by sigwait in `serve`; blocked here so every thread inherits it.
    sigset_t signals = stop_signals();
    pthread_sigmask(SIG_BLOCK, &signals, nullptr);
    signal(SIGPIPE, SIG_IGN);
    http_global_init();

    std::string error;
    std::optional<Invocation> invocation =
        parse_invocation(std::vector<std::string>(argv + 1, argv + argc), process_environment(), error);
    if (!invocation) {
        std::cerr << "kinde-claims-shim: " << error << "\n"
                  << "Try 'kinde-claims-shim --help' or 'kinde-claims-shim COMMAND --help'.\n";
        return kExitUsage;
    }
    if (invocation->version) {
        std::cout << "kinde-claims-shim " << shim_version() << "\n";
        return kExitOk;
    }
    if (invocation->help) {
        std::cout << (invocation->command ? usage_text(*invocation->command) : usage_text());
        return kExitOk;
    }
    return run_command(*invocation, std::cout, std::cerr);
}
